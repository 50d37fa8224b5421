"""Grade every submission of a lab in a folder: ``python3 tasks.py grade <lab> <folder>``.

Writes ``<folder>/grades.csv`` (one row per submission: ``student``, one column per
autograded question, ``total``, ``max``, ``status``), ``<folder>/hand_graded.md`` and
``hand_graded.csv`` (the written answers, for the instructor) and ``<folder>/feedback/``
(one Markdown file per student, without hidden checks). Each submission runs in its own
sandboxed process (see ``sandbox.py``); only values come back, and every verdict is
reached here.
"""

from __future__ import annotations

import concurrent.futures
import csv
import importlib.util
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import sandbox
from .spec import Lab, LibraryCheck, Missing, StudentError, decode, pickled, safe_name

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ROOT / "assignments"
MAX_NOTEBOOK_BYTES = 20_000_000
OUTPUT_FILES = ("grades.csv", "hand_graded.md", "hand_graded.csv", "feedback")


def load_lab(name: str) -> Lab:
    path = ASSIGNMENTS / name / "grading.py"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.exists():
        known = ", ".join(sorted(p.parent.name for p in ASSIGNMENTS.glob("*/grading.py")))
        raise SystemExit(f"unknown lab {name!r}; the labs are: {known}")
    spec = importlib.util.spec_from_file_location(f"lab_grading_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LAB


def find_submissions(lab: str, folder: Path) -> list[tuple[str, Path | None]]:
    """``<student>.ipynb`` or ``<student>/<lab>.ipynb``; a student folder without it is
    listed with ``None`` so that it gets a row saying so."""
    found: list[tuple[str, Path | None]] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in OUTPUT_FILES:
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            found.append((entry.stem, entry))
        elif entry.is_dir():
            notebook = entry / f"{lab}.ipynb"
            found.append((entry.name, notebook if notebook.is_file() else None))
    return found


@dataclass
class Row:
    student: str
    scores: dict[str, float] = field(default_factory=dict)
    status: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    written: dict[str, str | None] = field(default_factory=dict)
    seconds: float = 0.0


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    try:
        size = path.stat().st_size
        if size == 0:
            return None, "empty file"
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"file too large ({size // 1_000_000} MB)"
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        if not isinstance(notebook.get("cells"), list):
            return None, "not a notebook (no cells)"
        for cell in notebook.cells:
            if not isinstance(cell, dict) or not isinstance(cell.get("source", ""), str):
                return None, "not a valid notebook (malformed cells)"
        return notebook, ""
    except UnicodeDecodeError:
        return None, "not a text file"
    except Exception as error:  # nbformat raises several kinds for non-notebooks
        return None, f"not a valid notebook ({type(error).__name__})"


def _grade_id(cell: dict) -> str | None:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) else None


class Grader:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        # LABS_SANDBOX=0 turns the sandbox off (for a machine without user namespaces,
        # where bwrap cannot start; the grader then says so loudly).
        self.sandbox = os.environ.get("LABS_SANDBOX", "1") != "0" and sandbox.bubblewrap_works()
        # LABS_*_SECONDS shorten the limits for the tests (crafted notebooks that loop).
        self.limits = sandbox.Limits(
            notebook_seconds=int(os.environ.get("LABS_NOTEBOOK_SECONDS", lab.notebook_seconds)),
            cell_seconds=int(os.environ.get("LABS_CELL_SECONDS", lab.cell_seconds)),
            call_seconds=int(os.environ.get("LABS_CALL_SECONDS", lab.call_seconds)))
        # Every call of every check, numbered; the same plan for every submission.
        self.plan: list[tuple[object, list[int]]] = []
        self.calls: list[dict] = []
        self.exports: list[str] = []
        for question in lab.questions:
            for check in question.checks:
                ids = []
                for call in check.planned_calls():
                    ids.append(len(self.calls))
                    self.calls.append({"id": len(self.calls), "function": call.function,
                                       "args": pickled(call.args), "strict": call.strict})
                self.plan.append((check, ids))
                self.exports += [name for name in check.exports if name not in self.exports]

    def grade(self, student: str, path: Path | None) -> Row:
        started = time.monotonic()
        row = Row(student)
        for question in self.lab.questions:
            row.scores[question.id] = 0.0
        if path is None:
            row.status.append(f"no {self.lab.name}.ipynb in the folder")
            return row
        notebook, problem = read_notebook(path)
        if notebook is None:
            row.status.append(problem)
            return row
        cells = [(i, cell.source) for i, cell in enumerate(notebook.cells)
                 if cell.get("cell_type") == "code" and cell.source.strip()]
        if not cells:
            row.status.append("the notebook has no code")
        for written in self.lab.written:
            answers = [c.source for c in notebook.cells if _grade_id(c) == written.id]
            row.written[written.id] = answers[0] if answers else None
        run = sandbox.run_submission(cells, self.calls, self.exports, self.limits, self.sandbox)
        row.status += list(dict.fromkeys(run.notes))  # each note once
        outcomes = {}
        args_after = {}
        for call in self.calls:
            record = run.calls.get(call["id"])
            try:
                outcomes[call["id"]] = (decode(record["outcome"]) if record
                                        else StudentError("(the call did not complete)"))
                if isinstance(outcomes[call["id"]], Missing):  # the name is ours, not theirs
                    outcomes[call["id"]] = Missing(call["function"])
                after = record.get("args_after") if record else None
                args_after[call["id"]] = ([decode(a) for a in after]
                                          if isinstance(after, list) else [])
            except (ValueError, KeyError, TypeError, RecursionError):
                outcomes[call["id"]] = StudentError("returned a value the grader cannot read")
                args_after[call["id"]] = []
        exports = {}
        for name in self.exports:
            record = run.exports.get(name)
            try:
                exports[name] = decode(record["outcome"]) if record else Missing(name)
                if isinstance(exports[name], Missing):
                    exports[name] = Missing(name)
            except (ValueError, KeyError, TypeError, RecursionError):
                exports[name] = StudentError("a value the grader cannot read")
        # Functions the release defines but this notebook does not (renamed or deleted).
        # A variable the release leaves undefined is reported by its check instead.
        missing = sorted({o.name for o in outcomes.values() if isinstance(o, Missing)})
        if missing and cells:
            row.status.append("not defined: " + ", ".join(missing))
        slow = [i + 1 for i, e in sorted(run.cell_errors.items()) if e == "OverTime"]
        if slow:
            row.status.append(f"cell {', '.join(map(str, slow))} stopped after "
                              f"{self.limits.cell_seconds} s")
        hung = sorted({self.calls[i]["function"] for i, o in outcomes.items()
                       if type(o).__name__ == "OverTime"})
        if hung:
            row.status.append(", ".join(hung) + f" ran over {self.limits.call_seconds} s "
                              "when called; scored 0")
        errors = [f"cell {i + 1}: {safe_name(e)}" for i, e in sorted(run.cell_errors.items())
                  if e]
        if errors:
            row.feedback.append("Cells that raised an error when the grader ran the notebook "
                                "top to bottom: " + "; ".join(errors) + ".")
        checks = iter(self.plan)
        for question in self.lab.questions:
            lines, hidden_total, hidden_passed, hidden_points = [], 0, 0, 0.0
            for check in question.checks:
                _, ids = next(checks)
                outs = [outcomes[i] for i in ids]
                if isinstance(check, LibraryCheck):
                    message = check.judge(outs, exports, [args_after[i] for i in ids])
                else:
                    message = check.judge(outs, exports)
                if message is None:
                    row.scores[question.id] += check.points
                if check.public:
                    mark = "passed" if message is None else f"failed: {message}"
                    lines.append(f"- public check ({check.points:g} pt): "
                                 f"{check.description}: {mark}")
                else:
                    hidden_total += 1
                    hidden_passed += message is None
                    hidden_points += check.points
            if hidden_total:
                lines.append(f"- hidden checks ({hidden_points:g} pt): "
                             f"{hidden_passed} of {hidden_total} passed")
            row.feedback.append(f"**{question.title}** ({question.id}): "
                                f"{row.scores[question.id]:g} of {question.points:g} points\n\n"
                                + "\n".join(lines))
        row.seconds = time.monotonic() - started
        return row


def validate(row: Row, lab: Lab) -> None:
    """Refuse a row whose score cannot be right: above a question's or the lab's maximum,
    negative, or with a column that is not a question."""
    maxima = {q.id: q.points for q in lab.questions}
    bad = (set(row.scores) != set(maxima)
           or any(not 0 <= row.scores[q] <= maxima[q] for q in maxima)
           or sum(row.scores.values()) > lab.max_points)
    if bad:
        row.scores = dict.fromkeys(maxima, 0.0)
        row.status.append("rejected: score outside 0..max, check by hand")


def _number(x: float) -> str:
    return f"{x:g}"


def write_outputs(lab: Lab, folder: Path, rows: list[Row]) -> None:
    with open(folder / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *(q.id for q in lab.questions), "total", "max", "status"])
        for row in rows:
            writer.writerow([row.student, *(_number(row.scores[q.id]) for q in lab.questions),
                             _number(sum(row.scores.values())), _number(lab.max_points),
                             "; ".join(row.status)[:300]])
    with open(folder / "hand_graded.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "question", "max", "points", "answer"])
        for written in lab.written:
            for row in rows:
                answer = row.written.get(written.id)
                writer.writerow([row.student, written.id, _number(written.points), "",
                                 "(no answer cell)" if answer is None else answer])
    lines = [f"# {lab.title}: answers to grade by hand", ""]
    for written in lab.written:
        lines += [f"## {written.id}: {written.title} ({_number(written.points)} points)", ""]
        for row in rows:
            answer = row.written.get(written.id)
            text = "(no answer cell)" if answer is None else answer.strip() or "(empty)"
            quoted = "\n".join("> " + line for line in text.splitlines())
            lines += [f"### {row.student}", "", quoted, ""]
    (folder / "hand_graded.md").write_text("\n".join(lines))
    feedback = folder / "feedback"
    feedback.mkdir(exist_ok=True)
    for row in rows:
        total = sum(row.scores.values())
        text = [f"# {lab.title}: feedback for {row.student}", "",
                f"Autograded: {_number(total)} of {_number(lab.max_points)} points.", ""]
        if row.status:
            text += ["Grading notes: " + "; ".join(row.status) + ".", ""]
        text += [*row.feedback, ""]
        if lab.written:
            text += ["Written answers, graded by your instructor: "
                     + ", ".join(f"{w.id} ({_number(w.points)} points)" for w in lab.written)
                     + ".", ""]
        name = re.sub(r"[^A-Za-z0-9_.@-]", "_", row.student) or "student"
        (feedback / f"{name}.md").write_text("\n\n".join(t for t in text if t) + "\n")


def grade_folder(lab_name: str, folder: Path, workers: int | None = None) -> list[Row]:
    lab = load_lab(lab_name)
    folder = folder.resolve()
    if not folder.is_dir():
        raise SystemExit(f"{folder} is not a folder")
    grader = Grader(lab)
    if not grader.sandbox:
        print("WARNING: bubblewrap (bwrap) is not available or cannot start here (or "
              "LABS_SANDBOX=0), so submissions run WITHOUT a sandbox: each still runs in its "
              "own process with time and memory limits, but it could read the hidden checks "
              "and read or change your files. Install Debian's 'bubblewrap' package (tasks.py "
              "does this as root) and grade on a machine where it works before grading real "
              "work.", file=sys.stderr, flush=True)
    submissions = find_submissions(lab.name, folder)
    if not submissions:
        raise SystemExit(f"no submissions in {folder}: expected <student>.ipynb or "
                         f"<student>/{lab.name}.ipynb")
    workers = workers or max(1, min(2, os.cpu_count() or 1))
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        rows = list(pool.map(lambda s: grader.grade(*s), submissions))
    for row in rows:
        validate(row, lab)
        print(f"{row.student}: {_number(sum(row.scores.values()))}/{_number(lab.max_points)}"
              f"{'  (' + '; '.join(row.status) + ')' if row.status else ''}", flush=True)
    write_outputs(lab, folder, rows)
    elapsed = time.monotonic() - started
    print(f"graded {len(rows)} submissions of {lab.name} in {elapsed:.0f} s "
          f"({'sandboxed with bubblewrap' if grader.sandbox else 'NOT sandboxed'}); wrote "
          f"{folder / 'grades.csv'}, hand_graded.md/.csv and feedback/", flush=True)
    (folder / "feedback" / ".grading.json").write_text(json.dumps(
        {"lab": lab.name, "seconds": round(elapsed, 1), "sandbox": grader.sandbox}))
    return rows
