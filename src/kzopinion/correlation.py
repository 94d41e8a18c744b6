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

import numpy as np
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
    return (
        float(shares["very_favourable"] + shares["somewhat_favourable"]),
        float(shares["very_unfavourable"] + shares["somewhat_unfavourable"]),
    )


def _approval(frame: pd.DataFrame, column: str) -> pd.Series:
    return schema.indicator(frame[column], ("approve",))


def gallup_lpm(frame: pd.DataFrame, controls: bool, confidence: float = 0.95) -> models.Estimate:
    """Appendix A (``controls=False``) or B: approve US leadership on approve Russia's (0/1)."""
    numeric = {"approve_russia": _approval(frame, "approve_russia")}
    categorical = {}
    if controls:
        numeric |= {
            "approve_china": _approval(frame, "approve_china"),
            "approve_germany": _approval(frame, "approve_germany"),
            "approve_kz_leadership": _approval(frame, "approve_kz_leadership"),
            "age": frame["age"].astype(float),
        }
        categorical = models.asked(frame, {**DEMOGRAPHICS, "economy": "same"})
    X = models.design(frame, numeric, categorical)
    fit = models.ols(_approval(frame, "approve_us"), X, frame["weight"])
    return models.estimate(fit, "approve_russia", confidence)


def gallup_china(frame: pd.DataFrame, confidence: float = 0.95) -> list[tuple[str, models.Estimate]]:
    """Approval of China's leadership on approval of the US's and of Russia's, with the full controls."""
    out = []
    for predictor in ("approve_us", "approve_russia"):
        numeric = {
            predictor: _approval(frame, predictor),
            "approve_germany": _approval(frame, "approve_germany"),
            "approve_kz_leadership": _approval(frame, "approve_kz_leadership"),
            "age": frame["age"].astype(float),
        }
        X = models.design(frame, numeric, models.asked(frame, {**DEMOGRAPHICS, "economy": "same"}))
        fit = models.ols(_approval(frame, "approve_china"), X, frame["weight"])
        out.append((predictor, models.estimate(fit, predictor, confidence)))
    return out


def _cab_score(frame: pd.DataFrame, column: str) -> pd.Series:
    if column.startswith("closer_econ"):
        return schema.indicator(frame[column], ("support",))
    return schema.score(frame[column])


CONTROL_NAMES = {
    "opinion_other_ca_leaders": "mean opinion of the other Central Asian presidents",
    "age": "age",
    "sex": "sex",
    "education": "education",
    "urban": "settlement type",
}


def _absent_waves(frame: pd.DataFrame, columns: tuple[str, ...], waves: list[int]) -> list[int]:
    """The waves in which any of ``columns`` has no answer at all (not asked or not mapped)."""
    return [w for w in waves if any(frame.loc[frame["wave"] == w, c].isna().all() for c in columns)]


def _asked_in_every_wave(frame: pd.DataFrame, columns: dict) -> dict:
    """Controls answered in every wave of ``frame`` (one asked in some waves only would silently drop the others)."""
    groups = [group for _, group in frame.groupby("wave")]
    return {name: value for name, value in columns.items() if all(g[name].notna().any() for g in groups)}


def cab_pairs(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Appendix C: all twelve models, each with whether it ran, on which waves and with which controls.

    A model runs on the waves where both its outcome and its predictor were asked; with none, it
    is "not computed (items absent in waves ...)" and its estimates are missing, never zero.
    Controls (the mean opinion of the other Central Asian presidents, age, sex, education,
    settlement type) enter when asked in those waves; ``controls`` lists the ones used.
    Columns: label, family, outcome, predictor, ran, reason, waves, controls, coef, se, p, low, high, n.
    """
    waves = sorted(int(w) for w in frame["wave"].dropna().unique())
    rows = []
    for outcome, predictor, label, family in CAB_PAIRS:
        absent = _absent_waves(frame, (outcome, predictor), waves)
        used = [w for w in waves if w not in absent]
        row = {
            "label": label,
            "family": family,
            "outcome": outcome,
            "predictor": predictor,
            "ran": False,
            "reason": "",
            "waves": describe_waves(used) if used else "",
            "controls": "",
            "coef": float("nan"),
            "se": float("nan"),
            "p": float("nan"),
            "low": float("nan"),
            "high": float("nan"),
            "n": 0,
        }
        if not used:
            row["reason"] = f"not computed (items absent in {describe_waves(absent)})"
            rows.append(row)
            continue
        sub = frame[frame["wave"].isin(used)]
        numeric_controls = _asked_in_every_wave(sub, {"opinion_other_ca_leaders": 0, "age": 0})
        categorical = _asked_in_every_wave(sub, DEMOGRAPHICS)
        numeric = {predictor: _cab_score(sub, predictor), **{c: sub[c].astype(float) for c in numeric_controls}}
        try:
            fit = models.ols(_cab_score(sub, outcome), models.design(sub, numeric, categorical), sub["weight"])
            est = models.estimate(fit, predictor, confidence)
        except (ValueError, KeyError, np.linalg.LinAlgError) as err:
            row["reason"] = f"not computed (the model cannot be fitted on {describe_waves(used)}: {err})"
            rows.append(row)
            continue
        row |= {
            "ran": True,
            "controls": ", ".join(CONTROL_NAMES[c] for c in CONTROL_NAMES if c in numeric_controls or c in categorical),
            "coef": est.coef,
            "se": est.se,
            "p": est.p,
            "low": est.low,
            "high": est.high,
            "n": est.n,
        }
        if absent:
            row["reason"] = f"items absent in {describe_waves(absent)}"
        rows.append(row)
    return pd.DataFrame(rows)


def describe_waves(waves) -> str:
    """'wave 1', 'waves 1-6', 'waves 1, 3 and 5' (the wording of microdata labels)."""
    from kzopinion import microdata

    return microdata.describe_waves(waves)


def waves_caption(respondents) -> str:
    """Which CAB waves (and years) a figure uses, e.g. 'CAB wave 1 (2017)' or 'CAB waves 1-6 (2017-2019)'.

    For the stand-in: 'the stand-in for CAB waves 1-6 (2017-2019)'.
    """
    frame = respondents.frame
    years = sorted(int(y) for y in frame["year"].dropna().unique())
    span = (f" ({years[0]})" if len(years) == 1 else f" ({years[0]}-{years[-1]})") if years else ""
    text = f"CAB {describe_waves(frame['wave'].dropna().unique())}{span}"
    return f"the simulated stand-in for {text}" if respondents.simulated else text


def models_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """The Appendix C models as the reader sees them: estimate or why it is missing, waves, controls."""

    def cell(row, text: str) -> str:
        return text if row.ran else ""

    rows = list(pairs.itertuples())
    return pd.DataFrame(
        {
            "Model": pairs["label"],
            "Family": pairs["family"],
            "Coefficient": [f"{r.coef:.3f}" if r.ran else r.reason for r in rows],
            "Robust SE": [cell(r, f"{r.se:.3f}") for r in rows],
            "p-value": [cell(r, f"{r.p:.3f}") for r in rows],
            "95% interval": [cell(r, f"{r.low:.3f} to {r.high:.3f}") for r in rows],
            "Respondents": [cell(r, f"{r.n:,}") for r in rows],
            "Waves": [r.waves + (f" ({r.reason})" if r.ran and r.reason else "") for r in rows],
            "Controls used": pairs["controls"],
        }
    ).set_index("Model")
