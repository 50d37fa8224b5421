"""Tests of softmax_lib.estimator.SoftmaxRegression.

References: scikit-learn's own estimator checks, LogisticRegression (same objective),
an objective computed independently with sklearn.metrics.log_loss, closed forms for
two classes, and equivalences (integer weights = repeated rows, partial_fit on the
full batch = gradient descent).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import scipy.special
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from softmax_lib import SoftmaxRegression


# --------------------------------------------------------------------------- data
@functools.cache
def _data(name: str, standardise: bool = True):
    if name == "iris":
        X, y = load_iris(return_X_y=True)
    elif name == "wine":
        X, y = load_wine(return_X_y=True)
    elif name == "digits":
        X, y = load_digits(return_X_y=True)
    elif name == "blobs4":
        X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=4,
                                   random_state=0)
    elif name == "binary":
        X, y = make_classification(n_samples=200, n_features=5, n_informative=3, n_redundant=0,
                                   n_classes=2, random_state=1)
    else:  # pragma: no cover
        raise KeyError(name)
    if standardise:
        X = StandardScaler().fit_transform(X)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def _objective(W, b, X, y_idx, C, sample_weight=None):
    """The objective, computed independently: weighted log_loss + ||W||^2 / (2 C sum w)."""
    K = W.shape[0]
    P = scipy.special.softmax(X @ W.T + b, axis=1)
    w_sum = len(y_idx) if sample_weight is None else float(np.sum(sample_weight))
    penalty = 0.0 if np.isinf(C) else np.sum(W**2) / (2 * C * w_sum)
    return log_loss(y_idx, P, labels=range(K), sample_weight=sample_weight) + penalty


# --------------------------------------------------------------------------- sklearn checks
@parametrize_with_checks([SoftmaxRegression()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- vs LogisticRegression
# Tolerances, from measurements with single-threaded BLAS (max |difference| seen):
#   iris, wine, blobs4 (well conditioned): coef/intercept <= 4e-9, proba <= 3e-10 for
#   every C, because both solvers run L-BFGS-B with the same settings on the same
#   objective. Tolerance 1e-7 / 1e-8.
#   digits (64 features, several nearly constant pixels, 650 parameters) is
#   ill-conditioned: with C = 1 the penalty's curvature 1/(C n) = 5.6e-4, with C = 100
#   only 5.6e-6, so a gradient of 1e-10 (the stopping tolerance) allows coefficient
#   errors of sqrt(650) * 1e-10 / 5.6e-6 ~ 5e-4 per solver. Measured: C=1 coef 2.2e-6,
#   intercept 8.6e-6; C=100 coef 2.1e-5, intercept 1.1e-4 (the intercept is not
#   penalised at all), proba 2.3e-6. There we compare coefficients to 1e-4 / 1e-3 and
#   rely on the objective value (relative 1e-10) for the tight check.
AGREEMENT_CASES = [
    # name, C, coef atol, proba atol, objective: ours <= sklearn * (1 + rel)
    ("iris", 0.1, 1e-7, 1e-8, 1e-12),
    ("iris", 1.0, 1e-7, 1e-8, 1e-12),
    ("iris", 100.0, 1e-7, 1e-8, 1e-12),
    ("wine", 0.1, 1e-7, 1e-8, 1e-12),
    ("wine", 1.0, 1e-7, 1e-8, 1e-12),
    ("wine", 100.0, 1e-7, 1e-8, 1e-12),
    ("blobs4", 0.1, 1e-7, 1e-8, 1e-12),
    ("blobs4", 1.0, 1e-7, 1e-8, 1e-12),
    ("blobs4", 100.0, 1e-7, 1e-8, 1e-12),
    ("blobs4", np.inf, 1e-7, 1e-8, 1e-12),  # not separable: the unpenalised optimum exists
    ("digits", 0.1, 1e-7, 1e-8, 1e-12),
    ("digits", 1.0, 1e-4, 1e-5, 1e-10),
    ("digits", 100.0, 1e-3, 1e-5, 1e-10),
]


@pytest.mark.parametrize(("name", "C", "coef_atol", "proba_atol", "obj_rel"), AGREEMENT_CASES)
def test_agrees_with_logistic_regression(name, C, coef_atol, proba_atol, obj_rel):
    X, y = _data(name)
    ours = SoftmaxRegression(C=C, tol=1e-10).fit(X, y)
    ref = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=coef_atol)
    # both intercepts are only defined up to a common constant: compare centred ones
    ref_b = ref.intercept_ - ref.intercept_.mean()
    np.testing.assert_allclose(ours.intercept_, ref_b, rtol=0, atol=10 * coef_atol)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=proba_atol)
    f_ours = _objective(ours.coef_, ours.intercept_, X, y, C)
    f_ref = _objective(ref.coef_, ref.intercept_, X, y, C)
    assert f_ours <= f_ref * (1 + obj_rel)
    assert f_ours == pytest.approx(f_ref, rel=obj_rel)


@pytest.mark.parametrize(("name", "C"), [("iris", 1.0), ("wine", 0.5)])
def test_agrees_with_logistic_regression_with_sample_weight(name, C):
    X, y = _data(name)
    w = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    ours = SoftmaxRegression(C=C, tol=1e-10).fit(X, y, sample_weight=w)
    ref = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_ - ref.intercept_.mean(), rtol=0,
                               atol=1e-8)
    f_ours = _objective(ours.coef_, ours.intercept_, X, y, C, w)
    f_ref = _objective(ref.coef_, ref.intercept_, X, y, C, w)
    assert f_ours <= f_ref * (1 + 1e-12)


def test_agrees_without_intercept():
    X, y = _data("iris")
    ours = SoftmaxRegression(C=1.0, tol=1e-10, fit_intercept=False).fit(X, y)
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000, fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(ours.intercept_, np.zeros(3))
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-7)


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_two_classes_equal_binary_logistic_regression_with_twice_c(C):
    # With K = 2 the optimum has W_0 = -W_1, so ||W||^2 = ||w||^2 / 2 for w = W_1 - W_0:
    # our penalty ||W||^2 / (2 C n) is the binary penalty ||w||^2 / (2 (2C) n).
    # Tolerance: sklearn's binary L-BFGS stops on the relative objective change
    # (gradient 4e-8 at C=0.1, measured), which bounds |dw| by ~4e-6; measured 1.5e-7.
    X, y = _data("binary")
    ours = SoftmaxRegression(C=C, tol=1e-10).fit(X, y)
    ref = LogisticRegression(C=2 * C, tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.coef_[1] - ours.coef_[0], ref.coef_[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_[1] - ours.intercept_[0], ref.intercept_[0],
                               atol=1e-6)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


# --------------------------------------------------------------------------- two classes API
def test_two_class_shapes_decision_function_and_proba():
    X, y = _data("binary")
    m = SoftmaxRegression().fit(X, y)
    assert m.coef_.shape == (2, X.shape[1])
    assert m.intercept_.shape == (2,)
    logits = X @ m.coef_.T + m.intercept_
    d = m.decision_function(X)
    assert d.shape == (len(y),)
    np.testing.assert_allclose(d, logits[:, 1] - logits[:, 0], rtol=1e-13, atol=1e-13)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P, scipy.special.softmax(logits, axis=1), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(P[:, 1], scipy.special.expit(d), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(m.predict(X), m.classes_[(d > 0).astype(int)])


def test_multiclass_decision_function_is_logits():
    X, y = _data("iris")
    m = SoftmaxRegression().fit(X, y)
    d = m.decision_function(X)
    assert d.shape == (len(y), 3)
    np.testing.assert_allclose(d, X @ m.coef_.T + m.intercept_, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(m.predict(X), np.argmax(d, axis=1))


# --------------------------------------------------------------------------- weights
def test_integer_sample_weights_equal_repeated_rows():
    X, y = _data("iris")
    w = np.random.default_rng(0).integers(0, 4, size=len(y))
    weighted = SoftmaxRegression(C=1.0, tol=1e-10).fit(X, y, sample_weight=w)
    repeated = SoftmaxRegression(C=1.0, tol=1e-10).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    # measured 3e-12: same objective, different rounding
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=0, atol=1e-8)


def test_zero_weights_equal_dropping_rows():
    X, y = _data("wine")
    w = np.ones(len(y))
    w[::3] = 0.0
    weighted = SoftmaxRegression(C=0.5, tol=1e-10).fit(X, y, sample_weight=w)
    dropped = SoftmaxRegression(C=0.5, tol=1e-10).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(weighted.coef_, dropped.coef_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("w", [np.zeros(150), -np.ones(150), np.r_[np.ones(149), np.nan],
                               np.ones(149)])
def test_bad_sample_weight_raises(w):
    X, y = _data("iris")
    with pytest.raises(ValueError):
        SoftmaxRegression().fit(X, y, sample_weight=w)


# --------------------------------------------------------------------------- attributes
@pytest.mark.parametrize("name", ["iris", "wine", "blobs4"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_intercept_sums_to_zero(name, fit_intercept):
    X, y = _data(name)
    m = SoftmaxRegression(C=1.0, fit_intercept=fit_intercept).fit(X, y)
    assert abs(m.intercept_.sum()) < 1e-12
    if not fit_intercept:
        np.testing.assert_array_equal(m.intercept_, 0.0)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "lbfgs"},
        {"solver": "gd", "learning_rate": 0.5, "max_iter": 200},
        {"solver": "sgd", "learning_rate": 0.05, "max_iter": 30, "random_state": 0},
    ],
    ids=["lbfgs", "gd", "sgd"],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_fitted_attributes_and_loss_curve(params, weighted):
    X, y = _data("iris")
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y)) if weighted else None
    m = SoftmaxRegression(C=2.0, **params)
    if params["solver"] == "lbfgs":
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            m.fit(X, y, sample_weight=w)
    else:  # stopped by max_iter on purpose
        with pytest.warns(ConvergenceWarning):
            m.fit(X, y, sample_weight=w)
    assert m.n_features_in_ == 4
    assert isinstance(m.n_iter_, int) and m.n_iter_ >= 1
    assert m.loss_curve_.shape == (m.n_iter_ + 1,)
    # all-zero parameters: every class has probability 1/3, whatever the weights
    assert m.loss_curve_[0] == pytest.approx(np.log(3), rel=1e-14)
    assert m.loss_curve_[-1] == pytest.approx(
        _objective(m.coef_, m.intercept_, X, y, 2.0, w), rel=1e-12)
    assert np.all(np.isfinite(m.loss_curve_))
    assert m.loss_curve_[-1] < m.loss_curve_[0]


def test_gd_loss_curve_non_increasing_for_small_learning_rate():
    X, y = _data("wine")
    m = SoftmaxRegression(C=1.0, solver="gd", learning_rate=0.1, max_iter=300)
    with pytest.warns(ConvergenceWarning):
        m.fit(X, y)
    assert len(m.loss_curve_) == 301
    assert np.all(np.diff(m.loss_curve_) <= 0)


def test_gd_approaches_lbfgs_solution():
    X, y = _data("iris")
    ref = SoftmaxRegression(C=1.0, tol=1e-10).fit(X, y)
    gd = SoftmaxRegression(C=1.0, solver="gd", learning_rate=1.0, max_iter=5000, tol=1e-14)
    gd.fit(X, y)
    # gd stops once the objective changes by < 1e-14 per step; measured gap 7e-13,
    # coefficient difference 6e-6 (the gap is quadratic in the distance).
    assert gd.n_iter_ < 5000
    assert 0 <= gd.loss_curve_[-1] - ref.loss_curve_[-1] < 1e-10
    np.testing.assert_allclose(gd.coef_, ref.coef_, rtol=0, atol=1e-4)
    np.testing.assert_allclose(gd.intercept_, ref.intercept_, rtol=0, atol=1e-4)


def test_lbfgs_not_converging_warns():
    X, y = _data("digits")
    with pytest.warns(ConvergenceWarning):
        m = SoftmaxRegression(max_iter=3).fit(X, y)
    assert m.n_iter_ == 3


# --------------------------------------------------------------------------- sgd
def _sgd(**kwargs):
    X, y = _data("iris")
    params = {"solver": "sgd", "learning_rate": 0.05, "max_iter": 15, "tol": 0.0, "C": 1.0}
    params.update(kwargs)
    with pytest.warns(ConvergenceWarning):
        return SoftmaxRegression(**params).fit(X, y)


def test_sgd_reproducible_with_same_random_state():
    a, b = _sgd(random_state=0), _sgd(random_state=0)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)


def test_sgd_differs_with_different_random_state():
    a, b = _sgd(random_state=0), _sgd(random_state=1)
    assert np.abs(a.coef_ - b.coef_).max() > 1e-4


def test_sgd_batch_size_none_means_32():
    a, b = _sgd(random_state=3), _sgd(random_state=3, batch_size=32)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    c = _sgd(random_state=3, batch_size=16)
    assert np.abs(a.coef_ - c.coef_).max() > 1e-4


def test_sgd_full_batch_equals_gd():
    X, y = _data("iris")
    with pytest.warns(ConvergenceWarning):
        gd = SoftmaxRegression(solver="gd", learning_rate=0.3, max_iter=40, tol=0).fit(X, y)
    sgd = _sgd(learning_rate=0.3, max_iter=40, batch_size=len(y), random_state=0)
    # same steps, only the order of the sum over samples differs
    np.testing.assert_allclose(sgd.coef_, gd.coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sgd.loss_curve_, gd.loss_curve_, rtol=1e-13)


def test_sgd_decreases_the_objective():
    m = _sgd(random_state=0, max_iter=30)
    assert m.loss_curve_[-1] < 0.5 * m.loss_curve_[0]


# --------------------------------------------------------------------------- partial_fit
def test_partial_fit_first_call_needs_classes():
    X, y = _data("iris")
    with pytest.raises(ValueError, match="classes"):
        SoftmaxRegression().partial_fit(X, y)


def test_partial_fit_rejects_unseen_labels():
    X, y = _data("iris")
    m = SoftmaxRegression().partial_fit(X[y < 2], y[y < 2], classes=[0, 1])
    with pytest.raises(ValueError):
        m.partial_fit(X, y)
    with pytest.raises(ValueError):
        SoftmaxRegression().partial_fit(X, y, classes=[0, 1])


def test_partial_fit_rejects_wrong_number_of_features():
    X, y = _data("iris")
    m = SoftmaxRegression().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError):
        m.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError):
        m.predict(X[:, :3])


def test_partial_fit_full_batch_follows_gradient_descent():
    X, y = _data("iris")
    steps = 25
    with pytest.warns(ConvergenceWarning):
        gd = SoftmaxRegression(solver="gd", learning_rate=1.0, max_iter=steps, tol=0).fit(X, y)
    m = SoftmaxRegression(learning_rate=1.0, batch_size=len(y), random_state=0)
    m.partial_fit(X, y, classes=[0, 1, 2])
    for _ in range(steps - 1):
        m.partial_fit(X, y)
    assert m.n_iter_ == steps
    np.testing.assert_allclose(m.loss_curve_, gd.loss_curve_[1:], rtol=1e-13)
    np.testing.assert_allclose(m.coef_, gd.coef_, rtol=0, atol=1e-12)


def test_partial_fit_approaches_fit_solution():
    X, y = _data("iris")
    ref = SoftmaxRegression(C=1.0, tol=1e-10).fit(X, y)
    target = _objective(ref.coef_, ref.intercept_, X, y, 1.0)
    m = SoftmaxRegression(C=1.0, learning_rate=1.0, batch_size=len(y), random_state=0)
    m.partial_fit(X, y, classes=[0, 1, 2])
    gaps = [_objective(m.coef_, m.intercept_, X, y, 1.0) - target]
    for _ in range(60):
        m.partial_fit(X, y)
        gaps.append(_objective(m.coef_, m.intercept_, X, y, 1.0) - target)
    gaps = np.array(gaps)
    assert np.all(gaps >= -1e-14)
    assert np.all(np.diff(gaps) < 0)
    assert gaps[-1] < 0.05 and gaps[-1] < gaps[0] / 5  # measured 0.27 -> 0.02
    np.testing.assert_allclose(m.loss_curve_[-1], gaps[-1] + target, rtol=1e-12)


def _partial_fits(random_state, n_calls=3, **kwargs):
    X, y = _data("iris")
    m = SoftmaxRegression(learning_rate=0.05, random_state=random_state, **kwargs)
    m.partial_fit(X, y, classes=[0, 1, 2])
    for _ in range(n_calls - 1):
        m.partial_fit(X, y)
    return m


def test_partial_fit_shuffling_follows_random_state():
    a, b, c = _partial_fits(0), _partial_fits(0), _partial_fits(1)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert np.abs(a.coef_ - c.coef_).max() > 1e-6


def test_fit_restarts_partial_fit_shuffling():
    X, y = _data("iris")
    a = _partial_fits(0, n_calls=2, C=1.0)
    a.fit(X, y).partial_fit(X, y)
    b = SoftmaxRegression(C=1.0, learning_rate=0.05, random_state=0).fit(X, y).partial_fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_partial_fit_with_string_labels():
    X, y = _data("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    m = SoftmaxRegression(random_state=0).partial_fit(X, names, classes=["virginica", "setosa",
                                                                         "versicolor"])
    np.testing.assert_array_equal(m.classes_, ["setosa", "versicolor", "virginica"])
    assert set(m.predict(X)) <= set(names)


def test_partial_fit_after_fit_continues_from_fitted_coefficients():
    # scikit-learn convention (e.g. SGDClassifier): partial_fit after fit continues
    # from the fitted coef_. At the optimum, a tiny full-batch step barely moves.
    X, y = _data("iris")
    m = SoftmaxRegression(C=1.0, tol=1e-10, learning_rate=1e-3, batch_size=len(y)).fit(X, y)
    fitted = m.coef_.copy()
    m.partial_fit(X, y)
    np.testing.assert_allclose(m.coef_, fitted, rtol=0, atol=1e-6)


def test_fit_after_partial_fit_resets_the_partial_fit_state():
    X, y = _data("iris")
    m = SoftmaxRegression(C=1.0, tol=1e-10, learning_rate=1e-3, batch_size=len(y))
    m.partial_fit(X, y, classes=[0, 1, 2])  # one tiny step away from zero
    m.fit(X, y)
    fitted = m.coef_.copy()
    m.partial_fit(X, y)  # must continue from fit's solution, not from the old state
    np.testing.assert_allclose(m.coef_, fitted, rtol=0, atol=1e-6)


# --------------------------------------------------------------------------- labels
def test_string_labels():
    X, y = _data("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    m = SoftmaxRegression().fit(X, names)
    ref = SoftmaxRegression().fit(X, y)
    np.testing.assert_array_equal(m.classes_, ["setosa", "versicolor", "virginica"])
    np.testing.assert_array_equal(m.predict(X), np.array(["setosa", "versicolor", "virginica"])[
        ref.predict(X)])
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=0, atol=1e-12)


def test_non_contiguous_integer_labels():
    X, y = _data("iris")
    mapping = np.array([100, -5, 3])
    m = SoftmaxRegression().fit(X, mapping[y])
    ref = SoftmaxRegression().fit(X, y)
    np.testing.assert_array_equal(m.classes_, [-5, 3, 100])
    np.testing.assert_array_equal(m.predict(X), mapping[ref.predict(X)])
    # column j of m is class classes_[j]; original class c is column order[c]
    order = np.searchsorted(m.classes_, mapping)
    np.testing.assert_allclose(m.predict_proba(X)[:, order], ref.predict_proba(X),
                               rtol=0, atol=1e-8)


def test_predict_log_proba_and_score():
    X, y = _data("wine")
    m = SoftmaxRegression(C=0.05).fit(X, y)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(m.predict_log_proba(X), np.log(P), rtol=0, atol=1e-12)
    np.testing.assert_allclose(P, scipy.special.softmax(X @ m.coef_.T + m.intercept_, axis=1),
                               rtol=1e-12, atol=1e-15)
    assert m.score(X, y) == accuracy_score(y, m.predict(X))
    w = np.arange(len(y)) % 3 + 1.0
    assert m.score(X, y, sample_weight=w) == pytest.approx(
        accuracy_score(y, m.predict(X), sample_weight=w), rel=1e-15)


def test_predict_log_proba_finite_where_proba_underflows():
    X, y = _data("iris")
    m = SoftmaxRegression(C=1.0).fit(X, y)
    far = X[:2] * 1e4
    lp = m.predict_log_proba(far)
    assert np.all(np.isfinite(lp))
    z = far @ m.coef_.T + m.intercept_
    np.testing.assert_allclose(lp, scipy.special.log_softmax(z, axis=1), rtol=1e-12)


# --------------------------------------------------------------------------- verbose
def test_verbose_prints_progress(capsys):
    X, y = _data("iris")
    with pytest.warns(ConvergenceWarning):
        SoftmaxRegression(solver="gd", max_iter=5, tol=0, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5
    assert all("objective" in line for line in lines)
    m = SoftmaxRegression(verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == m.n_iter_


def test_verbose_zero_is_silent(capsys):
    X, y = _data("iris")
    SoftmaxRegression().fit(X, y)
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_raises(bad):
    X, y = _data("iris")
    X = X.copy()
    X[3, 1] = bad
    with pytest.raises(ValueError):
        SoftmaxRegression().fit(X, y)
    m = SoftmaxRegression().fit(*_data("iris"))
    with pytest.raises(ValueError):
        m.predict(X)


def test_length_mismatch_raises():
    X, y = _data("iris")
    with pytest.raises(ValueError):
        SoftmaxRegression().fit(X, y[:-1])


def test_single_class_raises_with_clear_message():
    X, _ = _data("iris")
    with pytest.raises(ValueError, match="class"):
        SoftmaxRegression().fit(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ValueError, match="class"):
        SoftmaxRegression().partial_fit(X, np.zeros(len(X), dtype=int), classes=[0])


def test_continuous_targets_raise():
    X, _ = _data("iris")
    with pytest.raises(ValueError):
        SoftmaxRegression().fit(X, np.linspace(0, 1, len(X)))


def test_wrong_number_of_features_at_predict_raises():
    X, y = _data("iris")
    m = SoftmaxRegression().fit(X, y)
    for method in (m.predict, m.predict_proba, m.predict_log_proba, m.decision_function):
        with pytest.raises(ValueError):
            method(X[:, :3])


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function", "score"])
def test_methods_before_fit_raise_not_fitted(method):
    X, y = _data("iris")
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError):
        getattr(SoftmaxRegression(), method)(*args)


@pytest.mark.parametrize(
    "params",
    [
        {"C": 0.0},
        {"C": -1.0},
        {"C": np.nan},
        {"solver": "newton-cholesky"},
        {"max_iter": 0},
        {"max_iter": -3},
        {"tol": -1e-4},
        {"learning_rate": 0.0},
        {"learning_rate": -0.1},
        {"batch_size": 0},
        {"verbose": -1},
    ],
)
def test_invalid_parameters_raise_value_error(params):
    X, y = _data("iris")
    with pytest.raises(ValueError):
        SoftmaxRegression(**params).fit(X, y)


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_huge_learning_rate_diverges_with_clear_error(solver):
    # Unscaled wine (features up to ~1700) and lr = 1e4: the penalty step alone
    # multiplies W by |1 - lr / (C n)| ~ 55 per iteration, so the objective overflows
    # (measured: gd at iteration 86, sgd at epoch 15).
    X, y = _data("wine", standardise=False)
    m = SoftmaxRegression(C=1.0, solver=solver, learning_rate=1e4, max_iter=500, tol=0,
                          random_state=0)
    with pytest.raises(ValueError, match="learning rate"):
        m.fit(X, y)


def test_solvers_start_from_zeros():
    # One gd step from zeros: W = -lr * grad(0) = -lr * (1/K - Y)^T X / n, b likewise.
    X, y = _data("iris")
    lr = 0.7
    with pytest.warns(ConvergenceWarning):
        m = SoftmaxRegression(solver="gd", learning_rate=lr, max_iter=1, tol=0).fit(X, y)
    G = (np.full((len(y), 3), 1 / 3) - np.eye(3)[y]) / len(y)
    np.testing.assert_allclose(m.coef_, -lr * G.T @ X, rtol=1e-12, atol=1e-15)
    b = -lr * G.sum(axis=0)
    np.testing.assert_allclose(m.intercept_, b - b.mean(), rtol=1e-12, atol=1e-15)


def test_refit_gives_same_result():
    X, y = _data("wine")
    m = SoftmaxRegression(C=0.3)
    first = m.fit(X, y).coef_.copy()
    m.fit(X[::3], y[::3])
    np.testing.assert_array_equal(m.fit(X, y).coef_, first)


# --------------------------------------------------------------------------- issue 15: lbfgs stops
def test_lbfgs_abnormal_stop_warns_instead_of_returning_a_silent_zero_model():
    # One column of magnitude 1e100: scipy's L-BFGS-B cannot find a step from the zero
    # start and stops with status 2 (ABNORMAL), as scikit-learn reports with a warning.
    X, y = _data("iris", standardise=False)
    X = X.copy()
    X[:, 0] *= 1e100
    with pytest.warns(ConvergenceWarning, match="ABNORMAL"):
        m = SoftmaxRegression().fit(X, y)
    with pytest.warns(ConvergenceWarning, match="ABNORMAL"):
        LogisticRegression().fit(X, y)  # the reference behaviour
    assert m.n_iter_ == 0


# --------------------------------------------------------------------------- issue 15: parameters
@pytest.mark.parametrize(
    "params",
    [
        {"fit_intercept": "False"},  # a non-empty string is truthy: it used to fit an intercept
        {"fit_intercept": 0},
        {"tol": np.inf},  # used to return the all-zero model after 0 iterations
        {"tol": np.nan},
        {"C": "1.0"},
        {"max_iter": 2.5},
        {"solver": None},
        {"learning_rate": np.inf},
        {"learning_rate": np.nan},
        {"batch_size": 1.5},
        {"random_state": "zero"},
        {"verbose": -1},
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_invalid_parameters_raise_sklearn_invalid_parameter_error(params, method):
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = _data("iris")
    args = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    with pytest.raises(InvalidParameterError) as error:
        getattr(SoftmaxRegression(**params), method)(X, y, **args)
    # scikit-learn's error is both: callers catching either keep working
    assert isinstance(error.value, ValueError) and isinstance(error.value, TypeError)
    assert next(iter(params)) in str(error.value)


def test_complex_sample_weight_raises_instead_of_dropping_the_imaginary_part():
    X, y = _data("iris")
    w = np.ones(len(y)) + 1j
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not numpy's ComplexWarning: a clear error
        with pytest.raises(ValueError, match=r"[Cc]omplex"):
            SoftmaxRegression().fit(X, y, sample_weight=w)


# --------------------------------------------------------------------------- issue 15: classes
@pytest.mark.parametrize("labels", ["int", "str"])
def test_partial_fit_mixed_label_types_in_classes_raise_like_sgd_classifier(labels):
    from sklearn.linear_model import SGDClassifier

    X, y = _data("iris")
    y = y if labels == "int" else y.astype(str)  # ["0", "1", "2"]: used to be accepted
    classes = [0, 1, 2, "a"]
    with pytest.raises(ValueError, match="Mix of label input types") as ours:
        SoftmaxRegression().partial_fit(X, y, classes=classes)
    with pytest.raises(ValueError) as reference:
        SGDClassifier().partial_fit(X, y, classes=classes)
    assert str(ours.value) == str(reference.value)


def test_partial_fit_string_labels_with_integer_classes_raise_clearly():
    X, y = _data("iris")
    with pytest.raises(ValueError, match=r"Mix of label input types|not in classes"):
        SoftmaxRegression().partial_fit(X, y.astype(str), classes=[0, 1, 2])


def test_partial_fit_later_classes_must_match_like_sgd_classifier():
    X, y = _data("iris")
    m = SoftmaxRegression().partial_fit(X, y, classes=[0, 1, 2])
    m.partial_fit(X, y, classes=[2, 1, 0])  # the same set: accepted
    with pytest.raises(ValueError, match="not the same as on last call"):
        m.partial_fit(X, y, classes=[0, 1, 2, 3])


# --------------------------------------------------------------------------- issue 15: class_weight
def _centred(intercept):
    return intercept - intercept.mean()


CLASS_WEIGHTS = ["balanced", {0: 1.0, 1: 3.0, 2: 0.5}, {1: 2.0}]  # missing classes weigh 1


@pytest.mark.parametrize("class_weight", CLASS_WEIGHTS, ids=["balanced", "dict", "partial dict"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", ["iris", "imbalanced"])
def test_class_weight_agrees_with_logistic_regression(class_weight, weighted, name):
    if name == "imbalanced":  # balanced weights differ from 1 only when the counts differ
        X, y = _data("wine")
        keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:20], np.flatnonzero(y == 2)]
        X, y = X[keep], y[keep]
    else:
        X, y = _data(name)
    w = np.random.default_rng(2).uniform(0.2, 3.0, size=len(y)) if weighted else None
    ours = SoftmaxRegression(C=0.7, tol=1e-10, class_weight=class_weight).fit(X, y, w)
    ref = LogisticRegression(C=0.7, tol=1e-10, max_iter=10000, class_weight=class_weight)
    ref.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, _centred(ref.intercept_), rtol=0, atol=1e-7)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-8)


def test_class_weight_equals_per_sample_weights_and_string_labels():
    X, y = _data("wine")
    names = np.array(["a", "b", "c"])[y]
    by_class = SoftmaxRegression(tol=1e-10, class_weight={"a": 2.0, "c": 0.25}).fit(X, names)
    by_sample = SoftmaxRegression(tol=1e-10).fit(X, names, np.array([2.0, 1.0, 0.25])[y])
    np.testing.assert_allclose(by_class.coef_, by_sample.coef_, rtol=0, atol=1e-12)


def test_class_weight_in_partial_fit_as_sgd_classifier():
    X, y = _data("iris")
    with pytest.raises(ValueError, match="balanced"):
        SoftmaxRegression(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    cw = {0: 0.5, 2: 4.0}
    a = SoftmaxRegression(class_weight=cw, random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    b = SoftmaxRegression(random_state=0).partial_fit(X, y, classes=[0, 1, 2],
                                                      sample_weight=np.array([0.5, 1, 4])[y])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-14)


def test_class_weights_all_zero_raise():
    X, y = _data("iris")
    with pytest.raises(ValueError, match="zero"):
        SoftmaxRegression(class_weight={0: 0.0, 1: 0.0, 2: 0.0}).fit(X, y)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_class_weights_negative_or_not_finite_raise(bad, method):
    # LogisticRegression fits with them; a negative weight rewards the wrong class.
    X, y = _data("iris")
    model = SoftmaxRegression(class_weight={0: 1.0, 1: bad})
    kwargs = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    with pytest.raises(ValueError, match="finite, non-negative weight"):
        getattr(model, method)(X, y, **kwargs)


def test_labels_mixing_strings_and_numbers_raise_a_value_error():
    # np.unique (and scikit-learn) would raise "'<' not supported between 'int' and 'str'".
    X, y = _data("iris")
    mixed = np.where(y == 0, "setosa", y.astype(object)).astype(object)
    with pytest.raises(ValueError, match="strings and numbers"):
        SoftmaxRegression().fit(X, mixed)
    with pytest.raises(ValueError, match="strings and numbers"):
        SoftmaxRegression().partial_fit(X, mixed, classes=["setosa", "1", "2"])


# --------------------------------------------------------------------------- scalar sample_weight
@pytest.mark.parametrize("scalar", [2.5, 1, np.float32(0.5)])
def test_scalar_sample_weight_is_broadcast_like_scikit_learn(scalar):
    # As in scikit-learn, a scalar is one weight per sample; it scales the data term
    # against the penalty (the same as C * scalar).
    X, y = _data("wine")
    ours = SoftmaxRegression(C=0.3, tol=1e-10).fit(X, y, sample_weight=scalar)
    full = SoftmaxRegression(C=0.3, tol=1e-10).fit(X, y, sample_weight=np.full(len(y), scalar))
    ref = LogisticRegression(C=0.3, tol=1e-10, max_iter=10000).fit(X, y, sample_weight=scalar)
    np.testing.assert_array_equal(ours.coef_, full.coef_)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-7)
    m = SoftmaxRegression(random_state=0).partial_fit(X, y, classes=[0, 1, 2], sample_weight=2.0)
    assert m.n_iter_ == 1


@pytest.mark.parametrize("scalar", [0.0, -1.0, np.nan, np.inf, 1j])
def test_bad_scalar_sample_weight_raises(scalar):
    X, y = _data("iris")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError):
            SoftmaxRegression().fit(X, y, sample_weight=scalar)


# --------------------------------------------------------------------------- warm_start
def test_warm_start_gd_continues_exactly():
    X, y = _data("iris")
    kwargs = {"solver": "gd", "learning_rate": 0.5, "tol": 0.0}
    with pytest.warns(ConvergenceWarning):
        once = SoftmaxRegression(max_iter=10, **kwargs).fit(X, y)
    warm = SoftmaxRegression(max_iter=5, warm_start=True, **kwargs)
    with pytest.warns(ConvergenceWarning):
        warm.fit(X, y)
    first_curve = warm.loss_curve_.copy()
    with pytest.warns(ConvergenceWarning):
        warm.fit(X, y)
    np.testing.assert_allclose(warm.coef_, once.coef_, rtol=0, atol=1e-13)
    np.testing.assert_allclose(warm.loss_curve_, once.loss_curve_[5:], rtol=1e-13)
    assert warm.loss_curve_[0] == pytest.approx(first_curve[-1], rel=1e-13)


def test_warm_start_lbfgs_reaches_the_new_optimum_in_fewer_iterations():
    X, y = _data("wine")
    cold = SoftmaxRegression(C=10.0, tol=1e-10).fit(X, y)
    warm = SoftmaxRegression(C=9.0, tol=1e-10, warm_start=True).fit(X, y)
    warm.set_params(C=10.0).fit(X, y)
    ref = LogisticRegression(C=10.0, tol=1e-10, max_iter=10000).fit(X, y)
    # A different path stops at a different point within the tolerance: compare the
    # objective tightly, the coefficients loosely (measured: 1.3e-6 apart).
    f_warm = _objective(warm.coef_, warm.intercept_, X, y, 10.0)
    f_ref = _objective(ref.coef_, ref.intercept_, X, y, 10.0)
    assert f_warm == pytest.approx(f_ref, rel=1e-12)
    np.testing.assert_allclose(warm.coef_, ref.coef_, rtol=0, atol=1e-5)
    np.testing.assert_allclose(warm.coef_, cold.coef_, rtol=0, atol=1e-5)
    assert warm.loss_curve_[0] < cold.loss_curve_[0] / 10
    assert warm.n_iter_ < cold.n_iter_


def test_warm_start_false_restarts_from_zeros_and_mismatch_raises():
    X, y = _data("iris")
    m = SoftmaxRegression(C=1.0, solver="gd", max_iter=1, tol=0)
    with pytest.warns(ConvergenceWarning):
        first = m.fit(X, y).coef_.copy()
    with pytest.warns(ConvergenceWarning):
        np.testing.assert_array_equal(m.fit(X, y).coef_, first)
    m = SoftmaxRegression(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start"):
        m.fit(X[:, :3], y)
    with pytest.raises(ValueError, match="warm_start"):
        m.fit(X[y < 2], y[y < 2])


def test_warm_start_without_intercept_keeps_intercept_zero():
    X, y = _data("iris")
    m = SoftmaxRegression(warm_start=True, tol=1e-10).fit(X, y)
    m.set_params(fit_intercept=False).fit(X, y)
    ref = SoftmaxRegression(fit_intercept=False, tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(m.intercept_, 0.0)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=0, atol=1e-7)


# --------------------------------------------------------------------------- float32
def test_float32_stays_float32_like_logistic_regression():
    X, y = _data("digits")
    X32 = X.astype(np.float32)
    ours = SoftmaxRegression(tol=1e-8).fit(X32, y)
    ref = LogisticRegression(tol=1e-8, max_iter=10000).fit(X32, y)
    for attribute in ("coef_", "intercept_"):
        assert getattr(ours, attribute).dtype == getattr(ref, attribute).dtype == np.float32
    for method in ("predict_proba", "predict_log_proba", "decision_function"):
        ours_out, ref_out = getattr(ours, method)(X32), getattr(ref, method)(X32)
        assert ours_out.dtype == ref_out.dtype == np.float32, method
    assert ours.predict(X32).dtype == y.dtype


@pytest.mark.parametrize("name", ["blobs4", "digits"])
def test_float32_fit_reaches_the_float64_objective(name):
    # The benchmark's float32 target: the float64 objective of the returned (float32)
    # coefficients within 1e-7 (relative) of the float64 optimum (measured 3e-10 on
    # blobs4). On digits, rounding X to float32 itself moves the optimum by more
    # (5e-7); there we ask to do at least as well as LogisticRegression on float32
    # (measured: 5.0e-7 against 8.8e-7).
    X, y = _data(name)
    X32 = X.astype(np.float32)
    f64 = SoftmaxRegression(tol=1e-10).fit(X, y)
    f32 = SoftmaxRegression(tol=1e-10).fit(X32, y)
    ref = LogisticRegression(tol=1e-10, max_iter=10000).fit(X32, y)
    f_star = _objective(f64.coef_, f64.intercept_, X, y, 1.0)
    f_32 = _objective(f32.coef_.astype(np.float64), f32.intercept_.astype(np.float64), X, y, 1.0)
    f_ref = _objective(ref.coef_.astype(np.float64), ref.intercept_.astype(np.float64), X, y, 1.0)
    assert f_star <= f_32 <= f_star * (1 + (1e-7 if name == "blobs4" else 1e-6))
    assert f_32 <= f_ref
    assert f32.loss_curve_.dtype == np.float64


def test_float32_partial_fit_and_two_classes():
    X, y = _data("binary")
    m = SoftmaxRegression(random_state=0).partial_fit(X.astype(np.float32), y, classes=[0, 1])
    assert m.coef_.dtype == np.float32 and m.coef_.shape == (2, X.shape[1])
    assert m.decision_function(X.astype(np.float32)).dtype == np.float32


# --------------------------------------------------------------------------- lbfgs stalls
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("scale", [1e10, 1e30, 1e55])
def test_lbfgs_stalled_by_one_huge_feature_warns(scale, sparse):
    # One column scaled by 1e10 or more: L-BFGS-B reports convergence (status 0, "relative
    # reduction of f") after ~5 iterations at an untrained model (accuracy 1/3);
    # scikit-learn returns it silently. The gradient, measured in units of each
    # feature's scale, is still far from 0 there: warn.
    X, y = _data("iris", standardise=False)
    X = X.copy()
    X[:, 0] *= scale
    if sparse:
        import scipy.sparse

        X = scipy.sparse.csr_matrix(X)
    with pytest.warns(ConvergenceWarning, match="scale"):
        m = SoftmaxRegression().fit(X, y)
    assert m.score(X, y) < 0.5  # what the warning is about


def _lbfgs_stops(monkeypatch):
    import scipy.optimize

    messages, original = [], scipy.optimize.minimize

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        messages.append(str(result.message))
        return result

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    return messages


@pytest.mark.parametrize(("name", "standardise", "C"), [("digits", True, 1.0),
                                                       ("wine", False, 1.0),
                                                       ("iris", False, 1e4)])
def test_lbfgs_stops_on_relative_reduction_at_a_minimum_do_not_warn(monkeypatch, name,
                                                                     standardise, C):
    # The same stopping rule at real minima, also with unscaled features (wine: up to
    # 1680) and weak regularisation: no warning.
    messages = _lbfgs_stops(monkeypatch)
    X, y = _data(name, standardise=standardise)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        SoftmaxRegression(C=C, tol=1e-10, max_iter=20000).fit(X, y)
    assert "RELATIVE REDUCTION" in messages[0]





def test_lbfgs_stopped_by_tol_does_not_warn_about_a_stall(monkeypatch):
    # A loose tol stops L-BFGS-B on the raw gradient ("projected gradient <= pgtol"): the
    # fit did what was asked. On folds of 50 Fashion-MNIST images, pixels that are rarely
    # bright have small scales, so the gradient in units of those scales can exceed the
    # stall threshold (the old rule warned "far from a minimum" here); no warning now.
    import scipy.optimize

    from softmax_lib import load_fashion_mnist

    results, minimize = [], scipy.optimize.minimize
    monkeypatch.setattr(scipy.optimize, "minimize",
                        lambda *a, **k: results.append(minimize(*a, **k)) or results[-1])
    X, y = load_fashion_mnist("train")
    rng = np.random.default_rng(0)
    rows = np.concatenate([rng.choice(np.flatnonzero(y == k), 5, replace=False)
                           for k in range(10)])
    X, y = X[rows].astype(np.float64), y[rows]
    stops = []  # (L-BFGS-B's result, the rows it was fitted on)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for train, _ in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y):
            for C in np.logspace(-4, 2, 7):
                SoftmaxRegression(tol=1e-3, C=C).fit(X[train], y[train])
                stops.append((results[-1], X[train]))
    assert all("PROJECTED GRADIENT" in str(r.message).upper() for r, _ in stops)
    assert all(np.abs(r.jac).max() <= 1e-3 for r, _ in stops)
    # At some of these solutions the scaled gradient is above the old rule's threshold.
    assert max(SoftmaxRegression._stalled_gradient(r.jac, X_, 10) for r, X_ in stops) > 1e-3
