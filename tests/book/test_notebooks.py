"""The notebook pairs: in sync, up to date, and well-formed."""

from __future__ import annotations

import re

import nbformat
import pytest

from kzopinion import data
from kzopinion.book import notebooks, pastes
from kzopinion.paper import records

ROOT_SOURCES = notebooks.sources(__import__("pathlib").Path(__file__).resolve().parents[2])
IDS = [s.stem for s in ROOT_SOURCES]


def test_there_are_notebooks():
    assert ROOT_SOURCES


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_pair_cells_match_by_content(source):
    assert notebooks.pair_differences(source) == [], f"run `make book` to re-sync {source.name}"


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_first_code_cell_is_parameters(source):
    code = [c for c in notebooks.convert(source).cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_every_pasted_key_is_glued(source):
    pasted = pastes.pasted_keys(source.read_text(encoding="utf-8"))
    glued = records.glued_values(notebooks.twin(source))
    assert pasted and not set(pasted) - set(glued), f"keys pasted but never glued: {set(pasted) - set(glued)}"


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_no_numpy_reprs_or_errors_in_outputs(source):
    text = notebooks.twin(source).read_text(encoding="utf-8")
    assert not re.search(r"np\.(float|int)\d+\(", text)
    assert '"output_type": "error"' not in text
    assert "Traceback" not in text


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_tags_come_from_the_small_vocabulary(source):
    allowed = {"remove-cell", "remove-input", "hide-input", "hide-output", "parameters"}
    for cell in notebooks.convert(source).cells:
        assert set(cell.metadata.get("tags", [])) <= allowed


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_a_notebook_that_reads_other_records_runs_after_them(source):
    """The rule over every notebook: one whose last run read another notebook's record declares
    ``kzopinion_run: after-sections`` (a tool that rewrites the front matter must not drop it)."""
    reads = nbformat.read(notebooks.twin(source), as_version=4).metadata["kzopinion"]["reads"]
    assert bool(reads.get("records")) == notebooks.is_report(source), source.name


def test_cells_readers_see_nothing_of_are_under_a_third_of_all_code_cells():
    """Plumbing, claim recording and glue live in the cell that shows what they belong to, or in the one setup
    cell: a code cell tagged remove-cell (the parameters and setup cells among them) shows a reader nothing."""
    cells = [c for s in ROOT_SOURCES for c in notebooks.convert(s).cells if c.cell_type == "code"]
    hidden = [c for c in cells if "remove-cell" in c.metadata.get("tags", [])]
    assert len(cells) > 0 and 3 * len(hidden) < len(cells), f"{len(hidden)} of {len(cells)} code cells show nothing"


# --------------------------------------------------------------------------- precise staleness


def test_records_store_what_their_run_read(root):
    reads = nbformat.read(root / "notebooks/04-foreign-policy.ipynb", as_version=4).metadata["kzopinion"]["reads"]
    assert "figure2_reasons" in reads["tables"] and "kzopinion.chapters.foreign_policy" in reads["modules"]
    assert "kzopinion.book.pdf" not in reads["modules"] and "kzopinion.book.browser" not in reads["modules"]
    assert set(reads["tables"]) < set(data.resource_names(root)), "only the tables it loaded, not all"
    text = (root / "notebooks/04-foreign-policy.ipynb").read_text(encoding="utf-8")
    assert str(root) not in text, "nothing in a record depends on where the repository is cloned"


def _recorders(repo) -> dict[str, str]:
    """Claim-id prefix -> the section notebook whose record holds its ledger entries."""
    from kzopinion.paper import ledger

    entries = ledger.entries(repo)
    return dict(zip(entries["id"].str.split("_").str[0], entries["notebook"]))


def test_every_section_records_claims(root):
    """Every chapter that names a PREFIX with rows in the claims table records them, and nothing else does."""
    import importlib
    import pkgutil

    import kzopinion.chapters

    prefixes = {
        getattr(importlib.import_module(f"kzopinion.chapters.{m.name}"), "PREFIX", None)
        for m in pkgutil.iter_modules(kzopinion.chapters.__path__)
    }
    claimed = set(data.load("claims", root)["id"].str.split("_").str[0])
    assert sorted(_recorders(root)) == sorted(prefixes & claimed)


def test_every_claim_bound_to_its_cell_is_recorded_by_its_section(root):
    """The rule over every bound row: `binding` = cell is recorded with no code of its own, by the notebook
    whose chapter names its prefix (so a section that forgets `ledger.record_section` is caught)."""
    claims = data.load("claims", root)
    bound = set(claims.loc[claims["binding"].eq("cell").fillna(False), "id"])
    from kzopinion.paper import ledger

    assert bound and bound <= set(ledger.entries(root)["id"]), sorted(bound - set(ledger.entries(root)["id"]))
