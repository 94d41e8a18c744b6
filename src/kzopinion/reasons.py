"""Figure 2 arithmetic: first and second answers -> both answers -> excluding non-answers -> shares.

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

CATCH_ALL = "other / refused"


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
