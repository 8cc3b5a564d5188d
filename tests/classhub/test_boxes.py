"""The learners' exchange boxes (classhub/boxes.py) without a hub: real accounts, real loop-mounted filesystems.

A learner's box is a filesystem of its own: whatever they write there (files, folders, many of them) stops at its
size, in their box only; no other learner can read or write it; the instructors' group can read it; a box
survives being set up again (nothing lost), and is mounted again after an unmount (a reboot).
"""

from __future__ import annotations

import grp
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from classhub import accounts, boxes
from classhub.settings import COURSE_ID, Settings
from tests.classhub.hub import need

LIMIT_MIB = 24


@pytest.fixture
def box_class():
    need(os.geteuid() == 0, "the exchange boxes need root (accounts, loop mounts)")
    tag = "bx" + secrets.token_hex(2)
    base = tempfile.mkdtemp(prefix=f"classhub-boxes-{tag}-", dir="/srv" if os.path.isdir("/srv") else None)
    os.chmod(base, 0o755)
    s = Settings(
        state=os.path.join(base, "state"),
        exchange=os.path.join(base, "exchange"),
        boxes=os.path.join(base, "boxes"),
        box_limit=LIMIT_MIB,
        learner_group=f"{tag}-learners",
        instructor_group=f"{tag}-instructors",
    )
    learners = [f"{tag}l1", f"{tag}l2"]
    instructor = f"{tag}teach"
    try:
        accounts.ensure_group(s.learner_group)
        accounts.ensure_group(s.instructor_group)
        for name in learners:
            accounts.create_account(name, s.learner_group)
        accounts.create_account(instructor, s.instructor_group)
        (Path(s.exchange) / COURSE_ID).mkdir(parents=True)
        yield s, learners, instructor
    finally:
        boxes.unmount(s)
        accounts.remove_accounts([*learners, instructor])
        for group in (s.learner_group, s.instructor_group):
            try:
                grp.getgrnam(group)
                subprocess.run(["groupdel", group], capture_output=True)
            except KeyError:
                pass
        shutil.rmtree(base, ignore_errors=True)


def as_user(user: str, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", user, "--", "/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=120
    )


FLOOD = """
import os, sys
written = 0
try:
    for i in range(200):
        d = os.path.join(sys.argv[1] if len(sys.argv) > 1 else {inbound!r}, f"x{{i}}", "deeper")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f.bin"), "wb") as f:
            f.write(bytes(1 << 20)); f.flush(); os.fsync(f.fileno())
        written += 1
    print("not stopped", written)
except OSError as e:
    print("stopped:", e.strerror, written)
"""


def test_a_box_bounds_what_its_learner_writes_and_no_one_else_gets_in(box_class):
    s, (alice, bob), instructor = box_class
    for name in (alice, bob):
        boxes.ensure_box(s, name)
    box = boxes.box(s, alice)
    assert boxes.mounted(box), "the box is not a filesystem of its own"
    inbound = box / COURSE_ID / "inbound"
    done = as_user(alice, FLOOD.format(inbound=str(inbound)))
    assert done.stdout.startswith("stopped: No space left on device"), done.stdout + done.stderr
    written = int(done.stdout.split()[-1])
    assert 0 < written <= LIMIT_MIB, written
    used, size = boxes.usage(s)[alice]
    assert size <= LIMIT_MIB << 20 and used <= size, (used, size)
    assert boxes.usage(s)[bob][0] < 2 << 20, "alice's writes reached bob's box"
    # bob can neither read nor write alice's box, nor write the shared exchange; the instructor can read it
    for code in (f"os.listdir({str(inbound)!r})", f"os.mkdir({str(inbound / 'y')!r})"):
        done = as_user(bob, f"import os; {code}")
        assert done.returncode != 0 and "PermissionError" in done.stderr, code
    for target in (Path(s.boxes) / "z", Path(s.exchange) / "z"):
        done = as_user(bob, f"import os; os.mkdir({str(target)!r})")
        assert done.returncode != 0 and "PermissionError" in done.stderr, target
    subprocess.run(["usermod", "--append", "--groups", s.instructor_group, instructor], check=True)
    done = as_user(instructor, f"import os; print(sorted(os.listdir({str(inbound)!r}))[:1])")
    assert done.returncode == 0 and "x0" in done.stdout, done.stdout + done.stderr


def test_setting_a_box_up_again_keeps_it_and_a_reboot_mounts_it_again(box_class):
    s, (alice, _), _ = box_class
    box = boxes.ensure_box(s, alice)
    kept = box / COURSE_ID / "inbound" / f"{alice}+01-neuron+2026-12-06 10:00:00.000000 UTC+abc"
    kept.mkdir()
    (kept / "01-neuron.ipynb").write_text("{}")
    boxes.ensure_box(s, alice)  # `classhub accounts` again
    assert (kept / "01-neuron.ipynb").read_text() == "{}"
    subprocess.run(["umount", str(box)], check=True)  # what a reboot does
    assert not boxes.mounted(box) and not kept.exists()
    assert boxes.mount_all(s) == 1
    assert boxes.mounted(box) and (kept / "01-neuron.ipynb").read_text() == "{}", "the box lost a submission"
    assert os.readlink(box / COURSE_ID / "outbound") == str(Path(s.exchange) / COURSE_ID / "outbound")
