"""Chapter 02, Russia and the United States: not a zero-sum choice.

The article's designs for 'no mutual exclusivity' (Figure 1, Supplemental Appendices A-C):

- Figure 1: weighted distribution of CAB favourability of Russia, China and the US.
- Appendix A: linear probability model of approving US leadership on approving Russia's
  (Gallup 2018-2019); Appendix B adds controls, including approval of other leaders as a
  proxy of general "leader positivity".
- Appendix C: OLS of each CAB opinion on its counterpart (countries, leaders, wanting closer
  economic ties), controlling for the mean opinion of other Central Asian leaders and
  demographics; the same for China against the US and Russia.

How the article's claims about its regressions are judged: sign *and* significance where the
article says significant, and a family of models counts only if every model in it ran.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kzopinion.analysis import models
from kzopinion.analysis.models import Estimate
from kzopinion.analysis.specifications import variant_defaults
from kzopinion.data import schema

PREFIX = "ru"  # the ids of this section's claims and glue keys

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

    ``items`` maps canonical columns to display names. Columns: item, answer, percent[, wave].
    The shares are ``pd.crosstab`` of the weights normalised within each wave (or the whole
    frame); an answer nobody gave has 0, an item nobody answered in a wave is missing.
    """
    group = frame["wave"] if by_wave else pd.Series(0, index=frame.index)
    groups = sorted(group.dropna().unique())
    shares = {}
    for column in items:
        answered = frame[column].notna() & (frame[column] != "refused")
        table = pd.crosstab(
            group[answered],
            frame.loc[answered, column].astype(str),
            values=frame.loc[answered, "weight"],
            aggfunc="sum",
            normalize="index",
        )
        shares[column] = 100 * table.reindex(columns=LEVEL_ORDER, fill_value=0.0).reindex(index=groups)
    rows = []
    for key in groups:
        for column, name in items.items():
            for answer in LEVEL_ORDER:
                row = {"item": name, "answer": answer, "percent": float(shares[column].at[key, answer])}
                if by_wave:
                    row["wave"] = int(key)
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
    from kzopinion.data import microdata

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
    return Verdict(
        bool(estimates) and good == len(estimates),
        f"{'holds' if good == len(estimates) else 'does not hold'} ({words})",
    )


def positive_not_significant(estimate: Estimate, alpha: float) -> Verdict:
    """A positive coefficient whose p-value is at least ``alpha`` (the article's Appendix B)."""
    from kzopinion import formatting as fmt

    holds = estimate.coef > 0 and estimate.p >= alpha
    return Verdict(
        holds, f"{'holds' if holds else 'does not hold'} ({fmt.decimal(estimate.coef)}, {fmt.p_value(estimate.p)})"
    )


def family_verdict(pairs: pd.DataFrame, family: str, alpha: float) -> Verdict | None:
    """Appendix C: a family holds when every one of its models (:data:`CAB_PAIRS`) ran, each positive and
    significant.

    Returns ``None`` (the claim is not credited either way) when any model of the family could
    not run on the registered waves.
    """
    from kzopinion import formatting as fmt

    expected = sum(f == family for *_, f in CAB_PAIRS)
    rows = pairs[(pairs["family"] == family) & pairs["ran"].astype(bool)]
    if len(rows) < expected:
        return None
    good = int(((rows["coef"] > 0) & (rows["p"] < alpha)).sum())
    return Verdict(
        good == expected,
        f"{'holds' if good == expected else 'does not hold'}: "
        f"{fmt.count_of(good, expected)} models positive with p < {alpha:g}",
    )


def appendix_c_texts(pairs: pd.DataFrame, alpha: float, simulated: bool = False) -> dict[str, str]:
    """Glue texts for Appendix C: models computed, positive, and positive with p below ``alpha`` (the level at
    which the article's "positive and significant" is checked), and what that says of the article's claim.

    On the ``simulated`` stand-in the verdict says what the stand-in is for and never speaks as evidence: it is
    generated under the article's own hypothesis, so the models show the design and code run, nothing more."""
    from kzopinion import formatting as fmt

    ran = pairs[pairs["ran"].astype(bool)]
    positive = int((ran["coef"] > 0).sum())
    significant = int(((ran["coef"] > 0) & (ran["p"] < alpha)).sum())
    if simulated:
        verdict = (
            f"this stand-in was generated under the article's own hypothesis, so these {fmt.count(len(ran))} models "
            "show only that the design and its code run and find an association built into the data; they can "
            "neither bear out nor refute the article's report, which needs the CAB files"
        )
    elif ran.empty:
        verdict = "no model could be computed, so the data say nothing about the claim"
    elif significant == len(pairs):
        verdict = "every model is positive and significant, as the article reports"
    elif significant == len(ran):
        verdict = (
            "every model computed is positive and significant, as the article reports, but not every model "
            "could be computed, so the claim is checked only in part"
        )
    else:
        verdict = (
            f"{fmt.count_of(len(ran) - significant, len(ran))} computed models are not positive and significant, "
            "against the article's report that all are"
        )
    return {
        "ru_c_ran": fmt.count(len(ran)),
        "ru_c_total": fmt.count(len(pairs)),
        "ru_c_positive": fmt.count(positive),
        "ru_c_significant": fmt.count(significant),
        "ru_c_alpha": fmt.as_printed(alpha),
        "ru_c_verdict": verdict,
    }


# The control sets of the specification curve, by the names used in data/coding/analysis_variants.csv.
CONTROL_SETS = {
    "none": [],
    "demographics": ["sex", "education", "urban", "age"],
    "demographics_region": ["sex", "education", "urban", "age", "region"],
    "article": ["sex", "education", "urban", "age", "opinion_other_ca_leaders"],
}
CONTROL_LABELS = {
    "none": "no controls",
    "demographics": "demographics",
    "demographics_region": "demographics + region",
    "article": "demographics + other presidents (the article's)",
}
NOTEBOOK = "02-russia-correlation"


def wave_selection(frame: pd.DataFrame, waves: str) -> tuple[pd.DataFrame, str]:
    """The respondents of ``waves`` (pooled, first or last registered wave) and a label naming the waves."""
    present = sorted(int(w) for w in frame["wave"].dropna().unique())
    if not present:
        raise ValueError("the respondents carry no CAB wave")
    chosen = {"pooled": present, "first": present[:1], "last": present[-1:]}.get(waves)
    if chosen is None:
        raise KeyError(f"unknown wave selection {waves!r}: use pooled, first or last")
    label = f"wave{'s' if len(chosen) > 1 else ''} {', '.join(map(str, chosen))}"
    return frame[frame["wave"].isin(chosen)], label


def specification(
    frame: pd.DataFrame,
    controls: str,
    waves: str,
    outcome: str = "fav_us",
    predictor: str = "fav_russia",
    confidence: float = 0.95,
) -> dict:
    """One Appendix C specification: ``outcome`` (opinion score) on ``predictor`` with a control set, on some waves."""
    if controls not in CONTROL_SETS:
        raise KeyError(f"unknown control set {controls!r}: use one of {', '.join(CONTROL_SETS)}")
    sample, wave_label = wave_selection(frame, waves)
    wanted = CONTROL_SETS[controls]
    numeric = {predictor: schema.score(sample[predictor])}
    numeric |= {
        c: sample[c].astype(float)
        for c in ("age", "opinion_other_ca_leaders")
        if c in wanted and sample[c].notna().any()
    }
    categorical = {c: ref for c, ref in DEMOGRAPHICS.items() if c in wanted and sample[c].notna().any()}
    if "region" in wanted and sample["region"].notna().any():
        sample = sample.assign(region=sample["region"].astype("category"))
        categorical["region"] = sorted(sample["region"].dropna().unique())[0]
    X = models.design(sample, numeric, categorical)
    fit = models.ols(schema.score(sample[outcome]), X, sample["weight"])
    est = models.estimate(fit, predictor, confidence)
    return {
        "controls": controls,
        "waves": waves,
        "control_label": CONTROL_LABELS[controls],
        "wave_label": wave_label,
        "coef": est.coef,
        "low": est.low,
        "high": est.high,
        "p": est.p,
        "n": est.n,
        "used": ", ".join([*numeric][1:] + [*categorical]) or "none",
    }


def specification_curve(frame: pd.DataFrame, variants: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Every distinct specification among the control sets and wave selections listed for this chapter in
    ``analysis_variants``.

    Combinations that select the same waves and use the same controls are the same regression
    (with one registered wave, "pooled", "first" and "last" are one sample): they are one row,
    whose ``waves`` and ``label`` name every choice it stands for. Rows are ordered by
    coefficient, with ``article`` marking the article's specification and ``rank`` its position.
    """
    mine = variants[variants["notebook"] == NOTEBOOK]
    control_sets = mine.loc[mine["parameter"] == "SPEC_CONTROLS", "value"].tolist()
    wave_sets = mine.loc[mine["parameter"] == "SPEC_WAVES", "value"].tolist()
    defaults = variant_defaults(variants, NOTEBOOK)
    rows = [specification(frame, c, w, confidence=confidence) for c in control_sets for w in wave_sets]
    every = pd.DataFrame(rows)
    every["article"] = (every["controls"] == defaults["SPEC_CONTROLS"]) & (every["waves"] == defaults["SPEC_WAVES"])
    groups = every.groupby(["wave_label", "used"], sort=False)
    curve = groups.first()
    curve["controls"] = groups["controls"].agg(lambda c: " or ".join(dict.fromkeys(c)))
    curve["control_label"] = groups["control_label"].agg(lambda c: " or ".join(dict.fromkeys(c)))
    curve["waves"] = groups["waves"].agg(", ".join)
    curve["article"] = groups["article"].any()
    curve = curve.reset_index()
    choices = ["" if "," not in w else f" ({w})" for w in curve["waves"]]
    curve["label"] = curve["control_label"] + "; " + curve["wave_label"] + choices
    curve = curve.sort_values(["coef", "label"]).reset_index(drop=True)
    curve["rank"] = range(1, len(curve) + 1)
    return curve


def curve_texts(curve: pd.DataFrame, alpha: float, simulated: bool = False) -> dict[str, str]:
    """Glue texts: how many specifications, how many positive and significant, the range, and what flips.

    On the ``simulated`` stand-in the verdict says what the curve shows about the design only: the
    stand-in is generated under the article's own hypothesis, so it cannot say whether the conclusion holds.
    """
    from kzopinion import formatting as fmt

    good = int(((curve["coef"] > 0) & (curve["p"] < alpha)).sum())
    positive = int((curve["coef"] > 0).sum())
    article = curve[curve["article"]].iloc[0]
    if simulated:
        verdict = (
            f"on this simulated stand-in, generated under the article's own hypothesis, that shows only how "
            f"often the design recovers an association built into it ({fmt.count_of(good, len(curve))}); "
            "whether the article's conclusion holds needs the CAB files"
        )
    elif good == len(curve):
        verdict = "the article's conclusion, a positive and significant association, holds under every one of them"
    elif positive == len(curve):
        verdict = (
            "the association stays positive under every one of them, but it is not significant under "
            f"{fmt.count(len(curve) - good)}: whether 'with statistical significance' holds "
            "depends on the specification"
        )
    else:
        verdict = (
            f"the sign itself flips under {fmt.count(len(curve) - positive)} of them, so the conclusion depends on "
            "the specification"
        )
    return {
        "ru_spec_count": fmt.count(len(curve)),
        "ru_spec_good": fmt.count(good),
        "ru_spec_range": fmt.value_range(fmt.decimal(curve["coef"].min()), fmt.decimal(curve["coef"].max())),
        "ru_spec_article": f"{fmt.decimal(article['coef'])} ({fmt.p_value(article['p'])})",
        "ru_spec_verdict": verdict,
    }


def figure1_role(simulated: bool) -> str:
    """How the chart standing for the article's Figure 1 says what it is: recomputed from CAB microdata, or the
    article's design on the stand-in, which never takes the article's figure's place or number."""
    if simulated:
        return "The design of the article's Figure 1 run on the simulated stand-in, not on the article's data"
    return "Article Figure 1, recomputed from the registered CAB microdata"
