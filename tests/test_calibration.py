"""Tests of softmax_lib.calibration against scikit-learn, SciPy and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from softmax_lib import (
    expected_calibration_error,
    fit_temperature,
    log_softmax,
    reliability_table,
    softmax,
    temperature_scaled_log_loss,
)


def _random_problem(seed=0, n=500, k=4, scale=2.0):
    rng = np.random.default_rng(seed)
    logits = scale * rng.standard_normal((n, k))
    # Labels drawn from softmax(logits / 1.7): the model is over-confident by a factor 1.7.
    proba_true = softmax(logits / 1.7)
    y = np.array([rng.choice(k, p=p) for p in proba_true])
    return logits, y


@pytest.mark.parametrize("n_bins", [1, 5, 10, 15])
def test_reliability_table_equals_calibration_curve_on_the_top_class(n_bins):
    logits, y = _random_problem()
    proba = softmax(logits)
    table = reliability_table(proba, y, n_bins)
    correct = proba.argmax(axis=1) == y
    accuracy, confidence = calibration_curve(correct, proba.max(axis=1), n_bins=n_bins,
                                             strategy="uniform")
    filled = table.counts > 0
    np.testing.assert_allclose(table.accuracy[filled], accuracy, rtol=1e-12)
    np.testing.assert_allclose(table.mean_confidence[filled], confidence, rtol=1e-12)
    assert table.counts.sum() == len(y)
    assert np.all(np.isnan(table.accuracy[~filled]))


def test_expected_calibration_error_by_hand():
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    y = np.array([0, 1, 1, 0])
    # Two bins: (0, 0.5] is empty; (0.5, 1] holds all four, confidence 0.75, accuracy 0.75.
    assert expected_calibration_error(proba, y, n_bins=2) == pytest.approx(0.0, abs=1e-15)
    # Ten bins: 0.9 right | 0.8 wrong | 0.7 right | 0.6 right, one per bin.
    expected = (abs(1 - 0.9) + abs(0 - 0.8) + abs(1 - 0.7) + abs(1 - 0.6)) / 4
    assert expected_calibration_error(proba, y, n_bins=10) == pytest.approx(expected)


def test_one_bin_ece_is_the_gap_between_mean_confidence_and_accuracy():
    logits, y = _random_problem(seed=1)
    proba = softmax(logits)
    gap = abs(proba.max(axis=1).mean() - (proba.argmax(axis=1) == y).mean())
    assert expected_calibration_error(proba, y, n_bins=1) == pytest.approx(gap, rel=1e-12)


def test_temperature_closed_form_for_two_classes():
    # Margin 2 for every sample, 3 of 4 right: the best confidence is 3/4, so
    # sigmoid(2 / T) = 3/4 and T = 2 / log(3).
    z = np.array([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0], [2.0, 0.0]])
    T = fit_temperature(z, [0, 1, 1, 0])
    assert T == pytest.approx(2 / np.log(3), rel=1e-12)


def test_temperature_minimises_the_loss_as_scipy_finds():
    logits, y = _random_problem(seed=2)
    T = fit_temperature(logits, y)
    found = minimize_scalar(lambda log_t: temperature_scaled_log_loss(logits, y, np.exp(log_t)),
                            bounds=(-5, 5), method="bounded", options={"xatol": 1e-10})
    assert T == pytest.approx(np.exp(found.x), rel=1e-6)
    # The data were drawn at temperature 1.7, so the fit should be near it.
    assert 1.4 < T < 2.0
    # The derivative in beta = 1/T vanishes there (central differences).
    def loss(beta):
        return -log_softmax(beta * logits)[np.arange(len(y)), y].mean()
    beta, h = 1 / T, 1e-5
    assert abs((loss(beta + h) - loss(beta - h)) / (2 * h)) < 1e-8


def test_temperature_scales_with_the_logits_and_keeps_predictions():
    logits, y = _random_problem(seed=3)
    T = fit_temperature(logits, y)
    assert fit_temperature(3.0 * logits, y) == pytest.approx(3.0 * T, rel=1e-10)
    np.testing.assert_array_equal(softmax(logits / T).argmax(axis=1), logits.argmax(axis=1))


def test_temperature_weights_equal_repeated_rows():
    logits, y = _random_problem(seed=4, n=60)
    weights = np.arange(60) % 3
    repeated = np.repeat(np.arange(60), weights)
    assert fit_temperature(logits, y, sample_weight=weights) == pytest.approx(
        fit_temperature(logits[repeated], y[repeated]), rel=1e-10)


def test_temperature_agrees_with_scikit_learn_calibration():
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X / 16, y, test_size=0.5,
                                                      random_state=0, stratify=y)
    model = LogisticRegression(C=100.0, max_iter=5000).fit(X_train, y_train)
    T = fit_temperature(model.decision_function(X_val), y_val)
    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method="temperature")
    calibrated.fit(X_val, y_val)
    ours = softmax(model.decision_function(X_val) / T)
    # scikit-learn searches log(1/T) to a tolerance of 64 machine epsilons in log space.
    np.testing.assert_allclose(calibrated.predict_proba(X_val), ours, atol=1e-6)
    assert T > 1  # weakly regularised on half the digits: over-confident, softened


@pytest.mark.parametrize("logits, y, message", [
    ([[1.0, 0.0], [0.0, 1.0]], [0, 1], "largest logit"),
    ([[0.0, 1.0], [1.0, 0.0]], [0, 1], "no better than chance"),
    ([[np.nan, 0.0], [0.0, 1.0]], [0, 1], "NaN"),
    ([[1.0, 0.0], [0.0, 1.0]], [0, 2], "class indices"),
    ([[1.0, 0.0], [0.0, 1.0]], [0], "inconsistent"),
    ([[1.0, 0.0], [0.0, 1.0]], [0.5, 1], "integer"),
    ([[1.0], [0.0]], [0, 0], "feature"),
])
def test_fit_temperature_rejects_bad_input(logits, y, message):
    with pytest.raises(ValueError, match=message):
        fit_temperature(logits, y)


@pytest.mark.parametrize("proba, y, message", [
    ([[0.5, 0.6]], [0], "sum to 1"),
    ([[1.2, -0.2]], [0], "non-negative"),
    ([[0.5, 0.5]], [3], "class indices"),
])
def test_reliability_table_rejects_bad_input(proba, y, message):
    with pytest.raises(ValueError, match=message):
        reliability_table(proba, y)


@pytest.mark.parametrize("n_bins", [0, -1, 2.5, True])
def test_bad_bin_counts(n_bins):
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([[0.5, 0.5]], [0], n_bins=n_bins)
