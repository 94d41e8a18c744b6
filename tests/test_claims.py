"""The claims ledger: complete, consistent with the book, and guarding the prose."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kzopinion import claims, consistency, data, gluekeys, notebooks


@pytest.fixture(scope="module")
def ledger(root):
    return claims.table(root)


def test_every_claim_has_a_status(ledger):
    assert set(ledger["status"]) <= set(claims.STATUSES)
    assert ledger["status"].notna().all() and ledger["computed_status"].notna().all()


def test_reviewed_statuses_match_the_book(ledger):
    # A reproduced claim that stops reproducing (or any other change of status) must be re-examined
    # in data/published/claims.csv before the tests pass again.
    assert claims.mismatches(ledger) == []


def test_reproduced_claims_come_from_data_in_the_repository(ledger):
    reproduced = ledger[ledger["computed_status"] == "reproduced"]
    assert set(reproduced["tier"]) <= {"published", "external", "microdata"}
    assert all(reproduced["inputs"].map(bool)), "every reproduced value names the tables it was computed from"


def test_recorded_inputs_carry_current_checksums(ledger, root):
    for inputs in ledger["inputs"]:
        for table, digest in inputs.items():
            assert claims._input_hash(table, root) == digest, table


def test_recorded_ids_are_claims(root):
    recorded = set(claims.entries(root)["id"])
    assert recorded and recorded <= set(data.load("claims", root)["id"])


def test_recording_an_unknown_id_fails_loudly():
    with pytest.raises(KeyError, match="not a claim id"):
        claims.record("zz_not_a_claim", 1.0, "1", tier="published", inputs=[])


def test_status_rules():
    claim = {"needs": "published", "value": 38 / 49, "tolerance": 0.0005}
    assert claims.status_of(claim, None) == "not-yet"
    assert claims.status_of({**claim, "needs": "microdata"}, None) == "reported-only"
    assert claims.status_of(claim, {"value": 0.7755, "tier": "published"}) == "reproduced"
    assert claims.status_of(claim, {"value": 0.79, "tier": "published"}) == "differs"
    assert claims.status_of(claim, {"value": 0.7755, "tier": "simulated"}) == "reported-only"


def test_the_claims_cover_every_section_of_the_article(ledger):
    sections = set(ledger["section"])
    for section in ["Data sources", "Double-edged cultural influence", "Negative effects of US foreign policy",
                    "Preferences regarding relations", "Russia and the United States: no mutual exclusivity"]:
        assert section in sections


def test_every_focus_group_count_is_a_claim(root):
    # each count in the coded table must be claimed somewhere (the coded table is transcribed
    # from exactly those statements); compare the multisets of counts per section
    codes = data.load("focus_group_codes", root)
    claimed = data.load("claims", root)
    claimed = claimed[claimed["table"] == "focus_group_codes"]
    assert len(claimed) >= len(codes) - 6  # base and implied totals are claimed once per section


def test_consistency_checks_run_and_report(root):
    checks = consistency.run(root)
    assert set(checks["result"]) <= {"consistent", "inconsistent"}
    assert (checks["result"] == "inconsistent").sum() == 1  # the ten cities of which eight are named
    assert checks.loc[checks["result"] == "inconsistent", "check"].str.contains("cities").all()


# ------------------------------------------------------------------ literal numbers in prose

RESULT_LIKE = re.compile(r"(?<![\w.{`/-])(\d{1,3}(?:[.,]\d+)?\s?%|\d+ (?:of|out of) \d+|\d*\.\d+\b)")


def _prose(markdown: str) -> str:
    text = re.sub(r"^---\n.*?\n---\n", "", markdown, flags=re.S)            # front matter
    text = re.sub(r"```.*?```", "", text, flags=re.S)                       # code cells and directives
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", "", text)                          # roles: glue, cite, ref, download
    text = re.sub(r"`[^`]*`", "", text)                                     # inline code
    text = re.sub(r"\]\([^)]*\)", "]", text)                                # link targets
    return text


def _prose_files(root: Path) -> list[Path]:
    generated = {root / "book" / "data-appendix.md"}
    return [p for p in sorted(root.glob("notebooks/*.md")) + sorted(root.glob("book/**/*.md")) if p not in generated]


def test_no_result_is_typed_into_the_prose(root):
    offenders = {}
    for path in _prose_files(root):
        hits = RESULT_LIKE.findall(_prose(path.read_text(encoding="utf-8")))
        if hits:
            offenders[str(path.relative_to(root))] = hits
    assert not offenders, f"glue these from a computation: {offenders}"


def test_the_literal_number_check_catches_results():
    assert RESULT_LIKE.findall(_prose("Most (81%) said so; 38 of 49 agreed; p = .62 in 2014."))== ["81%", "38 of 49", ".62"]
    assert RESULT_LIKE.findall(_prose("In 2014, section 3 and {glue:text}`fp_share` matter.")) == []


# ------------------------------------------------------------------ a data edit propagates

def test_editing_data_changes_the_book_and_fails_the_ledger(repo_copy, root):
    """Change CAB's sample size in a copy: the prose value and the report follow, and the
    reviewed status no longer matches, so `make test` fails until claims.csv is re-examined."""
    path = repo_copy / "data/published/survey_designs.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",6,1500,", ",6,1600,"), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "kzopinion.data", "rehash", "survey_designs"], cwd=repo_copy,
                   check=True, capture_output=True)
    result = subprocess.run([sys.executable, "-m", "kzopinion.build", "--no-html"], cwd=repo_copy,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    assert gluekeys.glued_values(repo_copy / "notebooks/01-data-sources.ipynb")["ds_cab_n"] == "1,600"
    ledger = claims.table(repo_copy)
    row = ledger.set_index("id").loc["ds_cab_n"]
    assert (row["book_text"], row["computed_status"], row["status"]) == ("1,600", "differs", "reproduced")
    assert any(line.startswith("ds_cab_n:") for line in claims.mismatches(ledger))
    before = gluekeys.glued_values(root / "notebooks/99-replication-report.ipynb")["report_differs"]
    after = gluekeys.glued_values(repo_copy / "notebooks/99-replication-report.ipynb")["report_differs"]
    assert int(after) == int(before) + 1
