"""Grading on submission: collect, grade and release feedback every few seconds, so learners see their grade soon.

    python -m autograder watch LESSON [LESSON ...] [--interval SECONDS] [--workers N]

Run it once per course (in the course root) and leave it running. Every interval it:
1. collects new submissions from the exchange (the course's collect: links, bad ids and plants refused);
2. grades the learners whose submission is new or changed (``autograder.commands.grade``: sandboxed, parallel, resumable;
   an unchanged submission is never regraded);
3. generates their feedback and releases it, so the learner's Assignment List ("Fetch Feedback") shows it.
Every round is logged with a time stamp; a bad submission is logged and never stops the watcher. SIGINT or
SIGTERM stops it after the round in progress.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from autograder.commands.grade import _api, run


def _stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def log(message: str) -> None:
    print(f"[{_stamp()}] {message}", flush=True)


def one_round(root: Path, lessons: list[str], workers: int, reported: set) -> list:
    """Collect, grade what is new, release its feedback; returns the round's grading results."""
    api = _api(str(root), 0)
    results = []
    for lesson in lessons:
        collected = api.collect(lesson, update=True)
        if not collected.get("success"):
            log(f"{lesson}: collect failed: {(collected.get('error') or collected.get('log') or '')[-300:]}")
        for line in (collected.get("log") or "").splitlines():
            if "refused" in line and line not in reported:
                reported.add(line)
                log(f"{lesson}: {line.strip()}")
        for result in run(root, [lesson], workers, progress=False):
            key = (result.lesson, result.learner, result.digest, result.reason)
            if not result.ok:
                if key not in reported:
                    reported.add(key)
                    log(f"{lesson}: {result.learner!r} could not be graded: {result.reason}")
                continue
            results.append(result)
            secret = root / "grading" / "submitted" / result.learner / lesson / "submission_secret.txt"
            if not secret.is_file():  # placed by hand, not by collect or autograder.commands.handin
                if ("no-secret", lesson, result.learner) not in reported:
                    reported.add(("no-secret", lesson, result.learner))
                    log(
                        f"{lesson}: graded {result.learner}: {result.score:g} / {result.max_score:g}; feedback "
                        f"NOT released: the submission has no submission_secret.txt (copied by hand?): run "
                        f"python -m autograder.commands.handin --repair {lesson}"
                    )
                continue
            feedback = api.generate_feedback(lesson, result.learner, force=True)
            released = api.release_feedback(lesson, result.learner) if feedback.get("success") else feedback
            status = (
                "feedback released"
                if released.get("success")
                else f"feedback failed: {(released.get('error') or released.get('log') or '')[-200:]}"
            )
            log(
                f"{lesson}: graded {result.learner}: {result.score:g} / {result.max_score:g} "
                f"in {result.seconds:.1f} s; {status}"
            )
    return results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, on its own parser or on its ``python -m autograder watch`` subparser."""
    parser.add_argument("lessons", nargs="+", help="lesson ids to watch")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between rounds (default 60)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")
    parser.add_argument("--rounds", type=int, default=0, help="stop after this many rounds (0: never)")


def command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``watch`` with parsed arguments (``parser`` reports usage errors)."""
    from autograder.catalogue import LESSONS

    unknown = [lesson for lesson in args.lessons if lesson not in LESSONS]
    if unknown:
        parser.error(f"unknown lesson(s): {', '.join(unknown)}")
    if args.interval <= 0 or args.workers < 1:
        parser.error("--interval must be positive and --workers at least 1")
    root = Path(args.root).resolve()
    if not (root / "nbgrader_config.py").exists():
        parser.error(f"no nbgrader_config.py in {root}: run in the course root or pass --root")
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    log(
        f"watching {', '.join(args.lessons)} every {args.interval:g} s with {args.workers} worker(s); "
        "Ctrl-C stops after the current round"
    )
    reported: set = set()
    rounds = 0
    while not stopping:
        try:
            one_round(root, args.lessons, args.workers, reported)
        except Exception as exc:  # noqa: BLE001 - the watcher outlives any one round's failure
            log(f"round failed: {type(exc).__name__}: {exc}")
        rounds += 1
        if args.rounds and rounds >= args.rounds:
            break
        deadline = time.monotonic() + args.interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    log("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder watch", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return command(parser.parse_args(argv), parser)


if __name__ == "__main__":
    sys.exit(main())
