"""Figure 3 (EIB 2017) is laid out before its values exist; filling the table (test_preferences_figure3_filled.py,
slow) needs no code change."""

from __future__ import annotations

from kzopinion import data
from kzopinion.paper import ledger as claims


def test_figure3_values_are_missing_not_guessed(root):
    table = data.load("eib_2017_perceptions", root)
    assert table["percent"].isna().all()
    assert "pr_eib_attractive_fifth" not in set(claims.entries(root)["id"])
