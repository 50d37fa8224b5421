"""Tests of softmax_lib._threads.single_threaded_scipy_blas."""

from __future__ import annotations

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
