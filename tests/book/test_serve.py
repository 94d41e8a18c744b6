"""`make serve` on a copy of the repository: an edit to a chapter's prose reaches the served page within a few
seconds, a book published by another build clears a failure's message, and a front-matter error is shown while the
previous book is still served. (Its parts: test_serve_parts.py.)"""

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
from fixtures import edit, wait_for

from kzopinion.book import build

pytestmark = pytest.mark.slow  # every test serves a copy of the repository it builds

pytestmark = pytest.mark.slow  # each test builds the book


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


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
        wait_for(lambda: "serving http" in self.output or self.process.poll() is not None)
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
        elapsed = wait_for(lambda: "freshly edited" in served.page() and served.state()["version"] > version, 30)
        print(f"page changed {elapsed:.1f} s after the save")
        assert elapsed < 15, f"the page changed only after {elapsed:.1f} s"
        assert served.output.count("changed: book/conclusion.md") == 1, served.output  # one save, one rebuild
    finally:
        served.stop()
    # the reload script is added while serving, never written into the book
    assert "/__kz_build" not in (repo_copy / "_build" / "html" / "book" / "conclusion.html").read_text(encoding="utf-8")


def test_a_save_while_another_command_builds_is_built_once_that_build_ends(repo_copy):
    served = Served(repo_copy)
    try:
        version = served.state()["version"]
        with build.lock(repo_copy, "tests"):  # `make book` runs in another terminal meanwhile
            edit(repo_copy / "book" / "conclusion.md", "add up to a simple picture", "add up to a published picture")
            wait_for(lambda: "another command is building: this build starts when it finishes" in served.output, 30)
            time.sleep(1)
            assert served.state() == {"version": version, "error": ""}, "nothing failed: the previous book is served"
        wait_for(lambda: served.state()["version"] == version + 1)  # that build ended: the save is built
        assert served.state()["error"] == "" and "published picture" in served.page()
        assert served.output.count("another command is building") == 1
    finally:
        served.stop()


def test_a_save_to_the_builds_own_code_restarts_the_server_on_its_port(repo_copy):
    served = Served(repo_copy, PYTHONPATH=str(repo_copy / "src"))  # the copy's package is the code it runs
    try:
        with (repo_copy / "src" / "kzopinion" / "book" / "build.py").open("a", encoding="utf-8") as module:
            module.write("# edited while serving\n")
        wait_for(lambda: served.output.count("serving http") == 2)
        assert "the build's own code changed: starting again" in served.output
        assert served.output.count(f"serving {served.base}/") == 2 and served.process.poll() is None
        assert served.state() == {"version": 1, "error": ""} and "/__kz_build" in served.page()
    finally:
        served.stop()


def _serve(repo: Path, port: int = 0) -> tuple[subprocess.Popen, list[str]]:
    """Start `make serve` on ``repo``; its console lines are collected as they come."""
    server = subprocess.Popen(
        [sys.executable, "-m", "kzopinion.book.serve", "--port", str(port)],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "KZOPINION_ROOT": str(repo)},
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True).start()
    return server, lines


def test_serve_survives_a_front_matter_error_and_recovers(repo_copy):
    import socket
    import urllib.error
    import urllib.request

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, ""

    server, lines = _serve(repo_copy)
    try:
        wait_for(lambda: any("serving http" in line for line in lines))
        base = re.search(r"serving (http://127\.0\.0\.1:\d+)/", "".join(lines)).group(1)
        for private in ("/_static/", "/.book-digest", "/.glue-digest", "/%00", "/book/%00.html"):
            assert get(private)[0] == 404, private  # no listings, no build files, no traceback for a NUL
        version = json.loads(get("/__kz_build")[1])["version"]
        source = repo_copy / "notebooks/04-foreign-policy.md"
        edit(source, "  format_name: myst", "  format_name: [myst")
        wait_for(lambda: json.loads(get("/__kz_build")[1])["error"])
        error = json.loads(get("/__kz_build")[1])["error"]
        assert "notebooks/04-foreign-policy.md, line 5: the YAML" in error
        assert any("notebooks/04-foreign-policy.md, line 5: the YAML" in line for line in lines)
        assert server.poll() is None, "the server keeps running"
        assert get("/book/conclusion.html")[0] == 200, "the previous book is still served"
        edit(source, "  format_name: [myst", "  format_name: myst")
        wait_for(lambda: json.loads(get("/__kz_build")[1])["version"] > version)
        assert json.loads(get("/__kz_build")[1])["error"] == ""
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = "".join(lines)
    assert "Traceback" not in output, output
    # a busy port: one sentence, before anything is built
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy, lines = _serve(repo_copy, port)
        assert busy.wait(timeout=60) == 1
    wait_for(lambda: lines, 10)
    assert f"port {port} is in use" in "".join(lines) and "building" not in "".join(lines), lines
