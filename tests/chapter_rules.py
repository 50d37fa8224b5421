"""What a reader of a chapter sees, measured: prose length, visible checks, plumbing, figures.

The rules of CONTRIBUTING.md ("teach on the page, check behind it") as functions, used by
``tests/test_chapter_rules.py`` and by authors while they write::

    .venv/bin/python tests/chapter_rules.py book/01_scores_to_probabilities.ipynb
    .venv/bin/python tests/chapter_rules.py --table   # the instructors page's time table

A section whose heading ends in "(optional)", and a whole page whose title starts with
"Going deeper", count as optional material. Exercises and references are counted apart.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: Tags that keep a cell's source off the page (the cell still runs on every build).
HIDDEN_SOURCE_TAGS = frozenset({"remove-cell", "remove-input"})

#: A visible check: an ``assert`` statement or a NumPy testing assertion.
VISIBLE_CHECK = re.compile(r"^\s*assert\b|\bnp\.testing\.assert_|\bassert_allclose\(")

#: Build plumbing a reader should never see.
PLUMBING = re.compile(r"\bglue\b|myst_nb|NBVAL_|\bglue_number\b|\bfmt_\w+\(")

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_BACK_MATTER = ("exercises", "references")


@dataclass
class ChapterStats:
    """Measurements of one notebook, as its reader meets it."""

    path: Path
    core_words: int = 0
    optional_words: int = 0
    exercise_words: int = 0
    visible_checks: list[str] = field(default_factory=list)
    visible_plumbing: list[str] = field(default_factory=list)
    figures_without_caption: list[int] = field(default_factory=list)
    figure_names: list[str] = field(default_factory=list)
    unreferenced_figures: list[str] = field(default_factory=list)
    stale_pointers: list[str] = field(default_factory=list)

    @property
    def reading_minutes(self) -> float:
        """Core-path reading time at 100 words a minute (technical prose with maths)."""
        return self.core_words / 100


def prose_words(markdown: str) -> int:
    """Count the words of running prose: no code blocks, display maths or directive options."""
    text = re.sub(r"\$\$.*?\$\$", " ", markdown, flags=re.S)
    text = re.sub(r"```(?:python|bash|text|console|md)\b.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"`[^`\n]*`", " x ", text)  # inline code counts as one word
    kept = [
        line
        for line in text.splitlines()
        if not line.lstrip().startswith(("```", ":::", ":"))
    ]
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", "\n".join(kept)))


def _add_words(stats: ChapterStats, kind: str, lines: list[str]) -> None:
    words = prose_words("\n".join(lines))
    if kind == "optional":
        stats.optional_words += words
    elif kind == "exercises":
        stats.exercise_words += words
    else:
        stats.core_words += words


def _is_image_output(output: dict) -> bool:
    # A slider figure (course_figures) counts too: its output holds its default frame as PNG.
    return "image/png" in output.get("data", {}) or "image/svg+xml" in output.get("data", {})


_SLIDER_ROOT = re.compile(r'<figure class="course-slider" id="([^"]+)-slider-root"')
_SLIDER_FRAMES = re.compile(r'<script type="application/json">(.*?)</script>', re.S)
MIN_ALT_WORDS = 8


def slider_frames(cell: dict) -> tuple[str, list[dict]] | None:
    """The name and frames (text, alt, caption) of a cell's slider figure, if it shows one."""
    for output in cell.get("outputs", []):
        page = output.get("data", {}).get("text/html", "")
        page = "".join(page) if isinstance(page, list) else page
        root = _SLIDER_ROOT.search(page)
        if root:
            return root.group(1), json.loads(_SLIDER_FRAMES.search(page).group(1))
    return None


def alt_text_problems(cell: dict) -> list[str]:
    """What is wrong with the alt text of a captioned figure's cell (empty if nothing).

    A static figure takes its alt text from the cell metadata (``mystnb.image.alt``); a
    slider figure has one per frame, which must each say what the frame shows, differ
    from frame to frame (the image changes), and belong to the figure the metadata names.
    """
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
    if not figure:
        return []
    name = figure.get("name")
    slider = slider_frames(cell)
    if slider is None:
        alt = cell["metadata"]["mystnb"].get("image", {}).get("alt", "")
        if len(alt.split()) < MIN_ALT_WORDS:
            return [f"{name}: alt text too short: {alt!r}"]
        return []
    slider_name, frames = slider
    problems = [f"{name}: frame {frame['text']!r} alt text too short: {frame['alt']!r}"
                for frame in frames if len(frame["alt"].split()) < MIN_ALT_WORDS]
    if len({frame["alt"] for frame in frames}) < len(frames):
        problems.append(f"{name}: two frames of the slider share an alt text")
    if slider_name != name:
        problems.append(f"{name}: the slider figure is named {slider_name!r}")
    return problems


def measure(path: Path) -> ChapterStats:
    """Measure one chapter notebook."""
    cells = json.loads(Path(path).read_text())["cells"]
    stats = ChapterStats(Path(path))
    markdown_all = "\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    title = next((m.group(2) for line in markdown_all.splitlines()
                  if (m := _HEADING.match(line)) and len(m.group(1)) == 1), "")
    whole_page_optional = title.lower().startswith("going deeper")

    # Which kind of section is each line in? A stack of (level, kind).
    page_kind = "optional" if whole_page_optional else "core"
    section: list[tuple[int, str]] = [(1, page_kind)]
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            chunk: list[str] = []
            in_fence = False
            for line in source.splitlines():
                if line.lstrip().startswith("```"):
                    # Open on a fence with a language or directive, close on a bare one.
                    in_fence = line.strip() != "```"
                match = _HEADING.match(line) if not in_fence else None
                if not match:
                    chunk.append(line)
                    continue
                _add_words(stats, section[-1][1], chunk)
                chunk = []
                level, heading = len(match.group(1)), match.group(2)
                while section and section[-1][0] >= level:
                    section.pop()
                parent = section[-1][1] if section else page_kind
                if heading.lower().rstrip().endswith("(optional)"):
                    kind = "optional"
                elif level == 2 and heading.lower().startswith(_BACK_MATTER):
                    kind = "exercises"
                else:
                    kind = parent
                section.append((level, kind))
            _add_words(stats, section[-1][1], chunk)
            for pointer in re.findall(r"[Tt]he cells? (?:above|below) (?:prints?|shows?)", source):
                stats.stale_pointers.append(f"cell {index}: {pointer!r}")
            continue
        if cell["cell_type"] != "code":
            continue
        metadata = cell.get("metadata", {})
        tags = set(metadata.get("tags", []))
        visible = not (tags & HIDDEN_SOURCE_TAGS)
        if visible:
            for line in source.splitlines():
                if VISIBLE_CHECK.search(line):
                    stats.visible_checks.append(f"cell {index}: {line.strip()}")
                if PLUMBING.search(line):
                    stats.visible_plumbing.append(f"cell {index}: {line.strip()}")
        if "remove-cell" in tags or "remove-output" in tags:
            continue
        if any(_is_image_output(o) for o in cell.get("outputs", [])):
            figure = metadata.get("mystnb", {}).get("figure", {})
            if not figure.get("caption") or not figure.get("name"):
                stats.figures_without_caption.append(index)
            else:
                stats.figure_names.append(figure["name"])
    for name in stats.figure_names:
        if not re.search(r"\{numref\}`(?:[^`<]*<)?" + re.escape(name) + r">?`", markdown_all):
            stats.unreferenced_figures.append(name)
    return stats


def count_exercises(path: Path) -> int:
    """Number of ``{exercise}`` directives (plain or gated) in a notebook."""
    text = "\n".join("".join(c["source"]) for c in json.loads(Path(path).read_text())["cells"]
                     if c["cell_type"] == "markdown")
    return text.count("```{exercise}") + text.count("```{exercise-start}")


def minutes(words: int) -> int:
    """Reading time of ``words`` at 100 words a minute, to the nearest 5 minutes (>= 5)."""
    return max(5, 5 * round(words / 500))


def minutes_text(words: int) -> str:
    return "under 5 min" if words < 250 else f"{minutes(words)} min"


def reading_times_table(book: Path) -> str:
    """The instructors page's table: per chapter page, the reading times and exercises."""
    rows = []
    for path in sorted(book.glob("[0-9][0-9]*.ipynb")):
        stats = measure(path)
        core = minutes_text(stats.core_words) if stats.core_words else "(all optional)"
        rows.append(f"| {{doc}}`{path.stem}` | {core} | {minutes_text(stats.optional_words)} "
                    f"| {count_exercises(path)} |")
    return "\n".join(rows)


def main(paths: list[str]) -> None:
    for path in paths:
        s = measure(Path(path))
        print(f"{s.path.name}: core {s.core_words} words (~{s.reading_minutes:.0f} min), "
              f"optional {s.optional_words}, exercises {s.exercise_words}")
        print(f"  visible checks ({len(s.visible_checks)}):")
        for line in s.visible_checks:
            print("    ", line)
        print(f"  visible plumbing ({len(s.visible_plumbing)}):")
        for line in s.visible_plumbing:
            print("    ", line)
        print(f"  figures: {len(s.figure_names)} captioned; without caption/label: "
              f"cells {s.figures_without_caption}; never referenced: {s.unreferenced_figures}")
        if s.stale_pointers:
            print("  prose that points at outputs:", s.stale_pointers)


if __name__ == "__main__":
    if sys.argv[1:] == ["--table"]:
        print(reading_times_table(Path("book")))
    else:
        main(sys.argv[1:] or sorted(str(p) for p in Path("book").glob("[0-9]*.ipynb")))
