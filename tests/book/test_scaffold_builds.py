"""A new section, scaffolded with the documented command, builds into the book; `make section` takes its arguments
literally and refuses an empty title with a sentence (slow: scaffolds and builds in a copy of the repository)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_a_scaffolded_section_builds(repo_copy):
    # the claims first, as CONTRIBUTING.md's step 1 says (a section that records no claim stops the build)
    from kzopinion import data

    guide = (repo_copy / "CONTRIBUTING.md").read_text(encoding="utf-8")
    row = next(line for line in guide.splitlines() if line.startswith("mu_"))
    with (repo_copy / "data/published/claims.csv").open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")
    data.rehash(["claims"], repo_copy)
    made = subprocess.run(
        [
            "make",
            "-s",
            "section",
            "SLUG=media-use",
            "TITLE=Media use and views of the US",
            "PREFIX=mu",
            f"PY={sys.executable}",
            "STAMP=",
        ],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    notebook = repo_copy / "notebooks/06-media-use.md"
    chapter = repo_copy / "src/kzopinion/chapters/media_use.py"
    assert notebook.exists() and 'PREFIX = "mu"' in chapter.read_text(encoding="utf-8")
    assert (repo_copy / "tests/chapters/test_media_use.py").exists()
    assert "notebooks/06-media-use" in (repo_copy / "_toc.yml").read_text()
    # the copy's own package, which holds the new chapter module
    built = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "PYTHONPATH": str(repo_copy / "src")},
    )
    assert built.returncode == 0, built.stderr[-3000:]
    page = (repo_copy / "_build/html/notebooks/06-media-use.html").read_text(encoding="utf-8")
    assert "Media use and views of the US" in page and "Source of this page" in page
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "The example counts 3 survey sources" in text and "Summary" in text
    assert 'class="kz-chart"' in page  # the template's figure


def test_make_section_takes_its_arguments_literally_and_refuses_an_empty_title(repo_copy):
    import ast

    def section(title: str, slug: str = "media-use") -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-s", "section", f"SLUG={slug}", f"TITLE={title}", "PREFIX=mu", f"PY={sys.executable}", "STAMP="],
            cwd=repo_copy,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for title, slug in (("", "media-use"), ("   ", "media-use"), ("Media", "m" * 299), ("Media", "class")):
        result = section(title, slug)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert "[section]" in result.stderr and "e.g." in result.stderr, result.stderr
    assert not list((repo_copy / "notebooks").glob("*-media-use.md")), "nothing scaffolded after a refusal"
    title = """Cost $HOME `id` "quoted" it's \\n and \"\"\" too"""
    result = section(title)
    assert result.returncode == 0, result.stderr
    (source,) = (repo_copy / "notebooks").glob("*-media-use.md")
    assert f"# {title}\n" in source.read_text(encoding="utf-8"), "the title is kept literally"
    module = ast.parse((repo_copy / "src/kzopinion/chapters/media_use.py").read_text(encoding="utf-8"))
    assert title in " ".join(ast.get_docstring(module).split(" ")), "the chapter module imports and keeps the title"
