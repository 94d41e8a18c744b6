"""What this process read of the row-scoped tables: rows by key prefix, not the whole table.

Every section reads its own claims (``data/published/claims.csv``, ids starting with its prefix), so a
read of the claims table through :class:`kzopinion.data.provenance.Tables` (a cell, or
:meth:`~kzopinion.data.provenance.Tables.rows`) is noted as a read of those rows only. A notebook's
record then depends on the digest of its own rows (:func:`rows_digest`), and editing one claim
re-executes the section that records it (and the report, which reads the whole table), not every
section. Whole-table reads are noted by :func:`kzopinion.data.load` in ``LOADED`` as before.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROW_SCOPED = frozenset({"claims"})
ROWS: dict[str, set[str]] = {}  # table -> key prefixes read
# What the code cell now running read, as readers name it ("survey_designs", "claims[fp_*]"): the build's
# kernels keep it per cell (kzopinion.book.kernel_reads), so a glued value's doorway names its cell's reads.
CELL: set[str] = set()


def touch(name: str) -> None:
    """Note that the running cell read ``name`` (a table, or ``table[prefix*]`` for rows of one)."""
    CELL.add(name)


def note_rows(name: str, prefix: str) -> None:
    """Note that this process read the rows of ``name`` whose key starts with ``prefix``."""
    ROWS.setdefault(name, set()).add(prefix)
    touch(f"{name}[{prefix}*]")


def rows_digest(name: str, prefix: str, root: Path) -> str:
    """sha256 of the rows of table ``name`` whose key starts with ``prefix``, and of the table's schema.

    Adding, removing or editing such a row changes it; any other row does not.
    """
    from kzopinion import data
    from kzopinion.data.provenance import Tables

    tables = Tables(root)
    frame = tables.frame(name)
    mine = frame[tables.keys(name).str.startswith(prefix).to_numpy()]
    schema = data.resource(name, root)["schema"]
    text = json.dumps(schema, sort_keys=True) + mine.to_csv(index=False, lineterminator="\n")
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
