"""Every setting (an environment variable KZOPINION_*) is read in one place (kzopinion.paths.SETTINGS): a refused
value stops with one sentence naming the variable, the value and what is accepted, and a KZOPINION_ROOT that is not
the repository is refused before anything is read or written there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kzopinion import paths

# every setting, with values it must refuse ("{tmp}" stands for a fresh temporary folder)
REFUSED = {
    "KZOPINION_ROOT": ["{tmp}", "{tmp}/no-such-folder", "{tmp}/file.txt", "{tmp}/config-only"],
    "KZOPINION_EDITION": ["pubic", "everything", "1"],
    "KZOPINION_CELL_TIMEOUT": ["abc", "-5", "0", "1.5", "nan", "ten"],
    "KZOPINION_PROGRESS_SECONDS": ["abc", "-1", "0", "nan", "inf", "1e400"],
    "KZOPINION_ARTICLE_TEXT": ["{tmp}/no-such-file.txt", "{tmp}"],
    "KZOPINION_CONCURRENT_TRIALS": ["abc", "0", "-3", "2.5"],
}
# and values it accepts, with the value the code then gets
ACCEPTED = {
    "KZOPINION_EDITION": [("public", "public"), (" Microdata ", "microdata")],
    "KZOPINION_CELL_TIMEOUT": [("900", 900), (" 30 ", 30)],
    "KZOPINION_PROGRESS_SECONDS": [("2", 2.0), ("0.5", 0.5)],
    "KZOPINION_CONCURRENT_TRIALS": [("10", 10)],
}
CASES = [(name, value) for name, values in REFUSED.items() for value in values]


@pytest.fixture()
def tmp(tmp_path: Path) -> Path:
    """A folder holding a file and a folder with only a configuration file: neither is the repository."""
    (tmp_path / "file.txt").write_text("text\n", encoding="utf-8")
    (tmp_path / "config-only").mkdir()
    (tmp_path / "config-only" / "_config.yml").write_text("title: x\n", encoding="utf-8")
    return tmp_path


def test_every_setting_read_anywhere_is_declared_once_and_tested():
    """Each KZOPINION_* name the package, its tests, the Makefile or the guides mention is declared in
    kzopinion.paths.SETTINGS (KZOPINION_BUILT_FROM is the build's message to its own Sphinx extension, and
    KZOPINION_VALID_PACKAGE its hand-over to its kernels: not settings)."""
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("src/**/*.py"), *root.glob("tests/**/*.py"), root / "Makefile", *root.glob("*.md")]
    named = {name for path in files for name in re.findall(r"KZOPINION_[A-Z_]+[A-Z]", path.read_text("utf-8"))}
    assert named - {"KZOPINION_BUILT_FROM", "KZOPINION_VALID_PACKAGE"} == set(paths.SETTINGS) == set(REFUSED)


@pytest.mark.parametrize("name, value", CASES, ids=[f"{n}={v}" for n, v in CASES])
def test_a_refused_value_is_one_sentence_naming_the_variable_the_value_and_what_is_accepted(
    name, value, tmp, monkeypatch
):
    value = value.format(tmp=tmp)
    monkeypatch.setenv(name, value)
    with pytest.raises(paths.SettingError) as raised:
        paths.setting(name)
    message = str(raised.value)
    declared = paths.SETTINGS[name]
    assert message.startswith(f"{name}={value!r} is refused"), message
    assert f"it takes {declared.accepted}, e.g. {name}={declared.example}" in message
    assert message.endswith(f"or unset it ({declared.unset})") and "\n" not in message
    assert "Traceback" not in message and "invalid literal" not in message and "could not convert" not in message


@pytest.mark.parametrize("name", [n for n in REFUSED if n in ACCEPTED])
def test_accepted_values_and_the_default(name, monkeypatch):
    for raw, value in ACCEPTED[name]:
        monkeypatch.setenv(name, raw)
        assert paths.setting(name) == value
    for unset in ("", "  "):
        monkeypatch.setenv(name, unset)
        assert paths.setting(name) == paths.SETTINGS[name].default
    monkeypatch.delenv(name)
    assert paths.setting(name) == paths.SETTINGS[name].default


def test_the_root_is_the_folder_named_when_it_is_the_repository(root, monkeypatch):
    monkeypatch.setenv("KZOPINION_ROOT", str(root))
    assert paths.root() == root
    monkeypatch.setenv("KZOPINION_ROOT", str(root / "notebooks"))  # inside it, but not it
    with pytest.raises(paths.RootSettingError, match=r"it holds no _config.yml, no _toc.yml, no data/datapackage"):
        paths.root()


def test_the_edition_setting_is_refused_as_the_data_layer_refuses(monkeypatch):
    """kzopinion.data.microdata asks the same setting; its refusal is the data layer's error, with the sentence."""
    from kzopinion.data import microdata, registry

    monkeypatch.setenv("KZOPINION_EDITION", "pubic")
    with pytest.raises(registry.MicrodataError, match=r"^KZOPINION_EDITION='pubic' is refused: it takes 'public'"):
        microdata.edition()


def test_the_article_text_setting_names_the_file(tmp, monkeypatch):
    monkeypatch.setenv("KZOPINION_ARTICLE_TEXT", str(tmp / "file.txt"))
    assert paths.setting("KZOPINION_ARTICLE_TEXT") == tmp / "file.txt"


COMMANDS = {  # what `make data`, `make section`, `make book`, `make pdf` and `make lint`'s archive check run
    "make data": (["-m", "kzopinion.data", "check"], "Data error: "),
    "make data (microdata)": (["-m", "kzopinion.data.microdata"], "[data] FAILED: "),
    "make section": (["-m", "kzopinion.book.scaffold", "media-use", "Media use", "--prefix", "mu"], "[section] "),
    "make book": (["-m", "kzopinion.book.build"], "[book] BUILD FAILED\n"),
    "make pdf": (["-m", "kzopinion.book.pdf"], "[book] PDF FAILED\n"),
    "make lint (archive)": (["-m", "kzopinion.book.archive"], "[archive] "),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_root_that_is_not_the_repository_is_refused_and_nothing_is_written_there(command, tmp_path):
    arguments, said = COMMANDS[command]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, *arguments],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "KZOPINION_ROOT": str(elsewhere)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert f"{said}KZOPINION_ROOT='{elsewhere}' is refused: {elsewhere} is not the repository" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in elsewhere.rglob("*")) == ["notes.txt"]
