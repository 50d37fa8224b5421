r"""The regularised multinomial objective that :class:`SoftmaxRegression` minimises.

With weight matrix :math:`W` of shape (n_classes, n_features), intercepts :math:`b`
and normalised sample weights :math:`\omega_i = w_i / \sum_j w_j`,

.. math::

    f(W, b) = \sum_i \omega_i \bigl(\operatorname{logsumexp}(z_i) - z_{i, y_i}\bigr)
              + \frac{\alpha}{2} \lVert W \rVert_F^2,
    \qquad z_i = W x_i + b, \qquad \alpha = \frac{1}{C \sum_j w_j},

which is exactly scikit-learn's ``LogisticRegression(C=C)`` objective. Its gradient is

.. math::

    \nabla_W f = G^\top X + \alpha W, \qquad \nabla_b f = G^\top \mathbf{1},
    \qquad G_{ik} = \omega_i \bigl(p_{ik} - [y_i = k]\bigr).

:func:`loss_and_gradient` computes both in one pass over ``X``: one matrix product
for the logits, the softmax in place, and one matrix product for the gradient. It
never builds a one-hot matrix: subtracting 1 at ``(i, y_i)`` is enough.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["loss_and_gradient"]


def loss_and_gradient(
    W: NDArray[np.float64],
    b: NDArray[np.float64],
    X: NDArray[np.floating],
    labels: NDArray[np.intp],
    weights: NDArray[np.float64],
    alpha: float,
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    r"""Objective value and gradient of the regularised multinomial loss.

    Parameters
    ----------
    W : ndarray of shape (n_classes, n_features)
        Weights.
    b : ndarray of shape (n_classes,)
        Intercepts.
    X : ndarray of shape (n_samples, n_features)
        Inputs (float32 or float64).
    labels : ndarray of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    weights : ndarray of shape (n_samples,)
        :math:`\omega_i`; they multiply each sample's loss (usually summing to 1).
    alpha : float
        L2 strength :math:`\alpha \ge 0` on ``W`` (``b`` is not penalised).

    Returns
    -------
    loss : float
        :math:`f(W, b)`.
    grad_W : ndarray of shape (n_classes, n_features)
    grad_b : ndarray of shape (n_classes,)
    """
    n_samples = X.shape[0]
    rows = np.arange(n_samples)
    logits = X @ W.T.astype(X.dtype, copy=False)
    logits += b.astype(X.dtype, copy=False)
    # Accumulate in float64 even for float32 X, so the loss keeps its digits.
    logits = logits.astype(np.float64, copy=False)
    true_class_logit = logits[rows, labels]
    row_max = logits.max(axis=1)
    logits -= row_max[:, None]
    np.exp(logits, out=logits)
    row_sum = logits.sum(axis=1)
    per_sample = np.log(row_sum) + row_max - true_class_logit
    loss = float(weights @ per_sample) + 0.5 * alpha * float(np.vdot(W, W))

    # logits now holds exp(z - max); turn it into G = weights * (p - onehot) in place.
    logits *= (weights / row_sum)[:, None]
    logits[rows, labels] -= weights
    grad_W = (logits.T.astype(X.dtype, copy=False) @ X).astype(np.float64, copy=False)
    grad_W += alpha * W
    grad_b = logits.sum(axis=0)
    return loss, grad_W, grad_b
