"""The article's regression designs: linear probability / OLS with robust errors, ordered logit,
and average predicted probabilities with delta-method intervals (statsmodels' ``get_prediction``).

All fits drop respondents with a missing value in any variable of the model (listwise), as
survey regressions usually do, and report how many remain. Standard errors of linear models
are heteroskedasticity-robust (HC1) by default.

Determinism across machines. Linear models are solved directly (QR / pseudo-inverse), the
ordered logit by Newton's method from the documented null-model start (zero slopes,
thresholds at the observed cumulative shares) to a gradient tolerance far below the
recorded precision (:data:`ORDERED_LOGIT_FIT`), and every fit runs with one BLAS thread, so
a parallel reduction cannot change its order between runs. What differs between CPUs is then
in the last few bits, which :func:`kzopinion.formatting.stable` rounds away before anything
is recorded. ``tests/book/test_determinism.py`` re-executes the notebooks with every fit's
starting values nudged and its rows reversed (from outside this module, by wrapping :func:`ols`
and :func:`ordered_logit` in the kernels) and shows those last bits never reach a record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel
from threadpoolctl import threadpool_limits

from kzopinion.data import schema

# Newton's method with a gradient tolerance far below the six recorded significant digits.
ORDERED_LOGIT_FIT = {"method": "newton", "tol": 1e-12, "maxiter": 200}


@dataclass(frozen=True)
class Estimate:
    """One coefficient: estimate, robust standard error, p-value, interval (at ``confidence``), sample size."""

    term: str
    coef: float
    se: float
    p: float
    low: float
    high: float
    n: int
    confidence: float = 0.95


def design(
    frame: pd.DataFrame, numeric: dict[str, pd.Series] | None = None, categorical: dict[str, str] | None = None
) -> pd.DataFrame:
    """Regressors: named numeric series plus dummies of categorical columns (reference level dropped).

    ``categorical`` maps a canonical column to its reference level; don't know/refused
    become missing, never a category.
    """
    parts = [pd.DataFrame(numeric or {}, index=frame.index)]
    for column, reference in (categorical or {}).items():
        values = frame[column].astype("object").where(~frame[column].isin(schema.NONRESPONSE))
        levels = [lvl for lvl in frame[column].cat.categories if lvl not in schema.NONRESPONSE and lvl != reference]
        dummies = pd.DataFrame({f"{column}[{lvl}]": (values == lvl).astype(float) for lvl in levels}, index=frame.index)
        parts.append(dummies.where(values.notna()))
    return pd.concat(parts, axis=1)


def asked(frame: pd.DataFrame, columns: dict) -> dict:
    """The entries of ``columns`` whose canonical column has any answer in ``frame``.

    A control a source never asked (all missing) would otherwise drop every respondent.
    """
    return {name: value for name, value in columns.items() if frame[name].notna().any()}


def _complete(y: pd.Series, X: pd.DataFrame, weights: pd.Series | None):
    keep = y.notna() & X.notna().all(axis=1)
    if weights is not None:
        keep &= weights.notna()
    X = X.loc[keep]
    constant = X.columns[(X.nunique() <= 1)]
    return y.loc[keep], X.drop(columns=constant), (weights.loc[keep] if weights is not None else None)


def ols(y: pd.Series, X: pd.DataFrame, weights: pd.Series | None = None, robust: str = "HC1"):
    """OLS (a linear probability model when ``y`` is 0/1) with robust standard errors."""
    y, X, w = _complete(y, X, weights)
    exog = sm.add_constant(X, has_constant="add")
    model = sm.WLS(y, exog, weights=w) if w is not None else sm.OLS(y, exog)
    with threadpool_limits(limits=1):
        return model.fit(method="pinv", cov_type=robust)


def estimate(results, term: str, confidence: float = 0.95) -> Estimate:
    """The coefficient ``term`` of a fitted model as an :class:`Estimate` with a ``confidence`` interval."""
    coef, se, p = float(results.params[term]), float(results.bse[term]), float(results.pvalues[term])
    low, high = results.conf_int(alpha=1 - confidence).loc[term]
    return Estimate(term, coef, se, p, float(low), float(high), int(results.nobs), confidence)


class AnalyticOrderedLogit(OrderedModel):
    """statsmodels' ordered logit with the analytic score, so Newton's method converges to the
    exact maximum rather than to within the noise of a numerically differentiated likelihood.

    With ``u = c_y - x'b`` and ``l = c_{y-1} - x'b`` the bounds of the observed category,
    ``p = F(u) - F(l)`` and ``f`` the logistic density: ``d ll / d b = -(f(u) - f(l)) / p * x``
    and ``d ll / d c_j = (f(u) [j = y] - f(l) [j = y - 1]) / p``; the thresholds are
    ``c_1 = t_1`` and ``c_j = c_{j-1} + exp(t_j)``, which the chain rule applies.
    """

    def score(self, params):
        params = np.asarray(params, dtype=float)
        k = self.k_vars
        low, upp = self._bounds(params)
        prob = self.prob(low, upp) + 1e-20
        f_low, f_upp = self.pdf(low), self.pdf(upp)  # the density is 0 at infinite bounds
        slope = -(((f_upp - f_low) / prob) @ self.exog) if k else np.zeros(0)
        n_cuts = self.k_levels - 1
        d_cut = np.zeros(n_cuts)
        for j in range(n_cuts):  # the cut between category j and j + 1
            d_cut[j] = ((f_upp * (self.endog == j)) - (f_low * (self.endog == j + 1))) @ (1 / prob)
        raw = params[k:]
        jacobian = np.zeros((n_cuts, n_cuts))  # d c_j / d t_m
        jacobian[:, 0] = 1.0
        for m in range(1, n_cuts):
            jacobian[m:, m] = np.exp(raw[m])
        return np.concatenate([slope, d_cut @ jacobian])

    def cdf(self, x):
        """The logistic cdf; at complex arguments as ``(1 + tanh(x / 2)) / 2``, which SciPy's logistic lacks.

        statsmodels differentiates a prediction for its delta-method error by a complex step
        (exact to rounding) when the model's probabilities accept complex parameters, and falls
        back to forward differences (a relative error near 1e-6) otherwise. Real arguments, and so
        the fit, keep SciPy's cdf. The halves are taken of the real and imaginary parts apart
        because the outer thresholds are infinite, and a complex infinity divided by 2 is NaN.
        """
        x = np.asarray(x)
        if not np.iscomplexobj(x):
            return super().cdf(x)
        return 0.5 * (1 + np.tanh(x.real / 2 + 1j * (x.imag / 2)))

    def hessian(self, params):
        from statsmodels.tools.numdiff import approx_fprime

        return approx_fprime(np.asarray(params, dtype=float), self.score, centered=True)


def ordered_logit(y: pd.Series, X: pd.DataFrame):
    """Ordered logit of an ordered categorical ``y`` (its substantive levels, in order) on ``X``."""
    substantive = (
        [lvl for lvl in y.cat.categories if lvl not in schema.NONRESPONSE]
        if isinstance(y.dtype, pd.CategoricalDtype)
        else None
    )
    if substantive is not None:
        y = y.astype("object").where(y.isin(substantive)).astype(pd.CategoricalDtype(substantive, ordered=True))
    keep = y.notna() & X.notna().all(axis=1)
    X = X.loc[keep]
    X = X.drop(columns=X.columns[X.nunique() <= 1])
    y = y.loc[keep]
    model = AnalyticOrderedLogit(y, X, distr="logit")
    # The null model's start (zero slopes, thresholds at the cumulative shares), stated explicitly.
    start = np.asarray(model.start_params, dtype=float)
    with threadpool_limits(limits=1):
        return model.fit(start_params=start, disp=False, **ORDERED_LOGIT_FIT)


def _exog_at(results, settings: dict[str, float]) -> np.ndarray:
    """The estimation sample's regressors with the columns named in ``settings`` set to their values."""
    exog = results.model.exog.copy()
    names = list(results.model.exog_names)
    for column, value in settings.items():
        exog[:, names.index(column)] = value
    return exog


def _at_level(prediction, level: int, confidence: float) -> tuple[float, float, float, float]:
    """Value, standard error and ``confidence`` bounds of outcome level ``level`` of a statsmodels prediction."""
    low, high = prediction.conf_int(alpha=1 - confidence)[level]
    return float(prediction.predicted[level]), float(prediction.se[level]), float(low), float(high)


def _average_prediction(results, settings: dict[str, float]):
    """statsmodels' average predicted probabilities of every level at ``settings``, with delta-method errors."""
    return results.get_prediction(_exog_at(results, settings), which="prob", average=True)


def predicted_probability(
    results, settings: dict[str, float], level: int = -1, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Average predicted probability of outcome level ``level`` with regressors fixed at ``settings``.

    Every respondent in the estimation sample keeps their other characteristics; the named
    columns are set (e.g. ``{"immigration[decrease]": 1.0, "immigration[keep]": 0.0}``) and the
    model's probabilities averaged. Returns (probability, low, high), the ``confidence`` interval
    by the delta method (statsmodels' ``get_prediction(..., which="prob", average=True)``).
    """
    value, _, low, high = _at_level(_average_prediction(results, settings), level, confidence)
    return value, max(0.0, low), min(1.0, high)


@dataclass(frozen=True)
class Change:
    """Change in an average predicted probability between two settings, with its uncertainty."""

    before: float
    after: float
    change: float
    se: float
    low: float
    high: float
    p: float
    before_interval: tuple[float, float]
    after_interval: tuple[float, float]


def predicted_change(
    results, before: dict[str, float], after: dict[str, float], level: int = -1, confidence: float = 0.95
) -> Change:
    """``P(after) - P(before)`` averaged over the sample, delta-method ``confidence`` interval, two-sided p-value.

    The change is one statsmodels prediction: the sample's rows at ``before`` stacked on its rows at
    ``after``, averaged with weights -2 and +2, is ``mean P(after) - mean P(before)``, so its
    delta-method error accounts for the covariance of the two averages.
    """
    rows = len(results.model.exog)
    stacked = np.vstack([_exog_at(results, before), _exog_at(results, after)])
    weights = np.repeat([-2.0, 2.0], rows)
    difference = results.get_prediction(stacked, which="prob", average=True, agg_weights=weights)
    change, se, low, high = _at_level(difference, level, confidence)
    p = float(difference.t_test()[1][level]) if se > 0 else 0.0
    before_value, _, before_low, before_high = _at_level(_average_prediction(results, before), level, confidence)
    after_value, _, after_low, after_high = _at_level(_average_prediction(results, after), level, confidence)
    return Change(
        before_value,
        after_value,
        change,
        se,
        low,
        high,
        p,
        (max(0.0, before_low), min(1.0, before_high)),
        (max(0.0, after_low), min(1.0, after_high)),
    )
