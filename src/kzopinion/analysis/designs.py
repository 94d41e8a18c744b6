"""Survey designs: the margins of error sources report, beside what simple random sampling would give."""

from __future__ import annotations

import pandas as pd

from kzopinion.analysis import survey


def margins_table(designs: pd.DataFrame, p: float = 0.5, confidence: float = 0.95) -> pd.DataFrame:
    """Reported margins beside simple-random-sampling margins and the implied design effects.

    For each source with a sample size: ``moe_srs`` (points) at proportion ``p``; where a
    margin is reported, ``deff_low``/``deff_high`` = (reported / moe_srs)^2 for its two ends.
    """
    rows = []
    for row in designs[designs["kind"] == "survey"].itertuples(index=False):
        moe_srs = 100 * survey.margin_of_error(p, int(row.n_per_wave), confidence)
        reported = pd.notna(row.moe_low)
        rows.append(
            {
                "source_id": row.source_id,
                "source": row.source,
                "n": int(row.n_per_wave),
                "moe_reported_low": float(row.moe_low) if reported else float("nan"),
                "moe_reported_high": float(row.moe_high) if reported else float("nan"),
                "moe_srs": moe_srs,
                "deff_low": survey.implied_design_effect(row.moe_low / 100, row.n_per_wave, p, confidence)
                if reported
                else float("nan"),
                "deff_high": survey.implied_design_effect(row.moe_high / 100, row.n_per_wave, p, confidence)
                if reported
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)
