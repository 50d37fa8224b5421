r"""Numerically stable softmax and its relatives.

Every function here accepts an array-like, works along any ``axis``, keeps a
float32/float64 input dtype (float16 becomes float32, a longdouble stays longdouble,
integers and booleans become float64; complex input raises TypeError) and stays finite
for extreme logits such as ``±1e4`` or spreads of ``1e300``. The trick is the
same throughout: shift by the maximum before exponentiating, because

.. math::

    \operatorname{softmax}(z)_k = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}}
    \quad\text{for any constant } m,

and with :math:`m = \max_j z_j` every exponent is at most 0, so nothing
overflows and the largest term is exactly 1, so the sum never underflows to 0.

``-inf`` entries are allowed (they mean "probability zero", as in masking).
:func:`softmax`, :func:`log_softmax` and :func:`hardmax` raise :class:`ValueError` for
a slice holding NaN or ``+inf``, or entirely ``-inf``: no probability distribution
corresponds to it (``+inf`` would need ``inf/inf``, an all ``-inf`` slice ``0/0``).
:func:`logsumexp` is a number there and, like :func:`scipy.special.logsumexp`,
returns it: ``+inf`` for a slice holding ``+inf``, ``-inf`` for a slice entirely
``-inf``; only NaN raises.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.array_utils import normalize_axis_index
from numpy.typing import ArrayLike, NDArray

__all__ = ["softmax", "log_softmax", "logsumexp", "sigmoid", "hardmax", "one_hot"]


def _as_float_array(z: ArrayLike) -> NDArray[np.floating]:
    """Return ``z`` as a float array: float32/float64 kept, float16 widened, rest float64."""
    arr = np.asarray(z)
    if arr.dtype == np.float32 or arr.dtype == np.float64:
        return arr
    if arr.dtype == np.float16:
        return arr.astype(np.float32)
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind == "f":  # longdouble: keep the extra precision
        return arr
    raise TypeError(f"expected real numbers, got an array of dtype {arr.dtype}")


def _checked_temperature(temperature: float) -> float:
    """Return ``temperature`` if it is a finite number > 0, else raise ValueError.

    A bool is rejected too: ``True`` is 1 to NumPy, but never a meant temperature.
    """
    if isinstance(temperature, bool) or not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return float(temperature)


def _stable_max(z: NDArray[np.floating], axis: int) -> NDArray[np.floating]:
    """Max along ``axis`` (keepdims), raising if a slice has NaN, +inf or only -inf.

    Checking the (small) array of maxima is enough: ``max`` propagates NaN and
    returns +inf or -inf exactly when the slice is unusable.
    """
    _check_axis(z, axis)
    z_max = np.max(z, axis=axis, keepdims=True)
    _check_finite_maxima(z_max)
    return z_max


def _check_axis(z: NDArray[np.floating], axis: int) -> None:
    """Raise unless ``axis`` names a non-empty axis of ``z``."""
    if z.ndim == 0:
        raise ValueError("expected an array with at least one dimension, got a scalar")
    # NumPy would take True as axis 1; reject it, like a float.
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    # AxisError (a ValueError and an IndexError): "axis 5 is out of bounds for array of
    # dimension 2", where z.shape[axis] would only say "tuple index out of range".
    normalize_axis_index(int(axis), z.ndim)
    if z.shape[axis] == 0:
        raise ValueError("cannot take softmax over an empty axis")


def _check_finite_maxima(z_max: NDArray[np.floating]) -> None:
    if not np.all(np.isfinite(z_max)):
        raise ValueError(
            "logits contain NaN or +inf, or a slice that is entirely -inf; "
            "softmax is undefined there"
        )


# Work on blocks of about this many bytes, so each block stays in the L2 cache while
# it is shifted, exponentiated, summed and scaled. Measured on (1e6, 10) float64:
# 64 KiB blocks 0.62x scipy.special.softmax's time, 512 KiB 0.32x, 2 MiB 0.43x.
_BLOCK_BYTES = 1 << 19


def _divide_by_temperature(shifted: NDArray[np.floating], temperature: np.floating) -> None:
    """``shifted /= temperature`` in place, also when ``temperature`` underflowed to 0."""
    if temperature > 0:
        shifted /= temperature
    else:  # the T -> 0 limit: the maxima stay at 0, everything else goes to -inf
        shifted[shifted < 0] = -np.inf


def _softmax_family(z: NDArray[np.floating], axis: int, kind: str, temperature: float = 1.0):
    """Shared kernel of :func:`softmax`, :func:`log_softmax` and :func:`logsumexp`.

    The class axis is moved last and the rest flattened into rows. Rows are processed
    in blocks, each copied *transposed* into a small (n_classes, block) buffer: the
    reductions over classes then run along contiguous memory (one vectorised pass
    per class) instead of over many short rows, which is several times faster for
    the usual few-classes-many-samples shape. Returns an array shaped like ``z``
    (``kind="logsumexp"`` or ``"log_of_sum"``: with ``axis`` removed). ``"log_of_sum"``
    is logsumexp as ``log(sum(exp(z - max))) + max`` (see :func:`_log_of_sum_exp`).
    """
    reduces = kind in ("logsumexp", "log_of_sum")
    _check_axis(z, axis)
    moved = np.moveaxis(z, axis, -1)
    n_classes = moved.shape[-1]
    rows = moved.reshape(-1, n_classes)
    n_rows = rows.shape[0]
    dtype = z.dtype
    out = np.empty(n_rows if reduces else (n_rows, n_classes), dtype=dtype)
    block = max(1, min(n_rows, _BLOCK_BYTES // (n_classes * dtype.itemsize)))
    buffer = np.empty((n_classes, block), dtype=dtype)
    with np.errstate(over="ignore"):
        for start in range(0, n_rows, block):
            chunk = rows[start : start + block]
            shifted = buffer[:, : chunk.shape[0]]
            np.copyto(shifted, chunk.T)
            block_max = shifted.max(axis=0)
            if kind == "logsumexp":
                out[start : start + block] = _logsumexp_columns(shifted, block_max)
                continue
            _check_finite_maxima(block_max)
            # Shift first, then scale: the shifted values are <= 0, so a huge spread or a
            # tiny temperature can only overflow towards -inf, whose exp is exactly 0
            # (overflow warnings are silenced once, around the loop).
            shifted -= block_max
            if temperature != 1.0:
                _divide_by_temperature(shifted, dtype.type(temperature))
            if kind == "log_softmax":
                # log(sum(exp(shifted))) lies in [0, log K], so subtracting it loses nothing.
                shifted -= np.log(np.exp(shifted).sum(axis=0))
                out[start : start + block] = shifted.T
                continue
            np.exp(shifted, out=shifted)
            totals = shifted.sum(axis=0)
            if kind == "log_of_sum":
                out[start : start + block] = np.log(totals) + block_max
                continue
            shifted *= np.reciprocal(totals)  # one division per row, not per entry
            out[start : start + block] = shifted.T
    if reduces:
        return out.reshape(moved.shape[:-1])
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def _logsumexp_columns(
    columns: NDArray[np.floating], column_max: NDArray[np.floating]
) -> NDArray[np.floating]:
    """logsumexp of each column of ``columns`` (overwritten), given its maxima.

    The largest entry of a column contributes exactly :math:`e^0 = 1` to the shifted
    sum, so it is left out and added back with ``log1p``: a result near 0, such as
    ``logsumexp([0, -40]) = 4.25e-18``, keeps its relative precision (SciPy does the
    same). A column holding ``+inf`` gives ``+inf``; a column entirely ``-inf`` gives
    ``-inf``; NaN raises.
    """
    if np.isnan(column_max).any():
        raise ValueError("logsumexp input contains NaN")
    result = column_max.copy()  # the answer for columns whose maximum is +inf or -inf
    finite = np.isfinite(column_max)
    if not finite.all():
        columns, column_max = columns[:, finite], column_max[finite]
    columns -= column_max
    columns[np.argmax(columns, axis=0), np.arange(columns.shape[1])] = -np.inf
    np.exp(columns, out=columns)
    result[finite] = np.log1p(columns.sum(axis=0)) + column_max
    return result


def _log_of_sum_exp(z: NDArray[np.floating], axis: int) -> NDArray[np.floating]:
    """logsumexp as ``log(sum(exp(z - max))) + max``, raising where :func:`softmax` does.

    The form :func:`~softmax_lib.losses.cross_entropy` has always used. It differs from
    :func:`logsumexp` (``log1p``) by about one unit in the last place, which a loss
    ``logsumexp(z) - z_y`` cannot resolve anyway; keeping it keeps the losses the book
    prints digit for digit.
    """
    return _softmax_family(z, axis, "log_of_sum")


def logsumexp(z: ArrayLike, axis: int = -1, keepdims: bool = False) -> NDArray[np.floating]:
    r"""Compute :math:`\log \sum_k e^{z_k}` along ``axis`` without overflow.

    Parameters
    ----------
    z : array-like of shape (..., n_classes, ...)
        Real numbers (logits).
    axis : int, default=-1
        Axis to reduce.
    keepdims : bool, default=False
        Keep the reduced axis with length 1, so the result broadcasts against ``z``.

    Returns
    -------
    ndarray
        ``z`` reduced along ``axis``; same float dtype as ``z``. As in
        :func:`scipy.special.logsumexp`: ``+inf`` where a slice holds ``+inf``, ``-inf``
        where a slice is entirely ``-inf`` (a fully masked row), and the sum of the
        terms other than the largest goes through ``log1p``, so results near 0 keep
        their relative precision.

    Raises
    ------
    ValueError
        If ``z`` holds NaN or is a scalar, or ``axis`` is empty.
    numpy.exceptions.AxisError
        If ``axis`` is out of bounds for ``z`` (a ``ValueError`` and an ``IndexError``).
    TypeError
        If ``axis`` is not an integer.

    Examples
    --------
    >>> float(logsumexp([1000.0, 1000.0]))  # naive exp overflows
    1000.6931471805599
    """
    z = _as_float_array(z)
    out = _softmax_family(z, axis, "logsumexp")
    return np.expand_dims(out, axis) if keepdims else out


def softmax(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> NDArray[np.floating]:
    r"""Turn scores into probabilities: :math:`p_k = e^{z_k/T} / \sum_j e^{z_j/T}`.

    Parameters
    ----------
    z : array-like, e.g. of shape (n_samples, n_classes)
        Scores (logits).
    axis : int, default=-1
        Axis holding the classes; the result sums to 1 along it.
    temperature : float, default=1.0
        :math:`T > 0`. Large ``T`` flattens the distribution towards uniform,
        small ``T`` sharpens it towards :func:`hardmax`.

    Returns
    -------
    ndarray of the same shape as ``z``
        Probabilities, each in [0, 1], summing to 1 along ``axis``.

    Raises
    ------
    ValueError
        If ``temperature <= 0``, ``z`` is a scalar, ``axis`` is empty, or a slice holds
        NaN or +inf or only -inf.
    numpy.exceptions.AxisError
        If ``axis`` is out of bounds for ``z`` (a ``ValueError`` and an ``IndexError``).
    TypeError
        If ``axis`` is not an integer.

    Examples
    --------
    >>> softmax([3.0, 7.0, 14.0])
    array([1.66862063e-05, 9.11035992e-04, 9.99072278e-01])
    """
    z = _as_float_array(z)
    return _softmax_family(z, axis, "softmax", temperature=_checked_temperature(temperature))


def log_softmax(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> NDArray[np.floating]:
    r"""Log-probabilities :math:`z_k/T - \operatorname{logsumexp}(z/T)`, exact where
    ``np.log(softmax(z))`` would give ``-inf``.

    Parameters
    ----------
    z : array-like, e.g. of shape (n_samples, n_classes)
        Scores (logits).
    axis : int, default=-1
        Axis holding the classes.
    temperature : float, default=1.0
        :math:`T > 0`, as in :func:`softmax`.

    Returns
    -------
    ndarray of the same shape as ``z``
        Values :math:`\le 0` whose exponentials sum to 1 along ``axis``.

    Raises
    ------
    ValueError
        If ``temperature <= 0``, ``z`` is a scalar, ``axis`` is empty, or a slice holds
        NaN or +inf or only -inf (as :func:`softmax`; :func:`scipy.special.log_softmax`
        returns NaN there, with a RuntimeWarning).
    numpy.exceptions.AxisError
        If ``axis`` is out of bounds for ``z`` (a ``ValueError`` and an ``IndexError``).
    TypeError
        If ``axis`` is not an integer.

    Examples
    --------
    >>> log_softmax([0.0, 1000.0])  # log(softmax) would give -inf
    array([-1000.,     0.])
    """
    z = _as_float_array(z)
    return _softmax_family(z, axis, "log_softmax", temperature=_checked_temperature(temperature))


def sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    r"""Logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise and stable.

    Uses :math:`e^{-|z|}`, which never overflows: for :math:`z \ge 0` the result
    is :math:`1/(1+e^{-z})`, otherwise :math:`e^{z}/(1+e^{z})`.

    Parameters
    ----------
    z : array-like
        Real numbers; ``±inf`` map to 1 and 0.

    Returns
    -------
    ndarray of the same shape as ``z``
        Values in [0, 1].

    Raises
    ------
    ValueError
        If ``z`` contains NaN.

    Examples
    --------
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    """
    z = _as_float_array(z)
    if np.isnan(z).any():
        raise ValueError("sigmoid input contains NaN")
    exp_neg_abs = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, exp_neg_abs) / (1.0 + exp_neg_abs)


def hardmax(z: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    """One-hot encoding of the argmax along ``axis`` (the limit of softmax as T → 0).

    Ties go to the first maximum, like :func:`numpy.argmax`.

    Parameters
    ----------
    z : array-like, e.g. of shape (n_samples, n_classes)
        Scores.
    axis : int, default=-1
        Axis holding the classes.

    Returns
    -------
    ndarray of the same shape as ``z``
        Exactly one 1 along ``axis``, zeros elsewhere; same float dtype as :func:`softmax`.

    Raises
    ------
    ValueError, numpy.exceptions.AxisError, TypeError
        Where :func:`softmax` raises them.

    Examples
    --------
    >>> hardmax([5.0, 2.0, -1.0, 3.0])
    array([1., 0., 0., 0.])
    """
    z = _as_float_array(z)
    _stable_max(z, axis)  # same input checks as softmax
    winners = np.expand_dims(np.argmax(z, axis=axis), axis)
    out = np.zeros_like(z)
    np.put_along_axis(out, winners, 1.0, axis=axis)
    return out


def one_hot(y: ArrayLike, n_classes: int | None = None) -> NDArray[np.float64]:
    """Encode integer labels ``0 … n_classes-1`` as rows of an identity matrix.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Integer class indices (floats are accepted only if they are whole numbers).
    n_classes : int, optional
        Number of classes K. Defaults to ``max(y) + 1``.

    Returns
    -------
    ndarray of shape (n_samples, n_classes), float64
        ``Y[i, y[i]] = 1``, all other entries 0.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D, holds non-integers, or a label is < 0 or >= ``n_classes``.

    Examples
    --------
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    labels = _as_class_indices(y)
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    elif int(n_classes) != n_classes or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    n_classes = int(n_classes)
    _check_label_range(labels, n_classes)
    out = np.zeros((labels.shape[0], n_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def _as_class_indices(y: ArrayLike) -> NDArray[np.intp]:
    """Validate 1-D integer labels (whole-number floats allowed) and return them as intp."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of shape (n_samples,), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError("labels must be whole numbers (class indices)")
    elif arr.dtype.kind not in "biu" and arr.size:
        raise ValueError(f"labels must be integer class indices, got dtype {arr.dtype}")
    return arr.astype(np.intp)


def _check_label_range(labels: NDArray[np.intp], n_classes: int) -> None:
    """Raise unless every label is a class index in ``[0, n_classes)``."""
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in [0, {n_classes - 1}] for n_classes={n_classes}; "
            f"got values from {labels.min()} to {labels.max()}"
        )
