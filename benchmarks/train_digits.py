"""How fast is nnlib's training loop? A 64-128-64-10 ReLU network on the 8x8 digits, trained several ways.

    python benchmarks/train_digits.py [--epochs 30] [--lr 0.2] [--repeats 5] [--pairs 41] [--pair-epochs 3]

Every run starts from the same initial weights (He initialisation drawn once with numpy) and trains with
plain minibatch SGD (batch 32, no momentum, no weight decay) on softmax cross-entropy for the same epochs:

  nnlib        nnlib.train.fit on an nnlib Network
  numpy        the same algorithm written inline with numpy: the floor nnlib's overhead is measured against
  nnlib public functions   the loop a learner writes with nnlib's functions (see below), for comparison
  torch-1t     PyTorch CPU, float64, torch.set_num_threads(1)
  torch        PyTorch CPU, float64, its default number of threads
  sklearn      scikit-learn MLPClassifier(solver="sgd", momentum=0, alpha=0, batch_size=32)

nnlib, numpy and torch visit the minibatches in exactly the same order (one numpy Generator per run, seeded
alike, drawing one permutation per epoch), so they end with the same weights up to rounding and the same test
accuracy. scikit-learn shuffles with its own random state, so its accuracy differs slightly. Every loop
records the mean training loss and accuracy of each epoch, as nnlib's fit does. The runs are interleaved
(one of each, then again) over several repeats; the table shows each one's median time.

Second, the cost of the functional core's input checks. A learner's training loop (and lesson 05's `train`)
calls nnlib's public functions on every minibatch:

  nnlib public functions   dense_forward, relu, cross_entropy_grad, relu_backward, dense_backward, with the
                           same in-place SGD update as the floor
  inline numpy             the same steps written inline and tuned (in place where it can be), without the
                           functions or their checks

Both compute the same steps (so they end with the same weights up to rounding; the script checks it), the
functions as the lessons write them, so the ratio is the price of the checks and of the plain code. Unlike the
fused `numpy` floor above, they compute dX of the first layer too, because dense_backward always returns it,
and no loss per batch. On a shared, noisy machine a single timing says little, so the two are run in
alternating pairs (which one goes first alternates too) many times, and the script reports the median of the
per-pair time ratios, with its quartiles, for the process's CPU time (the steadier measure when other programs
share the cores) and for wall-clock time: the figure to quote is "public functions / inline numpy".
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings

import numpy as np

import nnlib
from nnlib.activations import relu
from nnlib.data import load_digits, train_test_split
from nnlib.layers import dense_backward, dense_forward, init_dense, relu_backward
from nnlib.losses import cross_entropy_grad
from nnlib.network import Network
from nnlib.train import fit

LAYER_SIZES = [64, 128, 64, 10]
BATCH_SIZE = 32
SPLIT_SEED, INIT_SEED, ORDER_SEED = 3, 1, 2


def initial_params():
    """The shared starting point: a list of (W, b) drawn once with He initialisation."""
    rng = np.random.default_rng(INIT_SEED)
    return [init_dense(a, b, rng, "he") for a, b in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:])]


def run_nnlib(params, data, epochs, lr):
    Xtr, ytr, Xte, yte = data
    net = Network.mlp(LAYER_SIZES, np.random.default_rng(0))
    net.set_params([a for pair in params for a in pair])
    start = time.perf_counter()
    fit(
        net,
        Xtr,
        ytr,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        lr=lr,
        rng=np.random.default_rng(ORDER_SEED),
        progress=False,
    )
    seconds = time.perf_counter() - start
    return seconds, float(np.mean(net.predict(Xte) == yte))


def run_numpy(params, data, epochs, lr):
    """The floor: the same forward, loss, backward and update written inline, in-place updates."""
    Xtr, ytr, Xte, yte = data
    (W1, b1), (W2, b2), (W3, b3) = [(W.copy(), b.copy()) for W, b in params]
    rng = np.random.default_rng(ORDER_SEED)
    n = Xtr.shape[0]
    rows = np.arange(BATCH_SIZE)
    losses, accuracies = [], []
    start = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(n)
        total_loss, correct = 0.0, 0
        for s in range(0, n, BATCH_SIZE):
            idx = order[s : s + BATCH_SIZE]
            xb, yb = Xtr[idx], ytr[idx]
            m = idx.shape[0]
            r = rows[:m]
            a1 = np.maximum(xb @ W1 + b1, 0.0)
            a2 = np.maximum(a1 @ W2 + b2, 0.0)
            z3 = a2 @ W3 + b3
            z3 -= z3.max(axis=1, keepdims=True)
            e = np.exp(z3)
            sums = e.sum(axis=1)
            total_loss += float(np.log(sums).sum() - z3[r, yb].sum())
            correct += int(np.count_nonzero(z3.argmax(axis=1) == yb))
            d3 = e / sums[:, None]
            d3[r, yb] -= 1.0
            d3 /= m
            d2 = (d3 @ W3.T) * (a2 > 0)
            d1 = (d2 @ W2.T) * (a1 > 0)
            W3 -= lr * (a2.T @ d3)
            b3 -= lr * d3.sum(axis=0)
            W2 -= lr * (a1.T @ d2)
            b2 -= lr * d2.sum(axis=0)
            W1 -= lr * (xb.T @ d1)
            b1 -= lr * d1.sum(axis=0)
        losses.append(total_loss / n)
        accuracies.append(correct / n)
    seconds = time.perf_counter() - start
    logits = np.maximum(np.maximum(Xte @ W1 + b1, 0) @ W2 + b2, 0) @ W3 + b3
    return seconds, float(np.mean(logits.argmax(axis=1) == yte))


def run_public_functions(params, data, epochs, lr):
    """SGD written with nnlib's public functions, as a learner writes it.

    Returns: (wall-clock seconds, CPU seconds of this process, the final [W1, b1, W2, b2, W3, b3]).
    """
    Xtr, ytr, _, _ = data
    (W1, b1), (W2, b2), (W3, b3) = [(W.copy(), b.copy()) for W, b in params]
    rng = np.random.default_rng(ORDER_SEED)
    n = Xtr.shape[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, BATCH_SIZE):
            idx = order[s : s + BATCH_SIZE]
            xb, yb = Xtr[idx], ytr[idx]
            z1 = dense_forward(xb, W1, b1)
            a1 = relu(z1)
            z2 = dense_forward(a1, W2, b2)
            a2 = relu(z2)
            z3 = dense_forward(a2, W3, b3)
            d3 = cross_entropy_grad(z3, yb)
            da2, dW3, db3 = dense_backward(d3, a2, W3)
            d2 = relu_backward(da2, z2)
            da1, dW2, db2 = dense_backward(d2, a1, W2)
            d1 = relu_backward(da1, z1)
            _, dW1, db1 = dense_backward(d1, xb, W1)
            W3 -= lr * dW3
            b3 -= lr * db3
            W2 -= lr * dW2
            b2 -= lr * db2
            W1 -= lr * dW1
            b1 -= lr * db1
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return seconds, cpu_seconds, [W1, b1, W2, b2, W3, b3]


def run_inline_steps(params, data, epochs, lr):
    """The same arithmetic as run_public_functions, inline, without the functions and their checks."""
    Xtr, ytr, _, _ = data
    (W1, b1), (W2, b2), (W3, b3) = [(W.copy(), b.copy()) for W, b in params]
    rng = np.random.default_rng(ORDER_SEED)
    n = Xtr.shape[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, BATCH_SIZE):
            idx = order[s : s + BATCH_SIZE]
            xb, yb = Xtr[idx], ytr[idx]
            z1 = xb @ W1
            z1 += b1
            a1 = np.maximum(z1, 0.0)
            z2 = a1 @ W2
            z2 += b2
            a2 = np.maximum(z2, 0.0)
            z3 = a2 @ W3
            z3 += b3
            m = yb.shape[0]
            d3 = z3 - z3.max(axis=1, keepdims=True)  # softmax(z3) - onehot(yb), over m
            np.exp(d3, out=d3)
            d3 /= d3.sum(axis=1, keepdims=True)
            d3.ravel()[np.ravel_multi_index((np.arange(m), yb), d3.shape)] -= 1.0  # d3[arange(m), yb] -= 1
            d3 /= m
            da2, dW3, db3 = d3 @ W3.T, a2.T @ d3, d3.sum(axis=0)
            d2 = np.where(z2 > 0, da2, 0.0)
            da1, dW2, db2 = d2 @ W2.T, a1.T @ d2, d2.sum(axis=0)
            d1 = np.where(z1 > 0, da1, 0.0)
            _, dW1, db1 = d1 @ W1.T, xb.T @ d1, d1.sum(axis=0)
            W3 -= lr * dW3
            b3 -= lr * db3
            W2 -= lr * dW2
            b2 -= lr * db2
            W1 -= lr * dW1
            b1 -= lr * db1
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return seconds, cpu_seconds, [W1, b1, W2, b2, W3, b3]


def _timed_with_accuracy(run, params, data, epochs, lr):
    """(wall-clock seconds, test accuracy) of run_public_functions or run_inline_steps, for the main table."""
    seconds, _, (W1, b1, W2, b2, W3, b3) = run(params, data, epochs, lr)
    Xte, yte = data[2], data[3]
    logits = np.maximum(np.maximum(Xte @ W1 + b1, 0) @ W2 + b2, 0) @ W3 + b3
    return seconds, float(np.mean(logits.argmax(axis=1) == yte))


def compare_functions_with_inline(params, data, epochs, lr, pairs):
    """Median time ratio (public functions / inline numpy) over alternating pairs; prints it and returns it.

    Both wall-clock time and the process's CPU time are measured. On a shared machine the CPU time is the
    steadier of the two (it leaves out the moments when other programs have the core), so the returned
    figure is the median ratio of CPU times; the wall-clock ratio is printed beside it.
    """
    *_, weights_f = run_public_functions(params, data, 1, lr)  # warm-up, and a check that both agree
    *_, weights_i = run_inline_steps(params, data, 1, lr)
    if not all(np.allclose(a, b, rtol=1e-10, atol=1e-12) for a, b in zip(weights_f, weights_i)):
        raise AssertionError("the public-function loop and the inline loop do not compute the same weights")
    wall_f, wall_i, cpu_f, cpu_i = [], [], [], []
    for pair in range(pairs):
        if pair % 2 == 0:
            wf, cf, _ = run_public_functions(params, data, epochs, lr)
            wi, ci, _ = run_inline_steps(params, data, epochs, lr)
        else:
            wi, ci, _ = run_inline_steps(params, data, epochs, lr)
            wf, cf, _ = run_public_functions(params, data, epochs, lr)
        wall_f.append(wf)
        wall_i.append(wi)
        cpu_f.append(cf)
        cpu_i.append(ci)

    def quartiles(ratios):
        return statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else ratios * 3

    steps = epochs * -(-data[0].shape[0] // BATCH_SIZE)
    print()
    print(f"nnlib public functions vs the same steps in inline numpy: {pairs} alternating pairs of {epochs} epochs")
    for label, tf, ti in (("CPU time", cpu_f, cpu_i), ("wall-clock time", wall_f, wall_i)):
        q1, median, q3 = quartiles([f / i for f, i in zip(tf, ti)])
        print(
            f"  {label:15s}  public functions {1e6 * statistics.median(tf) / steps:7.1f} us/step, "
            f"inline numpy {1e6 * statistics.median(ti) / steps:7.1f} us/step; "
            f"median ratio {median:.3f}x (quartiles {q1:.3f}x - {q3:.3f}x)"
        )
    cpu_median = statistics.median([f / i for f, i in zip(cpu_f, cpu_i)])
    print(f"public functions / inline numpy: {cpu_median:.3f}x (median ratio of CPU times)")
    return cpu_median


def run_torch(params, data, epochs, lr, threads):
    import torch

    Xtr, ytr, Xte, yte = data
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        linears = []
        for W, b in params:
            layer = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
            with torch.no_grad():
                layer.weight.copy_(torch.from_numpy(W.T.copy()))  # torch stores (d_out, d_in)
                layer.bias.copy_(torch.from_numpy(b))
            linears.append(layer)
        model = torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(), linears[2])
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)
        X_t, y_t = torch.from_numpy(Xtr), torch.from_numpy(ytr)
        rng = np.random.default_rng(ORDER_SEED)
        n = Xtr.shape[0]
        losses, accuracies = [], []
        start = time.perf_counter()
        for _ in range(epochs):
            order = torch.from_numpy(rng.permutation(n))
            total_loss, correct = 0.0, 0
            for s in range(0, n, BATCH_SIZE):
                idx = order[s : s + BATCH_SIZE]
                xb, yb = X_t[idx], y_t[idx]
                optimizer.zero_grad()
                logits = model(xb)
                loss = torch.nn.functional.cross_entropy(logits, yb)
                loss.backward()
                optimizer.step()
                total_loss += loss.item() * idx.shape[0]
                correct += int((logits.argmax(dim=1) == yb).sum())
            losses.append(total_loss / n)
            accuracies.append(correct / n)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            accuracy = float((model(torch.from_numpy(Xte)).argmax(dim=1).numpy() == yte).mean())
        return seconds, accuracy
    finally:
        torch.set_num_threads(previous)


def run_sklearn(params, data, epochs, lr):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    Xtr, ytr, Xte, yte = data
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(LAYER_SIZES[1:-1]),
        activation="relu",
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=lr,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=BATCH_SIZE,
        shuffle=True,
        max_iter=1,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        warm_start=True,
        random_state=ORDER_SEED,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr[: BATCH_SIZE * 10], ytr[: BATCH_SIZE * 10])  # untimed: builds the model's attributes
        # Same starting weights as the other runs; warm_start keeps them, and the SGD state starts afresh.
        clf.coefs_ = [W.copy() for W, _ in params]
        clf.intercepts_ = [b.copy() for _, b in params]
        clf.max_iter = epochs
        clf.n_iter_ = 0
        clf.t_ = 0
        clf.loss_curve_ = []
        clf.best_loss_ = np.inf
        clf._no_improvement_count = 0
        start = time.perf_counter()
        clf.fit(Xtr, ytr)
        seconds = time.perf_counter() - start
    return seconds, float(np.mean(clf.predict(Xte) == yte))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--pairs",
        type=int,
        default=41,
        help="alternating pairs for the public-functions / inline-numpy ratio (0: skip it)",
    )
    parser.add_argument("--pair-epochs", type=int, default=3, help="epochs in each run of a pair")
    parser.add_argument(
        "--only-functions", action="store_true", help="measure only the public-functions / inline-numpy ratio"
    )
    args = parser.parse_args(argv)

    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.2, np.random.default_rng(SPLIT_SEED))
    data = (Xtr, ytr, Xte, yte)
    params = initial_params()
    if args.only_functions:
        print(
            f"python {platform.python_version()}, numpy {np.__version__}, nnlib {nnlib.__version__}, "
            f"{platform.machine()}; network {LAYER_SIZES}, batch {BATCH_SIZE}, lr {args.lr}"
        )
        compare_functions_with_inline(params, data, args.pair_epochs, args.lr, max(args.pairs, 1))
        return 0

    runs = {
        "nnlib": lambda: run_nnlib(params, data, args.epochs, args.lr),
        "numpy (inline floor)": lambda: run_numpy(params, data, args.epochs, args.lr),
        "nnlib public functions": lambda: _timed_with_accuracy(
            run_public_functions, params, data, args.epochs, args.lr
        ),
    }
    try:
        import torch

        runs["torch CPU, 1 thread"] = lambda: run_torch(params, data, args.epochs, args.lr, threads=1)
        runs[f"torch CPU, {torch.get_num_threads()} threads"] = lambda: run_torch(
            params, data, args.epochs, args.lr, threads=None
        )
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    runs["scikit-learn MLPClassifier"] = lambda: run_sklearn(params, data, args.epochs, args.lr)

    import sklearn

    print(
        f"digits: {Xtr.shape[0]} train / {Xte.shape[0]} test, network {LAYER_SIZES}, batch {BATCH_SIZE}, "
        f"{args.epochs} epochs, lr {args.lr}, plain SGD, float64; median of {args.repeats} interleaved repeats"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, nnlib {nnlib.__version__}, "
        f"torch {torch_version}, scikit-learn {sklearn.__version__}, {platform.machine()}"
    )

    for run in runs.values():  # warm-up: imports, caches, thread pools
        run()
    times = {name: [] for name in runs}
    accuracy = {}
    for _ in range(args.repeats):
        for name, run in runs.items():
            seconds, acc = run()
            times[name].append(seconds)
            accuracy[name] = acc

    reference = statistics.median(times["nnlib"])
    print()
    print(f"{'implementation':<28} {'median s':>9} {'ms/epoch':>9} {'test acc':>9} {'time / nnlib':>13}")
    print("-" * 72)
    for name in runs:
        median = statistics.median(times[name])
        print(
            f"{name:<28} {median:>9.3f} {1000 * median / args.epochs:>9.2f} {accuracy[name]:>9.4f} "
            f"{median / reference:>12.2f}x"
        )
    floor = statistics.median(times["numpy (inline floor)"])
    print()
    print(f"nnlib / inline-numpy floor: {reference / floor:.3f}x")
    if args.pairs > 0:
        compare_functions_with_inline(params, data, args.pair_epochs, args.lr, args.pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
