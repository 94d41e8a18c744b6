"""`make book` stops loudly on bad data, before executing anything; one build at a time; complete books only."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import fixtures
import pytest
from fixtures import edit, edit_table, explain_differences

from kzopinion import paths
from kzopinion.book import build, stamps

pytestmark = pytest.mark.slow


def _build(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", *args], cwd=repo, capture_output=True, text=True, timeout=600
    )


def test_changed_value_stops_the_build_naming_the_file(repo_copy):
    edit(
        repo_copy / "data/external/gallup_leadership_approval.csv",
        "2014,United States,9,52",
        "2014,United States,10,52",
    )
    result = _build(repo_copy, "--no-html")
    assert result.returncode == 1
    assert "BUILD FAILED" in result.stderr
    assert "data/external/gallup_leadership_approval.csv changed" in result.stderr
    assert "make rehash TABLE=gallup_leadership_approval" in result.stderr
    assert "notebooks to execute" not in result.stdout  # stopped before executing anything


def test_out_of_range_value_stops_the_build_naming_row_and_column(repo_copy):
    edit(
        repo_copy / "data/external/gallup_leadership_approval.csv",
        "2014,United States,9,52",
        "2014,United States,140,52",
    )
    subprocess.run(
        [sys.executable, "-m", "kzopinion.data", "rehash", "gallup_leadership_approval"],
        cwd=repo_copy,
        check=True,
        capture_output=True,
    )
    result = _build(repo_copy, "--no-html")
    assert result.returncode == 1
    assert "data/external/gallup_leadership_approval.csv, row 7 (line 8), column 'approve'" in result.stderr
    assert "above the maximum 100" in result.stderr


# --------------------------------------------------------------------------- one build at a time, complete books only


def _complete(repo: Path) -> bool:
    site = repo / "_build" / "html"
    return site.is_dir() and not build.missing_pages(repo, site)


def _start(repo: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kzopinion.book.build"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_builds_never_publish_an_incomplete_book(repo_copy):
    """Pairs of builds started at once: one builds, the other says so; the book is always complete.

    KZOPINION_CONCURRENT_TRIALS=10 runs the ten-trial version (about a minute more).
    """
    trials = int(paths.setting("KZOPINION_CONCURRENT_TRIALS"))
    conclusion = repo_copy / "book" / "conclusion.md"
    for trial in range(trials):
        conclusion.write_text(conclusion.read_text(encoding="utf-8") + f"\n<!-- trial {trial} -->\n", encoding="utf-8")
        pair = [_start(repo_copy), _start(repo_copy)]
        results = [(p.wait(timeout=600), *p.communicate()) for p in pair]
        assert any(code == 0 for code, _, _ in results), results
        for code, _out, err in results:
            assert "Traceback" not in err
            if code != 0:
                assert "another command is building" in err, err
        assert _complete(repo_copy), f"trial {trial}: incomplete book published"
        result = subprocess.run(
            [sys.executable, "-m", "kzopinion.book.build"], cwd=repo_copy, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0 and "book up to date" in result.stdout, result.stdout + result.stderr


def test_a_second_build_is_refused_while_one_holds_the_lock(repo_copy):
    with build.lock(repo_copy):
        result = _build(repo_copy, "--no-html")
    assert result.returncode == 1
    assert "another command is building" in result.stderr and "Traceback" not in result.stderr
    assert _build(repo_copy, "--no-html").returncode == 0, "released with its holder"


def test_the_up_to_date_short_cut_checks_the_published_book(repo_copy):
    assert _build(repo_copy).returncode == 0
    page = repo_copy / "_build/html/notebooks/04-foreign-policy.html"
    page.unlink()
    result = _build(repo_copy)
    assert result.returncode == 0 and "book up to date" not in result.stdout
    assert page.exists()


def _pasted(page: Path, value: str, followed_by: str) -> bool:
    """Whether ``value`` is pasted on ``page`` right before ``followed_by`` (inside its provenance doorway or not)."""
    pattern = rf'<span class="pasted-text">{re.escape(value)}</span>(?:</a></span>)? {re.escape(followed_by)}'
    return re.search(pattern, page.read_text(encoding="utf-8")) is not None


def test_a_glued_value_changed_by_an_execution_without_html_reaches_every_page(repo_copy):
    """`make pdf` executes notebooks without building HTML; the next HTML build must rebuild pages that paste."""
    assert _build(repo_copy).returncode == 0
    conclusion = repo_copy / "_build/html/book/conclusion.html"
    assert _pasted(conclusion, "81%", "of their reasons")
    edit_table(
        repo_copy,
        "figure2_reasons",
        "negative,1,aggressive foreign policy,39,13,26,42",
        "negative,1,aggressive foreign policy,39,13,26,12",
    )
    asked = _build(repo_copy, "--no-html")  # the shares now differ from the article: the build asks why
    assert asked.returncode != 0 and "needs its own reason" in asked.stderr
    explain_differences(repo_copy, {"fp_negative_international_share": "73%", "fp_negative_domestic_share": "27%"})
    executed = _build(repo_copy, "--no-html")
    assert executed.returncode == 0, executed.stderr
    result = _build(repo_copy)
    assert result.returncode == 0, result.stderr
    section = (repo_copy / "_build/html/notebooks/04-foreign-policy.html").read_text(encoding="utf-8")
    new = re.search(
        r'Among negative opinions the balance flips: (?:<span class="kz-prov"><a [^>]*>)?'
        r'<span class="pasted-text">(\d+%)</span>',
        section,
    )
    assert new and new.group(1) != "81%"
    assert _pasted(conclusion, new.group(1), "of their reasons")


def _footer_commit(site: Path) -> str:
    """What the edited page says it was built from: the commit, and whether with uncommitted changes."""
    found = re.search(
        r"Built from commit <code>(?:<a [^>]*>)?(\w+)(?:</a>)?</code>( \(with uncommitted changes\))?",
        (site / "book" / "conclusion.html").read_text(encoding="utf-8"),
    )
    assert found, "the page names the commit it was built from"
    return found.group(1) + (" dirty" if found.group(2) else "")


@pytest.mark.parametrize("during", ["commit", "pull"])
def test_a_commit_or_a_pull_during_the_sphinx_phase_leaves_make_book_rebuilding(
    repo_copy, tmp_path, monkeypatch, during
):
    """The build stamps what it reads before reading: a commit or pull while Sphinx runs is never certified, and
    the pages cite the commit they were built from, not the one checked out when the build ended."""
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "first"]):
        fixtures.git(repo_copy, *command)
    first = fixtures.git(repo_copy, "rev-parse", "--short=12", "HEAD").strip()
    page = repo_copy / "book" / "conclusion.md"
    if during == "commit":
        page.write_text(page.read_text(encoding="utf-8") + "\nA sentence saved before the build.\n", encoding="utf-8")
    else:
        other = tmp_path / "other"
        fixtures.git(tmp_path, "clone", "-q", str(repo_copy), str(other))
        (other / page.relative_to(repo_copy)).write_text(page.read_text(encoding="utf-8") + "\nPulled.\n")
        fixtures.git(other, "commit", "-qam", "upstream")
    real = build.jupyter_book

    def meanwhile(*args, **kwargs):
        if during == "commit":
            fixtures.git(repo_copy, "commit", "-qam", "committed while Sphinx ran")
        else:
            fixtures.git(repo_copy, "pull", "-q", "--no-rebase", str(other), "HEAD")
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "jupyter_book", meanwhile)
    monkeypatch.chdir(repo_copy)
    site = build.build(repo_copy)
    assert _footer_commit(site) == (f"{first} dirty" if during == "commit" else first)
    assert stamps.current(repo_copy) is None, "what changed during the build is not certified"
    again = _build(repo_copy)
    assert again.returncode == 0 and "book up to date" not in again.stdout, again.stdout
    last = fixtures.git(repo_copy, "rev-parse", "--short=12", "HEAD").strip()
    assert last != first and _footer_commit(repo_copy / "_build" / "html") == last
    assert "Pulled." in (site / "book" / "conclusion.html").read_text(encoding="utf-8") or during == "commit"
    assert _build(repo_copy).stdout.count("book up to date") == 1
