"""The article's open choices, run as variants: the spread each chapter shows, and `make variants`."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from kzopinion import formatting as fmt
from kzopinion.book import variants
from kzopinion.chapters import foreign_policy, russia_correlation
from kzopinion.data import simulate
from kzopinion.data.provenance import Cell, Tables
from kzopinion.paper import records

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


@pytest.mark.slow
def test_changing_one_alternative_moves_the_range(root):
    tables = Tables(root)
    before = foreign_policy.variant_shares(tables)["fp_positive_development_share"]
    after = foreign_policy.variant_shares(tables.replaced(MONEY, "development"))["fp_positive_development_share"]
    assert after.min() > before.min()  # 'a lot of money' read as development no longer lowers the share
    texts = foreign_policy.spread_texts(foreign_policy.variant_shares(tables.replaced(MONEY, "development")))
    assert (
        texts["fp_range_positive_development"]
        != foreign_policy.spread_texts(foreign_policy.variant_shares(tables))["fp_range_positive_development"]
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


def _tree_digest(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "_build" not in p.parts
    }


@pytest.mark.slow
def test_make_variants_runs_every_alternative_without_touching_the_records(repo_copy):
    before = _tree_digest(repo_copy)
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.variants"], cwd=repo_copy, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert _tree_digest(repo_copy) == before, "make variants must never touch the committed files"
    grid = variants.grid(repo_copy)
    assert all(v.output(repo_copy).exists() for v in grid)
    spread = foreign_policy.variant_shares(Tables(repo_copy)).set_index(["parameter", "value"])
    for variant in grid:
        glued = records.glued_values(variant.output(repo_copy))
        if variant.notebook == "04-foreign-policy":
            share = spread.loc[(variant.parameter, variant.value), "fp_positive_development_share"]
            assert glued["fp_positive_development_share"] == fmt.percent_value(share), variant
    again = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.variants"], cwd=repo_copy, capture_output=True, text=True, timeout=600
    )
    assert f"{len(grid)} variants, 0 to run" in again.stdout
