"""Build the book: validate data, execute stale notebooks, build the HTML.

    python -m kzopinion.build            # what `make book` runs
    python -m kzopinion.build --force    # re-execute every notebook
    python -m kzopinion.build --no-html  # stop after executing notebooks

Steps, each stopping the build loudly on failure:

1. validate every table of the data package (schema and checksum);
2. write the generated pages (data appendix);
3. execute, in parallel, each notebook whose code, data or helper package changed (the
   replication report last); a notebook whose prose alone changed is resynced, not executed;
4. build the HTML with Jupyter Book (execution off, warnings are errors; only changed pages,
   or from scratch after a notebook changed so pasted values are never stale), and publish it
   as ``_build/html`` only when the whole build succeeded, so a failed build leaves the
   previous good book in place. When nothing changed since the last build, step 4 is skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kzopinion import claims, data, datapage, notebooks, paths, vendor


class BuildError(RuntimeError):
    """A build step failed; the message says which and how to fix it."""


def say(message: str) -> None:
    print(f"[book] {message}", flush=True)


def validate_data(root: Path) -> None:
    say("checking data tables against data/datapackage.json ...")
    try:
        names = data.validate_all(root)
    except data.DataValidationError as err:
        raise BuildError(f"Data error: {err}") from None
    say(f"  {len(names)} tables valid")


def execute_notebooks(root: Path, force: bool = False, jobs: int | None = None) -> list[Path]:
    """Execute stale section notebooks in parallel, then the reports that read their records.

    Notebooks whose prose alone changed are resynced (outputs kept) instead of executed.
    Returns the notebooks whose records changed.
    """
    sections = [s for s in notebooks.sources(root) if not notebooks.is_report(s)]
    reports = [s for s in notebooks.sources(root) if notebooks.is_report(s)]
    changed = _execute(root, sections, force, jobs)
    return changed + _execute(root, reports, force, jobs)


def _execute(root: Path, sources: list[Path], force: bool, jobs: int | None) -> list[Path]:
    states = {s: "execute" if force else notebooks.status(s, root) for s in sources}
    for source in [s for s, state in states.items() if state == "resync"]:
        notebooks.resync(source)
        say(f"  prose of {source.stem} copied into its record (no execution needed)")
    stale = [s for s, state in states.items() if state == "execute"]
    say(f"{len(stale)} of {len(sources)} notebooks to execute"
        + (f": {', '.join(s.stem for s in stale)}" if stale else " (all up to date)"))
    if stale:
        # one more kernel than cores: kernels spend part of their start-up waiting, not computing
        workers = max(1, min(len(stale), jobs or (os.cpu_count() or 1) + 1))

        def run(source: Path) -> tuple[Path, float]:
            started = time.perf_counter()
            try:
                notebooks.execute(source, root)
            except Exception as err:  # papermill raises its own error types, with the failing cell
                raise BuildError(f"Executing {source.relative_to(root)} failed (its .ipynb record is "
                                 f"unchanged; partial output in _build/executing/):\n{err}") from None
            return source, time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for source, seconds in pool.map(run, stale):
                say(f"  executed {source.stem} in {seconds:.1f} s")
    return [s for s, state in states.items() if state != "current"]


def book_digest(root: Path) -> str:
    """sha256 of everything the HTML is built from: when unchanged, Sphinx has nothing to do."""
    digest = hashlib.sha256()
    files = [root / "_config.yml", root / "_toc.yml", *sorted((root / "book").rglob("*")),
             *sorted((root / "notebooks").glob("*.ipynb")), *sorted((root / "data").rglob("*")),
             *sorted((root / "src" / "kzopinion").rglob("*.py"))]
    for path in files:
        if path.is_file() and "microdata" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def jupyter_book(root: Path, output: Path, builder: str, strict: bool) -> tuple[Path, str]:
    """Run ``jupyter-book build`` into ``output``; returns the built folder and the log."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root), "--path-output", str(output),
               "--builder", builder]
    if strict:
        command += ["-W", "--keep-going"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    built = output / "_build" / builder
    log = result.stdout + result.stderr
    if result.returncode != 0 or not (built / "index.html").exists():
        warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
        raise BuildError(f"Jupyter Book ({builder}) failed; the previous book (if any) is left in place.\n"
                         + "\n".join(warnings[-30:] or log.splitlines()[-30:]))
    return built, log


def build_html(root: Path, strict: bool = True, full: bool = False) -> Path:
    """Build the HTML and publish it as ``_build/html`` only when the whole build succeeded.

    Sphinx works in ``_build/sphinx`` (kept between runs, so unchanged pages are not rebuilt;
    ``full`` starts it afresh, which pasted cross-page values need after a notebook changed).
    The result is copied to ``_build/html.next`` and swapped in; a failed build leaves the
    previous book in place.
    """
    build = root / "_build"
    staging = build / "sphinx"
    if full:
        shutil.rmtree(staging, ignore_errors=True)
    say("building HTML with Jupyter Book (warnings are errors"
        + ("; from scratch" if full or not staging.exists() else "; only changed pages") + ") ...")
    try:
        built, _ = jupyter_book(root, staging, "html", strict)
    except BuildError:
        shutil.rmtree(staging, ignore_errors=True)  # never reuse the state of a failed build
        raise
    candidate = build / "html.next"
    shutil.rmtree(candidate, ignore_errors=True)
    shutil.copytree(built, candidate)
    claims.export(root, candidate)  # the ledger for machines: claims.json and claims.csv at the site root
    (candidate / ".book-digest").write_text(book_digest(root))
    target, previous = build / "html", build / "html.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    candidate.rename(target)
    shutil.rmtree(previous, ignore_errors=True)
    return target


def build(root: Path, force: bool = False, html: bool = True, strict: bool = True,
          jobs: int | None = None) -> Path | None:
    started = time.perf_counter()
    validate_data(root)
    datapage.write(root)
    vendor.write_bundle(root)
    changed = execute_notebooks(root, force=force, jobs=jobs)
    unsynced = {s.name: notebooks.pair_differences(s) for s in notebooks.sources(root)}
    unsynced = {k: v for k, v in unsynced.items() if v}
    if unsynced:
        raise BuildError(f"Notebook pairs out of sync after execution: {unsynced}")
    if not html:
        return None
    target = root / "_build" / "html"
    stamp = target / ".book-digest"
    if not force and stamp.exists() and stamp.read_text() == book_digest(root):
        say(f"book up to date (nothing changed since the last build): {target / 'index.html'}")
        return target
    target = build_html(root, strict=strict, full=force or bool(changed))
    say(f"done in {time.perf_counter() - started:.0f} s. Open {target / 'index.html'}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="re-execute every notebook")
    parser.add_argument("--no-html", action="store_true", help="execute notebooks only")
    parser.add_argument("--lenient", action="store_true", help="do not turn Sphinx warnings into errors")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: cores + 1)")
    args = parser.parse_args(argv)
    try:
        build(paths.root(), force=args.force, html=not args.no_html, strict=not args.lenient, jobs=args.jobs)
    except BuildError as err:
        print(f"\n[book] BUILD FAILED\n{err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
