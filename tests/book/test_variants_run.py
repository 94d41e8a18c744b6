"""make variants, run: each alternative changes what it should, and the committed records are untouched."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from test_variants import MONEY

from kzopinion import formatting as fmt
from kzopinion.book import build, variants
from kzopinion.chapters import foreign_policy
from kzopinion.data.provenance import Tables
from kzopinion.paper import records

pytestmark = pytest.mark.slow


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


def _tree_digest(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "_build" not in p.parts and p.name != build.LOCK  # the lock: the build's, ignored by git
    }


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
