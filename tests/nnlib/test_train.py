"""Training: fit on a Network, the lesson-05 train function, divergence detection."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import relu
from nnlib.data import load_digits, make_moons, train_test_split
from nnlib.layers import mlp_forward
from nnlib.network import Network
from nnlib.optim import Adam
from nnlib.train import History, TrainingDiverged, fit, lr_range_test, train


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits()
    return train_test_split(X, y, 0.2, np.random.default_rng(3))


@pytest.mark.slow
def test_fit_reaches_97_percent_on_digits(digits_split):
    # Seeds 0-5 of this setup give 97.2-98.3 % test accuracy; seed 3 is fixed here.
    X_tr, X_te, y_tr, y_te = digits_split
    rng = np.random.default_rng(3)
    net = Network.mlp([64, 128, 64, 10], rng)
    history = fit(net, X_tr, y_tr, epochs=40, lr=0.1, rng=rng, X_val=X_te, y_val=y_te, progress=False)
    accuracy = np.mean(net.predict(X_te) == y_te)
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f} < 0.97"
    assert history.val_accuracy[-1] == pytest.approx(accuracy)
    assert history.loss[-1] < history.loss[0] / 5


def test_fit_history_has_one_entry_per_epoch(rng):
    X, y = make_moons(64, rng)
    history = fit(Network.mlp([2, 8, 2], rng), X, y, epochs=3, rng=rng, X_val=X, y_val=y, progress=False)
    assert isinstance(history, History)
    for name in ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"):
        assert len(getattr(history, name)) == 3, name


def test_fit_is_reproducible_from_the_generator():
    X, y = make_moons(64, np.random.default_rng(0))
    results = []
    for _ in range(2):
        rng = np.random.default_rng(1)
        net = Network.mlp([2, 8, 2], rng)
        fit(net, X, y, epochs=2, rng=rng, progress=False)
        results.append(net.params())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_fit_leaves_the_data_unchanged(rng):
    X, y = make_moons(40, rng)
    X0, y0 = X.copy(), y.copy()
    fit(Network.mlp([2, 4, 2], rng), X, y, epochs=1, rng=rng, progress=False)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_fit_works_with_adam(rng):
    X, y = make_moons(200, rng, noise=0.05)
    net = Network.mlp([2, 16, 2], rng)
    history = fit(net, X, y, epochs=30, optimizer=Adam(lr=0.01), rng=rng, progress=False)
    assert history.accuracy[-1] > 0.95


def test_fit_with_a_huge_learning_rate_raises_training_diverged_naming_the_epoch(digits_split):
    X_tr, _, y_tr, _ = digits_split
    rng = np.random.default_rng(0)
    with pytest.raises(
        TrainingDiverged,
        match=r"^fit: the loss became (nan|inf) at epoch \d+ \(lr=1e\+50\); "
        r"try a smaller learning rate$",
    ):
        fit(Network.mlp([64, 128, 64, 10], rng), X_tr, y_tr, epochs=5, lr=1e50, rng=rng, progress=False)
    assert issubclass(TrainingDiverged, FloatingPointError)


def test_fit_rejects_labels_out_of_range(rng):
    with pytest.raises(ValueError, match=r"fit: y must be integers in \[0, 2\) but got 5"):
        fit(Network.mlp([2, 2], rng), np.zeros((2, 2)), np.array([0, 5]), epochs=1, rng=rng, progress=False)


def test_fit_rejects_both_lr_and_optimizer(rng):
    with pytest.raises(ValueError, match="fit: give either lr"):
        fit(
            Network.mlp([2, 2], rng),
            np.zeros((2, 2)),
            np.array([0, 1]),
            epochs=1,
            lr=0.1,
            optimizer=Adam(),
            rng=rng,
            progress=False,
        )


def test_fit_rejects_a_non_positive_learning_rate(rng):
    with pytest.raises(ValueError, match="fit: lr must be > 0, got 0"):
        fit(Network.mlp([2, 2], rng), np.zeros((2, 2)), np.array([0, 1]), epochs=1, lr=0, rng=rng, progress=False)


def test_fit_rejects_data_with_the_wrong_number_of_features(rng):
    with pytest.raises(ValueError, match="fit: X has 3 features but the network expects 2"):
        fit(Network.mlp([2, 2], rng), np.zeros((2, 3)), np.array([0, 1]), epochs=1, rng=rng, progress=False)


@pytest.mark.slow
def test_train_reaches_95_percent_on_digits(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    params = train(X_tr, y_tr, [64], np.random.default_rng(0))
    assert [W.shape for W, _ in params] == [(64, 64), (64, 10)]
    accuracy = np.mean(np.argmax(mlp_forward(X_te, params, relu), axis=1) == y_te)
    assert accuracy >= 0.95, f"test accuracy {accuracy:.4f} < 0.95"


def test_train_rejects_a_non_positive_learning_rate(rng):
    with pytest.raises(ValueError, match="train: lr must be > 0, got -1"):
        train(np.zeros((2, 2)), np.array([0, 1]), [3], rng, lr=-1)


# ---- weight decay and early stopping ---------------------------------------------------------------------
def _small_problem(seed=0):
    X, y = make_moons(60, np.random.default_rng(seed), noise=0.3)
    Xv, yv = make_moons(200, np.random.default_rng(seed + 100), noise=0.3)
    return X, y, Xv, yv


def test_weight_decay_adds_lambda_w_to_the_weight_gradients_only(rng):
    X, y, _, _ = _small_problem()
    net_a, net_b = Network.mlp([2, 5, 2], np.random.default_rng(1)), Network.mlp([2, 5, 2], np.random.default_rng(1))
    before = [p.copy() for p in net_a.params()]
    fit(
        net_a, X, y, epochs=1, batch_size=len(X), lr=0.1, rng=np.random.default_rng(2), progress=False, weight_decay=0.5
    )
    fit(net_b, X, y, epochs=1, batch_size=len(X), lr=0.1, rng=np.random.default_rng(2), progress=False)
    # one full-batch step: the decayed run differs from the plain one by exactly -lr * lam * W for weights
    for i, (a, b, p0) in enumerate(zip(net_a.params(), net_b.params(), before)):
        expected = b - 0.1 * 0.5 * p0 if i % 2 == 0 else b
        np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-15)


def test_weight_decay_shrinks_the_weights():
    X, y, _, _ = _small_problem()
    norms = []
    for lam in (0.0, 0.05):
        net = Network.mlp([2, 64, 2], np.random.default_rng(1))
        fit(net, X, y, epochs=100, lr=0.1, rng=np.random.default_rng(2), progress=False, weight_decay=lam)
        norms.append(sum(float(np.sum(W**2)) for W in net.params()[::2]))
    assert norms[1] < 0.5 * norms[0], norms


def test_early_stopping_stops_after_patience_epochs_without_improvement_and_restores_the_best():
    X, y, Xv, yv = _small_problem()
    net = Network.mlp([2, 128, 128, 2], np.random.default_rng(1))
    history = fit(
        net, X, y, epochs=300, lr=0.2, rng=np.random.default_rng(2), X_val=Xv, y_val=yv, progress=False, patience=10
    )
    assert history.stopped_epoch is not None and history.stopped_epoch < 300
    assert len(history.val_loss) == history.stopped_epoch
    assert history.stopped_epoch - history.best_epoch == 10
    best = history.val_loss[history.best_epoch - 1]
    assert best == min(history.val_loss)
    from nnlib.losses import cross_entropy

    assert cross_entropy(net.forward(Xv), yv) == pytest.approx(best, rel=1e-9)


def test_early_stopping_without_restore_keeps_the_last_weights():
    X, y, Xv, yv = _small_problem()
    net = Network.mlp([2, 128, 128, 2], np.random.default_rng(1))
    history = fit(
        net,
        X,
        y,
        epochs=300,
        lr=0.2,
        rng=np.random.default_rng(2),
        X_val=Xv,
        y_val=yv,
        progress=False,
        patience=10,
        restore_best=False,
    )
    from nnlib.losses import cross_entropy

    assert cross_entropy(net.forward(Xv), yv) == pytest.approx(history.val_loss[-1], rel=1e-9)


def test_best_epoch_is_recorded_without_early_stopping(rng):
    X, y, Xv, yv = _small_problem()
    history = fit(Network.mlp([2, 8, 2], rng), X, y, epochs=5, rng=rng, X_val=Xv, y_val=yv, progress=False)
    assert history.stopped_epoch is None
    assert history.val_loss[history.best_epoch - 1] == min(history.val_loss)


def test_fit_rejects_early_stopping_without_validation_data(rng):
    with pytest.raises(ValueError, match=r"fit: early stopping \(patience=3\) needs validation data"):
        fit(Network.mlp([2, 2], rng), np.zeros((2, 2)), np.array([0, 1]), epochs=1, rng=rng, progress=False, patience=3)


def test_fit_rejects_a_negative_weight_decay(rng):
    with pytest.raises(ValueError, match="fit: weight_decay must be >= 0, got -0.1"):
        fit(
            Network.mlp([2, 2], rng),
            np.zeros((2, 2)),
            np.array([0, 1]),
            epochs=1,
            rng=rng,
            progress=False,
            weight_decay=-0.1,
        )


# ---- lr_range_test ----------------------------------------------------------------------------------------------


def test_lr_range_test_grows_the_rate_geometrically_and_leaves_the_network_unchanged(rng):
    X, y = make_moons(200, rng)
    net = Network.mlp([2, 16, 2], rng)
    before = [p.copy() for p in net.params()]
    lrs, losses = lr_range_test(net, X, y, rng=rng, lr_min=1e-3, lr_max=1e-1, steps=50)
    assert lrs.dtype == np.float64 and losses.dtype == np.float64 and lrs.shape == losses.shape
    assert lrs[0] == pytest.approx(1e-3)
    ratios = lrs[1:] / lrs[:-1]
    np.testing.assert_allclose(ratios, (1e-1 / 1e-3) ** (1 / 49), rtol=1e-12)  # the same factor every step
    assert len(lrs) == 50, "a range that never reaches a blow-up runs all its steps"
    assert np.isfinite(losses).all()
    for old, new in zip(before, net.params()):
        np.testing.assert_array_equal(old, new)


def test_lr_range_test_loss_falls_then_stops_once_it_blows_up(rng):
    X, y = make_moons(200, rng, noise=0.1)
    lrs, losses = lr_range_test(Network.mlp([2, 16, 2], rng), X, y, rng=rng, lr_min=1e-4, lr_max=1e4, steps=300)
    assert losses.min() < 0.7 * losses[0], f"the loss never fell: first {losses[0]:.3f}, lowest {losses.min():.3f}"
    assert len(lrs) < 300, "a rate of 1e4 must blow up before the last step"
    assert np.argmin(losses) < len(losses) - 1 and lrs[np.argmin(losses)] < lrs[-1]


def test_lr_range_test_is_reproducible_from_its_rng():
    X, y = make_moons(100, np.random.default_rng(0))
    runs = [
        lr_range_test(Network.mlp([2, 8, 2], np.random.default_rng(1)), X, y, rng=np.random.default_rng(2), steps=40)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr_min": 1.0, "lr_max": 0.1}, "lr_min must be below lr_max"),
        ({"steps": 1}, "steps"),
        ({"smoothing": 1.0}, "smoothing must be in"),
        ({"stop_factor": 1.0}, "stop_factor must be above 1"),
    ],
)
def test_lr_range_test_rejects_bad_arguments_by_name(rng, kwargs, message):
    X, y = make_moons(20, rng)
    with pytest.raises(ValueError, match=f"lr_range_test: .*{message}"):
        lr_range_test(Network.mlp([2, 4, 2], rng), X, y, rng=rng, **kwargs)
