"""Chapter 99, the replication report: internal-consistency checks of the article's own numbers,
in the spirit of statcheck.

Each check compares what the article states with what its other printed numbers imply:
totals against their parts, nested counts against their parents, shares against their
counts, tables against 100%, p-values against the direction and size of effects, margins of
error against sample sizes, and words such as "overwhelming majority" against the counts they
describe. A check is *consistent*, *inconsistent*, or *questionable* when the printed
rounding or an uncounted category leaves it open.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from kzopinion import data
from kzopinion.analysis import survey

RESULTS = ("consistent", "questionable", "inconsistent")
OVERWHELMING = 0.75  # how this book reads "overwhelming majority": at least three in four


def _row(check: str, stated: str, implied: str, ok: bool | None) -> dict:
    result = "questionable" if ok is None else "consistent" if ok else "inconsistent"
    return {"check": check, "stated": stated, "implied": implied, "result": result}


def focus_group_checks(codes: pd.DataFrame) -> list[dict]:
    """Nested counts within parents; partitioned parents equal the sum of their children."""
    count = dict(zip(codes["code"], codes["count"]))
    rows = []
    for code, parents, n in zip(codes["code"], codes["parent_codes"], codes["count"]):
        for parent in [p.strip() for p in str(parents).split(";") if p.strip()] if isinstance(parents, str) else []:
            rows.append(_row(f"'{code}' within '{parent}'", f"{n}", f"at most {count[parent]}", n <= count[parent]))
    for code, n, partitioned in zip(codes["code"], codes["count"], codes["partitioned"]):
        if partitioned:
            children = codes[
                codes["parent_codes"].fillna("").str.split(";").map(lambda ps, c=code: c in [p.strip() for p in ps])
            ]
            total = int(children["count"].sum())
            parts = " + ".join(str(int(c)) for c in children["count"])
            rows.append(_row(f"'{code}' is the sum of its parts", f"{n}", f"{parts} = {total}", total == n))
    return rows


def table_sum_checks(reasons: pd.DataFrame, relations: pd.DataFrame) -> list[dict]:
    """Printed whole-percent columns sum to 100 within rounding (half a point per row)."""
    rows = []
    for opinion, group in reasons.groupby("opinion", sort=False):
        for column in ["first_answer", "second_answer", "both_answers", "both_excluding_other"]:
            values = group[column].dropna()
            total = int(values.sum())
            slack = 0.5 * len(values)
            rows.append(
                _row(
                    f"Figure 2, {opinion} reasons, column '{column}' sums to 100%",
                    "100%",
                    f"{total}% (rounding allows ±{slack:g})",
                    abs(total - 100) <= slack,
                )
            )
    total = int(relations["percent"].sum())
    rows.append(
        _row("Gallup 2014 relations shares sum to 100%", "100%", f"{total}%", abs(total - 100) <= 0.5 * len(relations))
    )
    return rows


def model_checks(results: pd.DataFrame) -> list[dict]:
    """Reported p-values agree with the reported direction and size of the effects."""
    value = {(o, q): v for o, q, v in zip(results["outcome"], results["quantity"], results["value"])}
    increase = value[("approve_us_leadership", "predicted_probability_favour_increase")]
    decrease = value[("approve_us_leadership", "predicted_probability_favour_decrease")]
    us_change = decrease - increase
    rows = [
        _row(
            "US: 'virtually halves' the probability of approval",
            "about one half",
            f"{decrease:.2f} / {increase:.2f} = {decrease / increase:.2f}",
            0.4 <= decrease / increase <= 0.6,
        ),
        _row(
            "US: a substantial fall is reported as significant (p = .00)",
            "negative and significant",
            f"change {us_change:+.2f}, p = {value[('approve_us_leadership', 'p_value')]:.2f}",
            us_change < 0 and value[("approve_us_leadership", "p_value")] < 0.05,
        ),
        _row(
            "Russia: a negligible change is reported as non-significant (p = .62)",
            "negligible, not significant",
            f"change {value[('approve_russia_leadership', 'change_increase_to_decrease')]:+.2f}, "
            f"p = {value[('approve_russia_leadership', 'p_value')]:.2f}",
            abs(value[("approve_russia_leadership", "change_increase_to_decrease")]) < 0.05
            and value[("approve_russia_leadership", "p_value")] >= 0.05,
        ),
    ]
    return rows


def focus_group_design_checks(claims: pd.DataFrame, designs: pd.DataFrame, cities: pd.DataFrame) -> list[dict]:
    """The focus groups' total against their stated sizes, cities and sex balance."""
    value = dict(zip(claims["id"], claims["value"]))
    total = int(designs.set_index("source_id").at["focus_groups", "n_per_wave"])
    smallest, largest = int(value["ds_fg_min_size"]), int(value["ds_fg_max_size"])
    fewest, most = math.ceil(total / largest), total // smallest
    bilingual = int(cities["languages"].str.contains(";").sum())
    one_per_language = len(cities) + bilingual
    return [
        _row(
            "Focus groups: each balanced by sex, so the total must be even",
            f"{total} participants",
            f"{total} is {'even' if total % 2 == 0 else 'odd'}: {total} cannot be split into equal numbers of men "
            "and women"
            if total % 2
            else f"{total} splits evenly",
            total % 2 == 0,
        ),
        _row(
            "Focus groups: groups of 8 to 10 making up the total",
            f"{smallest}-{largest} per group, {total} in all",
            f"between {fewest} and {most} groups; one group per language in the {len(cities)} named cities gives "
            f"{one_per_language}, within that range",
            fewest <= one_per_language <= most,
        ),
    ]


def margin_checks(designs: pd.DataFrame) -> list[dict]:
    """A reported margin of error below the simple-random-sampling margin implies a design effect below 1.

    Clustered, weighted surveys have design effects of 1 or more; a margin printed as a whole
    number may hide up to half a point, so a printed margin that needs rounding to pass is questionable.
    """
    rows = []
    for row in designs[designs["moe_low"].notna()].itertuples(index=False):
        printed = float(row.moe_low)
        half_unit = 0.5 if printed == int(printed) else 0.05
        deff = survey.implied_design_effect(printed / 100, row.n_per_wave)
        deff_top = survey.implied_design_effect((printed + half_unit) / 100, row.n_per_wave)
        srs = 100 * survey.margin_of_error(0.5, row.n_per_wave)
        verdict = True if deff >= 1 else (None if deff_top >= 1 else False)
        rows.append(
            _row(
                f"{row.source}: lowest margin against the sample size",
                f"{printed:g} points with n = {int(row.n_per_wave):,}",
                f"simple random sampling alone gives {srs:.2f} points, so the design "
                f"effect would be {deff:.2f} ({deff_top:.2f} at the top of the printed rounding)",
                verdict,
            )
        )
    return rows


def majority_checks(codes: pd.DataFrame) -> list[dict]:
    """'Overwhelming majority' (read as at least three in four) against the counts it describes."""
    count = dict(zip(codes["code"], codes["count"]))
    condemned, discussed = count["fp_negative"], count["fp_negative"] + count["fp_mixed"] + count["fp_positive"]
    resources, critics = count["fp_resources_and_sovereignty"], count["fp_sovereignty_combined"]
    return [
        _row(
            "'The overwhelming majority (38/49)' condemned US interventionism",
            "overwhelming majority",
            f"{condemned} of {discussed} = {condemned / discussed:.0%}",
            condemned / discussed >= OVERWHELMING,
        ),
        _row(
            "'The overwhelming majority of critics' blamed resources or other economic motives",
            "overwhelming majority",
            f"resources: {resources} of the {critics} sovereignty critics = {resources / critics:.0%}; "
            "the 'other economic benefit' critics are not counted",
            True if resources / critics >= OVERWHELMING else None,
        ),
    ]


def city_check(claims: pd.DataFrame, cities: pd.DataFrame) -> list[dict]:
    """The number of focus-group cities stated against the cities the article names."""
    stated = int(dict(zip(claims["id"], claims["value"]))["ds_fg_cities"])
    return [
        _row(
            "Focus groups: cities stated against cities named",
            f"{stated} cities",
            f"{len(cities)} cities named",
            stated == len(cities),
        )
    ]


def share_checks(claims: pd.DataFrame, codes: pd.DataFrame) -> list[dict]:
    """Stated shares recompute from their counts; complementary shares sum to 100."""
    count = dict(zip(codes["code"], codes["count"]))
    value = dict(zip(claims["id"], claims["value"]))
    discussed = count["fp_negative"] + count["fp_mixed"] + count["fp_positive"]
    return [
        _row(
            "38/49: the base is everyone who discussed US international behaviour",
            "49",
            f"{count['fp_negative']} + {count['fp_mixed']} + {count['fp_positive']} = {discussed}",
            discussed == 49,
        ),
        _row(
            "Positive reasons: development and international shares sum to 100%",
            "100%",
            f"{value['fp_positive_development_share']:g}% + {value['fp_positive_international_share']:g}%",
            value["fp_positive_development_share"] + value["fp_positive_international_share"] == 100,
        ),
        _row(
            "Negative reasons: international and domestic shares sum to 100%",
            "100%",
            f"{value['fp_negative_international_share']:g}% + {value['fp_negative_domestic_share']:g}%",
            value["fp_negative_international_share"] + value["fp_negative_domestic_share"] == 100,
        ),
        _row(
            "Ties: rejecting, supporting and economic-only positions fit within the 93",
            "at most 93",
            f"{count['ties_reject']} + {count['ties_support']} + {count['ties_economic_only']}",
            count["ties_reject"] + count["ties_support"] + count["ties_economic_only"] <= 93,
        ),
    ]


def run(root: Path | None = None) -> pd.DataFrame:
    """Every check, one row each: check, stated, implied, result."""
    codes = data.load("focus_group_codes", root)
    claims, cities = data.load("claims", root), data.load("focus_group_cities", root)
    designs = data.load("survey_designs", root)
    rows = (
        focus_group_checks(codes)
        + table_sum_checks(data.load("figure2_reasons", root), data.load("gallup_relations_2014", root))
        + model_checks(data.load("immigration_model_results", root))
        + share_checks(claims, codes)
        + city_check(claims, cities)
        + focus_group_design_checks(claims, designs, cities)
        + margin_checks(designs)
        + majority_checks(codes)
    )
    return pd.DataFrame(rows)
