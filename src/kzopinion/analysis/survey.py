"""Survey arithmetic: proportions, margins of error, design effects, Wilson intervals.

Conventions: proportions are in [0, 1]; margins of error are half-widths of a two-sided
interval, in the same unit as the proportion (multiply by 100 for percentage points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def z_value(confidence: float = 0.95) -> float:
    """Two-sided normal quantile, e.g. 1.95996... for 95%.

    The standard library's inverse normal (Wichura's AS241, accurate to about 1e-15) keeps
    SciPy, a half-second import, out of the kernels that only need survey arithmetic.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def margin_of_error(p: float, n: float, confidence: float = 0.95, design_effect: float = 1.0) -> float:
    """Half-width of the normal interval for a proportion.

    ``moe = z * sqrt(deff * p * (1 - p) / n)``; ``deff = 1`` is simple random sampling.
    Reported survey margins usually take the worst case ``p = 0.5``.
    """
    _check_proportion(p)
    if n <= 0:
        raise ValueError(f"sample size must be positive, got {n}")
    if design_effect <= 0:
        raise ValueError(f"design effect must be positive, got {design_effect}")
    return z_value(confidence) * math.sqrt(design_effect * p * (1 - p) / n)


def implied_design_effect(reported_moe: float, n: float, p: float = 0.5, confidence: float = 0.95) -> float:
    """Design effect that makes the SRS margin equal a reported one.

    ``deff = (reported_moe / moe_srs)^2`` with ``moe_srs = margin_of_error(p, n)``.
    """
    if reported_moe <= 0:
        raise ValueError(f"reported margin must be positive, got {reported_moe}")
    return (reported_moe / margin_of_error(p, n, confidence)) ** 2


def effective_sample_size(n: float, design_effect: float) -> float:
    """``n / deff``: the SRS sample size with the same precision."""
    return n / design_effect


def proportion_interval(
    p: float, n: float, confidence: float = 0.95, design_effect: float = 1.0
) -> tuple[float, float]:
    """Normal (Wald) interval ``p -/+ margin_of_error``, clipped to [0, 1]."""
    moe = margin_of_error(p, n, confidence, design_effect)
    return max(0.0, p - moe), min(1.0, p + moe)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval, preferred for small counts (focus groups), from statsmodels.

    ``(p + z²/2n -/+ z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = successes / n``
    (the closed form is the test oracle).
    """
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0:
        raise ValueError(f"base must be positive, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"count {successes} must lie between 0 and its base {n}")
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    return max(0.0, float(low)), min(1.0, float(high))


def weighted_proportion(indicator: Sequence[float], weights: Sequence[float]) -> float:
    """``sum(w * y) / sum(w)`` over cases whose indicator is not missing (NaN/None)."""
    pairs = [
        (float(y), float(w))
        for y, w in zip(indicator, weights, strict=True)
        if y is not None and not math.isnan(float(y))
    ]
    total = sum(w for _, w in pairs)
    if total <= 0:
        raise ValueError("weights of the non-missing cases sum to zero")
    return sum(y * w for y, w in pairs) / total


def kish_design_effect(weights: Sequence[float]) -> float:
    """Kish's design effect due to weighting: ``n * sum(w²) / (sum w)²``."""
    w = [float(x) for x in weights]
    if not w or sum(w) <= 0:
        raise ValueError("weights must be non-empty with a positive sum")
    return len(w) * sum(x * x for x in w) / sum(w) ** 2


def _check_proportion(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"a proportion must lie in [0, 1], got {p}")


def interval_table(percent: pd.Series, n: float, confidence: float = 0.95, design_effect: float = 1.0) -> pd.DataFrame:
    """Normal intervals, in percent, for shares (in percent) from one sample of size ``n``.

    Columns: ``percent``, ``low``, ``high``, ``moe`` (points), indexed like ``percent``.
    """
    import pandas as pd

    rows = {}
    for key, value in percent.items():
        p = float(value) / 100
        low, high = proportion_interval(p, n, confidence, design_effect)
        rows[key] = {
            "percent": float(value),
            "low": 100 * low,
            "high": 100 * high,
            "moe": 100 * margin_of_error(p, n, confidence, design_effect),
        }
    return pd.DataFrame.from_dict(rows, orient="index")
