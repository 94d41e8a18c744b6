"""Chapter 03, double-edged cultural influence. The article's national-conservatism design
(Supplemental Appendices D and E), the WVS comparison, and the chapter's ledger values.

Ordered logit of approving a country's leadership on immigration preference (increase /
keep / decrease) with the article's controls (evaluation of the economy, approval of
Kazakhstan's leadership, demographics), on Gallup 2015-2016 respondents; reported as the
average predicted probability of approval when everyone favours more immigration versus
when everyone favours less. With Gallup's two substantive answers (approve, disapprove) the
ordered logit reduces to a logit; don't know and refused are left out.
"""

from __future__ import annotations

import pandas as pd
from statsmodels.stats.weightstats import DescrStatsW

from kzopinion.analysis import models, survey
from kzopinion.data.provenance import Tables, Traced

PREFIX = "cu"  # the ids of this section's claims and glue keys

CONTROLS = {
    "economy": "same",
    "approve_kz_leadership": "disapprove",
    "sex": "male",
    "education": "secondary",
    "urban": "urban",
}
INCREASE = {"immigration[keep]": 0.0, "immigration[decrease]": 0.0}
DECREASE = {"immigration[keep]": 0.0, "immigration[decrease]": 1.0}


IMMIGRATION_YEARS = (2015, 2016)  # the Gallup polls that asked the immigration question, as the article reports


def immigration_sample(frame: pd.DataFrame) -> pd.DataFrame:
    """Respondents asked the immigration question (Gallup, :data:`IMMIGRATION_YEARS`)."""
    return frame[frame["immigration"].notna() & frame["year"].isin(IMMIGRATION_YEARS)]


def immigration_model(frame: pd.DataFrame, outcome: str):
    """The fitted ordered logit of approving ``outcome`` on immigration preference and :data:`CONTROLS`."""
    sample = immigration_sample(frame)
    y = sample[outcome].astype("object").where(sample[outcome].isin(["approve", "disapprove"]))
    y = pd.Series(pd.Categorical(y, ["disapprove", "approve"], ordered=True), index=sample.index)
    X = models.design(
        sample, {"age": sample["age"].astype(float)}, {"immigration": "increase", **models.asked(sample, CONTROLS)}
    )
    return models.ordered_logit(y, X)


def immigration_effect(frame: pd.DataFrame, outcome: str, confidence: float = 0.95) -> models.Change:
    """Change in P(approve ``outcome``) from favouring more to favouring less immigration."""
    return models.predicted_change(immigration_model(frame, outcome), INCREASE, DECREASE, confidence=confidence)


JUSTIFIABILITY = {
    "just_homosexuality": "homosexuality",
    "just_abortion": "abortion",
    "just_divorce": "divorce",
    "just_premarital_sex": "sex before marriage",
}


def justifiability_means(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Weighted mean justifiability (1-10) of each WVS item by country, with a normal interval.

    Mean and variance are statsmodels' weighted statistics (``DescrStatsW``, the variance
    with divisor the sum of the weights). The standard error uses Kish's effective sample
    size, ``n_eff = n / deff`` with Kish's design effect of the weights
    (:func:`kzopinion.analysis.survey.kish_design_effect`).
    """
    z = survey.z_value(confidence)
    rows = []
    for country, group in frame.groupby("country"):
        for column, item in JUSTIFIABILITY.items():
            answered = group[group[column].notna()]
            weights = answered["weight"].astype(float)
            stats = DescrStatsW(answered[column].astype(float), weights=weights)
            mean, variance = float(stats.mean), float(stats.var)
            n_eff = survey.effective_sample_size(len(weights), survey.kish_design_effect(weights))
            se = (variance / n_eff) ** 0.5
            rows.append(
                {
                    "country": country,
                    "item": item,
                    "mean": mean,
                    "low": mean - z * se,
                    "high": mean + z * se,
                    "n": len(answered),
                }
            )
    return pd.DataFrame(rows)


def comparison_table(
    us: models.Change, russia: models.Change, printed: pd.Series, label: str = "this book"
) -> pd.DataFrame:
    """The book's predicted probabilities (labelled ``label``: "simulated stand-in" when they are) beside
    the article's, for the chart.

    ``printed`` is immigration_model_results indexed by (outcome, quantity). The article gives
    no intervals, and for Russia only the change, so those cells are missing.
    """
    nan = (float("nan"), float("nan"))
    rows = [
        ("United States", "increased", label, us.before, *us.before_interval),
        ("United States", "decreased", label, us.after, *us.after_interval),
        ("Russia", "increased", label, russia.before, *russia.before_interval),
        ("Russia", "decreased", label, russia.after, *russia.after_interval),
        (
            "United States",
            "increased",
            "article",
            printed[("approve_us_leadership", "predicted_probability_favour_increase")],
            *nan,
        ),
        (
            "United States",
            "decreased",
            "article",
            printed[("approve_us_leadership", "predicted_probability_favour_decrease")],
            *nan,
        ),
    ]
    return pd.DataFrame(rows, columns=["leadership", "preference", "estimate", "probability", "low", "high"])


RESULTS = "immigration_model_results"
SINGLE_COMPLAINTS = ["neg_hypersexuality", "neg_pornography", "neg_prostitution", "neg_divorce", "neg_unfilial"]


def claim_values(tables: Tables) -> dict[str, tuple[Traced, str]]:
    """The ledger values chapter 03 computes from the tables (the model's own values come from respondents)."""
    from kzopinion import formatting as fmt

    single = max((tables.cell("focus_group_codes", code, "count") for code in SINGLE_COMPLAINTS), key=float)
    # ("virtually halves", the ratio of the two printed probabilities, is judged once, with their rounding, by the
    # words-against-numbers table: ws_virtually_halves in data/coding/verbal_summaries.csv)
    return {"cu_single_complaints": (single, fmt.count(single))}
