"""A file saved in another encoding than UTF-8 (here Latin-1, as an editor may save an accented name) stops every
reader of it with one sentence naming the file, its line and the fix, never a codec's traceback: CITATION.cff (the
pages' citation, the PDF's title page, the archive metadata that `make lint` checks) and the bibliography (its own
rules, and the book's Sphinx extension before Sphinx reads it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from kzopinion import paths
from kzopinion.book import archive, bibliography, build_stamp, page_chrome, page_rules

FIX = "not UTF-8 text (byte 0xe8 cannot be read); the project's text files are UTF-8: save the file again with the "


def _latin1(path: Path) -> int:
    """Rewrite ``path`` in Latin-1 with an accented letter (Marlène); returns the line that holds it."""
    text = path.read_text(encoding="utf-8")
    assert "Marlene" in text
    path.write_bytes(text.replace("Marlene", "Marlène").encode("latin-1"))
    return text[: text.index("Marlene")].count("\n") + 1


def _copy(root: Path, target: Path, *names: str) -> Path:
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target / name)
    return target


def test_the_one_sentence_names_the_file_the_line_and_the_fix(tmp_path):
    path = tmp_path / "notes.md"
    path.write_bytes("first line\nsecond: Marlène\n".encode("latin-1"))
    with pytest.raises(paths.NotUTF8Error) as raised:
        paths.utf8_text(path, "notes.md")
    assert str(raised.value) == f"notes.md, line 2: {FIX}encoding UTF-8 (or undo the edit that added it)."
    path.write_bytes("\ufeffplain\n".encode())
    assert paths.utf8_text(path) == "plain\n"  # a byte-order mark is no change of content


@pytest.mark.parametrize(
    "reader",
    [
        lambda root: build_stamp.citation(root, "0123456789ab"),
        lambda root: build_stamp.article(root),
        lambda root: build_stamp.address_disagreement(root, ""),
    ],
    ids=["citation", "article", "address"],
)
def test_the_citation_of_the_pages_names_citation_cff(root, tmp_path, reader):
    line = _latin1(_copy(root, tmp_path, "CITATION.cff") / "CITATION.cff")
    with pytest.raises(ValueError) as raised:
        reader(tmp_path)
    assert str(raised.value).startswith(f"CITATION.cff, line {line}: {FIX}"), raised.value


@pytest.mark.parametrize("name", [archive.CITATION, archive.ZENODO])
def test_the_archive_metadata_names_the_file_it_cannot_read(root, tmp_path, name):
    copy = _copy(root, tmp_path, archive.CITATION, archive.ZENODO)
    if name == archive.ZENODO:
        path = copy / name
        path.write_bytes(path.read_bytes().replace(b'"license"', '"licence é"'.encode("latin-1"), 1))
        line = path.read_bytes()[: path.read_bytes().index(b"\xe9")].count(b"\n") + 1
        fix = FIX.replace("0xe8", "0xe9")
    else:
        line, fix = _latin1(copy / name), FIX
    assert archive.disagreements(copy) == [
        f"{name}, line {line}: {fix}encoding UTF-8 (or undo the edit that added it)."
    ]


def test_make_lint_names_citation_cff_not_a_traceback(root, tmp_path):
    """`make lint`'s last step (python -m kzopinion.book.archive) on a repository whose CITATION.cff is Latin-1."""
    copy = _copy(root, tmp_path, "_config.yml", "_toc.yml", "data/datapackage.json", "CITATION.cff", ".zenodo.json")
    line = _latin1(copy / "CITATION.cff")
    done = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.archive"],
        cwd=copy,
        env={**os.environ, "KZOPINION_ROOT": str(copy)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"[archive] CITATION.cff, line {line}: {FIX}"), done.stderr


def test_the_bibliography_rules_name_references_bib(root, tmp_path):
    copy = _copy(root, tmp_path, bibliography.BIB_NAME)
    line = _latin1(copy / bibliography.BIB)
    expected = [f"book/references.bib, line {line}: {FIX}encoding UTF-8 (or undo the edit that added it)."]
    assert bibliography.problems(copy) == expected
    assert bibliography.unreadable(copy) == expected


def _sphinx(root: Path, **config) -> tuple[SimpleNamespace, SimpleNamespace]:
    """What the book's Sphinx extension is given at config-inited: the application (its source folder) and the
    configuration."""
    settings = {"bibtex_bibfiles": ["book/references.bib"], "html_theme_options": {}, "html_context": {}} | config
    return SimpleNamespace(srcdir=str(root)), SimpleNamespace(**settings)


def test_the_book_stops_on_a_bibliography_it_cannot_read_before_sphinx_reads_it(root, tmp_path):
    from sphinx.errors import ExtensionError

    copy = _copy(root, tmp_path, bibliography.BIB_NAME, "CITATION.cff")
    page_chrome._check_bibliography(*_sphinx(copy))  # UTF-8 as committed
    line = _latin1(copy / bibliography.BIB)
    with pytest.raises(ExtensionError) as raised:
        page_chrome._configure(*_sphinx(copy))
    assert f"kzopinion: book/references.bib, line {line}: {FIX}" in str(raised.value)
    page_chrome._check_bibliography(*_sphinx(copy, bibtex_encoding="latin-1"))  # read as configured, on purpose


def test_the_book_stops_on_a_citation_it_cannot_read(root, tmp_path):
    from sphinx.errors import ExtensionError

    copy = _copy(root, tmp_path, bibliography.BIB_NAME, "CITATION.cff")
    line = _latin1(copy / "CITATION.cff")
    with pytest.raises(ExtensionError) as raised:
        page_chrome._configure(*_sphinx(copy))
    assert f"kzopinion: CITATION.cff, line {line}: {FIX}" in str(raised.value)


def test_the_pages_rules_name_a_page_they_cannot_read(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book" / "intro.md").write_bytes("# Intro\n\nBy Marlène.\n".encode("latin-1"))
    assert page_rules.typed_number_problems(tmp_path) == [
        f"book/intro.md, line 3: {FIX}encoding UTF-8 (or undo the edit that added it)."
    ]
