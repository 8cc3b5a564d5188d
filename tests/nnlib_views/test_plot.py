"""nnlib.views.plot: every picture draws, returns a Figure, follows the accessibility rules, and shows what it claims.

The accessibility rule these tests enforce (the one `accessibility_problems` implements):
- an axes with axis lines has a title, an x label and a y label (colour bars excepted);
- an axes turned off that draws something has its own title or the figure has a suptitle
  (image grids: the suptitle plus optional per-image titles);
- colour maps are monotone in lightness; a diverging map only with a colour bar of the same map;
- classes differ by marker shape.
"""

import functools
import io

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from nnlib.views.plot import (
    accessibility_problems,
    image_grid,
    is_monotone_in_lightness,
    plot_activation,
    plot_activation_stats,
    plot_decision_boundary,
    plot_history,
    plot_loss_surface,
    plot_network,
)


def _render(fig: Figure) -> None:
    """Draw the figure fully (to PNG in memory), so errors that only appear at draw time surface."""
    fig.savefig(io.BytesIO(), format="png")


def _blobs():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(-3.0, 0.4, size=(25, 2)), rng.normal(3.0, 0.4, size=(25, 2))])
    y = np.repeat([0, 1], 25)
    return X, y


def _sign_of_first_feature(points):
    return (points[:, 0] > 0).astype(int)


def _bowl(points):
    return 0.5 * (points[:, 0] ** 2 + 10.0 * points[:, 1] ** 2)


FIGURE_NAMES = [
    "plot_activation",
    "plot_decision_boundary",
    "plot_history",
    "image_grid",
    "image_grid symmetric",
    "plot_network",
    "plot_activation_stats",
    "plot_loss_surface",
]


@functools.lru_cache(maxsize=1)
def _all_figures():
    """One figure of each kind, drawn once for the module (the tests only read them)."""
    X, y = _blobs()
    rng = np.random.default_rng(2)
    return {
        "plot_activation": plot_activation(np.tanh, lambda x: 1 - np.tanh(x) ** 2, "tanh"),
        "plot_decision_boundary": plot_decision_boundary(_sign_of_first_feature, X, y),
        "plot_history": plot_history(
            {
                "loss": [1.0, 0.5, 0.3],
                "accuracy": [0.5, 0.7, 0.9],
                "val_loss": [1.1, 0.6, 0.4],
                "val_accuracy": [0.4, 0.6, 0.8],
            }
        ),
        "image_grid": image_grid(rng.random((12, 64)), titles=[str(i) for i in range(12)], ncols=6),
        "image_grid symmetric": image_grid(rng.normal(size=(10, 64)), symmetric=True),
        "plot_network": plot_network([64, 128, 10]),
        "plot_activation_stats": plot_activation_stats([rng.normal(size=(20, 5)) * s for s in (1, 0.1, 0.01)]),
        "plot_loss_surface": plot_loss_surface(_bowl, path=[[-1.8, 1.0], [-1.0, 0.2], [0.0, 0.0]]),
    }


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_every_plot_returns_a_figure_that_draws(name):
    fig = _all_figures()[name]
    assert isinstance(fig, Figure), f"{name} returned {type(fig).__name__}, expected a matplotlib Figure"
    _render(fig)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_every_plot_has_no_accessibility_problem(name):
    problems = accessibility_problems(_all_figures()[name])
    assert problems == [], f"{name}: {problems}"


def test_plots_draw_into_a_given_axes():
    fig = Figure()
    ax = fig.subplots()
    assert plot_activation(np.tanh, lambda x: 1 - np.tanh(x) ** 2, "tanh", ax=ax) is fig
    assert len(ax.lines) >= 2


def test_plot_activation_draws_function_and_derivative_with_the_name_in_the_title():
    fig = plot_activation(lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float), "ReLU")
    ax = fig.axes[0]
    assert ax.get_title() == "ReLU and its derivative"
    curves = [line for line in ax.lines if len(line.get_xdata()) == 401]
    assert len(curves) == 2, f"expected the function and its derivative on 401 points, got {len(curves)} curves"
    np.testing.assert_allclose(curves[0].get_ydata(), np.maximum(np.linspace(-5, 5, 401), 0))
    assert ax.get_legend() is not None


def test_plot_activation_rejects_a_derivative_of_the_wrong_shape():
    with pytest.raises(ValueError, match="plot_activation"):
        plot_activation(np.tanh, lambda x: np.ones(3), "tanh")


def test_decision_boundary_line_lies_between_two_well_separated_blobs():
    X, y = _blobs()
    fig = plot_decision_boundary(_sign_of_first_feature, X, y)
    lines = [c for c in fig.axes[0].collections if isinstance(c, ContourSet) and not c.filled]
    assert len(lines) == 1, "expected one contour line set for the boundary between two classes"
    vertices = np.vstack([p.vertices for p in lines[0].get_paths() if len(p.vertices)])
    assert len(vertices) > 0, "the boundary contour is empty"
    # the classifier switches at x1 = 0; the blobs sit at x1 = -3 and x1 = +3
    assert np.all(np.abs(vertices[:, 0]) < 0.2), f"boundary x1 range {vertices[:, 0].min()}..{vertices[:, 0].max()}"


def test_decision_boundary_fills_a_region_for_each_class():
    X, y = _blobs()
    fig = plot_decision_boundary(_sign_of_first_feature, X, y)
    filled = [c for c in fig.axes[0].collections if isinstance(c, ContourSet) and c.filled]
    assert len(filled) == 1
    non_empty = [p for p in filled[0].get_paths() if len(p.vertices)]
    assert len(non_empty) == 2, f"expected a filled region for each of the 2 classes, got {len(non_empty)}"


def test_decision_boundary_gives_each_class_its_own_marker():
    X, y = _blobs()
    fig = plot_decision_boundary(_sign_of_first_feature, X, y)
    scatters = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2, "expected one scatter per class"
    shapes = {tuple(map(tuple, np.round(s.get_paths()[0].vertices, 6))) for s in scatters}
    assert len(shapes) == 2, "both classes use the same marker shape"


def test_decision_boundary_rejects_points_that_are_not_2d():
    with pytest.raises(ValueError, match=r"plot_decision_boundary: expected X of shape \(n, 2\)"):
        plot_decision_boundary(_sign_of_first_feature, np.zeros((5, 3)), np.zeros(5, dtype=int))


def test_history_draws_training_and_validation_in_two_panels():
    fig = plot_history({"loss": [1.0, 0.5], "accuracy": [0.6, 0.8], "val_loss": [1.2, 0.7], "val_accuracy": [0.5, 0.7]})
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Loss per epoch", "Accuracy per epoch"]
    assert all(len(ax.lines) == 2 for ax in fig.axes), "each panel should show training and validation"


def test_history_accepts_an_object_with_attributes():
    class History:
        loss = [0.9, 0.4, 0.2]
        accuracy = [0.5, 0.8, 0.9]

    fig = plot_history(History())
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [0.5, 0.8, 0.9])


def test_history_rejects_lists_of_different_lengths():
    with pytest.raises(ValueError, match="plot_history: val_loss has 1 epochs but loss has 2"):
        plot_history({"loss": [1.0, 0.5], "accuracy": [0.1, 0.2], "val_loss": [1.0]})


def test_image_grid_shows_one_image_per_row_reshaped_to_shape():
    images = np.arange(3 * 64, dtype=float).reshape(3, 64)
    fig = image_grid(images, ncols=10)
    drawn = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(drawn) == 3
    np.testing.assert_array_equal(drawn[1], images[1].reshape(8, 8))


def test_image_grid_symmetric_centres_the_colour_range_on_zero_and_adds_a_colour_bar():
    weights = np.array([[-1.0, 0.5, 0.2, 0.0], [0.3, 0.1, -0.2, 0.4]])
    fig = image_grid(weights, shape=(2, 2), symmetric=True)
    image = next(ax.images[0] for ax in fig.axes if ax.images)
    assert image.get_clim() == (-1.0, 1.0)
    assert any(getattr(ax, "_colorbar", None) is not None for ax in fig.axes), "no colour bar"


def test_image_grid_rejects_rows_that_do_not_fit_the_shape():
    with pytest.raises(ValueError, match="image_grid"):
        image_grid(np.zeros((2, 10)), shape=(3, 3))


@pytest.mark.parametrize(
    "sizes, max_drawn, expected_units", [([2, 3, 1], 10, 6), ([64, 128, 10], 10, 30), ([784, 5], 6, 11)]
)
def test_network_draws_one_circle_per_unit_up_to_max_drawn(sizes, max_drawn, expected_units):
    fig = plot_network(sizes, max_drawn=max_drawn)
    circles = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    assert len(circles) == expected_units


def test_network_draws_a_line_for_every_pair_of_drawn_units():
    fig = plot_network([2, 3, 1])
    (lines,) = fig.axes[0].collections
    assert len(lines.get_segments()) == 2 * 3 + 3 * 1


def test_network_labels_layers_and_marks_large_ones_with_an_ellipsis():
    fig = plot_network([64, 128, 10])
    texts = [t.get_text() for t in fig.axes[0].texts]
    for label in ("input (64)", "hidden 1 (128)", "output (10)"):
        assert label in texts
    assert texts.count("…") == 2, "the 64- and 128-unit layers should show an ellipsis, the 10-unit one not"


def test_network_rejects_a_single_layer():
    with pytest.raises(ValueError, match="plot_network"):
        plot_network([5])


def test_activation_stats_show_vanishing_activations_falling_by_orders_of_magnitude():
    per_layer = [np.full((4, 3), 1.0) * s * np.array([1, -1, 1]) for s in (1.0, 1e-3, 1e-6)]
    fig = plot_activation_stats(per_layer)
    ax = fig.axes[0]
    std_line = next(line for line in ax.lines if line.get_label() == "standard deviation")
    np.testing.assert_allclose(std_line.get_ydata(), [np.std(a) for a in per_layer])
    assert ax.get_yscale() == "log"


def test_activation_stats_mark_overflowing_layers_without_warnings():
    fig = plot_activation_stats([np.ones(3), np.array([np.inf, 1.0])])
    assert "overflow" in [t.get_text() for t in fig.axes[0].texts]


def test_loss_surface_draws_the_path_over_the_contours():
    path = np.array([[-1.8, 1.0], [-1.0, 0.2], [0.0, 0.0]])
    fig = plot_loss_surface(_bowl, path=path, xlim=(-2, 2), ylim=(-1.5, 1.5))
    ax = fig.axes[0]
    path_line = next(line for line in ax.lines if line.get_label() == "path")
    np.testing.assert_allclose(path_line.get_xydata(), path)
    assert any(isinstance(c, ContourSet) and c.filled for c in ax.collections)
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1.5, 1.5)


def test_loss_surface_accepts_a_function_of_one_point():
    fig = plot_loss_surface(lambda w: float(w[0] ** 2 + w[1] ** 2), resolution=20)
    assert accessibility_problems(fig) == []


def test_accessibility_reports_an_axes_without_title_or_labels():
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    problems = accessibility_problems(fig)
    assert any("no title" in p for p in problems)
    assert any("no x-axis label" in p for p in problems)
    assert any("no y-axis label" in p for p in problems)


def test_accessibility_reports_a_turned_off_image_axes_without_any_title():
    fig = Figure()
    ax = fig.subplots()
    ax.imshow(np.eye(3), cmap="gray")
    ax.set_axis_off()
    assert len(accessibility_problems(fig)) == 1
    fig.suptitle("Identity")
    assert accessibility_problems(fig) == []


def test_accessibility_ignores_empty_turned_off_axes():
    fig = image_grid(np.zeros((3, 64)), ncols=2)  # the fourth cell is empty
    assert accessibility_problems(fig) == []


@pytest.mark.parametrize("cmap", ["jet", "hsv", "twilight"])
def test_accessibility_reports_colour_maps_not_monotone_in_lightness(cmap):
    fig = Figure()
    ax = fig.subplots()
    ax.imshow(np.eye(3), cmap=cmap)
    ax.set(title="t", xlabel="x", ylabel="y")
    (problem,) = accessibility_problems(fig)
    assert cmap in problem


def test_accessibility_accepts_a_diverging_map_only_with_a_colour_bar():
    fig = Figure()
    ax = fig.subplots()
    image = ax.imshow(np.eye(3), cmap="RdBu_r")
    ax.set(title="t", xlabel="x", ylabel="y")
    assert accessibility_problems(fig) != []
    fig.colorbar(image, ax=ax)
    assert accessibility_problems(fig) == []


@pytest.mark.parametrize(
    "cmap, monotone",
    [("viridis", True), ("cividis", True), ("gray", True), ("gray_r", True), ("jet", False), ("RdBu_r", False)],
)
def test_lightness_check_matches_known_colour_maps(cmap, monotone):
    assert is_monotone_in_lightness(cmap) is monotone


def test_accessibility_rejects_something_that_is_not_a_figure():
    with pytest.raises(TypeError, match="accessibility_problems"):
        accessibility_problems("not a figure")


def test_plots_do_not_register_figures_with_pyplot():
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    _all_figures.__wrapped__()
    assert set(plt.get_fignums()) == before
