"""The notebook pairs: MyST source (``.md``) -> executed record (``.ipynb``).

Authors edit ``notebooks/NN-slug.md``. :func:`execute` converts it one way into the
``.ipynb`` twin, runs it in place with papermill (no parameters, so no injected cell),
and :func:`normalize` strips what changes from run to run, so re-executing an unchanged
notebook leaves the file byte-identical.

A notebook must be re-executed when the sha256 of what its outputs depend on differs from
the one stored in its metadata: its code cells and what its last run actually read (tables,
files, other records, the microdata registration, package modules), recorded by
:mod:`kzopinion.book.kernel_reads`; see :func:`inputs_digest`. An edit to prose only is copied into the
record without executing anything (:func:`resync`). A record edited by hand is reported with
the choice of keeping the ``.md`` or importing the edit (:func:`hand_edits`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jupytext
import nbformat
import yaml
from jupytext.combine import combine_inputs_with_outputs

from kzopinion import paths
from kzopinion.book import guard, kernel_reads

if TYPE_CHECKING:
    from sphinx_external_toc.api import SiteMap

META_KEY = "kzopinion"
READS_CELL_ID = "kzopinion-reads"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
RUN_KEY, AFTER_SECTIONS = "kzopinion_run", "after-sections"


class NotebookError(RuntimeError):
    """A notebook source cannot be read or executed; the message names the .md file, line and fix."""


def table_of_contents(root: Path) -> SiteMap:
    """``_toc.yml`` as Jupyter Book reads it (sphinx-external-toc's site map: its documents in the book's order, its
    parts as the root's subtrees); a file that is no table of contents raises :class:`NotebookError` naming it."""
    from sphinx_external_toc.parsing import MalformedError, parse_toc_data

    content = read_yaml(root / "_toc.yml", root)
    if not isinstance(content, dict):
        raise NotebookError("_toc.yml holds no table of contents ('root:' and its parts): git checkout _toc.yml")
    try:
        return parse_toc_data(content)
    except (MalformedError, TypeError, ValueError) as err:
        raise NotebookError(f"_toc.yml cannot be read as the book's contents ({err}): git diff _toc.yml") from None


def docname(entry: str) -> str:
    """A document of the table of contents as Sphinx names it: ``file: notebooks/01-x.md`` is ``notebooks/01-x``."""
    return re.sub(r"\.(md|ipynb)$", "", entry)


def sources(root: Path) -> list[Path]:
    """Every notebook source of the book: the ``notebooks/*.md`` files ``_toc.yml`` lists, in its order."""
    names = [docname(entry) for entry in table_of_contents(root)]
    listed = [root / f"{name}.md" for name in names if name.startswith("notebooks/")]
    return [path for path in listed if path.exists()]


def read_yaml(path: Path, root: Path) -> Any:
    """A configuration file (``_toc.yml``, ``_config.yml``); unreadable YAML or text raises :class:`NotebookError`
    naming the file and line."""
    where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    raw = path.read_bytes()
    try:
        return yaml.safe_load(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise NotebookError(paths.not_utf8(where, raw, err)) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise NotebookError(
            f"{where}{line}: the YAML cannot be read: {_yaml_problem(err)}. Fix the line (check indentation, "
            f"colons, brackets and quotes), or compare with the committed file: git diff {where}"
        ) from None


def _yaml_problem(err: Exception) -> str:
    return getattr(err, "problem", None) or str(err).splitlines()[0]


def twin(source: Path) -> Path:
    return source.with_suffix(".ipynb")


def title(source: Path) -> str:
    """The page's title as a reader sees it: the first level-one heading of the source (its file name if none)."""
    lines = source.read_text(encoding="utf-8").splitlines()
    return next((line[2:].strip() for line in lines if line.startswith("# ")), source.stem)


def is_report(source: Path) -> bool:
    """Whether the notebook reads the other notebooks' records, so it runs after them: declared in its front matter
    (``kzopinion_run: after-sections``), never guessed from its name."""
    try:
        text = source.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else None
    except (UnicodeDecodeError, yaml.YAMLError):
        return False  # the conversion that follows reports the file that is not UTF-8 or its broken front matter
    return isinstance(front, dict) and front.get(RUN_KEY) == AFTER_SECTIONS


def inputs_digest(source: Path, root: Path, reads: dict[str, Any] | None = None) -> str:
    """sha256 over what the notebook's outputs depend on: its code cells (source and tags) and ``reads``, by default
    the reads stored in the record valued as the repository stands now (a record without them gets a digest no
    record carries)."""
    if reads is None:
        record = twin(source)
        stored = _metadata(record).get("reads") if record.exists() else None
        if stored is None:
            return "unknown: no reads recorded"
        reads = kernel_reads.current(stored, root)
    digest = hashlib.sha256()
    for cell in convert(source).cells:
        if cell.cell_type == "code":
            digest.update(repr((cell.source.strip(), cell.metadata.get("tags", []))).encode())
    digest.update(json.dumps(reads, sort_keys=True).encode())
    return digest.hexdigest()


def _metadata(record: Path) -> dict[str, Any]:
    return nbformat.read(record, as_version=4).metadata.get(META_KEY, {})


def cells_digest(notebook: nbformat.NotebookNode) -> str:
    """sha256 of every cell's type, source and tags: tells a hand edit of the record from the build's."""
    return hashlib.sha256(repr(cell_contents(notebook)).encode()).hexdigest()


def hand_edits(source: Path) -> list[str]:
    """Cells of the record that differ from what the build last wrote into it (an edit made by hand)."""
    record = twin(source)
    if not record.exists():
        return []
    notebook = nbformat.read(record, as_version=4)
    stored = notebook.metadata.get(META_KEY, {}).get("cells_sha256")
    if stored is None or stored == cells_digest(notebook):
        return []
    ours, theirs = cell_contents(convert(source)), cell_contents(notebook)
    kinds = [
        f"cell {number} ({'code' if b[0] == 'code' else 'prose'})"
        for number, (a, b) in enumerate(zip(ours, theirs), start=1)
        if a != b
    ]
    if len(ours) != len(theirs):
        kinds.append(f"{len(theirs)} cells instead of {len(ours)}")
    return kinds or ["cell metadata"]


def status(source: Path, root: Path, keep_md: bool = False) -> str:
    """``"execute"`` (outputs may change), ``"resync"`` (prose only changed) or ``"current"``; a record edited by hand
    raises :class:`NotebookError`, unless ``keep_md`` (the author chose to discard that edit: it is executed)."""
    record = twin(source)
    if not record.exists() or not readable(record):
        return "execute"  # the record is the build's output: an unreadable one is written again from the .md
    edits = hand_edits(source)
    if edits and not keep_md:
        raise NotebookError(
            f"notebooks/{record.name} was edited by hand ({', '.join(edits[:5])}), but authors edit "
            f"notebooks/{source.name} and the build writes the .ipynb. Choose one:\n"
            f"  keep the .md and discard the .ipynb edit:  python -m kzopinion.book.build --keep-md {source.stem}\n"
            f"  import the .ipynb edit into the .md:       python -m kzopinion.book.build --from-ipynb {source.stem}"
        )
    if edits or _metadata(record).get("inputs_sha256") != inputs_digest(source, root):
        return "execute"
    return "resync" if pair_differences(source) else "current"


def readable(record: Path) -> bool:
    """Whether a record can be read as a notebook (not empty, no merge-conflict markers, valid JSON)."""
    try:
        nbformat.read(record, as_version=4)
    except Exception:  # nbformat raises JSON, validation and its own errors
        return False
    return True


def import_from_record(source: Path) -> Path:
    """Write the record's cells (an edit made in the ``.ipynb``) into the ``.md``, keeping its front matter."""
    record = nbformat.read(twin(source), as_version=4)
    notebook = jupytext.read(source)
    notebook.cells = []
    for cell in record.cells:
        if cell.get("id") == READS_CELL_ID:
            continue
        new = (nbformat.v4.new_code_cell if cell.cell_type == "code" else nbformat.v4.new_markdown_cell)(cell.source)
        if cell.metadata.get("tags"):
            new.metadata["tags"] = list(cell.metadata["tags"])
        if "mystnb" in cell.metadata:
            new.metadata["mystnb"] = cell.metadata["mystnb"]
        notebook.cells.append(new)
    jupytext.write(notebook, source, fmt="md:myst")
    # The record's cells are now the source's: accept them, so that a prose-only edit is not executed.
    record.metadata.setdefault(META_KEY, {})["cells_sha256"] = cells_digest(record)
    write_beside(record, twin(source))
    return source


def is_stale(source: Path, root: Path) -> bool:
    return status(source, root) != "current"


def resync(source: Path, target: Path | None = None) -> Path:
    """Copy edited prose into the record (or into ``target``), keeping every code cell's stored outputs; only valid
    when :func:`status` says ``"resync"`` (the code cells are then identical)."""
    old = nbformat.read(twin(source), as_version=4)
    record = target or twin(source)
    new = convert(source)
    code = [[c.source.strip() for c in notebook.cells if c.cell_type == "code"] for notebook in (old, new)]
    if code[0] != code[1]:
        raise ValueError(f"{source.name}: code changed, so the notebook must be executed, not resynced")
    # jupytext's own update of a paired notebook: the text's cells, each code cell with the record's outputs
    new = _number_cells(combine_inputs_with_outputs(new, old, fmt="md:myst"))
    new.metadata = old.metadata
    new.metadata.setdefault(META_KEY, {})["cells_sha256"] = cells_digest(new)
    write_beside(new, record)
    normalize(record)
    return record


def _number_cells(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give the cells the ids ``cell-00``, ``cell-01``, ... (stable: nbformat 4.5 ids are random otherwise)."""
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"
    return notebook


def convert(source: Path) -> nbformat.NotebookNode:
    """The ``.md`` source as a notebook with no outputs and the project's kernel; a source jupytext cannot read
    (broken YAML front matter or cell options) raises :class:`NotebookError` naming the ``.md`` file and line."""
    try:
        notebook = jupytext.read(source)
    except Exception as err:  # jupytext raises YAML and its own errors
        raise NotebookError(_source_error(source, err)) from None
    notebook.metadata["kernelspec"] = dict(KERNEL)
    notebook.metadata.pop("jupytext", None)
    return _number_cells(notebook)


def _source_error(source: Path, err: Exception) -> str:
    """A sentence for an unreadable source: the line the YAML parser stopped at, found in the file."""
    where = f"notebooks/{source.name}"
    raw = source.read_bytes()
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        return paths.not_utf8(where, raw, err)
    for mark in (getattr(err, "context_mark", None), getattr(err, "problem_mark", None)):
        buffer = getattr(mark, "buffer", None)
        if not buffer:
            continue
        parsed = buffer.splitlines()
        text = parsed[mark.line] if mark.line < len(parsed) else ""
        if text.strip() and text in lines:
            where += f", line {lines.index(text) + 1}"
            break
    return (
        f"{where}: the YAML (front matter or cell options between '---' lines) cannot be read: {_yaml_problem(err)}. "
        "Fix the line (check brackets, quotes and indentation); compare with another notebook's header."
    )


def code_cell_lines(source: Path) -> list[int]:
    """Line numbers in the ``.md`` where each code cell starts (its ``{code-cell}`` fence)."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    return [number for number, line in enumerate(lines, start=1) if line.startswith("```{code-cell}")]


def cell_location(source: Path, cell_id: str | None) -> str:
    """``"the code cell at line L of notebooks/X.md"`` for a cell id written by :func:`convert`."""
    ordinal = [c.get("id") for c in convert(source).cells if c.cell_type == "code"]
    lines = code_cell_lines(source)
    if cell_id in ordinal and ordinal.index(cell_id) < len(lines):
        index = ordinal.index(cell_id)
        return f"code cell {index + 1} (line {lines[index]} of notebooks/{source.name})"
    return f"a cell of notebooks/{source.name}"


def _running_cell(scratch: Path) -> str | None:
    """Id of the cell papermill marked running or failed in its scratch copy, else the last code cell it
    started (a dead kernel leaves its cell marked completed)."""
    try:
        notebook = nbformat.read(scratch, as_version=4)
    except Exception:  # written concurrently by papermill: try again later
        return None
    ours = [c for c in notebook.cells if c.get("id", "").startswith("cell-")]
    for state in ("running", "failed"):
        for cell in ours:
            if cell.metadata.get("papermill", {}).get("status") == state:
                return cell.get("id")
    started = [c for c in ours if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")]
    return started[-1].get("id") if started else None


def _setting(name: str) -> Any:
    """A setting of :data:`kzopinion.paths.SETTINGS`; a refused value raises :class:`NotebookError`."""
    try:
        return paths.setting(name)
    except paths.SettingError as err:
        raise NotebookError(str(err)) from None


def progress_seconds() -> float:
    """How often a long cell is reported: ``KZOPINION_PROGRESS_SECONDS``."""
    return float(_setting("KZOPINION_PROGRESS_SECONDS"))


def timeout_seconds(value: int | str | None = None) -> int:
    """The per-cell timeout: the argument (``make book TIMEOUT=...``), else ``KZOPINION_CELL_TIMEOUT``
    (600 s when unset)."""
    if value is None:
        return int(_setting("KZOPINION_CELL_TIMEOUT"))
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = 0
    if seconds <= 0:
        raise NotebookError(
            f"the cell timeout must be a positive number of seconds, not {value!r} "
            "(make book TIMEOUT=900, or KZOPINION_CELL_TIMEOUT=900)."
        )
    return seconds


@contextmanager
def kernel_environment(run_dir: Path, repository: Path | None = None, tree: Path | None = None) -> Iterator[Path]:
    """Kernels started inside get ``run_dir/home`` as HOME, ``run_dir/work`` as working directory and an IPython
    start-up file that notes what each cell reads; yields the working directory. With ``tree`` (a snapshot of
    ``repository`` outside it), kernels read the snapshot as the repository, and no setting they get names
    ``repository`` (:func:`kzopinion.book.guard.environment`)."""
    work, home = run_dir / "work", run_dir / "home"
    startup = run_dir / "ipython" / "profile_default" / "startup"
    for folder in (work, home, startup):
        folder.mkdir(parents=True, exist_ok=True)
    (startup / "00-kzopinion-kernel_reads.py").write_text(
        "from kzopinion.book import kernel_reads\nkernel_reads.install()\n", encoding="utf-8"
    )
    settings: dict[str, str | None] = dict(
        HOME=str(home), IPYTHONDIR=str(run_dir / "ipython"), MPLCONFIGDIR=str(home / ".matplotlib")
    )
    if tree is not None:
        from kzopinion import data

        # a package this process validated is not validated again by each kernel
        settings = guard.environment(repository or tree, tree) | settings | {data.VALID_PACKAGE: data.valid_state(tree)}
    saved = {k: os.environ.get(k) for k in settings}
    _apply(settings)
    try:
        yield work
    finally:
        _apply(saved)


def _apply(settings: dict[str, str | None]) -> None:
    for key, value in settings.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_papermill(source: Path, scratch: Path, work: Path, seconds: int, parameters: dict | None = None) -> None:
    """Execute ``scratch`` (converted from ``source``) in place in ``work``, with ``parameters`` injected if any;
    a failure raises :class:`NotebookError`, one sentence naming the cell (papermill and nbclient raise their own
    types)."""
    import papermill

    try:
        papermill.execute_notebook(
            str(scratch),
            str(scratch),
            parameters=parameters,
            kernel_name=KERNEL["name"],
            cwd=str(work),
            progress_bar=False,
            log_output=False,
            execution_timeout=seconds,
        )
    except Exception as err:
        where = cell_location(source, _running_cell(scratch))
        raise NotebookError(_execution_error(err, where, seconds)) from None


def execute(
    source: Path,
    root: Path,
    timeout: int | None = None,
    run_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    record: Path | None = None,
) -> Path:
    """Convert ``source``, execute it, and replace its record (``record``, by default its twin) only if every cell ran.

    Execution happens in a scratch copy under ``run_dir`` (without one, in a fresh folder outside the repository,
    on a snapshot of it: :mod:`kzopinion.book.guard`), so a failing notebook leaves the record untouched and its
    partial output on disk. A hidden last cell reports what the kernel read (:mod:`kzopinion.book.kernel_reads`),
    stored in the record's metadata. While a cell runs longer than :func:`progress_seconds`, ``progress`` is told.
    """
    if run_dir is None:
        run_dir = guard.scratch_folder(root)
        tree = run_dir / "tree"
        given = guard.snapshot(root, tree)
        relative = source.resolve().relative_to(root.resolve())
        try:
            with kernel_environment(run_dir, root, tree):
                done = execute(tree / relative, tree, timeout, run_dir, progress, record or twin(source))
            altered = guard.changes(tree, given)
            if altered:
                raise NotebookError(written_message(altered))
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        return done
    record = record or twin(source)
    seconds = timeout_seconds(timeout)
    scratch = run_dir / "executing" / twin(source).name
    scratch.parent.mkdir(parents=True, exist_ok=True)
    notebook = convert(source)
    hidden = nbformat.v4.new_code_cell(
        f"from kzopinion.book import kernel_reads\nkernel_reads.report({source.stem!r}, records={is_report(source)})"
    )
    hidden["id"], hidden.metadata["tags"] = READS_CELL_ID, ["remove-cell"]
    notebook.cells.append(hidden)
    nbformat.write(notebook, scratch)
    done = threading.Event()
    threading.Thread(target=_watch, args=(source, scratch, done, seconds, progress), daemon=True).start()
    try:
        run_papermill(source, scratch, run_dir / "work", seconds)
    finally:
        done.set()
    executed = nbformat.read(scratch, as_version=4)
    last = executed.cells.pop()
    text = "".join(o.get("text", "") for o in last.get("outputs", []) if o.get("output_type") == "stream")
    reads = _last_marked(text, kernel_reads.MARKER) if last.get("id") == READS_CELL_ID else None
    if reads is None:
        raise NotebookError(
            f"notebooks/{source.name}: the build could not read what the notebook read "
            "(its last, hidden cell printed nothing). Is kzopinion installed in the kernel?"
        )
    executed.metadata[META_KEY] = {"inputs_sha256": inputs_digest(source, root, reads), "reads": reads}
    cell_reads = _last_marked(text, kernel_reads.CELL_MARKER)
    if cell_reads is not None:  # what each cell read, for the doorways (not an input: derived from the run)
        executed.metadata[META_KEY]["cell_reads"] = cell_reads
    executed.metadata[META_KEY]["cells_sha256"] = cells_digest(executed)
    nbformat.write(executed, scratch)
    normalize(scratch)
    write_beside(nbformat.read(scratch, as_version=4), record)
    return record


def _last_marked(text: str, marker: str) -> Any:
    """The JSON printed after ``marker`` on the last line of ``text`` that starts with it (None if no line does)."""
    found = [line[len(marker) :] for line in text.splitlines() if line.startswith(marker)]
    return json.loads(found[-1]) if found else None


def written_message(altered: list[str]) -> str:
    """The sentence for files a kernel changed in its copy of the repository."""
    return (
        f"a notebook's kernel changed {', '.join(altered[:10])} in its copy of the repository while executing. "
        "Your files are untouched (kernels run on a copy outside the repository), but the build stops: another "
        "notebook may read that copy. Write scratch files to the working folder (relative paths) and data "
        "through `make data`."
    )


def _execution_error(err: Exception, where: str, seconds: int) -> str:
    kind, said = type(err).__name__, str(err).strip()
    if kind == "DeadKernelError" or "Kernel died" in said:
        return (
            f"the kernel died while running {where}: the process ran out of memory or was killed. "
            "Reduce what the cell holds in memory (or free memory on this machine) and run `make book` again."
        )
    if kind == "CellTimeoutError" or "timed out" in said.lower():
        return (
            f"{where} ran for more than {seconds} s and was stopped. If it is expected to take that long, "
            f"raise the limit: make book TIMEOUT={seconds * 2} (or KZOPINION_CELL_TIMEOUT)."
        )
    if hasattr(err, "ename"):  # papermill's PapermillExecutionError: the cell's own exception
        return f"{where} raised {err.ename}: {err.evalue} (the full traceback is in the partial output named above)."
    return f"{where} failed: {kind}: {said.splitlines()[0] if said else ''}"


def _watch(
    source: Path, scratch: Path, done: threading.Event, seconds: int, progress: Callable[[str], None] | None
) -> None:
    """Say which cell is running while one runs long (papermill saves the scratch copy at each cell)."""
    if progress is None:
        return
    every = progress_seconds()
    current, since, told = None, time.monotonic(), 0
    while not done.wait(min(every, 5.0)):
        cell = _running_cell(scratch)
        if cell != current:
            current, since, told = cell, time.monotonic(), 0
            continue
        elapsed = time.monotonic() - since
        if cell and elapsed >= (told + 1) * every:
            told += 1
            progress(
                f"  {source.stem}: {cell_location(source, cell)} still running after {elapsed:.0f} s "
                f"(stopped at {seconds} s; set with make book TIMEOUT=...)"
            )


def write_beside(notebook: nbformat.NotebookNode, target: Path) -> None:
    """Write next to ``target`` then rename over it: atomic, and never across file systems."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        nbformat.write(notebook, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def normalize(record: Path) -> None:
    """Strip volatile metadata (chart ids are already stable: kzopinion.analysis.charts derives them from the spec)."""
    notebook = nbformat.read(record, as_version=4)
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)
    notebook.metadata.get("language_info", {}).pop("version", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]  # papermill adds it to untagged cells; a resynced cell has none
    nbformat.write(_number_cells(notebook), record)


def cell_contents(notebook: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """(type, source, tags) per cell: what must agree between the two files of a pair."""
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in notebook.cells]


def cell_layout(notebook: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(type, source, tags, options) per cell: what an author writes, a figure's caption in its options included
    (a caption-only edit must reach the record, and so the page)."""
    return [
        (*contents, json.dumps(cell.metadata, sort_keys=True, default=str))
        for contents, cell in zip(cell_contents(notebook), notebook.cells)
    ]


def pair_differences(source: Path) -> list[str]:
    """Human-readable differences between ``source`` and its twin (empty when in sync)."""
    record = twin(source)
    if not record.exists():
        return [f"{record.name} is missing: run `make book`"]
    left, right = cell_layout(convert(source)), cell_layout(nbformat.read(record, as_version=4))
    problems = []
    if len(left) != len(right):
        problems.append(f"{source.name} has {len(left)} cells, {record.name} has {len(right)}")
    for index, (a, b) in enumerate(zip(left, right)):
        if a != b:
            what = "type" if a[0] != b[0] else "tags" if a[2] != b[2] else "source" if a[1] != b[1] else "options"
            problems.append(f"cell {index + 1}: {what} differs ({source.name}: {a[1][:60]!r} ...)")
    return problems
