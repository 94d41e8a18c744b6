"""Readers of respondent-level files, on small files written in each source's real layout (registering them in a
copy of the repository is slow: test_microdata_registered.py)."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import fixtures
import pandas as pd
import pytest

from kzopinion.data import harmonise, readers, register, registry


def test_microdata_is_never_committed(root):
    # without a trailing slash the pattern matches the folder and a link in its place (a link is no folder to git);
    # test_registration_limits shows git ignoring a linked folder in a real work tree
    assert "data/microdata" in (root / ".gitignore").read_text().splitlines()
    tracked = subprocess.run(["git", "ls-files", "data/microdata"], cwd=root, capture_output=True, text=True).stdout
    assert tracked == ""


def test_the_wave1_trap_breaks_whole_file_conversion(tmp_path):
    path = fixtures.cab_wave1(tmp_path)
    with pytest.raises(ValueError, match="not unique"):
        pd.read_stata(path)  # what a naive reader would do


def test_the_mapping_ships_the_real_cab_variable_names(root):
    names = {i.item: i.variable for i in harmonise.mapping("cab", root)}
    assert names["weight"] == "totwt" and names["age"] == "Age" and names["urban"] == "GeoCode"
    assert names["language"] == "Language" and names["education"] == "EducLevel_M"
    assert (names["opinion_putin"], names["opinion_xi"], names["opinion_trump"]) == (
        "OpinionPutin",
        "OpinionXi",
        "OpinionTrump",
    )
    assert names["leader_kyrgyzstan"] == "OpinionAtambaev" and "PM" not in names["leader_kyrgyzstan"]


@pytest.mark.parametrize("label, wave", [("CAB OTS W3", 3), ("Wave 3", 3), ("3", 3), ("CAB OTS W4", 4)])
def test_the_wave_is_read_from_the_files_own_variable(tmp_path, label, wave):
    frame, labels, values = fixtures.cab_frame(3, 30, 8)
    values["Wave"] = {3: label}
    path = fixtures.write_raw_cab(tmp_path / fixtures.cab_name(3), frame, labels, values)
    if wave == 3:
        assert readers.check_cab_content(path).wave == 3
    else:
        with pytest.raises(
            registry.MicrodataError, match=rf"named as CAB wave 3 but its variable 'Wave' says \['{label}'\]"
        ):
            readers.check_cab_content(path)


def test_a_number_item_never_turns_a_label_into_a_number(tmp_path):
    frame, labels, values = fixtures.cab_frame(1, 40, 9)
    frame.loc[:4, "Age"] = 99
    frame.loc[5:9, "Age"] = 88
    values["Age"] = {99: "Refused (vol.)", 88: "88 and older"}
    path = fixtures.write_raw_cab(tmp_path / fixtures.cab_name(1), frame, labels, values)
    age = readers.check_cab_content(path).frame["age"]
    assert age[:5].isna().all() and (age[5:10] == 88).all()
    # Excel: a text answer in a column of numbers gets a negative code, which never becomes an age.
    text = fixtures.as_text(frame, {**values, "Age": {99: "Refused (vol.)", 88: "Eighty-eight or more"}})
    excel = tmp_path / fixtures.cab_name(1, kind="excel")
    text.to_excel(excel, index=False)
    assert readers.check_cab_content(excel).frame["age"][:10].isna().all()


def test_a_member_whose_header_understates_its_size_is_stopped_while_streaming(tmp_path):
    # A forged header cannot get past the cap: the copy counts the bytes it actually writes.
    with pytest.raises(registry.MicrodataError, match=r"x.zip: member y.dta: expands to more than the cap of 1 MB"):
        register._copy_capped(io.BytesIO(b"\0" * (2**20 + 1)), tmp_path / "out", 2**20, "x.zip: member y.dta")


def test_the_public_banner_is_the_one_the_configuration_shows(root):
    import yaml

    from kzopinion.book import editions

    config = yaml.safe_load((root / "_config.yml").read_text())
    assert config["html"]["announcement"] == editions.banner(root)


def _registered_file(root: Path, content: bytes = b"wave 1") -> Path:
    path = root / "data" / "microdata" / "cab" / "wave1.sav"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    registry.write_manifest(root, {"cab": {path.name: registry.file_sha256(path)}})
    return path


def test_the_check_keeps_no_stamp_of_a_file_just_written_and_sees_a_same_size_edit(tmp_path):
    """Git's racy rule: a file modified within RACY_NS of the check keeps no stamp, so a same-size edit in the
    same tick is hashed, and refused."""
    path = _registered_file(tmp_path)
    assert registry.problems(tmp_path) == []
    cache = path.parent.parent / registry.STAT_CACHE
    assert not cache.exists() or not json.loads(cache.read_text(encoding="utf-8")), "nothing kept while racy"
    tick = path.stat().st_mtime_ns
    path.write_bytes(b"wave 2")
    os.utime(path, ns=(tick, tick))
    assert "changed since it was registered" in registry.problems(tmp_path)[0]


def test_a_file_replaced_with_the_same_size_and_time_is_hashed_again(tmp_path):
    """The kept stamp holds the change time and inode too: a file replaced by another of the same size, its
    modification time set back (`cp -p`, `touch -r`), is hashed again, and refused."""
    path = _registered_file(tmp_path)
    info = path.stat()
    digest = registry.file_sha256(path)
    kept = {str(path.relative_to(tmp_path)): [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, digest]}
    (path.parent.parent / registry.STAT_CACHE).write_text(json.dumps(kept), encoding="utf-8")
    replacement = path.with_name("new.sav")
    replacement.write_bytes(b"wave 2")
    os.utime(replacement, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(replacement, path)
    assert "changed since it was registered" in registry.problems(tmp_path)[0]
