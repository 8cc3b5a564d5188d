"""Where the class server keeps its parts, and its settings file (``<state>/classhub.json``).

Every command of ``python -m classhub`` works on one *state folder* (``--state``, else ``$NN_CLASSHUB_STATE``,
else ``/srv/nn-course``): ``install`` writes the settings there and every other command reads them back, so a
second server (the test suite's) never touches the first one's files, ports or accounts.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STATE = "/srv/nn-course"
ENV_STATE = "NN_CLASSHUB_STATE"
SETTINGS_FILE = "classhub.json"
#: The course's source tree (this repository): what `install` puts into the shared environment and copies as the
#: instructor's course folder.
COURSE_SOURCE = Path(__file__).resolve().parents[1]
SYSTEM_CONFIG_DIR = "/etc/jupyter"
COURSE_ID = "nn-from-one-neuron"  # nbgrader's course id (the course's own nbgrader_config.py says the same)


class ClassHubError(RuntimeError):
    """A class-server command that cannot go on; the message says what is wrong and what to do."""


@dataclass
class Settings:
    """The class server's settings (what `install` was told, with its defaults)."""

    state: str = DEFAULT_STATE  # hub database, cookie secret, pid files, log, this file (0700)
    prefix: str = "/opt/nn-course"  # the shared environment: venv/ (Python) and node/ (the proxy)
    exchange: str = "/srv/nbgrader/exchange"  # nbgrader's filesystem exchange: the instructor's, read by learners
    boxes: str = "/srv/nbgrader/learners"  # each learner's exchange box, a filesystem of its own (classhub/boxes.py)
    box_limit: int = 200  # MiB: all a learner can write into the exchange (0: plain folders, no bound)
    config_dir: str = SYSTEM_CONFIG_DIR  # where the global nbgrader_config.py goes
    ip: str = "127.0.0.1"  # the address learners open (behind a TLS reverse proxy if public)
    port: int = 8000  # the public port (the proxy's)
    hub_port: int = 8081  # the hub's own API port (loopback only)
    proxy_api_port: int = 8001  # the proxy's API port (loopback only)
    instructor: str = ""  # the instructor's unix account
    course: str = ""  # the instructor's course folder (default ~instructor/course)
    learner_group: str = "nn-learners"  # unix group of the learners (who may log in as a learner)
    instructor_group: str = "nn-instructors"  # unix group of the instructors (formgrader, course folder)
    mem_limit: int = 2048  # MiB of memory for a learner's server and its kernels (0: none)
    cpu_limit: float = 1.0  # CPU cores for a learner's server and its kernels (0: none)
    cgroup: str = "nn-course"  # the class's cgroup (v1) under /sys/fs/cgroup/{memory,cpu}/
    spawn_limit: int = 0  # servers starting at once, the others wait their turn (0: 4 per core)
    idle_timeout: int = 3600  # seconds: an idle server (and, inside one, an idle kernel) is stopped
    cull_every: int = 300  # seconds between the idle culler's checks

    # ------------------------------------------------------------------ derived paths
    @property
    def venv(self) -> Path:
        return Path(self.prefix) / "venv"

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def proxy_command(self) -> Path:
        return Path(self.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"

    @property
    def global_config(self) -> Path:
        return Path(self.config_dir) / "nbgrader_config.py"

    @property
    def learner_config_dir(self) -> Path:
        """Root-owned Jupyter config folder put on every learner's JUPYTER_CONFIG_PATH (the lab-side switches).

        In the shared environment, readable by all: the state folder is root's alone (0700)."""
        return Path(self.prefix) / "learner-jupyter"

    @property
    def learner_python(self) -> Path:
        """The learner build of nnlib (autograder/commands/learner_build.py), first on every learner's PYTHONPATH."""
        return Path(self.prefix) / "learner-python"

    @property
    def hub_db(self) -> Path:
        return Path(self.state) / "jupyterhub.sqlite"

    @property
    def passwords_file(self) -> Path:
        return Path(self.state) / "initial-passwords.csv"

    @property
    def pid_file(self) -> Path:
        return Path(self.state) / "jupyterhub.pid"

    @property
    def log_file(self) -> Path:
        return Path(self.state) / "jupyterhub.log"

    @property
    def url(self) -> str:
        return f"http://{self.ip}:{self.port}"

    # ------------------------------------------------------------------ the file
    def save(self) -> Path:
        path = Path(self.state) / SETTINGS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")
        os.chmod(path, 0o600)
        return path


def state_dir(given: str | None = None) -> str:
    return os.path.abspath(given or os.environ.get(ENV_STATE) or DEFAULT_STATE)


def load(state: str | None = None) -> Settings:
    """The settings saved by `install` in the state folder, or ClassHubError saying to run it."""
    folder = state_dir(state)
    path = Path(folder) / SETTINGS_FILE
    if not path.is_file():
        raise ClassHubError(
            f"no class server is set up in {folder} (no {SETTINGS_FILE}): run "
            f"`python -m classhub install --instructor NAME` first (as root)"
        )
    data = json.loads(path.read_text())
    known = {f.name for f in dataclasses.fields(Settings)}
    return Settings(**{k: v for k, v in data.items() if k in known})
