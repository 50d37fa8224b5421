"""Small data sets generated in code, so no chapter needs the network."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["make_noisy_line"]


def make_noisy_line(
    n_samples: int = 100, noise: float = 0.1, random_state: int | None = 0
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """A 1-D, three-class data set: a line cut into thirds, with some labels shifted.

    ``x`` takes ``n_samples`` evenly spaced values on [0, 10]. The class is 0 for
    ``x <= 3.3``, 1 for ``3.3 < x <= 6.6`` and 2 above. Then each label is moved up
    by one class (2 wraps round to 0) with probability ``noise``: a point is moved
    when a uniform draw exceeds ``1 - noise``. With the defaults this is exactly the
    recipe ``np.random.seed(0); np.random.rand(100, 1) > 0.9`` of the course's
    reference tutorial, so about 10% of the labels are "wrong" on purpose.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points, >= 1.
    noise : float, default=0.1
        Probability that a label is shifted, in [0, 1].
    random_state : int or None, default=0
        Seed of the ``np.random.RandomState`` that draws the label noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The inputs, increasing.
    y : ndarray of shape (n_samples,)
        Integer labels in {0, 1, 2}.

    Examples
    --------
    >>> X, y = make_noisy_line()
    >>> X.shape, y.shape, int((y != make_noisy_line(noise=0.0)[1]).sum())
    ((100, 1), (100,), 9)
    """
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must lie in [0, 1], got {noise!r}")
    x = np.linspace(0.0, 10.0, int(n_samples))
    y = np.zeros(x.shape[0], dtype=np.int64)
    y[x > 3.3] = 1
    y[x > 6.6] = 2
    shifted = np.random.RandomState(random_state).rand(x.shape[0]) > 1.0 - noise
    y = (y + shifted) % 3
    return x.reshape(-1, 1), y
