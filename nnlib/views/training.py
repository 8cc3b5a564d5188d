"""Pictures for lesson 05 (the training loop): finite-difference errors, learning-rate sweeps, live loss curves,
optimiser paths on a loss surface, training against validation curves, and gradient sizes per layer.

The lesson computes every number in plain sight; these functions only draw them. Like `nnlib.views.plot`, each
returns a pyplot-free `matplotlib.figure.Figure` (it shows when it is a cell's last expression) and keeps the
course's accessibility rules: titles and axis labels on every axes, colours from viridis, and series that
differ by marker and line style as well as by colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nnlib.views import plot as _plot  # noqa: F401 - importing it lets IPython show pyplot-free Figures as PNG

__all__ = [
    "plot_step_size_errors",
    "plot_lr_sweep",
    "LiveLossCurve",
    "plot_optimizer_paths",
    "plot_train_val_curves",
    "plot_gradient_norms",
]

_MARKERS = ("o", "s", "^", "D", "v")
_STYLES = ("-", "--", "-.", ":", (0, (5, 1)))


def _colors(n: int) -> np.ndarray:
    """n colours from viridis, dark to light, skipping the palest yellow (hard to see on white)."""
    return colormaps["viridis"](np.linspace(0.0, 0.8, max(n, 1)))


def _positive(values) -> np.ndarray:
    """float64 copy with non-positive entries replaced by NaN (they cannot be drawn on a log axis)."""
    a = np.asarray(values, dtype=np.float64).copy()
    a[~(a > 0)] = np.nan
    return a


def plot_step_size_errors(
    eps,
    errors: Mapping[str, Sequence[float]],
    *,
    slopes: Sequence[float] | None = None,
    title: str = "Error of a finite-difference derivative against the step size",
) -> Figure:
    """Log-log plot of derivative errors against the step size eps, one line per method.

    eps: `(m,)` step sizes; errors: label -> `(m,)` absolute errors (zeros are left out: log scale).
    slopes: optional, one per series: draws a dotted guide proportional to eps**slope through that series'
      value at the largest eps, over the larger half of the step sizes, to read off each method's order
      (1 for forward differences, 2 for central ones).
    Returns the Figure. Raises ValueError when a series' length differs from eps, or slopes' from errors.
    """
    eps = np.asarray(eps, dtype=np.float64).ravel()
    if slopes is not None and len(slopes) != len(errors):
        raise ValueError(f"plot_step_size_errors: got {len(slopes)} slopes for {len(errors)} series")
    fig = Figure(figsize=(7, 4.6), layout="constrained")
    ax = fig.subplots()
    colors = _colors(len(errors))
    shown = []
    for i, (label, err) in enumerate(errors.items()):
        err = _positive(err).ravel()
        if err.shape != eps.shape:
            raise ValueError(f"plot_step_size_errors: {label!r} has {err.size} errors for {eps.size} step sizes")
        ax.loglog(
            eps,
            err,
            marker=_MARKERS[i % len(_MARKERS)],
            linestyle=_STYLES[i % len(_STYLES)],
            color=colors[i],
            markersize=4,
            label=label,
        )
        shown.append(err)
        if slopes is not None:
            k = int(np.nanargmax(eps))
            part = eps >= np.sqrt(eps.min() * eps.max())
            # a parallel guide, a factor 10 below the series so that both stay visible
            ax.loglog(
                eps[part],
                err[k] / 10 * (eps[part] / eps[k]) ** slopes[i],
                linestyle=":",
                color="0.35",
                linewidth=1.2,
                label=f"guide of slope {slopes[i]:g}: error ~ eps^{slopes[i]:g}",
            )
    values = np.concatenate(shown) if shown else np.array([1.0])
    lo, hi = np.nanmin(values), np.nanmax(values)
    ax.set_ylim(lo / 5, hi * 5)
    ax.set_title(title)
    ax.set_xlabel("step size eps (log scale)")
    ax.set_ylabel("|numerical - exact| (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def plot_lr_sweep(
    lrs,
    final_loss,
    final_accuracy,
    *,
    initial_loss: float | None = None,
    curves: Mapping[str, Sequence[float]] | None = None,
    cap: float = 1e3,
    title: str = "Training the same network with different learning rates",
    accuracy_label: str = "validation accuracy",
) -> Figure:
    """Final training loss and accuracy against the learning rate, and optionally a few loss curves.

    lrs: `(m,)` learning rates; final_loss, final_accuracy: `(m,)`, NaN for a run that diverged (an x drawn
      at the top of the loss panel and at 0 in the accuracy panel);
    initial_loss: the loss before training (a dashed line: above it, training made things worse);
    curves: label -> loss per epoch for a few chosen runs (a third panel);
    cap: losses above it (and inf) are drawn at the cap, as triangles in the first panel, so that the panels
      keep a readable scale; loss axes are logarithmic;
    accuracy_label: what the accuracies were measured on, for the second panel ("validation accuracy").
    Returns the Figure. Raises ValueError when the three arrays differ in length.
    """
    lrs = np.asarray(lrs, dtype=np.float64).ravel()
    loss = np.asarray(final_loss, dtype=np.float64).ravel()
    acc = np.asarray(final_accuracy, dtype=np.float64).ravel()
    if not lrs.shape == loss.shape == acc.shape:
        raise ValueError(f"plot_lr_sweep: got {lrs.size} learning rates, {loss.size} losses, {acc.size} accuracies")
    diverged = ~np.isfinite(loss)
    exploded = ~diverged & (loss > cap)
    ok = ~diverged & ~exploded
    n_panels = 3 if curves else 2
    # at most 9 inches wide: a laptop's notebook shrinks anything wider, and its text with it
    fig = Figure(figsize=(min(5 * n_panels, 9.0), 4.0), layout="constrained")
    axes = fig.subplots(1, n_panels)
    dark, red = _colors(3)[0], "#b2182b"
    low = np.nanmin(loss[ok]) / 3 if ok.any() else 1e-3

    ax = axes[0]
    ax.loglog(lrs[ok], loss[ok], marker="o", color=dark, label="final training loss")
    if initial_loss is not None:
        ax.axhline(initial_loss, color="0.45", linestyle="--", label=f"loss before training ({initial_loss:.2f})")
    if exploded.any():
        ax.plot(
            lrs[exploded],
            np.full(exploded.sum(), cap),
            linestyle="none",
            marker="^",
            markersize=10,
            color=red,
            label=f"exploded (loss > {cap:g})",
        )
    if diverged.any():
        ax.plot(
            lrs[diverged],
            np.full(diverged.sum(), cap),
            linestyle="none",
            marker="x",
            markersize=10,
            color=red,
            label="diverged (overflow: inf or nan)",
        )
    ax.set_ylim(low, cap * 3)
    ax.set_title("Final training loss")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("cross-entropy (log scale)")
    ax.legend(loc="upper left", fontsize=8)

    ax = axes[1]
    shown = np.where(diverged, 0.0, acc)
    ax.semilogx(lrs, shown, marker="s", color=dark, label=f"final {accuracy_label}")
    if diverged.any():
        ax.plot(
            lrs[diverged],
            shown[diverged],
            linestyle="none",
            marker="x",
            markersize=10,
            color=red,
            label="diverged: no network left",
        )
    ax.axhline(0.1, color="0.45", linestyle=":", label="guessing (10 classes)")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(f"Final {accuracy_label}")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("accuracy")
    ax.legend(loc="center left", fontsize=8)

    if curves:
        ax = axes[2]
        colors = _colors(len(curves))
        for i, (label, values) in enumerate(curves.items()):
            v = np.asarray(values, dtype=np.float64).ravel()
            v = np.where(np.isnan(v), np.nan, v)
            if np.any(v > cap):  # keep the scale readable: draw what is above the cap at the cap
                label = f"{label} (above {cap:g}: drawn at the top)"
                v = np.minimum(v, cap)
            ax.semilogy(
                np.arange(1, v.size + 1),
                _positive(v),
                marker=_MARKERS[i % len(_MARKERS)],
                linestyle=_STYLES[i % len(_STYLES)],
                color=colors[i],
                markersize=4,
                label=label,
            )
        if initial_loss is not None:
            ax.axhline(initial_loss, color="0.45", linestyle="--", label="loss before training")
        ax.set_ylim(low, cap * 3)
        ax.set_title(f"Loss per epoch for {len(curves)} learning rates")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("training loss (log scale)")
        ax.legend(loc="lower left", fontsize=8)
    fig.suptitle(title)
    return fig


class LiveLossCurve:
    """A loss-per-epoch plot that redraws itself in place while a network trains.

    live = LiveLossCurve(epochs, title=...) shows an empty plot; live.add(loss, val_loss=None) appends one
    epoch and redraws (every `every` epochs, and always at the last one); live.figure is the current Figure;
    live.loss and live.val_loss are the values so far. Outside IPython nothing is displayed.
    """

    def __init__(self, epochs: int, *, title: str = "Loss while training", every: int = 1):
        self.epochs = int(epochs)
        self.title = title
        self.every = max(1, int(every))
        self.loss: list[float] = []
        self.val_loss: list[float] = []
        self.figure = self._draw()
        self._handle = None
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython comes with the course's requirements
            return
        if get_ipython() is not None:
            self._handle = display(self.figure, display_id=True)

    def add(self, loss: float, val_loss: float | None = None) -> None:
        """Record one epoch's training (and optionally validation) loss, and redraw when it is time."""
        self.loss.append(float(loss))
        if val_loss is not None:
            self.val_loss.append(float(val_loss))
        if len(self.loss) % self.every == 0 or len(self.loss) >= self.epochs:
            self.figure = self._draw()
            if self._handle is not None:
                self._handle.update(self.figure)

    def _draw(self) -> Figure:
        fig = Figure(figsize=(6.5, 3.8), layout="constrained")
        ax = fig.subplots()
        colors = _colors(2)
        epochs = np.arange(1, len(self.loss) + 1)
        if self.loss:
            ax.plot(epochs, self.loss, marker="o", markersize=3, color=colors[0], label="training loss")
        if self.val_loss:
            ax.plot(
                np.arange(1, len(self.val_loss) + 1),
                self.val_loss,
                marker="s",
                markersize=3,
                linestyle="--",
                color=colors[1],
                label="validation loss",
            )
        ax.set_xlim(0.5, self.epochs + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{self.title} (epoch {len(self.loss)} of {self.epochs})")
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy")
        if self.loss:
            ax.set_ylim(0.0, max(max(self.loss), max(self.val_loss, default=0.0)) * 1.05)
            ax.legend(loc="upper right")
        return fig


def plot_optimizer_paths(
    loss_fn,
    paths: Mapping[str, Sequence],
    *,
    xlim=(-2.0, 2.0),
    ylim=(-1.5, 1.5),
    title: str = "Optimiser paths on a loss surface",
    resolution: int = 60,
) -> Figure:
    """One contour panel per optimiser path, side by side on the same loss surface.

    loss_fn: maps points `(m, 2)` to losses `(m,)`; paths: label -> `(k, 2)` points visited, first to last
    (each panel's title is its label); xlim, ylim: the range shown in every panel.
    Returns the Figure. Raises ValueError for an empty `paths` or a path not of shape (k, 2).
    """
    from nnlib.views.plot import plot_loss_surface

    if not paths:
        raise ValueError("plot_optimizer_paths: paths is empty")
    width = min(4.3, 8.8 / len(paths))  # at most 8.8 inches in all: a laptop's notebook shrinks anything wider
    fig = Figure(figsize=(width * len(paths), 0.85 * width + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(paths)))
    for ax, (label, path) in zip(axes, paths.items()):
        plot_loss_surface(
            loss_fn,
            np.asarray(path, dtype=np.float64),
            ax=ax,
            xlim=xlim,
            ylim=ylim,
            title=label,
            resolution=resolution,
            colorbar=False,
        )
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    fig.suptitle(title)
    return fig


def plot_train_val_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    marks: Mapping[str, int] | None = None,
    title: str = "Training and validation loss",
    ylabel: str = "cross-entropy",
    bands: Mapping[str, tuple] | None = None,
) -> Figure:
    """Loss per epoch for several series (e.g. training and validation), with optional epochs marked.

    curves: label -> values per epoch (epoch 1 first; series may differ in length);
    marks: label -> epoch (counted from 1) to mark with a vertical line, e.g. {"early stopping": 42};
    bands: label of a curve -> (low, high), two sequences as long as that curve, shaded in the curve's colour
      (e.g. the lowest and highest value over several seeds, around their mean).
    Returns the Figure.
    Raises: ValueError for a band whose label is not a curve, or whose length differs from the curve's.
    """
    bands = dict(bands or {})
    unknown = sorted(set(bands) - set(curves))
    if unknown:
        raise ValueError(
            f"plot_train_val_curves: bands given for {unknown}, which are not curves; the curves are {list(curves)}"
        )
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    colors = _colors(len(curves))
    for i, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=np.float64).ravel()
        epochs = np.arange(1, v.size + 1)
        ax.plot(epochs, v, linestyle=_STYLES[i % len(_STYLES)], color=colors[i], label=label)
        if label in bands:
            low, high = (np.asarray(b, dtype=np.float64).ravel() for b in bands[label])
            if low.size != v.size or high.size != v.size:
                raise ValueError(
                    f"plot_train_val_curves: the band of {label!r} has {low.size} and {high.size} "
                    f"values; the curve has {v.size}"
                )
            ax.fill_between(epochs, low, high, color=colors[i], alpha=0.2, linewidth=0)
    for j, (label, epoch) in enumerate((marks or {}).items()):
        ax.axvline(epoch, color="0.35", linestyle=":" if j % 2 == 0 else "-.", linewidth=1.2, label=label)
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0.0)
    ax.legend(loc="best", fontsize=8)
    return fig


def plot_gradient_norms(
    norms: Mapping[str, Sequence[float]], *, title: str = "Size of the weight gradient in each layer"
) -> Figure:
    """Log-scale plot of the gradient norm ||dW|| of each layer (layer 1 = next to the input), one line per network.

    norms: label -> `(L,)` positive norms, first layer first.
    Returns the Figure.
    """
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    colors = _colors(len(norms))
    for i, (label, values) in enumerate(norms.items()):
        v = _positive(values).ravel()
        ax.semilogy(
            np.arange(1, v.size + 1),
            v,
            marker=_MARKERS[i % len(_MARKERS)],
            linestyle=_STYLES[i % len(_STYLES)],
            color=colors[i],
            label=label,
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("||dW|| (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig
