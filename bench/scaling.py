"""Fit time as n and K grow, for a fixed number of L-BFGS iterations."""

from __future__ import annotations

import numpy as np

from .problems import synthetic
from .timing import median_time

ITERATIONS = 20  # fixed work per fit, so time measures the cost per iteration


def _fit_time(n_samples: int, n_features: int, n_classes: int, repeats: int) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from softmax_lib import SoftmaxRegression

    problem = synthetic("scaling", n_samples, n_features, n_classes, seed=3)
    model = SoftmaxRegression(tol=0.0, max_iter=ITERATIONS)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(problem.X, problem.y)

    return median_time(fit, repeats)


def slope(sizes, times) -> float:
    """Least-squares slope of log(time) against log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def scaling_in_n(sizes=(1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000), repeats=3):
    times = [_fit_time(n, 100, 10, repeats if n < 300_000 else 1) for n in sizes]
    large = [i for i, n in enumerate(sizes) if n > 10_000]
    return {
        "sizes": list(sizes),
        "times_s": times,
        "slope_above_1e4": slope([sizes[i] for i in large], [times[i] for i in large]),
    }


def scaling_in_k(classes=(2, 5, 10, 20, 50, 100), n_samples=20_000, repeats=3):
    times = [_fit_time(n_samples, 100, k, repeats) for k in classes]
    return {"classes": list(classes), "times_s": times, "slope": slope(classes, times)}
