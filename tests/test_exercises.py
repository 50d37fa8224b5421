"""The exercise checkers accept a correct solution and reject each common mistake.

Every checker is run on a reference solution (which must pass) and on deliberately
broken variants, each of which must fail with a message that names the problem.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg  # noqa: F401  (sp.linalg.norm)

import softmax_lib as sl
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


def tfidf_from_counts(counts):
    counts = sp.csr_matrix(counts, dtype=np.float64)
    n_documents, n_words = counts.shape
    doc_freq = np.bincount(counts.indices, minlength=n_words)
    idf = np.log((1 + n_documents) / (1 + doc_freq)) + 1
    weighted = counts @ sp.diags(idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1 / norms) @ weighted)


def bayes_decision(proba, cost_matrix=None, reject_cost=None):
    proba = np.asarray(proba, dtype=float)
    if cost_matrix is None:
        cost_matrix = 1.0 - np.eye(proba.shape[1])
    expected = proba @ np.asarray(cost_matrix, dtype=float)
    decisions = expected.argmin(axis=1)
    if reject_cost is not None:
        decisions = np.where(expected.min(axis=1) > reject_cost, -1, decisions)
    return decisions


def adjust_priors(proba, train_priors, new_priors):
    weighted = np.asarray(proba) * (np.asarray(new_priors) / np.asarray(train_priors))
    return weighted / weighted.sum(axis=1, keepdims=True)


def estimate_priors_em(proba, train_priors, max_iter=1000, tol=1e-8):
    priors = np.asarray(train_priors, dtype=float)
    n_iterations, converged = 0, False
    while not converged and n_iterations < max_iter:
        new_estimate = adjust_priors(proba, train_priors, priors).mean(axis=0)
        converged = np.abs(new_estimate - priors).max() <= tol
        priors, n_iterations = new_estimate, n_iterations + 1
    return priors, adjust_priors(proba, train_priors, priors), n_iterations


def fit_temperature(logits, y):
    from scipy.optimize import minimize_scalar

    logits = np.asarray(logits, dtype=np.float64)
    rows = np.arange(len(y))

    def mean_cross_entropy(log_T):
        return -sl.log_softmax(logits / np.exp(log_T))[rows, y].mean()

    result = minimize_scalar(mean_cross_entropy, bounds=(-5, 5), method="bounded",
                             options={"xatol": 1e-10})
    return float(np.exp(result.x))


def softmax_bandit(arm_means, n_steps, temperature, seed):
    return _bandit(arm_means, n_steps, temperature, seed)


def _bandit(arm_means, n_steps, temperature, seed, max_shift=True, rng=None,
            choose=None, keep_last_reward=False):
    rng = np.random.default_rng(seed) if rng is None else rng
    arm_means = np.asarray(arm_means, dtype=float)
    n_arms = len(arm_means)
    estimates, pulls = np.zeros(n_arms), np.zeros(n_arms)
    actions = np.empty(n_steps, dtype=int)
    for t in range(n_steps):
        if choose is not None:
            arm = choose(estimates, temperature, rng)
        else:
            scaled = estimates / temperature
            weights = np.exp(scaled - scaled.max() if max_shift else scaled)
            arm = rng.choice(n_arms, p=weights / weights.sum())
        reward = arm_means[arm] + rng.standard_normal()
        pulls[arm] += 1
        if keep_last_reward:
            estimates[arm] = reward
        else:
            estimates[arm] += (reward - estimates[arm]) / pulls[arm]
        actions[t] = arm
    return actions


def stream_fit(path, y, chunk_rows, n_epochs, seed, C=0.1, initial_rate=0.5):
    return _stream_fit(path, y, chunk_rows, n_epochs, seed, C, initial_rate)


def _stream_fit(path, y, chunk_rows, n_epochs, seed, C=0.1, initial_rate=0.5,
                scale_C=True, last_chunk=True, mean_dtype=np.float64):
    X = np.load(path, mmap_mode="r")
    n_rows = X.shape[0]
    starts = range(0, n_rows if last_chunk else n_rows - chunk_rows + 1, chunk_rows)
    total = sum(X[start:start + chunk_rows].sum(axis=0, dtype=mean_dtype) for start in starts)
    mean = (total / n_rows).astype(X.dtype)
    model = sl.SoftmaxRegression(solver="sgd", C=C * n_rows / chunk_rows if scale_C else C,
                                 batch_size=100, random_state=seed)
    rng = np.random.RandomState(seed)
    for epoch in range(n_epochs):
        model.set_params(learning_rate=initial_rate / (1 + epoch))
        for start in np.array(starts)[rng.permutation(len(starts))]:
            rows = slice(start, start + chunk_rows)
            model.partial_fit(X[rows] - mean, y[rows], classes=np.unique(y))
    return model


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


def tfidf_without_smoothing(counts):
    counts = sp.csr_matrix(counts, dtype=np.float64)
    n_documents = counts.shape[0]
    idf = np.log(n_documents / np.bincount(counts.indices, minlength=counts.shape[1])) + 1
    weighted = counts @ sp.diags(idf)
    return sp.csr_matrix(sp.diags(1 / np.maximum(sp.linalg.norm(weighted, axis=1), 1e-300))
                         @ weighted)


def tfidf_idf_not_logged(counts):
    counts = sp.csr_matrix(counts, dtype=np.float64)
    n_documents = counts.shape[0]
    doc_freq = np.bincount(counts.indices, minlength=counts.shape[1])
    weighted = counts @ sp.diags((1 + n_documents) / (1 + doc_freq) + 1)
    norms = sp.linalg.norm(weighted, axis=1)
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1 / norms) @ weighted)


def tfidf_l1_rows(counts):
    weighted = tfidf_from_counts(counts)
    sums = np.asarray(abs(weighted).sum(axis=1)).ravel()
    sums[sums == 0] = 1.0
    return sp.csr_matrix(sp.diags(1 / sums) @ weighted)


def tfidf_empty_rows_nan(counts):
    counts = sp.csr_matrix(counts, dtype=np.float64).toarray()
    n_documents = counts.shape[0]
    doc_freq = np.count_nonzero(counts, axis=0)
    weighted = counts * (np.log((1 + n_documents) / (1 + doc_freq)) + 1)
    return sp.csr_matrix(weighted / np.linalg.norm(weighted, axis=1, keepdims=True))


def tfidf_in_place(counts):
    counts = sp.csr_matrix(counts, dtype=np.float64)  # no copy of a float64 CSR matrix
    n_documents, n_words = counts.shape
    doc_freq = np.bincount(counts.indices, minlength=n_words)
    counts.data *= (np.log((1 + n_documents) / (1 + doc_freq)) + 1)[counts.indices]
    norms = sp.linalg.norm(counts, axis=1)
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1 / norms) @ counts)


def bayes_argmax_of_costs(proba, cost_matrix=None, reject_cost=None):
    proba = np.asarray(proba, dtype=float)
    if cost_matrix is None:
        return bayes_decision(proba, None, reject_cost)
    return np.argmax(proba @ np.asarray(cost_matrix), axis=1)


def bayes_transposed_costs(proba, cost_matrix=None, reject_cost=None):
    if cost_matrix is None:
        return bayes_decision(proba, None, reject_cost)
    return bayes_decision(proba, np.asarray(cost_matrix).T, reject_cost)


def bayes_reject_at_equality(proba, cost_matrix=None, reject_cost=None):
    decisions = bayes_decision(proba, cost_matrix)
    if reject_cost is None:
        return decisions
    costs = np.asarray(proba) @ (1.0 - np.eye(np.shape(proba)[1]) if cost_matrix is None
                                 else np.asarray(cost_matrix))
    return np.where(costs.min(axis=1) >= reject_cost, -1, decisions)


def adjust_priors_upside_down(proba, train_priors, new_priors):
    return adjust_priors(proba, new_priors, train_priors)


def adjust_priors_not_normalised(proba, train_priors, new_priors):
    return np.asarray(proba) * (np.asarray(new_priors) / np.asarray(train_priors))


def em_one_step(proba, train_priors, max_iter=1000, tol=1e-8):
    priors = np.asarray(proba).mean(axis=0)
    return priors, adjust_priors(proba, train_priors, priors)


def em_compounding(proba, train_priors, max_iter=1000, tol=1e-8):
    # Adjusts the already adjusted probabilities again at every step.
    priors, adjusted = np.asarray(train_priors, dtype=float), np.asarray(proba)
    for _ in range(max_iter):
        adjusted = adjust_priors(adjusted, train_priors, priors)
        new_estimate = adjusted.mean(axis=0)
        if np.abs(new_estimate - priors).max() <= tol:
            break
        priors = new_estimate
    return new_estimate, adjusted


def temperature_inverse(logits, y):
    return 1.0 / fit_temperature(logits, y)


def temperature_log(logits, y):
    return float(np.log(fit_temperature(logits, y)))


def temperature_log_of_softmax(logits, y):
    from scipy.optimize import minimize_scalar

    logits, rows = np.asarray(logits, dtype=np.float64), np.arange(len(y))

    def mean_cross_entropy(log_T):
        e = np.exp(logits / np.exp(log_T))
        return -np.log(e / e.sum(axis=1, keepdims=True))[rows, y].mean()

    return float(np.exp(minimize_scalar(mean_cross_entropy, bounds=(-5, 5),
                                        method="bounded").x))


def bandit_never_exploring(arm_means, n_steps, temperature, seed):
    return _bandit(arm_means, n_steps, temperature, seed,
                   choose=lambda estimates, T, rng: int(np.argmax(estimates)))


def bandit_without_max_shift(arm_means, n_steps, temperature, seed):
    return _bandit(arm_means, n_steps, temperature, seed, max_shift=False)


def bandit_with_the_global_generator(arm_means, n_steps, temperature, seed):
    return _bandit(arm_means, n_steps, temperature, seed, rng=np.random.default_rng())


def bandit_multiplying_by_t(arm_means, n_steps, temperature, seed):
    return _bandit(arm_means, n_steps, 1.0 / temperature, seed)


def bandit_keeping_the_last_reward(arm_means, n_steps, temperature, seed):
    return _bandit(arm_means, n_steps, temperature, seed, keep_last_reward=True)


def stream_fit_with_float32_mean(path, y, chunk_rows, n_epochs, seed):
    # Not a mistake: a mean summed in float32 changes the coefficients by rounding only.
    return _stream_fit(path, y, chunk_rows, n_epochs, seed, mean_dtype=np.float32)


def stream_fit_without_scaling_C(path, y, chunk_rows, n_epochs, seed):
    return _stream_fit(path, y, chunk_rows, n_epochs, seed, scale_C=False)


def stream_fit_dropping_the_last_chunk(path, y, chunk_rows, n_epochs, seed):
    return _stream_fit(path, y, chunk_rows, n_epochs, seed, last_chunk=False)


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
    (exercises.check_tfidf_from_counts, tfidf_from_counts),
    (exercises.check_bayes_decision, bayes_decision),
    (exercises.check_bayes_decision, sl.bayes_decision),
    (exercises.check_adjust_priors, adjust_priors),
    (exercises.check_adjust_priors, sl.adjust_priors),
    (exercises.check_estimate_priors_em, estimate_priors_em),
    (exercises.check_estimate_priors_em, sl.estimate_priors_em),
    (exercises.check_fit_temperature, fit_temperature),
    (exercises.check_fit_temperature, sl.fit_temperature),
    (exercises.check_softmax_bandit, softmax_bandit),
    (exercises.check_stream_fit, stream_fit),
    (exercises.check_stream_fit, stream_fit_with_float32_mean),
]


def _solution_id(solution):
    library = solution.__module__.startswith("softmax_lib")
    return f"sl.{solution.__name__}" if library else solution.__name__


@pytest.mark.parametrize("checker, solution", CORRECT,
                         ids=[f"{c.__name__}-{_solution_id(s)}" for c, s in CORRECT])
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
    (exercises.check_tfidf_from_counts, tfidf_without_smoothing, "not smoothed"),
    (exercises.check_tfidf_from_counts, tfidf_idf_not_logged, "not logged"),
    (exercises.check_tfidf_from_counts, tfidf_l1_rows, "Euclidean length"),
    (exercises.check_tfidf_from_counts, tfidf_empty_rows_nan, "without any word became"),
    (exercises.check_tfidf_from_counts, tfidf_in_place, "changed its input"),
    (exercises.check_bayes_decision, bayes_argmax_of_costs, "largest.*argmin"),
    (exercises.check_bayes_decision, bayes_transposed_costs, "transposed"),
    (exercises.check_bayes_decision, bayes_reject_at_equality, "exceeds"),
    (exercises.check_adjust_priors, adjust_priors_upside_down, "upside down"),
    (exercises.check_adjust_priors, adjust_priors_not_normalised, "sum to 1"),
    (exercises.check_estimate_priors_em, em_one_step, "one M step"),
    (exercises.check_estimate_priors_em, em_compounding, "EM estimates"),
    (exercises.check_fit_temperature, temperature_inverse, "1 / T"),
    (exercises.check_fit_temperature, temperature_log, "log T"),
    (exercises.check_fit_temperature, temperature_log_of_softmax, "overflow"),
    (exercises.check_softmax_bandit, bandit_never_exploring, "equally likely"),
    (exercises.check_softmax_bandit, bandit_without_max_shift, "max-shift"),
    (exercises.check_softmax_bandit, bandit_with_the_global_generator, "seed 3"),
    (exercises.check_softmax_bandit, bandit_multiplying_by_t, "equally likely"),
    (exercises.check_softmax_bandit, bandit_keeping_the_last_reward, "standard errors apart"),
    (exercises.check_stream_fit, stream_fit_without_scaling_C, "C is not scaled"),
    (exercises.check_stream_fit, stream_fit_dropping_the_last_chunk, "last chunk has only 50"),
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


def test_the_chi_square_quantile_of_the_bandit_check():
    from scipy.stats import chi2

    assert np.isclose(exercises.practice_chapters._CHI2_3_999, chi2.ppf(0.999, 3), rtol=1e-12)
