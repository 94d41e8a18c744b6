"""The page's rules run where the author works (slow: each test builds the book): `make book` stops, with a
sentence naming the file, the line and the fix, on a number typed into prose, a figure cell that shows no chart, a
section with no claims, and a page whose words contradict the values it pastes (kzopinion.book.page_reading); the
built book reads true of its values."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import fixtures
import pytest

from kzopinion.book import page_reading

pytestmark = pytest.mark.slow


def _make_book(repo: Path, module: str = "kzopinion.book.build") -> subprocess.CompletedProcess:
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


def test_the_built_book_reads_true_of_its_values(site, root):
    """Read from the built pages, in whichever edition this checkout builds (CI's second state registers the
    fixtures' CAB files, so the microdata edition is read too)."""
    assert page_reading.problems(site, root) == []


def _texts(site: Path, tag: str) -> dict[str, list[str]]:
    """The text of every ``tag`` element of every page of the built book, by page."""
    from bs4 import BeautifulSoup

    return {
        page.relative_to(site).as_posix(): [
            e.get_text(" ", strip=True) for e in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")(tag)
        ]
        for page in sorted(site.glob("**/*.html"))
        if not page.relative_to(site).as_posix().startswith("_")
    }


def test_the_edition_numbers_its_own_figures_apart_from_the_articles(site):
    """Every caption is numbered "Figure EN", never with a bare number the article's figures use; a caption that
    names one of the article's figures says so ("Article Figure 2")."""
    for page, captions in _texts(site, "figcaption").items():
        for caption in captions:
            assert re.match(r"Figure E\d+ ", caption), (page, caption)
            for match in re.finditer(r"(\S+\s+)?Figures? [1-9]\b", caption):
                assert re.search(r"(Article|article[’']s)\s*$", match.group(1) or ""), (page, caption)


FOCUS_GROUP_SENTENCE = re.compile(r"focus.group[^.]*", re.IGNORECASE)


def test_focus_group_counts_are_given_intervals_one_way_throughout(site):
    """Chapter 01 states the one stance (a focus-group share gets an interval that shows how little a group of its
    size pins down, no margin of error for Kazakhstan); no page denies focus-group counts an interval, and every
    chart of focus-group counts draws one."""
    paragraphs = _texts(site, "p")
    stance = [p for p in paragraphs["notebooks/01-data-sources.html"] if "focus-group share" in p and "interval" in p]
    assert stance and "no margin of error for Kazakhstan" in stance[0]
    denial = re.compile(r"\b(no|without|carry no)\b[^.]*\b(sampling margin|margin|interval)", re.IGNORECASE)
    population = re.compile(r"could lie anywhere|people like them|pinned down to", re.IGNORECASE)
    for page, texts in paragraphs.items():
        for text in texts:
            for sentence in FOCUS_GROUP_SENTENCE.findall(text):
                assert not denial.search(sentence) or "no margin of error for Kazakhstan" in sentence, (page, sentence)
            assert not population.search(text), (page, text)  # an interval read as a range for a population
    for page in sorted(site.glob("notebooks/*.html")):
        for spec in page_reading.charts(page.read_text(encoding="utf-8")):
            for rows in spec.get("datasets", {}).values():
                counted = [row for row in rows if {"count", "base"} <= set(row)]
                assert all({"low", "high"} <= set(row) for row in counted), (page.name, spec.get("description"))


def test_make_book_stops_on_words_that_contradict_their_values(repo_copy):
    prose = repo_copy / "notebooks/03-cultural-values.md"
    text = prose.read_text(encoding="utf-8")
    count = "{glue:text}`cu_negative_theme_count`"
    planted = (
        text + f"\nHarsh judgements came far more often than kind ones.\n\nThe themes went from {count} to {count}.\n"
    )
    prose.write_text(planted, encoding="utf-8")
    lines = planted.splitlines()
    unbacked = lines.index("Harsh judgements came far more often than kind ones.") + 1
    equal = len(lines)
    built = _make_book(repo_copy)
    assert built.returncode != 0
    assert (
        f"notebooks/03-cultural-values.md, line {unbacked}: 'far more' compares with no pasted values" in built.stderr
    )
    assert f"notebooks/03-cultural-values.md, line {equal}: 'went from" in built.stderr
    assert "say 'stayed at'" in built.stderr and "nothing was published" in built.stderr
    assert not (repo_copy / "_build/html/notebooks/03-cultural-values.html").exists()


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
