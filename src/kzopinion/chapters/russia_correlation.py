"""Chapter 02, Russia and the United States: not a zero-sum choice. How the article's claims about
its regressions are judged: sign *and* significance where the article says significant, and a
family of models counts only if every model in it ran.

The models themselves are in :mod:`kzopinion.correlation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kzopinion.models import Estimate

FAMILY_CLAIMS = {
    "ru_app_c_countries_positive_significant": "countries",
    "ru_app_c_leaders_positive_significant": "leaders",
    "ru_app_c_economy_positive_significant": "economic ties",
    "ru_china_cab_positive_significant": "China",
}


@dataclass(frozen=True)
class Verdict:
    """Whether a claim about models holds, and the evidence in words."""

    holds: bool
    text: str


def positive_significant(estimates: list[Estimate], alpha: float) -> Verdict:
    """Every coefficient positive with p below ``alpha``."""
    from kzopinion import formatting as fmt

    good = sum(e.coef > 0 and e.p < alpha for e in estimates)
    words = "; ".join(f"{fmt.decimal(e.coef)}, {fmt.p_value(e.p)}" for e in estimates)
    return Verdict(bool(estimates) and good == len(estimates),
                   f"{'holds' if good == len(estimates) else 'does not hold'} ({words})")


def positive_not_significant(estimate: Estimate, alpha: float) -> Verdict:
    """A positive coefficient whose p-value is at least ``alpha`` (the article's Appendix B)."""
    from kzopinion import formatting as fmt

    holds = estimate.coef > 0 and estimate.p >= alpha
    return Verdict(holds, f"{'holds' if holds else 'does not hold'} ({fmt.decimal(estimate.coef)}, "
                          f"{fmt.p_value(estimate.p)})")


def family_verdict(pairs: pd.DataFrame, family: str, alpha: float, expected: int) -> Verdict | None:
    """Appendix C: a family holds when all ``expected`` models ran, each positive and significant.

    Returns ``None`` (the claim is not credited either way) when any model of the family could
    not run on the registered waves.
    """
    from kzopinion import formatting as fmt

    rows = pairs[pairs["family"] == family]
    if "ran" in rows:
        rows = rows[rows["ran"].astype(bool)]
    if len(rows) < expected:
        return None
    good = int(((rows["coef"] > 0) & (rows["p"] < alpha)).sum())
    return Verdict(good == expected, f"{'holds' if good == expected else 'does not hold'}: "
                                     f"{fmt.count_of(good, expected)} models positive with p < {alpha:g}")
