"""The project's own pages: the README stays a three-minute read, says what the two commands run as the
Makefile runs them, and every link of the README, CONTRIBUTING.md and docs/internals.md leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGES = ("README.md", "CONTRIBUTING.md", "docs/internals.md")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped (hyphens kept), spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(m[1]) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


def _recipe(makefile: str, target: str) -> tuple[list[str], list[str]]:
    """The prerequisites and the command lines of ``target``, ``$(PY)`` and ``$(VENV)`` spelt out."""
    found = re.search(rf"^{target}:([^#\n]*).*\n((?:\t.*\n)*)", makefile, re.M)
    assert found, f"the Makefile has no target {target!r}"
    lines = [line.strip().lstrip("@") for line in found[2].splitlines()]
    lines = [line.replace("$(PY)", ".venv/bin/python").replace("$(VENV)", ".venv") for line in lines]
    return found[1].split(), lines


def test_the_readme_is_read_in_three_minutes(root):
    lines = (root / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines: move the detail to docs/internals.md"


def test_contributing_links_the_build_internals(root):
    assert (root / "docs/internals.md").is_file()
    targets = LINK.findall((root / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    assert any(t.split("#")[0] == "docs/internals.md" for t in targets), targets


def test_the_machinery_has_its_own_sections(root):
    """The build machinery is described under headings of its own, so each can be rewritten alone."""
    anchors = _anchors(root / "docs/internals.md")
    for heading in ("The build, step by step", "Up to date or not", "Kernels and the repository"):
        assert _slug(heading) in anchors, heading
    assert {"one-build-at-a-time", "make-serve"} <= anchors


@pytest.mark.parametrize("page", PAGES)
def test_every_link_leads_to_a_file_and_heading_that_exist(root, page):
    path = root / page
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # an address on the web
        name, _, anchor = target.partition("#")
        linked = (path.parent / name).resolve() if name else path
        assert linked.exists(), f"{page} links {target}, which does not exist"
        if anchor:
            assert anchor in _anchors(linked), f"{page} links {target}: no such heading in {linked.name}"


def test_the_readme_names_what_the_two_commands_run(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    said = dict(re.findall(r"^make (book|test)\s+# runs ([^:]+):", readme, re.M))
    assert set(said) == {"book", "test"}, "the README's first block says what `make book` and `make test` run"
    for target, description in said.items():
        prerequisites, commands = _recipe(makefile, target)
        for step in description.split(", then "):
            if step.startswith("make "):
                assert step.removeprefix("make ") in prerequisites, (target, step)
            else:
                assert any(c.startswith(step) for c in commands), (target, step, commands)


def test_every_make_target_the_pages_name_exists(root):
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, re.M))
    for page in PAGES:
        named = set(re.findall(r"(?:`|^)make ([a-z]+)\b", (root / page).read_text(encoding="utf-8"), re.M))
        assert named <= targets, (page, sorted(named - targets))
