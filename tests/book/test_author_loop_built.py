"""The author's loop on a copy of the repository: a prose edit rewrites its page and reuses the rest;
a code edit reaches what reads it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import fixtures
import pytest
from test_author_loop import _commit_all, _data_files

from kzopinion import paths
from kzopinion.book import build, stamps

pytestmark = pytest.mark.slow


def _make_book(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """What `make book` runs."""
    return subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", *args], cwd=repo, capture_output=True, text=True, timeout=900
    )


def test_a_prose_edit_rewrites_its_page_and_reuses_everything_else(repo_copy):
    _commit_all(repo_copy)
    time.sleep(paths.RACY_NS / 1e9)  # files just copied are racy: a step keyed on them would run once more
    first = _make_book(repo_copy)
    assert first.returncode == 0, first.stderr
    site = repo_copy / "_build/html"
    before = {p.relative_to(site.resolve()).as_posix(): p.stat().st_ino for p in site.resolve().rglob("*.html")}
    readme = repo_copy / "README.md"  # not read by the build: its uncommitted edit is no page's
    readme.write_text(readme.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    source = repo_copy / "notebooks/04-foreign-policy.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("## Soft power", "A sentence an author added.\n\n## Soft power", 1), encoding="utf-8"
    )
    result = _make_book(repo_copy)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "data tables unchanged since they were last checked" in out
    assert "prose of 04-foreign-policy copied into its record" in out and "0 of 5 notebooks to execute" in out
    assert "only changed pages" in out
    assert "A sentence an author added." in (site / "notebooks/04-foreign-policy.html").read_text(encoding="utf-8")
    after = {p.relative_to(site.resolve()).as_posix(): p.stat().st_ino for p in site.resolve().rglob("*.html")}
    rewritten = {page for page, inode in after.items() if before.get(page) != inode}
    # the edited page, the root page (Sphinx writes the toctree's root whenever a page of it changes) and search
    assert rewritten == {"notebooks/04-foreign-policy.html", "book/intro.html", "search.html"}, rewritten
    timings = json.loads((repo_copy / build.TIMINGS).read_text(encoding="utf-8"))
    assert {
        "validation",
        "notebooks (staleness, resync, execution)",
        "Sphinx start",
        "Sphinx read",
        "Sphinx write",
        "publish",
        "total",
    } <= set(timings)
    assert (site / "claims.json").is_file() and (site / "claims.csv").is_file()
    flagged = "(with uncommitted changes)"
    assert flagged in (site / "notebooks/04-foreign-policy.html").read_text(encoding="utf-8")
    assert flagged not in (site / "book/conclusion.html").read_text(encoding="utf-8"), "its sources are committed"
    assert _make_book(repo_copy).stdout.startswith("[book] book up to date")
    source.write_text(text, encoding="utf-8")  # the edit undone: the page is the commit's own again
    assert _make_book(repo_copy).returncode == 0
    assert flagged not in (site / "notebooks/04-foreign-policy.html").read_text(encoding="utf-8")
    full = _make_book(repo_copy, "--full")  # make book FULL=1: every check again, nothing rebuilt
    assert full.returncode == 0, full.stderr
    assert "checking data tables against data/datapackage.json" in full.stdout
    assert "book up to date (nothing changed since the last build)" in full.stdout
    page = repo_copy / "book/conclusion.md"  # a page no notebook reads: no kernel, no snapshot for one
    page.write_text(page.read_text(encoding="utf-8") + "\nA closing sentence.\n", encoding="utf-8")
    edited = _make_book(repo_copy)
    assert edited.returncode == 0, edited.stderr
    assert "0 of 6 notebooks to execute (none read a file changed since the last build)" in edited.stdout
    assert "A closing sentence." in (site / "book/conclusion.html").read_text(encoding="utf-8")


def test_only_unchanged_notebooks_are_settled_without_reading_them(repo_copy):
    """The rule over every notebook source and every data file: a notebook is taken as current unread only when
    the sole changes since the last build are other notebooks' prose or book pages it did not read."""
    assert _make_book(repo_copy).returncode == 0
    from kzopinion.book import notebooks

    stems = {s.stem for s in notebooks.sources(repo_copy)}
    assert build.settled_notebooks(repo_copy, repo_copy) == stems
    assert build.settled_notebooks(repo_copy, repo_copy / "_build" / "microdata-edition") == frozenset()

    def changed_then_restored(path: Path) -> frozenset[str]:
        content = path.read_bytes()
        path.write_bytes(content + b"\n")
        try:
            return build.settled_notebooks(repo_copy, repo_copy)
        finally:  # restored as built: stamped again, as the build that found it so would keep it
            path.write_bytes(content)
            stamps.keep(repo_copy, stamps.take(repo_copy), repo_copy / "_build" / "html")

    for source in notebooks.sources(repo_copy):
        assert changed_then_restored(source) == stems - {source.stem}, source.name
        assert changed_then_restored(notebooks.twin(source)) == frozenset(), f"{source.stem}: a record edited"
    for path in _data_files(repo_copy):
        assert changed_then_restored(path) == frozenset(), path
    assert changed_then_restored(repo_copy / "src/kzopinion/chapters/__init__.py") == frozenset()
    assert changed_then_restored(repo_copy / "book/conclusion.md") == stems
    assert build.settled_notebooks(repo_copy, repo_copy) == stems


def test_a_code_edit_in_a_section_reaches_the_report_that_reads_its_record(repo_copy):
    """Settled notebooks are settled before anything executes: a report reading a section's record is checked
    again once that section has executed, so the report and the ledger agree."""
    assert _make_book(repo_copy).returncode == 0
    source = repo_copy / "src/kzopinion/chapters/cultural_values.py"  # the section's own code
    text = source.read_text(encoding="utf-8")
    value = '"cu_single_complaints": (single, fmt.count(single))'
    assert value in text
    source.write_text(
        text.replace(value, '"cu_single_complaints": (single * 2, fmt.count(single * 2))'), encoding="utf-8"
    )
    asked = _make_book(repo_copy)  # the value now differs from the article, and no reason is written for it
    assert asked.returncode != 0
    assert "1 of 5 notebooks to execute: 03-cultural-values" in asked.stdout  # of the sections
    assert "1 of 1 notebooks to execute: 99-replication-report" in asked.stdout
    assert (
        "data/published/claims.csv, row 'cu_single_complaints': the book's value is 2 where the article prints "
        "a single complaint (x5), and no reason is written for it" in asked.stdout + asked.stderr
    ), asked.stdout[-3000:] + asked.stderr[-3000:]
    fixtures.edit_table(
        repo_copy,
        "claims",
        'each transcribed from the same sentence.",a single complaint was raised,',
        'each transcribed from the same sentence; here doubled.",a single complaint was raised,2',
    )
    result = _make_book(repo_copy)
    assert result.returncode == 0, result.stderr
    exported = {row["id"]: row for row in json.loads((repo_copy / "_build/html/claims.json").read_text())}
    report = (repo_copy / "_build/html/notebooks/99-replication-report.html").read_text(encoding="utf-8")
    row = report[report.index('id="claim-cu_single_complaints"') :]
    assert exported["cu_single_complaints"]["status"] == "differs"
    assert "differs" in row[: row.index("</tr>")]
