"""Chapter 03's computations against the hand formulas they replaced (kept here as oracles)."""

from __future__ import annotations

import fixtures
import numpy as np
import pandas as pd
import pytest

from kzopinion import paths
from kzopinion.chapters import cultural_values
from kzopinion.data import harmonise, readers, schema


def hand_weighted_mean_and_variance(x: pd.Series, w: pd.Series) -> tuple[float, float]:
    """``sum(w x) / sum(w)`` and ``sum(w (x - mean)²) / sum(w)``."""
    mean = float((w * x).sum() / w.sum())
    return mean, float((w * (x - mean) ** 2).sum() / w.sum())


@pytest.fixture(scope="module")
def wvs(tmp_path_factory):
    """Respondents as the WVS reader gives them from a file in the survey's layout (weights 0.5-1.5,
    don't know and no answer among the answers). No WVS file is registered for the book, so a
    file written in WVS 6's variables and labels stands in for one."""
    path = tmp_path_factory.mktemp("wvs") / "wvs6.sav"
    fixtures.write_wvs(path, n=400)
    harmonised, _ = harmonise.harmonise_with_coverage(readers.read_source(path), "wvs", str(path), paths.root())
    return schema.conform(harmonised, "wvs")


def test_justifiability_means_equal_the_weighted_formulas_by_hand(wvs):
    assert wvs["weight"].nunique() > 100 and wvs["just_homosexuality"].isna().any()
    table = cultural_values.justifiability_means(wvs, 0.90).set_index(["country", "item"])
    z = 1.6448536269514722
    for country, group in wvs.groupby("country"):
        for column, item in cultural_values.JUSTIFIABILITY.items():
            answered = group[group[column].notna()]
            w, x = answered["weight"].astype(float), answered[column].astype(float)
            mean, variance = hand_weighted_mean_and_variance(x, w)
            se = np.sqrt(variance * (w**2).sum() / w.sum() ** 2)  # n_eff = (sum w)² / sum w²
            row = table.loc[(country, item)]
            assert row["mean"] == pytest.approx(mean, abs=1e-12)
            assert (row["low"], row["high"]) == pytest.approx((mean - z * se, mean + z * se), abs=1e-12)
            assert row["n"] == len(answered)
    assert len(table) == 4 * wvs["country"].nunique()
