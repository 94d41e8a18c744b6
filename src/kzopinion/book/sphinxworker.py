"""Jupyter Book's Sphinx build in a process started early, its imports done while the build does the rest.

Importing Sphinx, the theme and the extensions costs about as much as building a page. A build
therefore starts this worker first (:meth:`SphinxWorker.start`): on another core it imports them
while the build checks tables and executes or resyncs notebooks. When the HTML is wanted the build
sends one job as a JSON line over a socket (the worker's stdin), with the build lock's descriptor, and
reads one JSON line back; a worker never sent a job (nothing to build) is stopped.

A worker also ends when the build that sent its job ends (the socket closes), whatever the cause; it
holds the lock until then. Two callers start one before they need it, with :func:`prestart`: ``make
book`` (:mod:`kzopinion.book.makebook`) before importing the build, and ``make serve`` after each
build, ready for the next save; the build takes it with :func:`take`, unless the package's code changed
since it started (its modules are imported when the job arrives, the project's own among them).

The job runs what ``jupyter-book build <root> --path-output <output> --builder <builder> [-W
--keep-going]`` runs (``jupyter_book.sphinx.build_sphinx`` with the same settings), so the result
is the same book; Sphinx's own messages are returned as the log, for the failure report. The reply
also carries how long Sphinx spent starting, reading and writing (from
:mod:`kzopinion.book.generated_sources`'s phase marks), which the build prints and the benchmark reads.

    python -m kzopinion.book.sphinxworker     # started by the build; its stdin is the socket of the job
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

# what `jupyter-book build` loads for this book: imported before the job arrives
_PRELOAD = (
    "jupyter_book.sphinx",
    "sphinx.builders.html",
    "myst_nb.sphinx_ext",
    "sphinx_book_theme",
    "sphinxcontrib.bibtex",
    "sphinx_design",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx_comments",
    "sphinx_external_toc",
    "sphinx_multitoc_numbering",
    "sphinx_thebe",
)


class SphinxWorker:
    """The build's side: start the worker, send it the job (with the build lock), read its reply.

    The job goes over a socket, so the build lock's descriptor travels with it: the worker holds the lock
    while it builds, whoever started it and when, and a worker outliving a killed build keeps the lock
    until it ends (within moments: its socket closes with the build)."""

    def __init__(
        self, process: subprocess.Popen, channel: socket.socket, errors: io.BufferedRandom, code_key: str
    ) -> None:
        self.process = process
        self.channel = channel
        self.errors = errors
        self.code_key = code_key  # the package's code when it started: a worker with older code is not used
        self.sent = False

    @classmethod
    def start(cls, cwd: Path) -> SphinxWorker:
        errors = tempfile.TemporaryFile()
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            cwd=cwd,
            stdin=theirs.fileno(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        theirs.close()
        return cls(process, ours, errors, code_key())

    def alive(self) -> bool:
        return self.process.poll() is None

    def build(self, root: Path, output: Path, builder: str, strict: bool, held_lock: int | None = None) -> dict:
        """Run the job; returns the reply: ``status`` (0 on success), ``log`` and the phase ``seconds``."""
        job = json.dumps({"root": str(root), "output": str(output), "builder": builder, "strict": strict})
        self.sent = True
        try:
            socket.send_fds(self.channel, [job.encode() + b"\n"], [held_lock] if held_lock is not None else [])
            reply = self.process.stdout.readline()  # the channel stays open meanwhile: closing it ends the worker
        except (OSError, ValueError):
            reply = ""
        self.close(keep_errors=True)
        try:
            return json.loads(reply)
        except ValueError:
            self.errors.seek(0)
            crash = self.errors.read().decode("utf-8", "replace").strip()
            return {
                "status": 1,
                "log": crash or f"the Sphinx process ended with code {self.process.returncode}",
                "seconds": {},
            }
        finally:
            self.errors.close()

    def close(self, keep_errors: bool = False) -> None:
        """End the worker: one never sent a job is stopped at once; one that was ends after its reply (its
        channel closes)."""
        if not self.sent and self.alive():
            self.process.kill()
        with contextlib.suppress(OSError):
            self.channel.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError, ValueError):
            self.process.stdout.close()
        if not keep_errors:
            self.errors.close()


def code_key() -> str:
    """The size and time of every module of the package this process imports (wherever it is installed): a
    worker that started before an edit of them would build with the old code."""
    import hashlib

    import kzopinion

    package = Path(kzopinion.__file__).resolve().parent
    state = sorted(
        (str(path.relative_to(package)), path.stat().st_size, path.stat().st_mtime_ns) for path in package.rglob("*.py")
    )
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


_SPARE: list[SphinxWorker] = []


def prestart(cwd: Path) -> None:
    """Start a worker now, for the next build of this process to :func:`take`."""
    if not any(w.alive() for w in _SPARE):
        _SPARE[:] = [SphinxWorker.start(cwd)]


def take() -> SphinxWorker | None:
    """The worker :func:`prestart` started, if it is alive and the package's code is as it found it (each is
    taken once; one that is not usable is stopped)."""
    while _SPARE:
        worker = _SPARE.pop()
        if worker.alive() and worker.code_key == code_key():
            return worker
        worker.close()
    return None


def discard() -> None:
    """Stop a worker started for a build that ended without taking it (it failed early, or built no HTML)."""
    while _SPARE:
        _SPARE.pop().close()


def run(job: dict) -> dict:
    """Build as ``jupyter-book build`` would; Sphinx's messages are captured as the log."""
    from jupyter_book.sphinx import build_sphinx

    from kzopinion.book import generated_sources

    root, output, builder = Path(job["root"]), Path(job["output"]), job["builder"]
    os.chdir(root)
    log = io.StringIO()
    started = time.perf_counter()
    generated_sources.PHASES.clear()
    import yaml

    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            result = build_sphinx(
                root,
                output / "_build" / builder,
                noconfig=True,
                path_config=str(root / "_config.yml"),
                confoverrides={"external_toc_path": (root / "_toc.yml").as_posix(), "latex_individualpages": False},
                builder=builder,
                warningiserror=job["strict"],
                keep_going=job["strict"],
            )
    except yaml.YAMLError as err:  # Jupyter Book reads the configuration without naming it
        return {"status": 1, "log": log.getvalue() + f"_config.yml cannot be read as YAML: {err}", "seconds": {}}
    finished = time.perf_counter()
    return {
        "status": 0 if result == 0 else 1,
        "log": log.getvalue(),
        "seconds": generated_sources.phase_seconds(started, finished),
    }


# myst-nb imports jupyter-cache, and with it SQLAlchemy (a third of the imports), for an execution mode
# this book never uses: Sphinx runs with execution off (`execute_notebooks: "off"` in _config.yml), the
# build having executed the notebooks. The worker gives those modules a stand-in whose every use fails
# loudly; the plain `jupyter-book build` loads the real ones.
_EXECUTION_CACHE = (
    "jupyter_cache",
    "jupyter_cache.base",
    "jupyter_cache.cache",
    "jupyter_cache.cache.db",
    "jupyter_cache.executors",
    "jupyter_cache.executors.utils",
)


class _ExecutionCacheStandIn(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)

        def unavailable(*args, **kwargs):
            raise RuntimeError(
                f"{self.__name__}.{name}: the book's Sphinx worker does not execute notebooks (the "
                'build does, with papermill); keep `execute_notebooks: "off"` in _config.yml'
            )

        return unavailable


def _stand_in_for_the_execution_cache() -> None:
    for name in _EXECUTION_CACHE:
        sys.modules.setdefault(name, _ExecutionCacheStandIn(name))


def _read_entry_points_once() -> None:
    """The installed packages cannot change while a build runs, so read their entry points once: the
    plugins of pybtex, Pygments and the Sphinx themes ask for them a dozen times (a quarter of a second)."""
    import importlib.metadata

    everything = importlib.metadata.entry_points()
    importlib.metadata.entry_points = lambda **params: everything.select(**params) if params else everything


def _receive_job(channel: socket.socket) -> tuple[dict | None, list[int]]:
    """The job and the descriptors sent with it (the build lock); None when the channel closed first."""
    data, descriptors = b"", []
    while not data.endswith(b"\n"):
        chunk, fds, _, _ = socket.recv_fds(channel, 1 << 16, 4)
        if not chunk:
            return None, descriptors
        data += chunk
        descriptors += fds
    return json.loads(data), descriptors


def _end_with_the_build(channel: socket.socket) -> None:
    """Exit at once when the channel closes: the build that sent the job ended (or was killed)."""
    import threading

    def watch() -> None:
        with contextlib.suppress(OSError):
            while channel.recv(1 << 12):
                pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def main() -> int:
    # the reply goes to the real stdout; anything else written to it (by a library or a child) goes to stderr
    reply_to = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    channel = socket.socket(fileno=os.dup(0))
    _read_entry_points_once()
    _stand_in_for_the_execution_cache()
    for name in _PRELOAD:
        with contextlib.suppress(ImportError):
            __import__(name)
    from sphinx.application import builtin_extensions  # what every Sphinx application loads first

    for name in builtin_extensions:
        with contextlib.suppress(ImportError):
            __import__(name)
    job, _held = _receive_job(channel)  # the build lock's descriptor stays open, so held, until this process ends
    if job is None:
        return 0  # the build needed no HTML
    _end_with_the_build(channel)
    try:
        reply = run(job)
    except Exception as err:  # noqa: BLE001 - reported to the build, which names the cause
        import traceback

        reply = {"status": 1, "log": "".join(traceback.format_exception(err)), "seconds": {}}
    reply_to.write(json.dumps(reply) + "\n")
    reply_to.flush()
    sys.stderr.flush()
    os._exit(0)  # every file Sphinx wrote is closed; tearing the interpreter down would only delay the build


if __name__ == "__main__":
    sys.exit(main())
