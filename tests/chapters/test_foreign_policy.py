import pandas as pd
import pytest

from kzopinion import data
from kzopinion.analysis import focus_groups
from kzopinion.chapters import foreign_policy as reasons


def _table(rows):
    return pd.DataFrame(
        rows, columns=["opinion", "reason", "first_answer", "second_answer", "both_answers", "both_excluding_other"]
    )


def test_both_answers_is_the_mean_and_excluding_rescales():
    table = _table([("positive", "economy", 60, 20, 40, 100), ("positive", "other / refused / none", 40, 80, 60, None)])
    out = reasons.recompute(table).set_index("reason")
    assert out.at["economy", "both_recomputed"] == 40
    assert out.at["economy", "excluding_recomputed"] == pytest.approx(40 / (100 - 60) * 100)
    assert reasons.audit(table).empty


def test_audit_flags_a_cell_that_disagrees_with_its_parts():
    table = _table(
        [("negative", "aggression", 40, 20, 35, 70), ("negative", "other / refused / none", 60, 80, 70, None)]
    )
    flagged = reasons.audit(table)
    assert flagged["column"].tolist() == ["both_answers", "both_excluding_other"]
    assert flagged["within_rounding"].tolist() == [False, False]


def test_article_shares_follow_from_the_published_table():
    shares = reasons.class_shares(data.load("figure2_reasons"), data.load("figure2_reason_classes"))
    share = shares.set_index(["opinion", "reason_class"])["share"]
    assert round(share[("positive", "development")]) == 83 and round(share[("positive", "international")]) == 17
    assert round(share[("negative", "international")]) == 81 and round(share[("negative", "domestic")]) == 19
    assert shares.groupby("opinion")["share"].sum().tolist() == pytest.approx([100, 100])


def test_printed_table_disagrees_only_within_rounding():
    audit = reasons.audit(data.load("figure2_reasons"))
    assert audit["within_rounding"].all()


def test_unclassified_reason_is_refused():
    classes = data.load("figure2_reason_classes").iloc[1:]
    with pytest.raises(ValueError, match="without a class"):
        reasons.class_shares(data.load("figure2_reasons"), classes)


def test_focus_group_intervals_state_their_base():
    table = focus_groups.counts_with_intervals(data.load("focus_group_codes"), ["fp_negative", "free_political"])
    assert table["label"].tolist() == ["38 of 93", "8 of 22"]
    assert (table["low"] <= table["share"]).all() and (table["share"] <= table["high"]).all()


def test_the_conduct_chart_draws_the_views_with_the_base_the_prose_gives():
    """38 of the 49 who discussed US conduct abroad condemned it: the chart draws 38 of 49, not 38 of 93, and the
    grievances of all participants sit in a panel of their own."""
    from kzopinion.chapters import foreign_policy
    from kzopinion.data.provenance import Tables

    conduct = foreign_policy.conduct_counts(Tables(), 0.95).set_index("code")
    discussed = conduct.loc[list(foreign_policy.CONDUCT_VIEWS)]
    assert discussed["label"].tolist() == ["38 of 49", "7 of 49", "4 of 49"]
    assert set(discussed["group"]) == {"Of the 49 who discussed US conduct abroad"}
    grievances = conduct.loc[list(foreign_policy.CONDUCT_GRIEVANCES)]
    assert set(grievances["base"]) == {93} and set(grievances["group"]) == {"Of all participants"}
