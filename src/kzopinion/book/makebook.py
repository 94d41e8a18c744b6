"""What ``make book`` runs: the published book when it is current, otherwise the build, Sphinx started first.

1. Unless ``--full`` (``make book FULL=1``, which the build also takes to check everything), ask
   :mod:`kzopinion.book.uptodate`; when nothing the book was built from changed, say so and stop
   (a Python start and a walk of the sources' sizes and times).
2. Otherwise start the Sphinx worker (:mod:`kzopinion.book.sphinxworker`), so Sphinx's imports run on
   another core while this process imports the build and brings the notebooks up to date; then run
   :func:`kzopinion.book.build.main` with the remaining arguments.

The build lock (:mod:`kzopinion.book.buildlock`) is taken before the worker starts; the worker is handed it
with its job. Only the standard library and three small modules are imported before the worker starts.

    python -m kzopinion.book.makebook [--full] [the build's options, e.g. --timeout 900]
"""

from __future__ import annotations

import os
import sys
import time

from kzopinion import paths
from kzopinion.book import buildlock, sphinxworker, uptodate


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = list(sys.argv[1:] if argv is None else argv)
    full = "--full" in args  # also the build's: every table validated, every notebook's staleness read
    if not full and "--no-html" not in args and uptodate.main() == 0:
        return 0
    try:
        root = paths.root()
    except FileNotFoundError:
        return _build(args, started)  # the build names the missing repository
    try:
        with buildlock.lock(root):
            sphinxworker.prestart(root)
            return _build(args, started)
    except buildlock.Busy as err:
        print(f"\n[book] BUILD FAILED\n{err}", file=sys.stderr)
        return 1
    finally:
        sphinxworker.discard()  # not taken: the build failed early, or needed no HTML


def _build(args: list[str], started: float) -> int:
    try:
        from kzopinion.book import build
    except KeyboardInterrupt:
        print("\n[book] stopped before the build began; nothing was changed.", file=sys.stderr)
        return 130
    build.stop_on_interrupt(None, "book")
    return build.main(args, started)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the build is over and every file it wrote is closed: tearing the interpreter down only delays
