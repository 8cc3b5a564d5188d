"""nbgrader preprocessors of the course (configured in ``nbgrader_config.py``); the only module that imports nbgrader's.

- ``SandboxedExecute`` replaces nbgrader's ``Execute`` in autograding. The notebook's kernel runs inside the
  learner's sandbox (``autograder.isolation.sandbox``). Every cell runs there *except* the graded test cells: those only
  the judge runs (``autograder.isolation.judge``), a trusted process outside the sandbox, on the instructor's source,
  reaching the learner's answers through the agent (``autograder.isolation.agent``) over the data-only channel. The
  judge's verdict is the grade: a pass leaves a plain note, a failure an error with the judge's message. A cell
  that hangs or kills the kernel costs that cell: the sandbox is restarted and the cells before it replayed,
  so later exercises are still graded. The whole notebook has a wall-clock budget.
- ``RepairGradedCells`` runs while nbgrader sanitizes a submission: a duplicated graded cell (a copy-paste in
  JupyterLab), a cell whose grade id the gradebook does not know, or nbgrader metadata without an id would
  make nbgrader raise for the whole notebook; such cells become ordinary cells, so they cost only themselves.
- ``RedactTestTracebacks`` runs when feedback is generated (after ``ClearHiddenTests``): test cells keep the
  verdict's name and message, never a traceback.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import subprocess
import sys
import threading
import time

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Enum, Float, Integer, Unicode

from autograder.catalogue import BUILDS_ON, BUILT_WITH_OWN, REFERENCES, exercise_of
from autograder.contract_grading import load_secret, submission_seed
from autograder.isolation.judge import cell_timeout
from autograder.isolation.probe import agent_code
from autograder.isolation.sandbox import Limits, Sandbox, kernel_manager, require

PASSED_NOTE = "[grader] Checked by the grader's judge, outside your notebook: passed.\n"
NOT_RUN_NOTE = (
    "[grader] Not run while grading: this cell decides no grade (grading runs the lesson's setup cell, "
    "your answers and your own definitions). Its output is in your own notebook.\n"
)
FIGURE_NOTE = "[figure: drawn in your own notebook, not while grading]"
# Run by the sandboxed kernel as it starts (IPython's exec_lines) when figures are not drawn: the image
# formatters are switched off, so a figure is never rendered; its plain-text form becomes FIGURE_NOTE.
NO_FIGURES = (
    "[setattr(get_ipython().display_formatter.formatters[_k], 'enabled', False) "
    "for _k in ('image/png', 'image/jpeg', 'image/svg+xml', 'application/pdf')]"
)
FIGURE_TEXT = re.compile(r"<(?:matplotlib\.figure\.)?Figure size \d+(?:\.\d+)?x\d+(?:\.\d+)? with \d+ Axes>")


def is_autograded_test(cell) -> bool:
    """True for a code cell that nbgrader grades by running it (a test cell, not a solution)."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class Judge:
    """The judge process (``python -m autograder.isolation.judge``) and its request/verdict lines.

    One judge serves every notebook an nbgrader process grades, one after another (``shared()``): it runs only
    the instructor's code on data, so nothing of one learner survives into the next; each notebook moves it
    to that sandbox's socket with ``listen``.
    """

    _shared: Judge | None = None

    def __init__(self):
        env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.isolation.judge"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
        )
        ready = self._read_line(120)
        if not ready or not json.loads(ready).get("ready"):
            self.close()
            raise RuntimeError("the judge process did not start")

    @classmethod
    def shared(cls) -> Judge:
        if cls._shared is None or cls._shared.proc.poll() is not None:
            cls._shared = cls()
        return cls._shared

    def _read_line(self, timeout: float) -> str | None:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline() if ready else None

    def _send(self, request: dict) -> None:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()

    def listen(self, socket_path: str, seed: str | None = None) -> None:
        """Move the judge to a new sandbox's socket; ``seed`` (hex) seeds the contracts' examples for the
        notebook it is about to judge (autograder.contract_grading)."""
        self._send({"listen": socket_path, "seed": seed})
        line = self._read_line(30)
        if not line or not json.loads(line).get("listening"):
            self.close()
            said = json.loads(line).get("message", "") if line else "nothing (it did not answer in 30 s)"
            raise RuntimeError(f"the judge could not listen on its socket {socket_path}: {said}")

    def ask(self, source: str, timeout: float, alone: list[str] | None = None) -> None:
        self._send({"source": source, "timeout": timeout, "alone": list(alone or [])})

    def verdict(self, timeout: float) -> dict:
        line = self._read_line(timeout)
        if not line:
            self.close()
            raise RuntimeError("the judge gave no verdict in time")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        if Judge._shared is self:
            Judge._shared = None


@atexit.register
def _close_shared_judge() -> None:
    if Judge._shared is not None:
        Judge._shared.close()


class SandboxedExecute(Execute):
    """nbgrader's Execute with the kernel in a sandbox and the graded test cells run only by the judge."""

    sandbox = Enum(
        ["bwrap", "none"],
        "bwrap",
        help="'bwrap': every learner kernel runs in bubblewrap; 'none': "
        "no sandbox (learner code runs with your rights; only for a machine you do not mind losing).",
    ).tag(config=True)
    test_timeout = Float(
        20.0, help="Seconds a test cell may take in the judge (a cell may declare `# verifier-timeout: N`)."
    ).tag(config=True)
    notebook_timeout = Float(900.0, help="Seconds the whole notebook may take; then the sandbox is killed.").tag(
        config=True
    )
    memory_limit = Integer(6 << 30, help="Bytes of address space per learner process.").tag(config=True)
    max_processes = Integer(
        256,
        help="Processes and threads per sandbox (cgroup pids.max where the grader may "
        "make one, else RLIMIT_NPROC and a watchdog).",
    ).tag(config=True)
    scratch_limit = Integer(1 << 30, help="Bytes of the sandbox's private /tmp (a RAM-backed tmpfs).").tag(config=True)
    work_limit = Integer(
        1 << 30, help="Bytes of the sandbox's working folder (the learner's files included), held by a watchdog."
    ).tag(config=True)
    blas_threads = Integer(0, help="BLAS threads in the sandbox (0: the machine's cores).").tag(config=True)
    draw_figures = Bool(
        False,
        help="Draw the notebook's figures while grading. Off by default: drawing is "
        "about half of a lesson's execution time, the grade never depends on it, and the learner "
        "has the figures in their own notebook; the feedback shows a note in their place.",
    ).tag(config=True)
    grade_alone = Bool(
        True,
        help="Grade each exercise on its own: while an exercise's test runs, the earlier "
        "exercises it builds on (autograder.catalogue.BUILDS_ON) are the grader's references "
        "(callbacks into the judge), so a wrong weighted_sum costs weighted_sum's points, not "
        "neuron's too.",
    ).tag(config=True)
    contract_secret = Unicode(
        "grading/.contract-secret",
        help="The file of the instructor's secret that seeds "
        "the examples each submission's contracts are graded on (made on first use, mode "
        "0600; relative paths are taken from the course folder). Keep it private: with it, "
        "a learner could compute the calls their answers will be graded on.",
    ).tag(config=True)
    run_demonstrations = Bool(
        False,
        help="Also run the cells that decide no grade (the lesson's demonstrations). "
        "Off by default: they may use what the sandbox does not allow, so they would fail "
        "with errors in every honest learner's feedback; the feedback shows a note instead.",
    ).tag(config=True)
    max_replays = Integer(
        3, help="How often a hung or crashed kernel is restarted before the rest of the notebook is given up."
    ).tag(config=True)

    # ------------------------------------------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        lesson = resources["nbgrader"]["assignment"]
        self.open(lesson, resources.get("metadata", {}).get("path"))
        try:
            for index, cell in enumerate(self.nb.cells):
                self.preprocess_cell(cell, resources, index)
        finally:
            self.close()
        self.set_widgets_metadata()
        return self.nb, self.resources

    def open(self, lesson: str, folder: str | None) -> None:
        """Make the sandbox and the judge, and start the kernel inside the sandbox."""
        if self.sandbox == "bwrap":
            require()
        limits = Limits(
            memory=self.memory_limit,
            processes=self.max_processes,
            blas_threads=self.blas_threads,
            wall_seconds=self.notebook_timeout,
            scratch=self.scratch_limit,
            work=self.work_limit,
        )
        self.lesson = lesson
        self.setup_cell = next((i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"), None)
        self.box = Sandbox(lesson, folder, limits, isolate=self.sandbox == "bwrap")
        for skipped in self.box.skipped:
            self.log.warning("not copied into the sandbox: %s", skipped)
        self.judge = Judge.shared()
        self.seed = submission_seed(
            load_secret(self.contract_secret),
            [
                (c.metadata.get("nbgrader", {}).get("grade_id", ""), c.source)
                for c in self.nb.cells
                if c.metadata.get("nbgrader", {}).get("solution")
            ],
        )
        self.judge.listen(self.box.judge_socket, self.seed)
        self.deadline = time.monotonic() + self.notebook_timeout
        self.replayable: list[int] = []
        self.replays = 0
        self.given_up = False
        self.interrupt_on_timeout = False
        self.raise_on_iopub_timeout = False
        self.extra_arguments = [a for a in self.extra_arguments if not a.startswith("--IPKernelApp.exec_lines=")]
        if not self.draw_figures:
            self.extra_arguments.append(f"--IPKernelApp.exec_lines={[NO_FIGURES]!r}")
        self._start_kernel()

    def close(self) -> None:
        try:
            self._stop_kernel()
        finally:
            self.box.close()

    def _stop_kernel(self) -> None:
        """Kill the sandboxed kernel and drop its channels, whatever state learner code left them in.

        The sandbox is killed first, so nothing of the learner's survives; then the client's channels are
        stopped in a helper thread with a deadline (garbage written into the kernel's sockets can leave
        jupyter_client's heartbeat thread unable to stop, which would hang the grader).
        """
        km, kc = getattr(self, "km", None), getattr(self, "kc", None)
        self.km = self.kc = None
        if km is not None:
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception as exc:  # noqa: BLE001 - a dead kernel may fail to stop cleanly
                self.log.warning("stopping the kernel: %s", exc)
        self.box.kill_all()
        if kc is not None:
            stopper = threading.Thread(target=_quietly, args=(kc.stop_channels,), daemon=True)
            stopper.start()
            stopper.join(5)
            if stopper.is_alive():
                self.log.warning("the kernel's channels did not stop; left behind (the kernel is dead)")
        if km is not None:
            try:
                run_sync(km.cleanup_resources)()
            except Exception:  # noqa: BLE001
                pass

    def _start_kernel(self) -> None:
        self.km = kernel_manager(
            self.box, self.kernel_name or self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        )
        # the kernel's own stdout and stderr go to a log in the sandbox's folder, never to the grader's terminal
        log = open(self.box.root / "kernel.log", "ab")
        try:
            self.start_new_kernel(
                cwd=str(self.box.root), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        finally:
            log.close()
        self.kc = self.start_new_kernel_client()
        info = self.wait_for_reply(self.kc.kernel_info())
        if info:
            self.nb.metadata["language_info"] = info["content"]["language_info"]

    def _restart(self, upto: int) -> None:
        """A new sandboxed kernel with the cells before ``upto`` replayed (their outputs are not kept)."""
        self.replays += 1
        if self.replays > self.max_replays or time.monotonic() > self.deadline:
            self.given_up = True
            return
        self.log.warning("restarting the learner's kernel and replaying %d cells", len(self.replayable))
        self._stop_kernel()
        self._start_kernel()
        for index in self.replayable:
            if index >= upto:
                break
            replay = NotebookNode(
                cell_type="code", metadata={}, outputs=[], execution_count=None, source=self.nb.cells[index].source
            )
            try:
                self._run_in_kernel(replay, index)
            except (CellTimeoutError, DeadKernelError):
                self.given_up = True
                return

    def _run_in_kernel(self, cell, index: int, timeout: float | None = None):
        """Execute ``cell`` in the kernel without storing it in the notebook; return the executed cell."""
        keep = self.nb.cells[index]
        old = self.timeout
        left = max(1.0, self.deadline - time.monotonic())
        self.timeout = int(min(timeout or self.timeout or left, left)) or 1
        try:
            return self.execute_cell(cell, index, store_history=False)
        finally:
            self.timeout = old
            self.nb.cells[index] = keep

    # ------------------------------------------------------------------------------------------------
    def preprocess_cell(self, cell, resources, index):
        if is_autograded_test(cell):
            passed, message, output = self.judge_cell(cell.source, index)
            apply_verdict(cell, passed, message, output)
            return cell, resources
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if not self.needed(cell, index):
            cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=NOT_RUN_NOTE)]
            cell.execution_count = None
            return cell, resources
        if self.given_up or time.monotonic() > self.deadline:
            cell.outputs = [
                _error(
                    "GradingStopped",
                    "Not run: the notebook used up its time budget or its kernel could not be restarted.",
                )
            ]
            return cell, resources
        try:
            cell = self.execute_cell(cell, index, store_history=True)
            self.replayable.append(index)
            if not self.draw_figures:
                _note_undrawn_figures(cell)
        except CellTimeoutError:
            cell.outputs = list(cell.get("outputs", [])) + [
                _error(
                    "CellTimeoutError",
                    f"This cell did not finish within {self.timeout} s, so it was stopped; "
                    "the cells after it were still run.",
                )
            ]
            self.nb.cells[index] = cell
            self._restart(index)
        except DeadKernelError:
            why = (
                f"The grader stopped the kernel while it ran this cell: {self.box.violation}"
                if self.box.violation
                else "The kernel died while running this cell (an exit, a crash or too much memory)"
            )
            cell.outputs = list(cell.get("outputs", [])) + [
                _error("DeadKernelError", f"{why}; the cells after it were still run.")
            ]
            self.nb.cells[index] = cell
            self._restart(index)
        return cell, resources

    def needed(self, cell, index: int) -> bool:
        """Whether grading needs cell ``index`` run: the lesson's setup cell (the first code cell), the solution
        cells, and cells that only import and define (a learner's own helpers). Demonstrations decide no grade
        and may use what grading withholds, so they are not run (issue 22, item 9)."""
        return (
            self.run_demonstrations
            or index == self.setup_cell
            or utils.is_solution(cell)
            or only_definitions(cell.source)
        )

    def graded_alone(self, grade_id: str | None) -> list[str]:
        """Names the judge binds to its references while test cell ``grade_id`` runs (``grade_alone``)."""
        return _graded_alone(getattr(self, "lesson", ""), grade_id) if self.grade_alone else []

    def judge_cell(self, source: str, index: int, grade_id: str | None = None) -> tuple[bool, str, str]:
        """The judge's verdict on test ``source``, asking the agent in the kernel for the learner's answers.

        ``grade_id``: the test cell's id (default: that of cell ``index``), which tells the exercise it grades.
        """
        if grade_id is None:
            grade_id = self.nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if self.given_up or time.monotonic() > self.deadline:
            return False, "Not checked: the notebook used up its time budget.", ""
        budget = cell_timeout(source, self.test_timeout)
        self.judge.ask(source, budget, self.graded_alone(grade_id))
        probe = NotebookNode(
            cell_type="code", metadata={}, outputs=[], execution_count=None, source=agent_code(self.box.judge_socket)
        )
        hung = False
        try:
            self._run_in_kernel(probe, index, timeout=budget + 10)
        except (CellTimeoutError, DeadKernelError) as exc:
            self.log.warning("the kernel did not come back from check %d: %s", index, type(exc).__name__)
            hung = True
        try:
            verdict = self.judge.verdict(budget + 15)
        except RuntimeError as exc:  # the judge was stopped: the next check gets a new one on the same socket
            try:
                os.unlink(self.box.judge_socket)
                self.judge = Judge.shared()
                self.judge.listen(self.box.judge_socket, self.seed)
            except (OSError, RuntimeError) as again:
                self.log.error("the judge could not be restarted: %s", again)
                self.given_up = True
            verdict = {"passed": False, "message": f"The grader could not check this cell ({exc}).", "output": ""}
        if hung:
            self._restart(index)
        self.log.info(
            "judge: cell %d %s (%.2f s; judge peak memory %s MB)",
            index,
            "passed" if verdict.get("passed") else "failed",
            verdict.get("seconds", 0.0),
            verdict.get("judge_rss_mb", "?"),
        )
        passed, message = verdict.get("passed") is True, str(verdict.get("message", ""))
        exercise = exercise_of(grade_id) if grade_id else None
        if not passed and exercise in BUILT_WITH_OWN:
            message += (
                f"\n{exercise} is graded with your own {', '.join(BUILT_WITH_OWN[exercise])}: if one of "
                "those lost points too, mend it first."
            )
        return passed, message, str(verdict.get("output", ""))


def only_definitions(source: str) -> bool:
    """True for code whose top-level statements are all imports, function and class definitions (IPython's
    magics and shell lines are not)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return bool(tree.body) and all(
        isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for n in tree.body
    )


def _graded_alone(lesson: str, grade_id: str | None) -> list[str]:
    """The earlier exercises that the exercise ``grade_id`` tests builds on (``BUILDS_ON``), within ``lesson``."""
    exercise = exercise_of(grade_id) if grade_id else None
    return [name for name in BUILDS_ON.get(exercise, ()) if name in REFERENCES.get(lesson, {})]


def _note_undrawn_figures(cell) -> None:
    """Outputs that are only a figure's plain-text form (it was not drawn) say why the picture is missing."""
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if set(data) == {"text/plain"} and FIGURE_TEXT.fullmatch(str(data["text/plain"]).strip()):
            data["text/plain"] = FIGURE_NOTE


def _quietly(func) -> None:
    try:
        func()
    except Exception:  # noqa: BLE001 - best effort on a dead kernel's channels
        pass


def _error(name: str, message: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=name,
        evalue=message,
        traceback=[f"{name}: {line}" for line in message.splitlines()] or [name],
    )


def apply_verdict(cell, passed: bool, message: str, output: str = "") -> None:
    """Set a test cell's outputs from the judge's verdict (nbgrader grades an error as zero, else full marks)."""
    outputs = []
    if output.strip():
        outputs.append(NotebookNode(output_type="stream", name="stdout", text=output))
    if passed:
        outputs.append(NotebookNode(output_type="stream", name="stdout", text=PASSED_NOTE))
    else:
        outputs.append(_error("GradingFailure", message or "failed"))
    cell.outputs = outputs
    cell.execution_count = None


class RepairGradedCells(NbGraderPreprocessor):
    """Turn graded cells nbgrader would choke on (duplicates, unknown ids, no id) into ordinary cells."""

    def preprocess(self, nb, resources):
        known: set[str] = set()
        try:
            with Gradebook(resources["nbgrader"]["db_url"]) as gb:
                source = gb.find_notebook(resources["nbgrader"]["notebook"], resources["nbgrader"]["assignment"])
                known = (
                    {c.name for c in source.source_cells}
                    | {c.name for c in source.grade_cells}
                    | {c.name for c in source.solution_cells}
                    | {c.name for c in source.task_cells}
                )
        except MissingEntry:
            return nb, resources
        seen: set[str] = set()
        for cell in nb.cells:
            meta = cell.get("metadata", {})
            if "nbgrader" not in meta:
                continue
            grade_id = meta["nbgrader"].get("grade_id") if isinstance(meta["nbgrader"], dict) else None
            if grade_id is None or grade_id not in known or grade_id in seen:
                reason = (
                    "without an id"
                    if grade_id is None
                    else "with an unknown id"
                    if grade_id not in known
                    else "duplicated"
                )
                self.log.warning("graded cell %s %s: graded as an ordinary cell", grade_id or "", reason)
                del meta["nbgrader"]
                continue
            seen.add(grade_id)
        return nb, resources


class RedactTestTracebacks(NbGraderPreprocessor):
    """In feedback, every error keeps its name and message but drops its traceback: a test cell's would quote
    hidden tests, any other's shows the grading machine's paths and the source of the code it went through."""

    def preprocess_cell(self, cell, resources, index):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                out["traceback"] = [f"{out.get('ename')}: {out.get('evalue')}"]
        return cell, resources
