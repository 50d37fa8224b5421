"""Solver race at equal objective: time for each solver to reach f*·(1 + rtol)."""

from __future__ import annotations

import statistics

import numpy as np

from softmax_lib.objective import loss_and_gradient

from .contenders import CONTENDERS, DENSE_CONTENDERS


def true_objective(problem64, W, b) -> float:
    """The float64 objective of scikit-learn's LogisticRegression(C) at (W, b)."""
    n = problem64.X.shape[0]
    labels = np.searchsorted(np.unique(problem64.y), problem64.y)
    weights = np.full(n, 1.0 / n)
    alpha = 1.0 / (problem64.C * n)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return loss_and_gradient(W, b, problem64.X, labels, weights, alpha)[0]


def best_objective(problem64) -> float:
    """f*: the lowest objective any scipy-based solver reaches with a very tight tolerance."""
    values = []
    for name in ("softmax_lib", "scikit-learn"):
        trace, unpack = CONTENDERS[name](problem64, tol=1e-12, max_iter=20_000, stop_below=None)
        values.append(true_objective(problem64, *unpack(trace.params[-1])))
    return min(values)


def first_reaching(trace, unpack, problem64, target: float) -> int | None:
    """Index of the first iterate whose true objective is <= target (objective is monotone)."""

    def reaches(i):
        return true_objective(problem64, *unpack(trace.params[i])) <= target

    if not trace.monotone:
        # Every evaluated point is recorded; the solver's own value (exact in float64,
        # close in float32) picks the candidates, the true objective decides.
        slack = 1e-6 * abs(target)
        candidates = (i for i, v in enumerate(trace.solver_values) if v <= target + slack)
        return next((i for i in candidates if reaches(i)), None)
    if not trace.params or not reaches(len(trace.params) - 1):
        return None
    lo, hi = 0, len(trace.params) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if reaches(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def race(
    problem, problem64, f_star: float, rtol: float, repeats: int, contenders=DENSE_CONTENDERS
) -> list[dict]:
    target = f_star * (1 + rtol)
    rows = []
    for name in contenders:
        run = CONTENDERS[name]
        times, nfevs, iters, final = [], [], [], None
        for _ in range(repeats):
            # The solver's own value may be float32; stop a little below the target.
            trace, unpack = run(
                problem, tol=1e-14, max_iter=20_000, stop_below=target - 1e-3 * (target - f_star)
            )
            hit = first_reaching(trace, unpack, problem64, target)
            if hit is None:
                final = (
                    true_objective(problem64, *unpack(trace.params[-1])) if trace.params else np.nan
                )
                break
            times.append(trace.times[hit])
            nfevs.append(trace.nfev[hit])
            iters.append(hit + 1)
            final = true_objective(problem64, *unpack(trace.params[hit]))
        rows.append(
            {
                "problem": problem.name,
                "shape": problem.shape,
                "solver": name,
                "reached": bool(times),
                "time_s": statistics.median(times) if times else None,
                "times_s": times,
                "nfev": statistics.median(nfevs) if nfevs else None,
                "iterations": statistics.median(iters) if iters else None,
                "final_objective": final,
                "f_star": f_star,
                "target_rtol": rtol,
            }
        )
    sklearn_time = next(r["time_s"] for r in rows if r["solver"] == "scikit-learn")
    for row in rows:
        row["ratio_to_sklearn"] = (
            (row["time_s"] / sklearn_time) if row["time_s"] and sklearn_time else None
        )
    return rows
