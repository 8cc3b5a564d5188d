"""The grading sandbox's allow-list (``autograder.catalogue.MAY_USE``) is exactly what each exercise's text
allows: every nnlib object its "May use:" sentence names ("nnlib's relu and mlp_forward, imported at the top"),
and nothing else (issue 22, item 1)."""

from __future__ import annotations

import importlib
import re

import pytest

from autograder.catalogue import MAY_USE, REFERENCES, THIRD_PARTY_MAY_USE
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


THIRD_PARTY = re.compile(r"\b(?:scipy|sklearn|scikit-learn|torch|pandas|jax|tensorflow)(?:\.\w+)*")


def _third_party_named(text: str) -> set[str]:
    """The third-party names (beyond numpy) an exercise's "May use:" sentence accepts: "scipy.special.expit"."""
    sentence = re.split(r"(?:Calling|Copying) nnlib's", text.split("May use:", 1)[1], maxsplit=1)[0]
    return set(THIRD_PARTY.findall(sentence))


@pytest.mark.parametrize("lesson", written_lessons())
def test_third_party_may_use_matches_the_exercise_texts(lesson):
    """THIRD_PARTY_MAY_USE (what the sandbox's packages grant, autograder.isolation.site_view) holds each third-party
    object or package the text names, and the text names every one of them: a whole package where the text
    says so ("scipy too, e.g. scipy.optimize.linprog"), else exactly the objects ("scipy.special.expit")."""
    for name, text in _exercise_texts(lesson).items():
        named = _third_party_named(text)
        table = {t.replace(":", ".") for t in THIRD_PARTY_MAY_USE.get(lesson, {}).get(name, ())}
        assert table <= named, f"{lesson} {name}: THIRD_PARTY_MAY_USE grants {table - named}, the text does not"
        uncovered = {n for n in named if not any(n == t or n.startswith(t + ".") for t in table)}
        assert not uncovered, f"{lesson} {name}: the text accepts {uncovered}; add it to THIRD_PARTY_MAY_USE"


def test_the_third_party_table_names_real_lessons_and_exercises():
    for lesson, exercises in THIRD_PARTY_MAY_USE.items():
        assert set(exercises) <= set(REFERENCES[lesson]), lesson
        for targets in exercises.values():
            for target in targets:
                module, _, attr = target.partition(":")
                found = importlib.import_module(module)
                assert not attr or hasattr(found, attr), target
