"""Where each number on a page comes from: what the doorway beside every pasted value says.

The book's Sphinx extension :mod:`kzopinion.book.number_doorways` turns every pasted value into a
doorway to its provenance; :func:`glued` assembles it from the executed notebook records and the
claims ledger. For every notebook page, ``key -> provenance`` of each value it glued: the ledger
entry (status, tier, inputs with their checksums, cell) when the key is a claim id of
``data/published/claims.csv``; otherwise the cell that glued it and its inputs: those the gluing call
declared (``glue_texts(..., inputs=...)``) or else what the notebook's run read, as the build's
run log recorded it in the record (:mod:`kzopinion.book.kernel_reads`). Never "not recorded".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from kzopinion.book import notebooks, stamps

STATUS_COLUMNS = ("computed_status", "status")  # the derived status column, by its current or newer name


@dataclass
class Provenance:
    """What a reader is told about one glued value."""

    key: str
    notebook: str  # docname of the page that computed it, e.g. "notebooks/02-russia-correlation"
    cell: int | None  # the execution count of the cell that glued it ("In [n]")
    inputs: list[str] = field(default_factory=list)  # data-package tables it was computed from
    claim: bool = False
    status: str = ""
    tier: str = ""
    statement: str = ""
    printed: str = ""
    section: str = ""  # the title of the page that computed it, as the reader sees it

    def describe(self) -> str:
        """One plain-text sentence for the tooltip (also the accessible description), in the reader's words: the
        section that computed the value and the data it was computed from (the cell is the report's to name)."""
        where = f"Computed in the section “{self.section}”" if self.section else f"Computed in {self.notebook}"
        inputs = f"Data: {', '.join(self.inputs)}." if self.inputs else "Data: not recorded."
        if self.claim:
            # (the article's printed value is in the report row: on the page it would read as a result)
            return f"Claim {self.key}: {self.status or 'no status'}; tier {self.tier or 'none'}. {where}. {inputs}"
        return f"Not a claim of the article: {where}. {inputs}"


def _status_column(ledger) -> str:
    for name in STATUS_COLUMNS:
        if name in ledger.columns:
            return name
    raise KeyError(f"the claims table has none of the status columns {STATUS_COLUMNS}")


def _input_names(inputs) -> list[str]:
    """Input names for a reader; a registered respondent-level file is named with its sha256, as the banner does."""
    if isinstance(inputs, dict):
        return sorted(
            f"{name} ({digest[:19]}...)" if name.startswith("microdata:") else name for name, digest in inputs.items()
        )
    if isinstance(inputs, (list, tuple)):
        return sorted(str(i) for i in inputs)
    if isinstance(inputs, str) and inputs.strip():
        try:
            return _input_names(json.loads(inputs))
        except json.JSONDecodeError:
            return [inputs]
    return []


def read_by_the_run(reads: dict) -> list[str]:
    """What the notebook's last run read (``reads``, its run log in the record): tables, the rows of a row-scoped
    table (``claims[fp_*]``), the registered respondent-level data and other records (``notebooks/NN-slug``)."""
    names = list(reads.get("tables", {}))
    for table, prefixes in reads.get("rows", {}).items():  # a prefix within another read adds nothing
        names += [f"{table}[{p}*]" for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
    if reads.get("microdata", "absent") != "absent":
        names.append("microdata (registered files)")
    names += [f"notebooks/{stem}" for stem in reads.get("records", {})]
    return sorted(names)


def glued(root: Path) -> dict[str, dict[str, Provenance]]:
    """``docname -> key -> Provenance`` for every value the executed notebooks glued."""
    from kzopinion.paper import ledger, records

    claims_table = ledger.table(root)
    status = _status_column(claims_table)
    by_id = {row["id"]: row for _, row in claims_table.iterrows()}
    sources = notebooks.sources(root)
    titles = {source.stem: notebooks.title(source) for source in sources}
    out: dict[str, dict[str, Provenance]] = {}
    for source in sources:
        record = notebooks.twin(source)
        if not record.exists():
            continue
        docname = f"notebooks/{source.stem}"
        declared = records.glued_inputs(record)
        run_log = nbformat.read(record, as_version=4).metadata.get("kzopinion", {})
        run_inputs = read_by_the_run(run_log.get("reads", {}))
        page: dict[str, Provenance] = {}
        for key, cell in records.glued_cells(record).items():
            if key.startswith(ledger.LEDGER_PREFIX):
                continue
            row = by_id.get(key)
            if row is not None and row["notebook"]:
                page[key] = Provenance(
                    key=key,
                    notebook=f"notebooks/{row['notebook']}",
                    cell=_int(row["cell"]),
                    inputs=_input_names(row["inputs"]),
                    claim=True,
                    status=", ".join(filter(None, [str(row[status]), str(row.get("coverage") or "")])),
                    tier=str(row["tier"] or ""),
                    statement=str(row["statement"] or ""),
                    printed=str(row["printed"] or ""),
                    section=titles.get(str(row["notebook"]), ""),
                )
                continue
            if key in declared:
                inputs = _input_names(declared[key])
            else:  # what the gluing cell read; if nothing (its values come from earlier cells), what the run read
                inputs = run_log.get("cell_reads", {}).get(str(cell)) or run_inputs
            page[key] = Provenance(
                key=key, notebook=docname, cell=_int(cell), inputs=inputs, section=titles[source.stem]
            )
        out[docname] = page
    return out


def ledger_key(root: Path) -> str:
    """sha256 of what :func:`glued` and the claims ledger are made from, prose left out: each record's code
    cells with their outputs, and the size and modification time of every file under ``data/`` and of the
    package's code. A prose edit leaves it unchanged, so the provenance kept from the last build is reused."""
    digest = hashlib.sha256(stamps.key(root, ("data", "src/kzopinion")).encode())
    for record in sorted((root / "notebooks").glob("*.ipynb")):
        try:
            cells = json.loads(record.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            cells = [f"unreadable {dt.datetime.now().isoformat()}"]  # the build names it; never reuse a kept copy
        code = [c for c in cells if not isinstance(c, dict) or c.get("cell_type") != "markdown"]
        digest.update(record.name.encode() + b"\0" + json.dumps(code, sort_keys=True).encode() + b"\0")
    return digest.hexdigest()


def provenance_to_json(pages: dict[str, dict[str, Provenance]]) -> dict:
    return {doc: {key: asdict(p) for key, p in page.items()} for doc, page in pages.items()}


def provenance_from_json(stored: dict) -> dict[str, dict[str, Provenance]]:
    return {doc: {key: Provenance(**fields) for key, fields in page.items()} for doc, page in stored.items()}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
