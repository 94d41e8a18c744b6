"""`make serve`: live preview for authors.

    python -m kzopinion.book.serve [--port 8000]

Builds the book, serves the published book on http://127.0.0.1:PORT (nothing else: it works offline) and
rebuilds when a file the build reads is saved (``notebooks/*.md``, ``book/``, ``data/`` but microdata, the
package's modules, the files :data:`kzopinion.book.stamps.WATCHED_FILES` names). A rebuild is ``make book``'s
own, run in this process (:func:`kzopinion.book.build.build`: its lock, taken only while it builds, its
edition and guard), so Sphinx's imports stay warm between saves; while another command builds, it waits for
that build to finish. Saves are seen with watchfiles (the Rust ``notify`` library
over the system's file notifications), not by polling sizes and times: at once, a burst of saves as one
rebuild, saves during a build as one more after it. Links to folders are followed; a link to a single
file is not (its target's folder is not watched: link the folder). Where notifications do not reach
(some network or virtual-machine shares): ``WATCHFILES_FORCE_POLLING=1 make serve``.

Each page is sent with ``assets/serve-reload.js``, which polls the build number and the failed build's
message (shown over the previous book). The number changes after each build here and whenever any build
publishes a book (``_build/html`` then links elsewhere), which also clears an older failure's message.
A save to a module this process imported (the build, its Sphinx extension) restarts the server.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import http.server
import json
import mimetypes
import os
import queue
import re
import socketserver
import sys
import threading
import time
import urllib.parse
from pathlib import Path, PurePosixPath

import watchfiles

from kzopinion import paths
from kzopinion.book import build, editions, stamps

STATE_PATH = "/__kz_build"  # what assets/serve-reload.js polls
SCRIPT = f"<script>{(Path(__file__).parent / 'assets' / 'serve-reload.js').read_text(encoding='utf-8')}</script>"
WAITING = "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Building the book</title></head>\n"
WAITING += "<body><h1>Building the book</h1><p>This page reloads when the first build is done.</p></body></html>"
HTML, NOT_FOUND = "text/html; charset=utf-8", (404, b"Not found", "text/plain")
BUSY_POLL_SECONDS = 1.0  # how often a rebuild held back by another command's build asks the lock again
WRITTEN = [p.as_posix() for p in (*paths.GENERATED, paths.CHART_BUNDLE.parent)]  # by the build: never a trigger


def is_source(root: Path, path: str) -> bool:
    """Whether a change at ``path`` can change the book: not a record, a file the build writes beside the
    sources, a hidden or partial file, microdata, an editor's backup."""
    with contextlib.suppress(ValueError):
        rel = PurePosixPath(Path(path).relative_to(root).as_posix())
        parts = rel.parts
        if not parts or "microdata" in parts or any(p[0] == "." or p[-1] == "~" for p in parts):
            return False
        if any(rel.is_relative_to(written) for written in WRITTEN):
            return False
        if parts[0] == "notebooks":
            return len(parts) == 2 and rel.suffix == ".md"
        if parts[:2] == ("src", "kzopinion"):
            return rel.suffix == ".py"
        return parts[0] in ("book", "data") or str(rel) in stamps.WATCHED_FILES  # what the build reads, as stamped
    return False


def watch(root: Path, stop: threading.Event | None = None) -> queue.SimpleQueue:
    """From now on, put each burst of saves (ended by 0.1 s without one) on the queue as a set of paths
    relative to ``root``, or the error that stopped watching. The folders are watched recursively, the root
    alone for its files: walking it would watch ``.venv`` and ``_build``, and a file watched by itself is
    lost once an editor saves it by replacing it."""
    changes: queue.SimpleQueue = queue.SimpleQueue()

    def run(where: list[Path], recursive: bool) -> None:
        try:
            for batch in watchfiles.watch(
                *where,
                watch_filter=lambda _, path: is_source(root, path),
                recursive=recursive,
                step=100,
                stop_event=stop,
            ):
                changes.put({Path(path).relative_to(root).as_posix() for _, path in batch})
        except Exception as err:  # e.g. the system's limit of watched folders: said by the server, not lost
            changes.put(err)

    folders = [root / name for name in stamps.WATCHED_TREES if (root / name).is_dir()]
    for where, recursive in ((folders, True), ([root], False)):
        threading.Thread(target=run, args=(where, recursive), daemon=True).start()
    return changes


def next_changes(changes: queue.SimpleQueue, wait: bool = True) -> set[str]:
    """The saves queued, taken off the queue as one set for one rebuild: a burst of saves waited for and those
    queued meanwhile (during the last build), or without ``wait`` only those queued so far. A watcher's error
    stops the server when waiting; otherwise it stays on the queue for the waiting call to report."""
    saved: set[str] = set()
    with contextlib.suppress(queue.Empty):
        item = changes.get(block=wait)
        while not isinstance(item, Exception):
            saved |= item
            item = changes.get_nowait()
        if wait:
            raise build.BuildError(f"watching the sources failed ({item}); WATCHFILES_FORCE_POLLING=1 polls instead")
        changes.put(item)
    return saved


def imported(root: Path, changed: set[str]) -> list[str]:
    """The changed files that are modules this process imported: a build here would run them as they were."""
    loaded = {Path(m.__file__).resolve() for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
    return sorted(name for name in changed if (root / name).resolve() in loaded)


def published_book(site: Path) -> str:
    """Which book is published at ``site``: the folder its link points to (new at each publication), or ""."""
    return str(site.resolve()) if (site / "index.html").is_file() else ""


class State:
    """What pages poll (build number, last failure's message) and the folder served: the book of the edition
    the last successful build chose. ``book`` is the book last numbered; ``failed_over``, the failure's."""

    def __init__(self, site: Path) -> None:
        self.site, self.version, self.error, self.lock = site, 0, "", threading.Lock()
        self.book = self.failed_over = published_book(site)

    def current_site(self) -> Path:
        with self.lock:
            return self.site

    def succeeded(self, site: Path, before: str | None = None) -> None:
        """A build here ended: a new number, even for a book already up to date, unless a page's poll already
        numbered the very book this build published (``before``: the book numbered when it started)."""
        with self.lock:
            book = published_book(site)
            if before is None or self.book == before or book != self.book:
                self.version += 1
            self.site, self.error, self.book = site, "", book

    def failed(self, message: str) -> None:
        with self.lock:
            self.error, self.failed_over = message, published_book(self.site)

    def as_json(self) -> bytes:
        """A book another build published is a new number and, newer than a failure, clears its message."""
        with self.lock:
            book = published_book(self.site)
            if book != self.book:
                self.book, self.version = book, self.version + 1
            if book and book != self.failed_over:
                self.error = ""
            return json.dumps({"version": self.version, "error": self.error}).encode()


def describe(err: Exception) -> str:
    """The sentence ``make book`` prints for a failure, without terminal colours (the page shows it too)."""
    if isinstance(err, OSError):
        text = build.describe_os_error(err, None)
    elif type(err).__module__.startswith("kzopinion"):  # the project's errors are written as sentences
        text = str(err)
    else:  # a failure the build does not name yet: still a message, never a dead server
        text = f"{type(err).__name__}: {err}"
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def rebuild(root: Path, state: State, changes: queue.SimpleQueue | None = None, port: int = 0) -> None:
    """Build as `make book` does; whatever a save broke is shown on the page and in the console, and the
    previous book stays served. While another command builds (it holds the lock), wait for it, then build;
    a save meanwhile to a module this process runs restarts it first (``changes``, ``port``: the server's)."""
    waiting = False
    while True:
        try:
            before = state.book
            state.succeeded(build.build(root), before)
            print(f"[serve] build {state.version} done")
        except build.BuildBusy:
            if not waiting:
                print("[serve] another command is building: this build starts when it finishes")
            waiting = True
            time.sleep(BUSY_POLL_SECONDS)
            if changes is not None:  # the build about to run reads these saves; a module of ours needs a restart
                restart_if_own_code(root, next_changes(changes, wait=False), port)
            continue
        except Exception as err:
            state.failed(describe(err))
            print(f"[serve] build FAILED (the previous book is still served; fix it and save again):\n{state.error}")
        return


def restart_if_own_code(root: Path, changed: set[str], port: int) -> None:
    """Start this server again when ``changed`` holds a module it imported, so no book is built with the old
    code (exec closes the listening socket; the new server binds the same port)."""
    if imported(root, changed):
        print("[serve] the build's own code changed: starting again to load it")
        os.execv(sys.executable, [sys.executable, "-m", "kzopinion.book.serve", "--port", str(port)])


def with_script(page: str) -> bytes:
    head, tag, tail = page.rpartition("</body>")
    return (head + SCRIPT + tag + tail if tag else page + SCRIPT).encode("utf-8")


def answer(state: State, path: str) -> tuple[int, bytes, str]:
    """Status, body and type for a GET of ``path``: the state; a page of the published book, with the
    script; another of its files; 404 for a folder without a page, a hidden name (``..``, the build's
    ``.book-digest``), a NUL byte."""
    if path == STATE_PATH:
        return 200, state.as_json(), "application/json"
    site, parts = state.current_site(), [part for part in path.split("/") if part]
    if "\x00" in path or any(part.startswith(".") for part in parts):
        return NOT_FOUND
    if not (site / "index.html").is_file():
        return 200, with_script(WAITING), HTML
    target = site.joinpath(*parts)
    target = target / "index.html" if target.is_dir() else target
    if not target.is_file():
        return NOT_FOUND
    if target.suffix == ".html":
        return 200, with_script(target.read_text(encoding="utf-8")), HTML
    return 200, target.read_bytes(), mimetypes.guess_type(target.name)[0] or "application/octet-stream"


class Handler(http.server.BaseHTTPRequestHandler):  # GET only: other methods are answered 501
    def log_message(self, *args: object) -> None:  # the build's messages are what an author reads
        pass

    def do_GET(self) -> None:
        try:
            status, body, kind = answer(self.server.state, urllib.parse.unquote(urllib.parse.urlsplit(self.path).path))
        except (ValueError, OSError):  # a name the file system refuses: not a file of the book
            status, body, kind = NOT_FOUND
        self.send_response(status)
        for name, value in (("Content-Type", kind), ("Content-Length", len(body)), ("Cache-Control", "no-store")):
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = daemon_threads = True  # reuse: a restart binds the port again at once

    def __init__(self, port: int, state: State) -> None:
        """Bind 127.0.0.1:port (before anything is built); a port in use is a sentence, not a traceback."""
        self.state = state
        try:
            super().__init__(("127.0.0.1", port), Handler)
        except (OSError, OverflowError) as err:  # OverflowError: not a port number
            busy = f"port {port} is in use (another `make serve`?): stop it, or make serve PORT={port + 1}"
            plain = f"cannot listen on 127.0.0.1:{port}: {getattr(err, 'strerror', None) or err}"
            raise build.BuildError(busy if getattr(err, "errno", 0) == errno.EADDRINUSE else plain) from None


def published(root: Path) -> Path:
    """Where the book of the edition ``make book`` chooses is published (the microdata edition's own folder)."""
    with contextlib.suppress(Exception):  # a damaged registration is reported by the build itself
        if editions.wanted(root):
            return editions.mirror(root) / "_build" / "html"
    return root / "_build" / "html"


def serve(root: Path, port: int = 8000) -> None:
    state = State(published(root))
    server = Server(port, state)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port, changes = server.server_address[1], watch(root)  # a save made from now on is built
    print(f"[serve] building the book (http://127.0.0.1:{port} answers meanwhile) ...")
    rebuild(root, state, changes, port)
    print(f"[serve] serving http://127.0.0.1:{port}/index.html (pages reload after each build; Ctrl-C stops)")
    try:
        while True:
            changed = sorted(next_changes(changes))
            print(f"[serve] changed: {', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''}")
            restart_if_own_code(root, set(changed), port)
            rebuild(root, state, changes, port)
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # each line at once, into a pipe too (the tests, an editor's pane)
    try:
        serve(paths.root(), port=args.port)
    except (build.BuildError, FileNotFoundError) as err:  # FileNotFoundError: no repository here
        print(f"[serve] {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    build.stop_on_interrupt(None, "serve")
    sys.exit(main())
