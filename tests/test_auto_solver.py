"""solver="auto" (L-BFGS for dense, centred X, else Newton-CG); evaluations per fit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_digits, make_classification
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from softmax_lib import SoftmaxRegression
from softmax_lib.estimator import _AUTO_CENTRED, _auto_solver


def _data(seed=0, n=600, d=8):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=5, n_classes=3,
                               random_state=seed)
    return StandardScaler().fit_transform(X), y


def test_standardised_dense_data_gets_lbfgs():
    X, y = _data()
    model = SoftmaxRegression(solver="auto").fit(X, y)
    assert model.solver_ == "lbfgs"
    assert _auto_solver(X.astype(np.float32)) == "lbfgs"


@pytest.mark.parametrize("make", [
    lambda X: X + 1.0,                      # shifted: every column carries a mean
    lambda X: np.abs(X),                    # non-negative, like pixels or counts
    lambda X: scipy.sparse.csr_array(X),    # sparse: never centred
    lambda X: np.ones_like(X),              # constant columns: no spread at all
])
def test_everything_else_gets_newton_cg(make):
    X, _ = _data()
    assert _auto_solver(make(X)) == "newton-cg"


def test_raw_digit_pixels_get_newton_cg_and_standardised_ones_lbfgs():
    X, _ = load_digits(return_X_y=True)
    assert _auto_solver(X.astype(np.float64)) == "newton-cg"
    assert _auto_solver(StandardScaler().fit_transform(X)) == "lbfgs"


def test_the_threshold_is_the_share_of_the_mean_in_the_columns_energy():
    # Columns with unit variance (after standardising) shifted by c: the ratio
    # sum mean^2 / sum var is exactly c^2, so the choice flips at c = sqrt(_AUTO_CENTRED).
    X = StandardScaler().fit_transform(np.random.default_rng(0).standard_normal((1000, 5)))
    edge = np.sqrt(_AUTO_CENTRED)
    assert _auto_solver(X + 0.99 * edge) == "lbfgs"
    assert _auto_solver(X + 1.01 * edge) == "newton-cg"


@pytest.mark.parametrize("shift", [0.0, 1.0])
def test_auto_fits_exactly_what_the_chosen_solver_fits(shift):
    X, y = _data(seed=1)
    X = X + shift
    auto = SoftmaxRegression(solver="auto").fit(X, y)
    chosen = SoftmaxRegression(solver=auto.solver_).fit(X, y)
    assert auto.solver_ == ("lbfgs" if shift == 0 else "newton-cg")
    np.testing.assert_array_equal(auto.coef_, chosen.coef_)
    np.testing.assert_array_equal(auto.intercept_, chosen.intercept_)
    assert auto.n_iter_ == chosen.n_iter_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_explicit_solvers_are_reported_as_given():
    X, y = _data()
    for solver in ("lbfgs", "newton-cg", "gd"):
        assert SoftmaxRegression(solver=solver, max_iter=5).fit(X + 3, y).solver_ == solver


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_verbose_names_the_solver_auto_chose(capsys):
    X, y = _data()
    SoftmaxRegression(solver="auto", verbose=1, max_iter=2).fit(X + 1, y)
    assert "newton-cg iteration" in capsys.readouterr().out


# Same tolerance and reason as the newton-cg checks in test_newton.py: the checks' data
# is unscaled, so auto runs newton-cg there.
@pytest.mark.filterwarnings("ignore:newton-cg stopped after:sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([SoftmaxRegression(solver="auto", tol=1e-10)])
def test_sklearn_estimator_checks_auto(estimator, check):
    check(estimator)


# ------------------------------------------- the starting point is evaluated once per fit
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_fit_evaluates_the_objective_exactly_as_often_as_scipy_counts(monkeypatch, solver):
    # The fit's own evaluation of the start (loss_curve_[0]) answers SciPy's first call;
    # before, every fit paid one extra evaluation.
    import scipy.optimize

    from softmax_lib.objective import MultinomialObjective

    calls, results = [0], []
    original_call, original_minimize = MultinomialObjective.__call__, scipy.optimize.minimize

    def counted(self, *args, **kwargs):
        calls[0] += 1
        return original_call(self, *args, **kwargs)

    def recorded(*args, **kwargs):
        results.append(original_minimize(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(MultinomialObjective, "__call__", counted)
    monkeypatch.setattr(scipy.optimize, "minimize", recorded)
    X, y = _data(seed=2)
    model = SoftmaxRegression(solver=solver).fit(X + 0.5, y)
    assert calls[0] == results[0].nfev
    assert model.loss_curve_[0] == pytest.approx(np.log(3), rel=1e-12)  # zeros: log K
