import pandas as pd
import pytest

from kzopinion import data
from kzopinion.analysis import designs as survey_designs
from kzopinion.chapters import data_sources as designs


def test_period_bounds():
    assert designs.period_bounds("2017-07", "2019-12") == (2017.5, 2020.0)
    assert designs.period_bounds("2006", "2020") == (2006.0, 2021.0)
    assert designs.period_bounds("2017", "2017") == (2017.0, 2018.0)


def test_margins_table_on_the_published_designs():
    table = survey_designs.margins_table(data.load("survey_designs")).set_index("source_id")
    assert "focus_groups" not in table.index  # no sampling margin for focus groups
    assert table.at["gallup", "moe_srs"] == pytest.approx(3.099, abs=1e-3)
    assert table.at["cab", "deff_high"] == pytest.approx((3.9 / 2.5303) ** 2, abs=1e-3)
    assert pd.isna(table.at["eib", "deff_low"])


def test_margins_display_says_not_reported():
    shown = designs.margins_display(survey_designs.margins_table(data.load("survey_designs")).set_index("source_id"))
    assert shown.at["eib", "Reported margin"] == "not reported"
    assert shown.at["gallup", "Reported margin"] == "3 to 4 points"
