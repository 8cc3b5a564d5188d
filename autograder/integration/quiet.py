"""Quiet grading output: silence only the messages known to be harmless, nothing else.

Installed from ``nbgrader_config.py`` (``autograder.integration.quiet.install(course_root)``), so it acts in every nbgrader
process of the course (autograde, generate_feedback, the formgrader, the Assignment List).

Silenced, each by a precise filter:

- SQLAlchemy's ``SAWarning`` "Object of type <SubmittedAssignment|SubmittedNotebook> not in session, add operation
  along '….submissions' will not proceed", raised from ``nbgrader.api`` three times per learner (nbgrader's own
  autoflush order; the rows are added a moment later and the gradebook is right).
- "Attribute 'checksum' for cell test_X has changed!" **only when the submitted cell is exactly the released
  cell** (its checksum equals the checksum of that cell in ``notebooks/<lesson>/<lesson>.ipynb``): the release
  strips the hidden tests, so the gradebook's checksum (taken with them) never matches an untouched test cell
  (nbgrader issue 1961). A locked cell the learner *did* change keeps its warning (nbgrader restores it anyway).
- "Config option `display_data_priority` not recognized by `…`" while generating feedback: nbconvert's exporter
  option handed to every preprocessor, which they ignore.

Not silenced here: everything else, e.g. "Alternative text is missing on N image(s)" (a real accessibility
finding), missing cells, timeouts. The kernel's "running over TCP without encryption" is not silenced but fixed:
``nbgrader_config.py`` asks jupyter_client for CurveZMQ transport encryption where the kernel supports it.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import warnings

SA_NOT_IN_SESSION = (
    r"Object of type <Submitted(Assignment|Notebook)> not in session, add operation along "
    r"'\w+\.submissions' will not proceed"
)
DISPLAY_DATA_PRIORITY = re.compile(r"Config option `display_data_priority` not recognized by `\w+`\.?")
CHECKSUM_CHANGED = "Attribute '%s' for cell %s has changed! (should be: %s, got: %s)"


class ReleasedChecksums:
    """{grade_id: checksums of that cell in the release notebooks} of a course, read when first needed."""

    def __init__(self, course_root: str):
        self.course_root = course_root
        self._table: dict[str, set[str]] | None = None

    def table(self) -> dict[str, set[str]]:
        if self._table is None:
            import nbformat
            from nbgrader.utils import compute_checksum

            table: dict[str, set[str]] = {}
            for path in sorted(glob.glob(os.path.join(self.course_root, "notebooks", "*", "*.ipynb"))):
                try:
                    nb = nbformat.read(path, as_version=4)
                except Exception:  # noqa: BLE001 - an unreadable release silences nothing
                    continue
                for cell in nb.cells:
                    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    if grade_id:
                        table.setdefault(grade_id, set()).add(compute_checksum(cell))
            self._table = table
        return self._table

    def is_released_cell(self, grade_id: str, checksum: str) -> bool:
        return checksum in self.table().get(grade_id, set())


class HarmlessNbgraderMessages(logging.Filter):
    """Drops the known-harmless nbgrader log records described in this module's docstring."""

    def __init__(self, released: ReleasedChecksums):
        super().__init__()
        self.released = released

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == CHECKSUM_CHANGED and isinstance(record.args, tuple) and len(record.args) == 4:
            attr, grade_id, _old, new = record.args
            if attr == "checksum" and self.released.is_released_cell(str(grade_id), str(new)):
                return False
            return True
        if isinstance(record.msg, str) and DISPLAY_DATA_PRIORITY.fullmatch(record.getMessage().strip()):
            return False
        return True


_installed: dict[str, HarmlessNbgraderMessages] = {}


def nbgrader_logger_names() -> list[str]:
    """The logger names of nbgrader's applications (traitlets names an app's logger after its class)."""
    names = {"NbGrader", "NbGraderAPI", "FormgradeExtension", "AssignmentList", "traitlets"}
    try:
        import nbgrader.apps as apps
        from traitlets.config import Application

        for value in vars(apps).values():
            if isinstance(value, type) and issubclass(value, Application):
                names.add(value.__name__)
    except ImportError:  # pragma: no cover - nbgrader is a requirement of the course
        pass
    return sorted(names)


def install(course_root: str) -> HarmlessNbgraderMessages:
    """Install the warning and log filters (idempotent: one log filter per course root)."""
    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:  # pragma: no cover
        SAWarning = Warning  # noqa: N806
    warnings.filterwarnings("ignore", message=SA_NOT_IN_SESSION, category=SAWarning, module=r"nbgrader\.api")
    course_root = os.path.abspath(course_root)
    if course_root not in _installed:
        _installed[course_root] = HarmlessNbgraderMessages(ReleasedChecksums(course_root))
    log_filter = _installed[course_root]
    for name in nbgrader_logger_names():
        logger = logging.getLogger(name)
        if log_filter not in logger.filters:
            logger.addFilter(log_filter)
    return log_filter
