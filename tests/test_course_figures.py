"""The slider figures of ``course_figures``: structure, determinism, budget and bad input.

The browser tests (``test_site.py``) move the sliders of the built pages; these tests
check the HTML a slider figure is made of, without a browser.
"""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from course_figures import MAX_FIGURE_BYTES, slider_figure

VALUES = [0.25, 0.5, 1.0, 2.0, 4.0]
SCORES = np.array([5.0, 2.0, -1.0, 3.0])


def draw_bars(ax, temperature):
    probabilities = np.exp(SCORES / temperature) / np.exp(SCORES / temperature).sum()
    ax.bar(range(4), probabilities, color="#0072B2")
    ax.set(ylim=(0, 1), title=f"T = {temperature:g}")


def alt_text(temperature):
    return f"Bar chart of four class probabilities at temperature {temperature:g}"


def make(name, values=VALUES, **options):
    arguments = dict(label="Temperature T", value_format="T = {:g}", default=1.0,
                     alt=alt_text, caption="Softmax at {value}.", name=name,
                     figsize=(3.2, 2.0), dpi=60)
    arguments.update(options)
    return slider_figure(draw_bars, values, **arguments)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each element by tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.text[self._open[-1]] = self.text.get(self._open[-1], "") + data

    def all(self, tag):
        return [attrs for name, attrs in self.tags if name == tag]


def parse(html_text: str) -> Elements:
    elements = Elements()
    elements.feed(html_text)
    return elements


@pytest.fixture(scope="module")
def figure():
    return make("fig-test-structure")


@pytest.fixture(scope="module")
def elements(figure):
    return parse(figure.to_html())


def frames_json(html_text: str) -> list[dict]:
    match = re.search(r'<script type="application/json">(.*?)</script>', html_text, re.S)
    return json.loads(match.group(1))


def test_one_labelled_range_input_with_the_real_value(figure, elements):
    (slider,) = elements.all("input")
    (label,) = elements.all("label")
    assert slider["type"] == "range"
    assert label["for"] == slider["id"] == "fig-test-structure-slider-input"
    assert elements.text["label"] == "Temperature T"
    assert (slider["min"], slider["max"], slider["step"]) == ("0", str(len(VALUES) - 1), "1")
    assert slider["value"] == str(VALUES.index(1.0))  # the default frame
    assert slider["aria-valuetext"] == "T = 1"  # the value, not the frame's index
    (output,) = elements.all("output")
    assert output["for"] == slider["id"]
    assert elements.text["output"] == "T = 1"


def test_one_image_showing_the_default_frame_with_its_alt_text(figure, elements):
    (image,) = elements.all("img")
    assert image["alt"] == alt_text(1.0)
    assert image["src"] == figure.default.data_uri
    png = base64.b64decode(image["src"].removeprefix("data:image/png;base64,"))
    assert png == figure._repr_png_()
    with Image.open(io.BytesIO(png)) as decoded:
        assert decoded.size == (192, 120) == (int(image["width"]), int(image["height"]))


def test_every_frame_is_in_the_page_with_its_own_texts(figure):
    html_text = figure.to_html()
    frames = frames_json(html_text)
    assert [f["text"] for f in frames] == [f"T = {v:g}" for v in VALUES]
    assert [f["alt"] for f in frames] == [alt_text(v) for v in VALUES]
    assert [f["caption"] for f in frames] == [f"Softmax at T = {v:g}." for v in VALUES]
    # The default frame's image is the <img> itself; each other frame is embedded once.
    default = VALUES.index(1.0)
    assert frames[default]["src"] is None
    sources = [f["src"] for i, f in enumerate(frames) if i != default]
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert len(set(sources)) == len(VALUES) - 1  # the frames differ
    assert html_text.count("data:image/png;base64,") == len(VALUES)


def test_caption_controls_and_script_are_self_contained(figure, elements):
    (root,) = elements.all("figure")
    assert root["id"] == "fig-test-structure-slider-root"
    assert root["data-frames"] == str(len(VALUES))
    assert elements.text["figcaption"] == "Softmax at T = 1."
    scripts = elements.all("script")
    assert len(scripts) == 2 and all("src" not in s for s in scripts)  # nothing fetched
    html_text = figure.to_html()
    assert "eval(" not in html_text and "http" not in html_text
    # Without JavaScript the controls stay hidden: a static figure with its caption.
    (controls,) = [a for t, a in elements.tags if a.get("class") == "course-slider-controls"]
    assert "hidden" in controls


def test_ids_are_unique_and_derived_from_the_name(elements):
    ids = [attrs["id"] for _, attrs in elements.tags if "id" in attrs]
    assert len(ids) == len(set(ids)) == 5
    assert all(i.startswith("fig-test-structure-slider-") for i in ids)


def test_reprs_for_nbval_and_static_renderers(figure):
    assert repr(figure) == "<slider figure fig-test-structure: 5 frames>"
    assert figure._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
    assert figure._repr_html_() == figure.to_html()


def test_the_same_figure_gives_the_same_bytes(figure):
    again = make("fig-test-structure")  # the same call site may run again (a re-run cell)
    assert again.to_html() == figure.to_html()
    assert b"Software" not in figure.default.png  # no version stamp in the PNG


def test_caption_texts_quote_html_safely():
    tricky = make("fig-test-quoting", caption=lambda v: f"</script><b>x & y</b> at {v}",
                  alt=lambda v: f'an "alt" text <with> markup at the value {v}')
    html_text = tricky.to_html()
    assert "</script><b>" not in html_text  # neither the JSON nor the caption closes early
    elements = parse(html_text)
    assert elements.text["figcaption"] == "</script><b>x & y</b> at 1.0"
    assert frames_json(html_text)[0]["caption"] == "</script><b>x & y</b> at 0.25"
    assert elements.all("img")[0]["alt"] == 'an "alt" text <with> markup at the value 1.0'


def test_frames_are_small_and_the_budget_is_enforced(figure):
    assert figure.nbytes < MAX_FIGURE_BYTES
    with Image.open(io.BytesIO(figure.default.png)) as decoded:
        assert decoded.mode == "P"  # a 256-colour palette
    with pytest.raises(ValueError, match="over its budget of 10,000"):
        make("fig-test-budget", max_bytes=10_000)


@pytest.mark.parametrize(("values", "message"), [
    ([], "at least two values"),
    ([1.0], "at least two values"),
    ([0.5, float("nan"), 2.0], "finite"),
    ([0.5, float("inf")], "finite"),
    ([0.5, 1.0, 1.0, 2.0], "strictly increasing"),
    ([2.0, 1.0], "strictly increasing"),
    (["low", "high"], "must be numbers"),
])
def test_bad_values_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        make("fig-test-bad-values", values=values, default=None)


def test_mismatched_texts_and_bad_options_are_refused():
    with pytest.raises(ValueError, match="3 alt texts for 5 values"):
        make("fig-test-bad-alt", alt=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"caption text for value 0\.5 is empty"):
        make("fig-test-bad-caption", caption=lambda v: "" if v == 0.5 else "fine")
    with pytest.raises(ValueError, match=r"default 3\.0 is not one of the values"):
        make("fig-test-bad-default", default=3.0)
    with pytest.raises(ValueError, match="read the same"):
        make("fig-test-bad-format", value_format="T = {:.0f}")
    with pytest.raises(ValueError, match="non-empty string"):
        make("fig-test-bad-label", label=" ")
    with pytest.raises(ValueError, match="name must be"):
        make("two words")


def test_a_name_used_by_another_figure_is_refused():
    options = dict(label="v", alt="a line of slope {value}", caption="slope {value}",
                   name="fig-test-twice", figsize=(2, 2), dpi=30)
    slider_figure(draw_bars, [1, 2], **options)
    with pytest.raises(ValueError, match="already used by the slider figure made at"):
        slider_figure(draw_bars, [1, 3], **options)  # another figure, the same ids
    with pytest.raises(ValueError, match="already used"):
        slider_figure(draw_bars, [1, 2], **{**options, "label": "w"})
    # Another call for the same label and values is the same figure: an edited cell, run
    # again in a notebook, must not need a restart.
    slider_figure(draw_bars, [1, 2], **{**options, "caption": "edited {value}"})


def test_values_of_texts_may_be_given_one_per_value():
    figure = make("fig-test-lists", alt=[f"alt text number {i}" for i in range(5)],
                  caption=[f"caption {i}" for i in range(5)], default=None)
    assert [f.caption for f in figure.frames] == [f"caption {i}" for i in range(5)]
    assert figure.default_index == 0 and figure.default.alt == "alt text number 0"


def test_draw_receives_the_requested_axes():
    shapes = []

    def draw(axes, value):
        shapes.append(np.shape(axes))
        for ax in axes:
            ax.plot([0, 1], [0, value])

    slider_figure(draw, [1, 2], label="v", alt="line with slope {value} in two panels",
                  caption="slope {value}", name="fig-test-axes", subplots={"ncols": 2},
                  figsize=(3, 2), dpi=40)
    assert shapes == [(2,), (2,)]
