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
CHANGES = (1.0, 100.0, -100.0, 1000.0, 1e15, -1e15)  # the last two overturn a rank (a country far ahead)
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
        printed = tables.raw("claims", "fp_condemn_share", "value")
        disguise = {Cell("focus_group_codes", "fp_positive", "count")}
        values["fp_condemn_share"] = (Traced(float(printed), disguise), "78%")
        return values

    failures = mutation_failures("fp", root, compute=echoing)
    assert any("fp_condemn_share: follows its own cell claims[fp_condemn_share].value" in f for f in failures)
    assert any("fp_condemn_share: does not move" in f for f in failures)


def affine_pairs(prefix: str, root, compute=table_claims) -> set[tuple[str, str]]:
    """Pairs of a section's values of which one is an algebraic (affine) function of the other: moving any input
    cell by any step leaves every (a, b) on one line, as 17% = 100% - 83% does. Two shares of three categories,
    or two counts, do not: their points leave the line. Each pair sorted."""
    tables = Tables(root)
    base = compute(prefix, tables)
    cells = sorted({c for value, _ in base.values() for c in value.cells if not c.respondent_level})
    cells = [c for c in cells if _numeric(tables, c)]
    moved = [compute(prefix, _changed(tables, cell, step)) for cell in cells for step in CHANGES[:2]]
    pairs = set()
    ids = sorted(base)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if not set(base[a][0].cells) & set(base[b][0].cells):
                continue
            points = {(float(base[a][0]), float(base[b][0]))} | {(float(m[a][0]), float(m[b][0])) for m in moved}
            xs = sorted({x for x, _ in points})
            if len(xs) < 3 or len({x for x, _ in points}) != len(points):
                continue  # too few distinct values to tell, or b moved while a did not: no function of a
            (x0, y0), (x1, y1) = sorted(points)[0], sorted(points)[-1]
            slope = (y1 - y0) / (x1 - x0)
            if all(abs(y - (y0 + slope * (x - x0))) <= 1e-9 * max(1.0, abs(y)) for x, y in points):
                pairs.add((a, b))
    return pairs


def _declared_links(root) -> set[tuple[str, str]]:
    return {
        tuple(sorted((claim_id, other)))
        for claim_id in data.load("claims", root)["id"]
        for other in claims.function_of(claim_id, root)
    }


@pytest.mark.parametrize("prefix", sorted(TABLE_CHAPTERS))
def test_every_claim_that_is_a_function_of_another_is_declared_so(root, prefix):
    """Found by moving the inputs, not typed: two recomputed claims on one line (a complement, a ratio) are one
    check, and data/coding/claim_cells.csv must say so (function_of), so the report counts them once."""
    assert affine_pairs(prefix, root) <= _declared_links(root)


def test_a_planted_complement_is_found_and_counted_once_when_declared(root):
    def planted(prefix, tables):
        values = table_claims(prefix, tables)
        share = values["fp_positive_development_share"][0]
        values["fp_planted_complement"] = (100 - share, "")
        return values

    found = affine_pairs("fp", root, compute=planted)
    assert ("fp_planted_complement", "fp_positive_development_share") in found
    assert not found <= _declared_links(root)  # undeclared: the test above would fail on it


@pytest.mark.parametrize("prefix", sorted(TABLE_CHAPTERS))
def test_a_planted_identity_is_never_counted_as_a_check(root, prefix, monkeypatch):
    """The rule over every recomputed or confirmed claim: declare any one of its input cells the remainder of the
    statement, and the value is an identity of it: transcribed, no longer a check."""
    tables = Tables(root)
    rows = data.load("claims", root).set_index("id", drop=False)
    declared = claims._claim_cells(root)
    for claim_id, (value, _) in table_claims(prefix, tables).items():
        entry = {"value": float(value), "cells": [[c.table, c.key, c.column] for c in value.cells]}
        if claims.status_of(rows.loc[claim_id], entry, root) not in ("recomputed", "confirmed"):
            continue
        cell = sorted(value.cells)[0]
        key = (claim_id, claims.REMAINDER)
        planted = {**declared, key: declared.get(key, frozenset()) | {cell}}
        monkeypatch.setattr(claims, "_claim_cells", lambda _root, planted=planted: planted)
        assert claims.status_of(rows.loc[claim_id], entry, root) == "transcribed", claim_id
        monkeypatch.setattr(claims, "_claim_cells", lambda _root: declared)
