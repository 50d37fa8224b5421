r"""Finite-difference gradients, for checking analytic ones.

The central difference

.. math::

    \frac{\partial f}{\partial x_j} \approx
    \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2\varepsilon}

has error :math:`O(\varepsilon^2)` from truncation and :math:`O(\delta/\varepsilon)` from
rounding (:math:`\delta` is the relative precision of ``f``), so ``eps=1e-6`` gives
roughly 8–10 correct digits in float64. A right gradient gives relative errors around
1e-9; a wrong one usually gives far more, but not always: a gradient that forgets a
small term (an L2 penalty with a large ``C``, say) can be off by only 1e-4 or less.
Check the terms of an objective one at a time when they differ in size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["numerical_gradient", "check_gradient"]


def numerical_gradient(
    f: Callable[[NDArray[np.float64]], float], x: ArrayLike, eps: float = 1e-6
) -> NDArray[np.float64]:
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` and returns a scalar.
    x : array-like of any shape
        Point at which to differentiate (converted to float64; not modified).
    eps : float, default=1e-6
        Step size, > 0.

    Returns
    -------
    ndarray of the same shape as ``x``, float64
        The estimated gradient.

    Raises
    ------
    ValueError
        If ``eps`` is not a finite number > 0, ``x`` is not finite, or ``f`` returns
        more than one number or a NaN or infinite value.

    Examples
    --------
    >>> numerical_gradient(lambda v: float((v ** 2).sum()), [1.0, -2.0]).round(6)
    array([ 2., -4.])
    """
    if not 0 < eps < np.inf:
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    point = np.array(x, dtype=np.float64)  # a private copy we perturb in place
    if not np.all(np.isfinite(point)):
        raise ValueError("x must be finite")
    grad = np.empty_like(point)
    flat_point, flat_grad = point.reshape(-1), grad.reshape(-1)
    for j in range(flat_point.size):
        original = flat_point[j]
        flat_point[j] = original + eps
        f_plus = _one_number(f(point), "+", j)
        flat_point[j] = original - eps
        f_minus = _one_number(f(point), "-", j)
        flat_point[j] = original
        flat_grad[j] = (f_plus - f_minus) / (2 * eps)
    return grad


def _one_number(value, sign: str, j: int) -> float:
    """``f``'s value as a float; a ValueError naming the point if it is not one finite
    number (a NaN would otherwise turn into a NaN gradient entry without a word)."""
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"f must return one number, got an array of shape {value.shape}")
    number = float(value.reshape(()))
    if not np.isfinite(number):
        raise ValueError(f"f returned {number} at x {sign} eps in entry {j} (flat index)")
    return number


def check_gradient(
    f: Callable[[NDArray[np.float64]], float],
    grad: Callable[[NDArray[np.float64]], ArrayLike],
    x: ArrayLike,
    eps: float = 1e-6,
) -> float:
    r"""Largest relative error between ``grad(x)`` and a finite-difference gradient.

    Returns :math:`\max_j |g_j - \hat g_j| / \max(|g_j| + |\hat g_j|, 10^{-12})`, where
    :math:`g` is the analytic and :math:`\hat g` the numerical gradient. Values around
    1e-7 or below mean the analytic gradient is right, above 1e-4 it is probably wrong,
    and in between look closer (rules of thumb for float64). A small error does not
    prove a gradient right: a term that is small at ``x`` (a weak L2 penalty) can be
    missing and still give only 1e-4 or 1e-5, so check each term of a sum on its own.
    The error is relative entry by entry, so an entry that is almost zero (say 1e-5)
    can show ~1e-6 even for a right gradient: check at a point where no entry is tiny.

    Parameters
    ----------
    f : callable
        Scalar function of an array shaped like ``x``.
    grad : callable
        Its claimed gradient; must return an array of ``x``'s shape.
    x : array-like
        Point at which to compare.
    eps : float, default=1e-6
        Finite-difference step.

    Returns
    -------
    float
        The maximum relative error, in [0, 1].

    Raises
    ------
    ValueError
        If ``grad`` returns the wrong shape or a NaN or infinite entry, or where
        :func:`numerical_gradient` raises.

    Examples
    --------
    >>> f = lambda v: float(np.sum(np.sin(v)))
    >>> check_gradient(f, np.cos, [0.1, 0.2]) < 1e-8
    True
    >>> check_gradient(f, np.sin, [0.1, 0.2]) > 0.5  # a wrong gradient
    True
    """
    point = np.array(x, dtype=np.float64)
    analytic = np.asarray(grad(point.copy()), dtype=np.float64)
    if analytic.shape != point.shape:
        raise ValueError(f"grad returned shape {analytic.shape}, expected {point.shape}")
    if not np.all(np.isfinite(analytic)):  # else the error would be NaN, and "nan < tol" False
        raise ValueError("grad returned NaN or infinite entries")
    numeric = numerical_gradient(f, point, eps=eps)
    denominator = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)
    return float(np.max(np.abs(analytic - numeric) / denominator))
