"""A real class server for the tests: its own state folder, ports, groups and unix accounts, all removed after.

Needs root (accounts, PAM, one process per account) and the shared environment that `.ci/run` builds with
``python3 -m classhub environment`` (/opt/nn-course). Without them the tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import csv
import grp
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from classhub import accounts  # noqa: E402
from classhub import settings as hub_settings  # noqa: E402
from classhub.environment import check_environment  # noqa: E402
from tests.support import reaper  # noqa: E402


def required() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def need(condition: bool, message: str) -> None:
    if condition:
        return
    if required():
        pytest.fail(f"{message} (CI=true: the class-server tests must run here)", pytrace=False)
    pytest.skip(message)


def classhub(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "classhub", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if check:
        assert done.returncode == 0, f"python -m classhub {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Hub:
    settings: hub_settings.Settings
    instructor: str
    learners: list[str]
    passwords: dict[str, str] = field(default_factory=dict)
    watchdog: subprocess.Popen | None = None  # stops the hub if the test run is killed (tests/support/reaper.py)

    @property
    def url(self) -> str:
        return self.settings.url

    @property
    def base(self) -> str:
        """The test's folder: state/ (root's, 0700), exchange/, etc-jupyter/."""
        return os.path.dirname(self.settings.state)

    @property
    def state(self) -> str:
        return self.settings.state

    def read_passwords(self) -> dict[str, str]:
        with open(self.settings.passwords_file, newline="") as f:
            self.passwords = {row["account"]: row["first_password"] for row in csv.DictReader(f)}
        return self.passwords

    def as_user(
        self, user: str, *cmd: str, cwd: str | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        """Run ``cmd`` as ``user`` with the environment the hub gives that user's server."""
        home = os.path.expanduser(f"~{user}")
        env = {
            "HOME": home,
            "USER": user,
            "LANG": "C.UTF-8",
            "NN_COURSE_EXCHANGE": self.settings.exchange,
            "PATH": f"{self.settings.bin}:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": self.settings.config_dir,
        }
        return subprocess.run(
            ["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *cmd],
            cwd=cwd or home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def log(self, chars: int = 6000) -> str:
        try:
            return Path(self.settings.log_file).read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


def make_hub(learner_count: int = 3) -> tuple[Hub, str]:
    """Install (without rebuilding the environment), make the accounts, start the hub; the caller removes it."""
    need(os.geteuid() == 0, "the class server's tests need root (real unix accounts, PAM, a process per account)")
    missing = check_environment(hub_settings.Settings())
    need(
        not missing,
        "the shared environment is missing (" + ", ".join(missing) + "): build it with "
        "`sudo python3 -m classhub environment`",
    )
    tag = "cj" + secrets.token_hex(2)
    base = tempfile.mkdtemp(prefix=f"classhub-test-{tag}-", dir="/srv" if os.path.isdir("/srv") else None)
    os.chmod(base, 0o755)  # the exchange and the global config live here, beside the root-only state folder
    state = os.path.join(base, "state")
    instructor, learners = f"{tag}teach", [f"{tag}l{i}" for i in range(1, learner_count + 1)]
    hub = Hub(hub_settings.Settings(state=state), instructor, learners)
    return hub, tag


BOX_LIMIT_MIB = 64  # all one learner can write into the exchange (classhub/boxes.py)
MEM_LIMIT_MIB = 600  # a learner's server (about 150 MiB) and a lesson's kernel (about 150 MiB) fit


def install_and_start(hub: Hub, tag: str) -> None:
    s = hub.settings
    classhub(
        "--state",
        s.state,
        "install",
        "--instructor",
        hub.instructor,
        "--no-environment",
        "--exchange",
        os.path.join(hub.base, "exchange"),
        "--boxes",
        os.path.join(hub.base, "boxes"),
        "--box-limit",
        str(BOX_LIMIT_MIB),
        "--config-dir",
        os.path.join(hub.base, "etc-jupyter"),
        "--port",
        str(free_port()),
        "--hub-port",
        str(free_port()),
        "--proxy-api-port",
        str(free_port()),
        "--learner-group",
        f"{tag}-learners",
        "--instructor-group",
        f"{tag}-instructors",
        "--cgroup",
        f"nn23-{tag}",
        "--mem-limit",
        str(MEM_LIMIT_MIB),
        "--cpu-limit",
        "1.0",
    )
    hub.settings = hub_settings.load(s.state)
    roster = Path(s.state) / "roster.csv"
    roster.write_text(
        "id,name,email\n" + "".join(f"{name},Learner {name},{name}@example.org\n" for name in hub.learners)
    )
    classhub("--state", s.state, "accounts", str(roster))
    hub.read_passwords()
    # JupyterHub detaches from `classhub start`: a watchdog stops it (and so its servers and kernels) if this
    # test run dies before remove_hub does
    hub.watchdog = reaper.on_death(
        [sys.executable, "-m", "classhub", "--state", s.state, "stop"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    classhub("--state", s.state, "start")


def remove_hub(hub: Hub, tag: str) -> None:
    """Stop the hub and remove its accounts, groups and files, whatever state a failed test left them in."""
    s = hub.settings
    if hub.watchdog is not None:
        hub.watchdog.terminate()
        hub.watchdog.wait(timeout=30)
    subprocess.run(
        [sys.executable, "-m", "classhub", "--state", s.state, "stop"], cwd=ROOT, capture_output=True, timeout=120
    )
    accounts.remove_accounts([hub.instructor, *hub.learners])
    from classhub import boxes, limits

    boxes.unmount(s)

    limits.remove(f"nn23-{tag}")
    for group in (f"{tag}-learners", f"{tag}-instructors"):
        try:
            grp.getgrnam(group)
            subprocess.run(["groupdel", group], capture_output=True)
        except KeyError:
            pass
    if os.path.basename(hub.base).startswith(f"classhub-test-{tag}-"):
        shutil.rmtree(hub.base, ignore_errors=True)
