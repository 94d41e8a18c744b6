"""The article's designs for 'no mutual exclusivity' (Figure 1, Supplemental Appendices A-C).

- Figure 1: weighted distribution of CAB favourability of Russia, China and the US.
- Appendix A: linear probability model of approving US leadership on approving Russia's
  (Gallup 2018-2019); Appendix B adds controls, including approval of other leaders as a
  proxy of general "leader positivity".
- Appendix C: OLS of each CAB opinion on its counterpart (countries, leaders, wanting closer
  economic ties), controlling for the mean opinion of other Central Asian leaders and
  demographics; the same for China against the US and Russia.
"""

from __future__ import annotations

import pandas as pd

from kzopinion import models, schema

FAVOURABLE = ("very_favourable", "somewhat_favourable")
DEMOGRAPHICS = {"sex": "male", "education": "secondary", "urban": "urban"}
CAB_PAIRS = [  # (outcome, predictor, label, family)
    ("fav_us", "fav_russia", "Opinion of the US on opinion of Russia", "countries"),
    ("fav_russia", "fav_us", "Opinion of Russia on opinion of the US", "countries"),
    ("opinion_trump", "opinion_putin", "Opinion of Trump on opinion of Putin", "leaders"),
    ("opinion_putin", "opinion_trump", "Opinion of Putin on opinion of Trump", "leaders"),
    ("closer_econ_us", "closer_econ_russia", "Closer economic ties with the US on those with Russia", "economic ties"),
    ("closer_econ_russia", "closer_econ_us", "Closer economic ties with Russia on those with the US", "economic ties"),
    ("fav_china", "fav_us", "Opinion of China on opinion of the US", "China"),
    ("fav_china", "fav_russia", "Opinion of China on opinion of Russia", "China"),
    ("opinion_xi", "opinion_trump", "Opinion of Xi on opinion of Trump", "China"),
    ("opinion_xi", "opinion_putin", "Opinion of Xi on opinion of Putin", "China"),
    ("closer_econ_china", "closer_econ_us", "Closer economic ties with China on those with the US", "China"),
    ("closer_econ_china", "closer_econ_russia", "Closer economic ties with China on those with Russia", "China"),
]
LEVEL_ORDER = ["very_unfavourable", "somewhat_unfavourable", "dont_know", "somewhat_favourable", "very_favourable"]


def favourability_distribution(frame: pd.DataFrame, items: dict[str, str], by_wave: bool = False) -> pd.DataFrame:
    """Weighted share (percent) of each answer for each item; refused answers are left out.

    ``items`` maps canonical columns to display names. Columns: item, [wave,] answer, percent.
    """
    rows = []
    groups = frame.groupby("wave") if by_wave else [(None, frame)]
    for wave, group in groups:
        for column, name in items.items():
            answered = group[group[column].notna() & (group[column] != "refused")]
            totals = answered.groupby(answered[column].astype(str), observed=True)["weight"].sum()
            for answer in LEVEL_ORDER:
                row = {"item": name, "answer": answer, "percent": float(100 * totals.get(answer, 0.0) / totals.sum())}
                if by_wave:
                    row["wave"] = int(wave)
                rows.append(row)
    return pd.DataFrame(rows)


def favourable_share(frame: pd.DataFrame, column: str) -> tuple[float, float]:
    """Weighted percent favourable and unfavourable (don't know in the base, refused out)."""
    shares = favourability_distribution(frame, {column: column}).set_index("answer")["percent"]
    return (float(shares["very_favourable"] + shares["somewhat_favourable"]),
            float(shares["very_unfavourable"] + shares["somewhat_unfavourable"]))


def _approval(frame: pd.DataFrame, column: str) -> pd.Series:
    return schema.indicator(frame[column], ("approve",))


def gallup_lpm(frame: pd.DataFrame, controls: bool) -> models.Estimate:
    """Appendix A (``controls=False``) or B: approve US leadership on approve Russia's (0/1)."""
    numeric = {"approve_russia": _approval(frame, "approve_russia")}
    categorical = {}
    if controls:
        numeric |= {"approve_china": _approval(frame, "approve_china"),
                    "approve_germany": _approval(frame, "approve_germany"),
                    "approve_kz_leadership": _approval(frame, "approve_kz_leadership"),
                    "age": frame["age"].astype(float)}
        categorical = models.asked(frame, {**DEMOGRAPHICS, "economy": "same"})
    X = models.design(frame, numeric, categorical)
    return models.estimate(models.ols(_approval(frame, "approve_us"), X, frame["weight"]), "approve_russia")


def gallup_china(frame: pd.DataFrame) -> list[tuple[str, models.Estimate]]:
    """Approval of China's leadership on approval of the US's and of Russia's, with the full controls."""
    out = []
    for predictor in ("approve_us", "approve_russia"):
        numeric = {predictor: _approval(frame, predictor), "approve_germany": _approval(frame, "approve_germany"),
                   "approve_kz_leadership": _approval(frame, "approve_kz_leadership"), "age": frame["age"].astype(float)}
        X = models.design(frame, numeric, models.asked(frame, {**DEMOGRAPHICS, "economy": "same"}))
        out.append((predictor, models.estimate(models.ols(_approval(frame, "approve_china"), X, frame["weight"]), predictor)))
    return out


def _cab_score(frame: pd.DataFrame, column: str) -> pd.Series:
    if column.startswith("closer_econ"):
        return schema.indicator(frame[column], ("support",))
    return schema.score(frame[column])


def cab_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Appendix C: every pair's coefficient with controls (other CA leaders, age, demographics)."""
    rows = []
    for outcome, predictor, label, family in CAB_PAIRS:
        if frame[outcome].isna().all() or frame[predictor].isna().all():
            continue  # not asked in the registered waves
        numeric = {predictor: _cab_score(frame, predictor), **{
            c: frame[c].astype(float) for c in models.asked(frame, {"opinion_other_ca_leaders": 0, "age": 0})}}
        X = models.design(frame, numeric, models.asked(frame, DEMOGRAPHICS))
        est = models.estimate(models.ols(_cab_score(frame, outcome), X, frame["weight"]), predictor)
        rows.append({"label": label, "family": family, "outcome": outcome, "predictor": predictor,
                     "coef": est.coef, "se": est.se, "p": est.p, "low": est.low, "high": est.high, "n": est.n})
    return pd.DataFrame(rows)
