"""`make book` on a repository whose bibliography is saved as Latin-1 stops naming the file (the whole way)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_undecodable import FIX, _latin1

from kzopinion.book import bibliography

pytestmark = pytest.mark.slow


def test_make_book_names_a_bibliography_saved_as_latin1(repo_copy):
    """The whole way: `make book` on a repository whose references.bib is Latin-1 stops naming it, nothing
    published."""
    line = _latin1(repo_copy / bibliography.BIB)
    done = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build"],
        cwd=repo_copy,
        env={**os.environ, "PYTHONPATH": str(repo_copy / "src")},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode != 0
    assert f"book/references.bib, line {line}: {FIX}" in done.stderr, done.stderr[-3000:]
    assert "UnicodeDecodeError" not in done.stderr
    assert not (repo_copy / "_build" / "html" / "index.html").exists()
