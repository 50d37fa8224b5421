"""Before and after: the effect of limiting SciPy's BLAS threads during a fit.

NumPy and SciPy each bundle an OpenBLAS. Both pools busy-waiting on a 2-core machine
can slow a fit many times over; softmax_lib limits SciPy's pool inside ``fit``.
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
    from softmax_lib._threads import single_threaded_scipy_blas

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

    original = estimator.single_threaded_scipy_blas
    rows = []
    try:
        estimator.single_threaded_scipy_blas = contextlib.nullcontext
        rows.append(
            ("softmax_lib, no limit (before)", median_time(fit(SoftmaxRegression()), repeats))
        )
    finally:
        estimator.single_threaded_scipy_blas = original
    rows.append(
        (
            "softmax_lib, SciPy BLAS limited in fit (after)",
            median_time(fit(SoftmaxRegression()), repeats),
        )
    )
    rows.append(("scikit-learn, default", median_time(fit(LogisticRegression()), repeats)))
    rows.append(
        (
            "scikit-learn, same limit applied around fit",
            median_time(fit(LogisticRegression(), single_threaded_scipy_blas), repeats),
        )
    )
    return [{"problem": problem.name, "setting": s, "time_s": t, "pools": pools} for s, t in rows]
