"""Interactive explorers for the lessons: ipywidgets controls over a matplotlib picture.

Each explorer is a small object holding its controls (`.controls`, a dict name -> widget, each with a
`description`), the widget to show (`.widget`, an `ipywidgets.VBox`; the object itself also displays in a
notebook), the last figure drawn (`.figure`) and what it computed (e.g. `.correct`, `.losses`,
`.fit_error`). Moving a control calls `update()`, which recomputes and redraws; tests set a control's
`value` and read the result, exactly as a learner's slider would.

Design notes:
- Each update draws a new pyplot-free `matplotlib.figure.Figure` (see `nnlib.views.plot`): the replaced figure is
  not registered with pyplot, so dropping it frees it and no figure piles up.
- Nothing blocks and nothing runs in a thread, so a headless notebook execution never hangs; outside
  IPython (in tests) nothing is displayed at all.
- Everything is plain numpy and runs in a few milliseconds; drawing dominates an update.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from nnlib.views.plot import CLASS_MARKERS, class_colors, plot_loss_surface

__all__ = [
    "Explorer",
    "NeuronExplorer",
    "LearningRateExplorer",
    "NonlinearityExplorer",
    "neuron_explorer",
    "learning_rate_explorer",
    "nonlinearity_explorer",
    "truth_table_predictions",
    "truth_table_score",
    "gradient_descent_path",
    "verdict",
    "bowl_loss",
    "random_features",
    "fit_readout",
    "TRUTH_TABLE_X",
    "GATES",
]


def _grading() -> bool:
    """True inside the grading sandbox (it sets NNLIB_GRADING=1): explorers then show a still figure only.

    A live widget is for a learner at a screen; in a graded run nobody moves its sliders, and its comm
    messages only cost the grader time.
    """
    import os

    return os.environ.get("NNLIB_GRADING") == "1"


class Explorer:
    """Base of the explorers: controls above an `ipywidgets.Output` that shows the current figure.

    While grading (see ``_grading``) the explorer displays its current figure as a still picture instead.
    """

    def __init__(self, controls: dict[str, widgets.Widget], status: bool = False):
        self.controls = controls
        self.output = widgets.Output()
        self.status = widgets.HTML(value="") if status else None
        children = [*controls.values(), *([self.status] if status else []), self.output]
        self.widget = widgets.VBox(children)
        self.figure: Figure | None = None
        for control in controls.values():
            control.style.description_width = "initial"  # a long description ("learning rate") is never cut off
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change) -> None:
        self.update()

    def draw(self) -> Figure:  # pragma: no cover - every explorer overrides it
        raise NotImplementedError

    def update(self) -> Figure:
        """Recompute from the controls' values, redraw, show the new figure; returns it."""
        self.figure = self.draw()
        self._show()
        return self.figure

    def _show(self) -> None:
        """Put the current figure in the Output widget by setting its `outputs`, in one state update.

        Not `with self.output: display(...)`: that routes the picture through the front end's capture of
        the cell's messages, and a headless runner mimicking it (nbclient, so nbgrader's Validate button)
        answers on the kernel's shell socket while it waits there for the cell's reply, which can leave
        that wait hanging until its timeout (nbclient issue 312; tests/nnlib_views/test_explorer_headless.py).
        """
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with ipywidgets
            return
        shell = get_ipython()
        if shell is None or _grading():
            return
        data, metadata = shell.display_formatter.format(self.figure)
        self.output.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.figure if _grading() else self.widget)


# ------------------------------------------------------------------------------------------- neuron
#: The four inputs of a two-input truth table, `(4, 2)`.
TRUTH_TABLE_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
#: The labels of each gate on TRUTH_TABLE_X.
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}
_VIEW = (-0.5, 1.5)  # the square of the (x1, x2) plane the neuron explorer shows


def _line_in_box(w1: float, w2: float, b: float, lo: float, hi: float):
    """The segment of the line w1*x1 + w2*x2 + b = 0 inside the square [lo, hi]^2, as (x1s, x2s), or None."""
    points = []
    if abs(w2) > 1e-12:
        for x1 in (lo, hi):
            x2 = -(w1 * x1 + b) / w2
            if lo - 1e-9 <= x2 <= hi + 1e-9:
                points.append((x1, x2))
    if abs(w1) > 1e-12:
        for x2 in (lo, hi):
            x1 = -(w2 * x2 + b) / w1
            if lo - 1e-9 <= x1 <= hi + 1e-9:
                points.append((x1, x2))
    unique = []
    for p in points:
        if all(np.hypot(p[0] - q[0], p[1] - q[1]) > 1e-9 for q in unique):
            unique.append(p)
    if len(unique) < 2:
        return None
    (a1, a2), (c1, c2) = unique[0], unique[1]
    return np.array([a1, c1]), np.array([a2, c2])


def truth_table_predictions(w1: float, w2: float, b: float) -> np.ndarray:
    """The step neuron's outputs `(4,)` on TRUTH_TABLE_X: 1 where w1*x1 + w2*x2 + b > 0, else 0."""
    return (TRUTH_TABLE_X @ np.array([w1, w2], dtype=np.float64) + b > 0).astype(int)


def truth_table_score(w1: float, w2: float, b: float, gate: str) -> int:
    """How many of the 4 rows of `gate`'s truth table the step neuron (w1, w2, b) gets right (0..4)."""
    if gate not in GATES:
        raise ValueError(f"truth_table_score: expected gate to be one of {sorted(GATES)}, got {gate!r}")
    return int(np.sum(truth_table_predictions(w1, w2, b) == GATES[gate]))


class NeuronExplorer(Explorer):
    """A step neuron over a truth table: move w1, w2, b and see which of the 4 points it gets right.

    Attributes after each update: `correct` (0..4), `predictions` `(4,)`, `boundary` (the line
    w1*x1 + w2*x2 + b = 0 inside the view as `(x1s, x2s)`, or None when w1 = w2 = 0 or the line misses
    the view), `message` ("3/4 points correct"), `figure`.
    """

    def __init__(self, gate: str = "AND"):
        if gate not in GATES:
            raise ValueError(f"neuron_explorer: expected gate to be one of {sorted(GATES)}, got {gate!r}")
        slider = dict(min=-2.0, max=2.0, step=0.1, continuous_update=True, readout_format=".1f")
        controls = {
            "w1": widgets.FloatSlider(value=1.0, description="w1", **slider),
            "w2": widgets.FloatSlider(value=1.0, description="w2", **slider),
            "b": widgets.FloatSlider(value=-0.5, description="b", **slider),
            "gate": widgets.Dropdown(options=list(GATES), value=gate, description="gate"),
        }
        super().__init__(controls, status=True)

    def draw(self) -> Figure:
        w = np.array([self.controls["w1"].value, self.controls["w2"].value], dtype=np.float64)
        b = float(self.controls["b"].value)
        gate = self.controls["gate"].value
        y = GATES[gate]
        # the step neuron of lesson 01: output 1 when w . x + b > 0
        self.predictions = truth_table_predictions(w[0], w[1], b)
        self.correct = truth_table_score(w[0], w[1], b, gate)
        self.boundary = _line_in_box(w[0], w[1], b, *_VIEW)
        self.message = f"{self.correct}/4 points correct"
        if self.status is not None:
            self.status.value = f"<b>{gate}</b>: {self.message}"

        fig = Figure(figsize=(6.6, 4.6))
        fig.subplots_adjust(left=0.14, right=0.72, bottom=0.11, top=0.88)
        ax = fig.subplots()
        grid = np.linspace(*_VIEW, 101)
        xx, yy = np.meshgrid(grid, grid)
        out = (w[0] * xx + w[1] * yy + b > 0).astype(np.float64)
        if out.any():
            ax.contourf(xx, yy, out, levels=[0.5, 1.5], colors=["#fde725"], alpha=0.35, hatches=["//"])
        if self.boundary is not None:
            ax.plot(*self.boundary, color="black", linewidth=2, label="w1·x1 + w2·x2 + b = 0")
        colors = class_colors(2)
        for label in (0, 1):
            mask = y == label
            ax.scatter(TRUTH_TABLE_X[mask, 0], TRUTH_TABLE_X[mask, 1], s=160, color=colors[label],
                       marker=CLASS_MARKERS[label], edgecolors="black", zorder=3, label=f"label {label}")
        wrong = self.predictions != y
        if wrong.any():
            ax.scatter(TRUTH_TABLE_X[wrong, 0], TRUTH_TABLE_X[wrong, 1], s=420, facecolors="none",
                       edgecolors="#b2182b", linewidths=2, zorder=4, label="wrong")
        ax.set_xlim(*_VIEW)
        ax.set_ylim(*_VIEW)
        ax.set_aspect("equal")
        ax.set_title(f"{gate} with a step neuron: {self.message}\n(shaded: the neuron outputs 1)")
        ax.set_xlabel("x1 (first input)")
        ax.set_ylabel("x2 (second input)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, framealpha=0.9)  # outside: never hides a point
        return fig


def neuron_explorer(gate: str = "AND") -> NeuronExplorer:
    """Sliders w1, w2, b (-2..2, step 0.1) and a gate dropdown (AND/OR/XOR) over a step neuron's boundary.

    Returns a NeuronExplorer; show it by leaving it as a cell's last expression. Raises ValueError for an
    unknown gate.
    """
    return NeuronExplorer(gate)


# ------------------------------------------------------------------------------------------ learning rate
#: Curvatures of the bowl f(w) = 0.5 * (A * w1^2 + B * w2^2): ten times steeper along w2 than along w1.
BOWL_CURVATURES = (1.0, 10.0)
#: Where gradient descent starts.
BOWL_START = (-1.8, 1.0)
#: Stop a diverging run once the loss has grown by this factor (the picture says enough, floats stay finite).
DIVERGENCE_CAP = 1e8


def bowl_loss(points) -> np.ndarray:
    """The ill-conditioned bowl 0.5 * (1 * w1^2 + 10 * w2^2) at points `(m, 2)` (or one point `(2,)`)."""
    p = np.asarray(points, dtype=np.float64)
    a, b = BOWL_CURVATURES
    return 0.5 * (a * p[..., 0] ** 2 + b * p[..., 1] ** 2)


def bowl_gradient(w) -> np.ndarray:
    """The gradient (A * w1, B * w2) of `bowl_loss` at one point `(2,)`."""
    return np.asarray(BOWL_CURVATURES) * np.asarray(w, dtype=np.float64)


def gradient_descent_path(lr: float, steps: int, start=BOWL_START) -> tuple[np.ndarray, np.ndarray]:
    """Run `steps` steps of w <- w - lr * grad on the bowl; returns (path `(k, 2)`, losses `(k,)`), k <= steps + 1.

    A diverging run stops early once its loss exceeds DIVERGENCE_CAP times the initial loss.
    """
    w = np.asarray(start, dtype=np.float64)
    path, losses = [w], [float(bowl_loss(w))]
    for _ in range(int(steps)):
        w = w - lr * bowl_gradient(w)
        path.append(w)
        losses.append(float(bowl_loss(w)))
        if losses[-1] > DIVERGENCE_CAP * losses[0]:
            break
    return np.array(path), np.array(losses)


def verdict(losses) -> str:
    """"diverges" when the loss ends above where it started, "converges" when it fell by at least 90 %,
    "crawls" otherwise."""
    first, last = float(losses[0]), float(losses[-1])
    if last > first:
        return "diverges"
    if last <= 0.1 * first:
        return "converges"
    return "crawls"


class LearningRateExplorer(Explorer):
    """Gradient descent on an ill-conditioned bowl: a log-scale learning-rate slider and a steps slider.

    Attributes after each update: `path` `(k, 2)`, `losses` `(k,)` (k = steps + 1 unless it diverged and
    stopped early), `verdict` ("crawls", "converges" or "diverges"), `figure`.
    """

    def __init__(self, lr: float = 0.01, steps: int = 30):
        controls = {
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=np.log10(1.5), step=0.05,
                                         description="learning rate", readout_format=".3g"),
            "steps": widgets.IntSlider(value=steps, min=1, max=100, step=1, description="steps"),
        }
        super().__init__(controls, status=True)

    def draw(self) -> Figure:
        lr = float(self.controls["lr"].value)
        steps = int(self.controls["steps"].value)
        self.path, self.losses = gradient_descent_path(lr, steps)
        self.verdict = verdict(self.losses)
        drop = 1.0 - self.losses[-1] / self.losses[0]
        summary = (f"learning rate {lr:.3g}, {len(self.losses) - 1} steps: {self.verdict} "
                   f"(loss {self.losses[0]:.3g} → {self.losses[-1]:.3g}, {100 * drop:.0f} % lower)")
        if self.status is not None:
            self.status.value = summary

        # a fixed layout: constrained layout would double the drawing time of each update
        fig = Figure(figsize=(10, 4.2))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
        ax_path, ax_loss = fig.subplots(1, 2)
        plot_loss_surface(bowl_loss, self.path, ax=ax_path, xlim=(-2.0, 2.0), ylim=(-1.5, 1.5),
                          title=f"Path of gradient descent: {self.verdict}", resolution=80, colorbar=False)
        shown = np.maximum(self.losses, np.finfo(np.float64).tiny)
        ax_loss.semilogy(np.arange(len(shown)), shown, color="#21918c", marker="o", markersize=3)
        ax_loss.axhline(self.losses[0], color="0.5", linestyle=":", label="initial loss")
        ax_loss.axhline(0.1 * self.losses[0], color="0.5", linestyle="--", label="90 % lower")
        # plain-text tick labels ("100", "1e-05"): the default mathtext labels of a log axis take longer to
        # draw than everything else in this figure
        ax_loss.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax_loss.yaxis.set_minor_formatter(NullFormatter())
        ax_loss.set_title(f"Loss per step (lr = {lr:.3g}): {self.verdict}")
        ax_loss.set_xlabel("step")
        ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_loss.set_ylabel("loss (log scale)")
        ax_loss.legend(loc="best", fontsize=8)
        return fig


def learning_rate_explorer(lr: float = 0.01, steps: int = 30) -> LearningRateExplorer:
    """A log-scale learning-rate slider (1e-3..1.5) and a steps slider (1..100) over gradient descent on
    f(w) = 0.5 * (w1^2 + 10 w2^2) from (-1.8, 1.0): the path on the contour plot and the loss per step.

    Any learning rate above 2/10 = 0.2 diverges along the steep direction; a tiny one crawls along the
    flat direction. Returns a LearningRateExplorer.
    """
    return LearningRateExplorer(lr, steps)


# ------------------------------------------------------------------------------------------ nonlinearity
#: Largest number of hidden units offered by the slider.
MAX_UNITS = 50
#: Number of training points on [-1, 1].
N_POINTS = 20


def target_curve(x) -> np.ndarray:
    """The curve the nonlinearity explorer fits: sin(3x)."""
    return np.sin(3.0 * np.asarray(x, dtype=np.float64))


def random_features(x, n_units: int, use_relu: bool) -> np.ndarray:
    """Hidden layer `(n, n_units)` of fixed random units x*w + b (w ~ N(0, 2^2), b ~ U(-2, 2), from
    `np.random.default_rng(0)`), followed by ReLU when `use_relu`.

    The first n_units of the same MAX_UNITS units are used, so adding units only adds features.
    """
    if not 1 <= n_units <= MAX_UNITS:
        raise ValueError(f"random_features: expected 1 <= n_units <= {MAX_UNITS}, got {n_units}")
    rng = np.random.default_rng(0)
    w = rng.normal(0.0, 2.0, size=MAX_UNITS)[:n_units]
    b = rng.uniform(-2.0, 2.0, size=MAX_UNITS)[:n_units]
    z = np.asarray(x, dtype=np.float64).reshape(-1, 1) * w + b
    return np.maximum(z, 0.0) if use_relu else z


def fit_readout(x, y, n_units: int, use_relu: bool):
    """Least-squares readout (weights and bias) on the random features; returns a function x -> prediction."""
    def design(points):
        h = random_features(points, n_units, use_relu)
        return np.column_stack([h, np.ones(len(h))])

    coef, *_ = np.linalg.lstsq(design(x), np.asarray(y, dtype=np.float64), rcond=None)
    return lambda points: design(points) @ coef


class NonlinearityExplorer(Explorer):
    """Fit sin(3x) with N random hidden units and a least-squares readout, with or without ReLU.

    Attributes after each update: `fit_error` (mean squared error on the training points),
    `x_train`, `y_train`, `x_plot`, `prediction` (the fitted curve on `x_plot`), `figure`.
    """

    def __init__(self, n_units: int = 5, use_relu: bool = True):
        controls = {
            "n_units": widgets.IntSlider(value=n_units, min=1, max=MAX_UNITS, step=1,
                                         description="hidden units N"),
            "use_relu": widgets.Checkbox(value=use_relu, description="use ReLU"),
        }
        self.x_train = np.linspace(-1.0, 1.0, N_POINTS)
        self.y_train = target_curve(self.x_train)
        self.x_plot = np.linspace(-1.0, 1.0, 300)
        super().__init__(controls, status=True)

    def draw(self) -> Figure:
        n_units = int(self.controls["n_units"].value)
        use_relu = bool(self.controls["use_relu"].value)
        model = fit_readout(self.x_train, self.y_train, n_units, use_relu)
        self.fit_error = float(np.mean((model(self.x_train) - self.y_train) ** 2))
        self.prediction = model(self.x_plot)
        kind = "with ReLU" if use_relu else "without ReLU (purely linear)"
        summary = f"{n_units} hidden units {kind}: mean squared error {self.fit_error:.3g}"
        if self.status is not None:
            self.status.value = summary

        fig = Figure(figsize=(6, 4.2))
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.91)
        ax = fig.subplots()
        ax.plot(self.x_plot, target_curve(self.x_plot), color="0.55", linewidth=2, label="target sin(3x)")
        ax.plot(self.x_train, self.y_train, "o", color="#440154", markersize=5, label="training points")
        ax.plot(self.x_plot, self.prediction, color="#21918c", linewidth=2.2, linestyle="--",
                label="network's fit")
        ax.set_ylim(-1.6, 1.6)
        ax.set_title(f"{n_units} hidden units {'with' if use_relu else 'without'} ReLU: "
                     f"mean squared error {self.fit_error:.3g}")
        ax.set_xlabel("x (input)")
        ax.set_ylabel("y (output)")
        ax.legend(loc="lower right", fontsize=8)
        return fig


def nonlinearity_explorer(n_units: int = 5, use_relu: bool = True) -> NonlinearityExplorer:
    """A slider for the number of hidden units N (1..50) and a "use ReLU" checkbox over a fit of sin(3x).

    Without ReLU the hidden layer is linear, so the network collapses to one linear layer and its fit is
    the same straight line for every N; with ReLU the error falls as N grows. Returns a NonlinearityExplorer.
    """
    return NonlinearityExplorer(n_units, use_relu)
