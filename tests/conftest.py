"""The test suite never touches the user's home or the machine's Jupyter configuration.

Imported by pytest before the tests (it is the suite's top conftest, loaded with the initial conftests, before
xdist starts its workers and before any test imports jupyter, IPython or matplotlib), it points HOME and every
per-user folder that Jupyter, IPython, nbgrader, matplotlib and the XDG standard use at one temporary folder.
xdist workers and every subprocess (nbgrader, kernels, JupyterLab, Chromium) inherit these variables, so a fake
learner's submission lands in ``<tmp>/home/.local/share/jupyter/nbgrader_cache``, never in the user's.

The controller process creates the folder and removes it at the end; workers find it in the environment. The
course's own exchange variable (NN_COURSE_EXCHANGE) and Jupyter's extra config/data paths are removed, so a
setting of the person running the tests cannot change what the tests see. Global configuration (/etc/jupyter)
is only ever read, as every Jupyter program does; tests/day/test_isolation.py proves a run changes neither.
"""

from __future__ import annotations

import os
import shutil
import tempfile

MARK = "NNLIB_TEST_HOME"  # set once per test session; its value is the temporary home
#: Variables of the person running the tests that would reach into their own configuration.
REMOVED = (
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_PATH",
    "JUPYTER_PREFER_ENV_PATH",
    "JUPYTERLAB_SETTINGS_DIR",
    "JUPYTERLAB_WORKSPACES_DIR",
    "NN_COURSE_EXCHANGE",
    "NBGRADER_EXCHANGE",
)


def isolated_environment(base: str) -> dict[str, str]:
    """The variables that send every per-user folder below ``base``."""
    home = os.path.join(base, "home")
    return {
        "HOME": home,
        "USERPROFILE": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
        "XDG_RUNTIME_DIR": os.path.join(base, "xdg-runtime"),
        "JUPYTER_CONFIG_DIR": os.path.join(home, ".jupyter"),
        "JUPYTER_DATA_DIR": os.path.join(home, ".local", "share", "jupyter"),
        "JUPYTER_RUNTIME_DIR": os.path.join(base, "jupyter-runtime"),
        "IPYTHONDIR": os.path.join(home, ".ipython"),
        "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
    }


def _isolate() -> str | None:
    """Set the variables (once per session); returns the folder this process created, if it created one."""
    if os.environ.get(MARK) and os.path.isdir(os.environ[MARK]):
        return None  # an xdist worker, or a nested run that already has its own home
    base = tempfile.mkdtemp(prefix="nnlib-test-home-")
    env = isolated_environment(base)
    for name in ("XDG_RUNTIME_DIR", "JUPYTER_RUNTIME_DIR"):
        os.makedirs(env[name], mode=0o700, exist_ok=True)
    for name in (
        "HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
    ):
        os.makedirs(env[name], exist_ok=True)
    os.environ.update(env)
    for name in REMOVED:
        os.environ.pop(name, None)
    os.environ[MARK] = base
    return base


_CREATED = _isolate()


def pytest_unconfigure(config):
    if _CREATED and os.environ.get(MARK) == _CREATED and not os.environ.get("NNLIB_KEEP_TEST_HOME"):
        shutil.rmtree(_CREATED, ignore_errors=True)
