"""`make serve`: live preview for authors.

    python -m kzopinion.book.serve [--port 8000]

Builds the book (as `make book` does), serves ``_build/html`` on http://127.0.0.1:PORT and
watches the notebook sources (``notebooks/*.md``), the chapters and static files (``book/``),
the data (``data/``, not the respondent-level files) and the book configuration. When one of
them is saved it rebuilds: a prose edit is copied into the notebook's record without
executing anything and only the changed pages are rebuilt; a code or data edit re-executes
what it affects. Open pages reload themselves: in this mode only, each HTML page is sent with
a small script that asks the server for the build number every second and reloads when it
changes, or shows the build's error message when a build failed (the previous book stays).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import socketserver
import sys
import threading
import time
from pathlib import Path

from kzopinion import paths
from kzopinion.book import build, notebooks

VERSION_PATH = "/__kz_build"
GENERATED = ("book/data-appendix.md", "book/_static/vendor")  # written by the build itself

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
    }).catch(function () {}).then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>""".replace("VERSION_PATH", VERSION_PATH)


def watched(root: Path) -> dict[str, int]:
    """``relative path -> mtime_ns`` of every file whose change should rebuild the book."""
    files = [root / "_config.yml", root / "_toc.yml", *(root / "notebooks").glob("*.md"),
             *(root / "book").rglob("*"), *(root / "data").rglob("*")]
    out = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or "microdata" in path.parts or rel.startswith(GENERATED):
            continue
        out[rel] = path.stat().st_mtime_ns
    return out


class State:
    """The build number the pages poll, and the last build's error (empty after a success)."""

    def __init__(self) -> None:
        self.version = 0
        self.error = ""
        self.lock = threading.Lock()

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"version": self.version, "error": self.error}).encode()


def rebuild(root: Path, state: State) -> None:
    """Build as `make book` does; after a prose-only change rebuild only the changed pages."""
    started = time.perf_counter()
    try:
        pending = {notebooks.status(s, root) for s in notebooks.sources(root)} - {"current"}
        build.validate_data(root)
        from kzopinion.book import appendix, vendor

        appendix.write(root)
        vendor.write_bundle(root)
        build.execute_notebooks(root)
        # Only prose changed: no value moved, so pages that paste from other pages are current
        # and Sphinx rebuilds just the changed ones.
        build.build_html(root, strict=True, full=not pending <= {"resync"})
    except build.BuildError as err:
        with state.lock:
            state.error = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # no terminal colours on the page
        print(f"[serve] build FAILED (the previous book is still served):\n{err}", flush=True)
        return
    with state.lock:
        state.error = ""
        state.version += 1
    print(f"[serve] rebuilt in {time.perf_counter() - started:.1f} s (build {state.version})", flush=True)


def handler(site: Path, state: State):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the build's messages are what an author reads
            pass

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_GET(self):
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path == VERSION_PATH:
                return self._send(state.as_json(), "application/json")
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
            return super().do_GET()

        def _send(self, body: bytes, kind: str):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    # the published folder is swapped on each build: resolve it per request, by path
    return functools.partial(Handler, directory=str(site))


def serve(root: Path, port: int = 8000, interval: float = 0.4) -> None:
    state = State()
    print("[serve] building the book ...", flush=True)
    rebuild(root, state)
    site = root / "_build" / "html"
    site.mkdir(parents=True, exist_ok=True)
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), handler(site, state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"[serve] serving http://127.0.0.1:{server.server_address[1]}/index.html "
          "(pages reload after each rebuild; Ctrl-C stops)", flush=True)
    before = watched(root)
    try:
        while True:
            time.sleep(interval)
            now = watched(root)
            if now != before:
                changed = sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k))
                print(f"[serve] changed: {', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''}", flush=True)
                time.sleep(0.2)  # let the editor finish writing
                rebuild(root, state)
                before = watched(root)
    except KeyboardInterrupt:
        print("\n[serve] stopped", flush=True)
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args(argv)
    serve(paths.root(), port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
