"""What a notebook's kernel actually read, so that a record is re-executed only when that changed.

The build starts each kernel with :func:`install` (an IPython start-up file), which notes what each
cell reads of the data package, and appends one hidden cell that calls :func:`report`. That cell
prints, as one JSON line after :data:`MARKER`, the reads of the run:

- ``tables``: every table loaded through :func:`kzopinion.data.load`, with the digest of its
  package entry (checksum, schema, checks);
- ``rows``: of a row-scoped table read only in part (the claims: each section reads its own), the
  digest of the rows read, by key prefix (:mod:`kzopinion.data.reads`);
- ``files``: every file of ``data/`` that is not a table of the package (mappings, ...), with the checksum
  of its text: a kernel may open any of them, and watching them all needs no hook on its file functions;
- ``microdata``: the registration fingerprint, or ``"absent"``, when ``kzopinion.data.microdata``
  was imported (it decides between real and simulated respondents);
- ``records``: for a report (which reads the sections' records), every other record, with the digest of
  the values it glued;
- ``modules``: every imported ``kzopinion`` module, with the checksum of its source text.

The build removes the cell, stores the reads in the record's metadata and derives
``inputs_sha256`` from the code cells and these reads (:func:`kzopinion.book.notebooks.inputs_digest`).
Every name is relative to the repository root and every file is hashed by its canonical text
(see :func:`kzopinion.data.canonical_text`), so the digest does not depend on where the
repository is cloned, which machine executed it, or a BOM or line-ending change.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

MARKER = "kzopinion-reads:"
# The recording machinery itself is build tooling, not an input of any notebook (and every kernel
# imports it, with the code-free package that holds it).
_NOT_INPUTS = {"kzopinion.book", "kzopinion.book.kernel_reads", "kzopinion.book.guard", "kzopinion.book.stamps"}


def text_sha256(path: Path) -> str:
    """sha256 of the file's canonical text (raw bytes for binary files); ``"absent"`` when missing."""
    from kzopinion import data

    if not path.is_file():
        return "absent"
    try:
        return data.sha256(path)
    except UnicodeDecodeError:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


CELL_MARKER = "kzopinion-cell-reads:"
BY_CELL: dict[int, list[str]] = {}  # execution count -> what that cell read (kzopinion.data.reads.CELL)


def _cell_started(*_info) -> None:
    reads = sys.modules.get("kzopinion.data.reads")
    if reads is not None:
        reads.CELL.clear()


def _cell_finished(result) -> None:
    reads = sys.modules.get("kzopinion.data.reads")
    if reads is not None and reads.CELL and result.execution_count:
        rows = _outermost({name[:-2] for name in reads.CELL if name.endswith("*]")})  # "claims[fp_" holds "claims[fp_x"
        BY_CELL[result.execution_count] = sorted(
            name for name in reads.CELL if not name.endswith("*]") or name[:-2] in rows
        )


_LISTENING: list = []  # the shells whose cell events are listened to (one per kernel)


def install() -> None:
    """In an IPython kernel, note what each cell reads of the data package (for the doorway of each value it
    glues), through IPython's own cell events."""
    from IPython import get_ipython

    shell = get_ipython()  # None outside a kernel
    if shell is not None and shell not in _LISTENING:
        shell.events.register("pre_run_cell", _cell_started)
        shell.events.register("post_run_cell", _cell_finished)
        _LISTENING.append(shell)


def reads(root: Path, own_record: str | None = None, records: bool = False) -> dict[str, Any]:
    """The reads of this process so far, keyed as described in the module docstring; ``records``: this is a
    report, which reads every other notebook's record."""
    from kzopinion import data
    from kzopinion.data import reads as row_reads

    result: dict[str, Any] = {"tables": {name: data.entry_digest(name, root) for name in sorted(data.LOADED)}}
    rows = {
        name: {prefix: row_reads.rows_digest(name, prefix, root) for prefix in sorted(_outermost(prefixes))}
        for name, prefixes in sorted(row_reads.ROWS.items())
        if name not in data.LOADED
    }
    if rows:
        result["rows"] = rows
    result["files"] = {name: text_sha256(root / name) for name in other_data_files(root)}
    others = sorted((root / "notebooks").glob("*.ipynb")) if records else []
    result["records"] = {path.stem: record_digest(path) for path in others if path.stem != own_record}
    if "kzopinion.data.microdata" in sys.modules:
        result["microdata"] = microdata_fingerprint(root)
    result["modules"] = {
        name: module_sha256(name, root)
        for name in sorted(sys.modules)
        if (name == "kzopinion" or name.startswith("kzopinion.")) and name not in _NOT_INPUTS
    }
    return result


def other_data_files(root: Path) -> list[str]:
    """The files of ``data/`` but its tables (read through the one loader, so covered by their package entries or
    the digests of the rows read), the package itself and registered microdata (covered by its fingerprint)."""
    from kzopinion import data

    tables = {f"data/{entry['path']}" for entry in data.package(root)["resources"]}
    found = []
    for folder, dirs, names in os.walk(root / "data", followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in ("microdata", "__pycache__"))
        for name in names:
            relative = (Path(folder) / name).relative_to(root).as_posix()
            if relative not in tables and relative != "data/datapackage.json" and not name.startswith("."):
                found.append(relative)
    return sorted(found)


def _outermost(prefixes: set[str]) -> set[str]:
    """The prefixes no other one contains ("fp_" holds "fp_negative"): their rows are all that was read."""
    return {p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}


def module_sha256(name: str, root: Path) -> str:
    """Checksum of the source text of package module ``name`` as it stands under ``root/src``."""
    relative = Path(*name.split("."))
    package = root / "src" / relative / "__init__.py"
    return text_sha256(package if package.exists() else (root / "src" / relative).with_suffix(".py"))


def microdata_fingerprint(root: Path) -> str:
    """Checksum of the microdata registration (manifest, shipped mappings and the user's local overrides),
    or ``"absent"``."""
    from kzopinion.data import harmonise, microdata, registry

    manifest = root / "data" / "microdata" / "manifest.json"
    if not manifest.is_file() or microdata.edition(root) == "public":
        return "absent"  # the public edition never uses registered files (kzopinion.book.editions)
    digest = hashlib.sha256(text_sha256(manifest).encode())
    local = [harmonise.local_mapping_path(source, root) for source in registry.SOURCES]
    for mapping in [*sorted((root / "data" / "mappings").glob("*.csv")), *(p for p in local if p.is_file())]:
        digest.update(f"{mapping.name}={text_sha256(mapping)}".encode())
    return "sha256:" + digest.hexdigest()


def record_digest(record: Path) -> str:
    """sha256 of the values an executed notebook glued (what a reader of its record sees)."""
    from kzopinion.paper import records

    if not record.is_file():
        return "absent"
    values = sorted(records.glued_values(record).items())
    return "sha256:" + hashlib.sha256(json.dumps(values).encode()).hexdigest()


def current(stored: dict[str, Any], root: Path) -> dict[str, Any]:
    """The same reads as ``stored`` (a previous run's), valued as the repository is now."""
    from kzopinion import data

    now: dict[str, Any] = {
        "tables": {name: data.entry_digest(name, root) for name in stored.get("tables", {})},
        "files": {name: text_sha256(root / name) for name in other_data_files(root)},
        "records": {stem: record_digest(root / "notebooks" / f"{stem}.ipynb") for stem in stored.get("records", {})},
    }
    if "rows" in stored:
        from kzopinion.data import reads as row_reads

        now["rows"] = {
            name: {prefix: row_reads.rows_digest(name, prefix, root) for prefix in prefixes}
            for name, prefixes in stored["rows"].items()
        }
    if "microdata" in stored:
        now["microdata"] = microdata_fingerprint(root)
    now["modules"] = {name: module_sha256(name, root) for name in stored.get("modules", {})}
    return now


def report(own_record: str | None = None, records: bool = False) -> None:
    """Print this kernel's reads (called by the hidden last cell the build appends)."""
    from kzopinion import paths

    print(MARKER + json.dumps(reads(paths.root(), own_record, records), sort_keys=True))
    print(CELL_MARKER + json.dumps({str(count): names for count, names in sorted(BY_CELL.items())}))
