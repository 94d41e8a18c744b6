"""A mutation test over the whole ledger: every claim the chapters compute from the data tables as recomputed
or confirmed follows its listed inputs and never its own transcription, and a planted echo is caught.

(Respondent-level values are covered in the microdata edition: the public edition has none to mutate.)
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import kzopinion.chapters
from kzopinion import data
from kzopinion.data.provenance import Cell, Tables, Traced
from kzopinion.paper import ledger as claims

pytestmark = pytest.mark.slow
CHANGES = (1.0, 100.0, -100.0, 1000.0)
# every chapter that computes ledger values from the data tables, found by its PREFIX and claim_values (no registry)
TABLE_CHAPTERS = {
    module.PREFIX: module
    for module in (
        importlib.import_module(f"kzopinion.chapters.{m.name}")
        for m in pkgutil.iter_modules(kzopinion.chapters.__path__)
    )
    if hasattr(module, "PREFIX") and hasattr(module, "claim_values")
}


def table_claims(prefix: str, tables: Tables) -> dict:
    return claims.section_values(TABLE_CHAPTERS[prefix], tables)


def _numeric(tables: Tables, cell: Cell) -> bool:
    value = tables.raw(cell.table, cell.key, cell.column)
    if isinstance(value, str):
        return re.fullmatch(r"\d{4}(-\d{2})?", value) is not None
    return value is not None and value == value


def _changed(tables: Tables, cell: Cell, step: float) -> Tables:
    value = tables.raw(cell.table, cell.key, cell.column)
    if isinstance(value, str):
        year, _, month = value.partition("-")
        return tables.replaced(cell, f"{int(year) + int(step)}" + (f"-{month}" if month else ""))
    return tables.replaced(cell, float(value) + step)


def _own(claim, tables: Tables, root) -> list[Cell]:
    own = [Cell("claims", claim["id"], "value")] + sorted(claims.own_cells(claim, root))
    return [c for c in own if _numeric(tables, c)]


def mutation_failures(prefix: str, root, compute=table_claims) -> list[str]:
    """Why any recomputed or confirmed claim of notebook ``prefix`` is not what its status says (empty if none)."""
    tables = Tables(root)
    rows = data.load("claims", root).set_index("id", drop=False)
    failures = []
    for claim_id, (value, _) in compute(prefix, tables).items():
        claim = rows.loc[claim_id]
        entry = {"value": float(value), "cells": [[c.table, c.key, c.column] for c in value.cells]}
        if claims.status_of(claim, entry, root) not in ("recomputed", "confirmed"):
            continue
        for cell in _own(claim, tables, root):  # (a) its own copy never moves it
            if float(compute(prefix, _changed(tables, cell, 7.0))[claim_id][0]) != float(value):
                failures.append(f"{claim_id}: follows its own cell {cell}")
        inputs = [c for c in value.cells if not c.respondent_level and _numeric(tables, c)]
        if not inputs:
            failures.append(f"{claim_id}: lists no input cell that could move it")
        for cell in inputs:  # (b) each listed input moves it, and the status follows
            moved = False
            for step in CHANGES:
                new = compute(prefix, _changed(tables, cell, step))[claim_id][0]
                if float(new) != float(value):
                    moved = True
                    new_entry = {"value": float(new), "cells": entry["cells"]}
                    far = not claims.agrees(
                        float(claim["value"]),
                        claim.get("qualifier", ""),
                        float(claim["tolerance"]),
                        float(new),
                        claims.book_qualifier(new.cells, root),
                    )
                    if far and claims.status_of(claim, new_entry, root) != "differs":
                        failures.append(f"{claim_id}: moved out of tolerance by {cell} but is not 'differs'")
                    break
            if not moved:
                failures.append(f"{claim_id}: does not move when its listed input {cell} changes")
        own_row = {**entry, "cells": entry["cells"] + [["claims", claim_id, "value"]]}  # (c)
        if claims.status_of(claim, own_row, root) != "transcribed":
            failures.append(f"{claim_id}: reading its own row is not 'transcribed'")
    return failures


@pytest.mark.parametrize("prefix", sorted(TABLE_CHAPTERS))
def test_every_recomputed_and_confirmed_claim_follows_its_inputs_not_its_copy(root, prefix):
    assert mutation_failures(prefix, root) == []


def test_the_mutation_test_covers_every_recomputed_and_confirmed_table_claim(root):
    tables = Tables(root)
    ledger = claims.table(root)
    checked = ledger[ledger["status"].isin(["recomputed", "confirmed"]) & ~ledger["tier"].str.contains("microdata")]
    computed = {claim_id for prefix in TABLE_CHAPTERS for claim_id in table_claims(prefix, tables)}
    assert set(checked["id"]) <= computed


def test_a_planted_echo_is_caught(root):
    """A value read from the claim's own row, dressed with an unrelated input cell, passes the status rule
    (it says 'recomputed') but not the mutation test."""

    def echoing(prefix, tables):
        values = table_claims(prefix, tables)
        printed = tables.raw("claims", "cu_pp_us_halves", "value")
        disguise = {
            Cell("immigration_model_results", "approve_us_leadership|predicted_probability_favour_increase", "value")
        }
        values["cu_pp_us_halves"] = (Traced(float(printed), disguise), "0.5")
        return values

    failures = mutation_failures("cu", root, compute=echoing)
    assert any("cu_pp_us_halves: follows its own cell claims[cu_pp_us_halves].value" in f for f in failures)
    assert any("cu_pp_us_halves: does not move" in f for f in failures)
