"""Hessian-vector products of the objective and SoftmaxRegression(solver="newton-cg").

References: central finite differences of the exact gradient, a dense Hessian from
torch.autograd on a tiny problem, the dense copy of sparse data, scikit-learn's
LogisticRegression (lbfgs and newton-cg: same objective) and the library's lbfgs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.special
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from softmax_lib import SoftmaxRegression
from softmax_lib.objective import MultinomialObjective


def _problem(seed=0, n=60, d=5, k=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    w = rng.uniform(0.1, 2.0, size=n)
    return X, y, w / w.sum()


def _point(d, k, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(k, d)), rng.normal(size=k), rng.normal(size=(k, d)), rng.normal(size=k)


def _objective(W, b, X, y, C, sample_weight=None):
    """The objective, independently: weighted log_loss + ||W||^2 / (2 C sum w)."""
    P = scipy.special.softmax(X @ W.T + b, axis=1)
    w_sum = len(y) if sample_weight is None else float(np.sum(sample_weight))
    return log_loss(y, P, labels=range(W.shape[0]), sample_weight=sample_weight) + np.sum(
        W**2) / (2 * C * w_sum)


def _digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# --------------------------------------------------------------------------- hessian_product
@pytest.mark.parametrize("block_rows", [None, 1, 7, 1000])
def test_hessian_product_matches_finite_differences_of_the_gradient(block_rows):
    X, y, w = _problem()
    objective = MultinomialObjective(X, y, 4, w, alpha=0.3, block_rows=block_rows)
    W, b, V, c = _point(5, 4)
    objective(W, b, keep_probabilities=True)
    H_W, H_b = objective.hessian_product(V, c)
    eps = 1e-5  # central differences: error ~ eps^2 * third derivative
    _, gW_plus, gb_plus = objective(W + eps * V, b + eps * c)
    _, gW_minus, gb_minus = objective(W - eps * V, b - eps * c)
    np.testing.assert_allclose(H_W, (gW_plus - gW_minus) / (2 * eps), rtol=0, atol=1e-8)
    np.testing.assert_allclose(H_b, (gb_plus - gb_minus) / (2 * eps), rtol=0, atol=1e-8)


def test_hessian_product_matches_torch_dense_hessian():
    torch = pytest.importorskip("torch")
    X, y, w = _problem(n=12, d=3, k=3)
    alpha = 0.2
    W, b, V, c = _point(3, 3)
    X_t, w_t, y_t = torch.from_numpy(X), torch.from_numpy(w), torch.from_numpy(y)

    def f(theta):
        W_t, b_t = theta[:9].reshape(3, 3), theta[9:]
        log_p = torch.log_softmax(X_t @ W_t.T + b_t, dim=1)
        return -(w_t * log_p[torch.arange(12), y_t]).sum() + 0.5 * alpha * (W_t**2).sum()

    theta = torch.from_numpy(np.concatenate([W.ravel(), b]))
    H = torch.autograd.functional.hessian(f, theta).numpy()  # (12, 12), dense
    objective = MultinomialObjective(X, y, 3, w, alpha)
    objective(W, b, keep_probabilities=True)
    H_W, H_b = objective.hessian_product(V, c)
    expected = H @ np.concatenate([V.ravel(), c])
    np.testing.assert_allclose(np.concatenate([H_W.ravel(), H_b]), expected, rtol=1e-12,
                               atol=1e-13)


def test_hessian_product_without_intercept_direction_is_the_weight_block():
    X, y, w = _problem()
    objective = MultinomialObjective(X, y, 4, w, alpha=0.1)
    W, b, V, _ = _point(5, 4)
    objective(W, b, keep_probabilities=True)
    np.testing.assert_array_equal(objective.hessian_product(V)[0],
                                  objective.hessian_product(V, np.zeros(4))[0])


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_array])
def test_hessian_product_sparse_equals_dense(fmt):
    X, y, w = _problem()
    X[np.abs(X) < 0.8] = 0.0
    W, b, V, c = _point(5, 4)
    dense = MultinomialObjective(X, y, 4, w, alpha=0.1)
    sparse = MultinomialObjective(fmt(X), y, 4, w, alpha=0.1, block_rows=13)
    dense(W, b, keep_probabilities=True)
    sparse(W, b, keep_probabilities=True)
    for got, expected in zip(sparse.hessian_product(V, c), dense.hessian_product(V, c),
                             strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_hessian_product_float32_products_are_close_to_float64():
    X, y, w = _problem()
    W, b, V, c = _point(5, 4)
    results = []
    for dtype in (np.float64, np.float32):
        objective = MultinomialObjective(X.astype(dtype), y, 4, w, alpha=0.1)
        objective(W, b, keep_probabilities=True)
        H_W, H_b = objective.hessian_product(V, c)
        assert H_W.dtype == np.float64
        results.append(np.concatenate([H_W.ravel(), H_b]))
    # float32 inputs, directions and products: relative error ~ 1e-7 per entry.
    assert np.linalg.norm(results[1] - results[0]) <= 1e-5 * np.linalg.norm(results[0])


def test_hessian_product_needs_kept_probabilities():
    X, y, w = _problem()
    objective = MultinomialObjective(X, y, 4, w, alpha=0.1)
    W, b, V, c = _point(5, 4)
    with pytest.raises(RuntimeError, match="keep_probabilities=True"):
        objective.hessian_product(V, c)
    objective(W, b, keep_probabilities=True)
    objective.hessian_product(V, c)
    objective(W, b)  # a later call without keeping them makes the kept ones stale
    with pytest.raises(RuntimeError, match="keep_probabilities=True"):
        objective.hessian_product(V, c)


def test_keeping_probabilities_does_not_change_loss_or_gradient():
    X, y, w = _problem()
    objective = MultinomialObjective(X, y, 4, w, alpha=0.1, block_rows=9)
    W, b, _, _ = _point(5, 4)
    plain = objective(W, b)
    kept = objective(W, b, keep_probabilities=True)
    assert plain[0] == kept[0]
    np.testing.assert_array_equal(plain[1], kept[1])
    np.testing.assert_allclose(objective._probabilities.sum(axis=0), 1.0, rtol=1e-14)


# --------------------------------------------------------------------------- the solver
# Relative tolerance on the objective, as in test_estimator.AGREEMENT_CASES: a gradient
# entry of 1e-10 leaves f - f* ~ |g|^2 / (2 lambda_min); on digits lambda_min is the
# penalty's curvature 1 / (C n), down to 5.6e-6 for C = 100, hence 1e-10 there.
@pytest.mark.parametrize(("name", "C", "rel"), [("iris", 1.0, 1e-12), ("wine", 0.1, 1e-12),
                                                ("digits", 1.0, 1e-10),
                                                ("digits", 100.0, 1e-10)])
def test_newton_cg_reaches_the_same_minimum_as_lbfgs_and_sklearn(name, C, rel):
    if name == "digits":
        X, y = _digits()
    else:
        X, y = {"iris": load_iris, "wine": load_wine}[name](return_X_y=True)
        X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        # digits with C=100 may stop with a gradient entry of 1.5e-10 (no measurable decrease)
        warnings.simplefilter("ignore", ConvergenceWarning)
        newton = SoftmaxRegression(C=C, solver="newton-cg", tol=1e-10).fit(X, y)
    lbfgs = SoftmaxRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    ref = LogisticRegression(C=C, solver="newton-cg", tol=1e-10, max_iter=1000).fit(X, y)
    f_newton = _objective(newton.coef_, newton.intercept_, X, y, C)
    f_lbfgs = _objective(lbfgs.coef_, lbfgs.intercept_, X, y, C)
    f_ref = _objective(ref.coef_, ref.intercept_, X, y, C)
    assert f_newton <= min(f_lbfgs, f_ref) * (1 + rel)
    assert newton.n_iter_ < 30  # Newton steps, where lbfgs needs hundreds
    assert len(newton.loss_curve_) == newton.n_iter_ + 1
    assert np.all(np.diff(newton.loss_curve_) <= 0)
    assert newton.loss_curve_[-1] == pytest.approx(f_newton, rel=1e-12)


def test_newton_cg_sparse_equals_dense():
    X, y = _digits()
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    dense = SoftmaxRegression(solver="newton-cg", tol=1e-10).fit(X, y)
    sparse = SoftmaxRegression(solver="newton-cg", tol=1e-10).fit(sp.csr_matrix(X), y)
    assert _objective(sparse.coef_, sparse.intercept_, X, y, 1.0) == pytest.approx(
        _objective(dense.coef_, dense.intercept_, X, y, 1.0), rel=1e-12)
    np.testing.assert_allclose(sparse.predict_proba(X), dense.predict_proba(X), atol=1e-6)


def test_newton_cg_float32_keeps_dtype_and_reaches_the_float32_line():
    X, y = _digits()
    f64 = SoftmaxRegression(solver="newton-cg", tol=1e-10).fit(X, y)
    f32 = SoftmaxRegression(solver="newton-cg", tol=1e-6).fit(X.astype(np.float32), y)
    assert f32.coef_.dtype == np.float32 and f32.intercept_.dtype == np.float32
    f_star = _objective(f64.coef_, f64.intercept_, X, y, 1.0)
    W32, b32 = f32.coef_.astype(np.float64), f32.intercept_.astype(np.float64)
    assert _objective(W32, b32, X, y, 1.0) <= f_star * (1 + 1e-7)


def test_newton_cg_sample_and_class_weight_match_sklearn():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    w = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    params = {"C": 0.5, "tol": 1e-10, "class_weight": {0: 2.0, 2: 0.5}}
    ours = SoftmaxRegression(solver="newton-cg", **params).fit(X, y, sample_weight=w)
    ref = LogisticRegression(solver="newton-cg", max_iter=1000, **params).fit(
        X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_ - ref.intercept_.mean(), atol=1e-7)


def test_newton_cg_without_intercept_matches_sklearn():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ours = SoftmaxRegression(solver="newton-cg", tol=1e-10, fit_intercept=False).fit(X, y)
    ref = LogisticRegression(solver="newton-cg", tol=1e-10, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(ours.intercept_, 0.0)


def test_newton_cg_warm_start_from_the_solution_stops_at_once():
    X, y = _digits()
    model = SoftmaxRegression(solver="newton-cg", tol=1e-8, warm_start=True).fit(X, y)
    first = model.coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ <= 1
    np.testing.assert_allclose(model.coef_, first, atol=1e-6)


def test_newton_cg_max_iter_warns():
    X, y = _digits()
    with pytest.warns(ConvergenceWarning, match="newton-cg did not converge"):
        model = SoftmaxRegression(solver="newton-cg", max_iter=2, tol=1e-12).fit(X, y)
    assert model.n_iter_ == 2


def test_newton_cg_converged_fit_does_not_warn():
    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SoftmaxRegression(solver="newton-cg").fit(X, y)


@pytest.mark.parametrize("solver", ["newton", "newton-cholesky", "trust-ncg"])
def test_unknown_solver_raises_a_clear_error(solver):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="solver"):
        SoftmaxRegression(solver=solver).fit(X, y)


# tol=1e-10: with 1e-6 or 1e-8, the fits with weights and with repeated rows end at
# points whose coefficients differ by 1e-8 (measured), above the check's atol=1e-9 for a
# coefficient near zero. On some of the checks' unscaled data float64 cannot measure a
# decrease before the gradient reaches 1e-10 (it stops at 1e-9 to 1e-8), and the solver
# says so with a ConvergenceWarning; the checks compare the fitted models themselves, so
# that expected warning is not shown.
@pytest.mark.filterwarnings("ignore:newton-cg stopped after:sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([SoftmaxRegression(solver="newton-cg", tol=1e-10)])
def test_sklearn_estimator_checks_newton_cg(estimator, check):
    check(estimator)
