"""The notebook pairs: in sync, up to date, and well-formed."""

from __future__ import annotations

import re

import nbformat
import pytest

from kzopinion import gluekeys, notebooks

ROOT_SOURCES = notebooks.sources(__import__("pathlib").Path(__file__).resolve().parents[1])
IDS = [s.stem for s in ROOT_SOURCES]


def test_there_are_notebooks():
    assert ROOT_SOURCES


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_pair_cells_match_by_content(source):
    assert notebooks.pair_differences(source) == [], f"run `make book` to re-sync {source.name}"


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_record_was_executed_from_the_current_inputs(source, root):
    record = nbformat.read(notebooks.twin(source), as_version=4)
    stored = record.metadata.get("kzopinion", {}).get("inputs_sha256")
    assert stored == notebooks.inputs_digest(source, root), (
        f"{notebooks.twin(source).name} was executed from other inputs (notebook, data or package changed): run `make book`")
    counts = [c.execution_count for c in record.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "the record must hold a full, in-order execution"


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_first_code_cell_is_parameters(source):
    code = [c for c in notebooks.convert(source).cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])


@pytest.mark.parametrize("source", ROOT_SOURCES, ids=IDS)
def test_every_pasted_key_is_glued(source):
    pasted = gluekeys.pasted_keys(source.read_text(encoding="utf-8"))
    glued = gluekeys.glued_values(notebooks.twin(source))
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
