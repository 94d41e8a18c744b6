"""The notebook pairs: MyST source (``.md``) -> executed record (``.ipynb``).

Authors edit ``notebooks/NN-slug.md``. :func:`execute` converts it one way into the
``.ipynb`` twin, runs it in place with papermill (no parameters, so no injected cell),
and :func:`normalize` strips what changes from run to run, so re-executing an unchanged
notebook leaves the file byte-identical.

A notebook must be re-executed when the sha256 of what its outputs depend on (its code
cells, every data file, the helper package, the microdata registration; for the report, the
values the other notebooks recorded) differs from the one stored in its metadata, see
:func:`inputs_digest`. An edit to prose only is copied into the record without executing
anything (:func:`resync`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jupytext
import nbformat

META_KEY = "kzopinion"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def sources(root: Path) -> list[Path]:
    """Every notebook source (``notebooks/*.md``), in order."""
    return sorted((root / "notebooks").glob("[0-9][0-9]-*.md"))


def twin(source: Path) -> Path:
    return source.with_suffix(".ipynb")


def is_report(source: Path) -> bool:
    """Report notebooks (``99-*``) read the other notebooks' records, so they run last."""
    return source.stem.startswith("99-")


def inputs_digest(source: Path, root: Path) -> str:
    """sha256 over what the notebook's outputs depend on.

    That is its code cells (source and tags; prose does not affect outputs), the data files,
    the helper package, and the microdata manifest and mappings (which decide between real
    and simulated respondents); for a report notebook, also every value the other notebooks
    glued. Data identity is part of the digest because execution caches hash code, not data.
    """
    from kzopinion import gluekeys

    digest = hashlib.sha256()
    for cell in convert(source).cells:
        if cell.cell_type == "code":
            digest.update(repr((cell.source.strip(), cell.metadata.get("tags", []))).encode())
    if is_report(source):
        for other in sources(root):
            if not is_report(other) and twin(other).exists():
                digest.update(repr(sorted(gluekeys.glued_values(twin(other)).items())).encode())
    files = [*sorted((root / "data").rglob("*.csv")), root / "data" / "datapackage.json",
             *sorted((root / "src" / "kzopinion").rglob("*.py"))]
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


def status(source: Path, root: Path) -> str:
    """``"execute"`` (outputs may change), ``"resync"`` (prose only changed) or ``"current"``."""
    record = twin(source)
    if not record.exists():
        return "execute"
    stored = nbformat.read(record, as_version=4).metadata.get(META_KEY, {}).get("inputs_sha256")
    if stored != inputs_digest(source, root):
        return "execute"
    return "current" if cells_match(source) else "resync"


def is_stale(source: Path, root: Path) -> bool:
    return status(source, root) != "current"


def resync(source: Path) -> Path:
    """Copy edited prose into the record, keeping every code cell's stored outputs.

    Only valid when :func:`status` says ``"resync"``: the code cells are then identical.
    """
    record = twin(source)
    old = nbformat.read(record, as_version=4)
    new = convert(source)
    old_code = [c for c in old.cells if c.cell_type == "code"]
    new_code = [c for c in new.cells if c.cell_type == "code"]
    if [c.source.strip() for c in old_code] != [c.source.strip() for c in new_code]:
        raise ValueError(f"{source.name}: code changed, so the notebook must be executed, not resynced")
    for before, after in zip(old_code, new_code):
        after.outputs, after.execution_count = before.outputs, before.execution_count
    new.metadata = old.metadata
    nbformat.write(new, record)
    normalize(record)
    return record


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
    """Strip volatile metadata (chart ids are already stable: kzopinion.charts derives them from the spec)."""
    notebook = nbformat.read(record, as_version=4)
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)
    language = notebook.metadata.get("language_info", {})
    language.pop("version", None)
    for number, cell in enumerate(notebook.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{number:02d}"  # stable: nbformat 4.5 ids are random otherwise
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
