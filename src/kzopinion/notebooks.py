"""The notebook pairs: MyST source (``.md``) -> executed record (``.ipynb``).

Authors edit ``notebooks/NN-slug.md``. :func:`execute` converts it one way into the
``.ipynb`` twin, runs it in place with papermill (no parameters, so no injected cell),
and :func:`normalize` strips what changes from run to run, so re-executing an unchanged
notebook leaves the file byte-identical.

A notebook is stale when the sha256 of its inputs (its source, every data file, and the
helper package) differs from the one stored in its metadata, see :func:`inputs_digest`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jupytext
import nbformat

META_KEY = "kzopinion"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
_ALTAIR_ID = re.compile(r"altair-viz-[0-9a-f]{32}")


def sources(root: Path) -> list[Path]:
    """Every notebook source (``notebooks/*.md``), in order."""
    return sorted((root / "notebooks").glob("[0-9][0-9]-*.md"))


def twin(source: Path) -> Path:
    return source.with_suffix(".ipynb")


def is_report(source: Path) -> bool:
    """Report notebooks (``99-*``) read the other notebooks' records, so they run last."""
    return source.stem.startswith("99-")


def inputs_digest(source: Path, root: Path) -> str:
    """sha256 over the notebook source, the data files, the helper package, the microdata
    manifest and mappings (which decide between real and simulated respondents).

    Data identity is part of the digest because execution caches hash code, not data.
    """
    digest = hashlib.sha256()
    files = [source, *sorted((root / "data").rglob("*.csv")), root / "data" / "datapackage.json",
             *sorted((root / "src" / "kzopinion").rglob("*.py"))]
    if is_report(source):
        files += [twin(s) for s in sources(root) if not is_report(s) and twin(s).exists()]
    for path in files:
        if "microdata" in path.parts:
            continue  # respondent files are covered by the manifest below
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    # Registering or removing microdata switches notebooks between real and simulated data.
    manifest = root / "data" / "microdata" / "manifest.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    for mapping in sorted((root / "data" / "mappings").glob("*.csv")):
        digest.update(mapping.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def is_stale(source: Path, root: Path) -> bool:
    record = twin(source)
    if not record.exists():
        return True
    stored = nbformat.read(record, as_version=4).metadata.get(META_KEY, {}).get("inputs_sha256")
    return stored != inputs_digest(source, root) or not cells_match(source)


def convert(source: Path) -> nbformat.NotebookNode:
    """The ``.md`` source as a notebook with no outputs and the project's kernel."""
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = dict(KERNEL)
    notebook.metadata.pop("jupytext", None)
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"
    return notebook


def execute(source: Path, root: Path, timeout: int = 600) -> Path:
    """Convert ``source``, execute it, and replace its twin only if every cell ran.

    Execution happens in ``_build/executing/`` (from the notebook's own folder), so a
    failing notebook leaves the committed record untouched and its partial output on
    disk for inspection.
    """
    import papermill

    scratch = root / "_build" / "executing" / twin(source).name
    scratch.parent.mkdir(parents=True, exist_ok=True)
    notebook = convert(source)
    notebook.metadata[META_KEY] = {"inputs_sha256": inputs_digest(source, root)}
    nbformat.write(notebook, scratch)
    papermill.execute_notebook(
        str(scratch), str(scratch), kernel_name=KERNEL["name"], cwd=str(source.parent),
        progress_bar=False, log_output=False, execution_timeout=timeout,
    )
    normalize(scratch)
    scratch.replace(twin(source))
    return twin(source)


def normalize(record: Path) -> None:
    """Strip volatile metadata and give Altair charts stable DOM ids."""
    notebook = nbformat.read(record, as_version=4)
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)
    language = notebook.metadata.get("language_info", {})
    language.pop("version", None)
    for number, cell in enumerate(notebook.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{number:02d}"  # stable: nbformat 4.5 ids are random otherwise
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str) and "altair-viz-" in value:
                    ids = {}
                    output["data"][mime] = _ALTAIR_ID.sub(
                        lambda m: ids.setdefault(m.group(0), f"altair-viz-{record.stem}-{number}-{len(ids)}"), value)
    nbformat.write(notebook, record)


def cell_contents(notebook: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """(type, source, tags) per cell: what must agree between the two files of a pair."""
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in notebook.cells]


def cells_match(source: Path) -> bool:
    record = twin(source)
    return record.exists() and cell_contents(convert(source)) == cell_contents(nbformat.read(record, as_version=4))


def pair_differences(source: Path) -> list[str]:
    """Human-readable differences between ``source`` and its twin (empty when in sync)."""
    record = twin(source)
    if not record.exists():
        return [f"{record.name} is missing: run `make book`"]
    left, right = cell_contents(convert(source)), cell_contents(nbformat.read(record, as_version=4))
    problems = []
    if len(left) != len(right):
        problems.append(f"{source.name} has {len(left)} cells, {record.name} has {len(right)}")
    for index, (a, b) in enumerate(zip(left, right)):
        if a != b:
            what = "type" if a[0] != b[0] else "tags" if a[2] != b[2] else "source"
            problems.append(f"cell {index + 1}: {what} differs ({source.name}: {a[1][:60]!r} ...)")
    return problems
