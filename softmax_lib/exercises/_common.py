"""What every checker shares: the error, the runner and the comparisons."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray


class ExerciseCheckError(AssertionError):
    """An exercise's function does not do what the exercise asks."""


Check = tuple[str, Callable[[], None]]


def _run_checks(name: str, checks: Sequence[Check]) -> None:
    """Run the checks in order; stop at the first failure with a message for the learner."""
    for number, (what, check) in enumerate(checks, start=1):
        try:
            check()
        except ExerciseCheckError as failure:
            raise ExerciseCheckError(
                f"{name}: check {number} of {len(checks)} failed ({what}): {failure}"
            ) from None
        except Exception as error:  # the learner's code raised: say where it happened
            raise ExerciseCheckError(
                f"{name}: check {number} of {len(checks)} ({what}) raised "
                f"{type(error).__name__}: {error}"
            ) from error
    print(f"{name}: all {len(checks)} checks passed")


def _quietly(function: Callable[..., Any], *args: Any) -> Any:
    """Call ``function`` with overflow, invalid operations and division by zero as errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return function(*args)


def _expect_close(actual: Any, expected: NDArray, what: str, rtol: float = 1e-7,
                  atol: float = 1e-12) -> None:
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if actual.shape != expected.shape:
        raise ExerciseCheckError(
            f"{what} has shape {actual.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(actual)):
        raise ExerciseCheckError(f"{what} contains inf or nan: {actual}")
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        worst = np.max(np.abs(actual - expected))
        raise ExerciseCheckError(
            f"{what} differs from the expected value by up to {worst:.3g}\n"
            f"  got      {np.array2string(actual, precision=6)}\n"
            f"  expected {np.array2string(expected, precision=6)}")


def _expect_unchanged(function: Callable[..., Any], *args: NDArray) -> None:
    copies = [np.array(a, copy=True) for a in args]
    function(*args)
    for original, copy in zip(args, copies, strict=True):
        if not np.array_equal(original, copy):
            raise ExerciseCheckError("the function changed its input array in place")


def _expect_scalar(value: Any, what: str) -> float:
    array = np.asarray(value)
    if array.shape != ():
        raise ExerciseCheckError(
            f"{what} should be one number (the mean over samples), got shape {array.shape}")
    return float(array)
