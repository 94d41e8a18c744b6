"""Read what an executed notebook record glued: each value's text, its declared inputs and its cell.

The paper's side of the record: the ledger (:mod:`kzopinion.paper.ledger`) and the book's pages both
read glued values back from the committed ``notebooks/NN-slug.ipynb`` files through these functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from kzopinion.paper.glue import INPUTS_METADATA


def notebook_records(root: Path) -> list[Path]:
    """The executed record of every section: ``notebooks/NN-slug.ipynb`` beside its ``.md`` source, in order."""
    return [p for p in sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb")) if p.with_suffix(".md").is_file()]


def _glued(record: Path):
    """(key, output, execution count) for every glued value of an executed notebook, as myst-nb's own glue
    extraction reads them (the output's MIME bundle without myst-nb's prefix)."""
    from myst_nb.ext.glue import extract_glue_data_cell

    for cell in nbformat.read(record, as_version=4).cells:
        if cell.cell_type == "code":
            for key, output in extract_glue_data_cell(cell):
                yield key, output, cell.get("execution_count")


def glued_values(record: Path) -> dict[str, str]:
    """``key -> text`` for every value an executed notebook glued (its ``text/plain``, a string's repr undone)."""
    values: dict[str, str] = {}
    for name, output, _ in _glued(record):
        plain = output.get("data", {}).get("text/plain")
        if plain is not None:
            try:
                values[name] = str(ast.literal_eval(plain))
            except (ValueError, SyntaxError):
                values[name] = plain
    return values


def glued_inputs(record: Path) -> dict[str, dict[str, str]]:
    """``key -> {input: checksum}`` for every value glued with declared inputs (:func:`glue_text`)."""
    return {
        name: dict(output["metadata"][INPUTS_METADATA].get("inputs", {}))
        for name, output, _ in _glued(record)
        if INPUTS_METADATA in output.get("metadata", {})
    }


def glued_cells(record: Path) -> dict[str, int]:
    """``key -> execution count`` of the cell that glued it (its ``In [n]`` in the record)."""
    return {name: count for name, _, count in _glued(record)}
