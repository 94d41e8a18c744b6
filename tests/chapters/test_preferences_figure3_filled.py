"""Filling Figure 3's table (EIB 2017) needs no code change (slow: builds a copy of the repository): the chart and
the ledger row appear."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from kzopinion.paper import ledger as claims
from kzopinion.paper import records

pytestmark = pytest.mark.slow


def test_filling_figure3_makes_the_chart_and_the_ledger_row_appear(repo_copy):
    # Test-only values in a temporary copy, standing in for a future transcription.
    path = repo_copy / "data/external/eib_2017_perceptions.csv"
    filled = {
        ("technology", "United States"): "21",
        ("investment", "United States"): "19",
        ("friendly country", "Russia"): "60",
    }
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item, country, *_ = line.split(",")
        lines.append(f"{item},{country},{filled[item, country]},test table" if (item, country) in filled else line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "kzopinion.data", "rehash", "eib_2017_perceptions"],
        cwd=repo_copy,
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    record = repo_copy / "notebooks/05-preferences.ipynb"
    assert records.glued_values(record)["pr_eib_known"] == "3"
    ledger = claims.table(repo_copy).set_index("id")
    assert ledger.at["pr_eib_attractive_fifth", "book_text"] == "21%"
    assert ledger.at["pr_eib_attractive_fifth", "status"] == "confirmed"  # an external source, not the article
    html = "".join(
        o.get("data", {}).get("text/html", "")
        for c in nbformat.read(record, as_version=4).cells
        for o in c.get("outputs", [])
    )
    assert "Bar charts of the share of Kazakhstanis holding each perception" in html
    assert "Values not yet transcribed" not in html
