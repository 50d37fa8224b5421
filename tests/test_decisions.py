"""Tests of softmax_lib.decisions: the Bayes rule against brute force and closed forms,
the prior correction against logit arithmetic, EM against known class frequencies."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning

from softmax_lib import (
    REJECT,
    adjust_priors,
    bayes_decision,
    estimate_priors_em,
    expected_costs,
    softmax,
)


def _proba(seed=0, n=200, k=3):
    return softmax(2.0 * np.random.default_rng(seed).standard_normal((n, k)))


def test_expected_costs_equal_the_sum_over_true_classes():
    proba = _proba(n=20)
    cost = np.random.default_rng(1).uniform(0, 5, (3, 3))
    by_hand = np.array([[sum(p[i] * cost[i, j] for i in range(3)) for j in range(3)]
                        for p in proba])
    np.testing.assert_allclose(expected_costs(proba, cost), by_hand, rtol=1e-13)


def test_zero_one_cost_decides_the_most_probable_class():
    proba = _proba()
    np.testing.assert_array_equal(bayes_decision(proba), proba.argmax(axis=1))
    np.testing.assert_array_equal(bayes_decision(proba, 1 - np.eye(3)), proba.argmax(axis=1))


def test_cost_sensitive_decision_is_the_cheapest_of_all_decisions():
    proba = _proba(seed=2, n=50)
    cost = np.array([[0, 1, 2], [10, 0, 1], [5, 5, 0]], dtype=float)
    decision = bayes_decision(proba, cost)
    for p, d in zip(proba, decision, strict=True):
        costs = [float(p @ cost[:, j]) for j in range(3)]
        assert costs[d] == min(costs)


@pytest.mark.parametrize("c_fp, c_fn", [(1.0, 1.0), (1.0, 4.0), (5.0, 1.0)])
def test_binary_threshold_is_cfp_over_cfp_plus_cfn(c_fp, c_fn):
    # Decide 1 when p1 > c_FP / (c_FP + c_FN): the textbook threshold (Elkan, 2001).
    p1 = np.linspace(0.0005, 0.9995, 1000)
    proba = np.column_stack([1 - p1, p1])
    cost = np.array([[0.0, c_fp], [c_fn, 0.0]])
    threshold = c_fp / (c_fp + c_fn)
    np.testing.assert_array_equal(bayes_decision(proba, cost), (p1 > threshold).astype(int))


def test_chow_rule_rejects_below_one_minus_the_reject_cost():
    proba = _proba(seed=3)
    for reject_cost in (0.1, 0.3, 0.5):
        decision = bayes_decision(proba, reject_cost=reject_cost)
        rejected = proba.max(axis=1) < 1 - reject_cost
        np.testing.assert_array_equal(decision == REJECT, rejected)
        np.testing.assert_array_equal(decision[~rejected], proba.argmax(axis=1)[~rejected])


def test_reject_with_a_cost_matrix_uses_the_expected_cost():
    proba = _proba(seed=4)
    cost = np.array([[0, 1, 1], [3, 0, 1], [3, 1, 0]], dtype=float)
    decision = bayes_decision(proba, cost, reject_cost=0.4)
    best = expected_costs(proba, cost).min(axis=1)
    np.testing.assert_array_equal(decision == REJECT, best > 0.4)


def test_adjusting_priors_adds_the_log_ratio_to_the_logits():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((30, 4))
    train, new = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
    np.testing.assert_allclose(adjust_priors(softmax(logits), train, new),
                               softmax(logits + np.log(new / train)), rtol=1e-12)
    np.testing.assert_allclose(adjust_priors(softmax(logits), train, train), softmax(logits),
                               rtol=1e-12)


def _two_gaussians(n, priors, seed):
    """Class 0 ~ N(-1, 1), class 1 ~ N(1, 1): exact posteriors under any priors."""
    rng = np.random.default_rng(seed)
    y = rng.choice(2, size=n, p=priors)
    x = rng.normal(np.where(y == 1, 1.0, -1.0), 1.0)
    return x, y


def _bayes_posterior(x, priors):
    joint = np.column_stack([priors[0] * norm.pdf(x, -1, 1), priors[1] * norm.pdf(x, 1, 1)])
    return joint / joint.sum(axis=1, keepdims=True)


def test_adjusted_posterior_equals_the_exact_posterior_under_the_new_priors():
    x = np.linspace(-4, 4, 101)
    train, new = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    np.testing.assert_allclose(adjust_priors(_bayes_posterior(x, train), train, new),
                               _bayes_posterior(x, new), rtol=1e-12)


@pytest.mark.parametrize("new", [[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])
def test_em_recovers_the_new_priors_from_unlabelled_data(new):
    train, new = np.array([0.5, 0.5]), np.array(new)
    x, y = _two_gaussians(20_000, new, seed=6)
    priors, adjusted = estimate_priors_em(_bayes_posterior(x, train), train)
    # Within sampling error of the sample's class frequencies: four standard errors of a
    # frequency, doubled because unlabelled, overlapping classes carry less information.
    frequency = np.bincount(y, minlength=2) / len(y)
    assert np.all(np.abs(priors - frequency) < 2 * 4 * np.sqrt(new * (1 - new) / len(x)))
    # A fixed point: the mean corrected probability is the estimate itself.
    np.testing.assert_allclose(adjusted.mean(axis=0), priors, atol=1e-7)
    np.testing.assert_allclose(adjusted, adjust_priors(_bayes_posterior(x, train), train,
                                                        priors), rtol=1e-12)


def test_em_warns_when_it_stops_early():
    train = np.array([0.5, 0.5])
    x, _ = _two_gaussians(1000, [0.9, 0.1], seed=7)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        estimate_priors_em(_bayes_posterior(x, train), train, max_iter=1)


@pytest.mark.parametrize("call, message", [
    (lambda: bayes_decision([[0.5, 0.6]]), "sum to 1"),
    (lambda: bayes_decision([[0.5, 0.5]], np.ones((3, 3))), "shape"),
    (lambda: bayes_decision([[0.5, 0.5]], [[0, np.inf], [1, 0]]), "finite"),
    (lambda: bayes_decision([[0.5, 0.5]], reject_cost=np.nan), "reject_cost"),
    (lambda: bayes_decision([[np.nan, 0.5]]), "NaN"),
    (lambda: adjust_priors([[0.5, 0.5]], [0.5, 0.5], [1.0, 0.0]), "positive"),
    (lambda: adjust_priors([[0.5, 0.5]], [0.5, 0.6], [0.5, 0.5]), "sum to 1"),
    (lambda: adjust_priors([[0.5, 0.5]], [0.5, 0.5], [1.0]), "shape"),
    (lambda: estimate_priors_em([[0.5, 0.5]], [0.5, 0.5], max_iter=0), "max_iter"),
    (lambda: estimate_priors_em([[0.5, 0.5]], [0.5, 0.5], tol=0), "tol"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_decisions_cover_every_class_and_ties_go_to_the_smaller_index():
    proba = np.array([*itertools.permutations([0.2, 0.3, 0.5]), [0.4, 0.4, 0.2]])
    assert set(bayes_decision(proba)) == {0, 1, 2}
    assert bayes_decision(proba)[-1] == 0
