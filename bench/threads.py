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


def busy_machine_rows(problem, iterations: int = 12, repeats: int = 3) -> list[dict]:
    """Large dense X with and without one other busy process: NumPy's pool at 2 threads
    against the shipped setting (no more threads than idle cores, ``idle_cores``).

    ``iterations`` L-BFGS iterations (``tol=0``), median of ``repeats`` fits. The busy
    process is a Python loop that never sleeps, started a second before the timing.
    """
    import subprocess
    import sys
    import time

    import softmax_lib.estimator as estimator
    from softmax_lib import SoftmaxRegression
    from softmax_lib._threads import idle_cores, single_threaded_scipy_blas

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tol=0: a fixed number of iterations
            SoftmaxRegression(C=problem.C, max_iter=iterations, tol=0).fit(problem.X, problem.y)

    original = estimator._threads_for
    rows = []
    for busy in (False, True):
        competitor = None
        if busy:
            competitor = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(1.0)
        try:
            seen_idle = idle_cores()
            for setting, threads_for in [
                ("NumPy's pool at its size, SciPy's at 1 (before)",
                 lambda X: single_threaded_scipy_blas),
                ("as shipped: NumPy's pool at most the idle cores", original),
            ]:
                estimator._threads_for = threads_for
                try:
                    rows.append({"problem": problem.name, "busy_process": busy,
                                 "idle_cores": seen_idle, "setting": setting,
                                 "time_s": median_time(fit, repeats)})
                finally:
                    estimator._threads_for = original
        finally:
            if competitor is not None:
                competitor.kill()
                competitor.wait()
    return rows


def busy_markdown(rows: list[dict]) -> list[str]:
    lines = [
        "",
        f"## A busy machine: NumPy's pool on large dense X ({rows[0]['problem']})",
        "",
        "| other busy process | idle cores seen | setting | median fit time (s) |",
        "|---|---:|---|---:|",
    ]
    lines += [
        f"| {'yes' if r['busy_process'] else 'no'} | {r['idle_cores']} | {r['setting']} "
        f"| {r['time_s']:.3f} |"
        for r in rows
    ]
    return lines


def main() -> None:
    """Only the busy-machine measurement, added to bench/results/latest.{json,md}."""
    import json

    from . import problems
    from .run import RESULTS, markdown

    path = RESULTS / "latest.json"
    results = json.loads(path.read_text())
    results["busy_machine"] = busy_machine_rows(problems.tall())
    path.write_text(json.dumps(results, indent=1, default=float))
    (RESULTS / "latest.md").write_text(markdown(results))
    print("\n".join(busy_markdown(results["busy_machine"])))


if __name__ == "__main__":
    main()
