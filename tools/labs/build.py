"""Build every lab: ``python3 tasks.py labs``.

For each ``assignments/<lab>/<lab>.ipynb`` (the source: nbgrader's solution markers and
cell metadata, with the worked solutions), nbgrader's ``generate_assignment`` writes the
student release to ``_build/labs/student/<lab>.ipynb`` (solutions replaced by
``raise NotImplementedError()``, answers by "YOUR ANSWER HERE", cells locked and
checksummed). The reference submission ``_build/labs/reference/<lab>.ipynb`` is that
release with each solution cell filled in from the source, executed top to bottom:
the notebook a student who solved everything would hand in.

The source notebooks hold no hidden check: those live in ``assignments/<lab>/grading.py``,
which is never copied into a release, a sandbox or feedback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ROOT / "assignments"
OUT = ROOT / "_build" / "labs"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def lab_names() -> list[str]:
    return sorted(p.parent.name for p in ASSIGNMENTS.glob("*/grading.py")
                  if (p.parent / f"{p.parent.name}.ipynb").exists())


def generate_release(lab: str, destination: Path) -> None:
    """nbgrader generate_assignment in a throwaway course folder, without a database."""
    with tempfile.TemporaryDirectory() as course:
        source = Path(course) / "source" / lab
        source.mkdir(parents=True)
        shutil.copy(ASSIGNMENTS / lab / f"{lab}.ipynb", source)
        nbgrader = Path(sys.executable).with_name("nbgrader")
        subprocess.run([str(nbgrader), "generate_assignment", lab, "--no-db", "--force",
                        f"--CourseDirectory.root={course}", "--log-level=ERROR"],
                       check=True, cwd=course)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(course) / "release" / lab / f"{lab}.ipynb", destination)


def strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in MARKERS).strip("\n")


def build_reference(lab: str, release: Path, destination: Path, execute: bool = True) -> None:
    source = nbformat.read(ASSIGNMENTS / lab / f"{lab}.ipynb", as_version=4)
    solutions = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in source.cells
                 if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = strip_markers(solutions[grade_id])
    if execute:
        env_path = os.environ.get("PYTHONPATH", "")
        os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env_path}" if env_path else str(ROOT)
        with tempfile.TemporaryDirectory() as folder:
            NotebookClient(notebook, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": folder}}).execute()
    destination.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, destination)


def build(labs: list[str] | None = None, execute: bool = True) -> None:
    for lab in labs or lab_names():
        release = OUT / "student" / f"{lab}.ipynb"
        generate_release(lab, release)
        build_reference(lab, release, OUT / "reference" / f"{lab}.ipynb", execute)
        print(f"{lab}: {release.relative_to(ROOT)} and "
              f"{(OUT / 'reference' / f'{lab}.ipynb').relative_to(ROOT)}", flush=True)
