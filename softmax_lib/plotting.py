"""Plots the chapters share. Each returns matplotlib objects and never calls ``show``.

Colours come from the Okabe–Ito palette, which stays distinguishable for the common
forms of colour blindness; classes also differ by marker shape, so no figure relies
on colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.exceptions import NotFittedError

__all__ = [
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "plot_probability_curves",
    "plot_decision_regions",
    "plot_loss_curves",
    "plot_reliability",
    "plot_weight_images",
]

# Okabe & Ito (2008), "Color Universal Design".
CLASS_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
)
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")


def _axes(ax):
    import matplotlib.pyplot as plt  # deferred: matplotlib is slow to import

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    return ax


def _probability_function(model) -> Callable[[NDArray], NDArray]:
    if hasattr(model, "predict_proba"):
        return model.predict_proba
    if callable(model):
        return model
    raise TypeError(
        "model must have predict_proba or be a function from X to probabilities, got "
        f"{type(model).__name__}"
    )


def _class_names(
    n_classes: int, class_names: Sequence[str] | None, default: Callable[[int], str],
    *, coloured: bool = True,
) -> list[str]:
    """``class_names`` as a list, checked against the number of classes, or the defaults.

    With ``coloured``, the plot tells classes apart by :data:`CLASS_COLORS`, so there may
    be no more classes than colours.
    """
    if coloured and n_classes > len(CLASS_COLORS):
        raise ValueError(
            f"this plot tells classes apart by {len(CLASS_COLORS)} colours, but there are "
            f"{n_classes} classes"
        )
    if class_names is None:
        return [default(k) for k in range(n_classes)]
    if len(class_names) != n_classes:
        raise ValueError(f"class_names has {len(class_names)} names for {n_classes} classes")
    return list(class_names)


def plot_probability_curves(
    model,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    class_names: Sequence[str] | None = None,
    n_points: int = 300,
    ax=None,
    title: str = "Class probabilities along the input",
):
    """Predicted probability of each class along a 1-D input, with the data as dots.

    Parameters
    ----------
    model : estimator with ``predict_proba``, or callable
        Maps an array of shape (n, 1) to probabilities of shape (n, n_classes).
    X : array-like of shape (n_samples, 1)
        Inputs; they set the x-range and are drawn at their labels if ``y`` is given.
    y : array-like of shape (n_samples,), optional
        Integer labels, drawn as markers at height 1.05 + 0.04·label.
    class_names : sequence of str, optional
        Legend names; default ``"class k"``.
    n_points : int, default=300
        Resolution of the curves.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If ``model`` has no ``predict_proba`` and is not callable.
    ValueError
        If it gives no (n_points, n_classes) array, ``class_names`` does not match,
        or there are more classes than :data:`CLASS_COLORS`.
    """
    ax = _axes(ax)
    x = np.asarray(X, dtype=float).reshape(-1)
    grid = np.linspace(x.min(), x.max(), n_points)
    proba = np.asarray(_probability_function(model)(grid.reshape(-1, 1)))
    if proba.ndim != 2 or proba.shape[0] != n_points:
        raise ValueError(
            f"model should map {n_points} inputs to probabilities of shape ({n_points}, "
            f"n_classes), got shape {proba.shape}"
        )
    names = _class_names(proba.shape[1], class_names, lambda k: f"class {k}")
    for k in range(proba.shape[1]):
        ax.plot(
            grid,
            proba[:, k],
            color=CLASS_COLORS[k],
            lw=2,
            ls=("-", "--", ":", "-.")[k % 4],
            label=f"P({names[k]} | x)",
        )
    if y is not None:
        labels = np.asarray(y)
        for k in range(proba.shape[1]):
            mask = labels == k
            ax.scatter(
                x[mask],
                np.full(mask.sum(), 1.05 + 0.04 * k),
                s=14,
                color=CLASS_COLORS[k],
                marker=CLASS_MARKERS[k],
                label=f"data: {names[k]}",
            )
    ax.set(
        title=title,
        xlabel="input x",
        ylabel="probability",
        ylim=(-0.02, 1.05 + 0.04 * proba.shape[1]),
    )
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
    return ax


def plot_decision_regions(
    model,
    X: ArrayLike,
    y: ArrayLike,
    *,
    feature_names: Sequence[str] = ("feature 1", "feature 2"),
    class_names: Sequence[str] | None = None,
    resolution: int = 300,
    ax=None,
    title: str = "Decision regions",
):
    """Shade the plane by predicted class and draw the data on top (2-D inputs only).

    Parameters
    ----------
    model : fitted classifier with ``predict`` and ``classes_``
    X : array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)
    feature_names : pair of str
        Axis labels.
    class_names : sequence of str, optional
        Legend names, in the order of ``model.classes_``.
    resolution : int, default=300
        Grid points per axis.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    NotFittedError
        If ``model`` has no ``classes_``.
    ValueError
        If ``X`` is not (n_samples, 2), ``class_names`` does not match, or there are
        more classes than :data:`CLASS_COLORS`.
    """
    from matplotlib.colors import ListedColormap

    ax = _axes(ax)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_regions needs X of shape (n_samples, 2), got {X.shape}")
    y = np.asarray(y)
    if not hasattr(model, "classes_"):
        raise NotFittedError(
            "plot_decision_regions needs a fitted classifier (with classes_ and predict): "
            "call fit first"
        )
    classes = list(model.classes_)
    names = _class_names(len(classes), class_names, lambda k: str(classes[k]))
    margin = 0.05 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    g0, g1 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    predicted = model.predict(np.column_stack([g0.ravel(), g1.ravel()]))
    region = np.searchsorted(classes, predicted).reshape(g0.shape)
    cmap = ListedColormap(CLASS_COLORS[: len(classes)])
    ax.contourf(g0, g1, region, levels=np.arange(len(classes) + 1) - 0.5, cmap=cmap, alpha=0.25)
    for k, label in enumerate(classes):
        mask = y == label
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=22,
            color=CLASS_COLORS[k],
            marker=CLASS_MARKERS[k],
            edgecolor="black",
            linewidth=0.4,
            label=names[k],
        )
    ax.set(title=title, xlabel=feature_names[0], ylabel=feature_names[1])
    ax.legend(title="true class", fontsize="small")
    return ax


def plot_loss_curves(
    curves: Mapping[str, ArrayLike],
    *,
    log_y: bool = False,
    ax=None,
    title: str = "Objective during training",
    xlabel: str = "iteration",
    ylabel: str = "objective (mean cross-entropy + penalty)",
):
    """Draw one line per named loss curve (for example per learning rate).

    Parameters
    ----------
    curves : mapping of str to array-like of shape (n_steps,)
        Label → objective values.
    log_y : bool, default=False
        Logarithmic y-axis.
    ax : matplotlib Axes, optional
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``curves`` is empty.
    """
    if not curves:
        raise ValueError("curves is empty: give at least one {label: values} pair")
    ax = _axes(ax)
    for k, (label, values) in enumerate(curves.items()):
        ax.plot(
            np.asarray(values, dtype=float),
            color=CLASS_COLORS[k % len(CLASS_COLORS)],
            ls=("-", "--", ":", "-.")[k % 4],
            lw=2,
            label=label,
        )
    if log_y:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize="small")
    return ax


def plot_reliability(
    proba: ArrayLike,
    y: ArrayLike,
    *,
    n_bins: int = 10,
    axes=None,
    title: str = "Reliability diagram",
    style: int = 0,
):
    """Reliability diagram (top) and the number of predictions per bin (bottom, log scale).

    The top panel plots, for each confidence bin that holds predictions, the accuracy in
    the bin against its mean confidence, beside the diagonal of a calibrated model; the
    bottom panel shows how many predictions each bin holds, so that a point backed by
    three predictions is not read like one backed by thousands.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.
    y : array-like of shape (n_samples,)
        True class indices in ``[0, n_classes)``.
    n_bins : int, default=10
        Equal-width confidence bins on [0, 1] (see :func:`softmax_lib.reliability_table`,
        which also validates the inputs).
    axes : (Axes, Axes), optional
        The curve's and the counts' axes; by default a new figure with both, the counts
        below.
    title : str
    style : int, default=0
        Index into :data:`CLASS_COLORS` and :data:`CLASS_MARKERS` for the model's curve
        and bars, to tell several models apart.

    Returns
    -------
    (matplotlib.axes.Axes, matplotlib.axes.Axes)
        The curve's axes and the counts' axes.
    """
    from .calibration import reliability_table

    table = reliability_table(proba, y, n_bins)
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 1, figsize=(5.0, 5.2), sharex=True, layout="constrained",
                               gridspec_kw={"height_ratios": (3, 1)})
    ax_curve, ax_count = axes
    filled = table.counts > 0  # an empty bin has no accuracy to plot
    colour = CLASS_COLORS[style % len(CLASS_COLORS)]
    ax_curve.plot([0, 1], [0, 1], color=CLASS_COLORS[7], ls=":", label="calibrated")
    ax_curve.plot(table.mean_confidence[filled], table.accuracy[filled], color=colour,
                  marker=CLASS_MARKERS[style % len(CLASS_MARKERS)], label="model")
    ax_curve.set(title=title, ylabel="accuracy in bin", xlim=(0, 1), ylim=(-0.03, 1.03))
    ax_curve.legend(loc="upper left", fontsize=8)
    centres = (np.flatnonzero(filled) + 0.5) / n_bins
    bars = ax_count.bar(centres, table.counts[filled], width=0.9 / n_bins, color=colour)
    ax_count.bar_label(bars, padding=1, fontsize=7)
    ax_count.set(yscale="log", ylim=(1, 5 * int(table.counts.sum())), xlabel="confidence",
                 ylabel="predictions")
    return ax_curve, ax_count


def plot_weight_images(
    coef: ArrayLike,
    image_shape: tuple[int, int] = (8, 8),
    *,
    class_names: Sequence[str] | None = None,
    title: str = "Weights of each class as an image",
):
    """Show each row of ``coef`` as an image, on one shared, symmetric diverging scale.

    Parameters
    ----------
    coef : array-like of shape (n_classes, n_pixels)
    image_shape : (int, int), default=(8, 8)
    class_names : sequence of str, optional
    title : str

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``coef`` is not (n_classes, prod(image_shape)) or ``class_names`` does not match.
    """
    import matplotlib.pyplot as plt

    coef = np.asarray(coef, dtype=float)
    if coef.ndim != 2 or coef.shape[1] != int(np.prod(image_shape)):
        raise ValueError(
            f"coef must have shape (n_classes, {int(np.prod(image_shape))}) to show rows as "
            f"{image_shape[0]}x{image_shape[1]} images, got {coef.shape}"
        )
    n_classes = coef.shape[0]
    n_cols = min(n_classes, 5)
    n_rows = int(np.ceil(n_classes / n_cols))
    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        figsize=(2.0 * n_cols, 2.2 * n_rows + 0.6),
        layout="constrained",
        squeeze=False,
    )
    limit = np.abs(coef).max()
    names = _class_names(n_classes, class_names, str, coloured=False)
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k < n_classes:
            image = ax.imshow(coef[k].reshape(image_shape), cmap="PuOr_r", vmin=-limit, vmax=limit)
            ax.set_title(f"class {names[k]}")
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight (orange +, purple −)")
    fig.suptitle(title)
    return fig
