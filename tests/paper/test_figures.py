"""The chart renderer (kzopinion.paper.figures): every chart carries its values as a table a keyboard reaches."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from kzopinion.paper import figures


def _spec(title: str = "Approval") -> dict:
    frame = pd.DataFrame({"year": [2013, 2014], "share": [0.37, 0.09], "leadership": ["US", "US"]})
    chart = (
        alt.Chart(frame, title=title)
        .mark_line()
        .encode(
            x="year:O",
            y="share:Q",
            color="leadership:N",
            tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("share:Q", title="Approve", format=".0%")],
        )
    )
    return chart.to_dict()


def _cells(table: str) -> list[list[str]]:
    return [re.findall(r"<t[dh]>(.*?)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]


def test_the_table_holds_every_drawn_row_with_the_tooltips_titles_and_formats():
    table = figures.data_table(_spec())
    assert table.startswith('<details class="kz-chart-data"><summary>The chart&#x27;s values as a table</summary>')
    assert _cells(table) == [["Leadership", "Year", "Approve"], ["US", "2013", "37%"], ["US", "2014", "9%"]]


def test_a_stand_ins_table_says_so():
    assert "simulated stand-in" in figures.data_table(_spec("The simulated stand-in for CAB"))


def test_a_chart_with_no_data_rows_has_no_table():
    assert figures.data_table({"datasets": {"d": [{"text": "No chart yet"}]}}) == ""


def test_the_recorded_chart_carries_its_table_after_the_drawing():
    html = figures.offline_html(_spec())
    assert html.index('class="kz-chart"') < html.index("<details") and html.endswith("</details>")
