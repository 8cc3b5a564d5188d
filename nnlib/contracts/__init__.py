"""Exercise contracts: every graded exercise's promises, declared once (see ``spec``).

``contract(name)`` gives an exercise's :class:`Contract`; ``CONTRACTS`` maps every declared exercise to it.
The instant check (``nnlib.checks.check_examples``) and the grade (``autograder.contract_grading``) are both
made from these declarations; CONTRIBUTING.md tells a course author how to write one.
"""

from __future__ import annotations

from . import lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06
from .spec import Clause, Contract, Property, Raises, Violation, call, verify_call, verify_errors

_LESSONS = (lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06)
CONTRACTS: dict[str, Contract] = {c.name: c for module in _LESSONS for c in module.CONTRACTS}


def contract(name: str) -> Contract:
    """The contract of exercise ``name``; KeyError names an exercise without one."""
    try:
        return CONTRACTS[name]
    except KeyError:
        raise KeyError(f"no contract is declared for the exercise {name!r} (nnlib/contracts/)") from None


__all__ = [
    "CONTRACTS",
    "Clause",
    "Contract",
    "Property",
    "Raises",
    "Violation",
    "call",
    "contract",
    "verify_call",
    "verify_errors",
]
