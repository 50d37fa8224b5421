"""Softmax for decisions: exploration in a multi-armed bandit.

A bandit has ``K`` arms; pulling arm ``a`` pays a noisy reward with unknown mean
``mu_a``. A player keeps an estimate ``Q_a`` of each mean (the average of the rewards
seen from that arm) and must trade exploiting the best estimate against exploring the
others. *Softmax* (Boltzmann) selection pulls arm ``a`` with probability
``softmax(Q / T)_a``: the temperature ``T`` of chapter 1 sets how greedy the player is
(``T -> 0``: always the best estimate; ``T -> inf``: uniformly at random).
*epsilon-greedy* pulls a uniformly random arm with probability ``epsilon`` and the best
estimate otherwise (Sutton and Barto, 2018, chapter 2).

:func:`simulate_bandit` plays many independent, seeded runs at once (vectorised over
runs) and records the *regret*: the expected reward lost against always pulling the best
arm, ``sum_t (max(mu) - mu_{a_t})``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .core import _checked_temperature, softmax

__all__ = ["BanditResult", "boltzmann_probabilities", "simulate_bandit"]

Temperature = float | Callable[[int], float]
Epsilon = float | Callable[[int], float]


class BanditResult(NamedTuple):
    """What :func:`simulate_bandit` records, one row per run."""

    actions: NDArray[np.intp]
    """(n_runs, n_steps) the arm pulled at each step."""
    rewards: NDArray[np.float64]
    """(n_runs, n_steps) the reward received."""
    cumulative_regret: NDArray[np.float64]
    """(n_runs, n_steps) expected reward lost up to and including each step."""


def boltzmann_probabilities(values: ArrayLike, temperature: float) -> NDArray[np.float64]:
    """Softmax (Boltzmann) selection probabilities ``softmax(values / temperature)``.

    Parameters
    ----------
    values : array-like of shape (n_arms,) or (n_runs, n_arms)
        Estimated value of each arm.
    temperature : float
        ``T > 0``; small values favour the best estimate, large ones spread the choice.

    Returns
    -------
    ndarray of the same shape
        Probabilities over the arms (the last axis), summing to 1.

    Examples
    --------
    >>> boltzmann_probabilities([1.0, 0.0], temperature=1.0).round(4).tolist()
    [0.7311, 0.2689]
    """
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite")
    return softmax(values, axis=-1, temperature=temperature)  # softmax checks temperature


def _check_epsilon(epsilon: float) -> None:
    if isinstance(epsilon, bool) or not 0.0 <= epsilon <= 1.0:  # NaN fails the test too
        raise ValueError(f"epsilon must be a number in [0, 1], got {epsilon!r}")


def simulate_bandit(
    arm_means: ArrayLike,
    n_steps: int,
    n_runs: int = 1,
    *,
    strategy: str = "softmax",
    temperature: Temperature = 1.0,
    epsilon: Epsilon = 0.1,
    noise: float = 1.0,
    seed: int = 0,
) -> BanditResult:
    """Play a Gaussian multi-armed bandit with softmax or epsilon-greedy selection.

    Every run starts with ``Q = 0`` and no pulls; at step ``t`` (0-based) it picks an
    arm, receives a reward drawn from ``N(arm_means[a], noise**2)`` and updates ``Q_a``
    to the mean of that arm's rewards. Ties for the best estimate are broken uniformly
    at random.

    Parameters
    ----------
    arm_means : array-like of shape (n_arms,)
        True mean reward of each arm; at least two arms, finite.
    n_steps : int
        Pulls per run, >= 1.
    n_runs : int, default=1
        Independent runs, played at once; >= 1.
    strategy : {"softmax", "epsilon-greedy"}, default="softmax"
        How an arm is chosen from the estimates.
    temperature : float or callable, default=1.0
        For ``"softmax"``: a fixed ``T > 0``, or a function of the step ``t`` returning
        it (a schedule, e.g. ``lambda t: 2.0 / (1 + t / 100)``).
    epsilon : float or callable, default=0.1
        For ``"epsilon-greedy"``: the probability of a uniformly random pull, in [0, 1],
        or a function of the step ``t`` returning it (a decaying schedule, e.g.
        ``lambda t: min(1.0, 10 / (t + 1))``).
    noise : float, default=1.0
        Standard deviation of the rewards, >= 0.
    seed : int, default=0
        Seed of the ``np.random.default_rng`` that draws choices and rewards.

    Returns
    -------
    BanditResult
        ``(actions, rewards, cumulative_regret)``, each of shape ``(n_runs, n_steps)``.

    Examples
    --------
    >>> result = simulate_bandit([0.0, 1.0], n_steps=200, n_runs=50, temperature=0.1)
    >>> result.actions.shape, bool(result.cumulative_regret[:, -1].mean() < 50)
    ((50, 200), True)
    """
    arm_means = np.asarray(arm_means, dtype=np.float64)
    if arm_means.ndim != 1 or arm_means.size < 2:
        raise ValueError(f"arm_means must be a 1-D array of at least two arms, got shape "
                         f"{arm_means.shape}")
    if not np.all(np.isfinite(arm_means)):
        raise ValueError("arm_means must be finite")
    for name, value in (("n_steps", n_steps), ("n_runs", n_runs)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if strategy not in ("softmax", "epsilon-greedy"):
        raise ValueError(f"strategy must be 'softmax' or 'epsilon-greedy', got {strategy!r}")
    if strategy == "softmax" and not callable(temperature):
        _checked_temperature(temperature)
    if strategy == "epsilon-greedy" and not callable(epsilon):
        _check_epsilon(epsilon)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a non-negative number, got {noise!r}")

    n_steps, n_runs, n_arms = int(n_steps), int(n_runs), arm_means.size
    rng = np.random.default_rng(seed)
    estimates = np.zeros((n_runs, n_arms))
    pulls = np.zeros((n_runs, n_arms))
    actions = np.empty((n_runs, n_steps), dtype=np.intp)
    rewards = np.empty((n_runs, n_steps))
    runs = np.arange(n_runs)
    for t in range(n_steps):
        if strategy == "softmax":
            T = float(temperature(t)) if callable(temperature) else float(temperature)
            probabilities = softmax(estimates, axis=1, temperature=T)  # which checks T
            # Inverse-CDF sampling, one uniform draw per run; clip guards the last edge.
            cumulative = np.cumsum(probabilities, axis=1)
            draws = rng.random((n_runs, 1))
            chosen = np.minimum((cumulative < draws).sum(axis=1), n_arms - 1)
        else:
            best = estimates == estimates.max(axis=1, keepdims=True)
            greedy = np.argmax(rng.random((n_runs, n_arms)) * best, axis=1)  # random ties
            eps = float(epsilon(t)) if callable(epsilon) else float(epsilon)
            _check_epsilon(eps)
            explore = rng.random(n_runs) < eps
            chosen = np.where(explore, rng.integers(n_arms, size=n_runs), greedy)
        reward = arm_means[chosen] + noise * rng.standard_normal(n_runs)
        pulls[runs, chosen] += 1
        estimates[runs, chosen] += (reward - estimates[runs, chosen]) / pulls[runs, chosen]
        actions[:, t], rewards[:, t] = chosen, reward
    regret = np.cumsum(arm_means.max() - arm_means[actions], axis=1)
    return BanditResult(actions, rewards, regret)
