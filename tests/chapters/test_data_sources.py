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


def _oracle_rank(indicator: str, year: int) -> tuple[int, int]:
    """Kazakhstan's rank by pandas' own ranking of the raw table (largest first), and how many states had a value."""
    wdi = data.load("wdi_central_asia")
    year_rows = wdi[(wdi["indicator"] == indicator) & (wdi["year"] == year)].dropna(subset=["value"])
    ranks = year_rows.set_index("country_code")["value"].rank(ascending=False, method="min")
    return int(ranks["KAZ"]), len(year_rows)


def test_every_rank_of_kazakhstan_agrees_with_an_independent_ranking():
    from kzopinion.data.provenance import Tables

    tables = Tables()
    for indicator in designs.RANK_CLAIMS.values():
        ranks = designs.central_asia_ranks(tables, indicator)
        assert len(ranks) >= 2, indicator  # the checked year and a neighbouring one
        for row in ranks.itertuples():
            assert (row.rank, row.compared) == _oracle_rank(indicator, row.year), (indicator, row.year)


def test_the_checked_year_is_2019_or_the_latest_earlier_complete_year():
    from kzopinion.data.provenance import Tables

    tables = Tables()
    years = {indicator: designs.checked_year(tables, indicator) for indicator in designs.RANK_CLAIMS.values()}
    assert years == {"AG.LND.TOTL.K2": 2018, "SP.POP.TOTL": 2019, "NY.GDP.MKTP.PP.CD": 2019, "NY.GDP.PCAP.PP.CD": 2019}


def test_a_changed_wdi_value_changes_the_recorded_rank_and_its_cells():
    from kzopinion.data.provenance import Cell, Tables

    tables = Tables()
    values = designs.claim_values(tables)
    rank = values["ds_kz_population_rank"][0]
    assert float(rank) == 2 and Cell("wdi_central_asia", "SP.POP.TOTL|2019|KAZ", "value") in rank.cells
    assert {c.table for c in rank.cells} == {"wdi_central_asia"} and len(rank.cells) == 5
    # Uzbekistan's population below Kazakhstan's: the rank the ledger records follows the data
    smaller = tables.replaced(Cell("wdi_central_asia", "SP.POP.TOTL|2019|UZB", "value"), 1.0)
    assert float(designs.claim_values(smaller)["ds_kz_population_rank"][0]) == 1


def test_a_blank_wdi_value_is_left_out_of_the_rank_and_said():
    from kzopinion.data.provenance import Tables

    tables = Tables()
    ranks = designs.central_asia_ranks(tables, "NY.GDP.MKTP.PP.CD").set_index("year")
    assert ranks.at[2020, "compared"] == 4 and not ranks.at[2020, "complete"]
    assert "Turkmenistan's GDP (PPP) in 2020" in designs.missing_values(tables)
    assert designs.ranks_display(tables).at["GDP (PPP)", "2020"] == "1st of 4"


def test_the_fall_gallups_release_prints_is_set_beside_the_series_and_follows_it():
    """Chapter 01's sentence on Gallup's own release: the printed size of the 2013-2014 fall beside the series'
    own, agreeing; a series value moved past the rounding of two whole percentages turns the words to disagreement."""
    from kzopinion.data.provenance import Cell, Tables

    tables = Tables()
    approval = tables["gallup_leadership_approval"].set_index(["year", "leadership"])["approve"]
    texts = designs.release_texts(tables, 2013, 2014)
    series = int(approval[2013, "United States"] - approval[2014, "United States"])
    assert texts["ds_release_direction"] == "fall" and texts["ds_series_change"] == f"{series} points"
    assert texts["ds_release_change"] == texts["ds_series_change"]  # the release and the export agree exactly
    assert texts["ds_release_verdict"].startswith("so the size of the fall at the turning point rests on Gallup's own")
    assert "levels on either side of it still rest on the transcription alone" in texts["ds_release_verdict"]
    moved = tables.replaced(Cell("gallup_leadership_approval", "2014|United States", "approve"), 20)
    assert "disagree" in designs.release_texts(moved, 2013, 2014)["ds_release_verdict"]
    with pytest.raises(KeyError, match="prints no change in approval of United States between 2012 and 2013"):
        designs.release_texts(tables, 2012, 2013)
