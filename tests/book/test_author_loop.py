"""The author's loop: what a build may skip, and that it skips nothing it must do.

A prose edit costs reading and writing the edited page (see bench/results.md); everything else the
build would repeat is kept and reused while what it is made from is unchanged: table validation,
notebook staleness, the provenance of glued values and the ledger files, the data appendix, the
published files of unchanged pages. Each rule is tested
over every file or record it governs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import fixtures
import pytest

from kzopinion import data, paths
from kzopinion.book import appendix, build, build_stamp, number_sources

ROOT = paths.root()


def _touch(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))


def _data_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "data", root / "data")
    (root / "src" / "kzopinion" / "data").mkdir(parents=True)
    (root / "src" / "kzopinion" / "data" / "package.py").write_text("# the data package's code\n")
    return root


_data_files = fixtures.data_files


def test_tables_are_validated_again_after_any_data_file_or_the_validating_code_changes(tmp_path, monkeypatch, capsys):
    root = _data_tree(tmp_path)
    validated = []
    monkeypatch.setattr(data, "validate_all", lambda r: validated.append(r) or ["a table"])
    build.validate_data(root)
    build.validate_data(root)
    assert len(validated) == 1 and "unchanged since they were last checked" in capsys.readouterr().out
    for path in [*_data_files(root), root / "src" / "kzopinion" / "data" / "package.py"]:
        _touch(path)
        build.validate_data(root)
        assert len(validated) == 2, path
        validated.pop()


def test_a_refused_table_is_refused_again_at_the_next_build(tmp_path, monkeypatch):
    root = _data_tree(tmp_path)

    def refuse(r):
        raise data.DataValidationError("data/published/claims.csv, row 2: broken")

    monkeypatch.setattr(data, "validate_all", refuse)
    for _ in range(2):  # no key is kept for a validation that failed
        with pytest.raises(build.BuildError, match="claims.csv, row 2"):
            build.validate_data(root)


def _records_tree(tmp_path: Path) -> Path:
    root = _data_tree(tmp_path)
    (root / "notebooks").mkdir()
    for record in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy2(record, root / "notebooks" / record.name)
    return root


def _edit_record(record: Path, cell_type: str) -> bool:
    """Change the first cell of ``cell_type`` (a markdown cell's text, a code cell's outputs); False if none."""
    notebook = json.loads(record.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == cell_type:
            if cell_type == "markdown":
                cell["source"] = ["A sentence an author added.\n", *cell["source"]]
            else:
                cell["outputs"] = [
                    *cell.get("outputs", []),
                    {"output_type": "stream", "name": "stdout", "text": ["changed\n"]},
                ]
            record.write_text(json.dumps(notebook), encoding="utf-8")
            return True
    return False


def test_the_kept_provenance_is_reused_after_prose_edits_and_never_after_code_outputs_or_data_change(tmp_path):
    root = _records_tree(tmp_path)
    records = sorted((root / "notebooks").glob("*.ipynb"))
    assert len(records) >= 6
    key = number_sources.ledger_key(root)
    for record in records:
        assert _edit_record(record, "markdown"), record
        assert number_sources.ledger_key(root) == key, f"prose of {record.name} moved the key"
    for record in records:
        assert _edit_record(record, "code"), record
        new = number_sources.ledger_key(root)
        assert new != key, f"an output of {record.name} left the key"
        key = new
    for path in _data_files(root):
        _touch(path)
        new = number_sources.ledger_key(root)
        assert new != key, path
        key = new


def test_the_kept_provenance_reads_back_as_it_was_computed():
    pages = number_sources.glued(ROOT)
    assert sum(len(page) for page in pages.values()) > 100
    stored = json.loads(json.dumps(number_sources.provenance_to_json(pages)))
    assert number_sources.provenance_from_json(stored) == pages


def test_the_data_appendix_is_written_again_after_any_data_file_changes(tmp_path, monkeypatch):
    root = _data_tree(tmp_path)
    written = []

    def write(r):
        written.append(r)
        (r / appendix.PAGE).parent.mkdir(parents=True, exist_ok=True)
        (r / appendix.PAGE).write_text("appendix", encoding="utf-8")
        return r / appendix.PAGE

    monkeypatch.setattr(appendix, "write", write)
    appendix.write_if_changed(root)
    appendix.write_if_changed(root)
    assert len(written) == 1
    for path in _data_files(root):
        _touch(path)
        appendix.write_if_changed(root)
        assert len(written) == 2, path
        written.pop()
    (root / appendix.PAGE).unlink()
    appendix.write_if_changed(root)
    assert len(written) == 2, "a missing page is written whatever the key says"


def test_assembling_links_unchanged_published_files_and_copies_the_rest(tmp_path):
    built, published, candidate = tmp_path / "built", tmp_path / "html-1", tmp_path / "candidate"
    for name, text in [("index.html", "index"), ("notebooks/04.html", "page 04"), ("_static/site.css", "css")]:
        (built / name).parent.mkdir(parents=True, exist_ok=True)
        (built / name).write_text(text, encoding="utf-8")
    shutil.copytree(built, published)  # keeps sizes and times, as a publication does
    (built / "notebooks/04.html").write_text("page 04, edited", encoding="utf-8")
    (built / "new.html").write_text("new", encoding="utf-8")
    link = tmp_path / "html"
    link.symlink_to(published.name)
    build.assemble(built, candidate, link)
    for name in ("index.html", "_static/site.css"):
        assert (candidate / name).stat().st_ino == (published / name).stat().st_ino, name
    for name in ("notebooks/04.html", "new.html"):
        assert (candidate / name).stat().st_ino != (built / name).stat().st_ino, f"{name} is a copy, not Sphinx's file"
        assert (candidate / name).read_text(encoding="utf-8") == (built / name).read_text(encoding="utf-8")
    assert (published / "notebooks/04.html").read_text(encoding="utf-8") == "page 04", "the published book is unchanged"


def _commit_all(repo: Path) -> None:
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the state the book is built from"]):
        subprocess.run(
            ["git", "-c", "user.name=kzopinion", "-c", "user.email=kzopinion@example.org", *command],
            cwd=repo,
            check=True,
            capture_output=True,
        )


def test_a_page_says_uncommitted_changes_when_its_own_source_or_what_every_page_reads_has_them():
    edition = build_stamp.Edition(
        commit="abc",
        dirty=False,
        date="2026-12-01",
        data_digest="0",
        citation="",
        changed=("notebooks/04-foreign-policy.md", "book/intro.md"),
    )
    assert edition.page_dirty("notebooks/04-foreign-policy") and edition.page_dirty("book/intro")
    assert not edition.page_dirty("notebooks/03-cultural-values") and not edition.page_dirty("book/conclusion")
    everywhere = build_stamp.Edition(commit="abc", dirty=True, date="2026-12-01", data_digest="0", citation="")
    assert all(everywhere.page_dirty(page) for page in ("book/intro", "notebooks/03-cultural-values"))


def test_uncommitted_names_every_changed_path_renames_spaces_and_non_ascii_included(tmp_path):
    repo = tmp_path / "repo"
    names = ["book/intro.md", "book/a page.md", "notebooks/é.md", "data/t.csv", "other.txt"]
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("x\n", encoding="utf-8")
    _commit_all(repo)
    assert build_stamp.uncommitted(repo) == []
    for name in ("book/a page.md", "notebooks/é.md", "data/t.csv"):
        (repo / name).write_text("y\n", encoding="utf-8")
    subprocess.run(["git", "mv", "other.txt", "book/new page.md"], cwd=repo, check=True)
    assert sorted(build_stamp.uncommitted(repo)) == sorted(
        ["book/a page.md", "notebooks/é.md", "data/t.csv", "book/new page.md", "other.txt"]
    )
    assert build_stamp.uncommitted(tmp_path / "not-a-repository") == []
