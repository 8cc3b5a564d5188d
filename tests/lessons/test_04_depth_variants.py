"""Lesson 04: plausible wrong answers lose their points, differently written correct answers keep them."""

from __future__ import annotations

from tests.support.lesson_grading import (  # noqa: F401 - the shared tests, run on WRONG and RIGHT below
    test_every_exercise_has_wrong_and_right_variants,
    test_one_mistake_costs_one_exercise,
    test_other_correct_answer_keeps_the_points,
    test_the_solution_keeps_every_point,
    test_wrong_answer_feedback_says_why,
    test_wrong_answer_loses_the_points,
)

LESSON = "04-depth"

WRONG = {
    "tent_params": [
        # readout weights (1, -1): slope 1, then 0 - a ramp that flattens, not a tent
        "def tent_params():\n"
        "    return [(np.array([[1.0, 1.0]]), np.array([0.0, -0.5])), (np.array([[1.0], [-1.0]]), np.array([0.0]))]\n",
        # readout weights (2, -2): the slope after the kink is 0, the top is flat
        "def tent_params():\n"
        "    return [(np.array([[1.0, 1.0]]), np.array([0.0, -0.5])), (np.array([[2.0], [-2.0]]), np.array([0.0]))]\n",
        # the second unit's bias has the wrong sign: it switches on at x = -1/2, not 1/2
        "def tent_params():\n"
        "    return [(np.array([[1.0, 1.0]]), np.array([0.0, 0.5])), (np.array([[2.0], [-4.0]]), np.array([0.0]))]\n",
        # W1 given as (2, 1) instead of (1, 2)
        "def tent_params():\n"
        "    return [(np.array([[1.0], [1.0]]), np.array([0.0, -0.5])), (np.array([[2.0], [-4.0]]), np.array([0.0]))]\n",
        # 1 - |2x - 1| written with the readout bias forgotten
        "def tent_params():\n"
        "    return [(np.array([[2.0, -2.0]]), np.array([-1.0, 1.0])), (np.array([[-1.0], [-1.0]]), np.array([0.0]))]\n",
    ],
    "sawtooth": [
        # one tent too few
        "from nnlib.activations import relu\nfrom nnlib.layers import mlp_forward\n"
        "def sawtooth(x, k):\n"
        "    y = np.array(x, dtype=float)[:, None]\n"
        "    for _ in range(k - 1):\n"
        "        y = mlp_forward(y, tent_params(), relu)\n"
        "    return y[:, 0]\n",
        # the rising sawtooth wave 2**k x mod 1 instead of folding
        "def sawtooth(x, k):\n    return np.mod(2.0 ** k * np.asarray(x, dtype=float), 1.0)\n",
        # returns the network's (n, 1) output without flattening it
        "from nnlib.activations import relu\nfrom nnlib.layers import mlp_forward\n"
        "def sawtooth(x, k):\n"
        "    y = np.array(x, dtype=float)[:, None]\n"
        "    for _ in range(k):\n"
        "        y = mlp_forward(y, tent_params(), relu)\n"
        "    return y\n",
        # applies the tent to x every time instead of to the previous output
        "from nnlib.activations import relu\nfrom nnlib.layers import mlp_forward\n"
        "def sawtooth(x, k):\n"
        "    x = np.array(x, dtype=float)\n"
        "    y = x.copy()\n"
        "    for _ in range(k):\n"
        "        y = mlp_forward(x[:, None], tent_params(), relu)[:, 0]\n"
        "    return y\n",
        # starts from x itself: for k = 0 the loop never runs and the caller's array comes back
        "from nnlib.activations import relu\nfrom nnlib.layers import mlp_forward\n"
        "def sawtooth(x, k):\n"
        "    y = x\n"
        "    for _ in range(k):\n"
        "        y = mlp_forward(y[:, None], tent_params(), relu)[:, 0]\n"
        "    return y\n",
        # starts from a reshaped x, a view: for k = 0 it returns a view of the caller's array
        "from nnlib.activations import relu\nfrom nnlib.layers import mlp_forward\n"
        "def sawtooth(x, k):\n"
        "    y = x.reshape(-1, 1)\n"
        "    for _ in range(k):\n"
        "        y = mlp_forward(y, tent_params(), relu)\n"
        "    return y[:, 0]\n",
        # the tent folded into the caller's x, in place
        "def sawtooth(x, k):\n"
        "    for _ in range(k):\n"
        "        np.minimum(2 * x, 2 - 2 * x, out=x)\n"
        "    return x.copy()\n",
    ],
    "count_linear_pieces": [
        # counts kinks, forgets the + 1
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    changed = np.abs(np.diff(s)) > 1e-6 * np.max(np.abs(s))\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum())\n",
        # compares slopes exactly: float noise counts as kinks
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    changed = np.diff(s) != 0\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum()) + 1\n",
        # counts every slope change: a kink between two samples counts twice
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    return int(np.sum(np.abs(np.diff(s)) > 1e-6 * np.max(np.abs(s)))) + 1\n",
        # absolute tolerance: misses kinks of small functions, finds noise in large ones
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    changed = np.abs(np.diff(s)) > 1e-2\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum()) + 1\n",
        # uses differences of y without dividing by the spacing of x (wrong for uneven samples)
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y)\n"
        "    changed = np.abs(np.diff(s)) > 1e-6 * np.max(np.abs(s))\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum()) + 1\n",
        # issue 21: an absolute tolerance of the text's size, 1e-6: right for slopes near 1, but float noise in y
        # scaled by 1e10 counts as kinks, and the kinks of y scaled by 1e-7 vanish
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    changed = np.abs(np.diff(s)) > 1e-6\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum()) + 1\n",
        # issue 21: the scale taken with max instead of max(abs): for a decreasing y the tolerance is negative
        # and every segment counts as a kink
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    changed = np.abs(np.diff(s)) > 1e-6 * np.max(s)\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum()) + 1\n",
        # right count, returned as a numpy integer: the text asks for a Python int
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    changed = np.abs(np.diff(s)) > 1e-6 * np.max(np.abs(s))\n"
        "    return np.sum(changed & ~np.concatenate([[False], changed[:-1]])) + 1\n",
    ],
    "layer_activations": [
        # applies the ReLU to the logits too
        "from nnlib.activations import relu\n"
        "def layer_activations(X, params):\n"
        "    out, A = [], X\n"
        "    for W, b in params:\n"
        "        A = relu(A @ W + b)\n"
        "        out.append(A)\n"
        "    return out\n",
        # returns the pre-activations Z of every layer
        "def layer_activations(X, params):\n"
        "    out, A = [], X\n"
        "    for W, b in params:\n"
        "        Z = A @ W + b\n"
        "        out.append(Z)\n"
        "        A = np.maximum(Z, 0)\n"
        "    return out\n",
        # forgets the logits: only the hidden layers
        "def layer_activations(X, params):\n"
        "    out, A = [], X\n"
        "    for W, b in params[:-1]:\n"
        "        A = np.maximum(A @ W + b, 0)\n"
        "        out.append(A)\n"
        "    return out\n",
        # puts the input X first in the list
        "def layer_activations(X, params):\n"
        "    out, A = [X], X\n"
        "    for i, (W, b) in enumerate(params):\n"
        "        A = A @ W + b\n"
        "        if i < len(params) - 1:\n"
        "            A = np.maximum(A, 0)\n"
        "        out.append(A)\n"
        "    return out\n",
        # written for two layers: the hidden layer of the first pair and the logits of the last
        "from nnlib.activations import relu\n"
        "def layer_activations(X, params):\n"
        "    (W1, b1), (W2, b2) = params[0], params[-1]\n"
        "    A1 = relu(X @ W1 + b1)\n"
        "    return [A1, A1 @ W2 + b2]\n",
        # the right arrays in a tuple: the text asks for a list
        "def layer_activations(X, params):\n"
        "    out, A = [], np.asarray(X, dtype=float)\n"
        "    for i, (W, b) in enumerate(params):\n"
        "        A = A @ W + b if i == len(params) - 1 else np.maximum(A @ W + b, 0.0)\n"
        "        out.append(A)\n"
        "    return tuple(out)\n",
    ],
    "top_activating": [
        # smallest first
        "def top_activating(acts, unit, k):\n    return np.argsort(acts[:, unit])[:k]\n",
        # the right k inputs, but in increasing order
        "def top_activating(acts, unit, k):\n    return np.argsort(acts[:, unit])[-k:]\n",
        # ranks a row (an input) instead of a column (a unit)
        "def top_activating(acts, unit, k):\n    return np.argsort(-acts[unit])[:k]\n",
        # ranks by magnitude
        "def top_activating(acts, unit, k):\n    return np.argsort(-np.abs(acts[:, unit]))[:k]\n",
        # returns the activations instead of the indices
        "def top_activating(acts, unit, k):\n    return np.sort(acts[:, unit])[::-1][:k]\n",
        # sorts the caller's column in place (np.ndarray.sort on a view of acts)
        "def top_activating(acts, unit, k):\n"
        "    col = acts[:, unit]\n"
        "    order = np.argsort(-col, kind='stable')[:k]\n"
        "    col.sort()\n"
        "    return order\n",
        # issue 21: the k largest by argpartition, never sorted: "largest first" only by chance (on small inputs)
        "def top_activating(acts, unit, k):\n    return np.argpartition(-acts[:, unit], k - 1)[:k]\n",
        # the right indices as floats
        "def top_activating(acts, unit, k):\n    return np.argsort(-acts[:, unit])[:k].astype(float)\n",
    ],
}

RIGHT = {
    "tent_params": [
        # 1 - |2x - 1| = 1 - relu(2x - 1) - relu(1 - 2x)
        "def tent_params():\n"
        "    return [(np.array([[2.0, -2.0]]), np.array([-1.0, 1.0])), (np.array([[-1.0], [-1.0]]), np.array([1.0]))]\n",
        # scaled units: relu(2x) - 2 relu(2x - 1), as nested lists and a tuple of tuples
        "def tent_params():\n    return (([[2.0, 2.0]], [0.0, -1.0]), ([[1.0], [-2.0]], [0.0]))\n",
        # the model answer with its two hidden units in the other order
        "def tent_params():\n"
        "    W1 = np.array([[1.0, 1.0]]); b1 = np.array([-0.5, 0.0])\n"
        "    return [(W1, b1), (np.array([[-4.0], [2.0]]), np.zeros(1))]\n",
    ],
    "sawtooth": [
        # the tent as a formula, composed in a loop (no network)
        "def sawtooth(x, k):\n"
        "    y = np.array(x, dtype=float)\n"
        "    for _ in range(k):\n"
        "        y = 1.0 - np.abs(2.0 * y - 1.0)\n"
        "    return y\n",
        # recursion through the learner's own network
        "from nnlib.activations import relu\nfrom nnlib.layers import mlp_forward\n"
        "def sawtooth(x, k):\n"
        "    if k == 0:\n"
        "        return np.array(x, dtype=float)\n"
        "    inner = sawtooth(x, k - 1)\n"
        "    return mlp_forward(inner.reshape(-1, 1), tent_params(), relu).ravel()\n",
    ],
    "count_linear_pieces": [
        # loop version with math.isclose-style relative test and a flag for runs
        "def count_linear_pieces(y, x):\n"
        "    s = [(y[i + 1] - y[i]) / (x[i + 1] - x[i]) for i in range(len(x) - 1)]\n"
        "    tol = 1e-6 * max(abs(v) for v in s)\n"
        "    kinks, in_run = 0, False\n"
        "    for a, b in zip(s[:-1], s[1:]):\n"
        "        if abs(b - a) > tol:\n"
        "            if not in_run:\n"
        "                kinks += 1\n"
        "            in_run = True\n"
        "        else:\n"
        "            in_run = False\n"
        "    return kinks + 1\n",
        # np.diff on the boolean mask to find the starts of runs
        "def count_linear_pieces(y, x):\n"
        "    s = np.diff(np.asarray(y, float)) / np.diff(np.asarray(x, float))\n"
        "    scale = np.abs(s).max()\n"
        "    changed = (np.abs(np.diff(s)) > 1e-6 * scale).astype(int) if scale > 0 else np.zeros(len(s) - 1, int)\n"
        "    return int(np.sum(np.diff(np.concatenate([[0], changed])) == 1)) + 1\n",
    ],
    "layer_activations": [
        # builds on a copy of mlp_forward's idea with an explicit last-layer check, returns a tuple-free list
        "from nnlib.activations import relu\n"
        "def layer_activations(X, params):\n"
        "    acts = []\n"
        "    A = np.array(X, dtype=float)\n"
        "    for W, b in params[:-1]:\n"
        "        A = relu(np.dot(A, W) + b)\n"
        "        acts.append(A)\n"
        "    W, b = params[-1]\n"
        "    acts.append(np.dot(A, W) + b)\n"
        "    return acts\n",
        # uses mlp_forward on ever longer prefixes of the network
        "from nnlib.activations import relu\nfrom nnlib.layers import mlp_forward\n"
        "def layer_activations(X, params):\n"
        "    out = []\n"
        "    for i in range(1, len(params) + 1):\n"
        "        z = mlp_forward(X, params[:i], relu)\n"
        "        out.append(z if i == len(params) else relu(z))\n"
        "    return out\n",
    ],
    "top_activating": [
        # reverse of an ascending argsort
        "def top_activating(acts, unit, k):\n    return np.argsort(acts[:, unit])[::-1][:k]\n",
        # argpartition, then sort the k chosen ones
        "def top_activating(acts, unit, k):\n"
        "    col = acts[:, unit]\n"
        "    idx = np.argpartition(-col, k - 1)[:k]\n"
        "    return idx[np.argsort(-col[idx])]\n",
        # plain Python
        "def top_activating(acts, unit, k):\n"
        "    col = [float(row[unit]) for row in acts]\n"
        "    return np.array(sorted(range(len(col)), key=lambda i: -col[i])[:k])\n",
    ],
}
