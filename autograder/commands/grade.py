"""Grade a whole class in parallel: long-lived workers, one sandbox per learner and notebook, nothing lost.

    python -m autograder grade LESSON [LESSON ...] [--all] [--workers N] [--force] [--scheduler ADDRESS]

Run in the course root (where ``nbgrader_config.py`` is). Every learner with a submission in
``grading/submitted/<learner>/<lesson>/`` is graded by nbgrader's own autograde (through ``NbGraderAPI``, so the
course's sandboxed judge, hygiene and gradebook apply exactly as in ``nbgrader autograde``), in N worker
processes that each grade many learners (no nbgrader start-up per learner), with each worker's BLAS pinned to
its share of the cores. With ``--scheduler ADDRESS`` the same work goes to a Dask distributed cluster instead
(the course folder on shared storage, the gradebook on PostgreSQL: see the README).

Nothing is lost when the command, or a worker, is killed: a learner counts as graded only once its result is
recorded in ``grading/.graded/<lesson>/<learner>.json`` (written atomically by this process, with a digest of
the submission), so running the command again grades exactly the learners not yet graded, and those whose
submission changed since; ``--force`` regrades everyone. A learner whose grading fails (bad notebook, sandbox
killed, timeout) is reported and never stops the others; "database is locked" is retried. A progress bar
shows learners done, failures and the time left; a table ends the run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import stat
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.integration.hygiene import valid_id

LOCK_RETRIES = 6


@dataclass
class Result:
    """One learner-lesson's grading outcome."""

    learner: str
    lesson: str
    ok: bool
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    reason: str = ""
    digest: str = ""


def submission_digest(folder: Path) -> str:
    """sha256 of a submission's regular files, as a canonical, length-prefixed list (links are not followed).

    For each regular file below ``folder``, in the byte order of its path: the path's length and bytes, then the
    file's length and bytes. Every part carries its length, so two different submissions never share a digest
    by moving bytes between names and files (one file ``a`` holding ``X\\0b\\0Y`` against two, ``a`` holding ``X``
    and ``b`` holding ``Y``, gave the same digest when parts were only joined with ``\\0``). Names are
    taken as bytes: a learner may name a file anything the file system allows, UTF-8 or not. A file that cannot
    be read counts by its name and the error, so the digest never raises for one learner's odd file.
    """
    h = hashlib.sha256(b"nn-course submission digest v2\0")
    base = os.fsencode(folder)
    found: list[bytes] = []
    for top, _dirs, files in os.walk(base, followlinks=False):
        for name in files:
            path = os.path.join(top, name)
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    found.append(os.path.relpath(path, base))
            except OSError:
                continue
    for rel in sorted(found):
        h.update(len(rel).to_bytes(8, "little") + rel)
        try:
            fd = os.open(os.path.join(base, rel), os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            h.update(b"E" + str(exc.errno).encode())
            continue
        with os.fdopen(fd, "rb") as f:
            data = f.read()
        h.update(b"F" + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------------
# the worker side: one NbGraderAPI per process, reused for every learner it grades
# ----------------------------------------------------------------------------------------------------
_API: dict[str, object] = {}


def _api(root: str, blas_threads: int):
    key = f"{root}:{blas_threads}"
    if key not in _API:
        from nbgrader.apps.api import NbGraderAPI
        from traitlets.config.loader import PyFileConfigLoader

        os.chdir(root)
        bin_dir = os.path.dirname(sys.executable)  # nbgrader runs `alembic` from PATH
        if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        if root not in sys.path:
            sys.path.insert(0, root)
        config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
        config.CourseDirectory.root = root
        if blas_threads:
            config.SandboxedExecute.blas_threads = blas_threads
            # the judge (a child of this worker) and this worker keep to the same share of the cores: an
            # unpinned OpenBLAS starts a thread per core, whose spinning takes CPU from the other workers
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[name] = str(blas_threads)
        _API[key] = NbGraderAPI(config=config)
    return _API[key]


def grade_one(root: str, lesson: str, learner: str, blas_threads: int = 0) -> dict:
    """Autograde ``learner``'s ``lesson`` in this process; returns a ``Result`` as a dict (picklable)."""
    start = time.monotonic()
    folder = Path(root) / "grading" / "submitted" / learner / lesson
    digest = ""
    try:
        digest = submission_digest(folder) if folder.is_dir() else ""
        api = _api(root, blas_threads)
        for attempt in range(LOCK_RETRIES):
            outcome = api.autograde(lesson, learner, force=True, create=True)
            text = (outcome.get("log") or "") + (outcome.get("error") or "")
            if outcome.get("success") or "database is locked" not in text:
                break
            time.sleep(0.5 * (attempt + 1))
        if not outcome.get("success"):
            return asdict(
                Result(learner, lesson, False, seconds=time.monotonic() - start, digest=digest, reason=_reason(text))
            )
        from nbgrader.api import Gradebook

        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            sub = gb.find_submission(lesson, learner)
            score, max_score = float(sub.score), float(sub.max_score)
        return asdict(Result(learner, lesson, True, score, max_score, time.monotonic() - start, digest=digest))
    except Exception as exc:  # noqa: BLE001 - one learner's failure is reported, never raised to the others
        return asdict(
            Result(
                learner,
                lesson,
                False,
                seconds=time.monotonic() - start,
                digest=digest,
                reason=f"{type(exc).__name__}: {exc}"[:300],
            )
        )


def _reason(log: str) -> str:
    for line in log.splitlines():
        if "[ERROR]" in line or "Error" in line:
            return line.replace("[ERROR]", "").strip()[:300]
    return (log.strip().splitlines() or ["autograde failed"])[-1][:300]


# ----------------------------------------------------------------------------------------------------
# the coordinating side
# ----------------------------------------------------------------------------------------------------
class Ledger:
    """``grading/.graded/<lesson>/<learner>.json``: what has been graded, written only by the coordinator."""

    def __init__(self, root: Path):
        self.root = root / "grading" / ".graded"

    def path(self, lesson: str, learner: str) -> Path:
        return self.root / lesson / f"{learner}.json"

    def done(self, lesson: str, learner: str, digest: str) -> bool:
        try:
            return json.loads(self.path(lesson, learner).read_text()).get("digest") == digest
        except (OSError, ValueError):
            return False

    def record(self, result: Result) -> None:
        path = self.path(result.lesson, result.learner)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(result)))
        os.replace(tmp, path)


def plan(root: Path, lessons: list[str], force: bool) -> tuple[list[tuple[str, str]], list[Result]]:
    """(to grade: [(lesson, learner)], refused: [Result]) for ``lessons`` under ``root``."""
    ledger = Ledger(root)
    todo, refused = [], []
    submitted = root / "grading" / "submitted"
    for lesson in lessons:
        for entry in sorted(submitted.iterdir()) if submitted.is_dir() else []:
            folder = entry / lesson
            if not folder.exists() and not folder.is_symlink():
                continue
            learner = entry.name
            if not valid_id(learner):
                refused.append(
                    Result(
                        learner, lesson, False, reason="learner id not allowed (only letters, digits, '.', '_' and '-')"
                    )
                )
                continue
            if entry.is_symlink() or folder.is_symlink():
                refused.append(Result(learner, lesson, False, reason="the submission folder is a link"))
                continue
            try:
                unchanged = not force and ledger.done(lesson, learner, submission_digest(folder))
            except Exception as exc:  # noqa: BLE001 - one learner's odd folder is reported, the others graded
                refused.append(Result(learner, lesson, False, reason=f"cannot read the submission: {exc}"[:300]))
                continue
            if not unchanged:
                todo.append((lesson, learner))
    return todo, refused


def run(
    root: Path,
    lessons: list[str],
    workers: int,
    force: bool = False,
    scheduler: str | None = None,
    progress: bool = True,
) -> list[Result]:
    """Grade ``lessons`` under ``root``; returns every learner's Result (graded now or refused)."""
    from tqdm.auto import tqdm

    from .release import ensure_generated

    root = root.resolve()
    ensure_generated(root, lessons, say=lambda m: print(f"grade: {m}", flush=True))  # a fresh gradebook
    todo, refused = plan(root, lessons, force)
    ledger = Ledger(root)
    cores = os.cpu_count() or 1
    blas = max(1, cores // max(1, workers)) if not scheduler else 1
    results: list[Result] = list(refused)
    bar = tqdm(total=len(todo), unit="learner", desc="grading", disable=not progress or not todo)
    failures = 0

    def collect(data: dict) -> None:
        nonlocal failures
        result = Result(**data)
        if result.ok:
            ledger.record(result)
        else:
            failures += 1
        results.append(result)
        bar.update(1)
        bar.set_postfix(failed=failures)

    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = [
                client.submit(grade_one, str(root), lesson, learner, blas, pure=False) for lesson, learner in todo
            ]
            for future in dask_completed(futures):
                try:
                    collect(future.result())
                except Exception as exc:  # a worker died: the learner is reported, the run goes on
                    lesson, learner = todo[futures.index(future)]
                    collect(asdict(Result(learner, lesson, False, reason=f"worker failed: {exc}"[:300])))
    elif todo:
        import multiprocessing
        from concurrent.futures.process import BrokenProcessPool

        context = multiprocessing.get_context("spawn")
        pending = list(todo)
        for _round in range(3):  # a killed worker breaks its pool: the unfinished learners go to a new one
            broken = []
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = {
                    pool.submit(grade_one, str(root), lesson, learner, blas): (lesson, learner)
                    for lesson, learner in pending
                }
                for future in as_completed(futures):
                    try:
                        collect(future.result())
                    except BrokenProcessPool:
                        broken.append(futures[future])
            pending = broken
            if not pending:
                break
            bar.write(f"a worker died; grading {len(pending)} learner(s) again in a new pool")
        for lesson, learner in pending:
            collect(asdict(Result(learner, lesson, False, reason="its worker process died three times")))
    bar.close()
    return results


def table(results: list[Result]) -> str:
    """The end-of-run table: learner, lesson, score, seconds, and why a learner could not be graded."""
    rows = [("learner", "lesson", "score", "seconds", "note")]
    for r in sorted(results, key=lambda r: (r.lesson, r.learner)):
        score = f"{r.score:g} / {r.max_score:g}" if r.ok else "-"
        rows.append((repr(r.learner)[1:-1], r.lesson, score, f"{r.seconds:.1f}", "" if r.ok else r.reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + ("  " + row[4] if row[4] else "") for row in rows
    ]
    graded = sum(r.ok for r in results)
    lines.append(f"{graded} graded, {len(results) - graded} not graded")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, on its own parser or on its ``python -m autograder grade`` subparser."""
    parser.add_argument("lessons", nargs="*", help="lesson ids (or --all)")
    parser.add_argument("--all", action="store_true", help="every lesson of the catalogue")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    parser.add_argument("--force", action="store_true", help="regrade learners already graded")
    parser.add_argument("--scheduler", help="address of a Dask scheduler to grade on, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``grade`` with parsed arguments (``parser`` reports usage errors)."""
    from autograder.catalogue import LESSONS

    lessons = list(LESSONS) if args.all else args.lessons
    unknown = [lesson for lesson in lessons if lesson not in LESSONS]
    if not lessons or unknown:
        parser.error(f"unknown lesson(s): {', '.join(unknown)}" if unknown else "name a lesson or --all")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    root = Path(args.root)
    if not (root / "nbgrader_config.py").exists():
        parser.error(f"no nbgrader_config.py in {root.resolve()}: run in the course root or pass --root")
    from .release import ReleaseError

    try:
        results = run(root, lessons, args.workers, args.force, args.scheduler)
    except ReleaseError as err:
        print(err, file=sys.stderr)
        return 1
    print(table(results))
    return 0 if all(r.ok for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder grade", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return command(parser.parse_args(argv), parser)
