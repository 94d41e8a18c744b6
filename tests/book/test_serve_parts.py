"""`make serve`'s parts, without building: what counts as a save, the watchers, the state pages poll, what
is served, the port. The whole loop (build, save, rebuild, reload) is in test_serve.py."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import threading
from pathlib import Path

import pytest

from kzopinion.book import build, serve


def test_sources_count_and_what_the_build_writes_beside_them_does_not(root):
    sources = ["notebooks/02-russia-correlation.md", "book/conclusion.md", "book/_static/custom.css"]
    sources += ["data/datapackage.json", "_toc.yml", "_config.yml", "CHANGELOG.md", "src/kzopinion/formatting.py"]
    sources += ["CITATION.cff", "requirements.lock", "pyproject.toml"]  # every file the build's stamp watches
    for name in sources:
        assert serve.is_source(root, str(root / name)), name
    written = ["notebooks/02-russia-correlation.ipynb", "book/data-appendix.md", "book/_static/vendor/vega-bundle.js"]
    written += ["book/_static/vendor", "notebooks/.02-russia-correlation.ipynb.123.partial", "notebooks/sub/x.md"]
    others = ["data/microdata/cab/wave1.dta", "book/.conclusion.md.swp", "book/conclusion.md~", "README.md"]
    others += ["src/kzopinion/__pycache__/paths.cpython-311.pyc", "_build/html/index.html", ".venv/x.py", "/elsewhere"]
    for name in written + others:
        assert not serve.is_source(root, str(root / name)), name


def _next(changes: queue.SimpleQueue, timeout: float = 10) -> set[str]:
    item = changes.get(timeout=timeout)
    assert not isinstance(item, Exception), item
    return item


def _ready(root: Path, changes: queue.SimpleQueue) -> None:
    """Save a probe until both watchers (the folders', the root's) have reported it, then drain the queue."""
    seen: set[str] = set()
    for _ in range(100):
        for probe in ("book/probe.md", "_toc.yml"):
            (root / probe).write_text("probe", encoding="utf-8")
        with contextlib.suppress(queue.Empty):
            seen |= _next(changes, timeout=0.2)
        if seen >= {"book/probe.md", "_toc.yml"}:
            break
    assert seen >= {"book/probe.md", "_toc.yml"}, "the watchers never started"
    with contextlib.suppress(queue.Empty):
        while True:
            changes.get(timeout=0.5)


def _quiet(changes: queue.SimpleQueue, seconds: float = 0.6) -> bool:
    with pytest.raises(queue.Empty):
        changes.get(timeout=seconds)
    return True


def _replace(path: Path, text: str) -> None:
    """Save as many editors do: write a new file beside it, rename it over the old one."""
    path.with_name(f".{path.name}.tmp").write_text(text, encoding="utf-8")
    os.replace(path.with_name(f".{path.name}.tmp"), path)


def test_the_watchers_see_a_burst_as_one_change_replaced_files_and_linked_folders(tmp_path):
    root, outside = tmp_path / "repo", tmp_path / "shared-figures"
    for folder in ("book", "notebooks", "data", "src/kzopinion", "_build/html"):
        (root / folder).mkdir(parents=True)
    outside.mkdir()
    (root / "book" / "figures").symlink_to(outside, target_is_directory=True)
    stop = threading.Event()
    changes = serve.watch(root, stop)
    try:
        _ready(root, changes)
        for name in ("book/a.md", "notebooks/01-a.md", "data/t.csv"):  # one burst (a checkout, say)
            (root / name).write_text("x", encoding="utf-8")
        assert _next(changes) == {"book/a.md", "notebooks/01-a.md", "data/t.csv"}
        _quiet(changes)
        for text in ("title: a", "title: b"):  # a root file replaced twice: still watched after the first
            _replace(root / "_config.yml", text)
            assert _next(changes) == {"_config.yml"}
        (outside / "map.svg").write_text("<svg/>", encoding="utf-8")  # through the link to a folder
        assert _next(changes) == {"book/figures/map.svg"}
        (root / "book" / "data-appendix.md").write_text("x", encoding="utf-8")  # written by the build
        (root / "notebooks" / "01-a.ipynb").write_text("{}", encoding="utf-8")
        (root / "_build" / "html" / "index.html").write_text("x", encoding="utf-8")
        (root / "README.md").write_text("x", encoding="utf-8")
        assert _quiet(changes)
    finally:
        stop.set()


def test_saves_queued_during_a_build_make_one_rebuild_and_a_dead_watcher_stops_the_server():
    changes = queue.SimpleQueue()
    for batch in ({"book/a.md"}, {"book/b.md"}, {"_toc.yml"}):
        changes.put(batch)
    assert serve.next_changes(changes) == {"book/a.md", "book/b.md", "_toc.yml"}
    changes.put(OSError("OS file watch limit reached"))
    with pytest.raises(build.BuildError, match="watch limit reached.*WATCHFILES_FORCE_POLLING=1"):
        serve.next_changes(changes)


def _publish(site: Path, name: str) -> None:
    """What a build does: a new folder, and ``_build/html`` swapped to link to it."""
    (site.parent / name).mkdir()
    (site.parent / name / "index.html").write_text(f"<html><body>{name}</body></html>", encoding="utf-8")
    site.unlink(missing_ok=True)
    site.symlink_to(name)


def _polled(state: serve.State) -> dict:
    return json.loads(state.as_json())


def test_a_book_published_after_a_failure_clears_its_message_and_reloads_the_pages(tmp_path):
    site = tmp_path / "_build" / "html"
    site.parent.mkdir()
    _publish(site, "html-1")
    state = serve.State(site)
    assert _polled(state) == {"version": 0, "error": ""}
    state.failed("another build is running (pid 7)")
    assert _polled(state) == {"version": 0, "error": "another build is running (pid 7)"}
    _publish(site, "html-2")  # `make book` in another terminal fixed and published the book
    assert _polled(state) == {"version": 1, "error": ""}
    state.failed("notebooks/04-foreign-policy.md, line 5: the YAML ...")
    (site.parent / "html-2" / "index.html").unlink()  # `make clean`: no book, so nothing newer than the failure
    assert _polled(state)["error"].startswith("notebooks/04")
    state.succeeded(site)  # a build here: a new number even when the book was already up to date
    assert _polled(state) == {"version": 3, "error": ""}


def test_a_book_a_poll_numbered_during_its_own_build_is_numbered_once(tmp_path):
    """The build publishes, a page asks before the build returns: that book has its number, and the build's end
    gives it no second one (the page would reload twice)."""
    site = tmp_path / "_build" / "html"
    site.parent.mkdir()
    _publish(site, "html-1")
    state = serve.State(site)
    before = state.book
    _publish(site, "html-2")
    assert _polled(state)["version"] == 1
    state.succeeded(site, before)
    assert _polled(state)["version"] == 1
    before = state.book
    _publish(site, "html-3")  # no page asked meanwhile: the build's end numbers it
    state.succeeded(site, before)
    assert _polled(state)["version"] == 2
    state.succeeded(site, state.book)  # up to date: a new number still (a failure's message is cleared)
    assert _polled(state)["version"] == 3


def test_a_rebuild_held_back_by_another_commands_build_waits_for_it_then_builds(tmp_path, monkeypatch, capsys):
    """Another process holds the lock (a `make book` in another terminal): the save is built once it is done."""
    import subprocess
    import sys
    import time

    holder = "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); print(1)"
    holder += "; sys.stdout.flush(); time.sleep(1.5)"
    other = subprocess.Popen([sys.executable, "-c", holder, str(tmp_path / build.LOCK)], stdout=subprocess.PIPE)
    assert other.stdout.readline().strip() == b"1"  # it holds the lock now

    def build_here(root: Path) -> Path:
        with build.lock(root):
            return root / "_build" / "html"

    monkeypatch.setattr(build, "build", build_here)
    monkeypatch.setattr(serve, "BUSY_POLL_SECONDS", 0.1)
    state = serve.State(tmp_path / "_build" / "html")
    started = time.monotonic()
    serve.rebuild(tmp_path, state)
    assert other.wait(timeout=10) == 0 and time.monotonic() - started >= 0.5, "it waited for the other build"
    assert _polled(state) == {"version": 1, "error": ""}
    out = capsys.readouterr().out
    assert out.count("another command is building: this build starts when it finishes") == 1, out
    assert "build 1 done" in out


def test_a_save_to_the_servers_own_code_while_it_waits_restarts_it_before_building(tmp_path, monkeypatch):
    """Waiting for another command's build, the server takes the saves made meanwhile: one to a module it runs
    restarts it (the book is never built with the old code); a watcher's error stays for the loop to report."""
    restarts = []

    class Restarted(Exception):
        pass

    def restart(root: Path, changed: set[str], port: int) -> None:
        restarts.append(changed)
        if "src/kzopinion/book/build.py" in changed:
            raise Restarted

    def busy(root: Path) -> Path:
        raise build.BuildBusy("another command is building")

    monkeypatch.setattr(build, "build", busy)
    monkeypatch.setattr(serve, "restart_if_own_code", restart)
    monkeypatch.setattr(serve, "BUSY_POLL_SECONDS", 0.01)
    changes: queue.SimpleQueue = queue.SimpleQueue()
    changes.put({"book/conclusion.md"})
    changes.put({"src/kzopinion/book/build.py"})
    dead = RuntimeError("watcher gone")
    changes.put(dead)
    with pytest.raises(Restarted):
        serve.rebuild(tmp_path, serve.State(tmp_path / "html"), changes, 8000)
    assert restarts == [{"book/conclusion.md", "src/kzopinion/book/build.py"}]
    assert changes.get_nowait() is dead


def test_what_is_served(tmp_path):
    site = tmp_path / "html"
    state = serve.State(site)
    status, body, kind = serve.answer(state, "/book/conclusion.html")
    assert status == 200 and b"Building the book" in body and b"/__kz_build" in body  # before the first build
    (site / "book").mkdir(parents=True)
    (site / "index.html").write_text("<html><body><p>Index</p></body></html>", encoding="utf-8")
    (site / "book" / "page.html").write_text("<p>no body tag</p>", encoding="utf-8")
    (site / "chart.svg").write_text("<svg/>", encoding="utf-8")
    (site / ".book-digest").write_text("x", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    status, body, kind = serve.answer(state, "/")
    assert status == 200 and kind.startswith("text/html") and body.index(b"<script>") < body.index(b"</body>")
    assert serve.answer(state, "/book/page.html")[1].endswith(b"</script>")
    assert serve.answer(state, "/chart.svg")[1:] == (b"<svg/>", "image/svg+xml")
    assert json.loads(serve.answer(state, "/__kz_build")[1]) == {"version": 1, "error": ""}  # a book: pages reload
    for private in ("/book/", "/.book-digest", "/../secret.txt", "/book/%00.html", "/book/\x00.html", "/missing.html"):
        assert serve.answer(state, private)[0] == 404, private


def test_a_busy_port_or_no_port_is_a_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(build.BuildError, match=f"port {port} is in use .*make serve PORT={port + 1}"):
            serve.Server(port, serve.State(tmp_path))
    with pytest.raises(build.BuildError, match="cannot listen on 127.0.0.1:70000"):
        serve.Server(70000, serve.State(tmp_path))


def test_a_save_to_a_module_this_process_runs_restarts_the_server(root):
    changed = {"src/kzopinion/book/serve.py", "book/conclusion.md", "src/kzopinion/no_such_module.py"}
    assert serve.imported(root, changed) == ["src/kzopinion/book/serve.py"]


def test_a_failure_is_the_sentence_make_book_prints():
    assert serve.describe(build.BuildError("\x1b[31m_toc.yml, line 3: the YAML cannot be read\x1b[0m")) == (
        "_toc.yml, line 3: the YAML cannot be read"
    )
    assert serve.describe(KeyError("x")) == "KeyError: 'x'"
    assert "the disk is full" in serve.describe(OSError(28, "No space left on device"))
