"""Load any table of the data package by name, validated against its schema and checksum.

``data/datapackage.json`` (a Frictionless Data Package) describes every table: its file, source, licence,
field schema and ``hash``. Validation has three parts, each refusing with one :class:`DataValidationError`
sentence naming the file, the row (and line), the column and the fix:

- the project's file rules, on every :func:`load`: the file exists, is UTF-8, stays under
  :data:`MAX_TABLE_BYTES` and matches its recorded checksum;
- the Data Package standard, checked by ``frictionless`` alone (:func:`validate_standard`): the descriptor,
  the header, every cell's type and constraints, ``primaryKey``, ``unique`` and ``foreignKeys``; its errors
  become sentences in one place (:func:`refusal`);
- the project's own rules, which no Table Schema expresses: what the package must declare
  (:data:`PACKAGE_SCHEMA`, each table once), numbers and booleans written plainly (on every load, as cells
  are converted: frictionless reads ``NaN``, ``inf``, ``1_000``, non-ASCII digits and ``True`` as values)
  and the table-level checks a resource names (:data:`TABLE_CHECKS`).

:func:`validate_all` (``make data``; ``make book``, under the build's own stamp ``_build/.validated.key``)
always runs all three. :func:`load` runs it once per process and state of the package: the package states
found valid are remembered in memory by the sha256 of the package's text, which holds every table's checksum
(the file rules hold each file to it). No stamp is written, so nothing on disk must be trusted or kept in step.
The one hand-over is to the kernels a build starts: a process that found the package valid passes that state in
their environment (:data:`VALID_PACKAGE`, :func:`valid_state`), and a kernel whose package has that state skips
its own validation (about 1 s a kernel); any other state is validated as before.

The checksum is the sha256 of the file's *text*: a byte-order mark, Windows line endings and trailing blank
lines are not changes of content, so they neither fail the checksum nor the parse. For an ordinary UTF-8
file with LF endings it equals ``sha256sum``.

Command line (:mod:`kzopinion.data.__main__`)::

    python -m kzopinion.data check            # validate every table
    python -m kzopinion.data rehash NAME ...  # record new checksums after a reviewed edit
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from kzopinion import formatting as fmt
from kzopinion import paths
from kzopinion.paths import not_utf8  # the one sentence for a file that is not UTF-8 (also read from here)


class DataValidationError(ValueError):
    """A data file does not match what ``data/datapackage.json`` declares."""


# Tables loaded by this process (see kzopinion.book.kernel_reads: a record depends on the tables it loaded).
# Tables read only to validate another (table checks) are not recorded: they decide whether a table is
# valid, which the build checks before executing anything, not what it holds.
LOADED: set[str] = set()
_VALIDATING = [0]
# A table is a transcription of printed numbers: anything this large is a mistake, not data.
MAX_TABLE_BYTES = 2_000_000

# --------------------------------------------------------------------------- package

_STR, _TEXT = {"type": "string"}, {"type": "string", "minLength": 1}
_FIELD = {
    "type": "object",
    "required": ["name", "type", "description"],
    "properties": {
        "name": _TEXT,
        "type": {"enum": ["string", "integer", "number", "boolean"]},
        "constraints": {
            "type": "object",
            "properties": {
                "required": {"type": "boolean"},
                "unique": {"type": "boolean"},
                "enum": {"type": "array"},
                "pattern": _STR,
                "minimum": {"type": "number"},
                "maximum": {"type": "number"},
            },
        },
    },
}
PACKAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "resources"],
    "properties": {
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "path", "schema", "hash", "title", "description", "tier", "licenses"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9_.-]+$"},
                    "title": _TEXT,
                    "description": _TEXT,
                    "tier": {"enum": ["published", "external", "coding"]},
                    "checks": {"type": "array", "items": _STR},
                    "licenses": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "required": ["title"], "properties": {"title": _STR}},
                    },
                    "sources": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["title", "path"],
                            # "secondary": what the source is when not the original's own release (a transcription,
                            # a press summary); a status confirmed against it says so (kzopinion.paper.ledger)
                            "properties": {"title": _STR, "path": _STR, "secondary": _TEXT},
                        },
                    },
                    "path": {"type": "string", "pattern": "^[^/].*\\.csv$"},
                    "hash": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                    "schema": {
                        "type": "object",
                        "required": ["fields"],
                        "properties": {
                            "fields": {"type": "array", "minItems": 1, "items": _FIELD},
                            "missingValues": {"type": "array", "items": _STR},
                        },
                    },
                },
            },
        }
    },
}
"""What the project requires of ``data/datapackage.json`` beyond the Data Package standard (:func:`validate_standard`):
the properties every table must have, four field types, a sha256 checksum; constraint values typed, as frictionless
5.21 fails with a TypeError, not an error report, on a ``maximum`` it cannot compare."""

_PACKAGE_CACHE: dict[tuple[str, int, int], dict[str, Any]] = {}


def package(root: Path | None = None) -> dict[str, Any]:
    """The parsed and shape-checked data package (JSON is read with the standard, code-free loader)."""
    path = (root or paths.root()) / "data" / "datapackage.json"
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataValidationError(
            f"{_rel(path, root)} is missing: every table is declared there. Restore it "
            "(git checkout data/datapackage.json)."
        ) from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _PACKAGE_CACHE:
        try:
            parsed = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as err:
            raise DataValidationError(not_utf8(_rel(path, root), path.read_bytes(), err)) from None
        except json.JSONDecodeError as err:
            raise DataValidationError(f"{_rel(path, root)} is not valid JSON: {err}") from None
        _check_package(parsed, _rel(path, root))
        _PACKAGE_CACHE.clear()
        _PACKAGE_CACHE[key] = parsed
    return _PACKAGE_CACHE[key]


def _check_package(pkg: Any, where: str) -> None:
    """Refuse a package without what the project requires of it (:data:`PACKAGE_SCHEMA`) or with a table
    declared twice, saying where."""
    import jsonschema

    errors = sorted(jsonschema.Draft7Validator(PACKAGE_SCHEMA).iter_errors(pkg), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        location = "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.path) or "the top level"
        name = ""
        if len(error.path) >= 2 and error.path[0] == "resources" and isinstance(error.path[1], int):
            entry = pkg["resources"][error.path[1]]
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                name = f" (resource '{entry['name']}')"
        raise DataValidationError(
            f"{where} does not have the shape of a data package: at {location}{name}, {error.message}. "
            "Compare the entry with the others in the file."
        )
    names = [entry["name"] for entry in pkg["resources"]]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise DataValidationError(
                f"{where}: the table '{name}' is declared twice (resources {names.index(name)} "
                f"and {index}, counting from 0). Keep one entry."
            )


def entry_digest(name: str, root: Path | None = None) -> str:
    """sha256 of what a table's loaded content depends on: its checksum, schema and checks."""
    try:
        res = resource(name, root)
    except DataValidationError:
        return "absent"
    entry = {"hash": res.get("hash"), "schema": res.get("schema"), "checks": res.get("checks", [])}
    return "sha256:" + hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()


def resource(name: str, root: Path | None = None) -> dict[str, Any]:
    """The package entry of one table."""
    resources = {r["name"]: r for r in package(root)["resources"]}
    if name not in resources:
        raise DataValidationError(
            f"No table named '{name}' in data/datapackage.json. Known tables: {', '.join(sorted(resources))}."
        )
    return resources[name]


def resource_names(root: Path | None = None) -> list[str]:
    return [r["name"] for r in package(root)["resources"]]


# --------------------------------------------------------------------------- reading


def canonical_text(path: Path) -> str:
    """File text without BOM, with LF line endings and exactly one final newline."""
    text = path.read_bytes().decode("utf-8-sig")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def sha256(path: Path) -> str:
    """``sha256:<hex>`` of the canonical text (see module docstring)."""
    return "sha256:" + hashlib.sha256(canonical_text(path).encode("utf-8")).hexdigest()


def _checked_text(name: str, root: Path, checksum: bool = True) -> tuple[dict[str, Any], str, str]:
    """A table's entry, its file (as the user names it) and its canonical text, after the project's file rules:
    the file exists, is under :data:`MAX_TABLE_BYTES`, is UTF-8 and (``checksum``) matches its recorded checksum."""
    res = resource(name, root)
    path = root / "data" / res["path"]
    where = f"declared by resource '{name}' in data/datapackage.json"
    if not path.exists():
        siblings = sorted(p.name for p in path.parent.glob("*.csv")) if path.parent.exists() else []
        raise DataValidationError(
            f"{_rel(path, root)} is missing ({where}). Restore the file or update its 'path'. "
            f"CSV files in {_rel(path.parent, root)}: {', '.join(siblings) or 'none'}."
        )
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise DataValidationError(
            f"{_rel(path, root)} is {size / 1e6:.1f} MB, above the {MAX_TABLE_BYTES / 1e6:.0f} MB cap for a table "
            f"({where}): tables hold printed aggregates; respondent-level files go in data/microdata/ "
            "(make data), never in the data package."
        )
    try:
        text = canonical_text(path)
    except UnicodeDecodeError as err:
        raise DataValidationError(not_utf8(_rel(path, root), path.read_bytes(), err)) from None
    if checksum:
        _check_checksum(name, res, _rel(path, root), text)
    return res, _rel(path, root), text


def _check_checksum(name: str, res: dict[str, Any], file: str, text: str) -> None:
    """The file's text is the one whose checksum the package records, or the sentence saying how to record it."""
    actual, expected = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest(), res.get("hash")
    if actual != expected:
        raise DataValidationError(
            f"{file} changed: its checksum is {actual} but data/datapackage.json "
            f"(resource '{name}') records {expected}. If the edit is intended and its source is "
            f"documented, record the new checksum with: make rehash TABLE={name}"
        )


def _changed(names: list[str], root: Path) -> list[tuple[str, str, DataValidationError]]:
    """``(table, file, its checksum refusal)`` for every table whose file no longer has its recorded checksum (after
    the other file rules, which raise at once: a missing, oversized or non-UTF-8 file cannot be validated at all)."""
    found = []
    for name in names:
        res, file, text = _checked_text(name, root, checksum=False)
        try:
            _check_checksum(name, res, file, text)
        except DataValidationError as err:
            found.append((name, file, err))
    return found


def load(name: str, root: Path | None = None) -> pd.DataFrame:
    """Read table ``name``, validated; integer columns are nullable ``Int64``.

    The file rules and the plain-value rule run on every load; the whole package is validated
    (:func:`validate_all`) once per process and state of the package (see the module docstring).
    Raises :class:`DataValidationError` naming file, row, column and the fix.
    """
    root = root or paths.root()
    if (state := _state(root)) not in _VALID and state != os.environ.get(VALID_PACKAGE):
        validate_all(root)  # a data error is named before a changed checksum (see validate_all)
    res, file, text = _checked_text(name, root, checksum=not _VALIDATING[0])
    frame = _frame(res, file, text)
    if not _VALIDATING[0]:
        from kzopinion.data import reads

        LOADED.add(name)
        reads.touch(name)
    return frame


_VALID: set[str] = set()  # the states of the package this process found valid
VALID_PACKAGE = "KZOPINION_VALID_PACKAGE"  # the build's hand-over to its kernels (not a setting): a valid state


def valid_state(root: Path) -> str | None:
    """The package's state if this process found it valid (what a build hands its kernels), else None (a package
    it cannot read is for the kernel to refuse)."""
    try:
        state = _state(root)
    except DataValidationError:
        return None
    return state if state in _VALID else None


def _state(root: Path) -> str:
    """The package's state: the sha256 of its text, which holds every table's checksum, schema and checks."""
    return hashlib.sha256(json.dumps(package(root), sort_keys=True).encode()).hexdigest()


def _check_table(name: str, res: dict[str, Any], file: str, frame: pd.DataFrame, root: Path) -> None:
    """The resource's own table-level checks (:data:`TABLE_CHECKS`), which no Table Schema rule expresses."""
    _VALIDATING[0] += 1
    try:
        for check in res.get("checks", []):
            if check not in TABLE_CHECKS:
                raise DataValidationError(
                    f"data/datapackage.json, resource '{name}': 'checks' names an unknown "
                    f"check '{check}'; the known checks are {sorted(TABLE_CHECKS)}."
                )
            TABLE_CHECKS[check](frame, file, root)
    finally:
        _VALIDATING[0] -= 1


def validate_all(root: Path | None = None, progress: Callable[[str], None] | None = None) -> list[str]:
    """Validate the whole package, always: one ``frictionless`` validation, then every table's plain values and
    own checks. Returns the table names; raises :class:`DataValidationError` on the first problem.

    A table whose checksum changed is validated as it is now, and a data error (a bad value, a broken schema rule)
    is raised before the checksum refusal, saying that the checksum changed too: the checksum's fix (``make
    rehash``) would record the bad value; the data error is the real problem. The checksum refusal comes last,
    for tables whose content is valid."""
    root = root or paths.root()
    names = resource_names(root)
    changed = _changed(names, root)
    state = _state(root)
    refused = {name for name, _, _ in changed}

    def valid(name: str) -> None:
        if progress and name not in refused:  # a changed table is refused below, never said to be valid
            progress(name)

    try:
        validate_standard(root, checksums=False)
        _VALID.add(state)  # a table check may load another table (claims): frictionless has just checked it
        _validate_tables(names, root, valid)
    except DataValidationError as err:
        _VALID.discard(state)
        raise DataValidationError(str(err) + _also_changed(changed)) from None
    if changed:
        _VALID.discard(state)
        raise changed[0][2]
    return names


def _validate_tables(names: list[str], root: Path, progress: Callable[[str], None]) -> None:
    """Every table's plain values and own checks, over its text as it is now (checksums are validate_all's)."""
    _VALIDATING[0] += 1  # the tables a check loads are read as they are now too
    try:
        for name in names:
            res, file, text = _checked_text(name, root, checksum=False)
            _check_table(name, res, file, _frame(res, file, text), root)
            progress(name)
    finally:
        _VALIDATING[0] -= 1


def _also_changed(changed: list[tuple[str, str, DataValidationError]]) -> str:
    """What a data error adds when tables also changed since their checksums were recorded: rehash only once the
    data is correct (a rehash now would record the error as the reviewed state)."""
    if not changed:
        return ""
    files, tables = ", ".join(file for _, file, _ in changed), " ".join(name for name, _, _ in changed)
    return (
        f" {files} also changed since data/datapackage.json recorded {'its' if len(changed) == 1 else 'their'} "
        "checksum: correct the data first, then record the new checksum with make rehash "
        f"TABLE={tables if len(changed) == 1 else repr(tables)}."
    )


def validate_standard(root: Path | None = None, checksums: bool = True) -> None:
    """Validate the package with ``frictionless``: its descriptor, every field's type and constraints,
    ``primaryKey``, ``unique`` and ``foreignKeys``; over the tables' canonical text (see :func:`canonical_text`),
    after the file rules (the checksums among them only with ``checksums``). The first error is raised as a
    :class:`DataValidationError` sentence (:func:`refusal`)."""
    from frictionless import FrictionlessException, Package

    root = root or paths.root()
    pkg = package(root)
    descriptor = json.loads(json.dumps(pkg))
    with tempfile.TemporaryDirectory(prefix="kzopinion-validate-") as scratch:
        for res in descriptor["resources"]:
            res.pop("checks", None)  # the project's own table checks: _check_table
            if not checksums:
                res.pop("hash", None)  # frictionless would refuse a changed file before reading its values
            copy = Path(scratch) / res["path"]
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(_checked_text(res["name"], root, checksums)[2], encoding="utf-8")
        try:
            report = Package(descriptor, basepath=scratch).validate()
        except FrictionlessException as err:
            raise DataValidationError(_descriptor_refusal(err, pkg)) from None
    for task in report.tasks:
        if task.errors:  # a short or long row first: it explains the empty cells after it
            first = min(task.errors, key=lambda e: (getattr(e, "row_number", 0) or 0, not e.type.endswith("-cell")))
            raise DataValidationError(refusal(first, resource(task.name, root)))
    if report.errors:
        raise DataValidationError(
            f"data/datapackage.json: {report.errors[0].message}. Compare the entry with the others in the file."
        )


# --------------------------------------------------------------------------- frictionless errors, as sentences


def refusal(error: Any, res: dict[str, Any]) -> str:
    """One frictionless error on table ``res`` as one sentence: the file, the row (and its line), the column,
    what is wrong and the fix."""
    file, fields = f"data/{res['path']}", res["schema"]["fields"]
    declared = [f["name"] for f in fields]
    rule = f" (Table Schema rule '{error.type}', checked by frictionless)."
    if error.type.endswith("-label") or error.type == "blank-header":
        labels = list(getattr(error, "labels", None) or [])
        missing, extra = [c for c in declared if c not in labels], [c for c in labels if c not in declared]
        parts = [f"missing column(s) {missing}"] * bool(missing) + [f"unknown column(s) {extra}"] * bool(extra)
        problem = " and ".join(parts) or f"the header {labels} is not in the declared order"
        return (
            f"{file}: {problem}; the schema (declared by resource '{res['name']}' in data/datapackage.json) "
            f"declares {declared}. Make the file's header and the schema agree{rule}"
        )
    row, column = getattr(error, "row_number", None), getattr(error, "field_name", None)
    at = f"{file}, row {row - 1} (line {row})" if row else file
    if error.type in ("extra-cell", "missing-cell"):
        fix = "Quote cells that contain commas" if error.type == "extra-cell" else "Add the missing cells"
        return f"{at}: {len(error.cells)} cells but the header has {len(declared)}. {fix}{rule}"
    if error.type == "blank-row":
        return f"{at}: the row is blank; remove the line{rule}"
    at += f", column '{column}'" if column else ""
    field, cell = next((f for f in fields if f["name"] == column), {}), getattr(error, "cell", "")
    if error.type == "type-error":
        return f"{at}: '{cell}' is not of type {field.get('type', 'string')}; correct the value{rule}"
    plain = cell not in res["schema"].get("missingValues", [""]) and _plain_value_problem(cell, field.get("type", ""))
    if error.type == "constraint-error" and plain:
        return f"{at}: {plain}."  # frictionless reads 'NaN' as a number below the minimum
    if error.type == "constraint-error":
        constraint = (re.match(r'constraint "(\w+)"', error.note or "") or [None, ""])[1]
        limit = field.get("constraints", {}).get(constraint)
        problem = {
            "required": "a value is required but the cell is empty",
            "minimum": f"value {cell} is below the minimum {limit}",
            "maximum": f"value {cell} is above the maximum {limit}",
            "enum": f"'{cell}' is not one of the allowed values {limit}",
            "pattern": f"'{cell}' does not match the pattern {limit}",
        }.get(constraint, f"'{cell}' breaks the constraint {constraint} {limit!r}")
        return f"{at}: {problem}; correct the cell (or the schema, if the value is right){rule}"
    if error.type in ("unique-error", "primary-key"):
        key = res["schema"].get("primaryKey")
        columns = [column] if column else [key] if isinstance(key, str) else list(key)
        label = f"column '{columns[0]}'" if len(columns) == 1 else f"columns {columns}"
        at += f", {label}" if error.type == "primary-key" else ""
        value = [error.cells[declared.index(c)] for c in columns]
        first = re.search(r"position (\d+)", error.note or "")
        repeats = f"row {int(first.group(1)) - 1} (line {first.group(1)})" if first else "an earlier row"
        what = "the primary key" if error.type == "primary-key" else "a unique column"
        return (
            f"{at}: {value[0] if len(value) == 1 else tuple(value)!r} repeats {repeats}, but {label} "
            f"{'is' if len(columns) == 1 else 'are'} {what} and must not repeat. Remove or correct one of the "
            f"two rows{rule}"
        )
    if error.type == "foreign-key":
        return (
            f"{at}, column(s) {error.field_names}: {tuple(error.field_cells)!r} is not in table "
            f"'{error.reference_name}' (its {error.reference_field_names}), which the foreign key requires. "
            f"Correct the value or add the row to the referenced table{rule}"
        )
    return f"{at}: {error.message}; correct the file or its entry in data/datapackage.json{rule}"


def _descriptor_refusal(err: Any, pkg: dict[str, Any]) -> str:
    """A data package frictionless refuses to read, as a sentence naming the first entry it refuses."""
    from frictionless import Resource

    reports = {
        r["name"]: Resource.validate_descriptor({k: v for k, v in r.items() if k != "checks"}) for r in pkg["resources"]
    }
    name = next((name for name, report in reports.items() if not report.valid), None)
    reasons = reports[name].errors if name else getattr(err, "reasons", None) or [err.error]
    return (
        f"data/datapackage.json{f', resource {name!r}' if name else ''}: "
        f"{'; '.join(r.note or r.message for r in reasons)}. Compare the entry with the others in the file "
        "(Data Package standard, checked by frictionless)."
    )


# --------------------------------------------------------------------------- typed columns, written plainly


def _frame(res: dict[str, Any], file: str, text: str) -> pd.DataFrame:
    """The table as typed columns (frictionless has read every cell), refusing a number or boolean that is not
    written plainly: ASCII digits, no ``NaN`` or ``inf`` (a missing value is an empty cell), ``true``/``false``."""
    fields, missing = res["schema"]["fields"], set(res["schema"].get("missingValues", [""]))
    rows = [[None if cell in missing else cell for cell in row] for row in csv.reader(io.StringIO(text))][1:]
    for number, row in enumerate(rows, start=1):
        for field, raw in zip(fields, row):
            problem = raw is not None and _plain_value_problem(raw, field.get("type", "string"))
            if problem:
                raise DataValidationError(
                    f"{file}, row {number} (line {number + 1}), column '{field['name']}': {problem}."
                )
    return pd.DataFrame(
        {f["name"]: _series([row[i] for row in rows], f.get("type", "string")) for i, f in enumerate(fields)}
    )


def _plain_value_problem(raw: str, kind: str) -> str | None:
    """Why the project refuses a cell that frictionless reads as ``kind``, with the fix; None if it is plain."""
    if kind == "number" and _NON_FINITE.fullmatch(raw):
        return f"'{raw}' is not a finite number; leave the cell empty for a missing value"
    if kind == "number" and not _NUMBER.fullmatch(raw) or kind == "integer" and not _INTEGER.fullmatch(raw):
        return f"'{raw}' is not of type {kind}; write it in plain ASCII digits (no spaces, '_' or other digits)"
    if kind == "boolean" and raw not in ("true", "false"):
        return f"'{raw}' is not of type boolean; write true or false"
    return None


_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.ASCII | re.I)


def _series(values: list[str | None], kind: str) -> pd.Series:
    convert, dtype = {
        "integer": (int, "Int64"),
        "number": (float, "float64"),
        "boolean": ("true".__eq__, "boolean"),
    }.get(kind, (str, "string"))
    return pd.Series([None if v is None else convert(v) for v in values], dtype=dtype)


def _rel(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root or paths.root()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- table-level checks


def _check_focus_group_nesting(frame: pd.DataFrame, file: str, root: Path) -> None:
    """Nested counts exceed neither a parent nor their base; a partitioned parent equals its children's sum."""
    counts = dict(zip(frame["code"], frame["count"]))
    rows = zip(frame["code"], frame["parent_codes"], frame["count"], frame["base"], frame["partitioned"])
    for number, (code, parents, count, base, partitioned) in enumerate(rows, start=1):
        at = f"{file}, row {number} (line {number + 1})"
        for parent in _split(parents):
            if parent not in counts:
                raise DataValidationError(
                    f"{at}, column 'parent_codes': code '{code}' names an unknown parent "
                    f"'{parent}'; name a code of the column 'code'."
                )
            if count > counts[parent]:
                raise DataValidationError(
                    f"{at}, column 'count': code '{code}' counts {count}, more than its parent "
                    f"'{parent}' ({counts[parent]}); correct one of the two counts."
                )
        if count > base:
            raise DataValidationError(
                f"{at}, column 'count': code '{code}' counts {count}, more than its base "
                f"{base}; correct the count or the base."
            )
        children = frame[frame["parent_codes"].map(lambda p, code=code: code in _split(p))]
        if partitioned and int(children["count"].sum()) != count:
            raise DataValidationError(
                f"{at}, column 'count': code '{code}' is marked partitioned but its children "
                f"{children['code'].tolist()} sum to {int(children['count'].sum())}, not "
                f"{count}; correct the counts, or set the column 'partitioned' to false."
            )


def _split(parents: Any) -> list[str]:
    return [p.strip() for p in parents.split(";") if p.strip()] if isinstance(parents, str) else []


def _check_cell_references(frame: pd.DataFrame, file: str, root: Path) -> None:
    """Every row that names a cell of another table (columns ``table``, ``key``, ``column``; several keys
    joined by ``;``) names one that exists. What the reference means is the reader's business (the claims
    ledger, :mod:`kzopinion.paper.ledger`, for the claims table)."""
    from kzopinion.data.provenance import Tables

    known = set(resource_names(root))
    tables = Tables(root)
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        at = f"{file}, row {row_number} (line {row_number + 1})"
        if not isinstance(row.table, str):
            continue
        if row.table not in known:
            raise DataValidationError(
                f"{at}, column 'table': claim '{row.id}' names an unknown table '{row.table}'. "
                f"Known tables: {', '.join(sorted(known))}."
            )
        if not isinstance(row.key, str) or not isinstance(row.column, str):
            raise DataValidationError(
                f"{at}: claim '{row.id}' names table '{row.table}' but not the key and column "
                "of its own cell; fill in the columns 'key' and 'column'."
            )
        keys = set(tables.keys(row.table))
        for key in row.key.split(";"):
            if key not in keys:
                raise DataValidationError(
                    f"{at}, column 'key': claim '{row.id}' names the row '{key}', which "
                    f"{resource(row.table, root)['path']} lacks; correct the key."
                )
        if row.column not in set(tables.frame(row.table).columns):
            raise DataValidationError(
                f"{at}, column 'column': claim '{row.id}' names the column '{row.column}', "
                f"which {resource(row.table, root)['path']} lacks; correct the column."
            )


def _check_one_row_per_statement(frame: pd.DataFrame, file: str, root: Path) -> None:
    """No claim is counted twice: a row whose printed value and location (its section, and a ``quote`` of the
    article's words that holds or lies within another row's) match an earlier row restates that claim."""
    seen: list[tuple[int, str, str, str, str]] = []
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        quote = " ".join(str(row.quote).split()).lower()
        printed = " ".join(str(row.printed).split())
        for number, claim_id, section, earlier_printed, earlier in seen:
            if (section, earlier_printed) == (row.section, printed) and (quote in earlier or earlier in quote):
                raise DataValidationError(
                    f"{file}, row {row_number} (line {row_number + 1}): claim '{row.id}' restates claim "
                    f"'{claim_id}' (row {number}): the same section, printed value '{printed}' and words of the "
                    f"article ('{row.quote}'). A claim is counted once: record '{claim_id}' in the new section "
                    "instead of adding a row, and delete this one."
                )
        seen.append((row_number, row.id, row.section, printed, quote))


# The article's words for a part that is what is left of a whole: such a part makes its sum an identity
_REMAINDER_WORDS = re.compile(
    r"\b(?:remaining|the other (?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))\b", re.IGNORECASE
)


def _check_remainders_declared(frame: pd.DataFrame, file: str, root: Path) -> None:
    """A claim whose words define it as what remains of a whole ("the remaining seven", "the other four") is
    declared as that sum's remainder in coding/claim_cells.csv, so the sum is never counted as a check."""
    declared = load("claim_cells", root)
    parts = set(
        zip(*(declared.loc[declared["relation"] == "remainder", c] for c in ("table", "key", "column")), strict=True)
    )
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        words = _REMAINDER_WORDS.search(str(row.quote))
        if words and (row.table, row.key, row.column) not in parts:
            cell = f"{row.table}[{row.key}].{row.column}" if _filled(row.table) else "none: bind it to one first"
            raise DataValidationError(
                f"{file}, row {row_number} (line {row_number + 1}): claim '{row.id}' is worded as what remains of "
                f"a whole ('{words.group(0)}' in '{row.quote}'), but data/coding/claim_cells.csv declares its cell "
                f"({cell}) the remainder of no sum; add a row there: the total's claim id, this cell and relation "
                "'remainder', so the sum is counted as an identity, not a check."
            )


def _filled(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != "" or (not isinstance(value, str) and pd.notna(value))


def _check_readings_sourced(frame: pd.DataFrame, file: str, root: Path) -> None:
    """A reading carries a number only when verified, and then with its source, passage and comparison."""
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        at = f"{file}, row {row_number} (line {row_number + 1})"
        if row.status == "verified":
            # a superlative ("greatest in number") compares a count with the next one: it needs no share
            needed = ("source_id", "passage", "reading") + (() if row.reading == "superlative" else ("share",))
            empty = [c for c in needed if not _filled(getattr(row, c))]
            if row.reading in ("bound", "superlative") and not _filled(row.comparison):
                empty.append("comparison")
            if empty:
                raise DataValidationError(
                    f"{at}: reading '{row.key}' is verified but its {', '.join(empty)} is empty; give the source's "
                    "passage and number, or set status to missing."
                )
            if row.reading == "superlative" and (_filled(row.share) or row.comparison != ">"):
                raise DataValidationError(
                    f"{at}: reading '{row.key}' is a superlative (greatest in number), which compares a count with "
                    "the next one: leave 'share' empty and set 'comparison' to '>'."
                )
        elif _filled(row.share):
            raise DataValidationError(
                f"{at}, column 'share': reading '{row.key}' has a number but its status is '{row.status}'; a number "
                "not read and verified in its source is not recorded: empty the cell, or verify it and set status "
                "to verified."
            )


def _check_summary_thresholds(frame: pd.DataFrame, file: str, root: Path) -> None:
    """Each summary the article gives numbers for names its quantifier's reading; where that reading is a verified
    published number, the threshold is read from it (the row's rule and threshold stay empty), otherwise the row
    types the edition's own."""
    readings = load("quantifier_readings", root).set_index("key")
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        if not row.summary or not _filled(row.numerator):
            continue
        at = f"{file}, row {row_number} (line {row_number + 1})"
        key = row.quantifier_reading
        if not _filled(key) or key not in readings.index:
            raise DataValidationError(
                f"{at}, column 'quantifier_reading': summary '{row.id}' names no reading of quantifier_readings "
                f"('{key}'); add the word to data/external/quantifier_readings.csv (status missing if no published "
                "number is verified) and name its key here."
            )
        sourced = readings.at[key, "status"] == "verified"
        typed = [c for c in ("rule", "threshold") if _filled(getattr(row, c))]
        if sourced and typed:
            raise DataValidationError(
                f"{at}: summary '{row.id}' types its {' and '.join(typed)}, but reading '{key}' has a verified "
                "published number; empty the cells: the threshold is read from quantifier_readings."
            )
        if not sourced and len(typed) < 2:
            raise DataValidationError(
                f"{at}: summary '{row.id}' reads '{key}', which has no verified published number, and gives no rule "
                "and threshold; type the edition's own reading in 'rule' and 'threshold'."
            )


RELEASE_SERIES = "gallup_leadership_approval"
"""The series whose year-to-year changes Gallup's own releases (``gallup_release_changes``) check."""
RELEASE_ROUNDING = 1
"""How far, in percentage points, the series' change (between two whole percentages) may lie from a release's printed
change: each share is rounded by at most half a point, so their difference lies within one point of the unrounded
change, and a change printed as a whole number within half a point of it; two whole numbers within one and a half
points of each other are within one."""


def series_change(approval: pd.DataFrame, leadership: str, from_year: int, to_year: int) -> int | None:
    """The change in approval of ``leadership`` between two years of :data:`RELEASE_SERIES` (a frame of it), or
    None when either year has no approval value there."""
    rows = approval[approval["leadership"] == leadership].set_index("year")["approve"]
    if from_year not in rows.index or to_year not in rows.index or pd.isna(rows[from_year]) or pd.isna(rows[to_year]):
        return None
    return int(rows[to_year]) - int(rows[from_year])


def release_agrees(printed: int, series: int | None) -> bool:
    """Whether a change printed by a release and the series' change agree within :data:`RELEASE_ROUNDING`."""
    return series is not None and abs(int(series) - int(printed)) <= RELEASE_ROUNDING


def _check_release_changes_agree(frame: pd.DataFrame, file: str, root: Path) -> None:
    """Each change a Gallup release prints agrees with the approval series' values for its two years, within the
    rounding of two whole percentages (:data:`RELEASE_ROUNDING`)."""
    series_file = f"data/{resource(RELEASE_SERIES, root)['path']}"
    approval = load(RELEASE_SERIES, root)
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        at = f"{file}, row {row_number} (line {row_number + 1})"
        printed, whose = int(row.change), f"leadership '{row.leadership}'"
        years = f"{row.from_year} and {row.to_year}"
        change = series_change(approval, row.leadership, int(row.from_year), int(row.to_year))
        if change is None:
            raise DataValidationError(
                f"{at}: {row.source_id} prints a change of {printed:+d} points in approval of {whose} between "
                f"{years}, but {series_file} has no approval of it in both years; add the missing year to "
                f"{series_file} (from a source it declares), or correct the row's years."
            )
        if not release_agrees(printed, change):
            raise DataValidationError(
                f"{at}, column 'change': {row.source_id} prints a change of {printed:+d} points in approval of "
                f"{whose} between {years}, but {series_file} gives {change:+d} "
                f"(rows '{row.from_year}|{row.leadership}' and '{row.to_year}|{row.leadership}', column 'approve'), "
                f"more than the {RELEASE_ROUNDING} point the rounding of two whole percentages allows; correct the "
                f"transcription that is wrong (the release's sentence is in the row's quote), then record the edited "
                f"table's checksum with make rehash TABLE=<its name>."
            )


EXACT_UNITS = {"participants", "respondents", "count", "rank", "year", "decimal year", "judgement"}
_FRACTION = re.compile(r"^\s*\d+\s*/\s*\d+\s*$")


def printed_tolerance(printed: str, unit: str, value: float) -> float:
    """The tolerance a claim's printing justifies: none for an exact count, rank, year or judgement, or a number
    printed in words; for a ratio of counts printed as such ('38/49'), the precision records keep; otherwise half
    a unit of the last printed digit ('2.7%' 0.05, '.17' 0.005, '83%' 0.5)."""
    half = fmt.printed_half_unit(printed)
    if unit in EXACT_UNITS or half is None:
        return 0.0
    if _FRACTION.match(printed):
        return fmt.record_half_unit(value)
    return half


def _check_tolerance_from_printing(frame: pd.DataFrame, file: str, root: Path) -> None:
    """Every claim's tolerance is the one its printing justifies (:func:`printed_tolerance`), never a fixed
    width; a claim the article qualifies as approximate ('about 80') may allow more, never less."""
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        derived = printed_tolerance(str(row.printed), str(row.unit), float(row.value))
        typed = float(row.tolerance)
        qualifier = row.qualifier.strip().lower() if isinstance(row.qualifier, str) else ""
        approximate = qualifier in fmt.APPROXIMATE
        if (typed < derived - 1e-12) if approximate else not math.isclose(typed, derived, rel_tol=1e-9, abs_tol=1e-15):
            wanted = f"at least {derived:g}" if approximate else f"{derived:g}"
            raise DataValidationError(
                f"{file}, row {row_number} (line {row_number + 1}), column 'tolerance': claim '{row.id}' is printed "
                f"'{row.printed}' ({row.unit}), which justifies a tolerance of {wanted}, not {typed:g}; write "
                f"{wanted} there."
            )


TABLE_CHECKS: dict[str, Callable[[pd.DataFrame, str, Path], None]] = {
    "focus_group_nesting": _check_focus_group_nesting,
    "cell_references": _check_cell_references,
    "one_row_per_statement": _check_one_row_per_statement,
    "remainders_declared": _check_remainders_declared,
    "readings_sourced": _check_readings_sourced,
    "summary_thresholds": _check_summary_thresholds,
    "tolerance_from_printing": _check_tolerance_from_printing,
    "release_changes_agree": _check_release_changes_agree,
}


# --------------------------------------------------------------------------- command line


def rehash(names: list[str], root: Path | None = None) -> None:
    """Record the current checksum of each named table in ``data/datapackage.json``."""
    root = root or paths.root()
    pkg_path = root / "data" / "datapackage.json"
    pkg = package(root)
    known = {r["name"]: r for r in pkg["resources"]}
    for name in names:
        if name not in known:
            raise DataValidationError(f"No table named '{name}'. Known: {', '.join(sorted(known))}.")
        path = root / "data" / known[name]["path"]
        if not path.is_file():
            raise DataValidationError(
                f"{_rel(path, root)} is missing, so the checksum of '{name}' cannot be "
                "recorded: restore the file (git checkout) or fix the resource's 'path'."
            )
        try:
            known[name]["hash"] = sha256(path)
        except UnicodeDecodeError as err:
            raise DataValidationError(not_utf8(_rel(path, root), path.read_bytes(), err)) from None
        print(f"{name}: {known[name]['hash']}")
    pkg_path.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _report_after_rehash(root: Path | None = None) -> None:
    """After ``make rehash``, what ``make data`` will say of the package, on stderr: a data error in a table just
    rehashed (or any other) is named now, while the edit is fresh, not at the next build. The checksums stay
    recorded (they record the file as it is; the error is the file's, and the validation names it until fixed)."""
    try:
        validate_all(root)
    except DataValidationError as err:
        print(
            f"Data error (the checksums are recorded; make data and make book stop until it is fixed): {err}",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv else "check"
    if command not in ("check", "rehash"):
        print(__doc__)
        return 2
    try:
        root = paths.root()  # no repository here, or KZOPINION_ROOT naming another folder: said before anything
        if command == "check":
            names = validate_all(root, progress=lambda n: print(f"  ok  {n}"))
            print(f"{len(names)} tables valid.")
        else:
            rehash(argv or resource_names(root), root)
            _report_after_rehash(root)
    except (DataValidationError, FileNotFoundError) as err:
        print(f"Data error: {err}", file=sys.stderr)
        return 1
    return 0
