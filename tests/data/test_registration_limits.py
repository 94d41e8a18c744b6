"""Registration never takes wrong data: numbers stored as text, files that expand past the cap or hold more
respondents than a survey wave, a linked microdata folder; every refusal keeps the previous registration whole.

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

KINDS = ("stata", "excel", "spss")
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def _wave(folder: Path, kind: str, wave: int = 1, n: int = 300, seed: int = 4, **columns) -> tuple[Path, pd.DataFrame]:
    """One CAB Kazakhstan file of ``kind`` in ``folder``, its columns replaced by ``columns`` (name -> function of
    the generated column); returns the path and the generated codes before the replacement."""
    frame, labels, values = fixtures.cab_frame(wave, n, seed)
    written = frame.copy()
    for name, change in columns.items():
        written[name] = change(frame[name]).astype(object)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / fixtures.cab_name(wave, kind=kind)
    fixtures.write_cab(path, frame_labels_values=(written, labels, values))
    return path, frame


def _state(root: Path) -> dict[str, bytes]:
    base = root / "data/microdata"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


@pytest.fixture()
def registered_before(repo_copy, tmp_path):
    """A repository copy with CAB wave 2 registered: every refusal must leave it exactly as it is."""
    _wave(tmp_path / "before", "stata", wave=2)
    register.register_cab(tmp_path / "before", repo_copy)
    return repo_copy, _state(repo_copy)


def _refused(registered_before, folder: Path, message: str, **options) -> registry.MicrodataError:
    root, before = registered_before
    with pytest.raises(registry.MicrodataError, match=message) as refusal:
        register.register_cab(folder, root, **options)
    assert _state(root) == before  # all or nothing: the earlier registration is whole
    return refusal.value


# ----------------------------------------------------------------------------- numbers stored as text


def decimal_comma(column: pd.Series) -> pd.Series:
    return column.map(lambda v: f"{v:.6f}".replace(".", ","))


def full_width(column: pd.Series) -> pd.Series:
    return decimal_comma(column).map(lambda text: text.translate(FULL_WIDTH))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("as_text", [decimal_comma, full_width], ids=["decimal comma", "full-width digits"])
def test_weights_stored_as_text_are_read_as_the_numbers_they_state(tmp_path, kind, as_text):
    path, frame = _wave(tmp_path, kind, totwt=as_text)
    weights = readers.check_cab_content(path).frame["weight"]
    stated = frame["totwt"].round(6)
    assert weights.tolist() == pytest.approx(stated.tolist(), abs=1e-12)  # never category codes 1..k
    assert weights.sum() == pytest.approx(stated.sum())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "as_text, shown",
    [
        (lambda w: w.map(lambda v: f"{v * 1e4:,.2f}"), r"\d,\d{3}\.\d\d"),  # a thousands separator
        (lambda w: w.map(lambda v: f"{v * 1e4:,.0f}".replace(",", " ")), r"\d \d{3}"),  # a space between thousands
        (lambda w: decimal_comma(w).where(w.index != 7, "unknown"), r"unknown"),  # a text that is no number at all
    ],
    ids=["thousands separator", "space separator", "text"],
)
def test_text_in_the_weight_that_states_no_exact_number_is_refused_naming_file_column_and_cell(
    registered_before, tmp_path, kind, as_text, shown
):
    path, _ = _wave(tmp_path / "dl", kind, totwt=as_text)
    refusal = _refused(registered_before, tmp_path / "dl", rf"{path.name}, column 'totwt' \(item 'weight'\): row \d+ ")
    row = 7 if shown == "unknown" else 0
    assert f"row {row + (2 if kind == 'excel' else 1)} holds the text '" in str(refusal)
    assert "Store the column as numbers (a decimal point or a decimal comma" in str(refusal)


@pytest.mark.parametrize("kind", KINDS)
def test_a_number_column_besides_the_weight_reads_text_numbers_exactly_or_refuses(registered_before, tmp_path, kind):
    path, frame = _wave(tmp_path / "good", kind, Age=lambda age: age.map(lambda a: f"{a},0"))
    assert readers.check_cab_content(path).frame["age"].tolist() == frame["Age"].astype(float).tolist()
    path, _ = _wave(tmp_path / "dl", kind, Age=lambda age: age.map(lambda a: f"{a * 1000:,.1f}"))
    refusal = _refused(registered_before, tmp_path / "dl", rf"{path.name}, column 'Age' \(item 'age'\): row ")
    assert "it is not a number as written" in str(refusal)


def test_text_answers_in_a_number_column_stay_answers(tmp_path):
    # "Refused (vol.)" in an age column is a text answer: missing, never a number and never refused.
    path, frame = _wave(tmp_path, "excel", Age=lambda age: age.where(age.index >= 5, "Refused (vol.)"))
    age = readers.check_cab_content(path).frame["age"]
    assert age[:5].isna().all() and age[5:].tolist() == frame["Age"][5:].astype(float).tolist()


@pytest.mark.parametrize(
    "text, number",
    [("0,964", 0.964), ("0.964", 0.964), ("０，９６４", 0.964), (" 12 ", 12.0), ("-1,5", -1.5), ("1e3", 1000.0)],
)
def test_number_from_text_reads_what_the_text_states(text, number):
    assert harmonise.number_from_text(text) == number


@pytest.mark.parametrize("text", ["1.234,5", "1,234.5", "1 234", "1'234", "12,3,4", "", "n/a", "88 and older", "−3"])
def test_number_from_text_refuses_anything_else(text):
    assert harmonise.number_from_text(text) is None


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
    path, _ = _wave(tmp_path / "dl", kind)
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
    path, frame = _wave(tmp_path / "dl", "stata", n=120)

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
    _wave(tmp_path / "dl", "stata")
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
