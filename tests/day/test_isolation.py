"""The test suite keeps out of the user's home and the machine's Jupyter configuration (tests/conftest.py)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MARK, REMOVED, isolated_environment

from .helpers import ROOT

#: The machine's Jupyter configuration folders (jupyter_core's system config path) that a run must not change.
GLOBAL_DIRS = [Path("/etc/jupyter"), Path("/usr/local/etc/jupyter")]
HOME_VARIABLES = (
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
    "XDG_RUNTIME_DIR",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "MPLCONFIGDIR",
)


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry below ``folder`` with its kind, mode and (for files) sha256; {} if it does not exist."""
    if not folder.exists():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        st = path.lstat()
        if path.is_symlink():
            found[rel] = f"link {os.readlink(path)}"
        elif path.is_file():
            found[rel] = f"file {oct(st.st_mode)} {hashlib.sha256(path.read_bytes()).hexdigest()}"
        else:
            found[rel] = f"dir {oct(st.st_mode)}"
    return found


def test_every_per_user_folder_is_in_the_session_home():
    base = os.environ[MARK]
    for name in HOME_VARIABLES:
        assert os.environ[name].startswith(base + os.sep), f"{name}={os.environ[name]} is outside {base}"
    for name in REMOVED:
        assert name not in os.environ, f"{name} reaches the tests"


def test_jupyter_nbgrader_and_matplotlib_paths_in_a_subprocess_are_in_the_session_home():
    """What a subprocess (nbgrader, a kernel, JupyterLab) resolves, not only what this process set."""
    code = (
        "import os, jupyter_core.paths as p, IPython.paths as ip, matplotlib\n"
        "from nbgrader.exchange.default.exchange import Exchange\n"
        "print(p.jupyter_config_dir()); print(p.jupyter_data_dir()); print(p.jupyter_runtime_dir())\n"
        "print(ip.get_ipython_dir()); print(matplotlib.get_configdir()); print(matplotlib.get_cachedir())\n"
        "print(Exchange().cache); print(os.path.expanduser('~'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    base = os.environ[MARK]
    for line in done.stdout.splitlines():
        assert line.startswith(base + os.sep), f"a subprocess resolves {line}, outside the tests' home {base}"


@pytest.mark.slow
def test_a_suite_run_leaves_the_users_home_and_etc_jupyter_unchanged(tmp_path):
    """Run a real part of the suite (fake learners fetch and submit through nbgrader, kernels run notebooks, on an
    xdist worker) with HOME set to a stand-in for the user's home, and compare before and after."""
    home = tmp_path / "the-users-home"
    (home / ".jupyter").mkdir(parents=True)
    (home / ".jupyter" / "jupyter_server_config.py").write_text("# the user's own settings\n")
    (home / ".local" / "share" / "jupyter").mkdir(parents=True)
    inner_tmp = tmp_path / "tmp"
    inner_tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in HOME_VARIABLES + (MARK,) and not k.startswith("PYTEST")}
    env.update(
        HOME=str(home),
        TMPDIR=str(inner_tmp),
        NNLIB_KEEP_TEST_HOME="1",
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
    )
    before_home, before_global = snapshot(home), {str(d): snapshot(d) for d in GLOBAL_DIRS}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "tests/grading/test_workflow.py",
        "solutions/00-start-here",
        "-n",
        "1",
        "-q",
        "-p",
        "no:cacheprovider",
        "--basetemp",
        str(tmp_path / "inner-basetemp"),
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3000)
    assert done.returncode == 0, f"the inner test run failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    assert snapshot(home) == before_home, "a test run changed the user's home"
    assert {str(d): snapshot(d) for d in GLOBAL_DIRS} == before_global, "a test run changed /etc/jupyter"
    # and the fake learners' submissions went to the run's own home instead
    homes = list(inner_tmp.glob("nnlib-test-home-*"))
    assert len(homes) == 1, f"expected one test home, found {homes}"
    cache = homes[0] / "home" / ".local" / "share" / "jupyter" / "nbgrader_cache" / "nn-from-one-neuron"
    assert sorted({p.name.split("+")[0] for p in cache.iterdir()}) == ["alice", "bob"], sorted(cache.iterdir())


def test_isolated_environment_is_all_below_its_base(tmp_path):
    env = isolated_environment(str(tmp_path))
    assert all(v.startswith(str(tmp_path)) for k, v in env.items())
