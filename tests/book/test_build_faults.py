"""Faults of the build and of publishing (kzopinion.book.build), injected into a copy of the repository: each
must fail safely, with a sentence naming the file (and line) and the fix, and leave the previous book in place.

The table below is the project's whole list of injected faults: each fault, what must happen, and the test that
shows it (a module of tests/, then `::` and the test; `::test` alone is in the module named before it).
test_fault_table.py checks that every test it names exists.

| fault | expected | test |
|---|---|---|
| value changed without its checksum | build stops, names file and checksum to update | test_build.py::test_changed_value_stops_the_build_naming_the_file, test_data_edited.py::test_changed_value_without_new_checksum_names_the_file |
| value out of range (140%, negative count) | stops, names file, row, column, rule | test_build.py::test_out_of_range_value_stops_the_build_naming_row_and_column, test_data_edited.py::test_negative_count_is_refused |
| missing / extra column, renamed file | stops, names what and where declared | test_data_edited.py::test_missing_and_extra_columns_are_named, ::test_renamed_file_is_named |
| BOM, CRLF, trailing blank line | reads correctly | test_data_edited.py::test_harmless_file_quirks_read_correctly |
| focus-group child above its parent | stops, names both codes | test_data_edited.py::test_child_count_above_parent_names_both_codes |
| a notebook cell raises | build fails, no traceback page, previous book stays | test_execution_faults.py::test_a_failing_cell_keeps_the_previous_book |
| .md edited, .ipynb not synced | the build syncs it; the tests report an unsynced pair | test_notebooks_faults.py::test_an_edited_source_is_synced_by_the_build, ::test_an_unsynced_pair_is_reported |
| microdata of the wrong wave or country | stops, names file and content | test_microdata_registered.py::test_a_phone_wave_file_is_refused, ::test_a_file_from_another_country_is_refused, ::test_a_mislabelled_phone_file_is_refused |
| mapping with a blank variable name | stops, names the item | test_microdata_registered.py::test_gallup_refuses_a_blank_mapping_naming_the_items |
| a notebook executed twice | byte-identical | test_execution_faults.py::test_executing_twice_is_byte_identical |
| untrusted text in data files | escaped in HTML | test_appendix.py::test_markup_in_data_is_escaped |
| YAML and JSON | read with safe loaders | test_safe_loaders.py::test_only_safe_loaders |
| two builds at once | the second says "another command is building"; the book is always complete | test_build.py::test_concurrent_builds_never_publish_an_incomplete_book, ::test_a_second_build_is_refused_while_one_holds_the_lock |
| published book damaged, digest intact | "up to date" is not claimed; the book is rebuilt | test_build.py::test_the_up_to_date_short_cut_checks_the_published_book |
| glued value changed by an execution without HTML (make pdf) | pages pasting it are rebuilt | test_build.py::test_a_glued_value_changed_by_an_execution_without_html_reaches_every_page |
| duplicated primary key, non-unique value, broken foreign key, NaN/inf | stops, names file, row, column | test_build_faults.py::test_a_duplicated_key_stops_the_build_before_anything_is_executed; test_data_edited.py::test_a_duplicated_primary_key_row_is_refused_naming_both_rows, ::test_a_non_unique_value_is_refused, ::test_a_broken_foreign_key_is_refused, ::test_a_non_finite_or_malformed_number_is_refused_naming_row_and_column, ::test_the_standard_validator_refuses_what_the_schema_forbids |
| table declared twice, package of the wrong shape or missing, 2 MB+ table | stops with a sentence | test_build_faults.py::test_a_missing_or_misshapen_package_is_a_sentence; test_data_edited.py::test_a_table_declared_twice_is_refused, ::test_a_package_of_the_wrong_shape_is_refused_with_a_sentence, ::test_an_oversized_table_is_refused |
| broken YAML front matter | names the .md and line | test_notebooks_faults.py::test_broken_front_matter_names_the_md_and_line |
| code or prose edited in the .ipynb | reported every time with the two choices; --keep-md / --from-ipynb resolve it | test_notebooks_faults.py::test_a_code_edit_in_the_record_is_reported_and_keep_md_resolves_it, ::test_a_prose_edit_in_the_record_is_reported_then_imported |
| kernel killed (out of memory) | names notebook, cell and .md line | test_execution_faults.py::test_a_dead_kernel_names_the_notebook_and_cell |
| endless cell | progress lines, stopped at the (configurable) timeout | test_execution_faults.py::test_an_endless_cell_is_stopped_with_progress_lines, ::test_a_bad_timeout_is_a_sentence |
| a cell writes into the repository: a subprocess finding it with git, a hard link, the registered microdata | no route (kernels run on a copy outside the repository); a write into the copy fails the build naming the file; the repository unchanged | test_kernel_routes.py::test_a_cell_finds_no_route_into_the_repository, test_guard.py |
| an author saves a prose file and a module every 0.2 s during `make book` | no save is ever reverted; the next build picks them up | test_build_faults.py::test_saving_sources_during_a_build_never_reverts_a_save |
| `make pdf` / `make serve` with microdata registered | they print / serve the edition the build chose; the PDF header names it | test_editions_served.py::test_pdf_and_serve_take_the_edition_the_build_chose |
| `make clean`, a second `make test`, or `rm -rf _build` and a second build during a build | one sentence, nothing removed; the lock lies outside `_build` | test_build_faults.py::test_make_clean_a_second_test_run_and_a_second_build_are_refused_while_a_build_runs |
| `make variants`: a failing variant, a value with `../`, a parameter the notebook lacks | one sentence naming the variant, the cell and the row to fix; no .running files; kernels guarded, outside notebooks/ | test_variants_faults.py::test_a_failing_variant_is_named_with_its_cell_and_leaves_no_running_files |
| `make serve`: a front-matter error, a busy port, `/_static/`, `/.book-digest`, `%00` | error on the page and the console, server keeps serving and recovers; a sentence before building; 404s, no traceback | test_serve.py::test_serve_survives_a_front_matter_error_and_recovers |
| an Excel file that expands past the cap, a 3 GB plain file, six large members, an encrypted member | refused before anything is copied in full, naming the user's file and the cap | test_registration_limits.py::test_an_excel_file_expanding_past_the_cap_is_refused_before_it_is_read, ::test_plain_files_encrypted_members_and_the_whole_registration_are_bounded |
| a weight of 1e300 or infinity | refused naming the file, the variable and the limit (50 times the median weight) | test_registration_limits.py::test_an_infinite_or_implausible_weight_is_refused_naming_file_and_limit |
| `3_4`, full-width or other non-ASCII digits in a table | refused naming row and column | test_data_edited.py::test_a_non_finite_or_malformed_number_is_refused_naming_row_and_column |
| any error frictionless finds: a short or long row, a wrong type, an empty required cell, columns out of order, a value outside its enum | one sentence naming file, row (line), column and the fix | test_data_edited.py::test_every_frictionless_error_is_one_sentence_naming_file_row_column_and_fix |
| what frictionless alone lets through: `inf`, `_` separators, full-width digits, a space, `True`, a nested count above its parent, a claim naming a row its table lacks, an entry without a tier | refused naming file, row, column and the fix | test_data_edited.py::test_each_project_rule_catches_what_frictionless_alone_lets_through, ::test_what_the_project_requires_of_the_package_is_beyond_the_standard |
| a table edited after this process validated it | refused: the file rules run on every load, a new package state is validated again | test_data_edited.py::test_the_package_is_validated_once_per_process_and_state |
| Ctrl-C during a long cell | stops at once with one line; kernels killed; records and book untouched | test_execution_faults.py::test_ctrl_c_stops_a_long_cell_at_once_with_one_line |
| non-UTF-8 table, package or source; resource without title, licences or a source path; broken `_toc.yml` / `_config.yml`; corrupt manifest; edition typo | a sentence naming file (and line) and the fix | test_build_faults.py::test_every_unreadable_input_is_a_sentence_naming_the_file, ::test_a_typo_in_the_edition_variable_is_a_sentence |
| an empty or merge-conflicted `.ipynb` | written again from its `.md`, saying so | test_notebooks_faults.py::test_an_empty_or_conflicted_record_is_written_again_from_its_source |
| a paste naming a `.md`; `rehash` of a missing file | a sentence naming the page and line / the file | test_build_faults.py::test_a_paste_naming_a_source_and_rehash_of_a_missing_file_are_sentences |
| `make section` with `$`, backticks, quotes or triple quotes in the title; an empty title; a 299-character slug | kept literally, the module imports; refused with a sentence | test_scaffold_builds.py::test_make_section_takes_its_arguments_literally_and_refuses_an_empty_title |
| `make pdf` with a chapter title in a script no installed font covers | a sentence naming the fonts and the Debian package | test_pdf_fonts.py::test_a_chapter_title_in_a_script_without_fonts_names_the_fonts_to_install |
| glue key defined nowhere | names the .md and line | test_build_faults.py::test_a_glue_key_defined_nowhere_names_the_md_line |
| build killed while Sphinx writes | the next build starts Sphinx afresh and succeeds | test_build_faults.py::test_a_build_killed_while_sphinx_writes_does_not_break_the_next |
| disk full, _build read-only, _build on another file system | a sentence, previous book kept; works across file systems | test_build_faults.py::test_a_full_disk_is_a_sentence_and_leaves_the_previous_book, ::test_a_read_only_build_folder_is_a_sentence, ::test_a_build_folder_on_another_file_system_works |
| respondent-level files: symlink out of the folder, zip bomb, member understating its size, corrupt or truncated file, 0 rows, bad weights, wrong country or mode, a stray file | a sentence naming file and cause before anything is written; nothing registered is touched | test_microdata_registered.py::test_a_symlink_out_of_the_folder_is_never_followed, ::test_a_zip_member_above_the_cap_is_refused_naming_member_and_cap, test_microdata.py::test_a_member_whose_header_understates_its_size_is_stopped_while_streaming, test_microdata_registered.py::test_a_corrupt_file_is_named_not_a_traceback, ::test_a_truncated_zip_is_a_sentence, ::test_an_empty_file_is_refused, ::test_bad_weights_are_refused, ::test_a_file_from_another_country_is_refused, ::test_a_mislabelled_phone_file_is_refused, ::test_a_failed_registration_never_touches_registered_files, ::test_other_files_in_the_folder_get_a_clear_message |
| module, pdf/browser code, BOM in a table, microdata registered | only the notebooks that read it are re-executed | test_notebooks_on_a_copy.py::test_editing_a_module_re_executes_only_the_notebooks_that_imported_it, ::test_editing_the_pdf_or_browser_code_re_executes_nothing, ::test_a_bom_or_trailing_blank_line_in_a_table_re_executes_nothing, ::test_registering_microdata_re_executes_only_the_notebooks_that_read_it |
"""  # noqa: E501

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from fixtures import build_failure, edit, edit_table, run_build

pytestmark = pytest.mark.slow  # each test builds, or runs the build, in a copy of the repository


def test_a_glue_key_defined_nowhere_names_the_md_line(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "## Auditing the printed table", "## Auditing the printed table ({glue:text}`fp_no_such_key`)")
    lines = source.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "fp_no_such_key" in text)
    message = build_failure(run_build(repo_copy))
    assert f"notebooks/04-foreign-policy.md, line {line}: the glue key 'fp_no_such_key' is pasted" in message
    assert ".ipynb:" not in message


def test_a_build_killed_while_sphinx_writes_does_not_break_the_next(repo_copy):
    assert run_build(repo_copy).returncode == 0
    state = repo_copy / "_build/sphinx"
    (state / ".complete").unlink()  # what a SIGKILL before the end leaves: no completion mark ...
    for pickle in state.rglob("*.pickle"):
        pickle.write_bytes(b"\x80\x04truncated")  # ... and a half-written environment
    conclusion = repo_copy / "book/conclusion.md"
    conclusion.write_text(conclusion.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run_build(repo_copy)
    assert result.returncode == 0, result.stderr
    assert "from scratch" in result.stdout


def test_a_missing_or_misshapen_package_is_a_sentence(repo_copy):
    package = repo_copy / "data/datapackage.json"
    text = package.read_text(encoding="utf-8")
    package.write_text('{"name": "kzopinion", "resources": {"a": 1}}', encoding="utf-8")
    assert "does not have the shape of a data package" in build_failure(run_build(repo_copy, "--no-html"))
    first = json.dumps(json.loads(text)["resources"][0])
    package.write_text(text.replace('"resources": [', '"resources": [' + first + ",", 1), encoding="utf-8")
    assert "the table 'survey_designs' is declared twice" in build_failure(run_build(repo_copy, "--no-html"))
    package.unlink()
    assert "data/datapackage.json is missing" in build_failure(run_build(repo_copy, "--no-html"))


def test_a_duplicated_key_stops_the_build_before_anything_is_executed(repo_copy):
    line = "negative,1,aggressive foreign policy,39,13,26,42\n"
    edit_table(repo_copy, "figure2_reasons", line, line + line)
    message = build_failure(run_build(repo_copy, "--no-html"))
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
    assert run_build(repo_copy).returncode == 0
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
            assert "cannot write" in build_failure(run_build(repo_copy, "--no-html"))
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
        result = run_build(repo_copy)
        assert result.returncode == 0, result.stderr
        assert (repo_copy / "_build/html/index.html").exists()
    finally:
        shutil.rmtree(target, ignore_errors=True)


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

    prose, module = repo_copy / "book/conclusion.md", repo_copy / "src/kzopinion/chapters/preferences.py"
    # edited before the build too, so that the notebook importing it (and the report) run while the saves go on
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
    # a save the build read half-written is named as such (the notebooks', or the PDF's Sphinx phase)
    saved_meanwhile = ("changed while the notebooks executed", "changed while the PDF was built")
    assert result.returncode == 0 or any(words in result.stderr for words in saved_meanwhile), result.stderr


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
    assert expected in build_failure(run_build(repo_copy, "--no-html"))


def test_a_typo_in_the_edition_variable_is_a_sentence(repo_copy):
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "KZOPINION_EDITION": "pubic"},
    )
    assert "KZOPINION_EDITION='pubic' is refused: it takes 'public'" in build_failure(result)


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
        second = run_build(repo_copy, "--no-html")
        assert second.returncode == 1 and "another command is building" in second.stderr, second.stdout
    result = subprocess.run(
        ["make", "-s", "clean", f"PYTHON={sys.executable}"], cwd=repo_copy, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert not (repo_copy / "_build").exists()
