"""Lesson 02's graded tests against plausible wrong answers (must lose the points) and correct answers
written differently from the solution (must keep them), through the course's isolated grader."""

from tests.support.lesson_grading import (  # noqa: F401 - the shared tests, run on WRONG and RIGHT below
    test_every_exercise_has_wrong_and_right_variants,
    test_one_mistake_costs_one_exercise,
    test_other_correct_answer_keeps_the_points,
    test_the_solution_keeps_every_point,
    test_wrong_answer_feedback_says_why,
    test_wrong_answer_loses_the_points,
)

LESSON = "02-activations"

WRONG = {
    "collapse_linear": [
        # forgets that b1 also passes through the second layer
        "def collapse_linear(W1, b1, W2, b2):\n    return W1 @ W2, b1 + b2\n",
        # forgets the second bias
        "def collapse_linear(W1, b1, W2, b2):\n    return W1 @ W2, b1 @ W2\n",
        # multiplies the weights element by element (only works when the shapes broadcast)
        "def collapse_linear(W1, b1, W2, b2):\n    return W1 * W2.T, b1 @ W2 + b2\n",
        # multiplies in the wrong order (transposed result)
        "def collapse_linear(W1, b1, W2, b2):\n    return (W2.T @ W1.T), b1 @ W2 + b2\n",
    ],
    "relu": [
        # absolute value instead of clipping
        "def relu(x):\n    return np.abs(x)\n",
        # clips at 1 instead of 0
        "def relu(x):\n    return np.maximum(x, 1.0)\n",
        # overwrites the caller's array
        "def relu(x):\n    x[x < 0] = 0.0\n    return x\n",
        # np.max reduces to one number
        "def relu(x):\n    return np.max(x, 0.0)\n",
        # keeps the input's dtype: int64 for an integer x (the text asks for a float array)
        "def relu(x):\n    return x * (x > 0)\n",
        # hands back the caller's own array when nothing is negative (the text asks for a new array)
        "def relu(x):\n    return x if not (x < 0).any() else np.maximum(x, 0.0)\n",
    ],
    "relu_grad": [
        # slope 1 at the corner
        "def relu_grad(x):\n    return (x >= 0).astype(float)\n",
        # the sign function: -1 for negatives
        "def relu_grad(x):\n    return np.sign(x)\n",
        # returns relu itself
        "def relu_grad(x):\n    return np.maximum(x, 0.0)\n",
        # a bool array, not floats
        "def relu_grad(x):\n    return x > 0\n",
    ],
    "sigmoid": [
        # the textbook formula: overflows for large negative x
        "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-x))\n",
        # the other textbook form: nan for large positive x
        "def sigmoid(x):\n    return np.exp(x) / (1.0 + np.exp(x))\n",
        # np.where evaluates both branches everywhere: still overflows
        "def sigmoid(x):\n    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))\n",
        # sign slip in the exponent
        "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(np.clip(x, -500, 500)))\n",
        # clipped at +-25: no overflow, but sigmoid(-30) = 9.4e-14 comes out as 1.4e-11
        "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-np.clip(x, -25.0, 25.0)))\n",
        # float32: loses the precision of the text's float (float64) array
        "def sigmoid(x):\n    e = np.exp(-np.abs(x))\n"
        "    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(np.float32)\n",
    ],
    "sigmoid_grad": [
        # the formula s(1 - s) applied to the input instead of to sigmoid(x)
        "def sigmoid_grad(x):\n    return x * (1.0 - x)\n",
        # the naive derivative: inf / inf = nan for large negative x
        "def sigmoid_grad(x):\n    return np.exp(-x) / (1.0 + np.exp(-x)) ** 2\n",
        # sign slip
        "def sigmoid_grad(x):\n    s = sigmoid(x)\n    return s * (1.0 + s)\n",
    ],
    "softmax": [
        # no shift: nan for logits of 1000
        "def softmax(z, axis=-1):\n    e = np.exp(z)\n    return e / e.sum(axis=axis, keepdims=True)\n",
        # one maximum for the whole array: 0/0 for rows far below it
        "def softmax(z, axis=-1):\n    e = np.exp(z - np.max(z))\n    return e / e.sum(axis=axis, keepdims=True)\n",
        # normalises over the whole array instead of along the axis
        "def softmax(z, axis=-1):\n    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n    return e / e.sum()\n",
        # ignores axis: always the last one
        "def softmax(z, axis=-1):\n"
        "    e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)\n",
        # no keepdims: broadcasting goes wrong (or fails) for a batch
        "def softmax(z, axis=-1):\n    e = np.exp(z - np.max(z, axis=axis))\n    return e / e.sum(axis=axis)\n",
    ],
    "gelu": [
        # the tanh approximation instead of the exact form
        "def gelu(x):\n    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))\n",
        # forgets to divide by sqrt(2) inside erf
        "def gelu(x):\n    from scipy.special import erf\n    return 0.5 * x * (1.0 + erf(x))\n",
        # the sigmoid approximation x * sigmoid(1.702 x)
        "def gelu(x):\n    return x / (1.0 + np.exp(-1.702 * x))\n",
        # Phi(x) alone, without the factor x
        "def gelu(x):\n    from scipy.special import erf\n    return 0.5 * (1.0 + erf(x / np.sqrt(2.0)))\n",
        # a loop with math.erf over the entries: only works for 1-D inputs
        "def gelu(x):\n"
        "    import math\n"
        "    return np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x])\n",
    ],
    "gelu_tanh": [
        # the exact GELU instead of the approximation
        "def gelu_tanh(x):\n    from scipy.special import erf\n    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))\n",
        # sqrt(2 * pi) instead of sqrt(2 / pi)
        "def gelu_tanh(x):\n    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 * np.pi) * (x + 0.044715 * x**3)))\n",
        # the cubic term outside the bracket
        "def gelu_tanh(x):\n    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * x + 0.044715 * x**3))\n",
        # x squared instead of x cubed
        "def gelu_tanh(x):\n    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**2)))\n",
    ],
    "attention": [
        # the error names how many rows are empty (1), not which row (2)
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    if mask is not None:\n"
        "        empty = ~mask.any(axis=-1)\n"
        "        if empty.any():\n"
        "            raise ValueError(f'attention: {int(empty.sum())} query row(s) have no allowed key')\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    return softmax(scores, axis=-1) @ V\n",
        # no scaling by sqrt(d_k)
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2)\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    return softmax(scores, axis=-1) @ V\n",
        # divides by d_k instead of sqrt(d_k)
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    return softmax(scores, axis=-1) @ V\n",
        # scales by the length of the values, sqrt(d_v)
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(V.shape[-1])\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    return softmax(scores, axis=-1) @ V\n",
        # softmax over the queries (columns) instead of over the keys
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    return softmax(scores, axis=-2) @ V\n",
        # its own naive softmax: overflows (nan) for scores of 1e4
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    e = np.exp(scores)\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        e = e * mask\n"
        "    return e / e.sum(axis=-1, keepdims=True) @ V\n",
        # K.T: right for one sentence, wrong for a batch
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ K.T / np.sqrt(Q.shape[-1])\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    return softmax(scores, axis=-1) @ V\n",
        # ignores the mask
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    return softmax(scores, axis=-1) @ V\n",
        # zeroes the forbidden weights after the softmax: the rows no longer sum to 1
        "def attention(Q, K, V, mask=None):\n"
        "    w = softmax(Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]), axis=-1)\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        w = w * mask\n"
        "    return w @ V\n",
        # masks after exp with the maximum of *all* scores: 0/0 when a forbidden key has the largest score
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    e = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: a query row has no allowed key')\n"
        "        e = e * mask\n"
        "    return e / e.sum(axis=-1, keepdims=True) @ V\n",
        # no check for a fully masked row: returns a row of nan
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    if mask is not None:\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    with np.errstate(invalid='ignore'):\n"
        "        return softmax(scores, axis=-1) @ V\n",
        # a fully masked row silently gets uniform weights (a large negative number instead of -inf)
        "def attention(Q, K, V, mask=None):\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    if mask is not None:\n"
        "        scores = np.where(mask, scores, -1e9)\n"
        "    return softmax(scores, axis=-1) @ V\n",
        # calls the course's reference softmax instead of the learner's own: scores zero
        "def attention(Q, K, V, mask=None):\n"
        "    from nnlib.activations import softmax as nn_softmax\n"
        "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
        "    if mask is not None:\n"
        "        if not mask.any(axis=-1).all():\n"
        "            raise ValueError('attention: query row ' + str(int(np.argmin(mask.any(axis=-1)))))\n"
        "        scores = np.where(mask, scores, -np.inf)\n"
        "    return nn_softmax(scores, axis=-1) @ V\n",
    ],
}

RIGHT = {
    "collapse_linear": [
        "def collapse_linear(W1, b1, W2, b2):\n"
        "    W = np.einsum('ij,jk->ik', W1, W2)\n"
        "    b = W2.T @ b1 + b2\n"
        "    return (W, b)\n",
        # pushes the identity and a zero input through the two layers
        "def collapse_linear(W1, b1, W2, b2):\n"
        "    d = W1.shape[0]\n"
        "    b = (np.zeros(d) @ W1 + b1) @ W2 + b2\n"
        "    W = (np.eye(d) @ W1 + b1) @ W2 + b2 - b\n"
        "    return [W, b]\n",
    ],
    "relu": [
        "def relu(x):\n    return np.where(x > 0, x, 0.0)\n",
        "def relu(x):\n    return np.clip(np.asarray(x, dtype=np.float64), 0.0, None)\n",
        "def relu(x):\n    y = np.array(x, dtype=float)\n    y[y < 0] = 0.0\n    return y\n",
    ],
    "relu_grad": [
        "def relu_grad(x):\n    return np.heaviside(x, 0.0)\n",
        "def relu_grad(x):\n    return np.where(x > 0, 1.0, 0.0)\n",
    ],
    "sigmoid": [
        "def sigmoid(x):\n    from scipy.special import expit\n    return expit(x)\n",
        # tanh identity: sigmoid(x) = (1 + tanh(x / 2)) / 2
        "def sigmoid(x):\n    return 0.5 * (1.0 + np.tanh(0.5 * x))\n",
        # clipping keeps exp finite; the clipped tail is below the tolerance
        "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-np.clip(x, -500.0, 500.0)))\n",
        # masks instead of np.where: each exp only sees the safe side
        "def sigmoid(x):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    out = np.empty_like(x)\n"
        "    pos = x >= 0\n"
        "    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))\n"
        "    e = np.exp(x[~pos])\n"
        "    out[~pos] = e / (1.0 + e)\n"
        "    return out\n",
    ],
    "sigmoid_grad": [
        "def sigmoid_grad(x):\n    e = np.exp(-np.abs(x))\n    return e / (1.0 + e) ** 2\n",
        "def sigmoid_grad(x):\n    from scipy.special import expit\n    return expit(x) * expit(-x)\n",
        "def sigmoid_grad(x):\n    return 0.25 / np.cosh(0.5 * x) ** 2\n",
    ],
    "softmax": [
        "def softmax(z, axis=-1):\n    from scipy.special import softmax as sp_softmax\n"
        "    return sp_softmax(z, axis=axis)\n",
        "def softmax(z, axis=-1):\n    from scipy.special import logsumexp\n"
        "    return np.exp(z - logsumexp(z, axis=axis, keepdims=True))\n",
        # moves the axis to the end, works row by row, moves it back
        "def softmax(z, axis=-1):\n"
        "    m = np.moveaxis(np.asarray(z, dtype=float), axis, -1)\n"
        "    e = np.exp(m - m.max(axis=-1)[..., None])\n"
        "    return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)\n",
    ],
    "gelu": [
        "def gelu(x):\n    import math\n    return x * 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))\n",
        "def gelu(x):\n    from scipy.stats import norm\n    return x * norm.cdf(x)\n",
        "def gelu(x):\n    from scipy.special import erfc\n    return 0.5 * x * erfc(-x / np.sqrt(2.0))\n",
    ],
    "gelu_tanh": [
        "def gelu_tanh(x):\n"
        "    import math\n"
        "    c = math.sqrt(2.0 / math.pi)\n"
        "    u = c * x * (1.0 + 0.044715 * x * x)\n"
        "    return x * (1.0 + np.tanh(u)) / 2.0\n",
        # 1 + tanh(u) = 2 sigmoid(2u), written with a stable sigmoid from scipy
        "def gelu_tanh(x):\n"
        "    from scipy.special import expit\n"
        "    return x * expit(2.0 * np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3))\n",
    ],
    "attention": [
        # einsum, a large negative number for forbidden keys, and scipy's softmax
        "def attention(Q, K, V, mask=None):\n"
        "    from scipy.special import softmax as sp_softmax\n"
        "    scores = np.einsum('...qd,...kd->...qk', Q, K) / np.sqrt(Q.shape[-1])\n"
        "    if mask is not None:\n"
        "        m = np.broadcast_to(mask, scores.shape)\n"
        "        for idx in np.ndindex(*m.shape[:-1]):\n"
        "            if not m[idx].any():\n"
        "                raise ValueError(f'attention: row {idx[-1]} of the mask is all False')\n"
        "        scores = np.where(m, scores, -1e30)\n"
        "    return np.einsum('...qk,...kv->...qv', sp_softmax(scores, axis=-1), V)\n",
        # one query at a time, the softmax over its allowed keys only (the learner's own softmax)
        "def attention(Q, K, V, mask=None):\n"
        "    Q, K, V = (np.asarray(a, dtype=float) for a in (Q, K, V))\n"
        "    if Q.ndim == 3:\n"
        "        return np.stack([attention(q, k, v, mask) for q, k, v in zip(Q, K, V)])\n"
        "    out = np.zeros((Q.shape[0], V.shape[1]))\n"
        "    for i in range(Q.shape[0]):\n"
        "        keep = np.ones(K.shape[0], dtype=bool) if mask is None else np.asarray(mask[i], dtype=bool)\n"
        "        if not keep.any():\n"
        "            raise ValueError(f'attention: query {i} may attend to no key')\n"
        "        w = softmax(K[keep] @ Q[i] / np.sqrt(Q.shape[1]))\n"
        "        out[i] = w @ V[keep]\n"
        "    return out\n",
    ],
}
