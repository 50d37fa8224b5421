"""Serve a built Jupyter Book and check its pages the way a reader's browser sees them.

The checks live here, apart from the tests, so that the same code runs on the real site
(``test_site.py``) and on a deliberately broken copy of it (which must fail them).

A page passes when it loads with HTTP 200; logs no console or page errors; requests
nothing outside 127.0.0.1; every image loads and has alt text that says something;
MathJax has rendered every formula and no raw TeX is left in the visible text; every
internal link and ``#anchor`` resolves; it has exactly one ``<h1>`` and its headings
never skip a level; and, at phone width, it does not scroll sideways.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Stock Jupyter Book 1.x pages log two console errors: a duplicated thebe configuration
# script ("Identifier 'THEBE_JS_URL' has already been declared") and an empty saved theme
# mode ("Got invalid theme mode"). Both are fixed in the build (tools/sphinx_ext and
# ``html_context.default_mode`` in _config.yml), so no console error is allowed.
ALLOWED_CONSOLE_ERRORS: tuple[str, ...] = ()

RAW_TEX = re.compile(r"\$\$|\\begin\{|\\end\{|\\frac\{|\\mathbf\{|\\sum_|\\\(|\\\[")
GENERIC_ALT = {"image", "figure", "plot", "chart", "graph", "picture", "png", "svg", "output"}


def page_paths(site: Path) -> list[str]:
    """Every HTML page of a built site, as paths relative to its root (``book/intro.html``)."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(p.relative_to(site).parts)
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) and yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def launch_chromium(playwright):
    """Debian's Chromium, headless (``playwright install`` cannot download here)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} not found: install it (apt-get install -y chromium) "
            "or point the CHROMIUM environment variable at a Chromium binary"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def offline_context(browser, base_url: str, viewport: dict, blocked: list[str]):
    """A browser context that aborts any request leaving 127.0.0.1 and appends its URL
    to ``blocked``, so a page that needs the network fails instead of fetching it."""
    context = browser.new_context(viewport=viewport, service_workers="block")
    context.set_default_timeout(30_000)
    host = urlsplit(base_url).hostname

    def route(route_, request):
        if urlsplit(request.url).hostname == host:
            route_.continue_()
        else:
            blocked.append(request.url)
            route_.abort()

    context.route("**/*", route)
    return context


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@dataclass
class LinkChecker:
    """Fetches each internal URL once and remembers its status and element ids."""

    _cache: dict[str, tuple[int, set[str]]] = field(default_factory=dict)

    def fetch(self, url: str) -> tuple[int, set[str]]:
        if url not in self._cache:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    status, body = response.status, response.read()
                    kind = response.headers.get_content_type()
            except urllib.error.HTTPError as error:
                status, body, kind = error.code, b"", ""
            ids: set[str] = set()
            if kind == "text/html":
                collector = _IdCollector()
                collector.feed(body.decode("utf-8", "replace"))
                ids = collector.ids
            self._cache[url] = (status, ids)
        return self._cache[url]

    def problems(self, hrefs: list[str], raw_hrefs: list[str], base_url: str) -> list[str]:
        """Dead internal links and anchors in ``hrefs`` (resolved by the browser), and
        links written with white space in them (``raw_hrefs``, as in the page)."""
        found = [f"malformed link {href!r}" for href in dict.fromkeys(raw_hrefs)
                 if re.search(r"\s", href.strip())]
        for href in dict.fromkeys(hrefs):
            if not href.startswith(base_url):
                continue
            target, fragment = urldefrag(href)
            status, ids = self.fetch(target)
            if status != 200:
                found.append(f"dead link {href} (HTTP {status})")
            elif fragment and unquote(fragment) not in ids:
                found.append(f"dead anchor {href}")
        return found


_WAIT_FOR_PAGE = """async () => {
  for (const img of document.images) { img.loading = "eager"; }
  await Promise.all(Array.from(document.images, img => img.decode().catch(() => null)));
  let state = "no math";
  const mathJaxReady = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
  if (document.querySelectorAll(".math").length > 0) {
    for (let i = 0; i < 100 && !mathJaxReady(); i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    if (!mathJaxReady()) return "MathJax missing";
    await MathJax.startup.promise;
    state = "typeset";
  }
  // The theme script sets the dark mode after the first paint, so its buttons fade from
  // light to dark colours for 0.15 s; a contrast check in that window reads a colour no
  // reader sees. Wait for every transition that ends (not for endless spinners).
  const ending = document.getAnimations()
    .filter(a => a.effect && Number.isFinite(a.effect.getComputedTiming().endTime));
  await Promise.all(ending.map(a => a.finished.catch(() => null)));
  return state;
}"""

def wait_until_rendered(page) -> bool:
    """Wait for every image to decode, MathJax to finish and colour transitions to end;
    False if MathJax never loaded on a page that has formulas."""
    return page.evaluate(_WAIT_FOR_PAGE) != "MathJax missing"


_INSPECT_PAGE = """() => {
  const main = document.querySelector("main") || document.body;
  const text = main.cloneNode(true);
  text.querySelectorAll("pre, code, script, style, textarea, mjx-container")
    .forEach(e => e.remove());
  // Print-only copies of the title and contents (display: none on screen) do not count.
  const visible = e => e.getClientRects().length > 0;
  const headings = Array.from(main.querySelectorAll("h1, h2, h3, h4, h5, h6"))
    .filter(visible).map(h => Number(h.tagName[1]));
  const ids = Array.from(document.querySelectorAll("[id]"), e => e.id);
  return {
    text: text.textContent,
    h1: Array.from(document.querySelectorAll("h1")).filter(visible).map(h => h.textContent),
    duplicateIds: Array.from(new Set(ids.filter((id, i) => ids.indexOf(id) !== i))),
    headings: headings,
    mathErrors: Array.from(document.querySelectorAll("mjx-merror"),
      e => e.getAttribute("data-mjx-error") || e.textContent),
    untypeset: Array.from(document.querySelectorAll(".math"))
      .filter(m => !m.querySelector("mjx-container")).map(m => m.textContent.slice(0, 60)),
    images: Array.from(document.images, img => ({
      src: img.getAttribute("src"), alt: img.getAttribute("alt"),
      loaded: img.complete && img.naturalWidth > 0,
      content: img.closest("article") !== null,
    })),
    hrefs: Array.from(document.querySelectorAll("a[href]"), a => a.href),
    // As written in the page: the browser percent-encodes a space in a.href.
    rawHrefs: Array.from(document.querySelectorAll("a[href]"), a => a.getAttribute("href")),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


def _alt_problem(alt: str | None, src: str, content: bool) -> str | None:
    """Every image needs alt text; a figure in the article needs one that describes it."""
    if alt is None or not alt.strip():
        return f"image without alt text: {src}"
    if not content:  # theme icons, such as "Binder logo" next to the word Binder
        return None
    words = alt.strip().rstrip(".").lower()
    stem = Path(urlsplit(src or "").path).stem.lower()
    if len(words.split()) < 4 or words in GENERIC_ALT or words == stem:
        return f"alt text says too little ({alt!r}): {src}"
    return None


@dataclass
class PageResult:
    path: str
    problems: list[str]
    hrefs: list[str]


def check_page(context, base_url: str, path: str, links: LinkChecker, blocked: list[str],
               screenshot: Path | None = None, phone: bool = False,
               one_h1: bool = True) -> PageResult:
    """Load one page in ``context`` (see :func:`offline_context`, whose ``blocked`` list
    is passed too) and return everything wrong with it."""
    problems: list[str] = []
    del blocked[:]
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message) -> None:
        if message.type == "error" and not any(a in message.text for a in ALLOWED_CONSOLE_ERRORS):
            problems.append(f"console error: {message.text}")

    page.on("console", on_console)
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    try:
        response = page.goto(base_url + path, wait_until="load")
        if response is None or response.status != 200:
            problems.append(f"page status {response.status if response else 'none'}")
        if not wait_until_rendered(page):
            problems.append("MathJax did not load")
        info = page.evaluate(_INSPECT_PAGE)
        problems += [f"formula not typeset: {t!r}" for t in info["untypeset"]]
        problems += [f"MathJax error in a formula: {e!r}" for e in info["mathErrors"]]
        raw = RAW_TEX.search(info["text"])
        if raw:
            start = max(raw.start() - 30, 0)
            problems.append(f"raw TeX in visible text: {info['text'][start:raw.end() + 30]!r}")
        problems += [f"duplicate id {i!r}" for i in info["duplicateIds"]]
        if one_h1 and len(info["h1"]) != 1:
            problems.append(f"{len(info['h1'])} <h1> elements (want exactly one)")
        levels = info["headings"]
        problems += [f"heading level jumps from h{a} to h{b}"
                     for a, b in itertools.pairwise(levels) if b > a + 1]
        for image in info["images"]:
            if not image["loaded"]:
                problems.append(f"broken image: {image['src']}")
            alt_problem = _alt_problem(image["alt"], image["src"], image["content"])
            if alt_problem:
                problems.append(alt_problem)
        if phone and info["overflow"] > 1:
            problems.append(f"page scrolls sideways by {info['overflow']} px at phone width")
        problems += links.problems(info["hrefs"], info["rawHrefs"], base_url)
        problems += [f"request left 127.0.0.1: {url}" for url in blocked]
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        return PageResult(path, problems, info["hrefs"])
    finally:
        page.close()


def fetch_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


# Slider figures (course_figures): reached and moved with the keyboard alone.

_SLIDER_STATE = """async (name) => {
  const root = document.getElementById(name + "-slider-root");
  if (!root) return null;
  const input = root.querySelector("input[type=range]");
  const image = root.querySelector("img");
  await image.decode().catch(() => null);
  const outer = root.parentElement.closest("figure");
  return {
    index: Number(input.value),
    valuetext: input.getAttribute("aria-valuetext"),
    shown: root.querySelector("output").textContent,
    label: input.labels.length ? input.labels[0].textContent : null,
    visible: input.getClientRects().length > 0,
    alt: image.alt,
    src: image.getAttribute("src"),
    loaded: image.complete && image.naturalWidth > 0,
    caption: root.querySelector("figcaption").textContent,
    figure: outer ? outer.id : null,
    number: outer && outer.querySelector(":scope > figcaption .caption-number")
      ? outer.querySelector(":scope > figcaption .caption-number").textContent : null,
  };
}"""


def slider_state(page, name: str) -> dict | None:
    """What a reader sees of slider figure ``name`` now (None if it is not on the page)."""
    return page.evaluate(_SLIDER_STATE, name)


def tab_to(page, element_id: str, max_presses: int = 800) -> int | None:
    """Press Tab until ``element_id`` has the focus; the number of presses, or None."""
    for presses in range(1, max_presses + 1):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") \
                == element_id:
            return presses
    return None


def check_slider(page, name: str, frames: list[dict]) -> tuple[list[str], int | None]:
    """Reach slider figure ``name`` with Tab from where the focus is, move it with the
    arrow keys, End and Home, and compare what the page shows with ``frames`` (its
    frames' texts as the chapter wrote them: ``text``, ``alt``, ``caption``). Returns
    the problems and the number of Tab presses it took."""
    problems: list[str] = []
    start = slider_state(page, name)
    if start is None:
        return [f"{name}: no slider figure on the page"], None
    if not start["visible"]:
        problems.append(f"{name}: the slider is not visible (did its script run?)")
    presses = tab_to(page, f"{name}-slider-input")
    if presses is None:
        return [*problems, f"{name}: the slider cannot be reached with Tab"], None
    # Sphinx writes a figure's name in lower case as its id (fig-05-C -> fig-05-c).
    if start["figure"] != name.lower() or not (start["number"] or "").startswith("Fig"):
        problems.append(f"{name}: not inside its numbered figure ({start['figure']!r})")
    if not start["label"]:
        problems.append(f"{name}: the slider has no label")

    def expect(state: dict, index: int, step: str) -> None:
        frame = frames[index]
        seen = {"index": state["index"], "valuetext": state["valuetext"],
                "shown": state["shown"], "alt": state["alt"], "caption": state["caption"]}
        wanted = {"index": index, "valuetext": frame["text"], "shown": frame["text"],
                  "alt": frame["alt"], "caption": frame["caption"]}
        problems.extend(f"{name} after {step}: {key} is {seen[key]!r}, not {wanted[key]!r}"
                        for key in wanted if seen[key] != wanted[key])
        if not state["loaded"]:
            problems.append(f"{name} after {step}: the image did not load")

    expect(start, start["index"], "loading")
    key, neighbour = ("ArrowRight", start["index"] + 1) if start["index"] + 1 < len(frames) \
        else ("ArrowLeft", start["index"] - 1)
    sources = {start["index"]: start["src"]}  # frame index -> image shown
    for step, index in [(key, neighbour), ("End", len(frames) - 1), ("Home", 0)]:
        page.keyboard.press(step)
        state = slider_state(page, name)
        expect(state, index, step)
        if index in sources and state["src"] != sources[index]:
            problems.append(f"{name} after {step}: another image for the same frame")
        elif index not in sources and state["src"] in sources.values():
            problems.append(f"{name} after {step}: the image did not change")
        sources.setdefault(index, state["src"])
    return problems, presses
