"""The page's rules run where the author works: `make book` stops, with a sentence naming the file, the line and
the fix, on a number typed into prose, a figure cell that shows no chart, and a section with no claims."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import fixtures

from kzopinion.book import page_rules


def _make_book(repo: Path, module: str = "kzopinion.book.makebook") -> subprocess.CompletedProcess:
    """What `make book` (or, with ``module``, another target) runs, in the repository copy, with the copy's own
    package (a scaffolded chapter too)."""
    return subprocess.run(
        [sys.executable, "-m", module],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(repo / "src")},
    )


def test_the_book_as_committed_keeps_the_rules(root):
    assert page_rules.problems(root) == []


def test_make_book_stops_on_each_broken_rule_naming_file_line_and_fix(repo_copy):
    prose = repo_copy / "notebooks/03-cultural-values.md"
    original = prose.read_text(encoding="utf-8")
    prose.write_text(original + "\nIn 2014 the share fell by half.\n", encoding="utf-8")
    line = len(prose.read_text(encoding="utf-8").splitlines())
    typed = _make_book(repo_copy)
    assert typed.returncode != 0
    for token in ("2014", "half"):
        assert f"notebooks/03-cultural-values.md:{line}: {token}: a number typed into prose" in typed.stderr
    assert "'% not-a-result: TOKEN (reason)'" in typed.stderr
    printed = _make_book(repo_copy, "kzopinion.book.pdf")  # make pdf checks the same rules before printing
    assert printed.returncode != 0 and f"notebooks/03-cultural-values.md:{line}: 2014" in printed.stderr
    assert not (repo_copy / "_build/pdf/book.pdf").exists()
    prose.write_text(original, encoding="utf-8")

    chart = 'charts.counts_with_intervals(conduct, "Share of the panel\'s base")'
    fixtures.edit(repo_copy / "notebooks/04-foreign-policy.md", chart, "conduct.to_dict()")
    chartless = _make_book(repo_copy)
    assert chartless.returncode != 0
    assert "the figure cell 'fig-fp-focus-groups' shows no chart" in chartless.stderr
    assert "notebooks/04-foreign-policy.md, line " in chartless.stderr and "restore the chart line" in chartless.stderr
    assert not (repo_copy / "_build/html/notebooks/04-foreign-policy.html").exists()  # nothing half-built published
    fixtures.edit(repo_copy / "notebooks/04-foreign-policy.md", "conduct.to_dict()", chart)

    title = "Media use and views of the US"
    scaffold = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.scaffold", "media-use", title, "--prefix", "mu"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
    )
    assert scaffold.returncode == 0, scaffold.stderr
    unclaimed = _make_book(repo_copy)
    assert unclaimed.returncode != 0
    assert "notebooks/06-media-use.md: the section records no claim of the article" in unclaimed.stderr
    assert "add the rows it checks to data/published/claims.csv, with ids starting with 'mu_'" in unclaimed.stderr


def _book_with_changelog(tmp_path: Path, changelog: str, page: str = "") -> Path:
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    include = "```{include} ../CHANGELOG.md\n:start-after: <!-- start -->\n```\n"
    (tmp_path / "book" / "changelog.md").write_text(f"# Changelog\n\n{include}", encoding="utf-8")
    (tmp_path / "book" / "intro.md").write_text(f"# Intro\n\n{page}\n", encoding="utf-8")
    return tmp_path


def _typed(root: Path) -> list[str]:
    return [hit for path in page_rules.prose_files(root) for hit in page_rules.typed_numbers(path, root)]


def test_the_changelog_the_book_includes_is_checked_as_its_prose(tmp_path):
    root = _book_with_changelog(
        tmp_path, "# Changelog\n<!-- start -->\n## 0.2.0 (2026-12-07)\n\n- The share rose to 34%.\n"
    )
    assert page_rules.prose_files(root)[-1] == root / "CHANGELOG.md"
    assert _typed(root) == ["CHANGELOG.md:5: 34%"]


def test_versions_and_dates_are_exempt_in_the_changelog_only(tmp_path):
    line = "- Released as 0.2.0 on 2026-12-07, after v0.1.0 of 2026-11-28."
    root = _book_with_changelog(tmp_path, f"# Changelog\n{line}\n", page=line)
    hits = _typed(root)
    assert hits and all(hit.startswith("book/intro.md:3: ") for hit in hits), hits  # flagged on a page, not there
    # a number that is neither, in the changelog, is still typed prose
    (root / "CHANGELOG.md").write_text("# Changelog\n- Released as 0.2.0 with 12 new claims; 0.2.0.1 is no version.\n")
    hits = [hit for hit in _typed(root) if hit.startswith("CHANGELOG")]
    assert "CHANGELOG.md:2: 12" in hits and any(hit.startswith("CHANGELOG.md:2: 0.2") for hit in hits), hits
    assert "CHANGELOG.md:2: 0.2.0" not in hits


def test_the_book_includes_the_changelog_as_a_page(root):
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    assert "- file: book/changelog" in toc
    assert root / "CHANGELOG.md" in page_rules.prose_files(root)
