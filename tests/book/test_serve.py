"""`make serve` on a copy of the repository: an edit to a chapter's prose reaches the served page within a few
seconds, and a book published by another build clears a failure's message. (Its parts: test_serve_parts.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from fixtures import edit

from kzopinion.book import build

pytestmark = pytest.mark.slow  # every test serves a copy of the repository it builds

pytestmark = pytest.mark.slow  # each test builds the book


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def _wait_for(condition, seconds: float = 300) -> float:
    """Seconds until ``condition()`` held (polled every 0.1 s, as often as a page asks)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "waited too long"
        time.sleep(0.1)
    return time.monotonic() - started


class Served:
    """`make serve` running on ``repo``; its console lines are collected as they come."""

    def __init__(self, repo: Path, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kzopinion.book.serve", "--port", "0"],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "KZOPINION_ROOT": str(repo), **env},
        )
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True).start()
        _wait_for(lambda: "serving http" in self.output or self.process.poll() is not None)
        self.base = re.search(r"serving (http://127\.0\.0\.1:\d+)/", self.output).group(1)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def state(self) -> dict:
        return json.loads(_get(f"{self.base}/__kz_build"))

    def page(self, name: str = "book/conclusion.html") -> str:
        return _get(f"{self.base}/{name}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        assert "Traceback" not in self.output, self.output


def test_saving_a_chapter_rebuilds_and_reloads_its_page(repo_copy):
    served = Served(repo_copy)
    try:
        assert "/__kz_build" in served.page()  # the reload script, in serve mode only
        time.sleep(1)
        assert "changed:" not in served.output, "what the first build wrote is not a save"
        version = served.state()["version"]
        edit(repo_copy / "book" / "conclusion.md", "add up to a simple picture", "add up to a freshly edited picture")
        elapsed = _wait_for(lambda: "freshly edited" in served.page() and served.state()["version"] > version, 30)
        print(f"page changed {elapsed:.1f} s after the save")
        assert elapsed < 15, f"the page changed only after {elapsed:.1f} s"
        assert served.output.count("changed: book/conclusion.md") == 1, served.output  # one save, one rebuild
    finally:
        served.stop()
    # the reload script is added while serving, never written into the book
    assert "/__kz_build" not in (repo_copy / "_build" / "html" / "book" / "conclusion.html").read_text(encoding="utf-8")


def test_a_book_published_by_another_build_clears_the_failure_message(repo_copy):
    served = Served(repo_copy)
    try:
        version = served.state()["version"]
        with build.lock(repo_copy, "tests"):  # `make book` runs in another terminal meanwhile
            edit(repo_copy / "book" / "conclusion.md", "add up to a simple picture", "add up to a published picture")
            _wait_for(lambda: served.state()["error"], 30)
        assert "another command is building" in served.state()["error"]
        rebuilds = served.output.count("changed:")
        built = subprocess.run(  # that build publishes the book, the edit in it
            [sys.executable, "-m", "kzopinion.book.build"], cwd=repo_copy, capture_output=True, text=True, timeout=600
        )
        assert built.returncode == 0, built.stderr
        assert served.state() == {"version": version + 1, "error": ""}  # pages reload, without the message
        assert "published picture" in served.page()
        time.sleep(1)
        assert served.output.count("changed:") == rebuilds, "the server did not build: the other build's book is served"
    finally:
        served.stop()


def test_a_save_to_the_builds_own_code_restarts_the_server_on_its_port(repo_copy):
    served = Served(repo_copy, PYTHONPATH=str(repo_copy / "src"))  # the copy's package is the code it runs
    try:
        with (repo_copy / "src" / "kzopinion" / "book" / "build.py").open("a", encoding="utf-8") as module:
            module.write("# edited while serving\n")
        _wait_for(lambda: served.output.count("serving http") == 2)
        assert "the build's own code changed: starting again" in served.output
        assert served.output.count(f"serving {served.base}/") == 2 and served.process.poll() is None
        assert served.state() == {"version": 1, "error": ""} and "/__kz_build" in served.page()
    finally:
        served.stop()
