"""Runs one submission inside the sandbox and writes back values only.

This file is the only grading code a submission's process ever sees. It knows nothing
of the expected answers: the grader hands it a job (the notebook's code cells, the calls
to make and the variables to export) in ``job.pkl`` and reads back ``results.jsonl``,
one JSON record per line, which it parses as plain numbers, lists and strings. Every
verdict is computed in the grader's own process.

Usage (by the grader only): ``python harness.py <scratch folder>``.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import signal
import sys
import traceback
import warnings

MAX_RECORD_BYTES = 8_000_000  # one encoded value; larger ones are replaced by a note


class OverTime(BaseException):
    """Raised by the alarm; a BaseException so that ``except Exception`` cannot swallow it."""


def _alarm(signum, frame):
    raise OverTime()


def encode(value, depth=0):
    """A JSON-able description of a value: arrays, numbers, tuples, lists, dicts, strings."""
    import numpy as np

    if depth > 6:
        return {"unsupported": "nested too deeply"}
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else value[:1000]
    if isinstance(value, np.generic):
        return encode(value.item(), depth)
    if isinstance(value, np.ndarray):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            return {"unsupported": f"array of dtype {array.dtype}"}
        kind = {"b": "bool", "i": "int64", "u": "int64", "f": "float64"}[array.dtype.kind]
        flat = array.astype(kind).ravel().tolist()
        return {"ndarray": flat, "shape": list(array.shape), "dtype": kind}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, depth + 1) for v in value[:50]]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value[:100_000]]
    if isinstance(value, dict):
        return {"dict": {str(k)[:100]: encode(v, depth + 1) for k, v in list(value.items())[:50]}}
    if hasattr(value, "__array__") or hasattr(value, "numpy"):
        try:
            return encode(np.asarray(value.numpy() if hasattr(value, "numpy") else value), depth)
        except Exception:
            pass
    return {"unsupported": type(value).__name__[:100]}


def main(scratch: str) -> None:
    os.chdir(scratch)
    with open("job.pkl", "rb") as handle:
        job = pickle.load(handle)
    os.remove("job.pkl")
    # Opened before any student code runs; the grader keeps the last record of each step.
    results = os.open("results.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    progress_path = os.path.abspath("progress")

    def record(entry: dict) -> None:
        line = json.dumps(entry, allow_nan=True)
        if len(line) > MAX_RECORD_BYTES:
            entry = {k: v for k, v in entry.items() if k in ("kind", "id", "name", "index")}
            entry["outcome"] = {"unsupported": "value too large"}
            line = json.dumps(entry)
        os.write(results, (line + "\n").encode())

    def step(name: str) -> None:
        with open(progress_path, "w") as handle:
            handle.write(name)

    memory = job["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (job["file_bytes"], job["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGALRM, _alarm)

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    shell.showtraceback = lambda *args, **kwargs: None  # errors are recorded, not printed
    namespace = shell.user_ns

    for index, source in job["cells"]:
        if f"cell {index}" in job["skip"]:
            continue
        step(f"cell {index}")
        error = None
        signal.alarm(job["cell_seconds"])
        try:
            outcome = shell.run_cell(source, store_history=False)
            if outcome.error_before_exec is not None:
                error = type(outcome.error_before_exec).__name__
            elif outcome.error_in_exec is not None:
                error = type(outcome.error_in_exec).__name__
        except OverTime:
            error = "OverTime"
        except BaseException as failure:  # SystemExit, KeyboardInterrupt from the cell
            error = type(failure).__name__
        finally:
            signal.alarm(0)
        record({"kind": "cell", "index": index, "error": error})

    import numpy as np

    # A function that ran over its time once (in this run or an earlier attempt) is not
    # called again.
    hung: set[str] = set(job.get("hung", ()))
    for call in job["calls"]:
        if f"call {call['id']}" in job["skip"]:
            continue
        step(f"call {call['id']}")
        function = namespace.get(call["function"])
        entry: dict = {"kind": "call", "id": call["id"]}
        if not callable(function):
            entry["outcome"] = {"missing": call["function"]}
            record(entry)
            continue
        if call["function"] in hung:
            entry["outcome"] = {"error": "OverTime", "message": "an earlier call ran over its "
                                "time limit, so the grader did not call it again"}
            record(entry)
            continue
        args = pickle.loads(call["args"])
        signal.alarm(job["call_seconds"])
        try:
            with warnings.catch_warnings():
                if call["strict"]:
                    warnings.simplefilter("error", RuntimeWarning)
                    with np.errstate(over="raise", invalid="raise", divide="raise",
                                     under="ignore"):
                        value = function(*args)
                else:
                    value = function(*args)
            signal.alarm(0)
            entry["outcome"] = encode(value)
        except OverTime:
            hung.add(call["function"])
            entry["outcome"] = {"error": "OverTime", "message": "the call ran over its time limit"}
        except BaseException as failure:
            signal.alarm(0)
            message = "".join(traceback.format_exception_only(type(failure), failure))
            entry["outcome"] = {"error": type(failure).__name__[:100], "message": message[:500]}
        finally:
            signal.alarm(0)
        entry["args_after"] = [encode(a) if isinstance(a, np.ndarray) else None for a in args]
        record(entry)

    for name in job["exports"]:
        step(f"export {name}")
        entry = {"kind": "export", "name": name}
        if name not in namespace:
            entry["outcome"] = {"missing": name}
        else:
            try:
                entry["outcome"] = encode(namespace[name])
            except BaseException as failure:
                entry["outcome"] = {"error": type(failure).__name__[:100], "message": ""}
        record(entry)
    step("done")
    record({"kind": "done"})
    os.close(results)
    sys.stdout.flush()
    os._exit(0)  # skip atexit handlers a submission may have registered


if __name__ == "__main__":
    main(sys.argv[1])
