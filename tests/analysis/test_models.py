from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from kzopinion.analysis import models, survey
from kzopinion.chapters import cultural_values
from kzopinion.data import schema, simulate

# ---------------------------------------------------------------- hand formulas, kept as test oracles


def closed_form_probabilities(params: np.ndarray, exog: np.ndarray, n_thresholds: int) -> np.ndarray:
    """P(y = k) for each row under an ordered logit with ``params`` = [betas..., cut_1, log-increments...].

    statsmodels parametrises the cuts as cut_1 and log(cut_k - cut_{k-1}); P(y <= k) = F(cut_k - x'b).
    """
    k = exog.shape[1]
    beta, raw = params[:k], params[k : k + n_thresholds]
    cuts = np.cumsum(np.concatenate([[raw[0]], np.exp(raw[1:])]))
    xb = exog @ beta
    cdf = 1 / (1 + np.exp(-(cuts[None, :] - xb[:, None])))
    cdf = np.hstack([np.zeros((len(xb), 1)), cdf, np.ones((len(xb), 1))])
    return np.diff(cdf, axis=1)


def hand_average(results, settings: dict[str, float], level: int):
    """The sample's average predicted probability of ``level`` at ``settings``, as a function of the parameters."""
    exog = results.model.exog.copy()
    names = list(results.model.exog_names)
    for column, value in settings.items():
        exog[:, names.index(column)] = value
    return lambda theta: float(results.model.predict(theta, exog=exog, which="prob")[:, level].mean())


def hand_delta(function, results, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Value, standard error and bounds of ``function(params)``: delta method, central differences (step 1e-6)."""
    params = np.asarray(results.params, dtype=float)
    step = 1e-6
    gradient = np.array(
        [(function(params + step * unit) - function(params - step * unit)) / (2 * step) for unit in np.eye(len(params))]
    )
    value = function(params)
    se = float(np.sqrt(gradient @ np.asarray(results.cov_params()) @ gradient))
    z = survey.z_value(confidence)
    return float(value), se, float(value - z * se), float(value + z * se)


# ---------------------------------------------------------------- the book's inputs: its Gallup stand-in


@pytest.fixture(scope="module")
def immigration_fits():
    """Chapter 03's two ordered logits on the stand-in the book reads (its default seed and scenario)."""
    gallup = simulate.respondents("gallup")
    return {outcome: cultural_values.immigration_model(gallup, outcome) for outcome in ("approve_us", "approve_russia")}


def test_the_closed_form_oracle_is_the_logistic_by_hand():
    # one regressor, beta = 0.5, cuts at -1 and (-1 + exp(0)) = 0, x = 2: x'b = 1
    probs = closed_form_probabilities(np.array([0.5, -1.0, 0.0]), np.array([[2.0]]), 2)[0]

    def logistic(v):
        return 1 / (1 + np.exp(-v))

    assert probs == pytest.approx([logistic(-2), logistic(-1) - logistic(-2), 1 - logistic(-1)])
    assert probs.sum() == pytest.approx(1)


def test_statsmodels_probabilities_equal_the_closed_form_on_the_books_fits(immigration_fits):
    for fit in immigration_fits.values():
        exog = fit.model.exog
        library = fit.model.predict(fit.params, exog=exog, which="prob")
        by_hand = closed_form_probabilities(np.asarray(fit.params), exog, fit.model.k_levels - 1)
        assert np.abs(library - by_hand).max() < 1e-12


@pytest.mark.parametrize("outcome", ["approve_us", "approve_russia"])
def test_predicted_change_equals_the_hand_delta_method_on_the_books_fits(immigration_fits, outcome):
    # The records keep six significant digits; library and oracle agree far below that. The
    # oracle's central difference is itself exact to about 1e-9, statsmodels' complex step to rounding.
    fit = immigration_fits[outcome]
    before = hand_average(fit, cultural_values.INCREASE, -1)
    after = hand_average(fit, cultural_values.DECREASE, -1)
    change, se, low, high = hand_delta(lambda theta: after(theta) - before(theta), fit)
    before_value, _, before_low, before_high = hand_delta(before, fit)
    after_value, _, after_low, after_high = hand_delta(after, fit)
    p = 2 * NormalDist().cdf(-abs(change) / se)

    got = models.predicted_change(fit, cultural_values.INCREASE, cultural_values.DECREASE)

    assert got.change == pytest.approx(change, abs=1e-12)
    assert (got.before, got.after) == pytest.approx((before_value, after_value), abs=1e-12)
    assert got.se == pytest.approx(se, rel=1e-8)
    assert got.p == pytest.approx(p, rel=1e-7)
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-9)
    assert got.before_interval == pytest.approx((before_low, before_high), abs=1e-9)
    assert got.after_interval == pytest.approx((after_low, after_high), abs=1e-9)
    value, low_one, high_one = models.predicted_probability(fit, cultural_values.DECREASE)
    assert (value, low_one, high_one) == pytest.approx((after_value, after_low, after_high), abs=1e-9)


def test_the_logistic_cdf_takes_a_complex_step_for_statsmodels_derivatives():
    model = models.AnalyticOrderedLogit(
        pd.Series(pd.Categorical([0, 1, 1, 0], [0, 1], ordered=True)),
        pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}),
        distr="logit",
    )
    x, h = np.array([-30.0, -1.5, 0.0, 0.7, 30.0]), 1e-20
    stepped = model.cdf(x + 1j * h)
    density = np.exp(-x) / (1 + np.exp(-x)) ** 2
    assert stepped.real == pytest.approx(model.cdf(x), rel=1e-12)
    assert stepped.imag / h == pytest.approx(density, rel=1e-12)
    with np.errstate(all="raise"):  # the infinite outer thresholds: 0 and 1, no NaN
        bounds = model.cdf(np.array([-np.inf - 2j * h, np.inf + 3j * h]))
    assert bounds.real.tolist() == [0.0, 1.0]
    assert model.cdf(np.array([0.7])) == pytest.approx(1 / (1 + np.exp(-0.7)), rel=1e-15)  # real: SciPy's


def test_predicted_probability_matches_a_hand_computed_logit():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, 4000).astype(float)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(-1 + 1.5 * x)))).astype(int)
    frame = pd.DataFrame({"x": x})
    fit = models.ordered_logit(pd.Series(pd.Categorical(y, [0, 1], ordered=True)), frame)
    # with two levels the ordered logit is a logit: P(y=1 | x) = 1 - F(cut - b x)
    beta, cut = fit.params["x"], fit.params.iloc[-1]
    p1, low, high = models.predicted_probability(fit, {"x": 1.0})
    assert p1 == pytest.approx(1 - 1 / (1 + np.exp(-(cut - beta))))
    assert low < p1 < high and high - low < 0.06
    logit = sm.Logit(y, sm.add_constant(x)).fit(disp=False)
    assert p1 == pytest.approx(float(logit.predict([[1.0, 1.0]])[0]), abs=1e-4)


def test_ols_has_robust_errors_and_drops_incomplete_rows():
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0, None], "x": [0.0, 1.0, 2.0, 3.0, 4.0]})
    fit = models.ols(frame["y"], frame[["x"]])
    assert fit.cov_type == "HC1" and fit.nobs == 4
    est = models.estimate(fit, "x")
    assert est.coef == pytest.approx(1.3) and est.low < est.coef < est.high and est.n == 4


@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_estimate_intervals_are_the_normal_interval_by_hand_on_the_books_fit(confidence):
    # Appendix A on the book's stand-in: statsmodels' conf_int is coef -/+ z * robust se (normal, not t).
    gallup = simulate.respondents("gallup")
    recent = gallup[gallup["year"].isin((2018, 2019))]
    approve = {column: schema.indicator(recent[column], ("approve",)) for column in ("approve_us", "approve_russia")}
    fit = models.ols(
        approve["approve_us"], models.design(recent, {"approve_russia": approve["approve_russia"]}), recent["weight"]
    )
    est = models.estimate(fit, "approve_russia", confidence)
    z = survey.z_value(confidence)
    assert (est.low, est.high) == pytest.approx((est.coef - z * est.se, est.coef + z * est.se), abs=1e-12)
    assert est.high - est.low > 0.01 and est.confidence == confidence


def test_design_never_turns_dont_know_into_a_category():
    levels = pd.CategoricalDtype(list(schema.IMMIGRATION))
    frame = pd.DataFrame({"immigration": pd.Series(["increase", "decrease", "dont_know", "keep"], dtype=levels)})
    X = models.design(frame, categorical={"immigration": "increase"})
    assert list(X.columns) == ["immigration[keep]", "immigration[decrease]"]
    assert X.iloc[2].isna().all() and X.iloc[1].tolist() == [0.0, 1.0]
