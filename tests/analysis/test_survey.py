import math

import pytest
from statsmodels.stats.proportion import proportion_confint

from kzopinion.analysis import survey


def test_margin_of_error_by_hand():
    # 1.959964 * sqrt(0.25 / 1000) = 0.030990
    assert survey.margin_of_error(0.5, 1000) == pytest.approx(0.0309897, abs=1e-6)
    # with a design effect of 2 the margin grows by sqrt(2)
    assert survey.margin_of_error(0.5, 1000, design_effect=2) == pytest.approx(0.0309897 * math.sqrt(2), abs=1e-6)


def test_z_value():
    assert survey.z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert survey.z_value(0.90) == pytest.approx(1.644854, abs=1e-6)


def test_implied_design_effect_inverts_the_margin():
    moe = survey.margin_of_error(0.5, 1500, design_effect=1.7)
    assert survey.implied_design_effect(moe, 1500) == pytest.approx(1.7)
    # reported 3.9 points for n = 1500: (0.039 / 0.025303)^2 = 2.3756
    assert survey.implied_design_effect(0.039, 1500) == pytest.approx(2.3756, abs=1e-3)


def test_effective_sample_size():
    assert survey.effective_sample_size(1500, 2.5) == 600


@pytest.mark.parametrize("count,n", [(0, 10), (3, 93), (38, 49), (93, 93)])
def test_wilson_matches_statsmodels(count, n):
    low, high = survey.wilson_interval(count, n)
    ref_low, ref_high = proportion_confint(count, n, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx((ref_low, ref_high), abs=1e-12)


def test_wilson_by_hand():
    # 38 of 49: p = .77551, z^2 = 3.8415; centre = p + z^2/98 = .81471;
    # spread = z * sqrt(p(1-p)/49 + z^2/9604) = .12323; denominator = 1 + z^2/49 = 1.07840
    low, high = survey.wilson_interval(38, 49)
    assert low == pytest.approx((0.81471 - 0.12323) / 1.07840, abs=2e-4)
    assert high == pytest.approx((0.81471 + 0.12323) / 1.07840, abs=2e-4)


def test_normal_interval_matches_statsmodels():
    low, high = survey.proportion_interval(0.72, 1000)
    assert (low, high) == pytest.approx(proportion_confint(720, 1000, alpha=0.05, method="normal"), abs=1e-12)


def test_weighted_proportion_skips_missing():
    assert survey.weighted_proportion([1, 0, float("nan"), 1], [2, 1, 5, 1]) == pytest.approx(3 / 4)


def test_kish_design_effect():
    assert survey.kish_design_effect([1, 1, 1, 1]) == pytest.approx(1.0)
    assert survey.kish_design_effect([1, 3]) == pytest.approx(2 * 10 / 16)


@pytest.mark.parametrize(
    "call",
    [
        lambda: survey.margin_of_error(1.2, 100),
        lambda: survey.margin_of_error(0.5, 0),
        lambda: survey.wilson_interval(5, 4),
        lambda: survey.implied_design_effect(0, 100),
        lambda: survey.weighted_proportion([float("nan")], [1]),
    ],
)
def test_bad_input_is_refused(call):
    with pytest.raises(ValueError):
        call()
