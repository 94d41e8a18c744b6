"""The claims ledger: the book's value of each number the article prints, and where it comes from.

Every row of ``data/published/claims.csv`` is one statement of the article. A notebook
records the book's value of it as a :class:`~kzopinion.data.provenance.Traced` number, which
knows the data cells it was computed from::

    claims.record("fp_condemn_share", share, fmt.count_of(38, 49))   # share: a Traced number
    claims.record_bound("fp", tables)   # every claim bound to its own cell, in one call

``record`` glues the text under the claim id (for ``{glue:text}`fp_condemn_share```) and a
ledger entry (value at the recorded precision, the cells it was computed from, the checksum
of every input) under ``ledger_<id>``. The ledger lives in the executed notebooks; the
replication report and the exported ``claims.json`` are assembled from them.

The status of a claim is derived from that provenance, never typed:

- ``transcribed``: the value rests on the book's own copy of the same statement (the claim's
  ``table``/``key``/``column``), so agreeing only confirms the copy;
- ``recomputed``: derived from *other* cells of the article's tables (parts of a total,
  counts of a share, the cells of a figure), so an error in the statement would show;
- ``confirmed``: derived from an independent source (an external aggregate, or registered
  respondent-level data);
- ``differs``: the book's value lies outside the claim's tolerance (the note says why);
- ``reported-only``: needs respondent-level data that is absent (a simulated value never counts);
- ``not-yet``: nothing in the book computes it yet.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pandas as pd

from kzopinion import data, paths
from kzopinion.formatting import stable
from kzopinion.data.provenance import Cell, Tables, Traced

STATUSES = ("recomputed", "confirmed", "transcribed", "differs", "reported-only", "not-yet")
LEDGER_PREFIX = "ledger_"
FORMATS = {
    "count": lambda v: _fmt().count(v),
    "percent": lambda v: _fmt().percent_value(v),
    "points": lambda v: _fmt().as_printed(v) + " points",
    "year": lambda v: str(int(v)),
    "ordinal": lambda v: _fmt().ordinal(v),
    "decimal": lambda v: _fmt().decimal(v),
}


def _fmt():
    from kzopinion import formatting

    return formatting


@cache
def _claims(root: Path) -> pd.DataFrame:
    return data.load("claims", root).set_index("id", drop=False)


def own_cells(claim: pd.Series | dict) -> frozenset[Cell]:
    """The cells holding the book's own transcription of this very statement."""
    table, key, column = (claim.get(k) for k in ("table", "key", "column"))
    if not all(isinstance(v, str) and v for v in (table, key, column)):
        return frozenset()
    return frozenset(Cell(table, k, column) for k in key.split(";"))


def tier_of(cell: Cell, root: Path | None = None) -> str:
    """published, coding or external (the table's tier), or microdata / simulated."""
    if cell.respondent_level:
        return cell.table.split(":", 1)[0]
    return data.resource(cell.table, root)["tier"]


def record(claim_id: str, value: Traced, text: str, robustness: str | None = None) -> str:
    """Glue ``text`` for the prose and a ledger entry for claim ``claim_id``; returns ``text``.

    ``robustness`` says how the value fares under the chapter's alternative analytic choices.
    """
    from kzopinion.book.glue import glue_text

    root = paths.root()
    if claim_id not in _claims(root).index:
        raise KeyError(f"'{claim_id}' is not a claim id in data/published/claims.csv: add a row for it first.")
    if not isinstance(value, Traced) or not value.cells:
        raise TypeError(
            f"claim {claim_id}: the value carries no provenance; compute it from "
            "kzopinion.data.provenance.Tables cells (or a respondent-level source) so the ledger can tell "
            "a recomputation from a transcription"
        )
    if math.isnan(float(value)):
        raise ValueError(f"claim {claim_id}: the computed value is missing; leave the claim unrecorded instead")
    cells = sorted(value.cells)
    tables = sorted({c.table for c in cells})
    entry = {
        "id": claim_id,
        "value": stable(value),
        "text": text,
        "cells": [[c.table, c.key, c.column] for c in cells],
        "tier": " + ".join(sorted({tier_of(c, root) for c in cells})),
        "inputs": input_digests(tables, root),
    }
    if robustness:
        entry["robustness"] = robustness
    glue_text(claim_id, text)
    glue_text(LEDGER_PREFIX + claim_id, json.dumps(entry, sort_keys=True))
    return text


def record_many(rows: Iterable[tuple[str, Traced, str]], robustness: dict[str, str] | None = None) -> dict[str, str]:
    """:func:`record` for several ``(claim_id, value, text)`` rows, with robustness notes by claim id."""
    notes = robustness or {}
    return {claim_id: record(claim_id, value, text, notes.get(claim_id)) for claim_id, value, text in rows}


def record_judgement(claim_id: str, holds: bool, text: str, evidence: Traced) -> str:
    """Record whether a qualitative statement holds (1) or not (0), from the numbers it was judged on."""
    return record(claim_id, Traced(1.0 if holds else 0.0, evidence.cells), text)


def bound_values(prefix: str, tables: Tables) -> dict[str, tuple[Traced, str]]:
    """Value and text of every claim of notebook ``prefix`` bound to its own cell (``binding == 'cell'``).

    A focus-group count marked ``partitioned`` is recomputed as the sum of its parts.
    """
    from kzopinion.analysis import focus_groups

    claims = tables["claims"]
    out = {}
    for claim in claims[
        claims["id"].str.startswith(prefix + "_") & claims["binding"].eq("cell").fillna(False)
    ].itertuples(index=False):
        if claim.table == "focus_group_codes" and claim.column == "count":
            value = focus_groups.count_value(tables, claim.key)
        else:
            value = tables.cell(claim.table, claim.key, claim.column)
        out[claim.id] = (value, FORMATS[claim.format](value))
    return out


def record_bound(prefix: str, tables: Tables) -> dict[str, str]:
    """Record every claim of notebook ``prefix`` that is bound to its own cell, in one call."""
    return record_many((claim_id, value, text) for claim_id, (value, text) in bound_values(prefix, tables).items())


def input_digests(tables: Iterable[str], root: Path) -> dict[str, str]:
    """Checksum of each input: a data-package table's, the stand-in's parameters for ``simulated:<source>``,
    and for respondent-level data (``microdata:<source>``) the sha256 of every registered file, by name."""
    digests: dict[str, str] = {}
    for name in tables:
        if name.startswith("microdata:"):
            from kzopinion.data import microdata  # imported only here: importing it marks a run as reading microdata

            digests |= microdata.file_digests(name.split(":", 1)[1], root)
        elif name.startswith("simulated:"):
            digests[name] = data.resource("simulation_parameters", root)["hash"]
        else:
            digests[name] = data.resource(name, root)["hash"]
    return digests


def entries(root: Path) -> pd.DataFrame:
    """Every ledger entry in the executed notebooks, with the notebook and cell that recorded it."""
    from kzopinion.book import glue, notebooks

    rows = []
    for source in notebooks.sources(root):
        record_path = notebooks.twin(source)
        if not record_path.exists():
            continue
        cells = glue.glued_cells(record_path)
        for key, text in glue.glued_values(record_path).items():
            if key.startswith(LEDGER_PREFIX):
                rows.append({**json.loads(text), "notebook": source.stem, "cell": cells[key]})
    columns = ["id", "value", "text", "tier", "cells", "inputs", "robustness", "cell", "notebook"]
    return pd.DataFrame(rows, columns=columns)


def provenance_of(claim: pd.Series | dict, cells: Iterable[Cell], root: Path | None = None) -> str:
    """transcribed, recomputed, confirmed or simulated: how a value computed from ``cells`` relates to the claim."""
    cells = frozenset(cells)
    tiers = {tier_of(c, root) for c in cells}
    if "simulated" in tiers:
        return "simulated"
    if cells & own_cells(claim):
        return "transcribed"
    if tiers & {"external", "microdata"}:
        return "confirmed"
    return "recomputed"


def status_of(claim: pd.Series | dict, entry: pd.Series | dict | None, root: Path | None = None) -> str:
    """Status of one claim given the book's ledger entry (or ``None``), derived from its provenance."""
    if entry is None:
        return "reported-only" if claim["needs"] == "microdata" else "not-yet"
    kind = provenance_of(claim, [Cell(*c) for c in entry["cells"]], root)
    if kind == "simulated":
        return "reported-only"
    if abs(float(entry["value"]) - float(claim["value"])) > float(claim["tolerance"]) + 1e-9:
        return "differs"
    return kind


def table(root: Path | None = None) -> pd.DataFrame:
    """The claims joined with the book's values and their derived status.

    Columns: the claim's own columns, ``book_value`` and ``book_text`` (empty for simulated
    values, which go to ``simulated_text`` instead), ``tier``, ``notebook``, ``cell``, ``cells``
    (``table[key].column`` strings), ``inputs`` (checksums) and ``status``.
    """
    root = root or paths.root()
    claims = data.load("claims", root)
    ledger = entries(root)
    unknown = sorted(set(ledger["id"]) - set(claims["id"]))
    if unknown:
        raise KeyError(f"notebooks recorded ids that are not in data/published/claims.csv: {unknown}")
    twice = ledger[ledger["id"].duplicated(keep=False)]
    if len(twice):
        where = "; ".join(
            f"{i}: {', '.join(f'{r.notebook} In [{r.cell}]' for r in g.itertuples())}" for i, g in twice.groupby("id")
        )
        raise KeyError(f"claims recorded more than once: {where}. Record each claim in one cell of one notebook.")
    by_id = {row["id"]: row for _, row in ledger.iterrows()}
    out = claims.copy()
    status = [status_of(c, by_id.get(c["id"]), root) for _, c in claims.iterrows()]
    simulated = [i in by_id and "simulated" in by_id[i]["tier"] for i in claims["id"]]
    out["book_value"] = [
        by_id[i]["value"] if i in by_id and not s else float("nan") for i, s in zip(claims["id"], simulated)
    ]
    out["book_text"] = [by_id[i]["text"] if i in by_id and not s else "" for i, s in zip(claims["id"], simulated)]
    out["simulated_text"] = [by_id[i]["text"] if s else "" for i, s in zip(claims["id"], simulated)]
    out["tier"] = [by_id[i]["tier"] if i in by_id else "" for i in claims["id"]]
    out["notebook"] = [by_id[i]["notebook"] if i in by_id else "" for i in claims["id"]]
    out["cell"] = [by_id[i]["cell"] if i in by_id else None for i in claims["id"]]
    out["cells"] = [[str(Cell(*c)) for c in by_id[i]["cells"]] if i in by_id else [] for i in claims["id"]]
    out["inputs"] = [by_id[i]["inputs"] if i in by_id else {} for i in claims["id"]]
    out["robustness"] = [
        by_id[i]["robustness"] if i in by_id and isinstance(by_id[i]["robustness"], str) else "" for i in claims["id"]
    ]
    out["status"] = status
    return out


def export(root: Path, target: Path) -> list[Path]:
    """Write the ledger as ``claims.json`` and ``claims.csv`` into ``target`` (the built site)."""
    ledger = table(root)
    columns = [
        "id",
        "section",
        "statement",
        "printed",
        "value",
        "unit",
        "tolerance",
        "book_value",
        "book_text",
        "simulated_text",
        "tier",
        "status",
        "robustness",
        "notebook",
        "cell",
        "cells",
        "inputs",
        "note",
    ]
    ledger = ledger[columns].rename(columns={"value": "article_value"})
    target.mkdir(parents=True, exist_ok=True)
    records = json.loads(ledger.to_json(orient="records"))
    json_path, csv_path = target / "claims.json", target / "claims.csv"
    json_path.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    flat = ledger.assign(
        inputs=[json.dumps(i, sort_keys=True) for i in ledger["inputs"]], cells=["; ".join(c) for c in ledger["cells"]]
    )
    flat.to_csv(csv_path, index=False, lineterminator="\n")
    return [json_path, csv_path]


def counts(ledger: pd.DataFrame) -> dict[str, int]:
    """Number of claims per status, every status present (zero when none)."""
    found = ledger["status"].value_counts()
    return {status: int(found.get(status, 0)) for status in STATUSES}


def summary(ledger: pd.DataFrame) -> pd.DataFrame:
    """Counts of statuses by article section (sections in article order)."""
    order = list(dict.fromkeys(ledger["section"]))
    grouped = ledger.groupby(["section", "status"]).size().rename("claims").reset_index()
    grouped["section_order"] = grouped["section"].map(order.index)
    grouped["status_order"] = grouped["status"].map(STATUSES.index)
    return grouped.sort_values(["section_order", "status_order"]).reset_index(drop=True)


def unexplained_differences(ledger: pd.DataFrame) -> list[str]:
    """Claims that differ from the article without a note saying why, as readable lines."""
    return [
        f"{r.id}: article {r.printed}, book {r.book_text}"
        for r in ledger.itertuples()
        if r.status == "differs" and not isinstance(r.note, str)
    ]
