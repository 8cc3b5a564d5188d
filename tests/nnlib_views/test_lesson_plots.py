"""Lesson-specific figures (nnlib.views.training, nnlib.views.depth): they draw, and they pass the
accessibility rules every course figure follows."""

import numpy as np
import pytest

from nnlib.views.depth import plot_sawtooths, plot_units_needed
from nnlib.views.plot import accessibility_problems
from nnlib.views.training import LiveLossCurve, plot_lr_sweep, plot_step_size_errors


def test_step_size_errors_plot_is_accessible():
    eps = np.logspace(-10, -1, 10)
    fig = plot_step_size_errors(eps, {"forward": eps, "central": eps**2 + 1e-12}, slopes=[1, 2])
    assert accessibility_problems(fig) == []


def test_step_size_errors_rejects_mismatched_slopes():
    with pytest.raises(ValueError, match="plot_step_size_errors"):
        plot_step_size_errors([1e-3, 1e-2], {"forward": [1, 2]}, slopes=[1, 2])


def test_lr_sweep_marks_diverged_runs_and_is_accessible():
    lrs = np.array([1e-3, 1e-1, 10.0])
    fig = plot_lr_sweep(
        lrs, [2.0, 0.1, np.nan], [0.3, 0.95, np.nan], initial_loss=2.3, curves={"lr=0.1": [2.0, 1.0, 0.1]}
    )
    assert accessibility_problems(fig) == []
    assert len(fig.axes) == 3


def test_live_loss_curve_records_each_epoch():
    live = LiveLossCurve(3, title="Loss")
    for loss in (2.0, 1.0, 0.5):
        live.add(loss, val_loss=loss * 1.1)
    assert live.loss == [2.0, 1.0, 0.5] and len(live.val_loss) == 3
    assert accessibility_problems(live.figure) == []


def test_depth_figures_are_accessible():
    x = np.linspace(0, 1, 65)
    curves = [np.abs(((x * 2**k) % 2) - 1) for k in (1, 2)]
    assert accessibility_problems(plot_sawtooths(x, curves, [1, 2], pieces=[2, 4])) == []
    assert accessibility_problems(plot_units_needed([2, 4, 8], [[0.1, 0.01, 0.001]], [1])) == []


def test_lr_sweep_names_what_the_accuracy_was_measured_on():
    fig = plot_lr_sweep([1e-2, 1e-1], [1.0, 0.5], [0.8, 0.9], accuracy_label="validation accuracy")
    assert fig.axes[1].get_title() == "Final validation accuracy"


def test_optimizer_paths_draw_one_accessible_panel_per_path():
    from nnlib.views.training import plot_optimizer_paths

    bowl = lambda P: 0.5 * (P[:, 0] ** 2 + 10 * P[:, 1] ** 2)
    path = np.array([[-1.8, 1.0], [-1.0, 0.2], [0.0, 0.0]])
    fig = plot_optimizer_paths(bowl, {"SGD": path, "Adam": path[::-1]})
    assert len(fig.axes) == 2 and [ax.get_title() for ax in fig.axes] == ["SGD", "Adam"]
    assert accessibility_problems(fig) == []
    with pytest.raises(ValueError, match="plot_optimizer_paths: paths is empty"):
        plot_optimizer_paths(bowl, {})


def test_train_val_curves_and_gradient_norms_are_accessible():
    from nnlib.views.training import plot_gradient_norms, plot_train_val_curves

    fig = plot_train_val_curves({"training": [2.0, 1.0, 0.5], "validation": [2.1, 1.5, 1.7]}, marks={"best epoch": 2})
    assert accessibility_problems(fig) == []
    fig = plot_gradient_norms({"sigmoid": [1e-6, 1e-3, 0.5], "ReLU": [0.8, 1.0, 0.9]})
    assert accessibility_problems(fig) == [] and fig.axes[0].get_yscale() == "log"


def test_train_val_curves_shade_a_band_around_a_curve_and_refuse_a_mismatched_one():
    from matplotlib.collections import PolyCollection

    from nnlib.views.training import plot_train_val_curves

    curves = {"training": [2.0, 1.0, 0.5], "validation": [2.1, 1.5, 1.7]}
    fig = plot_train_val_curves(curves, bands={"validation": ([2.0, 1.2, 1.4], [2.2, 1.8, 2.0])})
    shaded = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(shaded) == 1
    assert np.isclose(shaded[0].get_paths()[0].vertices[:, 1].max(), 2.2)
    assert accessibility_problems(fig) == []
    with pytest.raises(ValueError, match="plot_train_val_curves: bands given for \\['test'\\]"):
        plot_train_val_curves(curves, bands={"test": ([1, 1, 1], [2, 2, 2])})
    with pytest.raises(ValueError, match="the band of 'training' has 2 and 3 values; the curve has 3"):
        plot_train_val_curves(curves, bands={"training": ([1, 1], [2, 2, 2])})
