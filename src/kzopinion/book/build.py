"""Build the book: validate data, execute stale notebooks, build the HTML.

    python -m kzopinion.book.build                 # the build `make book` runs (kzopinion.book.makebook)
    python -m kzopinion.book.build --full          # check everything again (make book FULL=1)
    python -m kzopinion.book.build --force         # re-execute every notebook
    python -m kzopinion.book.build --no-html       # stop after executing notebooks
    python -m kzopinion.book.build --timeout 900   # per-cell limit in seconds (make book TIMEOUT=900)
    python -m kzopinion.book.build --keep-md NAME  # a record edited by hand: discard the edit, execute the .md
    python -m kzopinion.book.build --from-ipynb NAME  # ... or import the record's cells into the .md

Steps, each stopping the build loudly on failure:

1. validate every table of the data package (schema and checksum); skipped while no file of ``data/``
   nor the data package's code changed since the last validation that passed (``--full`` always
   validates);
2. (the generated pages, data appendix and chart library, are written by the book's Sphinx
   extension when step 4 starts, so the plain ``jupyter-book build .`` has them too);
3. execute, in parallel, each notebook whose code or whose reads (tables, files, modules,
   microdata, other records: see kzopinion.book.kernel_reads) changed, the replication report last; a
   notebook whose prose alone changed is resynced, not executed. When the only files changed
   since the last build are notebook sources and book pages, the unchanged notebooks are taken
   as current without reading them (:func:`settled_notebooks`; ``--full`` reads them all).
   Kernels run on a snapshot of the sources, with a working folder and HOME of their own under
   ``_build/runs/``, and cannot write into the repository (:mod:`kzopinion.book.guard`): a cell
   that tries fails the build naming the cell and the file; nothing is ever restored, so a
   source saved during the build stays as saved and the next build picks it up;
4. build the HTML with Jupyter Book's Sphinx (execution off, warnings are errors; only changed
   pages, or from scratch whenever a glued value changed, whatever command executed the notebook,
   so values pasted across pages are never stale) in a worker started when the build began, whose
   imports run meanwhile on another core (:mod:`kzopinion.book.sphinxworker`); publish it as
   ``_build/html`` by an atomic swap, only when the whole build succeeded and the book is complete
   (files of unchanged pages are linked from the book they replace, not copied). When nothing
   changed since the last build and the published book is complete, step 4 is skipped.

The seconds each step took are printed at the end and kept in ``_build/.timings.json``. One command
runs at a time (:mod:`kzopinion.book.buildlock`): ``make book``, ``make pdf``, ``make serve``,
``make variants``, ``make clean`` and the tests take the same lock.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kzopinion import data, paths
from kzopinion.book import (
    build_stamp,
    buildlock,
    editions,
    guard,
    kernel_reads,
    notebooks,
    page_reading,
    page_rules,
    pastes,
    sphinxworker,
    uptodate,
)
from kzopinion.data import microdata, registry


class BuildError(RuntimeError):
    """A build step failed; the message says which and how to fix it."""


def say(message: str) -> None:
    print(f"[book] {message}", flush=True)


# --------------------------------------------------------------------------- one build at a time


@contextlib.contextmanager
def lock(root: Path) -> Iterator[None]:
    """Hold the repository's build lock (:mod:`kzopinion.book.buildlock`), re-entrant within a process."""
    try:
        with buildlock.lock(root):
            yield
    except buildlock.Busy as err:
        raise BuildError(str(err)) from None


def _repository(root: Path) -> Path:
    """The repository a tree belongs to: the microdata edition's mirror lives in its ``_build/``."""
    return root.parent.parent if root.parent.name == "_build" and root.name == editions.FOLDER else root


def run_folder(root: Path) -> Path:
    """This process's scratch folder, ``_build/runs/<pid>``; folders of earlier builds are removed
    (callers hold the lock, so no other build is using them)."""
    runs = root / "_build" / "runs"
    for old in runs.glob("*") if runs.exists() else []:
        if old.name != str(os.getpid()):
            shutil.rmtree(old, ignore_errors=True)
    folder = runs / str(os.getpid())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- steps


VALIDATED = Path("_build") / ".validated.key"


def validate_data(root: Path, always: bool = False) -> None:
    """Validate every table, unless (and ``always`` is False) none of the files of ``data/`` nor the data
    package's code changed (by size and modification time) since the last validation that passed (its key:
    ``_build/.validated.key``)."""
    key = uptodate.stat_key(root, ("data", "src/kzopinion/data"))
    stamp = root / VALIDATED
    if not always and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        say("data tables unchanged since they were last checked")
        return
    say("checking data tables against data/datapackage.json ...")
    try:
        names = data.validate_all(root)
    except data.DataValidationError as err:
        raise BuildError(f"Data error: {err}") from None
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key, encoding="utf-8")
    say(f"  {len(names)} tables valid")


def settled_notebooks(root: Path, repository: Path) -> frozenset[str]:
    """Notebooks known to be current without reading them: when the only files changed since the last build
    are notebook sources (``notebooks/*.md``) and book pages, every notebook whose source and record are
    unchanged and whose last run read none of the changed files. Empty (every notebook is checked) in the
    microdata edition or when no build is on record."""
    if root != repository:
        return frozenset()
    changed = uptodate.changed(root)
    if changed is None or any(
        not (name.startswith("book/") or (name.startswith("notebooks/") and name.endswith(".md"))) for name in changed
    ):
        return frozenset()
    settled = set()
    for source in notebooks.sources(root):
        record = notebooks.twin(source)
        if {f"notebooks/{source.name}", f"notebooks/{record.name}"} & changed:
            continue
        try:
            reads = json.loads(record.read_text(encoding="utf-8"))["metadata"][notebooks.META_KEY]["reads"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not set(reads.get("files", {})) & changed:
            settled.add(source.stem)
    return frozenset(settled)


def execute_notebooks(
    root: Path,
    force: bool = False,
    jobs: int | None = None,
    timeout: int | None = None,
    keep_md: frozenset[str] = frozenset(),
    repository: Path | None = None,
    settled: frozenset[str] = frozenset(),
) -> list[Path]:
    """Execute stale section notebooks in parallel, then the reports that read their records.

    Notebooks whose prose alone changed are resynced (outputs kept) instead of executed; those named in
    ``settled`` (see :func:`settled_notebooks`) are current without being read. Kernels
    run on a snapshot of the sources taken now (:mod:`kzopinion.book.guard`) and can write neither
    there nor into ``repository`` (by default ``root``): a source saved meanwhile is left as saved
    and picked up by the next build. Returns the notebooks whose records changed.
    """
    all_sources = notebooks.sources(root)
    unknown = keep_md - {s.stem for s in all_sources}
    if unknown:
        raise BuildError(f"--keep-md names no notebook: {sorted(unknown)}; known: {[s.stem for s in all_sources]}")
    sections = [s for s in all_sources if not notebooks.is_report(s)]
    reports = [s for s in all_sources if notebooks.is_report(s)]
    seconds = _timeout(timeout)
    run_dir = run_folder(root)
    tree = run_dir / "tree"
    given = guard.snapshot(root, tree)
    cwd = os.getcwd()
    try:
        with notebooks.kernel_environment(run_dir, repository or root, tree), kernel_stderr(run_dir / "kernels.log"):
            states = _execute(root, tree, sections, force, jobs, seconds, run_dir, keep_md, given, settled)
            if "execute" in states.values():
                settled = frozenset()  # the reports read the sections' records, and some were just rewritten
            for record in (root / "notebooks").glob("*.ipynb"):  # the reports read the sections' new records
                shutil.copy2(record, tree / "notebooks" / record.name)
            given = guard.digests(tree)
            states |= _execute(root, tree, reports, force, jobs, seconds, run_dir, keep_md, given, settled)
    finally:
        os.chdir(cwd)  # papermill changes the process's working folder per notebook
    shutil.rmtree(run_dir, ignore_errors=True)
    return [source for source, state in states.items() if state != "current"]


_CONSOLE: list[int] = []  # the terminal's stderr while kernel_stderr sends fd 2 to a log


@contextlib.contextmanager
def kernel_stderr(log: Path) -> Iterator[None]:
    """Send what kernels and the execution machinery write to stderr (their own tracebacks when a cell is
    interrupted or a kernel dies) to ``log``: the build reports the failure itself, in one sentence."""
    sys.stderr.flush()
    saved = os.dup(2)
    _CONSOLE.append(saved)
    with log.open("ab") as handle:
        os.dup2(handle.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            _CONSOLE.remove(saved)
            os.close(saved)


def _timeout(value: int | None) -> int:
    try:
        return notebooks.timeout_seconds(value)
    except notebooks.NotebookError as err:
        raise BuildError(str(err)) from None


def _execute(
    root: Path,
    tree: Path,
    sources: list[Path],
    force: bool,
    jobs: int | None,
    timeout: int,
    run_dir: Path,
    keep_md: frozenset[str],
    given: dict[str, str],
    settled: frozenset[str] = frozenset(),
) -> dict[Path, str]:
    """Execute the stale ``sources`` (of ``root``) from their copies in the snapshot ``tree``, writing
    their records into ``root``; then check that no kernel wrote into the snapshot. Returns each source's
    state (see :func:`kzopinion.book.notebooks.status`)."""
    copies = {s: tree / s.relative_to(root) for s in sources}
    try:
        states = {
            s: "execute"
            if force
            else "current"
            if s.stem in settled and s.stem not in keep_md
            else notebooks.status(copies[s], tree, keep_md=s.stem in keep_md)
            for s in sources
        }
    except notebooks.NotebookError as err:
        raise BuildError(str(err)) from None
    for source in [s for s in sources if notebooks.twin(s).exists() and not notebooks.readable(notebooks.twin(s))]:
        say(
            f"  notebooks/{notebooks.twin(source).name} cannot be read (empty, or left with merge-conflict marks): "
            f"it is written again from notebooks/{source.name}"
        )
    for source in [s for s, state in states.items() if state == "resync"]:
        notebooks.resync(copies[source], notebooks.twin(source))
        say(f"  prose of {source.stem} copied into its record (no execution needed)")
    stale = [s for s, state in states.items() if state == "execute"]
    say(
        f"{len(stale)} of {len(sources)} notebooks to execute"
        + (f": {', '.join(s.stem for s in stale)}" if stale else " (all up to date)")
    )
    keep = run_dir.with_name(f"keep-{run_dir.name}")
    failure: BuildError | None = None
    if stale:
        # one more kernel than cores: kernels spend part of their start-up waiting, not computing
        workers = max(1, min(len(stale), jobs or (os.cpu_count() or 1) + 1))

        def run(source: Path) -> tuple[Path, float]:
            started = time.perf_counter()
            try:
                notebooks.execute(
                    copies[source], tree, timeout=timeout, run_dir=run_dir, progress=say, record=notebooks.twin(source)
                )
            except notebooks.NotebookError as err:
                raise BuildError(
                    f"Executing {source.relative_to(root)} failed (its .ipynb record is unchanged; "
                    f"partial output in {keep.relative_to(root)}/executing/): {err}"
                ) from None
            return source, time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                for source, seconds in pool.map(run, stale):
                    say(f"  executed {source.stem} in {seconds:.1f} s")
            except BuildError as err:
                pool.shutdown(wait=True)
                failure = err
    altered = guard.changes(tree, given)
    if failure or altered:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.rmtree(tree, ignore_errors=True)
        with contextlib.suppress(OSError):
            run_dir.rename(keep)
        raise BuildError(
            "\n".join(
                [*([str(failure)] if failure else []), *([notebooks.written_message(altered)] if altered else [])]
            )
        )
    return states


# --------------------------------------------------------------------------- HTML


def book_digest(root: Path) -> str:
    """sha256 of everything the HTML is built from, the commit the pages cite included: when
    unchanged, Sphinx has nothing to do."""
    digest = hashlib.sha256(f"commit {build_stamp.commit(root)}\n".encode())
    files = [
        root / "_config.yml",
        root / "_toc.yml",
        root / "CITATION.cff",
        root / "CHANGELOG.md",  # the book's page book/changelog includes it
        root / "requirements.lock",
        *sorted((root / "book").rglob("*")),
        *sorted((root / "notebooks").glob("*.ipynb")),
        *sorted((root / "notebooks").glob("*.md")),
        *sorted((root / "data").rglob("*")),
        *sorted((root / "src" / "kzopinion").rglob("*.py")),
    ]
    for path in files:
        if path.is_file() and "microdata" not in path.parts and not path.name.startswith("."):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def machinery_digest(root: Path) -> str:
    """sha256 of what shapes every page (configuration, static assets, the package's Sphinx extensions):
    when it changes, Sphinx must rewrite every page, not only the ones whose source changed."""
    digest = hashlib.sha256()
    files = [
        root / "_config.yml",
        root / "_toc.yml",
        *sorted((root / "book" / "_static").rglob("*")),
        *sorted((root / "src" / "kzopinion").rglob("*.py")),
    ]
    for path in files:
        if path.is_file() and "vendor" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def glue_digest(root: Path) -> str:
    """sha256 of every value every record glued: when it changes, pages that paste them must be rebuilt."""
    values = {s.stem: kernel_reads.record_digest(notebooks.twin(s)) for s in notebooks.sources(root)}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def check_configuration(root: Path) -> None:
    """``_config.yml`` and ``_toc.yml`` are readable YAML mappings; otherwise a sentence naming file and line."""
    for name in ("_config.yml", "_toc.yml"):
        try:
            content = notebooks.read_yaml(root / name, root)
        except notebooks.NotebookError as err:
            raise BuildError(str(err)) from None
        if not isinstance(content, dict):
            raise BuildError(
                f"{name}: expected the book's settings as 'key: value' lines, found "
                f"{type(content).__name__}. Restore it: git checkout {name}"
            )


def toc_pages(root: Path) -> list[str]:
    """Every page of ``_toc.yml`` as the HTML path it is published under."""
    toc = notebooks.read_yaml(root / "_toc.yml", root)
    files = [toc["root"]]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("chapters", []))
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return ["index.html", *(f"{Path(f).with_suffix('')}.html" for f in files)]


def missing_pages(root: Path, site: Path) -> list[str]:
    return [page for page in toc_pages(root) if not (site / page).is_file()]


def check_pastes(root: Path) -> None:
    """Every pasted glue key is glued by the record it names, and the pages keep the page's rules (no typed number,
    no chartless figure, no section without claims); each error names the .md file and line."""
    problems = pastes.undefined_pastes(root)
    if problems:
        raise BuildError("Glue error: " + "\n".join(problems[:20]))
    broken = page_rules.problems(root)
    if broken:
        raise BuildError("The page's rules: " + "\n".join(broken[:20]))


def start_sphinx(root: Path) -> sphinxworker.SphinxWorker:
    """A Sphinx worker for ``root`` (:mod:`kzopinion.book.sphinxworker`): the one started earlier for this
    build if it is usable, else a new one; its imports run meanwhile."""
    return sphinxworker.take() or sphinxworker.SphinxWorker.start(root)


def jupyter_book(
    root: Path, output: Path, builder: str, strict: bool, worker: sphinxworker.SphinxWorker | None = None
) -> tuple[Path, str]:
    """Build ``root`` with Jupyter Book's Sphinx into ``output`` (as ``jupyter-book build --path-output``
    does), in ``worker`` or a worker started now; returns the built folder and the log. The worker is handed
    the build lock with the job, so it holds the lock until it ends, even if this process is killed."""
    held = buildlock.held_descriptor(root) or buildlock.held_descriptor(_repository(root))
    asked = time.perf_counter()
    reply = (worker or start_sphinx(root)).build(root, output, builder, strict, held)
    waited = time.perf_counter() - asked
    built = output / "_build" / builder
    log = reply["log"]
    if reply["status"] != 0 or not (built / "index.html").exists():
        raise BuildError(
            f"Jupyter Book ({builder}) failed; the previous book (if any) is left in place.\n"
            + failure_report(log, root, output)
        )
    phases = reply.get("seconds", {})
    SPHINX_SECONDS.clear()
    # what the build waited beyond Sphinx's own work: the worker's imports, when they were not done yet
    SPHINX_SECONDS["imports (waited for)"] = max(0.0, round(waited - sum(phases.values()), 3))
    SPHINX_SECONDS.update(phases)
    return built, log


SPHINX_SECONDS: dict[str, float] = {}  # the phases of the last Sphinx build: start, read, write


# Lines of a Sphinx or Jupyter Book log that say what went wrong; Jupyter Book's own closing advice
# ("Look above for the cause") is dropped, since the build prints only these lines.
_CAUSE = re.compile(r"warning|error|exception|traceback|cannot|failed|no such file|not found", re.I)
_NOISE = re.compile(
    r"look above for the cause|^\s*$|^=+$|Running Sphinx|^\s*File \"|^\s*raise |"
    r"^Traceback \(most recent call last\)|^The above exception|^\w+Error:\s*$",
    re.I,
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MISSING = re.compile(
    r"(?:No such file or directory|FileNotFoundError)[^'\"]*['\"]([^'\"]+)['\"]"
    r"|(\S+) cannot be read[^(]*\(\[Errno 2\] No such file or directory"
)


def failure_report(log: str, root: Path, output: Path) -> str:
    """The lines of a failed Jupyter Book run that name the cause, and the fix when it is known.

    Every line mentioning a warning, an error or an exception (whatever the case) is kept, with
    the line after an ``Extension error`` header (Sphinx puts the handler's message there); when
    nothing matches, the end of the log. A missing file is named with the fix, relative to the
    tree being built.
    """
    log = _ANSI.sub("", log)
    lines = log.splitlines()
    keep = []
    for number, line in enumerate(lines):
        if _NOISE.search(line):
            continue
        if _CAUSE.search(line) or (number and lines[number - 1].lower().startswith("extension error")):
            keep.append(line.rstrip())
    keep = list(dict.fromkeys(keep))[-30:] or [line for line in lines if not _NOISE.search(line)][-30:]
    hints = []
    if "No space left on device" in log:
        hints.append(f"the disk holding {output} is full: free some space and run the build again.")
    for match in _MISSING.finditer(log):
        missing = Path(match.group(1) or match.group(2))
        with contextlib.suppress(ValueError):
            missing = missing.relative_to(root)
        hints.append(
            f"{missing} is missing: the book reads it while building. Restore it "
            f"(git checkout -- {missing}) or, if it was removed on purpose, remove what reads it."
        )
    return "\n".join(
        [*dict.fromkeys(hints), *keep]
        or [f"Jupyter Book printed nothing; run it by hand to see why: jupyter-book build {root}"]
    )


def build_html(
    root: Path, strict: bool = True, full: bool = False, worker: sphinxworker.SphinxWorker | None = None
) -> Path:
    """Build the HTML and publish it as ``_build/html`` only when the whole build succeeded.

    Sphinx works in ``_build/sphinx`` (kept between runs, so unchanged pages are not rebuilt;
    ``full`` starts it afresh, which pasted cross-page values need after a glued value
    changed; so does a state left by a build that was killed). ``worker`` is a Sphinx worker
    started earlier (:func:`start_sphinx`); one is started when none is given. The result is
    assembled in this run's scratch folder, checked for completeness, and swapped in atomically.
    """
    with lock(root):
        build = root / "_build"
        staging = build / "sphinx"
        complete = staging / ".complete"
        check_pastes(root)  # (a worker given by the caller is the caller's to end)
        if full or not complete.exists():
            shutil.rmtree(staging, ignore_errors=True)  # a killed build leaves no .complete: never reuse it
        fresh = not staging.exists()
        staging.mkdir(parents=True, exist_ok=True)
        complete.unlink(missing_ok=True)  # until this build succeeds, its state is not to be reused
        say(
            "building HTML with Jupyter Book (warnings are errors"
            + ("; from scratch" if fresh else "; only changed pages")
            + ") ..."
        )
        try:
            built, _ = jupyter_book(root, staging, "html", strict, worker)
        except BuildError:
            shutil.rmtree(staging, ignore_errors=True)  # never reuse the state of a failed build
            raise
        complete.write_text("")
        started = time.perf_counter()
        run_dir = run_folder(root)
        candidate = run_dir / "html"
        shutil.rmtree(candidate, ignore_errors=True)
        try:
            assemble(built, candidate, root / "_build" / "html")
            missing = missing_pages(root, candidate)
            if missing:
                raise BuildError(
                    f"the built book lacks {', '.join(missing)}; nothing was published (the previous "
                    "book is left in place). Run the build again; if it persists, run `make clean`."
                )
            unread = page_reading.problems(candidate, root, root / "_build" / "html")
            if unread:
                raise BuildError(
                    "The page as a reader reads it (nothing was published; the previous book is left in place):\n"
                    + "\n".join(unread[:20])
                )
            printed = current_pdf(root)
            if printed is not None:  # the PDF make pdf printed from exactly these sources goes beside the pages
                shutil.copy2(printed, candidate / PDF_NAME)
            (candidate / ".glue-digest").write_text(glue_digest(root))
            (candidate / ".machinery-digest").write_text(machinery_digest(root))
            (candidate / ".book-digest").write_text(book_digest(root))
            published = publish(root, candidate)
            SPHINX_SECONDS["publish"] = round(time.perf_counter() - started, 3)
            return published
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


PDF_NAME = "book.pdf"  # at the root of the site, where every page's footer links to it


def sources_stamp(root: Path) -> str:
    """What the pages are built from and what they paste (:func:`book_digest`, :func:`glue_digest`): a PDF printed
    under the same stamp shows the same book."""
    return book_digest(root) + glue_digest(root)


def current_pdf(root: Path) -> Path | None:
    """The PDF ``make pdf`` printed (``_build/pdf/book.pdf`` of the repository) when it was printed from exactly
    the sources of ``root`` as they are now, else None: a stale PDF is never put beside the pages."""
    pdf = _repository(root) / "_build" / "pdf" / "book.pdf"
    try:
        stamp = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8")).get("built_from")
    except (OSError, ValueError, AttributeError):
        return None
    return pdf if pdf.is_file() and stamp == sources_stamp(root) else None


def publish_pdf(root: Path) -> bool:
    """Put the current PDF beside the published pages of ``root`` when they are built from the same sources: a new
    copy of the site (its files linked, not copied) with the PDF added, swapped in as every build is. False when
    there is no such PDF or the published pages are of other sources (the next ``make book`` adds it)."""
    site, printed = root / "_build" / "html", current_pdf(root)
    if printed is None or not is_published(root):
        return False
    run_dir = run_folder(root)
    candidate = run_dir / "html"
    shutil.rmtree(candidate, ignore_errors=True)
    try:
        assemble(site.resolve(), candidate, site)
        (candidate / PDF_NAME).unlink(missing_ok=True)  # a link to the old site's PDF: replace, never write through
        shutil.copy2(printed, candidate / PDF_NAME)
        publish(root, candidate)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return True


def assemble(built: Path, candidate: Path, published: Path) -> None:
    """Copy Sphinx's output ``built`` to ``candidate``; a file the published book already holds unchanged
    (same size and modification time: copies keep the time) is linked to it instead of copied. A published
    book is never written in place (it is only replaced), so the linked files cannot change under either."""
    published = published.resolve() if published.is_symlink() else published

    def link_or_copy(source: str, target: str) -> None:
        old = published / Path(source).relative_to(built)
        try:
            mine, theirs = os.stat(source), os.stat(old)
            if (mine.st_size, mine.st_mtime_ns) == (theirs.st_size, theirs.st_mtime_ns):
                os.link(old, target)
                return
        except OSError:
            pass  # not published yet, or links not possible here: copy
        shutil.copy2(source, target)

    shutil.copytree(built, candidate, copy_function=link_or_copy)


def publish(root: Path, candidate: Path) -> Path:
    """Make ``candidate`` the book: ``_build/html`` is a link swapped atomically, never missing or partial."""
    build = root / "_build"
    target = build / "html"
    final = build / f"html-{time.time_ns()}-{os.getpid()}"
    candidate.rename(final)  # same folder tree: never across file systems
    link = build / f".html-link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(final.name)
    if target.exists() and not target.is_symlink():  # a book published before links were used
        target.rename(build / f"html-{time.time_ns()}-old")
    os.replace(link, target)
    for old in build.glob("html-*"):
        if old.name != final.name:
            shutil.rmtree(old, ignore_errors=True)
    return target


def is_published(root: Path) -> bool:
    """The published book is complete and was built from the current sources."""
    target = root / "_build" / "html"
    stamp, glued = target / ".book-digest", target / ".glue-digest"
    return (
        stamp.is_file()
        and glued.is_file()
        and not missing_pages(root, target)
        and stamp.read_text() == book_digest(root)
        and glued.read_text() == glue_digest(root)
    )


def needs_full_rebuild(root: Path) -> bool:
    """True when a glued value changed since the published book, whichever command executed the notebook,
    or when what shapes every page (configuration, assets, extensions) changed."""
    glued, machinery = root / "_build" / "html" / ".glue-digest", root / "_build" / "html" / ".machinery-digest"
    return (
        not glued.is_file()
        or glued.read_text() != glue_digest(root)
        or not machinery.is_file()
        or machinery.read_text() != machinery_digest(root)
    )


def build(
    root: Path,
    force: bool = False,
    html: bool = True,
    strict: bool = True,
    jobs: int | None = None,
    timeout: int | None = None,
    keep_md: frozenset[str] = frozenset(),
    from_ipynb: frozenset[str] = frozenset(),
    full: bool = False,
    before: float = 0.0,
) -> Path:
    """Build the book of the edition :func:`kzopinion.book.editions.select` chooses; returns the published
    HTML folder, or with ``html=False`` the tree whose notebooks were executed (for ``make pdf``).
    ``full`` checks everything again: every table validated and every notebook's staleness read, whatever
    was kept from the last build.

    The seconds each step took are printed at the end and kept in ``_build/.timings.json`` (read by
    ``make bench``); ``before`` is what the command spent before calling this (the short-cut, imports)."""
    started = time.perf_counter() - before
    with lock(root):
        steps: dict[str, float] = {"short-cut check and imports": before} if before else {}
        steps["lock"] = time.perf_counter() - started - before
        sources = uptodate.files(root)  # as this build finds them: a save made during the build stays new
        check_configuration(root)
        try:
            microdata.edition(root)  # a KZOPINION_EDITION typo is named now, not inside a kernel
            repository, root = root, editions.select(root, say)  # microdata: its own tree under _build/
        except registry.MicrodataError as err:
            raise BuildError(f"{err} (KZOPINION_EDITION=public builds the public edition meanwhile)") from None
        # Sphinx's imports run on another core while the tables are checked and the notebooks brought up to date
        worker = start_sphinx(root) if html else None
        try:
            mark = time.perf_counter()
            validate_data(root, always=full)
            steps["validation"] = time.perf_counter() - mark
            mark = time.perf_counter()
            for name in sorted(from_ipynb):
                source = root / "notebooks" / f"{name}.md"
                if not source.exists() or not notebooks.twin(source).exists():
                    raise BuildError(f"--from-ipynb {name}: notebooks/{name}.md and .ipynb must both exist.")
                notebooks.import_from_record(source)
                say(f"  cells of notebooks/{name}.ipynb written into notebooks/{name}.md (review with git diff)")
            settled = frozenset() if full or force or from_ipynb else settled_notebooks(root, repository)
            execute_notebooks(
                root, force=force, jobs=jobs, timeout=timeout, keep_md=keep_md, repository=repository, settled=settled
            )
            unsynced = [
                f"notebooks/{s.name}"
                for s in notebooks.sources(root)
                if not (s.stem in settled and _unchanged(s, root, sources)) and notebooks.pair_differences(s)
            ]
            if unsynced:
                raise BuildError(
                    f"{', '.join(unsynced)} changed while the notebooks executed (saved during the "
                    "build: your edit is kept as saved). Run the command again to build it."
                )
            steps["notebooks (staleness, resync, execution)"] = time.perf_counter() - mark
            if not html:
                return root  # the tree executed: the repository, or the microdata edition's mirror
            target = root / "_build" / "html"
            mark = time.perf_counter()
            current = not force and is_published(root)
            steps["published-book check"] = time.perf_counter() - mark
            if current:
                uptodate.record(repository, sources)
                say(f"book up to date (nothing changed since the last build): {target / 'index.html'}")
                _keep_timings(repository, started, steps)
                return target
            target = build_html(root, strict=strict, full=force or needs_full_rebuild(root), worker=worker)
            steps.update(
                {f"Sphinx {phase}": seconds for phase, seconds in SPHINX_SECONDS.items() if phase != "publish"}
            )
            steps["publish"] = SPHINX_SECONDS.get("publish", 0.0)
            uptodate.record(repository, sources)
            total = _keep_timings(repository, started, steps)
            parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in steps.items())
            say(f"done in {total:.1f} s ({parts}). Open {target / 'index.html'}")
            return target
        finally:
            if worker:
                worker.close()  # at once when it was never sent a job; a no-op after its reply


def _unchanged(source: Path, root: Path, sources: dict[str, tuple[int, int]]) -> bool:
    """The notebook source has the size and time this build found it with (not saved during the build)."""
    try:
        info = source.stat()
    except OSError:
        return False
    return sources.get(source.relative_to(root).as_posix()) == (info.st_size, info.st_mtime_ns)


TIMINGS = Path("_build") / ".timings.json"


def _keep_timings(repository: Path, started: float, steps: dict[str, float]) -> float:
    """Write the steps' seconds to ``_build/.timings.json``; returns the build's total seconds."""
    total = time.perf_counter() - started
    target = repository / TIMINGS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps({"total": round(total, 3), **{k: round(v, 3) for k, v in steps.items()}}, indent=1), encoding="utf-8"
    )
    return total


# --------------------------------------------------------------------------- command line


def stop_children() -> None:
    """Kill every process this one started, kernels included (they run in sessions of their own)."""
    import psutil

    own_group = os.getpgrp()
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(OSError, psutil.Error):
            group = os.getpgid(child.pid)
            if group != own_group:
                os.killpg(group, signal.SIGKILL)
            child.kill()


def stop_on_interrupt(root: Path | None = None, what: str = "book") -> None:
    """For the commands' processes (their ``__main__``): on Ctrl-C (or SIGTERM), stop at once: kill the
    kernels and Jupyter Book, remove this run's scratch
    files, say so in one line and exit. Records and the published book are replaced only by atomic
    renames, so the previous ones stay whole."""

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_children()
        here = root
        if here is None:
            with contextlib.suppress(Exception):
                here = paths.root()
        for base in (here, editions.mirror(here)) if here else ():
            for name in (str(os.getpid()), f"keep-{os.getpid()}"):
                shutil.rmtree(base / "_build" / "runs" / name, ignore_errors=True)
            for partial in (base / "notebooks").glob(f".*.{os.getpid()}.partial"):
                partial.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            os.write(
                _CONSOLE[0] if _CONSOLE else 2,
                f"\n[{what}] stopped: the kernels were ended; the previous "
                "book and every record are left as they were.\n".encode(),
            )
        os._exit(130)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def describe_os_error(err: OSError, root: Path | None) -> str:
    """One sentence for a file-system failure: what, where, and what to do."""
    where = err.filename or "a file"
    with contextlib.suppress(ValueError, TypeError):
        where = str(Path(where).relative_to(root)) if root else where
    if err.errno == errno.ENOSPC:
        return (
            f"the disk is full (writing {where}): free some space and run the build again. "
            "The previous book, if any, is left in place; this build's scratch files were removed."
        )
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"cannot write {where} ({err.strerror}): the build writes only in _build/ and notebooks/*.ipynb; "
            "make them writable (chmod -R u+w _build notebooks) or remove _build (make clean)."
        )
    if err.errno == errno.EXDEV:
        return (
            f"cannot move {where} across file systems: keep _build/ on the same file system as the "
            "repository (or remove the _build link and run `make clean`)."
        )
    return f"{where}: {err.strerror or err} ({type(err).__name__})"


def _root() -> Path:
    """The repository root; a clone whose data package is missing is named, not mistaken for another."""
    if not os.environ.get("KZOPINION_ROOT"):
        for folder in [Path.cwd(), *Path.cwd().parents]:
            if (folder / "_config.yml").exists() and (folder / "_toc.yml").exists():
                if not (folder / "data" / "datapackage.json").exists():
                    raise BuildError(
                        f"{folder / 'data' / 'datapackage.json'} is missing: every table is declared "
                        "there. Restore it (git checkout data/datapackage.json)."
                    )
                break
    try:
        return paths.root()
    except FileNotFoundError as err:
        raise BuildError(str(err)) from None


def main(argv: list[str] | None = None, started: float | None = None) -> int:
    """The command line; ``started``: the ``time.perf_counter()`` at which the command began (given by
    :mod:`kzopinion.book.makebook`), so the timings include its short-cut check and the imports."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="re-execute every notebook")
    parser.add_argument("--no-html", action="store_true", help="execute notebooks only")
    parser.add_argument("--lenient", action="store_true", help="do not turn Sphinx warnings into errors")
    parser.add_argument(
        "--full",
        action="store_true",
        help="check everything again: every table, every notebook's staleness (make book FULL=1)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: cores + 1)")
    parser.add_argument(
        "--timeout",
        default=None,
        help=f"seconds a cell may run (default: $KZOPINION_CELL_TIMEOUT or {notebooks.DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "--keep-md",
        action="append",
        default=[],
        metavar="NAME",
        help="a record edited by hand: discard the edit and execute the .md",
    )
    parser.add_argument(
        "--from-ipynb",
        action="append",
        default=[],
        metavar="NAME",
        help="a record edited by hand: write its cells into the .md, then build",
    )
    args = parser.parse_args(argv)
    before = time.perf_counter() - started if started is not None else 0.0
    root = None
    try:
        root = _root()
        build(
            root,
            force=args.force,
            html=not args.no_html,
            strict=not args.lenient,
            jobs=args.jobs,
            timeout=args.timeout,
            keep_md=frozenset(args.keep_md),
            from_ipynb=frozenset(args.from_ipynb),
            full=args.full,
            before=before,
        )
    except BuildError as err:
        print(f"\n[book] BUILD FAILED\n{err}", file=sys.stderr)
        return 1
    except (notebooks.NotebookError, data.DataValidationError, registry.MicrodataError) as err:
        print(f"\n[book] BUILD FAILED\n{err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"\n[book] BUILD FAILED\n{describe_os_error(err, root)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    stop_on_interrupt(None, "book")
    sys.exit(main())
