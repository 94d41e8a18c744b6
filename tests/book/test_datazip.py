"""The data download: the data package's tables and datapackage.json only, with a SHA256SUMS file, the same bytes
from two builds, never a respondent-level file (the built book carrying it: test_datazip_in_the_book.py, slow)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kzopinion.book import datazip


def _copy_data(root: Path, tmp_path: Path) -> Path:
    shutil.copytree(root / "data", tmp_path / "data", ignore=shutil.ignore_patterns("microdata"))
    shutil.copy2(root / "_config.yml", tmp_path / "_config.yml")
    return tmp_path


def _listed(root: Path) -> list[str]:
    package = json.loads((root / "data/datapackage.json").read_text(encoding="utf-8"))
    return sorted(["datapackage.json", *(r["path"] for r in package["resources"])])


def test_the_zip_holds_the_package_and_its_checksums(root):
    archive = zipfile.ZipFile(io.BytesIO(datazip.archive_bytes(root)))
    names = archive.namelist()
    assert names == sorted(names[:-1]) + [f"{datazip.FOLDER}/{datazip.SUMS}"]
    inside = [n.removeprefix(f"{datazip.FOLDER}/") for n in names[:-1]]
    assert inside == _listed(root)
    for name in inside:
        assert archive.read(f"{datazip.FOLDER}/{name}") == (root / "data" / name).read_bytes(), name
    sums = archive.read(f"{datazip.FOLDER}/{datazip.SUMS}").decode("utf-8").splitlines()
    assert sums == [f"{hashlib.sha256((root / 'data' / n).read_bytes()).hexdigest()}  {n}" for n in inside]
    assert {i.date_time for i in archive.infolist()} == {datazip.EPOCH}


def test_sha256sum_checks_the_unzipped_package(root, tmp_path):
    zipfile.ZipFile(io.BytesIO(datazip.archive_bytes(root))).extractall(tmp_path)
    done = subprocess.run(
        ["sha256sum", "--check", "--strict", datazip.SUMS],
        cwd=tmp_path / datazip.FOLDER,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.count(": OK") == len(_listed(root)), done.stdout + done.stderr


def test_two_builds_write_the_same_bytes(root, tmp_path):
    first = datazip.write(root, tmp_path / "one" / datazip.NAME).read_bytes()
    copy = _copy_data(root, tmp_path / "later")
    for path in (copy / "data").rglob("*"):  # other times, other permissions: the same archive
        os.utime(path, (1_900_000_000, 1_900_000_000))
        path.chmod(0o755 if path.is_dir() else 0o600)
    second = datazip.write(copy, tmp_path / "two" / datazip.NAME).read_bytes()
    assert first == second


def test_registered_microdata_is_never_included(root, tmp_path):
    copy = _copy_data(root, tmp_path)
    private = copy / "data" / "microdata"
    private.mkdir()
    (private / "cab_wave1_kazakhstan.dta").write_bytes(b"respondent-level")
    (copy / "data" / "published" / "notes.txt").write_text("not in the data package", encoding="utf-8")
    archive = zipfile.ZipFile(io.BytesIO(datazip.archive_bytes(copy)))
    assert not [n for n in archive.namelist() if "microdata" in n or n.endswith("notes.txt")]
    assert datazip.archive_bytes(copy) == datazip.archive_bytes(root)


def test_a_resource_under_microdata_is_refused(root, tmp_path):
    copy = _copy_data(root, tmp_path)
    package_path = copy / "data" / "datapackage.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    package["resources"][0]["path"] = "microdata/cab.csv"
    package_path.write_text(json.dumps(package), encoding="utf-8")
    with pytest.raises(ValueError, match=r"data/datapackage.json: resource '.*' has path 'microdata/cab.csv'"):
        datazip.archive_bytes(copy)


def test_a_table_that_differs_from_its_checksum_is_refused_naming_the_fix(root, tmp_path):
    copy = _copy_data(root, tmp_path)
    path = copy / "data" / "published" / "survey_designs.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"data/published/survey_designs.csv differs .* make rehash TABLE=survey_designs"
    ):
        datazip.archive_bytes(copy)


def test_the_command_writes_it(root, tmp_path):
    target = tmp_path / "out.zip"
    done = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.datazip", str(target)], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == datazip.archive_bytes(root)
