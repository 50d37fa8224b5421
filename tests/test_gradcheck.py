"""Tests of softmax_lib.gradcheck: numerical_gradient and check_gradient.

numerical_gradient is compared with closed-form derivatives; check_gradient with
its definition on hand-built numbers, and on right and deliberately wrong gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from softmax_lib import check_gradient, cross_entropy, cross_entropy_grad, numerical_gradient


# --------------------------------------------------------------------------- numerical_gradient
def test_numerical_gradient_of_quadratic():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(5, 5))
    A = M @ M.T + np.eye(5)
    b = rng.normal(size=5)
    x = rng.normal(size=5)

    def f(v):
        return 0.5 * v @ A @ v + b @ v

    # Central differences are exact for quadratics up to rounding (~1e-16 / 1e-6).
    np.testing.assert_allclose(numerical_gradient(f, x), A @ x + b, rtol=0, atol=1e-8)


def test_numerical_gradient_of_sin_on_a_matrix():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    g = numerical_gradient(lambda v: float(np.sum(np.sin(v))), x)
    assert g.shape == (3, 4)
    assert g.dtype == np.float64
    # truncation error eps^2/6 * |cos'''| <= 2e-13, rounding ~1e-10
    np.testing.assert_allclose(g, np.cos(x), rtol=0, atol=1e-9)


def test_numerical_gradient_of_product_and_exp():
    x = np.array([0.3, -1.2, 2.0])

    def f(v):
        return float(np.prod(v) + np.exp(v).sum())

    expected = np.array([x[1] * x[2], x[0] * x[2], x[0] * x[1]]) + np.exp(x)
    np.testing.assert_allclose(numerical_gradient(f, x), expected, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_step_size_is_used():
    # f(v) = v^3: central difference = 3 v^2 + eps^2 exactly (in exact arithmetic).
    eps = 0.5
    g = numerical_gradient(lambda v: float(v[0] ** 3), np.array([2.0]), eps=eps)
    assert g[0] == pytest.approx(3 * 4.0 + eps**2, rel=1e-15)


def test_numerical_gradient_is_exact_for_a_linear_function_with_binary_steps():
    # Powers of two make every step exact, so the estimate is the slope exactly.
    a = np.array([1.0, 2.0, -0.5])
    g = numerical_gradient(lambda v: float(a @ v), np.array([0.0, 1.0, 2.0]), eps=2.0**-10)
    np.testing.assert_array_equal(g, a)


def test_numerical_gradient_accepts_lists_and_ints():
    g = numerical_gradient(lambda v: float((v**2).sum()), [1, -2])
    np.testing.assert_allclose(g, [2.0, -4.0], rtol=0, atol=1e-8)
    assert g.dtype == np.float64


def test_numerical_gradient_does_not_mutate_x():
    x = np.array([[0.5, -1.5], [2.0, 3.0]])
    original = x.copy()
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(np.sum(v**3))

    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, original)
    # ... while f did see perturbed points: two per coordinate
    assert len(seen) == 2 * x.size
    assert all(np.count_nonzero(s != original) == 1 for s in seen)


def test_check_gradient_does_not_mutate_x():
    x = np.array([0.1, 0.2, 0.3])
    original = x.copy()

    def grad(v):
        v += 100.0  # a careless grad that mutates its argument
        return np.cos(v - 100.0)

    err = check_gradient(lambda v: float(np.sum(np.sin(v))), grad, x)
    np.testing.assert_array_equal(x, original)
    assert err < 1e-8


@pytest.mark.parametrize("eps", [0.0, -1e-6, np.nan, np.inf])
def test_numerical_gradient_rejects_non_positive_eps(eps):
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        numerical_gradient(lambda v: float(v.sum()), np.ones(2), eps=eps)


def test_numerical_gradient_rejects_a_function_that_is_not_scalar():
    # float() of a 3-vector would say "only 0-dimensional arrays can be converted".
    with pytest.raises(ValueError, match=r"one number, got an array of shape \(3,\)"):
        numerical_gradient(lambda v: 2 * v, np.ones(3))
    # One number in an array of shape (1,) (say w @ X.T for one row) is fine.
    np.testing.assert_allclose(numerical_gradient(lambda v: np.array([v @ v]), [1.0, 2.0]),
                               [2.0, 4.0], rtol=1e-9)


def test_numerical_gradient_names_where_the_function_is_not_finite():
    # log(v) at v = 1e-7 with the step 1e-6: log of a negative number at x - eps.
    with np.errstate(invalid="ignore"):
        with pytest.raises(ValueError, match=r"f returned nan at x - eps in entry 1"):
            numerical_gradient(lambda v: float(np.sum(np.log(v))), [1.0, 1e-7])
    with pytest.raises(ValueError, match="x must be finite"):
        numerical_gradient(lambda v: float(v.sum()), [1.0, np.nan])


def test_check_gradient_rejects_a_gradient_that_is_not_finite():
    # Else the error would be NaN, and a check "error < 1e-7" would fail without a reason.
    with pytest.raises(ValueError, match="grad returned NaN or infinite entries"):
        check_gradient(lambda v: float(v @ v), lambda v: np.array([np.nan, 1.0]), [1.0, 2.0])


# --------------------------------------------------------------------------- check_gradient formula
def test_check_gradient_formula_on_hand_built_example():
    # f(v) = a . v has the numerical gradient a exactly (binary steps, see above).
    a = np.array([1.0, 2.0, -0.5])
    claimed = np.array([1.5, 2.0, -0.25])
    err = check_gradient(lambda v: float(a @ v), lambda v: claimed, [0.0, 1.0, 2.0], eps=2.0**-10)
    # |1.5-1|/(1.5+1) = 0.2,  0/4 = 0,  |-0.25+0.5|/(0.25+0.5) = 1/3  -> max = 1/3
    assert err == pytest.approx(1.0 / 3.0, rel=1e-15)


def test_check_gradient_denominator_floor():
    # Both gradients zero: 0 / max(0, 1e-12) = 0.
    zero = check_gradient(lambda v: 0.0, lambda v: np.zeros_like(v), np.ones(3))
    assert zero == 0.0
    # Analytic 1e-14 vs numerical 0: 1e-14 / max(1e-14, 1e-12) = 1e-2.
    tiny = check_gradient(lambda v: 0.0, lambda v: np.full_like(v, 1e-14), np.ones(3))
    assert tiny == pytest.approx(1e-2, rel=1e-12)


def test_check_gradient_is_in_unit_interval_and_one_for_opposite_sign():
    err = check_gradient(lambda v: float(np.sum(v**2)), lambda v: -2 * v, [1.0, -2.0, 3.0])
    assert err == pytest.approx(1.0, abs=1e-9)


def test_check_gradient_rejects_wrong_shape():
    with pytest.raises(ValueError):
        check_gradient(lambda v: float(v.sum()), lambda v: np.ones(v.size + 1), np.ones(3))


# --------------------------------------------------------------------------- right vs wrong
def _ce_problem(seed=0, n=8, k=4):
    # Moderate logits keep every gradient entry well away from 0. check_gradient is a
    # relative error per entry, and finite differences carry an absolute error of
    # ~1e-16 * |f| / eps ~ 1e-10: an entry of size 1e-4 would show a relative error
    # of 1e-6 even for a correct gradient.
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=0.5, size=(n, k))
    y = rng.integers(0, k, size=n)
    assert np.abs(cross_entropy_grad(logits, y)).min() > 1e-3
    return logits, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_gradient_small_for_true_cross_entropy_gradient(seed):
    logits, y = _ce_problem(seed)
    err = check_gradient(lambda z: cross_entropy(z, y), lambda z: cross_entropy_grad(z, y), logits)
    assert err < 1e-7


def test_check_gradient_small_for_weighted_cross_entropy_gradient():
    logits, y = _ce_problem(3)
    w = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    err = check_gradient(lambda z: cross_entropy(z, y, sample_weight=w),
                         lambda z: cross_entropy_grad(z, y, sample_weight=w), logits)
    assert err < 1e-7


def _model_objective(seed=0, n=20, d=3, k=4, C=0.7):
    """Hand-built softmax-regression objective in W (intercept fixed) and its gradient."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    b = rng.normal(size=k)
    W0 = rng.normal(size=(k, d))
    Y = np.eye(k)[y]

    def f(W):
        z = X @ W.T + b
        return cross_entropy(z, y) + np.sum(W**2) / (2 * C * n)

    def grad(W):
        P = scipy.special.softmax(X @ W.T + b, axis=1)
        return (P - Y).T @ X / n + W / (C * n)

    def P(W):
        return scipy.special.softmax(X @ W.T + b, axis=1)

    wrong = {
        "missing 1/n": lambda W: (P(W) - Y).T @ X + W / (C * n),
        "no minus Y": lambda W: P(W).T @ X / n + W / (C * n),
        "sign flip": lambda W: -grad(W),
        "penalty not divided by n": lambda W: (P(W) - Y).T @ X / n + W / C,
        "missing penalty": lambda W: (P(W) - Y).T @ X / n,
    }
    return f, grad, wrong, W0, C


@pytest.mark.parametrize("seed", [0, 1])
def test_check_gradient_small_for_true_gradient_wrt_weights(seed):
    f, grad, _, W0, _ = _model_objective(seed)
    assert check_gradient(f, grad, W0) < 1e-7


@pytest.mark.parametrize("bug", ["missing 1/n", "no minus Y", "sign flip",
                                 "penalty not divided by n", "missing penalty"])
def test_check_gradient_large_for_wrong_gradient(bug):
    f, _, wrong, W0, _ = _model_objective(0, C=0.05)
    assert check_gradient(f, wrong[bug], W0) > 1e-2


@pytest.mark.parametrize("bug", ["missing 1/n", "softmax without -Y", "sign flip"])
def test_check_gradient_large_for_wrong_logit_gradient(bug):
    logits, y = _ce_problem(5)
    n = logits.shape[0]
    wrong = {
        "missing 1/n": lambda z: cross_entropy_grad(z, y) * n,
        "softmax without -Y": lambda z: scipy.special.softmax(z, axis=1) / n,
        "sign flip": lambda z: -cross_entropy_grad(z, y),
    }[bug]
    assert check_gradient(lambda z: cross_entropy(z, y), wrong, logits) > 1e-2
