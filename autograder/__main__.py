"""The instructor's grading commands.

    python -m autograder grade LESSON [--workers N] [--force] [--all] [--scheduler ADDRESS]
    python -m autograder watch LESSON [--interval SECONDS] [--workers N]
    python -m autograder --help          (and python -m autograder grade --help, ...)

The other commands run as modules: python -m autograder.commands.roster (also handin, export, lab,
learner_build), python -m autograder.integration.release (also validate).
"""
from __future__ import annotations

import argparse
import sys

from autograder.commands import grade, watch

SUBCOMMANDS = {"grade": grade, "watch": watch}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser, with one subparser per command, each filled by its module's ``add_arguments``."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0],
                                     epilog=__doc__.split("\n\n", 2)[2].strip(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in SUBCOMMANDS.items():
        summary = module.__doc__.splitlines()[0]
        sub = subparsers.add_parser(name, help=summary, description=summary, prog=f"python -m autograder {name}")
        module.add_arguments(sub)
        sub.set_defaults(run=module.command, subparser=sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args, args.subparser)


if __name__ == "__main__":
    sys.exit(main())
