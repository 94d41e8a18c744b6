"""The article's national-conservatism design (Supplemental Appendices D and E).

Ordered logit of approving a country's leadership on immigration preference (increase /
keep / decrease) with the article's controls (evaluation of the economy, approval of
Kazakhstan's leadership, demographics), on Gallup 2015-2016 respondents; reported as the
average predicted probability of approval when everyone favours more immigration versus
when everyone favours less. With Gallup's two substantive answers (approve, disapprove) the
ordered logit reduces to a logit; don't know and refused are left out.
"""

from __future__ import annotations

import pandas as pd

from kzopinion import models

CONTROLS = {"economy": "same", "approve_kz_leadership": "disapprove", "sex": "male", "education": "secondary",
            "urban": "urban"}
INCREASE = {"immigration[keep]": 0.0, "immigration[decrease]": 0.0}
DECREASE = {"immigration[keep]": 0.0, "immigration[decrease]": 1.0}


def immigration_sample(frame: pd.DataFrame) -> pd.DataFrame:
    """Respondents asked the immigration question (Gallup 2015 and 2016)."""
    return frame[frame["immigration"].notna() & frame["year"].isin([2015, 2016])]


def immigration_effect(frame: pd.DataFrame, outcome: str) -> models.Change:
    """Change in P(approve ``outcome``) from favouring more to favouring less immigration."""
    sample = immigration_sample(frame)
    y = sample[outcome].astype("object").where(sample[outcome].isin(["approve", "disapprove"]))
    y = pd.Series(pd.Categorical(y, ["disapprove", "approve"], ordered=True), index=sample.index)
    X = models.design(sample, {"age": sample["age"].astype(float)}, {"immigration": "increase", **CONTROLS})
    return models.predicted_change(models.ordered_logit(y, X), INCREASE, DECREASE)
