"""Pictures for lesson 04 (depth): folded lines, shallow fits, top-activating inputs, feature recipes.

Every function draws on a new pyplot-free `matplotlib.figure.Figure` (see `nnlib.views.plot`) and returns it;
nothing here trains or computes what the lesson teaches: the notebook computes, these functions only draw.
The figures follow the course's accessibility rules (`nnlib.views.plot.accessibility_problems`): titles and
axis labels everywhere, colour maps readable in greyscale, line styles that differ as well as colours.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from .plot import image_grid  # noqa: F401 - importing nnlib.views.plot also registers the notebook display

__all__ = [
    "plot_tent_network",
    "plot_sawtooths",
    "plot_units_needed",
    "plot_deep_vs_shallow_fit",
    "plot_top_inputs",
    "plot_unit_recipe",
    "plot_class_profiles",
    "plot_bigram_units",
    "sawtooth_explorer",
]

_LINE_STYLES = ("-", "--", ":", "-.")


def _line_colors(n: int) -> np.ndarray:
    return colormaps["viridis"](np.linspace(0.0, 0.8, max(n, 1)))


def plot_tent_network(x, hidden, output, title="A 2-unit ReLU layer computes the tent map") -> Figure:
    """Left: each hidden unit's output against x; right: the network's output against x.

    x: `(n,)`; hidden: `(n, units)` the hidden layer's activations; output: `(n,)` the readout.
    """
    x = np.asarray(x, dtype=np.float64)
    hidden = np.asarray(hidden, dtype=np.float64)
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")  # at most 9 in: a laptop's notebook shows it whole
    left, right = fig.subplots(1, 2)
    colors = _line_colors(hidden.shape[1])
    for j in range(hidden.shape[1]):
        left.plot(
            x, hidden[:, j], color=colors[j], linestyle=_LINE_STYLES[j % 4], linewidth=2, label=f"hidden unit {j + 1}"
        )
    left.set_title("Hidden units: relu(w x + b), one kink each")
    left.set_xlabel("input x")
    left.set_ylabel("unit output")
    left.legend(loc="best")
    right.plot(x, output, color="black", linewidth=2, label="readout")
    right.set_title("Readout: weighted sum of the hidden units")
    right.set_xlabel("input x")
    right.set_ylabel("network output")
    right.legend(loc="best")
    fig.suptitle(title)
    return fig


def plot_sawtooths(x, curves, ks, pieces=None) -> Figure:
    """One small panel per k showing the tent map composed k times.

    x: `(n,)`; curves: list of `(n,)` arrays, one per k; ks: the k of each curve;
    pieces: optional list of piece counts shown in the titles.
    """
    n = len(curves)
    ncols = min(n, 3)  # at most three panels a row: six in a row were shrunk to 59 % on a laptop's screen
    nrows = -(-n // ncols)
    fig = Figure(figsize=(2.9 * ncols, 2.3 * nrows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    for i, (ax, y, k) in enumerate(zip(axes, curves, ks)):
        ax.plot(x, y, color=_line_colors(n)[i], linewidth=1.6)
        extra = f": {pieces[i]} pieces" if pieces is not None else ""
        ax.set_title(f"k = {k}{extra}")
        ax.set_xlabel("input x")
        ax.set_ylabel("output")
    fig.suptitle("Composing the tent map k times: every layer folds the line once more")
    return fig


def plot_units_needed(units, errors, ks) -> Figure:
    """Fitting error of a one-hidden-layer network against its number of hidden units, one line per k.

    units: `(m,)` numbers of hidden units; errors: `(len(ks), m)` root-mean-square errors;
    ks: the depths k of the sawtooths that were fitted. A dotted vertical line marks 2**k units.
    """
    units = np.asarray(units, dtype=np.float64)
    errors = np.asarray(errors, dtype=np.float64)
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    colors = _line_colors(len(ks))
    for i, k in enumerate(ks):
        ax.plot(
            units,
            errors[i],
            color=colors[i],
            linestyle=_LINE_STYLES[i % 4],
            marker="os^D"[i % 4],
            label=f"sawtooth k = {k} ({2**k} pieces)",
        )
        ax.axvline(2**k, color=colors[i], linestyle=":", linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_title("One hidden layer: error only falls once units reach about 2^k (dotted lines)")
    ax.set_xlabel("hidden units of the one-hidden-layer network (log scale)")
    ax.set_ylabel("root-mean-square error (log scale)")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def plot_deep_vs_shallow_fit(x, target, deep, shallow, k, n_units) -> Figure:
    """The sawtooth (computed exactly by the deep network) and the best one-hidden-layer fit with as many units.

    x, target, deep, shallow: `(n,)`; k: number of compositions; n_units: units of both networks.
    """
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")  # at most 9 in: a laptop's notebook shows it whole
    ax = fig.subplots()
    ax.plot(x, target, color="0.6", linewidth=5, label="target: sawtooth")
    ax.plot(x, deep, color="black", linewidth=1.5, label=f"deep: {k} layers of 2 units ({n_units} units)")
    ax.plot(
        x,
        shallow,
        color=colormaps["viridis"](0.45),
        linestyle="--",
        linewidth=2,
        label=f"shallow: 1 layer of {n_units} units, best fit",
    )
    ax.set_title(f"Same number of units ({n_units}), different arrangement (k = {k})")
    ax.set_xlabel("input x")
    ax.set_ylabel("output")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig


def plot_top_inputs(
    images, rows, row_labels, labels=None, title="Inputs that activate each unit the most", shape=(8, 8)
) -> Figure:
    """A grid of images: row r shows images[rows[r]] (most activating first), labelled row_labels[r].

    images: `(n, h*w)` with values in [0, 1]; rows: list of index arrays of equal length k; row_labels: one str
    per row; labels: optional `(n,)` class labels printed beside each image.
    The grid is drawn as one mosaic image (one imshow), which is much faster than one axes per image.
    """
    images = np.asarray(images, dtype=np.float64)
    h, w = shape
    k, n_rows, gap = len(rows[0]), len(rows), 2
    mosaic = np.full((n_rows * (h + gap) - gap, k * (w + gap) - gap), np.nan)
    for r, idx in enumerate(rows):
        for c, i in enumerate(idx):
            mosaic[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = images[i].reshape(shape)
    # at most 5.6 inches tall (560 pixels): the rows are compared top to bottom, so the grid must fit a
    # laptop's screen whole
    size = min(0.85, (5.6 - 0.9) / n_rows, (8.8 - 1.8) / k)
    fig = Figure(figsize=(size * k + 1.8, size * n_rows + 0.9), layout="constrained")
    ax = fig.subplots()
    cmap = colormaps["gray_r"].with_extremes(bad="white")
    ax.imshow(mosaic, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_yticks([r * (h + gap) + (h - 1) / 2 for r in range(n_rows)])
    ax.set_yticklabels(row_labels, fontsize=8)
    ax.set_xticks([c * (w + gap) + (w - 1) / 2 for c in range(k)])
    ax.set_xticklabels([f"#{c + 1}" for c in range(k)], fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if labels is not None:
        for r, idx in enumerate(rows):
            for c, i in enumerate(idx):
                ax.text(
                    c * (w + gap) + w - 0.4,
                    r * (h + gap) - 0.4,
                    str(labels[i]),
                    fontsize=8,
                    ha="left",
                    va="top",
                    color="black",
                )
    ax.set_title(title)
    ax.set_xlabel(
        "rank of the input (1 = largest activation)" + ("; its label at the top right" if labels is not None else "")
    )
    ax.set_ylabel("unit")
    return fig


def plot_unit_recipe(filters, weights, filter_labels, top_images, unit_label, top_labels=None, shape=(8, 8)) -> Figure:
    """How a deeper unit is built: its strongest incoming first-layer units (weights), and what excites it.

    filters: `(m, h*w)` first-layer weight images of the m strongest incoming units; weights: `(m,)` the
    connection weights; filter_labels: one str per filter; top_images: `(k, h*w)` the deeper unit's
    top-activating inputs; unit_label: name of the deeper unit; top_labels: optional class labels.
    """
    filters = np.asarray(filters, dtype=np.float64)
    top_images = np.asarray(top_images, dtype=np.float64)
    m, k = len(filters), len(top_images)
    cols = max(m, k)
    fig = Figure(figsize=(min(1.25 * cols + 1.5, 9.0), 3.4), layout="constrained")
    axes = fig.subplots(2, cols, squeeze=False)
    limit = float(np.max(np.abs(filters))) or 1.0
    im = None
    for ax in axes.ravel():
        ax.set_axis_off()  # images only; the figure's suptitle and the row labels say what they are
    for c in range(cols):
        if c < m:
            im = axes[0, c].imshow(
                filters[c].reshape(shape), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
            )
            axes[0, c].set_title(f"{filter_labels[c]}\nweight {weights[c]:+.2f}", fontsize=8)
        else:
            axes[0, c].set_visible(False)
        if c < k:
            axes[1, c].imshow(top_images[c].reshape(shape), cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
            label = f": {top_labels[c]}" if top_labels is not None else ""
            axes[1, c].set_title(f"#{c + 1}{label}", fontsize=8)
        else:
            axes[1, c].set_visible(False)
    for r, text in enumerate(("strongest\ninputs from\nlayer 1", f"top inputs\nof {unit_label}")):
        axes[r, 0].text(-0.12, 0.5, text, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=9)
    fig.colorbar(im, ax=list(axes[0]), shrink=0.8, label="layer-1 weight (0 is white)")
    fig.suptitle(f"{unit_label}: a weighted combination of first-layer detectors")
    return fig


def plot_class_profiles(profiles, row_labels, title="Mean activation per digit class") -> Figure:
    """A heat map: row r is a unit's mean activation for each class 0..9, scaled to its own maximum.

    profiles: `(units, classes)`; row_labels: one str per unit.
    """
    profiles = np.asarray(profiles, dtype=np.float64)
    scaled = profiles / np.maximum(profiles.max(axis=1, keepdims=True), 1e-12)
    fig = Figure(figsize=(6.5, 0.38 * len(profiles) + 1.4), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(scaled, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(profiles.shape[1]))
    ax.set_yticks(np.arange(len(profiles)))
    ax.set_yticklabels(row_labels, fontsize=8)
    ax.set_title(title)
    ax.set_xlabel("digit class of the input")
    ax.set_ylabel("unit")
    fig.colorbar(im, ax=ax, label="mean activation / unit's largest")
    return fig


def plot_bigram_units(grids, alphabet, unit_labels) -> Figure:
    """For each unit a heat map of its first-layer activation for every pair (first char, second char).

    grids: list of `(V, V)` arrays, grid[a, b] = activation for the pair alphabet[a] + alphabet[b];
    alphabet: str of V characters; unit_labels: one str per grid.
    """
    n = len(grids)
    names = ["␣" if c == " " else c for c in alphabet]
    side = min(5.2, 9.0 / n)  # at most 9 in wide in all: a laptop's notebook shows it unshrunk
    fig = Figure(figsize=(side * n, side), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n))
    for ax, grid, label in zip(axes, grids, unit_labels):
        im = ax.imshow(np.asarray(grid, dtype=np.float64), cmap="viridis", interpolation="nearest")
        ax.set_xticks(np.arange(len(names)))
        ax.set_xticklabels(names, fontsize=7)
        ax.set_yticks(np.arange(len(names)))
        ax.set_yticklabels(names, fontsize=7)
        ax.set_title(label)
        ax.set_xlabel("second character")
        ax.set_ylabel("first character")
        fig.colorbar(im, ax=ax, shrink=0.7, label="activation")
    fig.suptitle("First-layer units of the character model: activation for every character pair (␣ = space)")
    return fig


def sawtooth_explorer(shallow_fit: Callable, target: Callable, k: int = 3, n_units: int = 8):
    """Sliders for k (compositions) and n_units (width of a one-hidden-layer network) over the sawtooth.

    shallow_fit(x, y, n_units) -> fitted values `(n,)` of a one-hidden-layer network with n_units units;
    target(x, k) -> the sawtooth `(n,)`. Returns an nnlib.views.widgets Explorer (display it as a cell's value);
    its `.error` is the last root-mean-square error.
    """
    import ipywidgets as widgets  # imported here: the rest of this module does not need ipywidgets

    from .widgets import Explorer

    class SawtoothExplorer(Explorer):
        def __init__(self):
            controls = {
                "k": widgets.IntSlider(value=k, min=1, max=6, description="compositions k"),
                "n_units": widgets.IntSlider(value=n_units, min=1, max=128, description="shallow units"),
            }
            self.x = np.linspace(0.0, 1.0, 513)  # 2**9 + 1: every kink up to k = 6 (64 pieces) is a sample; half the
            # points of the static figure halve the fit a move waits for, and a 630-pixel picture shows no difference
            super().__init__(controls, status=True)

        def build(self) -> Figure:
            fig = Figure(figsize=(7, 3.6))
            fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.9)
            ax = fig.subplots()
            (self._target,) = ax.plot(self.x, np.zeros_like(self.x), color="0.6", linewidth=4, label="sawtooth")
            (self._fit,) = ax.plot(
                self.x, np.zeros_like(self.x), color="black", linestyle="--", linewidth=1.5, label="shallow fit"
            )
            ax.set_ylim(-0.15, 1.5)  # room above the peaks (at 1) for the legend
            ax.set_yticks([0.0, 0.5, 1.0])
            self._title = ax.set_title("")
            ax.set_xlabel("input x")
            ax.set_ylabel("output")
            self._legend = ax.legend(loc="upper center", ncol=2, fontsize=9, framealpha=0.9)
            self.dynamic = [self._target, self._fit, self._title, self._legend]
            return fig

        def refresh(self) -> None:
            kk = int(self.controls["k"].value)
            m = int(self.controls["n_units"].value)
            y = target(self.x, kk)
            fit = shallow_fit(self.x, y, m)
            self.error = float(np.sqrt(np.mean((fit - y) ** 2)))
            summary = (
                f"deep: {kk} layers x 2 units = {2 * kk} units, exact; "
                f"shallow: {m} units, RMS error {self.error:.3f} "
                f"(a sawtooth with {2**kk} pieces needs about {2**kk - 1} kinks)"
            )
            if self.status is not None:
                self.status.value = summary
            self.alt = f"The sawtooth with k = {kk} and a shallow network's fit: {summary}."
            self._target.set_ydata(y)
            self._fit.set_ydata(fit)
            for text, label in zip(self._legend.get_texts(), (f"sawtooth, k = {kk}", f"shallow fit, {m} units")):
                text.set_text(label)
            self._target.set_label(f"sawtooth, k = {kk}")
            self._fit.set_label(f"shallow fit, {m} units")
            self._title.set_text(f"One hidden layer of {m} units against {2**kk} linear pieces")

    return SawtoothExplorer()
