"""The table of contents and the chapter notebooks agree, and every chapter uses the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from book_toc import resolve as _resolve
from book_toc import toc_files as _toc_files

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


BOOK_NOTEBOOKS = sorted(
    p
    for p in BOOK.glob("**/*.ipynb")
    if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
)


def test_every_toc_entry_exists():
    missing = []
    for entry in _toc_files():
        try:
            _resolve(entry)
        except FileNotFoundError:
            missing.append(entry)
    assert missing == []


def test_toc_lists_every_notebook_in_book():
    listed = {_resolve(entry) for entry in _toc_files()}
    assert [p.relative_to(ROOT) for p in BOOK_NOTEBOOKS if p not in listed] == []


@pytest.mark.parametrize("notebook", BOOK_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_softmax_lib_and_is_executed(notebook: Path):
    cells = json.loads(notebook.read_text())["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    source = "\n".join("".join(cell["source"]) for cell in code)
    assert "import softmax_lib" in source or "from softmax_lib" in source
    unexecuted = [
        i
        for i, cell in enumerate(code)
        if cell["execution_count"] is None and "".join(cell["source"]).strip()
    ]
    assert unexecuted == [], "re-run the notebook (tools/run_notebooks.py) before committing"
    counts = [cell["execution_count"] for cell in code if cell["execution_count"] is not None]
    assert counts == list(range(1, len(counts) + 1)), (
        "cells were run out of order; re-run top to bottom"
    )


@pytest.mark.parametrize("notebook", BOOK_NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_hold_no_errors_or_warnings(notebook: Path):
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error"
            assert output.get("name") != "stderr", "".join(output.get("text", ""))


@pytest.mark.parametrize("notebook", BOOK_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_structure(notebook: Path):
    markdown = "\n".join(
        "".join(cell["source"])
        for cell in json.loads(notebook.read_text())["cells"]
        if cell["cell_type"] == "markdown"
    )
    lines = markdown.splitlines()
    assert sum(line.startswith("# ") for line in lines) == 1, "exactly one level-1 title"
    assert "Learning objectives" in markdown
    assert "## Summary" in markdown
    assert markdown.count("```{exercise}") + markdown.count("```{exercise-start}") >= 3
    assert "{cite" in markdown, "cite the chapter's sources from book/references.bib"
