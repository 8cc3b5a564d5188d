"""The instructor's grading commands.

    python -m autograder grade LESSON [--workers N] [--force] [--all] [--scheduler ADDRESS]
    python -m autograder watch LESSON [--interval SECONDS] [--workers N]
    python -m autograder --help          (and python -m autograder grade --help, ...)

    python -m autograder release|handin|roster|export|lab|validate|learner_build ...   (each with --help)

The last seven are the modules python -m autograder.commands.NAME (validate: autograder.integration.validate),
reached by a shorter name; their arguments are passed on unchanged.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from autograder.commands import grade, watch

SUBCOMMANDS = {"grade": grade, "watch": watch}
#: Commands whose module parses its own arguments: ``python -m autograder NAME ARGS`` runs ``MODULE.main(ARGS)``.
PASSED_ON = {
    name: f"autograder.commands.{name}" for name in ("release", "handin", "roster", "export", "lab", "learner_build")
}
PASSED_ON["validate"] = "autograder.integration.validate"


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser, with one subparser per command, each filled by its module's ``add_arguments``."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=__doc__.splitlines()[0],
        epilog=__doc__.split("\n\n", 2)[2].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in SUBCOMMANDS.items():
        summary = module.__doc__.splitlines()[0]
        sub = subparsers.add_parser(name, help=summary, description=summary, prog=f"python -m autograder {name}")
        module.add_arguments(sub)
        sub.set_defaults(run=module.command, subparser=sub)
    for name, module in PASSED_ON.items():
        summary = (importlib.import_module(module).__doc__ or name).strip().splitlines()[0]
        subparsers.add_parser(name, help=f"{summary} (python -m {module}; see its --help)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in PASSED_ON:
        return importlib.import_module(PASSED_ON[argv[0]]).main(argv[1:]) or 0
    args = build_parser().parse_args(argv)
    return args.run(args, args.subparser)


if __name__ == "__main__":
    sys.exit(main())
