"""A cell that tries to reach the repository finds no route, or fails; the repository is unchanged either way.

Three routes are tried from one notebook of a copy of the repository: a subprocess that asks git for its top
folder and appends to a page there, the registered microdata files opened through the kernel's repository,
and a hard link made in pure Python to a table of the kernel's repository, then written through.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import fixtures
import pytest

from kzopinion.data import register

pytestmark = pytest.mark.slow

ROUTES = """
import os, subprocess
try:
    top = subprocess.run(['git', 'rev-parse', '--show-toplevel'], cwd=paths.root(), capture_output=True, text=True)
    if top.returncode == 0:
        with open(os.path.join(top.stdout.strip(), 'book', 'conclusion.md'), 'a') as page:
            page.write('vandalised through git')
except OSError:
    pass
for registered in (paths.root() / 'data' / 'microdata').rglob('*'):
    try:
        with open(registered, 'ab') as handle:
            handle.write(b'vandalised through the microdata')
    except OSError:  # read-only copies (for a user other than root)
        pass
os.link(paths.root() / 'data' / 'published' / 'claims.csv', 'claims-link.csv')
with open('claims-link.csv', 'a') as linked:
    linked.write('vandalised through a hard link')
tables = Tables()"""


def _digests(root: Path) -> dict[str, str]:
    listed = fixtures.git(root, "ls-files", "-z").split("\0")
    files = [root / name for name in listed if name] + sorted((root / "data" / "microdata").rglob("*"))
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def test_a_cell_finds_no_route_into_the_repository(repo_copy, tmp_path, monkeypatch):
    fixtures.cab_download(tmp_path / "download")
    register.register_cab(tmp_path / "download", repo_copy)
    source = repo_copy / "notebooks/04-foreign-policy.md"
    fixtures.edit(source, "tables = Tables()", ROUTES.strip())
    fixtures.edit(source, "from kzopinion import formatting as fmt", "from kzopinion import formatting as fmt, paths")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the repository"]):
        fixtures.git(repo_copy, *command)
    before = _digests(repo_copy)
    monkeypatch.setenv("KZOPINION_EDITION", "public")  # the registered files stay in place, unused
    run = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 1, run.stdout
    assert "a notebook's kernel changed data/published/claims.csv in its copy of the repository" in run.stderr
    assert "rehash" not in run.stderr and "changed while notebook" not in run.stdout
    assert _digests(repo_copy) == before, "the repository's files, registered microdata included, are unchanged"
