"""The instructor's grading commands.

    python -m autograder grade LESSON [--workers N] [--force] [--all] [--scheduler ADDRESS]
    python -m autograder watch LESSON [--interval SECONDS] [--workers N]
"""
import sys

from autograder.commands.grade import main as grade_main
from autograder.commands.watch import main as watch_main

COMMANDS = {"grade": grade_main, "watch": watch_main}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m autograder {" + ",".join(COMMANDS) + "} ...  (python -m autograder grade --help)",
              file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
