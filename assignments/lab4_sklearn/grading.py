"""Grading of lab 4 (scikit-learn pipeline, validation loop, one final test).
Instructors only: never copied into the student release, the sandbox or the feedback.

Expected values come from scikit-learn pipelines fitted here, in the grader's process,
never from the code under test.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.datasets import load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tools.labs.spec import (
    Call,
    Check,
    Fail,
    Lab,
    Question,
    Written,
    expect_close,
    hidden_rng,
    value,
)

CS = [0.001, 0.01, 0.1, 1.0, 10.0]
OTHER_CS = [0.003, 0.03, 0.3, 3.0]
_WINE_SEED = int(hidden_rng(16_004).integers(2**31))


@functools.cache
def _digits():
    """The lab's split, exactly as the notebook makes it."""
    X, y = load_digits(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.25, random_state=0, stratify=y_rest)
    return X_train, y_train, X_val, y_val, X_test, y_test


@functools.cache
def _wine():
    X, y = load_wine(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.4, random_state=_WINE_SEED, stratify=y)
    return X_train, y_train, X_val, y_val


def _proba(X_train, y_train, X_eval, C):
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))
    return model.fit(X_train, y_train).predict_proba(X_eval)


@functools.cache
def _losses(data: str, Cs: tuple):
    X_train, y_train, X_val, y_val = (_digits() if data == "digits" else _wine())[:4]
    return np.array([log_loss(y_val, _proba(X_train, y_train, X_val, C)) for C in Cs])


def _best(data, Cs):
    return Cs[int(np.argmin(_losses(data, tuple(Cs))))]


def _probabilities_like(expected):
    def verdict(outcomes, exports):
        for outcome, target in zip(outcomes, expected(), strict=True):
            expect_close(value(outcome, "fit_and_predict_proba"), target, "the probabilities",
                         rtol=0, atol=1e-3)
    return verdict


def _public_proba(outcomes, exports):
    proba = np.asarray(value(outcomes[0], "fit_and_predict_proba"), dtype=float)
    if proba.shape != (5, 10) or not np.allclose(proba.sum(axis=1), 1):
        raise Fail(f"expected 5 rows of 10 probabilities summing to 1, got shape {proba.shape}")


def _public_losses(outcomes, exports):
    losses = np.asarray(value(outcomes[0], "validation_log_losses"), dtype=float)
    if losses.shape != (len(CS),) or not np.all(np.isfinite(losses)) or not np.all(losses > 0):
        raise Fail("expected one finite, positive loss per C")


def _losses_like(data, Cs):
    def verdict(outcomes, exports):
        expect_close(value(outcomes[0], "validation_log_losses"), _losses(data, tuple(Cs)),
                     "the validation losses", rtol=0, atol=1e-3)
    return verdict


def _public_choice(outcomes, exports):
    if value(outcomes[0], "choose_C") not in CS:
        raise Fail("choose_C returned a value that is not one of Cs")


def _chooses(data, Cs):
    def verdict(outcomes, exports):
        chosen = value(outcomes[0], "choose_C")
        if not isinstance(chosen, int | float) or not np.isclose(chosen, _best(data, Cs)):
            raise Fail("not the C with the smallest validation loss")
    return verdict


def _public_final(outcomes, exports):
    best_C = value(exports["best_C"], "best_C")
    accuracy = value(exports["test_accuracy"], "test_accuracy")
    if best_C not in CS or not isinstance(accuracy, int | float) or not 0 <= accuracy <= 1:
        raise Fail("best_C should be one of Cs and test_accuracy a number in [0, 1]")


def _final_C(outcomes, exports):
    if value(exports["best_C"], "best_C") != _best("digits", CS):
        raise Fail("best_C is not the validation loop's choice")


@functools.cache
def _final_accuracy():
    X_train, y_train, X_val, y_val, X_test, y_test = _digits()
    model = make_pipeline(StandardScaler(),
                          LogisticRegression(C=_best("digits", CS), max_iter=1000))
    model.fit(np.vstack([X_train, X_val]), np.concatenate([y_train, y_val]))
    return model.score(X_test, y_test)


def _final_accuracy_check(outcomes, exports):
    expect_close(value(exports["test_accuracy"], "test_accuracy"), _final_accuracy(),
                 "test_accuracy", rtol=0, atol=0.01)


def _calls(function, *extra):
    X_train, y_train, X_val, y_val, _, _ = _digits()
    return Call(function, (X_train, y_train, X_val, y_val, *extra))


def _wine_call(function, *extra):
    return Call(function, (*_wine(), *extra))


LAB = Lab(
    name="lab4_sklearn",
    title="Lab 4: the same model with scikit-learn, and a validation loop",
    minutes="60",
    notebook_seconds=180,
    cell_seconds=60,
    call_seconds=30,
    questions=[
        Question("q1_fit_and_predict_proba", "Question 1: fit_and_predict_proba", [
            Check("5 rows of 10 probabilities summing to 1", 1,
                  [Call("fit_and_predict_proba", (_digits()[0], _digits()[1],
                                                  _digits()[2][:5], 1.0))],
                  verdict=_public_proba, public=True),
            Check("the validation digits at C = 0.5, against scikit-learn", 1,
                  [Call("fit_and_predict_proba", (_digits()[0], _digits()[1], _digits()[2],
                                                  0.5))],
                  verdict=_probabilities_like(
                      lambda: [_proba(_digits()[0], _digits()[1], _digits()[2], 0.5)])),
            Check("another data set (3 classes, 13 features) at C = 10", 1,
                  [Call("fit_and_predict_proba", (_wine()[0], _wine()[1], _wine()[2], 10.0))],
                  verdict=_probabilities_like(
                      lambda: [_proba(_wine()[0], _wine()[1], _wine()[2], 10.0)])),
        ]),
        Question("q2_validation_log_losses", "Question 2: validation_log_losses", [
            Check("one finite, positive loss per C", 1,
                  [_calls("validation_log_losses", CS)], verdict=_public_losses, public=True),
            Check("the lab's grid, against scikit-learn", 1,
                  [_calls("validation_log_losses", CS)],
                  verdict=_losses_like("digits", CS)),
            Check("another data set and grid", 1,
                  [_wine_call("validation_log_losses", OTHER_CS)],
                  verdict=_losses_like("wine", OTHER_CS)),
        ]),
        Question("q3_choose_C", "Question 3: choose_C", [
            Check("returns one of the candidates", 1, [_calls("choose_C", CS)],
                  verdict=_public_choice, public=True),
            Check("the lab's grid", 1, [_calls("choose_C", CS)],
                  verdict=_chooses("digits", CS)),
            Check("another data set and grid", 1, [_wine_call("choose_C", OTHER_CS)],
                  verdict=_chooses("wine", OTHER_CS)),
        ]),
        Question("q4_final_model", "Question 4: the final model, tested once", [
            Check("best_C is one of Cs, test_accuracy in [0, 1]", 1,
                  exports=["best_C", "test_accuracy"], verdict=_public_final, public=True),
            Check("best_C is the validation loop's choice", 1, exports=["best_C"],
                  verdict=_final_C),
            Check("test_accuracy of the refitted model", 1, exports=["test_accuracy"],
                  verdict=_final_accuracy_check),
        ]),
    ],
    written=[Written("w1_validation", "why a validation set, and the test set once", 3)],
)
