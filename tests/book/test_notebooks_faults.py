"""Faults of the notebook pairs and their records (kzopinion.book.notebooks), injected into a copy of the
repository: an edited source is synced by the build and an unsynced pair reported; broken front matter names the
.md and its line; a hand edit to the record is reported every time until --keep-md or --from-ipynb settles it; an
empty or merge-conflicted record is written again from its source. (The fault table: test_build_faults.py.)"""

from __future__ import annotations

import pytest
from fixtures import build_failure, edit, run_build

from kzopinion.book import notebooks

pytestmark = pytest.mark.slow  # each test builds or syncs in a copy of the repository


def test_an_edited_source_is_synced_by_the_build(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace(
            "## Auditing the printed table", "## Auditing the printed table, cell by cell"
        ),
        encoding="utf-8",
    )
    assert notebooks.pair_differences(source)
    assert run_build(repo_copy, "--no-html").returncode == 0
    assert notebooks.pair_differences(source) == []
    assert "cell by cell" in notebooks.twin(source).read_text(encoding="utf-8")


def test_an_unsynced_pair_is_reported(repo_copy):
    source = repo_copy / "notebooks/05-preferences.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("GALLUP_N = 1000", "GALLUP_N = 1001"), encoding="utf-8"
    )
    problems = notebooks.pair_differences(source)
    assert problems and "source differs" in problems[0]
    assert notebooks.is_stale(source, repo_copy)


def test_broken_front_matter_names_the_md_and_line(repo_copy):
    edit(repo_copy / "notebooks/04-foreign-policy.md", "  format_name: myst", "  format_name: [myst")
    message = build_failure(run_build(repo_copy, "--no-html"))
    assert "notebooks/04-foreign-policy.md, line 5: the YAML" in message


def test_a_code_edit_in_the_record_is_reported_and_keep_md_resolves_it(repo_copy):
    source = repo_copy / "notebooks/05-preferences.md"
    edit(notebooks.twin(source), "GALLUP_N = 1000", "GALLUP_N = 1001")
    message = build_failure(run_build(repo_copy, "--no-html"))
    assert "notebooks/05-preferences.ipynb was edited by hand" in message and "--from-ipynb 05-preferences" in message
    assert build_failure(run_build(repo_copy, "--no-html")) == message, "reported every time, never silently discarded"
    result = run_build(repo_copy, "--no-html", "--keep-md", "05-preferences")
    assert result.returncode == 0, result.stderr
    assert "GALLUP_N = 1000" in notebooks.twin(source).read_text(encoding="utf-8")


def test_a_prose_edit_in_the_record_is_reported_then_imported(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(notebooks.twin(source), "Auditing the printed table", "Auditing the printed table again")
    assert "was edited by hand (cell" in build_failure(run_build(repo_copy, "--no-html"))
    result = run_build(repo_copy, "--no-html", "--from-ipynb", "04-foreign-policy")
    assert result.returncode == 0, result.stderr
    assert "0 of 5 notebooks to execute" in result.stdout
    assert "Auditing the printed table again" in source.read_text(encoding="utf-8")


def test_an_empty_or_conflicted_record_is_written_again_from_its_source(repo_copy):
    empty, conflicted = repo_copy / "notebooks/04-foreign-policy.ipynb", repo_copy / "notebooks/05-preferences.ipynb"
    empty.write_text("", encoding="utf-8")
    conflicted.write_text(
        "<<<<<<< HEAD\n" + conflicted.read_text(encoding="utf-8") + "=======\n>>>>>>> other\n", encoding="utf-8"
    )
    result = run_build(repo_copy, "--no-html")
    assert result.returncode == 0, result.stderr
    assert "notebooks/04-foreign-policy.ipynb cannot be read (empty, or left with merge-conflict" in result.stdout
    assert notebooks.readable(empty) and notebooks.readable(conflicted)
