import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from kzopinion.analysis import models
from kzopinion.data import schema


def test_ordered_probabilities_by_hand():
    # one regressor, beta = 0.5, cuts at -1 and (-1 + exp(0)) = 0, x = 2: x'b = 1
    probs = models.ordered_probabilities(np.array([0.5, -1.0, 0.0]), np.array([[2.0]]), 2)[0]

    def logistic(v):
        return 1 / (1 + np.exp(-v))

    assert probs == pytest.approx([logistic(-2), logistic(-1) - logistic(-2), 1 - logistic(-1)])
    assert probs.sum() == pytest.approx(1)


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


def test_design_never_turns_dont_know_into_a_category():
    levels = pd.CategoricalDtype(list(schema.IMMIGRATION))
    frame = pd.DataFrame({"immigration": pd.Series(["increase", "decrease", "dont_know", "keep"], dtype=levels)})
    X = models.design(frame, categorical={"immigration": "increase"})
    assert list(X.columns) == ["immigration[keep]", "immigration[decrease]"]
    assert X.iloc[2].isna().all() and X.iloc[1].tolist() == [0.0, 1.0]
