"""Survey designs: fieldwork periods and the margins of error the sources report."""

from __future__ import annotations

import pandas as pd

from kzopinion import survey


def period_bounds(start: str, end: str) -> tuple[float, float]:
    """Decimal-year span of a fieldwork period given as ``YYYY`` or ``YYYY-MM``.

    A start covers its whole year or month from the beginning (``2017-07`` -> 2017.5);
    an end covers it to the end (``2019-12`` -> 2020.0, ``2020`` -> 2021.0).
    """
    return _decimal_year(start, at_end=False), _decimal_year(end, at_end=True)


def _decimal_year(period: str, at_end: bool) -> float:
    year, _, month = period.partition("-")
    if month:
        return int(year) + (int(month) - (0 if at_end else 1)) / 12
    return int(year) + (1 if at_end else 0)


def margins_table(designs: pd.DataFrame, p: float = 0.5, confidence: float = 0.95) -> pd.DataFrame:
    """Reported margins beside simple-random-sampling margins and the implied design effects.

    For each source with a sample size: ``moe_srs`` (points) at proportion ``p``; where a
    margin is reported, ``deff_low``/``deff_high`` = (reported / moe_srs)^2 for its two ends.
    """
    rows = []
    for row in designs[designs["kind"] == "survey"].itertuples(index=False):
        moe_srs = 100 * survey.margin_of_error(p, int(row.n_per_wave), confidence)
        reported = pd.notna(row.moe_low)
        rows.append({
            "source_id": row.source_id,
            "source": row.source,
            "n": int(row.n_per_wave),
            "moe_reported_low": float(row.moe_low) if reported else float("nan"),
            "moe_reported_high": float(row.moe_high) if reported else float("nan"),
            "moe_srs": moe_srs,
            "deff_low": (row.moe_low / moe_srs) ** 2 if reported else float("nan"),
            "deff_high": (row.moe_high / moe_srs) ** 2 if reported else float("nan"),
        })
    return pd.DataFrame(rows)


def fieldwork_periods(designs: pd.DataFrame) -> pd.DataFrame:
    """Sources with known fieldwork dates as decimal-year spans, for the timeline chart."""
    dated = designs.dropna(subset=["start", "end"])
    spans = [period_bounds(s, e) for s, e in zip(dated["start"], dated["end"])]
    return pd.DataFrame({
        "source": dated["source"].tolist(),
        "start": [s for s, _ in spans],
        "end": [e for _, e in spans],
        "period": [s if s == e else f"{s} to {e}" for s, e in zip(dated["start"], dated["end"])],
        "sample": [f"n = {n:,} a wave" for n in dated["n_per_wave"]],
    })


def margins_display(margins: pd.DataFrame) -> pd.DataFrame:
    """The margins table formatted for readers, one row per survey.

    Columns: Survey, Respondents a wave, Reported margin, SRS margin, Implied design effect.
    Missing reports read "not reported".
    """
    from kzopinion import formatting as fmt

    def reported(row) -> str:
        if pd.isna(row.moe_reported_low):
            return "not reported"
        return fmt.value_range(fmt.as_printed(row.moe_reported_low), fmt.as_printed(row.moe_reported_high)) + " points"

    def deff(row) -> str:
        if pd.isna(row.deff_low):
            return "not reported"
        return fmt.value_range(fmt.decimal(row.deff_low), fmt.decimal(row.deff_high))

    rows = list(margins.itertuples())
    return pd.DataFrame({
        "Survey": [r.source for r in rows],
        "Respondents a wave": [fmt.count(r.n) for r in rows],
        "Reported margin": [reported(r) for r in rows],
        "SRS margin": [fmt.points(r.moe_srs) for r in rows],
        "Implied design effect": [deff(r) for r in rows],
    }, index=pd.Index([r.Index for r in rows], name="source_id"))


def relations_table(intervals: pd.DataFrame, year: int, earlier: pd.Series) -> pd.DataFrame:
    """Gallup's relations questions in one frame for charting, each labelled by its wording.

    ``intervals`` comes from :func:`kzopinion.survey.interval_table` (indexed by answer) for the
    three-way question of ``year``; ``earlier`` is the row of the two-way question (no design known).
    """
    from kzopinion import formatting as fmt

    three_way = intervals.reset_index(names="answer").assign(
        question=f"{year}: Russia, both, or the US first?",
        interval=lambda t: [f"{fmt.percent_value(lo)} to {fmt.percent_value(hi)}" for lo, hi in zip(t["low"], t["high"])])
    two_way = pd.DataFrame({
        "answer": [earlier["answer"]], "percent": [float(earlier["percent"])], "low": [float("nan")],
        "high": [float("nan")], "moe": [float("nan")], "interval": ["not available: design not reported"],
        "question": [f"about {int(earlier['year'])}: the US first, even at a cost to relations with Russia?"]})
    return pd.concat([three_way, two_way], ignore_index=True)[["question", "answer", "percent", "low", "high", "interval"]]
