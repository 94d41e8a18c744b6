"""Chapter 04, the cost of US foreign policy. Figure 2 arithmetic: first and second answers ->
both answers -> excluding non-answers -> shares of reason classes; and the ledger values of the
chapter (the shares, the focus groups' condemnation, the soft-power index).

Each column of Figure 2 is a distribution over the same respondents (the catch-all row
"other / refused / don't know / none" completes it), so with one first and one second
answer per respondent:

- both answers = (first + second) / 2;
- both excluding other = both / (100 - both of the catch-all row) * 100.

The printed columns are rounded to whole percentages, so recomputing them from rounded
inputs can land half a point away; :func:`audit` shows where.
"""

from __future__ import annotations

import pandas as pd

from kzopinion.analysis.specifications import variant_defaults
from kzopinion.data import provenance
from kzopinion.data.provenance import Cell, Tables, Traced, focus_group_count, total

CATCH_ALL = "other / refused"
FIGURE2, CLASSES = "figure2_reasons", "figure2_reason_classes"
CLASS_VARIANTS, VARIANTS = "figure2_reason_class_variants", "analysis_variants"
PREFIX = "fp"  # the ids of this section's claims and glue keys
ARTICLE = "article"


def is_catch_all(reason: pd.Series) -> pd.Series:
    return reason.str.startswith(CATCH_ALL)


def recompute(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``both_recomputed`` and ``excluding_recomputed`` (unrounded) for each opinion group."""
    out = table.copy()
    out["both_recomputed"] = (out["first_answer"].astype(float) + out["second_answer"].astype(float)) / 2
    other = out[is_catch_all(out["reason"])].set_index("opinion")["both_recomputed"]
    substantive = ~is_catch_all(out["reason"])
    out["excluding_recomputed"] = float("nan")
    out.loc[substantive, "excluding_recomputed"] = (
        out.loc[substantive, "both_recomputed"] / (100 - out.loc[substantive, "opinion"].map(other)) * 100
    )
    return out


def audit(table: pd.DataFrame) -> pd.DataFrame:
    """One row per printed cell of the two derived columns that its recomputation does not match.

    A cell matches when the printed whole percentage is within half a point (plus the
    rounding carried by its inputs) of the recomputed value.
    """
    recomputed = recompute(table)
    rows = []
    for row in recomputed.itertuples(index=False):
        for column, derived, slack in [
            ("both_answers", row.both_recomputed, 0.5 + 0.5),
            ("both_excluding_other", row.excluding_recomputed, 0.5 + 1.0),
        ]:
            printed = getattr(row, column)
            if pd.isna(printed) or pd.isna(derived):
                continue
            rounded = int(derived + 0.5)  # round half up, as tables usually are
            if rounded != int(printed):
                rows.append(
                    {
                        "opinion": row.opinion,
                        "reason": row.reason,
                        "column": column,
                        "printed": int(printed),
                        "recomputed": round(float(derived), 2),
                        "within_rounding": abs(float(derived) - int(printed)) <= slack,
                    }
                )
    return pd.DataFrame(rows, columns=["opinion", "reason", "column", "printed", "recomputed", "within_rounding"])


def class_shares(table: pd.DataFrame, classes: pd.DataFrame, column: str = "both_excluding_other") -> pd.DataFrame:
    """Share of each reason class within each opinion, from one column of Figure 2.

    ``share = sum(column over the class) / sum(column over all classed reasons) * 100``,
    so the shares of an opinion sum to 100 even though the printed cells need not.
    Raises if a substantive reason has no class.
    """
    merged = table[~is_catch_all(table["reason"])].merge(classes, on=["opinion", "reason"], how="left")
    unclassed = merged[merged["reason_class"].isna()]
    if len(unclassed):
        raise ValueError(f"reasons without a class in figure2_reason_classes: {unclassed['reason'].tolist()}")
    sums = merged.groupby(["opinion", "reason_class"], sort=False)[column].sum().astype(float).rename("percent_points")
    shares = sums.reset_index()
    shares["share"] = shares["percent_points"] / shares.groupby("opinion")["percent_points"].transform("sum") * 100
    return shares


def audit_verdict(outside: int) -> str:
    """What the audit says about the printed table, given the cells rounding cannot explain."""
    if outside == 0:
        return (
            "so the table was evidently computed from unrounded figures and its small discrepancies are rounding, "
            "not errors"
        )
    return "which rounding alone cannot explain: those cells deserve a second look at the source"


def audit_display(audit_table: pd.DataFrame) -> pd.DataFrame:
    """The audit for readers: printed and recomputed values, and whether rounding explains the gap."""
    return pd.DataFrame(
        {
            "Opinion": audit_table["opinion"],
            "Reason": audit_table["reason"],
            "Column": audit_table["column"].map(
                {"both_answers": "both answers", "both_excluding_other": "both, excluding other"}
            ),
            "Printed (%)": audit_table["printed"],
            "Recomputed (%)": audit_table["recomputed"].map(lambda v: f"{v:.2f}"),
            "Explained by rounding": audit_table["within_rounding"].map({True: "yes", False: "no"}),
        }
    ).set_index("Opinion")  # one index level: no cell spans the rows, so a printed page may break between them


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    """The whole of Figure 2 as printed beside its recomputed derived columns (one decimal)."""
    recomputed = recompute(table)
    return pd.DataFrame(
        {
            "Opinion": recomputed["opinion"],
            "Reason": recomputed["reason"],
            "First (%)": recomputed["first_answer"],
            "Second (%)": recomputed["second_answer"],
            "Both, printed (%)": recomputed["both_answers"],
            "Both, recomputed (%)": recomputed["both_recomputed"].map(lambda v: f"{v:.1f}"),
            "Excl. other, printed (%)": recomputed["both_excluding_other"]
            .astype("object")
            .where(recomputed["both_excluding_other"].notna(), "-"),
            "Excl. other, recomputed (%)": recomputed["excluding_recomputed"].map(
                lambda v: "-" if pd.isna(v) else f"{v:.1f}"
            ),
        }
    ).set_index("Opinion")  # one index level: no cell spans the rows, so a printed page may break between them


def classification(tables: Tables, variant: str = ARTICLE) -> pd.DataFrame:
    """The reason classes under ``variant`` (``article``: this book's reading), with the cell each class comes from.

    Columns: opinion, reason, reason_class, class_cell.
    """
    classes = tables[CLASSES].assign(class_cell=[Cell(CLASSES, k, "reason_class") for k in tables.keys(CLASSES)])
    if variant == ARTICLE:
        return classes
    changes = tables[CLASS_VARIANTS]
    changes = changes.assign(class_cell=[Cell(CLASS_VARIANTS, k, "reason_class") for k in tables.keys(CLASS_VARIANTS)])
    changes = changes[changes["variant"] == variant]
    if changes.empty:
        known = sorted(set(tables[CLASS_VARIANTS]["variant"]))
        raise KeyError(
            f"no classification variant '{variant}' in data/coding/figure2_reason_class_variants.csv; "
            f"known: {', '.join([ARTICLE, *known])}"
        )
    unknown = changes.merge(classes, on=["opinion", "reason"], how="left", indicator=True)
    unknown = unknown[unknown["_merge"] == "left_only"]["reason"].tolist()
    if unknown:
        raise KeyError(f"classification variant '{variant}' names reasons Figure 2 lacks: {unknown}")
    changed = classes.set_index(["opinion", "reason"])
    for row in changes.itertuples(index=False):
        changed.loc[(row.opinion, row.reason), ["reason_class", "class_cell"]] = [row.reason_class, row.class_cell]
    return changed.reset_index()


def share_values(
    tables: Tables, column: str = "both_excluding_other", variant: str = ARTICLE
) -> dict[tuple[str, str], Traced]:
    """Each (opinion, reason class) share of Figure 2 as a traced percentage.

    The shares of :func:`class_shares`, carrying the cells they were computed from: the
    column's cells of every classed reason of the opinion and each reason's classification
    (under the classification ``variant``).
    """
    figure2, classes = tables[FIGURE2], classification(tables, variant)
    keyed = figure2.assign(row_key=tables.keys(FIGURE2).to_numpy())
    merged = keyed[~is_catch_all(keyed["reason"])].merge(classes, on=["opinion", "reason"], how="left")
    out = {}
    for opinion, group in merged.groupby("opinion", sort=False):
        cells = {row.row_key: tables.cell(FIGURE2, row.row_key, column) for row in group.itertuples()}
        classed = {row.row_key: row.class_cell for row in group.itertuples()}
        whole = total(cells.values())
        for reason_class, members in group.groupby("reason_class", sort=False):
            part = total(cells[k] for k in members["row_key"])
            share = part / whole * 100
            out[(opinion, reason_class)] = Traced(share, share.cells | set(classed.values()))
    return out


SOFT_POWER = "soft_power_2020"


SHARE_CLAIMS = {
    ("positive", "development"): "fp_positive_development_share",
    ("positive", "international"): "fp_positive_international_share",
    ("negative", "international"): "fp_negative_international_share",
    ("negative", "domestic"): "fp_negative_domestic_share",
}


def variant_shares(tables: Tables, notebook: str = "04-foreign-policy") -> pd.DataFrame:
    """The four shares under every variant of the chapter's open choices, one alternative at a time.

    Columns: parameter, value, default, rationale, then one column per share claim (percent).
    The variants come from ``analysis_variants`` (the default row of each parameter is the
    article's choice), so adding an alternative there adds a row here.
    """
    variants = tables[VARIANTS]
    defaults = variant_defaults(variants, notebook)
    variants = variants[variants["notebook"] == notebook]
    rows = []
    for row in variants.itertuples(index=False):
        chosen = {**defaults, row.parameter: row.value}
        shares = share_values(tables, chosen["SHARE_COLUMN"], chosen["CLASSIFICATION"])
        rows.append(
            {
                "parameter": row.parameter,
                "value": row.value,
                "default": bool(row.default),
                "rationale": row.rationale,
                **{claim: float(shares[key]) for key, claim in SHARE_CLAIMS.items()},
            }
        )
    return pd.DataFrame(rows)


def specifications(spread: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct specification: the article's choices once, then each alternative."""
    return pd.concat([spread[spread["default"]].head(1), spread[~spread["default"]]])


def robustness(tables: Tables) -> dict[str, str]:
    """For each share claim, under how many distinct specifications the share agrees with the article.

    A specification agrees when its share lies within the claim's tolerance of the printed value;
    the default rows of the variant table describe one specification, counted once.
    """
    from kzopinion import formatting as fmt

    distinct = specifications(variant_shares(tables))
    printed = tables.rows("claims", PREFIX + "_").set_index("id")
    notes = {}
    for claim in SHARE_CLAIMS.values():
        within = (distinct[claim] - float(printed.at[claim, "value"])).abs() <= float(
            printed.at[claim, "tolerance"]
        ) + 1e-9
        notes[claim] = (
            f"holds under {fmt.count_of(int(within.sum()), len(distinct))} specifications "
            f"(the article's and each alternative in data/coding/analysis_variants.csv); "
            f"range {fmt.percent_value(distinct[claim].min())} "
            f"to {fmt.percent_value(distinct[claim].max())}"
        )
    return notes


SHARE_LABELS = {
    "fp_positive_development_share": "positive opinions: development",
    "fp_positive_international_share": "positive opinions: international",
    "fp_negative_international_share": "negative opinions: international",
    "fp_negative_domestic_share": "negative opinions: domestic",
}


def spread_texts(spread: pd.DataFrame) -> dict[str, str]:
    """Glue texts for the chapter: each key share's range over the variants, and whether either balance flips."""
    from kzopinion import formatting as fmt

    development, international = spread["fp_positive_development_share"], spread["fp_negative_international_share"]
    flips = [
        name
        for name, column in [
            ("development among the reasons for liking the US", development),
            ("international conduct among the reasons for disliking it", international),
        ]
        if column.min() <= 50
    ]
    verdict = (
        "under every one of them development stays the majority of the reasons for liking the US and "
        "international conduct the majority of the reasons for disliking it"
        if not flips
        else "under some of them the balance flips: " + " and ".join(flips) + " is no longer the majority"
    )
    return {
        "fp_variant_count": fmt.count(len(specifications(spread))),
        "fp_range_positive_development": fmt.between(
            fmt.percent_value(development.min()), fmt.percent_value(development.max())
        ),
        "fp_range_negative_international": fmt.between(
            fmt.percent_value(international.min()), fmt.percent_value(international.max())
        ),
        "fp_variant_verdict": verdict,
    }


def spread_long(spread: pd.DataFrame) -> pd.DataFrame:
    """The variant shares in long form for the chart: share, specification, percent, whether it is the article's."""
    long = spread.melt(
        id_vars=["parameter", "value", "default", "rationale"],
        value_vars=list(SHARE_LABELS),
        var_name="claim",
        value_name="percent",
    )
    long["share"] = long["claim"].map(SHARE_LABELS)
    long["specification"] = [
        "the article's choices" if d else f"{p} = {v}"
        for p, v, d in zip(long["parameter"], long["value"], long["default"])
    ]
    return long.drop_duplicates(subset=["claim", "specification"])[
        ["share", "specification", "percent", "default", "rationale"]
    ]


def claim_values(
    tables: Tables, column: str = "both_excluding_other", variant: str = ARTICLE
) -> dict[str, tuple[Traced, str]]:
    """The ledger values chapter 04 computes (bound focus-group counts are recorded by ``ledger.record_section``)."""
    from kzopinion import formatting as fmt

    shares = share_values(tables, column, variant)
    values = {
        f"fp_{opinion}_{cls}_share": (shares[(opinion, cls)], fmt.percent_value(shares[(opinion, cls)]))
        for opinion, cls in [
            ("positive", "development"),
            ("positive", "international"),
            ("negative", "international"),
            ("negative", "domestic"),
        ]
    }
    negative = provenance.focus_group_count(tables, "fp_negative")
    discussed = provenance.focus_group_count(tables, "fp_discussed")  # partitioned: 38 + 7 + 4
    values["fp_condemn_share"] = (negative / discussed, fmt.count_of(negative, discussed))
    index = {
        q: tables.cell(SOFT_POWER, f"{q}|Brand Finance", "value")
        for q in [
            "United States overall rank",
            "United States rank on relations with other countries",
            "nations ranked",
            "respondents surveyed",
            "countries surveyed",
        ]
    }
    values |= {
        "fp_soft_power_us_rank": (
            index["United States overall rank"],
            fmt.ordinal(index["United States overall rank"]),
        ),
        "fp_soft_power_relations_rank": (
            index["United States rank on relations with other countries"],
            fmt.ordinal(index["United States rank on relations with other countries"]),
        ),
        "fp_soft_power_nations": (index["nations ranked"], fmt.count(index["nations ranked"])),
        "fp_soft_power_respondents": (index["respondents surveyed"], fmt.count(index["respondents surveyed"])),
        "fp_soft_power_countries": (index["countries surveyed"], fmt.count(index["countries surveyed"])),
    }
    return values


CONDUCT_VIEWS = ("fp_negative", "fp_mixed", "fp_positive")
CONDUCT_GRIEVANCES = (
    "fp_sovereignty_combined",
    "fp_interference_pattern",
    "fp_iraq",
    "fp_syria",
    "fp_afghanistan",
    "fp_libya",
    "fp_ukraine",
    "fp_resources",
    "fp_anti_muslim",
)


def conduct_counts(tables: Tables, confidence: float) -> pd.DataFrame:
    """The focus groups on US conduct abroad, for one chart with a panel per base: the views as shares of those
    who discussed it (as the prose gives them: 38 of 49), the grievances as shares of all participants.

    Columns of :func:`kzopinion.analysis.focus_groups.counts_with_intervals`, and ``group`` naming the base.
    """
    from kzopinion import formatting as fmt
    from kzopinion.analysis import focus_groups

    codes = tables["focus_group_codes"]
    discussed = int(focus_group_count(tables, "fp_discussed"))
    among_discussed = codes.assign(base=codes["base"].where(~codes["code"].isin(CONDUCT_VIEWS), discussed))
    views = focus_groups.counts_with_intervals(among_discussed, list(CONDUCT_VIEWS), confidence)
    grievances = focus_groups.counts_with_intervals(codes, list(CONDUCT_GRIEVANCES), confidence)
    return pd.concat(
        [
            views.assign(group=f"Of the {fmt.count(discussed)} who discussed US conduct abroad"),
            grievances.assign(group="Of all participants"),
        ],
        ignore_index=True,
    )
