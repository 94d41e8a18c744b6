"""Load any table of the data package by name, validated against its schema and checksum.

``data/datapackage.json`` (a Frictionless Data Package) describes every table: its file,
source, licence, field schema and ``hash``. :func:`load` reads the CSV, checks the
checksum, the header, every cell's type and constraints, and any table-level checks the
resource names, and raises :class:`DataValidationError` naming the file, row, column and
rule on the first problem it finds.

The checksum is the sha256 of the file's *text*: a byte-order mark, Windows line endings
and trailing blank lines are not changes of content, so they neither fail the checksum
nor the parse. For an ordinary UTF-8 file with LF endings it equals ``sha256sum``.

Command line::

    python -m kzopinion.data check            # validate every table
    python -m kzopinion.data rehash NAME ...  # record new checksums after a reviewed edit
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from kzopinion import paths


class DataValidationError(ValueError):
    """A data file does not match what ``data/datapackage.json`` declares."""


# --------------------------------------------------------------------------- package


def package(root: Path | None = None) -> dict[str, Any]:
    """The parsed data package (JSON is read with the standard, code-free loader)."""
    path = (root or paths.root()) / "data" / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataValidationError(f"{_rel(path, root)} is not valid JSON: {err}") from err


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
    actual = sha256(path)
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
    for field in fields:
        if field.get("constraints", {}).get("unique"):
            dupes = frame[field["name"]][frame[field["name"]].duplicated()].tolist()
            if dupes:
                raise DataValidationError(
                    f"{_rel(path, root)}, column '{field['name']}': values must be unique, "
                    f"repeated: {dupes}."
                )
    for check in res.get("checks", []):
        if check not in TABLE_CHECKS:
            raise DataValidationError(f"Resource '{name}' names an unknown check '{check}'.")
        TABLE_CHECKS[check](frame, _rel(path, root))
    return frame


def validate_all(root: Path | None = None, progress: Callable[[str], None] | None = None) -> list[str]:
    """Load every table; raise on the first invalid one. Returns the table names."""
    names = resource_names(root)
    for name in names:
        load(name, root)
        if progress:
            progress(name)
    return names


def _cell(raw: str, field: dict[str, Any], missing_values: set[str], where: str) -> Any:
    constraints = field.get("constraints", {})
    if raw in missing_values:
        if constraints.get("required"):
            raise DataValidationError(f"{where}: a value is required but the cell is empty.")
        return None
    kind = field.get("type", "string")
    try:
        if kind == "integer":
            value: Any = int(raw)
        elif kind == "number":
            value = float(raw)
        elif kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError
            value = raw == "true"
        else:
            value = raw
    except ValueError:
        raise DataValidationError(f"{where}: '{raw}' is not of type {kind}.") from None
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
            children = frame[frame["parent_codes"].fillna("").map(lambda p: code in _split(p))]
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
    from kzopinion.provenance import Tables

    known = set(resource_names())
    tables = Tables()
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        at = f"{where}, row {row_number} (line {row_number + 1})"
        if not isinstance(row.table, str):
            if isinstance(row.binding, str):
                raise DataValidationError(f"{at}, column 'binding': claim '{row.id}' is bound to a cell but names no table.")
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
        known[name]["hash"] = sha256(root / "data" / known[name]["path"])
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


if __name__ == "__main__":
    sys.exit(main())
