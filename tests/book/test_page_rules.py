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
