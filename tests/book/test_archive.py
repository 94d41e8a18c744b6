"""`make lint` checks the archive metadata (.zenodo.json) against its committed schema and against CITATION.cff,
offline, and fails, naming the file, on a broken file or a title that disagrees."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kzopinion.book import archive


def _zenodo_lint_commands(root: Path) -> list[list[str]]:
    """The commands of `make lint` that read .zenodo.json, as make runs them with this environment."""
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", (root / "Makefile").read_text(encoding="utf-8"), re.M)[1]
    tools = Path(sys.executable).parent
    lines = [line.strip().lstrip("@") for line in recipe.splitlines() if "zenodo" in line or "archive" in line]
    return [line.replace("$(VENV)/bin", str(tools)).replace("$(PY)", sys.executable).split() for line in lines]


def _lint(root: Path, folder: Path) -> subprocess.CompletedProcess:
    out = None
    for command in _zenodo_lint_commands(root):
        out = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            return out
    return out


@pytest.fixture()
def copy(root: Path, tmp_path: Path) -> Path:
    for name in (
        ".zenodo.json",
        "CITATION.cff",
        "_config.yml",
        "data/datapackage.json",
        str(archive.SCHEMA.relative_to(root)),
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, tmp_path / name)
    return tmp_path


def test_make_lint_checks_the_archive_metadata(root):
    commands = [" ".join(c) for c in _zenodo_lint_commands(root)]
    assert len(commands) == 2, commands
    assert "--schemafile=src/kzopinion/book/schemas/zenodo.schema.json .zenodo.json" in commands[0]
    assert commands[1].endswith("-m kzopinion.book.archive")


def test_the_committed_metadata_passes_and_agrees_with_citation(root, copy):
    done = _lint(root, copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert archive.disagreements(root) == []


def test_the_article_doi_is_the_one_citation_cff_gives(root):
    import yaml

    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    zenodo = json.loads((root / ".zenodo.json").read_text(encoding="utf-8"))
    doi = cff["preferred-citation"]["doi"]
    assert {"identifier": doi, "relation": "isSupplementTo", "scheme": "doi"}.items() <= zenodo["related_identifiers"][
        0
    ].items()


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda z: z.pop("creators"), "'creators' is a required property"),
        (lambda z: z.update(upload_type="notebook"), "'notebook' is not one of"),
        (lambda z: z.update(licence="MIT"), "Additional properties are not allowed ('licence' was unexpected)"),
        (lambda z: z["related_identifiers"][0].update(relation="supplements"), "'supplements' is not one of"),
    ],
)
def test_lint_fails_on_a_broken_file(root, copy, edit, expected):
    zenodo = json.loads((copy / ".zenodo.json").read_text(encoding="utf-8"))
    edit(zenodo)
    (copy / ".zenodo.json").write_text(json.dumps(zenodo), encoding="utf-8")
    done = _lint(root, copy)
    assert done.returncode != 0 and expected in done.stdout + done.stderr, done.stdout + done.stderr


def test_lint_fails_on_a_file_that_is_not_json(root, copy):
    (copy / ".zenodo.json").write_text('{"title": "x",', encoding="utf-8")
    done = _lint(root, copy)
    assert done.returncode != 0 and ".zenodo.json" in done.stdout + done.stderr


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("title", "The United States in Kazakhstani public opinion", "gives title"),
        ("version", "0.2.0", "gives version"),
        ("creators", [{"name": "Someone, Else"}], "gives creators"),
        ("license", "CC-BY-4.0", "gives license"),
        ("related_identifiers", [{"identifier": "10.1000/x", "relation": "isSupplementTo", "scheme": "doi"}], "DOI"),
    ],
)
def test_lint_fails_when_the_metadata_disagrees_with_citation(root, copy, field, value, expected):
    zenodo = json.loads((copy / ".zenodo.json").read_text(encoding="utf-8"))
    zenodo[field] = value
    (copy / ".zenodo.json").write_text(json.dumps(zenodo), encoding="utf-8")
    done = _lint(root, copy)
    assert done.returncode != 0, done.stdout + done.stderr
    assert expected in done.stderr and ".zenodo.json" in done.stderr and "CITATION.cff" in done.stderr, done.stderr
