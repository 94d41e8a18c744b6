"""The claims ledger: the book's value of each number the article prints, and where it comes from.

Every row of ``data/published/claims.csv`` is one statement of the article. A notebook
records the book's value of it as a :class:`~kzopinion.data.provenance.Traced` number, which
knows the data cells it was computed from. One call in a notebook's setup cell records every claim
of its section computed from the data tables (those bound to their own cell, and the chapter's
``claim_values``); a value computed in the notebook's flow (from respondents) is recorded where it
is computed::

    ledger.record_section(chapter, tables)   # chapter.PREFIX names the section's claims
    ledger.record_judgement("ru_app_a_positive_significant", holds, text, evidence)

``record`` glues the text under the claim id (for ``{glue:text}`fp_condemn_share```) and a
ledger entry (value at the recorded precision, the cells it was computed from, the checksum
of every input) under ``ledger_<id>``. The ledger lives in the executed notebooks; the
replication report and the exported ``claims.json`` are assembled from them.

The status of a claim is derived from that provenance, never typed, and the rule is total:

- ``transcribed``: the value touches a cell that transcribes the statement itself: its own row
  of the claims table (any column), its bound cell (``table``/``key``/``column``), or a cell
  that ``data/coding/claim_cells.csv`` declares as transcribing it; agreeing only confirms the copy.
  So does a sum with a part the article defines as the remainder of the statement (``remainder`` in
  that table: "the other four" of seven): the sum is an identity, and no error in the statement could show;
- ``recomputed``: derived from *other* cells of the article's tables (parts of a total,
  counts of a share, the cells of a figure), so an error in the statement would show;
- ``confirmed``: derived from an independent source (an external aggregate, or registered
  respondent-level data);
- ``differs``: the book's value does not satisfy the claim (within its tolerance plus the spread the printed
  rounding of its inputs allows, :func:`rounding_spreads`, honouring "more than", "over", "about", "nearly",
  "at least", "fewer than"); the note says why;
- ``reported-only``: needs respondent-level data that is absent (a simulated value never counts);
- ``not-yet``: nothing in the book computes it yet.

Every recorded claim declares what it is computed from: a binding (``table``/``key``/``column``)
or the input tables of a recomputation (``inputs``, respondent-level sources as
``microdata:<source>``); :func:`record` refuses a value that uses anything else. Beside the
status, :func:`qualifiers` says what the check covers: the waves or years of respondent-level
data against those the wording spans (``span``), a sum whose part the article defines as a
remainder, or why a respondent-level claim is reported only. The ledger table keeps that in its
``coverage`` column, apart from the claim's own ``qualifier`` (the article's word before its value, "more
than", "about", which the comparison honours).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from types import ModuleType

import pandas as pd

from kzopinion import data, paths
from kzopinion.data.provenance import (
    Cell,
    Tables,
    Traced,
    focus_group_count,
    input_digests,
    release_agreements,
    secondary_sources,
)
from kzopinion.formatting import (
    APPROXIMATE,  # noqa: F401  (the approximate qualifiers; the data rules read them too)
    stable,
)

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


def _claim(claim_id: str, root: Path) -> pd.Series | None:
    """One row of the claims table, its read noted as of that row only (:mod:`kzopinion.data.reads`)."""
    rows = _tables(root).rows(CLAIMS, claim_id)
    mine = rows[rows["id"] == claim_id]
    return None if mine.empty else mine.iloc[0]


CLAIMS, CLAIM_CELLS = "claims", "claim_cells"
TRANSCRIBES, REMAINDER, FUNCTION_OF = "transcribes", "remainder", "function_of"


# Both caches are keyed on the content they read, so a long-lived process (`make serve` builds in its own) never
# answers from a table edited since: the package's text holds every table's checksum.


def _tables(root: Path) -> Tables:
    return _tables_of(root, _digest(root / "data" / "datapackage.json"))


@cache
def _tables_of(root: Path, package_digest: str) -> Tables:
    return Tables(root)


def _claim_cells(root: Path) -> dict[tuple[str, str], frozenset[Cell]]:
    """``data/coding/claim_cells.csv`` by (claim, relation): asked for hundreds of times a build, read once for
    each content of the file."""
    return _claim_cells_of(root, _digest(root / "data" / data.resource(CLAIM_CELLS, root)["path"]))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def _claim_cells_of(root: Path, file_digest: str) -> dict[tuple[str, str], frozenset[Cell]]:
    declared = data.load(CLAIM_CELLS, root)
    return {
        (claim_id, relation): frozenset(Cell(t, k, c) for t, k, c in zip(rows["table"], rows["key"], rows["column"]))
        for (claim_id, relation), rows in declared.groupby(["claim_id", "relation"], sort=False)
    }


def declared_cells(claim_id: str, relation: str, root: Path | None = None) -> frozenset[Cell]:
    """Cells that ``data/coding/claim_cells.csv`` declares as ``relation`` (transcribes, remainder) of the claim."""
    return _claim_cells(root or paths.root()).get((claim_id, relation), frozenset())


def _bound_cells(claim: pd.Series | dict) -> frozenset[Cell]:
    table, key, column = (claim.get(k) for k in ("table", "key", "column"))
    if not all(isinstance(v, str) and v for v in (table, key, column)):
        return frozenset()
    return frozenset(Cell(table, k, column) for k in key.split(";"))


def function_of(claim_id: str, root: Path | None = None) -> list[str]:
    """The claims whose value ``claim_id`` is declared an algebraic function of (``function_of`` in
    ``data/coding/claim_cells.csv``: a complement, a ratio of two claims): with them it is one check."""
    return sorted(c.key for c in declared_cells(claim_id, FUNCTION_OF, root) if c.table == CLAIMS)


def checks(ledger: pd.DataFrame, root: Path | None = None) -> pd.Series:
    """For each claim, the check it belongs to: the first id of the group of claims linked by ``function_of``
    (a claim linked to none is a check of its own). Evidence is counted by checks, not by claims."""
    group = {claim_id: claim_id for claim_id in ledger["id"]}

    def top(claim_id: str) -> str:
        while group[claim_id] != claim_id:
            claim_id = group[claim_id]
        return claim_id

    for claim_id in ledger["id"]:
        for other in function_of(claim_id, root):
            if other in group:
                first, second = sorted((top(claim_id), top(other)))
                group[second] = first
    return pd.Series([top(i) for i in ledger["id"]], index=ledger.index, name="check")


def check_counts(ledger: pd.DataFrame, root: Path | None = None) -> dict[str, int]:
    """Number of independent checks per status (claims linked by ``function_of`` count once), every status present."""
    found = ledger.assign(check=checks(ledger, root)).drop_duplicates(["check", "status"])["status"].value_counts()
    return {status: int(found.get(status, 0)) for status in STATUSES}


def own_cells(claim: pd.Series | dict, root: Path | None = None) -> frozenset[Cell]:
    """The cells holding the book's own transcription of this very statement: its bound cells and the
    cells declared as transcribing it (its own row of the claims table counts too: see :func:`transcribes`)."""
    return _bound_cells(claim) | declared_cells(str(claim["id"]), TRANSCRIBES, root)


def transcribes(claim: pd.Series | dict, cell: Cell, root: Path | None = None) -> bool:
    """Whether ``cell`` holds a copy of the claim's own statement: any column of its claims row, its bound
    cell, or a cell declared as transcribing it."""
    return (cell.table == CLAIMS and cell.key == claim["id"]) or cell in own_cells(claim, root)


def declared_inputs(claim: pd.Series | dict) -> set[str]:
    """What a claim declares it is computed from: its bound table and its ``inputs``
    (tables, ``microdata:<source>``)."""
    declared = {c.table for c in _bound_cells(claim)}
    inputs = claim.get("inputs")
    if isinstance(inputs, str):
        declared |= {name.strip() for name in inputs.split(";") if name.strip()}
    return declared


def undeclared(claim: pd.Series | dict, cells: Iterable[Cell]) -> list[str]:
    """Why a value computed from ``cells`` may not be recorded for ``claim`` (empty when it may)."""
    declared = declared_inputs(claim)
    where = f"data/published/claims.csv, row '{claim['id']}'"
    if not declared:
        return [
            f"{where} declares no provenance: fill 'table'/'key'/'column' (the cell it is bound to) or 'inputs' "
            "(the tables, or microdata:<source>, it is recomputed from)"
        ]
    used = {c.table.replace("simulated:", "microdata:", 1) for c in cells if c.table != CLAIMS}
    extra = sorted(used - declared)
    if extra:
        return [f"{where}: the value is computed from {', '.join(extra)}, which its 'inputs' do not declare; add them"]
    return []


def tier_of(cell: Cell, root: Path | None = None) -> str:
    """published, coding or external (the table's tier), or microdata / simulated."""
    if cell.respondent_level:
        return cell.table.split(":", 1)[0]
    return data.resource(cell.table, root)["tier"]


def record(claim_id: str, value: Traced, text: str, robustness: str | None = None, spread: float = 0.0) -> str:
    """Glue ``text`` for the prose and a ledger entry for claim ``claim_id``; returns ``text``.

    ``robustness`` says how the value fares under the chapter's alternative analytic choices; ``spread`` how far
    the value could move within the printed rounding of its inputs (:func:`rounding_spreads`).
    """
    from kzopinion.paper.glue import glue_text

    root = paths.root()
    claim = _claim(claim_id, root)
    if claim is None:
        raise KeyError(f"'{claim_id}' is not a claim id in data/published/claims.csv: add a row for it first.")
    if not isinstance(value, Traced) or not value.cells:
        raise TypeError(
            f"claim {claim_id}: the value carries no provenance; compute it from "
            "kzopinion.data.provenance.Tables cells (or a respondent-level source) so the ledger can tell "
            "a recomputation from a transcription"
        )
    if math.isnan(float(value)):
        raise ValueError(f"claim {claim_id}: the computed value is missing; leave the claim unrecorded instead")
    problems = undeclared(claim, value.cells)
    if problems:
        raise ValueError(f"claim {claim_id}: " + "; ".join(problems))
    cells = sorted(value.cells)
    # the claims table is read row by row (each section its own claims), so its rows are the inputs
    tables = sorted({f"{CLAIMS}[{c.key}]" if c.table == CLAIMS else c.table for c in cells})
    entry = {
        "id": claim_id,
        "value": stable(value),
        "text": text,
        "cells": [[c.table, c.key, c.column] for c in cells],
        "tier": " + ".join(sorted({tier_of(c, root) for c in cells})),
        "inputs": input_digests(tables, root),
        "book_qualifier": book_qualifier(value.cells, root),
        "spread": stable(spread),
    }
    if robustness:
        entry["robustness"] = robustness
    glue_text(claim_id, text)
    glue_text(LEDGER_PREFIX + claim_id, json.dumps(entry, sort_keys=True))
    return text


def record_many(
    rows: Iterable[tuple[str, Traced, str]],
    robustness: dict[str, str] | None = None,
    spreads: dict[str, float] | None = None,
) -> dict[str, str]:
    """:func:`record` for several ``(claim_id, value, text)`` rows, with robustness notes and rounding spreads by
    claim id."""
    notes, spreads = robustness or {}, spreads or {}
    return {
        claim_id: record(claim_id, value, text, notes.get(claim_id), spreads.get(claim_id, 0.0))
        for claim_id, value, text in rows
    }


def record_judgement(claim_id: str, holds: bool, text: str, evidence: Traced) -> str:
    """Record whether a qualitative statement holds (1) or not (0), from the numbers it was judged on."""
    return record(claim_id, Traced(1.0 if holds else 0.0, evidence.cells), text)


def bound_values(prefix: str, tables: Tables) -> dict[str, tuple[Traced, str]]:
    """Value and text of every claim of notebook ``prefix`` bound to its own cell (``binding == 'cell'``).

    A focus-group count marked ``partitioned`` is recomputed as the sum of its parts.
    """
    claims = tables.rows(CLAIMS, prefix + "_")
    out = {}
    for claim in claims[claims["binding"].eq("cell").fillna(False)].itertuples(index=False):
        where = f"data/published/claims.csv, row '{claim.id}'"
        if not isinstance(claim.table, str):
            raise ValueError(
                f"{where} is bound to its cell (binding 'cell') but names no cell: fill 'table', "
                "'key' and 'column', or empty 'binding'"
            )
        if claim.format not in FORMATS:
            raise ValueError(
                f"{where} is bound to its cell but its 'format' is {claim.format!r}: give one of "
                f"{', '.join(FORMATS)}, how the value is written in the prose"
            )
        if claim.table == "focus_group_codes" and claim.column == "count":
            value = focus_group_count(tables, claim.key)
        else:
            value = tables.cell(claim.table, claim.key, claim.column)
        out[claim.id] = (value, FORMATS[claim.format](value))
    return out


def section_values(chapter: ModuleType, tables: Tables, **options) -> dict[str, tuple[Traced, str]]:
    """Every ledger value a section computes from the data tables: the claims of ``chapter.PREFIX`` bound to
    their own cell, and the chapter's ``claim_values(tables, **options)`` when it defines one."""
    values = bound_values(chapter.PREFIX, tables)
    if hasattr(chapter, "claim_values"):
        values |= chapter.claim_values(tables, **options)
    return values


def record_section(chapter: ModuleType, tables: Tables, **options) -> dict[str, str]:
    """Record a section's claims in one call: :func:`section_values`, with the notes of the chapter's
    ``robustness(tables)`` when it defines one (how each value fares under the alternative analytic choices).

    The one ledger call of a notebook that computes claims from the data tables::

        ledger.record_section(chapter, tables)
    """
    notes = chapter.robustness(tables) if hasattr(chapter, "robustness") else {}
    values = section_values(chapter, tables, **options)
    spreads = rounding_spreads(values, lambda moved: section_values(chapter, moved, **options), tables)
    return record_many(((claim_id, value, text) for claim_id, (value, text) in values.items()), notes, spreads)


def rounding_spreads(
    values: dict[str, tuple[Traced, str]], compute: Callable[[Tables], dict[str, tuple[Traced, str]]], tables: Tables
) -> dict[str, float]:
    """How far each value could move while its table inputs move within their printed rounding, to first order:
    the sum, over its inputs, of the larger change when that input moves half a unit of its last printed digit up
    or down (:meth:`Tables.half_unit`). Exact for sums and differences, first-order for a ratio; an exact count,
    a year and a respondent-level value add nothing. A claim agrees with the article within its own printed
    tolerance plus this spread (:func:`status_of`). An input the computation refuses to take as a fraction (a
    rank, a count: it raises ValueError) is exact."""
    spreads = dict.fromkeys(values, 0.0)
    inputs = sorted({c for value, _ in values.values() for c in value.cells if not c.respondent_level})
    for cell in inputs:
        start = tables.raw(cell.table, cell.key, cell.column)
        if isinstance(start, bool) or not isinstance(start, numbers.Real) or start != start:  # numpy's numbers too
            continue
        half = tables.half_unit(cell.table, cell.key, cell.column)
        if not half:
            continue
        try:
            moved = [compute(tables.replaced(cell, float(start) + step)) for step in (half, -half)]
        except ValueError:
            continue  # the computation takes the input whole (a rank, a count): it is exact, not rounded
        for claim_id, (value, _) in values.items():
            if cell in value.cells:
                spreads[claim_id] += max(abs(float(m[claim_id][0]) - float(value)) for m in moved)
    return spreads


def entries(root: Path) -> pd.DataFrame:
    """Every ledger entry in the executed notebooks, with the notebook and cell that recorded it."""
    from kzopinion.paper import records

    rows = []
    for record_path in records.notebook_records(root):
        cells = records.glued_cells(record_path)
        for key, text in records.glued_values(record_path).items():
            if key.startswith(LEDGER_PREFIX):
                rows.append({**json.loads(text), "notebook": record_path.stem, "cell": cells[key]})
    columns = ["id", "value", "text", "tier", "cells", "inputs", "robustness", "book_qualifier", "cell", "notebook"]
    return pd.DataFrame(rows, columns=columns)


def provenance_of(claim: pd.Series | dict, cells: Iterable[Cell], root: Path | None = None) -> str:
    """transcribed, recomputed, confirmed or simulated: how a value computed from ``cells`` relates to the claim.

    Total: any cell transcribing the statement makes the value ``transcribed``, whatever else it used.
    """
    cells = frozenset(cells)
    tiers = {tier_of(c, root) for c in cells if c.table != CLAIMS}
    if "simulated" in tiers:
        return "simulated"
    if any(transcribes(claim, c, root) for c in cells):
        return "transcribed"
    if cells & declared_cells(str(claim["id"]), REMAINDER, root):
        return "transcribed"  # a part defined as what the statement leaves over: the sum is an identity of it
    if tiers & {"external", "microdata"}:
        return "confirmed"
    return "recomputed"


BOUNDS = {
    "more than": ">",
    "over": ">",
    "above": ">",
    "at least": ">=",
    "fewer than": "<",
    "less than": "<",
    "under": "<",
    "at most": "<=",
}


def agrees(claimed: float, qualifier: str, tolerance: float, book: float, book_qualifier: str = "") -> bool:
    """Whether the book's value satisfies the claim, honouring the qualifiers of both.

    "more than 50,000" is satisfied by a count of 55,000 and by "over 55,000" (the book's own bound lies
    above the claim's); "at least", "fewer than", "under" and "at most" likewise. "about" and "around"
    allow the claim's tolerance either way; "nearly" and "almost" only below the printed value. An exact
    claim agrees within its tolerance; a book value that is itself only a bound ("over X") satisfies an
    exact claim only if X is within tolerance, which the note must then discuss.
    """
    qualifier, book_qualifier = (q.strip().lower() if isinstance(q, str) else "" for q in (qualifier, book_qualifier))
    slack = tolerance + 1e-9
    op = BOUNDS.get(qualifier)
    if op in (">", ">="):
        lower_bound = BOUNDS.get(book_qualifier) in (">", ">=")
        return book >= claimed if (op == ">=" or lower_bound) else book > claimed
    if op in ("<", "<="):
        upper_bound = BOUNDS.get(book_qualifier) in ("<", "<=")
        return book <= claimed if (op == "<=" or upper_bound) else book < claimed
    if qualifier in ("nearly", "almost"):
        return claimed - slack <= book <= claimed + 1e-9
    return abs(book - claimed) <= slack


def book_qualifier(cells: Iterable[Cell], root: Path | None = None) -> str:
    """The qualifier a value's source prints with it ("over" for "over 55,000"), when it is one cell of a table
    with a ``qualifier`` column; empty otherwise."""
    cells = [c for c in cells if not c.respondent_level]
    if len(cells) != 1:
        return ""
    cell = cells[0]
    tables = _tables(root or paths.root())
    if "qualifier" not in tables.frame(cell.table).columns:
        return ""
    value = tables.raw(cell.table, cell.key, "qualifier")
    return value if isinstance(value, str) else ""


def status_of(claim: pd.Series | dict, entry: pd.Series | dict | None, root: Path | None = None) -> str:
    """Status of one claim given the book's ledger entry (or ``None``), derived from its provenance."""
    if entry is None:
        return "reported-only" if claim["needs"] == "microdata" else "not-yet"
    cells = [Cell(*c) for c in entry["cells"]]
    kind = provenance_of(claim, cells, root)
    if kind == "simulated":
        return "reported-only"
    qualifier = claim.get("qualifier", "")
    echoed = any(c.table == CLAIMS and c.key == claim["id"] for c in cells)  # its own words carry its own qualifier
    recorded = entry.get("book_qualifier")  # recorded with the value, so the report reads no source table
    theirs = recorded if isinstance(recorded, str) else book_qualifier(cells, root)
    spread = entry.get("spread")  # how far the value could move within its inputs' printed rounding
    if not agrees(
        float(claim["value"]),
        qualifier,
        float(claim["tolerance"]) + (float(spread) if isinstance(spread, int | float) and spread == spread else 0.0),
        float(entry["value"]),
        qualifier if echoed else theirs,
    ):
        return "differs"
    return kind


def _span(text: str) -> tuple[str, set[int]]:
    """('wave', {1, ..., 6}) from 'waves 1-6', ('year', {2018, 2019}) from 'years 2018-2019' or 'year:2018,2019'."""
    text = text.strip()
    unit, _, rest = text.replace(":", " ", 1).partition(" ")
    numbers: set[int] = set()
    for part in rest.replace(" and ", ",").split(","):
        low, _, high = part.strip().partition("-")
        if low:
            numbers |= set(range(int(low), int(high or low) + 1))
    return unit.rstrip("s"), numbers


def describe_span(unit: str, numbers: Iterable[int]) -> str:
    """'wave 1', 'waves 1-6', 'years 2018-2019', 'waves 1, 3 and 5'."""
    return _fmt().span(unit, numbers)


def coverage(claim: pd.Series | dict, cells: Iterable[Cell]) -> str:
    """'wave 1 of 1-6' when the respondent-level data behind a value covers only part of what the claim's
    wording spans (its ``span``), 'years 2018-2019 of 2017-2019'; empty when it covers all of it or
    the claim spans nothing."""
    span = claim.get("span")
    if not isinstance(span, str) or not span.strip():
        return ""
    unit, wanted = _span(span)
    covered: set[int] = set()
    for cell in cells:
        if cell.respondent_level and cell.key:
            got_unit, got = _span(cell.key)
            if got_unit == unit:
                covered |= got
    if not covered or wanted <= covered:
        return ""
    part = describe_span(unit, covered & wanted or covered)
    return f"{part} of {min(wanted)}-{max(wanted)}"


def _registered_waves(source: str, root: Path) -> list[int] | None:
    """The registered waves (CAB), ``[]`` for a registered source without waves, None when nothing is registered."""
    from kzopinion.data import microdata, readers, registry

    if not microdata.is_registered(source, root):
        return None
    if source != "cab":
        return []
    names = registry.manifest(root).get("cab", {})
    return sorted({readers.cab_file_info(Path(name))[0] for name in names if readers.CAB_FILE.search(name)})


def qualifiers(claim: pd.Series | dict, entry: pd.Series | dict | None, root: Path | None = None) -> list[str]:
    """What the status rests on, shown beside it: partial coverage of waves or years, a sum whose part is a
    remainder, and why a respondent-level claim is reported only (not registered, or
    not computed from the registered waves, named)."""
    root = root or paths.root()
    out = []
    cells = [] if entry is None else [Cell(*c) for c in entry["cells"]]
    simulated = any(c.table.startswith("simulated:") for c in cells)
    if claim["needs"] == "microdata" and (entry is None or simulated):
        sources = sorted(s.split(":", 1)[1] for s in declared_inputs(claim) if s.startswith("microdata:"))
        for source in sources:
            name = "Gallup" if source == "gallup" else source.upper()
            waves = _registered_waves(source, root)
            if waves is None:
                out.append(f"{name} not registered")
            elif entry is None:
                # (a family of models whose items the waves lack, or a statement no section computes yet)
                where = f" ({describe_span('wave', waves)})" if waves else ""
                out.append(f"not computed from the registered {name} data{where}")
    if entry is None:
        return out
    covered = coverage(claim, cells)
    if covered:
        out.append(covered)
    if set(cells) & declared_cells(str(claim["id"]), REMAINDER, root):
        out.append("a part is the remainder of the whole: the sum is an identity, not a check")
    linked = function_of(str(claim["id"]), root)
    if linked:
        out.append(f"a function of {', '.join(linked)}: one check with it, counted once")
    if status_of(claim, entry, root) == "confirmed":
        secondary = secondary_sources(cells, root)
        if secondary:
            out.append(f"confirmed against secondary sources: {'; '.join(secondary)}")
        out += release_agreements(cells, root)
    return out


def table(root: Path | None = None) -> pd.DataFrame:
    """The claims joined with the book's values and their derived status.

    Columns: the claim's own columns (``qualifier`` among them: the article's word before its value,
    untouched), ``book_value`` and ``book_text`` (empty for simulated values, which go to ``simulated_text``
    instead), ``tier``, ``notebook``, ``cell``, ``cells`` (``table[key].column`` strings), ``inputs``
    (checksums), ``status`` and ``coverage`` (what the status rests on, from :func:`qualifiers`: "wave 1 of 1-6",
    a remainder, why a value is reported only; empty when there is nothing to say).
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
    indexed = claims.set_index("id", drop=False)
    refused = [
        f"{r['notebook']} In [{r['cell']}]: {problem}"
        for i, r in by_id.items()
        for problem in undeclared(indexed.loc[i], [Cell(*c) for c in r["cells"]])
    ]
    if refused:
        raise ValueError("recorded claims without declared provenance: " + "; ".join(refused))
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
    notes = [
        by_id[i]["robustness"] if i in by_id and isinstance(by_id[i]["robustness"], str) else "" for i in claims["id"]
    ]
    spans = [
        coverage(c, [Cell(*x) for x in by_id[c["id"]]["cells"]]) if c["id"] in by_id and not s else ""
        for (_, c), s in zip(claims.iterrows(), simulated)
    ]
    # a check on part of the waves or years the claim speaks of says so in its robustness note too
    out["robustness"] = [
        "; ".join(filter(None, [note, f"checked on {span} only" if span else ""])) for note, span in zip(notes, spans)
    ]
    out["status"] = status
    out["coverage"] = ["; ".join(qualifiers(c, by_id.get(c["id"]), root)) for _, c in claims.iterrows()]
    unexplained = unexplained_differences(out)
    if unexplained:
        raise ValueError("a difference from the article needs its own reason: " + "; ".join(unexplained) + ".")
    return out


def export(root: Path, target: Path) -> list[Path]:
    """Write the ledger as ``claims.json`` and ``claims.csv`` into ``target`` (the built site).

    The claim's own columns (``value`` renamed ``article_value``; ``qualifier`` is the article's word before it,
    "more than", "about", which the comparison honours), the book's value and where it comes from, the derived
    ``status`` and, beside it, ``coverage``: what the status rests on ("wave 1 of 1-6", a remainder, why a value
    is reported only), empty when there is nothing to say.
    """
    ledger = table(root)
    columns = [
        "id",
        "section",
        "statement",
        "printed",
        "value",
        "unit",
        "tolerance",
        "qualifier",
        "book_value",
        "book_text",
        "simulated_text",
        "tier",
        "status",
        "coverage",
        "robustness",
        "notebook",
        "cell",
        "cells",
        "inputs",
        "note",
        "quote",
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


def partial_counts(ledger: pd.DataFrame) -> dict[str, int]:
    """Per status, how many claims are checked on part of the waves or years (their ``coverage`` says which)."""
    partial = ledger[ledger["coverage"].str.contains(r" of \d", regex=True)]
    found = partial["status"].value_counts()
    return {status: int(found.get(status, 0)) for status in STATUSES}


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
    """Claims computed from the data package that differ from the article without a reason written for the
    book's present value (``note``, with that value in ``explains``), each as a sentence saying what to do.

    A reason explains one value: when the book's value of a differing claim changes, or a claim starts to differ,
    the old reason does not count. (A value from registered respondent-level data is the microdata edition's
    finding, shown as it is.)"""
    out = []
    for r in ledger.itertuples():
        if r.status != "differs" or "microdata" in str(r.tier):
            continue
        explains = r.explains.strip() if isinstance(r.explains, str) else ""
        if isinstance(r.note, str) and r.note.strip() and explains == r.book_text:
            continue
        written = f"the note's reason was written for {explains}" if explains else "no reason is written for it"
        out.append(
            f"data/published/claims.csv, row '{r.id}': the book's value is {r.book_text} where the article prints "
            f"{r.printed}, and {written}. Say in 'note' why the book's value differs, put {r.book_text} in "
            "'explains', then run make rehash TABLE=claims"
        )
    return out
