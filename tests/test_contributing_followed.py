"""CONTRIBUTING.md is a test: its steps, followed literally in a copy of the repository, add a section (slow).

Every ```bash block runs as written, and every block the guide introduces with "Append to `FILE`:" is
appended to that file (a glob names the scaffolded notebook), in the order the guide gives them. The
new page must then show the pasted claim and the example's computed number, each with its inputs.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path

import pytest
from test_contributing import guide_steps

pytestmark = pytest.mark.slow


def test_following_the_guide_adds_a_section_with_its_numbers_and_their_inputs(root: Path, repo_copy: Path):
    (repo_copy / ".venv").symlink_to(root / ".venv")  # the environment `make` set up; the copy's own code below
    env = {**os.environ, "PYTHONPATH": str(repo_copy / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    for kind, target, body in guide_steps((repo_copy / "CONTRIBUTING.md").read_text(encoding="utf-8")):
        if kind == "append":
            (path,) = repo_copy.glob(target)
            with path.open("a", encoding="utf-8") as handle:
                ending = "" if path.read_text(encoding="utf-8").endswith("\n") else "\n"
                handle.write(ending + ("\n" if path.suffix == ".md" else "") + body)  # a paragraph; a row
            continue
        for command in filter(None, (line.strip() for line in body.splitlines())):
            done = subprocess.run(
                command, shell=True, cwd=repo_copy, env=env, capture_output=True, text=True, timeout=1500
            )
            assert done.returncode == 0, f"`{command}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            if command == "make book":
                executed = [
                    n for names in re.findall(r"notebooks to execute: ([^\n]*)", done.stdout) for n in names.split(", ")
                ]
                assert executed == ["06-media-use", "99-replication-report"], done.stdout
    # what `make section` scaffolded: the notebook, its chapter module and test, its place in the contents
    chapter = repo_copy / "src/kzopinion/chapters/media_use.py"
    assert (repo_copy / "notebooks/06-media-use.md").exists() and 'PREFIX = "mu"' in chapter.read_text(encoding="utf-8")
    assert (repo_copy / "tests/chapters/test_media_use.py").exists()
    assert "notebooks/06-media-use" in (repo_copy / "_toc.yml").read_text(encoding="utf-8")
    page = (repo_copy / "_build/html/notebooks/06-media-use.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Media use and views of the US" in text and "Source of this page" in text and "Summary" in text
    assert 'class="kz-chart"' in page  # the template's figure
    assert "34% first named a developed and strong economy" in text  # the claim, recorded with no code, pasted
    assert "The example counts 3 survey sources" in text  # the template's computed number
    uses = re.findall(r'id="kz-use-([a-z0-9_]+)"[^>]*data-tip="([^"]*)"', page)
    tips = {key: html.unescape(tip) for key, tip in uses}
    assert "figure2_reasons" in tips["mu_economy_first_answers"], tips
    assert "Data: not recorded" not in page and "Inputs: not recorded" not in page
    assert "survey_designs" in tips["mu_sources"], tips
