"""Run one submission in its own process, scratch folder and (where available) sandbox.

With Debian's ``bubblewrap`` (``bwrap``) the submission's process sees a read-only
``/usr``, the Python it runs on, the course library, the data and ``harness.py``, and
nothing else of the machine: no repository (so no source notebook, no hidden checks, no
gradebook), no other submission, no network, a private ``/tmp``, no capabilities, an
unprivileged user. Its only writable folder is its own scratch folder, which the grader
reads values from afterwards. Without bubblewrap the same harness runs as a plain
subprocess with the same time and memory limits, and the grader warns that the
submission could read and write the instructor's files.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("harness.py")
LIBRARY = ROOT / "softmax_lib"
MAX_RESULTS_BYTES = 64_000_000


@dataclass
class Limits:
    notebook_seconds: int = 60  # the whole notebook, every cell and call: a hard limit
    cell_seconds: int = 20  # one cell (a soft limit inside the process)
    call_seconds: int = 10  # one call of a student's function by the grader
    memory_bytes: int = 3 << 30
    file_bytes: int = 50 << 20
    attempts: int = 3  # a run that hangs or dies is retried without the step it died in


@dataclass
class RunResult:
    cell_errors: dict[int, str | None] = field(default_factory=dict)
    calls: dict[int, dict] = field(default_factory=dict)  # id -> raw record
    exports: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # for the status column
    skipped: list[str] = field(default_factory=list)
    finished: bool = False
    seconds: float = 0.0


def _host_paths_for_python() -> list[tuple[Path, Path]]:
    """(source, place in the sandbox) of what the labs' Python needs: its venv, at the path
    it is run from (a symlinked venv included), and its base install if outside /usr."""
    paths = [(Path(sys.prefix).resolve(), Path(sys.prefix).absolute())]
    base = Path(sys.base_prefix).resolve()
    if not str(base).startswith("/usr"):
        paths.append((base, base))
    return paths


def _data_dir() -> Path | None:
    folder = Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    return folder.resolve() if folder.exists() else None


def _environment() -> dict[str, str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "IPYTHONDIR": "/tmp/ipython",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LANG": "C.UTF-8",
    }
    data = _data_dir()
    if data is not None:
        env["FASHION_MNIST_DIR"] = str(data)
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # see the env notes: keep these
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _bwrap_command(scratch: Path) -> list[str]:
    command = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
               "--uid", "65534", "--gid", "65534", "--clearenv"]
    if os.geteuid() == 0:
        command += ["--cap-drop", "ALL"]
    # /proc, /dev and /tmp first: a later mount would hide a binding under it (the
    # repository, and so the venv, may well live under /tmp).
    command += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--ro-bind", "/usr", "/usr"]
    for top in ("bin", "lib", "lib32", "lib64", "sbin"):
        path = Path("/") / top
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    for path in ("/etc/ld.so.cache", "/etc/localtime"):
        if Path(path).exists():
            command += ["--ro-bind", path, path]
    for source, target in _host_paths_for_python():
        command += ["--ro-bind", str(source), str(target)]
    data = _data_dir()
    if data is not None and not str(data).startswith("/usr/"):
        command += ["--ro-bind", str(data), str(data)]
    command += ["--ro-bind", str(LIBRARY), "/opt/course/softmax_lib",
                "--ro-bind", str(HARNESS), "/opt/grader/harness.py",
                "--bind", str(scratch), "/submission", "--chdir", "/submission"]
    for name, value in {**_environment(), "PYTHONPATH": "/opt/course"}.items():
        command += ["--setenv", name, value]
    return [*command, sys.executable, "/opt/grader/harness.py", "/submission"]


@functools.cache
def bubblewrap_works() -> bool:
    """True if ``bwrap`` is installed and can start a sandbox here (user namespaces)."""
    if shutil.which("bwrap") is None:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        command = _bwrap_command(Path(scratch))
        command[-3:] = [sys.executable, "-c", "pass"]
        try:
            return subprocess.run(command, capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False


def _plain_command(scratch: Path) -> tuple[list[str], dict[str, str]]:
    env = {**_environment(), "PYTHONPATH": str(ROOT), "HOME": str(scratch),
           "IPYTHONDIR": str(scratch / ".ipython"), "MPLCONFIGDIR": str(scratch / ".mpl")}
    return [sys.executable, str(HARNESS), str(scratch)], env


def _read_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, "rb") as handle:
        raw = handle.read(MAX_RESULTS_BYTES)
    records = []
    for line in raw.splitlines():
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _describe(step: str, how: str) -> str:
    kind, _, name = step.partition(" ")
    if kind == "cell":
        return f"cell {int(name) + 1} {how}; graded without it"
    if kind == "call":
        return f"a grader call {how}; that check scored 0"
    return f"{step} {how}"


def run_submission(cells: list[tuple[int, str]], calls: list[dict], exports: list[str],
                   limits: Limits, sandbox: bool) -> RunResult:
    """Run the cells, then the calls, in a fresh process per attempt; return raw records."""
    result = RunResult()
    skip: list[str] = []
    # What ran over its time in an earlier attempt is not run again: its record (an
    # "OverTime" cell error or call outcome) is carried over, and a function that hung is
    # not called again, so that each attempt gets further than the one before.
    carried_cells: dict[int, str | None] = {}
    carried_calls: dict[int, dict] = {}
    hung: set[str] = set()
    started = time.monotonic()
    for _attempt in range(limits.attempts):
        with tempfile.TemporaryDirectory(prefix="lab-submission-") as folder:
            scratch = Path(folder) / "work"
            scratch.mkdir()
            job = {"cells": cells, "calls": calls, "exports": exports, "skip": set(skip),
                   "hung": sorted(hung),
                   "cell_seconds": limits.cell_seconds, "call_seconds": limits.call_seconds,
                   "memory_bytes": limits.memory_bytes, "file_bytes": limits.file_bytes}
            (scratch / "job.pkl").write_bytes(pickle.dumps(job))
            if sandbox:
                command, env = _bwrap_command(scratch), None
            else:
                command, env = _plain_command(scratch)
            log = Path(folder) / "output.log"  # outside the scratch folder; never read back
            with open(log, "wb") as output:
                process = subprocess.Popen(command, cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                                           stdout=output, stderr=output, start_new_session=True)
                exited_cleanly = False
                try:
                    process.wait(timeout=limits.notebook_seconds)
                    exited_cleanly = process.returncode == 0
                    how = f"ended the Python process (exit code {process.returncode})"
                except subprocess.TimeoutExpired:
                    how = f"ran past the notebook's time limit ({limits.notebook_seconds} s)"
                finally:
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    process.wait()
            records = _read_records(scratch / "results.jsonl")
            try:
                progress = (scratch / "progress").read_text()[:100]
            except (OSError, UnicodeDecodeError):
                progress = ""
            # The submission can write this file too: accept only the harness's own words.
            if not re.fullmatch(r"(cell|call) \d+|export [A-Za-z_]\w{0,60}|done", progress):
                progress = "unknown step" if progress else ""
        result = RunResult(notes=result.notes, skipped=list(skip))
        for record in records:
            kind = record.get("kind")
            if kind == "cell" and isinstance(record.get("index"), int):
                error = record.get("error")
                result.cell_errors[record["index"]] = error if isinstance(error, str) else None
            elif kind == "call" and isinstance(record.get("id"), int):
                result.calls[record["id"]] = record
            elif kind == "export" and isinstance(record.get("name"), str):
                result.exports[record["name"]] = record
            elif kind == "done":
                result.finished = True
        result.cell_errors = {**carried_cells, **result.cell_errors}
        result.calls = {**carried_calls, **result.calls}
        if result.finished and progress == "done" and exited_cleanly:
            break
        result.finished = False
        for index, error in result.cell_errors.items():
            if error == "OverTime" and f"cell {index}" not in skip:
                carried_cells[index] = error
                skip.append(f"cell {index}")
        for call in calls:
            record = result.calls.get(call["id"])
            outcome = record.get("outcome") if record else None
            if isinstance(outcome, dict) and outcome.get("error") == "OverTime":
                carried_calls[call["id"]] = record
                hung.add(call["function"])
                if f"call {call['id']}" not in skip:
                    skip.append(f"call {call['id']}")
        if progress in ("", "done", "unknown step") or progress in skip:
            result.notes.append(f"the notebook {how} before the grader could start it"
                                if not progress else f"the notebook {how}")
            break
        result.notes.append(_describe(progress, how))
        skip.append(progress)
        if progress.startswith("call "):  # it hung or killed the process: not again
            hung.add(calls[int(progress.split()[1])]["function"])
    result.seconds = time.monotonic() - started
    return result
