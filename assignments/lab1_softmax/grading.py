"""Grading of lab 1 (stable softmax, log-softmax, cross-entropy). Instructors only.

Hidden checks: never copied into the student release, the sandbox or the feedback. The
expected values come from ``softmax_lib`` (tested against SciPy) and closed forms, never
from the code under test.
"""

from __future__ import annotations

import numpy as np

import softmax_lib as sl
from softmax_lib import exercises
from tools.labs.spec import (
    Call,
    Check,
    Fail,
    Lab,
    LibraryCheck,
    Missing,
    Question,
    Written,
    expect_close,
    hidden_rng,
    value,
)

_rng = hidden_rng(16_001)
_WIDE = _rng.normal(scale=500.0, size=(6, 9))
_MID = _rng.normal(scale=3.0, size=(8, 5))
_LOGITS = _rng.normal(scale=50.0, size=(50, 10))
_LABELS = _rng.integers(0, 10, size=50)


def _softmax_ref(z):
    return sl.softmax(np.asarray(z, dtype=float), axis=-1)


def _log_softmax_ref(z):
    return sl.log_softmax(np.asarray(z, dtype=float), axis=-1)


def _cross_entropy_ref(logits, y):
    return sl.cross_entropy(np.asarray(logits, dtype=float), np.asarray(y))


def _equals(expected_fn, what, rtol=1e-7):
    def verdict(outcomes, exports):
        for outcome, expected in zip(outcomes, expected_fn(), strict=True):
            expect_close(value(outcome, what), expected, what, rtol=rtol)
    return verdict


def _raises_value_error(outcomes, exports):
    for outcome in outcomes:
        if isinstance(outcome, Missing):
            value(outcome)
        if isinstance(outcome, Exception) and type(outcome).__name__ == "ValueError":
            continue
        if isinstance(outcome, Exception):
            raise Fail(f"raised {type(outcome).__name__}, not ValueError")
        raise Fail("returned a value for a temperature <= 0 instead of raising ValueError")


def _public_temperature(outcomes, exports):
    first = value(outcomes[0], "softmax_with_temperature")
    expect_close(first, np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), "T = 1")
    expect_close(value(outcomes[1], "softmax_with_temperature"), np.full(3, 1 / 3),
                 "T = 1e6", rtol=1e-5)


_ONES = np.array([[3.0], [-2.0]])  # K = 1: every probability is 1
_ROW = np.array([[0.5, -1.5, 2.0, 7.0]])
_EQUAL = np.full((2, 6), -1e4)

LAB = Lab(
    name="lab1_softmax",
    title="Lab 1: a numerically stable softmax, log-softmax and cross-entropy",
    minutes="45",
    notebook_seconds=60,
    questions=[
        Question("q1_stable_softmax", "Question 1: stable_softmax", [
            LibraryCheck("the course's checker (sl.exercises.check_stable_softmax)", 2,
                         checker=exercises.check_stable_softmax, function="stable_softmax",
                         reference=_softmax_ref),
            Check("rows of a (6, 9) table of scores with spread 500", 1,
                  [Call("stable_softmax", (_WIDE.copy(),), strict=True)],
                  verdict=_equals(lambda: [_softmax_ref(_WIDE)], "stable_softmax")),
            Check("edge shapes: one class (K = 1) and a single row", 1,
                  [Call("stable_softmax", (_ONES.copy(),)),
                   Call("stable_softmax", (_ROW.copy(),))],
                  verdict=_equals(lambda: [np.ones((2, 1)), _softmax_ref(_ROW)],
                                  "stable_softmax")),
        ]),
        Question("q2_stable_log_softmax", "Question 2: stable_log_softmax", [
            LibraryCheck("the course's checker (sl.exercises.check_stable_log_softmax)", 2,
                         checker=exercises.check_stable_log_softmax,
                         function="stable_log_softmax", reference=_log_softmax_ref),
            Check("rows of a (6, 9) table of scores with spread 500", 1,
                  [Call("stable_log_softmax", (_WIDE.copy(),), strict=True)],
                  verdict=_equals(lambda: [_log_softmax_ref(_WIDE)], "stable_log_softmax",
                                  rtol=1e-10)),
            Check("equal scores of -1e4: log(1/K) in every entry", 1,
                  [Call("stable_log_softmax", (_EQUAL.copy(),), strict=True)],
                  verdict=_equals(lambda: [np.full((2, 6), -np.log(6.0))],
                                  "stable_log_softmax")),
        ]),
        Question("q3_cross_entropy_from_logits", "Question 3: cross_entropy_from_logits", [
            LibraryCheck("the course's checker (sl.exercises.check_cross_entropy_from_logits)",
                         2, checker=exercises.check_cross_entropy_from_logits,
                         function="cross_entropy_from_logits", reference=_cross_entropy_ref),
            Check("50 samples, 10 classes, logits of spread 50", 1,
                  [Call("cross_entropy_from_logits", (_LOGITS.copy(), _LABELS.copy()),
                        strict=True)],
                  verdict=_equals(lambda: [_cross_entropy_ref(_LOGITS, _LABELS)],
                                  "the loss")),
            Check("one sample, certain: loss 0 if right, 2e4 if wrong", 1,
                  [Call("cross_entropy_from_logits",
                        (np.array([[0.0, 1e4, -1e4]]), np.array([1])), strict=True),
                   Call("cross_entropy_from_logits",
                        (np.array([[0.0, 1e4, -1e4]]), np.array([2])), strict=True)],
                  verdict=_equals(lambda: [0.0, 2e4], "the loss")),
        ]),
        Question("q4_softmax_with_temperature", "Question 4: softmax_with_temperature", [
            Check("T = 1 is the softmax; a huge T gives uniform probabilities", 1,
                  [Call("softmax_with_temperature", (np.array([1.0, 2.0, 3.0]), 1.0)),
                   Call("softmax_with_temperature", (np.array([1.0, 2.0, 3.0]), 1e6))],
                  verdict=_public_temperature, public=True),
            Check("T = 1e-3 on scores of spread 500: finite, close to one-hot", 1,
                  [Call("softmax_with_temperature", (_WIDE[:3].copy(), 1e-3), strict=True)],
                  verdict=_equals(lambda: [sl.hardmax(_WIDE[:3])], "softmax_with_temperature")),
            Check("rows of a table at T = 2.5", 1,
                  [Call("softmax_with_temperature", (_MID.copy(), 2.5))],
                  verdict=_equals(lambda: [sl.softmax(_MID, axis=-1, temperature=2.5)],
                                  "softmax_with_temperature")),
            Check("ValueError for T = 0 and T = -1", 1,
                  [Call("softmax_with_temperature", (_MID.copy(), 0.0)),
                   Call("softmax_with_temperature", (_MID.copy(), -1.0))],
                  verdict=_raises_value_error),
        ]),
    ],
    written=[Written("w1_log_of_softmax", "why np.log(stable_softmax(z)) is not stable", 4)],
)
