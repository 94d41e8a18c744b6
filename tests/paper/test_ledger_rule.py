"""The status rule is total, every recorded claim declares its provenance, and the listed defects stay fixed."""

from __future__ import annotations

import pandas as pd
import pytest

from kzopinion import data
from kzopinion.chapters import replication_report, russia_correlation
from kzopinion.data.provenance import Cell, Tables, Traced, from_respondents
from kzopinion.paper import ledger as claims
from kzopinion.paper import report_tables


@pytest.fixture(scope="module")
def claim_rows(root):
    return data.load("claims", root).set_index("id", drop=False)


def test_a_value_read_from_its_own_claims_row_is_transcribed_for_every_claim(root, claim_rows):
    assert len(claim_rows) >= 120  # every statement of the article (124 once restatements were removed)
    for claim_id, claim in claim_rows.iterrows():
        for column in ("value", "printed"):
            entry = {"value": float(claim["value"]), "cells": [["claims", claim_id, column]]}
            assert claims.status_of(claim, entry, root) == "transcribed", (claim_id, column)
        # read beside other inputs it is still a transcription
        other = [["figure2_reasons", "positive|1", "first_answer"], ["claims", claim_id, "value"]]
        assert claims.status_of(claim, {"value": float(claim["value"]), "cells": other}, root) == "transcribed"


def test_a_cell_declared_as_transcribing_the_claim_makes_it_transcribed(root, claim_rows):
    declared = data.load("claim_cells", root)
    transcribing = declared[declared["relation"] == "transcribes"]
    assert len(transcribing)
    for row in transcribing.itertuples():
        claim = claim_rows.loc[row.claim_id]
        entry = {"value": float(claim["value"]), "cells": [[row.table, row.key, row.column]]}
        assert claims.status_of(claim, entry, root) == "transcribed", row.claim_id


def test_cu_violence_total_is_an_echo_and_no_check_counts_it(root, ledger_rows):
    assert ledger_rows.loc["cu_violence_total", "status"] == "transcribed"
    checks = replication_report.run(root)
    assert not checks["check"].str.contains("'neg_violence_disorder' is the sum").any()


def test_sums_over_remainders_say_so(ledger_rows, root):
    for claim_id in ("fp_mixed", "pr_opposition_suspected"):
        assert "remainder" in ledger_rows.loc[claim_id, "coverage"], claim_id
        assert "subtraction slip" in ledger_rows.loc[claim_id, "note"], claim_id
    checks = replication_report.run(root)  # an identity is no check of the article's numbers either
    for total in ("fp_mixed", "opposition_support_suspected"):
        assert not checks["check"].str.contains(f"'{total}' is the sum").any(), total


def test_no_check_of_the_numbers_repeats_a_check_or_judges_words(root):
    """Each check is counted once: no two rows state the same sum, and words the words table judges ("virtually
    halves", "overwhelming majority") are not judged here again."""
    checks = replication_report.run(root)
    sums = checks[checks["implied"].str.contains(r"\d \+ \d.* = \d", regex=True)]
    assert len(sums) and not sums["implied"].duplicated().any()
    judged = replication_report.word_checks(Tables(root))["quantifier"]
    for phrase in set(judged):
        assert not checks["check"].str.lower().str.contains(f"'{phrase}", regex=False).any(), phrase
    assert not checks["check"].str.contains("virtually halves|overwhelming majority", case=False).any()


@pytest.fixture(scope="module")
def ledger_rows(root):
    return claims.table(root).set_index("id", drop=False)


def test_every_recorded_claim_declares_its_provenance(root, claim_rows):
    recorded = claims.entries(root)
    assert len(recorded)
    for row in recorded.itertuples():
        assert claims.undeclared(claim_rows.loc[row.id], [Cell(*c) for c in row.cells]) == [], row.id


def test_the_ledger_refuses_a_claim_with_no_declared_provenance(claim_rows):
    # a claim with neither a bound cell nor declared inputs (the IMF break-even price: no data for it here)
    bare = claim_rows.loc["ds_oil_breakeven"]
    assert pd.isna(bare["table"]) and pd.isna(bare["inputs"])
    assert claims.undeclared(bare, [Cell("survey_designs", "gallup", "n_per_wave")])
    with pytest.raises(ValueError, match="declares no provenance"):
        claims.record("ds_oil_breakeven", Traced(80.0, {Cell("survey_designs", "gallup", "n_per_wave")}), "80")
    with pytest.raises(ValueError, match="do not declare"):  # a bound claim computed from an undeclared table
        claims.record("fp_negative", Traced(38.0, {Cell("figure2_reasons", "positive|1", "first_answer")}), "38")


def test_comparisons_honour_qualifiers():
    assert claims.agrees(50000, "more than", 0, 55000, "over")
    assert claims.agrees(50000, "more than", 0, 55000)
    assert not claims.agrees(50000, "more than", 0, 45000)
    assert not claims.agrees(50000, "fewer than", 0, 55000)
    assert claims.agrees(50000, "at least", 0, 50000)
    assert not claims.agrees(50000, "more than", 0, 50000)
    assert claims.agrees(20, "about", 5, 23) and not claims.agrees(20, "about", 5, 26)
    assert claims.agrees(20, "nearly", 2, 19) and not claims.agrees(20, "nearly", 2, 21)
    assert claims.agrees(87, "", 0, 87) and not claims.agrees(87, "", 0, 100)


def test_soft_power_respondents_is_not_a_false_difference(ledger_rows):
    assert ledger_rows.loc["fp_soft_power_respondents", "status"] == "confirmed"
    assert ledger_rows.loc["fp_soft_power_countries", "status"] == "differs"  # 87 against 100: a real difference


def test_partial_coverage_of_waves_and_years_is_named(claim_rows):
    gallup = claim_rows.loc["ru_china_gallup_positive_significant"]
    cells = [Cell("microdata:gallup", "year:2018,2019")]
    assert claims.coverage(gallup, cells) == "years 2018-2019 of 2017-2019"
    cab = claim_rows.loc["ru_app_c_countries_positive_significant"]
    assert claims.coverage(cab, [Cell("microdata:cab", "wave:1")]) == "wave 1 of 1-6"
    assert claims.coverage(cab, [Cell("microdata:cab", "wave:1,2,3,4,5,6")]) == ""
    entry = {"value": 1.0, "cells": [["microdata:cab", "wave:1", ""]]}
    assert claims.qualifiers(cab, entry) == ["wave 1 of 1-6"]
    assert report_tables.status_text("confirmed", "wave 1 of 1-6") == "confirmed, wave 1 of 1-6"
    ledger = pd.DataFrame({"status": ["confirmed", "confirmed"], "coverage": ["wave 1 of 1-6", ""]})
    assert claims.partial_counts(ledger)["confirmed"] == 1


def test_the_gallup_claims_record_the_years_they_were_computed_on(ledger_rows):
    row = ledger_rows.loc["ru_china_gallup_positive_significant"]
    assert row["cells"] and "2018" in row["cells"][0] and "2017" not in row["cells"][0]
    assert "years 2018-2019 of 2017-2019" in row["coverage"]


def test_respondent_cells_carry_the_sample_they_were_computed_on():
    class Respondents:
        simulated, source = False, "gallup"
        frame = pd.DataFrame({"year": [2017, 2018, 2019]})

    assert from_respondents(1.0, Respondents).cells == {Cell("microdata:gallup", "year:2017,2018,2019")}
    recent = Respondents.frame[Respondents.frame["year"] > 2017]
    assert from_respondents(1.0, Respondents, recent).cells == {Cell("microdata:gallup", "year:2018,2019")}


def test_reported_only_says_why(ledger_rows):
    reported = ledger_rows[ledger_rows["status"] == "reported-only"]
    assert len(reported) and reported["coverage"].str.contains("not registered|absent").all()


def test_check_b_is_questionable_and_states_its_assumption(root):
    checks = replication_report.run(root).set_index("check")
    row = checks.loc["Focus groups: groups of 8 to 10 making up the total"]
    assert row["result"] == "questionable"
    assert "Assuming the 8 named cities were all" in row["implied"] and "at least 96 people" in row["implied"]


def test_the_report_checks_type_no_counts_of_their_own():
    source = replication_report.__file__
    text = open(source, encoding="utf-8").read()
    for literal in ('"49"', "== 49", "<= 93", "within the 93"):
        assert literal not in text, literal


def test_the_stand_in_specification_curve_never_says_the_conclusion_holds():
    curve = pd.DataFrame({"coef": [0.2, 0.3], "p": [0.001, 0.002], "article": [True, False]})
    simulated = russia_correlation.curve_texts(curve, 0.05, simulated=True)["ru_spec_verdict"]
    assert "simulated" in simulated and "holds under" not in simulated
    assert "holds under every one" in russia_correlation.curve_texts(curve, 0.05)["ru_spec_verdict"]


def test_the_own_specification_sentence_says_simulated_on_the_stand_in(root):
    text = (root / "notebooks" / "02-russia-correlation.md").read_text(encoding="utf-8")
    sentence = next(line for line in text.splitlines() if "ru_spec_article" in line and not line.startswith(" "))
    assert "ru_cab_source" in sentence  # glued: 'the simulated stand-in for CAB' when it is one


def test_an_impossible_p_value_is_not_accepted(root):
    checks = replication_report.run(root).set_index("check")
    assert checks.loc["approve_us_leadership: a p-value is never zero", "result"] == "inconsistent"
    assert checks.loc["approve_russia_leadership: a p-value is never zero", "result"] == "consistent"
    assert checks.loc["No printed share lies outside 0-100%", "result"] == "consistent"


def test_the_ledger_table_refuses_undeclared_provenance(root, monkeypatch):
    entries = claims.entries(root)
    planted = entries.copy()
    planted.loc[planted["id"] == "fp_negative", "cells"] = pd.Series(
        [[["figure2_reasons", "positive|1", "first_answer"]]], index=planted.index[planted["id"] == "fp_negative"]
    )
    monkeypatch.setattr(claims, "entries", lambda _root: planted)
    with pytest.raises(ValueError, match="without declared provenance"):
        claims.table(root)


def test_tables_give_traced_cells(root):
    assert Tables(root).cell("claims", "fp_negative", "value").cells == {Cell("claims", "fp_negative", "value")}


def test_the_audited_echo_is_now_transcribed(root, claim_rows):
    """The audit's example: a chapter returning the claim's own printed value as its computation."""
    echo = Tables(root).cell("claims", "fp_condemn_share", "value")
    entry = {"value": float(echo), "cells": [[c.table, c.key, c.column] for c in echo.cells]}
    assert claims.status_of(claim_rows.loc["fp_condemn_share"], entry, root) == "transcribed"


def test_reported_only_distinguishes_absent_items_from_missing_files(root, claim_rows, monkeypatch):
    claim = claim_rows.loc["ru_app_c_economy_positive_significant"]
    monkeypatch.setattr(claims, "_registered_waves", lambda source, _root: None)
    assert claims.qualifiers(claim, None, root) == ["CAB not registered"]
    monkeypatch.setattr(claims, "_registered_waves", lambda source, _root: [1])
    assert claims.qualifiers(claim, None, root) == ["not computed from the registered CAB data (wave 1)"]


def test_an_edit_to_the_declared_cells_is_read_by_the_same_process(root, tmp_path):
    """`make serve` builds in one long-lived process: a declaration saved (and rehashed) meanwhile is what the next
    status reads, never the rows the process read first."""
    import shutil

    from kzopinion import data
    from kzopinion.paper import ledger

    copy = tmp_path / "repo"
    shutil.copytree(root / "data", copy / "data")
    claim = "fp_positive_international_share"
    assert ledger.function_of(claim, copy) == ["fp_positive_development_share"]  # read, and kept by this process
    declarations = copy / "data" / "coding" / "claim_cells.csv"
    kept = [line for line in declarations.read_text(encoding="utf-8").splitlines() if not line.startswith(f"{claim},")]
    declarations.write_text("\n".join(kept) + "\n", encoding="utf-8")
    data.rehash(["claim_cells"], copy)
    assert ledger.function_of(claim, copy) == []
