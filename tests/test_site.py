"""The website as readers see it, in headless Chromium with no network.

The site is built first if any source is newer than the last build (``tools/build_site.py``,
from the committed notebook outputs, which strict nbval checks in the same run), then
served on 127.0.0.1, and every page is visited at a desktop and a phone width; any request
that would leave the machine is blocked and counted as a failure. The checks themselves
are in ``sitecheck.py``; the last test plants defects in a copy of a page to show that
they fail when they should. Screenshots go to ``tests/artifacts/screenshots`` (not
committed): look at them after changing the layout.

Run only these tests with ``python3 tasks.py test tests/test_site.py``, or skip them with
``-m "not browser"``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import book_toc
import chapter_rules
import pytest
import sitecheck
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from course_figures import MAX_FIGURE_BYTES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


BOOK_PAGES = [f"{entry}.html" for entry in book_toc.toc_files()]
NOTEBOOK_PAGES = [p for p in BOOK_PAGES if (ROOT / p.replace(".html", ".ipynb")).is_file()]
PAGES = [*BOOK_PAGES, "genindex.html", "search.html"]
WIDTHS = {"desktop": sitecheck.DESKTOP, "phone": sitecheck.PHONE}


def _fresh(student: bool) -> Path:
    # From the committed outputs: strict nbval, in the same run, checks that they are what
    # a fresh execution prints (see build_site.build).
    site = build_site.STUDENT_SITE if student else build_site.SITE
    if not build_site.is_fresh(site):
        build_site.build(student=student, execute=False)
    return site


@pytest.fixture(scope="session")
def site() -> Path:
    return _fresh(student=False)


@pytest.fixture(scope="session")
def student_site() -> Path:
    return _fresh(student=True)


@pytest.fixture(scope="session")
def browser():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    with sync_playwright() as playwright:
        browser = sitecheck.launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def base_url(site):
    with sitecheck.serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def student_url(student_site):
    with sitecheck.serve(student_site) as url:
        yield url


@pytest.fixture(scope="session")
def links() -> sitecheck.LinkChecker:
    return sitecheck.LinkChecker()


class OfflineContexts:
    """One offline browser context per (site, width), each with its list of blocked URLs."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.contexts: dict[tuple[str, str, bool], tuple[object, list[str]]] = {}

    def get(self, base_url: str, width: str, dark: bool = False):
        key = (base_url, width, dark)
        if key not in self.contexts:
            blocked: list[str] = []
            context = sitecheck.offline_context(self.browser, base_url, WIDTHS[width], blocked)
            if dark:  # what the theme's light/dark switch stores
                context.add_init_script("localStorage.setItem('mode', 'dark');")
            self.contexts[key] = (context, blocked)
        return self.contexts[key]

    def close(self) -> None:
        for context, _ in self.contexts.values():
            context.close()


@pytest.fixture(scope="session")
def contexts(browser):
    pool = OfflineContexts(browser)
    yield pool
    pool.close()


@pytest.fixture
def page_of(contexts, base_url):
    """Open a page of the full edition (desktop width, offline) and close it afterwards."""
    opened = []

    def open_page(path: str, url: str | None = None):
        context, _ = contexts.get(url or base_url, "desktop")
        page = context.new_page()
        opened.append(page)
        page.goto((url or base_url) + path)
        return page

    yield open_page
    for page in opened:
        page.close()


def test_every_built_page_is_visited(site):
    built = set(sitecheck.page_paths(site))
    assert built == {*PAGES, "index.html"}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_without_errors(path, width, contexts, base_url, links):
    context, blocked = contexts.get(base_url, width)
    shot = SCREENSHOTS / width / path.replace("/", "__").replace(".html", ".png")
    result = sitecheck.check_page(context, base_url, path, links, blocked,
                                  screenshot=shot, phone=width == "phone")
    assert result.problems == []


def test_index_redirects_to_the_first_chapter_page(page_of):
    page = page_of("index.html")
    page.wait_for_url("**/book/intro.html")
    assert page.locator("h1").first.inner_text().startswith("Softmax Regression")


# axe-core rules that fail on purpose, with the reason. Empty: every violation found so
# far was fixed (link contrast in admonitions: _static/course.css; the sidebar title
# outside any landmark: _templates/course-title.html; bibliography roles and duplicate
# solution ids: tools/sphinx_ext/course_site.py; an empty table header: book/intro.md).
AXE_JUSTIFIED: dict[str, str] = {}


@pytest.mark.parametrize("path", PAGES)
def test_accessibility_axe_core(path, page_of):
    page = page_of(path)
    sitecheck.wait_until_rendered(page)
    violations = Axe().run(page).response["violations"]
    found = {
        v["id"]: [node["target"] for node in v["nodes"]][:5]
        for v in violations
        if v["id"] not in AXE_JUSTIFIED
    }
    assert found == {}


@pytest.mark.parametrize("path", PAGES)
def test_dark_mode_keeps_text_contrast(path, contexts, base_url):
    """The theme switch offers a dark mode; only colour contrast depends on it."""
    context, _ = contexts.get(base_url, "desktop", dark=True)
    page = context.new_page()
    try:
        page.goto(base_url + path)
        sitecheck.wait_until_rendered(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        result = Axe().run(page, options={"runOnly": ["color-contrast"]})
    finally:
        page.close()
    violations = result.response["violations"]
    assert [node["target"] for v in violations for node in v["nodes"]][:5] == []


@pytest.mark.parametrize(("term", "expected_page"), [
    ("cross-entropy", "03_loss_and_gradients.html"),
    ("temperature", "01_scores_to_probabilities.html"),
    ("CrossEntropyLoss", "06_pytorch.html"),
    ("TF-IDF", "07_text_classification.html"),
    ("segmentation", "08_images_at_scale.html"),
    ("reject option", "10_rare_classes.html"),
    ("reliability diagram", "11_calibration.html"),
    ("stacking", "12_choosing_a_model.html"),
    ("bandit", "13_softmax_decisions.html"),
    ("memmap", "14_out_of_memory.html"),
])
def test_search_finds_course_terms(term, expected_page, page_of):
    page = page_of(f"search.html?q={term}")
    results = page.locator("ul.search li a")
    results.first.wait_for(timeout=20_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(expected_page in href for href in hrefs), hrefs


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_solutions_are_collapsed_until_opened(path, page_of):
    page = page_of(path)
    solutions = page.locator("div.solution")
    assert solutions.count() >= 3
    for i in range(solutions.count()):
        assert "dropdown" in solutions.nth(i).get_attribute("class")
        assert not solutions.nth(i).locator("section").first.is_visible()
    first = solutions.first
    first.locator("button.toggle-button").click()  # the title itself links to the exercise
    first.locator("section").first.wait_for(state="visible", timeout=5_000)


def _cell_counts(page) -> dict[str, int]:
    return page.evaluate("""() => ({
      exercises: document.querySelectorAll("div.exercise").length,
      solutions: document.querySelectorAll("div.solution").length,
      cells: document.querySelectorAll("div.cell").length,
      cellsInSolutions: document.querySelectorAll("div.solution div.cell").length,
      solutionText: (document.body.innerText.match(/Solution to/g) || []).length,
    })""")


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_student_edition_keeps_exercises_and_drops_every_solution(
        path, page_of, student_url, contexts, links):
    full = _cell_counts(page_of(path))
    student = _cell_counts(page_of(path, url=student_url))
    assert full["exercises"] >= 3 and full["solutions"] >= 3
    assert student["exercises"] == full["exercises"]
    assert student["solutions"] == student["solutionText"] == 0
    # Gated solutions hold code cells: none of them may survive in the student edition.
    assert student["cells"] == full["cells"] - full["cellsInSolutions"]
    context, blocked = contexts.get(student_url, "desktop")
    assert sitecheck.check_page(context, student_url, path, links, blocked).problems == []


def _repository() -> tuple[str, str]:
    url = CONFIG["repository"]["url"].rstrip("/")
    return url.removeprefix("https://github.com/"), CONFIG["repository"]["branch"]


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_launch_buttons_open_this_notebook(path, page_of):
    repo, branch = _repository()
    notebook = path.replace(".html", ".ipynb")
    assert (ROOT / notebook).is_file()
    page = page_of(path)
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    binder = [h for h in hrefs if h.startswith("https://mybinder.org/")]
    colab = [h for h in hrefs if h.startswith("https://colab.research.google.com/")]
    assert binder == [f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{notebook}"]
    assert colab == [f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}"]


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_download_link_serves_the_notebook(path, page_of):
    page = page_of(path)
    link = page.locator("a.btn-download-source-button")
    assert link.count() == 1
    url = link.evaluate("a => a.href")
    assert url.endswith(path.replace(".html", ".ipynb"))
    served = sitecheck.fetch_json(url)
    committed = json.loads((ROOT / path.replace(".html", ".ipynb")).read_text())
    assert served["cells"] == committed["cells"]


EXTERNAL_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc=["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref=["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def test_no_page_script_style_or_font_comes_from_another_site(site):
    """A static scan that backs up the blocked requests: no CDN in any page or style sheet."""
    offenders = []
    for path in [*site.rglob("*.html"), *site.rglob("*.css")]:
        for match in EXTERNAL_RESOURCE.finditer(path.read_text(errors="replace")):
            offenders.append(f"{path.relative_to(site)}: {match.group(0)[:80]}")
    assert offenders == []


# MyST marks sections "mathjax_ignore" so that MathJax leaves stray dollar signs alone;
# TeX that MyST failed to parse (the way a list marker once split a formula) stays raw there.
PLANTED = """
<section class="tex2jax_ignore mathjax_ignore">
<p>Left raw: $$\\frac{1}{n}$$ and \\begin{aligned} x \\end{aligned}</p>
<p><span class="math notranslate nohighlight">\\(\\frac{1}\\)</span></p>
</section>
<a href="no-such-page.html">dead link</a> <a href="#no-such-anchor">dead anchor</a>
<a href="https://example.org/~someone/ a book/">a URL broken by a stray space</a>
<img src="../_images/no-such-image.png" alt="A plot that does not exist at all">
<img src="../_static/images/logo_binder.svg">
<script>console.error("planted console error")</script>
<script src="https://cdn.example.org/library.js"></script>
<h1>A second title</h1><h5>A heading that skips levels</h5>
<p id="twice">one</p><p id="twice">two</p>
"""
EXPECTED = {
    "raw TeX": "raw TeX in visible text",
    "formula MathJax cannot parse": "MathJax error",
    "dead link": "dead link",
    "dead anchor": "dead anchor",
    "malformed URL": "malformed link 'https://example.org/~someone/ a book/'",
    "broken image": "broken image: ../_images/no-such-image.png",
    "missing alt": "image without alt text",
    "console error": "console error: planted console error",
    "CDN request": "request left 127.0.0.1: https://cdn.example.org/library.js",
    "two h1": "2 <h1> elements",
    "skipped heading": "heading level jumps",
    "duplicate id": "duplicate id 'twice'",
}


MATHJAX_SCRIPT = re.compile(r'<script[^>]*src="[^"]*mathjax/tex-chtml\.js[^"]*"[^>]*></script>')


def test_the_checks_catch_a_broken_page(site, browser, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(site, broken)
    defects = broken / "book" / "04_from_scratch.html"
    html = defects.read_text()
    assert html.count("</article>") == 1
    defects.write_text(html.replace("</article>", PLANTED + "</article>"))
    no_mathjax = broken / "book" / "03_loss_and_gradients.html"
    html, removed = MATHJAX_SCRIPT.subn("", no_mathjax.read_text())
    assert removed == 1
    no_mathjax.write_text(html)
    with sitecheck.serve(broken) as url:
        blocked: list[str] = []
        context = sitecheck.offline_context(browser, url, sitecheck.DESKTOP, blocked)
        try:
            results = {path: sitecheck.check_page(context, url, path, sitecheck.LinkChecker(),
                                                  blocked)
                       for path in ("book/02_sigmoid_to_softmax.html",
                                    "book/03_loss_and_gradients.html",
                                    "book/04_from_scratch.html")}
        finally:
            context.close()
    assert results["book/02_sigmoid_to_softmax.html"].problems == []  # an untouched page
    problems = results["book/04_from_scratch.html"].problems
    missed = [name for name, text in EXPECTED.items()
              if not any(text in problem for problem in problems)]
    assert missed == [], problems
    problems = results["book/03_loss_and_gradients.html"].problems
    assert "MathJax did not load" in problems
    assert any(problem.startswith("formula not typeset") for problem in problems)


def _title(source: Path) -> str:
    """The level-1 title of a chapter notebook or Markdown page."""
    if source.suffix == ".ipynb":
        text = "".join(json.loads(source.read_text())["cells"][0]["source"])
    else:
        text = source.read_text()
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def test_pdf_of_the_whole_book(contexts, links):
    """``tools/build_site.py --pdf`` prints the single-page book: that page must pass the
    same checks as the site (it has one h1 per chapter), and hold every chapter."""
    if not (build_site.PDF.is_file() and build_site.is_fresh(build_site.PDF_PAGE)):
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_site.py"), "--pdf"],
                       check=True, cwd=ROOT)
    data = build_site.PDF.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) >= 100
    with sitecheck.serve(build_site.PDF_PAGE) as url:
        context, blocked = contexts.get(url, "desktop")
        result = sitecheck.check_page(context, url, build_site.SINGLE_PAGE, links, blocked,
                                      one_h1=False)
    # Sphinx's singlehtml builder merges the pages, so section ids such as "summary" repeat,
    # and it writes no search index for the search script it still links. Neither reaches
    # the printed PDF; everything else a reader of the PDF sees is checked.
    problems = [p for p in result.problems
                if not p.startswith("duplicate id") and "searchindex.js" not in p
                and "404 (File not found)" not in p]
    assert problems == []
    titles = [_title(book_toc.resolve(entry)) for entry in book_toc.toc_files()[1:]]
    html = (build_site.PDF_PAGE / build_site.SINGLE_PAGE).read_text()
    assert [title for title in titles if title not in html] == []


# Slider figures (course_figures, issue 19): figures a reader moves without a kernel.

def _sliders() -> dict[str, dict[str, list[dict]]]:
    """Page -> {figure name: frames (text, alt, caption)}, read from the committed
    notebooks, so that the texts the browser shows are compared with what the chapter
    wrote, not with the page's own script data."""
    found: dict[str, dict[str, list[dict]]] = {}
    for path in NOTEBOOK_PAGES:
        cells = json.loads((ROOT / path.replace(".html", ".ipynb")).read_text())["cells"]
        for cell in cells:
            slider = chapter_rules.slider_frames(cell)
            if slider:
                found.setdefault(path, {})[slider[0]] = slider[1]
    return found


SLIDERS = _sliders()
# Page weight: one figure at most MAX_FIGURE_BYTES (300 KB, frames as base64 included;
# course_figures refuses to make a larger one), a page's slider figures at most twice that.
SLIDER_PAGE_BUDGET = 2 * MAX_FIGURE_BYTES
SLIDER_WEIGHTS = ROOT / "tests" / "artifacts" / "slider_weights.md"
_SLIDER_HTML = re.compile(r'<figure class="course-slider" id="([^"]+)-slider-root".*?</figure>',
                          re.S)


def test_the_movable_figures_are_where_they_teach():
    names = {name for figures in SLIDERS.values() for name in figures}
    assert names >= {"fig-01-temperature-slider", "fig-04-learning-rate-slider",
                     "fig-05-C-slider", "fig-05-temperature-slider",
                     "fig-11-temperature-slider"}


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
    return errors


@pytest.mark.parametrize("path", SLIDERS)
def test_slider_figures_move_with_the_keyboard_alone(path, contexts, base_url):
    """Tab from the top of the page reaches every slider; ArrowRight, End and Home move
    it; the value shown, aria-valuetext, the image, its alt text and the caption follow."""
    context, blocked = contexts.get(base_url, "desktop")
    del blocked[:]
    page = context.new_page()
    try:
        errors = _watch(page)
        page.goto(base_url + path)
        sitecheck.wait_until_rendered(page)
        for name, frames in SLIDERS[path].items():
            problems, presses = sitecheck.check_slider(page, name, frames)
            assert problems == [], name
            print(f"{name}: reached with {presses} Tab presses")
        assert errors == []
        assert blocked == []
    finally:
        page.close()


@pytest.mark.parametrize("path", SLIDERS)
def test_slider_figures_work_from_disk(path, browser, site):
    """Opened as a file (file://), with no server: the sliders still move."""
    context = browser.new_context(viewport=sitecheck.DESKTOP, service_workers="block")
    off_machine: list[str] = []

    def block(route, request):
        off_machine.append(request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:|data:)"), block)
    page = context.new_page()
    try:
        errors = _watch(page)
        page.goto((site / path).as_uri(), wait_until="load")
        for name, frames in SLIDERS[path].items():
            problems, _ = sitecheck.check_slider(page, name, frames)
            assert problems == [], name
        assert off_machine == []
        assert errors == []
    finally:
        context.close()


def test_slider_figures_keep_to_their_page_weight_budget(site):
    """Report the bytes each slider figure adds to its page, and keep to the budget."""
    rows = ["| page | figure | frames | bytes | page total |", "| --- | --- | --- | --- | --- |"]
    over = []
    for path, figures in SLIDERS.items():
        html = (site / path).read_text()
        weights = {m.group(1): len(m.group(0).encode()) for m in _SLIDER_HTML.finditer(html)}
        assert set(weights) == set(figures), path  # each figure once in the page
        page_bytes = len((site / path).read_bytes())
        for name, size in weights.items():
            rows.append(f"| {path} | {name} | {len(figures[name])} | {size:,} | {page_bytes:,} |")
            if size > MAX_FIGURE_BYTES:
                over.append(f"{name}: {size:,} bytes")
        total = sum(weights.values())
        rows.append(f"| {path} | all sliders | | {total:,} | {page_bytes:,} |")
        if total > SLIDER_PAGE_BUDGET:
            over.append(f"{path}: {total:,} bytes of slider figures")
    SLIDER_WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    SLIDER_WEIGHTS.write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    assert over == []


def test_the_slider_check_catches_a_dead_slider(site, browser, tmp_path):
    """Planted defects: a slider without its script, and one whose script forgets the alt
    text. The keyboard check must report both."""
    path = "book/01_scores_to_probabilities.html"
    (name, frames), = SLIDERS[path].items()
    html = (site / path).read_text()
    script = re.compile(r"<script>\(function \(\) \{.*?\}\)\(\);</script>", re.S)
    assert len(script.findall(html)) == 1
    broken = tmp_path / "site"
    shutil.copytree(site, broken)
    (broken / "book" / "no_script.html").write_text(script.sub("", html))
    forgetful = html.replace("image.alt = frame.alt;", "")
    assert forgetful != html
    (broken / "book" / "no_alt.html").write_text(forgetful)
    with sitecheck.serve(broken) as url:
        blocked: list[str] = []
        context = sitecheck.offline_context(browser, url, sitecheck.DESKTOP, blocked)
        try:
            found = {}
            for variant in ("no_script", "no_alt"):
                page = context.new_page()
                page.goto(f"{url}book/{variant}.html")
                found[variant], _ = sitecheck.check_slider(page, name, frames)
                page.close()
        finally:
            context.close()
    assert any("cannot be reached with Tab" in p for p in found["no_script"])
    assert any("not visible" in p for p in found["no_script"])
    assert any(p.startswith(f"{name} after ArrowRight: alt is") for p in found["no_alt"])
    assert not any("caption is" in p for p in found["no_alt"])  # the rest still works
