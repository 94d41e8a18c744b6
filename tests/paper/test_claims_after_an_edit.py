"""A data edit reaches the ledger (slow: builds a copy of the repository): the glued share changes on its page and
in the conclusion, and the claim's status follows."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from fixtures import edit_table, explain_differences

from kzopinion.paper import ledger as claims
from kzopinion.paper import records

pytestmark = pytest.mark.slow


def test_editing_figure2_changes_the_page_the_conclusion_and_the_status(repo_copy):
    """A reviewed edit of one Figure 2 cell (new checksum recorded): the glued share changes on its page and in
    the conclusion, and the claim turns to 'differs' in the report and in the site's claims.csv."""
    edit_table(
        repo_copy,
        "figure2_reasons",
        "positive,1,a developed and strong economy,34,13,24,30",
        "positive,1,a developed and strong economy,34,13,24,10",
    )

    def build() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kzopinion.book.build"], cwd=repo_copy, capture_output=True, text=True, timeout=1200
        )

    asked = build()  # the two shares now differ from the article: the build asks why, naming each row
    assert asked.returncode != 0
    for claim_id, value in (("fp_positive_development_share", "79%"), ("fp_positive_international_share", "21%")):
        assert f"row '{claim_id}': the book's value is {value} where the article prints" in asked.stderr, claim_id
    explain_differences(repo_copy, {"fp_positive_development_share": "79%", "fp_positive_international_share": "21%"})
    result = build()
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        records.glued_values(repo_copy / "notebooks/04-foreign-policy.ipynb")["fp_positive_development_share"] == "79%"
    )
    site = repo_copy / "_build/html"
    for page in ("notebooks/04-foreign-policy.html", "book/conclusion.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "79%" in text and "83%" not in text, page
    row = claims.table(repo_copy).set_index("id").loc["fp_positive_development_share"]
    assert (row["book_text"], row["status"]) == ("79%", "differs")
    exported = (site / "claims.csv").read_text(encoding="utf-8")
    assert re.search(r"^fp_positive_development_share,.*,differs,", exported, flags=re.M)
    report = (site / "notebooks/99-replication-report.html").read_text(encoding="utf-8")
    assert re.search(r'id="claim-fp_positive_development_share" class="claim-differs"', report)
