"""The Binder button follows the repository's address, and what Binder builds is the project's pins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kzopinion.book import launch
from kzopinion.book.page_chrome import LAUNCHERS, configure_repository

SAMPLE = "https://github.com/example-org/kzopinion"


def test_binder_is_configured_and_colab_is_not(root):
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    buttons = config["launch_buttons"]
    assert buttons["binderhub_url"] == "https://mybinder.org" and buttons["colab_url"] == ""
    assert buttons["notebook_interface"] == "classic"


def test_launch_buttons_follow_the_address():
    launchers = {"binderhub_url": "https://mybinder.org", "colab_url": "", "notebook_interface": "classic"}
    options = {"repository_url": "", "launch_buttons": dict(launchers)}
    configure_repository(options, {})
    assert not any(options["launch_buttons"][key] for key in LAUNCHERS)  # nothing to launch without an address
    options = {"repository_url": SAMPLE, "launch_buttons": dict(launchers)}
    configure_repository(options, {})
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"


def test_the_binder_environment_is_the_pins(root):
    assert launch.disagreements(root) == []


@pytest.fixture()
def copy(root: Path, tmp_path: Path) -> Path:
    for name in ("environment.yml", "pyproject.toml", "requirements.lock"):
        shutil.copy2(root / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("- python=3.11", "- python=3.12", "its only conda packages are python=3.11"),
        ("  - pip\n", "  - pip\n  - numpy=2.0\n", "its only conda packages"),
        ("- -r requirements.lock", "- -r requirements.txt", "installs exactly"),
        ("- -e .", "- -e .\n      - pandas==2.0", "installs exactly"),
    ],
)
def test_an_environment_out_of_step_with_the_pins_is_named(copy, old, new, expected):
    path = copy / "environment.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    found = launch.disagreements(copy)
    assert any(expected in sentence and sentence.startswith("environment.yml ") for sentence in found), found


def test_a_file_that_binder_would_read_instead_is_named(copy):
    (copy / "binder").mkdir()
    (copy / "binder" / "requirements.txt").write_text("numpy\n", encoding="utf-8")
    assert any("binder would change what Binder builds" in s for s in launch.disagreements(copy))
