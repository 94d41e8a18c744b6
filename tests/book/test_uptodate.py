"""The everyday short-cut of `make book`: the published book is current only while nothing it read changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import fixtures
import pytest

from kzopinion import paths
from kzopinion.book import uptodate


def _tree(root: Path) -> Path:
    """A small repository tree with one file in every watched place and a published book."""
    root.mkdir(parents=True)
    for name in uptodate.WATCHED_FILES:
        (root / name).write_text(name, encoding="utf-8")
    for tree in uptodate.WATCHED_TREES:
        (root / tree).mkdir(parents=True, exist_ok=True)
        (root / tree / "page.md").write_text(tree, encoding="utf-8")
    (root / "notebooks" / "01-x.ipynb").write_text("{}", encoding="utf-8")
    (root / "data" / "datapackage.json").write_text("{}", encoding="utf-8")
    book = root / "_build" / "html"
    book.mkdir(parents=True)
    (book / "index.html").write_text("<html></html>", encoding="utf-8")
    return root


def _touch(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))


@pytest.fixture()
def built(tmp_path, monkeypatch):
    monkeypatch.delenv("KZOPINION_EDITION", raising=False)
    root = _tree(tmp_path / "repo")
    uptodate.record(root, uptodate.files(root))
    assert uptodate.current(root) == root / "_build" / "html"
    return root


def watched_paths(root: Path) -> list[Path]:
    return (
        [root / name for name in uptodate.WATCHED_FILES]
        + [root / tree / "page.md" for tree in uptodate.WATCHED_TREES]
        + [root / "notebooks" / "01-x.ipynb"]
    )


def test_any_watched_file_touched_sends_make_book_to_the_full_build(built):
    for path in watched_paths(built):
        _touch(path)
        assert uptodate.current(built) is None, path
        uptodate.record(built, uptodate.files(built))
        assert uptodate.current(built) is not None, path


def test_a_new_or_removed_file_and_a_registered_microdata_file_are_changes(built):
    (built / "book" / "new.md").write_text("x", encoding="utf-8")
    assert uptodate.current(built) is None
    (built / "book" / "new.md").unlink()
    assert uptodate.current(built) is not None
    (built / "data" / "microdata" / "cab").mkdir(parents=True)
    (built / "data" / "microdata" / "manifest.json").write_text(json.dumps({"cab": {"f.dta": "sha256:0"}}))
    assert uptodate.current(built) is None  # another edition, and another file


def test_generated_files_and_the_registration_check_cache_are_not_changes(built):
    for name in paths.GENERATED:
        (built / name).parent.mkdir(parents=True, exist_ok=True)
        (built / name).write_text("generated", encoding="utf-8")
    (built / "data" / "microdata").mkdir(exist_ok=True)  # registered files may be there already
    (built / "data" / "microdata" / paths.VERIFIED_STAMPS).write_text("{}", encoding="utf-8")
    assert uptodate.current(built) is not None


def test_a_save_during_the_build_stays_new(built):
    sources = uptodate.files(built)  # what the build started from
    _touch(built / "notebooks" / "page.md")  # saved while it ran
    _touch(built / "notebooks" / "01-x.ipynb")  # the build's own record, written as it ran
    uptodate.record(built, sources)
    assert uptodate.current(built) is None


def test_a_missing_or_replaced_book_and_the_other_edition_are_not_current(built, monkeypatch):
    monkeypatch.setenv("KZOPINION_EDITION", "public")
    assert uptodate.current(built) is not None
    (built / "_build" / "html" / "index.html").unlink()
    assert uptodate.current(built) is None


def test_the_command_says_up_to_date_or_hands_over_silently(built):
    env = {**os.environ, "KZOPINION_ROOT": str(built)}
    said = subprocess.run([sys.executable, "-m", "kzopinion.book.uptodate"], capture_output=True, text=True, env=env)
    assert said.returncode == 0 and "book up to date" in said.stdout
    _touch(built / "book" / "page.md")
    silent = subprocess.run([sys.executable, "-m", "kzopinion.book.uptodate"], capture_output=True, text=True, env=env)
    assert silent.returncode == 1 and silent.stdout == "" and silent.stderr == ""


def test_changed_names_exactly_the_file_saved_added_or_removed_since_the_build(built):
    assert uptodate.changed(built) == set()
    for path in watched_paths(built):
        _touch(path)
        assert uptodate.changed(built) == {path.relative_to(built).as_posix()}, path
        uptodate.record(built, uptodate.files(built))
    (built / "book" / "new.md").write_text("x", encoding="utf-8")
    (built / "book" / "page.md").unlink()
    assert uptodate.changed(built) == {"book/new.md", "book/page.md"}


def test_changed_is_unknown_without_a_build_of_this_edition_on_record(built):
    (built / "data" / "microdata").mkdir()
    manifest = built / "data" / "microdata" / "manifest.json"
    manifest.write_text(json.dumps({"cab": {"f.dta": "sha256:0"}}))
    assert uptodate.changed(built) is None  # the microdata edition: no build of it on record
    manifest.unlink()
    assert uptodate.changed(built) == set()  # the public edition again, as built
    (built / uptodate.RECORD).unlink()
    assert uptodate.changed(built) is None


def test_the_stat_key_changes_with_every_file_of_its_trees_and_only_those(tmp_path):
    """The key a step keeps to skip itself (table validation, the data appendix, the kept provenance) moves
    when any file of the real data package is saved, and not when a file elsewhere is."""
    root = tmp_path / "repo"
    shutil.copytree(paths.root() / "data", root / "data")
    (root / "book").mkdir()
    (root / "book" / "intro.md").write_text("# Intro\n", encoding="utf-8")
    files = fixtures.data_files(root)
    assert len(files) > 20
    key = uptodate.stat_key(root, ("data",))
    _touch(root / "book" / "intro.md")
    assert uptodate.stat_key(root, ("data",)) == key
    for path in files:
        _touch(path)
        new = uptodate.stat_key(root, ("data",))
        assert new != key, path
        key = new
