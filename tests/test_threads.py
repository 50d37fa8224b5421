"""Tests of softmax_lib._threads: the BLAS pools during fits, and the idle-core count."""

from __future__ import annotations

import os

import pytest
import scipy.linalg  # noqa: F401  (loads SciPy's own BLAS, if it has one)
from threadpoolctl import threadpool_info, threadpool_limits

from softmax_lib._threads import single_threaded_scipy_blas


def _blas_threads():
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def _scipy_own(paths):
    return [p for p in paths if "scipy" in p and "numpy" not in p]


def test_limits_only_scipys_blas_and_restores_it():
    with threadpool_limits(limits=2, user_api="blas"):  # the session runs single-threaded
        before = _blas_threads()
        scipy_paths = _scipy_own(before)
        if not scipy_paths:
            pytest.skip("SciPy shares NumPy's BLAS here; nothing to limit")
        assert all(before[p] == 2 for p in scipy_paths)
        with single_threaded_scipy_blas():
            inside = _blas_threads()
        after = _blas_threads()
    for path, n in inside.items():
        assert n == (1 if path in scipy_paths else before[path])
    assert after == before


def test_restores_after_an_exception():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with pytest.raises(RuntimeError), single_threaded_scipy_blas():
            raise RuntimeError("boom")
        assert _blas_threads() == before


# --------------------------------------------------------------------------- issue 15: sparse fits
def _threads_seen_by_the_objective(monkeypatch, X, y):
    """BLAS thread counts inside the objective during a fit, with 2-thread pools outside."""
    from softmax_lib import SoftmaxRegression
    from softmax_lib.objective import MultinomialObjective

    seen, original = [], MultinomialObjective.__call__

    def spy(self, W, b, **kwargs):
        seen.append(_blas_threads())
        return original(self, W, b, **kwargs)

    monkeypatch.setattr(MultinomialObjective, "__call__", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        SoftmaxRegression(max_iter=3).fit(X, y)
        assert _blas_threads() == before  # restored
    return before, seen


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sparse_fit_runs_every_blas_single_threaded(monkeypatch):
    # With sparse X the products run in scipy.sparse's loops; BLAS only serves small
    # vector operations, where waking a thread pool costs more than it saves.
    import numpy as np
    import scipy.sparse

    rng = np.random.default_rng(0)
    X = scipy.sparse.random(200, 50, density=0.1, format="csr", random_state=0)
    y = rng.integers(0, 3, size=200)
    before, seen = _threads_seen_by_the_objective(monkeypatch, X, y)
    assert any(n == 2 for n in before.values())
    assert seen and all(n == 1 for threads in seen for n in threads.values())
    # Small dense X too: its products are too small for a second thread to pay.
    _, seen_small = _threads_seen_by_the_objective(monkeypatch, X.toarray(), y)
    assert seen_small and all(n == 1 for threads in seen_small for n in threads.values())


# ------------------------------------------------- issue 21: NumPy's pool on a busy machine
def _fake_proc(root, loadavg, states):
    (root / "self" / "task").mkdir(parents=True)
    (root / "loadavg").write_text(loadavg)
    for tid, (name, state) in enumerate(states, start=1):
        (root / "self" / "task" / str(tid)).mkdir()
        (root / "self" / "task" / str(tid) / "stat").write_text(f"{tid} ({name}) {state} 1 1\n")


def test_runnable_elsewhere_discounts_our_own_runnable_threads(tmp_path):
    from softmax_lib._threads import _runnable_elsewhere

    # 5 runnable on the machine; ours: the reader and one spinning BLAS thread (a ")"
    # inside a thread name must not confuse the parser), plus one sleeping thread.
    _fake_proc(tmp_path, "0.50 0.40 0.30 5/100 4242\n",
               [("python (x)", "R"), ("blas", "R"), ("idle", "S")])
    assert _runnable_elsewhere(tmp_path) == 3


def test_runnable_elsewhere_is_none_when_unknown(tmp_path):
    from softmax_lib._threads import _runnable_elsewhere

    assert _runnable_elsewhere(tmp_path / "missing") is None
    _fake_proc(tmp_path, "garbage\n", [("python", "R")])
    assert _runnable_elsewhere(tmp_path) is None


@pytest.mark.parametrize(("elsewhere", "cores", "idle"),
                         [(0, {0, 1}, 2), (1, {0, 1}, 1), (3, {0, 1}, 1), (1, set(range(8)), 7),
                          (None, {0, 1}, None)])
def test_idle_cores(monkeypatch, elsewhere, cores, idle):
    import joblib

    from softmax_lib import _threads

    monkeypatch.setattr(_threads, "_runnable_elsewhere", lambda: elsewhere)
    monkeypatch.setattr(joblib, "cpu_count", lambda: len(cores))
    assert _threads.idle_cores() == idle


def test_idle_cores_never_exceed_the_cpus_joblib_grants(monkeypatch):
    # joblib's cpu_count honours affinity and a container's CPU quota; os.cpu_count()
    # does not (a 2-CPU container on a 64-core host sees 64).
    from softmax_lib import _threads

    monkeypatch.setattr(_threads, "_runnable_elsewhere", lambda: 0)
    assert _threads.idle_cores() <= os.cpu_count()
    assert _threads.idle_cores() == __import__("joblib").cpu_count()


def test_a_busy_process_is_seen():
    import subprocess
    import sys
    import time

    from softmax_lib._threads import _runnable_elsewhere

    if _runnable_elsewhere() is None:
        pytest.skip("no /proc/loadavg here")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        # A compute loop is always runnable: every snapshot counts it.
        seen = []
        for _ in range(5):
            seen.append(_runnable_elsewhere())
            time.sleep(0.05)
    finally:
        busy.kill()
        busy.wait()
    assert sum(n >= 1 for n in seen) >= 4, seen


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("idle", "outer", "numpy_inside"),
                         [(1, 2, 1), (2, 2, 2), (None, 2, 2), (2, 1, 1)])
def test_large_dense_fit_fits_numpys_pool_to_the_idle_cores(monkeypatch, idle, outer,
                                                             numpy_inside):
    # NumPy's pool is lowered to the idle cores, never raised above the caller's limit;
    # SciPy's stays at one thread.
    import numpy as np

    from softmax_lib import SoftmaxRegression, _threads
    from softmax_lib.estimator import _SMALL_DENSE_BYTES
    from softmax_lib.objective import MultinomialObjective

    monkeypatch.setattr(_threads, "idle_cores", lambda: idle)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((_SMALL_DENSE_BYTES // (8 * 50) + 1, 50))
    y = rng.integers(0, 3, size=X.shape[0])
    seen, original = [], MultinomialObjective.__call__

    def spy(self, W, b, **kwargs):
        seen.append(_blas_threads())
        return original(self, W, b, **kwargs)

    monkeypatch.setattr(MultinomialObjective, "__call__", spy)
    with threadpool_limits(limits=outer, user_api="blas"):
        before = _blas_threads()
        SoftmaxRegression(max_iter=2).fit(X, y)
        assert _blas_threads() == before
    assert seen
    for threads in seen:
        for path, n in threads.items():
            if "numpy" in path:
                assert n == numpy_inside
            elif "scipy" in path:
                assert n == 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fits_reuse_one_controller_until_a_module_is_imported(monkeypatch):
    # Scanning the loaded libraries costs about a millisecond; a loop of small fits (cross-
    # validation, partial_fit over chunks) must not pay it at every call.
    import sys
    import types

    import numpy as np
    import threadpoolctl

    from softmax_lib import SoftmaxRegression, _threads

    scans = []
    real = threadpoolctl.ThreadpoolController

    def counting():
        scans.append(1)
        return real()

    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", counting)
    _threads._controller_cache.clear()
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4)), np.arange(60) % 3
    for _ in range(3):
        SoftmaxRegression(max_iter=5).fit(X, y)
    model = SoftmaxRegression(solver="sgd", random_state=0)
    for _ in range(3):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert len(scans) == 1
    # A new module may have brought a new BLAS: the next fit scans again, once.
    monkeypatch.setitem(sys.modules, "a_new_extension", types.ModuleType("a_new_extension"))
    SoftmaxRegression(max_iter=5).fit(X, y)
    SoftmaxRegression(max_iter=5).fit(X, y)
    assert len(scans) == 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_reused_controller_restores_the_pools_of_the_moment(monkeypatch):
    # The controller is reused across fits, but each fit restores the thread counts it
    # found when it started, not those of an earlier fit.
    import numpy as np

    from softmax_lib import SoftmaxRegression

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4)), np.arange(60) % 3
    for outer in (2, 1, 2):
        with threadpool_limits(limits=outer, user_api="blas"):
            before = _blas_threads()
            SoftmaxRegression(max_iter=5).fit(X, y)
            assert _blas_threads() == before
