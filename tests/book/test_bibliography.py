"""Every entry of book/references.bib keeps its capitals (titles braced) and follows the one label style."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kzopinion.book import bibliography


def _copy(root: Path, tmp_path: Path) -> Path:
    (tmp_path / "book").mkdir()
    shutil.copy2(root / bibliography.BIB, tmp_path / bibliography.BIB)
    return tmp_path


def test_every_entry_keeps_its_capitals_and_the_label_style(root):
    assert bibliography.problems(root) == []


def test_every_cited_label_is_an_entry(root):
    import re

    from pybtex.database import parse_file

    keys = set(parse_file(str(root / bibliography.BIB)).entries)
    sources = sorted(root.glob("notebooks/[0-9]*.md")) + sorted(root.glob("book/*.md"))
    cited = {key for path in sources for key in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", path.read_text())}
    cited = {k.strip() for group in cited for k in group.split(",")}
    assert cited and cited <= keys, sorted(cited - keys)


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "title  = {{Press conference in Islamabad, Pakistan}}",
            "title  = {Press conference in Islamabad, Pakistan}",
            "entry boucher2006: its title loses its capitals",
        ),
        (  # two braced groups are not the whole title
            "title  = {{Press conference in Islamabad, Pakistan}}",
            "title  = {{Press conference} in {Islamabad, Pakistan}}",
            "entry boucher2006: its title loses its capitals",
        ),
        ("@book{cooley2012,", "@book{cooley2012memo,", "entry cooley2012memo: a label is"),
        ("@book{cooley2012,", "@book{Cooley2012,", "entry Cooley2012: a label is"),
        ("@book{cooley2012,", "@book{cooley2013,", "entry cooley2013: its label's year is not its year (2012)"),
        ("@book{cooley2012,", "@book{smith2012,", "entry smith2012: its label does not start with its first author"),
        ("@book{cooley2012,", "@book{cooley2012a,", "entry cooley2012a: no other entry shares its name and year"),
        ("@techreport{cab2018a,", "@techreport{cab2018,", "entry cab2018: other entries share its name and year"),
    ],
)
def test_a_planted_break_is_named_with_its_entry_and_fix(root, tmp_path, old, new, expected):
    copy = _copy(root, tmp_path)
    path = copy / bibliography.BIB
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    found = bibliography.problems(copy)
    assert any(expected in sentence and sentence.startswith("book/references.bib, ") for sentence in found), found
