"""The judge bounds what a learner's message makes it compute (issue 22, 5), through a real `nbgrader autograde`.

The judge runs outside every learner limit. While `mlp_forward` is checked, the learner's code calls the
grader's `dense_forward` (a callback into the judge). Two cheaters use that to make the judge allocate gigabytes:
- `cheat-zero-stride-frame` writes a raw 200-byte callback frame whose arrays are views with zero strides,
  thousands of elements read from one 8-byte array;
- `cheat-outer-product` calls `dense_forward` with X (17000, 1) and W (1, 17000): 270 kB of arguments, a
  2.3 GB result.
Both lose `mlp_forward`'s points with a message that says why, the judge's peak memory stays under the project's
1024 MB bound, and the honest learners graded before and after them (the same judge) keep full marks.
"""

from __future__ import annotations

import re

import pytest

from tests.support.notebooks import is_solution_cell, nbgrader_meta

from .course import Course, points, replace_answer, with_answers

pytestmark = pytest.mark.slow
LESSON = "03-architecture"
ZERO_STRIDES = """import json, struct
def mlp_forward(X, params, activation):
    cb = dense_forward                     # the grader's dense_forward: a callback into the judge
    one = {"A": [0, 8], "dt": "<f8", "sh": [1], "#": "k0"}
    tall = {"V": "k0", "off": 0, "sh": [17000, 1], "st": [0, 0], "dt": "<f8"}
    wide = {"V": "k0", "off": 0, "sh": [1, 17000], "st": [0, 0], "dt": "<f8"}
    flat = {"V": "k0", "off": 0, "sh": [17000], "st": [0], "dt": "<f8"}
    head = json.dumps({"op": "callback", "f": cb._key, "args": {"T": []},
                       "kwargs": {"D": [["b", one], ["X", tall], ["W", wide], ["b", flat]]}}).encode()
    cb._agent.sock.sendall(b"NNW1" + struct.pack("<IQ", len(head), 8) + head + bytes(8))
    return cb._agent.sock.recv(1 << 16)
"""
OUTER = """def mlp_forward(X, params, activation):
    dense_forward(np.ones((17000, 1)), np.ones((1, 17000)), np.zeros(17000))   # 2.3 GB in the judge
    A = X
    for W, b in params[:-1]:
        A = activation(dense_forward(A, W, b))
    return dense_forward(A, *params[-1])
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("judgebounds"), [LESSON], execute_timeout=60)
    src, rel = course.source(LESSON), course.release(LESSON)
    solved = with_answers(rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if is_solution_cell(c)})
    course.submit_directly("aa-honest", LESSON, solved)
    course.submit_directly("cheat-outer-product", LESSON, replace_answer(solved, "mlp_forward", OUTER))
    course.submit_directly("cheat-zero-stride-frame", LESSON, replace_answer(solved, "mlp_forward", ZERO_STRIDES))
    course.submit_directly("zz-honest", LESSON, solved)
    done = course.autograde(LESSON)
    course.log = done.stdout + done.stderr
    course.scores = course.grades()
    course.pts = points(src)
    return course


def _message(course, learner) -> str:
    nb = course.autograded(learner, LESSON)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "test_mlp_forward")
    return " ".join(o.get("evalue", "") for o in cell.outputs if o.get("output_type") == "error")


@pytest.mark.parametrize("learner", ["aa-honest", "zz-honest"])
def test_honest_learners_keep_full_marks(graded, learner):
    assert graded.scores[(learner, LESSON)] == sum(graded.pts.values()), (graded.scores, graded.log[-4000:])


@pytest.mark.parametrize("learner", ["cheat-outer-product", "cheat-zero-stride-frame"])
def test_the_cheater_loses_only_mlp_forward(graded, learner):
    assert graded.scores[(learner, LESSON)] == sum(graded.pts.values()) - graded.pts["test_mlp_forward"]


def test_zero_stride_views_are_refused(graded):
    text = _message(graded, "cheat-zero-stride-frame")
    assert "not a plain answer" in text and "strides" in text, text


def test_a_huge_product_is_a_memory_verdict(graded):
    text = _message(graded, "cheat-outer-product")
    assert "memory" in text and "dense_forward" in text, text


def test_the_judge_memory_stayed_bounded(graded):
    peaks = [float(m) for m in re.findall(r"judge peak memory ([0-9.]+) MB", graded.log)]
    assert peaks, graded.log[-2000:]
    print(f"judge peak memory: {max(peaks):.0f} MB over {len(peaks)} checks")
    assert max(peaks) < 1024, max(peaks)
