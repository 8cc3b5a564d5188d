"""What may import what, read from the source with ast (nothing is imported or run).

- nnlib's core (every module of nnlib outside ``views/``, ``checks.py``, ``contracts/`` and ``security/``) imports
  none of ``nnlib.views``, ``nnlib.checks``, ``nnlib.contracts``, ``nnlib.security`` and ``autograder``: the reference a learner reads is numpy
  only, and the pictures, the learner feedback and the attacks sit on top of it.
- no module of nnlib imports ``autograder``.
- the grader's isolation engine (``autograder/isolation/``) imports only itself, the two modules at the root that
  every role shares (``autograder.catalogue``, the exercise table, and ``autograder.contract_grading``, the grade
  drawn from the contracts) and ``autograder.integration.hygiene`` (plain file helpers); the nbgrader integration
  never imports the commands.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NNLIB = ROOT / "nnlib"
AUTOGRADER = ROOT / "autograder"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file (functions too), relative imports made absolute;
    ``from a import b`` counts as both ``a`` and ``a.b`` (b may be a submodule)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def core_modules() -> list[Path]:
    outside = (NNLIB / "views", NNLIB / "security", NNLIB / "checks.py", NNLIB / "contracts")
    return sorted(p for p in NNLIB.rglob("*.py") if not any(p == o or o in p.parents for o in outside))


def test_the_core_is_what_it_should_be():
    names = {module_name(p) for p in core_modules()}
    assert {"nnlib.activations", "nnlib.layers", "nnlib.losses", "nnlib.train", "nnlib._validate"} <= names
    assert not any(within(n, ("nnlib.views", "nnlib.security", "nnlib.checks", "nnlib.contracts")) for n in names), (
        names
    )


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_view_check_attack_or_grader(path):
    bad = {
        m
        for m in imported_modules(path)
        if within(
            m,
            (
                "nnlib.views",
                "nnlib.checks",
                "nnlib.contracts",
                "nnlib.security",
                "autograder",
                "matplotlib",
                "ipywidgets",
            ),
        )
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: the core stays numpy only (see CONTRIBUTING.md)"


def test_nnlib_never_imports_the_grader():
    for path in NNLIB.rglob("*.py"):
        bad = {m for m in imported_modules(path) if within(m, ("autograder",))}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_grader_roles_import_only_downwards():
    shared = ("autograder.catalogue", "autograder.contract_grading")
    allowed = {
        "isolation": ("autograder.isolation", "autograder.integration.hygiene", *shared),
        "integration": ("autograder.integration", "autograder.isolation", *shared),
    }
    for role, ok in allowed.items():
        for path in (AUTOGRADER / role).rglob("*.py"):
            bad = {m for m in imported_modules(path) if within(m, ("autograder",)) and not within(m, ok)}
            assert not bad, f"{path.relative_to(ROOT)} ({role}) imports {sorted(bad)}"


def test_the_import_reader_sees_relative_imports():
    # the check above must be able to fail: a relative import of a view is seen as one
    probe = NNLIB / "views" / "depth.py"
    assert "nnlib.views.plot" in imported_modules(probe)
