"""nbgrader preprocessors of the course (configured in ``nbgrader_config.py``).

- ``IsolatedExecute`` replaces nbgrader's ``Execute`` in autograding: it executes the notebook as usual, and
  after every autograded test cell it collects the answers that cell names from the kernel
  (``autograder.capture``) and re-runs the cell's original source on them in the isolated verifier
  (``autograder.verifier``). That verdict decides the cell's grade: on a pass, error and stderr outputs
  (a library's DeprecationWarning, say) are kept as plain text so they cost nothing; on a failure, the
  verifier's message is added as the cell's error. Outputs that would give partial credit are dropped.
- ``RedactTestTracebacks`` runs when feedback is generated (after nbgrader's ``ClearHiddenTests``, which
  removes the hidden tests' source): in test cells, error outputs keep their name and message but lose the
  traceback, which would quote the hidden tests.
"""
from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from .capture import MIME
from .catalogue import exercise_of
from .verifier import Verifier, free_names

PASSED_NOTE = "[grader] This check was re-run on your answers in a fresh Python process: passed.\n"


def is_autograded_test(cell) -> bool:
    """True for a code cell that nbgrader grades by running it (a test cell, not a solution)."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class IsolatedExecute(Execute):
    """nbgrader's Execute, plus an isolated re-run of every autograded test cell whose verdict is the grade."""

    def preprocess(self, nb, resources=None, km=None):
        watched = sorted({exercise_of(c.metadata["nbgrader"].get("grade_id", "")) for c in nb.cells
                          if is_autograded_test(c)} - {None})
        self._verifier = Verifier(watched)
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._verifier.close()

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if is_autograded_test(cell):
            passed, message = self._verify(cell, index)
            apply_verdict(cell, passed, message)
        return cell, resources

    def _verify(self, cell, index) -> tuple[bool, str]:
        try:
            names = free_names(cell.source)
        except SyntaxError as exc:
            return False, f"The test cell's code does not parse ({exc}); ask your instructor."
        probe = NotebookNode(cell_type="code", metadata={}, outputs=[], execution_count=None,
                             source=f"__import__('autograder.capture', fromlist=['emit']).emit({names!r})")
        try:
            self.execute_cell(probe, index, store_history=False)
        except Exception as exc:  # a dead or hung kernel
            self.log.warning("collecting answers after cell %s failed: %s", index, exc)
        finally:
            self.nb.cells[index] = cell  # nbclient stores the executed cell at its index: put the test back
        answers = None
        for out in probe.get("outputs", []):
            if out.get("output_type") == "display_data" and MIME in out.get("data", {}):
                answers = out["data"][MIME]
        if not isinstance(answers, dict) or set(answers) != set(names):
            return False, ("The grader could not collect your answers from the notebook after this cell "
                           "(did a cell stop the kernel, loop forever, or change how cells run?).")
        verdict = self._verifier.verify(cell.source, answers)
        self.log.info("isolated check of %s: %s (%.2f s)", cell.metadata["nbgrader"].get("grade_id"),
                      "passed" if verdict.passed else "failed", verdict.seconds)
        return verdict.passed, verdict.message


def apply_verdict(cell, passed: bool, message: str) -> None:
    """Rewrite a test cell's outputs so that nbgrader's grading reads the isolated verdict.

    nbgrader gives zero to a cell with an error or stderr output and partial credit to a numeric result;
    a passed cell therefore keeps its errors and stderr only as stdout text, and no cell keeps a result.
    """
    kept = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "execute_result":
            continue
        if passed and kind == "error":
            kept.append(NotebookNode(output_type="stream", name="stdout",
                                     text=f"[in your kernel] {out.get('ename')}: {out.get('evalue')}\n"))
            continue
        if passed and kind == "stream" and out.get("name") == "stderr":
            kept.append(NotebookNode(output_type="stream", name="stdout", text=out.get("text", "")))
            continue
        kept.append(out)
    if passed:
        kept.append(NotebookNode(output_type="stream", name="stdout", text=PASSED_NOTE))
    else:
        kept.append(NotebookNode(output_type="error", ename="GradingFailure", evalue=message,
                                 traceback=["GradingFailure: " + line for line in message.splitlines()] or
                                 ["GradingFailure"]))
    cell.outputs = kept


class RedactTestTracebacks(NbGraderPreprocessor):
    """In feedback, keep test cells' error names and messages but drop tracebacks that quote hidden tests."""

    def preprocess_cell(self, cell, resources, index):
        if is_autograded_test(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename')}: {out.get('evalue')}"]
        return cell, resources
