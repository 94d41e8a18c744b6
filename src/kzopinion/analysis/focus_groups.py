"""Focus-group counts from the coded table, with their bases and Wilson intervals."""

from __future__ import annotations

import pandas as pd

from kzopinion import formatting as fmt
from kzopinion.analysis import survey
from kzopinion.data.provenance import Tables, Traced, total

CODES = "focus_group_codes"


def count_value(tables: Tables, code: str) -> Traced:
    """A focus-group count as the book knows it: a code marked ``partitioned`` is the sum of its
    parts (so the printed total is checked against them), any other code its transcribed count."""
    codes = tables[CODES]
    row = codes[codes["code"] == code]
    if row.empty:
        raise KeyError(f"no focus-group code '{code}' in data/published/focus_group_codes.csv")
    if bool(row["partitioned"].iloc[0]):
        children = codes[codes["parent_codes"].fillna("").map(lambda p: code in [c.strip() for c in p.split(";")])]
        return total(tables.cell(CODES, child, "count") for child in children["code"])
    return tables.cell(CODES, code, "count")


def counts_with_intervals(codes: pd.DataFrame, selection: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """The selected codes (in the given order) with share of base and Wilson interval.

    Columns: code, description, count, base, share, low, high, label (e.g. "38 of 93").
    """
    indexed = codes.set_index("code")
    missing = [c for c in selection if c not in indexed.index]
    if missing:
        raise KeyError(f"codes not in focus_group_codes: {missing}")
    rows = []
    for code in selection:
        count, base = int(indexed.at[code, "count"]), int(indexed.at[code, "base"])
        low, high = survey.wilson_interval(count, base, confidence)
        rows.append(
            {
                "code": code,
                "description": indexed.at[code, "description"],
                "count": count,
                "base": base,
                "share": count / base,
                "low": low,
                "high": high,
                "label": fmt.count_of(count, base),
            }
        )
    return pd.DataFrame(rows)
