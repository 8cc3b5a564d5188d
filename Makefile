# The course's two commands, and the instructor's release step. Everything runs in a local virtual
# environment (.venv) that the first command creates; nothing is installed system-wide.
#   make lab       install what the course needs, then open the lessons in JupyterLab (127.0.0.1, with a token)
#   make test      install what the tests need, then run the whole test suite
#   make release   regenerate notebooks/ from solutions/ with nbgrader (the release is never edited by hand)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# nbgrader runs `alembic` from PATH, so the environment's bin folder comes first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test release benchmark install clean
install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/jupyter labextension disable "@jupyterlab/apputils-extension:announcements"
	touch $@

lab: install
	$(BIN)/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir=notebooks

test: install
	$(BIN)/python -m pytest

release: install
	$(BIN)/python -m autograder.release

benchmark: install
	$(BIN)/python benchmarks/train_digits.py
	$(BIN)/python benchmarks/lesson_times.py

clean:
	rm -rf $(VENV) grading .pytest_cache
