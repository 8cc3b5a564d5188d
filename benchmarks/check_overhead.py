"""Where the public functions' extra time goes: their tests, the NaN dot products' calls, and the data those read.

    python benchmarks/check_overhead.py [--rounds 25] [--epochs 3]

`train_digits.py` measures the training loop written with nnlib's public functions (dense_forward, relu,
cross_entropy_grad, relu_backward, dense_backward) against the same arithmetic inline. This script splits the
difference by running the public-function loop three ways, with the NaN check of every fast path (a BLAS dot
product, `nnlib._validate.vdot`) as it is, replaced by a dot product of two 3-element arrays (what a call costs
without data), and replaced by a Python function returning 1.0 (the shape and type tests and the function calls
alone). Every variant and the inline loop run in alternating order in each round; the table gives the median
time per training step and the median of the per-round ratios to inline numpy, from the process's CPU time.

The variants without real dot products check nothing for NaN and are for this measurement only: the script
swaps the module attribute `vdot` of nnlib.layers, nnlib.activations and nnlib.losses and puts it back.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nnlib.activations  # noqa: E402
import nnlib.layers  # noqa: E402
import nnlib.losses  # noqa: E402
from nnlib._validate import vdot  # noqa: E402
from nnlib.data import load_digits, train_test_split  # noqa: E402
from train_digits import (BATCH_SIZE, SPLIT_SEED, initial_params, run_inline_steps,  # noqa: E402
                          run_public_functions)

_MODULES = (nnlib.layers, nnlib.activations, nnlib.losses)
_THREE = np.ones(3)


def _empty_dot(a, b):
    """A dot product's call without its data: vdot of two 3-element arrays."""
    return vdot(_THREE, _THREE)


def _no_dot(a, b):
    return 1.0


@contextmanager
def nan_check(replacement):
    """Run the fast paths with `replacement` instead of vdot (None: as they are)."""
    saved = [m.vdot for m in _MODULES]
    try:
        if replacement is not None:
            for m in _MODULES:
                m.vdot = replacement
        yield
    finally:
        for m, v in zip(_MODULES, saved):
            m.vdot = v


VARIANTS = {
    "public functions": None,
    "  NaN dots on 3 numbers": _empty_dot,
    "  no NaN dots": _no_dot,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--epochs", type=int, default=3, help="epochs in each run")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.epochs < 1:
        parser.error("--rounds and --epochs must be at least 1")

    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.2, np.random.default_rng(SPLIT_SEED))
    data, params, lr = (Xtr, ytr, Xte, yte), initial_params(), 0.2
    steps = args.epochs * -(-Xtr.shape[0] // BATCH_SIZE)

    def run(name):
        if name == "inline numpy":
            return run_inline_steps(params, data, args.epochs, lr)[1]
        with nan_check(VARIANTS[name]):
            return run_public_functions(params, data, args.epochs, lr)[1]

    names = [*VARIANTS, "inline numpy"]
    for name in names:  # warm-up
        run(name)
    cpu = {name: [] for name in names}
    for r in range(args.rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            cpu[name].append(run(name))

    print(f"{args.rounds} rounds of {args.epochs} epochs ({steps} steps), CPU time, numpy {np.__version__}")
    print(f"{'loop':<28} {'us/step':>8} {'/ inline':>9}")
    for name in names:
        ratio = statistics.median(t / i for t, i in zip(cpu[name], cpu["inline numpy"]))
        print(f"{name:<28} {1e6 * statistics.median(cpu[name]) / steps:>8.1f} {ratio:>8.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
