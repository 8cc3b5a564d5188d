"""Lesson 06: plausible wrong answers lose their points, differently written correct answers keep them."""

from __future__ import annotations

from tests.support.lesson_grading import (  # noqa: F401 - the shared tests, run on WRONG and RIGHT below
    test_every_exercise_has_wrong_and_right_variants,
    test_one_mistake_costs_one_exercise,
    test_other_correct_answer_keeps_the_points,
    test_the_solution_keeps_every_point,
    test_wrong_answer_feedback_says_why,
    test_wrong_answer_loses_the_points,
)

LESSON = "06-security"

WRONG = {
    "extract_linear_model": [
        # forgets to subtract the origin's log-probabilities from the rows of W
        "def extract_linear_model(query, d, k):\n"
        "    L = np.log(query(np.vstack([np.zeros((1, d)), np.eye(d)])))\n"
        "    return L[1:], L[0]\n",
        # works with probabilities instead of log-probabilities
        "def extract_linear_model(query, d, k):\n"
        "    P = query(np.vstack([np.zeros((1, d)), np.eye(d)]))\n"
        "    return P[1:] - P[0], P[0]\n",
        # skips the origin query and assumes b = 0
        "def extract_linear_model(query, d, k):\n    return np.log(query(np.eye(d))), np.zeros(k)\n",
        # solves by least squares from random queries, but uses 2 d queries (too many)
        "def extract_linear_model(query, d, k):\n"
        "    X = np.random.default_rng(0).normal(size=(2 * d, d))\n"
        "    L = np.log(query(X))\n"
        "    A = np.hstack([X, np.ones((2 * d, 1))])\n"
        "    theta = np.linalg.lstsq(A, L - L[:, :1], rcond=None)[0]\n"
        "    return theta[:-1], theta[-1]\n",
    ],
    "recover_input_from_gradients": [
        # always divides by the first output, which can be 0
        "def recover_input_from_gradients(dW, db):\n    return dW[:, 0] / db[0]\n",
        # sums over outputs: fails for cross-entropy gradients, whose entries sum to 0
        "def recover_input_from_gradients(dW, db):\n    return dW.sum(axis=1) / db.sum()\n",
        # multiplies instead of dividing
        "def recover_input_from_gradients(dW, db):\n    j = np.argmax(np.abs(db))\n    return dW[:, j] * db[j]\n",
        # the largest db, not the largest |db|: a 0 (or a small entry) when the big ones are negative
        "def recover_input_from_gradients(dW, db):\n    j = int(np.argmax(db))\n    return dW[:, j] / db[j]\n",
    ],
    "fgsm": [
        # hands back the caller's own array when nothing moves (eps = 0 or a zero gradient)
        "def fgsm(x, grad, eps):\n"
        "    if eps == 0 or not np.any(grad):\n"
        "        return x\n"
        "    return np.clip(x + eps * np.sign(grad), 0.0, 1.0)\n",
        # no clipping
        "def fgsm(x, grad, eps):\n    return x + eps * np.sign(grad)\n",
        # the gradient itself instead of its sign
        "def fgsm(x, grad, eps):\n    return np.clip(x + eps * grad, 0, 1)\n",
        # descends instead of ascending the loss
        "def fgsm(x, grad, eps):\n    return np.clip(x - eps * np.sign(grad), 0, 1)\n",
    ],
    "maximize_neuron": [
        # ascends the activation relu(z): stuck while the unit is off
        "def maximize_neuron(params, layer, unit, x0, steps, lr):\n"
        "    x = np.array(x0, dtype=float)\n"
        "    for _ in range(steps):\n"
        "        a, pre = x, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0)\n"
        "        g = np.zeros(params[layer][0].shape[1])\n"
        "        g[unit] = 1.0 * (pre[layer][unit] > 0)\n"
        "        for i in range(layer, -1, -1):\n"
        "            g = params[i][0] @ g\n"
        "            if i > 0:\n"
        "                g = g * (pre[i - 1] > 0)\n"
        "        x = np.clip(x + lr * g, 0, 1)\n"
        "    return x\n",
        # ignores the ReLUs of earlier layers (treats the network as linear)
        "def maximize_neuron(params, layer, unit, x0, steps, lr):\n"
        "    g = np.zeros(params[layer][0].shape[1])\n"
        "    g[unit] = 1.0\n"
        "    for i in range(layer, -1, -1):\n"
        "        g = params[i][0] @ g\n"
        "    x = np.array(x0, dtype=float)\n"
        "    for _ in range(steps):\n"
        "        x = np.clip(x + lr * g, 0, 1)\n"
        "    return x\n",
        # forgets to clip
        "def maximize_neuron(params, layer, unit, x0, steps, lr):\n"
        "    x = np.array(x0, dtype=float)\n"
        "    for _ in range(steps):\n"
        "        a, pre = x, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0)\n"
        "        g = np.zeros(params[layer][0].shape[1])\n"
        "        g[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            g = params[i][0] @ g\n"
        "            if i > 0:\n"
        "                g = g * (pre[i - 1] > 0)\n"
        "        x = x + lr * g\n"
        "    return x\n",
        # starts from x0 itself: with steps = 0 the caller's array comes back
        "def maximize_neuron(params, layer, unit, x0, steps, lr):\n"
        "    x = x0\n"
        "    for _ in range(steps):\n"
        "        a, pre = x, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0.0)\n"
        "        grad = np.zeros(params[layer][0].shape[1])\n"
        "        grad[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            grad = params[i][0] @ grad\n"
        "            if i > 0:\n"
        "                grad = grad * (pre[i - 1] > 0)\n"
        "        x = np.clip(x + lr * grad, 0.0, 1.0)\n"
        "    return x\n",
    ],
    "perturb_to_activate": [
        # clips around the current image at every step: the change is no longer bounded by eps
        "def perturb_to_activate(params, layer, unit, x, eps, steps, lr):\n"
        "    x_adv = np.array(x, dtype=float)\n"
        "    for _ in range(steps):\n"
        "        start = x_adv.copy()\n"
        "        a, pre = x_adv, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0)\n"
        "        g = np.zeros(params[layer][0].shape[1])\n"
        "        g[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            g = params[i][0] @ g\n"
        "            if i > 0:\n"
        "                g = g * (pre[i - 1] > 0)\n"
        "        x_adv = np.clip(x_adv + lr * np.sign(g), np.maximum(start - eps, 0), np.minimum(start + eps, 1))\n"
        "    return x_adv\n",
        # the raw gradient instead of its sign (maximize_neuron's step, kept in the box)
        "def perturb_to_activate(params, layer, unit, x, eps, steps, lr):\n"
        "    x = np.array(x, dtype=float)\n"
        "    lo, hi = np.clip(x - eps, 0, 1), np.clip(x + eps, 0, 1)\n"
        "    x_adv = x.copy()\n"
        "    for _ in range(steps):\n"
        "        a, pre = x_adv, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0)\n"
        "        g = np.zeros(params[layer][0].shape[1])\n"
        "        g[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            g = params[i][0] @ g\n"
        "            if i > 0:\n"
        "                g = g * (pre[i - 1] > 0)\n"
        "        x_adv = np.clip(x_adv + lr * g, lo, hi)\n"
        "    return x_adv\n",
        # keeps the eps box but forgets the pixel range [0, 1]
        "def perturb_to_activate(params, layer, unit, x, eps, steps, lr):\n"
        "    x = np.array(x, dtype=float)\n"
        "    x_adv = x.copy()\n"
        "    for _ in range(steps):\n"
        "        a, pre = x_adv, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0)\n"
        "        g = np.zeros(params[layer][0].shape[1])\n"
        "        g[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            g = params[i][0] @ g\n"
        "            if i > 0:\n"
        "                g = g * (pre[i - 1] > 0)\n"
        "        x_adv = np.clip(x_adv + lr * np.sign(g), x - eps, x + eps)\n"
        "    return x_adv\n",
        # ascends relu(z): no gradient, hence no move, while the unit is off
        "def perturb_to_activate(params, layer, unit, x, eps, steps, lr):\n"
        "    x = np.array(x, dtype=float)\n"
        "    lo, hi = np.clip(x - eps, 0, 1), np.clip(x + eps, 0, 1)\n"
        "    x_adv = x.copy()\n"
        "    for _ in range(steps):\n"
        "        a, pre = x_adv, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0)\n"
        "        g = np.zeros(params[layer][0].shape[1])\n"
        "        g[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            g = params[i][0] @ g\n"
        "            if i > 0:\n"
        "                g = g * (pre[i - 1] > 0)\n"
        "        on = float(pre[layer][unit] > 0)\n"
        "        x_adv = np.clip(x_adv + lr * np.sign(g * on), lo, hi)\n"
        "    return x_adv\n",
        # treats sign(0) as +1: pixels with no gradient move too
        "def perturb_to_activate(params, layer, unit, x, eps, steps, lr):\n"
        "    x = np.array(x, dtype=float)\n"
        "    lo, hi = np.clip(x - eps, 0, 1), np.clip(x + eps, 0, 1)\n"
        "    x_adv = x.copy()\n"
        "    for _ in range(steps):\n"
        "        a, pre = x_adv, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0)\n"
        "        g = np.zeros(params[layer][0].shape[1])\n"
        "        g[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            g = params[i][0] @ g\n"
        "            if i > 0:\n"
        "                g = g * (pre[i - 1] > 0)\n"
        "        x_adv = np.clip(x_adv + lr * np.where(g >= 0, 1.0, -1.0), lo, hi)\n"
        "    return x_adv\n",
        # x[:] as the "copy": a view, so with steps = 0 a view of the caller's image comes back
        "def perturb_to_activate(params, layer, unit, x, eps, steps, lr):\n"
        "    lo, hi = np.clip(x - eps, 0.0, 1.0), np.clip(x + eps, 0.0, 1.0)\n"
        "    x_adv = x[:]\n"
        "    for _ in range(steps):\n"
        "        a, pre = x_adv, []\n"
        "        for W, b in params[:layer + 1]:\n"
        "            z = a @ W + b\n"
        "            pre.append(z)\n"
        "            a = np.maximum(z, 0.0)\n"
        "        grad = np.zeros(params[layer][0].shape[1])\n"
        "        grad[unit] = 1.0\n"
        "        for i in range(layer, -1, -1):\n"
        "            grad = params[i][0] @ grad\n"
        "            if i > 0:\n"
        "                grad = grad * (pre[i - 1] > 0)\n"
        "        x_adv = np.clip(x_adv + lr * np.sign(grad), lo, hi)\n"
        "    return x_adv\n",
    ],
    "flip_labels": [
        # rounds half up, int(rate * n + 0.5): the text's round() rounds .5 to the even number
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.choice(n, size=int(rate * n + 0.5), replace=False)\n"
        "    out = np.array(y).copy()\n"
        "    out[rows] = (out[rows] + rng.integers(1, k, size=len(rows))) % k\n"
        "    return out\n",
        # always the first round(rate * n) rows: not random rows
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    m = int(round(rate * n))\n"
        "    out = np.array(y).copy()\n"
        "    out[:m] = (out[:m] + rng.integers(1, k, size=m)) % k\n"
        "    return out\n",
        # always the next class: a different class, but not a random one
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.choice(n, size=int(round(rate * n)), replace=False)\n"
        "    out = np.array(y).copy()\n"
        "    out[rows] = (out[rows] + 1) % k\n"
        "    return out\n",
        # a generator of its own, seeded once: the same rows whatever rng it is given
        "def flip_labels(y, rate, k, rng, _own=np.random.default_rng(0)):\n"
        "    n = len(y)\n"
        "    g = np.random.default_rng(12345)\n"
        "    rows = g.choice(n, size=int(round(rate * n)), replace=False)\n"
        "    out = np.array(y).copy()\n"
        "    out[rows] = (out[rows] + g.integers(1, k, size=len(rows))) % k\n"
        "    return out\n",
        # float labels: the text asks for an int array
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.choice(n, size=int(round(rate * n)), replace=False)\n"
        "    out = np.array(y, dtype=float)\n"
        "    out[rows] = (out[rows] + rng.integers(1, k, size=len(rows))) % k\n"
        "    return out\n",
        # new label drawn from all k classes: sometimes the same as the old one
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.choice(n, size=int(round(rate * n)), replace=False)\n"
        "    out = np.array(y).copy()\n"
        "    out[rows] = rng.integers(0, k, size=len(rows))\n"
        "    return out\n",
        # rows drawn with replacement: fewer than round(rate * n) distinct rows
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.integers(0, n, size=int(round(rate * n)))\n"
        "    out = np.array(y).copy()\n"
        "    out[rows] = (out[rows] + rng.integers(1, k, size=len(rows))) % k\n"
        "    return out\n",
        # truncates instead of rounding
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.choice(n, size=int(rate * n), replace=False)\n"
        "    out = np.array(y).copy()\n"
        "    out[rows] = (out[rows] + rng.integers(1, k, size=len(rows))) % k\n"
        "    return out\n",
        # changes the caller's labels in place
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.choice(n, size=int(round(rate * n)), replace=False)\n"
        "    y[rows] = (y[rows] + rng.integers(1, k, size=len(rows))) % k\n"
        "    return y\n",
        # ignores the rng argument
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = np.random.choice(n, size=int(round(rate * n)), replace=False)\n"
        "    out = np.array(y).copy()\n"
        "    out[rows] = (out[rows] + np.random.randint(1, k, size=len(rows))) % k\n"
        "    return out\n",
        # y[:] as the "copy" (the list idiom): a numpy view, so the caller's labels change
        "def flip_labels(y, rate, k, rng):\n"
        "    n = len(y)\n"
        "    rows = rng.choice(n, size=int(round(rate * n)), replace=False)\n"
        "    out = y[:]\n"
        "    out[rows] = (out[rows] + rng.integers(1, k, size=len(rows))) % k\n"
        "    return out\n",
    ],
    "poison_with_trigger": [
        # the trigger in the top-left corner
        "def poison_with_trigger(X, y, rate, target, rng):\n"
        "    Xp, yp = np.array(X, dtype=float), np.array(y)\n"
        "    rows = rng.choice(len(X), size=int(round(rate * len(X))), replace=False)\n"
        "    Xp[np.ix_(rows, [0, 1, 8])] = 1.0\n"
        "    yp[rows] = target\n"
        "    return Xp, yp\n",
        # forgets to relabel
        "def poison_with_trigger(X, y, rate, target, rng):\n"
        "    Xp, yp = np.array(X, dtype=float), np.array(y)\n"
        "    rows = rng.choice(len(X), size=int(round(rate * len(X))), replace=False)\n"
        "    Xp[np.ix_(rows, [55, 62, 63])] = 1.0\n"
        "    return Xp, yp\n",
        # poisons the first rows instead of random ones
        "def poison_with_trigger(X, y, rate, target, rng):\n"
        "    Xp, yp = np.array(X, dtype=float), np.array(y)\n"
        "    rows = np.arange(int(round(rate * len(X))))\n"
        "    Xp[np.ix_(rows, [55, 62, 63])] = 1.0\n"
        "    yp[rows] = target\n"
        "    return Xp, yp\n",
        # modifies the caller's X in place
        "def poison_with_trigger(X, y, rate, target, rng):\n"
        "    rows = rng.choice(len(X), size=int(round(rate * len(X))), replace=False)\n"
        "    X[np.ix_(rows, [55, 62, 63])] = 1.0\n"
        "    yp = np.array(y)\n"
        "    yp[rows] = target\n"
        "    return X, yp\n",
        # rows drawn with replacement
        "def poison_with_trigger(X, y, rate, target, rng):\n"
        "    Xp, yp = np.array(X, dtype=float), np.array(y)\n"
        "    rows = rng.integers(0, len(X), size=int(round(rate * len(X))))\n"
        "    Xp[np.ix_(rows, [55, 62, 63])] = 1.0\n"
        "    yp[rows] = target\n"
        "    return Xp, yp\n",
        # truncates instead of rounding: int(rate * n)
        "def poison_with_trigger(X, y, rate, target, rng):\n"
        "    Xp, yp = np.array(X, dtype=float), np.array(y)\n"
        "    rows = rng.choice(len(X), size=int(rate * len(X)), replace=False)\n"
        "    Xp[np.ix_(rows, [55, 62, 63])] = 1.0\n"
        "    yp[rows] = target\n"
        "    return Xp, yp\n",
    ],
}

RIGHT = {
    "extract_linear_model": [
        # least squares on d + 1 random queries, logits relative to class 0
        "def extract_linear_model(query, d, k):\n"
        "    X = np.random.default_rng(0).uniform(size=(d + 1, d))\n"
        "    L = np.log(query(X))\n"
        "    A = np.hstack([X, np.ones((d + 1, 1))])\n"
        "    theta = np.linalg.solve(A, L - L[:, :1])\n"
        "    return theta[:-1], theta[-1]\n",
        # one query at a time, as 1-D inputs, normalised so that class 0 has zero weights
        "def extract_linear_model(query, d, k):\n"
        "    log_p0 = np.log(query(np.zeros(d)))\n"
        "    b = log_p0 - log_p0[0]\n"
        "    W = np.empty((d, k))\n"
        "    for i in range(d):\n"
        "        e = np.zeros(d)\n"
        "        e[i] = 1.0\n"
        "        log_p = np.log(query(e))\n"
        "        W[i] = (log_p - log_p[0]) - b\n"
        "    return W, b\n",
    ],
    "recover_input_from_gradients": [
        # least squares over all columns: x = dW db / (db . db)
        "def recover_input_from_gradients(dW, db):\n    return dW @ db / (db @ db)\n",
        # the column with the largest |db|, found by a loop
        "def recover_input_from_gradients(dW, db):\n"
        "    best = 0\n"
        "    for j in range(len(db)):\n"
        "        if abs(db[j]) > abs(db[best]):\n"
        "            best = j\n"
        "    return np.array([dW[i, best] / db[best] for i in range(dW.shape[0])])\n",
    ],
    "fgsm": [
        "def fgsm(x, grad, eps):\n"
        "    step = np.where(grad > 0, eps, np.where(grad < 0, -eps, 0.0))\n"
        "    return np.minimum(np.maximum(x + step, 0.0), 1.0)\n",
    ],
    "maximize_neuron": [
        # forward-mode: carry the Jacobian of each layer's pre-activation w.r.t. x
        "def maximize_neuron(params, layer, unit, x0, steps, lr):\n"
        "    x = x0.astype(float).copy()\n"
        "    for _ in range(steps):\n"
        "        J = np.eye(len(x))\n"
        "        a = x\n"
        "        for i, (W, b) in enumerate(params[:layer + 1]):\n"
        "            z = a @ W + b\n"
        "            J = J @ W\n"
        "            if i < layer:\n"
        "                J = J * (z > 0)\n"
        "                a = np.maximum(z, 0)\n"
        "        x = np.clip(x + lr * J[:, unit], 0, 1)\n"
        "    return x\n",
    ],
    "perturb_to_activate": [
        # forward-mode: carry the Jacobian of the pre-activations w.r.t. x; the box with np.minimum / np.maximum
        "def perturb_to_activate(params, layer, unit, x, eps, steps, lr):\n"
        "    x0 = np.array(x, dtype=np.float64)\n"
        "    lo, hi = np.maximum(x0 - eps, 0.0), np.minimum(x0 + eps, 1.0)\n"
        "    out = x0.copy()\n"
        "    for _ in range(steps):\n"
        "        J, a = np.eye(len(out)), out\n"
        "        for i, (W, b) in enumerate(params[:layer + 1]):\n"
        "            z = a @ W + b\n"
        "            J = J @ W\n"
        "            if i < layer:\n"
        "                J = J * (z > 0)\n"
        "                a = np.maximum(z, 0)\n"
        "        step = np.where(J[:, unit] > 0, lr, np.where(J[:, unit] < 0, -lr, 0.0))\n"
        "        out = np.minimum(np.maximum(out + step, lo), hi)\n"
        "    return out\n",
    ],
    "flip_labels": [
        "def flip_labels(y, rate, k, rng):\n"
        "    out = np.array(y, dtype=np.int64)\n"
        "    m = round(rate * len(out))\n"
        "    for i in rng.permutation(len(out))[:m]:\n"
        "        others = [c for c in range(k) if c != out[i]]\n"
        "        out[i] = others[rng.integers(len(others))]\n"
        "    return out\n",
    ],
    "poison_with_trigger": [
        "def poison_with_trigger(X, y, rate, target, rng):\n"
        "    Xp = X.copy().reshape(-1, 8, 8)\n"
        "    yp = y.copy()\n"
        "    for i in rng.permutation(len(X))[:round(rate * len(X))]:\n"
        "        Xp[i, 6, 7] = Xp[i, 7, 6] = Xp[i, 7, 7] = 1.0\n"
        "        yp[i] = target\n"
        "    return Xp.reshape(len(X), 64), yp\n",
    ],
}
