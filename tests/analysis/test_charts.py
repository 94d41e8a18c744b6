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


LONG = [
    "condemned a general pattern of US interference in the internal affairs of sovereign countries",
    "named US science, technology, education or medicine as worth adopting",
    "short",
]


def _builders():
    """Each chart builder that draws category names, fed long ones (no records, no notebook involved)."""
    rows = pd.DataFrame({"name": LONG, "n": [1, 2, 3]})
    interval = rows.assign(coef=0.1, low=0.0, high=0.2, p=0.01, family="opinions")
    yield "counts_with_intervals", charts.counts_with_intervals(_counts(["fp_negative", "fp_positive"]), "Share")
    yield "coefficients", charts.coefficients(interval.assign(label=rows["name"]), "subtitle", "Coefficient")
    yield (
        "status_by_section",
        charts.status_by_section(
            rows.assign(section=rows["name"], status="recomputed", claims=rows["n"], status_order=0)
        ),
    )
    yield (
        "relations_choice",
        charts.relations_choice(
            rows.assign(
                question="Which first?", answer=rows["name"], percent=50.0, low=45.0, high=55.0, interval="45-55"
            )
        ),
    )
    yield (
        "reason_shares",
        charts.reason_shares(
            rows.assign(
                reason=rows["name"],
                opinion="positive",
                reason_class="development",
                first_answer=1.0,
                second_answer=1.0,
                both_answers=2.0,
                both_excluding_other=2.0,
            )
        ),
    )
    yield (
        "variant_spread",
        charts.variant_spread(
            rows.assign(share=rows["name"], specification="as printed", percent=50.0, default=True, rationale="why")
        ),
    )
    yield (
        "predicted_probabilities",
        charts.predicted_probabilities(
            pd.DataFrame(
                {
                    "leadership": ["US", "US"],
                    "preference": ["increased", "decreased"],
                    "estimate": ["this book", "the simulated stand-in for the Gallup World Poll"],
                    "probability": [0.3, 0.4],
                    "low": [0.2, 0.3],
                    "high": [0.4, 0.5],
                }
            ),
            "subtitle",
        ),
    )
    yield (
        "specification_curve",
        charts.specification_curve(
            interval.assign(
                rank=[1, 2, 3], n=100, label=rows["name"], control_label=rows["name"], article=False, waves="pooled"
            ),
            "subtitle",
        ),
    )


def test_every_chart_builder_wraps_long_category_names_into_lines_that_fit():
    """A builder that cuts its labels again (a labelLimit, no wrapping) fails here, before any notebook runs."""
    built = dict(_builders())
    problems = {name: charts.label_problems(chart.to_dict()) for name, chart in built.items()}
    assert {name: p for name, p in problems.items() if p} == {}
    wrapped = {name for name, chart in built.items() if charts.LINES in _label_expressions(chart.to_dict())}
    assert wrapped == set(built), set(built) - wrapped


def _label_expressions(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["labelExpr"]] if isinstance(node.get("labelExpr"), str) else []
        return found + [e for value in node.values() for e in _label_expressions(value)]
    if isinstance(node, list):
        return [e for value in node for e in _label_expressions(value)]
    return []
