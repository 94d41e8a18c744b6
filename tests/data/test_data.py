"""The data package as committed: every table valid and fully described (its breaks, refused loudly, are in
test_data_edited.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest
from fixtures import edit, edit_table

from kzopinion import data
from kzopinion import formatting as fmt


def test_every_table_is_valid(root):
    assert data.validate_all(root) == data.resource_names(root)


def test_every_table_is_fully_described(root):
    pkg = data.package(root)
    # mappings/ are the editable microdata mapping files (documented in the appendix, not data)
    on_disk = {
        p.relative_to(root / "data").as_posix()
        for p in (root / "data").rglob("*.csv")
        if p.relative_to(root / "data").parts[0] not in ("mappings", "microdata")
    }
    declared = {r["path"] for r in pkg["resources"]}
    assert on_disk == declared, "every CSV under data/ must be declared in datapackage.json, and vice versa"
    for res in pkg["resources"]:
        assert res["path"].split("/")[0] == res["tier"], res["name"]
        assert res["title"] and res["description"] and res["licenses"], res["name"]
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", res["hash"]), res["name"]
        assert res["sources"], res["name"]
        for source in res["sources"]:
            assert source["title"] and source["path"], res["name"]
            if res["tier"] == "external" and source.get("id") != "article":
                assert source.get("quote") and source.get("retrieved"), (
                    f"{res['name']}: external sources quote their passage"
                )
            if source.get("id") == "article":
                assert source.get("location"), f"{res['name']}: say where in the article"
        for field in res["schema"]["fields"]:
            assert field.get("type") in {"string", "integer", "number", "boolean"}, (res["name"], field["name"])
            assert field.get("description"), (res["name"], field["name"])


def test_source_ids_in_rows_are_declared(root):
    for res in data.package(root)["resources"]:
        fields = {f["name"]: f for f in res["schema"]["fields"]}
        if "source_id" in fields and "survey_designs" != res["name"]:
            ids = {s["id"] for s in res["sources"]}
            assert set(fields["source_id"]["constraints"]["enum"]) <= ids, res["name"]


def test_loaded_types(root):
    approval = data.load("gallup_leadership_approval", root)
    assert str(approval["approve"].dtype) == "Int64"
    assert approval["disapprove"].isna().sum() == 3  # 2008 US, 2015 US and 2008 Russia report approval only
    assert bool(data.load("focus_group_codes", root)["partitioned"].any())


def test_package_json_is_plain_json(root):
    # read with the standard loader: no object hooks, no code
    assert json.loads((root / "data/datapackage.json").read_text())["resources"]


def test_data_readme_indexes_every_table(root):
    """Every table has an index row and a card; counts are not typed there (the data appendix generates them)."""
    readme = (root / "data" / "README.md").read_text(encoding="utf-8")
    for res in data.package(root)["resources"]:
        assert f"| `{res['path']}` |" in readme, f"data/README.md index row for {res['path']} is missing"
        assert f"## `{res['path']}`" in readme, f"data/README.md has no card for {res['path']}"


def test_every_keyed_table_declares_its_natural_key(root):
    unkeyed = [r["name"] for r in data.package(root)["resources"] if not r["schema"].get("primaryKey")]
    assert unkeyed == [], "every table has a natural key: declare it as primaryKey"


def test_the_package_as_committed_passes_the_standard_validator(root):
    from frictionless import Package  # what `frictionless validate data/datapackage.json` runs

    report = Package(str(root / "data" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:5]


def test_secondary_sources_are_named_by_the_rows_a_value_rests_on(root):
    from kzopinion.data.provenance import Cell, secondary_sources

    def approval(year: int) -> Cell:
        return Cell("gallup_leadership_approval", f"{year}|United States", "approve")

    export = secondary_sources([approval(2010), approval(2014)], root)
    assert len(export) == 1 and "transcription of a Gallup Analytics export" in export[0]
    assert secondary_sources([approval(2015)], root) == []  # Gallup's own release of May 2016
    assert len(secondary_sources([approval(2008), approval(2010)], root)) == 2  # a press summary too
    assert secondary_sources([Cell("wdi_central_asia", "SP.POP.TOTL|2019|KAZ", "value")], root) == []
    assert secondary_sources([Cell("survey_designs", "cab", "n_per_wave")], root) == []  # a table without sources


def test_a_change_gallups_release_prints_is_named_only_for_values_resting_on_both_its_years(root):
    from kzopinion.data.provenance import Cell, release_agreements

    def approval(year: int) -> Cell:
        return Cell("gallup_leadership_approval", f"{year}|United States", "approve")

    releases = data.load("gallup_release_changes", root)
    for row in releases.itertuples(index=False):
        ends = [approval(int(row.from_year)), approval(int(row.to_year))]
        said = release_agreements([*ends, approval(2010)], root)
        assert any(f"{row.from_year}-{row.to_year}" in s and "agrees with Gallup's own release" in s for s in said)
        assert f"{abs(int(row.change))} points printed" in " ".join(said)
        assert release_agreements(ends[:1], root) == [] and release_agreements(ends[1:], root) == []
    assert release_agreements([Cell("wdi_central_asia", "SP.POP.TOTL|2019|KAZ", "value")], root) == []


def test_every_claim_restated_by_another_row_is_refused_naming_it(root):
    """The rule over every row of the claims table: a copy of it under a new id, with its quote shortened or
    lengthened (one within the other), is refused naming the original; the table as committed passes."""
    from kzopinion.data.package import TABLE_CHECKS

    one_row_per_statement = TABLE_CHECKS["one_row_per_statement"]
    claims = data.load("claims", root)
    one_row_per_statement(claims, "claims.csv", root)
    for row in claims.itertuples(index=False):
        words = str(row.quote).split()
        for quote in (" ".join(words[1:]) or row.quote, f"{row.quote} and more words"):
            copy = {**row._asdict(), "id": "mu_restated", "quote": quote}
            restated = pd.concat([claims, pd.DataFrame([copy])], ignore_index=True)
            with pytest.raises(data.DataValidationError, match=rf"claim 'mu_restated' restates claim '{row.id}'"):
                one_row_per_statement(restated, "claims.csv", root)


def test_every_change_gallup_prints_agrees_with_the_series_and_a_moved_one_is_refused(root):
    """The release rule over every row of gallup_release_changes: as committed each printed change agrees with the
    series' values for its years; moving a row's change by the rounding of two whole percentages still passes, one
    point more is refused naming both files, the row and the fix, and so is a row whose years the series lacks."""
    from kzopinion.data.package import RELEASE_ROUNDING, TABLE_CHECKS, release_agrees, series_change

    check = TABLE_CHECKS["release_changes_agree"]
    file = "data/" + data.resource("gallup_release_changes", root)["path"]
    releases, approval = data.load("gallup_release_changes", root), data.load("gallup_leadership_approval", root)
    check(releases, file, root)
    assert len(releases) >= 1
    for i, row in enumerate(releases.itertuples(index=False)):
        series = series_change(approval, row.leadership, int(row.from_year), int(row.to_year))
        assert release_agrees(int(row.change), series), row
        for shift in (-RELEASE_ROUNDING, RELEASE_ROUNDING):
            near = releases.copy()
            near.loc[near.index[i], "change"] = int(row.change) + shift
            check(near, file, root)
        for shift in (-RELEASE_ROUNDING - 1, RELEASE_ROUNDING + 1):
            moved = releases.copy()
            moved.loc[moved.index[i], "change"] = int(row.change) + shift
            with pytest.raises(data.DataValidationError) as refusal:
                check(moved, file, root)
            said = str(refusal.value)
            assert f"{file}, row {i + 1} (line {i + 2}), column 'change'" in said
            assert "data/external/gallup_leadership_approval.csv gives" in said and "correct the transcription" in said
        unknown = releases.copy()
        unknown.loc[unknown.index[i], "from_year"] = 2006  # a year the series does not hold
        with pytest.raises(data.DataValidationError, match=rf"row {i + 1} .*has no approval of it in both years"):
            check(unknown, file, root)


def test_every_claims_tolerance_follows_from_its_printing_and_no_other_passes(root):
    """The tolerance rule over every row it governs: each claim's tolerance is the one its printing justifies, and
    moving any row's tolerance off it (or, for a claim the article calls approximate, below it) is refused."""
    from kzopinion.data.package import _check_tolerance_from_printing as check
    from kzopinion.data.package import printed_tolerance

    claims = data.load("claims", root)
    check(claims, "claims.csv", root)  # as committed: every row passes
    for i, row in enumerate(claims.itertuples(index=False)):
        derived = printed_tolerance(str(row.printed), str(row.unit), float(row.value))
        approximate = isinstance(row.qualifier, str) and row.qualifier.strip().lower() in fmt.APPROXIMATE
        if approximate:
            moved = [derived / 2] if derived else []
        else:
            moved = [derived + 0.1, derived * 10 + 1]
        for wrong in moved:
            planted = claims.copy()
            planted.loc[planted.index[i], "tolerance"] = wrong
            with pytest.raises(data.DataValidationError, match=f"claim '{row.id}' is printed"):
                check(planted, "claims.csv", root)
        if approximate:
            wider = claims.copy()
            wider.loc[wider.index[i], "tolerance"] = float(row.tolerance) + 1
            check(wider, "claims.csv", root)  # an approximation may allow more


def test_printed_tolerances():
    from kzopinion.data.package import printed_tolerance

    assert printed_tolerance("2.7%", "percentage points", 2.7) == 0.05
    assert printed_tolerance(".17", "probability", 0.17) == 0.005
    assert printed_tolerance("83%", "percent", 83) == 0.5
    assert printed_tolerance("1,500", "respondents", 1500) == 0.0
    assert printed_tolerance("a third", "participants", 3) == 0.0
    assert printed_tolerance("38/49", "proportion", 38 / 49) == fmt.record_half_unit(38 / 49)


def test_every_claim_worded_as_a_remainder_is_declared_one(root):
    """The rule over every claim: words that define a part as what is left of a whole ("the remaining seven", "the
    other four") need a remainder declaration for the claim's cell; the two the article has are declared, and the
    same words planted in any other claim's quote are refused, naming the claim."""
    from kzopinion.data.package import DataValidationError, _check_remainders_declared

    claims = data.load("claims", root)
    _check_remainders_declared(claims, "data/published/claims.csv", root)  # as committed: every one declared
    declared = data.load("claim_cells", root)
    parts = set(zip(*(declared.loc[declared["relation"] == "remainder", c] for c in ("table", "key", "column"))))
    assert len(parts) == 2
    for index, row in claims.iterrows():
        planted = claims.copy()
        planted.at[index, "quote"] = f"{row['quote']}, the remaining seven"
        if (row["table"], row["key"], row["column"]) in parts:
            _check_remainders_declared(planted, "data/published/claims.csv", root)
            continue
        with pytest.raises(
            DataValidationError, match=f"claim '{row['id']}' is worded as what remains of a whole \\('remaining'"
        ):
            _check_remainders_declared(planted, "data/published/claims.csv", root)


# ---------------------------------------------------------------- a data error before a changed checksum

CLAIM_ROW = (
    "ds_kz_population_rank,Introduction,Kazakhstan has the second largest population in Central Asia,second,2,rank,0,"
)


def _data_copy(root, tmp_path):
    """A repository of the data folder alone (and the two files that make a folder the repository), to edit."""
    import shutil

    shutil.copytree(root / "data", tmp_path / "data", ignore=shutil.ignore_patterns("microdata"))
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, tmp_path / name)
    return tmp_path


BROKEN_CLAIMS = {  # an edit of claims.csv left without `make rehash`, and the data error it makes
    "a value the schema forbids": (
        f"{CLAIM_ROW}external,",
        f"{CLAIM_ROW}externl,",
        "data/published/claims.csv, row 1 (line 2), column 'needs': 'externl' is not one of the allowed values",
    ),
    "a number not written plainly": (
        f"{CLAIM_ROW}external,",
        CLAIM_ROW.replace(",second,2,", ",second,inf,") + "external,",
        "data/published/claims.csv, row 1 (line 2), column 'value': 'inf' is not a finite number",
    ),
    "a table check": (
        f"{CLAIM_ROW}external,",
        CLAIM_ROW.replace(",rank,0,", ",rank,0.5,") + "external,",
        "data/published/claims.csv, row 1 (line 2), column 'tolerance': claim 'ds_kz_population_rank' is printed",
    ),
}


@pytest.mark.parametrize("case", BROKEN_CLAIMS)
def test_a_data_error_is_named_before_the_changed_checksum(root, tmp_path, case):
    """claims.csv both invalid and changed since its checksum: the data error (the real problem) comes first, with
    the checksum's fix only once the data is correct; `make rehash` first would have recorded the error."""
    old, new, error = BROKEN_CLAIMS[case]
    copy = _data_copy(root, tmp_path)
    edit(copy / "data/published/claims.csv", old, new)
    with pytest.raises(data.DataValidationError) as raised:
        data.validate_all(copy)
    message = str(raised.value)
    assert message.startswith(error), message
    assert "changed: its checksum is" not in message  # not the refusal of a valid edit
    assert message.endswith(
        "data/published/claims.csv also changed since data/datapackage.json recorded its checksum: correct the data "
        "first, then record the new checksum with make rehash TABLE=claims."
    ), message


def test_a_valid_edit_without_its_checksum_is_still_refused_after_the_data_errors(root, tmp_path):
    """A valid edit of claims.csv and a data error in another table: the data error first, naming claims.csv as
    changed too; once the error is corrected, the checksum refusal of claims.csv alone."""
    copy = _data_copy(root, tmp_path)
    edit(copy / "data/published/claims.csv", "the notebook shows the neighbouring years.", "the notebook shows them.")
    edit(copy / "data/published/gallup_relations_2014.csv", ",72\n", ",140\n")
    with pytest.raises(data.DataValidationError) as raised:
        data.validate_all(copy)
    message = str(raised.value)
    assert message.startswith("data/published/gallup_relations_2014.csv, row"), message
    assert "value 140 is above the maximum 100" in message
    assert "data/published/gallup_relations_2014.csv, data/published/claims.csv also changed" in message
    assert "make rehash TABLE='gallup_relations_2014 claims'." in message
    edit(copy / "data/published/gallup_relations_2014.csv", ",140\n", ",72\n")
    with pytest.raises(data.DataValidationError, match=r"^data/published/claims.csv changed: its checksum is"):
        data.validate_all(copy)


def test_make_data_and_make_rehash_name_the_data_error(root, tmp_path, monkeypatch, capsys):
    """What `make data` and `make rehash TABLE=claims` print (kzopinion.data's command line, in the copy)."""
    from kzopinion.data.package import main

    old, new, error = BROKEN_CLAIMS["a value the schema forbids"]
    copy = _data_copy(root, tmp_path)
    edit(copy / "data/published/claims.csv", old, new)
    monkeypatch.delenv("KZOPINION_ROOT", raising=False)
    monkeypatch.chdir(copy)
    assert main(["check"]) == 1
    printed = capsys.readouterr()
    assert printed.err.startswith(f"Data error: {error}") and "make rehash TABLE=claims" in printed.err
    assert "  ok  claims" not in printed.out  # a changed table is never said to be valid
    assert main(["rehash", "claims"]) == 0  # the checksum is recorded, and the data error named at once
    printed = capsys.readouterr()
    assert (
        printed.out.startswith("claims: sha256:")
        and error in printed.err
        and "the checksums are recorded" in printed.err
    )
    assert "also changed" not in printed.err  # recorded now: the data error alone remains


# ---------------------------------------------------------------- the build's hand-over to its kernels


def _load_in_a_kernel(copy, table, handed_over):
    """Load ``table`` of ``copy`` in a new process, as a kernel does, with ``handed_over`` as the build's hand-over;
    returns whether the process validated the package (frictionless is imported by the validation alone)."""
    env = os.environ | {"KZOPINION_ROOT": str(copy), data.VALID_PACKAGE: handed_over}
    code = f"import sys; from kzopinion import data; data.load({table!r}); print('frictionless' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise data.DataValidationError(done.stderr.strip().splitlines()[-1])
    return done.stdout.strip() == "True"


def test_a_kernel_is_spared_the_validation_of_the_package_its_build_found_valid_and_no_other(root, tmp_path):
    copy = _data_copy(root, tmp_path)
    data.validate_all(copy)
    state = data.valid_state(copy)
    assert state and not _load_in_a_kernel(copy, "claims", state)
    edit_table(copy, "gallup_relations_2014", ",72\n", ",140\n")  # edited after the hand-over, checksum recorded
    with pytest.raises(data.DataValidationError, match="gallup_relations_2014.csv, row .* above the maximum 100"):
        _load_in_a_kernel(copy, "claims", state)


def test_every_table_edited_after_the_hand_over_is_validated_again(root, tmp_path, monkeypatch):
    """The hand-over names one state of the package (every table's checksum, schema and checks): any table edited
    since, with its new checksum recorded, makes another state, which the kernel validates."""
    package = sys.modules["kzopinion.data.package"]  # the module (kzopinion.data.package is its function)
    copy = _data_copy(root, tmp_path)
    data.validate_all(copy)
    monkeypatch.setenv(data.VALID_PACKAGE, data.valid_state(copy))

    class Validated(Exception):
        pass

    def validate_all(root):
        raise Validated(root)

    monkeypatch.setattr(package, "validate_all", validate_all)
    for name in data.resource_names(copy):
        data.load(name, copy)  # the state handed over: not validated again
        path = copy / "data" / data.resource(name, copy)["path"]
        text = path.read_text(encoding="utf-8")
        edited = text.rstrip("\n") + "\n" + text.rstrip("\n").splitlines()[-1] + "\n"  # its last line twice
        edit_table(copy, name, text, edited)
        with pytest.raises(Validated):
            data.load(name, copy)
        edit_table(copy, name, edited, text)
