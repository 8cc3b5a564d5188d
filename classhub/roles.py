"""Roles on the class server: what a learner's and the instructor's single-user servers get.

A learner's server is started with nbgrader's formgrader and course-list *server* extensions switched off on its
command line (``--ServerApp.jpserver_extensions=...=False``, which no configuration file in the learner's home
can switch back on), so ``/user/<learner>/formgrader`` answers 404; and with the lab-side plugins of the
formgrader, the course list and create-assignment disabled through a root-owned ``labconfig/page_config.json``
on its ``JUPYTER_CONFIG_PATH`` (menus and toolbars stay clean; the server side is what refuses). The instructor's
server runs all of nbgrader; the formgrader finds the course through ``~/.jupyter/nbgrader_config.py``
(written by `install`), since the server starts in the home folder, not in the course.
"""

from __future__ import annotations

import json
import os

from .settings import SYSTEM_CONFIG_DIR, Settings

LEARNER_SERVER_EXTENSIONS_OFF = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
LEARNER_LAB_PLUGINS_OFF = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
)


def common_environment(s: Settings) -> dict[str, str]:
    """Environment of every single-user server (on top of what JupyterHub passes)."""
    env = {
        "NN_COURSE_EXCHANGE": s.exchange,  # the course's nbgrader_config.py obeys this before anything else
        "PATH": f"{s.bin}:/usr/local/bin:/usr/bin:/bin",  # nbgrader runs alembic from PATH
    }
    if os.path.realpath(s.config_dir) != os.path.realpath(SYSTEM_CONFIG_DIR):
        env["JUPYTER_CONFIG_PATH"] = s.config_dir  # a non-default global config folder (a second class server)
    return env


def is_instructor(s: Settings, name: str) -> bool:
    from .accounts import in_group

    return name == s.instructor or in_group(name, s.instructor_group)


#: A terminal's shell: not a login shell, which would read /etc/profile and lose the shared environment's bin folder
#: from PATH (jupyter_server starts ``$SHELL -l`` when it has no terminal of its own, as under JupyterHub).
TERMINAL_ARGUMENT = '--ServerApp.terminado_settings=shell_command=["/bin/bash"]'


def learner_arguments() -> list[str]:
    return [f"--ServerApp.jpserver_extensions={ext}=False" for ext in LEARNER_SERVER_EXTENSIONS_OFF]


def write_learner_lab_config(s: Settings) -> None:
    """The root-owned page_config.json that disables the instructor's plugins in learners' JupyterLab."""
    folder = s.learner_config_dir / "labconfig"
    folder.mkdir(parents=True, exist_ok=True)
    for path in (s.learner_config_dir, folder):
        os.chmod(path, 0o755)
    page = {"disabledExtensions": {name: True for name in LEARNER_LAB_PLUGINS_OFF}}
    (folder / "page_config.json").write_text(json.dumps(page, indent=2) + "\n")
    os.chmod(folder / "page_config.json", 0o644)


def pre_spawn_hook(s: Settings):
    """The hook JupyterHub calls before it starts a user's server: learner or instructor settings."""

    def hook(spawner):
        name = spawner.user.name
        env = common_environment(s)  # computed afresh: a spawner object lives on across its user's restarts
        extra = learner_arguments()
        args = [a for a in spawner.args if a not in extra and a != TERMINAL_ARGUMENT] + [TERMINAL_ARGUMENT]
        if is_instructor(s, name):
            spawner.log.info("classhub: %s is an instructor: formgrader on", name)
        else:
            args += extra
            env["PYTHONPATH"] = str(s.learner_python)  # the learner build of nnlib: no reference source
            paths = [str(s.learner_config_dir)] + ([env["JUPYTER_CONFIG_PATH"]] if "JUPYTER_CONFIG_PATH" in env else [])
            env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
            spawner.log.info("classhub: %s is a learner: no formgrader, course list or create-assignment", name)
        spawner.args = args
        spawner.environment = env

    return hook
