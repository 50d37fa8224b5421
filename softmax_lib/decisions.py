"""From probabilities to decisions: expected costs, a reject option, and prior shift.

A probabilistic classifier says how likely each class is; what to *do* depends on what
mistakes cost. With a cost matrix ``C`` (``C[i, j]`` is the cost of deciding ``j`` when
the truth is ``i``) the decision that minimises the expected cost is
``argmin_j sum_i p_i C[i, j]`` (the Bayes rule; Elkan, 2001); with the 0-1 cost it is the
most probable class. Abstaining at a fixed cost when even the best decision costs more
is Chow's (1970) reject option. When the class frequencies at deployment differ from
those in training (prior shift), the probabilities are corrected with Bayes' rule, and
the new frequencies can be estimated from unlabelled data by EM (Saerens, Latinne and
Decaestecker, 2002).

All functions work on class *indices* ``0..K-1``, the columns of ``predict_proba``; map
them to labels with ``model.classes_``.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["REJECT", "adjust_priors", "bayes_decision", "estimate_priors_em",
           "expected_costs"]

#: The decision :func:`bayes_decision` returns for a sample it abstains on.
REJECT = -1


def _checked_proba(proba: ArrayLike) -> NDArray[np.float64]:
    from sklearn.utils import check_array

    proba = check_array(proba, dtype=np.float64, ensure_min_features=2, input_name="proba")
    if np.any(proba < 0) or not np.allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-6):
        raise ValueError("proba must hold probabilities: non-negative rows that sum to 1")
    return proba


def _checked_priors(priors: ArrayLike, n_classes: int, name: str) -> NDArray[np.float64]:
    priors = np.asarray(priors, dtype=np.float64)
    if priors.shape != (n_classes,):
        raise ValueError(f"{name} must have shape ({n_classes},), got {priors.shape}")
    if not np.all(np.isfinite(priors)) or np.any(priors <= 0):
        raise ValueError(f"{name} must be positive and finite, got {priors}")
    if not np.isclose(priors.sum(), 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1, got a sum of {priors.sum()}")
    return priors


def expected_costs(proba: ArrayLike, cost_matrix: ArrayLike) -> NDArray[np.float64]:
    """Expected cost of each possible decision: ``proba @ cost_matrix``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, rows summing to 1.
    cost_matrix : array-like of shape (n_classes, n_classes)
        ``cost_matrix[i, j]`` is the cost of deciding class ``j`` when the true class is
        ``i``; finite. Usually zero on the diagonal and non-negative, but not required.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Entry ``[s, j]`` is ``sum_i proba[s, i] * cost_matrix[i, j]``.

    Examples
    --------
    >>> expected_costs([[0.9, 0.1]], [[0, 1], [10, 0]]).tolist()  # a missed 1 costs 10
    [[1.0, 0.9]]
    """
    proba = _checked_proba(proba)
    cost_matrix = np.asarray(cost_matrix, dtype=np.float64)
    n_classes = proba.shape[1]
    if cost_matrix.shape != (n_classes, n_classes):
        raise ValueError(f"cost_matrix must have shape ({n_classes}, {n_classes}) to match "
                         f"proba, got {cost_matrix.shape}")
    if not np.all(np.isfinite(cost_matrix)):
        raise ValueError("cost_matrix must be finite")
    return proba @ cost_matrix


def bayes_decision(
    proba: ArrayLike, cost_matrix: ArrayLike | None = None, reject_cost: float | None = None
) -> NDArray[np.intp]:
    """The decision of least expected cost for each sample, optionally with a reject option.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, rows summing to 1.
    cost_matrix : array-like of shape (n_classes, n_classes) or None, default=None
        ``cost_matrix[i, j]``: cost of deciding ``j`` when the truth is ``i``. None means
        the 0-1 cost (every error costs 1), whose Bayes decision is the most probable
        class.
    reject_cost : float or None, default=None
        Cost of abstaining. A sample whose smallest expected cost exceeds it gets
        :data:`REJECT` (-1). With the 0-1 cost this rejects when the top probability is
        below ``1 - reject_cost`` (Chow's rule). None: never reject.

    Returns
    -------
    ndarray of shape (n_samples,)
        Class indices ``0..n_classes-1``, or -1 for a rejected sample. Ties go to the
        smaller index, as with ``argmax``.

    Examples
    --------
    >>> p = [[0.9, 0.1], [0.6, 0.4], [0.55, 0.45]]
    >>> bayes_decision(p).tolist()
    [0, 0, 0]
    >>> bayes_decision(p, [[0, 1], [4, 0]]).tolist()  # missing class 1 costs 4
    [0, 1, 1]
    >>> bayes_decision(p, reject_cost=0.3).tolist()   # abstain below 70% confidence
    [0, -1, -1]
    """
    proba = _checked_proba(proba)
    if cost_matrix is None:
        costs = 1.0 - proba
    else:
        costs = expected_costs(proba, cost_matrix)
    decision = np.argmin(costs, axis=1).astype(np.intp)
    if reject_cost is not None:
        if isinstance(reject_cost, bool) or not np.isfinite(reject_cost):
            raise ValueError(f"reject_cost must be a finite number, got {reject_cost!r}")
        decision[costs.min(axis=1) > reject_cost] = REJECT
    return decision


def adjust_priors(
    proba: ArrayLike, train_priors: ArrayLike, new_priors: ArrayLike
) -> NDArray[np.float64]:
    """Correct probabilities for a change of class frequencies (prior shift).

    If ``p(x | class)`` stays the same and only the class frequencies move from
    ``train_priors`` to ``new_priors``, Bayes' rule gives
    ``p_new(k | x) = p(k | x) * (new_k / train_k) / sum_j p(j | x) * (new_j / train_j)``.
    For softmax regression this adds ``log(new_k / train_k)`` to each logit.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Probabilities of a model trained with class frequencies ``train_priors``.
    train_priors, new_priors : array-like of shape (n_classes,)
        Positive class frequencies, each summing to 1.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        The corrected probabilities, rows summing to 1.

    Examples
    --------
    >>> adjust_priors([[0.5, 0.5]], [0.5, 0.5], [0.9, 0.1]).round(3).tolist()
    [[0.9, 0.1]]
    """
    proba = _checked_proba(proba)
    n_classes = proba.shape[1]
    return _reweighted(proba, _checked_priors(new_priors, n_classes, "new_priors")
                       / _checked_priors(train_priors, n_classes, "train_priors"))


def _reweighted(proba: NDArray[np.float64], ratio: NDArray[np.float64]) -> NDArray[np.float64]:
    """``proba * ratio``, rows renormalised; the rows stay positive-sum because ``proba``
    rows sum to 1 and every ratio is positive (both checked by the callers)."""
    weighted = proba * ratio
    return weighted / weighted.sum(axis=1, keepdims=True)


def estimate_priors_em(
    proba: ArrayLike, train_priors: ArrayLike, max_iter: int = 1000, tol: float = 1e-8
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Estimate the class frequencies of unlabelled data and correct the probabilities.

    The EM algorithm of Saerens, Latinne and Decaestecker (2002): start from the training
    frequencies; correct the probabilities for the current estimate
    (:func:`adjust_priors`); take their mean over the samples as the new estimate;
    repeat until the estimate moves by less than ``tol``. Each step does not decrease the
    likelihood of the unlabelled data. It assumes the probabilities are calibrated and
    that only the priors changed.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        A model's probabilities on the new, unlabelled data.
    train_priors : array-like of shape (n_classes,)
        Class frequencies of the data the model was trained on.
    max_iter : int, default=1000
        Maximum number of EM steps; a ``ConvergenceWarning`` says when it was reached.
    tol : float, default=1e-8
        Stop when no class frequency moves by more than this in one step.

    Returns
    -------
    new_priors : ndarray of shape (n_classes,)
        The estimated class frequencies of the new data.
    adjusted_proba : ndarray of shape (n_samples, n_classes)
        ``adjust_priors(proba, train_priors, new_priors)``.
    """
    from sklearn.exceptions import ConvergenceWarning

    proba = _checked_proba(proba)
    train_priors = _checked_priors(train_priors, proba.shape[1], "train_priors")
    if isinstance(max_iter, bool) or int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}")
    priors = train_priors.copy()
    for _ in range(int(max_iter)):
        # A prior can reach 0 only in the limit; keep it positive so the ratio is defined.
        # The inputs were checked once above, not again in every step.
        adjusted = _reweighted(proba, priors / train_priors)
        new_priors = np.maximum(adjusted.mean(axis=0), np.finfo(float).tiny)
        new_priors /= new_priors.sum()
        converged = np.max(np.abs(new_priors - priors)) <= tol
        priors = new_priors
        if converged:
            break
    else:
        warnings.warn(f"EM did not converge in {max_iter} steps (tol={tol})",
                      ConvergenceWarning, stacklevel=2)
    return priors, _reweighted(proba, priors / train_priors)
