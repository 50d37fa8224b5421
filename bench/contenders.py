"""Run each solver while recording (time, parameters) after every iteration.

Both scikit-learn and softmax_lib call ``scipy.optimize.minimize``; during a run we
replace it with a wrapper that adds a callback recording the elapsed time, the number
of function evaluations and a copy of the iterate. The true float64 objective of each
iterate is evaluated afterwards, outside the timed region. Once the solver's own
objective is below the target, the run stops a few iterations later, so that a tight
tolerance does not make the benchmark slow.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

EXTRA_ITERATIONS = 3  # after the solver's own value crosses the target


@dataclass
class Trace:
    monotone: bool = True  # one entry per accepted iterate, objective decreasing
    times: list[float] = field(default_factory=list)
    nfev: list[int] = field(default_factory=list)
    params: list[np.ndarray] = field(default_factory=list)
    solver_values: list[float] = field(default_factory=list)


class _RecordingMinimize:
    def __init__(self, trace: Trace, start: list[float], stop_below: float | None):
        self.trace, self.start, self.stop_below = trace, start, stop_below
        self.original = scipy.optimize.minimize

    def __call__(self, fun, x0, *args, callback=None, **kwargs):
        trace, evaluations, crossed = self.trace, [0], [None]

        def counted(x, *a):
            evaluations[0] += 1
            return fun(x, *a)

        def record(intermediate_result):
            trace.times.append(time.perf_counter() - self.start[0])
            trace.nfev.append(evaluations[0])
            trace.params.append(np.array(intermediate_result.x, copy=True))
            trace.solver_values.append(float(intermediate_result.fun))
            if callback is not None:
                callback(intermediate_result)
            if self.stop_below is not None and intermediate_result.fun <= self.stop_below:
                crossed[0] = crossed[0] if crossed[0] is not None else len(trace.times)
                if len(trace.times) - crossed[0] >= EXTRA_ITERATIONS:
                    raise StopIteration

        return self.original(counted, x0, *args, callback=record, **kwargs)

    def __enter__(self):
        scipy.optimize.minimize = self
        return self

    def __exit__(self, *exc):
        scipy.optimize.minimize = self.original


def _run_scipy_based(make_and_fit, stop_below):
    trace, start = Trace(), [0.0]
    with _RecordingMinimize(trace, start, stop_below), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an early stop is reported as non-convergence
        start[0] = time.perf_counter()
        make_and_fit()
    return trace


def run_softmax_lib(problem, tol: float, max_iter: int, stop_below: float | None):
    from softmax_lib import SoftmaxRegression

    model = SoftmaxRegression(C=problem.C, tol=tol, max_iter=max_iter)
    trace = _run_scipy_based(lambda: model.fit(problem.X, problem.y), stop_below)
    K, d = len(np.unique(problem.y)), problem.X.shape[1]
    return trace, lambda x: (x[: K * d].reshape(K, d), x[K * d :])


def run_sklearn(problem, tol: float, max_iter: int, stop_below: float | None):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=problem.C, tol=tol, max_iter=max_iter)
    trace = _run_scipy_based(lambda: model.fit(problem.X, problem.y), stop_below)
    K, d = len(np.unique(problem.y)), problem.X.shape[1]

    def unpack(x):
        coef = x.reshape(K, d + 1, order="F")
        return coef[:, :d], coef[:, d]

    return trace, unpack


class _TargetReached(Exception):
    pass


def run_torch(problem, tol: float, max_iter: int, stop_below: float | None):
    """torch.optim.LBFGS on the same objective; records every function evaluation.

    Its iterates are not reported separately from line-search trial points, so the
    trace holds every evaluated point (not monotone); the race scans it in order.
    """
    import torch

    torch.manual_seed(0)
    dtype = torch.float64 if problem.X.dtype == np.float64 else torch.float32
    trace = Trace(monotone=False)
    start = time.perf_counter()
    X = torch.from_numpy(problem.X)
    y = torch.from_numpy(problem.y.astype(np.int64))
    K, (n, d) = len(np.unique(problem.y)), problem.X.shape
    W = torch.zeros(K, d, dtype=dtype, requires_grad=True)
    b = torch.zeros(K, dtype=dtype, requires_grad=True)
    alpha = 1.0 / (problem.C * n)
    # scipy's defaults where torch's differ: history 10, up to 50 line-search steps.
    opt = torch.optim.LBFGS(
        [W, b],
        lr=1,
        max_iter=max_iter,
        max_eval=max_iter * 50,
        history_size=10,
        tolerance_grad=tol,
        tolerance_change=0.0,
        line_search_fn="strong_wolfe",
    )
    crossed = [None]

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(X @ W.T + b, y) + 0.5 * alpha * (W * W).sum()
        loss.backward()
        value = float(loss.detach())
        trace.times.append(time.perf_counter() - start)
        trace.nfev.append(len(trace.times))
        trace.params.append(np.concatenate([W.detach().numpy().ravel(), b.detach().numpy()]))
        trace.solver_values.append(value)
        if stop_below is not None and value <= stop_below:
            crossed[0] = crossed[0] or len(trace.times)
            if len(trace.times) - crossed[0] >= EXTRA_ITERATIONS:
                raise _TargetReached
        return loss

    try:
        opt.step(closure)
    except _TargetReached:
        pass
    return trace, lambda x: (x[: K * d].reshape(K, d), x[K * d :])


def run_sklearn_limited(problem, tol: float, max_iter: int, stop_below: float | None):
    """scikit-learn with the same SciPy-BLAS thread limit that softmax_lib applies in fit."""
    from softmax_lib._threads import single_threaded_scipy_blas

    with single_threaded_scipy_blas():
        return run_sklearn(problem, tol, max_iter, stop_below)


def run_sklearn_single_threaded(problem, tol: float, max_iter: int, stop_below: float | None):
    """scikit-learn with every BLAS pool single-threaded, as softmax_lib fits sparse X."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return run_sklearn(problem, tol, max_iter, stop_below)


CONTENDERS = {
    "softmax_lib": run_softmax_lib,
    "scikit-learn": run_sklearn,
    "scikit-learn, SciPy BLAS limited": run_sklearn_limited,
    "scikit-learn, every BLAS single-threaded": run_sklearn_single_threaded,
    "torch LBFGS": run_torch,
}
# The dense race; the sparse one (bench/sparse.py) picks its own.
DENSE_CONTENDERS = ("softmax_lib", "scikit-learn", "scikit-learn, SciPy BLAS limited",
                    "torch LBFGS")
