"""Interactive explorers for the lessons: ipywidgets controls over a matplotlib picture.

Each explorer is a small object holding its controls (`.controls`, a dict name -> widget, each with a
`description`), the widget to show (`.widget`, an `ipywidgets.VBox`; the object itself also displays in a
notebook), its figure (`.figure`, kept for the explorer's life) and what it computed (e.g. `.correct`,
`.losses`, `.fit_error`). Moving a control calls `update()`, which recomputes and redraws; tests set a
control's `value` and read the result, exactly as a learner's slider would.

Design notes (benchmarks/explorer_latency.py measures them in JupyterLab in Chromium):
- The figure is built once (`build`) and each update only changes its artists (`refresh`: `set_data`,
  `set_text`, ...); constrained layout and tight bounding boxes are never used, so no layout pass runs.
- Each update renders the figure with Agg at its own size and sends it as a fast-compressed PNG to an
  `ipywidgets.Image` (one state update, bytes sent as a binary buffer). Rendering an inline figure with a
  tight bounding box was 75-85 % of the kernel's time per move.
- Nothing blocks and nothing runs in a thread, and nothing is captured (no `with output:`), so a headless
  notebook execution never hangs (tests/nnlib_views/test_explorer_headless.py).
- Where no kernel runs (GitHub, nbviewer, a graded copy) the explorer's output also carries the same picture
  as a plain PNG with a text description: the front end without widgets shows that instead.
- Every update appends its seconds to `last_update_seconds`; nothing is printed.
"""

from __future__ import annotations

import base64
import io
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

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
    "render_png",
    "TRUTH_TABLE_X",
    "GATES",
]

#: Dots per inch of an explorer's picture (its natural size in pixels is the figure's inches times this).
DPI = 90


def _grading() -> bool:
    """True inside the grading sandbox (it sets NNLIB_GRADING=1): explorers then show a still figure only.

    A live widget is for a learner at a screen; in a graded run nobody moves its sliders, and its comm
    messages only cost the grader time.
    """
    import os

    return os.environ.get("NNLIB_GRADING") == "1"


def _encode_png(canvas: FigureCanvasAgg) -> bytes:
    """What the Agg canvas holds now, as PNG bytes compressed quickly (level 1)."""
    from PIL import Image

    rgba = np.asarray(canvas.buffer_rgba())
    buffer = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def render_png(fig: Figure, dpi: float = DPI) -> bytes:
    """The whole figure drawn by Agg at its own size (no tight bounding box) as PNG bytes, quickly compressed.

    Several times faster than the inline backend's `savefig(bbox_inches="tight")`, which lays the figure out
    twice and compresses harder; the picture is a little larger in bytes, which a local front end does not feel.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    canvas.draw()
    return _encode_png(canvas)


class Explorer:
    """Base of the explorers: controls (and a status line) above an `ipywidgets.Image` of the current figure.

    Subclasses define `build()` (make the figure and its artists, once; list in `self.dynamic` every artist
    that an update changes) and `refresh()` (recompute from the controls and update those artists; set
    `self.status.value` and `self.alt`, a one-sentence description of the picture).

    The first picture is drawn whole, without the dynamic artists, and kept as a background; each update
    restores that background and draws only the dynamic artists over it (matplotlib's blitting, on Agg).
    An axes whose limits change (the learning-rate explorer's loss axis) returns its limits from
    `background_key()`, snapped to few values: one background is drawn and kept per key.
    While grading (see ``_grading``) the explorer displays its current figure as a still picture instead.
    """

    def __init__(self, controls: dict[str, widgets.Widget], status: bool = False):
        self.controls = controls
        self.status = widgets.HTML(value="") if status else None
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        self.output = self.image  # where the picture shows (an Output widget before; kept for old callers)
        children = [*controls.values(), *([self.status] if status else []), self.image]
        self.widget = widgets.VBox(children)
        self.alt = ""
        self.png = b""
        self.dynamic: list = []
        self._backgrounds: dict = {}  # background_key() -> the figure drawn without the dynamic artists
        self.last_update_seconds: list[float] = []
        for control in controls.values():
            control.style.description_width = "initial"  # a long description ("learning rate") is never cut off
            control.observe(self._on_change, names="value")
        self.figure: Figure = self.build()
        FigureCanvasAgg(self.figure)
        self.update()

    def _on_change(self, change) -> None:
        self.update()

    def build(self) -> Figure:  # pragma: no cover - every explorer overrides it
        raise NotImplementedError

    def refresh(self) -> None:  # pragma: no cover - every explorer overrides it
        raise NotImplementedError

    def background_key(self):
        """What the static part of the picture depends on (e.g. an axis' limits); one background is kept per key."""
        return None

    def update(self) -> Figure:
        """Recompute from the controls' values, update the figure's artists, show the new picture; returns the figure."""
        start = time.perf_counter()
        self.refresh()
        self._show()
        self.last_update_seconds.append(time.perf_counter() - start)
        del self.last_update_seconds[:-100]
        return self.figure

    def _show(self) -> None:
        """Render the figure into the Image widget (one state update; nothing captured, nothing displayed).

        Not `with output: display(...)`: that routes the picture through the front end's capture of the
        cell's messages, and a headless runner mimicking it (nbclient, so nbgrader's Validate button) answers
        on the kernel's shell socket while it waits there for the cell's reply, which can leave that wait
        hanging until its timeout (nbclient issue 312; tests/nnlib_views/test_explorer_headless.py).
        """
        self.png = self._render()
        width, height = self.figure.canvas.get_width_height()
        self.image.layout.width = f"{width}px"  # its natural size at most: never blown up, shrunk to fit
        self.image.value = self.png

    def _render(self) -> bytes:
        """PNG bytes of the figure now: the kept background with the dynamic artists drawn over it."""
        canvas, fig = self.figure.canvas, self.figure
        key = self.background_key()
        if key not in self._backgrounds:
            if fig.dpi != DPI:
                fig.set_dpi(DPI)
            for artist in self.dynamic:
                artist.set_animated(True)
            canvas.draw()
            if len(self._backgrounds) >= 32:
                self._backgrounds.clear()
            self._backgrounds[key] = canvas.copy_from_bbox(fig.bbox)
            for artist in self.dynamic:  # a later savefig (the still picture while grading) draws them all
                artist.set_animated(False)
        else:
            canvas.restore_region(self._backgrounds[key])
        for artist in self.dynamic:
            fig.draw_artist(artist)
        return _encode_png(canvas)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The live widget, and the same picture as a PNG with its description for front ends without widgets."""
        still = {
            "image/png": base64.b64encode(self.png or self._render()).decode("ascii"),
            "text/plain": self.alt or type(self).__name__,
        }
        if _grading():
            return still
        return {**self.widget._repr_mimebundle_(), **still}

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if _grading():
            display(self.figure)
        else:
            display(self._repr_mimebundle_(), raw=True)


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

    def build(self) -> Figure:
        fig = Figure(figsize=(6.6, 4.4))
        fig.subplots_adjust(left=0.12, right=0.70, bottom=0.11, top=0.87)
        ax = fig.subplots()
        from matplotlib.patches import Polygon

        self._shade = Polygon(
            np.zeros((3, 2)),
            closed=True,
            facecolor="#fde725",
            alpha=0.35,
            hatch="//",
            edgecolor="0.35",
            linewidth=0,
            label="neuron outputs 1",
        )
        ax.add_patch(self._shade)
        (self._line,) = ax.plot([], [], color="black", linewidth=2, label="w1·x1 + w2·x2 + b = 0")
        colors = class_colors(2)
        self._points = [
            ax.scatter(
                np.zeros(0),
                np.zeros(0),
                s=160,
                color=colors[label],
                marker=CLASS_MARKERS[label],
                edgecolors="black",
                zorder=3,
                label=f"label {label}",
            )
            for label in (0, 1)
        ]
        self._wrong = ax.scatter(
            np.zeros(0),
            np.zeros(0),
            s=420,
            facecolors="none",
            edgecolors="#b2182b",
            linewidths=2,
            zorder=4,
            label="wrong",
        )
        # each point's weighted sum z = w . x + b: every move of a slider changes it, also where the line has
        # left the view (b past the corners), and it shows how far a point is from flipping (z = 0)
        self._sums = [
            ax.text(x1, x2 - 0.17, "", ha="center", va="top", fontsize=8, zorder=5) for x1, x2 in TRUTH_TABLE_X
        ]
        ax.set_xlim(*_VIEW)
        ax.set_ylim(*_VIEW)
        ax.set_aspect("equal")
        self._title = ax.set_title("")
        ax.set_xlabel("x1 (first input)")
        ax.set_ylabel("x2 (second input)")
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, framealpha=0.9
        )  # outside: never hides a point
        # the spines too: the shading would otherwise cover them (in a whole drawing they lie above it)
        self.dynamic = [
            self._shade,
            *ax.spines.values(),
            self._line,
            *self._points,
            self._wrong,
            *self._sums,
            self._title,
        ]
        return fig

    def refresh(self) -> None:
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
        region = _half_plane_in_box(w[0], w[1], b, *_VIEW)
        self._shade.set_xy(region if len(region) >= 3 else np.zeros((3, 2)))
        self._shade.set_visible(len(region) >= 3)
        self._line.set_data(*(self.boundary if self.boundary is not None else ([], [])))
        for label, points in zip((0, 1), self._points):
            points.set_offsets(TRUTH_TABLE_X[y == label])
        self._wrong.set_offsets(TRUTH_TABLE_X[self.predictions != y])
        for text, x in zip(self._sums, TRUTH_TABLE_X):
            text.set_text(f"z = {float(w @ x + b):+.1f}")
        self._title.set_text(
            f"{gate} with a step neuron: {self.message}\n"
            f"w1 = {w[0]:.1f}, w2 = {w[1]:.1f}, b = {b:.1f} (shaded: output 1)"
        )
        self.alt = (
            f"{gate} truth table with a step neuron, w1 = {w[0]:.1f}, w2 = {w[1]:.1f}, b = {b:.1f}: "
            f"{self.message}; the neuron outputs 1 on the shaded side of its line."
        )


def _half_plane_in_box(w1: float, w2: float, b: float, lo: float, hi: float) -> np.ndarray:
    """The polygon `(k, 2)` where w1*x1 + w2*x2 + b > 0 inside the square [lo, hi]^2 (k = 0 when empty)."""
    square = [(lo, lo), (hi, lo), (hi, hi), (lo, hi)]
    value = [w1 * p[0] + w2 * p[1] + b for p in square]
    out = []
    for i in range(4):  # Sutherland-Hodgman against one half-plane
        p, q, vp, vq = square[i], square[(i + 1) % 4], value[i], value[(i + 1) % 4]
        if vp > 0:
            out.append(p)
        if (vp > 0) != (vq > 0) and vp != vq:
            t = vp / (vp - vq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return np.array(out, dtype=np.float64).reshape(-1, 2)


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
    """ "diverges" when the loss ends above where it started, "converges" when it fell by at least 90 %,
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
            "lr": widgets.FloatLogSlider(
                value=lr,
                base=10,
                min=-3,
                max=np.log10(1.5),
                step=0.05,
                description="learning rate",
                readout_format=".3g",
            ),
            "steps": widgets.IntSlider(value=steps, min=1, max=100, step=1, description="steps"),
        }
        super().__init__(controls, status=True)

    def build(self) -> Figure:
        fig = Figure(figsize=(9.6, 4.0))
        fig.subplots_adjust(left=0.075, right=0.98, bottom=0.13, top=0.9, wspace=0.28)
        ax_path, ax_loss = fig.subplots(1, 2)
        plot_loss_surface(
            bowl_loss,
            np.array([BOWL_START, BOWL_START]),
            ax=ax_path,
            xlim=(-2.0, 2.0),
            ylim=(-1.5, 1.5),
            title="",
            resolution=80,
            colorbar=False,
        )
        lines = {line.get_label(): line for line in ax_path.lines}
        self._halo = next(line for line in ax_path.lines if line.get_label().startswith("_"))
        self._path_line, self._end = lines["path"], lines["end"]
        self._path_title = ax_path.title
        (self._loss_line,) = ax_loss.semilogy(
            [0], [bowl_loss(BOWL_START)], color="#21918c", marker="o", markersize=3, label="loss"
        )
        first = float(bowl_loss(BOWL_START))
        ax_loss.axhline(first, color="0.4", linestyle=":", label="initial loss")
        ax_loss.axhline(0.1 * first, color="0.4", linestyle="--", label="90 % lower")
        # a tick at every power of ten, labelled in plain text ("100", "0.001", "1e-05"): the default mathtext
        # labels of a log axis take longer to draw than everything else in this figure
        ax_loss.yaxis.set_major_locator(LogLocator(base=10, numticks=30))
        ax_loss.yaxis.set_major_formatter(FuncFormatter(_plain_number))
        ax_loss.yaxis.set_minor_formatter(NullFormatter())
        self._loss_title = ax_loss.set_title("")
        ax_loss.set_xlabel("step")
        ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_loss.set_ylabel("loss (log scale)")
        ax_loss.legend(loc="lower left", fontsize=9, framealpha=0.9)
        self._ax_loss = ax_loss
        self.dynamic = [self._halo, self._path_line, self._end, self._path_title, self._loss_line, self._loss_title]
        return fig

    def refresh(self) -> None:
        lr = float(self.controls["lr"].value)
        steps = int(self.controls["steps"].value)
        self.path, self.losses = gradient_descent_path(lr, steps)
        self.verdict = verdict(self.losses)
        drop = 1.0 - self.losses[-1] / self.losses[0]
        change = f"{100 * drop:.0f} % lower" if drop >= 0 else f"{self.losses[-1] / self.losses[0]:.3g} times higher"
        summary = (
            f"learning rate {lr:.3g}, {len(self.losses) - 1} steps: {self.verdict} "
            f"(loss {self.losses[0]:.3g} → {self.losses[-1]:.3g}, {change})"
        )
        if self.status is not None:
            self.status.value = summary
        self.alt = f"Gradient descent on a bowl, {summary}."
        for line in (self._halo, self._path_line):
            line.set_data(self.path[:, 0], self.path[:, 1])
        self._end.set_data(self.path[-1:, 0], self.path[-1:, 1])
        self._path_title.set_text(f"Path of gradient descent: {self.verdict}")
        shown = np.maximum(self.losses, np.finfo(np.float64).tiny)
        self._loss_line.set_data(np.arange(len(shown)), shown)
        # limits snapped to tens of steps and whole decades (at least two, so that at least two powers of ten
        # are labelled): the axes then take few distinct states, each drawn once and kept (background_key)
        self._ax_loss.set_xlim(-0.5, 10 * max(1, int(np.ceil((len(shown) - 1) / 10))) + 0.5)
        lo = np.floor(np.log10(min(shown.min(), 0.1 * self.losses[0])))
        hi = np.ceil(np.log10(max(shown.max(), self.losses[0])))
        self._ax_loss.set_ylim(10 ** (lo - 0.1), 10 ** (max(hi, lo + 2) + 0.1))
        self._loss_title.set_text(f"Loss per step (lr = {lr:.3g}): {self.verdict}")

    def background_key(self):
        return self._ax_loss.get_xlim(), self._ax_loss.get_ylim()


def _plain_number(value: float, _position=None) -> str:
    """A tick label for people: "100", "0.001", "1e-05" (never "1.0000000000000002e-05")."""
    return f"{value:.3g}"


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
            "n_units": widgets.IntSlider(value=n_units, min=1, max=MAX_UNITS, step=1, description="hidden units N"),
            "use_relu": widgets.Checkbox(value=use_relu, description="use ReLU"),
        }
        self.x_train = np.linspace(-1.0, 1.0, N_POINTS)
        self.y_train = target_curve(self.x_train)
        self.x_plot = np.linspace(-1.0, 1.0, 300)
        super().__init__(controls, status=True)

    def build(self) -> Figure:
        fig = Figure(figsize=(6.4, 4.2))
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.9)
        ax = fig.subplots()
        ax.plot(self.x_plot, target_curve(self.x_plot), color="0.55", linewidth=2, label="target sin(3x)")
        ax.plot(self.x_train, self.y_train, "o", color="#440154", markersize=5, label="training points")
        (self._fit,) = ax.plot(
            self.x_plot,
            np.zeros_like(self.x_plot),
            color="#21918c",
            linewidth=2.2,
            linestyle="--",
            label="network's fit",
        )
        ax.set_ylim(-1.6, 1.6)
        self._title = ax.set_title("")
        ax.set_xlabel("x (input)")
        ax.set_ylabel("y (output)")
        ax.legend(loc="lower right", fontsize=9)
        self.dynamic = [self._fit, self._title]
        return fig

    def refresh(self) -> None:
        n_units = int(self.controls["n_units"].value)
        use_relu = bool(self.controls["use_relu"].value)
        model = fit_readout(self.x_train, self.y_train, n_units, use_relu)
        self.fit_error = float(np.mean((model(self.x_train) - self.y_train) ** 2))
        self.prediction = model(self.x_plot)
        kind = "with ReLU" if use_relu else "without ReLU (purely linear)"
        summary = f"{n_units} hidden units {kind}: mean squared error {self.fit_error:.3g}"
        if self.status is not None:
            self.status.value = summary
        self.alt = f"Fit of sin(3x) by {summary}."
        self._fit.set_ydata(self.prediction)
        self._title.set_text(
            f"{n_units} hidden units {'with' if use_relu else 'without'} ReLU: mean squared error {self.fit_error:.3g}"
        )


def nonlinearity_explorer(n_units: int = 5, use_relu: bool = True) -> NonlinearityExplorer:
    """A slider for the number of hidden units N (1..50) and a "use ReLU" checkbox over a fit of sin(3x).

    Without ReLU the hidden layer is linear, so the network collapses to one linear layer and its fit is
    the same straight line for every N; with ReLU the error falls as N grows. Returns a NonlinearityExplorer.
    """
    return NonlinearityExplorer(n_units, use_relu)
