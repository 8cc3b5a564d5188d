"""A bounded exchange box per learner: what one learner can write into the exchange has a total limit.

nbgrader's filesystem exchange is one folder that every account may write to (its root 1777, ``inbound/``
0733): one learner can fill the disk for everyone, and no per-submission check stops files written there by
hand. On a class server the exchange is split instead:

- the **shared exchange** (``Settings.exchange``) belongs to the instructor and is 0755: learners read the
  released lessons (``outbound/``) and their feedback (``feedback/``) there and can write nothing;
- each learner has a **box** (``<boxes>/<learner>``): a small filesystem of its own (ext4 in a sparse image file
  ``<boxes>.images/<learner>.img`` of ``Settings.box_limit`` MiB, loop-mounted nodev,nosuid), owned by the
  learner, group the instructors, 0750. nbgrader sees the box as the learner's exchange root (the global
  nbgrader_config.py picks it for its owner): ``<box>/<course>/inbound/`` is the learner's own inbound folder and
  ``outbound``/``feedback`` are links to the shared ones. A filesystem cannot hold more than its size, so nothing
  the learner does in it (files, folders, links, many submissions) passes the limit: a write past it fails with
  "No space left on device", in that box only. (A quota on one shared filesystem would be lighter, but this
  kernel has no ext4/XFS quotas, and btrfs qgroups are escaped by a subvolume the learner makes inside the box.)
- the instructor's collect (``SafeExchangeCollect.boxes``) gathers every box's inbound entries, each refused
  unless it names the box's owner and is owned by them.

``install`` and ``accounts`` make and mount the boxes, ``start`` mounts them again after a reboot. Without the
tools (``mkfs.ext4``, ``mount``, root) the boxes are plain folders and ``install`` says that nothing bounds them.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from .settings import COURSE_ID, ClassHubError, Settings


def _run(cmd: list[str], what: str) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ClassHubError(f"{what} failed: {' '.join(cmd)}: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def images(s: Settings) -> Path:
    """Root's folder of the boxes' image files (0700)."""
    return Path(s.boxes + ".images")


def box(s: Settings, learner: str) -> Path:
    return Path(s.boxes) / learner


def _mounts() -> set[str]:
    with open("/proc/mounts") as f:
        return {parts[1] for parts in (line.split() for line in f) if len(parts) > 1}


def mounted(path: str | os.PathLike) -> bool:
    return os.path.realpath(path) in _mounts()


def why_unbounded(s: Settings) -> str | None:
    """None when the boxes can be bounded here; otherwise what is missing."""
    if s.box_limit <= 0:
        return "box_limit is 0 (no limit asked for)"
    if os.geteuid() != 0:
        return "not root"
    missing = [tool for tool in ("mkfs.ext4", "mount", "umount") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install e2fsprogs mount)"
    return None


def _mount(img: Path, path: Path) -> None:
    _run(["mount", "-o", "loop,nodev,nosuid", str(img), str(path)], f"mounting the exchange box {path}")


def ensure_box(s: Settings, learner: str) -> Path:
    """The learner's box (its own filesystem of ``box_limit`` MiB when it can be), set up for nbgrader."""
    path = box(s, learner)
    Path(s.boxes).mkdir(parents=True, exist_ok=True)
    os.chmod(s.boxes, 0o755)
    path.mkdir(exist_ok=True)
    if not why_unbounded(s) and not mounted(path):
        images(s).mkdir(exist_ok=True)
        os.chmod(images(s), 0o700)
        img = images(s) / f"{learner}.img"
        if not img.exists():
            with open(img, "wb") as f:
                f.truncate(s.box_limit << 20)  # sparse: the host's disk is used as the box fills
            _run(["mkfs.ext4", "-q", "-F", "-m", "0", "-L", learner[:16], str(img)], f"making {learner}'s box")
        _mount(img, path)
        lost = path / "lost+found"
        if lost.is_dir() and not any(lost.iterdir()):
            lost.rmdir()
    user = pwd.getpwnam(learner)
    gid = grp.getgrnam(s.instructor_group).gr_gid
    course = path / COURSE_ID
    inbound = course / "inbound"
    inbound.mkdir(parents=True, exist_ok=True)
    shared = Path(s.exchange) / COURSE_ID
    for name in ("outbound", "feedback"):
        link = course / name
        if not link.is_symlink():
            if link.exists():
                shutil.rmtree(link)
            link.symlink_to(shared / name)
        os.lchown(link, 0, 0)
    for folder in (path, course, inbound):
        os.chown(folder, user.pw_uid, gid)
        os.chmod(folder, 0o750)  # the learner's, readable by the instructors' collect, by no other learner
    return path


def mount_all(s: Settings) -> int:
    """Mount every box whose image exists and is not mounted (after a reboot); returns how many were mounted."""
    count = 0
    if images(s).is_dir() and not why_unbounded(s):
        for img in sorted(images(s).glob("*.img")):
            path = box(s, img.stem)
            path.mkdir(parents=True, exist_ok=True)
            if not mounted(path):
                _mount(img, path)
                count += 1
    return count


def usage(s: Settings) -> dict[str, tuple[int, int]]:
    """{learner: (bytes used, size in bytes)} of the mounted boxes."""
    out = {}
    mounts = _mounts()
    if Path(s.boxes).is_dir():
        for entry in sorted(os.scandir(s.boxes), key=lambda e: e.name):
            if os.path.realpath(entry.path) in mounts:
                st = os.statvfs(entry.path)
                out[entry.name] = ((st.f_blocks - st.f_bfree) * st.f_frsize, st.f_blocks * st.f_frsize)
    return out


def unmount(s: Settings) -> None:
    """Unmount every box and delete the images (the test suite's clean-up: loses every box)."""
    mounts = _mounts()
    if Path(s.boxes).is_dir():
        for entry in os.scandir(s.boxes):
            if os.path.realpath(entry.path) in mounts:
                subprocess.run(["umount", "-l", entry.path], capture_output=True)
    shutil.rmtree(images(s), ignore_errors=True)
