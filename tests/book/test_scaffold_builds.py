"""`make section` takes its arguments literally and refuses an empty title with a sentence (slow: scaffolds in a copy
of the repository). That a scaffolded section builds into the book is tests/test_contributing_followed.py's: it
follows CONTRIBUTING's steps, `make section` and `make book` among them."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


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
