"""A figure the reader moves with a slider, without a kernel and without the network.

Why this technique: a prototype compared it in a Jupyter Book 1 build, in headless
Chromium with every request off the machine blocked, with Altair/Vega-Lite (the slider
reads out a frame index; the "inline" renderer breaks pages with two charts), Bokeh (the
slider has no accessible name, the plot is a canvas without text), Plotly (its slider
cannot be used from the keyboard; its notebook renderer adds a CDN MathJax) and
ipywidgets (``interact`` does nothing without a kernel). Precomputed matplotlib frames
switched by a native ``<input type="range">`` need no library, work from ``file://``,
and let the value, the alt text and the caption change with the frame.

Each frame is drawn by matplotlib when the chapter runs, saved as a PNG with a 256-colour
palette (about a third of the bytes of a full-colour PNG of a line plot, with no visible
difference) and embedded as a ``data:`` URI. The HTML is one self-contained snippet: no
external script or style sheet, no ``eval``. Without JavaScript (an untrusted notebook, a
feed reader) it is the default frame with its caption, and the slider stays hidden.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["MAX_FIGURE_BYTES", "Frame", "SliderFigure", "slider_figure"]

#: Page-weight budget of one slider figure: the bytes of its HTML, frames included.
MAX_FIGURE_BYTES = 300_000

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# name -> (file and line of the call, label and values): another figure with the same name
# would repeat the element ids in a page. The same call again (a re-run cell), or a call
# for the same label and values (a cell edited, then re-run), is the same figure.
_NAMES: dict[str, tuple[tuple[str, int], tuple]] = {}

Text = str | Callable[[float], str] | Sequence[str]


@dataclass(frozen=True)
class Frame:
    """One frame: the parameter value, how it reads, the image and what it shows."""

    value: float
    text: str
    alt: str
    caption: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


_SCRIPT = """(function () {
  var root = document.currentScript ? document.currentScript.parentNode
                                    : document.getElementById(%(root)s);
  if (!root || root.getAttribute("data-ready")) return;
  var frames = JSON.parse(root.querySelector("script[type='application/json']").textContent);
  var input = root.querySelector("input"), image = root.querySelector("img");
  var shown = root.querySelector("output"), caption = root.querySelector("figcaption");
  var first = image.getAttribute("src");
  input.addEventListener("input", function () {
    var frame = frames[Number(input.value)];
    image.src = frame.src || first;
    image.alt = frame.alt;
    shown.textContent = frame.text;
    input.setAttribute("aria-valuetext", frame.text);
    caption.textContent = frame.caption;
  });
  root.querySelector("[hidden]").hidden = false;
  root.setAttribute("data-ready", "1");
})();"""


class SliderFigure:
    """A slider figure: rich HTML for pages, the default frame as a PNG elsewhere.

    Made by :func:`slider_figure`. In a notebook, the display shows the HTML (every
    frame, a slider); the PNG (``_repr_png_``) is the default frame, for renderers that
    do not show HTML; the text repr is short and stable, for nbval and terminals.
    """

    def __init__(self, name: str, label: str, frames: Sequence[Frame], default_index: int,
                 width: int, height: int):
        self.name = name
        self.label = label
        self.frames = tuple(frames)
        self.default_index = default_index
        self.width = width
        self.height = height

    @property
    def default(self) -> Frame:
        return self.frames[self.default_index]

    @property
    def ids(self) -> dict[str, str]:
        """Element ids, all derived from the name (unique in a page)."""
        return {part: f"{self.name}-slider-{part}"
                for part in ("root", "input", "value", "image", "caption")}

    def to_html(self) -> str:
        ids = self.ids
        default = self.default
        # The default frame's image is the <img> itself; the JSON repeats every other one.
        data = [{"text": f.text, "alt": f.alt, "caption": f.caption,
                 "src": None if i == self.default_index else f.data_uri}
                for i, f in enumerate(self.frames)]
        # "</" must not close the <script> element early.
        frames_json = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace(
            "</", "<\\/")
        esc = html.escape
        return "\n".join([
            f'<figure class="course-slider" id="{ids["root"]}" data-frames="{len(self.frames)}"'
            ' style="margin: 0">',
            '<div class="course-slider-controls" hidden'
            ' style="display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center">',
            f'<label for="{ids["input"]}">{esc(self.label)}</label>',
            f'<input type="range" id="{ids["input"]}" min="0" max="{len(self.frames) - 1}"'
            f' step="1" value="{self.default_index}"'
            f' aria-valuetext="{esc(default.text)}" style="flex: 1 1 12em; max-width: 24em">',
            f'<output id="{ids["value"]}" for="{ids["input"]}">{esc(default.text)}</output>',
            "</div>",
            f'<img id="{ids["image"]}" src="{default.data_uri}" alt="{esc(default.alt)}"'
            f' width="{self.width}" height="{self.height}"'
            ' style="max-width: 100%; height: auto">',
            # The caption keeps the colour of the output around it: Jupyter Book's dark mode
            # draws HTML outputs on a light panel but greys every <figcaption> for a dark
            # page, which left 2:1 contrast (axe-core, color-contrast).
            f'<figcaption id="{ids["caption"]}" style="color: inherit">'
            f'{esc(default.caption)}</figcaption>',
            f'<script type="application/json">{frames_json}</script>',
            "<script>" + _SCRIPT % {"root": json.dumps(ids["root"])} + "</script>",
            "</figure>",
        ])

    @property
    def nbytes(self) -> int:
        """Bytes the figure adds to a page (its HTML, UTF-8)."""
        return len(self.to_html().encode("utf-8"))

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_png_(self) -> bytes:
        return self.default.png

    def __repr__(self) -> str:
        return f"<slider figure {self.name}: {len(self.frames)} frames>"


def _texts(kind: str, given: Text, values: Sequence[float], value_texts: list[str]) -> list[str]:
    if callable(given):
        texts = [given(value) for value in values]
    elif isinstance(given, str):
        texts = [given.format(value=text) for text in value_texts]
    else:
        texts = list(given)
        if len(texts) != len(values):
            raise ValueError(f"{len(texts)} {kind} texts for {len(values)} values: "
                             "give one per value, a template or a function of the value")
    for value, text in zip(values, texts, strict=True):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"the {kind} text for value {value!r} is empty: {text!r}")
    return texts


def _render_png(draw: Callable, value: float, figsize: tuple[float, float], dpi: int,
                subplots: dict) -> tuple[bytes, int, int]:
    """Draw one frame off-screen and return its PNG (256-colour palette) and size."""
    from matplotlib.figure import Figure  # no pyplot: nothing is shown or kept open
    from PIL import Image

    figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    draw(figure.subplots(**subplots), value)
    buffer = io.BytesIO()
    # No "Software" text chunk (it names the matplotlib version): same bytes on every run.
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        # An adaptive palette without dithering: deterministic, and line plots use far
        # fewer than 256 colours, so the frame looks the same at a third of the size.
        paletted = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        paletted.save(out, format="PNG", optimize=True)
        return out.getvalue(), paletted.width, paletted.height


def slider_figure(
    draw: Callable,
    values: Sequence[float],
    *,
    label: str,
    alt: Text,
    caption: Text,
    name: str,
    value_format: str | Callable[[float], str] = "{:g}",
    default: float | None = None,
    figsize: tuple[float, float] = (6.4, 4.0),
    dpi: int = 100,
    subplots: dict | None = None,
    max_bytes: int = MAX_FIGURE_BYTES,
) -> SliderFigure:
    """Render one matplotlib frame per value and return a figure moved by a slider.

    Parameters
    ----------
    draw : callable ``draw(ax, value)``
        Draws one frame on a fresh figure. ``ax`` is what ``Figure.subplots(**subplots)``
        returns: one Axes by default, an array of Axes with ``subplots={"ncols": 2}``.
    values : sequence of float
        The parameter values, one frame each: at least two, finite, strictly increasing.
    label : str
        The slider's visible label, e.g. ``"Temperature T"``.
    alt, caption : str, callable or sequence of str
        Per frame: the image's alt text (what the frame shows) and the line under it (the
        value and what to notice). A function of the value, one text per value, or a
        template in which ``{value}`` is the formatted value.
    name : str
        Base of the element ids (``{name}-slider-input`` ...). Use the figure's name in
        the chapter (``fig-01-temperature-slider``); two figures may not share a name.
    value_format : str or callable, default ``"{:g}"``
        How a value reads next to the slider and in ``aria-valuetext``.
    default : float, optional
        The frame shown first, in print and where HTML is not shown (default: the first).
    figsize, dpi : frame size in inches and resolution (pixels = figsize × dpi).
    subplots : dict, optional
        Keyword arguments of ``Figure.subplots``.
    max_bytes : int, default :data:`MAX_FIGURE_BYTES`
        Page-weight budget: a figure whose HTML is larger raises ``ValueError``.

    Returns
    -------
    SliderFigure
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"name must be letters, digits, '-' or '_', starting with a letter: "
                         f"{name!r}")
    if not isinstance(label, str) or not label.strip():
        raise ValueError("label must be a non-empty string: the slider's accessible name")
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError) as error:
        raise ValueError(f"values must be numbers: {error}") from None
    if len(numbers) < 2:
        raise ValueError(f"a slider needs at least two values, got {len(numbers)}")
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError(f"values must be finite: {numbers}")
    if any(b <= a for a, b in itertools.pairwise(numbers)):
        raise ValueError(f"values must be strictly increasing (no repeats): {numbers}")
    if default is None:
        default_index = 0
    else:
        matches = [i for i, v in enumerate(numbers) if math.isclose(v, default, rel_tol=1e-9)]
        if not matches:
            raise ValueError(f"default {default!r} is not one of the values {numbers}")
        default_index = matches[0]
    format_value = value_format if callable(value_format) else value_format.format
    value_texts = [format_value(v) for v in numbers]
    if len(set(value_texts)) != len(value_texts):
        raise ValueError(f"two values read the same with value_format: {value_texts}")
    alts = _texts("alt", alt, numbers, value_texts)
    captions = _texts("caption", caption, numbers, value_texts)

    caller = sys._getframe(1)
    site = (caller.f_code.co_filename, caller.f_lineno)
    identity = (label, tuple(numbers))
    earlier_site, earlier_identity = _NAMES.setdefault(name, (site, identity))
    if earlier_site != site and earlier_identity != identity:
        file, line = earlier_site
        raise ValueError(f"the name {name!r} is already used by the slider figure made at "
                         f"{file}:{line}; element ids must be unique in a page")
    _NAMES[name] = (site, identity)

    frames = []
    size = None
    for value, text, alt_text, caption_text in zip(numbers, value_texts, alts, captions,
                                                   strict=True):
        png, width, height = _render_png(draw, value, figsize, dpi, subplots or {})
        size = size or (width, height)
        frames.append(Frame(value, text, alt_text, caption_text, png))
    figure = SliderFigure(name, label, frames, default_index, *size)
    if figure.nbytes > max_bytes:
        raise ValueError(
            f"slider figure {name!r} is {figure.nbytes:,} bytes, over its budget of "
            f"{max_bytes:,}: use fewer values, a smaller figsize or a lower dpi")
    return figure
