"""The grading sandbox's allow-list (``autograder.catalogue.MAY_USE``) is exactly what each exercise's text
allows: every nnlib object its "May use:" sentence names ("nnlib's relu and mlp_forward, imported at the top"),
and nothing else (issue 22, item 1)."""

from __future__ import annotations

import importlib
import re

import pytest

from autograder.catalogue import MAY_USE, REFERENCES
from tests.support.notebooks import written_lessons

from .test_references_off_limits import _exercise_texts

NAMED = re.compile(r"nnlib's ((?:\w+(?:, | and | or ))*\w+), imported")


def _may_use_names(text: str) -> set[str]:
    """The nnlib names an exercise's "May use:" sentence allows (up to "Calling/Copying nnlib's ...")."""
    sentence = re.split(r"(?:Calling|Copying) nnlib's", text.split("May use:", 1)[1], maxsplit=1)[0]
    return {name for group in NAMED.findall(sentence) for name in re.split(r", | and | or ", group)}


def test_the_table_covers_every_exercise_of_the_catalogue():
    assert {lesson: set(ex) for lesson, ex in MAY_USE.items()} == {lesson: set(ex) for lesson, ex in REFERENCES.items()}


@pytest.mark.parametrize("lesson", written_lessons())
def test_may_use_matches_the_exercise_texts(lesson):
    for name, text in _exercise_texts(lesson).items():
        table = {target.split(":")[1] for target in MAY_USE[lesson][name]}
        assert table == _may_use_names(text), (
            f"{lesson} {name}: the text allows {_may_use_names(text)}, MAY_USE says {table}"
        )


@pytest.mark.parametrize("lesson", list(MAY_USE))
def test_every_allowed_object_exists_and_is_no_reference_of_its_lesson(lesson):
    own = {REFERENCES[lesson][n] for n in REFERENCES[lesson]}
    for names in MAY_USE[lesson].values():
        for target in names:
            module, attr = target.split(":")
            assert hasattr(importlib.import_module(module), attr), target
            assert target not in own, f"{lesson}: {target} is one of the lesson's own references"


def test_the_parser_sees_every_form():
    assert _may_use_names(
        "May use: numpy, and nnlib's relu and mlp_forward, imported at the top. Calling nnlib's x (y) scores zero"
    ) == {"relu", "mlp_forward"}
    assert _may_use_names("May use: nnlib's init_dense, mlp_forward and relu, imported at the top") == {
        "init_dense",
        "mlp_forward",
        "relu",
    }
    assert _may_use_names("May use: numpy. Calling nnlib's relu, imported at the top") == set()
