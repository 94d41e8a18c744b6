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
    return Verdict(
        good == expected,
        f"{'holds' if good == expected else 'does not hold'}: "
        f"{fmt.count_of(good, expected)} models positive with p < {alpha:g}",
    )


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
    from kzopinion import models, schema

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
    categorical = {
        c: ref
        for c, ref in {"sex": "male", "education": "secondary", "urban": "urban"}.items()
        if c in wanted and sample[c].notna().any()
    }
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
    """Every combination of the control sets and wave selections listed for this chapter in ``analysis_variants``.

    One row per specification, ordered by coefficient, with ``article`` marking the defaults
    (the article's specification) and ``rank`` its position on the curve.
    """
    mine = variants[variants["notebook"] == NOTEBOOK]
    control_sets = mine.loc[mine["parameter"] == "SPEC_CONTROLS", "value"].tolist()
    wave_sets = mine.loc[mine["parameter"] == "SPEC_WAVES", "value"].tolist()
    defaults = dict(
        zip(mine.loc[mine["default"].astype(bool), "parameter"], mine.loc[mine["default"].astype(bool), "value"])
    )
    rows = [specification(frame, c, w, confidence=confidence) for c in control_sets for w in wave_sets]
    curve = pd.DataFrame(rows)
    curve["article"] = (curve["controls"] == defaults["SPEC_CONTROLS"]) & (curve["waves"] == defaults["SPEC_WAVES"])
    curve["label"] = curve["control_label"] + "; " + curve["wave_label"]
    curve = curve.sort_values(["coef", "label"]).reset_index(drop=True)
    curve["rank"] = range(1, len(curve) + 1)
    return curve


def curve_texts(curve: pd.DataFrame, alpha: float) -> dict[str, str]:
    """Glue texts: how many specifications, how many positive and significant, the range, and what flips."""
    from kzopinion import formatting as fmt

    good = int(((curve["coef"] > 0) & (curve["p"] < alpha)).sum())
    positive = int((curve["coef"] > 0).sum())
    article = curve[curve["article"]].iloc[0]
    if good == len(curve):
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
