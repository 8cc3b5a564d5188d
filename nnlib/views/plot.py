"""Pictures for the lessons: activations, decision boundaries, training curves, images, networks, losses.

Every function draws with matplotlib and returns the `matplotlib.figure.Figure` it drew on. Where it makes
sense a function accepts `ax=` (an existing Axes) and then draws there and returns that Axes' figure.

New figures are made with `matplotlib.figure.Figure`, not with pyplot, on purpose:
- they are not registered with pyplot, so nothing piles up in memory when a lesson draws many pictures,
  and nothing needs `plt.close`;
- in a notebook a figure shows exactly once: when it is the last expression of a cell (or via
  `display(fig)`), never a second time by the inline backend. Write `fig = plot_...(...)` and then `fig`.
No function here calls `plt.show()`.

Accessibility rules the course keeps (and `accessibility_problems` checks):
- every axes that shows axis lines has a title, an x label and a y label;
- an axes that is turned off but draws something (an image of a grid, a network diagram) has a title of its
  own, or the figure has a suptitle (an image grid: the suptitle, plus optional per-image titles);
- colour maps are monotone in lightness, so they read in greyscale (viridis, cividis, gray, gray_r, ...);
  a diverging map (RdBu_r, ...) is allowed only with a colour bar of the same map in the figure;
- classes differ by marker shape as well as by colour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import MaxNLocator

__all__ = [
    "plot_activation",
    "plot_decision_boundary",
    "plot_history",
    "image_grid",
    "plot_network",
    "plot_activation_stats",
    "plot_loss_surface",
    "accessibility_problems",
    "is_monotone_in_lightness",
    "CLASS_MARKERS",
    "class_colors",
]

#: Marker shapes given to classes 0, 1, 2, ... so that classes differ by shape, not only by colour.
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")

#: Diverging colour maps accepted when the figure also shows a colour bar of the same map.
DIVERGING_WITH_COLORBAR = frozenset(
    name + suffix
    for name in ("RdBu", "PuOr", "BrBG", "PRGn", "PiYG", "RdGy", "coolwarm", "bwr", "seismic")
    for suffix in ("", "_r")
)

#: Largest drop in CIE L* (0..100) between neighbouring samples of a colour map still counted as monotone.
LIGHTNESS_TOLERANCE = 0.5


# --------------------------------------------------------------------------------------------- helpers
def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Return (figure, axes): `ax` and its figure when given, else a new pyplot-free figure with one axes."""
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.subplots()
    if not isinstance(ax, Axes):
        raise TypeError(f"expected ax to be a matplotlib Axes or None, got {type(ax).__name__}")
    return _root_figure(ax), ax


def _root_figure(ax: Axes) -> Figure:
    """The top-level Figure of `ax` (not a SubFigure)."""
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10 has no `root=`; there ax.figure.figure is the root figure
        return ax.figure.figure


def class_colors(n_classes: int) -> np.ndarray:
    """`(n_classes, 4)` RGBA colours for classes 0..n_classes-1, taken from viridis (dark to light)."""
    if n_classes < 1:
        raise ValueError(f"class_colors: expected at least 1 class, got {n_classes}")
    if n_classes == 1:
        return colormaps["viridis"](np.array([0.35]))
    return colormaps["viridis"](np.linspace(0.0, 0.85, n_classes))


def _as_float_array(name: str, what: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: expected {what} as numbers, got {type(value).__name__}") from err
    return arr


def _evaluate_on_points(name: str, fn: Callable, points: np.ndarray) -> np.ndarray:
    """Call `fn` on `(m, 2)` points; fall back to one call per point when `fn` is not vectorised."""
    try:
        out = np.asarray(fn(points))
        if out.shape == (len(points),) or out.shape == (len(points), 1):
            return out.reshape(len(points))
    except Exception:  # noqa: BLE001 - a non-vectorised function may fail on a batch; try point by point
        pass
    out = np.array([np.asarray(fn(p)).item() for p in points])
    if out.shape != (len(points),):
        raise ValueError(f"{name}: the function must map (m, 2) points to (m,) values, got shape {out.shape}")
    return out


# ------------------------------------------------------------------------------------------ activation
def plot_activation(f: Callable, df: Callable, name: str, x=None, ax: Axes | None = None) -> Figure:
    """Draw an activation function and its derivative.

    f, df: callables mapping an array `(n,)` to an array `(n,)` (the function and its derivative).
    name: shown in the title "<name> and its derivative" and the legend.
    x: `(n,)` points to draw at (default `np.linspace(-5, 5, 401)`).
    Returns the Figure. Raises ValueError when f or df does not return one value per point.
    """
    x = np.linspace(-5.0, 5.0, 401) if x is None else _as_float_array("plot_activation", "x", x).ravel()
    y = np.asarray(f(x), dtype=np.float64)
    dy = np.asarray(df(x), dtype=np.float64)
    for label, values in (("f", y), ("df", dy)):
        if values.shape != x.shape:
            raise ValueError(f"plot_activation: {label}(x) returned shape {values.shape}, expected {x.shape}")
    fig, ax = _new_axes(ax, (6, 4))
    ax.axhline(0.0, color="0.8", linewidth=0.8)
    ax.axvline(0.0, color="0.8", linewidth=0.8)
    ax.plot(x, y, color="#21918c", linewidth=2.2, label=f"{name}(x)")
    ax.plot(x, dy, color="#440154", linewidth=1.8, linestyle="--", label=f"{name}'(x)  (derivative)")
    ax.set_title(f"{name} and its derivative")
    ax.set_xlabel("x (input to the activation)")
    ax.set_ylabel("value")
    ax.legend(loc="best")
    return fig


# ----------------------------------------------------------------------------------- decision boundary
def plot_decision_boundary(
    predict: Callable,
    X,
    y,
    ax: Axes | None = None,
    title: str = "Decision boundary",
    resolution: int = 200,
) -> Figure:
    """Shade the regions a classifier predicts and draw the labelled points over them.

    predict: maps points `(m, 2)` to class labels `(m,)`.
    X: `(n, 2)` points; y: `(n,)` integer labels.
    The region boundaries are drawn as black lines; each class has its own colour and marker shape.
    Returns the Figure. Raises ValueError for X not of shape (n, 2) or y of another length.
    """
    X = _as_float_array("plot_decision_boundary", "X", X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: expected X of shape (n, 2), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"plot_decision_boundary: expected y of shape ({len(X)},), got {y.shape}")
    if resolution < 2:
        raise ValueError(f"plot_decision_boundary: resolution must be at least 2, got {resolution}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    g1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    g2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(g1, g2)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    pred = np.asarray(predict(grid)).reshape(-1)
    if pred.shape != (len(grid),):
        raise ValueError(f"plot_decision_boundary: predict returned {pred.shape[0]} labels for {len(grid)} points")
    classes = np.unique(np.concatenate([y.ravel(), pred]))
    index = np.searchsorted(classes, pred).reshape(xx.shape).astype(np.float64)
    colors = class_colors(len(classes))
    fig, ax = _new_axes(ax, (6, 5))
    levels = np.arange(len(classes) + 1) - 0.5
    if len(classes) > 1:
        ax.contourf(xx, yy, index, levels=levels, colors=[tuple(c) for c in colors], alpha=0.3)
        ax.contour(xx, yy, index, levels=levels[1:-1], colors="black", linewidths=1.5)
    else:
        ax.contourf(xx, yy, index, levels=[-0.5, 0.5], colors=[tuple(colors[0])], alpha=0.3)
    for k, cls in enumerate(classes):
        mask = y == cls
        if not mask.any():
            continue
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            color=colors[k],
            marker=CLASS_MARKERS[k % len(CLASS_MARKERS)],
            edgecolors="black",
            linewidths=0.6,
            s=36,
            label=f"class {cls}",
        )
    ax.set_xlim(g1[0], g1[-1])
    ax.set_ylim(g2[0], g2[-1])
    ax.set_title(title)
    ax.set_xlabel("x1 (feature 1)")
    ax.set_ylabel("x2 (feature 2)")
    ax.legend(loc="best", framealpha=0.9)
    return fig


# ------------------------------------------------------------------------------------------- history
def _history_values(history, key: str):
    """history[key] or history.key as a float array, or None when absent."""
    if isinstance(history, Mapping):
        value = history.get(key)
    else:
        value = getattr(history, key, None)
    if value is None:
        return None
    return np.asarray(value, dtype=np.float64).ravel()


def plot_history(history, ax=None) -> Figure:
    """Draw the loss and the accuracy per epoch side by side (training, and validation when present).

    history: a mapping or an object with `loss` and `accuracy` (one number per epoch) and optionally
      `val_loss`, `val_accuracy`. Without `accuracy` only the loss is drawn.
    ax: None (new figure), a pair of Axes (loss, accuracy), or a single Axes (the loss only).
    Returns the Figure. Raises ValueError when `loss` is missing or the lists differ in length.
    """
    series = {key: _history_values(history, key) for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
    if series["loss"] is None:
        raise ValueError(f"plot_history: expected `loss` in history, got {type(history).__name__} without it")
    n = len(series["loss"])
    for key, values in series.items():
        if values is not None and len(values) != n:
            raise ValueError(f"plot_history: {key} has {len(values)} epochs but loss has {n}")
    with_accuracy = series["accuracy"] is not None or series["val_accuracy"] is not None
    if ax is None:
        fig = Figure(figsize=(9.0 if with_accuracy else 5.5, 4), layout="constrained")
        axes = list(fig.subplots(1, 2)) if with_accuracy else [fig.subplots()]
    elif isinstance(ax, Axes):
        fig, axes = _root_figure(ax), [ax]
    else:
        axes = list(ax)
        if len(axes) != 2 or not all(isinstance(a, Axes) for a in axes):
            raise TypeError("plot_history: expected ax to be None, an Axes or a pair of Axes")
        fig = _root_figure(axes[0])
    epochs = np.arange(1, n + 1)
    panels = [("loss", "Loss per epoch", "loss")]
    if len(axes) == 2:
        panels.append(("accuracy", "Accuracy per epoch", "accuracy"))
    for a, (key, title, ylabel) in zip(axes, panels):
        if series[key] is not None:
            a.plot(epochs, series[key], color="#21918c", marker="o", markersize=3, label="training")
        if series["val_" + key] is not None:
            a.plot(
                epochs,
                series["val_" + key],
                color="#440154",
                marker="s",
                markersize=3,
                linestyle="--",
                label="validation",
            )
        a.set_title(title)
        a.set_xlabel("epoch")
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.set_ylabel(ylabel)
        a.legend(loc="best")
    return fig


# --------------------------------------------------------------------------------------------- images
def image_grid(
    images,
    shape: tuple[int, int] = (8, 8),
    titles: Sequence[str] | None = None,
    ncols: int = 10,
    title: str | None = None,
    cmap: str = "gray_r",
    symmetric: bool = False,
) -> Figure:
    """Show images (digits, first-layer weights, reconstructions) in a grid.

    images: `(n, h*w)` rows reshaped to `shape`, or `(n, h, w)`.
    titles: optional `n` short titles, one per image. title: the figure's suptitle (a default is made).
    symmetric: for weights; a colour range centred on 0 (`-max|x|..max|x|`), the diverging map "RdBu_r"
      when `cmap` is left at its default, and a colour bar.
    Returns the Figure. Raises ValueError for shapes that do not fit.
    """
    images = _as_float_array("image_grid", "images", images)
    if images.ndim == 2:
        if images.shape[1] != shape[0] * shape[1]:
            raise ValueError(f"image_grid: rows of {images.shape[1]} values cannot be reshaped to {tuple(shape)}")
        images = images.reshape(len(images), shape[0], shape[1])
    elif images.ndim != 3:
        raise ValueError(f"image_grid: expected images of shape (n, h*w) or (n, h, w), got {images.shape}")
    n = len(images)
    if n == 0:
        raise ValueError("image_grid: expected at least one image, got 0")
    if titles is not None and len(titles) != n:
        raise ValueError(f"image_grid: got {len(titles)} titles for {n} images")
    if ncols < 1:
        raise ValueError(f"image_grid: ncols must be at least 1, got {ncols}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    if symmetric:
        limit = float(np.max(np.abs(images))) or 1.0
        vmin, vmax = -limit, limit
        cmap = "RdBu_r" if cmap == "gray_r" else cmap
    else:
        vmin, vmax = float(images.min()), float(images.max())
    # at most 8.8 inches wide (880 pixels at 100 dpi): wider, a laptop's notebook shrinks the figure and its text
    extra = 1.0 if symmetric else 0.0
    width = min(1.2, (8.8 - extra) / ncols)
    cell = width / 1.2 * (1.0 if titles is None else 1.25)
    fig = Figure(figsize=(max(width * ncols + extra, 3.0), cell * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    im = None
    for i, a in enumerate(axes):
        a.set_axis_off()
        if i >= n:
            continue
        im = a.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if titles is not None:
            a.set_title(str(titles[i]), fontsize=8)
    if title is None:
        what = "weights" if symmetric else "images"
        title = f"{n} {what} ({images.shape[1]}x{images.shape[2]})"
    fig.suptitle(title)
    if symmetric:
        fig.colorbar(im, ax=list(axes), shrink=0.8, label="value (0 is white)")
    return fig


# -------------------------------------------------------------------------------------------- network
def _layer_name(i: int, n_layers: int) -> str:
    if i == 0:
        return "input"
    if i == n_layers - 1:
        return "output"
    return f"hidden {i}"


def _drawn_positions(size: int, max_drawn: int) -> tuple[np.ndarray, float | None]:
    """Vertical positions of the drawn units of a layer, and where to write "…" (None if all are drawn)."""
    if size <= max_drawn:
        return np.arange(size) - (size - 1) / 2.0, None
    top = -(-max_drawn // 2)
    bottom = max_drawn - top
    # leave one empty slot between the two groups for the ellipsis
    slots = np.arange(max_drawn + 1) - max_drawn / 2.0
    positions = np.concatenate([slots[:top], slots[top + 1 : top + 1 + bottom]])
    return positions[::-1], float(slots[top])


def plot_network(
    layer_sizes: Sequence[int], ax: Axes | None = None, title: str | None = None, max_drawn: int = 10
) -> Figure:
    """Draw a dense network: one circle per unit, a line for every weight between consecutive layers.

    layer_sizes: e.g. `[64, 128, 10]`; labels read "input (64)", "hidden 1 (128)", "output (10)".
    max_drawn: a layer with more units shows `max_drawn` of them and "…" in between.
    Returns the Figure. Raises ValueError for fewer than 2 layers or a size below 1.
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"plot_network: expected at least 2 layer sizes (input and output), got {sizes}")
    if any(s < 1 for s in sizes):
        raise ValueError(f"plot_network: every layer needs at least 1 unit, got {sizes}")
    if max_drawn < 2:
        raise ValueError(f"plot_network: max_drawn must be at least 2, got {max_drawn}")
    fig, ax = _new_axes(ax, (1.8 * len(sizes) + 1.5, 5.5))
    spacing = 3.0
    radius = 0.3
    drawn = [_drawn_positions(s, max_drawn) for s in sizes]
    segments = []
    for i in range(len(sizes) - 1):
        for y0 in drawn[i][0]:
            for y1 in drawn[i + 1][0]:
                segments.append([(i * spacing + radius, y0), ((i + 1) * spacing - radius, y1)])
    ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.4, zorder=1))
    colors = class_colors(3)
    for i, (positions, ellipsis_at) in enumerate(drawn):
        kind = 0 if i == 0 else (2 if i == len(sizes) - 1 else 1)
        for y in positions:
            ax.add_patch(
                Circle((i * spacing, y), radius, facecolor=colors[kind], edgecolor="black", linewidth=0.8, zorder=2)
            )
        if ellipsis_at is not None:
            ax.text(i * spacing, ellipsis_at, "…", ha="center", va="center", fontsize=16, zorder=3)
    top = max(max(p) for p, _ in drawn)
    bottom = min(min(p) for p, _ in drawn)
    for i, s in enumerate(sizes):
        ax.text(i * spacing, bottom - 1.0, f"{_layer_name(i, len(sizes))} ({s})", ha="center", va="top")
    ax.set_xlim(-spacing / 2, (len(sizes) - 1) * spacing + spacing / 2)
    ax.set_ylim(bottom - 2.2, top + 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    ax.set_title(
        title if title is not None else f"Dense network {' → '.join(map(str, sizes))} ({n_params:,} parameters)"
    )
    return fig


# -------------------------------------------------------------------------------------- activation stats
def plot_activation_stats(per_layer: Sequence, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Draw the standard deviation and the mean |activation| of each layer, on a log scale.

    per_layer: a list with one activation array per layer (any shape; e.g. `(n, d_out)` each).
    Vanishing activations show as a line falling by orders of magnitude, exploding ones as a line rising.
    Values that are not finite (overflow) are left out and marked with "overflow" at that layer.
    Returns the Figure. Raises ValueError for an empty list.
    """
    arrays = [_as_float_array("plot_activation_stats", f"layer {i + 1}", a) for i, a in enumerate(per_layer)]
    if not arrays:
        raise ValueError("plot_activation_stats: expected a list with one activation array per layer, got []")
    layers = np.arange(1, len(arrays) + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        stds = np.array([np.std(a) if a.size else np.nan for a in arrays])
        means = np.array([np.mean(np.abs(a)) if a.size else np.nan for a in arrays])
    tiny = np.finfo(np.float64).tiny
    fig, ax = _new_axes(ax, (6, 4))
    for values, label, style, marker in (
        (stds, "standard deviation", "-", "o"),
        (means, "mean |activation|", "--", "s"),
    ):
        shown = np.where(np.isfinite(values), np.maximum(values, tiny), np.nan)
        ax.plot(
            layers, shown, linestyle=style, marker=marker, label=label, color="#21918c" if marker == "o" else "#440154"
        )
    for layer, ok in zip(layers, np.isfinite(stds) & np.isfinite(means)):
        if not ok:
            ax.annotate("overflow", (layer, 1.0), ha="center")
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_title(title if title is not None else "Activation statistics per layer")
    ax.set_xlabel("layer")
    ax.set_ylabel("activation size (log scale)")
    ax.legend(loc="best")
    return fig


# ---------------------------------------------------------------------------------------- loss surface
def plot_loss_surface(
    loss_fn: Callable,
    path=None,
    ax: Axes | None = None,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    title: str | None = None,
    resolution: int = 100,
    colorbar: bool = True,
) -> Figure:
    """Contour plot of a loss of two parameters, with an optional optimisation path drawn over it.

    loss_fn: maps points `(m, 2)` to losses `(m,)` (a function of one point `(2,)` also works, slower).
    path: optional `(k, 2)` parameters visited by the optimiser, first to last.
    xlim, ylim: the range of the two parameters shown; the view stays there even if the path leaves it.
    colorbar: add a colour bar labelled "loss".
    Returns the Figure. Raises ValueError for a path not of shape (k, 2).
    """
    g1 = np.linspace(xlim[0], xlim[1], resolution)
    g2 = np.linspace(ylim[0], ylim[1], resolution)
    xx, yy = np.meshgrid(g1, g2)
    zz = (
        _evaluate_on_points("plot_loss_surface", loss_fn, np.column_stack([xx.ravel(), yy.ravel()]))
        .reshape(xx.shape)
        .astype(np.float64)
    )
    finite = zz[np.isfinite(zz)]
    if finite.size == 0:
        raise ValueError("plot_loss_surface: loss_fn returned no finite value over the plotted range")
    lo, hi = float(finite.min()), float(finite.max())
    if lo > 0 and hi / lo > 100:
        levels = np.geomspace(lo, hi, 25)
    else:
        levels = np.linspace(lo, hi if hi > lo else lo + 1.0, 25)
    fig, ax = _new_axes(ax, (6, 5))
    filled = ax.contourf(xx, yy, zz, levels=levels, cmap="viridis")
    ax.contour(xx, yy, zz, levels=levels[::3], colors="white", linewidths=0.4, alpha=0.6)
    if colorbar:
        fig.colorbar(filled, ax=ax, label="loss")
    if path is not None:
        path = _as_float_array("plot_loss_surface", "path", path)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"plot_loss_surface: expected path of shape (k, 2), got {path.shape}")
        ax.plot(path[:, 0], path[:, 1], color="white", linewidth=2.6, zorder=3)
        ax.plot(
            path[:, 0],
            path[:, 1],
            color="black",
            linewidth=1.2,
            marker="o",
            markersize=3,
            markerfacecolor="white",
            zorder=4,
            label="path",
        )
        ax.plot(
            path[0, 0],
            path[0, 1],
            marker="s",
            color="black",
            markersize=8,
            linestyle="none",
            markerfacecolor="white",
            zorder=5,
            label="start",
        )
        ax.plot(
            path[-1, 0],
            path[-1, 1],
            marker="*",
            color="black",
            markersize=12,
            linestyle="none",
            markerfacecolor="white",
            zorder=5,
            label="end",
        )
        ax.legend(loc="upper right", framealpha=0.9)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_title(title if title is not None else "Loss surface")
    ax.set_xlabel("w1 (first parameter)")
    ax.set_ylabel("w2 (second parameter)")
    return fig


# --------------------------------------------------------------------------------------- accessibility
def _lightness(cmap: Colormap, samples: int = 256) -> np.ndarray:
    """CIE L* (0 black .. 100 white) of `samples` colours along the colour map."""
    rgb = np.asarray(cmap(np.linspace(0.0, 1.0, samples)))[:, :3]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    return np.where(luminance > (6 / 29) ** 3, 116 * np.cbrt(luminance) - 16, luminance * (29 / 3) ** 3)


def is_monotone_in_lightness(cmap) -> bool:
    """Whether a colour map's lightness only rises or only falls from one end to the other (reads in greyscale)."""
    cmap = colormaps[cmap] if isinstance(cmap, str) else cmap
    steps = np.diff(_lightness(cmap, samples=max(2, min(getattr(cmap, "N", 256), 256))))
    return bool(np.all(steps >= -LIGHTNESS_TOLERANCE) or np.all(steps <= LIGHTNESS_TOLERANCE))


def _mappables(ax: Axes):
    """The artists of `ax` that colour by a colour map: images, filled contours, scatter coloured by values."""
    for artist in [*ax.images, *ax.collections]:
        if getattr(artist, "get_array", None) is None or artist.get_array() is None:
            continue
        yield artist


def _is_colorbar_axes(ax: Axes) -> bool:
    return getattr(ax, "_colorbar", None) is not None or ax.get_label() == "<colorbar>"


def _draws_something(ax: Axes) -> bool:
    return bool(ax.images or ax.collections or ax.patches or ax.lines or ax.texts)


def accessibility_problems(fig: Figure) -> list[str]:
    """List what makes a figure hard to read for some learners; `[]` means it follows the course's rules.

    Reported:
    - an axes showing axis lines without a title, an x label or a y label (colour-bar axes are ignored);
    - an axes turned off that draws something (an image, a diagram) without a title of its own while the
      figure has no suptitle (empty, turned-off axes, e.g. the unused cells of an image grid, are ignored);
    - a colour map whose lightness is not monotone (it does not read in greyscale), unless it is a known
      diverging map and the figure has a colour bar of the same map.
    Raises TypeError when `fig` is not a matplotlib Figure.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"accessibility_problems: expected a matplotlib Figure, got {type(fig).__name__}")
    problems: list[str] = []
    suptitle = fig._suptitle.get_text().strip() if getattr(fig, "_suptitle", None) is not None else ""
    colorbar_maps = {ax._colorbar.cmap.name for ax in fig.axes if getattr(ax, "_colorbar", None) is not None}
    for number, ax in enumerate(fig.axes, start=1):
        if _is_colorbar_axes(ax) or not ax.get_visible():
            continue
        name = f"axes {number}" + (f" ({ax.get_title()!r})" if ax.get_title() else "")
        has_title = any(ax.get_title(loc=loc).strip() for loc in ("left", "center", "right"))
        if ax.axison:
            if not has_title:
                problems.append(f"{name}: no title")
            if not ax.get_xlabel().strip():
                problems.append(f"{name}: no x-axis label")
            if not ax.get_ylabel().strip():
                problems.append(f"{name}: no y-axis label")
        elif _draws_something(ax) and not has_title and not suptitle:
            problems.append(f"{name}: turned off, draws something, but has no title and the figure no suptitle")
        for artist in _mappables(ax):
            cmap = artist.get_cmap()
            if is_monotone_in_lightness(cmap):
                continue
            if cmap.name in DIVERGING_WITH_COLORBAR and cmap.name in colorbar_maps:
                continue
            reason = (
                "a diverging colour map needs a colour bar"
                if cmap.name in DIVERGING_WITH_COLORBAR
                else "its lightness is not monotone, so it does not read in greyscale"
            )
            problems.append(f"{name}: colour map {cmap.name!r} of a {type(artist).__name__}: {reason}")
    return problems


def _register_notebook_display() -> None:
    """In IPython, show pyplot-free Figures as PNG images when they are displayed (once, at import)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    png = shell.display_formatter.formatters.get("image/png")
    if png is None or Figure in png.type_printers:
        return
    from IPython.core.pylabtools import print_figure

    png.for_type(Figure, lambda fig: print_figure(fig, "png"))


try:
    _register_notebook_display()
except Exception:  # noqa: BLE001 - display integration is a convenience; never break an import for it
    pass
