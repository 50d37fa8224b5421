"""Small fixes to the stock Jupyter Book 1.x HTML, loaded as a local Sphinx extension.

``sphinx_thebe`` registers its configuration script on every ``env-before-read-docs``
event, so a build that reads the sources twice puts the same ``const THEBE_JS_URL``
script in each page twice and the browser logs ``Identifier 'THEBE_JS_URL' has
already been declared``. This course does not use thebe (its launch buttons are
Binder and Colab), so when the thebe launch button is off the thebe scripts are
dropped; otherwise exact duplicates are removed. Either way no page names a CDN URL.

Docutils marks bibliography entries with ``role="doc-biblioentry"`` inside a
``role="list"`` container. That DPUB-ARIA role is deprecated and is not a list item, so
assistive technology sees an empty list (axe-core: aria-required-children, critical).
The entries are given ``role="listitem"`` instead.

sphinx-exercise gives every exercise's and solution's body the same id
(``exercise-content``, ``solution-content``); ids must be unique in a page, so the second
and later ones are numbered.

With ``hide_solutions: true`` (the student edition), sphinx-exercise 1.2 drops the
``solution-start`` marker of a gated solution but keeps its ``solution-end`` node, so the
build fails ("unknown node type: solution_end_node") and, worse, the solution's cells
between the two markers would be published. ``solution-start`` is replaced by a subclass
that leaves a marker behind, and a transform removes everything from the marker through
the matching ``solution-end``.

pydata-sphinx-theme's sidebar opens and closes a chapter's sub-pages with a ``<summary>``
that holds only a decorative chevron: an unnamed control (axe-core: summary-name). The
sidebar's toctree function is wrapped so that each such toggle gets an ``aria-label``.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_exercise.directive import SolutionStartDirective
from sphinx_exercise.nodes import solution_end_node

THEBE_SCRIPTS = ("THEBE_JS_URL", "sphinx-thebe.js")


def _thebe_enabled(app: Sphinx) -> bool:
    options = app.config.html_theme_options or {}
    return bool(options.get("launch_buttons", {}).get("thebe"))


def _script_key(script: Any) -> tuple[str, str]:
    return str(script), str(getattr(script, "attributes", {}).get("body", ""))


def clean_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Drop duplicate scripts (and thebe's, when thebe is off) from one page's context."""
    scripts = context.get("script_files")
    if not scripts:
        return
    drop_thebe = not _thebe_enabled(app)
    seen: set[tuple[str, str]] = set()
    kept = []
    for script in scripts:
        key = _script_key(script)
        if key in seen or (drop_thebe and any(name in "".join(key) for name in THEBE_SCRIPTS)):
            continue
        seen.add(key)
        kept.append(script)
    scripts[:] = kept


def fix_bibliography_roles(app: Sphinx, pagename: str, templatename: str, context: dict,
                           doctree) -> None:
    """Make bibliography entries list items of their ``role="list"`` container."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


REPEATED_IDS = ("exercise-content", "solution-content")


def number_repeated_ids(app: Sphinx, pagename: str, templatename: str, context: dict,
                        doctree) -> None:
    """Give the second and later copies of sphinx-exercise's fixed ids a number suffix."""
    body = context.get("body")
    if not body:
        return
    for name in REPEATED_IDS:
        first, *rest = body.split(f'id="{name}"')
        if len(rest) > 1:
            numbered = [f'id="{name}-{i}"{part}' for i, part in enumerate(rest[1:], start=2)]
            body = first + f'id="{name}"' + rest[0] + "".join(numbered)
    context["body"] = body


TOGGLE_NAME = "Show or hide the sections of this chapter"


def name_sidebar_toggles(app: Sphinx, pagename: str, templatename: str, context: dict,
                         doctree) -> None:
    """Give the sidebar's expand/collapse toggles an accessible name.

    pydata-sphinx-theme 0.17 wraps a chapter's sub-pages in ``<details>`` whose
    ``<summary>`` holds only a decorative chevron, so a screen reader announces an
    unnamed control (axe-core's ``summary-name`` rule). The theme builds that HTML in
    ``generate_toctree_html``, called from the sidebar template; wrap it.
    """
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "names_toggles", False):
        return

    def generate_with_named_toggles(*args: Any, **kwargs: Any) -> Any:
        tree = generate(*args, **kwargs)  # a BeautifulSoup tree, or "" when empty
        for summary in getattr(tree, "select", lambda _: [])("summary"):
            if not summary.get_text(strip=True) and not summary.get("aria-label"):
                summary["aria-label"] = TOGGLE_NAME
        return tree

    generate_with_named_toggles.names_toggles = True
    context["generate_toctree_html"] = generate_with_named_toggles


class hidden_solution_start(nodes.Element):
    """Where a gated solution began, in a build that hides solutions."""


class GatedSolutionStart(SolutionStartDirective):
    """``solution-start`` that leaves a marker when solutions are hidden."""

    def run(self) -> list[nodes.Node]:
        result = super().run()  # registers the gate, so structure checks still run
        if self.env.app.config.hide_solutions:
            return [hidden_solution_start()]
        return result


class RemoveHiddenGatedSolutions(SphinxTransform):
    """Delete each hidden gated solution: its marker, its content and its end node."""

    default_priority = 11  # after sphinx-exercise's own gated transforms (10)

    def apply(self, **kwargs: Any) -> None:
        for marker in list(self.document.findall(hidden_solution_start)):
            parent = marker.parent
            start = parent.index(marker)
            end = next(i for i in range(start, len(parent.children))
                       if isinstance(parent.children[i], solution_end_node))
            for child in parent.children[start:end + 1]:
                parent.remove(child)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_exercise")
    app.add_node(hidden_solution_start)
    app.add_directive("solution-start", GatedSolutionStart, override=True)
    app.add_transform(RemoveHiddenGatedSolutions)
    app.connect("html-page-context", clean_scripts)
    app.connect("html-page-context", fix_bibliography_roles)
    app.connect("html-page-context", number_repeated_ids)
    # After pydata-sphinx-theme's own handler (priority 500) has put the function there.
    app.connect("html-page-context", name_sidebar_toggles, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
