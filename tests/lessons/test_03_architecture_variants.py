"""Lesson 03-architecture: plausible wrong answers lose their points, differently written right ones keep them.

Every answer below runs through the real isolated grader (tests.support.lesson_grading.exercise_passes).

init_dense is random, so its test cells check the distribution (shapes, dtype, zero biases, the variance of a
large layer within 3 %, normal tails, use of the rng argument) and never exact values: any correct way of
drawing the normal numbers passes, e.g. drawing (d_out, d_in) and transposing, which gives different numbers
from nnlib's reference for the same seed. The RIGHT list holds such a variant on purpose.
"""

from tests.support.lesson_grading import (  # noqa: F401 - the shared tests, run on WRONG and RIGHT below
    test_every_exercise_has_wrong_and_right_variants,
    test_one_mistake_costs_one_exercise,
    test_other_correct_answer_keeps_the_points,
    test_the_solution_keeps_every_point,
    test_wrong_answer_feedback_says_why,
    test_wrong_answer_loses_the_points,
)

LESSON = "03-architecture"

WRONG = {
    "dense_forward": [
        # forgot the bias
        "def dense_forward(X, W, b):\n    return X @ W\n",
        # put an activation inside the layer
        "def dense_forward(X, W, b):\n    return np.maximum(X @ W + b, 0.0)\n",
        # turns a single sample (d_in,) into a batch (1, d_out)
        "def dense_forward(X, W, b):\n    return np.atleast_2d(X) @ W + b\n",
        # subtracts the bias
        "def dense_forward(X, W, b):\n    return X @ W - b\n",
        # integer inputs give int64 ("float64 values")
        "def dense_forward(X, W, b):\n    return X @ W + b\n",
        # float32 ("float64 values")
        "def dense_forward(X, W, b):\n    return (np.asarray(X, dtype=float) @ W + b).astype(np.float32)\n",
    ],
    "count_parameters": [
        # weights only
        "def count_parameters(layer_sizes):\n"
        "    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))\n",
        # a bias for every unit, the input layer too
        "def count_parameters(layer_sizes):\n"
        "    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])) + sum(layer_sizes)\n",
        # biases counted with d_in instead of d_out
        "def count_parameters(layer_sizes):\n"
        "    return sum(a * b + a for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))\n",
        # a float instead of an int
        "def count_parameters(layer_sizes):\n"
        "    s = np.array(layer_sizes, dtype=float)\n"
        "    return float(np.sum(s[:-1] * s[1:] + s[1:]))\n",
        # right count, as numpy's int64 ("a Python int")
        "def count_parameters(layer_sizes):\n"
        "    s = np.array(layer_sizes, dtype=np.int64)\n"
        "    return np.sum(s[:-1] * s[1:] + s[1:])\n",
    ],
    "mlp_forward": [
        # activation after the output layer too
        "def mlp_forward(X, params, activation):\n"
        "    A = X\n"
        "    for W, b in params:\n"
        "        A = activation(A @ W + b)\n"
        "    return A\n",
        # no activation at all
        "def mlp_forward(X, params, activation):\n"
        "    A = X\n"
        "    for W, b in params:\n"
        "        A = A @ W + b\n"
        "    return A\n",
        # activation before each layer (so on the input, not on the last layer's output)
        "def mlp_forward(X, params, activation):\n"
        "    A = X\n"
        "    for W, b in params:\n"
        "        A = activation(A) @ W + b\n"
        "    return A\n",
        # skips the activation of the last hidden layer (off by one)
        "def mlp_forward(X, params, activation):\n"
        "    A = X\n"
        "    for i, (W, b) in enumerate(params):\n"
        "        A = A @ W + b\n"
        "        if i < len(params) - 2:\n"
        "            A = activation(A)\n"
        "    return A\n",
        # written for two layers: the first and the last, anything in between is skipped
        "def mlp_forward(X, params, activation):\n"
        "    if len(params) == 1:\n"
        "        W, b = params[0]\n"
        "        return X @ W + b\n"
        "    (W1, b1), (W2, b2) = params[0], params[-1]\n"
        "    return activation(X @ W1 + b1) @ W2 + b2\n",
        # one sample turned into a batch of one: (1, d_L) instead of (d_L,)
        "def mlp_forward(X, params, activation):\n"
        "    A = np.atleast_2d(X)\n"
        "    for W, b in params[:-1]:\n"
        "        A = activation(A @ W + b)\n"
        "    W, b = params[-1]\n"
        "    return A @ W + b\n",
    ],
    "init_dense": [
        # variance 1/d_in (LeCun) instead of 2/d_in, and 1/(d_in+d_out) for Xavier
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    var = 1 / d_in if scheme == 'he' else 1 / (d_in + d_out)\n"
        "    return rng.normal(0.0, np.sqrt(var), size=(d_in, d_out)), np.zeros(d_out)\n",
        # the variance passed where rng.normal expects the standard deviation
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    var = 2 / d_in if scheme == 'he' else 2 / (d_in + d_out)\n"
        "    return rng.normal(0.0, var, size=(d_in, d_out)), np.zeros(d_out)\n",
        # uniform with exactly the right variance: not a normal distribution
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    var = 2 / d_in if scheme == 'he' else 2 / (d_in + d_out)\n"
        "    a = np.sqrt(3 * var)\n"
        "    return rng.uniform(-a, a, size=(d_in, d_out)), np.zeros(d_out)\n",
        # He with the fan-out instead of the fan-in
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    var = 2 / d_out if scheme == 'he' else 2 / (d_in + d_out)\n"
        "    return rng.normal(0.0, np.sqrt(var), size=(d_in, d_out)), np.zeros(d_out)\n",
        # ignores rng: numpy's global generator
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    var = 2 / d_in if scheme == 'he' else 2 / (d_in + d_out)\n"
        "    return np.random.randn(d_in, d_out) * np.sqrt(var), np.zeros(d_out)\n",
        # ignores rng: a generator of its own with a fixed seed
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    var = 2 / d_in if scheme == 'he' else 2 / (d_in + d_out)\n"
        "    return np.random.default_rng(0).normal(0.0, np.sqrt(var), size=(d_in, d_out)), np.zeros(d_out)\n",
        # random biases
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    std = np.sqrt(2 / d_in if scheme == 'he' else 2 / (d_in + d_out))\n"
        "    return rng.normal(0.0, std, size=(d_in, d_out)), rng.normal(0.0, std, size=d_out)\n",
        # same variance for both schemes
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    return rng.normal(0.0, np.sqrt(2 / d_in), size=(d_in, d_out)), np.zeros(d_out)\n",
        # right for 'he' and 'xavier', but any other scheme silently treated as xavier ("raises ValueError")
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    var = 2 / d_in if scheme == 'he' else 2 / (d_in + d_out)\n"
        "    return rng.normal(0.0, np.sqrt(var), size=(d_in, d_out)), np.zeros(d_out)\n",
        # an unknown scheme raises KeyError from a dict lookup, not the ValueError naming it
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    variance = {'he': 2.0 / d_in, 'xavier': 2.0 / (d_in + d_out)}[scheme]\n"
        "    return rng.normal(0.0, np.sqrt(variance), size=(d_in, d_out)), np.zeros(d_out)\n",
        # a mutable default keeps the first W of each size between calls ("the same seed gives the same
        # network", and another rng another one)
        "def init_dense(d_in, d_out, rng, scheme='he', _drawn={}):\n"
        "    if scheme not in ('he', 'xavier'):\n"
        "        raise ValueError(f'unknown scheme {scheme!r}')\n"
        "    if (d_in, d_out, scheme) not in _drawn:\n"
        "        var = 2 / d_in if scheme == 'he' else 2 / (d_in + d_out)\n"
        "        _drawn[d_in, d_out, scheme] = rng.normal(0.0, np.sqrt(var), size=(d_in, d_out))\n"
        "    return _drawn[d_in, d_out, scheme].copy(), np.zeros(d_out)\n",
    ],
    "predict_class": [
        # the wrong axis
        "def predict_class(probs):\n    return np.argmax(probs, axis=0)\n",
        # no axis: one index into the flattened array
        "def predict_class(probs):\n    return np.argmax(probs)\n",
        # the largest value instead of its index
        "def predict_class(probs):\n    return np.max(probs, axis=-1)\n",
        # the largest absolute value
        "def predict_class(probs):\n    return np.argmax(np.abs(probs), axis=-1)\n",
        # class indices as floats
        "def predict_class(probs):\n    return np.argmax(probs, axis=-1).astype(float)\n",
        # a numpy integer for one sample ("a single int": a Python int)
        "def predict_class(probs):\n    return np.argmax(probs, axis=-1)\n",
        # the last of tied positions ("the first of the tied positions")
        "def predict_class(probs):\n"
        "    p = np.asarray(probs)\n"
        "    last = p.shape[-1] - 1 - np.argmax(p[..., ::-1], axis=-1)\n"
        "    return int(last) if p.ndim == 1 else last\n",
    ],
}

RIGHT = {
    "dense_forward": [
        "def dense_forward(X, W, b):\n    return np.einsum('...i,ij->...j', np.asarray(X, dtype=float), W) + b\n",
        # explicit loops, one sample handled as a batch of one
        "def dense_forward(X, W, b):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    single = X.ndim == 1\n"
        "    rows = X.reshape(1, -1) if single else X\n"
        "    Z = np.empty((rows.shape[0], W.shape[1]))\n"
        "    for s in range(rows.shape[0]):\n"
        "        for j in range(W.shape[1]):\n"
        "            Z[s, j] = sum(rows[s, i] * W[i, j] for i in range(W.shape[0])) + b[j]\n"
        "    return Z[0] if single else Z\n",
    ],
    "count_parameters": [
        # numpy, its int64 made a Python int
        "def count_parameters(layer_sizes):\n"
        "    s = np.array(layer_sizes, dtype=np.int64)\n"
        "    return int(np.sum(s[:-1] * s[1:] + s[1:]))\n",
        # weights and biases counted by the shapes of arrays one would allocate
        "def count_parameters(layer_sizes):\n"
        "    sizes = list(layer_sizes)\n"
        "    total = 0\n"
        "    for i in range(1, len(sizes)):\n"
        "        total += int(np.prod((sizes[i - 1], sizes[i]))) + int(np.prod((sizes[i],)))\n"
        "    return total\n",
    ],
    "mlp_forward": [
        # recursion
        "def mlp_forward(X, params, activation):\n"
        "    (W, b), rest = params[0], params[1:]\n"
        "    Z = X @ W + b\n"
        "    return Z if not rest else mlp_forward(activation(Z), rest, activation)\n",
        # enumerate, reusing the solution's dense_forward, without slicing params
        "def mlp_forward(X, params, activation):\n"
        "    A = np.array(X, dtype=float)\n"
        "    last = len(params) - 1\n"
        "    for i, (W, b) in enumerate(params):\n"
        "        A = dense_forward(A, W, b)\n"
        "        if i != last:\n"
        "            A = activation(A)\n"
        "    return A\n",
    ],
    "init_dense": [
        # drawn as (d_out, d_in) and transposed: different numbers from the reference, same distribution
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    variance = {'he': 2.0 / d_in, 'xavier': 1.0 / ((d_in + d_out) / 2)}.get(scheme)\n"
        "    if variance is None:\n"
        "        raise ValueError(f'init_dense: no scheme called {scheme}')\n"
        "    W = rng.standard_normal((d_out, d_in)).T * np.sqrt(variance)\n"
        "    return W, np.zeros(d_out)\n",
        # a flat draw reshaped, the standard deviation computed separately
        "def init_dense(d_in, d_out, rng, scheme='he'):\n"
        "    if scheme not in ('he', 'xavier'):\n"
        "        raise ValueError('init_dense: scheme must be he or xavier, not ' + repr(scheme))\n"
        "    std = np.sqrt(2.0 / d_in) if scheme == 'he' else np.sqrt(2.0 / (d_in + d_out))\n"
        "    W = std * rng.normal(size=d_in * d_out).reshape(d_in, d_out)\n"
        "    return W, np.zeros(d_out, dtype=np.float64)\n",
    ],
    "predict_class": [
        # compare with the row maximum, then take the first position that matches
        "def predict_class(probs):\n"
        "    first = (probs == probs.max(axis=-1, keepdims=True)).argmax(axis=-1)\n"
        "    return first.item() if probs.ndim == 1 else first\n",
        # plain Python, a single sample handled on its own
        "def predict_class(probs):\n"
        "    probs = np.asarray(probs)\n"
        "    if probs.ndim == 1:\n"
        "        return max(range(probs.size), key=lambda k: probs[k])\n"
        "    return np.array([max(range(row.size), key=lambda k: row[k]) for row in probs], dtype=np.int64)\n",
    ],
}

# transformer_mlp: the learner's notebook imports nnlib's gelu at the top (lesson 02's activation, not an
# exercise of this lesson), so every variant starts with that import.
WRONG["transformer_mlp"] = [
    # ReLU instead of GELU
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    (W1, b1), (W2, b2) = params\n"
    "    return np.maximum(X @ W1 + b1, 0.0) @ W2 + b2\n",
    # adds the residual X (the block's job, not the MLP's)
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    (W1, b1), (W2, b2) = params\n"
    "    return X + gelu(X @ W1 + b1) @ W2 + b2\n",
    # GELU after the second layer too
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    (W1, b1), (W2, b2) = params\n"
    "    return gelu(gelu(X @ W1 + b1) @ W2 + b2)\n",
    # the tanh approximation of GELU: close, but not the exact GELU the course uses
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    (W1, b1), (W2, b2) = params\n"
    "    z = X @ W1 + b1\n"
    "    h = 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z**3)))\n"
    "    return h @ W2 + b2\n",
    # forgets the second bias
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    (W1, b1), (W2, b2) = params\n"
    "    return gelu(X @ W1 + b1) @ W2\n",
    # one token turned into a batch of one: (1, d_out) instead of (d_out,)
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    (W1, b1), (W2, b2) = params\n"
    "    return gelu(np.atleast_2d(X) @ W1 + b1) @ W2 + b2\n",
    # calls this lesson's reference: scores zero
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    from nnlib.layers import transformer_mlp as nn_transformer_mlp\n"
    "    return nn_transformer_mlp(X, params)\n",
]
RIGHT["transformer_mlp"] = [
    # the learner's own mlp_forward with GELU as the activation
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n    return mlp_forward(X, params, gelu)\n",
    # GELU written with scipy's erf, einsum for the products
    "from nnlib.activations import gelu\n\ndef transformer_mlp(X, params):\n"
    "    from scipy.special import erf\n"
    "    (W1, b1), (W2, b2) = params\n"
    "    Z = np.einsum('...i,ij->...j', X, W1) + b1\n"
    "    H = 0.5 * Z * (1.0 + erf(Z / np.sqrt(2.0)))\n"
    "    return np.einsum('...i,ij->...j', H, W2) + b2\n",
]
