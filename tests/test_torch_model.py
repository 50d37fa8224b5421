"""Tests of softmax_lib.torch_model: TorchSoftmaxRegression and train_torch_softmax.

References: explicit x @ W.T + b, SoftmaxRegression (itself checked against
scikit-learn), an independently computed objective, and reproducibility.
"""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np
import pytest
import scipy.special
import torch
from sklearn.datasets import load_iris
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

from softmax_lib import SoftmaxRegression, TorchSoftmaxRegression, train_torch_softmax


@functools.cache
def _iris_cached():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _iris():
    X, y = _iris_cached()
    return X.copy(), y.copy()


def _model(n_features=4, n_classes=3, seed=0, double=True):
    torch.manual_seed(seed)
    model = TorchSoftmaxRegression(n_features, n_classes)
    return model.double() if double else model


def _params(model):
    W = model.linear.weight.detach().numpy().copy()
    b = model.linear.bias.detach().numpy().copy()
    return W, b


def _objective(W, b, X, y, C):
    P = scipy.special.softmax(X @ W.T + b, axis=1)
    penalty = 0.0 if np.isinf(C) else np.sum(W**2) / (2 * C * len(y))
    return log_loss(y, P, labels=range(W.shape[0])) + penalty


# --------------------------------------------------------------------------- model
def test_model_is_a_module_with_a_linear_layer_of_the_right_shape():
    model = TorchSoftmaxRegression(5, 4)
    assert isinstance(model, torch.nn.Module)
    assert isinstance(model.linear, torch.nn.Linear)
    assert tuple(model.linear.weight.shape) == (4, 5)
    assert tuple(model.linear.bias.shape) == (4,)
    assert sum(p.numel() for p in model.parameters()) == 4 * 5 + 4


def test_forward_returns_logits_x_wt_plus_b():
    model = _model(3, 4, seed=1)
    x = torch.tensor(np.random.default_rng(0).normal(size=(6, 3)), dtype=torch.float64)
    out = model(x)
    assert tuple(out.shape) == (6, 4)
    W, b = _params(model)
    np.testing.assert_allclose(out.detach().numpy(), x.numpy() @ W.T + b, rtol=1e-14, atol=1e-15)
    # logits, not probabilities: rows do not sum to 1 and may be negative
    assert not np.allclose(out.detach().numpy().sum(axis=1), 1.0)


@pytest.mark.parametrize(("d", "k"), [(0, 3), (4, 1), (4, 0), (-1, 3)])
def test_model_rejects_bad_sizes(d, k):
    with pytest.raises(ValueError):
        TorchSoftmaxRegression(d, k)


@pytest.mark.parametrize(("d", "k"), [(2.5, 3), (4, 3.0), (True, 3), (4, "3")])
def test_model_rejects_sizes_that_are_not_integers(d, k):
    with pytest.raises(TypeError):
        TorchSoftmaxRegression(d, k)


@pytest.mark.parametrize(("setting", "message"), [
    ({"C": -1.0}, "C == -1.0, must be > 0"),  # used to train on to NaN
    ({"C": 0.0}, "C == 0.0, must be > 0"),
    ({"C": np.nan}, "C must be a number, got NaN"),
    ({"lr": 0.0}, "lr == 0.0, must be > 0"),
    ({"lr": np.inf}, "lr must be finite"),
    ({"tol": -1e-3}, "tol == -0.001, must be >= 0"),
    ({"epochs": 0}, "epochs == 0, must be >= 1"),  # used to return the start alone
    ({"batch_size": 0}, "batch_size == 0, must be >= 1"),  # used to run full batches
])
def test_bad_settings_raise_before_training(setting, message):
    X, y = _iris()
    model = _model(seed=0)
    W0, b0 = _params(model)
    with pytest.raises(ValueError, match=re.escape(message)):
        train_torch_softmax(model, X, y, optimizer="sgd", **setting)
    W, b = _params(model)
    np.testing.assert_array_equal(W, W0)  # nothing was trained
    np.testing.assert_array_equal(b, b0)


def test_labels_that_are_not_whole_numbers_raise():
    # The cast to long would truncate 1.5 to 1 and train on the wrong labels.
    X, y = _iris()
    with pytest.raises(ValueError, match="whole numbers"):
        train_torch_softmax(_model(), X, y + 0.5, epochs=1)


def test_a_step_that_overflows_raises_instead_of_returning_nan():
    X, y = _iris()
    with pytest.raises(ValueError, match="non-finite in epoch 1: the learning rate 1e\\+200"):
        train_torch_softmax(_model(), 1e3 * X, y, optimizer="sgd", lr=1e200, epochs=3)


# --------------------------------------------------------------------------- lbfgs vs estimator
# torch's LBFGS stops when the loss or the step changes by less than 1e-14, i.e. at
# the resolution of the objective in float64: the objectives agree to ~1e-14, which
# only pins the coefficients to about sqrt(1e-14 / curvature). Measured with C = 0.1
# and C = 1: coef 1.4e-7 and 1.3e-6, centred intercept 1.2e-7 and 1.1e-6, proba
# 6e-8 and 1.6e-7. Tolerances 1e-5 (coef, intercept), 1e-6 (proba), 1e-12 (objective).
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_lbfgs_matches_softmax_regression(C):
    X, y = _iris()
    model = _model()
    history = train_torch_softmax(model, X, y, C=C, optimizer="lbfgs", epochs=50)
    ref = SoftmaxRegression(C=C, tol=1e-10).fit(X, y)
    W, b = _params(model)
    np.testing.assert_allclose(W, ref.coef_, rtol=0, atol=1e-5)
    # the bias is not penalised and starts from torch's random init: only the
    # centred bias is defined by the optimum
    np.testing.assert_allclose(b - b.mean(), ref.intercept_, rtol=0, atol=1e-5)
    P = scipy.special.softmax(X @ W.T + b, axis=1)
    np.testing.assert_allclose(P, ref.predict_proba(X), rtol=0, atol=1e-6)
    obj = _objective(W, b, X, y, C)
    assert history[-1] == pytest.approx(obj, rel=1e-12)
    assert obj == pytest.approx(_objective(ref.coef_, ref.intercept_, X, y, C), abs=1e-12)


def test_history_starts_at_initial_objective_and_decreases():
    X, y = _iris()
    model = _model(seed=3)
    W0, b0 = _params(model)
    history = train_torch_softmax(model, X, y, C=1.0, optimizer="lbfgs", epochs=5, tol=0.0)
    assert len(history) == 6
    assert history[0] == pytest.approx(_objective(W0, b0, X, y, 1.0), rel=1e-12)
    assert history[-1] < history[0]
    assert np.all(np.diff(history) <= 0)


def test_default_c_is_unpenalised():
    X, y = _iris()
    model = _model(seed=4)
    W0, b0 = _params(model)
    # history[0] is the objective before the first step
    history = train_torch_softmax(model, X, y, optimizer="sgd", epochs=1, lr=0.1)
    assert history[0] == pytest.approx(_objective(W0, b0, X, y, np.inf), rel=1e-12)


# --------------------------------------------------------------------------- sgd
def test_sgd_decreases_loss():
    X, y = _iris()
    model = _model(seed=0)
    history = train_torch_softmax(
        model, X, y, C=1.0, optimizer="sgd", lr=0.1, epochs=40, batch_size=16, seed=0
    )
    assert len(history) == 41
    assert history[-1] < 0.5 * history[0]
    W, b = _params(model)
    assert history[-1] == pytest.approx(_objective(W, b, X, y, 1.0), rel=1e-12)


def test_sgd_full_batch_is_monotone_for_small_lr():
    X, y = _iris()
    history = train_torch_softmax(_model(seed=2), X, y, C=1.0, optimizer="sgd", lr=0.1, epochs=30)
    assert np.all(np.diff(history) < 0)


def test_sgd_reproducible_with_same_seed_and_different_otherwise():
    X, y = _iris()
    runs = {}
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        model = _model(seed=7)  # same initial weights in every run
        hist = train_torch_softmax(
            model, X, y, C=1.0, optimizer="sgd", lr=0.1, epochs=5, batch_size=10, seed=seed
        )
        runs[name] = (_params(model), hist)
    (Wa, ba), ha = runs["a"]
    (Wb, bb), hb = runs["b"]
    (Wc, _), _ = runs["c"]
    np.testing.assert_array_equal(Wa, Wb)
    np.testing.assert_array_equal(ba, bb)
    assert ha == hb
    assert np.abs(Wa - Wc).max() > 1e-6


def test_float32_model_trains_in_float32():
    X, y = _iris()
    model = _model(double=False)
    history = train_torch_softmax(model, X, y, C=1.0, optimizer="lbfgs", epochs=5)
    assert model.linear.weight.dtype == torch.float32
    ref = SoftmaxRegression(C=1.0, tol=1e-10).fit(X, y)
    # float32 resolution of the objective (~1e-7 relative) pins the coefficients only
    # to ~sqrt(1e-7 / curvature); measured coef 2.5e-4, objective 2e-8 relative.
    np.testing.assert_allclose(_params(model)[0], ref.coef_, rtol=0, atol=2e-3)
    assert history[-1] == pytest.approx(ref.loss_curve_[-1], rel=1e-6)


def test_training_does_not_modify_the_data():
    X, y = _iris()
    X0, y0 = X.copy(), y.copy()
    train_torch_softmax(_model(), X, y, C=1.0, optimizer="sgd", lr=0.5, epochs=2, batch_size=50)
    train_torch_softmax(_model(), X, y, C=1.0, optimizer="lbfgs", epochs=2)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("X_shape", "y_shape"),
    [
        ((150,), (150,)),  # 1-D X
        ((150, 3), (150,)),  # wrong number of features
        ((150, 4), (149,)),  # length mismatch
        ((150, 4, 1), (150,)),  # 3-D X
        ((150, 4), (150, 1)),  # 2-D y
    ],
)
def test_train_rejects_bad_shapes(X_shape, y_shape):
    X = np.zeros(X_shape)
    y = np.zeros(y_shape, dtype=int)
    with pytest.raises(ValueError):
        train_torch_softmax(_model(), X, y, epochs=1)


def test_train_rejects_empty_data():
    with pytest.raises(ValueError):
        train_torch_softmax(_model(), np.zeros((0, 4)), np.zeros(0, dtype=int), C=1.0, epochs=1)


def test_train_rejects_unknown_optimizer():
    X, y = _iris()
    with pytest.raises(ValueError, match="optimizer"):
        train_torch_softmax(_model(), X, y, optimizer="adam", epochs=1)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_train_rejects_non_finite_X(bad):
    X, y = _iris()
    X[5, 2] = bad
    with pytest.raises(ValueError):
        train_torch_softmax(_model(), X, y, epochs=1)


@pytest.mark.parametrize("label", [-1, 3])
def test_train_rejects_labels_out_of_range(label):
    X, y = _iris()
    y[7] = label
    with pytest.raises(ValueError):
        train_torch_softmax(_model(), X, y, epochs=1)


def test_train_accepts_read_only_arrays_without_warnings():
    X = np.random.default_rng(0).standard_normal((20, 4))
    y = np.arange(20) % 3
    X.setflags(write=False)
    y.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train_torch_softmax(_model(), X, y, optimizer="sgd", epochs=3, lr=0.1)
    assert history[-1] < history[0]
