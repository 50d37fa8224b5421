"""Run the benchmark suite and write bench/results/latest.{json,md} and plots.

    .venv/bin/python -m bench.run            # the full suite (7 min on 2 quiet cores, f* cached)
    .venv/bin/python -m bench.run --quick    # digits only, for a smoke test
    .venv/bin/python -m bench.sparse         # only the sparse TF-IDF part (bench/sparse.py)

A benchmark, not a test: it asserts nothing about time. Compare ratios measured in
one run; absolute times on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from . import floor, kernels, memory, problems, race, scaling, sparse, threads

RESULTS = Path(__file__).resolve().parent / "results"
RTOL_F64 = 1e-8
RTOL_F32 = 1e-7


def solver_race(quick: bool, repeats: int) -> list[dict]:
    """The race on every problem: float64 first, float32 too for the synthetic ones."""
    rows = []
    makers = (
        [problems.digits]
        if quick
        else [problems.digits, problems.fashion, problems.mnist_sized, problems.tall]
    )
    for make in makers:
        problem64 = make()
        f_star = race.cached_best_objective(problem64)
        print(f"{problem64.name}: f* = {f_star:.12g}", flush=True)
        new = race.race(problem64.astype(np.float64), problem64, f_star, RTOL_F64, repeats)
        if make in (problems.mnist_sized, problems.tall):
            new += race.race(problem64.astype(np.float32), problem64, f_star, RTOL_F32, repeats)
        for row in new:
            print("  ", {k: row[k] for k in ("problem", "solver", "setting", "time_s",
                                              "ratio_to_best_peer", "nfev", "hessp")}, flush=True)
        rows += new
    return rows


def markdown(results: dict) -> str:
    cpu = results.get("cpu", {})
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {results['machine']}; CPU: {cpu.get('Model name', '?')}, "
        f"{cpu.get('cores', '?')} cores, L2 {cpu.get('L2 cache', '?')}, "
        f"L3 {cpu.get('L3 cache', '?')}; load average (1 min) at start "
        f"{results.get('load_average_start', [float('nan')])[0]:.1f}, at end "
        f"{results.get('load_average_end', [float('nan')])[0]:.1f} (shared machine).",
        "",
    ]
    lines += race_markdown(results["race"] + results.get("sparse", {}).get("race", []))
    if "floor" in results:
        lines += floor.markdown(results["floor"])
    lines += [
        "",
        "## Kernels on a (1e6, 10) float64 array",
        "",
        "| kernel | implementation | time (s) | ratio to scipy |",
        "|---|---|---:|---:|",
    ]
    lines += [
        f"| {r['kernel']} | {r['implementation']} | {r['time_s']:.4f} | {r['ratio_to_scipy']:.2f} |"
        for r in results["kernels"]
    ]
    s = results["scaling"]
    lines += [
        "",
        "## Scaling (20 L-BFGS iterations, d = 100)",
        "",
        "Slope of log(time) against log(n) above 1e4 samples (K = 10): "
        f"**{s['n']['slope_above_1e4']:.2f}**; "
        f"against log(K) (n = 20000): **{s['k']['slope']:.2f}**.",
        "",
    ]
    lines += ["| n | time (s) |", "|---:|---:|"] + [
        f"| {n} | {t:.3f} |" for n, t in zip(s["n"]["sizes"], s["n"]["times_s"], strict=True)
    ]
    lines += [
        "",
        "## Peak memory during fit, beyond the input",
        "",
        "| problem | solver | peak extra (MiB) | input (MiB) |",
        "|---|---|---:|---:|",
    ]
    lines += [
        f"| {r['problem']} | {r['solver']} | {r['peak_extra_MiB']:.1f} | {r['input_MiB']:.1f} |"
        for r in results["memory"]
    ]
    lines += [
        "",
        "## Thread pools: before and after limiting SciPy's BLAS during fit (digits)",
        "",
        "| setting | time (s) |",
        "|---|---:|",
    ]
    lines += [f"| {r['setting']} | {r['time_s']:.3f} |" for r in results["threads"]]
    if results["threads"]:
        lines += ["", "Pools: " + "; ".join(results["threads"][0]["pools"])]
    if results.get("busy_machine"):
        lines += threads.busy_markdown(results["busy_machine"])
    if "sparse" in results:
        lines += sparse.markdown(results["sparse"])
    return "\n".join(lines) + "\n"


def race_markdown(rows: list[dict]) -> list[str]:
    """The race table: time to target, evaluations, ratios to the fair baseline and best peer."""
    lines = [
        "## Solver race (time to reach f*·(1 + rtol); best of the repeats)",
        "",
        "Ratios: to scikit-learn's lbfgs with the SciPy-BLAS limit softmax_lib applies "
        "(the fair baseline) and to the fastest peer (every contender but softmax_lib's).",
        "",
        "Median: of the repeats that reached the target. Load: the 1-minute load average "
        "when the contender started (2 cores).",
        "",
        "| problem | shape | solver | time (s) | median (s) | f evals | Hv products | iterations "
        "| / sklearn limited | / best peer | final objective | rtol | load |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def fmt(value, spec):
        return "–" if value is None else format(value, spec)

    for r in rows:
        name = r["solver"] + (f" ({r['setting']})" if r.get("setting") else "")
        if r.get("skipped"):
            time_cell = f"skipped: {r['skipped']}"
        elif not r["reached"]:
            time_cell = (f"> {r['time_limit_s']:.0f} (stopped)" if r.get("timed_out")
                         else "not reached")
        else:
            time_cell = f"{r['time_s']:.3f}"
        final = r["final_objective"]
        lines.append(
            f"| {r['problem']} | {r['shape']} | {name} | {time_cell} "
            f"| {fmt(r.get('median_time_s'), '.3f')} | {fmt(r['nfev'], '.0f')} "
            f"| {fmt(r.get('hessp'), '.0f')} | {fmt(r['iterations'], '.0f')} "
            f"| {fmt(r.get('ratio_to_sklearn_limited'), '.2f')} "
            f"| {fmt(r.get('ratio_to_best_peer'), '.2f')} "
            f"| {'–' if final is None else format(final, '.10g')} | {r['target_rtol']:.0e} "
            f"| {fmt(r.get('load_1min'), '.1f')} |"
        )
    return lines


def plot_scaling(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = results["scaling"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    left.loglog(s["n"]["sizes"], s["n"]["times_s"], "o-", color="#0072B2")
    left.set(
        title=f"Fit time vs n (slope {s['n']['slope_above_1e4']:.2f} above 1e4)",
        xlabel="samples n (d = 100, K = 10)",
        ylabel="time for 20 iterations (s)",
    )
    right.loglog(s["k"]["classes"], s["k"]["times_s"], "s--", color="#E69F00")
    right.set(
        title=f"Fit time vs K (slope {s['k']['slope']:.2f})",
        xlabel="classes K (n = 20000, d = 100)",
        ylabel="time for 20 iterations (s)",
    )
    fig.savefig(path, dpi=100)
    plt.close(fig)


def cpu_description() -> dict:
    """CPU model, core count and cache sizes (from lscpu), for the appendix's cache claims."""
    info = {"cores": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return info
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("Model name", "L1d cache", "L2 cache", "L3 cache", "Hypervisor vendor"):
            info[key.strip()] = value.strip()
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits only; a smoke test")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    results = {
        "machine": f"{platform.machine()}, {platform.python_version()}, numpy {np.__version__}",
        "cpu": cpu_description(),
        "load_average_start": os.getloadavg(),
    }
    results["threads"] = threads.thread_rows(problems.digits())
    results["race"] = solver_race(args.quick, args.repeats)
    RESULTS.mkdir(exist_ok=True)  # keep the slow part if a later one fails
    (RESULTS / "race_partial.json").write_text(json.dumps(results, indent=1, default=float))
    results["floor"] = [
        floor.floor_row(p)
        for p in (
            [problems.digits()]
            if args.quick
            else [problems.digits(), problems.fashion(), problems.mnist_sized(),
                  problems.mnist_sized().astype(np.float32), problems.tall(),
                  problems.tfidf()]
        )
    ]
    results["kernels"] = kernels.kernel_rows()
    results["scaling"] = {
        "n": scaling.scaling_in_n(
            (1_000, 10_000, 100_000) if args.quick else scaling.scaling_in_n.__defaults__[0]
        ),
        "k": scaling.scaling_in_k(
            (2, 10, 50) if args.quick else scaling.scaling_in_k.__defaults__[0]
        ),
    }
    results["memory"] = memory.memory_rows(
        problems.digits() if args.quick else problems.mnist_sized()
    )
    if not args.quick:
        results["busy_machine"] = threads.busy_machine_rows(problems.tall())
    results["sparse"] = sparse.sparse_rows(
        args.repeats, n_documents=2_000 if args.quick else 20_000
    )
    results["load_average_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    RESULTS.mkdir(exist_ok=True)
    name = "quick" if args.quick else "latest"
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=1, default=float))
    (RESULTS / f"{name}.md").write_text(markdown(results))
    plot_scaling(results, RESULTS / f"{name}_scaling.png")
    if not args.quick:  # keep the sparse results the appendix reads in step with latest
        sparse.write_results(results["sparse"])
    print(markdown(results))
    print(f"suite took {results['seconds']:.0f} s")


if __name__ == "__main__":
    main()
