"""The simulated stand-in: calibrated marginals and parameter recovery (its determinism and its behaviour over
fresh draws are in test_simulate_fresh_draws.py, slow)."""

from __future__ import annotations

import pandas as pd
import pytest

from kzopinion import data
from kzopinion.analysis import models
from kzopinion.chapters import cultural_values as conservatism
from kzopinion.data import schema, simulate


@pytest.fixture(scope="module")
def gallup():
    return {s: simulate.respondents("gallup", scenario=s) for s in simulate.SCENARIOS}


def _share(values: pd.Series, level: str) -> float:
    return float((values == level).mean())


def test_marginals_match_their_calibration_targets(gallup):
    g, cab = gallup["engagement"], simulate.respondents("cab")
    approval = data.load("gallup_leadership_approval").set_index(["leadership", "year"])
    assert _share(g["approve_us"], "approve") == pytest.approx(
        approval.at[("United States", 2014), "approve"] / 100, abs=0.02
    )
    assert _share(g["approve_china"], "approve") == pytest.approx(
        approval.at[("China", 2014), "approve"] / 100, abs=0.03
    )
    russia = data.load("cab_russia_aggregates").set_index("answer")["percent"]
    favourable = cab["fav_russia"].isin(["very_favourable", "somewhat_favourable"]).mean()
    assert favourable == pytest.approx(russia["favourable"] / 100, abs=0.02)


def test_output_is_canonical(gallup):
    assert list(gallup["engagement"].columns) == list(schema.COLUMNS)


def _lpm_us_on_russia(frame: pd.DataFrame) -> models.Estimate:
    y = schema.indicator(frame["approve_us"], ("approve",))
    X = models.design(frame, {"approve_russia": schema.indicator(frame["approve_russia"], ("approve",))})
    return models.estimate(models.ols(y, X), "approve_russia")


def test_the_design_tells_engagement_from_zero_sum(gallup):
    engagement, zero_sum = _lpm_us_on_russia(gallup["engagement"]), _lpm_us_on_russia(gallup["zero_sum"])
    assert engagement.coef > 0 and engagement.p < 0.01
    assert zero_sum.coef < 0 and zero_sum.p < 0.01


def _immigration_effect(frame: pd.DataFrame, outcome: str) -> models.Change:
    return conservatism.immigration_effect(frame, outcome)


def test_the_immigration_design_recovers_the_generators_effect(gallup):
    effect = _immigration_effect(gallup["engagement"], "approve_us")
    truth = simulate.true_effect_of_immigration("engagement")
    true_change = truth["decrease"] - truth["increase"]  # about -0.2: the generator's effect on the US
    assert effect.low <= true_change <= effect.high
    assert effect.change < 0 and effect.p < 0.01
