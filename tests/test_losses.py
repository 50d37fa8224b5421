"""Tests of softmax_lib.losses: cross_entropy and cross_entropy_grad.

References: sklearn.metrics.log_loss, torch.nn.functional.cross_entropy and torch
autograd in float64, scipy.special, finite differences and closed forms.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import log_loss

from softmax_lib import cross_entropy, cross_entropy_grad, numerical_gradient


def _problem(seed: int, n: int = 12, k: int = 4, scale: float = 2.0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=scale, size=(n, k))
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)  # every class present, so log_loss sees them all
    return logits, y


def _prob_targets(seed: int, n: int, k: int):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(k), size=n)


def _torch_ce(logits, target, weights=None):
    """Weighted mean cross-entropy from torch, in float64."""
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(target, dtype=torch.long if np.asarray(target).ndim == 1 else torch.float64)
    per_sample = F.cross_entropy(z, t, reduction="none")
    if weights is None:
        loss = per_sample.mean()
    else:
        w = torch.tensor(weights, dtype=torch.float64)
        loss = (w * per_sample).sum() / w.sum()
    loss.backward()
    return loss.item(), z.grad.numpy()


# --------------------------------------------------------------------------- value
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("n", "k"), [(12, 4), (30, 3), (8, 2)])
def test_cross_entropy_matches_sklearn_log_loss(seed, n, k):
    logits, y = _problem(seed, n, k)
    expected = log_loss(y, scipy.special.softmax(logits, axis=1), labels=range(k))
    assert cross_entropy(logits, y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_cross_entropy_matches_sklearn_log_loss_with_weights(seed):
    logits, y = _problem(seed, 20, 5)
    w = np.random.default_rng(seed + 100).uniform(0.0, 3.0, size=20)
    expected = log_loss(y, scipy.special.softmax(logits, axis=1), labels=range(5), sample_weight=w)
    assert cross_entropy(logits, y, sample_weight=w) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_entropy_matches_torch_with_labels(seed):
    logits, y = _problem(seed, 15, 6, scale=5.0)
    expected, _ = _torch_ce(logits, y)
    assert cross_entropy(logits, y) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_entropy_matches_torch_with_probability_targets(seed):
    logits, _ = _problem(seed, 15, 6, scale=5.0)
    targets = _prob_targets(seed, 15, 6)
    expected, _ = _torch_ce(logits, targets)
    assert cross_entropy(logits, targets) == pytest.approx(expected, rel=1e-13)


def test_cross_entropy_matches_torch_weighted():
    logits, y = _problem(4, 25, 3, scale=3.0)
    w = np.random.default_rng(9).integers(1, 5, size=25).astype(float)
    expected, _ = _torch_ce(logits, y, w)
    assert cross_entropy(logits, y, sample_weight=w) == pytest.approx(expected, rel=1e-13)
    targets = _prob_targets(5, 25, 3)
    expected, _ = _torch_ce(logits, targets, w)
    assert cross_entropy(logits, targets, sample_weight=w) == pytest.approx(expected, rel=1e-13)


def test_one_hot_probability_targets_equal_labels():
    logits, y = _problem(3, 10, 4)
    assert cross_entropy(logits, np.eye(4)[y]) == pytest.approx(cross_entropy(logits, y), rel=1e-14)


def test_zero_logits_give_log_k():
    for k in (2, 3, 10):
        loss = cross_entropy(np.zeros((5, k)), np.arange(5) % k)
        assert loss == pytest.approx(np.log(k), rel=1e-15)


def test_closed_form_single_sample():
    z = np.array([[3.0, 7.0, 14.0]])
    lse = np.log(np.exp(3) + np.exp(7) + np.exp(14))
    for label in range(3):
        assert cross_entropy(z, [label]) == pytest.approx(lse - z[0, label], rel=1e-14)


@pytest.mark.parametrize(
    ("logits", "y", "expected"),
    [
        ([[1e4, -1e4]], [1], 2e4),
        ([[1e4, -1e4]], [0], 0.0),
        ([[-1e4, 1e4, 0.0]], [2], 1e4),
        ([[1e300, -1e300]], [1], 2e300),
        ([[1e4, -1e4], [0.0, 0.0]], [1, 0], (2e4 + np.log(2)) / 2),
    ],
)
def test_cross_entropy_finite_for_extreme_logits(logits, y, expected):
    # Here log(softmax) would give log(0) = -inf for the true class.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = cross_entropy(logits, y)
    assert np.isfinite(loss)
    assert loss == pytest.approx(expected, rel=1e-15, abs=0)


def test_extreme_logits_match_torch():
    logits = np.array([[1e4, -1e4, 0.0], [-5e3, 5e3, 4999.0], [700.0, -700.0, 1.0]])
    y = np.array([1, 2, 1])
    expected, grad = _torch_ce(logits, y)
    assert cross_entropy(logits, y) == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(cross_entropy_grad(logits, y), grad, rtol=1e-12, atol=1e-300)


def test_probability_targets_with_masked_logit_match_label_form():
    # A -inf logit is a masked class (probability 0). A one-hot probability row that
    # puts zero mass there must give the same loss as the integer label (0 log 0 = 0),
    # not nan.
    logits = np.array([[0.0, -np.inf], [1.0, 2.0]])
    expected = cross_entropy(logits, [0, 1])
    assert expected == pytest.approx(np.log1p(np.exp(-1.0)) / 2, rel=1e-14)
    assert cross_entropy(logits, [[1.0, 0.0], [0.0, 1.0]]) == pytest.approx(expected, rel=1e-14)
    # soft targets too: only the unmasked classes contribute
    soft = [[1.0, 0.0], [0.25, 0.75]]
    e = np.exp([1.0, 2.0])
    row2 = -(0.25 * np.log(e[0] / e.sum()) + 0.75 * np.log(e[1] / e.sum()))
    assert cross_entropy(logits, soft) == pytest.approx(row2 / 2, rel=1e-14)
    np.testing.assert_allclose(cross_entropy_grad(logits, soft),
                               [[0.0, 0.0], (e / e.sum() - [0.25, 0.75]) / 2], rtol=1e-14)


def test_mass_on_a_masked_class_gives_infinite_loss():
    # -log(0) = +inf, in both target forms, and without warnings
    logits = np.array([[0.0, -np.inf, 1.0]])
    assert cross_entropy(logits, [1]) == np.inf
    assert cross_entropy(logits, [[0.0, 1.0, 0.0]]) == np.inf
    assert cross_entropy(logits, [[0.5, 0.5, 0.0]]) == np.inf


@given(seed=st.integers(0, 10_000), k=st.integers(2, 6))
def test_integer_weights_equal_repeated_rows(seed, k):
    rng = np.random.default_rng(seed)
    n = 9
    logits = rng.normal(scale=3.0, size=(n, k))
    y = rng.integers(0, k, size=n)
    w = rng.integers(0, 4, size=n)
    w[0] = max(w[0], 1)
    repeated = cross_entropy(np.repeat(logits, w, axis=0), np.repeat(y, w))
    assert cross_entropy(logits, y, sample_weight=w) == pytest.approx(repeated, rel=1e-12)
    g_w = cross_entropy_grad(logits, y, sample_weight=w)
    g_rep = cross_entropy_grad(np.repeat(logits, w, axis=0), np.repeat(y, w))
    # the repeated rows' gradients, summed back per original row
    summed = np.zeros_like(g_w)
    np.add.at(summed, np.repeat(np.arange(n), w), g_rep)
    np.testing.assert_allclose(g_w, summed, rtol=1e-12, atol=1e-15)


def test_uniform_weights_change_nothing():
    logits, y = _problem(8, 10, 3)
    assert cross_entropy(logits, y, sample_weight=np.full(10, 7.5)) == pytest.approx(
        cross_entropy(logits, y), rel=1e-14)


def test_float_labels_that_are_whole_numbers_are_accepted():
    logits, y = _problem(2, 6, 3)
    assert cross_entropy(logits, y.astype(float)) == pytest.approx(cross_entropy(logits, y), rel=0)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("w", [np.zeros(4), [1.0, -1.0, 1.0, 1.0], [1.0, np.nan, 1.0, 1.0],
                               [1.0, np.inf, 1.0, 1.0], [1.0, 1.0, 1.0], np.ones((4, 1))])
@pytest.mark.parametrize("func", [cross_entropy, cross_entropy_grad])
def test_bad_sample_weight_raises(func, w):
    logits, _ = _problem(0, 4, 3)
    with pytest.raises(ValueError):
        func(logits, [0, 1, 2, 0], sample_weight=w)


@pytest.mark.parametrize(
    ("logits", "y"),
    [
        (np.zeros((3, 2)), [0, 1]),  # too few labels
        (np.zeros((3, 2)), [0, 1, 1, 0]),  # too many labels
        (np.zeros((3, 2)), [0, 1, 2]),  # label >= n_classes
        (np.zeros((3, 2)), [0, -1, 1]),  # negative label
        (np.zeros((3, 2)), [0, 0.5, 1]),  # not a whole number
        (np.zeros(3), [0, 1, 1]),  # 1-D logits
        (np.zeros((2, 3, 2)), [0, 1]),  # 3-D logits
        (np.zeros((0, 3)), np.zeros(0, dtype=int)),  # no samples
        (np.zeros((2, 3)), [[0.5, 0.5, 0.0], [0.2, 0.2, 0.2]]),  # row sums to 0.6
        (np.zeros((2, 3)), [[0.5, 0.5, 0.1], [0.0, 1.0, 0.0]]),  # row sums to 1.1
        (np.zeros((2, 3)), [[1.5, -0.5, 0.0], [0.0, 1.0, 0.0]]),  # negative probability
        (np.zeros((2, 3)), [[0.5, 0.5], [0.0, 1.0]]),  # wrong number of columns
        (np.zeros((2, 3)), [[1.0, 0.0, 0.0]]),  # wrong number of rows
        (np.zeros((2, 3)), np.zeros((2, 3, 1))),  # 3-D targets
        (np.zeros((2, 3)), [[np.nan, 1.0, 0.0], [0.0, 1.0, 0.0]]),  # nan target
        ([[0.0, np.nan], [0.0, 1.0]], [0, 1]),  # nan logit
        ([[0.0, np.inf], [0.0, 1.0]], [0, 1]),  # +inf logit
    ],
)
@pytest.mark.parametrize("func", [cross_entropy, cross_entropy_grad])
def test_invalid_inputs_raise(func, logits, y):
    with pytest.raises(ValueError):
        func(logits, y)


# --------------------------------------------------------------------------- gradient
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grad_equals_softmax_minus_one_hot_over_n(seed):
    logits, y = _problem(seed, 11, 4)
    expected = (scipy.special.softmax(logits, axis=1) - np.eye(4)[y]) / 11
    np.testing.assert_allclose(cross_entropy_grad(logits, y), expected, rtol=1e-13, atol=1e-17)


def test_weighted_grad_closed_form():
    logits, y = _problem(6, 10, 3)
    w = np.random.default_rng(1).uniform(0.1, 2.0, size=10)
    expected = w[:, None] * (scipy.special.softmax(logits, axis=1) - np.eye(3)[y]) / w.sum()
    np.testing.assert_allclose(cross_entropy_grad(logits, y, sample_weight=w), expected,
                               rtol=1e-13, atol=1e-17)


@pytest.mark.parametrize("targets", ["labels", "probabilities"])
@pytest.mark.parametrize("weighted", [False, True])
def test_grad_matches_torch_autograd(targets, weighted):
    logits, y = _problem(10, 14, 5, scale=3.0)
    t = y if targets == "labels" else _prob_targets(3, 14, 5)
    w = np.random.default_rng(2).uniform(0.0, 2.0, size=14) if weighted else None
    _, expected = _torch_ce(logits, t, w)
    np.testing.assert_allclose(cross_entropy_grad(logits, t, sample_weight=w), expected,
                               rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("targets", ["labels", "probabilities"])
def test_grad_matches_finite_differences(targets):
    logits, y = _problem(12, 6, 3)
    t = y if targets == "labels" else _prob_targets(4, 6, 3)
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=6)
    numeric = numerical_gradient(lambda z: cross_entropy(z, t, sample_weight=w), logits)
    np.testing.assert_allclose(cross_entropy_grad(logits, t, sample_weight=w), numeric,
                               rtol=1e-6, atol=1e-9)


@given(seed=st.integers(0, 10_000), k=st.integers(2, 7))
def test_grad_rows_sum_to_zero(seed, k):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=10.0, size=(5, k))
    y = rng.integers(0, k, size=5)
    g = cross_entropy_grad(logits, y)
    np.testing.assert_allclose(g.sum(axis=1), 0.0, rtol=0, atol=1e-15)
    g = cross_entropy_grad(logits, rng.dirichlet(np.ones(k), size=5))
    np.testing.assert_allclose(g.sum(axis=1), 0.0, rtol=0, atol=1e-15)


def test_grad_keeps_float32():
    logits = np.array([[1.0, 2.0, 0.5]], dtype=np.float32)
    g = cross_entropy_grad(logits, [1])
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, scipy.special.softmax([[1.0, 2.0, 0.5]], axis=1) - [[0, 1, 0]],
                               rtol=1e-6, atol=1e-7)


def test_grad_for_extreme_logits_is_finite_and_exact():
    g = cross_entropy_grad([[1e4, -1e4]], [1])
    np.testing.assert_array_equal(g, [[1.0, -1.0]])
    g = cross_entropy_grad([[1e4, -1e4]], [0])
    np.testing.assert_array_equal(g, [[0.0, 0.0]])


def test_cross_entropy_keeps_its_log_of_sum_form_digit_for_digit():
    # logsumexp now uses log1p (issue 15); cross_entropy keeps
    # log(sum(exp(z - max))) + max - z_y, so the losses the book prints keep every digit.
    rng = np.random.default_rng(5)
    z = rng.normal(size=(2000, 3)) * 4
    y = rng.integers(0, 3, size=2000)
    m = z.max(axis=1)
    per_sample = np.log(np.exp(z - m[:, None]).sum(axis=1)) + m - z[np.arange(2000), y]
    for i in range(0, 2000, 97):  # one sample at a time: exactly the formula above
        assert cross_entropy(z[i : i + 1], y[i : i + 1]) == per_sample[i]
