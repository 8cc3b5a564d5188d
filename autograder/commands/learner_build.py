"""Build a copy of nnlib for learners' machines in which the graded reference answers cannot be read.

    python -m autograder.commands.learner_build DEST

nnlib holds the reference answer to every exercise (the grader compares learners' functions with it), so a
learner who reads its source can copy the answers. Lessons also *use* nnlib (networks, data, plots, the
references under other names in demonstrations), so it cannot simply be left out. This command writes
``DEST/nnlib``: every module that holds a graded reference (see ``autograder.catalogue``) is shipped as
bytecode only, with its source removed, while all other modules keep their source. Everything still runs;
``inspect.getsource`` and ``??`` show nothing for the references. Put ``DEST`` first on the learners'
``PYTHONPATH`` (or copy ``DEST/nnlib`` over the installed package in the learners' image) and keep the full
nnlib in the grading environment.

This removes the copy-and-paste path, not a determined reader: bytecode can be disassembled. A learner
whose answer *calls* a reference scores zero anyway: inside the grading sandbox the references are withheld
(``autograder.isolation.withheld``).
The bytecode matches the Python version that builds it, so build with the learners' Python.
"""
from __future__ import annotations

import argparse
import py_compile
import shutil
import sys
from pathlib import Path

from autograder.catalogue import REFERENCES

PACKAGE = Path(__import__("nnlib").__file__).resolve().parent


def reference_modules() -> set[str]:
    """Dotted names of the modules that hold graded references, e.g. ``nnlib.activations``."""
    return {target.split(":")[0] for lesson in REFERENCES.values() for target in lesson.values()}


def build(dest: Path) -> list[Path]:
    """Write the learner copy of nnlib under ``dest``; return the paths of the sourceless modules."""
    out = Path(dest).resolve() / "nnlib"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(PACKAGE, out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    hidden = []
    for name in sorted(reference_modules()):
        rel = Path(*name.split(".")[1:])
        source = out / rel.with_suffix(".py")
        if not source.exists():  # a package: its __init__ holds the names
            source = out / rel / "__init__.py"
        compiled = source.with_suffix(".pyc")
        py_compile.compile(str(source), cfile=str(compiled), doraise=True)
        source.unlink()
        hidden.append(compiled)
    return hidden


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("dest", help="folder to write nnlib/ into")
    args = parser.parse_args(argv)
    for path in build(Path(args.dest)):
        print("bytecode only:", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
