"""The data package: every table valid, fully described, and loud when broken."""

from __future__ import annotations

import json
import re

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


# ---------------------------------------------------------------- faults: each names file, row, column


def test_changed_value_without_new_checksum_names_the_file(repo_copy):
    path = repo_copy / "data/published/gallup_relations_2014.csv"
    edit(path, ",72\n", ",73\n")
    with pytest.raises(data.DataValidationError) as err:
        data.load("gallup_relations_2014", repo_copy)
    message = str(err.value)
    assert "data/published/gallup_relations_2014.csv" in message
    assert "make rehash TABLE=gallup_relations_2014" in message
    assert data.sha256(path) in message


def test_out_of_range_value_names_file_row_column_and_rule(repo_copy):
    edit_table(repo_copy, "gallup_relations_2014", ",72\n", ",140\n")
    with pytest.raises(data.DataValidationError) as err:
        data.load("gallup_relations_2014", repo_copy)
    message = str(err.value)
    assert "data/published/gallup_relations_2014.csv" in message
    assert "row 1" in message and "column 'percent'" in message and "maximum 100" in message


def test_negative_count_is_refused(repo_copy):
    edit_table(
        repo_copy,
        "focus_group_codes",
        "culture_influence_positive,,cultural,3,",
        "culture_influence_positive,,cultural,-3,",
    )
    with pytest.raises(data.DataValidationError, match=r"row 1 \(line 2\), column 'count'.*minimum 0"):
        data.load("focus_group_codes", repo_copy)


def test_missing_and_extra_columns_are_named(repo_copy):
    edit_table(repo_copy, "gallup_relations_2014", "year,answer,percent", "year,answer,share")
    with pytest.raises(data.DataValidationError) as err:
        data.load("gallup_relations_2014", repo_copy)
    assert "missing column(s) ['percent']" in str(err.value)
    assert "unknown column(s) ['share']" in str(err.value)
    assert "datapackage.json" in str(err.value)


def test_renamed_file_is_named(repo_copy):
    path = repo_copy / "data/published/gallup_relations_2014.csv"
    path.rename(path.with_name("gallup_2014.csv"))
    with pytest.raises(data.DataValidationError) as err:
        data.load("gallup_relations_2014", repo_copy)
    assert "data/published/gallup_relations_2014.csv is missing" in str(err.value)
    assert "gallup_2014.csv" in str(err.value)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b"\xef\xbb\xbf" + b,  # byte-order mark
        lambda b: b.replace(b"\n", b"\r\n"),  # Windows line endings
        lambda b: b + b"\n\n",  # trailing blank lines
    ],
)
def test_harmless_file_quirks_read_correctly(repo_copy, mangle):
    path = repo_copy / "data/published/gallup_relations_2014.csv"
    expected = data.load("gallup_relations_2014", repo_copy)
    path.write_bytes(mangle(path.read_bytes()))
    assert data.load("gallup_relations_2014", repo_copy).equals(expected)


def test_child_count_above_parent_names_both_codes(repo_copy):
    edit_table(
        repo_copy,
        "focus_group_codes",
        "neg_homosexuality,neg_sexual_familial,cultural,19,",
        "neg_homosexuality,neg_sexual_familial,cultural,21,",
    )
    with pytest.raises(data.DataValidationError) as err:
        data.load("focus_group_codes", repo_copy)
    assert "'neg_homosexuality'" in str(err.value) and "'neg_sexual_familial'" in str(err.value)


def test_broken_partition_is_named(repo_copy):
    edit_table(
        repo_copy,
        "focus_group_codes",
        "opposition_no_position,opposition_support_suspected,foreign_policy,7,",
        "opposition_no_position,opposition_support_suspected,foreign_policy,6,",
    )
    with pytest.raises(data.DataValidationError, match="'opposition_support_suspected' is marked partitioned"):
        data.load("focus_group_codes", repo_copy)


def test_package_json_is_plain_json(root):
    # read with the standard loader: no object hooks, no code
    assert json.loads((root / "data/datapackage.json").read_text())["resources"]


def test_data_readme_indexes_every_table(root):
    """Every table has an index row and a card; counts are not typed there (the data appendix generates them)."""
    readme = (root / "data" / "README.md").read_text(encoding="utf-8")
    for res in data.package(root)["resources"]:
        assert f"| `{res['path']}` |" in readme, f"data/README.md index row for {res['path']} is missing"
        assert f"## `{res['path']}`" in readme, f"data/README.md has no card for {res['path']}"


# --------------------------------------------------------------------------- the declared schema, enforced


def _package(repo):
    path = repo / "data" / "datapackage.json"
    return path, json.loads(path.read_text(encoding="utf-8"))


def _save(path, pkg):
    path.write_text(json.dumps(pkg, indent=2) + "\n", encoding="utf-8")


def test_a_duplicated_primary_key_row_is_refused_naming_both_rows(repo_copy):
    line = "negative,1,aggressive foreign policy,39,13,26,42\n"
    edit_table(repo_copy, "figure2_reasons", line, line + "negative,1,aggressive foreign policy,39,13,26,42\n")
    with pytest.raises(data.DataValidationError) as err:
        data.load("figure2_reasons", repo_copy)
    message = str(err.value)
    assert "data/published/figure2_reasons.csv, row 17 (line 18), columns ['opinion', 'rank']" in message
    assert "repeats row 16 (line 17)" in message and "primary key" in message


def test_a_non_unique_value_is_refused(repo_copy):
    edit_table(repo_copy, "survey_designs", "\ngallup,", "\ncab,")
    with pytest.raises(data.DataValidationError, match=r"column 'source_id': 'cab' repeats row"):
        data.load("survey_designs", repo_copy)


@pytest.mark.parametrize(
    "literal, refusal",
    [
        *[(literal, "is not a finite") for literal in ("NaN", "nan", "inf", "-Infinity")],
        # a digit separator, full-width digits, an Arabic-Indic digit: Python's float() would accept each of them
        *[(literal, "is not of type") for literal in ("6_7.1", "\uff16\uff17.1", "67\u0661", "1_000")],
    ],
)
def test_a_non_finite_or_malformed_number_is_refused_naming_row_and_column(repo_copy, literal, refusal):
    edit_table(
        repo_copy, "soft_power_2020", "United States overall score,,67.1,", f"United States overall score,,{literal},"
    )
    expected = rf"row 2 \(line 3\), column 'value': '{re.escape(literal)}' {refusal}"
    with pytest.raises(data.DataValidationError, match=expected):
        data.load("soft_power_2020", repo_copy)


def test_a_broken_foreign_key_is_refused(repo_copy):
    edit_table(repo_copy, "figure2_reason_classes", "aggressive foreign policy", "agressive foreign policy")
    with pytest.raises(
        data.DataValidationError,
        match=r"figure2_reason_classes.csv, row \d+ \(line \d+\), column\(s\) "
        r"\['opinion', 'reason'\]: .*not in table 'figure2_reasons'",
    ):
        data.load("figure2_reason_classes", repo_copy)


def test_a_table_declared_twice_is_refused(repo_copy):
    path, pkg = _package(repo_copy)
    pkg["resources"].append(dict(pkg["resources"][2]))
    _save(path, pkg)
    expected = rf"the table 'figure2_reasons' is declared twice \(resources 2 and {len(pkg['resources']) - 1},"
    with pytest.raises(data.DataValidationError, match=expected):
        data.validate_all(repo_copy)


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda pkg: pkg.update(resources={"a": 1}), r"at \['resources'\], .* is not of type 'array'"),
        (
            lambda pkg: pkg["resources"][3].pop("schema"),
            r"at \['resources'\]\[3\] \(resource 'focus_group_codes'\), "
            r"'schema' is a required property",
        ),
        (
            lambda pkg: pkg["resources"][0]["schema"].update(primaryKey=["nope"]),
            r"data/datapackage.json, resource 'survey_designs': primary key \"\['nope'\]\" does not match the fields",
        ),
        (lambda pkg: pkg.clear(), r"'name' is a required property"),
    ],
)
def test_a_package_of_the_wrong_shape_is_refused_with_a_sentence(repo_copy, damage, expected):
    path, pkg = _package(repo_copy)
    damage(pkg)
    _save(path, pkg)
    with pytest.raises(data.DataValidationError, match=expected):
        data.validate_all(repo_copy)


def test_a_missing_package_is_named(repo_copy):
    (repo_copy / "data" / "datapackage.json").unlink()
    with pytest.raises(data.DataValidationError, match=r"data/datapackage.json is missing.*git checkout"):
        data.package(repo_copy)


def test_an_oversized_table_is_refused(repo_copy):
    path = repo_copy / "data" / "published" / "gallup_relations_2014.csv"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("2014,padding,1\n" * (data.MAX_TABLE_BYTES // 14 + 1))
    with pytest.raises(data.DataValidationError, match=r"gallup_relations_2014.csv is \d\.\d MB, above the 2 MB cap"):
        data.load("gallup_relations_2014", repo_copy)


def test_every_keyed_table_declares_its_natural_key(root):
    unkeyed = [r["name"] for r in data.package(root)["resources"] if not r["schema"].get("primaryKey")]
    assert unkeyed == [], "every table has a natural key: declare it as primaryKey"


def test_the_package_as_committed_passes_the_standard_validator(root):
    from frictionless import Package  # what `frictionless validate data/datapackage.json` runs

    report = Package(str(root / "data" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:5]


@pytest.mark.parametrize(
    "table, old, new, expected",
    [
        (
            "figure2_reasons",
            "negative,1,aggressive foreign policy,39,13,26,42\n",
            "negative,1,aggressive foreign policy,39,13,26,42\nnegative,1,aggressive foreign policy,39,13,26,42\n",
            r"figure2_reasons.csv, row 17 \(line 18\), columns \['opinion', 'rank'\]: .*primary "
            r"key.*rule 'primary-key'",
        ),
        (
            "figure2_reason_classes",
            "aggressive foreign policy",
            "agressive foreign policy",
            r"figure2_reason_classes.csv, row \d+ \(line \d+\), column\(s\) .*foreign key.*rule 'foreign-key'",
        ),
    ],
)
def test_the_standard_validator_refuses_what_the_schema_forbids(repo_copy, table, old, new, expected):
    edit_table(repo_copy, table, old, new)
    with pytest.raises(data.DataValidationError, match=expected):
        data.validate_standard(repo_copy)


def test_the_standard_validator_reads_the_canonical_text(repo_copy):
    path = repo_copy / "data/published/survey_designs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")
    data.validate_standard(repo_copy)


# --------------------------------------------------------------------------- frictionless errors, as sentences


@pytest.mark.parametrize(
    "table, old, new, expected",
    [
        (
            "gallup_relations_2014",
            ",72\n",
            ",72,5\n",
            r"^data/published/gallup_relations_2014.csv, row 1 \(line 2\): 4 cells but the header has 3\. Quote cells",
        ),
        (
            "gallup_relations_2014",
            ",72\n",
            "\n",
            r"^data/published/gallup_relations_2014.csv, row 1 \(line 2\): 2 cells but the header has "
            r"3\. Add the missing",
        ),
        (
            "gallup_relations_2014",
            "\n2014,",
            "\n2014.5,",
            r"^data/published/gallup_relations_2014.csv, row 1 \(line 2\), column 'year': '2014.5' is "
            r"not of type integer; "
            r"correct the value",
        ),
        (
            "gallup_relations_2014",
            ",72\n",
            ",\n",
            r"^data/published/gallup_relations_2014.csv, row 1 \(line 2\), column 'percent': a value "
            r"is required but the "
            r"cell is empty; correct the cell",
        ),
        (
            "gallup_relations_2014",
            "year,answer,percent",
            "year,percent,answer",
            r"^data/published/gallup_relations_2014.csv: the header \['year', 'percent', 'answer'\] "
            r"is not in the declared "
            r"order; .* declares \['year', 'answer', 'percent'\]\. Make the file's header and the schema agree",
        ),
        (
            "figure2_reasons",
            "negative,1,aggressive",
            "negativ,1,aggressive",
            r"^data/published/figure2_reasons.csv, row \d+ \(line \d+\), column 'opinion': 'negativ' is not one of the "
            r"allowed values \['positive', 'negative'\]; correct the cell",
        ),
    ],
)
def test_every_frictionless_error_is_one_sentence_naming_file_row_column_and_fix(repo_copy, table, old, new, expected):
    edit_table(repo_copy, table, old, new)
    with pytest.raises(data.DataValidationError, match=expected) as err:
        data.load(table, repo_copy)
    assert str(err.value).endswith("checked by frictionless).") and str(err.value).count(". ") <= 1


# --------------------------------------------------------------------------- the project's rules, beyond the standard


def _frictionless_alone_accepts(repo, table=None) -> bool:
    """Whether frictionless by itself (its default checks) finds the package (or one of its tables) valid."""
    from frictionless import Package

    package = Package(str(repo / "data" / "datapackage.json"))
    return (package.get_resource(table) if table else package).validate().valid


_SOFT_POWER = ("soft_power_2020", "United States overall score,,67.1,")
PROJECT_RULES = {
    "infinity": (
        *_SOFT_POWER,
        "United States overall score,,inf,",
        r"row 2 \(line 3\), column 'value': 'inf' is not a finite number; leave the cell empty",
    ),
    "digit separator": (
        *_SOFT_POWER,
        "United States overall score,,6_7.1,",
        r"row 2 \(line 3\), column 'value': '6_7.1' is not of type number; write it in plain ASCII",
    ),
    "full-width digits": (*_SOFT_POWER, "United States overall score,,\uff16\uff17.1,", r"is not of type number"),
    "a space": (*_SOFT_POWER, "United States overall score,, 67.1,", r"' 67.1' is not of type number"),
    "integer separator": (
        "gallup_relations_2014",
        "\n2014,",
        "\n2_014,",
        r"row 1 \(line 2\), column 'year': '2_014' is not of type integer",
    ),
    "boolean spelling": (
        "focus_group_codes",
        ",93,true,",
        ",93,True,",
        r"column 'partitioned': 'True' is not of type boolean; write true or false",
    ),
    "nested count above its parent": (
        "focus_group_codes",
        "neg_homosexuality,neg_sexual_familial,cultural,19,",
        "neg_homosexuality,neg_sexual_familial,cultural,21,",
        r"row \d+ \(line \d+\), column 'count': code 'neg_homosexuality' counts 21, "
        r"more than its parent 'neg_sexual_familial' \(\d+\); correct one of the two",
    ),
    "a typed threshold where a published reading is verified": (
        "verbal_summaries",
        "of those who judged US conduct abroad=focus_group_codes[fp_discussed].count,,,,most: more than half",
        "of those who judged US conduct abroad=focus_group_codes[fp_discussed].count,>,0.6,,most: more than half",
        r"verbal_summaries.csv, row \d+ \(line \d+\): summary 'ws_most_aggressive_middle_east' types its rule and "
        r"threshold, but reading 'most of a whole' has a verified published number; empty the cells",
    ),
    "a summary naming no reading": (
        "verbal_summaries",
        "what most Kazakhstans see as aggressive,most,most of a whole,",
        "what most Kazakhstans see as aggressive,most,most of all,",
        r"column 'quantifier_reading': summary 'ws_most_aggressive_middle_east' names no reading of "
        r"quantifier_readings \('most of all'\); add the word to data/external/quantifier_readings.csv",
    ),
    "a number on a reading nobody verified": (
        "quantifier_readings",
        '(set size 108), as compiled by Sönning (2024)",,mean,,,,missing,',
        '(set size 108), as compiled by Sönning (2024)",,mean,0.7,,,missing,',
        r"quantifier_readings.csv, row \d+ \(line \d+\), column 'share': reading 'many' has a number but its status "
        r"is 'missing'; a number not read and verified in its source is not recorded",
    ),
    "a superlative given a share": (
        "quantifier_readings",
        "Greatest in number.,superlative,,>,",
        "Greatest in number.,superlative,0.5,>,",
        r"quantifier_readings.csv, row \d+ \(line \d+\): reading 'the most of several' is a superlative \(greatest in "
        r"number\), which compares a count with the next one: leave 'share' empty",
    ),
    "a tolerance the printing does not justify": (
        "claims",
        "Lowest reported CAB margin of error,2.7%,2.7,percentage points,0.05,",
        "Lowest reported CAB margin of error,2.7%,2.7,percentage points,0.5,",
        r"claims.csv, row \d+ \(line \d+\), column 'tolerance': claim 'ds_cab_moe_low' is printed '2.7%' "
        r"\(percentage points\), which justifies a tolerance of 0.05, not 0.5; write 0.05 there",
    ),
    "a claim naming a row its table lacks": (
        "claims",
        ",published,survey_designs,gallup,start,",
        ",published,survey_designs,galup,start,",
        r"claims.csv, row \d+ \(line \d+\), column 'key': claim "
        r"'ds_gallup_first_year' names the row 'galup', which "
        r"published/survey_designs.csv lacks; correct the key",
    ),
}


@pytest.mark.parametrize("rule", PROJECT_RULES)
def test_each_project_rule_catches_what_frictionless_alone_lets_through(repo_copy, rule):
    table, old, new, expected = PROJECT_RULES[rule]
    edit_table(repo_copy, table, old, new)
    assert _frictionless_alone_accepts(repo_copy, table), f"frictionless catches '{rule}' itself: drop the rule"
    with pytest.raises(data.DataValidationError, match=expected):
        data.load(table, repo_copy)


def test_what_the_project_requires_of_the_package_is_beyond_the_standard(repo_copy):
    path, pkg = _package(repo_copy)
    for entry in pkg["resources"]:
        del entry["tier"]
    _save(path, pkg)
    assert _frictionless_alone_accepts(repo_copy)
    with pytest.raises(
        data.DataValidationError,
        match=r"at \['resources'\]\[0\] \(resource 'survey_designs'\), "
        r"'tier' is a required property",
    ):
        data.validate_all(repo_copy)


def test_the_package_is_validated_once_per_process_and_state(repo_copy, monkeypatch):
    import importlib

    module = importlib.import_module("kzopinion.data.package")
    data.validate_all(repo_copy)
    build = repo_copy / "_build"
    assert not build.exists() and not (repo_copy / ".venv").exists(), "validation writes no stamp of its own"

    def again(*args, **kwargs):
        raise AssertionError("validated again although the package did not change")

    with monkeypatch.context() as patch:
        patch.setattr(module, "validate_standard", again)
        assert len(data.load("gallup_relations_2014", repo_copy)) > 0
        edit(repo_copy / "data/published/gallup_relations_2014.csv", ",72\n", ",73\n")  # the file rules still run
        with pytest.raises(data.DataValidationError, match=r"gallup_relations_2014.csv changed: its checksum"):
            data.load("gallup_relations_2014", repo_copy)
    edit_table(repo_copy, "gallup_relations_2014", ",73\n", ",140\n")  # a new state: validated again
    with pytest.raises(data.DataValidationError, match=r"column 'percent': value 140 is above the maximum 100"):
        data.load("gallup_relations_2014", repo_copy)


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


def test_a_section_that_restates_a_claim_is_refused_by_make_data(repo_copy):
    path = repo_copy / "data/published/claims.csv"
    with path.open("a", encoding="utf-8") as handle:  # the CAB sample size again, as a new section might add it
        handle.write(
            'mu_cab_sample_size,Data sources,CAB sample size per wave,"1,500",1500,respondents,0,published,'
            'survey_designs,cab,n_per_wave,cell,,,,count,,"a sample size of 1,500",\n'
        )
    data.rehash(["claims"], repo_copy)
    with pytest.raises(data.DataValidationError) as refusal:
        data.validate_all(repo_copy)
    assert "claim 'mu_cab_sample_size' restates claim 'ds_cab_n'" in str(refusal.value)
    assert "record 'ds_cab_n' in the new section instead" in str(refusal.value)


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


def test_a_series_value_that_contradicts_gallups_release_is_refused_by_make_data(repo_copy):
    """The export's 2014 approval of the US moved from 9 to 20: the 2013-2014 change (then -17) no longer agrees
    with the -28 points Gallup's own release prints, and ``make data`` refuses it, naming both files and the fix."""
    edit_table(repo_copy, "gallup_leadership_approval", "2014,United States,9,", "2014,United States,20,")
    with pytest.raises(data.DataValidationError) as refusal:
        data.validate_all(repo_copy)
    said = str(refusal.value)
    assert said.startswith("data/external/gallup_release_changes.csv, row 1 (line 2), column 'change'")
    assert "prints a change of -28 points" in said and "gives -17" in said
    assert "data/external/gallup_leadership_approval.csv" in said and "rows '2013|United States'" in said
    assert "correct the transcription that is wrong" in said


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
