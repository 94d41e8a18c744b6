"""A recomputed value may lie within the printed rounding of its inputs (kzopinion.paper.ledger.rounding_spreads):
the spread is exact for sums, first-order for ratios, nothing for exact counts, and the status rule allows it."""

from __future__ import annotations

import itertools

from kzopinion import data
from kzopinion.data.provenance import Cell, Tables, total
from kzopinion.paper import ledger as claims

SHARES = [("figure2_reasons", f"positive|{rank}", "both_excluding_other") for rank in (1, 2, 3)]
COUNT = ("focus_group_codes", "fp_negative", "count")


def _sum_of_shares(tables: Tables) -> dict:
    value = total(tables.cell(*c) for c in SHARES)
    return {"x_sum": (value, ""), "x_ratio": (tables.cell(*SHARES[0]) / total(tables.cell(*c) for c in SHARES), "")}


def _oracle(tables: Tables, claim: str) -> tuple[float, float]:
    """The lowest and highest value over every corner of the inputs' rounding boxes (a hand oracle)."""
    values = []
    for signs in itertools.product((-0.5, 0.5), repeat=len(SHARES)):
        moved = tables
        for cell, sign in zip(SHARES, signs, strict=True):
            moved = moved.replaced(Cell(*cell), float(tables.raw(*cell)) + sign)
        values.append(float(_sum_of_shares(moved)[claim][0]))
    return min(values), max(values)


def test_a_sum_of_whole_percentages_spreads_half_a_point_per_input_and_a_ratio_to_first_order(root):
    tables = Tables(root)
    values = _sum_of_shares(tables)
    spreads = claims.rounding_spreads(values, _sum_of_shares, tables)
    low, high = _oracle(tables, "x_sum")
    assert spreads["x_sum"] == 1.5 == (high - low) / 2
    low, high = _oracle(tables, "x_ratio")
    assert abs(spreads["x_ratio"] - (high - low) / 2) < 0.1 * spreads["x_ratio"]  # first order


def test_an_exact_count_and_an_input_taken_whole_add_nothing(root):
    tables = Tables(root)

    def count(t: Tables) -> dict:
        return {"x_count": (t.cell(*COUNT), "")}

    assert claims.rounding_spreads(count(tables), count, tables) == {"x_count": 0.0}

    def whole(t: Tables) -> dict:
        value = t.cell(*SHARES[0])
        if not float(value).is_integer():
            raise ValueError(f"{value} is not a whole count")
        return {"x_whole": (value, "")}

    assert claims.rounding_spreads(whole(tables), whole, tables) == {"x_whole": 0.0}


def test_the_status_rule_allows_the_spread_and_no_more_for_every_claim(root):
    """Over every claims row: a book value just inside the printed tolerance plus the spread agrees, just outside
    differs; with no spread recorded the rule is as before."""
    rows = data.load("claims", root)
    other = [["figure2_reasons", "positive|1", "first_answer"]]
    for _, claim in rows.iterrows():
        if isinstance(claim["qualifier"], str) and claim["qualifier"].strip():
            continue  # bounds ("more than") are not widened by a spread
        slack = float(claim["tolerance"]) + 2.0
        inside = {"value": float(claim["value"]) + slack * 0.99, "cells": other, "spread": 2.0}
        outside = {"value": float(claim["value"]) + slack * 1.01 + 1e-6, "cells": other, "spread": 2.0}
        bare = {"value": float(claim["value"]) + slack * 0.99, "cells": other}
        assert claims.status_of(claim, inside, root) != "differs", claim["id"]
        assert claims.status_of(claim, outside, root) == "differs", claim["id"]
        assert claims.status_of(claim, bare, root) == "differs", claim["id"]
