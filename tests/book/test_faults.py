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
| two builds at once | the second says "another command is building"; the book is always complete | test_build.py::test_concurrent_builds_never_publish_an_incomplete_book, ::test_a_second_build_is_refused_while_one_holds_the_lock |
| published book damaged, digest intact | "up to date" is not claimed; the book is rebuilt | test_build.py::test_the_up_to_date_short_cut_checks_the_published_book |
| glued value changed by an execution without HTML (make pdf) | pages pasting it are rebuilt | test_build.py::test_a_glued_value_changed_by_an_execution_without_html_reaches_every_page |
| duplicated primary key, non-unique value, broken foreign key, NaN/inf | stops, names file, row, column | here: test_a_duplicated_key_stops_the_build_before_anything_is_executed; test_data.py::test_a_duplicated_primary_key_row_is_refused_naming_both_rows, ::test_a_non_unique_value_is_refused, ::test_a_broken_foreign_key_is_refused, ::test_a_non_finite_or_malformed_number_is_refused_naming_row_and_column, ::test_the_standard_validator_refuses_what_the_schema_forbids |
| table declared twice, package of the wrong shape or missing, 2 MB+ table | stops with a sentence | here: test_a_missing_or_misshapen_package_is_a_sentence; test_data.py::test_a_table_declared_twice_is_refused, ::test_a_package_of_the_wrong_shape_is_refused_with_a_sentence, ::test_an_oversized_table_is_refused |
| broken YAML front matter | names the .md and line | here: test_broken_front_matter_names_the_md_and_line |
| code or prose edited in the .ipynb | reported every time with the two choices; --keep-md / --from-ipynb resolve it | here: test_a_code_edit_in_the_record_is_reported_and_keep_md_resolves_it, test_a_prose_edit_in_the_record_is_reported_then_imported |
| kernel killed (out of memory) | names notebook, cell and .md line | here: test_a_dead_kernel_names_the_notebook_and_cell |
| endless cell | progress lines, stopped at the (configurable) timeout | here: test_an_endless_cell_is_stopped_with_progress_lines, test_a_bad_timeout_is_a_sentence |
| a cell writes into the repository: a subprocess finding it with git, a hard link, the registered microdata | no route (kernels run on a copy outside the repository); a write into the copy fails the build naming the file; the repository unchanged | test_kernel_routes.py::test_a_cell_finds_no_route_into_the_repository, test_guard.py |
| an author saves a prose file and a module every 0.2 s during `make book` | no save is ever reverted; the next build picks them up | here: test_saving_sources_during_a_build_never_reverts_a_save |
| `make pdf` / `make serve` with microdata registered | they print / serve the edition the build chose; the PDF header names it | here: test_pdf_and_serve_take_the_edition_the_build_chose |
| `make clean`, a second `make test`, or `rm -rf _build` and a second build during a build | one sentence, nothing removed; the lock lies outside `_build` | here: test_make_clean_a_second_test_run_and_a_second_build_are_refused_while_a_build_runs |
| `make variants`: a failing variant, a value with `../`, a parameter the notebook lacks | one sentence naming the variant, the cell and the row to fix; no .running files; kernels guarded, outside notebooks/ | here: test_a_failing_variant_is_named_with_its_cell_and_leaves_no_running_files |
| `make serve`: a front-matter error, a busy port, `/_static/`, `/.book-digest`, `%00` | error on the page and the console, server keeps serving and recovers; a sentence before building; 404s, no traceback | here: test_serve_survives_a_front_matter_error_and_recovers |
| an Excel file that expands past the cap, a 3 GB plain file, six large members, an encrypted member | refused before anything is copied in full, naming the user's file and the cap | here: test_an_excel_file_expanding_past_the_cap_is_refused_before_it_is_read, test_plain_files_encrypted_members_and_the_whole_registration_are_bounded |
| a weight of 1e300 or infinity | refused naming the file, the variable and the limit (50 times the median weight) | here: test_an_infinite_or_implausible_weight_is_refused_naming_file_and_limit |
| `3_4`, full-width or other non-ASCII digits in a table | refused naming row and column | test_data.py::test_a_non_finite_or_malformed_number_is_refused_naming_row_and_column |
| any error frictionless finds: a short or long row, a wrong type, an empty required cell, columns out of order, a value outside its enum | one sentence naming file, row (line), column and the fix | test_data.py::test_every_frictionless_error_is_one_sentence_naming_file_row_column_and_fix |
| what frictionless alone lets through: `inf`, `_` separators, full-width digits, a space, `True`, a nested count above its parent, a claim naming a row its table lacks, an entry without a tier | refused naming file, row, column and the fix | test_data.py::test_each_project_rule_catches_what_frictionless_alone_lets_through, ::test_what_the_project_requires_of_the_package_is_beyond_the_standard |
| a table edited after this process validated it | refused: the file rules run on every load, a new package state is validated again | test_data.py::test_the_package_is_validated_once_per_process_and_state |
| Ctrl-C during a long cell | stops at once with one line; kernels killed; records and book untouched | here: test_ctrl_c_stops_a_long_cell_at_once_with_one_line |
| non-UTF-8 table, package or source; resource without title, licences or a source path; broken `_toc.yml` / `_config.yml`; corrupt manifest; edition typo | a sentence naming file (and line) and the fix | here: test_every_unreadable_input_is_a_sentence_naming_the_file, test_a_typo_in_the_edition_variable_is_a_sentence |
| an empty or merge-conflicted `.ipynb` | written again from its `.md`, saying so | here: test_an_empty_or_conflicted_record_is_written_again_from_its_source |
| a paste naming a `.md`; `rehash` of a missing file | a sentence naming the page and line / the file | here: test_a_paste_naming_a_source_and_rehash_of_a_missing_file_are_sentences |
| `make section` with `$`, backticks, quotes or triple quotes in the title; an empty title; a 299-character slug | kept literally, the module imports; refused with a sentence | here: test_make_section_takes_its_arguments_literally_and_refuses_an_empty_title |
| `make pdf` with a chapter title in a script no installed font covers | a sentence naming the fonts and the Debian package | here: test_a_chapter_title_in_a_script_without_fonts_names_the_fonts_to_install |
| glue key defined nowhere | names the .md and line | here: test_a_glue_key_defined_nowhere_names_the_md_line |
| build killed while Sphinx writes | the next build starts Sphinx afresh and succeeds | here: test_a_build_killed_while_sphinx_writes_does_not_break_the_next |
| disk full, _build read-only, _build on another file system | a sentence, previous book kept; works across file systems | here: test_a_full_disk_is_a_sentence_and_leaves_the_previous_book, test_a_read_only_build_folder_is_a_sentence, test_a_build_folder_on_another_file_system_works |
| respondent-level files: symlink out of the folder, zip bomb, member understating its size, corrupt or truncated file, 0 rows, bad weights, wrong country or mode, a stray file | a sentence naming file and cause before anything is written; nothing registered is touched | test_microdata.py::test_a_symlink_out_of_the_folder_is_never_followed, ::test_a_zip_member_above_the_cap_is_refused_naming_member_and_cap, ::test_a_member_whose_header_understates_its_size_is_stopped_while_streaming, ::test_a_corrupt_file_is_named_not_a_traceback, ::test_a_truncated_zip_is_a_sentence, ::test_an_empty_file_is_refused, ::test_bad_weights_are_refused, ::test_a_file_from_another_country_is_refused, ::test_a_mislabelled_phone_file_is_refused, ::test_a_failed_registration_never_touches_registered_files, ::test_other_files_in_the_folder_get_a_clear_message |
| module, pdf/browser code, BOM in a table, microdata registered | only the notebooks that read it are re-executed | test_notebooks.py::test_editing_a_module_re_executes_only_the_notebooks_that_imported_it, ::test_editing_the_pdf_or_browser_code_re_executes_nothing, ::test_a_bom_or_trailing_blank_line_in_a_table_re_executes_nothing, ::test_registering_microdata_re_executes_only_the_notebooks_that_read_it |
"""  # noqa: E501

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from fixtures import edit, edit_table

from kzopinion.book import appendix, notebooks
from kzopinion.paper import report_tables


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", *args], cwd=repo, capture_output=True, text=True, timeout=1200
    )


def test_a_failing_cell_keeps_the_previous_book(repo_copy):
    assert _run(repo_copy).returncode == 0
    index = repo_copy / "_build/html/index.html"
    before = index.read_bytes()
    source = repo_copy / "notebooks/01-data-sources.md"
    record_before = notebooks.twin(source).read_bytes()
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("design = tables[", "raise RuntimeError('injected fault')\ndesign = tables[", 1), encoding="utf-8"
    )
    result = _run(repo_copy)
    assert result.returncode == 1
    assert "Executing notebooks/01-data-sources.md failed" in result.stderr and "injected fault" in result.stderr
    assert index.read_bytes() == before, "the previous good book must stay in place"
    assert notebooks.twin(source).read_bytes() == record_before, "the committed record must stay untouched"
    for page in (repo_copy / "_build/html").rglob("*.html"):
        assert "injected fault" not in page.read_text(encoding="utf-8"), page


def test_an_edited_source_is_synced_by_the_build(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace(
            "## Auditing the printed table", "## Auditing the printed table, cell by cell"
        ),
        encoding="utf-8",
    )
    assert notebooks.pair_differences(source)
    assert _run(repo_copy, "--no-html").returncode == 0
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
    assert "<script>" not in appendix.escape(hostile) and "\\*bold\\*" in appendix.escape(hostile)
    ledger = pd.DataFrame(
        [
            {
                "id": "xx_test",
                "section": hostile,
                "statement": hostile,
                "printed": hostile,
                "book_text": hostile,
                "simulated_text": hostile,
                "notebook": "",
                "tier": "",
                "cells": [hostile],
                "status": "not-yet",
                "note": hostile,
                "inputs": {f"microdata:cab/{hostile}.dta": "sha256:0123456789abcdef"},
            }
        ]
    )
    rendered = report_tables.claims_html(ledger)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "microdata:cab/&lt;script&gt;" in rendered  # a registered file's name is escaped too


def test_only_safe_loaders(root):
    for path in (root / "src").rglob("*.py"):
        code = path.read_text(encoding="utf-8")
        assert not re.search(r"yaml\.load\((?![^)]*SafeLoader)", code), path
        assert not re.search(r"\b(eval|exec)\(|pickle\.load", code), path


# --------------------------------------------------------------------------- round two: a sentence, never a traceback


def _failed(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BUILD FAILED" in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.stderr


def test_broken_front_matter_names_the_md_and_line(repo_copy):
    edit(repo_copy / "notebooks/04-foreign-policy.md", "  format_name: myst", "  format_name: [myst")
    message = _failed(_run(repo_copy, "--no-html"))
    assert "notebooks/04-foreign-policy.md, line 5: the YAML" in message


def test_a_code_edit_in_the_record_is_reported_and_keep_md_resolves_it(repo_copy):
    source = repo_copy / "notebooks/05-preferences.md"
    edit(notebooks.twin(source), "GALLUP_N = 1000", "GALLUP_N = 1001")
    message = _failed(_run(repo_copy, "--no-html"))
    assert "notebooks/05-preferences.ipynb was edited by hand" in message and "--from-ipynb 05-preferences" in message
    assert _failed(_run(repo_copy, "--no-html")) == message, "reported every time, never silently discarded"
    result = _run(repo_copy, "--no-html", "--keep-md", "05-preferences")
    assert result.returncode == 0, result.stderr
    assert "GALLUP_N = 1000" in notebooks.twin(source).read_text(encoding="utf-8")


def test_a_prose_edit_in_the_record_is_reported_then_imported(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(notebooks.twin(source), "Auditing the printed table", "Auditing the printed table again")
    assert "was edited by hand (cell" in _failed(_run(repo_copy, "--no-html"))
    result = _run(repo_copy, "--no-html", "--from-ipynb", "04-foreign-policy")
    assert result.returncode == 0, result.stderr
    assert "0 of 5 notebooks to execute" in result.stdout
    assert "Auditing the printed table again" in source.read_text(encoding="utf-8")


def test_a_dead_kernel_names_the_notebook_and_cell(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "tables = Tables()", "import os\nos._exit(9)  # as the out-of-memory killer would\ntables = Tables()")
    record = notebooks.twin(source).read_bytes()
    message = _failed(_run(repo_copy, "--no-html"))
    line = notebooks.code_cell_lines(source)[1]
    assert "Executing notebooks/04-foreign-policy.md failed" in message
    assert f"the kernel died while running code cell 2 (line {line} of notebooks/04-foreign-policy.md)" in message
    assert notebooks.twin(source).read_bytes() == record


def test_an_endless_cell_is_stopped_with_progress_lines(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "tables = Tables()", "import time\ntime.sleep(60)\ntables = Tables()")
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html", "--timeout", "6"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KZOPINION_PROGRESS_SECONDS": "2"},
    )
    message = _failed(result)
    assert "code cell 2 (line" in message and "ran for more than 6 s" in message and "TIMEOUT=12" in message
    assert "04-foreign-policy: code cell 2 (line" in result.stdout and "still running after" in result.stdout


def test_a_bad_timeout_is_a_sentence(repo_copy):
    assert "must be a positive number of seconds" in _failed(_run(repo_copy, "--no-html", "--timeout", "soon"))


def test_a_glue_key_defined_nowhere_names_the_md_line(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "## Auditing the printed table", "## Auditing the printed table ({glue:text}`fp_no_such_key`)")
    lines = source.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "fp_no_such_key" in text)
    message = _failed(_run(repo_copy))
    assert f"notebooks/04-foreign-policy.md, line {line}: the glue key 'fp_no_such_key' is pasted" in message
    assert ".ipynb:" not in message


def test_a_build_killed_while_sphinx_writes_does_not_break_the_next(repo_copy):
    assert _run(repo_copy).returncode == 0
    state = repo_copy / "_build/sphinx"
    (state / ".complete").unlink()  # what a SIGKILL before the end leaves: no completion mark ...
    for pickle in state.rglob("*.pickle"):
        pickle.write_bytes(b"\x80\x04truncated")  # ... and a half-written environment
    conclusion = repo_copy / "book/conclusion.md"
    conclusion.write_text(conclusion.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = _run(repo_copy)
    assert result.returncode == 0, result.stderr
    assert "from scratch" in result.stdout


def test_a_missing_or_misshapen_package_is_a_sentence(repo_copy):
    package = repo_copy / "data/datapackage.json"
    text = package.read_text(encoding="utf-8")
    package.write_text('{"name": "kzopinion", "resources": {"a": 1}}', encoding="utf-8")
    assert "does not have the shape of a data package" in _failed(_run(repo_copy, "--no-html"))
    first = json.dumps(json.loads(text)["resources"][0])
    package.write_text(text.replace('"resources": [', '"resources": [' + first + ",", 1), encoding="utf-8")
    assert "the table 'survey_designs' is declared twice" in _failed(_run(repo_copy, "--no-html"))
    package.unlink()
    assert "data/datapackage.json is missing" in _failed(_run(repo_copy, "--no-html"))


def test_a_duplicated_key_stops_the_build_before_anything_is_executed(repo_copy):
    line = "negative,1,aggressive foreign policy,39,13,26,42\n"
    edit_table(repo_copy, "figure2_reasons", line, line + line)
    message = _failed(_run(repo_copy, "--no-html"))
    assert "figure2_reasons.csv, row 17 (line 18), columns ['opinion', 'rank']" in message


def _fail_with(monkeypatch, repo: Path, error: OSError, where: str) -> str:
    """Run the build in-process with ``where`` (a function of kzopinion.book.build's shutil) raising ``error``."""
    from kzopinion.book import build

    def broken(*args, **kwargs):
        if where == "copytree":  # leave half a copy behind, as a full disk does
            Path(args[1]).mkdir(parents=True, exist_ok=True)
            (Path(args[1]) / "half.html").write_text("<html>")
        raise error

    monkeypatch.chdir(repo)
    monkeypatch.setattr(build.shutil, where, broken)
    import io
    from contextlib import redirect_stderr, redirect_stdout

    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert build.main([]) == 1
    return err.getvalue()


def test_a_full_disk_is_a_sentence_and_leaves_the_previous_book(repo_copy, monkeypatch):
    assert _run(repo_copy).returncode == 0
    conclusion = repo_copy / "book/conclusion.md"
    conclusion.write_text(conclusion.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    index = (repo_copy / "_build/html/index.html").read_bytes()
    message = _fail_with(monkeypatch, repo_copy, OSError(errno.ENOSPC, "No space left on device", "x"), "copytree")
    assert "the disk is full" in message and "Traceback" not in message
    assert (repo_copy / "_build/html/index.html").read_bytes() == index
    assert not list((repo_copy / "_build").glob("runs/*/html")), "no half-copied book left behind"


def test_a_read_only_build_folder_is_a_sentence(repo_copy, monkeypatch):
    (repo_copy / "_build").mkdir()
    if os.geteuid() != 0:  # a real read-only folder (root writes anyway)
        (repo_copy / "_build").chmod(0o555)
        try:
            assert "cannot write" in _failed(_run(repo_copy, "--no-html"))
        finally:
            (repo_copy / "_build").chmod(0o755)
    message = _fail_with(
        monkeypatch,
        repo_copy,
        PermissionError(errno.EROFS, "Read-only file system", str(repo_copy / "_build/runs")),
        "rmtree",
    )
    assert "cannot write _build/runs (Read-only file system)" in message and "chmod" in message


def test_a_build_folder_on_another_file_system_works(repo_copy, tmp_path):
    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or elsewhere.stat().st_dev == repo_copy.stat().st_dev:
        pytest.skip("no second file system to put _build on")
    target = Path(tempfile.mkdtemp(dir=elsewhere))
    try:
        (repo_copy / "_build").symlink_to(target)
        edit(
            repo_copy / "notebooks/04-foreign-policy.md",
            "tables = Tables()",
            "# another file system\ntables = Tables()",
        )
        result = _run(repo_copy)
        assert result.returncode == 0, result.stderr
        assert (repo_copy / "_build/html/index.html").exists()
    finally:
        shutil.rmtree(target, ignore_errors=True)


# --------------------------------------------------------------------------- round three


@pytest.mark.parametrize("command", ["kzopinion.book.build", "kzopinion.book.pdf"])
def test_saving_sources_during_a_build_never_reverts_a_save(repo_copy, command):
    """A prose file and a module saved every 0.2 s while `make book` (or `make pdf`, through the same build)
    executes notebooks and builds the HTML: every save stays as saved (the build reads a snapshot and never
    restores anything)."""
    import threading
    import time

    if command.endswith("pdf"):
        from kzopinion.book import browser

        browser.ensure_chromium()

    prose, module = repo_copy / "book/conclusion.md", repo_copy / "src/kzopinion/formatting.py"
    # edited before the build too, so that every notebook importing it is executed while the saves go on
    module.write_text(module.read_text(encoding="utf-8") + "# edited before the build\n", encoding="utf-8")
    reverted: list[str] = []
    done = threading.Event()

    def save() -> None:
        expected = {path: path.read_text(encoding="utf-8") for path in (prose, module)}
        count = 0
        while not done.is_set():
            for path in (prose, module):
                if path.read_text(encoding="utf-8") != expected[path]:
                    reverted.append(f"{path.name} after save {count}")
                # (a MyST comment in the page: a save that keeps the page's rules, so the build may publish it)
                expected[path] += f"\n# save {count}\n" if path.suffix == ".py" else f"\n% saved {count}\n"
                path.write_text(expected[path], encoding="utf-8")
            count += 1
            time.sleep(0.2)
        for path in (prose, module):
            if path.read_text(encoding="utf-8") != expected[path]:
                reverted.append(f"{path.name} at the end")

    saver = threading.Thread(target=save)
    saver.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", command], cwd=repo_copy, capture_output=True, text=True, timeout=1200
        )
    finally:
        done.set()
        saver.join()
    assert not reverted, f"saves reverted: {reverted}"
    assert "Traceback" not in result.stderr and "restored" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 0 or "changed while the notebooks executed" in result.stderr, result.stderr


def _serve(repo: Path, port: int = 0) -> tuple[subprocess.Popen, list[str]]:
    """Start `make serve` on ``repo``; its console lines are collected as they come."""
    import threading

    server = subprocess.Popen(
        [sys.executable, "-m", "kzopinion.book.serve", "--port", str(port)],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "KZOPINION_ROOT": str(repo)},
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True).start()
    return server, lines


def _wait_for(condition, seconds: float = 300) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.25)


def test_serve_survives_a_front_matter_error_and_recovers(repo_copy):
    import socket
    import urllib.error
    import urllib.request

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, ""

    server, lines = _serve(repo_copy)
    try:
        _wait_for(lambda: any("serving http" in line for line in lines))
        base = re.search(r"serving (http://127\.0\.0\.1:\d+)/", "".join(lines)).group(1)
        for private in ("/_static/", "/.book-digest", "/.glue-digest", "/%00", "/book/%00.html"):
            assert get(private)[0] == 404, private  # no listings, no build files, no traceback for a NUL
        version = json.loads(get("/__kz_build")[1])["version"]
        source = repo_copy / "notebooks/04-foreign-policy.md"
        edit(source, "  format_name: myst", "  format_name: [myst")
        _wait_for(lambda: json.loads(get("/__kz_build")[1])["error"])
        error = json.loads(get("/__kz_build")[1])["error"]
        assert "notebooks/04-foreign-policy.md, line 5: the YAML" in error
        assert any("notebooks/04-foreign-policy.md, line 5: the YAML" in line for line in lines)
        assert server.poll() is None, "the server keeps running"
        assert get("/book/conclusion.html")[0] == 200, "the previous book is still served"
        edit(source, "  format_name: [myst", "  format_name: myst")
        _wait_for(lambda: json.loads(get("/__kz_build")[1])["version"] > version)
        assert json.loads(get("/__kz_build")[1])["error"] == ""
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = "".join(lines)
    assert "Traceback" not in output, output
    # a busy port: one sentence, before anything is built
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy, lines = _serve(repo_copy, port)
        assert busy.wait(timeout=60) == 1
    _wait_for(lambda: lines, 10)
    assert f"port {port} is in use" in "".join(lines) and "building" not in "".join(lines), lines


def test_make_section_takes_its_arguments_literally_and_refuses_an_empty_title(repo_copy):
    import ast

    def section(title: str, slug: str = "media-use") -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-s", "section", f"SLUG={slug}", f"TITLE={title}", "PREFIX=mu", f"PY={sys.executable}", "STAMP="],
            cwd=repo_copy,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for title, slug in (("", "media-use"), ("   ", "media-use"), ("Media", "m" * 299), ("Media", "class")):
        result = section(title, slug)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert "[section]" in result.stderr and "e.g." in result.stderr, result.stderr
    assert not list((repo_copy / "notebooks").glob("*-media-use.md")), "nothing scaffolded after a refusal"
    title = """Cost $HOME `id` "quoted" it's \\n and \"\"\" too"""
    result = section(title)
    assert result.returncode == 0, result.stderr
    (source,) = (repo_copy / "notebooks").glob("*-media-use.md")
    assert f"# {title}\n" in source.read_text(encoding="utf-8"), "the title is kept literally"
    module = ast.parse((repo_copy / "src/kzopinion/chapters/media_use.py").read_text(encoding="utf-8"))
    assert title in " ".join(ast.get_docstring(module).split(" ")), "the chapter module imports and keeps the title"


def test_a_failing_variant_is_named_with_its_cell_and_leaves_no_running_files(repo_copy):
    def variants_run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kzopinion.book.variants"],
            cwd=repo_copy,
            capture_output=True,
            text=True,
            timeout=900,
        )

    row = "04-foreign-policy,SHARE_COLUMN,second_answer,false,"
    table = edit_table(repo_copy, "analysis_variants", row, "04-foreign-policy,SHARE_COLUMN,../../escape,false,")
    result = variants_run()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert (
        "data/coding/analysis_variants.csv (notebook 04-foreign-policy, parameter SHARE_COLUMN, value "
        "'../../escape'): a value is a plain name" in result.stderr
    )
    edit_table(repo_copy, "analysis_variants", "../../escape", "no_such_column")
    for other in ("02-russia-correlation,", "04-foreign-policy,CLASSIFICATION"):  # keep the run short
        lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
        table.write_text(
            "".join(line for line in lines if not (line.startswith(other) and ",false," in line)), encoding="utf-8"
        )
    from kzopinion import data

    data.rehash(["analysis_variants"], repo_copy)
    result = variants_run()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip().splitlines()
    assert len(message) == 1, "one sentence"
    assert "variant 04-foreign-policy SHARE_COLUMN=" in message[0] and "failed (partial output in" in message[0]
    assert "of notebooks/04-foreign-policy.md) raised" in message[0]
    assert (
        "The error names the value 'no_such_column' of the row (04-foreign-policy, SHARE_COLUMN, no_such_column) "
        "of data/coding/analysis_variants.csv: fix that row." in message[0]
    )
    assert not list(repo_copy.rglob("*.running*")) and not list(repo_copy.rglob("*.partial"))
    assert not list((repo_copy / "notebooks").glob("*.ipynb.*")) and not (repo_copy / "escape.ipynb").exists()


def test_a_chapter_title_in_a_script_without_fonts_names_the_fonts_to_install(monkeypatch):
    from kzopinion.book import build, pdf

    def fc_list(command, **kwargs):  # a machine with Latin fonts only
        assert command[0] == "fc-list"
        return subprocess.CompletedProcess(command, 0, stdout="" if command[1] != ":lang=en" else "DejaVu Sans\n")

    monkeypatch.setattr(pdf.subprocess, "run", fc_list)
    for title, package, script in (
        ("数据与观点", "fonts-noto-cjk", "Chinese, Japanese or Korean"),
        ("الرأي العام", "fonts-noto-core", "Arabic"),
    ):
        with pytest.raises(build.BuildError) as raised:
            pdf.chapter_pages(["Intro", "Other page"], [title])
        message = str(raised.value)
        assert f"'{title}' is written in {script} script" in message and f"sudo apt-get install {package}" in message
    with pytest.raises(build.BuildError, match="cannot find the chapter 'Missing'"):
        pdf.chapter_pages(["Intro"], ["Missing"])
    # a right-to-left title that pdftotext gives in visual order is still found
    assert pdf.chapter_pages(["Intro", "العام الرأي text"], ["الرأي العام"]) == [2]


# registration: bounded, finite inputs (the fixtures write respondent-level files in the real layouts)


def _microdata_state(root: Path) -> dict[str, bytes]:
    base = root / "data/microdata"
    return {str(p.relative_to(base)): p.read_bytes() for p in base.rglob("*") if p.is_file()} if base.exists() else {}


def test_an_excel_file_expanding_past_the_cap_is_refused_before_it_is_read(repo_copy, tmp_path):
    import zipfile

    import fixtures

    from kzopinion.data import register, registry

    folder = tmp_path / "dl"
    folder.mkdir()
    path = folder / fixtures.cab_name(1, kind="excel")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:  # a small download, a huge sheet
        archive.writestr("xl/worksheets/sheet1.xml", b"<row>" + b" " * (3 * 2**20) + b"</row>")
    assert path.stat().st_size < 50_000
    with pytest.raises(registry.MicrodataError) as raised:  # the same rule as at 200 MB, with a small file
        register.register_cab(folder, repo_copy, max_member_mb=1)
    # the user's file is named (not the staging copy), with the limit, and nothing is registered
    assert str(raised.value).startswith(f"{path}: its sheets expand to 3 MB, more than the cap of 1 MB")
    assert ".cab-staging" not in str(raised.value) and _microdata_state(repo_copy) == {}


@pytest.mark.parametrize(
    "weight, message",
    [
        (float("inf"), r"weight variable 'totwt' is infinite for 1 respondents"),
        (
            1e300,
            r"weight variable 'totwt' is above 50 times the median weight of the file \(.*\) for 1 respondents "
            r"\(largest 1e\+300\)",
        ),
    ],
)
def test_an_infinite_or_implausible_weight_is_refused_naming_file_and_limit(repo_copy, tmp_path, weight, message):
    import fixtures

    from kzopinion.data import register, registry

    frame, labels, values = fixtures.cab_frame(1, 300, 6)
    frame.loc[0, "totwt"] = weight
    path = tmp_path / "dl" / fixtures.cab_name(1, kind="spss")  # SPSS holds any double (Stata no infinity)
    path.parent.mkdir()
    fixtures.write_cab(path, frame_labels_values=(frame, labels, values))
    with pytest.raises(registry.MicrodataError, match=message) as raised:
        register.register_cab(tmp_path / "dl", repo_copy)
    assert str(raised.value).startswith(str(path)) and _microdata_state(repo_copy) == {}


def test_plain_files_encrypted_members_and_the_whole_registration_are_bounded(repo_copy, tmp_path):
    import zipfile

    import fixtures

    from kzopinion.data import register, registry

    big = tmp_path / "big"
    big.mkdir()
    (big / fixtures.cab_name(1)).write_bytes(b"\0" * (2 * 2**20))  # refused from its size, before any copy
    with pytest.raises(registry.MicrodataError, match=r"barometer.*\.dta: 2 MB, more than the cap of 1 MB"):
        register.register_cab(big, repo_copy, max_member_mb=1)
    many = tmp_path / "many"
    many.mkdir()
    for wave in (1, 2, 3):  # each under the cap, together above it
        with zipfile.ZipFile(many / f"wave{wave}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(fixtures.cab_name(wave), b"\0" * (int(0.6 * 2**20)))
    with pytest.raises(registry.MicrodataError, match=r"the registration reads more than the cap of 1 MB in all"):
        register.register_cab(many, repo_copy, max_member_mb=1)
    locked = tmp_path / "locked"
    locked.mkdir()
    with zipfile.ZipFile(locked / "wave1.zip", "w") as archive:
        archive.writestr(fixtures.cab_name(1), b"data")
    raw = bytearray((locked / "wave1.zip").read_bytes())  # set the "encrypted" flag of the member
    for offset in (6, raw.rfind(b"PK\x01\x02") + 8):
        raw[offset] |= 1
    (locked / "wave1.zip").write_bytes(bytes(raw))
    with pytest.raises(registry.MicrodataError, match=r"wave1.zip: member .* is encrypted \(the archive has a pass"):
        register.register_cab(locked, repo_copy)
    assert _microdata_state(repo_copy) == {}


def _not_utf8(path: Path, after: str) -> None:
    text = path.read_bytes()
    path.write_bytes(text.replace(after.encode(), after.encode() + b" caf\xe9", 1))


SENTENCE_FAULTS = {
    "a table that is not UTF-8": (
        lambda r: _not_utf8(r / "data/published/survey_designs.csv", "gallup"),
        "data/published/survey_designs.csv, line 2: not UTF-8 text (byte 0xe9",
    ),
    "datapackage.json not UTF-8": (
        lambda r: _not_utf8(r / "data/datapackage.json", '"title": "Designs'),
        "data/datapackage.json, line",
    ),
    "a notebook source not UTF-8": (
        lambda r: _not_utf8(r / "notebooks/04-foreign-policy.md", "## Auditing"),
        "notebooks/04-foreign-policy.md, line",
    ),
    "a resource without a title": (
        lambda r: edit(r / "data/datapackage.json", '"title": "Designs of the four data sources",', ""),
        "(resource 'survey_designs'), 'title' is a required property",
    ),
    "a resource without licences": (
        lambda r: edit(r / "data/datapackage.json", '      "licenses"', '      "licences"'),
        "'licenses' is a required property",
    ),
    "a source without a path": (
        lambda r: edit(r / "data/datapackage.json", '"path": "https://doi.org/10.1177/18793665211030937",', ""),
        "['sources'][0] (resource 'survey_designs'), 'path' is a required property",
    ),
    "a corrupt microdata manifest": (
        lambda r: (
            (r / "data/microdata").mkdir() or (r / "data/microdata/manifest.json").write_text("{", encoding="utf-8")
        ),
        "manifest.json: not valid JSON",
    ),
    "broken YAML in _toc.yml": (lambda r: edit(r / "_toc.yml", "root:", "root: [\n"), "_toc.yml, line"),
    "broken YAML in _config.yml": (lambda r: edit(r / "_config.yml", "title:", "title: [\n"), "_config.yml, line"),
}


@pytest.mark.parametrize("fault", SENTENCE_FAULTS)
def test_every_unreadable_input_is_a_sentence_naming_the_file(repo_copy, fault):
    inject, expected = SENTENCE_FAULTS[fault]
    inject(repo_copy)
    assert expected in _failed(_run(repo_copy, "--no-html"))


def test_a_typo_in_the_edition_variable_is_a_sentence(repo_copy):
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "KZOPINION_EDITION": "pubic"},
    )
    assert "KZOPINION_EDITION='pubic': use 'public'" in _failed(result)


def test_an_empty_or_conflicted_record_is_written_again_from_its_source(repo_copy):
    empty, conflicted = repo_copy / "notebooks/04-foreign-policy.ipynb", repo_copy / "notebooks/05-preferences.ipynb"
    empty.write_text("", encoding="utf-8")
    conflicted.write_text(
        "<<<<<<< HEAD\n" + conflicted.read_text(encoding="utf-8") + "=======\n>>>>>>> other\n", encoding="utf-8"
    )
    result = _run(repo_copy, "--no-html")
    assert result.returncode == 0, result.stderr
    assert "notebooks/04-foreign-policy.ipynb cannot be read (empty, or left with merge-conflict" in result.stdout
    assert notebooks.readable(empty) and notebooks.readable(conflicted)


def test_a_paste_naming_a_source_and_rehash_of_a_missing_file_are_sentences(repo_copy):
    from kzopinion.book import pastes

    edit(
        repo_copy / "book/conclusion.md",
        "add up to a simple picture",
        "add up to a {glue:text}`../notebooks/04-foreign-policy.md::fp_positive_development_share` picture",
    )
    (problem,) = pastes.undefined_pastes(repo_copy)
    assert problem.startswith("book/conclusion.md, line") and "not a notebook's record" in problem
    (repo_copy / "data/published/survey_designs.csv").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.data", "rehash", "survey_designs"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "data/published/survey_designs.csv is missing, so the checksum of 'survey_designs'" in result.stderr


def _lines_of(process: subprocess.Popen) -> list[str]:
    import threading

    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return lines


def _processes_mentioning(text: str) -> list[int]:
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        if any(text in part for part in process.info["cmdline"] or []):
            found.append(process.info["pid"])
    return found


def test_ctrl_c_stops_a_long_cell_at_once_with_one_line(repo_copy):
    import signal
    import time

    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "tables = Tables()", "import time\ntime.sleep(600)\ntables = Tables()")
    record = notebooks.twin(source).read_bytes()
    build = subprocess.Popen(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html"],
        cwd=repo_copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "KZOPINION_PROGRESS_SECONDS": "1"},
    )
    lines = _lines_of(build)
    _wait_for(lambda: any("still running" in line for line in lines), 300)
    os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to the foreground group
    started = time.monotonic()
    assert build.wait(timeout=30) == 130
    assert time.monotonic() - started < 10, "stopped at once"
    errors = build.stderr.read().strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("[book] stopped:"), errors
    assert notebooks.twin(source).read_bytes() == record, "the record is left as it was"
    assert not list((repo_copy / "notebooks").glob(".*.partial"))
    _wait_for(lambda: not _processes_mentioning(str(repo_copy)), 10)  # no kernel left running


def test_make_clean_a_second_test_run_and_a_second_build_are_refused_while_a_build_runs(repo_copy):
    import time

    from kzopinion.book import build

    (repo_copy / "_build/html").mkdir(parents=True)
    with build.lock(repo_copy):  # a build is running
        result = subprocess.run(
            ["make", "-s", "clean", f"PYTHON={sys.executable}"],
            cwd=repo_copy,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0 and "[clean] nothing removed: another command is building" in result.stderr
        assert (repo_copy / "_build/html").is_dir()
        started = time.monotonic()
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "tests/test_formatting.py"],
            cwd=repo_copy,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert tests.returncode == 1 and time.monotonic() - started < 60, "the second test run stops at once"
        assert "another command is building" in tests.stdout + tests.stderr
        assert " error" not in tests.stdout and "passed" not in tests.stdout
        shutil.rmtree(repo_copy / "_build")  # removed during the build: the lock lies outside it
        second = _run(repo_copy, "--no-html")
        assert second.returncode == 1 and "another command is building" in second.stderr, second.stdout
    result = subprocess.run(
        ["make", "-s", "clean", f"PYTHON={sys.executable}"], cwd=repo_copy, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert not (repo_copy / "_build").exists()


def test_pdf_and_serve_take_the_edition_the_build_chose(tmp_path, monkeypatch):
    """`make pdf` prints, and `make serve` serves, the tree `make book` built (the microdata edition's mirror
    when files are registered), and the PDF's running header names the edition."""
    from kzopinion.book import build, pdf, serve

    root = tmp_path / "repo"
    tree = root / "_build" / "microdata-edition"
    tree.mkdir(parents=True)
    (tree / ".kzopinion-edition").write_text("microdata\n", encoding="utf-8")
    (root / "_config.yml").write_text('title: "The book"\n', encoding="utf-8")
    (root / "_toc.yml").write_text("root: intro\nparts:\n  - chapters: [{file: a}]\n", encoding="utf-8")
    (root / "CITATION.cff").write_text("preferred-citation:\n  title: An article\n", encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "datapackage.json").write_text("{}", encoding="utf-8")  # the title page's edition stamp
    monkeypatch.delenv("KZOPINION_EDITION", raising=False)
    monkeypatch.setattr(build, "build", lambda r, html=True, **k: tree if not html else tree / "_build" / "html")
    seen: dict = {}

    def printed(chrome, url, target, title, **kwargs):
        seen["title"] = title
        raise build.BuildError("printed")

    monkeypatch.setattr(build, "check_pastes", lambda t: seen.setdefault("checked", t))  # the page's rules
    monkeypatch.setattr(pdf, "singlehtml", lambda t: seen.setdefault("tree", t))
    monkeypatch.setattr(pdf.browser, "serve", lambda site: __import__("contextlib").nullcontext("http://x"))
    monkeypatch.setattr(pdf, "print_book", printed)
    with pytest.raises(build.BuildError, match="printed"):
        pdf._make_pdf(root, chrome=object())
    assert seen["tree"] == tree and seen["checked"] == tree and seen["title"] == "The book · microdata edition"
    state = serve.State(root / "_build" / "html")
    serve.rebuild(root, state)
    assert state.current_site() == tree / "_build" / "html" and state.error == ""
