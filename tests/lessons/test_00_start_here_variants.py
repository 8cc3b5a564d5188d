"""Lesson 00-start-here: plausible wrong answers to the practice exercise lose its point, differently written
right ones keep it, through the course's isolated grader (tests.support.lesson_grading.exercise_passes).

Each wrong answer breaks one promise of the exercise's text, and add's contract (nnlib/contracts/lesson00.py)
names the clause it breaks."""

from tests.support.lesson_grading import (  # noqa: F401 - the shared tests, run on WRONG and RIGHT below
    test_every_exercise_has_wrong_and_right_variants,
    test_one_mistake_costs_one_exercise,
    test_other_correct_answer_keeps_the_points,
    test_the_solution_keeps_every_point,
    test_wrong_answer_feedback_says_why,
    test_wrong_answer_loses_the_points,
)

LESSON = "00-start-here"

WRONG = {
    "add": [
        # hands the caller b itself when a is all zeros ("a new array")
        "def add(a, b):\n    if not np.any(a):\n        return b\n    return a + b\n",
        # adds b into the caller's a ("a and b are left unchanged")
        "def add(a, b):\n"
        "    if isinstance(a, np.ndarray):\n"
        "        a += b\n"
        "        return a.copy()\n"
        "    return a + b\n",
        # float32 arrays ("a new array": float64 like its inputs)
        "def add(a, b):\n    return np.add(a, b, dtype=np.float32) if isinstance(a, np.ndarray) else a + b\n",
        # prints the sum instead of returning it
        "def add(a, b):\n    print(a + b)\n",
        # subtracts
        "def add(a, b):\n    return a - b\n",
    ],
}

RIGHT = {
    "add": [
        "def add(a, b):\n    return np.add(a, b)\n",
        "def add(a, b):\n    return b + a\n",
        # a copy of a, then b added into the copy (numbers stay numbers)
        "def add(a, b):\n"
        "    if np.ndim(a) == 0:\n"
        "        return a + b\n"
        "    total = np.array(a, dtype=float)\n"
        "    total += b\n"
        "    return total\n",
    ],
}
