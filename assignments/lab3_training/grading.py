"""Grading of lab 3 (gradient descent, mini-batch SGD, held-out evaluation on
Fashion-MNIST). Instructors only: never copied into the student release, the sandbox or
the feedback.

Expected values come from reference loops written here with ``softmax_lib``'s tested
softmax and cross-entropy, and from the test images, which the student never sees.
"""

from __future__ import annotations

import functools

import numpy as np

import softmax_lib as sl
from softmax_lib import exercises
from tools.labs.spec import (
    Call,
    Check,
    Fail,
    Lab,
    LibraryCheck,
    Question,
    Written,
    expect_close,
    hidden_rng,
    value,
)

_rng = hidden_rng(16_003)
_X = _rng.normal(size=(36, 5))
_Y = (_X[:, 0] + _X[:, 1] > 0).astype(int) + 2 * (_X[:, 2] > 0.5)
_X23 = _rng.normal(size=(23, 3))
_Y23 = _rng.integers(0, 3, size=23)


# The reference loop the course's checker compares with: one copy, in softmax_lib.
_gradient_descent = exercises.core_chapters._reference_gradient_descent


def _minibatch_sgd(X, y, n_classes, learning_rate, batch_size, n_epochs, seed):
    rng = np.random.default_rng(seed)
    W, b = np.zeros((n_classes, X.shape[1])), np.zeros(n_classes)
    epoch_losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            residual = (sl.softmax(X[rows] @ W.T + b, axis=1)
                        - np.eye(n_classes)[y[rows]]) / len(rows)
            W = W - learning_rate * residual.T @ X[rows]
            b = b - learning_rate * residual.sum(axis=0)
        epoch_losses.append(sl.cross_entropy(X @ W.T + b, y))
    return W, b, np.array(epoch_losses)


def _evaluate(W, b, X, y):
    scores = X @ W.T + b
    return sl.cross_entropy(scores, y), float(np.mean(np.argmax(scores, axis=1) == y))


def _same_fit(expected, what):
    def verdict(outcomes, exports):
        for outcome, target in zip(outcomes, expected(), strict=True):
            result = value(outcome, what)
            if not isinstance(result, tuple) or len(result) != 3:
                raise Fail(f"{what} should return a tuple of three")
            for got, want, name in zip(result, target, ("W", "b", "the losses"), strict=True):
                expect_close(got, want, name, rtol=1e-8, atol=1e-10)
    return verdict


def _same_evaluation(expected):
    def verdict(outcomes, exports):
        for outcome, (loss, accuracy) in zip(outcomes, expected(), strict=True):
            result = value(outcome, "evaluate")
            if not isinstance(result, tuple | list) or len(result) != 2:
                raise Fail("evaluate should return (loss, accuracy)")
            expect_close(result[0], loss, "the loss", rtol=1e-8)
            expect_close(result[1], accuracy, "the accuracy", rtol=1e-12)
    return verdict


def _public_evaluate(outcomes, exports):
    expect_close(value(outcomes[0], "evaluate")[0], np.log(3.0), "the loss with W = 0")
    expect_close(value(outcomes[1], "evaluate")[1], 1.0, "the accuracy of a perfect model")


@functools.cache
def _fashion():
    """The lab's training mean, its validation rows, and 2,000 test images."""
    X_all, y_all = sl.load_fashion_mnist("train")
    X_test, y_test = sl.load_fashion_mnist("test")
    pixel_mean = X_all[:5000].astype(np.float64).mean(axis=0)
    X_val = X_all[5000:6000].astype(np.float64) - pixel_mean
    X_test = X_test[:2000].astype(np.float64) - pixel_mean
    return X_val, y_all[5000:6000], X_test, y_test[:2000]


def _fashion_model(exports):
    W, b = value(exports["W_fashion"], "W_fashion"), value(exports["b_fashion"], "b_fashion")
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if W.shape != (10, 784) or b.shape != (10,):
        raise Fail(f"W_fashion and b_fashion have shapes {W.shape} and {b.shape}, "
                   "expected (10, 784) and (10,)")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
        raise Fail("W_fashion or b_fashion holds inf or nan")
    return W, b


def _public_fashion(outcomes, exports):
    W, b = _fashion_model(exports)
    X_val, y_val, _, _ = _fashion()
    accuracy = _evaluate(W, b, X_val, y_val)[1]
    if accuracy < 0.75:
        raise Fail(f"the validation accuracy of W_fashion, b_fashion is {accuracy:.3f}, "
                   "below 0.75")


def _test_accuracy(outcomes, exports):
    W, b = _fashion_model(exports)
    _, _, X_test, y_test = _fashion()
    if _evaluate(W, b, X_test, y_test)[1] < 0.78:
        raise Fail("held-out accuracy below 0.78")


def _honest_val_accuracy(outcomes, exports):
    W, b = _fashion_model(exports)
    X_val, y_val, _, _ = _fashion()
    reported = value(exports["val_accuracy"], "val_accuracy")
    expect_close(reported, _evaluate(W, b, X_val, y_val)[1], "val_accuracy", rtol=1e-9)


_X_CHECK, _Y_CHECK = np.eye(3), np.array([0, 1, 2])
_EVAL_W = _rng.normal(size=(3, 5))
_EVAL_B = _rng.normal(size=3)

LAB = Lab(
    name="lab3_training",
    title="Lab 3: training from scratch, gradient descent and mini-batch SGD",
    minutes="75",
    notebook_seconds=120,
    cell_seconds=60,
    call_seconds=20,
    questions=[
        Question("q1_gradient_descent", "Question 1: gradient_descent", [
            LibraryCheck("the course's checker (sl.exercises.check_gradient_descent)", 2,
                         checker=exercises.check_gradient_descent, function="gradient_descent",
                         reference=_gradient_descent),
            Check("4 classes, 5 features, 25 steps of 0.3, against a reference loop", 1,
                  [Call("gradient_descent", (_X.copy(), _Y.copy(), 4, 0.3, 25))],
                  verdict=_same_fit(lambda: [_gradient_descent(_X, _Y, 4, 0.3, 25)],
                                    "gradient_descent")),
            Check("a rate of 0: W and b stay 0, every loss is log K", 1,
                  [Call("gradient_descent", (_X.copy(), _Y.copy(), 5, 0.0, 3))],
                  verdict=_same_fit(lambda: [(np.zeros((5, 5)), np.zeros(5),
                                              np.full(4, np.log(5.0)))], "gradient_descent")),
        ]),
        Question("q2_minibatch_sgd", "Question 2: minibatch_sgd", [
            LibraryCheck("the course's checker (sl.exercises.check_minibatch_sgd)", 3,
                         checker=exercises.check_minibatch_sgd, function="minibatch_sgd",
                         reference=_minibatch_sgd),
            Check("23 rows in batches of 5 (a last batch of 3), 3 epochs", 1,
                  [Call("minibatch_sgd", (_X23.copy(), _Y23.copy(), 3, 0.4, 5, 3, 11))],
                  verdict=_same_fit(lambda: [_minibatch_sgd(_X23, _Y23, 3, 0.4, 5, 3, 11)],
                                    "minibatch_sgd")),
            Check("a batch larger than the data: one full step per epoch", 1,
                  [Call("minibatch_sgd", (_X.copy(), _Y.copy(), 4, 0.3, 100, 4, 2))],
                  verdict=_same_fit(lambda: [_minibatch_sgd(_X, _Y, 4, 0.3, 100, 4, 2)],
                                    "minibatch_sgd")),
        ]),
        Question("q3_evaluate", "Question 3: evaluate", [
            Check("W = 0 gives log K; a perfect model has accuracy 1", 1,
                  [Call("evaluate", (np.zeros((3, 3)), np.zeros(3), _X_CHECK, _Y_CHECK)),
                   Call("evaluate", (50 * np.eye(3), np.zeros(3), _X_CHECK, _Y_CHECK))],
                  verdict=_public_evaluate, public=True),
            Check("a random model on 36 rows", 1,
                  [Call("evaluate", (np.vstack([_EVAL_W, -_EVAL_W[:1]]),
                                     np.append(_EVAL_B, 0.0), _X.copy(), _Y.copy()))],
                  verdict=_same_evaluation(lambda: [_evaluate(
                      np.vstack([_EVAL_W, -_EVAL_W[:1]]), np.append(_EVAL_B, 0.0), _X, _Y)])),
            Check("scores near 1000 on 23 rows: a finite loss", 1,
                  [Call("evaluate", (300 * _EVAL_W[:, :3], 300 * _EVAL_B, _X23.copy(),
                                     _Y23.copy()))],
                  verdict=_same_evaluation(lambda: [_evaluate(
                      300 * _EVAL_W[:, :3], 300 * _EVAL_B, _X23, _Y23)])),
        ]),
        Question("q4_fashion_mnist", "Question 4: Fashion-MNIST, held-out evaluation", [
            Check("W_fashion (10, 784), b_fashion (10,), validation accuracy >= 0.75", 1,
                  exports=["W_fashion", "b_fashion"], verdict=_public_fashion, public=True),
            Check("accuracy on held-out test images >= 0.78", 2,
                  exports=["W_fashion", "b_fashion"], verdict=_test_accuracy),
            Check("val_accuracy is the accuracy of W_fashion, b_fashion on X_val", 1,
                  exports=["W_fashion", "b_fashion", "val_accuracy"],
                  verdict=_honest_val_accuracy),
        ]),
    ],
    written=[Written("w1_batch_size", "batches of 10, 100 and 1000 after 5 epochs", 4)],
)
