"""The replication report's tables (kzopinion.paper.report_tables) count what the ledger counts."""

from __future__ import annotations

import re

import pytest

from kzopinion.paper import ledger as claims
from kzopinion.paper import report_tables


@pytest.fixture(scope="module")
def ledger(root):
    return claims.table(root)


def _rows(table: str) -> list[list[str]]:
    return [re.findall(r"<t[dh]>(.*?)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]


def test_the_overview_counts_every_claim_by_section_and_status_as_the_ledger_does(ledger):
    rows = _rows(report_tables.by_section_html(claims.summary(ledger)))
    head, body, foot = rows[0], rows[1:-1], rows[-1]
    statuses = {label: status for status, label in report_tables.STATUS_LABELS.items()}
    columns = [statuses[label] for label in head[1:-1]]
    assert [row[0] for row in body] == list(dict.fromkeys(ledger["section"]))  # every section, in article order
    for row in body:
        mine = ledger[ledger["section"] == row[0]]
        assert [int(n) for n in row[1:-1]] == [int((mine["status"] == s).sum()) for s in columns]
        assert int(row[-1]) == len(mine)
    counts = claims.counts(ledger)
    assert [int(n) for n in foot[1:-1]] == [counts[s] for s in columns] and int(foot[-1]) == len(ledger)
    assert set(columns) == {s for s, n in counts.items() if n}  # no status counted is left out
