"""Every setting the build reads is checked before anything else, and a bad value is one sentence naming it."""

from __future__ import annotations

import pytest

from kzopinion import paths
from kzopinion.book import build

BAD = {
    "KZOPINION_EDITION": ["publc", "both", "1"],
    "KZOPINION_CELL_TIMEOUT": ["abc", "0", "-5", "1.5"],
    "KZOPINION_PROGRESS_SECONDS": ["abc", "0", "-1", "nan"],
}


@pytest.mark.parametrize("name,value", [(n, v) for n, values in BAD.items() for v in values])
def test_a_bad_setting_is_a_sentence_naming_it_even_when_the_book_is_up_to_date(name, value, monkeypatch, capsys):
    monkeypatch.setenv(name, value)
    monkeypatch.chdir(paths.root())
    assert build.main([]) == 1
    said = capsys.readouterr().err
    assert name in said and repr(value) in said and "Traceback" not in said, said


@pytest.mark.parametrize("value,full", [("1", True), ("0", False), ("", False), ("yes", True), ("no", False)])
def test_full_is_read_as_a_flag(value, full):
    assert build.flag(value) is full


def test_a_full_that_is_not_a_flag_is_refused_naming_it(capsys):
    with pytest.raises(SystemExit):
        build._arguments(["--full=maybe"])
    assert "FULL='maybe'" in capsys.readouterr().err


def test_a_mistyped_root_is_refused_and_nothing_is_written_there(tmp_path, monkeypatch, capsys):
    mistyped = tmp_path / "not-the-repository"
    mistyped.mkdir()
    monkeypatch.setenv("KZOPINION_ROOT", str(mistyped))
    assert build.main([]) == 1
    assert "KZOPINION_ROOT" in capsys.readouterr().err
    assert list(mistyped.iterdir()) == [], "no lock file or anything else is created there"
