"""`make serve`: live preview for authors.

    python -m kzopinion.book.serve [--port 8000]

Builds the book (as `make book` does), serves ``_build/html`` on http://127.0.0.1:PORT and
watches the notebook sources (``notebooks/*.md``), the chapters and static files (``book/``),
the data (``data/``, not the respondent-level files), the package's modules and the book
configuration. When one of
them is saved it rebuilds: a prose edit is copied into the notebook's record without
executing anything and only the changed pages are rebuilt; a code or data edit re-executes
what it affects. Open pages reload themselves: in this mode only, each HTML page is sent with
a small script that asks the server for the build number four times a second and reloads when it
changes, or shows the build's error message when a build failed (the previous book stays).

Each rebuild is ``make book``'s own (:func:`kzopinion.book.build.build`: the same lock, edition,
snapshot and repository guard), so the served book is the edition the build chose. Whatever a
save breaks (front matter, a hand-edited record, YAML, a failing cell) is shown on the page and
in the console, and the server keeps serving the previous book until a save fixes it. A busy
port is reported before anything is built; directories are not listed and the build's own files
(names starting with a dot) are not served.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import http.server
import json
import re
import socketserver
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from kzopinion import data, paths
from kzopinion.book import build, editions, notebooks, sphinxworker

VERSION_PATH = "/__kz_build"
GENERATED = {name.as_posix() for name in paths.GENERATED}  # written by the build itself: never a trigger

RELOAD_SCRIPT = """<script>/* live preview (make serve only) */
(function () {
  var seen = null;
  function show(message) {
    var box = document.getElementById("kz-serve-error");
    if (!message) { if (box) { box.remove(); } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "kz-serve-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:9999;max-height:40vh;" +
        "overflow:auto;background:#fff3f3;color:#7a0000;border:2px solid #b00020;padding:.75rem;white-space:pre-wrap;";
      document.body.appendChild(box);
    }
    box.textContent = "The last build failed; this is the previous book.\\n\\n" + message;
  }
  function poll() {
    fetch("VERSION_PATH", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (state) {
      if (seen !== null && state.version !== seen) { location.reload(); return; }
      seen = state.version;
      show(state.error);
    }).catch(function () {}).then(function () { setTimeout(poll, 250); });
  }
  poll();
})();
</script>""".replace("VERSION_PATH", VERSION_PATH)


def watched(root: Path) -> dict[str, int]:
    """``relative path -> mtime_ns`` of every file whose change should rebuild the book (a file removed
    while the folders are listed is left out)."""
    files = [
        root / "_config.yml",
        root / "_toc.yml",
        root / "CHANGELOG.md",  # the book's page book/changelog includes it
        *(root / "notebooks").glob("*.md"),
        *(root / "book").rglob("*"),
        *(root / "data").rglob("*"),
        *(root / "src" / "kzopinion").rglob("*.py"),
    ]
    out = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or "microdata" in path.parts or rel in GENERATED:
            continue
        with contextlib.suppress(OSError):
            out[rel] = path.stat().st_mtime_ns
    return out


class State:
    """The build number the pages poll, the last build's error (empty after a success) and the folder
    served (the published book of the edition the last successful build chose)."""

    def __init__(self, site: Path) -> None:
        self.version = 0
        self.error = ""
        self.site = site
        self.lock = threading.Lock()

    def current_site(self) -> Path:
        with self.lock:
            return self.site

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"version": self.version, "error": self.error}).encode()


def describe(err: BaseException) -> str:
    """The sentence ``make book`` prints for a failure (no terminal colours: it is also shown on the page)."""
    if isinstance(err, (build.BuildError, notebooks.NotebookError, data.DataValidationError)):
        text = str(err)
    elif isinstance(err, OSError):
        text = build.describe_os_error(err, None)
    else:  # a failure the build does not name yet: still a message, never a dead server
        text = f"{type(err).__name__}: {err}"
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def rebuild(root: Path, state: State) -> None:
    """Build exactly as `make book` does (same lock, edition, guard; only changed pages after a prose edit).
    A failure of any kind is shown on the page and in the console; the previous book stays served. A Sphinx
    worker is then started for the next save (:func:`kzopinion.book.sphinxworker.prestart`), so that build
    finds Sphinx imported."""
    started = time.perf_counter()
    try:
        site = build.build(root)
    except Exception as err:  # whatever the author's edit broke, the server keeps serving
        sphinxworker.prestart(root)
        message = describe(err)
        with state.lock:
            state.error = message
        print(
            f"[serve] build FAILED (the previous book is still served; fix it and save again):\n{message}", flush=True
        )
        return
    sphinxworker.prestart(root)
    with state.lock:
        state.error = ""
        state.site = site
        state.version += 1
    print(f"[serve] rebuilt in {time.perf_counter() - started:.1f} s (build {state.version})", flush=True)


WAITING = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Building the book</title></head>
<body><h1>Building the book</h1><p>This page reloads when the first build is done.</p></body></html>"""


def handler(state: State):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the build's messages are what an author reads
            pass

        def log_error(self, *args):
            pass

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def translate_path(self, path):
            # the published folder is swapped on each build (and may be another edition's): resolve it per request
            self.directory = str(state.current_site())
            return super().translate_path(path)

        def list_directory(self, path):  # no directory listings
            self.send_error(404, "Not found")
            return None

        def do_HEAD(self):
            self.send_error(405, "Method not allowed")

        def do_GET(self):
            try:
                self._get()
            except (ValueError, OSError):  # a NUL byte or an undecodable name in the URL: not a file of the book
                with contextlib.suppress(OSError):
                    self.send_error(404, "Not found")

        def _get(self):
            path = urllib.parse.unquote(self.path.split("?", 1)[0].split("#", 1)[0])
            if path == VERSION_PATH:
                return self._send(state.as_json(), "application/json")
            if "\x00" in path or any(part.startswith(".") for part in path.split("/")):
                return self.send_error(404, "Not found")  # the build's own files (.book-digest, ...)
            site = state.current_site()
            if not (site / "index.html").is_file():
                return self._send((WAITING.replace("</body>", RELOAD_SCRIPT + "</body>")).encode(), "text/html")
            target = Path(self.translate_path(path))
            if target.is_dir():
                target = target / "index.html"
            if target.suffix == ".html" and target.is_file():
                page = target.read_text(encoding="utf-8")
                if "</body>" in page:
                    page = page.replace("</body>", RELOAD_SCRIPT + "</body>", 1)
                else:
                    page += RELOAD_SCRIPT
                return self._send(page.encode("utf-8"), "text/html; charset=utf-8")
            if not target.is_file():
                return self.send_error(404, "Not found")
            return super().do_GET()

        def _send(self, body: bytes, kind: str):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def listen(port: int) -> socketserver.ThreadingTCPServer:
    """Bind 127.0.0.1:port before anything is built; a port in use is a sentence, not a traceback."""
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    try:
        return socketserver.ThreadingTCPServer(("127.0.0.1", port), http.server.BaseHTTPRequestHandler)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise build.BuildError(
                f"port {port} is in use (another `make serve`?): stop it, or choose another "
                f"port: make serve PORT={port + 1}"
            ) from None
        raise build.BuildError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}") from None


def published(root: Path) -> Path:
    """Where the book of the edition ``make book`` chooses is published (the microdata edition's own folder)."""
    with contextlib.suppress(Exception):  # a damaged registration is reported by the build itself
        if editions.wanted(root):
            return editions.mirror(root) / "_build" / "html"
    return root / "_build" / "html"


def serve(root: Path, port: int = 8000, interval: float = 0.2) -> None:
    server = listen(port)
    state = State(published(root))
    server.RequestHandlerClass = handler(state)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"[serve] building the book ({address} answers meanwhile) ...", flush=True)
    before = watched(root)
    rebuild(root, state)
    print(f"[serve] serving {address}/index.html (pages reload after each rebuild; Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(interval)
            now = watched(root)
            if now != before:
                changed = sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k))
                print(f"[serve] changed: {', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''}", flush=True)
                time.sleep(0.1)  # let the editor finish writing
                before = watched(root)  # a save during the rebuild is seen afterwards and rebuilt again
                rebuild(root, state)
    finally:
        sphinxworker.discard()
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args(argv)
    root = None
    try:
        root = build._root()
        serve(root, port=args.port)
    except build.BuildError as err:
        print(f"[serve] {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    build.stop_on_interrupt(None, "serve")
    sys.exit(main())
