"""`make pdf`: the whole book as one PDF, printed by headless Chromium from the single-page
HTML build (charts drawn), with no LaTeX toolchain.

    python -m kzopinion.pdf   # writes _build/pdf/book.pdf
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kzopinion import browser, build, paths


def singlehtml(root: Path) -> Path:
    """Build the single-page HTML edition into _build/singlehtml (notebooks must be up to date)."""
    staging = root / "_build" / "singlehtml-staging"
    shutil.rmtree(staging, ignore_errors=True)
    built, _ = build.jupyter_book(root, staging, "singlehtml", strict=False)
    # Sphinx writes the single page under the root document's name (book/intro.html) but computes
    # its links as if it stood at the site root, where a redirect stands: put it there.
    (built / "book" / "intro.html").replace(built / "index.html")
    target = root / "_build" / "singlehtml"
    shutil.rmtree(target, ignore_errors=True)
    built.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def make_pdf(root: Path) -> Path:
    with build.lock(root):  # one build at a time, `make book` or `make pdf`
        return _make_pdf(root)


def _make_pdf(root: Path) -> Path:
    build.build(root, html=False)  # data checked, notebooks up to date, generated pages written
    site = singlehtml(root)
    build.say("printing the single-page book with headless Chromium ...")
    target = root / "_build" / "pdf" / "book.pdf"
    with browser.serve(site) as base, browser.chromium() as chrome:
        browser.print_pdf(chrome, f"{base}/index.html", target)
    build.say(f"PDF written: {target}")
    return target


def main() -> int:
    try:
        make_pdf(paths.root())
    except build.BuildError as err:
        print(f"\n[book] PDF FAILED\n{err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
