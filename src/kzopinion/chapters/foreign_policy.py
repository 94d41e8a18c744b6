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

from kzopinion.provenance import Cell, Tables, Traced, total

CATCH_ALL = "other / refused"
FIGURE2, CLASSES = "figure2_reasons", "figure2_reason_classes"


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
        out.loc[substantive, "both_recomputed"] / (100 - out.loc[substantive, "opinion"].map(other)) * 100)
    return out


def audit(table: pd.DataFrame) -> pd.DataFrame:
    """One row per printed cell of the two derived columns that its recomputation does not match.

    A cell matches when the printed whole percentage is within half a point (plus the
    rounding carried by its inputs) of the recomputed value.
    """
    recomputed = recompute(table)
    rows = []
    for row in recomputed.itertuples(index=False):
        for column, derived, slack in [("both_answers", row.both_recomputed, 0.5 + 0.5),
                                       ("both_excluding_other", row.excluding_recomputed, 0.5 + 1.0)]:
            printed = getattr(row, column)
            if pd.isna(printed) or pd.isna(derived):
                continue
            rounded = int(derived + 0.5)  # round half up, as tables usually are
            if rounded != int(printed):
                rows.append({"opinion": row.opinion, "reason": row.reason, "column": column,
                             "printed": int(printed), "recomputed": round(float(derived), 2),
                             "within_rounding": abs(float(derived) - int(printed)) <= slack})
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


def audit_display(audit_table: pd.DataFrame) -> pd.DataFrame:
    """The audit for readers: printed and recomputed values, and whether rounding explains the gap."""
    return pd.DataFrame({
        "Opinion": audit_table["opinion"],
        "Reason": audit_table["reason"],
        "Column": audit_table["column"].map({"both_answers": "both answers",
                                             "both_excluding_other": "both, excluding other"}),
        "Printed (%)": audit_table["printed"],
        "Recomputed (%)": audit_table["recomputed"].map(lambda v: f"{v:.2f}"),
        "Explained by rounding": audit_table["within_rounding"].map({True: "yes", False: "no"}),
    }).set_index(["Opinion", "Reason"])


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    """The whole of Figure 2 as printed beside its recomputed derived columns (one decimal)."""
    recomputed = recompute(table)
    return pd.DataFrame({
        "Opinion": recomputed["opinion"], "Reason": recomputed["reason"],
        "First (%)": recomputed["first_answer"], "Second (%)": recomputed["second_answer"],
        "Both, printed (%)": recomputed["both_answers"],
        "Both, recomputed (%)": recomputed["both_recomputed"].map(lambda v: f"{v:.1f}"),
        "Excl. other, printed (%)": recomputed["both_excluding_other"].astype("object").where(
            recomputed["both_excluding_other"].notna(), "-"),
        "Excl. other, recomputed (%)": recomputed["excluding_recomputed"].map(
            lambda v: "-" if pd.isna(v) else f"{v:.1f}"),
    }).set_index(["Opinion", "Reason"])


def share_values(tables: Tables, column: str = "both_excluding_other") -> dict[tuple[str, str], Traced]:
    """Each (opinion, reason class) share of Figure 2 as a traced percentage.

    The shares of :func:`class_shares`, carrying the cells they were computed from: the
    column's cells of every classed reason of the opinion and each reason's classification.
    """
    figure2, classes = tables[FIGURE2], tables[CLASSES]
    keyed = figure2.assign(row_key=tables.keys(FIGURE2).to_numpy())
    merged = keyed[~is_catch_all(keyed["reason"])].merge(
        classes.assign(class_key=tables.keys(CLASSES).to_numpy()), on=["opinion", "reason"], how="left")
    out = {}
    for opinion, group in merged.groupby("opinion", sort=False):
        cells = {row.row_key: tables.cell(FIGURE2, row.row_key, column) for row in group.itertuples()}
        classed = {row.row_key: Cell(CLASSES, row.class_key, "reason_class") for row in group.itertuples()}
        whole = total(cells.values())
        for reason_class, members in group.groupby("reason_class", sort=False):
            part = total(cells[k] for k in members["row_key"])
            share = part / whole * 100
            out[(opinion, reason_class)] = Traced(share, share.cells | set(classed.values()))
    return out


SOFT_POWER = "soft_power_2020"


def claim_values(tables: Tables, column: str = "both_excluding_other") -> dict[str, tuple[Traced, str]]:
    """The ledger values chapter 04 computes (bound focus-group counts are recorded by ``claims.record_bound``)."""
    from kzopinion import focus_groups
    from kzopinion import formatting as fmt

    shares = share_values(tables, column)
    values = {f"fp_{opinion}_{cls}_share": (shares[(opinion, cls)], fmt.percent_value(shares[(opinion, cls)]))
              for opinion, cls in [("positive", "development"), ("positive", "international"),
                                   ("negative", "international"), ("negative", "domestic")]}
    negative = focus_groups.count_value(tables, "fp_negative")
    discussed = focus_groups.count_value(tables, "fp_discussed")  # partitioned: 38 + 7 + 4
    values["fp_condemn_share"] = (negative / discussed, fmt.count_of(negative, discussed))
    index = {q: tables.cell(SOFT_POWER, f"{q}|Brand Finance", "value") for q in
             ["United States overall rank", "United States rank on relations with other countries", "nations ranked",
              "respondents surveyed", "countries surveyed"]}
    values |= {
        "fp_soft_power_us_rank": (index["United States overall rank"], fmt.ordinal(index["United States overall rank"])),
        "fp_soft_power_relations_rank": (index["United States rank on relations with other countries"],
                                         fmt.ordinal(index["United States rank on relations with other countries"])),
        "fp_soft_power_nations": (index["nations ranked"], fmt.count(index["nations ranked"])),
        "fp_soft_power_respondents": (index["respondents surveyed"], fmt.count(index["respondents surveyed"])),
        "fp_soft_power_countries": (index["countries surveyed"], fmt.count(index["countries surveyed"])),
    }
    return values
