"""The short-cut of `make book`: the published book is current only while nothing it was built from changed.

Each stale case a user meets is a test here, over every file of the watched places: a save, a same-size edit
with its time set back (`touch -r`), a file added or removed, a symbolic link to a folder and what it points
at, a commit, an installed package, a deleted page or static file of the published book, a change made while
the build ran (after its stamp), and git's racy rule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import fixtures
import pytest

from kzopinion import paths
from kzopinion.book import stamps


def _tree(root: Path) -> Path:
    """A small repository tree with one file in every watched place and a published book."""
    root.mkdir(parents=True)
    for name in stamps.WATCHED_FILES:
        (root / name).write_text(name, encoding="utf-8")
    for tree in stamps.WATCHED_TREES:
        (root / tree).mkdir(parents=True, exist_ok=True)
        (root / tree / "page.md").write_text(tree, encoding="utf-8")
    (root / "notebooks" / "01-x.ipynb").write_text("{}", encoding="utf-8")
    (root / "data" / "datapackage.json").write_text("{}", encoding="utf-8")
    book = root / "_build" / "html"
    (book / "_static" / "vendor").mkdir(parents=True)
    (book / "index.html").write_text("<html></html>", encoding="utf-8")
    (book / "_static" / "vendor" / "vega-bundle.js").write_text("//", encoding="utf-8")
    return root


def _age(root: Path) -> None:
    """Set every file's times well before now, as a build finds files saved long ago (no racy entry)."""
    old = time.time_ns() - 3600 * 10**9
    for folder, _, names in os.walk(root):
        for name in names:
            os.utime(Path(folder) / name, ns=(old, old))


def _touch(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))


def _build(root: Path) -> dict:
    """What a successful build does with the stamp: take it before reading, keep it beside the book."""
    stamp = stamps.take(root)
    stamps.keep(root, stamp, root / "_build" / "html")
    return stamp


@pytest.fixture()
def built(tmp_path, monkeypatch):
    monkeypatch.delenv("KZOPINION_EDITION", raising=False)
    root = _tree(tmp_path / "repo")
    _age(root)
    _build(root)
    assert stamps.current(root) == root / "_build" / "html"
    return root


def watched_paths(root: Path) -> list[Path]:
    return (
        [root / name for name in stamps.WATCHED_FILES]
        + [root / tree / "page.md" for tree in stamps.WATCHED_TREES]
        + [root / "notebooks" / "01-x.ipynb"]
    )


def test_any_watched_file_saved_is_a_change(built):
    for path in watched_paths(built):
        _touch(path)
        assert stamps.current(built) is None, path
        _build(built)
        assert stamps.current(built) is not None, path


def test_a_same_size_edit_with_its_time_set_back_is_a_change(built, tmp_path):
    """`touch -r` restores the modification time; the change time and (for a replaced file) the inode move."""
    for path in watched_paths(built):
        reference = tmp_path / "reference"
        shutil.copy2(path, reference)
        text = path.read_text(encoding="utf-8")
        path.write_text(text[::-1] if len(set(text)) > 1 else text.upper(), encoding="utf-8")
        subprocess.run(["touch", "-r", str(reference), str(path)], check=True)
        assert path.stat().st_mtime_ns == reference.stat().st_mtime_ns and path.stat().st_size == len(text)
        assert stamps.current(built) is None, path
        _build(built)


def test_a_file_replaced_by_another_of_the_same_size_and_times_is_a_change(built, tmp_path):
    path = built / "book" / "page.md"
    other = tmp_path / "other.md"
    other.write_text("BOOK", encoding="utf-8")
    info = path.stat()
    os.utime(other, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(other, path)  # another inode, same size and modification time
    assert stamps.current(built) is None


def test_a_new_or_removed_file_and_a_registered_microdata_file_are_changes(built):
    (built / "book" / "new.md").write_text("x", encoding="utf-8")
    assert stamps.current(built) is None
    (built / "book" / "new.md").unlink()
    assert stamps.current(built) is not None
    (built / "data" / "microdata" / "cab").mkdir(parents=True)
    (built / "data" / "microdata" / "manifest.json").write_text(json.dumps({"cab": {"f.dta": "sha256:0"}}))
    assert stamps.current(built) is None  # another edition, and another file


@pytest.mark.parametrize("tree", ["book", "notebooks", "data"])
def test_a_linked_folder_is_followed_and_what_it_points_at_watched(built, tmp_path, tree):
    elsewhere = tmp_path / f"elsewhere-{tree}"
    elsewhere.mkdir()
    (elsewhere / "linked.md").write_text("linked", encoding="utf-8")
    (built / tree / "linked").symlink_to(elsewhere, target_is_directory=True)
    assert stamps.current(built) is None, "a new link is a change"
    _age(elsewhere)
    _build(built)
    assert stamps.current(built) is not None
    _touch(elsewhere / "linked.md")
    assert stamps.current(built) is None, "a save behind the link is a change"
    _build(built)
    (elsewhere / "second.md").write_text("x", encoding="utf-8")
    assert stamps.current(built) is None, "a file added behind the link is a change"


def test_a_linked_file_is_followed(built, tmp_path):
    target = tmp_path / "figure.svg"
    target.write_text("<svg/>", encoding="utf-8")
    (built / "book" / "figure.svg").symlink_to(target)
    _age(tmp_path / "figure.svg")
    _build(built)
    assert stamps.current(built) is not None
    _touch(target)
    assert stamps.current(built) is None


def test_a_link_back_up_the_tree_is_walked_once(built):
    (built / "book" / "loop").symlink_to(built / "book", target_is_directory=True)
    assert "book/page.md" in stamps.files(built)


def test_a_commit_is_a_change(built):
    fixtures.git(built, "init", "-q")
    _build(built)
    fixtures.git(built, "add", "-A")
    fixtures.git(built, "commit", "-qm", "first")
    assert stamps.current(built) is None, "the pages would cite no commit, or another"
    _build(built)
    assert stamps.current(built) is not None
    fixtures.git(built, "commit", "-q", "--allow-empty", "-m", "second")
    assert stamps.current(built) is None


def test_an_installed_package_is_a_change(tmp_path):
    site = tmp_path / "site-packages"
    (site / "pandas-3.1.1.dist-info").mkdir(parents=True)
    (site / "pandas-3.1.1.dist-info" / "RECORD").write_text("pandas/__init__.py,sha256=a,1\n")
    before = stamps.installed(site)
    assert before == stamps.installed(site)
    (site / "pandas-3.1.1.dist-info" / "RECORD").write_text("pandas/__init__.py,sha256=b,1\n")  # reinstalled
    assert stamps.installed(site) != before
    before = stamps.installed(site)
    (site / "numpy-2.4.6.dist-info").mkdir()  # another package installed
    assert stamps.installed(site) != before
    assert stamps.take(tmp_path)["packages"] == stamps.installed(), "the stamp holds the environment's packages"


@pytest.mark.parametrize("removed", ["index.html", "_static/vendor/vega-bundle.js", "_static/vendor"])
def test_a_deleted_page_or_static_file_of_the_published_book_is_not_current(built, removed):
    path = built / "_build" / "html" / removed
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    assert stamps.current(built) is None


def test_a_change_made_while_the_build_ran_is_never_certified(built):
    """The stamp is taken before reading: a save after it (during the build) leaves the kept stamp older."""
    for path in watched_paths(built):
        stamp = stamps.take(built)  # the build starts
        _touch(path)  # saved while it ran
        stamps.keep(built, stamp, built / "_build" / "html")  # the build publishes
        assert stamps.current(built) is None, path
        _build(built)


def test_records_the_build_wrote_are_stamped_as_it_left_them(built):
    stamp = stamps.take(built)
    record = built / "notebooks" / "01-x.ipynb"
    record.write_text('{"executed": true}', encoding="utf-8")
    stamps.restamp(stamp, built, [record])
    stamps.keep(built, stamp, built / "_build" / "html")
    assert stamps.current(built) is not None


def test_racy_files_are_compared_by_content(built):
    """A file modified within the clock's resolution of its stamp keeps its checksum, compared as well."""
    path = built / "book" / "page.md"
    path.write_text("BOOK", encoding="utf-8")
    entry = stamps.file_stamp(path)
    assert len(entry) == 5, "modified just now: racy, so its checksum is kept"
    assert not stamps._differs(built, "book/page.md", entry, stamps.file_stamp(path))
    forged = [*entry[:4], "0" * 64]  # same size, times and inode, other content
    assert stamps._differs(built, "book/page.md", forged, stamps.file_stamp(path))
    later = time.time_ns() + 2 * stamps.RACY_NS
    assert len(stamps.file_stamp(path, later)) == 4, "a file older than the clock's resolution: its times suffice"


def test_generated_files_and_the_registration_check_cache_are_not_changes(built):
    for name in paths.GENERATED:
        (built / name).parent.mkdir(parents=True, exist_ok=True)
        (built / name).write_text("generated", encoding="utf-8")
    (built / "data" / "microdata").mkdir(exist_ok=True)
    (built / "data" / "microdata" / paths.VERIFIED_STAMPS).write_text("{}", encoding="utf-8")
    assert stamps.current(built) is not None


def test_a_missing_or_replaced_book_and_the_other_edition_are_not_current(built, monkeypatch):
    monkeypatch.setenv("KZOPINION_EDITION", "public")
    assert stamps.current(built) is not None
    (built / "_build" / "html" / "index.html").unlink()
    assert stamps.current(built) is None


def test_changed_names_exactly_the_file_saved_added_or_removed_since_the_build(built):
    assert stamps.changed(built) == set()
    for path in watched_paths(built):
        _touch(path)
        assert stamps.changed(built) == {path.relative_to(built).as_posix()}, path
        _build(built)
    (built / "book" / "new.md").write_text("x", encoding="utf-8")
    (built / "book" / "page.md").unlink()
    assert stamps.changed(built) == {"book/new.md", "book/page.md"}


def test_changed_is_unknown_without_a_build_of_this_edition_on_record(built):
    (built / "data" / "microdata").mkdir()
    manifest = built / "data" / "microdata" / "manifest.json"
    manifest.write_text(json.dumps({"cab": {"f.dta": "sha256:0"}}))
    assert stamps.changed(built) is None
    manifest.unlink()
    assert stamps.changed(built) == set()
    (built / stamps.RECORD).unlink()
    assert stamps.changed(built) is None


def test_the_key_changes_with_every_file_of_its_trees_and_only_those(tmp_path):
    """The key a step keeps to skip itself (table validation, the data appendix, the kept provenance) moves
    when any file of the real data package is saved, and not when a file elsewhere is."""
    root = tmp_path / "repo"
    shutil.copytree(paths.root() / "data", root / "data")
    (root / "book").mkdir()
    (root / "book" / "intro.md").write_text("# Intro\n", encoding="utf-8")
    _age(root)
    files = fixtures.data_files(root)
    assert len(files) > 20
    key = stamps.key(root, ("data",))
    _touch(root / "book" / "intro.md")
    assert stamps.key(root, ("data",)) == key
    for path in files:
        _touch(path)
        new = stamps.key(root, ("data",))
        assert new != key, path
        key = new


def test_the_key_holds_a_racy_files_content(tmp_path, monkeypatch):
    """On a file system whose times are coarse (no change time or inode to tell), a same-size edit within the
    same tick leaves the stamp's times alone: the key of a racy file still moves, with its content."""
    real = stamps.file_stamp

    def coarse(path: Path, now: int | None = None) -> list | None:
        entry = real(path, now)
        return entry and [*entry[:2], 0, 0, *entry[4:]]  # size and modification time only

    monkeypatch.setattr(stamps, "file_stamp", coarse)
    table = tmp_path / "data" / "table.csv"
    table.parent.mkdir()
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    before = stamps.key(tmp_path, ("data",))
    tick = table.stat().st_mtime_ns
    table.write_text("a,b\n1,3\n", encoding="utf-8")
    os.utime(table, ns=(tick, tick))
    assert stamps.key(tmp_path, ("data",)) != before
