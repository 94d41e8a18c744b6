"""Chapter 01, data sources and the ebbs and flows of US presence: the surveys' fieldwork,
sizes and margins of error, and the turning point in Gallup's approval series."""

from __future__ import annotations

import pandas as pd

from kzopinion.data.provenance import Cell, Tables, Traced, traced

PREFIX = "ds"  # the ids of this section's claims and glue keys


def period_bounds(start: str, end: str) -> tuple[float, float]:
    """Decimal-year span of a fieldwork period given as ``YYYY`` or ``YYYY-MM``.

    A start covers its whole year or month from the beginning (``2017-07`` -> 2017.5);
    an end covers it to the end (``2019-12`` -> 2020.0, ``2020`` -> 2021.0).
    """
    return _decimal_year(start, at_end=False), _decimal_year(end, at_end=True)


def _decimal_year(period: str, at_end: bool) -> float:
    year, _, month = period.partition("-")
    if month:
        return int(year) + (int(month) - (0 if at_end else 1)) / 12
    return int(year) + (1 if at_end else 0)


def fieldwork_periods(designs: pd.DataFrame) -> pd.DataFrame:
    """Sources with known fieldwork dates as decimal-year spans, for the timeline chart."""
    dated = designs.dropna(subset=["start", "end"])
    spans = [period_bounds(s, e) for s, e in zip(dated["start"], dated["end"])]
    return pd.DataFrame(
        {
            "source": dated["source"].tolist(),
            "start": [s for s, _ in spans],
            "end": [e for _, e in spans],
            "period": [s if s == e else f"{s} to {e}" for s, e in zip(dated["start"], dated["end"])],
            "sample": [f"n = {n:,} a wave" for n in dated["n_per_wave"]],
        }
    )


def margins_display(margins: pd.DataFrame) -> pd.DataFrame:
    """The margins table formatted for readers, one row per survey.

    Columns: Survey, Respondents a wave, Reported margin, SRS margin, Implied design effect.
    Missing reports read "not reported".
    """
    from kzopinion import formatting as fmt

    def reported(row) -> str:
        if pd.isna(row.moe_reported_low):
            return "not reported"
        return fmt.value_range(fmt.as_printed(row.moe_reported_low), fmt.as_printed(row.moe_reported_high)) + " points"

    def deff(row) -> str:
        if pd.isna(row.deff_low):
            return "not reported"
        return fmt.value_range(fmt.decimal(row.deff_low), fmt.decimal(row.deff_high))

    rows = list(margins.itertuples())
    return pd.DataFrame(
        {
            "Survey": [r.source for r in rows],
            "Respondents a wave": [fmt.count(r.n) for r in rows],
            "Reported margin": [reported(r) for r in rows],
            "SRS margin": [fmt.points(r.moe_srs) for r in rows],
            "Implied design effect": [deff(r) for r in rows],
        },
        index=pd.Index([r.Index for r in rows], name="source_id"),
    )


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


APPROVAL = "gallup_leadership_approval"
RELEASES = "gallup_release_changes"


def release_texts(tables: Tables, from_year: int, to_year: int, leadership: str = "United States") -> dict[str, str]:
    """What Gallup's own release prints of the change in approval of ``leadership`` between two years of the
    approval series, beside the series' own change, as glue texts: the release's date, whether the change is a fall
    or a rise, its size as printed and as the series gives it, and what their agreement means (within the rounding
    of two whole percentages, the rule ``make data`` holds them to). The release confirms the size of the change,
    not the levels on either side of it. Raises when no release prints that change."""
    from datetime import date

    from kzopinion import formatting as fmt
    from kzopinion.data.package import release_agrees

    key = f"Kazakhstan|{leadership}|{from_year}|{to_year}"
    if key not in set(tables.keys(RELEASES)):
        raise KeyError(
            f"data/external/{RELEASES}.csv prints no change in approval of {leadership} between {from_year} and "
            f"{to_year}; add the release's row, or drop the sentence that compares with it."
        )
    printed = tables.cell(RELEASES, key, "change")
    series = tables.cell(APPROVAL, f"{to_year}|{leadership}", "approve") - tables.cell(
        APPROVAL, f"{from_year}|{leadership}", "approve"
    )
    day = date.fromisoformat(str(tables.raw(RELEASES, key, "published")))
    agree = release_agrees(int(printed), int(series))
    noun = "fall" if printed < 0 else "rise"
    verdict = (
        f"so the size of the {noun} at the turning point rests on Gallup's own words as well as on the transcription, "
        "though the levels on either side of it still rest on the transcription alone"
        if agree
        else "more than the rounding of two whole percentages apart, so the transcription and the release disagree"
    )
    return {
        "ds_release_date": f"{day:%B %Y}",
        "ds_release_direction": noun,
        "ds_release_change": fmt.points(abs(float(printed)), 0),
        "ds_series_change": fmt.points(abs(float(series)), 0),
        "ds_release_verdict": verdict,
    }


DESIGNS = "survey_designs"
WDI = "wdi_central_asia"
CLAIMS = "claims"
REFERENCE_YEAR = 2019
"""The year the introduction's ranks are checked for: the article states none and was submitted in 2020, so the
last full year before it; an indicator blank that year in its WDI vintage is checked for its latest earlier year."""
RANK_CLAIMS = {  # the introduction's ranks of Kazakhstan in Central Asia: claim id -> WDI indicator
    "ds_kz_territory_rank": "AG.LND.TOTL.K2",
    "ds_kz_population_rank": "SP.POP.TOTL",
    "ds_kz_gdp_ppp_rank": "NY.GDP.MKTP.PP.CD",
    "ds_kz_gdp_ppp_per_capita_rank": "NY.GDP.PCAP.PP.CD",
}


def kazakhstan_rank(tables: Tables, indicator: str, year: int) -> tuple[Traced, int, int]:
    """Kazakhstan's rank (1 = the largest value) among the Central Asian states with a value of ``indicator`` in
    ``year``, resting on every value compared; with how many states had a value, and how many rows the year has."""
    wdi, keys = tables[WDI], tables.keys(WDI)
    rows = wdi[(wdi["indicator"] == indicator) & (wdi["year"] == year)]
    valued = rows[rows["value"].notna()]
    values = {code: tables.cell(WDI, keys[i], "value") for i, code in zip(valued.index, valued["country_code"])}
    rank = 1 + sum(value > values["KAZ"] for value in values.values())
    return traced(rank, list(values.values())), len(values), len(rows)


def central_asia_ranks(tables: Tables, indicator: str) -> pd.DataFrame:
    """Kazakhstan's rank year by year: year, rank, compared (states with a value), complete (all had one)."""
    wdi = tables[WDI]
    years = sorted(int(y) for y in wdi.loc[wdi["indicator"] == indicator, "year"].unique())
    ranks = [kazakhstan_rank(tables, indicator, year) for year in years]
    return pd.DataFrame(
        {
            "year": years,
            "rank": [int(rank) for rank, _, _ in ranks],
            "compared": [compared for _, compared, _ in ranks],
            "complete": [compared == listed for _, compared, listed in ranks],
        }
    )


def checked_year(tables: Tables, indicator: str) -> int:
    """:data:`REFERENCE_YEAR`, or the latest earlier year in which every state has a value of ``indicator``."""
    wdi = tables[WDI]
    complete = wdi[wdi["indicator"] == indicator].groupby("year")["value"].agg(lambda values: values.notna().all())
    return int(max(year for year, whole in complete.items() if whole and year <= REFERENCE_YEAR))


INDICATOR_NAMES = {
    "AG.LND.TOTL.K2": "Land area",
    "SP.POP.TOTL": "Population",
    "NY.GDP.MKTP.PP.CD": "GDP (PPP)",
    "NY.GDP.PCAP.PP.CD": "GDP (PPP) per person",
}


def ranks_display(tables: Tables) -> pd.DataFrame:
    """Kazakhstan's rank in Central Asia, one row per indicator of :data:`RANK_CLAIMS`, one column per year:
    "1st of 5" (states with a value that year), "–" where the table has no row for that year."""
    from kzopinion import formatting as fmt

    by_indicator = {
        INDICATOR_NAMES[indicator]: {
            str(r.year): f"{fmt.ordinal(r.rank)} of {r.compared}"
            for r in central_asia_ranks(tables, indicator).itertuples()
        }
        for indicator in RANK_CLAIMS.values()
    }
    shown = pd.DataFrame(by_indicator).T.sort_index(axis=1).fillna("–")
    shown.index.name = "Indicator (World Bank WDI)"
    return shown


def ranks_hold(tables: Tables) -> str:
    """Whether each indicator's rank is the same in every year of the table, said in words computed from it."""
    changed = [
        INDICATOR_NAMES[indicator]
        for indicator in RANK_CLAIMS.values()
        if central_asia_ranks(tables, indicator)["rank"].nunique() > 1
    ]
    years = sorted({int(y) for y in tables[WDI]["year"]})
    if not changed:
        return f"each rank is the same in every year the table holds for it, between {years[0]} and {years[-1]}"
    return f"the rank changes between {years[0]} and {years[-1]} for {', '.join(changed)}"


def missing_values(tables: Tables) -> str:
    """The values WDI leaves blank in the table, in words ("Turkmenistan's GDP (PPP) in 2020, ..."), or "none"."""
    wdi = tables[WDI]
    blank = wdi[wdi["value"].isna()]
    return ", ".join(f"{r.country}'s {INDICATOR_NAMES[r.indicator]} in {r.year}" for r in blank.itertuples()) or "none"


def fieldwork_value(tables: Tables, source_id: str, end: bool) -> Traced:
    """First (or last) fieldwork period of a source in decimal years, from its transcribed cell."""
    column = "end" if end else "start"
    period = str(tables.raw(DESIGNS, source_id, column))
    return Traced(period_bounds(period, period)[1 if end else 0], {Cell(DESIGNS, source_id, column)})


def claim_values(tables: Tables) -> dict[str, tuple[Traced, str]]:
    """The ledger values chapter 01 computes (bound cells are recorded by ``ledger.record_section``)."""
    from kzopinion import formatting as fmt

    gallup_last = fieldwork_value(tables, "gallup", end=True) - 1  # a year's span ends on 1 January next
    approval = tables[APPROVAL]
    us_years = approval.loc[(approval["leadership"] == "United States") & approval["approve"].notna(), "year"]
    us = {int(y): tables.cell(APPROVAL, f"{y}|United States", "approve") for y in us_years}
    fall_year, _ = largest_fall(pd.Series({y: float(v) for y, v in us.items()}))
    turning = traced(fall_year, list(us.values()))
    ranks = {
        claim: kazakhstan_rank(tables, indicator, checked_year(tables, indicator))[0]
        for claim, indicator in RANK_CLAIMS.items()
    }
    return {
        "ds_gallup_first_year": (fieldwork_value(tables, "gallup", end=False), tables.raw(DESIGNS, "gallup", "start")),
        "ds_gallup_last_year": (gallup_last, tables.raw(DESIGNS, "gallup", "end")),
        "ds_cab_first_period": (fieldwork_value(tables, "cab", end=False), tables.raw(DESIGNS, "cab", "start")),
        "ds_cab_last_period": (fieldwork_value(tables, "cab", end=True), tables.raw(DESIGNS, "cab", "end")),
        "ds_eib_year": (fieldwork_value(tables, "eib", end=False), tables.raw(DESIGNS, "eib", "start")),
        # the named cities are only a lower bound on the cities stated: the stated number is read back, transcribed
        "ds_fg_cities": (tables.cell(CLAIMS, "ds_fg_cities", "value"), tables.raw(CLAIMS, "ds_fg_cities", "printed")),
        "ds_turning_point_year": (turning, str(int(turning))),
        **{claim: (rank, fmt.ordinal(rank)) for claim, rank in ranks.items()},
    }
