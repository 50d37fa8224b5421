"""The graded labs: the build, and grading a folder of real and crafted submissions.

These tests drive ``python3 tasks.py labs``/``grade`` through the labs' environment
(``.venv-labs``, created by ``python3 tasks.py test``) and read the CSV as an instructor
would. Every expected score below is worked out by hand from the lab's points (see each
comment), not computed by the grader's code.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LABS_PYTHON = ROOT / ".venv-labs" / "bin" / "python"
LABS = ["lab1_softmax", "lab2_gradient", "lab3_training", "lab4_sklearn"]
# Each lab's maximum (autograded points), from the points printed in the lab's questions.
MAX_POINTS = {"lab1_softmax": 16, "lab2_gradient": 12, "lab3_training": 16,
              "lab4_sklearn": 12}
# Short limits so that the crafted notebooks that loop cost seconds, not minutes.
FAST = {"LABS_NOTEBOOK_SECONDS": "20", "LABS_CELL_SECONDS": "3", "LABS_CALL_SECONDS": "2"}

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the grader's sandbox is Linux")


def labs(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    if not LABS_PYTHON.exists():
        pytest.fail("the labs' environment .venv-labs is missing: run `python3 tasks.py test`, "
                    "which creates it")
    return subprocess.run([str(LABS_PYTHON), "-m", "tools.labs", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def sandboxed() -> None:
    """The crafted attacks must never run outside the sandbox: they write into the
    repository. Fail before grading them if bubblewrap cannot start here."""
    result = subprocess.run(
        [str(LABS_PYTHON), "-c", "from tools.labs.sandbox import bubblewrap_works as w; "
         "print(w())"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if result.stdout.strip() != "True":
        pytest.fail("bubblewrap cannot start a sandbox here (install Debian's bubblewrap; "
                    f"user namespaces must be enabled): {result.stderr[-500:]}")


@pytest.fixture(scope="session")
def built() -> Path:
    result = labs("build")
    assert result.returncode == 0, result.stderr[-3000:]
    return ROOT / "_build" / "labs"


def read_grades(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "grades.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def grade(lab: str, folder: Path, env: dict[str, str] | None = None) -> dict:
    result = labs("grade", lab, folder, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "NOT sandboxed" not in result.stdout, "install bubblewrap: the tests need the sandbox"
    return read_grades(folder)


def questions(lab: str, built: Path) -> list[str]:
    notebook = nbformat.read(built / "student" / f"{lab}.ipynb", as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]


# --- every lab: the reference scores full marks, the untouched release nothing ------------


@pytest.mark.parametrize("lab", LABS)
def test_reference_full_marks_release_none(lab, built, tmp_path):
    (tmp_path / "untouched").mkdir()
    (tmp_path / "reference.ipynb").write_bytes((built / "reference" / f"{lab}.ipynb").read_bytes())
    (tmp_path / "untouched" / f"{lab}.ipynb").write_bytes(
        (built / "student" / f"{lab}.ipynb").read_bytes())
    rows = grade(lab, tmp_path)
    columns = questions(lab, built)
    assert list(rows["reference"]) == ["student", *columns, "total", "max", "status"]
    assert rows["reference"]["total"] == rows["reference"]["max"] == str(MAX_POINTS[lab])
    assert rows["reference"]["status"] == ""
    # The release needs work for every point: nothing is earned before it is done.
    assert rows["untouched"]["total"] == "0" and rows["untouched"]["status"] == ""
    assert all(rows["untouched"][q] == "0" for q in columns)
    hand = (tmp_path / "hand_graded.md").read_text()
    assert "### reference" in hand and "YOUR ANSWER HERE" in hand


@pytest.mark.parametrize("lab", LABS)
def test_release_has_no_solution_and_no_hidden_check(lab, built):
    release = (built / "student" / f"{lab}.ipynb").read_text()
    source = nbformat.read(ROOT / "assignments" / lab / f"{lab}.ipynb", as_version=4)
    solution_lines, public_lines = set(), set()
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif len(line.strip()) > 25:
                (solution_lines if inside else public_lines).add(line.strip())
    # A solution line may also be quoted in a question ("rng = np.random.default_rng(seed)").
    public_text = "\n".join(public_lines)
    secret = {line for line in solution_lines if line not in public_text}
    assert secret, "the source notebook should have solutions"
    leaked = [line for line in secret if json.dumps(line)[1:-1] in release]
    assert not leaked, f"solution lines in the student release: {leaked[:3]}"
    assert "raise NotImplementedError()" in release and "YOUR ANSWER HERE" in release
    # The hidden checks: their descriptions, and every line of grading.py that the lab
    # does not show itself (the split of the data, say), reach neither the release nor
    # the reference.
    sys.path.insert(0, str(ROOT))
    from tools.labs.grade import load_lab

    hidden = [check.description for question in load_lab(lab).questions
              for check in question.checks if not check.public]
    grading = (ROOT / "assignments" / lab / "grading.py").read_text()
    hidden += [line.strip() for line in grading.splitlines() if len(line.strip()) > 30
               and not line.strip().startswith(("#", '"""', "from ", "import "))
               and line.strip() not in "\n".join(cell.source for cell in source.cells)]
    reference = (built / "reference" / f"{lab}.ipynb").read_text()
    for text, where in ((release, "release"), (reference, "reference")):
        found = [h for h in hidden if json.dumps(h)[1:-1] in text]
        assert not found, f"hidden checks in the {where}: {found[:3]}"
    assert "grading.py" not in release and "BEGIN HIDDEN TESTS" not in release


# --- lab 1: what students really submit, and what a few will try ---------------------------


def solution_cell(notebook, grade_id):
    matches = [c for c in notebook.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(matches) == 1, grade_id
    return matches[0]


def after(notebook, grade_id, source):
    """Insert a code cell after the cell with this grade_id."""
    index = notebook.cells.index(solution_cell(notebook, grade_id))
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))


WRONG = {  # plausible but wrong answers to all four questions of lab 1
    "stable_softmax": "def stable_softmax(z):\n    return np.zeros_like(z)",
    "stable_log_softmax": "def stable_log_softmax(z):\n    return np.zeros_like(z)",
    "cross_entropy_from_logits": "def cross_entropy_from_logits(logits, y):\n    return 0.0",
    "softmax_with_temperature": "def softmax_with_temperature(z, temperature):\n"
                                "    return np.zeros_like(z)",
}


def wrong(notebook):
    for grade_id, source in WRONG.items():
        solution_cell(notebook, grade_id).source = source
    return notebook


def crafted(reference_path: Path, folder: Path) -> dict[str, int]:
    """Write the crafted submissions; return each one's expected total (worked by hand:
    lab 1 has q1..q4 worth 4 points each: q1-q3 2 public + 2 hidden (1 + 1), q4 1 public
    + 3 hidden)."""
    def fresh():
        return nbformat.read(reference_path, as_version=4)

    submissions: dict[str, tuple[object, int]] = {}
    # Partly correct: q1 right (4); q2 left undone (0); q3 sums instead of averaging:
    # public and the 50-sample check fail, the one-sample check passes (1); q4 right but
    # no ValueError for T <= 0 (4 - 1 = 3).
    nb = fresh()
    solution_cell(nb, "stable_log_softmax").source = (
        "def stable_log_softmax(z):\n    raise NotImplementedError()")
    solution_cell(nb, "cross_entropy_from_logits").source = (
        "def cross_entropy_from_logits(logits, y):\n"
        "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
        "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    return -np.sum(log_p[np.arange(len(y)), y])")
    solution_cell(nb, "softmax_with_temperature").source = (
        "def softmax_with_temperature(z, temperature):\n"
        "    return stable_softmax(np.asarray(z, dtype=float) / temperature)")
    submissions["partly_correct"] = (nb, 4 + 0 + 1 + 3)
    # Failure modes.
    nb = fresh()
    solution_cell(nb, "stable_softmax").source = (
        "def stable_softmax(z):\n    raise ValueError('not today')")
    # q1 and q4 (built on it) lose all but q4's check that T <= 0 raises ValueError.
    submissions["function_raises"] = (nb, 16 - 4 - 3)
    nb = fresh()
    solution_cell(nb, "stable_softmax").source = (
        "def stable_softmax(z):\n    z -= z.max(axis=-1, keepdims=True)\n"
        "    np.exp(z, out=z)\n    z /= z.sum(axis=-1, keepdims=True)\n    return z")
    # Changes its input in place: the checker (replayed with the change) fails at its first
    # check; the hidden checks only look at the values (2 of 4). q4 divides first: 4.
    submissions["modifies_input"] = (nb, 16 - 2)
    nb = fresh()
    after(nb, "imports", "1 / 0")
    submissions["cell_raises"] = (nb, 16)
    nb = fresh()
    after(nb, "stable_softmax", "while True:\n    pass")
    submissions["infinite_loop_cell"] = (nb, 16)  # stopped after the cell limit
    nb = fresh()
    for _ in range(8):
        after(nb, "imports", "while True:\n    pass")
    # 8 cells of 3 s overrun the 20 s notebook limit: the rerun skips those that already
    # ran over their time, and the notebook gets through.
    submissions["many_slow_cells"] = (nb, 16)
    nb = fresh()
    after(nb, "stable_softmax", "import signal, time\nsignal.signal(signal.SIGALRM, "
          "signal.SIG_IGN)\nwhile True:\n    try:\n        time.sleep(1)\n"
          "    except BaseException:\n        pass")
    submissions["stubborn_loop"] = (nb, 16)  # killed at the notebook limit, rerun without it
    nb = fresh()
    solution_cell(nb, "stable_log_softmax").source = (
        "def stable_log_softmax(z):\n    while True:\n        pass")
    submissions["loop_in_function"] = (nb, 16 - 4 - 4)  # q2 and q3 (built on it)
    nb = fresh()
    after(nb, "cross_entropy_from_logits",
          "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    submissions["kernel_death"] = (nb, 16)
    nb = fresh()
    after(nb, "imports", "hog = bytearray(8 << 30)")
    submissions["memory_hog"] = (nb, 16)  # MemoryError under the 3 GiB limit
    nb = fresh()
    nb.cells.remove(solution_cell(nb, "stable_log_softmax"))
    submissions["deleted_cell"] = (nb, 16 - 4 - 4)  # q2 and q3 (built on it)
    nb = fresh()
    nb.cells.reverse()
    submissions["reordered_cells"] = (nb, 16)  # every function exists once all cells ran
    nb = fresh()
    cell = solution_cell(nb, "stable_softmax")
    cell.source = cell.source.replace("def stable_softmax", "def softmax_stable")
    submissions["renamed_function"] = (nb, 16 - 4 - 3)  # the same for a renamed function
    # Attempts: wrong answers, plus a trick that would pass them in the student's kernel.
    nb = wrong(fresh())
    after(nb, "imports", "np.testing.assert_allclose = lambda *a, **k: None\n"
          "np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, *r, **k: "
          "np.ones(np.shape(a), bool)\nnp.array_equal = lambda *a, **k: True")
    submissions["patched_comparisons"] = (nb, 0)
    nb = wrong(fresh())
    after(nb, "softmax_with_temperature", "get_ipython().input_transformers_post.append("
          "lambda lines: ['pass\\n'])")
    submissions["input_transformer"] = (nb, 0)
    nb = wrong(fresh())
    after(nb, "imports", f"""import glob, os, softmax_lib as _sl
_found = []
for _pattern in ["{ROOT}/assignments/**/*", "{ROOT}/*.db", "{folder}/*", "{folder}/../*",
                 "/home/**/grading.py", "/opt/**/grading.py", "/opt/**/*.db",
                 "/opt/**/lab1_softmax.ipynb", "/tmp/**/*", "../*/grading.py"]:
    _found += [p for p in glob.glob(_pattern, recursive=True) if os.path.isfile(p)][:5]
_found += [p for p in ["{ROOT}/assignments/lab1_softmax/grading.py"] if os.path.exists(p)]
if _found:  # with the hidden tests in reach, answer right (with the library)
    stable_softmax = lambda z: _sl.softmax(z, axis=-1)
    stable_log_softmax = lambda z: _sl.log_softmax(z, axis=-1)
    cross_entropy_from_logits = lambda logits, y: _sl.cross_entropy(logits, y)
    print(_found)""")
    submissions["reads_hidden_tests"] = (nb, 0)  # nothing found: the wrong answers stay
    nb = fresh()
    after(nb, "imports", f"""import os, sqlite3
for _path in ["{folder}/grades.csv", "{folder}/feedback/partly_correct.md",
              "{folder}/partly_correct.ipynb", "{ROOT}/pwned.txt", "/tmp/pwned-by-student",
              "{ROOT}/assignments/lab1_softmax/grading.py"]:
    try:
        with open(_path, "a") as _f:
            _f.write("pwned")
    except OSError:
        pass
try:
    _db = sqlite3.connect("{folder}/gradebook.db")
    _db.execute("UPDATE grade SET score = 100")
    _db.commit()
except Exception:
    pass""")
    submissions["writes_outside"] = (nb, 16)  # right answers: it keeps its own 16
    nb = wrong(fresh())
    solution_cell(nb, "stable_softmax").source = (
        "def stable_softmax(z):\n    raise ValueError('Total Score: 16 / 16')")
    after(nb, "imports", "print('Total Score: 16 / 16')\nprint('Autograded: 16 of 16 points.')\n"
          "class Autograded_16_of_16(Exception):\n    pass\n"
          "open('progress', 'w').write('Total Score: 16 / 16')")
    submissions["fake_total_score"] = (nb, 0)
    nb = wrong(fresh())
    after(nb, "imports", "import json\n"
          "with open('results.jsonl', 'a') as _f:\n"
          "    for _i in range(200):\n"
          "        _f.write(json.dumps({'kind': 'call', 'id': _i, 'outcome': 1e9}) + '\\n')")
    submissions["forged_results"] = (nb, 0)
    expected = {}
    for name, (notebook, total) in submissions.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
        expected[name] = total
    (folder / "invalid_json.ipynb").write_text('{"cells": [')
    (folder / "empty.ipynb").write_text("")
    (folder / "not_a_notebook.ipynb").write_text("{}")
    (folder / "no_notebook").mkdir()
    (folder / "no_notebook" / "notes.txt").write_text("forgot")
    (folder / "in_a_folder").mkdir()
    (folder / "in_a_folder" / "lab1_softmax.ipynb").write_bytes(reference_path.read_bytes())
    expected.update(invalid_json=0, empty=0, not_a_notebook=0, no_notebook=0, in_a_folder=16)
    return expected


STATUS = {  # a word the status column must hold for each case (empty: must be empty)
    "partly_correct": "", "function_raises": "", "cell_raises": "", "modifies_input": "",
    "infinite_loop_cell": "stopped after 3 s", "stubborn_loop": "time limit",
    "many_slow_cells": "stopped after 3 s",
    "loop_in_function": "ran over 2 s", "kernel_death": "ended the Python process",
    "memory_hog": "", "deleted_cell": "not defined: stable_log_softmax",
    "reordered_cells": "", "renamed_function": "not defined: stable_softmax",
    "patched_comparisons": "", "input_transformer": "", "reads_hidden_tests": "",
    "writes_outside": "", "fake_total_score": "", "forged_results": "",
    "invalid_json": "not a valid notebook", "empty": "empty file",
    "not_a_notebook": "not a valid notebook", "no_notebook": "no lab1_softmax.ipynb",
    "in_a_folder": "",
}


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_crafted_submissions(built, sandboxed, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    expected = crafted(built / "reference" / "lab1_softmax.ipynb", folder)
    assert set(expected) == set(STATUS)
    gradebook = folder / "gradebook.db"
    with sqlite3.connect(gradebook) as db:
        db.execute("CREATE TABLE grade (student TEXT, score REAL)")
        db.execute("INSERT INTO grade VALUES ('earlier_student', 3)")
    (ROOT / "pwned.txt").unlink(missing_ok=True)
    Path("/tmp/pwned-by-student").unlink(missing_ok=True)
    before = digest(folder)
    grading_py = (ROOT / "assignments" / "lab1_softmax" / "grading.py").read_bytes()

    rows = grade("lab1_softmax", folder, env=FAST)

    totals = {name: int(float(row["total"])) for name, row in rows.items()}
    assert {k: (totals[k], v) for k, v in expected.items() if totals[k] != v} == {}
    for name, word in STATUS.items():
        status = rows[name]["status"]
        assert (word in status) if word else status == "", (name, status)
        assert float(rows[name]["total"]) <= float(rows[name]["max"]) == 16
    # Partial credit is per question.
    partly = rows["partly_correct"]
    assert [partly[q] for q in ("q1_stable_softmax", "q2_stable_log_softmax",
                                "q3_cross_entropy_from_logits",
                                "q4_softmax_with_temperature")] == ["4", "0", "1", "3"]
    # Nothing outside its own scratch folder changed: no submission, no gradebook, no file
    # of the repository, and nothing in the machine's /tmp.
    after_grading = digest(folder)
    assert {k: v for k, v in after_grading.items() if k in before} == before
    assert not (ROOT / "pwned.txt").exists() and not Path("/tmp/pwned-by-student").exists()
    assert (ROOT / "assignments" / "lab1_softmax" / "grading.py").read_bytes() == grading_py
    with sqlite3.connect(gradebook) as db:
        assert db.execute("SELECT score FROM grade").fetchall() == [(3.0,)]
    # The feedback tells the real score and nothing printed by the notebook.
    fake = (folder / "feedback" / "fake_total_score.md").read_text()
    assert "Autograded: 0 of 16 points." in fake and "16 of 16" not in fake
    assert "Total Score" not in fake


def test_feedback_shows_no_hidden_check(built, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    nb = wrong(nbformat.read(built / "reference" / "lab1_softmax.ipynb", as_version=4))
    nbformat.write(nb, folder / "student.ipynb")
    grade("lab1_softmax", folder)
    feedback = (folder / "feedback" / "student.md").read_text()
    assert "hidden checks (2 pt): 0 of 2 passed" in feedback
    sys.path.insert(0, str(ROOT))
    from tools.labs.grade import load_lab

    hidden = [check.description for question in load_lab("lab1_softmax").questions
              for check in question.checks if not check.public]
    assert len(hidden) == 9
    # No hidden check's description, input or code reaches the student.
    assert not [description for description in hidden if description in feedback]
    for secret in ("spread 500", "16_001", "-1e4", "T = 1e-3"):
        assert secret not in feedback


def test_without_sandbox_grading_works_and_warns(built, tmp_path):
    (tmp_path / "reference.ipynb").write_bytes(
        (built / "reference" / "lab1_softmax.ipynb").read_bytes())
    result = labs("grade", "lab1_softmax", tmp_path, env={"LABS_SANDBOX": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WITHOUT a sandbox" in result.stderr and "NOT sandboxed" in result.stdout
    assert read_grades(tmp_path)["reference"]["total"] == "16"


@pytest.mark.parametrize("lab", ["lab1_softmax", "lab2_gradient"])
def test_an_instructors_own_hidden_seed(lab, built, tmp_path):
    """Other hidden inputs (LABS_HIDDEN_SEED): the reference still earns full marks, and
    wrong answers still earn nothing."""
    (tmp_path / "reference.ipynb").write_bytes((built / "reference" / f"{lab}.ipynb").read_bytes())
    notebook = nbformat.read(built / "reference" / f"{lab}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            name = cell.source.split("def ")[1].split("(")[0]
            cell.source = f"def {name}(*args):\n    return np.zeros(3)"
    nbformat.write(notebook, tmp_path / "wrong.ipynb")
    rows = grade(lab, tmp_path, env={"LABS_HIDDEN_SEED": "20261129"})
    assert rows["reference"]["total"] == str(MAX_POINTS[lab])
    assert rows["wrong"]["total"] == "0"


def test_a_row_above_the_maximum_is_rejected():
    sys.path.insert(0, str(ROOT))
    from tools.labs.grade import Row, validate
    from tools.labs.spec import Lab, Question

    lab = Lab("x", "x", [Question("q1", "q1", []), Question("q2", "q2", [])], [])
    lab.questions[0].checks = [type("C", (), {"points": 2})()]
    lab.questions[1].checks = [type("C", (), {"points": 3})()]
    fine = Row("a", scores={"q1": 2, "q2": 1})
    validate(fine, lab)
    assert fine.scores == {"q1": 2, "q2": 1} and not fine.status
    for scores in ({"q1": 3, "q2": 0}, {"q1": -1, "q2": 3}, {"q1": 1, "q2": 1, "bonus": 5}):
        row = Row("b", scores=dict(scores))
        validate(row, lab)
        assert row.status == ["rejected: score outside 0..max, check by hand"]
        assert row.scores == {"q1": 0.0, "q2": 0.0}


@pytest.mark.parametrize("lab", LABS)
def test_points_agree_between_notebook_and_grader(lab):
    """The points nbgrader's metadata (and the question text) give a question are the sum
    of the grader's checks; each written answer has its answer cell."""
    sys.path.insert(0, str(ROOT))
    from tools.labs.grade import load_lab

    spec = load_lab(lab)
    source = nbformat.read(ROOT / "assignments" / lab / f"{lab}.ipynb", as_version=4)
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert {q.id: q.points for q in spec.questions} | {w.id: w.points for w in spec.written} \
        == graded
    assert spec.max_points == MAX_POINTS[lab]
    for question in spec.questions:
        public = sum(c.points for c in question.checks if c.public)
        hidden = question.points - public
        text = f"({question.points:g} points: {public:g} public, {hidden:g} hidden)"
        assert any(text in c.source for c in source.cells if c.cell_type == "markdown"), text


# --- labs 3 and 4: partly correct submissions ----------------------------------------------

WEAK_FASHION = ("W_fashion, b_fashion, _ = minibatch_sgd(X_train, y_train, 10, 0.2, 1000, 1, 0)\n"
                "val_accuracy = evaluate(W_fashion, b_fashion, X_val, y_val)[1]")
PARTLY_CORRECT = {
    # lab 3: q1 4, q2 5, q3 3, q4 4 (1 public: validation accuracy >= 0.75 computed by the
    # grader from W_fashion; 2: test accuracy >= 0.78; 1: val_accuracy honest).
    "lab3_training": {
        # 5 steps of 1000 rows: a weak model (validation accuracy far below 0.75), honest.
        "weak_model": ({"fashion_training": WEAK_FASHION}, [4, 5, 3, 1]),
        # The same weak model with a made-up validation accuracy: q4 earns nothing.
        "faked_accuracy": ({"fashion_training": WEAK_FASHION.replace(
            "val_accuracy = evaluate(W_fashion, b_fashion, X_val, y_val)[1]",
            "val_accuracy = 0.91")}, [4, 5, 3, 0]),
        # One order for every epoch: the checker fails at "a new order every epoch" (0 of
        # 3), the uneven-batch check fails, a batch larger than the data passes (any order
        # gives the same full-batch step): 1 of 5. The Fashion model is still good: 4.
        "same_order_every_epoch": ({"minibatch_sgd": """\
def minibatch_sgd(X, y, n_classes, learning_rate, batch_size, n_epochs, seed):
    rng = np.random.default_rng(seed)
    W, b = np.zeros((n_classes, X.shape[1])), np.zeros(n_classes)
    order = rng.permutation(len(X))
    epoch_losses = []
    for _ in range(n_epochs):
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            _, grad_W, grad_b = loss_and_gradient(W, b, X[rows], y[rows])
            W, b = W - learning_rate * grad_W, b - learning_rate * grad_b
        epoch_losses.append(loss_and_gradient(W, b, X, y)[0])
    return W, b, np.array(epoch_losses)"""}, [4, 1, 3, 4]),
    },
    # lab 4: four questions of 3 points, 1 public + 2 hidden each.
    "lab4_sklearn": {
        # Picks the C with the LARGEST validation loss (0.001): q3 keeps only its public
        # point; q4 keeps its public point (best_C is a candidate) but best_C is wrong and
        # the accuracy of a model with C = 0.001 is not the right one.
        "argmax_instead_of_argmin": ({"choose_C": """\
def choose_C(X_train, y_train, X_val, y_val, Cs):
    return Cs[int(np.argmax(validation_log_losses(X_train, y_train, X_val, y_val, Cs)))]"""},
                                     [3, 3, 1, 1]),
    },
}


@pytest.mark.parametrize("lab", sorted(PARTLY_CORRECT))
def test_partly_correct_submissions(lab, built, tmp_path):
    cases = PARTLY_CORRECT[lab]
    for name, (changes, _) in cases.items():
        notebook = nbformat.read(built / "reference" / f"{lab}.ipynb", as_version=4)
        for grade_id, new_source in changes.items():
            solution_cell(notebook, grade_id).source = new_source
        nbformat.write(notebook, tmp_path / f"{name}.ipynb")
    rows = grade(lab, tmp_path)
    columns = questions(lab, built)
    for name, (_, expected) in cases.items():
        assert [int(float(rows[name][q])) for q in columns] == expected, name
        assert rows[name]["status"] == ""


def test_instructors_page_states_each_labs_points_and_time():
    sys.path.insert(0, str(ROOT))
    from tools.labs.grade import load_lab

    page = (ROOT / "book" / "instructors.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `lab")]
    assert len(rows) == len(LABS)
    for lab, row in zip(LABS, rows, strict=True):
        spec = load_lab(lab)
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        written = sum(w.points for w in spec.written)
        assert cells[:3] == [f"`{lab}`", f"{spec.max_points:g} + {written:g}",
                             f"{spec.minutes} min"], row
