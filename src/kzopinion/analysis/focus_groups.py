"""Focus-group counts from the coded table, with their bases and Wilson intervals."""

from __future__ import annotations

import pandas as pd

from kzopinion import formatting as fmt
from kzopinion.analysis import survey


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
