"""The chapters teach on the page and check behind it (CONTRIBUTING.md, issue 14).

For every chapter notebook: at most three visible checks (the ones that are the lesson),
no build plumbing in a visible cell, every figure captioned, labelled and referenced
from the prose, no prose that points at an output instead of stating the number, and a
core path short enough to read in about half an hour.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from chapter_rules import alt_text_problems, measure

ROOT = Path(__file__).resolve().parents[1]
# The numbered chapters and their "Going deeper" pages. The performance appendix follows
# the same rules for checks, plumbing and figures, but is a report, not a chapter with a
# reading-time budget.
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]*.ipynb"))
PAGES = [*CHAPTERS, ROOT / "book" / "appendix_performance.ipynb"]
MAX_VISIBLE_CHECKS = 3
MAX_CORE_WORDS = 3000  # about 30 minutes of technical prose at 100 words a minute


def test_six_core_chapters_then_the_practice_part():
    # 01-06 teach the model (04a goes deeper into 04); 07 onwards is Part 2, practice.
    numbered = [p.stem for p in CHAPTERS if p.stem[2] == "_"]
    assert [int(stem[:2]) for stem in numbered] == list(range(1, len(numbered) + 1))
    assert len(numbered) >= 6


@pytest.mark.parametrize("chapter", PAGES, ids=lambda p: p.stem)
def test_at_most_three_visible_checks(chapter):
    checks = measure(chapter).visible_checks
    assert len(checks) <= MAX_VISIBLE_CHECKS, "\n".join(checks)


@pytest.mark.parametrize("chapter", PAGES, ids=lambda p: p.stem)
def test_no_plumbing_in_visible_cells(chapter):
    assert measure(chapter).visible_plumbing == []


@pytest.mark.parametrize("chapter", PAGES, ids=lambda p: p.stem)
def test_every_figure_is_captioned_labelled_and_referenced(chapter):
    stats = measure(chapter)
    assert stats.figures_without_caption == [], "cells whose figure has no caption or name"
    assert stats.unreferenced_figures == [], "figures the prose never refers to with {numref}"
    number = chapter.stem.split("_")[0]
    prefix = "fig-" + ("perf" if number == "appendix" else number) + "-"
    assert all(name.startswith(prefix) for name in stats.figure_names), stats.figure_names


@pytest.mark.parametrize("chapter", PAGES, ids=lambda p: p.stem)
def test_every_figure_has_descriptive_alt_text(chapter):
    # A slider figure (course_figures) has one alt text per frame; see alt_text_problems.
    problems = [problem for cell in json.loads(chapter.read_text())["cells"]
                for problem in alt_text_problems(cell)]
    assert problems == []


@pytest.mark.parametrize("chapter", PAGES, ids=lambda p: p.stem)
def test_prose_states_numbers_instead_of_pointing_at_outputs(chapter):
    assert measure(chapter).stale_pointers == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_core_path_reads_in_about_half_an_hour(chapter):
    stats = measure(chapter)
    assert stats.core_words <= MAX_CORE_WORDS, (
        f"{stats.core_words} words on the core path; move depth into '(optional)' sections")


def test_the_rules_see_what_they_claim_to(tmp_path):
    """A planted notebook: the measurements find each planted problem."""
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Title\n\nTen words of core "
         "prose, then a pointer: the cell above prints 3.\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": "from myst_nb import glue\nassert 1 + 1 == 2\nnp.testing.assert_allclose(1, 1)"},
        {"cell_type": "code", "metadata": {"tags": ["remove-cell"]}, "outputs": [],
         "execution_count": 2, "source": "assert True\nglue('x', 1, display=False)"},
        {"cell_type": "markdown", "metadata": {}, "source": "## Depth (optional)\n\nfour words "
         "of depth\n\n### Sub\n\nthree more words\n\n## Exercises\n\ntwo words"},
        {"cell_type": "code", "metadata": {"mystnb": {"figure": {"caption": "c",
         "name": "fig-99-x"}}}, "execution_count": 3, "source": "plot()",
         "outputs": [{"output_type": "display_data", "data": {"image/png": ""}}]},
        {"cell_type": "code", "metadata": {}, "execution_count": 4, "source": "plot()",
         "outputs": [{"output_type": "display_data", "data": {"image/png": ""}}]},
    ]
    path = tmp_path / "99_planted.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    stats = measure(path)
    assert len(stats.visible_checks) == 2
    assert len(stats.visible_plumbing) == 1
    assert stats.figures_without_caption == [5]
    assert stats.unreferenced_figures == ["fig-99-x"]
    assert len(stats.stale_pointers) == 1
    assert stats.optional_words == 7 and stats.exercise_words == 2
    assert stats.core_words == 12  # the sentence (headings and numbers are not counted)


def test_a_going_deeper_page_is_optional_material(tmp_path):
    cells = [{"cell_type": "markdown", "metadata": {},
              "source": "# Going deeper: more\n\nfive words on this page\n\n## A section\n\n"
                        "and three more\n\n## Exercises\n\nan exercise"}]
    path = tmp_path / "99a_deeper.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    stats = measure(path)
    assert (stats.core_words, stats.optional_words, stats.exercise_words) == (0, 8, 2)


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if re.match(r"\| \{doc\}`\d", line)]


def test_instructors_page_states_the_measured_reading_times():
    from chapter_rules import reading_times_table

    stated = _table_rows((ROOT / "book" / "instructors.md").read_text())
    measured = reading_times_table(ROOT / "book").splitlines()
    assert stated == measured, "regenerate with: python3 tests/chapter_rules.py --table"


def test_intro_states_the_measured_core_reading_times():
    from chapter_rules import measure, minutes_text

    rows = [line for line in (ROOT / "book" / "intro.md").read_text().splitlines()
            if re.search(r"\{doc\}`\d", line) and line.startswith("| ")]
    assert len(rows) == len(CHAPTERS)
    for row in rows:
        stem = row.split("{doc}`")[1].split("`")[0]
        stats = measure(ROOT / "book" / f"{stem}.ipynb")
        words = stats.core_words or stats.optional_words  # an optional page: its own time
        assert row.rstrip(" |").endswith(minutes_text(words)), row


@pytest.mark.parametrize("notebook", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.stem)
def test_glued_numbers_are_plain_python_numbers(notebook):
    # A glued np.float64 is stored as the text "np.float64(1.46)", which {glue:text}`x:.2f`
    # cannot format: the build then fails. Glue float(x) or int(x) instead.
    bad = []
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            text = json.dumps(output.get("data", {}))
            if name and ("np.float" in text or "np.int" in text or "np.bool" in text):
                bad.append(name)
    assert bad == []


def _slider_cell(name: str, alts: list[str], caption: bool = True) -> dict:
    """A planted cell showing a slider figure, as course_figures writes it."""
    frames = json.dumps([{"text": f"v = {i}", "alt": alt, "caption": "c", "src": None}
                         for i, alt in enumerate(alts)])
    html = (f'<figure class="course-slider" id="{name}-slider-root" data-frames="{len(alts)}">'
            f'<img src="data:image/png;base64,AA==" alt="{alts[0]}">'
            f'<script type="application/json">{frames}</script></figure>')
    figure = {"caption": "A slider.", "name": "fig-99-slider"} if caption else {}
    return {"cell_type": "code", "execution_count": 1, "source": "slider_figure(...)",
            "metadata": {"mystnb": {"figure": figure}} if caption else {},
            "outputs": [{"output_type": "display_data", "metadata": {},
                         "data": {"text/html": html, "image/png": "AA==",
                                  "text/plain": "<slider figure>"}}]}


def test_slider_figures_are_figures_with_alt_text_per_frame(tmp_path):
    good = ["A bar chart of four probabilities at temperature one half",
            "A bar chart of four probabilities at temperature two, flatter"]
    assert alt_text_problems(_slider_cell("fig-99-slider", good)) == []
    short = alt_text_problems(_slider_cell("fig-99-slider", [good[0], "bars"]))
    assert short == ["fig-99-slider: frame 'v = 1' alt text too short: 'bars'"]
    assert alt_text_problems(_slider_cell("fig-99-slider", [good[0], good[0]])) == [
        "fig-99-slider: two frames of the slider share an alt text"]
    assert alt_text_problems(_slider_cell("fig-99-other", good)) == [
        "fig-99-slider: the slider figure is named 'fig-99-other'"]
    # Without a caption and a name, a slider figure is an uncaptioned figure like any other.
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Title"},
             _slider_cell("fig-99-slider", good, caption=False)]
    path = tmp_path / "99_slider.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    assert measure(path).figures_without_caption == [1]
