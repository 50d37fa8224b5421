"""Tests of softmax_lib.datasets.make_noisy_line, against the course's original recipe."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lib import make_noisy_line


@pytest.fixture
def restore_global_numpy_seed():
    """The reference recipe seeds NumPy's global generator; put its state back afterwards."""
    state = np.random.get_state()  # noqa: NPY002
    yield
    np.random.set_state(state)  # noqa: NPY002


def _reference_recipe():
    """The reference tutorial's code, verbatim apart from the function wrapper."""
    np.random.seed(0)  # noqa: NPY002
    X = np.linspace(0, 10, 100).reshape(-1, 1)
    y = np.zeros(100)
    y[X[:, 0] > 3.3] = 1
    y[X[:, 0] > 6.6] = 2
    noise = (np.random.rand(100, 1) > 0.9).astype(int).ravel()  # noqa: NPY002
    y = (y + noise) % 3
    return X, y


def test_default_equals_reference_recipe(restore_global_numpy_seed):
    X_ref, y_ref = _reference_recipe()
    X, y = make_noisy_line()
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert X.shape == (100, 1) and y.shape == (100,)
    assert X.dtype == np.float64
    assert np.issubdtype(y.dtype, np.integer)


def test_does_not_touch_the_global_generator(restore_global_numpy_seed):
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.rand(3)  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    make_noisy_line()
    np.testing.assert_array_equal(np.random.rand(3), expected)  # noqa: NPY002


def test_explicit_arguments_equal_defaults():
    X1, y1 = make_noisy_line()
    X2, y2 = make_noisy_line(n_samples=100, noise=0.1, random_state=0)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("n", [1, 7, 100, 1000])
def test_zero_noise_gives_clean_thresholds(n):
    X, y = make_noisy_line(n_samples=n, noise=0.0)
    x = np.linspace(0.0, 10.0, n)
    np.testing.assert_array_equal(X[:, 0], x)
    expected = np.where(x > 6.6, 2, np.where(x > 3.3, 1, 0))
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize(("n", "noise", "seed"), [(50, 0.3, 1), (500, 0.5, 42), (10, 1.0, 3)])
def test_noise_shifts_labels_up_by_one(n, noise, seed):
    X, y = make_noisy_line(n_samples=n, noise=noise, random_state=seed)
    assert X.shape == (n, 1) and y.shape == (n,)
    _, clean = make_noisy_line(n_samples=n, noise=0.0)
    shifted = np.random.RandomState(seed).rand(n) > 1.0 - noise
    np.testing.assert_array_equal(y, (clean + shifted) % 3)
    assert set(np.unique(y)) <= {0, 1, 2}


def test_default_has_nine_flipped_labels():
    _, y = make_noisy_line()
    _, clean = make_noisy_line(noise=0.0)
    assert int((y != clean).sum()) == 9


def test_seed_changes_the_noise():
    _, a = make_noisy_line(n_samples=200, random_state=0)
    _, b = make_noisy_line(n_samples=200, random_state=1)
    assert np.any(a != b)
    _, c = make_noisy_line(n_samples=200, random_state=1)
    np.testing.assert_array_equal(b, c)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_samples": 0},
        {"n_samples": -5},
        {"n_samples": 2.5},
        {"noise": -0.1},
        {"noise": 1.5},
        {"noise": np.nan},
    ],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        make_noisy_line(**kwargs)
