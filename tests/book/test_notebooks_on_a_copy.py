"""What a notebook's record must follow, tried on a copy of the repository: which edits re-execute
which notebooks, and hand edits of a record."""

from __future__ import annotations

import nbformat
import pytest
from fixtures import edit, edit_table
from test_notebooks import IDS, ROOT_SOURCES, _recorders

from kzopinion import data
from kzopinion.book import notebooks

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_record_was_executed_from_the_current_inputs(source, root):
    record = nbformat.read(notebooks.twin(source), as_version=4)
    stored = record.metadata.get("kzopinion", {}).get("inputs_sha256")
    assert stored == notebooks.inputs_digest(source, root), (
        f"{notebooks.twin(source).name} was executed from other inputs (its code or what it read changed): "
        "run `make book`"
    )
    counts = [c.execution_count for c in record.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "the record must hold a full, in-order execution"


def _stale(repo):
    return [s.stem for s in notebooks.sources(repo) if notebooks.status(s, repo) == "execute"]


def test_editing_a_module_re_executes_only_the_notebooks_that_imported_it(repo_copy):
    assert _stale(repo_copy) == []
    using = [
        s.stem
        for s in notebooks.sources(repo_copy)
        if "kzopinion.chapters.foreign_policy"
        in nbformat.read(notebooks.twin(s), as_version=4).metadata["kzopinion"]["reads"]["modules"]
    ]
    assert using == ["04-foreign-policy"]
    module = repo_copy / "src/kzopinion/chapters/foreign_policy.py"
    with module.open("a", encoding="utf-8") as handle:
        handle.write("\nEDITED = True\n")
    assert _stale(repo_copy) == ["04-foreign-policy"]


def test_editing_the_pdf_or_browser_code_re_executes_nothing(repo_copy):
    for name in ("pdf", "browser", "build", "vendor", "appendix"):
        with (repo_copy / f"src/kzopinion/book/{name}.py").open("a", encoding="utf-8") as handle:
            handle.write("\nEDITED = True\n")
    assert _stale(repo_copy) == []


def test_a_bom_or_trailing_blank_line_in_a_table_re_executes_nothing(repo_copy):
    path = repo_copy / "data/published/figure2_reasons.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")
    assert _stale(repo_copy) == []


def test_a_changed_table_re_executes_only_its_readers(repo_copy):
    edit_table(repo_copy, "soft_power_2020", "United States overall score,,67.1,", "United States overall score,,67.2,")
    assert _stale(repo_copy) == ["04-foreign-policy"]


@pytest.mark.parametrize("prefix", ["cu", "ds", "fp", "pr", "ru"])
def test_editing_one_claims_row_re_executes_only_the_notebook_that_records_it(repo_copy, prefix):
    """The rule over every section: a claims row is read by its own section (its rows, by prefix) and by the
    replication report (which reads every claim to derive the statuses), and by no other notebook."""
    import csv
    import io

    path = repo_copy / "data/published/claims.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    row = next(r for r in rows[1:] if r[0].startswith(prefix + "_"))
    row[rows[0].index("statement")] += " (reworded)"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    data.rehash(["claims"], repo_copy)
    assert _stale(repo_copy) == [_recorders(repo_copy)[prefix], "99-replication-report"]


def test_registering_microdata_re_executes_only_the_notebooks_that_read_it(repo_copy, monkeypatch):
    manifest = repo_copy / "data/microdata/manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"wvs": {"files": {"x.sav": "sha256:00"}}}\n', encoding="utf-8")
    readers = [
        s.stem
        for s in notebooks.sources(repo_copy)
        if "microdata" in nbformat.read(notebooks.twin(s), as_version=4).metadata["kzopinion"]["reads"]
    ]
    assert readers and "01-data-sources" not in readers
    # The committed records are the public edition, which never uses registered files ...
    monkeypatch.delenv("KZOPINION_EDITION", raising=False)
    assert _stale(repo_copy) == []
    # ... the microdata edition (kzopinion.book.editions) re-executes only the notebooks that read them.
    monkeypatch.setenv("KZOPINION_EDITION", "microdata")
    assert _stale(repo_copy) == readers


def test_a_record_edited_by_hand_is_reported_with_the_choice(repo_copy):
    source = repo_copy / "notebooks/05-preferences.md"
    record = notebooks.twin(source)
    edit(record, "GALLUP_N = 1000", "GALLUP_N = 1001")
    with pytest.raises(notebooks.NotebookError) as err:
        notebooks.status(source, repo_copy)
    message = str(err.value)
    assert "notebooks/05-preferences.ipynb was edited by hand (cell" in message and "(code)" in message
    assert "--keep-md 05-preferences" in message and "--from-ipynb 05-preferences" in message
    assert notebooks.status(source, repo_copy, keep_md=True) == "execute"


def test_a_prose_edit_in_the_record_can_be_imported_into_the_md(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(notebooks.twin(source), "Auditing the printed table", "Auditing the printed table by hand")
    with pytest.raises(notebooks.NotebookError, match=r"cell \d+ \(prose\)"):
        notebooks.status(source, repo_copy)
    notebooks.import_from_record(source)
    assert "Auditing the printed table by hand" in source.read_text(encoding="utf-8")
    assert notebooks.status(source, repo_copy) in ("current", "resync"), "a prose import executes nothing"
    assert notebooks.pair_differences(source) == [] or notebooks.status(source, repo_copy) == "resync"


def test_a_prose_edit_and_its_undo_leave_the_record_as_committed(repo_copy):
    source = repo_copy / "notebooks" / "04-foreign-policy.md"
    record = notebooks.twin(source)
    committed, text = record.read_bytes(), source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("## Soft power", "A sentence added for the test.\n\n## Soft power", 1), encoding="utf-8"
    )
    assert notebooks.status(source, repo_copy) == "resync"
    notebooks.resync(source)
    assert record.read_bytes() != committed
    source.write_text(text, encoding="utf-8")
    notebooks.resync(source)
    assert record.read_bytes() == committed  # byte for byte: no metadata left behind by the round trip


def test_a_caption_only_edit_reaches_the_record(repo_copy):
    """A figure's caption lives in its cell's options: an edit of it alone is a difference of the pair, resynced
    into the record (never left behind because code, tags and prose are unchanged)."""
    from fixtures import edit

    from kzopinion.book import notebooks

    source = repo_copy / "notebooks/04-foreign-policy.md"
    assert notebooks.status(source, repo_copy) == "current"
    edit(source, "Article Figure 2, rebuilt from its printed cells", "Article Figure 2, as the article prints it")
    assert notebooks.status(source, repo_copy) == "resync"
    assert any("options differs" in line for line in notebooks.pair_differences(source))
    notebooks.resync(source)
    assert notebooks.status(source, repo_copy) == "current"
    assert "Article Figure 2, as the article prints it" in notebooks.twin(source).read_text(encoding="utf-8")
