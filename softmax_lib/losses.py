r"""Cross-entropy loss for softmax outputs and its gradient with respect to the logits.

For logits :math:`z_i \in \mathbb{R}^K` and targets :math:`y_i` (a class index or a
probability row), the per-sample loss is

.. math::

    \ell_i = -\sum_k y_{ik} \log \operatorname{softmax}(z_i)_k
           = \operatorname{logsumexp}(z_i) \sum_k y_{ik} - \sum_k y_{ik} z_{ik},

which is computed from the logits directly: ``log(softmax(z))`` would turn a
tiny probability into ``-inf``. The gradient of the mean loss is
:math:`(\operatorname{softmax}(z_i) - y_i) / n`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .core import (
    _as_class_indices,
    _as_float_array,
    _check_label_range,
    _log_of_sum_exp,
    softmax,
)

__all__ = ["cross_entropy", "cross_entropy_grad"]

# How far a probability row may be from summing to 1 before we call it an error.
_ROW_SUM_TOL = 1e-6


def _check_logits(logits: ArrayLike) -> NDArray[np.floating]:
    z = _as_float_array(logits)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (n_samples, n_classes), got shape {z.shape}")
    if z.shape[0] == 0:
        raise ValueError("logits must contain at least one sample")
    return z


def _targets_as_probabilities_or_indices(
    y: ArrayLike, n_samples: int, n_classes: int
) -> tuple[NDArray[np.intp] | None, NDArray[np.floating] | None]:
    """Return ``(indices, None)`` for labels of shape (n,) or ``(None, Y)`` for rows (n, K)."""
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        labels = _as_class_indices(y_arr)
        if labels.shape[0] != n_samples:
            raise ValueError(f"y has {labels.shape[0]} labels but logits have {n_samples} rows")
        _check_label_range(labels, n_classes)
        return labels, None
    if y_arr.ndim == 2:
        probs = _as_float_array(y_arr)
        if probs.shape != (n_samples, n_classes):
            raise ValueError(
                f"probability targets must have the logits' shape {(n_samples, n_classes)}, "
                f"got {probs.shape}"
            )
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise ValueError("probability targets must be finite and non-negative")
        if np.any(np.abs(probs.sum(axis=1) - 1.0) > _ROW_SUM_TOL):
            raise ValueError("each row of probability targets must sum to 1")
        return None, probs
    raise ValueError(f"y must have shape (n_samples,) or (n_samples, n_classes), got {y_arr.shape}")


def _normalised_weights(sample_weight: ArrayLike | None, n_samples: int) -> NDArray[np.float64]:
    """Weights that sum to 1: uniform by default, else ``w / sum(w)``."""
    if sample_weight is None:
        return np.full(n_samples, 1.0 / n_samples)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative")
    total = w.sum()
    if total <= 0:
        raise ValueError("sample weights sum to zero; at least one sample needs a positive weight")
    return w / total


def cross_entropy(logits: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    r"""Mean negative log-likelihood of softmax probabilities, from the logits.

    .. math::

        L = \frac{\sum_i w_i \ell_i}{\sum_i w_i}, \qquad
        \ell_i = \operatorname{logsumexp}(z_i) - z_{i, y_i}.

    Parameters
    ----------
    logits : array-like of shape (n_samples, n_classes)
        Scores :math:`z`, before softmax.
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Integer labels in ``[0, n_classes)`` or probability rows summing to 1.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights; the result is the weighted mean. Integer weights
        give the same value as repeating rows.

    Returns
    -------
    float
        The loss, :math:`\ge 0`; equals :math:`\log K` for all-zero logits.

    Raises
    ------
    ValueError
        On shape mismatches, labels out of range, invalid probability rows,
        NaN/+inf logits, or weights that are negative or sum to 0.

    Examples
    --------
    >>> round(cross_entropy([[0.0, 0.0, 0.0]], [2]), 6)  # log 3
    1.098612
    """
    z = _check_logits(logits)
    n_samples, n_classes = z.shape
    labels, probs = _targets_as_probabilities_or_indices(y, n_samples, n_classes)
    weights = _normalised_weights(sample_weight, n_samples)
    # Raises for a row holding NaN or +inf, or entirely -inf: no distribution (and no
    # loss) corresponds to it.
    lse = _log_of_sum_exp(z, axis=1)
    if labels is not None:
        per_sample = lse - z[np.arange(n_samples), labels]
    else:
        # sum_k q_k (lse - z_k), skipping q_k = 0 so that a masked logit (-inf) adds 0, not nan.
        terms = np.multiply(probs, lse[:, None] - z, out=np.zeros_like(z), where=probs > 0)
        per_sample = terms.sum(axis=1)
    return float(weights @ per_sample)


def cross_entropy_grad(
    logits: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
) -> NDArray[np.floating]:
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    .. math::

        \frac{\partial L}{\partial z_i} = \frac{w_i}{\sum_j w_j}
        \bigl(\operatorname{softmax}(z_i) - y_i\bigr),

    which is :math:`(\operatorname{softmax}(z) - Y)/n` without weights.

    Parameters
    ----------
    logits : array-like of shape (n_samples, n_classes)
        Scores :math:`z`.
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Integer labels or probability rows, as in :func:`cross_entropy`.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights, as in :func:`cross_entropy`.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Each row sums to 0 (for probability rows that sum to 1).

    Examples
    --------
    >>> cross_entropy_grad([[0.0, 0.0]], [1])
    array([[ 0.5, -0.5]])
    """
    z = _check_logits(logits)
    n_samples, n_classes = z.shape
    labels, probs = _targets_as_probabilities_or_indices(y, n_samples, n_classes)
    weights = _normalised_weights(sample_weight, n_samples).astype(z.dtype, copy=False)
    grad = softmax(z, axis=1)
    if labels is not None:
        grad[np.arange(n_samples), labels] -= 1.0
    else:
        grad -= probs
    grad *= weights[:, None]
    return grad
