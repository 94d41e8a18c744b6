"""`make serve`: an edit to a chapter's prose reaches the served page within a few seconds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request

from fixtures import edit


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def test_saving_a_chapter_rebuilds_and_reloads_its_page(repo_copy):
    server = subprocess.Popen(
        [sys.executable, "-m", "kzopinion.book.serve", "--port", "0"],
        cwd=repo_copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "KZOPINION_ROOT": str(repo_copy)},
    )
    try:
        base = None
        for line in server.stdout:  # the first build, then the address
            match = re.search(r"serving (http://127\.0\.0\.1:\d+)/", line)
            if match:
                base = match.group(1)
                break
        assert base, "the server never said where it serves"
        page = _get(f"{base}/book/conclusion.html")
        assert "/__kz_build" in page  # the reload script, in serve mode only
        version = _get(f"{base}/__kz_build")
        edit(repo_copy / "book" / "conclusion.md", "add up to a simple picture", "add up to a freshly edited picture")
        saved = time.monotonic()
        while time.monotonic() - saved < 30:
            if "freshly edited" in _get(f"{base}/book/conclusion.html") and _get(f"{base}/__kz_build") != version:
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - saved
        print(f"page changed {elapsed:.1f} s after the save")
        assert "freshly edited" in _get(f"{base}/book/conclusion.html"), "the edit never reached the page"
        assert _get(f"{base}/__kz_build") != version  # open pages see a new build number and reload
        assert elapsed < 15, f"the page changed only after {elapsed:.1f} s"
    finally:
        server.terminate()
        server.wait(timeout=20)
    # the reload script is added while serving, never written into the book
    assert "/__kz_build" not in (repo_copy / "_build" / "html" / "book" / "conclusion.html").read_text(encoding="utf-8")


def test_the_watch_list_holds_sources_not_what_the_build_writes(root):
    from kzopinion.book.serve import watched

    files = watched(root)
    assert "notebooks/02-russia-correlation.md" in files and "book/conclusion.md" in files
    assert "data/datapackage.json" in files and "_toc.yml" in files
    assert "CHANGELOG.md" in files  # included by the page book/changelog
    assert not any(name.endswith(".ipynb") or name == "book/data-appendix.md" or "/vendor/" in name for name in files)
