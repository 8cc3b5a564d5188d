"""Build a copy of nnlib for learners' machines in which no reference computation can be read.

    python -m autograder.commands.learner_build DEST

nnlib holds the reference answer to every exercise (the grader compares learners' functions with it), and
also other routes to them: helpers, the network classes (their backward passes are lesson 05's answers), the
attacks' helpers, and docstrings that state formulas. Lessons *use* nnlib (networks, data, plots), so it cannot
simply be left out. This command writes ``DEST/nnlib`` in which every module is bytecode only, compiled
without any docstring (module, class and function), with its source removed, except the modules of
``KEEP_SOURCE`` (an allow-list: the learner-facing check messages, which compute no answer). Data files stay.
Everything still runs; ``inspect.getsource``, ``??`` and ``help`` show no code and no formula. Put ``DEST``
first on the learners' ``PYTHONPATH`` (or copy ``DEST/nnlib`` over the installed package in the learners'
image) and keep the full nnlib in the grading environment.

This removes the copy-and-paste path, not a determined reader: bytecode can be disassembled. A learner whose
answer *uses* nnlib beyond what the exercise allows scores zero anyway: inside the grading sandbox nnlib is an
allow-list (``autograder.isolation.withheld``). The bytecode matches the Python version that builds it, so build with the
learners' Python.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
from pathlib import Path

from autograder.catalogue import REFERENCES

PACKAGE = Path(__import__("nnlib").__file__).resolve().parent
#: Modules that keep their source and docstrings: none of them computes an exercise's answer.
KEEP_SOURCE = ("nnlib.checks",)


def reference_modules() -> set[str]:
    """Dotted names of the modules that hold graded references, e.g. ``nnlib.activations``."""
    return {target.split(":")[0] for lesson in REFERENCES.values() for target in lesson.values()}


def _dotted(path: Path, root: Path) -> str:
    parts = ["nnlib", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def without_docstrings(source: str, filename: str) -> ast.Module:
    """The module's syntax tree with every docstring (module, class, function) removed."""
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return ast.fix_missing_locations(tree)


def _write_pyc(source: Path, compiled: Path) -> None:
    import importlib._bootstrap_external as external

    code = compile(without_docstrings(source.read_text(), source.name), str(source.name), "exec", dont_inherit=True)
    data = external._code_to_timestamp_pyc(code, int(source.stat().st_mtime), source.stat().st_size)
    compiled.write_bytes(bytes(data))


def build(dest: Path) -> list[Path]:
    """Write the learner copy of nnlib under ``dest``; return the paths of the sourceless modules."""
    out = Path(dest).resolve() / "nnlib"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(PACKAGE, out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    hidden = []
    for source in sorted(out.rglob("*.py")):
        if _dotted(source, out) in KEEP_SOURCE:
            continue
        compiled = source.with_suffix(".pyc")
        _write_pyc(source, compiled)
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
