"""Kernel timings on a (1e6, 10) array, as ratios to scipy.special (and torch)."""

from __future__ import annotations

import numpy as np

from .timing import median_time


def kernel_rows(n_rows: int = 1_000_000, n_classes: int = 10, repeats: int = 7) -> list[dict]:
    import scipy.special
    import torch

    import softmax_lib as sl

    rng = np.random.default_rng(0)
    z = rng.standard_normal((n_rows, n_classes)) * 3
    y = rng.integers(0, n_classes, n_rows)
    z_t, y_t = torch.from_numpy(z), torch.from_numpy(y)
    contenders = {
        "softmax": {
            "softmax_lib": lambda: sl.softmax(z),
            "scipy.special": lambda: scipy.special.softmax(z, axis=-1),
            "torch": lambda: torch.softmax(z_t, dim=-1),
        },
        "log_softmax": {
            "softmax_lib": lambda: sl.log_softmax(z),
            "scipy.special": lambda: scipy.special.log_softmax(z, axis=-1),
            "torch": lambda: torch.log_softmax(z_t, dim=-1),
        },
        "cross_entropy": {
            "softmax_lib": lambda: sl.cross_entropy(z, y),
            # The textbook route with scipy: log_softmax, then pick the true class.
            "scipy.special": lambda: (
                -scipy.special.log_softmax(z, axis=-1)[np.arange(n_rows), y].mean()
            ),
            "torch": lambda: torch.nn.functional.cross_entropy(z_t, y_t),
        },
    }
    rows = []
    for kernel, funcs in contenders.items():
        times = {name: median_time(f, repeats) for name, f in funcs.items()}
        for name, t in times.items():
            rows.append(
                {
                    "kernel": kernel,
                    "implementation": name,
                    "time_s": t,
                    "ratio_to_scipy": t / times["scipy.special"],
                }
            )
    return rows
