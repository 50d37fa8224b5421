"""``python -m tools.labs build [lab ...]`` or ``python -m tools.labs grade <lab> <folder>``
(run by ``tasks.py`` in the labs' own environment, ``.venv-labs``)."""

from __future__ import annotations

import sys
from pathlib import Path

USAGE = "usage: python3 tasks.py labs [lab ...] | python3 tasks.py grade <lab> <folder>"


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("build", "grade"):
        raise SystemExit(USAGE)
    if argv[0] == "build":
        from .build import build, lab_names

        unknown = set(argv[1:]) - set(lab_names())
        if unknown:
            raise SystemExit(f"unknown lab(s) {sorted(unknown)}; the labs are: {lab_names()}")
        build(argv[1:] or None)
    else:
        if len(argv) != 3:
            raise SystemExit(USAGE)
        from .grade import grade_folder

        grade_folder(argv[1], Path(argv[2]))


if __name__ == "__main__":
    main(sys.argv[1:])
