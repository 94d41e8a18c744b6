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
    import csv
    import io

    from kzopinion import data

    resource = data.resource(name, root)
    path = root / "data" / resource["path"]
    if not path.is_file():
        return "absent"
    # the file's rows as written (the build validates tables before anything reads them; a staleness check
    # must stay cheap, so it parses no types and checks no rules)
    header, *rows = csv.reader(io.StringIO(data.canonical_text(path)))
    key = resource["schema"].get("primaryKey") or []
    columns = [header.index(k) for k in ([key] if isinstance(key, str) else key) if k in header]
    mine = [row for row in rows if "|".join(row[i] for i in columns if i < len(row)).startswith(prefix)]
    text = json.dumps([resource["schema"], header, mine], sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
