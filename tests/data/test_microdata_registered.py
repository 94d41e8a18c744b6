"""Respondent-level files registered in a copy of the repository, on small files written in each source's real
layout: what registration keeps and refuses, and the models and editions on what it registered (slow: each test
copies the repository, writes every format or fits the models)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import fixtures
import pandas as pd
import pytest

from kzopinion.chapters import russia_correlation
from kzopinion.data import harmonise, microdata, readers, register, registry, schema, simulate

pytestmark = pytest.mark.slow


@pytest.fixture()
def cab_registered(repo_copy, tmp_path):
    written = fixtures.cab_download(tmp_path / "download")
    register.register_cab(tmp_path / "download", repo_copy)
    return repo_copy, written


def _state(root: Path) -> dict[str, bytes]:
    """Every file under data/microdata/, with its bytes (to prove a failed registration wrote nothing)."""
    base = root / "data/microdata"
    return (
        {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}
        if base.exists()
        else {}
    )


def _set_mapping(root: Path, item: str, **values: str) -> None:
    path = root / "data/mappings/cab.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["item"] == item:
            row.update(values)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_registering_cab_keeps_kazakhstan_waves_1_to_6_only(cab_registered):
    root, _ = cab_registered
    registered = sorted(p.name for p in (root / "data/microdata/cab").iterdir())
    assert registered == [fixtures.cab_name(1), fixtures.cab_name(2)]
    recorded = json.loads((root / "data/microdata/manifest.json").read_text())["cab"]
    assert sorted(recorded) == registered and all(v.startswith("sha256:") for v in recorded.values())
    assert not [p for p in (root / "data/microdata").iterdir() if p.name.startswith(".")]  # no scratch left


def test_cab_harmonises_exactly(cab_registered):
    root, written = cab_registered
    frame = readers.read_cab(root)
    raw = written[fixtures.cab_name(1)]
    wave1 = frame[frame["wave"] == 1].reset_index(drop=True)
    levels = {
        1: "very_favourable",
        2: "somewhat_favourable",
        3: "somewhat_unfavourable",
        4: "very_unfavourable",
        8: "dont_know",
        9: "refused",
    }
    assert wave1["fav_us"].astype(str).tolist() == raw["OpinionUSA"].map(levels).tolist()
    assert wave1["opinion_trump"].astype(str).tolist() == raw["OpinionTrump"].map(levels).tolist()
    assert wave1["sex"].astype(str).tolist() == raw["Gender"].map({1: "female", 2: "male"}).tolist()
    assert wave1["education"].astype(str).tolist() == raw["EducLevel_M"].map(fixtures.EDUCATION_LEVELS).tolist()
    assert wave1["urban"].astype(str).tolist() == raw["GeoCode"].map({1: "urban", 2: "rural"}).tolist()
    assert wave1["language"].astype(str).tolist() == raw["Language"].map({1: "kazakh", 2: "russian"}).tolist()
    assert wave1["age"].tolist() == raw["Age"].tolist()
    assert set(wave1["region"]) <= set(fixtures.REGIONS.values())
    assert wave1["weight"].tolist() == pytest.approx(raw["totwt"].tolist())
    assert wave1["closer_econ_us"].isna().all() and frame.loc[frame["wave"] == 2, "closer_econ_us"].notna().all()
    assert list(frame.columns) == list(schema.COLUMNS)
    # don't know and refused stay levels; scoring turns them into missing, never into numbers
    scored = schema.score(wave1["fav_us"])
    assert scored[wave1["fav_us"].isin(schema.NONRESPONSE)].isna().all()
    assert set(scored.dropna()) <= {1.0, 2.0, 3.0, 4.0}


def test_every_format_harmonises_identically(tmp_path):
    frames = {}
    for kind in ("stata", "excel", "spss"):
        path = fixtures.cab_wave1(tmp_path, kind, seed=3)
        frames[kind] = readers.check_cab_content(path).frame
    pd.testing.assert_frame_equal(frames["stata"], frames["excel"], check_dtype=False)
    pd.testing.assert_frame_equal(frames["stata"], frames["spss"], check_dtype=False)
    assert frames["excel"]["education"].notna().all()


@pytest.fixture()
def microdata_edition(monkeypatch):
    """Use registered files, as the microdata edition does (the repository itself is the public edition)."""
    monkeypatch.setenv("KZOPINION_EDITION", "microdata")


def test_an_excel_file_from_the_cab_website_registers(repo_copy, tmp_path, capsys, microdata_edition):
    fixtures.cab_wave1(tmp_path / "dl", "excel")
    register.register_cab(tmp_path / "dl", repo_copy)
    assert "(Excel)" in capsys.readouterr().out
    assert microdata.load("cab", root=repo_copy).label == "CAB microdata (wave 1)"


def test_registration_prints_a_coverage_table(repo_copy, tmp_path, capsys):
    (tmp_path / "dl").mkdir()
    weights = fixtures.write_cab(tmp_path / "dl" / fixtures.cab_name(1), n=120)["totwt"]
    register.register_cab(tmp_path / "dl", repo_copy)
    out = capsys.readouterr().out
    assert (
        f"CAB wave 1 (Stata), Kazakhstan, 120 respondents; weights: sum 120.0, min {weights.min():.3g}, "
        f"median {weights.median():.3g}, max {weights.max():.3g}"
    ) in out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("    ")}
    assert lines["age"][:2] == ["found", "Age"]
    assert lines["leader_kyrgyzstan"][:2] == ["found", "OpinionAtambaev"]
    assert lines["closer_econ_us"][0] == "absent"


def test_the_label_fallback_never_picks_among_candidates(repo_copy, tmp_path, capsys):
    # Without the real name, '^age\b' matches Age, AgeGrp's and AgeGroup2's labels: ambiguous, not used.
    _set_mapping(repo_copy, "age", variable="", label_pattern=r"^age\b")
    # The old Kyrgyz pattern matched a prime-minister approval item as well as the president.
    _set_mapping(repo_copy, "leader_kyrgyzstan", variable="", label_pattern="jeenbekov|atambayev")
    path = fixtures.cab_wave1(tmp_path / "dl")
    checked = readers.check_cab_content(path, repo_copy)
    coverage = {c.item: c for c in checked.coverage}
    assert coverage["age"].status == "ambiguous" and coverage["age"].candidates == ("Age", "AgeGrp", "AgeGroup2")
    assert coverage["leader_kyrgyzstan"].status == "ambiguous"
    assert set(coverage["leader_kyrgyzstan"].candidates) == {"OpinionAtambaev", "PMJeenbekov"}
    assert "age" not in checked.frame
    register.register_cab(tmp_path / "dl", repo_copy)
    assert "ambiguous       Age, AgeGrp, AgeGroup2" in capsys.readouterr().out
    # The shipped fallback pattern asks for an opinion of the president, so it finds one column.
    _set_mapping(repo_copy, "leader_kyrgyzstan", label_pattern="opinion.*(atambaye?v|jeenbekov)")
    coverage = {c.item: c for c in readers.check_cab_content(path, repo_copy).coverage}
    assert (coverage["leader_kyrgyzstan"].status, coverage["leader_kyrgyzstan"].variable) == (
        "found by label",
        "OpinionAtambaev",
    )


def test_an_ambiguous_required_item_stops_registration(repo_copy, tmp_path):
    _set_mapping(repo_copy, "fav_us", variable="", label_pattern="opinion")
    fixtures.cab_wave1(tmp_path / "dl")
    with pytest.raises(registry.MicrodataError, match=r"item 'fav_us' is ambiguous: columns OpinionRussia"):
        register.register_cab(tmp_path / "dl", repo_copy)
    assert _state(repo_copy) == {}


def test_not_asked_answers_are_missing_and_an_all_not_asked_item_is_absent(repo_copy, tmp_path):
    frame, labels, values = fixtures.cab_frame(1, 100, 4)
    frame["OpinionTrump"] = 97  # Not Asked in this file
    frame.loc[:9, "OpinionXi"] = 97
    path = fixtures.write_raw_cab(tmp_path / fixtures.cab_name(1), frame, labels, values)
    checked = readers.check_cab_content(path, repo_copy)
    coverage = {c.item: c for c in checked.coverage}
    assert coverage["opinion_trump"].status == "not asked" and "opinion_trump" not in checked.frame
    assert checked.frame["opinion_xi"].isna().sum() == 10


def test_an_unknown_value_label_is_named_with_the_accepted_levels(repo_copy, tmp_path):
    frame, labels, values = fixtures.cab_frame(1, 50, 5)
    values["EducLevel_M"] = {**fixtures.EDUCATION, 1: "Madrasa"}
    fixtures.write_raw_cab(tmp_path / "dl" / fixtures.cab_name(1), frame, labels, values)
    with pytest.raises(registry.MicrodataError) as err:
        register.register_cab(tmp_path / "dl", repo_copy)
    message = str(err.value)
    assert fixtures.cab_name(1) in message and "column 'EducLevel_M'" in message and "labelled 'Madrasa'" in message
    assert "The coding accepts: primary (labels matching /incomplete school/" in message and "tertiary (" in message
    assert _state(repo_copy) == {}


# ----------------------------------------------------------------------------- content checks and safety


def test_a_phone_wave_file_is_refused(cab_registered):
    root, _ = cab_registered
    fixtures.write_cab(root / "data/microdata/cab" / fixtures.cab_name(7))
    with pytest.raises(registry.MicrodataError, match=r"wave-7.*telephone wave"):
        readers.read_cab(root)


def test_a_mislabelled_phone_file_is_refused(repo_copy, tmp_path):
    # A telephone wave under a face-to-face name: the file's own Wave variable says W7.
    fixtures.cab_wave1(tmp_path / "dl", stated_wave=7)
    with pytest.raises(
        registry.MicrodataError,
        match=r"named as CAB wave 1 but its variable 'Wave' says "
        r"\['CAB OTS W7'\] \(a telephone wave\)",
    ):
        register.register_cab(tmp_path / "dl", repo_copy)
    assert _state(repo_copy) == {}


def test_telephone_wave_items_in_a_face_to_face_file_are_refused(repo_copy, tmp_path):
    frame, labels, values = fixtures.cab_frame(2, 50, 7)
    frame["E1a"], labels["E1a"] = 1, "Telephone-wave item"
    fixtures.write_raw_cab(tmp_path / "dl" / fixtures.cab_name(2), frame, labels, values)
    with pytest.raises(registry.MicrodataError, match=r"telephone-wave items \['E1a'\]"):
        register.register_cab(tmp_path / "dl", repo_copy)


def test_a_file_from_another_country_is_refused(repo_copy, tmp_path):
    # By name (a Kyrgyz file put in the registered folder by hand) ...
    path = tmp_path / fixtures.cab_name(1, "kyrgyzstan")
    fixtures.write_cab(path)
    with pytest.raises(registry.MicrodataError, match=r"kyrgyzstan.*Kyrgyzstan file of CAB wave 1"):
        readers.check_cab_content(path)
    # ... and by content (a Kyrgyz file under a Kazakh name).
    fixtures.cab_wave1(tmp_path / "dl", country="kyrgyzstan")
    with pytest.raises(
        registry.MicrodataError,
        match=r"named as a Kazakhstan file but its variable 'Country' holds "
        r"\['Kyrgyzstan'\]",
    ):
        register.register_cab(tmp_path / "dl", repo_copy)
    assert _state(repo_copy) == {}


@pytest.mark.parametrize(
    "weights, message",
    [
        (lambda w: -w, r"weight variable 'totwt' is zero or negative for 300 respondents"),
        (lambda w: w * 0, r"weight variable 'totwt' is zero or negative for 300 respondents"),
        (lambda w: w.where(w.index != 0, 0.0), r"weight variable 'totwt' is zero or negative for 1 respondents"),
        (lambda w: w.where(w > 1), r"weight variable 'totwt' is missing for \d+ of 300 respondents"),
    ],
)
def test_bad_weights_are_refused(repo_copy, tmp_path, weights, message):
    frame, labels, values = fixtures.cab_frame(1, 300, 6)
    frame["totwt"] = weights(frame["totwt"])
    fixtures.write_raw_cab(tmp_path / "dl" / fixtures.cab_name(1), frame, labels, values)
    with pytest.raises(registry.MicrodataError, match=message):
        register.register_cab(tmp_path / "dl", repo_copy)
    assert _state(repo_copy) == {}


def test_an_empty_file_is_refused(repo_copy, tmp_path):
    frame, labels, values = fixtures.cab_frame(1, 20, 6)
    fixtures.write_raw_cab(tmp_path / "dl" / fixtures.cab_name(1), frame.iloc[:0], labels, values)
    with pytest.raises(registry.MicrodataError, match=r"has no respondents \(0 rows\)"):
        register.register_cab(tmp_path / "dl", repo_copy)


@pytest.mark.parametrize("kind", ["stata", "excel", "spss"])
def test_a_corrupt_file_is_named_not_a_traceback(repo_copy, tmp_path, kind):
    path = fixtures.cab_wave1(tmp_path / "dl", kind)
    path.write_bytes(path.read_bytes()[:200])
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.data.microdata", "--cab-dir", str(tmp_path / "dl")],
        cwd=repo_copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"{path.name}: cannot be read as a" in result.stderr and "download it again" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_truncated_zip_is_a_sentence(repo_copy, tmp_path):
    fixtures.cab_download(tmp_path / "dl", waves=(1,))
    archive = next((tmp_path / "dl").glob("*.zip"))
    archive.write_bytes(archive.read_bytes()[:5000])
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.data.microdata", "--cab-dir", str(tmp_path / "dl")],
        cwd=repo_copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr and "BadZipFile" not in result.stderr
    assert f"{archive}: not a readable zip archive" in result.stderr and "Download it again" in result.stderr
    assert _state(repo_copy) == {}


def test_a_zip_member_above_the_cap_is_refused_naming_member_and_cap(repo_copy, tmp_path):
    folder = tmp_path / "dl"
    folder.mkdir()
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(fixtures.cab_name(1), b"\0" * (3 * 2**20))  # 3 MB of zeros: a few KB compressed
    assert (folder / "bomb.zip").stat().st_size < 50_000
    with pytest.raises(
        registry.MicrodataError,
        match=rf"member {fixtures.cab_name(1)}: expands to 3 MB, more than "
        r"the cap of 1 MB",
    ):
        register.register_cab(folder, repo_copy, max_member_mb=1)
    assert _state(repo_copy) == {}


def test_a_symlink_out_of_the_folder_is_never_followed(repo_copy, tmp_path):
    outside = fixtures.cab_wave1(tmp_path / "elsewhere")
    folder = tmp_path / "dl"
    folder.mkdir()
    (folder / outside.name).symlink_to(outside)
    (folder / "passwd.dta").symlink_to("/etc/passwd")
    with pytest.raises(registry.MicrodataError, match=r"a symbolic link to .*outside .*links out of the folder"):
        register.register_cab(folder, repo_copy)
    assert _state(repo_copy) == {}


def test_other_files_in_the_folder_get_a_clear_message(repo_copy, tmp_path, capsys):
    folder = tmp_path / "dl"
    fixtures.cab_wave1(folder)
    (folder / "codebook.pdf").write_bytes(b"%PDF")
    register.register_cab(folder, repo_copy)
    assert "ignored codebook.pdf: not a survey data file" in capsys.readouterr().out
    (folder / "my-survey.dta").write_bytes(b"not a CAB file")
    with pytest.raises(registry.MicrodataError, match=r"my-survey.dta: a data file whose name is not a CAB file name"):
        register.register_cab(folder, repo_copy)


def test_a_failed_registration_never_touches_registered_files(repo_copy, tmp_path):
    fixtures.cab_wave1(tmp_path / "good")
    register.register_cab(tmp_path / "good", repo_copy)
    before = _state(repo_copy)
    # A new wave-1 file (different respondents) beside a corrupt wave-2 file: nothing may change.
    fixtures.cab_wave1(tmp_path / "mixed", seed=9)
    (tmp_path / "mixed" / fixtures.cab_name(2)).write_bytes(b"\0" * 1000)
    with pytest.raises(registry.MicrodataError, match=fixtures.cab_name(2)):
        register.register_cab(tmp_path / "mixed", repo_copy)
    assert _state(repo_copy) == before
    # A good later registration adds its waves and keeps the others.
    (tmp_path / "wave2").mkdir()
    fixtures.write_cab(tmp_path / "wave2" / fixtures.cab_name(2))
    register.register_cab(tmp_path / "wave2", repo_copy)
    assert sorted(registry.manifest(repo_copy)["cab"]) == [fixtures.cab_name(1), fixtures.cab_name(2)]
    assert (repo_copy / "data/microdata/cab" / fixtures.cab_name(1)).read_bytes() == before[
        f"cab/{fixtures.cab_name(1)}"
    ]


def test_a_wave_given_twice_is_refused(repo_copy, tmp_path):
    fixtures.cab_wave1(tmp_path / "dl", "stata")
    fixtures.cab_wave1(tmp_path / "dl", "excel")
    with pytest.raises(registry.MicrodataError, match=r"CAB wave 1 is in the folder twice"):
        register.register_cab(tmp_path / "dl", repo_copy)


def test_a_registered_file_changed_afterwards_is_refused(cab_registered):
    root, _ = cab_registered
    fixtures.write_cab(root / "data/microdata/cab" / fixtures.cab_name(1), seed=99)
    with pytest.raises(registry.MicrodataError, match=r"changed since it was registered"):
        readers.read_cab(root)


# ----------------------------------------------------------------------------- models and editions


def test_absent_items_make_models_visibly_not_computed(repo_copy, tmp_path, microdata_edition):
    fixtures.cab_wave1(tmp_path / "dl", n=400)
    register.register_cab(tmp_path / "dl", repo_copy)
    cab = microdata.load("cab", root=repo_copy)
    pairs = russia_correlation.cab_pairs(cab.frame)
    assert len(pairs) == 12 and {
        "label",
        "family",
        "outcome",
        "predictor",
        "coef",
        "se",
        "p",
        "low",
        "high",
        "n",
        "ran",
        "reason",
        "controls",
        "waves",
    } <= set(pairs.columns)
    economic = pairs[pairs["outcome"].str.startswith("closer_econ")]
    assert len(economic) == 4 and not economic["ran"].any() and economic["coef"].isna().all()
    assert set(economic["reason"]) == {"not computed (items absent in wave 1)"}
    ran = pairs[pairs["ran"]]
    assert len(ran) == 8 and set(ran["waves"]) == {"wave 1"} and ran["p"].notna().all()
    assert set(ran["controls"]) == {
        "mean opinion of the other Central Asian presidents, age, sex, education, settlement type"
    }
    table = russia_correlation.models_table(pairs)
    assert (
        table.loc["Closer economic ties with the US on those with Russia", "Coefficient"]
        == "not computed (items absent in wave 1)"
    )
    assert russia_correlation.waves_caption(cab) == "CAB wave 1 (2017)"


def test_the_stand_in_runs_all_twelve_models():
    pairs = russia_correlation.cab_pairs(simulate.respondents("cab"))
    assert pairs["ran"].all() and (pairs["waves"] == "waves 1-6").all() and (pairs["reason"] == "").all()


def test_only_the_microdata_edition_uses_registered_files(repo_copy, tmp_path, monkeypatch):
    monkeypatch.delenv("KZOPINION_EDITION", raising=False)
    fixtures.cab_wave1(tmp_path / "dl")
    register.register_cab(tmp_path / "dl", repo_copy)
    # The repository is the public edition: its committed records never see registered files.
    assert microdata.edition(repo_copy) == "public" and microdata.load("cab", root=repo_copy).simulated
    from kzopinion.book import editions, kernel_reads

    assert kernel_reads.microdata_fingerprint(repo_copy) == "absent"
    assert editions.wanted(repo_copy)
    edition = editions.prepare(repo_copy)
    assert microdata.edition(edition) == "microdata" and kernel_reads.microdata_fingerprint(edition) != "absent"
    cab = microdata.load("cab", root=edition)
    assert not cab.simulated and cab.label == "CAB microdata (wave 1)"
    assert cab.description == "CAB microdata (wave 1, 300 respondents)"
    assert cab.files == registry.manifest(repo_copy)["cab"]
    assert not editions.wanted(edition)
    config = (edition / "_config.yml").read_text()
    assert "Microdata edition" in config and fixtures.cab_name(1) in config
    assert cab.files[fixtures.cab_name(1)][:19] in config
    # KZOPINION_EDITION overrides, both ways; anything else is refused.
    monkeypatch.setenv("KZOPINION_EDITION", "public")
    assert microdata.load("cab", root=edition).simulated and not editions.wanted(repo_copy)
    monkeypatch.setenv("KZOPINION_EDITION", "everything")
    with pytest.raises(registry.MicrodataError, match="KZOPINION_EDITION"):
        microdata.load("cab", root=repo_copy)


def test_gallup_refuses_a_blank_mapping_naming_the_items(repo_copy, tmp_path):
    fixtures.write_gallup(tmp_path / "gallup.sav")
    with pytest.raises(registry.MicrodataError) as err:
        register.register_file("gallup", tmp_path / "gallup.sav", repo_copy)
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


def test_gallup_with_a_filled_mapping_harmonises(repo_copy, tmp_path, microdata_edition):
    raw = fixtures.write_gallup(tmp_path / "gallup.sav")
    _fill_gallup_mapping(repo_copy)
    register.register_file("gallup", tmp_path / "gallup.sav", repo_copy)
    frame = microdata.load("gallup", root=repo_copy)
    assert not frame.simulated and frame.tier == "microdata"
    got = frame.frame
    assert (
        got["approve_us"].astype(str).tolist()
        == raw["US"].map({1: "approve", 2: "disapprove", 3: "dont_know", 4: "refused"}).tolist()
    )
    assert (
        got["immigration"].astype(str).tolist()
        == raw["IMM"].map({1: "increase", 2: "keep", 3: "decrease", 4: "dont_know"}).tolist()
    )
    assert got["year"].tolist() == raw["YEAR_WAVE"].tolist()


def test_wvs_missing_codes_never_become_numbers(repo_copy, tmp_path, microdata_edition):
    raw = fixtures.write_wvs(tmp_path / "wvs6.sav")
    register.register_file("wvs", tmp_path / "wvs6.sav", repo_copy)
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
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.data.microdata"], cwd=repo_copy, capture_output=True, text=True
    )
    assert result.returncode == 0
    for source in ("cab", "gallup", "wvs"):
        assert f"{source}" in result.stdout and "missing" in result.stdout
    assert "discuss-data.net" in result.stdout and "make data CAB_DIR=" in result.stdout


# ----------------------------------------------------------------------------- renamed variables, coverage, warnings


@pytest.mark.parametrize("kind", ["excel", "stata"])
def test_a_renamed_variable_is_mapped_without_editing_a_tracked_file(repo_copy, tmp_path, kind):
    frame, labels, values = fixtures.cab_frame(1, 120, 5)
    frame = frame.rename(columns={"OpinionUSA": "OpinionUS"})
    values["OpinionUS"] = values.pop("OpinionUSA")
    labels.pop("OpinionUSA")  # an unlabelled file: the label fallback cannot find it either
    labels["OpinionUS"] = ""
    path = fixtures.write_raw_cab(tmp_path / "dl" / fixtures.cab_name(1, kind=kind), frame, labels, values)
    shipped = (repo_copy / "data/mappings/cab.csv").read_bytes()
    with pytest.raises(registry.MicrodataError) as refused:
        register.register_cab(path.parent, repo_copy)
    message = str(refused.value)
    assert "'fav_us'" in message and "data/microdata/cab-mapping.csv" in message and "data/mappings/cab.csv" in message
    assert "fav_us,<variable name>" in message
    (repo_copy / "data/microdata/cab-mapping.csv").write_text("item,variable\nfav_us,OpinionUS\n", encoding="utf-8")
    register.register_cab(path.parent, repo_copy)
    coverage = {c.item: c for c in readers.check_cab_content(path, repo_copy).coverage}
    assert (coverage["fav_us"].status, coverage["fav_us"].variable) == ("found", "OpinionUS")
    assert (repo_copy / "data/mappings/cab.csv").read_bytes() == shipped  # no tracked file edited


def test_a_local_mapping_naming_an_unknown_item_is_refused_with_its_line(repo_copy):
    (repo_copy / "data/microdata").mkdir(parents=True)
    (repo_copy / "data/microdata/cab-mapping.csv").write_text("item,variable\nfav_usa,OpinionUS\n", encoding="utf-8")
    with pytest.raises(registry.MicrodataError, match=r"cab-mapping.csv, line 2: 'fav_usa' is not an item"):
        harmonise.mapping("cab", repo_copy)


def test_the_coverage_table_counts_dont_know_and_refused_apart(repo_copy, tmp_path, capsys):
    frame, labels, values = fixtures.cab_frame(1, 100, 4)
    frame["OpinionUSA"] = [1] * 70 + [8] * 20 + [9] * 5 + [97] * 5  # 70 answers, 25 non-answers, 5 not asked
    path = fixtures.write_raw_cab(tmp_path / fixtures.cab_name(1), frame, labels, values)
    checked = readers.check_cab_content(path, repo_copy)
    coverage = {c.item: c for c in checked.coverage}
    assert (coverage["fav_us"].answered, coverage["fav_us"].nonresponse) == (70, 25)
    line = next(x for x in harmonise.coverage_table(checked).splitlines() if x.split()[:1] == ["fav_us"])
    assert line.split()[-2:] == ["70", "25"]
    assert "dk/refused" in harmonise.coverage_table(checked)


def test_an_excel_file_registers_without_pandas_warnings(repo_copy, tmp_path):
    import warnings

    fixtures.cab_wave1(tmp_path / "dl", "excel")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a PerformanceWarning (fragmented frame) would fail here
        register.register_cab(tmp_path / "dl", repo_copy)


def test_one_wave_makes_pooled_first_and_last_one_specification(repo_copy, tmp_path, microdata_edition):
    from kzopinion import data

    fixtures.cab_wave1(tmp_path / "dl", n=400)
    register.register_cab(tmp_path / "dl", repo_copy)
    frame = microdata.load("cab", root=repo_copy).frame
    variants = data.load("analysis_variants", repo_copy)
    curve = russia_correlation.specification_curve(frame, variants)
    assert len(curve) == 4 and curve["article"].sum() == 1  # 4 control sets x 1 sample
    assert set(curve["waves"]) == {"pooled, first, last"} and all("(pooled, first, last)" in x for x in curve["label"])
    several = russia_correlation.specification_curve(simulate.respondents("cab"), variants)
    assert len(several) == 12 and set(several["waves"]) == {"pooled", "first", "last"}


def test_appendix_c_prose_states_significance_not_only_signs():
    pairs = russia_correlation.cab_pairs(simulate.respondents("cab"))
    texts = russia_correlation.appendix_c_texts(pairs, 0.05)
    assert texts["ru_c_significant"] == str(int(((pairs["coef"] > 0) & (pairs["p"] < 0.05)).sum()))
    weak = pairs.assign(p=pairs["p"].where(pairs.index != 0, 0.2))
    texts = russia_correlation.appendix_c_texts(weak, 0.05)
    assert texts["ru_c_significant"] == str(len(pairs) - 1) and "not positive and significant" in texts["ru_c_verdict"]
    partial = pairs.assign(ran=pairs.index != 0)
    assert "checked only in part" in russia_correlation.appendix_c_texts(partial, 0.05)["ru_c_verdict"]


@pytest.mark.parametrize(
    "bad, message", [(float("inf"), "is infinite"), (1e300, "is above 50 times"), (0.0, "is zero or negative")]
)
def test_a_wvs_file_with_an_impossible_weight_is_refused_naming_it(repo_copy, tmp_path, bad, message):
    import numpy as np

    weights = np.ones(30)
    weights[0] = bad
    path = tmp_path / "wvs6.sav"
    fixtures.write_wvs(path, weights=weights)
    with pytest.raises(registry.MicrodataError, match=rf"wvs6.sav: weight variable 'V258' {message}"):
        register.register_file("wvs", path, repo_copy)
    assert _state(repo_copy) == {}
