"""Bounds on what one learner's server may take: memory and CPU (cgroup v1), and idle servers culled.

JupyterHub's ``mem_limit``/``cpu_limit`` are only enforced by spawners that support them, and the default
LocalProcessSpawner does not. Here each learner's single-user server is started inside its own cgroups,
``/sys/fs/cgroup/memory/<group>/<learner>`` and ``/sys/fs/cgroup/cpu/<group>/<learner>`` (cgroup v1, no systemd
needed): the server joins them before it drops root's rights, and every kernel and terminal it starts inherits
them. The memory cgroup's limit (``mem_limit``, MiB) bounds the server and its kernels together: a kernel that
allocates past it is killed by the kernel's OOM killer inside that cgroup only, and the server restarts it;
nobody else is touched. The CPU cgroup's CFS quota (``cpu_limit``, cores) bounds their CPU time. The instructor's
server is not bounded (grading runs there).

Idle servers are stopped by jupyterhub-idle-culler, a hub service (``idle_timeout`` seconds without activity,
checked every ``cull_every`` seconds); inside a server, idle kernels are culled after the same timeout.
"""

from __future__ import annotations

import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "cpu")
CFS_PERIOD_US = 100_000


class LimitsError(RuntimeError):
    pass


def available() -> list[str]:
    """The cgroup v1 controllers mounted here among those we use (empty on a cgroup v2 or container host)."""
    return [c for c in CONTROLLERS if (CGROUP_ROOT / c / "cgroup.procs").is_file()]


def learner_cgroups(group: str, user: str) -> dict[str, Path]:
    return {c: CGROUP_ROOT / c / group / user for c in CONTROLLERS}


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def prepare(group: str, user: str, mem_mib: int, cpus: float) -> list[Path]:
    """Create (or update) ``user``'s memory and cpu cgroups with their limits; returns their cgroup.procs files."""
    missing = [c for c in CONTROLLERS if c not in available()]
    if missing:
        raise LimitsError(
            f"the cgroup v1 controller(s) {', '.join(missing)} are not mounted under {CGROUP_ROOT}: "
            f"a learner's server cannot be bounded (set mem_limit and cpu_limit to 0 to go without)"
        )
    procs = []
    for controller, folder in learner_cgroups(group, user).items():
        folder.mkdir(parents=True, exist_ok=True)
        if controller == "memory" and mem_mib > 0:
            limit = str(mem_mib << 20)
            memsw = folder / "memory.memsw.limit_in_bytes"  # with swap accounting: no escape into swap
            # memory <= memory+swap at every step: raising a limit writes memsw first, lowering it memory first
            order = ["memory.limit_in_bytes"] + (["memory.memsw.limit_in_bytes"] if memsw.exists() else [])
            if memsw.exists() and int(memsw.read_text()) < int(limit):
                order.reverse()
            for name in order:
                _write(folder / name, limit)
        if controller == "cpu" and cpus > 0:
            _write(folder / "cpu.cfs_period_us", str(CFS_PERIOD_US))
            _write(folder / "cpu.cfs_quota_us", str(int(cpus * CFS_PERIOD_US)))
        procs.append(folder / "cgroup.procs")
    return procs


def remove(group: str) -> None:
    """Remove the class's cgroups that have no process left (the test suite's clean-up)."""
    for controller in CONTROLLERS:
        top = CGROUP_ROOT / controller / group
        if top.is_dir():
            for child in top.iterdir():
                if child.is_dir():
                    try:
                        child.rmdir()
                    except OSError:
                        pass
            try:
                top.rmdir()
            except OSError:
                pass


def limited_spawner(settings):
    """LocalProcessSpawner whose learners' servers start in their own memory and cpu cgroups."""
    from jupyterhub.spawner import LocalProcessSpawner

    from .roles import is_instructor

    class LimitedSpawner(LocalProcessSpawner):
        def make_preexec_fn(self, name):
            drop_rights = super().make_preexec_fn(name)
            if is_instructor(settings, name) or (settings.mem_limit <= 0 and settings.cpu_limit <= 0):
                return drop_rights
            procs = [str(p) for p in prepare(settings.cgroup, name, settings.mem_limit, settings.cpu_limit)]
            self.log.info(
                "classhub: %s's server in cgroups %s (memory %d MiB, %g CPU)",
                name,
                ", ".join(os.path.dirname(p) for p in procs),
                settings.mem_limit,
                settings.cpu_limit,
            )

            def preexec():  # in the child, still root: join the cgroups, then become the learner
                for path in procs:
                    with open(path, "w") as f:
                        f.write(str(os.getpid()))
                drop_rights()

            return preexec

    return LimitedSpawner
