"""The shared environment every account runs: ``<prefix>/venv`` (Python) and ``<prefix>/node`` (the proxy).

The virtual environment is built from Debian's ``/usr/bin/python3``: the machine's default ``python3`` may be a
build in root's home (pyenv), which the learners' accounts cannot read. It holds JupyterHub, JupyterLab,
nbgrader and the course's own packages (``nnlib``, ``autograder`` and ``classhub``, installed as a copy, not as a
link to this checkout: ``sudo /opt/nn-course/venv/bin/python -m classhub status`` works from any folder). configurable-http-proxy comes from npm into ``<prefix>/node``. Everything is readable by all.

Idempotent and quick when nothing changed: ``<prefix>/.installed`` records a hash of the requirements and of
the course's package sources; only what changed is installed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .settings import COURSE_SOURCE, ClassHubError, Settings

BASE_PYTHON = "/usr/bin/python3"
HUB_REQUIREMENTS = ["jupyterhub>=5,<6", "jupyterhub-idle-culler>=1.4"]
PROXY_PACKAGE = "configurable-http-proxy@^4.6"
PACKAGE_FILES = ("pyproject.toml", "README.md")
PACKAGE_DIRS = ("nnlib", "autograder", "classhub")


def course_requirements(source: Path = COURSE_SOURCE) -> list[str]:
    """requirements.txt of the course without its editable install of the checkout (``-e .``)."""
    lines = []
    for line in (source / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-e"):
            lines.append(line)
    return lines + HUB_REQUIREMENTS


def _hash(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(path.parent)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def _run(cmd: list[str], what: str, **kwargs) -> None:
    print(f"classhub: {what}: {' '.join(map(str, cmd))}", flush=True)
    done = subprocess.run(cmd, **kwargs)
    if done.returncode != 0:
        raise ClassHubError(f"{what} failed (exit {done.returncode}): {' '.join(map(str, cmd))}")


def install_environment(settings: Settings, source: Path = COURSE_SOURCE, force: bool = False) -> bool:
    """Build or update the shared environment; True if anything was installed."""
    prefix = Path(settings.prefix)
    marker = prefix / ".installed"
    state = json.loads(marker.read_text()) if marker.is_file() and not force else {}
    wanted = {
        "requirements": _hash([], "\n".join(course_requirements(source))),
        "course": _hash([source / f for f in PACKAGE_FILES] + [source / d for d in PACKAGE_DIRS]),
        "proxy": PROXY_PACKAGE,
    }
    python = settings.bin / "python"
    changed = False
    if not (source / "solutions").is_dir() or not (source / "requirements.txt").is_file():
        raise ClassHubError(
            f"{source} is not the course's checkout: build the environment from the checkout "
            f"(cd CHECKOUT && sudo python3 -m classhub environment)"
        )
    if not Path(BASE_PYTHON).is_file():
        raise ClassHubError(f"{BASE_PYTHON} is missing: install Debian's python3 (apt-get install python3-venv)")
    if not python.is_file():
        prefix.mkdir(parents=True, exist_ok=True)
        _run([BASE_PYTHON, "-m", "venv", str(settings.venv)], "creating the shared Python environment")
        state = {}
    if state.get("requirements") != wanted["requirements"]:
        _run([str(python), "-m", "pip", "install", "--upgrade", "pip"], "upgrading pip")
        _run(
            [str(python), "-m", "pip", "install", *course_requirements(source)], "installing JupyterHub and the course"
        )
        _run(
            [str(settings.bin / "jupyter"), "labextension", "disable", "@jupyterlab/apputils-extension:announcements"],
            "switching off JupyterLab's news",
        )
        changed = True
    if changed or state.get("course") != wanted["course"]:
        with tempfile.TemporaryDirectory(prefix="classhub-course-") as tmp:  # a clean copy: no build/ in the checkout
            for name in PACKAGE_FILES:
                shutil.copy2(source / name, Path(tmp) / name)
            for name in PACKAGE_DIRS:
                shutil.copytree(source / name, Path(tmp) / name, ignore=shutil.ignore_patterns("__pycache__"))
            _run(
                [str(python), "-m", "pip", "install", "--no-deps", "--force-reinstall", tmp],
                "installing the course's packages (nnlib, autograder, classhub)",
            )
        changed = True
    if changed or not (settings.learner_python / "nnlib").is_dir():
        _run(
            [str(python), "-m", "autograder.commands.learner_build", str(settings.learner_python)],
            "building the learners' nnlib (graded references as bytecode only)",
            cwd="/",
        )
        changed = True
    if state.get("proxy") != wanted["proxy"] or not settings.proxy_command.is_file():
        npm = shutil.which("npm")
        if not npm:
            raise ClassHubError("npm is missing: install Node.js 18 or later with npm (apt-get install nodejs npm)")
        (prefix / "node").mkdir(parents=True, exist_ok=True)
        _run(
            [npm, "install", "--no-fund", "--no-audit", "--prefix", str(prefix / "node"), PROXY_PACKAGE],
            "installing configurable-http-proxy",
        )
        changed = True
    _readable_by_all(prefix)
    marker.write_text(json.dumps(wanted, indent=2) + "\n")
    return changed


def _readable_by_all(root: Path) -> None:
    """a+rX on the environment (a root umask of 077 would otherwise lock the learners out)."""
    for path in [root, *root.rglob("*")]:
        try:
            st = path.lstat()
            if (
                st.st_mode & 0o777 == 0o640
                and path.parent.name in ("nnlib", "__pycache__")
                and "site-packages" in path.parts
                and st.st_gid != 0
            ):
                continue  # a reference module restricted by `install` (restrict_references) stays so
        except FileNotFoundError:
            continue
        if path.is_symlink():
            continue
        mode = st.st_mode & 0o7777
        want = mode | 0o044 | (0o011 if (mode & 0o100 or path.is_dir()) else 0)
        if want != mode:
            os.chmod(path, want)


def reference_files(settings: Settings) -> list[Path]:
    """The full nnlib's graded-reference modules in the shared environment (source and bytecode)."""
    from autograder.commands.learner_build import reference_modules

    files = []
    for package in settings.venv.glob("lib/python3*/site-packages/nnlib"):
        for name in sorted(reference_modules()):
            rel = Path(*name.split(".")[1:])
            for source in (package / rel.with_suffix(".py"), package / rel / "__init__.py"):
                if source.is_file():
                    files.append(source)
                    files += sorted(source.parent.glob(f"__pycache__/{source.stem}.*.pyc"))
    return files


def restrict_references(settings: Settings, group: str) -> list[Path]:
    """The full nnlib's reference modules readable by root and ``group`` (the instructors: grading) only, 0640;
    learners import the learner build (``learner_python``) and cannot read the reference answers."""
    import grp

    gid = grp.getgrnam(group).gr_gid
    files = reference_files(settings)
    for path in files:
        os.chown(path, 0, gid)
        os.chmod(path, 0o640)
    return files


def check_environment(settings: Settings) -> list[str]:
    """What is missing from the shared environment (empty when it is complete)."""
    missing = []
    for path in (
        settings.bin / "jupyterhub",
        settings.bin / "jupyterhub-singleuser",
        settings.bin / "nbgrader",
        settings.proxy_command,
    ):
        if not path.exists():
            missing.append(str(path))
    return missing
