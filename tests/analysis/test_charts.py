"""The chart builders' specifications: what a chart draws, checked without rendering it."""

from __future__ import annotations

import pandas as pd

from kzopinion.analysis import charts, focus_groups
from kzopinion.data import load


def _counts(selection: list[str], **bases: int) -> pd.DataFrame:
    codes = load("focus_group_codes")
    codes = codes.assign(base=[bases.get(c, b) for c, b in zip(codes["code"], codes["base"])])
    return focus_groups.counts_with_intervals(codes, selection)


def test_counts_of_one_base_are_one_panel_whose_description_names_the_base():
    spec = charts.counts_with_intervals(_counts(["fp_negative", "fp_positive"]), "Share").to_dict()
    assert "facet" not in spec and spec["description"].startswith("Of 93 participants.")


def test_counts_of_different_bases_are_never_drawn_on_one_axis_unmarked():
    table = _counts(["fp_negative", "fp_sovereignty_combined"], fp_negative=49)
    spec = charts.counts_with_intervals(table, "Share").to_dict()
    assert spec["facet"]["row"]["field"] == "group"  # a panel per base, each headed by it
    data = next(iter(spec["datasets"].values()))
    drawn = {(row["label"], row["group"]) for row in data}
    assert drawn == {("38 of 49", "Of 49 participants"), ("33 of 93", "Of 93 participants")}
    assert spec["resolve"]["scale"]["y"] == "independent"
