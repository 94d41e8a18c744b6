"""The chart builders' specifications: what a chart draws, checked without rendering it."""

from __future__ import annotations

import json

import altair as alt
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


def _records_charts(root):
    """(notebook, chart description, Vega-Lite spec) of every chart in the committed records."""
    from kzopinion.paper import figures

    found = []
    for record in sorted((root / "notebooks").glob("[0-9]*.ipynb")):
        for cell in json.loads(record.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                html = output.get("data", {}).get("text/html", "")
                for spec in figures.specs_in("".join(html) if isinstance(html, list) else html):
                    found.append((record.stem, spec.get("description", "")[:60], spec))
    return found


def test_every_chart_of_the_book_draws_its_labels_whole(root):
    """No label line of any chart in the records is wider than its labelLimit (Vega would end it in "…"),
    and no wrapped label is taller than its band."""
    charts_found = _records_charts(root)
    assert len(charts_found) >= 14
    problems = {(name, what): charts.label_problems(spec) for name, what, spec in charts_found}
    assert {key: p for key, p in problems.items() if p} == {}, "wrap the labels in kzopinion.analysis.charts"


def test_the_label_check_fails_on_a_truncating_limit_and_a_short_band():
    text = "assessed US influence on Kazakhstani culture negatively"
    table = pd.DataFrame({"name": [text, "assessed US influence on Kazakhstani culture positively"], "n": [1, 2]})
    cut = alt.Chart(table).mark_bar().encode(x="n:Q", y=alt.Y("name:N", axis=alt.Axis(labelLimit=290)))
    problems = charts.label_problems(cut.to_dict())
    assert len(problems) == 2 and "over the labelLimit of 290 px" in problems[0]
    default = alt.Chart(table).mark_point().encode(x="n:Q", color="name:N")  # a legend's own limit: 160 px
    assert "over the labelLimit of 160 px" in charts.label_problems(default.to_dict())[0]
    wrapped = table.assign(lines=[charts.wrap_label(t, 150) for t in table["name"]])
    tall = alt.Chart(wrapped).mark_bar().encode(x="n:Q", y=alt.Y("lines:N", axis=alt.Axis(labelExpr=charts.LINES)))
    assert charts.label_problems(tall.properties(height=alt.Step(60)).to_dict()) == []
    squeezed = charts.label_problems(tall.properties(height=alt.Step(20)).to_dict())
    assert squeezed and "in a band of 20 px" in squeezed[0]


def test_wrapped_labels_keep_every_word_in_lines_that_fit():
    text = "attacked the US for a pattern of sovereignty violation or for specific instances of it"
    lines = charts.wrap_label(text, 200).split("\n")
    assert " ".join(lines) == text and len(lines) > 1
    assert all(charts.text_width(line) <= 200 for line in lines)
    assert charts.text_width("mmmm") > charts.text_width("iiii") > 0


def test_close_points_of_the_connected_scatter_label_away_from_each_other():
    """2009 and 2013 lie one point apart: their year labels go to opposite sides."""
    approval = load("gallup_leadership_approval")
    pair = approval[approval["leadership"].isin(["United States", "China"])]
    wide = pair.pivot(index="year", columns="leadership", values="approve").dropna()
    places = dict(zip(wide.index, charts.label_places(wide["United States"], wide["China"])))
    assert places[2009] == "left" and places[2013] == "right", places
    spec = charts.connected_scatter(pair).to_dict()
    drawn = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert {layer["mark"]["align"] for layer in drawn} >= {"left", "right"}
    assert all(layer["encoding"]["tooltip"] for layer in drawn)  # every year readable in the tooltip
