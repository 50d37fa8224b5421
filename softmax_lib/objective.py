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

:class:`MultinomialObjective` computes both in **one pass over** ``X``. It walks over
blocks of rows small enough to stay in the CPU cache; for each block it computes the
logits (one matrix product), the softmax and the loss, turns the probabilities into
:math:`G` in place, and adds :math:`G^\top X_{\text{block}}` to the gradient (a second
product that reads the same, still cached, rows). For a ``scipy.sparse`` ``X`` (CSR or
CSC) the two products are sparse-times-dense products that touch only the stored
entries; ``X`` is never densified, and the blocks only bound the size of the
(n_classes, block) buffers. The logits are laid out as
(n_classes, block) so that every reduction over classes runs along contiguous memory;
buffers are allocated once per fit; no one-hot matrix is ever built (subtracting
:math:`\omega_i` at :math:`(y_i, i)` is enough). For float32 inputs the matrix
products run in float32, but the softmax, the loss and the gradient are accumulated in
float64, so the objective keeps its digits.

Second-order solvers also need the Hessian applied to a direction :math:`(V, c)`, with
:math:`V` of shape (n_classes, n_features) and :math:`c` of shape (n_classes,):

.. math::

    U = X V^\top + \mathbf{1} c^\top, \qquad
    R_{ik} = \omega_i \, p_{ik} \Bigl(U_{ik} - \sum_l p_{il} U_{il}\Bigr), \qquad
    H \cdot (V, c) = \bigl(R^\top X + \alpha V, \; R^\top \mathbf{1}\bigr),

because the Hessian of :math:`\operatorname{logsumexp}` at :math:`z_i` is
:math:`\operatorname{diag}(p_i) - p_i p_i^\top`. With ``keep_probabilities=True`` a call
stores :math:`P` (one (n_classes, n_samples) float64 array), and
:meth:`MultinomialObjective.hessian_product` then costs two products with ``X`` in one
blocked pass, like the gradient, and no softmax.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["MultinomialObjective", "loss_and_gradient"]

# Rows per block: aim for about this many bytes of X, so a block read by the first
# matrix product is still in the (shared, last-level) cache for the second.
_BLOCK_BYTES = 1 << 22
# Sparse X: blocks only bound the (n_classes, rows) float64 buffers, to about this size.
_SPARSE_BLOCK_BYTES = 1 << 25


class MultinomialObjective:
    r"""The objective :math:`f(W, b)` and its gradient on one data set, with reusable buffers.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix/array of shape (n_samples, n_features)
        Inputs, float32 or float64 (dense: C-contiguous is fastest; sparse: CSR or CSC,
        a CSC matrix split into several blocks is converted to CSR once).
    labels : ndarray of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    n_classes : int
        Number of classes K.
    weights : ndarray of shape (n_samples,)
        :math:`\omega_i`, multiplying each sample's loss (usually summing to 1).
    alpha : float
        L2 strength :math:`\alpha \ge 0` on ``W`` (``b`` is not penalised).
    block_rows : int, optional
        Rows per block; by default about 4 MiB of dense ``X``, or 32 MiB of the
        (n_classes, rows) buffers for sparse ``X``.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0]]); labels = np.array([0, 1])
    >>> objective = MultinomialObjective(X, labels, 2, np.full(2, 0.5), alpha=0.0)
    >>> loss, grad_W, grad_b = objective(np.zeros((2, 1)), np.zeros(2))
    >>> round(loss, 6)  # log 2 at zero weights
    0.693147
    """

    def __init__(
        self,
        X: NDArray[np.floating],
        labels: NDArray[np.intp],
        n_classes: int,
        weights: NDArray[np.float64],
        alpha: float,
        block_rows: int | None = None,
    ) -> None:
        self._sparse = _is_sparse(X)
        self.n_classes = n_classes
        self.weights = np.asarray(weights, dtype=np.float64)
        self.alpha = float(alpha)
        n_samples, n_features = X.shape
        if block_rows is None and self._sparse:
            block_rows = _SPARSE_BLOCK_BYTES // (8 * n_classes)
        elif block_rows is None:
            block_rows = _BLOCK_BYTES // max(1, n_features * X.dtype.itemsize)
        block_rows = max(1, min(n_samples, block_rows))
        if self._sparse and block_rows < n_samples and X.format != "csr":
            X = X.tocsr()  # row blocks of CSC would be slow to slice
        self.X = X
        # Per block: its row range and the flat positions of (y_i, i) in a (K, rows) array.
        self._blocks = [
            (start, stop, labels[start:stop] * (stop - start) + np.arange(stop - start))
            for start in range(0, n_samples, block_rows)
            for stop in [min(start + block_rows, n_samples)]
        ]
        self._logits = np.empty(n_classes * block_rows, dtype=X.dtype)
        # float64 works in the logits buffer itself; float32 needs a float64 twin.
        self._separate_work = X.dtype != np.float64
        self._work = np.empty(n_classes * block_rows) if self._separate_work else self._logits
        self._product = None if self._sparse else np.empty((n_classes, n_features), dtype=X.dtype)
        self._probabilities: NDArray[np.float64] | None = None  # (K, n), see keep_probabilities
        self._kept_valid = False  # whether _probabilities belong to the last evaluated point

    def _block_product(self, M_x: NDArray, X_block, rows: int) -> NDArray[np.float64]:
        """``M X_block^T`` as a float64 (K, rows) view of the work buffer.

        ``M_x`` (K, d) is in the dtype of ``X``; the product runs in that dtype, and a
        float32 product is copied into the float64 twin of the buffer.
        """
        K = self.n_classes
        work = self._work[: K * rows].reshape(K, rows)
        if self._sparse:  # (K, rows) = (X_block M^T)^T: sparse times dense
            np.copyto(work, (X_block @ M_x.T).T)
        elif self._separate_work:
            # float32: OpenBLAS's sgemm is about twice as fast writing (rows, K) as (K, rows)
            # (measured 11 ms against 22 ms per pass over 60000 x 784; float64 shows no
            # difference), and the float64 twin needs a copy anyway: make it transposing.
            product = self._logits[: K * rows].reshape(rows, K)
            np.matmul(X_block, M_x.T, out=product)
            np.copyto(work, product.T)
        else:  # work is the logits buffer itself
            np.matmul(M_x, X_block.T, out=work)
        return work

    def _add_block_transpose_product(self, work: NDArray[np.float64], X_block, rows: int,
                                     into: NDArray[np.float64]) -> None:
        """Add ``work X_block`` (K, d) to ``into``, multiplying in the dtype of ``X``."""
        product = self._logits[: self.n_classes * rows].reshape(self.n_classes, rows)
        if self._separate_work:
            np.copyto(product, work)
        if self._sparse:  # work X_block = (X_block^T work^T)^T, again sparse times dense
            into += (X_block.T @ product.T).T
        else:
            into += np.matmul(product, X_block, out=self._product)

    def __call__(
        self, W: NDArray[np.float64], b: NDArray[np.float64], *, keep_probabilities: bool = False
    ) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """Return ``(loss, grad_W, grad_b)`` at weights ``W`` (K, d) and intercepts ``b`` (K,).

        With ``keep_probabilities=True`` the probabilities :math:`P` at ``(W, b)`` are kept
        (an extra (K, n_samples) float64 array), for :meth:`hessian_product` at this point.
        """
        X, K = self.X, self.n_classes
        if keep_probabilities and self._probabilities is None:
            self._probabilities = np.empty((K, X.shape[0]))
        kept = self._probabilities if keep_probabilities else None
        self._kept_valid = False
        W_x = W.astype(X.dtype, copy=False)
        grad_W = np.zeros(W.shape)
        grad_b = np.zeros(K)
        loss = 0.0
        single_block = len(self._blocks) == 1
        for start, stop, true_class in self._blocks:
            rows = stop - start
            X_block = X if single_block else X[start:stop]
            z = self._block_product(W_x, X_block, rows)
            z += b[:, None]
            true_logit = z.ravel()[true_class]
            z_max = z.max(axis=0)
            z -= z_max
            np.exp(z, out=z)
            totals = z.sum(axis=0)
            w = self.weights[start:stop]
            loss += float(w @ (np.log(totals) + z_max - true_logit))
            # z holds exp(z - max); make it G = w * (p - onehot), in place.
            if kept is not None:
                np.divide(z, totals, out=kept[:, start:stop])
            z *= w / totals
            z.ravel()[true_class] -= w
            grad_b += z.sum(axis=1)
            self._add_block_transpose_product(z, X_block, rows, grad_W)
        loss += 0.5 * self.alpha * float(np.vdot(W, W))
        grad_W += self.alpha * W
        self._kept_valid = kept is not None
        return loss, grad_W, grad_b

    def hessian_product(
        self, V: NDArray[np.float64], c: NDArray[np.float64] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        r"""The Hessian of :math:`f` applied to the direction ``(V, c)``.

        At the point of the last call made with ``keep_probabilities=True``: ``(H_W, H_b)``
        with :math:`H_W = R^\top X + \alpha V` and :math:`H_b = R^\top \mathbf{1}` (see the
        module's docstring). Costs one blocked pass over ``X`` with two products (in the
        dtype of ``X``; the rest in float64), about as much as the gradient without the
        softmax.

        Parameters
        ----------
        V : ndarray of shape (n_classes, n_features)
            Direction for the weights.
        c : ndarray of shape (n_classes,), optional
            Direction for the intercepts; ``None`` means zero (no intercept).

        Returns
        -------
        H_W : ndarray of shape (n_classes, n_features)
        H_b : ndarray of shape (n_classes,)

        Raises
        ------
        RuntimeError
            If the last call did not keep the probabilities.
        """
        if not self._kept_valid:
            raise RuntimeError(
                "hessian_product needs the probabilities of the current point: call the "
                "objective with keep_probabilities=True first"
            )
        X, K, P = self.X, self.n_classes, self._probabilities
        V_x = np.asarray(V, dtype=np.float64).astype(X.dtype, copy=False)
        H_W = np.zeros((K, X.shape[1]))
        H_b = np.zeros(K)
        single_block = len(self._blocks) == 1
        for start, stop, _ in self._blocks:
            rows = stop - start
            X_block = X if single_block else X[start:stop]
            u = self._block_product(V_x, X_block, rows)
            if c is not None:
                u += c[:, None]
            p = P[:, start:stop]
            u *= p  # p * U, then R = w * (p * U - p * sum_l p_l U_l)
            mean = u.sum(axis=0)
            u -= p * mean
            u *= self.weights[start:stop]
            H_b += u.sum(axis=1)
            self._add_block_transpose_product(u, X_block, rows, H_W)
        H_W += self.alpha * np.asarray(V, dtype=np.float64)
        return H_W, H_b


def loss_and_gradient(
    W: NDArray[np.float64],
    b: NDArray[np.float64],
    X: NDArray[np.floating],
    labels: NDArray[np.intp],
    weights: NDArray[np.float64],
    alpha: float,
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    r"""Objective value and gradient of the regularised multinomial loss.

    A one-off evaluation with :class:`MultinomialObjective`; solvers that evaluate
    many times on the same data keep one instance instead.

    Parameters
    ----------
    W : ndarray of shape (n_classes, n_features)
        Weights.
    b : ndarray of shape (n_classes,)
        Intercepts.
    X : ndarray or scipy.sparse matrix/array of shape (n_samples, n_features)
        Inputs (float32 or float64; sparse: CSR or CSC).
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
    return MultinomialObjective(X, labels, W.shape[0], weights, alpha)(W, b)


def _is_sparse(X) -> bool:
    """Whether ``X`` is a scipy.sparse matrix or array, without importing SciPy for NumPy input."""
    if isinstance(X, np.ndarray):
        return False
    import scipy.sparse

    return scipy.sparse.issparse(X)
