"""The simulated stand-in surveys: synthetic respondents in the canonical schema.

NOT EVIDENCE ABOUT KAZAKHSTAN. The stand-in lets the article's regression designs run end
to end when respondent-level data is absent, and shows what those designs can and cannot
detect. Its parameters live in ``data/coding/simulation_parameters.csv``, each with its basis:
a cited public aggregate it is calibrated to, or a stated assumption.

The model. For respondent *i* and power *P* (US, Russia, China, Germany, Kazakhstan's own
leadership), a latent attitude

    a_iP = mu_P + lambda * e_i + gamma_P * c_i + delta_P * r_i + u_iP,   e, c, r, u ~ N(0, 1)

where *e* is a general engagement with foreign powers (the article's reading), *c* national
conservatism and *r* exposure to Russian influence (the zero-sum alternative). Immigration
preference is ``c`` plus noise, cut at the shares in the parameter file. Approval is
``a > 0`` among substantive answers; mu_P is set so that the marginal share matches the
calibration target; don't know is drawn at the nonresponse share. CAB favourability cuts the
same kind of latent attitude at the thresholds that reproduce the favourable/unfavourable
shares.
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from kzopinion import data, paths
from kzopinion.data import schema

_normal_quantile = NormalDist().inv_cdf  # the standard normal quantile (the package's one normal distribution)

SCENARIOS = ("engagement", "zero_sum")
REGIONS = (
    "Almaty city",
    "Astana city",
    "Shymkent city",
    "Turkistan",
    "Karaganda",
    "East Kazakhstan",
    "North Kazakhstan",
    "Kyzylorda",
    "Mangystau",
    "Almaty region",
)


def parameters(scenario: str = "engagement", root: Path | None = None) -> dict[str, float]:
    """The generator's parameters for ``scenario`` (from data/coding/simulation_parameters.csv)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS}, got {scenario!r}")
    table = data.load("simulation_parameters", root or paths.root())
    return {name: float(value) for name, value in zip(table["parameter"], table[scenario])}


def _latent_sd(p: dict[str, float], power: str) -> float:
    loading = p["engagement_loading"]
    gamma = p.get(f"conservatism_effect_{power}", 0.0)
    delta = p.get(f"russian_influence_effect_{power}", 0.0)
    return float(np.sqrt(1 + loading**2 + gamma**2 + delta**2))


def _latent(p: dict[str, float], power: str, share_positive: float, e, c, r, rng) -> np.ndarray:
    """Latent attitude whose share above zero is ``share_positive``."""
    mu = _latent_sd(p, power) * _normal_quantile(share_positive)
    return (
        mu
        + p["engagement_loading"] * e
        + p.get(f"conservatism_effect_{power}", 0.0) * c
        + p.get(f"russian_influence_effect_{power}", 0.0) * r
        + rng.standard_normal(len(e))
    )


def _with_nonresponse(values: np.ndarray, share: float, rng) -> np.ndarray:
    out = values.astype(object)
    out[rng.random(len(values)) < share] = "dont_know"
    return out


def _demographics(n: int, rng) -> dict[str, np.ndarray]:
    # Stand-in demographics: assumptions, documented here, used only as model controls.
    return {
        "sex": rng.choice(["male", "female"], n),
        "age": rng.integers(18, 81, n),
        "education": rng.choice(["primary", "secondary", "tertiary"], n, p=[0.15, 0.55, 0.30]),
        "urban": rng.choice(["urban", "rural"], n, p=[0.6, 0.4]),
        "language": rng.choice(["kazakh", "russian"], n, p=[0.55, 0.45]),
        "region": rng.choice(REGIONS, n),
    }


def _immigration(p: dict[str, float], c: np.ndarray, rng) -> np.ndarray:
    signal = c + p["immigration_noise"] * rng.standard_normal(len(c))
    sd = np.sqrt(1 + p["immigration_noise"] ** 2)
    low, high = _normal_quantile(p["immigration_increase"]) * sd, _normal_quantile(1 - p["immigration_decrease"]) * sd
    return np.where(signal < low, "increase", np.where(signal > high, "decrease", "keep"))


def gallup(p: dict[str, float], rng, years=(2015, 2016, 2018, 2019)) -> pd.DataFrame:
    """Gallup-like respondents: leadership approval, immigration (2015-2016), economy, demographics."""
    n_year = int(p["gallup_respondents_per_year"])
    n = n_year * len(years)
    e, c, r = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    frame = {
        "source": "simulated",
        "year": np.repeat(years, n_year),
        "country": "Kazakhstan",
        "respondent": [f"sim-gallup-{i}" for i in range(n)],
        "weight": 1.0,
        **_demographics(n, rng),
    }
    for power, column in [
        ("us", "approve_us"),
        ("russia", "approve_russia"),
        ("china", "approve_china"),
        ("germany", "approve_germany"),
        ("kz", "approve_kz_leadership"),
    ]:
        latent = _latent(p, power, p[f"approve_{power}_share"], e, c, r, rng)
        frame[column] = _with_nonresponse(np.where(latent > 0, "approve", "disapprove"), p[f"nonresponse_{power}"], rng)
    immigration = _immigration(p, c, rng)
    frame["immigration"] = np.where(np.isin(frame["year"], (2015, 2016)), immigration, None)
    economy = 0.5 * e + rng.standard_normal(n)
    frame["economy"] = np.where(economy > 0.5, "getting_better", np.where(economy < -0.5, "getting_worse", "same"))
    return pd.DataFrame(frame)


def _four_point(latent: np.ndarray, sd: float, favourable: float, unfavourable: float, very: float, rng) -> np.ndarray:
    """Cut a latent attitude into the four favourability levels and don't know."""
    nonresponse = max(0.0, 1 - favourable - unfavourable)
    z = latent / sd
    cut_fav = _normal_quantile(1 - favourable / (1 - nonresponse))
    cut_very_fav = _normal_quantile(1 - favourable * very / (1 - nonresponse))
    cut_very_unfav = _normal_quantile(unfavourable * very / (1 - nonresponse))
    levels = np.select(
        [z > cut_very_fav, z > cut_fav, z > cut_very_unfav],
        ["very_favourable", "somewhat_favourable", "somewhat_unfavourable"],
        "very_unfavourable",
    )
    return _with_nonresponse(levels, nonresponse, rng)


def cab(p: dict[str, float], rng) -> pd.DataFrame:
    """CAB-like respondents of waves 1-6: favourability of powers and leaders, economic ties, demographics."""
    n_wave, waves = int(p["cab_respondents_per_wave"]), int(p["cab_waves"])
    n = n_wave * waves
    wave = np.repeat(np.arange(1, waves + 1), n_wave)
    e, c, r = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    frame = {
        "source": "simulated",
        "wave": wave,
        "year": 2017 + (wave - 1) // 2,
        "country": "Kazakhstan",
        "respondent": [f"sim-cab-{i}" for i in range(n)],
        "weight": 1.0,
        **_demographics(n, rng),
    }
    very = p["very_share_of_favourable"]
    for power, leader in [("us", "trump"), ("russia", "putin"), ("china", "xi")]:
        fav, unfav = p[f"fav_{power}_favourable"], p[f"fav_{power}_unfavourable"]
        sd = _latent_sd(p, power)
        country_view = _latent(p, power, 0.5, e, c, r, rng)
        frame[f"fav_{power}"] = _four_point(country_view, sd, fav, unfav, very, rng)
        leader_view = 0.7 * country_view + 0.7 * rng.standard_normal(n)
        frame[f"opinion_{leader}"] = _four_point(leader_view, np.sqrt(0.49 * sd**2 + 0.49), fav, unfav, very, rng)
        econ = 0.7 * country_view + 0.7 * rng.standard_normal(n)
        frame[f"closer_econ_{power}"] = _with_nonresponse(
            np.where(econ > 0.7 * sd * _normal_quantile(1 - fav - 0.05), "support", "oppose"), 0.05, rng
        )
    frame["opinion_other_ca_leaders"] = np.clip(2.8 + 0.5 * e + 0.5 * rng.standard_normal(n), 1, 4)
    return pd.DataFrame(frame)


def respondents(
    source: str, scenario: str = "engagement", seed: int = 20210701, root: Path | None = None
) -> pd.DataFrame:
    """Synthetic respondents standing in for ``source`` ('gallup' or 'cab'), in the canonical schema."""
    rng = np.random.default_rng(seed)
    p = parameters(scenario, root)
    if source == "gallup":
        frame = gallup(p, rng)
    elif source == "cab":
        frame = cab(p, rng)
    else:
        raise ValueError(f"there is no simulated stand-in for {source!r}: its claims stay reported-only")
    return schema.conform(frame, f"simulated {source}")


def true_effect_of_immigration(
    scenario: str = "engagement", draws: int = 200_000, seed: int = 1, root: Path | None = None
) -> dict[str, float]:
    """The generator's own P(approve US | favours increase) and P(... | favours decrease).

    Computed by simulation from the generator itself (large ``draws``), among substantive
    answers and respondents with a substantive immigration preference: the target that the
    estimators in :mod:`kzopinion.analysis.models` should recover.
    """
    rng = np.random.default_rng(seed)
    p = parameters(scenario, root)
    e, c, r = rng.standard_normal(draws), rng.standard_normal(draws), rng.standard_normal(draws)
    approve = _latent(p, "us", p["approve_us_share"], e, c, r, rng) > 0
    immigration = _immigration(p, c, rng)
    return {level: float(approve[immigration == level].mean()) for level in ("increase", "keep", "decrease")}
