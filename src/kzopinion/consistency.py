"""Internal-consistency checks of the article's own numbers, in the spirit of statcheck.

Each check compares what the article states with what its other printed numbers imply:
totals against their parts, nested counts against their parents, shares against their
counts, tables against 100%, and p-values against the direction and size of effects.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kzopinion import data


def _row(check: str, stated: str, implied: str, ok: bool) -> dict:
    return {"check": check, "stated": stated, "implied": implied, "result": "consistent" if ok else "inconsistent"}


def focus_group_checks(codes: pd.DataFrame) -> list[dict]:
    """Nested counts within parents; partitioned parents equal the sum of their children."""
    count = dict(zip(codes["code"], codes["count"]))
    rows = []
    for code, parents, n in zip(codes["code"], codes["parent_codes"], codes["count"]):
        for parent in [p.strip() for p in str(parents).split(";") if p.strip()] if isinstance(parents, str) else []:
            rows.append(_row(f"'{code}' within '{parent}'", f"{n}", f"at most {count[parent]}", n <= count[parent]))
    for code, n, partitioned in zip(codes["code"], codes["count"], codes["partitioned"]):
        if partitioned:
            children = codes[codes["parent_codes"].fillna("").str.split(";").map(
                lambda ps: code in [p.strip() for p in ps])]
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
            rows.append(_row(f"Figure 2, {opinion} reasons, column '{column}' sums to 100%", "100%",
                             f"{total}% (rounding allows ±{slack:g})", abs(total - 100) <= slack))
    total = int(relations["percent"].sum())
    rows.append(_row("Gallup 2014 relations shares sum to 100%", "100%", f"{total}%",
                     abs(total - 100) <= 0.5 * len(relations)))
    return rows


def model_checks(results: pd.DataFrame) -> list[dict]:
    """Reported p-values agree with the reported direction and size of the effects."""
    value = {(o, q): v for o, q, v in zip(results["outcome"], results["quantity"], results["value"])}
    us_change = value[("approve_us_leadership", "predicted_probability_favour_decrease")] - \
        value[("approve_us_leadership", "predicted_probability_favour_increase")]
    rows = [
        _row("US: 'virtually halves' the probability of approval", "about one half",
             f"{value[('approve_us_leadership', 'predicted_probability_favour_decrease')]:.2f} / "
             f"{value[('approve_us_leadership', 'predicted_probability_favour_increase')]:.2f} = "
             f"{value[('approve_us_leadership', 'predicted_probability_favour_decrease')] / value[('approve_us_leadership', 'predicted_probability_favour_increase')]:.2f}",
             0.4 <= value[("approve_us_leadership", "predicted_probability_favour_decrease")]
             / value[("approve_us_leadership", "predicted_probability_favour_increase")] <= 0.6),
        _row("US: a substantial fall is reported as significant (p = .00)", "negative and significant",
             f"change {us_change:+.2f}, p = {value[('approve_us_leadership', 'p_value')]:.2f}",
             us_change < 0 and value[("approve_us_leadership", "p_value")] < 0.05),
        _row("Russia: a negligible change is reported as non-significant (p = .62)", "negligible, not significant",
             f"change {value[('approve_russia_leadership', 'change_increase_to_decrease')]:+.2f}, "
             f"p = {value[('approve_russia_leadership', 'p_value')]:.2f}",
             abs(value[("approve_russia_leadership", "change_increase_to_decrease")]) < 0.05
             and value[("approve_russia_leadership", "p_value")] >= 0.05),
    ]
    return rows


def city_check(claims: pd.DataFrame, cities: pd.DataFrame) -> list[dict]:
    """The number of focus-group cities stated against the cities the article names."""
    stated = int(dict(zip(claims["id"], claims["value"]))["ds_fg_cities"])
    return [_row("Focus groups: cities stated against cities named", f"{stated} cities",
                 f"{len(cities)} cities named", stated == len(cities))]


def share_checks(claims: pd.DataFrame, codes: pd.DataFrame) -> list[dict]:
    """Stated shares recompute from their counts; complementary shares sum to 100."""
    count = dict(zip(codes["code"], codes["count"]))
    value = dict(zip(claims["id"], claims["value"]))
    discussed = count["fp_negative"] + count["fp_mixed"] + count["fp_positive"]
    return [
        _row("38/49: the base is everyone who discussed US international behaviour", "49",
             f"{count['fp_negative']} + {count['fp_mixed']} + {count['fp_positive']} = {discussed}", discussed == 49),
        _row("Positive reasons: development and international shares sum to 100%", "100%",
             f"{value['fp_positive_development_share']:g}% + {value['fp_positive_international_share']:g}%",
             value["fp_positive_development_share"] + value["fp_positive_international_share"] == 100),
        _row("Negative reasons: international and domestic shares sum to 100%", "100%",
             f"{value['fp_negative_international_share']:g}% + {value['fp_negative_domestic_share']:g}%",
             value["fp_negative_international_share"] + value["fp_negative_domestic_share"] == 100),
        _row("Ties: rejecting, supporting and economic-only positions fit within the 93", "at most 93",
             f"{count['ties_reject']} + {count['ties_support']} + {count['ties_economic_only']}",
             count["ties_reject"] + count["ties_support"] + count["ties_economic_only"] <= 93),
    ]


def run(root: Path | None = None) -> pd.DataFrame:
    """Every check, one row each: check, stated, implied, result."""
    codes = data.load("focus_group_codes", root)
    rows = (focus_group_checks(codes)
            + table_sum_checks(data.load("figure2_reasons", root), data.load("gallup_relations_2014", root))
            + model_checks(data.load("immigration_model_results", root))
            + share_checks(data.load("claims", root), codes)
            + city_check(data.load("claims", root), data.load("focus_group_cities", root)))
    return pd.DataFrame(rows)
