"""Chapter 05, what relations Kazakhstanis want: Gallup's forced choice between Russia and the US,
and the Integration Barometer's perceptions (Figure 3)."""

from __future__ import annotations

import pandas as pd

from kzopinion.data.provenance import Tables, Traced, traced

PREFIX = "pr"  # the ids of this section's claims and glue keys

EIB = "eib_2017_perceptions"


def relations_table(intervals: pd.DataFrame, year: int, earlier: pd.Series) -> pd.DataFrame:
    """Gallup's relations questions in one frame for charting, each labelled by its wording.

    ``intervals`` comes from :func:`kzopinion.analysis.survey.interval_table` (indexed by answer) for the
    three-way question of ``year``; ``earlier`` is the row of the two-way question (no design known).
    """
    from kzopinion import formatting as fmt

    three_way = intervals.reset_index(names="answer").assign(
        question=f"{year}: Russia, both, or the US first?",
        interval=lambda t: [
            f"{fmt.percent_value(lo)} to {fmt.percent_value(hi)}" for lo, hi in zip(t["low"], t["high"])
        ],
    )
    two_way = pd.DataFrame(
        {
            "answer": [earlier["answer"]],
            "percent": [float(earlier["percent"])],
            "low": [float("nan")],
            "high": [float("nan")],
            "moe": [float("nan")],
            "interval": ["not available: design not reported"],
            "question": [f"about {int(earlier['year'])}: the US first, even at a cost to relations with Russia?"],
        }
    )
    return pd.concat([three_way, two_way], ignore_index=True)[
        ["question", "answer", "percent", "low", "high", "interval"]
    ]


def claim_values(tables: Tables) -> dict[str, tuple[Traced, str]]:
    """The ledger values chapter 05 computes: for now the EIB's most attractive US sector, once transcribed."""
    from kzopinion import formatting as fmt

    perceptions = tables[EIB]
    known = perceptions.dropna(subset=["percent"])
    sectors = known[(known["country"] == "United States") & known["item"].isin(["technology", "investment"])]
    if sectors.empty:
        return {}
    cells = [tables.cell(EIB, f"{item}|United States", "percent") for item in sectors["item"]]
    best = traced(max(float(c) for c in cells), cells)
    return {"pr_eib_attractive_fifth": (best, fmt.percent_value(best))}
