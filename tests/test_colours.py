"""Figures stay readable for colour-blind readers.

About one man in twelve has a red-green colour-vision deficiency. The class palette is
checked under simulated protan, deutan and tritan vision (colorspacious, full severity):
every pair of the first eight colours must stay clearly apart in the perceptually uniform
CAM02-UCS space. Beyond eight classes the plots also change the marker, so colour is never
the only cue. Colour maps and named colours in the chapters and the library come from an
allow-list with no red-green opposition.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from colorspacious import cspace_convert
from matplotlib.colors import to_rgb

from softmax_lib.plotting import CLASS_COLORS, CLASS_MARKERS

ROOT = Path(__file__).resolve().parents[1]
CVD_TYPES = ("protanomaly", "deuteranomaly", "tritanomaly")
# In CAM02-UCS one unit is about one just-noticeable difference; 10 is unmistakable.
MIN_DISTANCE = 10.0
# Sequential maps of one hue or of lightness, and blue-orange/purple-orange diverging maps.
ALLOWED_CMAPS = {"viridis", "cividis", "magma", "inferno", "plasma", "Blues", "Greys",
                 "gray", "binary", "Purples", "Oranges", "PuOr", "BrBG"}


def _min_distance(colors: list[str], cvd_type: str | None) -> float:
    rgb = np.array([to_rgb(c) for c in colors])
    if cvd_type is not None:
        cvd = {"name": "sRGB1+CVD", "cvd_type": cvd_type, "severity": 100}
        rgb = np.clip(cspace_convert(rgb, cvd, "sRGB1"), 0, 1)
    ucs = cspace_convert(rgb, "sRGB1", "CAM02-UCS")
    return min(np.linalg.norm(ucs[i] - ucs[j])
               for i, j in itertools.combinations(range(len(colors)), 2))


@pytest.mark.parametrize("cvd_type", [None, *CVD_TYPES])
def test_first_eight_class_colours_stay_apart(cvd_type):
    assert _min_distance(list(CLASS_COLORS[:8]), cvd_type) >= MIN_DISTANCE


def test_a_red_green_pair_would_fail_the_deutan_check():
    # The check itself can fail: pure-ish red and green merge for a deuteranope.
    assert _min_distance(["#d62728", "#2ca02c"], None) >= MIN_DISTANCE
    assert _min_distance(["#d62728", "#2ca02c"], "deuteranomaly") < MIN_DISTANCE


def test_every_class_colour_has_its_own_marker():
    assert len(CLASS_MARKERS) >= len(CLASS_COLORS)
    assert len(set(CLASS_MARKERS)) == len(CLASS_MARKERS)


def _plotting_code() -> dict[str, str]:
    sources = {p.name: p.read_text() for p in (ROOT / "softmax_lib").glob("*.py")}
    for notebook in (ROOT / "book").glob("*.ipynb"):
        cells = json.loads(notebook.read_text())["cells"]
        sources[notebook.name] = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return sources


def test_colour_maps_come_from_the_allow_list():
    used = {(name, m.group(1)) for name, code in _plotting_code().items()
            for m in re.finditer(r"cmap\s*=\s*[\"']([A-Za-z_]+)[\"']", code)}
    assert used, "the pattern finds the colour maps in use"
    assert [(name, cmap) for name, cmap in used
            if cmap.removesuffix("_r") not in ALLOWED_CMAPS] == []


def test_no_named_red_or_green_colours():
    names = "red|green|r|g|tab:red|tab:green|lime"
    pattern = re.compile(rf"""colou?rs?\s*=\s*[\[(]?\s*["'](?:{names})["']""")
    found = [(name, m.group(0)) for name, code in _plotting_code().items()
             for m in pattern.finditer(code)]
    assert found == []
