"""Grading of lab 2 (loss and gradient, finite differences, softmax Jacobian).
Instructors only: never copied into the student release, the sandbox or the feedback.

Expected values come from closed forms evaluated with ``softmax_lib``'s tested softmax,
never from the code under test.
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

_rng = hidden_rng(16_002)
_X = _rng.normal(size=(40, 6))
_Y = _rng.integers(0, 4, size=40)
_W = _rng.normal(size=(4, 6))
_B = _rng.normal(size=4)
_X1 = _rng.normal(size=(1, 3)).astype(np.float32)
_W1 = _rng.normal(size=(5, 3)).astype(np.float32)
_B1 = np.zeros(5, dtype=np.float32)
_LOGITS = _rng.normal(size=(5, 3))
_LABELS = np.array([0, 2, 1, 1, 0])
_CUBE = _rng.normal(size=(2, 3, 2))
_POINT = np.array([0.5, -1.0, 2.0])
_Z6 = _rng.normal(scale=5.0, size=6)
_EXTREME = np.array([1000.0, 999.0, -1000.0, 0.0])


def _reference(W, b, X, y):
    W, b, X = (np.asarray(a, dtype=float) for a in (W, b, X))
    scores = X @ W.T + b
    residual = (sl.softmax(scores, axis=1) - np.eye(W.shape[0])[y]) / len(y)
    return sl.cross_entropy(scores, y), residual.T @ X, residual.sum(axis=0)


def _jacobian(z):
    p = sl.softmax(np.asarray(z, dtype=float))
    return np.diag(p) - np.outer(p, p)


def _same_fit(expected):
    def verdict(outcomes, exports):
        for outcome, (loss, grad_W, grad_b) in zip(outcomes, expected(), strict=True):
            result = value(outcome, "loss_and_gradient")
            if not isinstance(result, tuple) or len(result) != 3:
                raise Fail("loss_and_gradient should return a tuple (loss, grad_W, grad_b)")
            expect_close(result[0], loss, "the loss", rtol=1e-5)
            expect_close(result[1], grad_W, "grad_W", rtol=1e-5, atol=1e-7)
            expect_close(result[2], grad_b, "grad_b", rtol=1e-5, atol=1e-7)
    return verdict


def _close_to(expected, what, rtol=1e-7, atol=1e-10):
    def verdict(outcomes, exports):
        for outcome, target in zip(outcomes, expected(), strict=True):
            expect_close(value(outcome, what), target, what, rtol=rtol, atol=atol)
    return verdict


def _public_numerical(outcomes, exports):
    expect_close(value(outcomes[0], "numerical_gradient"), [0.6, 0.8],
                 "the gradient of the norm at (3, 4)", atol=1e-7)
    expect_close(value(outcomes[1], "numerical_gradient"), sl.softmax([1.0, 2.0, 3.0]),
                 "the gradient of log-sum-exp", atol=1e-7)


def _public_jacobian(outcomes, exports):
    J = np.asarray(value(outcomes[0], "softmax_jacobian"), dtype=float)
    if J.shape != (3, 3) or not np.allclose(J, J.T) or not np.allclose(J.sum(axis=1), 0):
        raise Fail("the Jacobian at (1, 2, 3) should be a symmetric 3 x 3 matrix whose rows "
                   "sum to 0")


_CROSS_ENTROPY = functools.partial(sl.cross_entropy, y=_LABELS)

LAB = Lab(
    name="lab2_gradient",
    title="Lab 2: the gradient, derived and checked by finite differences",
    minutes="60",
    notebook_seconds=60,
    questions=[
        Question("q1_loss_and_gradient", "Question 1: loss_and_gradient", [
            LibraryCheck("the course's checker (sl.exercises.check_loss_and_gradient)", 2,
                         checker=exercises.check_loss_and_gradient,
                         function="loss_and_gradient", reference=_reference),
            Check("40 samples, 6 features, 4 classes, against the closed form", 1,
                  [Call("loss_and_gradient", (_W.copy(), _B.copy(), _X.copy(), _Y.copy()),
                        strict=True)],
                  verdict=_same_fit(lambda: [_reference(_W, _B, _X, _Y)])),
            Check("one float32 sample, 5 classes of which 4 absent", 1,
                  [Call("loss_and_gradient", (_W1.copy(), _B1.copy(), _X1.copy(),
                                              np.array([3])))],
                  verdict=_same_fit(lambda: [_reference(_W1, _B1, _X1, np.array([3]))])),
        ]),
        Question("q2_numerical_gradient", "Question 2: numerical_gradient", [
            Check("the norm at (3, 4) and log-sum-exp at (1, 2, 3)", 2,
                  [Call("numerical_gradient", (np.linalg.norm, np.array([3.0, 4.0]))),
                   Call("numerical_gradient", (sl.logsumexp, np.array([1.0, 2.0, 3.0])))],
                  verdict=_public_numerical, public=True),
            Check("cross-entropy as a function of a (5, 3) table of logits", 1,
                  [Call("numerical_gradient", (_CROSS_ENTROPY, _LOGITS.copy()))],
                  verdict=_close_to(lambda: [(sl.softmax(_LOGITS, axis=1)
                                              - np.eye(3)[_LABELS]) / 5],
                                    "the gradient", rtol=1e-5, atol=1e-7)),
            Check("the norm of a (2, 3, 2) array: shape kept", 1,
                  [Call("numerical_gradient", (np.linalg.norm, _CUBE.copy()))],
                  verdict=_close_to(lambda: [_CUBE / np.linalg.norm(_CUBE)], "the gradient",
                                    rtol=1e-5, atol=1e-7)),
            Check("the step eps is used, with central differences", 1,
                  [Call("numerical_gradient", (np.linalg.norm, _POINT.copy(), 0.5))],
                  verdict=_close_to(
                      lambda: [sl.numerical_gradient(np.linalg.norm, _POINT, eps=0.5)],
                      "the gradient with eps = 0.5", rtol=1e-9)),
        ]),
        Question("q3_softmax_jacobian", "Question 3: softmax_jacobian", [
            Check("symmetric, rows summing to 0, at (1, 2, 3)", 1,
                  [Call("softmax_jacobian", (np.array([1.0, 2.0, 3.0]),))],
                  verdict=_public_jacobian, public=True),
            Check("six scores of spread 5, against diag(p) - p p^T", 1,
                  [Call("softmax_jacobian", (_Z6.copy(),))],
                  verdict=_close_to(lambda: [_jacobian(_Z6)], "the Jacobian", atol=1e-12)),
            Check("scores of +-1000: finite", 1,
                  [Call("softmax_jacobian", (_EXTREME.copy(),), strict=True)],
                  verdict=_close_to(lambda: [_jacobian(_EXTREME)], "the Jacobian",
                                    atol=1e-12)),
        ]),
    ],
    written=[Written("w1_bias_gradient", "the gradient with respect to b", 3),
             Written("w2_step_size", "the error of finite differences against the step", 3)],
)
