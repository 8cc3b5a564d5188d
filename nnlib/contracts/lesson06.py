"""Contracts of lesson 06, security: what each exercise's text promises (see nnlib.contracts.spec).

flip_labels and poison_with_trigger are random procedures whose draws the text does not fix: their values are
judged by the properties the text states (exactly round(rate * n) rows changed, new labels different and
spread over the other classes, the rows chosen at random, the same rng state giving the same result), not by
equality with nnlib's own draws. extract_linear_model is graded by its hand-written test (a query budget that
the test's query function counts).
"""

from __future__ import annotations

import numpy as np

from .domains import float_arrays, reals
from .spec import Clause, Contract, Property, call

LESSON = "06-security"
TRIGGER = (55, 62, 63)


def _pixels(st, hnp, shape, high=1.0):
    return float_arrays(st, hnp, shape, st.floats(0.0, high, allow_subnormal=False))


# --- fgsm ----------------------------------------------------------------------------------------------
def _fgsm_domain(st, hnp):
    def build(draw):
        shape = draw(st.sampled_from([(draw(st.integers(1, 8)),), (draw(st.integers(1, 4)), draw(st.integers(1, 5)))]))
        x = draw(_pixels(st, hnp, shape))
        grad = draw(float_arrays(st, hnp, shape, st.one_of(reals(st), st.just(0.0))))
        eps = draw(st.one_of(st.just(0.0), st.floats(0.0, 1.5, allow_subnormal=False)))
        return (x, grad, eps), {}

    return st.composite(build)()


# --- recover_input_from_gradients ----------------------------------------------------------------------
def _leak_domain(st, hnp):
    def build(draw):
        d_in, d_out = draw(st.integers(1, 8)), draw(st.integers(1, 6))
        x = draw(float_arrays(st, hnp, (d_in,), reals(st, 1e3)))
        g = draw(float_arrays(st, hnp, (d_out,), st.floats(-1e3, 1e3, allow_subnormal=False)))
        j = draw(st.integers(0, d_out - 1))
        g[j] = draw(st.sampled_from([1.0, -1.0, 1e-6, -2e3, 0.5]))  # at least one entry that is not 0
        return (np.outer(x, g), g.copy()), {}

    return st.composite(build)()


def _recovers_the_input(args, kwargs, got, want):
    dW, db = args
    j = int(np.argmax(np.abs(db)))
    if np.asarray(got).shape == (dW.shape[0],) and not np.allclose(
        np.outer(got, db), dW, rtol=1e-9, atol=1e-12 * float(np.max(np.abs(dW)) or 1)
    ):
        return f"returned an x whose gradients np.outer(x, db) differ from dW (the largest |db| is db[{j}])"
    return None


# --- maximize_neuron / perturb_to_activate ----------------------------------------------------------------
def _network(st, hnp, draw):
    sizes = [draw(st.integers(1, 6)) for _ in range(draw(st.integers(2, 4)))]
    weights = st.one_of(st.floats(-3.0, 3.0, allow_subnormal=False), st.just(0.0))
    return [
        (draw(float_arrays(st, hnp, (a, b), weights)), draw(float_arrays(st, hnp, (b,), weights)))
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def _neuron_domain(bounded: bool):
    def domain(st, hnp):
        def build(draw):
            params = _network(st, hnp, draw)
            layer = draw(st.integers(0, len(params) - 1))
            unit = draw(st.integers(0, params[layer][0].shape[1] - 1))
            x = draw(_pixels(st, hnp, (params[0][0].shape[0],)))
            steps = draw(st.integers(0, 6))
            lr = draw(st.sampled_from([0.01, 0.05, 0.1, 0.5]))
            if bounded:
                eps = draw(st.sampled_from([0.0, 0.02, 0.1, 0.3]))
                return (params, layer, unit, x, eps, steps, lr), {}
            return (params, layer, unit, x, steps, lr), {}

        return st.composite(build)()

    return domain


def _within_box(args, kwargs, got, want):
    x, eps = args[3], args[4]
    got = np.asarray(got, dtype=np.float64)
    if got.shape != x.shape:
        return None
    lo, hi = np.maximum(x - eps, 0.0), np.minimum(x + eps, 1.0)
    if np.any(got < lo - 1e-12) or np.any(got > hi + 1e-12):
        i = int(np.argmax(np.maximum(lo - got, got - hi)))
        return f"returned pixel {i} = {got[i]:.6g}, outside [max(x - eps, 0), min(x + eps, 1)] = [{lo[i]:.6g}, {hi[i]:.6g}]"
    return None


# --- flip_labels ---------------------------------------------------------------------------------------
def _flip_domain(st, hnp):
    def build(draw):
        k = draw(st.integers(2, 6))
        n = draw(st.integers(0, 40))
        y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
        rate = draw(st.one_of(st.sampled_from([0.0, 1.0, 0.5, 0.25, 0.125]), st.floats(0.0, 1.0)))
        seed = draw(st.integers(0, 2**32 - 1))
        return (y, rate, k, np.random.default_rng(seed)), {}

    return st.composite(build)()


def _exactly_round_changed(args, kwargs, got, want):
    y, rate, k = args[0], args[1], args[2]
    got = np.asarray(got)
    if got.shape != y.shape:
        return None
    m = int(round(rate * y.shape[0]))
    changed = int(np.sum(got != y))
    if changed != m:
        return (
            f"changed {changed} labels; the text asks for exactly round(rate * n) = round({rate!r} * "
            f"{y.shape[0]}) = {m} (Python's round, which rounds .5 to the even number)"
        )
    if got.size and (got.min() < 0 or got.max() >= k):
        return f"returned labels outside [0, k) = [0, {k})"
    return None


def _spread_evenly(args, kwargs, got, want):
    """On a large call: the new classes spread evenly over the k - 1 others, and the rows over the whole array."""
    y, k = args[0], args[2]
    got = np.asarray(got)
    rows = np.flatnonzero(got != y) if got.shape == y.shape else np.array([])
    if rows.size < 600:
        return None
    shift = (got[rows] - y[rows]) % k
    shares = np.bincount(shift, minlength=k)[1:] / rows.size
    if np.max(np.abs(shares - 1.0 / (k - 1))) > 0.06:
        return (
            f"gave new classes unevenly: the shifts 1..{k - 1} came {np.round(shares, 3).tolist()} of the time; "
            f"the text asks for a uniformly random different class (each {1 / (k - 1):.3f})"
        )
    if rows.size < y.size and abs(rows.mean() / (y.size - 1) - 0.5) > 0.06:
        return f"changed rows that are not spread over the array (their mean position is {rows.mean():.0f} of {y.size})"
    return None


OTHER_STATES = 8  # a right answer gives one result in at least C(4, 2) = 6: all 8 alike by chance < 1e-6


def _uses_the_rng(args, kwargs, got, want, func):
    """Other rng states must give other rows (on a call that changes some but not all labels). One other state is
    not enough: with 6 labels and 2 to change, a right answer repeats its result for 1 state in 15."""
    y, rate, k, rng = args
    m = int(round(rate * y.shape[0]))
    if not 2 <= m <= y.shape[0] - 2:
        return None
    seeds = rng.integers(2**32, size=OTHER_STATES)
    for seed in seeds:
        other = func(y.copy(), rate, k, np.random.default_rng(int(seed) + 1))
        if not np.array_equal(np.asarray(other), np.asarray(got)):
            return None
    return (
        f"gave the same result for {OTHER_STATES + 1} different rng states: draw the rows and classes from the "
        "rng given"
    )


_FLIP_Y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
_BIG_Y = np.repeat(np.arange(4), 300)


# --- poison_with_trigger -------------------------------------------------------------------------------
def _poison_domain(st, hnp):
    def build(draw):
        n = draw(st.integers(0, 12))
        X = draw(_pixels(st, hnp, (n, 64), high=0.9))
        y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 9)))
        rate = draw(st.one_of(st.sampled_from([0.0, 1.0, 0.5, 0.25]), st.floats(0.0, 1.0)))
        target = draw(st.integers(0, 9))
        return (X, y, rate, target, np.random.default_rng(draw(st.integers(0, 2**32 - 1)))), {}

    return st.composite(build)()


def _poisoned_rows(args, kwargs, got, want):
    X, y, rate, target = args[:4]
    if type(got) not in (tuple, list) or len(got) != 2:
        return None
    Xp, yp = (np.asarray(a) for a in got)
    if Xp.shape != X.shape or yp.shape != y.shape:
        return None
    m = int(round(rate * X.shape[0]))
    stamped = np.all(Xp[:, list(TRIGGER)] == 1.0, axis=1)
    if int(stamped.sum()) != m:
        return (
            f"stamped the trigger (pixels {list(TRIGGER)} = 1.0) on {int(stamped.sum())} rows; the text asks for "
            f"round(rate * n) = {m}"
        )
    if np.any(yp[stamped] != target):
        return f"left a stamped row with a label other than target = {target}"
    rest = [p for p in range(64) if p not in TRIGGER]
    if (
        not np.array_equal(Xp[:, rest], X[:, rest])
        or not np.array_equal(Xp[~stamped], X[~stamped])
        or not np.array_equal(yp[~stamped], y[~stamped])
    ):
        return "changed more than the chosen rows' trigger pixels and labels (every other row, and the order, stay)"
    return None


_PX = np.tile(np.linspace(0.0, 0.5, 64), (8, 1))
_PY = np.array([3, 1, 4, 1, 5, 9, 2, 6])

CONTRACTS = [
    Contract(
        name="fgsm",
        lesson=LESSON,
        reference="nnlib.security.adversarial:fgsm",
        signature="x, grad, eps",
        domain=_fgsm_domain,
        visible=(
            call(np.array([0.5, 0.5, 0.95, 0.02]), np.array([1.0, -2.0, 3.0, -0.5]), 0.1),
            call(np.array([[0.2, 0.8], [0.0, 1.0]]), np.array([[0.0, 1e-9], [-1.0, 1.0]]), 0.3),
            call(np.array([0.3, 0.6]), np.array([0.0, 0.0]), 0.2),
            call(np.array([0.3, 0.6]), np.array([1.0, -1.0]), 0.0),
        ),
        rtol=1e-12,
        atol=1e-15,
        sentences={
            "values": "clip(x + eps * sign(grad), 0, 1)",
            "shape": "same shape as x",
            "new": "a new array; x is unchanged (also where nothing moves: grad = 0 or eps = 0)",
        },
        hint="every pixel moves by exactly eps in the direction of the sign of its gradient (0 where the gradient "
        "is 0), then the result is clipped to [0, 1].",
    ),
    Contract(
        name="recover_input_from_gradients",
        lesson=LESSON,
        reference="nnlib.security.leakage:recover_input_from_gradients",
        signature="dW, db",
        domain=_leak_domain,
        visible=(
            call(np.outer([0.2, 0.4, 0.9], [0.5, -2.0]), np.array([0.5, -2.0])),
            call(np.outer([1.0, 0.0], [0.0, 3.0, 1e-3]), np.array([0.0, 3.0, 1e-3])),
        ),
        rtol=1e-9,
        atol=1e-12,
        scale="max",
        properties=(
            Property(
                Clause(
                    "recovers",
                    "x with dW = outer(x, db): the input of the one sample",
                    "dW[:, j] = x * db[j]: divide a column by its bias gradient, taking the j with "
                    "the largest |db[j]| (never a db[j] that is 0).",
                ),
                _recovers_the_input,
            ),
        ),
        sentences={
            "values": "x = dW[:, j] / db[j] for the j with the largest |db[j]|",
            "shape": "returns x: (d_in,), one sample's input",
        },
        hint="dW[:, j] = x * db[j] for every j: divide the column with the largest |db[j]| by db[j].",
    ),
    Contract(
        name="maximize_neuron",
        lesson=LESSON,
        reference="nnlib.security.adversarial:maximize_neuron",
        signature="params, layer, unit, x0, steps, lr",
        domain=_neuron_domain(bounded=False),
        visible=(
            call(
                [
                    (np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, 0.1])),
                    (np.array([[1.0], [-1.0]]), np.array([0.2])),
                ],
                1,
                0,
                np.array([0.5, 0.5]),
                3,
                0.1,
            ),
            call([(np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, 0.1]))], 0, 1, np.array([0.0, 1.0]), 0, 0.1),
        ),
        rtol=1e-9,
        atol=1e-12,
        scale="max",
        sentences={
            "values": "steps updates x <- clip(x + lr * dz/dx, 0, 1), z the pre-activation of unit in layer",
            "new": "a new array (x0 copied when steps = 0); x0 is unchanged",
        },
        hint="z is the unit's pre-activation in dense layer `layer` (0 = the first); back from a one-hot at unit, "
        "each ReLU passes the gradient only where its own pre-activation is > 0.",
    ),
    Contract(
        name="perturb_to_activate",
        lesson=LESSON,
        reference="nnlib.security.adversarial:perturb_to_activate",
        signature="params, layer, unit, x, eps, steps, lr",
        domain=_neuron_domain(bounded=True),
        visible=(
            call(
                [
                    (np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, 0.1])),
                    (np.array([[1.0], [-1.0]]), np.array([0.2])),
                ],
                1,
                0,
                np.array([0.5, 0.5]),
                0.1,
                3,
                0.05,
            ),
            call(
                [(np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, 0.1]))], 0, 0, np.array([0.98, 0.0]), 0.1, 4, 0.05
            ),
        ),
        rtol=1e-9,
        atol=1e-12,
        scale="max",
        properties=(
            Property(
                Clause(
                    "box",
                    "every pixel within eps of x and inside [0, 1]",
                    "clip to the box [max(x - eps, 0), min(x + eps, 1)] of the ORIGINAL x, not of the previous step.",
                ),
                _within_box,
            ),
        ),
        sentences={
            "values": "steps updates x_adv <- clip(x_adv + lr * sign(dz/dx_adv), max(x - eps, 0), min(x + eps, 1))",
            "new": "a new array (a copy of x when steps = 0); x is unchanged",
        },
        hint="step by lr times the SIGN of dz/dx, and clip to the box around the original image every step.",
    ),
    Contract(
        name="flip_labels",
        lesson=LESSON,
        reference="nnlib.security.poisoning:flip_labels",
        signature="y, rate, k, rng",
        domain=_flip_domain,
        compare_values=False,
        rng_arg="rng",
        visible=(
            call(np.tile(np.arange(10), 2), 0.33, 10, np.random.default_rng(0)),
            call(_FLIP_Y, 0.25, 3, np.random.default_rng(2)),
            call(_FLIP_Y, 0.35, 3, np.random.default_rng(5)),
            call(_FLIP_Y, 0.0, 3, np.random.default_rng(3)),
            call(_FLIP_Y, 1.0, 3, np.random.default_rng(6)),
            call(np.tile(np.arange(4), 25), 0.366, 4, np.random.default_rng(1)),
            call(_BIG_Y, 0.75, 4, np.random.default_rng(4)),
        ),
        properties=(
            Property(
                Clause(
                    "count",
                    "exactly round(rate * n) labels changed, each to a different class in [0, k)",
                    "choose round(rate * n) different rows (no row twice) and give each a class other than its own.",
                ),
                _exactly_round_changed,
            ),
            Property(
                Clause(
                    "uniform",
                    "random labels: the rows chosen at random, each new class uniformly random among the k - 1 others",
                    "shift each chosen label by a random 1..k-1 modulo k; pick the rows at random, not the first ones.",
                ),
                _spread_evenly,
            ),
            Property(
                Clause(
                    "rng",
                    "the rng you are given decides the rows and the classes",
                    "draw every random number from rng (not np.random, not a new generator).",
                ),
                _uses_the_rng,
                calls_again=True,
            ),
        ),
        sentences={
            "type": "returns a new int array (n,)",
            "dtype": "an int array",
            "new": "a new array; y is unchanged",
            "unchanged": "y is unchanged",
            "repeatable": "the same rng state gives the same labels; nothing is kept between calls",
        },
    ),
    Contract(
        name="poison_with_trigger",
        lesson=LESSON,
        reference="nnlib.security.poisoning:poison_with_trigger",
        signature="X, y, rate, target, rng",
        domain=_poison_domain,
        compare_values=False,
        rng_arg="rng",
        visible=(
            call(_PX, _PY, 0.25, 7, np.random.default_rng(1)),
            call(_PX, _PY, 0.0, 7, np.random.default_rng(2)),
            call(_PX, _PY, 1.0, 0, np.random.default_rng(3)),
        ),
        properties=(
            Property(
                Clause(
                    "poisoned",
                    "round(rate * n) rows carry the trigger and the label target; "
                    "every other row, and the order of the rows, is unchanged",
                    "choose round(rate * n) different rows; set their trigger pixels to 1.0 and "
                    "their label to target; copy everything else.",
                ),
                _poisoned_rows,
            ),
        ),
        sentences={
            "type": "returns (X_poisoned, y_poisoned), new arrays",
            "shape": "X_poisoned (n, 64), y_poisoned (n,)",
            "repeatable": "the same rng state gives the same poisoned set; nothing is kept between calls",
        },
    ),
]
