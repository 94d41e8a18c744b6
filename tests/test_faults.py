"""Fault injection: on a temporary copy of the repository, each fault must fail safely.

| fault | expected | test |
|---|---|---|
| value changed without its checksum | build stops, names file and checksum to update | test_build.py::test_changed_value_stops_the_build_naming_the_file, test_data.py::test_changed_value_without_new_checksum_names_the_file |
| value out of range (140%, negative count) | stops, names file, row, column, rule | test_build.py::test_out_of_range_value_stops_the_build_naming_row_and_column, test_data.py::test_negative_count_is_refused |
| missing / extra column, renamed file | stops, names what and where declared | test_data.py::test_missing_and_extra_columns_are_named, test_data.py::test_renamed_file_is_named |
| BOM, CRLF, trailing blank line | reads correctly | test_data.py::test_harmless_file_quirks_read_correctly |
| focus-group child above its parent | stops, names both codes | test_data.py::test_child_count_above_parent_names_both_codes |
| a notebook cell raises | build fails, no traceback page, previous book stays | here: test_a_failing_cell_keeps_the_previous_book |
| .md edited, .ipynb not synced | the build syncs it; the tests report an unsynced pair | here: test_an_edited_source_is_synced_by_the_build, test_an_unsynced_pair_is_reported |
| microdata of the wrong wave or country | stops, names file and content | test_microdata.py::test_a_phone_wave_file_is_refused, ::test_a_file_from_another_country_is_refused, ::test_a_mislabelled_phone_file_is_refused |
| mapping with a blank variable name | stops, names the item | test_microdata.py::test_gallup_refuses_a_blank_mapping_naming_the_items |
| a notebook executed twice | byte-identical | here: test_executing_twice_is_byte_identical |
| untrusted text in data files | escaped in HTML | here: test_markup_in_data_is_escaped |
| YAML and JSON | read with safe loaders | here: test_only_safe_loaders |
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from kzopinion import datapage, notebooks, report


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzopinion.build", *args], cwd=repo, capture_output=True,
                          text=True, timeout=1200)


def test_a_failing_cell_keeps_the_previous_book(repo_copy):
    assert _run(repo_copy).returncode == 0
    index = repo_copy / "_build/html/index.html"
    before = index.read_bytes()
    source = repo_copy / "notebooks/01-data-sources.md"
    record_before = notebooks.twin(source).read_bytes()
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("design = tables[", "raise RuntimeError('injected fault')\ndesign = tables[", 1),
                      encoding="utf-8")
    result = _run(repo_copy)
    assert result.returncode == 1
    assert "Executing notebooks/01-data-sources.md failed" in result.stderr and "injected fault" in result.stderr
    assert index.read_bytes() == before, "the previous good book must stay in place"
    assert notebooks.twin(source).read_bytes() == record_before, "the committed record must stay untouched"
    for page in (repo_copy / "_build/html").rglob("*.html"):
        assert "injected fault" not in page.read_text(encoding="utf-8"), page


def test_an_edited_source_is_synced_by_the_build(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "## Auditing the printed table", "## Auditing the printed table, cell by cell"), encoding="utf-8")
    assert notebooks.pair_differences(source)
    assert _run(repo_copy, "--no-html").returncode == 0
    assert notebooks.pair_differences(source) == []
    assert "cell by cell" in notebooks.twin(source).read_text(encoding="utf-8")


def test_an_unsynced_pair_is_reported(repo_copy):
    source = repo_copy / "notebooks/05-preferences.md"
    source.write_text(source.read_text(encoding="utf-8").replace("GALLUP_N = 1000", "GALLUP_N = 1001"),
                      encoding="utf-8")
    problems = notebooks.pair_differences(source)
    assert problems and "source differs" in problems[0]
    assert notebooks.is_stale(source, repo_copy)


def test_executing_twice_is_byte_identical(repo_copy):
    source = repo_copy / "notebooks/02-russia-correlation.md"
    notebooks.execute(source, repo_copy)
    first = notebooks.twin(source).read_bytes()
    notebooks.execute(source, repo_copy)
    second = notebooks.twin(source).read_bytes()
    assert first == second
    text = first.decode()
    assert not re.search(r"0x[0-9a-f]{8,}", text), "no memory addresses in outputs"
    assert not re.search(r"20\d\d-\d\d-\d\dT\d\d:\d\d", text), "no timestamps in outputs"
    assert '"papermill": {' not in text and "altair-viz-" not in text, "no papermill timings, no random chart ids"


def test_markup_in_data_is_escaped():
    hostile = "<script>alert('x')</script> *bold* {download}`x`"
    assert "<script>" not in datapage.escape(hostile) and "\\*bold\\*" in datapage.escape(hostile)
    ledger = pd.DataFrame([{"id": "xx_test", "section": hostile, "statement": hostile, "printed": hostile,
                            "book_text": hostile, "simulated_text": hostile, "notebook": "", "tier": "",
                            "cells": [hostile], "status": "not-yet", "note": hostile}])
    rendered = report.claims_html(ledger)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered


def test_only_safe_loaders(root):
    for path in (root / "src").rglob("*.py"):
        code = path.read_text(encoding="utf-8")
        assert not re.search(r"yaml\.load\((?![^)]*SafeLoader)", code), path
        assert not re.search(r"\b(eval|exec)\(|pickle\.load", code), path
