# The course's commands. Everything runs in a local virtual environment (.venv) that the first command
# creates; nothing is installed system-wide.
#   make lab        install what the course needs, then open the learner's JupyterLab (127.0.0.1, with a token)
#                   on work/, with nbgrader's Assignment List wired to this course's exchange
#   make grade-ui   the instructor's JupyterLab on the course folder, opening the formgrader
#   make test       install what the tests need too (requirements-test.txt), then run the whole test suite
#   make class-server   as root: the course for a class on one JupyterHub server (python3 -m classhub install,
#                   then start; INSTRUCTOR=name); see README "For a class"
#   make release    regenerate notebooks/ from solutions/ with nbgrader (the release is never edited by hand)
# Options for JupyterLab go in LAB_ARGS, e.g.  make lab LAB_ARGS="--port=8890 --no-browser"
# As root (a container, a fresh VM) both JupyterLab commands add --allow-root, which JupyterLab requires there.
PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
LAB_DIR  ?= work
LAB_ARGS ?=
PUBLISH  ?= yes
# nbgrader runs `alembic` from PATH, so the environment's bin folder comes first.
export PATH := $(abspath $(BIN)):$(PATH)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
ROOT_NOTE  := $(if $(ALLOW_ROOT),@echo "make: running as root (a container?): JupyterLab gets --allow-root")

.PHONY: lab grade-ui test release benchmark install install-test clean class-server
INSTRUCTOR ?=
install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/jupyter labextension disable "@jupyterlab/apputils-extension:announcements"
	touch $@

install-test: $(VENV)/.installed-test
$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/python -m pip install -r requirements-test.txt
	touch $@

# The learner's side: work/ (git-ignored) gets an nbgrader_config.py naming this course and its exchange;
# on one machine the lessons are published to the course's exchange first (PUBLISH=no skips that).
lab: install
	$(BIN)/python -m autograder.commands.lab learner-setup $(LAB_DIR) $(if $(filter no,$(PUBLISH)),--no-publish)
	$(ROOT_NOTE)
	$(BIN)/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir=$(LAB_DIR) --ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False $(ALLOW_ROOT) $(LAB_ARGS)

# The instructor's side: the course folder itself, so the formgrader's links stay inside the server's root.
grade-ui: install
	$(ROOT_NOTE)
	$(BIN)/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir=. --LabApp.default_url=/formgrader $(ALLOW_ROOT) $(LAB_ARGS)

test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m "not solo"
	$(BIN)/python -m pytest -m solo -n 0 tests/browser/test_one_machine.py
	$(BIN)/python -m pytest -m solo -n 0 tests/classhub

class-server:
	@test -n "$(INSTRUCTOR)" || { echo "make class-server: name the instructor's account: make class-server INSTRUCTOR=name"; exit 2; }
	/usr/bin/python3 -m classhub install --instructor $(INSTRUCTOR)
	/usr/bin/python3 -m classhub start

release: install
	$(BIN)/python -m autograder.commands.release

benchmark: install
	$(BIN)/python benchmarks/train_digits.py
	$(BIN)/python benchmarks/lesson_times.py

clean:
	rm -rf $(VENV) grading .pytest_cache
