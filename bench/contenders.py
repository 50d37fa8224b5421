"""Run each solver while recording (time, parameters) after every iteration.

softmax_lib (both solvers) and scikit-learn's lbfgs call ``scipy.optimize.minimize``;
during a run we replace it with a wrapper that adds a callback recording the elapsed
time, the number of function evaluations (and Hessian-vector products) and a copy of
the iterate. scikit-learn's ``newton-cg`` runs its own loop (``_newton_cg``) and
``newton-cholesky`` its own solver class: we wrap those to record each Newton iterate,
and, with the clock paused, evaluate the float64 objective there to know when to stop.
The true float64 objective of each iterate is evaluated afterwards, outside the timed
region. Once the solver's own objective is below the target, the run stops a few
iterations later, so that a tight tolerance does not make the benchmark slow; a run
that takes longer than ``TIME_LIMIT`` seconds is stopped and reported as not reached.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

EXTRA_ITERATIONS = 3  # after the solver's own value crosses the target
TIME_LIMIT = 30.0  # seconds per run; a slower run counts as "not reached"


class _Stop(Exception):
    """Raised inside a solver's loop to end a run (target passed or time limit)."""


@dataclass
class Trace:
    monotone: bool = True  # one entry per accepted iterate, objective decreasing
    times: list[float] = field(default_factory=list)
    nfev: list[int] = field(default_factory=list)
    params: list[np.ndarray] = field(default_factory=list)
    solver_values: list[float] = field(default_factory=list)
    hessp: list[int] = field(default_factory=list)  # Hessian-vector products so far
    timed_out: bool = False


class _RecordingMinimize:
    """``scale``: the solver minimises f(scale x) / scale over x (softmax_lib's newton-cg)."""

    def __init__(self, trace: Trace, start: list[float], stop_below: float | None, scale=1.0):
        self.trace, self.start, self.stop_below, self.scale = trace, start, stop_below, scale
        self.original = scipy.optimize.minimize

    def __call__(self, fun, x0, *args, callback=None, hessp=None, **kwargs):
        trace, evaluations, products, crossed = self.trace, [0], [0], [None]

        def counted(x, *a):
            evaluations[0] += 1
            return fun(x, *a)

        def counted_hessp(x, p, *a):
            products[0] += 1
            return hessp(x, p, *a)

        def record(intermediate_result):
            trace.times.append(time.perf_counter() - self.start[0])
            trace.nfev.append(evaluations[0])
            trace.hessp.append(products[0])
            trace.params.append(self.scale * np.array(intermediate_result.x, copy=True))
            value = self.scale * float(intermediate_result.fun)
            trace.solver_values.append(value)
            if callback is not None:
                callback(intermediate_result)
            if trace.times[-1] > TIME_LIMIT:
                trace.timed_out = True
                raise StopIteration
            if self.stop_below is not None and value <= self.stop_below:
                crossed[0] = crossed[0] if crossed[0] is not None else len(trace.times)
                if len(trace.times) - crossed[0] >= EXTRA_ITERATIONS:
                    raise StopIteration

        if hessp is not None:
            kwargs["hessp"] = counted_hessp
        return self.original(counted, x0, *args, callback=record, **kwargs)

    def __enter__(self):
        scipy.optimize.minimize = self
        return self

    def __exit__(self, *exc):
        scipy.optimize.minimize = self.original


def _run_scipy_based(make_and_fit, stop_below, scale=1.0):
    trace, start = Trace(), [0.0]
    with _RecordingMinimize(trace, start, stop_below, scale), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an early stop is reported as non-convergence
        start[0] = time.perf_counter()
        make_and_fit()
    return trace


def run_softmax_lib(
    problem, tol: float, max_iter: int, stop_below: float | None, solver: str = "lbfgs"
):
    from softmax_lib import SoftmaxRegression
    from softmax_lib.estimator import _NEWTON_SCALE, _auto_solver

    model = SoftmaxRegression(C=problem.C, tol=tol, max_iter=max_iter, solver=solver)
    # newton-cg hands SciPy parameters divided by _NEWTON_SCALE (see its docstring); the
    # choice "auto" makes is looked up here, untimed (fit makes it again, timed).
    chosen = _auto_solver(problem.X) if solver == "auto" else solver
    scale = _NEWTON_SCALE if chosen == "newton-cg" else 1.0
    trace = _run_scipy_based(lambda: model.fit(problem.X, problem.y), stop_below, scale)
    K, d = len(np.unique(problem.y)), problem.X.shape[1]
    return trace, lambda x: (x[: K * d].reshape(K, d), x[K * d :])


def run_softmax_lib_newton(problem, tol: float, max_iter: int, stop_below: float | None):
    return run_softmax_lib(problem, tol, max_iter, stop_below, solver="newton-cg")


def run_softmax_lib_auto(problem, tol: float, max_iter: int, stop_below: float | None):
    return run_softmax_lib(problem, tol, max_iter, stop_below, solver="auto")


def _sklearn_unpack(K: int, d: int):
    def unpack(x):
        coef = x.reshape(K, d + 1, order="F")
        return coef[:, :d], coef[:, d]

    return unpack


def run_sklearn(problem, tol: float, max_iter: int, stop_below: float | None):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=problem.C, tol=tol, max_iter=max_iter)
    trace = _run_scipy_based(lambda: model.fit(problem.X, problem.y), stop_below)
    K, d = len(np.unique(problem.y)), problem.X.shape[1]
    return trace, _sklearn_unpack(K, d)


class _NewtonRecorder:
    """Records Newton iterates of scikit-learn's own solvers, with the clock paused for checks."""

    def __init__(self, problem, stop_below):
        from softmax_lib.objective import MultinomialObjective

        self.trace, self.stop_below, self.crossed = Trace(), stop_below, None
        n = problem.X.shape[0]
        labels = np.searchsorted(np.unique(problem.y), problem.y)
        K, d = len(np.unique(problem.y)), problem.X.shape[1]
        self.unpack = _sklearn_unpack(K, d)
        X64 = problem.X.astype(np.float64) if problem.X.dtype != np.float64 else problem.X
        alpha = 1.0 / (problem.C * n)
        self.value = MultinomialObjective(X64, labels, K, np.full(n, 1.0 / n), alpha)
        self.evaluations, self.products, self.paused = 0, 0, 0.0

    def start(self):
        self.started = time.perf_counter()

    def record(self, x):
        now = time.perf_counter()
        trace = self.trace
        trace.times.append(now - self.started - self.paused)
        trace.nfev.append(self.evaluations)
        trace.hessp.append(self.products)
        trace.params.append(np.array(x, copy=True))
        value = self.value(*self.unpack(trace.params[-1]))[0]  # not timed
        trace.solver_values.append(value)
        self.paused += time.perf_counter() - now
        if trace.times[-1] > TIME_LIMIT:
            trace.timed_out = True
            raise _Stop
        if self.stop_below is not None and value <= self.stop_below:
            self.crossed = self.crossed if self.crossed is not None else len(trace.times)
            if len(trace.times) - self.crossed >= EXTRA_ITERATIONS:
                raise _Stop


def run_sklearn_newton_cg(problem, tol: float, max_iter: int, stop_below: float | None):
    """scikit-learn's newton-cg; an iterate is recorded each time it asks for a Hessian."""
    import sklearn.linear_model._logistic as logistic
    from sklearn.linear_model import LogisticRegression

    recorder, original = _NewtonRecorder(problem, stop_below), logistic._newton_cg

    def recording_newton_cg(grad_hess, func, grad, x0, args=(), **kwargs):
        def counted_func(x, *a):
            recorder.evaluations += 1
            return func(x, *a)

        def counted_grad(x, *a):
            recorder.evaluations += 1
            return grad(x, *a)

        def recording_grad_hess(x, *a):
            recorder.record(x)
            recorder.evaluations += 1
            gradient, hessp = grad_hess(x, *a)

            def counted_hessp(v):
                recorder.products += 1
                return hessp(v)

            return gradient, counted_hessp

        return original(recording_grad_hess, counted_func, counted_grad, x0, args, **kwargs)

    model = LogisticRegression(C=problem.C, tol=tol, max_iter=max_iter, solver="newton-cg")
    _fit_with(logistic, "_newton_cg", recording_newton_cg, model, problem, recorder)
    return recorder.trace, recorder.unpack


def run_sklearn_newton_cholesky(problem, tol: float, max_iter: int, stop_below: float | None):
    """scikit-learn's newton-cholesky (full Hessian); an iterate is recorded after each step.

    "f evals" counts Hessians (one full Hessian and Cholesky factorisation a step).
    """
    import sklearn.linear_model._logistic as logistic
    from sklearn.linear_model import LogisticRegression

    recorder, original = _NewtonRecorder(problem, stop_below), logistic.NewtonCholeskySolver

    class Recording(original):
        def update_gradient_hessian(self, *args, **kwargs):
            recorder.evaluations += 1
            return super().update_gradient_hessian(*args, **kwargs)

        def line_search(self, *args, **kwargs):
            super().line_search(*args, **kwargs)
            recorder.record(self.coef)

    model = LogisticRegression(
        C=problem.C, tol=tol, max_iter=max_iter, solver="newton-cholesky"
    )
    _fit_with(logistic, "NewtonCholeskySolver", Recording, model, problem, recorder)
    return recorder.trace, recorder.unpack


def _fit_with(module, name: str, replacement, model, problem, recorder) -> None:
    """Fit ``model`` with ``module.name`` replaced by a recording version, then restore it.

    The recorder's clock starts just before the fit; ``_Stop`` (the target was crossed)
    ends the fit early, and warnings of unfinished runs are silenced.
    """
    original = getattr(module, name)
    setattr(module, name, replacement)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            recorder.start()
            model.fit(problem.X, problem.y)
    except _Stop:
        pass
    finally:
        setattr(module, name, original)


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
        if trace.times[-1] > TIME_LIMIT:
            trace.timed_out = True
            raise _TargetReached
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


def scipy_blas_limited(run):
    """``run`` with the SciPy-BLAS thread limit that softmax_lib applies in fit."""

    def limited(problem, tol: float, max_iter: int, stop_below: float | None):
        from softmax_lib._threads import single_threaded_scipy_blas

        with single_threaded_scipy_blas():
            return run(problem, tol, max_iter, stop_below)

    return limited


CONTENDERS = {
    "softmax_lib": run_softmax_lib,
    "softmax_lib newton-cg": run_softmax_lib_newton,
    "softmax_lib auto": run_softmax_lib_auto,
    "scikit-learn": run_sklearn,
    "scikit-learn, SciPy BLAS limited": run_sklearn_limited,
    "scikit-learn, every BLAS single-threaded": run_sklearn_single_threaded,
    "scikit-learn newton-cg": run_sklearn_newton_cg,
    "scikit-learn newton-cg, SciPy BLAS limited": scipy_blas_limited(run_sklearn_newton_cg),
    "scikit-learn newton-cholesky": run_sklearn_newton_cholesky,
    "scikit-learn newton-cholesky, SciPy BLAS limited": scipy_blas_limited(
        run_sklearn_newton_cholesky
    ),
    "torch LBFGS": run_torch,
}
# A contender whose name is a key here runs in both thread settings once; the faster
# one is repeated and reported (one row, with its setting).
BETTER_OF = {
    "scikit-learn newton-cg": "scikit-learn newton-cg, SciPy BLAS limited",
    "scikit-learn newton-cholesky": "scikit-learn newton-cholesky, SciPy BLAS limited",
}
# The library's solvers; every other contender is a peer.
OURS = ("softmax_lib", "softmax_lib newton-cg", "softmax_lib auto")
# The dense race; the sparse one (bench/sparse.py) picks its own.
DENSE_CONTENDERS = ("softmax_lib", "softmax_lib newton-cg", "softmax_lib auto", "scikit-learn",
                    "scikit-learn, SciPy BLAS limited", "scikit-learn newton-cg",
                    "scikit-learn newton-cholesky", "torch LBFGS")
