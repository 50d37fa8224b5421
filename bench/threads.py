"""Before and after: the effect of limiting BLAS threads during a fit (digits).

NumPy and SciPy each bundle an OpenBLAS. Both pools busy-waiting on a 2-core machine
can slow a fit many times over; softmax_lib limits SciPy's pool inside ``fit``, and
every pool when X is small (up to 4 MiB) or sparse.
"""

from __future__ import annotations

import contextlib
import warnings

from .timing import median_time


def thread_rows(problem, repeats: int = 5) -> list[dict]:
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info

    import softmax_lib.estimator as estimator
    from softmax_lib import SoftmaxRegression
    from softmax_lib._threads import single_threaded_blas, single_threaded_scipy_blas

    pools = [
        f"{p['internal_api']} ({p['filepath'].split('/')[-2]}): {p['num_threads']} threads"
        for p in threadpool_info()
    ]

    def fit(model, context=contextlib.nullcontext):
        def run():
            with context(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(problem.X, problem.y)

        return run

    original = estimator._threads_for
    rows = []
    for setting, threads_for in [
        ("softmax_lib, no limit (before issue 15)", lambda X: contextlib.nullcontext),
        ("softmax_lib, SciPy BLAS limited in fit (the setting for large dense X)",
         lambda X: single_threaded_scipy_blas),
    ]:
        try:
            estimator._threads_for = threads_for
            rows.append((setting, median_time(fit(SoftmaxRegression()), repeats)))
        finally:
            estimator._threads_for = original
    rows.append(
        (
            "softmax_lib as shipped: every pool single-threaded for X up to 4 MiB",
            median_time(fit(SoftmaxRegression()), repeats),
        )
    )
    rows.append(("scikit-learn, default", median_time(fit(LogisticRegression()), repeats)))
    rows.append(
        (
            "scikit-learn, SciPy BLAS limited around fit",
            median_time(fit(LogisticRegression(), single_threaded_scipy_blas), repeats),
        )
    )
    rows.append(
        (
            "scikit-learn, every pool single-threaded around fit",
            median_time(fit(LogisticRegression(), single_threaded_blas), repeats),
        )
    )
    return [{"problem": problem.name, "setting": s, "time_s": t, "pools": pools} for s, t in rows]
