"""Per-evaluation cost against the physical floor: one streaming pass over X.

For each race problem: the time of ``X @ v`` (one vector: reads X once, almost no
arithmetic, so it measures memory bandwidth), of ``X @ W.T`` (K columns: the logits,
the first of the two products an evaluation needs), of one fused loss-and-gradient
evaluation (``MultinomialObjective``, two products plus the softmax), of one
Hessian-vector product (two products, no softmax) and of scikit-learn's loss and
gradient (``LinearModelLoss.loss_gradient``, what its lbfgs calls). Best of several
runs, in the thread setting of a fit (every pool single-threaded for sparse X or dense X
up to 4 MiB, SciPy's BLAS limited otherwise). Ratios to ``X @ v`` say how far an
evaluation is from reading X once.
"""

from __future__ import annotations

import time

import numpy as np


def best_time(func, repeats: int = 7) -> float:
    func()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def floor_row(problem, repeats: int = 7) -> dict:
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    from softmax_lib.estimator import _threads_for
    from softmax_lib.objective import MultinomialObjective

    X = problem.X
    sparse = hasattr(X, "tocsr")
    labels = np.searchsorted(np.unique(problem.y), problem.y)
    (n, d), K = X.shape, int(labels.max()) + 1
    rng = np.random.default_rng(0)
    W = rng.standard_normal((K, d)) * 0.01
    b = np.zeros(K)
    v = rng.standard_normal(d).astype(X.dtype)
    W_x = W.astype(X.dtype)
    weights = np.full(n, 1.0 / n)
    objective = MultinomialObjective(X, labels, K, weights, 1.0 / (problem.C * n))
    sk_loss = LinearModelLoss(HalfMultinomialLoss(n_classes=K), fit_intercept=True)
    # scikit-learn works in the dtype of X (its lbfgs casts y and the parameters to it)
    coef = np.concatenate([W, b[:, None]], axis=1).ravel(order="F").astype(X.dtype)
    Y = labels.astype(X.dtype)
    X_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sparse else X.nbytes
    with _threads_for(X)():
        objective(W, b, keep_probabilities=True)
        times = {
            "X @ v": best_time(lambda: X @ v, repeats),
            "X @ W.T": best_time(lambda: X @ W_x.T, repeats),
            "loss and gradient": best_time(lambda: objective(W, b), repeats),
            "loss, gradient, kept P": best_time(
                lambda: objective(W, b, keep_probabilities=True), repeats),
            "Hessian-vector product": best_time(lambda: objective.hessian_product(W, b), repeats),
            "scikit-learn loss_gradient": best_time(
                lambda: sk_loss.loss_gradient(coef, X, Y, None, 1.0 / (problem.C * n)), repeats),
        }
    floor = times["X @ v"]
    return {
        "problem": problem.name,
        "shape": problem.shape,
        "X_MiB": X_bytes / 2**20,
        "bandwidth_GBps": X_bytes / floor / 1e9,
        "times_s": times,
        "ratios_to_floor": {k: t / floor for k, t in times.items()},
    }


def markdown(rows: list[dict]) -> list[str]:
    names = list(rows[0]["times_s"])
    lines = [
        "",
        "## Per-evaluation cost against one streaming pass over X",
        "",
        "Best of 7, in ms; in brackets the ratio to `X @ v` (one read of X). "
        "Bandwidth = bytes of X / time of `X @ v`.",
        "",
        "| problem | X (MiB) | GB/s | " + " | ".join(names) + " |",
        "|---|---:|---:|" + "---:|" * len(names),
    ]
    for r in rows:
        cells = [f"{1e3 * r['times_s'][k]:.2f} ({r['ratios_to_floor'][k]:.1f})" for k in names]
        lines.append(f"| {r['problem']} | {r['X_MiB']:.1f} | {r['bandwidth_GBps']:.1f} | "
                     + " | ".join(cells) + " |")
    return lines
