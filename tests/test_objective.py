"""Tests of softmax_lib.objective.loss_and_gradient, the objective SoftmaxRegression minimises.

References: sklearn.metrics.log_loss for the value, torch autograd in float64 for
the gradient, and finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F
from sklearn.metrics import log_loss

from softmax_lib import numerical_gradient
from softmax_lib.objective import MultinomialObjective, loss_and_gradient


def _problem(seed=0, n=30, d=4, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)
    W = rng.normal(size=(k, d))
    b = rng.normal(size=k)
    return X, y, W, b


def _torch_reference(W, b, X, y, weights, alpha):
    Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(X, dtype=torch.float64) @ Wt.T + bt
    per_sample = F.cross_entropy(z, torch.tensor(y), reduction="none")
    loss = (torch.tensor(weights) * per_sample).sum() + 0.5 * alpha * (Wt**2).sum()
    loss.backward()
    return loss.item(), Wt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("alpha", [0.0, 0.01, 1.5])
def test_value_matches_log_loss_plus_penalty(alpha):
    X, y, W, b = _problem(0)
    n = len(y)
    loss, _, _ = loss_and_gradient(W, b, X, y, np.full(n, 1.0 / n), alpha)
    P = scipy.special.softmax(X @ W.T + b, axis=1)
    expected = log_loss(y, P, labels=range(3)) + 0.5 * alpha * np.sum(W**2)
    assert loss == pytest.approx(expected, rel=1e-13)


def test_value_with_normalised_sample_weights_matches_weighted_log_loss():
    X, y, W, b = _problem(1)
    w = np.random.default_rng(1).uniform(0.0, 3.0, size=len(y))
    loss, _, _ = loss_and_gradient(W, b, X, y, w / w.sum(), 0.2)
    P = scipy.special.softmax(X @ W.T + b, axis=1)
    expected = log_loss(y, P, labels=range(3), sample_weight=w) + 0.1 * np.sum(W**2)
    assert loss == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("normalised", [True, False])
def test_value_and_gradient_match_torch(seed, normalised):
    X, y, W, b = _problem(seed, k=4)
    w = np.random.default_rng(seed).uniform(0.1, 2.0, size=len(y))
    if normalised:
        w = w / w.sum()
    loss, gW, gb = loss_and_gradient(W, b, X, y, w, 0.3)
    ref_loss, ref_gW, ref_gb = _torch_reference(W, b, X, y, w, 0.3)
    assert loss == pytest.approx(ref_loss, rel=1e-13)
    np.testing.assert_allclose(gW, ref_gW, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gb, ref_gb, rtol=1e-12, atol=1e-15)


def test_gradient_matches_finite_differences():
    X, y, W, b = _problem(4, n=15, d=3, k=3)
    w = np.full(15, 1.0 / 15)
    _, gW, gb = loss_and_gradient(W, b, X, y, w, 0.05)
    num_W = numerical_gradient(lambda V: loss_and_gradient(V, b, X, y, w, 0.05)[0], W)
    num_b = numerical_gradient(lambda c: loss_and_gradient(W, c, X, y, w, 0.05)[0], b)
    np.testing.assert_allclose(gW, num_W, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gb, num_b, rtol=1e-6, atol=1e-9)


def test_intercept_gradient_sums_to_zero():
    X, y, W, b = _problem(5)
    _, _, gb = loss_and_gradient(W, b, X, y, np.full(len(y), 1 / len(y)), 0.1)
    assert abs(gb.sum()) < 1e-15


def test_zero_parameters_give_log_k():
    X, y, W, b = _problem(6, k=5)
    loss, _, _ = loss_and_gradient(np.zeros_like(W), np.zeros_like(b), X, y,
                                   np.full(len(y), 1 / len(y)), 3.0)
    assert loss == pytest.approx(np.log(5), rel=1e-15)


def test_inputs_are_not_modified():
    X, y, W, b = _problem(7)
    copies = [a.copy() for a in (X, y, W, b)]
    loss_and_gradient(W, b, X, y, np.full(len(y), 1 / len(y)), 0.5)
    for original, after in zip(copies, (X, y, W, b), strict=True):
        np.testing.assert_array_equal(original, after)


def test_float32_inputs_give_float64_results_close_to_float64():
    X, y, W, b = _problem(8)
    w = np.full(len(y), 1 / len(y))
    loss64, gW64, gb64 = loss_and_gradient(W, b, X, y, w, 0.1)
    loss32, gW32, gb32 = loss_and_gradient(W, b, X.astype(np.float32), y, w, 0.1)
    assert isinstance(loss32, float)
    assert gW32.dtype == np.float64 and gb32.dtype == np.float64
    assert loss32 == pytest.approx(loss64, rel=1e-6)
    np.testing.assert_allclose(gW32, gW64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb32, gb64, rtol=1e-5, atol=1e-6)


def test_extreme_logits_stay_finite():
    X = np.array([[1e3, -1e3], [-1e3, 1e3]])
    y = np.array([1, 1])
    W = np.array([[10.0, 0.0], [0.0, 10.0]])
    b = np.zeros(2)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, gW, gb = loss_and_gradient(W, b, X, y, np.array([0.5, 0.5]), 0.0)
    # sample 0: z = [1e4, -1e4], label 1 -> 2e4; sample 1: z = [-1e4, 1e4] -> 0
    assert loss == pytest.approx(1e4, rel=1e-15)
    np.testing.assert_allclose(gb, [0.5, -0.5], rtol=1e-15)
    np.testing.assert_allclose(gW, 0.5 * np.array([[1e3, -1e3], [-1e3, 1e3]]), rtol=1e-15)


# --------------------------------------------------------------------------- MultinomialObjective
@pytest.mark.parametrize("block_rows", [1, 2, 7, 29, 30, 1000, None])
def test_objective_blocks_give_the_same_result(block_rows):
    X, y, W, b = _problem(9, n=30, d=5, k=4)
    w = np.random.default_rng(9).uniform(0.1, 2.0, size=30)
    w /= w.sum()
    loss, gW, gb = MultinomialObjective(X, y, 4, w, 0.4, block_rows=block_rows)(W, b)
    ref_loss, ref_gW, ref_gb = _torch_reference(W, b, X, y, w, 0.4)
    assert loss == pytest.approx(ref_loss, rel=1e-13)
    np.testing.assert_allclose(gW, ref_gW, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gb, ref_gb, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_objective_reused_across_calls(dtype):
    # Buffers are reused between calls: each call must still be independent.
    X, y, W, b = _problem(10, n=40, d=3, k=3)
    X = X.astype(dtype)
    w = np.full(40, 1 / 40)
    objective = MultinomialObjective(X, y, 3, w, 0.1, block_rows=16)
    rng = np.random.default_rng(0)
    points = [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for _ in range(3)]
    results = [objective(Wk, bk) for Wk, bk in points]
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for (Wk, bk), (loss, gW, gb) in zip(points, results, strict=True):
        ref_loss, ref_gW, ref_gb = _torch_reference(Wk, bk, X.astype(np.float64), y, w, 0.1)
        assert loss == pytest.approx(ref_loss, rel=rtol)
        np.testing.assert_allclose(gW, ref_gW, rtol=rtol, atol=1e-6 if dtype == np.float32 else 0)
        np.testing.assert_allclose(gb, ref_gb, rtol=rtol, atol=1e-6 if dtype == np.float32 else 0)
        assert gW.dtype == np.float64 and gb.dtype == np.float64


def test_objective_on_many_rows_matches_plain_numpy():
    # A tall problem split into several blocks (and a short last one).
    rng = np.random.default_rng(11)
    n, d, k = 20000, 2, 3
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    W, b = rng.normal(size=(k, d)), rng.normal(size=k)
    w = np.full(n, 1 / n)
    loss, gW, gb = MultinomialObjective(X, y, k, w, 0.0, block_rows=4096)(W, b)
    Z = X @ W.T + b
    P = scipy.special.softmax(Z, axis=1)
    G = (P - np.eye(k)[y]) / n
    assert loss == pytest.approx(log_loss(y, P, labels=range(k)), rel=1e-12)
    np.testing.assert_allclose(gW, G.T @ X, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(gb, G.sum(axis=0), rtol=1e-10, atol=1e-15)


# --------------------------------------------------------------------------- issue 15: copies
@pytest.mark.parametrize(("dtype", "copies_per_block"), [(np.float64, 0), (np.float32, 2)])
def test_no_self_copies_for_float64(monkeypatch, dtype, copies_per_block):
    # float64 works in the logits buffer itself; only float32 needs its float64 twin,
    # copied in and out once per block. (Two views of one buffer used to be copied onto
    # each other twice per block.)
    X, y, W, b = _problem(12, n=40, d=3, k=3)
    objective = MultinomialObjective(X.astype(dtype), y, 3, np.full(40, 1 / 40), 0.1,
                                     block_rows=16)
    calls = []
    original = np.copyto
    monkeypatch.setattr(np, "copyto", lambda dst, src, **kw: (calls.append(1),
                                                                original(dst, src, **kw)))
    loss, grad_W, _ = objective(W, b)
    assert len(calls) == copies_per_block * 3  # 40 rows in blocks of 16: 3 blocks
    ref_loss, ref_grad_W, _ = _torch_reference(W, b, X.astype(dtype).astype(np.float64), y,
                                               np.full(40, 1 / 40), 0.1)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert loss == pytest.approx(ref_loss, rel=rtol)
    np.testing.assert_allclose(grad_W, ref_grad_W, rtol=rtol, atol=1e-6 if rtol == 1e-5 else 0)
