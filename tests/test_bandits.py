"""Tests of softmax_lib.bandits against closed forms and the laws of large numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import chisquare

from softmax_lib import boltzmann_probabilities, simulate_bandit

MEANS = np.array([0.0, 0.5, 1.0])


def test_two_arm_boltzmann_probability_is_the_sigmoid_of_the_gap():
    for gap, T in [(1.0, 1.0), (0.3, 0.1), (-2.0, 5.0)]:
        p = boltzmann_probabilities([gap, 0.0], T)
        assert p[0] == pytest.approx(expit(gap / T), rel=1e-12)


def test_high_temperature_pulls_every_arm_equally_often():
    result = simulate_bandit(MEANS, n_steps=200, n_runs=100, temperature=1e6, seed=1)
    counts = np.bincount(result.actions.ravel(), minlength=3)
    assert chisquare(counts).pvalue > 1e-3  # uniform
    # Regret grows by max(mu) - mean(mu) = 0.5 a step on average.
    slope = result.cumulative_regret[:, -1].mean() / 200
    assert slope == pytest.approx(0.5, abs=0.03)


def test_epsilon_one_is_uniformly_random_and_epsilon_zero_without_noise_sticks():
    random_pulls = simulate_bandit(MEANS, 100, 100, strategy="epsilon-greedy", epsilon=1.0)
    assert chisquare(np.bincount(random_pulls.actions.ravel(), minlength=3)).pvalue > 1e-3
    # Greedy, no noise: estimates start tied at 0, so the first pull is uniformly random.
    # Arm 0 pays 0 and leaves the tie in place; the first pull of arm 1 or 2 (paying 0.5
    # or 1 > 0) makes that arm the strict best for good, so the run never leaves it.
    greedy = simulate_bandit(MEANS, 50, 300, strategy="epsilon-greedy", epsilon=0.0,
                             noise=0.0, seed=2)
    for run in greedy.actions:
        paying = np.flatnonzero(run != 0)
        assert paying.size and np.all(run[paying[0]:] == run[paying[0]])
    first = greedy.actions[:, 0]
    assert chisquare(np.bincount(first, minlength=3)).pvalue > 1e-3


def test_an_epsilon_schedule_is_read_at_every_step():
    # A constant schedule draws exactly what the constant does (same seed, same draws).
    fixed = simulate_bandit(MEANS, 60, 40, strategy="epsilon-greedy", epsilon=0.3, seed=5)
    scheduled = simulate_bandit(MEANS, 60, 40, strategy="epsilon-greedy",
                                epsilon=lambda t: 0.3, seed=5)
    np.testing.assert_array_equal(fixed.actions, scheduled.actions)
    # Explore for 60 steps, then never: without noise every run has seen the best arm
    # by then (missing it in 60 uniform pulls has probability (2/3)^60 ~ 3e-11 per run)
    # and sticks to it.
    switch = simulate_bandit(MEANS, 100, 200, strategy="epsilon-greedy", noise=0.0,
                             epsilon=lambda t: 1.0 if t < 60 else 0.0, seed=6)
    assert np.all(switch.actions[:, 60:] == 2)
    assert chisquare(np.bincount(switch.actions[:, :60].ravel(), minlength=3)).pvalue > 1e-3


def test_regret_is_the_expected_loss_of_the_pulled_arms():
    result = simulate_bandit(MEANS, 60, 20, temperature=0.5, seed=3)
    by_hand = np.cumsum(1.0 - MEANS[result.actions], axis=1)
    np.testing.assert_allclose(result.cumulative_regret, by_hand)
    assert np.all(np.diff(result.cumulative_regret, axis=1) >= 0)
    # Noise-free rewards equal the means of the pulled arms.
    quiet = simulate_bandit(MEANS, 30, 5, noise=0.0, seed=3)
    np.testing.assert_array_equal(quiet.rewards, MEANS[quiet.actions])


def test_a_cooling_schedule_beats_a_hot_fixed_temperature():
    kwargs = dict(n_steps=500, n_runs=200, seed=4)
    hot = simulate_bandit(MEANS, temperature=2.0, **kwargs).cumulative_regret[:, -1]
    cooling = simulate_bandit(MEANS, temperature=lambda t: 2.0 / (1 + t / 20),
                              **kwargs).cumulative_regret[:, -1]
    # Difference of means far beyond its standard error.
    se = np.sqrt(hot.var() / len(hot) + cooling.var() / len(cooling))
    assert hot.mean() - cooling.mean() > 5 * se


def test_runs_are_reproducible_and_seeds_differ():
    a = simulate_bandit(MEANS, 40, 10, seed=5)
    b = simulate_bandit(MEANS, 40, 10, seed=5)
    c = simulate_bandit(MEANS, 40, 10, seed=6)
    np.testing.assert_array_equal(a.actions, b.actions)
    np.testing.assert_array_equal(a.rewards, b.rewards)
    assert not np.array_equal(a.actions, c.actions)


@pytest.mark.parametrize("kwargs, message", [
    (dict(arm_means=[1.0]), "at least two arms"),
    (dict(arm_means=[0.0, np.nan]), "finite"),
    (dict(n_steps=0), "n_steps"),
    (dict(n_runs=2.5), "n_runs"),
    (dict(strategy="ucb"), "strategy"),
    (dict(temperature=0.0), "temperature"),
    (dict(temperature=lambda t: -1.0), "temperature"),
    (dict(strategy="epsilon-greedy", epsilon=1.5), "epsilon"),
    (dict(strategy="epsilon-greedy", epsilon=np.nan), "epsilon"),
    (dict(strategy="epsilon-greedy", epsilon=lambda t: 1.0 if t < 3 else -0.1), "epsilon"),
    (dict(noise=-1.0), "noise"),
])
def test_bad_parameters_get_a_clear_error(kwargs, message):
    arguments = dict(arm_means=MEANS, n_steps=5) | kwargs
    with pytest.raises(ValueError, match=message):
        simulate_bandit(**arguments)


def test_boltzmann_rejects_bad_input():
    with pytest.raises(ValueError, match="temperature"):
        boltzmann_probabilities([0.0, 1.0], -1.0)
    with pytest.raises(ValueError, match="finite"):
        boltzmann_probabilities([0.0, np.inf], 1.0)
