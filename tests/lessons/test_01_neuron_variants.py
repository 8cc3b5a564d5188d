"""Lesson 01's graded tests against plausible wrong answers (must lose the points) and correct answers
written differently from the solution (must keep them), through the course's isolated grader."""

from tests.support.lesson_grading import (  # noqa: F401 - the shared tests, run on WRONG and RIGHT below
    test_every_exercise_has_wrong_and_right_variants,
    test_one_mistake_costs_one_exercise,
    test_other_correct_answer_keeps_the_points,
    test_the_solution_keeps_every_point,
    test_wrong_answer_feedback_says_why,
    test_wrong_answer_loses_the_points,
)

LESSON = "01-neuron"

WRONG = {
    "weighted_sum": [
        # sums over the whole batch instead of one sum per row
        "def weighted_sum(x, w, b):\n    return np.sum(x * w) + b\n",
        # forgets the bias
        "def weighted_sum(x, w, b):\n    return x @ w\n",
        # multiplies by the bias instead of adding it
        "def weighted_sum(x, w, b):\n    return (x @ w) * b\n",
        # adds the bias to every input before weighting
        "def weighted_sum(x, w, b):\n    return (x + b) @ w\n",
        # float32 results ("a number": float64 like its inputs)
        "def weighted_sum(x, w, b):\n    return (x @ w + b).astype(np.float32)\n",
        # multiplies the weights into the caller's x ("leaves its inputs unchanged")
        "def weighted_sum(x, w, b):\n    x *= w\n    return x.sum(axis=-1) + b\n",
    ],
    "neuron": [
        # activation applied to the inputs instead of the sum
        "def neuron(x, w, b, activation):\n    return activation(x) @ w + b\n",
        # bias added after the activation
        "def neuron(x, w, b, activation):\n    return activation(x @ w) + b\n",
        # ignores the activation it was given (always a step)
        "def neuron(x, w, b, activation):\n    return (x @ w + b > 0).astype(float)\n",
        # an array of one value for one sample ("a number for one sample")
        "def neuron(x, w, b, activation):\n    return np.atleast_1d(activation(x @ w + b))\n",
    ],
    "AND_PARAMS": [
        # that is OR
        "AND_PARAMS = (np.array([1.0, 1.0]), -0.5)\n",
        # (0, 1) and (1, 0) lie exactly on the boundary
        "AND_PARAMS = (np.array([1.0, 1.0]), -1.0)\n",
        # never fires
        "AND_PARAMS = (np.array([1.0, 1.0]), -2.5)\n",
        # only looks at the first input
        "AND_PARAMS = (np.array([1.0, 0.0]), -0.5)\n",
        # three weights
        "AND_PARAMS = (np.array([1.0, 1.0, 1.0]), -1.5)\n",
        # weights and bias swapped
        "AND_PARAMS = (-1.5, np.array([1.0, 1.0]))\n",
    ],
    "OR_PARAMS": [
        # (0, 0) lies exactly on the boundary (step(0) = 0 hides it)
        "OR_PARAMS = (np.array([1.0, 1.0]), 0.0)\n",
        # that is AND
        "OR_PARAMS = (np.array([1.0, 1.0]), -1.5)\n",
        # only looks at the first input
        "OR_PARAMS = (np.array([1.0, 0.0]), -0.5)\n",
        # signs flipped: NOR
        "OR_PARAMS = (np.array([-1.0, -1.0]), 0.5)\n",
    ],
    "is_linearly_separable": [
        # forgets XNOR
        "def is_linearly_separable(X, y):\n    return not np.array_equal(np.asarray(y), [0, 1, 1, 0])\n",
        # a lookup that only works for the canonical row order
        "def is_linearly_separable(X, y):\n    return list(np.asarray(y)) not in ([0, 1, 1, 0], [1, 0, 0, 1])\n",
        # searches non-negative weights and biases only: misses NAND, NOR, ...
        "def is_linearly_separable(X, y):\n"
        "    grid = np.arange(0.0, 2.01, 0.5)\n"
        "    for w1 in grid:\n"
        "        for w2 in grid:\n"
        "            for b in -grid:\n"
        "                if np.array_equal(X @ np.array([w1, w2]) + b > 0, np.asarray(y) == 1):\n"
        "                    return True\n"
        "    return False\n",
        # integer grid: the bias never lands between the corners' sums, points sit on the line
        "def is_linearly_separable(X, y):\n"
        "    grid = [-1.0, 0.0, 1.0]\n"
        "    for w1 in grid:\n"
        "        for w2 in grid:\n"
        "            for b in grid:\n"
        "                if np.array_equal(X @ np.array([w1, w2]) + b > 0, np.asarray(y) == 1):\n"
        "                    return True\n"
        "    return False\n",
        # answers with a number, not a bool
        "def is_linearly_separable(X, y):\n"
        "    return 0 if list(np.asarray(y)) in ([0, 1, 1, 0], [1, 0, 0, 1]) else 1\n",
        # a right search returning a numpy bool ("a Python bool")
        "def is_linearly_separable(X, y):\n"
        "    g = np.linspace(-3, 3, 25)\n"
        "    W1, W2, B = np.meshgrid(g, g, g, indexing='ij')\n"
        "    P = np.stack([W1.ravel(), W2.ravel()])\n"
        "    fires = np.asarray(X, dtype=float) @ P + B.ravel() > 0\n"
        "    return (fires == (np.asarray(y) == 1)[:, None]).all(axis=0).any()\n",
    ],
}

RIGHT = {
    "weighted_sum": [
        "def weighted_sum(x, w, b):\n    return np.einsum('...d,d->...', x, w) + b\n",
        "def weighted_sum(x, w, b):\n    return (np.asarray(x) * w).sum(axis=-1) + b\n",
        "def weighted_sum(x, w, b):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    if x.ndim == 1:\n"
        "        return float(sum(xi * wi for xi, wi in zip(x, w)) + b)\n"
        "    return np.array([sum(xi * wi for xi, wi in zip(row, w)) + b for row in x])\n",
        # exactly rounded sums: the most different order of additions from x @ w
        "def weighted_sum(x, w, b):\n"
        "    import math\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    if x.ndim == 1:\n"
        "        return math.fsum([*(x * w), b])\n"
        "    return np.array([math.fsum([*(row * w), b]) for row in x])\n",
    ],
    "neuron": [
        "def neuron(x, w, b, activation):\n    return activation(np.dot(x, w) + b)\n",
        "def neuron(x, w, b, activation):\n    z = weighted_sum(x, w, b)\n    return activation(z)\n",
    ],
    "AND_PARAMS": [
        "AND_PARAMS = ([2, 2], -3)\n",
        "AND_PARAMS = (np.array([0.3, 0.7]), -0.9)\n",
        "AND_PARAMS = (np.array([1.0, 1.0]), np.float64(-1.999))\n",
        "AND_PARAMS = [np.array([10.0, 10.0]), np.array(-15.0)]\n",
        # the text asks only for sums != 0: a margin of 1e-10 is a margin
        "AND_PARAMS = (np.array([1., 1.]), -1.0000000001)\n",
        "AND_PARAMS = (np.array([1.0, 1.0]), -1.9999999999)\n",
    ],
    "OR_PARAMS": [
        "OR_PARAMS = ([5, 5], -1)\n",
        "OR_PARAMS = (np.array([0.5, 2.0]), -0.25)\n",
        "OR_PARAMS = (np.array([1.0, 1.0]), -1e-10)\n",
    ],
    "is_linearly_separable": [
        # the perceptron learning rule (converges on separable data)
        "def is_linearly_separable(X, y):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    t = np.asarray(y) == 1\n"
        "    w, b = np.zeros(X.shape[1]), 0.0\n"
        "    for _ in range(100):\n"
        "        for xi, ti in zip(X, t):\n"
        "            err = float(ti) - float(xi @ w + b > 0)\n"
        "            w = w + err * xi\n"
        "            b = b + err\n"
        "    return bool(np.array_equal(X @ w + b > 0, t))\n",
        # an exact linear program, written independently of the reference
        "def is_linearly_separable(X, y):\n"
        "    from scipy.optimize import linprog\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    s = np.where(np.asarray(y) == 1, 1.0, -1.0)\n"
        "    A = -s[:, None] * np.column_stack([X, np.ones(len(X))])\n"
        "    res = linprog(np.zeros(3), A_ub=A, b_ub=-np.ones(len(X)), bounds=[(None, None)] * 3)\n"
        "    return res.status == 0\n",
        # a vectorised, finer grid, its numpy bool made a Python bool
        "def is_linearly_separable(X, y):\n"
        "    g = np.linspace(-3, 3, 25)\n"
        "    W1, W2, B = np.meshgrid(g, g, g, indexing='ij')\n"
        "    P = np.stack([W1.ravel(), W2.ravel()])\n"
        "    fires = np.asarray(X, dtype=float) @ P + B.ravel() > 0\n"
        "    return bool((fires == (np.asarray(y) == 1)[:, None]).all(axis=0).any())\n",
    ],
}
