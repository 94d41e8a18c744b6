"""Changes over time in country-year series."""

from __future__ import annotations

import pandas as pd


def largest_fall(series: pd.Series) -> tuple[int, float]:
    """Year of the largest fall from the previous observed year, and its size (positive).

    ``series`` is indexed by year; gaps between years are allowed (the change is taken
    between consecutive observations).
    """
    ordered = series.dropna().sort_index().astype(float)
    if len(ordered) < 2:
        raise ValueError("need at least two observations to find a fall")
    change = ordered.diff().iloc[1:]
    year = int(change.idxmin())
    return year, float(-change.min())
