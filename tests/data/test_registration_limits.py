"""Registration never takes wrong data: numbers stored as text, files that expand past the cap or hold more
respondents than a survey wave, plain files and archives above the cap, encrypted members, infinite or implausible
weights, a linked microdata folder; every refusal keeps the previous registration whole.

Files are written by tests/fixtures.py in the layouts the CAB archive and website distribute, with the
codebook's variable names (``totwt``, ``Age``) and label strings; their values are generated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fixtures
import numpy as np
import pandas as pd
import pyreadstat
import pytest

from kzopinion.data import harmonise, readers, register, registry

pytestmark = pytest.mark.slow

KINDS = tuple(fixtures.EXTENSIONS)  # every format the CAB comes in


def _state(root: Path) -> dict[str, bytes]:
    base = root / "data/microdata"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


@pytest.fixture()
def registered_before(repo_copy, tmp_path):
    """A repository copy with CAB wave 2 registered: every refusal must leave it exactly as it is."""
    fixtures.cab_file_with(tmp_path / "before", "stata", wave=2)
    register.register_cab(tmp_path / "before", repo_copy)
    return repo_copy, _state(repo_copy)


def _refused(registered_before, folder: Path, message: str, **options) -> registry.MicrodataError:
    root, before = registered_before
    with pytest.raises(registry.MicrodataError, match=message) as refusal:
        register.register_cab(folder, root, **options)
    assert _state(root) == before  # all or nothing: the earlier registration is whole
    return refusal.value


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "as_text, shown",
    [
        (lambda w: w.map(lambda v: f"{v * 1e4:,.2f}"), r"\d,\d{3}\.\d\d"),  # a thousands separator
        (lambda w: w.map(lambda v: f"{v * 1e4:,.0f}".replace(",", " ")), r"\d \d{3}"),  # a space between thousands
        (
            lambda w: fixtures.decimal_comma(w).where(w.index != 7, "unknown"),
            r"unknown",
        ),  # a text that is no number at all
    ],
    ids=["thousands separator", "space separator", "text"],
)
def test_text_in_the_weight_that_states_no_exact_number_is_refused_naming_file_column_and_cell(
    registered_before, tmp_path, kind, as_text, shown
):
    path, _ = fixtures.cab_file_with(tmp_path / "dl", kind, totwt=as_text)
    refusal = _refused(registered_before, tmp_path / "dl", rf"{path.name}, column 'totwt' \(item 'weight'\): row \d+ ")
    row = 7 if shown == "unknown" else 0
    assert f"row {row + (2 if kind == 'excel' else 1)} holds the text '" in str(refusal)
    assert "Store the column as numbers (a decimal point or a decimal comma" in str(refusal)


@pytest.mark.parametrize("kind", KINDS)
def test_a_number_column_besides_the_weight_reads_text_numbers_exactly_or_refuses(registered_before, tmp_path, kind):
    path, frame = fixtures.cab_file_with(tmp_path / "good", kind, Age=lambda age: age.map(lambda a: f"{a},0"))
    assert readers.check_cab_content(path).frame["age"].tolist() == frame["Age"].astype(float).tolist()
    path, _ = fixtures.cab_file_with(tmp_path / "dl", kind, Age=lambda age: age.map(lambda a: f"{a * 1000:,.1f}"))
    refusal = _refused(registered_before, tmp_path / "dl", rf"{path.name}, column 'Age' \(item 'age'\): row ")
    assert "it is not a number as written" in str(refusal)


# ----------------------------------------------------------------------------- size and respondents


def _write_sav(path: Path, rows: int, columns: int = 4) -> Path:
    """A compressed SPSS file (zlib, as SPSS writes .zsav data) of constant codes: a few MB on disk at most."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({f"v{i}": np.ones(rows) for i in range(columns)}).assign(Wave=1.0, Country=1.0)
    pyreadstat.write_sav(frame, str(path), compress=True)
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_with_more_respondents_than_a_wave_is_refused_naming_file_and_limit(
    registered_before, tmp_path, kind, monkeypatch
):
    monkeypatch.setattr(readers, "MAX_RESPONDENTS", 250)  # the rule at the scale of a test file
    path, _ = fixtures.cab_file_with(tmp_path / "dl", kind)
    limit = rf"{path.name}: holds (at least )?\d+ respondents, more than the limit of 250"
    _refused(registered_before, tmp_path / "dl", limit)


def test_a_compressed_sav_that_expands_past_the_cap_is_refused_naming_file_and_cap(registered_before, tmp_path):
    path = _write_sav(tmp_path / "dl" / fixtures.cab_name(1, kind="spss"), rows=20_000, columns=10)
    assert path.stat().st_size < 2**20 / 4
    _refused(
        registered_before,
        tmp_path / "dl",
        rf"{path.name}: its data expand to 2 MB \(20,000 respondents\), more than the cap of 1 MB",
        max_member_mb=1,
    )


def test_three_million_respondents_in_a_small_sav_are_refused_with_bounded_memory(repo_copy, tmp_path):
    path = _write_sav(tmp_path / "dl" / fixtures.cab_name(1, kind="spss"), rows=3_000_000)
    assert path.stat().st_size < 5 * 2**20
    # The peak resident memory of the registering process itself: VmHWM belongs to the program's own memory map,
    # whereas ru_maxrss would carry over the peak of the (large) test process it was forked from.
    measured = (
        "import re, sys\n"
        "from kzopinion.data.register import main\n"
        f"code = main(['--cab-dir', {str(tmp_path / 'dl')!r}])\n"
        "status = open('/proc/self/status').read()\n"
        "print('peak-kb', re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", measured],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(repo_copy / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{path.name}: holds 3,000,000 respondents, more than the limit of 100,000" in result.stderr
    peak_mb = int(result.stdout.split("peak-kb")[1]) / 1024
    print(f"peak memory while refusing 3,000,000 respondents: {peak_mb:.0f} MB")
    assert peak_mb < 500
    assert not (repo_copy / "data/microdata/cab").exists()


# ----------------------------------------------------------------------------- a linked microdata folder


def test_a_linked_microdata_folder_registers_and_stays_out_of_git(repo_copy, tmp_path):
    fixtures.git(repo_copy, "init", "-q")
    fixtures.git(repo_copy, "add", "-A")
    fixtures.git(repo_copy, "commit", "-qm", "public edition")
    drive = tmp_path / "encrypted-drive" / "microdata"
    drive.mkdir(parents=True)
    (repo_copy / "data/microdata").symlink_to(drive, target_is_directory=True)
    assert fixtures.git(repo_copy, "status", "--porcelain") == ""
    path, frame = fixtures.cab_file_with(tmp_path / "dl", "stata", n=120)

    registered = fixtures.make(repo_copy, "data", f"CAB_DIR={tmp_path / 'dl'}")
    assert registered.returncode == 0, registered.stdout[-2000:] + registered.stderr[-2000:]
    assert (drive / "cab" / path.name).is_file() and (drive / "manifest.json").is_file()
    assert fixtures.git(repo_copy, "status", "--porcelain") == ""
    fixtures.git(repo_copy, "add", "-A")  # what a careless `git add -A` would publish: nothing
    assert fixtures.git(repo_copy, "status", "--porcelain") == ""
    # make data prints each registered file's respondents and weights, when it registers and afterwards
    summary = harmonise.weight_summary(frame["totwt"])
    assert f"120 respondents; {summary}" in registered.stdout
    status = fixtures.make(repo_copy, "data")
    assert status.returncode == 0 and f"{path.name}: 120 respondents; {summary}" in status.stdout


def test_a_link_to_a_drive_that_is_not_mounted_is_a_sentence(repo_copy, tmp_path):
    (repo_copy / "data/microdata").symlink_to(tmp_path / "unmounted", target_is_directory=True)
    fixtures.cab_file_with(tmp_path / "dl", "stata")
    with pytest.raises(registry.MicrodataError, match=r"is a link to .*unmounted, which is not a folder now"):
        register.register_cab(tmp_path / "dl", repo_copy)


def test_wvs_weights_as_text_follow_the_same_rule(repo_copy, tmp_path, capsys):
    weights = np.linspace(0.5, 1.5, 30)
    good = tmp_path / "good" / "wvs6.sav"
    good.parent.mkdir()
    fixtures.write_wvs(good, weights=[f"{w:.6f}".replace(".", ",") for w in weights])
    register.register_file("wvs", good, repo_copy)
    assert f"30 respondents; {harmonise.weight_summary(pd.Series(weights.round(6)))}" in capsys.readouterr().out
    before = _state(repo_copy)
    bad = tmp_path / "bad" / "wvs6.sav"
    bad.parent.mkdir()
    fixtures.write_wvs(bad, weights=[f"{w * 1e4:,.2f}" for w in weights])
    refusal = r"wvs6.sav, column 'V258' \(item 'weight'\): row 1 holds the text"
    with pytest.raises(registry.MicrodataError, match=refusal):
        register.register_file("wvs", bad, repo_copy)
    assert _state(repo_copy) == before


def test_an_excel_file_expanding_past_the_cap_is_refused_before_it_is_read(repo_copy, tmp_path):
    import zipfile

    folder = tmp_path / "dl"
    folder.mkdir()
    path = folder / fixtures.cab_name(1, kind="excel")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:  # a small download, a huge sheet
        archive.writestr("xl/worksheets/sheet1.xml", b"<row>" + b" " * (3 * 2**20) + b"</row>")
    assert path.stat().st_size < 50_000
    with pytest.raises(registry.MicrodataError) as raised:  # the same rule as at 200 MB, with a small file
        register.register_cab(folder, repo_copy, max_member_mb=1)
    # the user's file is named (not the staging copy), with the limit, and nothing is registered
    assert str(raised.value).startswith(f"{path}: its sheets expand to 3 MB, more than the cap of 1 MB")
    assert ".cab-staging" not in str(raised.value) and _state(repo_copy) == {}


@pytest.mark.parametrize(
    "weight, message",
    [
        (float("inf"), r"weight variable 'totwt' is infinite for 1 respondents"),
        (
            1e300,
            r"weight variable 'totwt' is above 50 times the median weight of the file \(.*\) for 1 respondents "
            r"\(largest 1e\+300\)",
        ),
    ],
)
def test_an_infinite_or_implausible_weight_is_refused_naming_file_and_limit(repo_copy, tmp_path, weight, message):
    frame, labels, values = fixtures.cab_frame(1, 300, 6)
    frame.loc[0, "totwt"] = weight
    path = tmp_path / "dl" / fixtures.cab_name(1, kind="spss")  # SPSS holds any double (Stata no infinity)
    path.parent.mkdir()
    fixtures.write_cab(path, frame_labels_values=(frame, labels, values))
    with pytest.raises(registry.MicrodataError, match=message) as raised:
        register.register_cab(tmp_path / "dl", repo_copy)
    assert str(raised.value).startswith(str(path)) and _state(repo_copy) == {}


def test_plain_files_encrypted_members_and_the_whole_registration_are_bounded(repo_copy, tmp_path):
    import zipfile

    big = tmp_path / "big"
    big.mkdir()
    (big / fixtures.cab_name(1)).write_bytes(b"\0" * (2 * 2**20))  # refused from its size, before any copy
    with pytest.raises(registry.MicrodataError, match=r"barometer.*\.dta: 2 MB, more than the cap of 1 MB"):
        register.register_cab(big, repo_copy, max_member_mb=1)
    many = tmp_path / "many"
    many.mkdir()
    for wave in (1, 2, 3):  # each under the cap, together above it
        with zipfile.ZipFile(many / f"wave{wave}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(fixtures.cab_name(wave), b"\0" * (int(0.6 * 2**20)))
    with pytest.raises(registry.MicrodataError, match=r"the registration reads more than the cap of 1 MB in all"):
        register.register_cab(many, repo_copy, max_member_mb=1)
    locked = tmp_path / "locked"
    locked.mkdir()
    with zipfile.ZipFile(locked / "wave1.zip", "w") as archive:
        archive.writestr(fixtures.cab_name(1), b"data")
    raw = bytearray((locked / "wave1.zip").read_bytes())  # set the "encrypted" flag of the member
    for offset in (6, raw.rfind(b"PK\x01\x02") + 8):
        raw[offset] |= 1
    (locked / "wave1.zip").write_bytes(bytes(raw))
    with pytest.raises(registry.MicrodataError, match=r"wave1.zip: member .* is encrypted \(the archive has a pass"):
        register.register_cab(locked, repo_copy)
    assert _state(repo_copy) == {}
