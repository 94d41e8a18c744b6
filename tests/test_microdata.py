"""Readers of respondent-level files, on small files written in each source's real layout."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import fixtures
from kzopinion import microdata, schema


@pytest.fixture()
def cab_registered(repo_copy, tmp_path):
    written = fixtures.cab_download(tmp_path / "download")
    microdata.register_cab(tmp_path / "download", repo_copy)
    return repo_copy, written


def test_microdata_is_never_committed(root):
    assert "data/microdata/" in (root / ".gitignore").read_text()
    tracked = subprocess.run(["git", "ls-files", "data/microdata"], cwd=root, capture_output=True, text=True).stdout
    assert tracked == ""


def test_the_wave1_trap_breaks_whole_file_conversion(tmp_path):
    path = tmp_path / fixtures.cab_name(1)
    fixtures.write_cab(path)
    with pytest.raises(ValueError, match="not unique"):
        pd.read_stata(path)  # what a naive reader would do


def test_registering_cab_keeps_kazakhstan_waves_1_to_6_only(cab_registered):
    root, _ = cab_registered
    registered = sorted(p.name for p in (root / "data/microdata/cab").glob("*.dta"))
    assert registered == [fixtures.cab_name(1), fixtures.cab_name(2)]
    recorded = json.loads((root / "data/microdata/manifest.json").read_text())["cab"]
    assert sorted(recorded) == registered and all(v.startswith("sha256:") for v in recorded.values())


def test_cab_harmonises_exactly(cab_registered):
    root, written = cab_registered
    frame = microdata.read_cab(root)
    raw = written[fixtures.cab_name(1)]
    wave1 = frame[frame["wave"] == 1].reset_index(drop=True)
    expected = raw["OpinionUSA"].map({1: "very_favourable", 2: "somewhat_favourable", 3: "somewhat_unfavourable",
                                      4: "very_unfavourable", 98: "dont_know", 99: "refused"})
    assert wave1["fav_us"].astype(str).tolist() == expected.tolist()
    assert wave1["sex"].astype(str).tolist() == raw["Gender"].map({1: "male", 2: "female"}).tolist()
    assert wave1["education"].astype(str).tolist() == raw["EducLevel_M"].map(
        {1: "primary", 2: "secondary", 3: "tertiary"}).tolist()
    assert set(wave1["region"]) <= {"Almaty city", "Karaganda"}
    assert wave1["opinion_putin"].notna().all()  # found by its label, not its name
    assert wave1["weight"].tolist() == pytest.approx(raw["totwt"].tolist())
    assert list(frame.columns) == list(schema.COLUMNS)
    # don't know and refused stay levels; scoring turns them into missing, never into numbers
    scored = schema.score(wave1["fav_us"])
    assert scored[wave1["fav_us"].isin(schema.NONRESPONSE)].isna().all()
    assert set(scored.dropna()) <= {1.0, 2.0, 3.0, 4.0}


def test_a_phone_wave_file_is_refused(cab_registered):
    root, _ = cab_registered
    fixtures.write_cab(root / "data/microdata/cab" / fixtures.cab_name(7), phone=True)
    with pytest.raises(microdata.MicrodataError, match=r"wave-7.*telephone wave"):
        microdata.read_cab(root)


def test_a_mislabelled_phone_file_is_refused(cab_registered):
    root, _ = cab_registered
    path = root / "data/microdata/cab" / fixtures.cab_name(2)
    fixtures.write_cab(path, phone=True)
    content = json.loads((root / "data/microdata/manifest.json").read_text())
    content["cab"][path.name] = microdata._sha256(path)
    (root / "data/microdata/manifest.json").write_text(json.dumps(content))
    with pytest.raises(microdata.MicrodataError, match=r"telephone-wave items \['E1a'\]"):
        microdata.read_cab(root)


def test_a_file_from_another_country_is_refused(cab_registered):
    root, _ = cab_registered
    fixtures.write_cab(root / "data/microdata/cab" / fixtures.cab_name(1, "kyrgyzstan"))
    with pytest.raises(microdata.MicrodataError, match=r"kyrgyzstan.*Kyrgyzstan file of CAB wave 1"):
        microdata.read_cab(root)


def test_a_missing_item_lists_candidate_columns(repo_copy, tmp_path):
    path = tmp_path / "download" / fixtures.cab_name(3)
    path.parent.mkdir()
    frame, labels, values = fixtures.cab_frame(20, 5)
    frame = frame.rename(columns={"OpinionUSA": "Q7"})
    labels["Q7"] = labels.pop("OpinionUSA").replace("Opinion of the USA", "Attitude towards USA")
    values["Q7"] = values.pop("OpinionUSA")
    import pyreadstat
    pyreadstat.write_dta(frame, str(path), column_labels=labels, variable_value_labels=values)
    microdata.register_cab(path.parent, repo_copy)
    with pytest.raises(microdata.MicrodataError) as err:
        microdata.read_cab(repo_copy)
    assert "cannot find item 'fav_us'" in str(err.value) and "Q7 ('Attitude towards USA')" in str(err.value)


def test_an_unknown_value_label_is_named(repo_copy, tmp_path):
    path = tmp_path / fixtures.cab_name(1)
    frame, labels, values = fixtures.cab_frame(20, 5)
    values["OpinionChina"] = {**fixtures.FAVOURABILITY, 4: "Hostile"}
    import pyreadstat
    pyreadstat.write_dta(frame, str(path), column_labels=labels, variable_value_labels=values)
    microdata.register_cab(tmp_path, repo_copy)
    with pytest.raises(microdata.MicrodataError, match=r"OpinionChina.*labelled 'Hostile'.*levels.csv"):
        microdata.read_cab(repo_copy)


def test_gallup_refuses_a_blank_mapping_naming_the_items(repo_copy, tmp_path):
    fixtures.write_gallup(tmp_path / "gallup.sav")
    with pytest.raises(microdata.MicrodataError) as err:
        microdata.register_file("gallup", tmp_path / "gallup.sav", repo_copy)
    assert "data/mappings/gallup.csv has no variable name for 'year'" in str(err.value)
    assert "'approve_us'" in str(err.value)


def _fill_gallup_mapping(root: Path) -> None:
    path = root / "data/mappings/gallup.csv"
    rows = list(csv.DictReader(path.open()))
    for row in rows:
        row["variable"] = fixtures.GALLUP_NAMES[row["item"]]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_gallup_with_a_filled_mapping_harmonises(repo_copy, tmp_path):
    raw = fixtures.write_gallup(tmp_path / "gallup.sav")
    _fill_gallup_mapping(repo_copy)
    microdata.register_file("gallup", tmp_path / "gallup.sav", repo_copy)
    frame = microdata.load("gallup", root=repo_copy)
    assert not frame.simulated and frame.tier == "microdata"
    got = frame.frame
    assert got["approve_us"].astype(str).tolist() == raw["US"].map(
        {1: "approve", 2: "disapprove", 3: "dont_know", 4: "refused"}).tolist()
    assert got["immigration"].astype(str).tolist() == raw["IMM"].map(
        {1: "increase", 2: "keep", 3: "decrease", 4: "dont_know"}).tolist()
    assert got["year"].tolist() == raw["YEAR_WAVE"].tolist()


def test_wvs_missing_codes_never_become_numbers(repo_copy, tmp_path):
    raw = fixtures.write_wvs(tmp_path / "wvs6.sav")
    microdata.register_file("wvs", tmp_path / "wvs6.sav", repo_copy)
    frame = microdata.load("wvs", root=repo_copy).frame
    assert frame["just_homosexuality"].isna().sum() == (raw["V203"] < 0).sum()
    assert frame["just_homosexuality"].dropna().between(1, 10).all()
    assert set(frame["country"]) <= {"Kazakhstan", "Russia", "United States"}


def test_the_switch_uses_the_stand_in_when_nothing_is_registered(repo_copy):
    respondents = microdata.load("cab", root=repo_copy)
    assert respondents.simulated and respondents.tier == "simulated"
    assert "SIMULATED" in respondents.description
    assert list(respondents.frame.columns) == list(schema.COLUMNS)


def test_make_data_without_arguments_reports_status(repo_copy):
    result = subprocess.run([sys.executable, "-m", "kzopinion.microdata"], cwd=repo_copy, capture_output=True, text=True)
    assert result.returncode == 0
    for source in ("cab", "gallup", "wvs"):
        assert f"{source}" in result.stdout and "missing" in result.stdout
    assert "discuss-data.net" in result.stdout and "make data CAB_DIR=" in result.stdout


def test_with_cab_registered_the_notebook_runs_on_it_instead_of_the_stand_in(cab_registered):
    root, _ = cab_registered
    result = subprocess.run([sys.executable, "-m", "kzopinion.build", "--no-html"], cwd=root,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    from kzopinion import claims, gluekeys

    glued = gluekeys.glued_values(root / "notebooks/02-russia-correlation.ipynb")
    assert glued["ru_cab_source"] == "CAB microdata"
    assert glued["ru_gallup_source"] == "the simulated stand-in for Gallup"
    ledger = claims.entries(root).set_index("id")
    assert ledger.at["ru_us_positive_exceeds_negative", "tier"] == "microdata"
    assert ledger.at["ru_us_positive_exceeds_negative", "inputs"] == {"microdata:cab": microdata.fingerprint("cab", root)}
    assert ledger.at["ru_app_a_positive_significant", "tier"] == "simulated"
    html = (root / "notebooks/02-russia-correlation.ipynb").read_text()
    assert "CAB microdata (" in html and "SIMULATED stand-in for CAB" not in html
