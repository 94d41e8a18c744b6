"""The article's open choices, run as variants: the spread each chapter shows, and `make variants`."""

from __future__ import annotations

from kzopinion.chapters import foreign_policy, russia_correlation
from kzopinion.data import simulate
from kzopinion.data.provenance import Cell, Tables

MONEY = Cell(
    "figure2_reason_class_variants", "money_as_international|positive|the country has a lot of money", "reason_class"
)


def test_the_spread_covers_every_alternative_and_the_articles_choice(root):
    tables = Tables(root)
    spread = foreign_policy.variant_shares(tables)
    table = tables["analysis_variants"]
    assert len(spread) == int((table["notebook"] == "04-foreign-policy").sum())
    article = spread[spread["default"]].iloc[0]
    assert (
        round(article["fp_positive_development_share"]) == 83
        and round(article["fp_negative_international_share"]) == 81
    )


def test_robustness_counts_specifications_once(root):
    tables = Tables(root)
    notes = foreign_policy.robustness(tables)
    assert set(notes) == set(foreign_policy.SHARE_CLAIMS.values())
    assert all(" of 10 specifications" in note for note in notes.values())


def test_specification_curve_has_one_point_per_specification_and_marks_the_articles(root):
    frame = simulate.respondents("cab", seed=7, root=root)
    table = Tables(root)["analysis_variants"]
    curve = russia_correlation.specification_curve(frame, table)
    mine = table[table["notebook"] == "02-russia-correlation"]
    controls = (mine["parameter"] == "SPEC_CONTROLS").sum()
    waves = (mine["parameter"] == "SPEC_WAVES").sum()
    assert len(curve) == controls * waves and curve["label"].is_unique
    article = curve[curve["article"]]
    assert len(article) == 1 and (article["controls"].item(), article["waves"].item()) == ("article", "pooled")
    assert curve["coef"].is_monotonic_increasing and list(curve["rank"]) == list(range(1, len(curve) + 1))
