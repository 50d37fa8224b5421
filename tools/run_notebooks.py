"""Re-run notebooks top to bottom in place, so their committed outputs are fresh.

    .venv/bin/python tools/run_notebooks.py book/01_scores_to_probabilities.ipynb ...
    .venv/bin/python tools/run_notebooks.py            # every notebook in book/

Run it after editing a chapter and before committing: strict nbval compares the stored
outputs with a fresh run. Execution metadata (timestamps) is dropped so that re-running
an unchanged notebook leaves the file unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KERNEL_METADATA = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def run_notebook(path: Path, timeout: int = 600) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["kernelspec"] = KERNEL_METADATA
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    notebook.metadata.get("language_info", {}).pop("version", None)
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(ROOT)}")


def main(argv: list[str]) -> None:
    paths = [Path(p).resolve() for p in argv] or sorted((ROOT / "book").glob("**/*.ipynb"))
    for path in paths:
        if ".ipynb_checkpoints" not in path.parts and "_build" not in path.parts:
            run_notebook(path)


if __name__ == "__main__":
    main(sys.argv[1:])
