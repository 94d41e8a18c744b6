"""The open analytic choices of the chapters: ``data/coding/analysis_variants.csv``, one row per value."""

from __future__ import annotations

import pandas as pd


def variant_defaults(variants: pd.DataFrame, notebook: str) -> dict[str, str]:
    """The article's value of each open choice of ``notebook`` (the ``default`` rows of ``analysis_variants``)."""
    mine = variants[(variants["notebook"] == notebook) & variants["default"].astype(bool)]
    return dict(zip(mine["parameter"], mine["value"]))
