"""Build the book: validate data, execute stale notebooks, build the HTML.

    python -m kzopinion.build            # what `make book` runs
    python -m kzopinion.build --force    # re-execute every notebook
    python -m kzopinion.build --no-html  # stop after executing notebooks

Steps, each stopping the build loudly on failure:

1. validate every table of the data package (schema and checksum);
2. write the generated pages (data appendix);
3. execute, in parallel, each notebook whose source, data or helper package changed;
4. build the HTML with Jupyter Book (execution off, warnings are errors) into a fresh
   folder, and move it to ``_build/html`` only when the whole build succeeded, so a
   failed build leaves the previous good book in place.
"""

from __future__ import annotations

import argparse
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
    """Execute stale section notebooks in parallel, then the reports that read their records."""
    sections = [s for s in notebooks.sources(root) if not notebooks.is_report(s)]
    reports = [s for s in notebooks.sources(root) if notebooks.is_report(s)]
    executed = _execute(root, sections, force, jobs)
    return executed + _execute(root, reports, force, jobs)


def _execute(root: Path, sources: list[Path], force: bool, jobs: int | None) -> list[Path]:
    stale = [s for s in sources if force or notebooks.is_stale(s, root)]
    say(f"{len(stale)} of {len(sources)} notebooks to execute"
        + (f": {', '.join(s.stem for s in stale)}" if stale else " (all up to date)"))
    if not stale:
        return []
    workers = max(1, min(len(stale), jobs or os.cpu_count() or 1))

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
    return stale


def build_html(root: Path, strict: bool = True) -> Path:
    """Build into ``_build/next`` and swap it in as ``_build/html`` only on success."""
    build = root / "_build"
    staging = build / "next"
    shutil.rmtree(staging, ignore_errors=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(root), "--path-output", str(staging), "--builder", "html"]
    if strict:
        command += ["-W", "--keep-going"]
    say("building HTML with Jupyter Book (warnings are errors) ...")
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    log = result.stdout + result.stderr
    built = staging / "_build" / "html"
    if result.returncode != 0 or not (built / "index.html").exists():
        warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError("Jupyter Book failed; the previous book (if any) is left in place.\n"
                         + "\n".join(warnings[-30:] or log.splitlines()[-30:]))
    claims.export(root, built)  # the ledger for machines: claims.json and claims.csv at the site root
    target = build / "html"
    previous = build / "html.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    built.rename(target)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def build(root: Path, force: bool = False, html: bool = True, strict: bool = True) -> Path | None:
    started = time.perf_counter()
    validate_data(root)
    datapage.write(root)
    vendor.write_bundle(root)
    execute_notebooks(root, force=force)
    unsynced = {s.name: notebooks.pair_differences(s) for s in notebooks.sources(root)}
    unsynced = {k: v for k, v in unsynced.items() if v}
    if unsynced:
        raise BuildError(f"Notebook pairs out of sync after execution: {unsynced}")
    if not html:
        return None
    target = build_html(root, strict=strict)
    say(f"done in {time.perf_counter() - started:.0f} s. Open {target / 'index.html'}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="re-execute every notebook")
    parser.add_argument("--no-html", action="store_true", help="execute notebooks only")
    parser.add_argument("--lenient", action="store_true", help="do not turn Sphinx warnings into errors")
    args = parser.parse_args(argv)
    try:
        build(paths.root(), force=args.force, html=not args.no_html, strict=not args.lenient)
    except BuildError as err:
        print(f"\n[book] BUILD FAILED\n{err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
