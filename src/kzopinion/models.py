"""The article's regression designs: linear probability / OLS with robust errors, ordered logit,
and average predicted probabilities with delta-method intervals.

All fits drop respondents with a missing value in any variable of the model (listwise), as
survey regressions usually do, and report how many remain. Standard errors of linear models
are heteroskedasticity-robust (HC1) by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm
from statsmodels.miscmodels.ordinal_model import OrderedModel

from kzopinion import schema


@dataclass(frozen=True)
class Estimate:
    """One coefficient: estimate, robust standard error, p-value, 95% interval, sample size."""

    term: str
    coef: float
    se: float
    p: float
    low: float
    high: float
    n: int


def design(frame: pd.DataFrame, numeric: dict[str, pd.Series] | None = None,
           categorical: dict[str, str] | None = None) -> pd.DataFrame:
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
    return model.fit(cov_type=robust)


def estimate(results, term: str) -> Estimate:
    """The coefficient ``term`` of a fitted model as an :class:`Estimate`."""
    coef, se, p = float(results.params[term]), float(results.bse[term]), float(results.pvalues[term])
    z = norm.ppf(0.975)
    return Estimate(term, coef, se, p, coef - z * se, coef + z * se, int(results.nobs))


def ordered_logit(y: pd.Series, X: pd.DataFrame):
    """Ordered logit of an ordered categorical ``y`` (its substantive levels, in order) on ``X``."""
    substantive = [lvl for lvl in y.cat.categories if lvl not in schema.NONRESPONSE] \
        if isinstance(y.dtype, pd.CategoricalDtype) else None
    if substantive is not None:
        y = y.astype("object").where(y.isin(substantive)).astype(pd.CategoricalDtype(substantive, ordered=True))
    keep = y.notna() & X.notna().all(axis=1)
    X = X.loc[keep]
    X = X.drop(columns=X.columns[X.nunique() <= 1])
    model = OrderedModel(y.loc[keep], X, distr="logit")
    return model.fit(method="bfgs", disp=False, maxiter=2000)


def ordered_probabilities(params: np.ndarray, exog: np.ndarray, n_thresholds: int) -> np.ndarray:
    """P(y = k) for each row under an ordered logit with ``params`` = [betas..., cut_1, log-increments...].

    statsmodels parametrises the cuts as cut_1 and log(cut_k - cut_{k-1}); P(y <= k) = F(cut_k - x'b).
    """
    k = exog.shape[1]
    beta, raw = params[:k], params[k:k + n_thresholds]
    cuts = np.cumsum(np.concatenate([[raw[0]], np.exp(raw[1:])]))
    xb = exog @ beta
    cdf = 1 / (1 + np.exp(-(cuts[None, :] - xb[:, None])))
    cdf = np.hstack([np.zeros((len(xb), 1)), cdf, np.ones((len(xb), 1))])
    return np.diff(cdf, axis=1)


def _averager(results, settings: dict[str, float], level: int):
    exog = results.model.exog.copy()
    names = list(results.model.exog_names)
    for column, value in settings.items():
        exog[:, names.index(column)] = value
    n_thresholds = len(results.params) - exog.shape[1]
    return lambda theta: float(ordered_probabilities(theta, exog, n_thresholds)[:, level].mean())


def _delta_interval(function, results) -> tuple[float, float, float, float]:
    """Value, standard error and 95% bounds of ``function(params)`` by the delta method."""
    params = np.asarray(results.params, dtype=float)
    step = 1e-6
    unit = np.eye(len(params))
    gradient = np.array([(function(params + step * unit[j]) - function(params - step * unit[j])) / (2 * step)
                         for j in range(len(params))])
    value = function(params)
    se = float(np.sqrt(gradient @ np.asarray(results.cov_params()) @ gradient))
    z = norm.ppf(0.975)
    return float(value), se, float(value - z * se), float(value + z * se)


def predicted_probability(results, settings: dict[str, float], level: int = -1) -> tuple[float, float, float]:
    """Average predicted probability of outcome level ``level`` with regressors fixed at ``settings``.

    Every respondent in the estimation sample keeps their other characteristics; the named
    columns are set (e.g. ``{"immigration[decrease]": 1.0, "immigration[keep]": 0.0}``) and the
    model's probabilities averaged. Returns (probability, 95% low, 95% high), the interval by the
    delta method with a numerical gradient.
    """
    value, _, low, high = _delta_interval(_averager(results, settings, level), results)
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


def predicted_change(results, before: dict[str, float], after: dict[str, float], level: int = -1) -> Change:
    """``P(after) - P(before)`` averaged over the sample, delta-method interval and two-sided p-value."""
    first, second = _averager(results, before, level), _averager(results, after, level)
    change, se, low, high = _delta_interval(lambda theta: second(theta) - first(theta), results)
    p = float(2 * norm.sf(abs(change) / se)) if se > 0 else 0.0
    before_value, _, before_low, before_high = _delta_interval(first, results)
    after_value, _, after_low, after_high = _delta_interval(second, results)
    return Change(before_value, after_value, change, se, low, high, p,
                  (max(0.0, before_low), min(1.0, before_high)), (max(0.0, after_low), min(1.0, after_high)))
