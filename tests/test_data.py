"""The data package: every table valid, fully described, and loud when broken."""

from __future__ import annotations

import json
import re

import pytest

from fixtures import edit, edit_table
from kzopinion import data


def test_every_table_is_valid(root):
    assert data.validate_all(root) == data.resource_names(root)


def test_every_table_is_fully_described(root):
    pkg = data.package(root)
    # mappings/ are the editable microdata mapping files (documented in the appendix, not data)
    on_disk = {p.relative_to(root / "data").as_posix() for p in (root / "data").rglob("*.csv")
               if p.relative_to(root / "data").parts[0] not in ("mappings", "microdata")}
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
                assert source.get("quote") and source.get("retrieved"), f"{res['name']}: external sources quote their passage"
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
    assert "python -m kzopinion.data rehash gallup_relations_2014" in message
    assert data.sha256(path) in message


def test_out_of_range_value_names_file_row_column_and_rule(repo_copy):
    edit_table(repo_copy, "gallup_relations_2014", ",72\n", ",140\n")
    with pytest.raises(data.DataValidationError) as err:
        data.load("gallup_relations_2014", repo_copy)
    message = str(err.value)
    assert "data/published/gallup_relations_2014.csv" in message
    assert "row 1" in message and "column 'percent'" in message and "maximum 100" in message


def test_negative_count_is_refused(repo_copy):
    edit_table(repo_copy, "focus_group_codes", "culture_influence_positive,,cultural,3,",
               "culture_influence_positive,,cultural,-3,")
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


@pytest.mark.parametrize("mangle", [
    lambda b: b"\xef\xbb\xbf" + b,              # byte-order mark
    lambda b: b.replace(b"\n", b"\r\n"),        # Windows line endings
    lambda b: b + b"\n\n",                      # trailing blank lines
])
def test_harmless_file_quirks_read_correctly(repo_copy, mangle):
    path = repo_copy / "data/published/gallup_relations_2014.csv"
    expected = data.load("gallup_relations_2014", repo_copy)
    path.write_bytes(mangle(path.read_bytes()))
    assert data.load("gallup_relations_2014", repo_copy).equals(expected)


def test_child_count_above_parent_names_both_codes(repo_copy):
    edit_table(repo_copy, "focus_group_codes", "neg_homosexuality,neg_sexual_familial,cultural,19,",
               "neg_homosexuality,neg_sexual_familial,cultural,21,")
    with pytest.raises(data.DataValidationError) as err:
        data.load("focus_group_codes", repo_copy)
    assert "'neg_homosexuality'" in str(err.value) and "'neg_sexual_familial'" in str(err.value)


def test_broken_partition_is_named(repo_copy):
    edit_table(repo_copy, "focus_group_codes", "opposition_no_position,opposition_support_suspected,foreign_policy,7,",
               "opposition_no_position,opposition_support_suspected,foreign_policy,6,")
    with pytest.raises(data.DataValidationError, match="'opposition_support_suspected' is marked partitioned"):
        data.load("focus_group_codes", repo_copy)


def test_package_json_is_plain_json(root):
    # read with the standard loader: no object hooks, no code
    assert json.loads((root / "data/datapackage.json").read_text())["resources"]


def test_data_readme_indexes_every_table_with_its_row_count(root):
    readme = (root / "data" / "README.md").read_text(encoding="utf-8")
    for res in data.package(root)["resources"]:
        rows = len(data.load(res["name"], root))
        assert f"| `{res['path']}` | {rows} |" in readme, f"data/README.md index row for {res['path']} is missing or stale"
        assert f"## `{res['path']}`" in readme, f"data/README.md has no card for {res['path']}"
