"""autograder.integration.quiet silences exactly the known-harmless messages, and nothing that looks like them."""

from __future__ import annotations

import logging
import warnings

import nbformat
import pytest
from sqlalchemy.exc import SAWarning

from autograder.integration import quiet

from .helpers import ROOT


@pytest.fixture
def log_filter(tmp_path):
    release = tmp_path / "notebooks" / "00-x"
    release.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "test_x",
        "locked": True,
        "points": 1,
        "solution": False,
        "schema_version": 3,
    }
    nb.cells.append(cell)
    nbformat.write(nb, release / "00-x.ipynb")
    from nbgrader.utils import compute_checksum

    return quiet.HarmlessNbgraderMessages(quiet.ReleasedChecksums(str(tmp_path))), compute_checksum(cell)


def record(msg, *args):
    return logging.LogRecord("AutogradeApp", logging.WARNING, __file__, 1, msg, args, None)


def test_checksum_warning_dropped_only_for_the_released_cell(log_filter):
    flt, released = log_filter
    assert not flt.filter(record(quiet.CHECKSUM_CHANGED, "checksum", "test_x", "gradebook-sum", released))
    assert flt.filter(record(quiet.CHECKSUM_CHANGED, "checksum", "test_x", "gradebook-sum", "edited-sum"))
    assert flt.filter(record(quiet.CHECKSUM_CHANGED, "checksum", "test_other", "a", released))
    assert flt.filter(record(quiet.CHECKSUM_CHANGED, "points", "test_x", 1, 2))


def test_display_data_priority_dropped_other_config_warnings_kept(log_filter):
    flt, _ = log_filter
    assert not flt.filter(record("Config option `display_data_priority` not recognized by `ClearHiddenTests`."))
    assert flt.filter(record("Config option `timeout` not recognized by `ClearHiddenTests`."))
    assert flt.filter(record("Alternative text is missing on 5 image(s)."))


def test_sawarning_filter_is_precise():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet.install(str(ROOT))
        harmless = (
            "Object of type <SubmittedNotebook> not in session, add operation along "
            "'Notebook.submissions' will not proceed"
        )
        warnings.warn_explicit(harmless, SAWarning, "api.py", 149, module="nbgrader.api")
        warnings.warn_explicit(harmless, SAWarning, "mine.py", 1, module="somewhere.else")
        warnings.warn_explicit("Object of type <Student> not in session", SAWarning, "api.py", 1, module="nbgrader.api")
    messages = [(str(w.message)[:30], w.filename) for w in caught]
    assert messages == [(harmless[:30], "mine.py"), ("Object of type <Student> not in session"[:30], "api.py")]


def test_installed_on_nbgrader_loggers_once():
    first = quiet.install(str(ROOT))
    second = quiet.install(str(ROOT))
    assert first is second
    assert logging.getLogger("AutogradeApp").filters.count(first) == 1
    assert first in logging.getLogger("GenerateFeedbackApp").filters
