"""Build the book: what ``make book`` runs, from the command to the published book, in this one module.

    python -m kzopinion.book.build                 # make book
    python -m kzopinion.book.build --full          # make book FULL=1: check everything again
    python -m kzopinion.book.build --force         # re-execute every notebook
    python -m kzopinion.book.build --no-html       # stop after executing notebooks
    python -m kzopinion.book.build --timeout 900   # per-cell limit in seconds (make book TIMEOUT=900)
    python -m kzopinion.book.build --keep-md NAME  # a record edited by hand: discard the edit, execute the .md
    python -m kzopinion.book.build --from-ipynb NAME  # ... or import the record's cells into the .md
    python -m kzopinion.book.build --clean         # make clean: remove what the build wrote

The path of a build (:func:`main`, then :func:`build`), each step stopping loudly on failure:

1. The settings are checked (``KZOPINION_EDITION``, ``KZOPINION_CELL_TIMEOUT``, ``KZOPINION_PROGRESS_SECONDS``),
   each bad value named with the fix.
2. The short-cut: when the stamp of everything the book is built from (:mod:`kzopinion.book.stamps`: sizes,
   times, inodes, commit, edition, installed packages) equals the one kept beside the published book, and every
   published page and static file is there, say "book up to date" and stop. Only the standard library,
   :mod:`kzopinion.book.stamps` and ``filelock`` are imported before this answer; ``FULL=1`` skips it.
3. One build at a time: the lock (``filelock``) on ``.build.lock`` at the repository's root, outside ``_build``
   (so removing ``_build`` during a build cannot let a second one start), held by this process.
4. The stamp is taken again, now, before anything is read; it is what the published book will be said to be
   built from. The commit it holds is the one the pages cite.
5. The tables are validated (skipped while ``data/`` and the data package's code are unchanged).
6. Stale notebooks are executed (:func:`execute_notebooks`), in parallel, the reports last, on a snapshot of the
   sources outside the repository (:mod:`kzopinion.book.guard`); a file of the repository changed meanwhile is
   reported, never reverted. A notebook whose prose alone changed is resynced, not executed.
7. Jupyter Book's Sphinx builds the HTML in this process (execution off, warnings are errors; only changed
   pages unless a glued value or what shapes every page changed), into ``_build/sphinx``; the book is checked
   as a reader reads it and published as ``_build/html`` by an atomic swap, never half-built.
8. The stamp of step 4 is kept beside the published book (the records the build wrote stamped anew).

The seconds each step took are printed at the end and kept in ``_build/.timings.json`` (``make bench``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
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
from pathlib import Path

from kzopinion import paths
from kzopinion.book import guard, stamps

# The modules a build needs beyond the short-cut (pandas, Sphinx, the notebooks' machinery) are imported
# where they are used, so that `make book` answers "up to date" within a Python start.


class BuildError(RuntimeError):
    """A build step failed; the message says which and how to fix it."""


def say(message: str) -> None:
    print(f"[book] {message}", flush=True)


# --------------------------------------------------------------------------- settings and the lock

FLAGS = {"": False, "0": False, "no": False, "false": False, "1": True, "yes": True, "true": True}


def check_settings() -> None:
    """Every setting the build reads (:data:`kzopinion.paths.SETTINGS`), checked before anything else, even when
    the book is up to date: each refusal is one sentence naming it and what it takes."""
    for name in ("KZOPINION_EDITION", "KZOPINION_CELL_TIMEOUT", "KZOPINION_PROGRESS_SECONDS"):
        try:
            paths.setting(name)
        except paths.SettingError as err:
            raise BuildError(str(err)) from None


def flag(value: str) -> bool:
    """``FULL=1`` / ``FULL=0`` (also yes/no, true/false); anything else is refused, naming the setting."""
    try:
        return FLAGS[value.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"FULL={value!r}: use FULL=1 (check everything again) or FULL=0") from None


LOCK = ".build.lock"


class BuildBusy(BuildError):
    """Another command holds the repository's build lock."""


@contextlib.contextmanager
def lock(root: Path, what: str = "build") -> Iterator[None]:
    """Hold the repository's build lock, ``.build.lock`` at its root (re-entrant within a process)."""
    from filelock import FileLock, Timeout

    held = FileLock(str(root / LOCK), blocking=False, is_singleton=True, thread_local=False)
    try:
        held.acquire()
    except Timeout:
        raise BuildBusy(
            f"another command is building in {root} (make book, make pdf, make serve, make variants or the tests "
            f"hold {LOCK}): wait for it to finish, or stop it, then run the {what} again."
        ) from None
    try:
        yield
    finally:
        held.release()


def clean(root: Path) -> list[str]:
    """Remove everything the build wrote (``_build/`` and the generated pages), under the lock."""
    removed = []
    try:
        import filelock  # noqa: F401 (only asked whether the environment is there)

        held = lock(root, "clean")
    except ModuleNotFoundError:  # no environment yet (make clean on a fresh clone): no build can be running
        held = contextlib.nullcontext()
    with held:
        build = root / "_build"
        if build.is_symlink() or build.is_file():
            build.unlink()
            removed.append("_build")
        elif build.exists():
            shutil.rmtree(build)
            removed.append("_build")
        for name in paths.GENERATED:  # written by the build outside _build/
            if (root / name).exists():
                (root / name).unlink()
                removed.append(name.as_posix())
    return removed


def _repository(root: Path) -> Path:
    """The repository a tree belongs to: the microdata edition's mirror lives in its ``_build/``."""
    return root.parent.parent if root.parent.name == "_build" and root.name == "microdata-edition" else root


@contextlib.contextmanager
def candidate_folder(root: Path) -> Iterator[Path]:
    """An empty folder to assemble a book in, ``html`` in this process's scratch folder ``_build/runs/<pid>``, which
    is removed afterwards; earlier builds' are removed (callers hold the lock, so no other build is using them)."""
    runs = root / "_build" / "runs"
    for old in runs.glob("*"):
        if old.name != str(os.getpid()):
            shutil.rmtree(old, ignore_errors=True)
    folder = runs / str(os.getpid())
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "html", ignore_errors=True)
    try:
        yield folder / "html"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- tables and notebooks


VALIDATED = Path("_build") / ".validated.key"


def validate_data(root: Path, always: bool = False) -> None:
    """Validate every table, unless (and ``always`` is False) no file of ``data/`` nor of the data package's code
    changed since the last validation that passed (its key, from their stamps: ``_build/.validated.key``)."""
    from kzopinion import data

    key = stamps.key(root, ("data", "src/kzopinion/data"))
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
    from kzopinion.book import notebooks

    if root != repository:
        return frozenset()
    changed = stamps.changed(root)
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


_SCRATCH: list[Path] = []  # the kernels' folders outside the repository, removed if the build is stopped


def execute_notebooks(
    root: Path,
    force: bool = False,
    jobs: int | None = None,
    timeout: int | None = None,
    keep_md: frozenset[str] = frozenset(),
    repository: Path | None = None,
    settled: frozenset[str] = frozenset(),
) -> list[Path]:
    """Execute stale section notebooks in parallel, then the reports that read their records (step 6 above);
    those named in ``settled`` (:func:`settled_notebooks`) are current without being read. Returns the notebooks
    whose records were written."""
    from kzopinion.book import notebooks

    all_sources = notebooks.sources(root)
    names = [s.stem for s in all_sources]
    if unknown := keep_md - set(names):
        raise BuildError(f"--keep-md names no notebook: {sorted(unknown)}; known: {names}")
    if not force and not keep_md and set(names) <= settled:
        say(f"0 of {len(all_sources)} notebooks to execute (none read a file changed since the last build)")
        return []  # nothing to read or run: no snapshot for the kernels
    sections = [s for s in all_sources if not notebooks.is_report(s)]
    reports = [s for s in all_sources if notebooks.is_report(s)]
    try:
        seconds = notebooks.timeout_seconds(timeout)
    except notebooks.NotebookError as err:
        raise BuildError(str(err)) from None
    repository = repository or root
    run_dir = guard.scratch_folder(repository, clear=True)
    _SCRATCH.append(run_dir)
    tree = run_dir / "tree"
    batch = _Batch(root, repository, tree, run_dir, jobs, seconds, keep_md)
    try:
        given = guard.snapshot(root, tree)
        with notebooks.kernel_environment(run_dir, repository, tree) as work:
            # papermill changes the process's working folder per notebook, from threads: every one starts here
            with contextlib.chdir(work), kernel_stderr(run_dir / "kernels.log"):
                states = batch.run(sections, force, given, settled)
                if "execute" in states.values():
                    settled = frozenset()  # the reports read the sections' records, and some were just rewritten
                for record in (root / "notebooks").glob("*.ipynb"):  # the reports read the sections' new records
                    shutil.copy2(record, tree / "notebooks" / record.name)
                states |= batch.run(reports, force, guard.digests(tree), settled)
    except BaseException:
        shutil.rmtree(tree, ignore_errors=True)  # a failed notebook's partial output stays, named in the message
        raise
    shutil.rmtree(run_dir, ignore_errors=True)
    _SCRATCH.remove(run_dir)
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


@dataclasses.dataclass
class _Batch:
    """One build's notebooks: states read, prose resynced, the stale ones executed in parallel on the snapshot
    ``tree``, their records written into ``root``; changes to ``repository`` meanwhile reported."""

    root: Path
    repository: Path
    tree: Path
    run_dir: Path
    jobs: int | None
    timeout: int
    keep_md: frozenset[str]

    def states(self, sources: list[Path], force: bool, settled: frozenset[str]) -> dict[Path, str]:
        from kzopinion.book import notebooks

        try:
            return {
                s: "execute"
                if force
                else "current"
                if s.stem in settled and s.stem not in self.keep_md
                else notebooks.status(self.tree / s.relative_to(self.root), self.tree, keep_md=s.stem in self.keep_md)
                for s in sources
            }
        except notebooks.NotebookError as err:
            raise BuildError(str(err)) from None

    def run(self, sources: list[Path], force: bool, given: dict[str, str], settled: frozenset[str]) -> dict[Path, str]:
        from kzopinion.book import notebooks

        states = self.states(sources, force, settled)
        for source in sources:
            if notebooks.twin(source).exists() and not notebooks.readable(notebooks.twin(source)):
                say(
                    f"  notebooks/{notebooks.twin(source).name} cannot be read (empty, or left with merge-conflict "
                    f"marks): it is written again from notebooks/{source.name}"
                )
        for source in [s for s, state in states.items() if state == "resync"]:
            notebooks.resync(self.tree / source.relative_to(self.root), notebooks.twin(source))
            say(f"  prose of {source.stem} copied into its record (no execution needed)")
        stale = [s for s, state in states.items() if state == "execute"]
        say(
            f"{len(stale)} of {len(sources)} notebooks to execute"
            + (f": {', '.join(s.stem for s in stale)}" if stale else " (all up to date)")
        )
        failure = self.execute(stale) if stale else None
        # what failed after a change follows from it (a table the kernel damaged): not the user's to fix
        if altered := guard.changes(self.tree, given):
            shutil.rmtree(self.tree, ignore_errors=True)
            after = f"\nA notebook then failed; its partial output is in {self.run_dir}/executing/." if failure else ""
            raise BuildError(notebooks.written_message(altered) + after)
        if failure:
            shutil.rmtree(self.tree, ignore_errors=True)
            raise BuildError(failure)
        return states

    def execute(self, stale: list[Path]) -> str | None:
        """Execute ``stale``, one more kernel than cores (kernels spend part of their start waiting); returns
        the first failure's message, if any."""
        from concurrent.futures import ThreadPoolExecutor

        from kzopinion.book import notebooks

        own = {notebooks.twin(s).relative_to(self.repository).as_posix() for s in stale if self.root == self.repository}

        def run(source: Path) -> tuple[Path, float]:
            started, before = time.perf_counter(), guard.repository_state(self.repository)
            try:
                notebooks.execute(
                    self.tree / source.relative_to(self.root),
                    self.tree,
                    timeout=self.timeout,
                    run_dir=self.run_dir,
                    progress=say,
                    record=notebooks.twin(source),
                )
            except notebooks.NotebookError as err:
                raise BuildError(
                    f"Executing {source.relative_to(self.root)} failed (its .ipynb record is unchanged; "
                    f"partial output in {self.run_dir}/executing/): {err}"
                ) from None
            finally:
                if changed := guard.changed_during(self.repository, before, own):
                    say("  " + guard.changed_message(changed, source.stem))
            return source, time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=max(1, min(len(stale), self.jobs or (os.cpu_count() or 1) + 1))) as pool:
            try:
                for source, seconds in pool.map(run, stale):
                    say(f"  executed {source.stem} in {seconds:.1f} s")
            except BuildError as err:
                pool.shutdown(wait=True)
                return str(err)
        return None


# --------------------------------------------------------------------------- HTML


def _files_digest(root: Path, files: list[Path], first: str = "", skip=lambda path: False) -> str:
    """sha256 of ``first`` and of each of ``files`` (name and content) that is a file and not ``skip``-ped."""
    digest = hashlib.sha256(first.encode())
    for path in files:
        if path.is_file() and not skip(path):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def book_digest(root: Path) -> str:
    """sha256 of everything the HTML is built from, the commit the pages cite included: when
    unchanged, Sphinx has nothing to do."""
    from kzopinion.book import build_stamp

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
    generated = {root / name for name in paths.GENERATED}  # written from what is digested here, by Sphinx's start
    return _files_digest(
        root,
        files,
        f"commit {build_stamp.built_from(root)}\n",
        skip=lambda path: "microdata" in path.parts or path.name.startswith(".") or path in generated,
    )


def machinery_digest(root: Path) -> str:
    """sha256 of what shapes every page (configuration, static assets, the package's Sphinx extensions):
    when it changes, Sphinx must rewrite every page, not only the ones whose source changed."""
    files = [
        root / "_config.yml",
        root / "_toc.yml",
        *sorted((root / "book" / "_static").rglob("*")),
        *sorted((root / "src" / "kzopinion").rglob("*.py")),
    ]
    return _files_digest(root, files, skip=lambda path: "vendor" in path.parts)


def glue_digest(root: Path) -> str:
    """sha256 of every value every record glued: when it changes, pages that paste them must be rebuilt."""
    from kzopinion.book import kernel_reads, notebooks

    values = {s.stem: kernel_reads.record_digest(notebooks.twin(s)) for s in notebooks.sources(root)}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def check_configuration(root: Path) -> None:
    """``_config.yml`` and ``_toc.yml`` are readable YAML mappings; otherwise a sentence naming file and line."""
    from kzopinion.book import notebooks

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
    """Every page of ``_toc.yml`` as the HTML path it is published under (the site's index redirects to the root)."""
    from kzopinion.book import notebooks

    return ["index.html", *(f"{notebooks.docname(entry)}.html" for entry in notebooks.table_of_contents(root))]


def missing_pages(root: Path, site: Path) -> list[str]:
    return [page for page in toc_pages(root) if not (site / page).is_file()]


def check_pastes(root: Path) -> None:
    """Every pasted glue key is glued by the record it names, and the pages keep the page's rules (no typed number,
    no chartless figure, no section without claims); each error names the .md file and line."""
    from kzopinion.book import page_rules, pastes

    if problems := pastes.undefined_pastes(root):
        raise BuildError("Glue error: " + "\n".join(problems[:20]))
    if broken := page_rules.problems(root):
        raise BuildError("The page's rules: " + "\n".join(broken[:20]))


SPHINX_SECONDS: dict[str, float] = {}  # the phases of the last Sphinx build: start, read, write


def jupyter_book(root: Path, output: Path, builder: str, strict: bool) -> tuple[Path, str]:
    """Build ``root`` into ``output`` as ``jupyter-book build <root> --path-output <output> --builder <builder>
    [-W --keep-going]`` does (``jupyter_book.sphinx.build_sphinx``, same settings), in this process; returns the
    built folder and Sphinx's messages (the log, for the failure report)."""
    import io

    import yaml
    from jupyter_book.sphinx import build_sphinx

    from kzopinion.book import generated_sources

    log, built = io.StringIO(), output / "_build" / builder
    generated_sources.PHASES.clear()
    started = time.perf_counter()
    try:
        with contextlib.chdir(root), contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            status = build_sphinx(
                root,
                built,
                noconfig=True,
                path_config=str(root / "_config.yml"),
                confoverrides={"external_toc_path": (root / "_toc.yml").as_posix(), "latex_individualpages": False},
                builder=builder,
                warningiserror=strict,
                keep_going=strict,
            )
    except yaml.YAMLError as err:  # Jupyter Book reads the configuration without naming it
        log.write(f"_config.yml cannot be read as YAML: {err}")
        status = 1
    except Exception as err:  # noqa: BLE001 - an extension's failure: reported with the log, in one sentence
        log.write(f"Exception: {type(err).__name__}: {err}")
        status = 1
    if status != 0 or not (built / "index.html").exists():
        raise BuildError(
            f"Jupyter Book ({builder}) failed; the previous book (if any) is left in place.\n"
            + failure_report(log.getvalue(), root, output)
        )
    SPHINX_SECONDS.clear()
    SPHINX_SECONDS.update(generated_sources.phase_seconds(started, time.perf_counter()))
    return built, log.getvalue()


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
    """The lines of a failed Jupyter Book run that name the cause, and the fix when it is known (a missing file is
    named relative to the tree being built). The line after an ``Extension error`` header is kept too: Sphinx puts
    the handler's message there. When no line names a cause, the end of the log."""
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


def build_html(root: Path, strict: bool = True, full: bool = False) -> Path:
    """Build the HTML and publish it as ``_build/html`` only when the whole build succeeded.

    Sphinx works in ``_build/sphinx`` (kept between runs, so unchanged pages are not rebuilt). It starts afresh with
    ``full``, after a build that was killed, and when the digests differ from the published book's: a glued value
    changed (pasted cross-page values need every page), whichever command executed the notebook, or what shapes
    every page (configuration, assets, extensions). The digests are taken before Sphinx reads, so a file changed
    meanwhile is seen as changed by the next build.
    """
    from kzopinion.book import page_reading

    with lock(_repository(root)):
        staging = root / "_build" / "sphinx"
        complete = staging / ".complete"
        check_pastes(root)
        digests = {".glue-digest": glue_digest(root), ".machinery-digest": machinery_digest(root)}
        digests[".book-digest"] = book_digest(root)
        full = full or any(
            _published_digest(root, name) != digests[name] for name in (".glue-digest", ".machinery-digest")
        )
        if full or not complete.exists():
            shutil.rmtree(staging, ignore_errors=True)  # a killed build leaves no .complete: never reuse it
        fresh = not staging.exists()
        staging.mkdir(parents=True, exist_ok=True)
        complete.unlink(missing_ok=True)  # until this build succeeds, its state is not to be reused
        scope = "from scratch" if fresh else "only changed pages"
        say(f"building HTML with Jupyter Book (warnings are errors; {scope}) ...")
        try:
            built, _ = jupyter_book(root, staging, "html", strict)
        except BuildError:
            shutil.rmtree(staging, ignore_errors=True)  # never reuse the state of a failed build
            raise
        complete.write_text("")
        started = time.perf_counter()
        with candidate_folder(root) as candidate:
            assemble(built, candidate, root / "_build" / "html")
            if missing := missing_pages(root, candidate):
                raise BuildError(
                    f"the built book lacks {', '.join(missing)}; nothing was published (the previous "
                    "book is left in place). Run the build again; if it persists, run `make clean`."
                )
            if unread := page_reading.problems(candidate, root, root / "_build" / "html"):
                raise BuildError(
                    "The page as a reader reads it (nothing was published; the previous book is left in place):\n"
                    + "\n".join(unread[:20])
                )
            # the PDF make pdf printed from exactly these sources goes beside the pages
            if printed := current_pdf(root, digests[".book-digest"] + digests[".glue-digest"]):
                shutil.copy2(printed, candidate / PDF_NAME)
            for name, value in digests.items():
                (candidate / name).write_text(value)
            published = publish(root, candidate)
            SPHINX_SECONDS["publish"] = round(time.perf_counter() - started, 3)
            return published


PDF_NAME = "book.pdf"  # at the root of the site, where every page's footer links to it


def sources_stamp(root: Path) -> str:
    """What the pages are built from and what they paste (:func:`book_digest`, :func:`glue_digest`): a PDF printed
    under the same stamp shows the same book."""
    return book_digest(root) + glue_digest(root)


def current_pdf(root: Path, built_from: str | None = None) -> Path | None:
    """The PDF ``make pdf`` printed (``_build/pdf/book.pdf`` of the repository) when it was printed from exactly
    the sources of ``root`` as they are now, else None: a stale PDF is never put beside the pages."""
    pdf = _repository(root) / "_build" / "pdf" / "book.pdf"
    try:
        stamp = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8")).get("built_from")
    except (OSError, ValueError, AttributeError):
        return None
    return pdf if pdf.is_file() and stamp == (built_from or sources_stamp(root)) else None


def publish_pdf(root: Path) -> bool:
    """Put the current PDF beside the published pages of ``root`` when they are built from the same sources: a new
    copy of the site (its files linked, not copied) with the PDF added, swapped in as every build is. False when
    there is no such PDF or the published pages are of other sources (the next ``make book`` adds it)."""
    site, printed = root / "_build" / "html", current_pdf(root)
    if printed is None or not is_published(root):
        return False
    with candidate_folder(root) as candidate:
        assemble(site.resolve(), candidate, site)
        (candidate / PDF_NAME).unlink(missing_ok=True)  # a link to the old site's PDF: replace, never write through
        shutil.copy2(printed, candidate / PDF_NAME)
        publish(root, candidate)
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


def _published_digest(root: Path, name: str) -> str | None:
    """The digest ``name`` (``.book-digest``, ...) the published book carries; None when it carries none."""
    path = root / "_build" / "html" / name
    return path.read_text() if path.is_file() else None


def is_published(root: Path) -> bool:
    """The published book is complete and was built from the current sources."""
    book, glued = _published_digest(root, ".book-digest"), _published_digest(root, ".glue-digest")
    return (
        None not in (book, glued)
        and not missing_pages(root, root / "_build" / "html")
        and book == book_digest(root)
        and glued == glue_digest(root)
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
    was kept from the last build. ``before``: the seconds the command spent before calling this."""
    from kzopinion.book import build_stamp, editions, notebooks
    from kzopinion.data import microdata, registry

    started = time.perf_counter() - before
    check_settings()  # make pdf and make variants come here without the command line's check
    with lock(root):
        steps: dict[str, float] = {"short-cut check and imports": before} if before else {}
        steps["lock"] = time.perf_counter() - started - before
        stamp = stamps.take(root)  # before anything is read: what the book will be said to be built from
        check_configuration(root)
        try:
            microdata.edition(root)
            repository, root = root, editions.select(root, say)  # microdata: its own tree under _build/
        except registry.MicrodataError as err:
            raise BuildError(f"{err} (KZOPINION_EDITION=public builds the public edition meanwhile)") from None
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
        written = execute_notebooks(
            root, force=force, jobs=jobs, timeout=timeout, keep_md=keep_md, repository=repository, settled=settled
        )
        if root == repository:  # the records are the build's own output: stamped as it left them
            stamps.restamp(stamp, repository, [notebooks.twin(s) for s in written])
        if unsynced := [
            f"notebooks/{s.name}"
            for s in notebooks.sources(root)
            if stamps.file_stamp(s) is not None and s.stem not in settled and notebooks.pair_differences(s)
        ]:
            raise BuildError(
                f"{', '.join(unsynced)} changed while the notebooks executed (saved during the "
                "build: your edit is kept as saved). Run the command again to build it."
            )
        steps["notebooks (staleness, resync, execution)"] = time.perf_counter() - mark
        if not html:
            return root  # the tree executed: the repository, or the microdata edition's mirror
        # The stamp, not a digest of some of the files, says whether the published book is current (a linked
        # folder, a package, a deleted static file): `make book FULL=1` with nothing changed rebuilds nothing.
        if not (force or written) and (book := stamps.current(repository)) is not None:
            _keep_timings(repository, started, steps)
            say(f"book up to date (nothing changed since the last build): {book / 'index.html'}")
            return book
        # the pages cite the commit stamped above, and what of the tree Sphinx reads differs from it
        changes = build_stamp.uncommitted(repository, against=stamp["commit"]) if stamp["commit"] else []
        pinned = json.dumps({"commit": stamp["commit"], "uncommitted": changes})
        with _setting(build_stamp.PINNED, pinned):
            target = build_html(root, strict=strict, full=force)
        steps.update({f"Sphinx {phase}": seconds for phase, seconds in SPHINX_SECONDS.items() if phase != "publish"})
        steps["publish"] = SPHINX_SECONDS.get("publish", 0.0)
        stamps.keep(repository, stamp, target)
        total = _keep_timings(repository, started, steps)
        parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in steps.items())
        say(f"done in {total:.1f} s ({parts}). Open {target / 'index.html'}")
        return target


@contextlib.contextmanager
def _setting(name: str, value: str) -> Iterator[None]:
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


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
    kernels, remove this run's scratch files, say so in one line and exit. Records and the published book
    are replaced only by atomic renames, so the previous ones stay whole."""

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_children()
        for folder in _SCRATCH:
            shutil.rmtree(folder, ignore_errors=True)
        here = root
        if here is None:
            with contextlib.suppress(Exception):
                here = paths.root()
        for base in (here, here / "_build" / "microdata-edition") if here else ():
            shutil.rmtree(base / "_build" / "runs" / str(os.getpid()), ignore_errors=True)
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
    """The repository root (a ``KZOPINION_ROOT`` naming no repository is refused by :func:`kzopinion.paths.root`);
    a clone whose data package is missing is named, not mistaken for another."""
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


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="re-execute every notebook")
    parser.add_argument("--no-html", action="store_true", help="execute notebooks only")
    parser.add_argument("--lenient", action="store_true", help="do not turn Sphinx warnings into errors")
    parser.add_argument(
        "--full",
        nargs="?",
        const="1",
        default="0",
        type=flag,
        help="check everything again: every table, every notebook's staleness (make book FULL=1)",
    )
    parser.add_argument("--jobs", type=int, help="notebooks executed at once (default: cores + 1)")
    parser.add_argument("--timeout", help="seconds a cell may run (default: $KZOPINION_CELL_TIMEOUT or 600)")
    parser.add_argument(
        "--keep-md", action="append", default=[], metavar="NAME", help="discard a hand edit of the record"
    )
    parser.add_argument("--from-ipynb", action="append", default=[], metavar="NAME", help="import a hand-edited record")
    parser.add_argument("--clean", action="store_true", help="remove everything the build wrote (make clean)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """The command line: settings, the short-cut, then the build; one sentence on any failure."""
    started = time.perf_counter()
    args = _arguments(argv)
    root = None
    try:
        root = _root()
        if args.clean:
            try:
                removed = clean(root)
            except BuildError as err:
                print(f"[clean] nothing removed: {err}", file=sys.stderr)
                return 1
            print(f"[clean] removed {', '.join(removed) if removed else 'nothing (nothing was built)'}")
            return 0
        check_settings()
        plain = not (args.full or args.force or args.no_html or args.keep_md or args.from_ipynb)
        if plain and (book := stamps.current(root)) is not None:
            say(f"book up to date (nothing changed since the last build): {book / 'index.html'}")
            return 0
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
            before=time.perf_counter() - started,
        )
    except OSError as err:
        print(f"\n[book] BUILD FAILED\n{describe_os_error(err, root)}", file=sys.stderr)
        return 1
    except Exception as err:  # ours, and the notebooks', data's and registry's own errors, carry their sentence
        theirs = type(err).__name__ in ("NotebookError", "DataValidationError", "MicrodataError")
        if not (theirs or isinstance(err, BuildError)):
            raise
        print(f"\n[book] BUILD FAILED\n{err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    stop_on_interrupt(None, "book")
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # every file the build wrote is closed: tearing the interpreter down would only delay
