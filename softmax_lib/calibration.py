"""Are the probabilities right? Reliability tables, calibration error, temperature scaling.

A classifier is *calibrated* when, among the predictions made with confidence ``c``, a
share ``c`` is correct. :func:`reliability_table` bins the top-class confidence and
compares it with the accuracy in each bin, :func:`expected_calibration_error` sums the
gaps, and :func:`fit_temperature` finds the one number ``T`` that, dividing every
logit, makes held-out probabilities as good as they can be under the log loss
(Guo et al., 2017). Dividing by ``T`` keeps the order of the logits, so it never
changes a prediction, only its confidence.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .core import log_softmax, softmax
from .decisions import _checked_proba

__all__ = ["ReliabilityTable", "expected_calibration_error", "fit_temperature",
           "reliability_table", "temperature_scaled_log_loss"]


class ReliabilityTable(NamedTuple):
    """Per-bin statistics of the top-class confidence; bins without predictions hold NaN.

    Bin ``b`` covers confidences in ``(b / n_bins, (b + 1) / n_bins]`` (the first also
    holds 0), the rule of :func:`sklearn.calibration.calibration_curve`.
    """

    counts: NDArray[np.int64]
    """(n_bins,) number of predictions in each bin."""
    mean_confidence: NDArray[np.float64]
    """(n_bins,) mean top-class probability of the predictions in each bin."""
    accuracy: NDArray[np.float64]
    """(n_bins,) share of those predictions that are correct."""


def _checked_proba_and_labels(proba: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    from sklearn.utils import check_consistent_length

    proba = _checked_proba(proba)
    y = _checked_labels(y, proba.shape[1])
    check_consistent_length(proba, y)
    return proba, y


def _checked_labels(y: ArrayLike, n_classes: int) -> NDArray[np.intp]:
    from sklearn.utils import column_or_1d

    y = column_or_1d(y)
    if y.dtype.kind not in "iub":
        if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.intp)
        else:
            raise ValueError(f"y must hold integer class indices, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y must hold class indices in 0..{n_classes - 1}, got "
                         f"values from {y.min()} to {y.max()}")
    return y.astype(np.intp)


def _checked_n_bins(n_bins: int) -> int:
    if isinstance(n_bins, bool) or int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    return int(n_bins)


def reliability_table(proba: ArrayLike, y: ArrayLike, n_bins: int = 10) -> ReliabilityTable:
    """Count, mean confidence and accuracy of the top-class predictions per confidence bin.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, rows summing to 1.
    y : array-like of shape (n_samples,)
        True classes as indices ``0..n_classes-1`` (the columns of ``proba``).
    n_bins : int, default=10
        Number of equal-width bins on [0, 1].

    Returns
    -------
    ReliabilityTable
        ``(counts, mean_confidence, accuracy)``, each of shape (n_bins,).

    Examples
    --------
    >>> table = reliability_table([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], [0, 1, 1], n_bins=2)
    >>> table.counts.tolist(), table.accuracy.tolist()
    ([0, 3], [nan, 0.6666666666666666])
    """
    proba, y = _checked_proba_and_labels(proba, y)
    n_bins = _checked_n_bins(n_bins)
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y).astype(np.float64)
    inner_edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    bin_index = np.digitize(confidence, inner_edges, right=True)
    counts = np.bincount(bin_index, minlength=n_bins)
    filled = counts > 0
    mean_confidence = np.full(n_bins, np.nan)
    accuracy = np.full(n_bins, np.nan)
    mean_confidence[filled] = (np.bincount(bin_index, weights=confidence, minlength=n_bins)
                               [filled] / counts[filled])
    accuracy[filled] = (np.bincount(bin_index, weights=correct, minlength=n_bins)
                        [filled] / counts[filled])
    return ReliabilityTable(counts.astype(np.int64), mean_confidence, accuracy)


def expected_calibration_error(proba: ArrayLike, y: ArrayLike, n_bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence (Guo et al., 2017).

    ``sum_b (n_b / n) * |accuracy_b - mean_confidence_b|`` over the bins of
    :func:`reliability_table`. It depends on ``n_bins`` and sees the top class only, and
    gaps of opposite sign within one bin cancel: a diagnostic, not a proper score (the
    log loss and the Brier score are).

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, rows summing to 1.
    y : array-like of shape (n_samples,)
        True classes as indices ``0..n_classes-1``.
    n_bins : int, default=15
        Number of equal-width bins on [0, 1].

    Returns
    -------
    float
        In [0, 1]; 0 for a model whose accuracy equals its confidence in every bin.
    """
    counts, mean_confidence, accuracy = reliability_table(proba, y, n_bins)
    if counts.sum() == 0:
        raise ValueError("expected_calibration_error needs at least one prediction")
    filled = counts > 0
    gaps = np.abs(accuracy[filled] - mean_confidence[filled])
    return float(np.sum(counts[filled] / counts.sum() * gaps))


def fit_temperature(
    logits: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
) -> float:
    """The temperature ``T`` that minimises the mean cross-entropy of ``softmax(logits / T)``.

    Fit it on held-out data (a validation set), never on the training set, where a
    model is over-confident by construction. With ``beta = 1 / T`` the loss
    ``mean_i [logsumexp(beta * z_i) - beta * z_{i, y_i}]`` is convex in ``beta``; its
    derivative ``mean_i [E_{p(beta)}[z_i] - z_{i, y_i}]`` increases, and its root is
    found by Brent's method (:func:`scipy.optimize.brentq`) to machine precision.
    scikit-learn's ``CalibratedClassifierCV(method="temperature")`` minimises the same
    loss by a bounded search over ``log(beta)`` and stores ``beta``, the inverse.

    Parameters
    ----------
    logits : array-like of shape (n_samples, n_classes)
        Scores of a fitted model on held-out data (``decision_function``).
    y : array-like of shape (n_samples,)
        True classes as indices ``0..n_classes-1`` (the columns of ``logits``).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the samples in the mean.

    Returns
    -------
    float
        ``T > 0``: above 1 softens over-confident probabilities, below 1 sharpens
        under-confident ones. Scaled probabilities are ``softmax(logits / T)``.

    Raises
    ------
    ValueError
        For bad shapes, non-finite logits, labels out of range, or when no finite
        temperature is best: the logits rank the true class no better than chance on
        average (``T`` would be infinite), or every sample's true class has the
        strictly largest logit (the loss falls forever as ``T`` goes to 0).

    Examples
    --------
    >>> z = np.array([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0], [2.0, 0.0]])
    >>> T = fit_temperature(z, [0, 1, 1, 0])          # one error in four
    >>> round(T, 4), round(float(softmax(z / T)[0, 0]), 4)   # confidence becomes 3/4
    (1.8205, 0.75)
    """
    from scipy.optimize import brentq
    from sklearn.utils import check_array, check_consistent_length
    from sklearn.utils.validation import _check_sample_weight

    logits = check_array(logits, dtype=np.float64, ensure_min_features=2, input_name="logits")
    y = _checked_labels(y, logits.shape[1])
    check_consistent_length(logits, y)
    weights = _check_sample_weight(sample_weight, logits, ensure_non_negative=True)
    if weights.sum() <= 0:
        raise ValueError("sample_weight must have a positive sum")
    weights = weights / weights.sum()
    true_logit = logits[np.arange(len(y)), y]

    def slope(beta: float) -> float:
        # d/d(beta) of the weighted mean cross-entropy: E_p[z] - z_true, averaged.
        expected = np.einsum("ik,ik->i", softmax(beta * logits, axis=1), logits)
        return float(weights @ (expected - true_logit))

    # As beta grows, a sample adds max(z_i) - z_{i, y_i} to the slope in the limit: with no
    # sample whose true class is beaten, the slope stays negative and T goes to 0.
    if not np.any((logits.max(axis=1) > true_logit) & (weights > 0)):
        raise ValueError("every sample's true class has the largest logit: the loss keeps "
                         "falling as the temperature goes to 0")
    if slope(0.0) >= 0.0:
        raise ValueError("the logits rank the true class no better than chance on average: "
                         "no finite temperature minimises the loss")
    upper = 1.0
    while slope(upper) < 0.0:  # ends: the limit of the slope is positive
        upper *= 2.0
    beta = brentq(slope, 0.0, upper, xtol=1e-14, rtol=4 * np.finfo(float).eps)
    return float(1.0 / beta)


def temperature_scaled_log_loss(logits: ArrayLike, y: ArrayLike, temperature: float) -> float:
    """Mean cross-entropy of ``softmax(logits / temperature)``; the loss that
    :func:`fit_temperature` minimises (for plotting it against the temperature)."""
    logits = np.asarray(logits, dtype=np.float64)
    y = _checked_labels(y, logits.shape[1])
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    log_p = log_softmax(logits / temperature, axis=1)
    return float(-log_p[np.arange(len(y)), y].mean())
