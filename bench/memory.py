"""Peak memory a fit allocates beyond its input, measured with tracemalloc.

NumPy reports its array allocations to tracemalloc, so the peak between the start and
the end of ``fit`` is the extra memory the solver needed (the input already exists).
"""

from __future__ import annotations

import tracemalloc
import warnings


def peak_extra_bytes(make_model, problem) -> int:
    model = make_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(problem.X[:100], problem.y[:100])  # load modules before measuring
        tracemalloc.start()
        try:
            model.fit(problem.X, problem.y)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak


def memory_rows(problem) -> list[dict]:
    from sklearn.linear_model import LogisticRegression

    from softmax_lib import SoftmaxRegression

    rows = []
    for name, make in {
        "softmax_lib": lambda: SoftmaxRegression(max_iter=30),
        # Keeps the (K, n) probabilities for its Hessian products: n K 8 bytes more.
        "softmax_lib newton-cg": lambda: SoftmaxRegression(solver="newton-cg", max_iter=5),
        "scikit-learn": lambda: LogisticRegression(max_iter=30),
    }.items():
        peak = peak_extra_bytes(make, problem)
        rows.append(
            {
                "problem": problem.name,
                "solver": name,
                "peak_extra_MiB": peak / 2**20,
                "input_MiB": input_bytes(problem.X) / 2**20,
            }
        )
    return rows


def input_bytes(X) -> int:
    """Bytes held by ``X``: its buffer, or a sparse matrix's data and index arrays."""
    if hasattr(X, "indptr"):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes
