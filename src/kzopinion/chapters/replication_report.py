"""Chapter 99, the replication report: internal-consistency checks of the article's own numbers,
in the spirit of statcheck.

Each check compares what the article states with what its other printed numbers imply:
totals against their parts, nested counts against their parents, shares against their
counts, tables against 100%, p-values against the direction and size of effects, margins of
error against sample sizes, and words such as "overwhelming majority" against the counts they
describe. A check is *consistent*, *inconsistent*, or *questionable* when the printed
rounding or an uncounted category leaves it open; a verbal summary whose verdict changes within the
rounding of the numbers it summarises is *borderline*.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from kzopinion import data
from kzopinion import formatting as fmt
from kzopinion.analysis import survey
from kzopinion.data.provenance import Tables, Traced, total

RESULTS = (
    "consistent",
    "borderline",
    "depends on the reading",
    "questionable",
    "inconsistent",
    "unquantified",
    "numbers not held",
)
# Results that judge no numbers: the article gives none, or gives them where this edition does not hold them
UNJUDGED = ("unquantified", "numbers not held")
READINGS = "quantifier_readings"
OWN = "the edition's own reading"
# Where a summary's threshold comes from (word_checks' threshold_from): a published reading, or the edition's own
PUBLISHED_FROM, OWN_FROM = "published", "own"


def _row(check: str, stated: str, implied: str, ok: bool | None) -> dict:
    result = "questionable" if ok is None else "consistent" if ok else "inconsistent"
    return {"check": check, "stated": stated, "implied": implied, "result": result}


def focus_group_checks(codes: pd.DataFrame, claim_cells: pd.DataFrame | None = None) -> list[dict]:
    """Nested counts within parents; partitioned parents equal the sum of their children.

    A partition whose part holds the total's own words (declared ``transcribes`` in ``claim_cells``), or whose part
    the article defines as the remainder (``remainder``), is an identity, no check at all, and is left out.
    """
    count = dict(zip(codes["code"], codes["count"]))
    declared = claim_cells if claim_cells is not None else pd.DataFrame(columns=["key", "relation"])
    declared = declared[declared["table"] == "focus_group_codes"] if len(declared) else declared
    echoes = set(declared.loc[declared["relation"] == "transcribes", "key"])
    remainders = set(declared.loc[declared["relation"] == "remainder", "key"])
    rows = []
    for code, parents, n in zip(codes["code"], codes["parent_codes"], codes["count"]):
        for parent in [p.strip() for p in str(parents).split(";") if p.strip()] if isinstance(parents, str) else []:
            rows.append(_row(f"'{code}' within '{parent}'", f"{n}", f"at most {count[parent]}", n <= count[parent]))
    for code, n, partitioned in zip(codes["code"], codes["count"], codes["partitioned"]):
        if partitioned:
            children = codes[
                codes["parent_codes"].fillna("").str.split(";").map(lambda ps, c=code: c in [p.strip() for p in ps])
            ]
            if set(children["code"]) & (echoes | remainders):
                continue
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
    # "virtually halves" is words, judged once, in the words table (ws_virtually_halves)
    rows = [
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
    """The focus groups' total against their stated sizes, cities and sex balance.

    The article never says how many groups there were. If the named cities were all of them (one group
    per language), the total fits the sizes; if there were as many cities as it states, with the bilingual
    cities again holding a group in each language, the smallest groups already exceed the total. The
    check is questionable, with that assumption stated.
    """
    value = dict(zip(claims["id"], claims["value"]))
    total = int(designs.set_index("source_id").at["focus_groups", "n_per_wave"])
    smallest, largest = int(value["ds_fg_min_size"]), int(value["ds_fg_max_size"])
    stated_cities = int(value["ds_fg_cities"])
    fewest, most = math.ceil(total / largest), total // smallest
    bilingual = int(cities["languages"].str.contains(";").sum())
    named_groups = len(cities) + bilingual
    stated_groups = stated_cities + bilingual
    named_fits = fewest <= named_groups <= most
    stated_fits = fewest <= stated_groups <= most
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
            f"{smallest}-{largest} per group, {total} in all; the number of groups is not stated",
            f"between {fewest} and {most} groups fit. Assuming the {len(cities)} named cities were all, with a group "
            f"per language: {named_groups} groups, {'within' if named_fits else 'outside'} that range. With the "
            f"{stated_cities} cities stated and the same bilingual groups: at least {stated_groups} groups of "
            f"{smallest} or more, so at least {stated_groups * smallest} people, "
            f"{'within' if stated_fits else 'more than'} the {total}",
            True if named_fits and stated_fits else (None if named_fits or stated_fits else False),
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


def city_check(claims: pd.DataFrame, cities: pd.DataFrame) -> list[dict]:
    """The number of focus-group cities stated against the cities the article names: the named cities are a lower
    bound on the stated number (the article need not name every city), so only naming more than it states would
    contradict it."""
    stated = int(dict(zip(claims["id"], claims["value"]))["ds_fg_cities"])
    named = len(cities)
    return [
        _row(
            "Focus groups: cities named are a lower bound on the cities stated",
            f"{stated} cities",
            f"{named} cities named, so at least {named}"
            + (f"; the other {stated - named} are not named" if stated > named else ""),
            named <= stated,
        )
    ]


def share_checks(claims: pd.DataFrame, codes: pd.DataFrame) -> list[dict]:
    """Complementary shares sum to 100; the positions on ties fit within the participants."""
    count = dict(zip(codes["code"], codes["count"]))
    value = dict(zip(claims["id"], claims["value"]))
    participants = int(value["ds_fg_participants"])
    ties = count["ties_reject"] + count["ties_support"] + count["ties_economic_only"]
    return [
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
            f"Ties: rejecting, supporting and economic-only positions fit within the {participants}",
            f"at most {participants}",
            f"{count['ties_reject']} + {count['ties_support']} + {count['ties_economic_only']} = {ties}",
            ties <= participants,
        ),
    ]


def run(root: Path | None = None) -> pd.DataFrame:
    """Every check, one row each: check, stated, implied, result."""
    codes = data.load("focus_group_codes", root)
    claims, cities = data.load("claims", root), data.load("focus_group_cities", root)
    designs = data.load("survey_designs", root)
    results, reasons = data.load("immigration_model_results", root), data.load("figure2_reasons", root)
    rows = (
        focus_group_checks(codes, data.load("claim_cells", root))
        + table_sum_checks(reasons, data.load("gallup_relations_2014", root))
        + model_checks(results)
        + share_checks(claims, codes)
        + city_check(claims, cities)
        + focus_group_design_checks(claims, designs, cities)
        + margin_checks(designs)
        + cross_reference_checks(Tables(root))
        + impossible_value_checks(results, claims, reasons, codes)
    )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ the article's words against its numbers

SUMMARIES, CROSS_REFERENCES = "verbal_summaries", "cross_references"
# Words that summarise counts; every hit in the article is a row of verbal_summaries (a summary, or not one with
# the reason). Declared here so that a test can search the article for them.
VOCABULARY = re.compile(
    r"\b(most|mostly|majority|overwhelming(?:ly)?|many|handful|widely|widespread|unambiguous(?:ly)?|forced|"
    r"unanimous|several|few|rarely|frequent(?:ly)?|often|by far|far more|minority|hardly any|plenty|vast|"
    r"little to no|broad|greatly|substantially|largely|marginally|virtually|highly|deeply|large number|numerous|"
    r"an array of|occasionally|the one|no significant|more commonly|smaller number|primary|more saw|major cause|"
    r"minor or nonexistent|generally|sometimes|not a single|in large part|much of|"
    # a comparison between two quantities: "more ... than", "less ... than", "fewer ... than" within a clause
    r"(?:more|less|fewer)\b[^.;:]{0,80}?\bthan)\b",
    re.IGNORECASE,
)
CROSS_REFERENCE = re.compile(
    r"\b(above|aforementioned|abovementioned|as (?:noted|mentioned|discussed|shown) (?:earlier|before|previously))\b",
    re.IGNORECASE,
)
_CELL = re.compile(r"^\s*([a-z0-9_]+)\[(.*)\]\.([a-z0-9_]+)\s*$")
RULES = {
    ">": lambda v, t, tol: v > t,
    ">=": lambda v, t, tol: v >= t,
    "<": lambda v, t, tol: v < t,
    "<=": lambda v, t, tol: v <= t,
    "~": lambda v, t, tol: abs(v - t) <= tol,
}


def cells_value(tables: Tables, expression: str) -> Traced:
    """The sum of the cells ``expression`` names (``table[key].column + ...``), as a traced number."""
    cells = []
    for term in expression.split(" + "):
        match = _CELL.match(term)
        if not match:
            raise ValueError(f"data/coding/verbal_summaries.csv: '{term}' does not name a cell as table[key].column")
        cells.append(tables.cell(*match.groups()))
    return total(cells)


def half_unit(tables: Tables, name: str, key: str, column: str) -> float:
    """Half a unit of the last digit a rounded cell is printed with (:meth:`Tables.half_unit`)."""
    return tables.half_unit(name, key, column)


def rounding_range(tables: Tables, expression: str) -> tuple[float, float]:
    """The lowest and highest true value the cells summed in ``expression`` allow, given their printed rounding."""
    low = high = 0.0
    for term in expression.split(" + "):
        name, key, column = _CELL.match(term).groups()
        value, slack = float(tables.cell(name, key, column)), half_unit(tables, name, key, column)
        low, high = low + value - slack, high + value + slack
    return low, high


def _as_printed(tables: Tables, number: Traced) -> str:
    """A number as the article prints it when it is one claim's value ('83%', '44th'), plain otherwise."""
    if len(number.cells) == 1:
        (cell,) = number.cells
        if cell.table == "claims":
            return str(tables.raw("claims", cell.key, "printed"))
    return fmt.as_printed(number)


def _is_share(row, rule: str, threshold: float) -> bool:
    """A part of a whole (threshold below 1); a threshold of 1 compares two counts ("more than the next")."""
    return isinstance(row.denominator, str) and row.denominator != "" and threshold < 1 and rule != "~"


def threshold_from_means(mean: float, weaker_mean: float) -> float:
    """The rule that turns published mean readings into a threshold: the midpoint between the word's mean reading
    and the mean reading of the next weaker word on the same scale (the point from which the word is the likelier
    reading of the two)."""
    if not weaker_mean < mean:
        raise ValueError(f"a weaker word's mean ({weaker_mean}) must lie below the word's own ({mean})")
    return (mean + weaker_mean) / 2


def sourced_reading(tables: Tables, key: str) -> dict | None:
    """The verified published reading ``key`` names in quantifier_readings, as ``{rule, share, source}``, or None
    when the reading is missing (the threshold is then the edition's own). A bound is used as it stands; a mean
    by :func:`threshold_from_means` against the weaker word's mean, which must be verified too."""
    readings = tables[READINGS].set_index("key")
    if key not in readings.index or readings.at[key, "status"] != "verified":
        return None
    row = readings.loc[key]
    source = next(s for s in data.resource(READINGS, tables.root)["sources"] if s["id"] == row["source_id"])
    if row["reading"] == "bound":
        return {"rule": row["comparison"], "share": float(row["share"]), "source": source["short"]}
    if row["reading"] == "superlative":  # greatest in number: the count against the next one, a ratio above 1
        return {"rule": ">", "share": 1.0, "source": source["short"], "ratio": True}
    weaker = sourced_reading(tables, row["weaker"]) if isinstance(row["weaker"], str) else None
    if weaker is None:
        return None
    return {
        "rule": ">=",
        "share": threshold_from_means(float(row["share"]), weaker["share"]),
        "source": source["short"],
    }


def _percent(tables: Tables, expression: str) -> bool:
    """Whether every cell of ``expression`` is a percentage (a claim in percent, or a field whose unit is)."""
    for term in expression.split(" + "):
        name, key, column = _CELL.match(term).groups()
        if name == "claims":
            if tables.raw("claims", key, "unit") != "percent":
                return False
            continue
        field = next(f for f in data.resource(name, tables.root)["schema"]["fields"] if f["name"] == column)
        if field.get("unit") != "percent":
            return False
    return True


def row_threshold(tables: Tables, row) -> tuple[str, float, str]:
    """``(rule, threshold, whose)`` of a summary: read from its verified published reading where one exists (a
    share, in percent where the row compares a percentage with no base), else the edition's own typed one."""
    sourced = sourced_reading(tables, row.quantifier_reading) if isinstance(row.quantifier_reading, str) else None
    if sourced is None:
        if not isinstance(row.rule, str) or pd.isna(row.threshold):
            raise ValueError(
                f"data/coding/verbal_summaries.csv, row {row.id}: reading '{row.quantifier_reading}' has no verified "
                "published number and the row types no rule and threshold; type the edition's own reading"
            )
        return row.rule, float(row.threshold), OWN
    has_base = isinstance(row.denominator, str) and row.denominator != ""
    if sourced.get("ratio"):
        if not has_base:
            raise ValueError(
                f"data/coding/verbal_summaries.csv, row {row.id}: reading '{row.quantifier_reading}' compares a count "
                "with the next one, but the row gives no next count; name it in 'denominator'"
            )
        return sourced["rule"], sourced["share"], sourced["source"]
    if not has_base and not _percent(tables, row.numerator):
        raise ValueError(
            f"data/coding/verbal_summaries.csv, row {row.id}: reading '{row.quantifier_reading}' is a share, but the "
            "row compares neither a part with a base nor a percentage; give the row its base (denominator)"
        )
    return sourced["rule"], sourced["share"] * (1 if has_base else 100), sourced["source"]


def _reading(
    tables: Tables, row, numerator_expression: str, denominator_expression: str, rule: str, threshold: float
) -> tuple[str, str]:
    """(numbers as the reader sees them, result) of one summary under one reading of its base."""
    numerator = cells_value(tables, numerator_expression)
    denominator = cells_value(tables, denominator_expression) if denominator_expression else None
    value = float(numerator) / float(denominator) if denominator is not None else float(numerator)
    low, high = rounding_range(tables, numerator_expression)
    if denominator is not None:
        bottom, top = rounding_range(tables, denominator_expression)
        low, high = low / top, high / bottom if bottom > 0 else math.inf
    shown = [_as_printed(tables, n) for n in (numerator, denominator) if n is not None]
    if _is_share(row, rule, threshold):
        numbers = f"{fmt.count_of(numerator, denominator)} = {fmt.percent(value)}"
    elif denominator is not None:
        numbers = f"{shown[0]} against {shown[1]}: a ratio of {fmt.decimal(value)}"
        if high > low:
            numbers += f" ({fmt.decimal(low, 3)} to {fmt.decimal(high, 3)} within their rounding)"
    else:
        numbers = shown[0]
    tolerance = float(row.tolerance) if pd.notna(row.tolerance) else 0.0
    satisfies = RULES[rule]
    # every rule is monotone, or an interval (~), in the value: its verdict over the range is that of its ends
    verdicts = {satisfies(v, threshold, tolerance) for v in (value, low, high)}
    holds = satisfies(value, threshold, tolerance)
    uncounted = isinstance(row.uncounted, str) and row.uncounted != ""
    if len(verdicts) > 1:
        return numbers, "borderline"
    if row.unit_words != row.unit_numbers:  # words about one unit, numbers about another: no verdict either way
        return numbers, "questionable"
    if not holds:
        return numbers, "questionable" if uncounted else "inconsistent"
    return numbers, "consistent"


def other_readings(row) -> list[tuple[str, str, str]]:
    """``(label, numerator, denominator)`` of each other defensible reading the row declares (``other_readings``:
    ``label=BASE`` entries joined by ``; ``, each BASE cells as ``table[key].column + ...``; an entry
    ``label=COUNT over BASE`` reads other counted cells too, for words whose count the article leaves open)."""
    declared = row.other_readings if isinstance(row.other_readings, str) else ""
    out = []
    for entry in declared.split(";"):
        if not entry.strip():
            continue
        label, cells = (part.strip() for part in entry.split("=", 1))
        numerator, _, denominator = cells.rpartition(" over ")
        out.append((label, numerator.strip() or row.numerator, denominator.strip()))
    return out


def word_checks(tables: Tables) -> pd.DataFrame:
    """Every verbal summary of counts in the article against the numbers it summarises, one row each.

    Columns: id, line, words, quantifier, numbers (the counts or shares under the row's own reading, glued from the
    cells), readings (the verdict under each other defensible base the row declares), threshold (the rule with
    its rationale), units (of the words and of the numbers), result and note. Under one reading a summary is
    *consistent* when its numbers satisfy the quantifier's threshold, *inconsistent* when they do not,
    *borderline* when the verdict changes within the printed rounding, *questionable* when the words count another
    unit than the numbers (people against reasons), either way, or the threshold fails only for want of a category
    the text does not count. The result is that verdict when every reading gives it, *depends on the reading* when
    they differ, *unquantified* when the article gives no number for the words, and *numbers not held* when it
    gives them where this edition does not hold them (``numbers_elsewhere``: a figure whose values did not
    survive, an index). threshold_from says whether the threshold is a published reading of the word or the
    edition's own, and verdict is the result as the reader sees it (one at the edition's own reading says so).
    """
    rows = []
    for row in tables[SUMMARIES].itertuples(index=False):
        if not row.summary:
            continue
        units_match = row.unit_words == row.unit_numbers
        units = row.unit_words if units_match else f"words: {row.unit_words}; numbers: {row.unit_numbers}"
        base = {
            "id": row.id,
            "line": int(row.line),
            "section": row.article_section,
            "words": f"“{row.words}”",
            "quantifier": str(row.quantifier).strip().lower(),
            "threshold": row.threshold_rationale,
            "units": units,
            "readings": "",
            "threshold_from": "",
        }
        if not isinstance(row.numerator, str) or not row.numerator:
            elsewhere = row.numbers_elsewhere if isinstance(row.numbers_elsewhere, str) else ""
            shown, result = (
                (f"not held: {elsewhere}", "numbers not held") if elsewhere else ("none given", "unquantified")
            )
            rows.append({**base, "numbers": shown, "result": result, "note": row.note})
            continue
        own = row.denominator if isinstance(row.denominator, str) else ""
        comparison, threshold, whose = row_threshold(tables, row)
        rule = f"{comparison} {threshold:g}"
        numbers, result = _reading(tables, row, row.numerator, own, comparison, threshold)
        results = {result}
        readings = []
        for label, numerator, denominator in other_readings(row):
            shown, verdict = _reading(tables, row, numerator, denominator, comparison, threshold)
            results.add(verdict)
            readings.append(f"{label}: {shown}, {verdict}")
        uncounted = isinstance(row.uncounted, str) and row.uncounted != ""
        notes = [n for n in (row.uncounted if uncounted else "", row.note if isinstance(row.note, str) else "") if n]
        label = row.reading if isinstance(row.reading, str) and row.reading else ""
        rows.append(
            {
                **base,
                "numbers": f"{label}: {numbers}, {result}" if label and readings else numbers,
                "readings": "; ".join(readings),
                "threshold": f"{row.threshold_rationale}; {whose} ({rule})",
                "threshold_from": OWN_FROM if whose == OWN else PUBLISHED_FROM,
                "result": result if len(results) == 1 else "depends on the reading",
                "note": "; ".join(notes),
            }
        )
    columns = [
        "id",
        "line",
        "section",
        "words",
        "quantifier",
        "numbers",
        "readings",
        "threshold",
        "units",
        "threshold_from",
        "result",
        "verdict",
        "note",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.assign(verdict=[_verdict(r) for r in frame.itertuples(index=False)])


def _verdict(row) -> str:
    """A summary's result as the reader should take it: a verdict at this edition's own reading of the word says
    so, for it is no finding about the article (no published number for the word was found)."""
    if row.threshold_from == OWN_FROM:
        return f"{row.result} at this edition's own reading of the word"
    return row.result


def cross_reference_checks(tables: Tables) -> list[dict]:
    """Each 'as mentioned above' of the article against an earlier passage that says it (its section, or none)."""
    rows = []
    for row in tables[CROSS_REFERENCES].itertuples(index=False):
        found = pd.notna(row.antecedent_line)
        rows.append(
            _row(
                f"In “{row.article_section}”: “{row.words}” refers back",
                "an earlier statement",
                f"in “{row.antecedent_section}”: {row.rationale}" if found else f"none: {row.rationale}",
                found,
            )
        )
    return rows


def impossible_value_checks(
    results: pd.DataFrame, claims: pd.DataFrame, reasons: pd.DataFrame, codes: pd.DataFrame
) -> list[dict]:
    """Printed values that cannot be: a p-value of zero, a share over 100% or below 0, a count above its base."""
    rows = []
    p_values = results[results["quantity"] == "p_value"]
    for outcome, p in zip(p_values["outcome"], p_values["value"]):
        rows.append(
            _row(
                f"{outcome}: a p-value is never zero",
                f"p = {float(p):.2f}".replace("0.", "."),
                "a p-value below .005 prints as p < .005, not .00" if p == 0 else "positive",
                p > 0,
            )
        )
    shares = list(claims.loc[claims["unit"] == "percent", "value"]) + [
        v
        for column in ["first_answer", "second_answer", "both_answers", "both_excluding_other"]
        for v in reasons[column].dropna()
    ]
    over = [v for v in shares if not 0 <= v <= 100]
    rows.append(
        _row(
            "No printed share lies outside 0-100%",
            f"{len(shares)} shares",
            f"{len(over)} outside" + (f": {over}" if over else ""),
            not over,
        )
    )
    above = codes[codes["count"] > codes["base"]]
    rows.append(
        _row(
            "No focus-group count exceeds its base",
            f"{len(codes)} counts",
            f"{len(above)} above their base" + (f": {', '.join(above['code'])}" if len(above) else ""),
            above.empty,
        )
    )
    return rows


def findings(words: pd.DataFrame) -> pd.DataFrame:
    """One row per finding: a phrase the article repeats (the same quantifier over the same numbers, under the same
    readings) is one. A summary with no number is its own finding unless its very words recur: two unquantified
    summaries share no numbers that could make them one."""
    quantified = ~words["result"].isin(UNJUDGED)
    words_key = words["words"].str.lower().str.split().str.join(" ")
    key = words["quantifier"] + "|" + words["numbers"] + "|" + words["readings"]
    return words[~key.where(quantified, "none|" + words_key).duplicated()]


def claims_summary(
    total_claims: int, count: dict[str, int], partial: dict[str, int], independent: dict[str, int]
) -> str:
    """The ledger in one clause: how many claims are checked against other data (recomputed or confirmed, how many
    only on part of their waves or years), the independent checks they rest on, and the other statuses. The counts
    are the ledger's (``ledger.counts``, ``partial_counts`` and ``check_counts``)."""
    checked = count["recomputed"] + count["confirmed"]
    return (
        f"{fmt.count_of(checked, total_claims)} of the article's numbers are checked against other data "
        f"({fmt.count(count['recomputed'])} recomputed from its other numbers, {fmt.count(count['confirmed'])} "
        f"confirmed by an independent source, {fmt.count(partial['recomputed'] + partial['confirmed'])} of them "
        f"on part of the waves or years), resting on "
        f"{fmt.count(independent['recomputed'] + independent['confirmed'])} independent checks; "
        f"{fmt.count(count['transcribed'])} are transcribed, the book's value differs for "
        f"{fmt.count(count['differs'])}, {fmt.count(count['reported-only'])} need respondent-level data "
        f"and {fmt.count(count['not-yet'])} are not computed yet"
    )


def words_summary(words: pd.DataFrame, detail: bool = False) -> str:
    """The words-against-numbers verdicts in one clause, counted by findings. A verdict is headlined only where
    the word's threshold is a published reading and every reading of the base agrees; a verdict at this edition's
    own reading of the word is counted apart, as no verdict on the article. ``detail`` gives every count (the
    report's own page); without it, the clause the landing page and the conclusion paste."""
    published, own = word_verdicts(words), word_verdicts(words, OWN_FROM)
    judged = sum(n for result, n in published.items() if result not in UNJUDGED)
    head = (
        f"of its {fmt.count(len(words))} verbal summaries of counts ({fmt.count(len(findings(words)))} findings, a "
        "repeated phrase counted once), "
    )
    if not detail:
        unjudged = sum(published[result] for result in UNJUDGED)
        return head + (
            f"{fmt.count(judged)} can be judged at a published reading of the word they use "
            f"({_verdict_counts(published, spelt_out=False)}); the other {fmt.count(sum(own.values()))} rest on this "
            f"edition's own reading of their word and are not counted as verdicts on the article, and "
            f"{fmt.count(unjudged)} give no number this edition holds"
        )
    return head + (
        f"{fmt.count(published['unquantified'])} give no number for their words, "
        f"{fmt.count(published['numbers not held'])} summarise numbers this edition does not hold, and "
        f"{fmt.count(judged)} can be judged at a published reading of the word they use: "
        f"{_verdict_counts(published)}; the other {fmt.count(sum(own.values()))} rest on this edition's own reading "
        f"of their word, for want of a published number, and are not counted as verdicts on the article (at that "
        f"reading, {_verdict_counts(own, spelt_out=False)})"
    )


def _verdict_counts(verdicts: dict[str, int], spelt_out: bool = True) -> str:
    """The counts of each verdict in words; ``spelt_out`` says what each verdict means (once per sentence)."""
    words = (
        ("consistent", " with the numbers under every reading of their base"),
        ("inconsistent", " under every reading"),
        ("depends on the reading", ""),
        ("borderline", " within the printed rounding"),
        ("questionable", ""),
    )
    parts = [
        f"{fmt.count(verdicts[result])} "
        + ("depending on the reading" if result == "depends on the reading" else result)
        + (meaning if spelt_out else "")
        for result, meaning in words
    ]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}"


def thresholds_sentence(tables: Tables, words: pd.DataFrame) -> str:
    """Whose thresholds the words' verdicts use, in one clause: the published readings the findings are judged at
    (naming the words and sources), and the published readings that were sought for the other words but could
    not be verified."""
    judged = findings(words)
    published = judged[judged["threshold_from"] == PUBLISHED_FROM]
    readings = tables[READINGS]
    sources = {s["id"]: s["short"] for s in data.resource(READINGS, tables.root)["sources"]}
    keys = set(tables[SUMMARIES].set_index("id").loc[published["id"], "quantifier_reading"])
    used = readings[readings["key"].isin(keys)]
    named = "; ".join(f"'{w}' at {sources[s]}" for w, s in zip(used["words"], used["source_id"]))
    verified = set(readings.loc[readings["status"] == "verified", "source_id"])
    missing = readings.loc[readings["status"] == "missing", "source_id"].dropna()
    sought = sorted({sources[s] for s in missing if s not in verified})
    clause = f"the published readings are {named}; for the other words no published number could be read and verified"
    if sought:
        clause += f" ({' and '.join(sought)} were sought; quantifier_readings.csv records each word and what was found)"
    return clause


def word_verdicts(words: pd.DataFrame, threshold_from: str = PUBLISHED_FROM) -> dict[str, int]:
    """How many findings (:func:`findings`) judged at ``threshold_from`` (a published reading of the word, or the
    edition's own) have each result, every result present; the results that judge no numbers (:data:`UNJUDGED`)
    count every such finding under the published readings, and none under the edition's own."""
    found = findings(words)
    judged = found[found["threshold_from"] == threshold_from]["result"].value_counts()
    counts = {result: int(judged.get(result, 0)) for result in RESULTS}
    for result in UNJUDGED:
        counts[result] = int((found["result"] == result).sum()) if threshold_from == PUBLISHED_FROM else 0
    return counts


EXHIBITS = ("Figure 1", "Figure 2", "Figure 3", "Appendix A", "Appendix B", "Appendix C", "Appendix D", "Appendix E")


def _glued_anywhere(root: Path, key: str) -> str:
    """The text a section record glued under ``key`` (each key is glued by one notebook)."""
    from kzopinion.paper import records

    for record in records.notebook_records(root):
        glued = records.glued_values(record)
        if key in glued:
            return glued[key]
    raise KeyError(f"no notebook record glues '{key}': run make book")


def exhibits(tables: Tables) -> dict[str, str]:
    """For each of the article's figures and supplemental appendices, the data the edition shows it on, in words
    taken from what the sections computed (a stand-in is named as one, never as the article's data)."""
    cab, gallup = (_glued_anywhere(tables.root, k) for k in ("ru_cab_source", "ru_gallup_source"))
    immigration = _glued_anywhere(tables.root, "cu_gallup_source")
    eib = tables["eib_2017_perceptions"]
    figure3 = (
        "not available: its values await transcription from the EDB report"
        if eib["percent"].isna().all()
        else "the EDB report's values (external tier)"
    )
    return {
        "Figure 1": f"the article's design computed from respondents: {cab}",
        "Figure 2": "the article's printed cells (published tier), the shares recomputed from them",
        "Figure 3": figure3,
        "Appendix A": f"the article's model run on {gallup}",
        "Appendix B": f"the article's model run on {gallup}",
        "Appendix C": f"the article's models run on {cab}",
        "Appendix D": f"the article's printed values (published tier), beside its model run on {immigration}",
        "Appendix E": f"the article's printed values (published tier), beside its model run on {immigration}",
    }
