"""The grade made from an exercise's contract: Hypothesis draws calls from its domain, on the judge's side.

    from autograder.contract_grading import grade
    grade("relu", relu)            # in a test cell's hidden block; relu is the learner's answer (a proxy)

Every call is judged by ``nnlib.contracts.verify_call``, the same function the learner's instant check uses,
so the grade and the instant check mean the same by each clause. A broken clause is shrunk by Hypothesis to
the smallest call that still breaks it, and the failure names that call, what came back, what was expected,
the sentence of the text and its clause.

The examples are deterministic per submission and unknown in advance: the judge sets :data:`SEED` for each
notebook from a secret of the instructor's and the digest of the learner's answers (``seed_for``), so grading
the same submission again draws the same calls and gives the same grade, while a table of inputs learned from
earlier feedback does not match the calls the next submission is graded on. Outside the judge (the
instructor running a solution notebook) a fixed seed is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import tempfile
from pathlib import Path

import numpy as np

from nnlib.checks import CheckFailed
from nnlib.contracts import contract, verify_call, verify_errors

#: The notebook's seed, set by the judge before it runs a notebook's test cells (bytes); None outside it.
SEED: bytes | None = None
FIXED_SEED = b"nn-course: no submission"
SECRET_FILE = "grading/.contract-secret"


def submission_seed(secret: bytes, answers: list[tuple[str, str]]) -> str:
    """The seed of one submission: HMAC-SHA256 of its answers (``(grade_id, source)`` pairs, in notebook order)
    under the instructor's ``secret``, as hex. Each part is length-prefixed, so no two submissions collide."""
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    for grade_id, source in answers:
        for part in (grade_id.encode("utf-8", "surrogateescape"), source.encode("utf-8", "surrogateescape")):
            mac.update(len(part).to_bytes(8, "little"))
            mac.update(part)
    return mac.hexdigest()


def load_secret(path: str | os.PathLike = SECRET_FILE) -> bytes:
    """The instructor's grading secret, made (32 random bytes, mode 0600) the first time it is needed.

    It never leaves the grading machine: learners cannot compute the seeds their submissions are graded with.
    """
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = os.urandom(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another grader made it first: use theirs
            return path.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret)
        return secret


def seed_for(name: str) -> int:
    """The Hypothesis seed of exercise ``name`` in the notebook being graded."""
    digest = hashlib.sha256((SEED or FIXED_SEED) + b"\0" + name.encode()).digest()
    return int.from_bytes(digest[:8], "little")


def grade(name: str, func, max_examples: int | None = None, when=None, errors: bool = True) -> None:
    """Check the learner's ``func`` against every clause of exercise ``name``'s contract on calls drawn from its
    domain (and its error cases). Raises CheckFailed with the smallest breaking call, its clause and a hint.

    when: ``when(args, kwargs) -> bool`` keeps only the calls one test cell grades, where an exercise's points
    are split over several cells (attention without and with a mask); errors: also check the contract's
    error cases.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, assume, given, seed, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Flaky
    from hypothesis.extra import numpy as hnp

    spec = contract(name)
    if not callable(func):
        raise CheckFailed(f"{name} is a {type(func).__name__}, expected a function.")
    broken = verify_errors(spec, func) if errors else None
    if broken is not None:
        raise CheckFailed(broken.message)
    found: list = []
    if spec.domain is None:
        return _visible_only(spec, func, when)

    @settings(
        max_examples=max_examples or spec.max_examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )
    @seed(seed_for(name))
    @given(spec.domain(st, hnp))
    def holds(example):
        args, kwargs = example
        if when is not None:
            assume(when(args, kwargs))
        violation = verify_call(spec, func, args, kwargs)
        if violation is not None:
            found.append(violation)
            raise _Broken(violation.clause.key)

    # Hypothesis keeps a cache of the constants it finds in local modules under its home directory, by default
    # ./.hypothesis in the working directory (the course's folder, when the judge grades): grading must write
    # nothing there, so the home is a temporary directory for the time of the grade, removed with it.
    from hypothesis.configuration import set_hypothesis_home_dir

    with (
        tempfile.TemporaryDirectory(prefix="contract-grading-") as home,
        np.errstate(all="ignore"),
        _no_local_constants(),
    ):
        set_hypothesis_home_dir(home)
        try:
            holds()
        except _Broken:
            pass
        except Flaky:
            if not found:
                raise
        finally:
            set_hypothesis_home_dir(None)
    if found:
        # Hypothesis replays the smallest failing call last; that is the one to show.
        raise CheckFailed(found[-1].message)
    _visible_only(spec, func, when)  # the instant check's calls count at grading too


@contextlib.contextmanager
def _no_local_constants():
    """Hypothesis mixes into its draws the constants it finds in the source of the modules loaded so far. In the
    judge that set depends on which notebooks the process graded before, so the same submission could be drawn
    other calls by another judge. While a contract is graded, the pool of local constants is empty (the global
    one, and the seed, decide alone)."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # another Hypothesis layout: nothing to switch off
        yield
        return
    saved = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    saved_cache = dict(cache) if isinstance(cache, dict) else None
    if saved is not None:
        providers._get_local_constants = lambda: Constants()
    if saved_cache is not None:
        cache.clear()
    try:
        yield
    finally:
        if saved is not None:
            providers._get_local_constants = saved
        if saved_cache is not None:
            cache.clear()
            cache.update(saved_cache)


def _visible_only(spec, func, when) -> None:
    for args, kwargs in spec.visible:
        if when is None or when(args, kwargs):
            broken = verify_call(spec, func, args, kwargs)
            if broken is not None:
                raise CheckFailed(broken.message)


class _Broken(AssertionError):
    """A clause broke on a drawn call (kept inside :func:`grade`; the learner sees the violation's message)."""
