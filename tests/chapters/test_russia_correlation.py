"""Chapter 02's weighted shares against the hand formula they replaced (kept here as the oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kzopinion.chapters import russia_correlation as chapter
from kzopinion.data import simulate

ITEMS = {"fav_russia": "Russia", "fav_china": "China", "fav_us": "United States", "opinion_putin": "Putin"}


def hand_distribution(frame: pd.DataFrame, items: dict[str, str], by_wave: bool = False) -> pd.DataFrame:
    """Per wave (or overall) and item: 100 * the weights of each answer / the weights of all but refused."""
    rows = []
    groups = frame.groupby("wave") if by_wave else [(None, frame)]
    for wave, group in groups:
        for column, name in items.items():
            answered = group[group[column].notna() & (group[column] != "refused")]
            totals = answered.groupby(answered[column].astype(str), observed=True)["weight"].sum()
            for answer in chapter.LEVEL_ORDER:
                total = float(totals.sum())
                row = {
                    "item": name,
                    "answer": answer,
                    "percent": 100 * float(totals.get(answer, 0.0)) / total if total else float("nan"),
                }
                if by_wave:
                    row["wave"] = int(wave)
                rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def cab() -> pd.DataFrame:
    """The CAB stand-in the book reads (its default seed and scenario)."""
    return simulate.respondents("cab")


def _reweighted(cab: pd.DataFrame) -> pd.DataFrame:
    """The stand-in with unequal weights, some refusals and an item nobody answered in wave 2."""
    rng = np.random.default_rng(5)
    frame = cab.assign(weight=rng.uniform(0.3, 2.0, len(cab)))
    frame.loc[rng.random(len(frame)) < 0.03, "fav_us"] = "refused"
    frame.loc[frame["wave"] == 2, "fav_china"] = None
    return frame


@pytest.mark.parametrize("by_wave", [False, True])
@pytest.mark.parametrize("reweight", [False, True])
def test_favourability_distribution_equals_the_weighted_shares_by_hand(cab, by_wave, reweight):
    # The book's input is the CAB stand-in (equal weights); reweighted, the weights matter.
    frame = _reweighted(cab) if reweight else cab
    got = chapter.favourability_distribution(frame, ITEMS, by_wave)
    expected = hand_distribution(frame, ITEMS, by_wave)
    assert list(got.columns) == list(expected.columns)
    keys = [column for column in expected.columns if column != "percent"]
    assert got[keys].equals(expected[keys])
    assert got["percent"].isna().tolist() == expected["percent"].isna().tolist()
    assert got["percent"].to_numpy() == pytest.approx(expected["percent"].to_numpy(), abs=1e-12, nan_ok=True)
    if reweight:
        assert got["percent"].isna().sum() == (len(chapter.LEVEL_ORDER) if by_wave else 0)


def test_favourable_share_sums_the_two_favourable_and_the_two_unfavourable_answers(cab):
    frame = _reweighted(cab)
    shares = hand_distribution(frame, {"fav_us": "fav_us"}).set_index("answer")["percent"]
    favourable, unfavourable = chapter.favourable_share(frame, "fav_us")
    assert favourable == pytest.approx(shares["very_favourable"] + shares["somewhat_favourable"], abs=1e-12)
    assert unfavourable == pytest.approx(shares["very_unfavourable"] + shares["somewhat_unfavourable"], abs=1e-12)


EVIDENCE_WORDS = ("as the article reports", "confirm", "holds", "supports", "bears out the", "shows that the article")


@pytest.mark.parametrize("significant", [True, False])
def test_a_stand_in_verdict_never_speaks_as_evidence(significant):
    """Whatever the simulated models find, their sentence says what the stand-in is for, never that the
    article's report is borne out."""
    pairs = pd.DataFrame({"coef": [0.3, 0.2, 0.4], "p": [0.01 if significant else 0.3] * 3, "ran": [True] * 3})
    verdict = chapter.appendix_c_texts(pairs, 0.05, simulated=True)["ru_c_verdict"]
    assert "generated under the article's own hypothesis" in verdict and "needs the CAB files" in verdict
    assert not [w for w in EVIDENCE_WORDS if w in verdict.replace("neither bear out nor refute", "")], verdict
    real = chapter.appendix_c_texts(pairs, 0.05)["ru_c_verdict"]  # registered data may say it
    assert ("as the article reports" in real) == significant
