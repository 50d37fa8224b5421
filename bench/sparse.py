"""Sparse input: softmax_lib against scikit-learn's lbfgs on a TF-IDF problem.

Time to reach f*·(1 + rtol) in the same race as the dense problems (torch is left out:
its dense matrix products do not take a scipy.sparse X), and the peak memory a fit
allocates beyond the input (30 iterations, as for the dense problems).

    .venv/bin/python -m bench.sparse    # only this part (about a minute on 2 cores)
"""

from __future__ import annotations

import json

from . import memory, problems, race

# softmax_lib runs sparse fits with every BLAS pool single-threaded (softmax_lib._threads);
# the last row gives scikit-learn the same setting.
SPARSE_CONTENDERS = (
    "softmax_lib",
    "softmax_lib newton-cg",
    "softmax_lib auto",
    "scikit-learn",
    "scikit-learn, SciPy BLAS limited",
    "scikit-learn, every BLAS single-threaded",
    "scikit-learn newton-cg",
)
RTOL = 1e-8


def sparse_rows(repeats: int = 3, n_documents: int = 20_000) -> dict:
    problem = problems.tfidf(n_documents)
    f_star = race.cached_best_objective(problem)
    rows = race.race(problem, problem, f_star, RTOL, repeats, contenders=SPARSE_CONTENDERS)
    X = problem.X
    return {
        "problem": problem.name,
        "shape": problem.shape,
        "nnz": int(X.nnz),
        "density": X.nnz / (X.shape[0] * X.shape[1]),
        "input_MiB": memory.input_bytes(X) / 2**20,
        "dense_MiB": X.shape[0] * X.shape[1] * 8 / 2**20,
        "race": rows,
        "memory": memory.memory_rows(problem),
    }


def markdown(result: dict) -> list[str]:
    lines = [
        "",
        f"## Sparse input: {result['problem']}",
        "",
        f"{result['shape']}, nnz = {result['nnz']} (density {result['density']:.2%}); "
        f"CSR input {result['input_MiB']:.1f} MiB (dense: {result['dense_MiB']:.0f} MiB).",
        "",
        "| solver | time to f*·(1 + 1e-8) (s) | ratio to sklearn | f evals | peak extra (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    peaks = {r["solver"]: r["peak_extra_MiB"] for r in result["memory"]}
    for r in result["race"]:
        t = f"{r['time_s']:.3f}" if r["time_s"] is not None else "not reached"
        ratio = f"{r['ratio_to_sklearn']:.2f}" if r["ratio_to_sklearn"] is not None else "–"
        nfev = f"{r['nfev']:.0f}" if r["nfev"] is not None else "–"
        peak = f"{peaks[r['solver']]:.1f}" if r["solver"] in peaks else "–"
        lines.append(f"| {r['solver']} | {t} | {ratio} | {nfev} | {peak} |")
    return lines


def write_results(result: dict) -> str:
    """Write ``sparse.{json,md}`` (the appendix reads the JSON) and return the Markdown."""
    from .run import RESULTS

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sparse.json").write_text(json.dumps(result, indent=1, default=float))
    text = "\n".join(["# Sparse benchmark", *markdown(result)]) + "\n"
    (RESULTS / "sparse.md").write_text(text)
    return text


def main() -> None:
    print(write_results(sparse_rows()))


if __name__ == "__main__":
    main()
