"""Load any table of the data package by name, validated against its schema and checksum.

``data/datapackage.json`` (a Frictionless Data Package) describes every table: its file,
source, licence, field schema and ``hash``. :func:`load` reads the CSV, checks the
checksum, the header, every cell's type and constraints, and any table-level checks the
resource names, and raises :class:`DataValidationError` naming the file, row, column and
rule on the first problem it finds. The package itself is checked first (its shape, against
:data:`PACKAGE_SCHEMA`, and that no table is declared twice); each table then against its
schema: types, constraints, non-finite numbers, ``primaryKey`` (composite keys too), ``unique``
and ``foreignKeys``, and a size cap (:data:`MAX_TABLE_BYTES`).

The checksum is the sha256 of the file's *text*: a byte-order mark, Windows line endings
and trailing blank lines are not changes of content, so they neither fail the checksum
nor the parse. For an ordinary UTF-8 file with LF endings it equals ``sha256sum``.

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
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from kzopinion import paths


class DataValidationError(ValueError):
    """A data file does not match what ``data/datapackage.json`` declares."""


# Tables loaded by this process (see kzopinion.book.kernel_reads: a record depends on the tables it loaded).
# Tables read only to validate another (foreign keys, table checks) are not recorded: they decide
# whether a table is valid, which the build checks before executing anything, not what it holds.
LOADED: set[str] = set()
_VALIDATING = [0]
# A table is a transcription of printed numbers: anything this large is a mistake, not data.
MAX_TABLE_BYTES = 2_000_000

# --------------------------------------------------------------------------- package

_FIELD = {
    "type": "object", "required": ["name", "type", "description"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "type": {"enum": ["string", "integer", "number", "boolean"]},
        "constraints": {"type": "object", "properties": {
            "required": {"type": "boolean"}, "unique": {"type": "boolean"}, "enum": {"type": "array"},
            "pattern": {"type": "string"}, "minimum": {"type": "number"}, "maximum": {"type": "number"}}},
    },
}
_KEY = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}
PACKAGE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["name", "resources"],
    "properties": {"resources": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["name", "path", "schema", "hash", "title", "description", "tier", "licenses"],
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9_.-]+$"},
            "title": {"type": "string", "minLength": 1},
            "description": {"type": "string", "minLength": 1},
            "tier": {"enum": ["published", "external", "coding"]},
            "licenses": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}}},
            "sources": {"type": "array", "items": {
                "type": "object", "required": ["title", "path"],
                "properties": {"title": {"type": "string"}, "path": {"type": "string"}}}},
            "path": {"type": "string", "pattern": "^[^/].*\\.csv$"},
            "hash": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
            "checks": {"type": "array", "items": {"type": "string"}},
            "schema": {"type": "object", "required": ["fields"], "properties": {
                "fields": {"type": "array", "minItems": 1, "items": _FIELD},
                "missingValues": {"type": "array", "items": {"type": "string"}},
                "primaryKey": _KEY,
                "foreignKeys": {"type": "array", "items": {
                    "type": "object", "required": ["fields", "reference"],
                    "properties": {"fields": _KEY, "reference": {
                        "type": "object", "required": ["resource", "fields"],
                        "properties": {"resource": {"type": "string"}, "fields": _KEY}}}}},
            }},
        }}}},
}
"""The shape of ``data/datapackage.json`` this project relies on (a subset of Data Package v1)."""

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
    """Refuse a package of the wrong shape or with a table declared twice, saying where."""
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
    seen: dict[str, int] = {}
    for index, entry in enumerate(pkg["resources"]):
        if entry["name"] in seen:
            raise DataValidationError(
                f"{where}: the table '{entry['name']}' is declared twice (resources {seen[entry['name']]} and "
                f"{index}, counting from 0). Keep one entry."
            )
        seen[entry["name"]] = index
        fields = [f["name"] for f in entry["schema"]["fields"]]
        for key in _keys(entry["schema"].get("primaryKey")) + [
                f for fk in entry["schema"].get("foreignKeys", []) for f in _keys(fk["fields"])]:
            if key not in fields:
                raise DataValidationError(f"{where}, resource '{entry['name']}': the key names the column "
                                          f"'{key}', which its schema does not declare ({fields}).")


def _keys(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


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


def not_utf8(where: str, raw: bytes, err: UnicodeDecodeError) -> str:
    """The sentence for a file that is not UTF-8 text: where the first bad byte is, and the fix."""
    line = raw[: err.start].count(b"\n") + 1
    return (f"{where}, line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x} cannot be read); the project's "
            "text files are UTF-8: save the file again with the encoding UTF-8 (or undo the edit that added it).")


def sha256(path: Path) -> str:
    """``sha256:<hex>`` of the canonical text (see module docstring)."""
    return "sha256:" + hashlib.sha256(canonical_text(path).encode("utf-8")).hexdigest()


def load(name: str, root: Path | None = None) -> pd.DataFrame:
    """Read table ``name``, validated; integer columns are nullable ``Int64``.

    Raises :class:`DataValidationError` naming file, row, column and rule.
    """
    root = root or paths.root()
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
        actual = sha256(path)
    except UnicodeDecodeError as err:
        raise DataValidationError(not_utf8(_rel(path, root), path.read_bytes(), err)) from None
    expected = res.get("hash")
    if actual != expected:
        raise DataValidationError(
            f"{_rel(path, root)} changed: its checksum is {actual} but data/datapackage.json "
            f"(resource '{name}') records {expected}. If the edit is intended and its source is "
            f"documented, update the checksum with: python -m kzopinion.data rehash {name}"
        )
    rows = list(csv.reader(io.StringIO(canonical_text(path))))
    if not rows:
        raise DataValidationError(f"{_rel(path, root)} is empty ({where}).")
    header, body = rows[0], rows[1:]
    fields = res["schema"]["fields"]
    declared = [f["name"] for f in fields]
    missing = [c for c in declared if c not in header]
    extra = [c for c in header if c not in declared]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if extra:
            parts.append(f"unknown column(s) {extra}")
        raise DataValidationError(
            f"{_rel(path, root)}: {' and '.join(parts)}; the schema ({where}) declares {declared}. "
            "Make the file's header and the schema agree."
        )
    missing_values = set(res["schema"].get("missingValues", [""]))
    columns: dict[str, list[Any]] = {c: [] for c in declared}
    for row_number, row in enumerate(body, start=1):
        if len(row) != len(header):
            raise DataValidationError(
                f"{_rel(path, root)}, row {row_number} (line {row_number + 1}): {len(row)} cells "
                f"but the header has {len(header)}. Quote cells that contain commas."
            )
        cells = dict(zip(header, row))
        for field in fields:
            columns[field["name"]].append(
                _cell(cells[field["name"]], field, missing_values, f"{_rel(path, root)}, row {row_number} "
                      f"(line {row_number + 1}), column '{field['name']}'")
            )
    frame = pd.DataFrame({f["name"]: _series(columns[f["name"]], f) for f in fields})
    _VALIDATING[0] += 1
    try:
        _check_table(name, res, frame, _rel(path, root), root)
    finally:
        _VALIDATING[0] -= 1
    if not _VALIDATING[0]:
        LOADED.add(name)
    return frame


def _check_table(name: str, res: dict[str, Any], frame: pd.DataFrame, where: str, root: Path | None) -> None:
    """Keys, foreign keys and the resource's own table-level checks."""
    key = _keys(res["schema"].get("primaryKey"))
    if key:
        _check_unique(frame, key, where, "the primary key")
    for field in res["schema"]["fields"]:
        if field.get("constraints", {}).get("unique"):
            _check_unique(frame, [field["name"]], where, "a unique column")
    for foreign in res["schema"].get("foreignKeys", []):
        _check_foreign_key(frame, foreign, where, root)
    for check in res.get("checks", []):
        if check not in TABLE_CHECKS:
            raise DataValidationError(f"Resource '{name}' names an unknown check '{check}'.")
        TABLE_CHECKS[check](frame, where)


def _check_unique(frame: pd.DataFrame, columns: list[str], where: str, what: str) -> None:
    """Refuse a repeated (or, for a primary key, empty) value, naming both rows and the column(s)."""
    label = f"column '{columns[0]}'" if len(columns) == 1 else f"columns {columns}"
    if what == "the primary key":
        for column in columns:
            empty = frame.index[frame[column].isna()].tolist()
            if empty:
                raise DataValidationError(f"{where}, row {empty[0] + 1} (line {empty[0] + 2}), column '{column}': "
                                          f"the cell is empty but {label} is the primary key.")
    keys = [tuple(row) for row in frame[columns].astype(object).itertuples(index=False)]
    first: dict[tuple, int] = {}
    for number, value in enumerate(keys, start=1):
        if value in first:
            shown = value[0] if len(value) == 1 else value
            raise DataValidationError(
                f"{where}, row {number} (line {number + 1}), {label}: {shown!r} repeats row {first[value]} "
                f"(line {first[value] + 1}), but {label} {'is' if len(columns) == 1 else 'are'} {what} and must "
                "not repeat. Remove or correct one of the two rows."
            )
        first[value] = number


def _check_foreign_key(frame: pd.DataFrame, foreign: dict[str, Any], where: str, root: Path | None) -> None:
    """Every row's key must exist in the referenced table."""
    columns, target = _keys(foreign["fields"]), foreign["reference"]
    referenced = load(target["resource"], root)
    known = {tuple(row) for row in referenced[_keys(target["fields"])].astype(object).itertuples(index=False)}
    for number, row in enumerate(frame[columns].astype(object).itertuples(index=False), start=1):
        if any(v is None or v is pd.NA for v in row):
            continue
        if tuple(row) not in known:
            raise DataValidationError(
                f"{where}, row {number} (line {number + 1}), column(s) {columns}: {tuple(row)!r} is not in table "
                f"'{target['resource']}' (its {_keys(target['fields'])}), which the foreign key requires. "
                "Correct the value or add the row to the referenced table."
            )


def validate_all(root: Path | None = None, progress: Callable[[str], None] | None = None) -> list[str]:
    """Load every table, then validate the whole package with ``frictionless``; raise on the first problem.

    Returns the table names. :func:`load` gives the project's messages (checksum, types, keys,
    table-level checks) table by table; ``frictionless`` then checks the package against the
    Table Schema standard (every constraint, ``primaryKey``, ``unique``, ``foreignKeys``).
    """
    root = root or paths.root()
    names = resource_names(root)
    for name in names:
        load(name, root)
        if progress:
            progress(name)
    validate_standard(root)
    return names


def validate_standard(root: Path | None = None) -> None:
    """Validate the package with ``frictionless`` (Table Schema), over the tables' canonical text.

    The canonical text (see :func:`canonical_text`) is what the checksums cover, so a BOM,
    Windows line endings or trailing blank lines are no more errors here than in :func:`load`.
    Raises :class:`DataValidationError` in the same form: file, row (line), column, rule.
    """
    import tempfile

    from frictionless import Checklist, Package

    root = root or paths.root()
    descriptor = json.loads(json.dumps(package(root)))
    with tempfile.TemporaryDirectory(prefix="kzopinion-validate-") as scratch:
        for res in descriptor["resources"]:
            copy = Path(scratch) / res["path"]
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(canonical_text(root / "data" / res["path"]), encoding="utf-8")
            res.pop("checks", None)  # the project's own table checks, run by load()
        report = Package(descriptor, basepath=scratch).validate(checklist=Checklist())
    if report.valid:
        return
    for task in report.tasks:
        for error in task.errors:
            where = f"data/{task.place}"
            row = getattr(error, "row_number", None)
            if row:
                where += f", row {row - 1} (line {row})"
            field = getattr(error, "field_name", None)
            if field:
                where += f", column '{field}'"
            raise DataValidationError(f"{where}: {error.message} (Table Schema rule '{error.type}', checked by "
                                      "frictionless).")
    raise DataValidationError(f"data/datapackage.json: {report.errors[0].message if report.errors else 'invalid'}")


_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(nan|inf|infinity)", re.ASCII | re.I)


def _cell(raw: str, field: dict[str, Any], missing_values: set[str], where: str) -> Any:
    constraints = field.get("constraints", {})
    if raw in missing_values:
        if constraints.get("required"):
            raise DataValidationError(f"{where}: a value is required but the cell is empty.")
        return None
    kind = field.get("type", "string")
    try:
        # plain ASCII numbers only: Python would also read '3_4' as 34 and full-width digits as digits
        if kind == "integer":
            if not _INTEGER.fullmatch(raw):
                raise ValueError
            value: Any = int(raw)
        elif kind == "number":
            if not _NUMBER.fullmatch(raw):
                raise ValueError
            value = float(raw)
        elif kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError
            value = raw == "true"
        else:
            value = raw
    except ValueError:
        raise DataValidationError(f"{where}: '{raw}' is not of type {kind}.") from None
    if kind == "number" and not math.isfinite(value):
        raise DataValidationError(f"{where}: '{raw}' is not a finite number; leave the cell empty for a missing value.")
    if "minimum" in constraints and value < constraints["minimum"]:
        raise DataValidationError(f"{where}: value {raw} is below the minimum {constraints['minimum']}.")
    if "maximum" in constraints and value > constraints["maximum"]:
        raise DataValidationError(f"{where}: value {raw} is above the maximum {constraints['maximum']}.")
    if "enum" in constraints and value not in constraints["enum"]:
        raise DataValidationError(f"{where}: '{raw}' is not one of the allowed values {constraints['enum']}.")
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], raw):
        raise DataValidationError(f"{where}: '{raw}' does not match the pattern {constraints['pattern']}.")
    return value


def _series(values: list[Any], field: dict[str, Any]) -> pd.Series:
    kind = field.get("type", "string")
    dtype = {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(kind, "string")
    if kind == "number":
        values = [float("nan") if v is None else v for v in values]
    return pd.Series(values, dtype=dtype)


def _rel(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root or paths.root()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- table-level checks


def _check_focus_group_nesting(frame: pd.DataFrame, where: str) -> None:
    """Nested counts never exceed a parent; partitioned parents equal their children's sum."""
    counts = dict(zip(frame["code"], frame["count"]))
    for code, parents, count in zip(frame["code"], frame["parent_codes"], frame["count"]):
        for parent in _split(parents):
            if parent not in counts:
                raise DataValidationError(f"{where}: code '{code}' names an unknown parent '{parent}'.")
            if count > counts[parent]:
                raise DataValidationError(
                    f"{where}: code '{code}' counts {count}, more than its parent '{parent}' ({counts[parent]})."
                )
    for code, count, partitioned in zip(frame["code"], frame["count"], frame["partitioned"]):
        if partitioned:
            children = frame[frame["parent_codes"].fillna("").map(lambda p, code=code: code in _split(p))]
            total = int(children["count"].sum())
            if total != count:
                raise DataValidationError(
                    f"{where}: code '{code}' is marked partitioned but its children "
                    f"{children['code'].tolist()} sum to {total}, not {count}."
                )
    for code, count, base in zip(frame["code"], frame["count"], frame["base"]):
        if count > base:
            raise DataValidationError(f"{where}: code '{code}' counts {count}, more than its base {base}.")


def _split(parents: Any) -> list[str]:
    if parents is None or parents is pd.NA or (isinstance(parents, float) and parents != parents):
        return []
    return [p.strip() for p in str(parents).split(";") if p.strip()]


def _check_claims_tables(frame: pd.DataFrame, where: str) -> None:
    """Every claim's own cell exists (table, each key, column), and a bound claim says how it is written."""
    from kzopinion.data.provenance import Tables

    known = set(resource_names())
    tables = Tables()
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        at = f"{where}, row {row_number} (line {row_number + 1})"
        if not isinstance(row.table, str):
            if isinstance(row.binding, str):
                raise DataValidationError(
                    f"{at}, column 'binding': claim '{row.id}' is bound to a cell but names no table.")
            continue
        if row.table not in known:
            raise DataValidationError(f"{at}, column 'table': claim '{row.id}' names an unknown table '{row.table}'. "
                                      f"Known tables: {', '.join(sorted(known))}.")
        if not isinstance(row.key, str) or not isinstance(row.column, str):
            raise DataValidationError(f"{at}: claim '{row.id}' names table '{row.table}' but not the key and column "
                                      "of its own cell.")
        keys = set(tables.keys(row.table))
        for key in row.key.split(";"):
            if key not in keys:
                raise DataValidationError(f"{at}, column 'key': claim '{row.id}' names the row '{key}', which "
                                          f"{resource(row.table)['path']} lacks.")
        if row.column not in set(tables[row.table].columns):
            raise DataValidationError(f"{at}, column 'column': claim '{row.id}' names the column '{row.column}', "
                                      f"which {resource(row.table)['path']} lacks.")
        if isinstance(row.binding, str) and not isinstance(row.format, str):
            raise DataValidationError(f"{at}, column 'format': claim '{row.id}' is bound to its cell but says "
                                      "no format for the prose.")


TABLE_CHECKS: dict[str, Callable[[pd.DataFrame, str], None]] = {
    "focus_group_nesting": _check_focus_group_nesting,
    "claims_tables": _check_claims_tables,
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
            raise DataValidationError(f"{_rel(path, root)} is missing, so the checksum of '{name}' cannot be "
                                      "recorded: restore the file (git checkout) or fix the resource's 'path'.")
        try:
            known[name]["hash"] = sha256(path)
        except UnicodeDecodeError as err:
            raise DataValidationError(not_utf8(_rel(path, root), path.read_bytes(), err)) from None
        print(f"{name}: {known[name]['hash']}")
    pkg_path.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv else "check"
    try:
        if command == "check":
            names = validate_all(progress=lambda n: print(f"  ok  {n}"))
            print(f"{len(names)} tables valid.")
        elif command == "rehash":
            rehash(argv or resource_names())
        else:
            print(__doc__)
            return 2
    except DataValidationError as err:
        print(f"Data error: {err}", file=sys.stderr)
        return 1
    return 0

