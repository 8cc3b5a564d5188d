"""Training loops (lesson 05).

`train` is the lesson's model answer, written with the functional core only, step by step:
forward pass, loss gradient, backward pass, gradient-descent update, repeated over shuffled minibatches.

`fit` does the same job for a `Network` object, with any optimiser, a progress bar, validation scores,
L2 weight decay, early stopping and a per-epoch history. It checks its inputs once, then runs a lean loop:
no per-batch validation.

`lr_range_test` is fast.ai's learning-rate range test (Smith 2017): a few hundred minibatch steps of plain SGD
with a learning rate that grows geometrically, recording the loss at each rate.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._validate import as_float_array, check_int, check_labels, check_nonnegative, check_positive, check_rng
from .activations import relu
from .layers import dense_backward, dense_forward, init_dense, relu_backward
from .losses import cross_entropy_grad
from .network import Network
from .optim import SGD, Adam, sgd_step

__all__ = ["fit", "History", "TrainingDiverged", "train", "lr_range_test", "DEFAULT_LR"]

DEFAULT_LR = 0.1  # plain SGD's learning rate when fit is given neither lr nor optimizer


class TrainingDiverged(FloatingPointError):
    """Raised by fit when the training loss becomes NaN or infinite (usually: the learning rate is too large)."""


@dataclass
class History:
    """What fit measured, one entry per epoch.

    loss, accuracy: mean training cross-entropy and accuracy over the epoch's minibatches (measured
    while the weights were changing, as Keras does); val_loss, val_accuracy: on (X_val, y_val) at the end
    of each epoch (empty lists when no validation data was given); epoch_seconds: wall time per epoch.
    The losses are the cross-entropy alone, without the weight-decay penalty.
    best_epoch: the epoch (counted from 1) with the lowest validation loss, None without validation data;
    stopped_epoch: the last epoch run when early stopping ended training before `epochs`, else None.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_epoch: int | None = None


def _loss_and_grad(logits, y, rows):
    """Softmax cross-entropy on a batch: (summed loss, number correct, dlogits of the mean loss).

    One pass computes everything the training loop needs from the logits `(m, k)`:
    the shifted logits give log-sum-exp (the loss) and softmax (the gradient) together.
    """
    m = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1)
    # -log softmax(z)[y] = log(sum(exp(shifted))) - shifted[y]
    loss_sum = float(np.log(sums).sum() - shifted[rows, y].sum())
    correct = int(np.count_nonzero(shifted.argmax(axis=1) == y))
    dlogits = exp / sums[:, None]
    dlogits[rows, y] -= 1.0
    dlogits /= m
    return loss_sum, correct, dlogits


def _evaluate(net, X, y):
    """Mean cross-entropy and accuracy of net on (X, y), in batches of 1024 (no checks)."""
    total, correct = 0.0, 0
    for start in range(0, X.shape[0], 1024):
        logits = net._forward(X[start : start + 1024])
        yb = y[start : start + 1024]
        loss_sum, c, _ = _loss_and_grad(logits, yb, np.arange(yb.shape[0]))
        total += loss_sum
        correct += c
    return total / X.shape[0], correct / X.shape[0]


def _network_inputs(net, X, func: str) -> np.ndarray:
    """``X`` as float64 `(n, d)` for ``net`` (an nnlib Network with d inputs, n >= 1), or a clear error."""
    if not isinstance(net, Network):
        raise TypeError(f"{func}: net must be an nnlib Network (e.g. Network.mlp(...)), got {type(net).__name__}")
    X = as_float_array(X, func, "X", ndim=2, copy=False)
    if X.shape[1] != net.d_in:
        raise ValueError(f"{func}: X has {X.shape[1]} features but the network expects {net.d_in}")
    if X.shape[0] == 0:
        raise ValueError(f"{func}: X has no samples")
    return X


def fit(
    net,
    X,
    y,
    *,
    epochs,
    batch_size=32,
    lr=None,
    optimizer=None,
    rng,
    X_val=None,
    y_val=None,
    progress=True,
    weight_decay=0.0,
    patience=None,
    restore_best=True,
):
    """Train a Network on (X, y) with softmax cross-entropy on its logits, by minibatch gradient descent.

    Each epoch shuffles the samples with `rng`, cuts them into minibatches of `batch_size` (the last one
    may be smaller), and for each: forward, loss gradient, backward, optimiser step. The network's
    parameters are replaced in place (the arrays X and y are never modified).

    net: a Network whose last layer has k outputs; X: `(n, d)`; y: `(n,)` integer labels in [0, k);
    epochs: int >= 1; batch_size: int >= 1; lr: learning rate for plain SGD (default 0.1) - or give
    optimizer: an SGD/Adam object (not both); rng: numpy.random.Generator for the shuffling;
    X_val, y_val: optional validation data, scored after every epoch; progress: show a tqdm progress bar;
    weight_decay: L2 strength lam >= 0: the loss minimised is cross-entropy + lam/2 * (sum of every squared
      weight), so each weight gradient gains lam * W (biases are not decayed);
    patience: early stopping (needs X_val): stop once the validation loss has not improved on its best for
      `patience` epochs in a row (int >= 1; None trains for all `epochs`);
    restore_best: with early stopping, put back the parameters of the epoch with the lowest validation loss.
    Returns: a History with per-epoch loss, accuracy, val_loss, val_accuracy and epoch_seconds, and
    best_epoch / stopped_epoch.
    Raises: TypeError/ValueError for bad arguments (checked once, before training), e.g. patience without
            validation data; TrainingDiverged (a FloatingPointError) when the loss becomes NaN or infinite.
    """
    func = "fit"
    X = _network_inputs(net, X, func)
    if not np.isfinite(X).all():
        raise ValueError(f"{func}: X contains inf")
    y = check_labels(y, func, net.d_out, name="y", n=X.shape[0])
    epochs = check_int(epochs, func, "epochs", minimum=1)
    batch_size = check_int(batch_size, func, "batch_size", minimum=1)
    rng = check_rng(rng, func)
    if optimizer is None:
        optimizer = SGD(DEFAULT_LR if lr is None else check_positive(lr, func, "lr"))
    elif lr is not None:
        raise ValueError(f"{func}: give either lr (for plain SGD) or an optimizer, not both")
    elif not isinstance(optimizer, (SGD, Adam)):
        raise TypeError(f"{func}: optimizer must be an nnlib SGD or Adam object, got {type(optimizer).__name__}")
    if (X_val is None) != (y_val is None):
        raise ValueError(f"{func}: give both X_val and y_val, or neither")
    if X_val is not None:
        X_val = as_float_array(X_val, func, "X_val", ndim=2, copy=False)
        if X_val.shape[1] != net.d_in:
            raise ValueError(f"{func}: X_val has {X_val.shape[1]} features but the network expects {net.d_in}")
        y_val = check_labels(y_val, func, net.d_out, name="y_val", n=X_val.shape[0])
    weight_decay = check_nonnegative(weight_decay, func, "weight_decay")
    if patience is not None:
        patience = check_int(patience, func, "patience", minimum=1)
        if X_val is None:
            raise ValueError(f"{func}: early stopping (patience={patience}) needs validation data X_val, y_val")

    from tqdm.auto import trange  # imported here so that importing nnlib stays fast

    n = X.shape[0]
    rows = np.arange(batch_size)
    history = History()
    bar = trange(epochs, desc="training", unit="epoch", disable=not progress, leave=True)
    # Overflow inside a diverging run must not stop us with a warning: we detect it from the loss below.
    with np.errstate(all="ignore"):
        for epoch in bar:
            start_time = time.perf_counter()
            order = rng.permutation(n)
            total_loss, total_correct = 0.0, 0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                yb = y[idx]
                logits = net._forward(X[idx])
                loss_sum, correct, dlogits = _loss_and_grad(logits, yb, rows[: idx.shape[0]])
                if not math.isfinite(loss_sum):
                    bar.close()
                    raise TrainingDiverged(
                        f"fit: the loss became {loss_sum} at epoch {epoch + 1} (lr={optimizer.lr}); "
                        f"try a smaller learning rate"
                    )
                total_loss += loss_sum
                total_correct += correct
                net._backward(dlogits, need_dX=False)
                grads = net.grads()
                if weight_decay:
                    params = net.params()  # [W1, b1, W2, b2, ...]: the weights sit at the even places
                    grads = [g + weight_decay * p if i % 2 == 0 else g for i, (p, g) in enumerate(zip(params, grads))]
                net._set_params(optimizer._step_flat(net.params(), grads))
            history.loss.append(total_loss / n)
            history.accuracy.append(total_correct / n)
            postfix = {"loss": f"{total_loss / n:.4f}", "acc": f"{total_correct / n:.3f}"}
            if X_val is not None:
                val_loss, val_acc = _evaluate(net, X_val, y_val)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
                postfix.update(val_loss=f"{val_loss:.4f}", val_acc=f"{val_acc:.3f}")
                if history.best_epoch is None or val_loss < history.val_loss[history.best_epoch - 1]:
                    history.best_epoch = epoch + 1
                    best_params = [p.copy() for p in net.params()]
            history.epoch_seconds.append(time.perf_counter() - start_time)
            bar.set_postfix(postfix)
            if patience is not None and epoch + 1 - history.best_epoch >= patience and epoch + 1 < epochs:
                history.stopped_epoch = epoch + 1
                break
    bar.close()
    if patience is not None and restore_best:
        net._set_params(best_params)
    return history


def train(X, y, hidden_sizes, rng, *, epochs=40, lr=0.1, batch_size=32):
    """Train a ReLU multi-layer perceptron by minibatch SGD on softmax cross-entropy (lesson 05's answer).

    Layer sizes are [d] + hidden_sizes + [n_classes] with n_classes = y.max() + 1; weights start with He
    initialisation, biases at zero. Use the result with mlp_forward(X_test, params, relu).
    X: `(n, d)`; y: `(n,)` integer labels; hidden_sizes: list of ints, e.g. [64]; rng: numpy.random.Generator;
    epochs, batch_size: ints >= 1; lr: learning rate > 0.
    Returns: params, a list of (W, b) pairs (float64).
    Raises: TypeError/ValueError for bad arguments.
    """
    func = "train"
    X = as_float_array(X, func, "X", ndim=2, copy=False)
    y = check_labels(y, func, name="y", n=X.shape[0])
    rng = check_rng(rng, func)
    epochs = check_int(epochs, func, "epochs", minimum=1)
    batch_size = check_int(batch_size, func, "batch_size", minimum=1)
    lr = check_positive(lr, func, "lr")
    sizes = [X.shape[1]] + [check_int(h, func, "each hidden size", minimum=1) for h in hidden_sizes]
    sizes.append(int(y.max()) + 1)

    # 1. Initialise every layer: He-scaled random weights, zero biases.
    params = [init_dense(d_in, d_out, rng, "he") for d_in, d_out in zip(sizes[:-1], sizes[1:])]
    n = X.shape[0]
    for _ in range(epochs):
        # 2. Visit the samples in a new random order every epoch, a minibatch at a time.
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            Xb, yb = X[idx], y[idx]

            # 3. Forward pass, keeping each layer's input A and pre-activation Z for the backward pass.
            inputs, pre_activations = [], []
            A = Xb
            for i, (W, b) in enumerate(params):
                Z = dense_forward(A, W, b)
                inputs.append(A)
                pre_activations.append(Z)
                A = relu(Z) if i < len(params) - 1 else Z  # the last layer outputs logits

            # 4. Gradient of the mean cross-entropy with respect to the logits.
            dZ = cross_entropy_grad(A, yb)

            # 5. Backward pass, last layer first: dense_backward gives the weight gradients and the
            #    gradient for the layer below, which relu_backward gates by where that layer was active.
            grads = [None] * len(params)
            for i in reversed(range(len(params))):
                dA, dW, db = dense_backward(dZ, inputs[i], params[i][0])
                grads[i] = (dW, db)
                if i > 0:
                    dZ = relu_backward(dA, pre_activations[i - 1])

            # 6. One gradient-descent step on every weight and bias.
            params = sgd_step(params, grads, lr)
    return params


def lr_range_test(
    net, X, y, *, rng, lr_min=1e-5, lr_max=10.0, steps=200, batch_size=32, smoothing=0.9, stop_factor=4.0
):
    """The learning-rate range test: SGD steps at geometrically growing rates, with the loss at each rate.

    Step i (i = 0 .. steps-1) uses lr_i = lr_min * (lr_max / lr_min) ** (i / (steps - 1)) on a minibatch of
    `batch_size` samples (a new random order, drawn with `rng`, each time the data run out). The recorded loss is
    an exponential moving average of the minibatch cross-entropy (weight `smoothing` on the past, with the bias
    correction 1 - smoothing**(i + 1)), because single minibatch losses are noisy. The test stops early once the
    smoothed loss exceeds `stop_factor` times its lowest value, or is no longer finite: the rate has blown up.
    The network's parameters are restored afterwards: the test changes nothing.

    net: a Network with k outputs; X: `(n, d)`; y: `(n,)` integer labels in [0, k); rng: numpy.random.Generator;
    lr_min < lr_max: positive rates; steps: int >= 2; batch_size: int >= 1; smoothing: in [0, 1);
    stop_factor: > 1.
    Returns: (lrs, losses), two float64 arrays `(m,)` with m <= steps: the rate of each step taken and the
             smoothed loss measured on that step's minibatch (before the step's update).
    Raises: TypeError/ValueError for bad arguments, e.g. lr_min >= lr_max.
    """
    func = "lr_range_test"
    X = _network_inputs(net, X, func)
    y = check_labels(y, func, net.d_out, name="y", n=X.shape[0])
    rng = check_rng(rng, func)
    lr_min = check_positive(lr_min, func, "lr_min")
    lr_max = check_positive(lr_max, func, "lr_max")
    if lr_min >= lr_max:
        raise ValueError(f"{func}: lr_min must be below lr_max, got lr_min={lr_min} and lr_max={lr_max}")
    steps = check_int(steps, func, "steps", minimum=2)
    batch_size = check_int(batch_size, func, "batch_size", minimum=1)
    smoothing = check_nonnegative(smoothing, func, "smoothing")
    if smoothing >= 1:
        raise ValueError(f"{func}: smoothing must be in [0, 1), got {smoothing}")
    stop_factor = check_positive(stop_factor, func, "stop_factor")
    if stop_factor <= 1:
        raise ValueError(f"{func}: stop_factor must be above 1, got {stop_factor}")

    saved = [p.copy() for p in net.params()]
    all_lrs = lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))
    n = X.shape[0]
    rows = np.arange(batch_size)
    order, position = rng.permutation(n), 0
    lrs, losses = [], []
    average, best = 0.0, math.inf
    try:
        with np.errstate(all="ignore"):
            for i, lr in enumerate(all_lrs):
                if position >= n:
                    order, position = rng.permutation(n), 0
                idx = order[position : position + batch_size]
                position += batch_size
                loss_sum, _, dlogits = _loss_and_grad(net._forward(X[idx]), y[idx], rows[: idx.shape[0]])
                average = smoothing * average + (1 - smoothing) * loss_sum / idx.shape[0]
                smoothed = average / (1 - smoothing ** (i + 1))
                if not math.isfinite(smoothed):
                    break
                lrs.append(float(lr))
                losses.append(smoothed)
                best = min(best, smoothed)
                if smoothed > stop_factor * best:
                    break
                net._backward(dlogits, need_dX=False)
                net._set_params([p - lr * g for p, g in zip(net.params(), net.grads())])
    finally:
        net._set_params(saved)
    return np.array(lrs, dtype=np.float64), np.array(losses, dtype=np.float64)
