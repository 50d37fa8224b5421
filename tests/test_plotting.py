"""Tests of softmax_lib.plotting (drawn with the Agg backend set in conftest.py).

The plotted data are compared with the model's own predictions, computed here.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure

from softmax_lib import (
    SoftmaxRegression,
    make_noisy_line,
    plot_decision_regions,
    plot_loss_curves,
    plot_probability_curves,
    plot_reliability,
    plot_weight_images,
)


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("plt.show() must not be called by library code")

    monkeypatch.setattr(plt, "show", forbidden)
    monkeypatch.setattr(Figure, "show", forbidden)
    yield
    plt.close("all")


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == "agg"


def _labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.fixture(scope="module")
def line_model():
    X, y = make_noisy_line()
    return SoftmaxRegression(C=10.0).fit(X, y), X, y


@pytest.fixture(scope="module")
def plane_model():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    y = np.repeat(np.arange(3), 20)
    X = centres[y] + rng.normal(scale=0.7, size=(60, 2))
    return SoftmaxRegression().fit(X, y), X, y


# --------------------------------------------------------------------------- probability curves
def test_probability_curves_plot_predict_proba_on_the_grid(line_model):
    model, X, y = line_model
    ax = plot_probability_curves(model, X, y, n_points=123)
    assert isinstance(ax, Axes)
    assert _labelled(ax)
    grid = np.linspace(X.min(), X.max(), 123)
    expected = model.predict_proba(grid.reshape(-1, 1))
    curves = ax.get_lines()
    assert len(curves) == 3
    for k, line in enumerate(curves):
        np.testing.assert_allclose(line.get_xdata(), grid, rtol=1e-15)
        np.testing.assert_allclose(line.get_ydata(), expected[:, k], rtol=1e-12, atol=1e-15)
    # the data are drawn as one marker set per class, each point at its own x
    scatters = ax.collections
    assert len(scatters) == 3
    for k, sc in enumerate(scatters):
        np.testing.assert_allclose(np.sort(sc.get_offsets()[:, 0]), np.sort(X[y == k, 0]))
    assert ax.get_legend() is not None


def test_probability_curves_accept_a_callable_and_an_axes(line_model):
    model, X, _ = line_model
    _, ax = plt.subplots()
    out = plot_probability_curves(model.predict_proba, X, ax=ax, n_points=50, title="my title")
    assert out is ax
    assert ax.get_title() == "my title"
    assert len(ax.get_lines()) == 3
    assert len(ax.collections) == 0  # no y given: no data markers
    grid = np.linspace(X.min(), X.max(), 50).reshape(-1, 1)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), model.predict_proba(grid)[:, 1],
                               rtol=1e-12)


# --------------------------------------------------------------------------- decision regions
class _Spy:
    """Wraps a classifier and records what predict was asked."""

    def __init__(self, model):
        self.model = model
        self.classes_ = model.classes_
        self.calls = []

    def predict(self, X):
        self.calls.append(np.array(X))
        return self.model.predict(X)


def test_decision_regions_predict_on_a_grid_covering_the_data(plane_model):
    model, X, y = plane_model
    spy = _Spy(model)
    ax = plot_decision_regions(spy, X, y, resolution=40, feature_names=("x one", "x two"))
    assert isinstance(ax, Axes)
    assert ax.get_title()
    assert ax.get_xlabel() == "x one" and ax.get_ylabel() == "x two"
    assert len(spy.calls) == 1
    grid = spy.calls[0]
    assert grid.shape == (40 * 40, 2)
    assert np.all(grid.min(axis=0) <= X.min(axis=0)) and np.all(grid.max(axis=0) >= X.max(axis=0))
    # one marker set per class, holding exactly that class's points
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 3
    for k, sc in enumerate(scatters):
        np.testing.assert_allclose(sc.get_offsets(), X[y == k])
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["0", "1", "2"]
    # the shaded regions: one filled contour over the grid, one level band per class
    (contour,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    np.testing.assert_allclose(contour.levels, [-0.5, 0.5, 1.5, 2.5])


def test_decision_regions_with_string_classes(plane_model):
    _, X, y = plane_model
    names = np.array(["cat", "dog", "emu"])[y]
    model = SoftmaxRegression().fit(X, names)
    ax = plot_decision_regions(model, X, names, resolution=30)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cat", "dog", "emu"]


@pytest.mark.parametrize("shape", [(60,), (60, 1), (60, 3), (2, 30, 2)])
def test_decision_regions_reject_non_2d_inputs(plane_model, shape):
    model, _, y = plane_model
    with pytest.raises(ValueError):
        plot_decision_regions(model, np.zeros(shape), y)


def test_decision_regions_need_a_fitted_model(plane_model):
    from sklearn.exceptions import NotFittedError

    _, X, y = plane_model
    with pytest.raises(NotFittedError):
        plot_decision_regions(SoftmaxRegression(), X, y)


def test_decision_regions_check_the_class_names(plane_model):
    model, X, y = plane_model
    with pytest.raises(ValueError, match="class_names has 2 names for 3 classes"):
        plot_decision_regions(model, X, y, class_names=["cat", "dog"])


def test_more_classes_than_colours_raise_instead_of_reusing_one():
    # Two classes in one colour would be a figure that lies; say so instead.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(120, 2)), np.arange(120) % 12
    model = SoftmaxRegression().fit(X, y)
    with pytest.raises(ValueError, match="10 colours, but there are 12 classes"):
        plot_decision_regions(model, X, y)
    with pytest.raises(ValueError, match="10 colours, but there are 12 classes"):
        plot_probability_curves(lambda grid: np.full((len(grid), 12), 1 / 12), X[:, :1])


@pytest.mark.parametrize("model", [None, 3.0, "model"])
def test_probability_curves_reject_what_gives_no_probabilities(model, line_model):
    _, X, _ = line_model
    with pytest.raises(TypeError, match="predict_proba or be a function"):
        plot_probability_curves(model, X)


def test_probability_curves_reject_a_function_of_the_wrong_shape(line_model):
    _, X, _ = line_model
    with pytest.raises(ValueError, match=r"shape \(300, n_classes\), got shape \(300,\)"):
        plot_probability_curves(lambda grid: np.full(len(grid), 0.5), X)


# --------------------------------------------------------------------------- loss curves
def test_loss_curves_draw_each_curve_with_its_label():
    curves = {"lr=0.1": [1.1, 0.9, 0.7, 0.6], "lr=1": np.array([1.1, 0.5, 0.4])}
    ax = plot_loss_curves(curves)
    assert isinstance(ax, Axes)
    assert _labelled(ax)
    lines = ax.get_lines()
    assert len(lines) == 2
    for line, values in zip(lines, curves.values(), strict=True):
        np.testing.assert_array_equal(line.get_ydata(), values)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(len(values)))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)
    assert ax.get_yscale() == "linear"


def test_loss_curves_log_scale_and_custom_labels():
    ax = plot_loss_curves({"a": [1.0, 0.1, 0.01]}, log_y=True, title="T", xlabel="X", ylabel="Y")
    assert ax.get_yscale() == "log"
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T", "X", "Y")


# --------------------------------------------------------------------------- weight images
def test_weight_images_show_each_row_on_a_symmetric_scale():
    coef = np.random.default_rng(0).normal(size=(3, 12))
    fig = plot_weight_images(coef, image_shape=(3, 4), class_names=["a", "b", "c"])
    assert isinstance(fig, Figure)
    assert fig.get_suptitle()
    image_axes = [ax for ax in fig.axes if ax.get_images()]
    assert len(image_axes) == 3
    limit = np.abs(coef).max()
    for k, ax in enumerate(image_axes):
        assert ax.get_title() == f"class {'abc'[k]}"
        image = ax.get_images()[0]
        np.testing.assert_array_equal(image.get_array(), coef[k].reshape(3, 4))
        assert image.get_clim() == (-limit, limit)
    colorbars = [ax for ax in fig.axes if not ax.get_images() and ax.get_ylabel()]
    assert len(colorbars) == 1


def test_weight_images_default_shape_and_grid_of_five_columns():
    coef = np.arange(10 * 64, dtype=float).reshape(10, 64) - 300
    fig = plot_weight_images(coef)
    image_axes = [ax for ax in fig.axes if ax.get_images()]
    assert len(image_axes) == 10
    assert [ax.get_title() for ax in image_axes] == [f"class {k}" for k in range(10)]
    assert image_axes[0].get_images()[0].get_array().shape == (8, 8)


def test_loss_curves_reject_no_curves():
    with pytest.raises(ValueError, match="curves is empty"):
        plot_loss_curves({})


@pytest.mark.parametrize(("coef", "shape"), [(np.ones((3, 7)), (2, 2)), (np.ones(64), (8, 8)),
                                             (np.ones((2, 64, 1)), (8, 8))])
def test_weight_images_reject_rows_that_are_not_images(coef, shape):
    with pytest.raises(ValueError, match="coef must have shape"):
        plot_weight_images(coef, shape)


def test_weight_images_check_the_class_names():
    with pytest.raises(ValueError, match="class_names has 3 names for 2 classes"):
        plot_weight_images(np.ones((2, 64)), class_names=["a", "b", "c"])


def test_each_helper_creates_one_figure_and_leaves_it_open_for_the_caller(line_model):
    model, X, y = line_model
    plt.close("all")
    plot_probability_curves(model, X, y)
    plot_loss_curves({"a": [1.0, 0.5]})
    plot_weight_images(np.ones((2, 4)), image_shape=(2, 2))
    assert len(plt.get_fignums()) == 3


# --------------------------------------------------------------------------- reliability
def _overconfident(n=2000, seed=0):
    # Three classes; the predicted top probability is drawn uniformly, and the model is
    # right with probability confidence**2: overconfident, with bins of varied size.
    rng = np.random.default_rng(seed)
    top = rng.uniform(0.34, 1.0, n)
    proba = np.column_stack([top, (1 - top) / 2, (1 - top) / 2])
    correct = rng.random(n) < top**2
    y = np.where(correct, 0, rng.integers(1, 3, n))
    return proba, y


def test_plot_reliability_draws_the_bins_that_hold_predictions():
    proba, y = _overconfident()
    ax_curve, ax_count = plot_reliability(proba, y, n_bins=10, title="t")
    diagonal, model = ax_curve.get_lines()
    np.testing.assert_array_equal(diagonal.get_xydata(), [[0, 0], [1, 1]])
    # Independent check: bin by hand (right-closed bins, as calibration_curve).
    confidence = proba.max(axis=1)
    bins = np.clip(np.ceil(confidence * 10).astype(int) - 1, 0, 9)
    filled = np.unique(bins)
    expected_x = [confidence[bins == b].mean() for b in filled]
    expected_y = [(y[bins == b] == 0).mean() for b in filled]
    np.testing.assert_allclose(model.get_xdata(), expected_x, rtol=1e-12)
    np.testing.assert_allclose(model.get_ydata(), expected_y, rtol=1e-12)
    heights = [patch.get_height() for patch in ax_count.patches]
    assert heights == [int((bins == b).sum()) for b in filled]
    np.testing.assert_allclose([p.get_x() + p.get_width() / 2 for p in ax_count.patches],
                               (filled + 0.5) / 10)
    assert 0 not in filled  # no prediction below 1/3: the empty low bins are not drawn
    assert ax_count.get_yscale() == "log" and ax_curve.get_title() == "t"


def test_plot_reliability_uses_the_given_axes_and_style():
    proba, y = _overconfident(seed=1)
    _, axes = plt.subplots(2, 2)
    returned = plot_reliability(proba, y, axes=(axes[0, 1], axes[1, 1]), style=2)
    assert returned == (axes[0, 1], axes[1, 1])
    assert not axes[0, 0].get_lines()  # nothing drawn elsewhere
    model = axes[0, 1].get_lines()[1]
    assert model.get_color() == "#009E73" and model.get_marker() == "^"


def test_plot_reliability_rejects_bad_input():
    proba, y = _overconfident()
    with pytest.raises(ValueError, match="sum to 1"):
        plot_reliability(proba * 1.5, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        plot_reliability(proba, y[:-1])
    with pytest.raises(ValueError, match=r"class indices in 0\.\.2"):
        plot_reliability(proba, y + 1)
