"""The canonical respondent-level schema every microdata reader (and the stand-in) produces.

One row per respondent. Attitude items are categorical with named levels; don't know and
refused are levels of their own, so a missing code can never turn into a number by
accident. :func:`score` is the one place where levels become numbers, and it maps
non-substantive answers to missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

NONRESPONSE = ("dont_know", "refused")
FAVOURABILITY = ("very_unfavourable", "somewhat_unfavourable", "somewhat_favourable", "very_favourable", *NONRESPONSE)
APPROVAL = ("disapprove", "approve", *NONRESPONSE)
SUPPORT = ("oppose", "support", *NONRESPONSE)
IMMIGRATION = ("increase", "keep", "decrease", *NONRESPONSE)
ECONOMY = ("getting_worse", "same", "getting_better", *NONRESPONSE)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "category", "number", "integer" or "string"
    description: str
    levels: tuple[str, ...] = ()
    sources: str = "all"


CANONICAL: tuple[Column, ...] = (
    Column("source", "category", "Survey the respondent comes from", ("cab", "gallup", "wvs", "simulated")),
    Column("wave", "integer", "CAB wave (1-6); missing for other sources", sources="cab"),
    Column("year", "integer", "Year of fieldwork"),
    Column("country", "string", "Country of the sample (Kazakhstan unless WVS)"),
    Column("respondent", "string", "Respondent identifier within source and wave"),
    Column("weight", "number", "Survey weight (CAB: totwt, mean 1 within each wave)"),
    Column("sex", "category", "Sex", ("male", "female", *NONRESPONSE)),
    Column("age", "integer", "Age in years"),
    Column(
        "education", "category", "Highest education, harmonised", ("primary", "secondary", "tertiary", *NONRESPONSE)
    ),
    Column("urban", "category", "Settlement type", ("urban", "rural", *NONRESPONSE)),
    Column("language", "category", "Language of the interview", ("kazakh", "russian", "other", *NONRESPONSE)),
    Column("region", "string", "Region (oblast or city of republican status), as labelled by the source"),
    Column("fav_russia", "category", "Opinion of Russia (CAB)", FAVOURABILITY, "cab"),
    Column("fav_china", "category", "Opinion of China (CAB)", FAVOURABILITY, "cab"),
    Column("fav_us", "category", "Opinion of the United States (CAB)", FAVOURABILITY, "cab"),
    Column("opinion_putin", "category", "Opinion of Vladimir Putin (CAB)", FAVOURABILITY, "cab"),
    Column("opinion_xi", "category", "Opinion of Xi Jinping (CAB)", FAVOURABILITY, "cab"),
    Column("opinion_trump", "category", "Opinion of Donald Trump (CAB)", FAVOURABILITY, "cab"),
    Column(
        "opinion_other_ca_leaders",
        "number",
        "Mean opinion (1-4) of the leaders of the other Central Asian states, over those rated (CAB)",
        sources="cab",
    ),
    Column("closer_econ_russia", "category", "Wants closer economic relations with Russia (CAB)", SUPPORT, "cab"),
    Column("closer_econ_china", "category", "Wants closer economic relations with China (CAB)", SUPPORT, "cab"),
    Column("closer_econ_us", "category", "Wants closer economic relations with the US (CAB)", SUPPORT, "cab"),
    Column(
        "reason_us_first",
        "string",
        "First reason given for the opinion of the US (CAB, Figure 2 wording)",
        sources="cab",
    ),
    Column("reason_us_second", "string", "Second reason given for the opinion of the US (CAB)", sources="cab"),
    Column(
        "approve_us",
        "category",
        "Approves of the job performance of the leadership of the US (Gallup)",
        APPROVAL,
        "gallup",
    ),
    Column("approve_russia", "category", "Approves of the leadership of Russia (Gallup)", APPROVAL, "gallup"),
    Column("approve_china", "category", "Approves of the leadership of China (Gallup)", APPROVAL, "gallup"),
    Column("approve_germany", "category", "Approves of the leadership of Germany (Gallup)", APPROVAL, "gallup"),
    Column(
        "approve_kz_leadership",
        "category",
        "Approves of the job performance of Kazakhstan's leadership (Gallup)",
        APPROVAL,
        "gallup",
    ),
    Column(
        "immigration",
        "category",
        "Immigration to Kazakhstan should be increased, kept or decreased (Gallup 2015-2016)",
        IMMIGRATION,
        "gallup",
    ),
    Column(
        "economy",
        "category",
        "Economic conditions in the country are getting better or worse (Gallup)",
        ECONOMY,
        "gallup",
    ),
    Column(
        "just_homosexuality", "number", "Homosexuality is justifiable, 1 (never) to 10 (always) (WVS 6)", sources="wvs"
    ),
    Column("just_abortion", "number", "Abortion is justifiable, 1-10 (WVS 6)", sources="wvs"),
    Column("just_divorce", "number", "Divorce is justifiable, 1-10 (WVS 6)", sources="wvs"),
    Column("just_premarital_sex", "number", "Sex before marriage is justifiable, 1-10 (WVS 6)", sources="wvs"),
)
COLUMNS = {c.name: c for c in CANONICAL}


def empty(n: int = 0) -> pd.DataFrame:
    """A canonical frame of ``n`` rows, every value missing, with the right dtypes."""
    return pd.DataFrame({c.name: pd.Series([None] * n, dtype=_dtype(c)) for c in CANONICAL})


def _dtype(column: Column):
    if column.kind == "category":
        return pd.CategoricalDtype(list(column.levels))
    return {"number": "float64", "integer": "Int64", "string": "string"}[column.kind]


def conform(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Return ``frame`` with every canonical column, in order, typed; raise on unknown levels."""
    out = empty(len(frame))
    out.index = frame.index
    for column in CANONICAL:
        if column.name not in frame:
            continue
        values = frame[column.name]
        if column.kind == "category":
            bad = sorted(set(values.dropna().astype(str)) - set(column.levels))
            if bad:
                raise ValueError(f"{where}: column '{column.name}' has levels {bad} outside {list(column.levels)}")
        out[column.name] = (
            values.astype(_dtype(column))
            if column.kind != "integer"
            else pd.to_numeric(values, errors="raise").astype("Int64")
        )
    extra = sorted(set(frame.columns) - set(COLUMNS))
    if extra:
        raise ValueError(f"{where}: columns {extra} are not part of the canonical schema (kzopinion.data.schema)")
    return out


def score(values: pd.Series) -> pd.Series:
    """Substantive levels as numbers (their rank, 1 = first level); don't know/refused -> missing.

    Favourability: 1 very unfavourable ... 4 very favourable. Approval/support: 0 or 1 after
    subtracting one (use :func:`indicator` for 0/1 outcomes).
    """
    levels = [lvl for lvl in values.cat.categories if lvl not in NONRESPONSE]
    return values.map({lvl: float(i + 1) for i, lvl in enumerate(levels)}).astype("float64")


def indicator(values: pd.Series, positive: tuple[str, ...]) -> pd.Series:
    """1.0 where the level is in ``positive``, 0.0 for other substantive levels, missing otherwise."""
    substantive = values.notna() & ~values.isin(NONRESPONSE)
    return values.isin(positive).astype("float64").where(substantive)
