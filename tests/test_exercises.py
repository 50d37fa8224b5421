"""The exercise checkers accept a correct solution and reject each common mistake.

Every checker is run on a reference solution (which must pass) and on deliberately
broken variants, each of which must fail with a message that names the problem.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from softmax_lib import exercises
from softmax_lib.exercises import ExerciseCheckError

torch = pytest.importorskip("torch")


# --- reference solutions (what the chapters' worked solutions do) ------------------------

def stable_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    exp_shifted = np.exp(shifted)
    return exp_shifted / exp_shifted.sum(axis=-1, keepdims=True)


def stable_log_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy_from_logits(logits, y):
    return -np.mean(stable_log_softmax(logits)[np.arange(len(y)), y])


def loss_and_gradient(W, b, X, y):
    scores = X @ W.T + b
    residual = stable_softmax(scores)
    residual[np.arange(len(y)), y] -= 1.0
    residual /= len(y)
    return cross_entropy_from_logits(scores, y), residual.T @ X, residual.sum(axis=0)


def gradient_descent(X, y, n_classes, learning_rate, n_steps):
    W, b = np.zeros((n_classes, X.shape[1])), np.zeros(n_classes)
    losses = []
    for _ in range(n_steps):
        loss, grad_W, grad_b = loss_and_gradient(W, b, X, y)
        losses.append(loss)
        W, b = W - learning_rate * grad_W, b - learning_rate * grad_b
    losses.append(loss_and_gradient(W, b, X, y)[0])
    return W, b, np.array(losses)


def minibatch_sgd(X, y, n_classes, learning_rate, batch_size, n_epochs, seed):
    rng = np.random.default_rng(seed)
    W, b = np.zeros((n_classes, X.shape[1])), np.zeros(n_classes)
    epoch_losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            _, grad_W, grad_b = loss_and_gradient(W, b, X[rows], y[rows])
            W, b = W - learning_rate * grad_W, b - learning_rate * grad_b
        epoch_losses.append(loss_and_gradient(W, b, X, y)[0])
    return W, b, np.array(epoch_losses)


def _mean_loss(model, loss_fn, loader, optimizer=None):
    total, count = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
    return total / count


def train_with_early_stopping(model, loss_fn, optimizer, train_loader, val_loader,
                              max_epochs, patience):
    history = {"train_loss": [], "val_loss": []}
    best_loss, best_state, epochs_without_progress = float("inf"), None, 0
    for _ in range(max_epochs):
        model.train()
        history["train_loss"].append(_mean_loss(model, loss_fn, train_loader, optimizer))
        model.eval()
        with torch.inference_mode():
            val_loss = _mean_loss(model, loss_fn, val_loader)
        history["val_loss"].append(val_loss)
        if val_loss < best_loss:
            best_loss, best_state = val_loss, copy.deepcopy(model.state_dict())
            epochs_without_progress = 0
        else:
            epochs_without_progress += 1
            if epochs_without_progress >= patience:
                break
    model.load_state_dict(best_state)
    return history


# --- broken variants ----------------------------------------------------------------------


def reliability_table(proba, y, n_bins):
    return _reliability_table(proba, y, n_bins, right=True, empty=np.nan)


def _reliability_table(proba, y, n_bins, right, empty, confidence=None):
    proba, y = np.asarray(proba, dtype=float), np.asarray(y)
    confidence = proba.max(axis=1) if confidence is None else confidence
    correct = proba.argmax(axis=1) == y
    inner_edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    bin_index = np.digitize(confidence, inner_edges, right=right)
    counts = np.bincount(bin_index, minlength=n_bins)
    filled = counts > 0
    mean_confidence, accuracy = np.full(n_bins, empty), np.full(n_bins, empty)
    mean_confidence[filled] = (np.bincount(bin_index, weights=confidence, minlength=n_bins)
                               [filled] / counts[filled])
    accuracy[filled] = (np.bincount(bin_index, weights=correct, minlength=n_bins)[filled]
                        / counts[filled])
    return counts, mean_confidence, accuracy


def expected_calibration_error(proba, y, n_bins):
    counts, mean_confidence, accuracy = reliability_table(proba, y, n_bins)
    filled = counts > 0
    gaps = np.abs(accuracy[filled] - mean_confidence[filled])
    return float(np.sum(counts[filled] / counts.sum() * gaps))


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_over_first_axis(z):
    s = z - z.max(axis=0, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=0, keepdims=True)


def softmax_in_place(z):
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def log_of_stable_softmax(z):
    with np.errstate(divide="ignore"):
        return np.log(stable_softmax(z))


def summed_cross_entropy(logits, y):
    return -np.sum(stable_log_softmax(logits)[np.arange(len(y)), y])


def naive_cross_entropy(logits, y):
    return -np.mean(np.log(naive_softmax(logits)[np.arange(len(y)), y]))


def gradient_without_mean(W, b, X, y):
    loss, grad_W, grad_b = loss_and_gradient(W, b, X, y)
    return loss, grad_W * len(y), grad_b


def gradient_with_wrong_sign_of_b(W, b, X, y):
    loss, grad_W, grad_b = loss_and_gradient(W, b, X, y)
    return loss, grad_W, -grad_b


def gradient_descent_without_first_loss(X, y, n_classes, learning_rate, n_steps):
    W, b, losses = gradient_descent(X, y, n_classes, learning_rate, n_steps)
    return W, b, losses[1:]


def gradient_descent_guessing_classes(X, y, n_classes, learning_rate, n_steps):
    return gradient_descent(X, y, int(y.max()) + 1, learning_rate, n_steps)


def sgd_dropping_last_batch(X, y, n_classes, learning_rate, batch_size, n_epochs, seed):
    rng = np.random.default_rng(seed)
    W, b, out = np.zeros((n_classes, X.shape[1])), np.zeros(n_classes), []
    for _ in range(n_epochs):
        order = rng.permutation(len(X))
        for s in range(0, len(X) - batch_size + 1, batch_size):
            rows = order[s:s + batch_size]
            _, gW, gb = loss_and_gradient(W, b, X[rows], y[rows])
            W, b = W - learning_rate * gW, b - learning_rate * gb
        out.append(loss_and_gradient(W, b, X, y)[0])
    return W, b, np.array(out)


def sgd_one_order(X, y, n_classes, learning_rate, batch_size, n_epochs, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    W, b, out = np.zeros((n_classes, X.shape[1])), np.zeros(n_classes), []
    for _ in range(n_epochs):
        for s in range(0, len(X), batch_size):
            rows = order[s:s + batch_size]
            _, gW, gb = loss_and_gradient(W, b, X[rows], y[rows])
            W, b = W - learning_rate * gW, b - learning_rate * gb
        out.append(loss_and_gradient(W, b, X, y)[0])
    return W, b, np.array(out)


def sgd_ignoring_seed(X, y, n_classes, learning_rate, batch_size, n_epochs, seed):
    return minibatch_sgd(X, y, n_classes, learning_rate, batch_size, n_epochs, 0)


def early_stopping_without_copy(model, loss_fn, optimizer, train_loader, val_loader,
                                max_epochs, patience):
    # The classic bug: state_dict() holds references to tensors that keep changing.
    original_deepcopy = copy.deepcopy
    try:
        copy.deepcopy = lambda state: state
        return train_with_early_stopping(model, loss_fn, optimizer, train_loader, val_loader,
                                         max_epochs, patience)
    finally:
        copy.deepcopy = original_deepcopy


def early_stopping_without_eval_mode(model, loss_fn, optimizer, train_loader, val_loader,
                                     max_epochs, patience):
    model.eval = lambda: model  # validation then runs in training mode
    return train_with_early_stopping(model, loss_fn, optimizer, train_loader, val_loader,
                                     max_epochs, patience)


def early_stopping_never(model, loss_fn, optimizer, train_loader, val_loader,
                         max_epochs, patience):
    return train_with_early_stopping(model, loss_fn, optimizer, train_loader, val_loader,
                                     max_epochs, max_epochs + 1)


def reliability_table_left_closed(proba, y, n_bins):
    return _reliability_table(proba, y, n_bins, right=False, empty=np.nan)


def reliability_table_zero_in_empty_bins(proba, y, n_bins):
    return _reliability_table(proba, y, n_bins, right=True, empty=0.0)


def reliability_table_of_the_true_class(proba, y, n_bins):
    proba = np.asarray(proba, dtype=float)
    return _reliability_table(proba, y, n_bins, right=True, empty=np.nan,
                              confidence=proba[np.arange(len(y)), y])


def ece_unweighted(proba, y, n_bins):
    counts, mean_confidence, accuracy = reliability_table(proba, y, n_bins)
    filled = counts > 0
    return float(np.mean(np.abs(accuracy[filled] - mean_confidence[filled])))


# --- the tests ----------------------------------------------------------------------------

CORRECT = [
    (exercises.check_stable_softmax, stable_softmax),
    (exercises.check_stable_log_softmax, stable_log_softmax),
    (exercises.check_cross_entropy_from_logits, cross_entropy_from_logits),
    (exercises.check_loss_and_gradient, loss_and_gradient),
    (exercises.check_gradient_descent, gradient_descent),
    (exercises.check_minibatch_sgd, minibatch_sgd),
    (exercises.check_reliability_table, reliability_table),
    (exercises.check_expected_calibration_error, expected_calibration_error),
    (exercises.check_train_with_early_stopping, train_with_early_stopping),
]


@pytest.mark.parametrize("checker, solution", CORRECT, ids=lambda f: f.__name__)
def test_a_correct_solution_passes(checker, solution, capsys):
    checker(solution)
    assert capsys.readouterr().out.strip().endswith("checks passed")


BROKEN = [
    (exercises.check_stable_softmax, naive_softmax, "inf|overflow"),
    (exercises.check_stable_softmax, softmax_over_first_axis, "table"),
    (exercises.check_stable_softmax, softmax_in_place, "changed its input"),
    (exercises.check_stable_log_softmax, log_of_stable_softmax, "inf"),
    (exercises.check_cross_entropy_from_logits, summed_cross_entropy, "divide by n"),
    (exercises.check_cross_entropy_from_logits, naive_cross_entropy, "1000"),
    (exercises.check_loss_and_gradient, gradient_without_mean, "grad_W"),
    (exercises.check_loss_and_gradient, gradient_with_wrong_sign_of_b, "grad_b"),
    (exercises.check_gradient_descent, gradient_descent_without_first_loss, "losses"),
    (exercises.check_gradient_descent, gradient_descent_guessing_classes, "4 rows"),
    (exercises.check_minibatch_sgd, sgd_dropping_last_batch, "last, smaller batch"),
    (exercises.check_minibatch_sgd, sgd_one_order, "same order"),
    (exercises.check_minibatch_sgd, sgd_ignoring_seed, "another seed"),
    (exercises.check_reliability_table, reliability_table_left_closed, "counts"),
    (exercises.check_reliability_table, reliability_table_zero_in_empty_bins, "np.nan"),
    (exercises.check_reliability_table, reliability_table_of_the_true_class, "true class"),
    (exercises.check_expected_calibration_error, ece_unweighted, "plain mean"),
    (exercises.check_train_with_early_stopping, early_stopping_without_copy, "deepcopy"),
    (exercises.check_train_with_early_stopping, early_stopping_without_eval_mode, "eval"),
    (exercises.check_train_with_early_stopping, early_stopping_never, "stop after 4"),
]


@pytest.mark.parametrize("checker, broken, message", BROKEN,
                         ids=[b.__name__ for _, b, _ in BROKEN])
def test_a_common_mistake_fails_with_a_message_that_names_it(checker, broken, message):
    with pytest.raises(ExerciseCheckError, match=message):
        checker(broken)


def test_an_error_inside_the_learners_code_is_reported_as_a_failed_check():
    def not_done(z):
        raise NotImplementedError("write this function")

    with pytest.raises(ExerciseCheckError, match="raised NotImplementedError: write this"):
        exercises.check_stable_softmax(not_done)


def test_importing_the_checkers_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, softmax_lib as sl; sl.exercises; "
            "assert 'torch' not in sys.modules and 'sklearn' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
