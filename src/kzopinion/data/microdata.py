"""Respondent-level survey data: register it, read it, harmonise it, or stand in for it.

Sources:

- **CAB** waves 1-6 (2017-2019, face to face) are open access on Discuss Data
  ("Central Asia Barometer Survey Waves 1-9 (2017-2021)"). ``make data CAB_DIR=<folder>``
  reads every Kazakhstan file of waves 1-6 in the folder (Stata ``.dta`` files of the wave
  archives, zipped or not; the CAB website's per-wave Excel ``.xlsx`` files with text labels;
  SPSS ``.sav``), checks and harmonises each one, prints a coverage table per wave, and only
  then copies them into ``data/microdata/cab/`` and records their sha256 in
  ``data/microdata/manifest.json`` (all or nothing). Telephone waves (7 and later) are
  refused: they must never be pooled with waves 1-6.
- **Gallup World Poll** (licensed): ``make data GALLUP_DIR=<folder>``; variable names go in
  ``data/mappings/gallup.csv``, which ships with them blank.
- **WVS wave 6** (free registration): ``make data WVS_FILE=<file.sav|file.dta>``.

Each source has one editable mapping file, ``data/mappings/<source>.csv``: a canonical item,
the source variable (alternatives separated by ``|`` when waves rename it), a regular
expression matched against variable labels as a fallback when no named variable is present,
and a coding whose value-label patterns are in ``data/mappings/levels.csv``. The fallback never
picks among several matching columns: it reports them as ambiguous. Value labels are applied
column by column from integer codes, never to the whole file (CAB wave 1 has a duplicated
value label that breaks whole-file conversion); answers labelled "Not Asked" are missing.

:func:`load` is the one switch: real respondents when a source is registered, the documented
simulated stand-in (:mod:`kzopinion.data.simulate`) otherwise, and it says which. Registered files
are used only in the microdata edition of the book (:mod:`kzopinion.book.editions`); in the
repository itself, the public edition whose records are committed, :func:`load` always gives
the stand-in (see :func:`edition`).

Command line (what ``make data`` runs)::

    python -m kzopinion.data.microdata [--cab-dir DIR] [--gallup-dir DIR] [--wvs-file FILE] [--max-member-mb MB]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from kzopinion import paths
from kzopinion.data import schema

SOURCES = ("cab", "gallup", "wvs")
CAB_FILE = re.compile(
    r"central-asia-barometer-survey-wave-(\d+)-(stata|excel|spss)-([a-z]+)-(\d{4})-([a-z]+)"
    r"\.(dta|xlsx|sav)$",
    re.I,
)
CAB_NAME_HELP = "central-asia-barometer-survey-wave-<N>-<stata|excel|spss>-<country>-<year>-<season>.<dta|xlsx|sav>"
CAB_WAVES = range(1, 7)
FORMATS = {".dta": "Stata", ".xlsx": "Excel", ".sav": "SPSS"}
# Files that look like survey data but are not in a readable CAB format or name: refused, not skipped.
DATA_SUFFIXES = {
    ".dta",
    ".sav",
    ".zsav",
    ".por",
    ".xlsx",
    ".xls",
    ".csv",
    ".tsv",
    ".sas7bdat",
    ".rds",
    ".rdata",
    ".parquet",
}
PHONE_ITEMS = ("E1a", "E1b", "E1c")
NOT_ASKED = re.compile(r"^\s*not asked\b", re.I)
MAX_MEMBER_MB = 200  # a CAB wave file is a few MB; anything far larger is not one (or is a zip bomb)
"""The one size cap, in MB, on what registration reads: each file (plain, zip member or the sheets an Excel
file expands to) and all the files of one registration together."""
MAX_WEIGHT_RATIO = 50
"""No survey weight may exceed this many times the median weight of its file (the median, not the mean: one
absurd weight cannot lift it, whatever the number of respondents)."""
EDITION_VARIABLE = "KZOPINION_EDITION"
EDITION_MARKER = ".kzopinion-edition"
WHERE_TO_GET = {
    "cab": "open access: https://discuss-data.net/dataset/1afc5235-eb1f-4a23-80b6-036515ce1916/ "
    "(download the wave 1-6 zips, or the per-wave Excel files of the CAB website, then: make data CAB_DIR=<folder>)",
    "gallup": "licensed from Gallup (World Poll, Kazakhstan); fill in data/mappings/gallup.csv, "
    "then: make data GALLUP_DIR=<folder>",
    "wvs": "free registration at https://www.worldvaluessurvey.org (wave 6, 2010-2014); "
    "then: make data WVS_FILE=<file.sav or file.dta>",
}


class MicrodataError(ValueError):
    """Respondent-level files or their mapping are not what the project expects."""


# ----------------------------------------------------------------------------- locations


def microdata_dir(root: Path | None = None) -> Path:
    return (root or paths.root()) / "data" / "microdata"


def manifest_path(root: Path | None = None) -> Path:
    return microdata_dir(root) / "manifest.json"


def manifest(root: Path | None = None) -> dict:
    path = manifest_path(root)
    if not path.exists():
        return {}
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise MicrodataError(f"{path}: not valid JSON ({err}); delete it and register the files again.") from None
    if not isinstance(content, dict):
        raise MicrodataError(f"{path}: expected an object of sources; delete it and register the files again.")
    return content


def _write_manifest(root: Path, content: dict) -> None:
    """Write the manifest atomically (a reader sees the old or the new one, never half of one)."""
    path = manifest_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".manifest-{os.getpid()}.json")
    scratch.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def is_mirror(root: Path | None = None) -> bool:
    """Whether ``root`` is the microdata edition's tree (see :mod:`kzopinion.book.editions`)."""
    return ((root or paths.root()) / EDITION_MARKER).is_file()


def edition(root: Path | None = None) -> str:
    """Which edition ``root`` computes: 'microdata' (registered files used) or 'public' (never).

    The repository itself is the public edition, whose records are committed: registered
    files are used only in the microdata edition's tree (``_build/microdata-edition/``,
    marked by :data:`EDITION_MARKER`), so they can never leak into a committed record.
    ``KZOPINION_EDITION=public`` or ``=microdata`` overrides this (the tests use both).
    """
    value = os.environ.get(EDITION_VARIABLE, "").strip().lower()
    if value not in ("", "public", "microdata"):
        raise MicrodataError(
            f"{EDITION_VARIABLE}={value!r}: use 'public' (ignore registered microdata), "
            "'microdata' (use it), or leave it unset."
        )
    if value:
        return value
    return "microdata" if is_mirror(root) else "public"


# ----------------------------------------------------------------------------- mappings


@dataclass(frozen=True)
class Item:
    item: str
    variable: str
    label_pattern: str
    coding: str
    required: bool
    description: str

    @property
    def names(self) -> list[str]:
        """The source variable names this item may have (waves rename some variables)."""
        return [n.strip() for n in self.variable.split("|") if n.strip()]


def shipped_mapping_path(source: str, root: Path | None = None) -> Path:
    """The mapping the project ships for ``source`` (tracked): ``data/mappings/<source>.csv``."""
    return (root or paths.root()) / "data" / "mappings" / f"{source}.csv"


def local_mapping_path(source: str, root: Path | None = None) -> Path:
    """The user's own overrides of that mapping, never committed: ``data/microdata/<source>-mapping.csv``."""
    return microdata_dir(root) / f"{source}-mapping.csv"


def mapping(source: str, root: Path | None = None) -> list[Item]:
    """The items of ``source``: the shipped mapping, then the user's local overrides (see :func:`local_overrides`)."""
    path = shipped_mapping_path(source, root)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        items = [
            Item(
                r["item"].strip(),
                (r["variable"] or "").strip(),
                (r["label_pattern"] or "").strip(),
                r["coding"].strip(),
                r["required"].strip() == "yes",
                r.get("description", ""),
            )
            for r in csv.DictReader(handle)
        ]
    overrides = local_overrides(source, root)
    return [replace(item, variable=overrides.get(item.item, item.variable)) for item in items]


def local_overrides(source: str, root: Path | None = None) -> dict[str, str]:
    """``item -> variable`` from ``data/microdata/<source>-mapping.csv`` (columns ``item,variable``), if present.

    A renamed variable (a wave that calls ``OpinionUSA`` ``OpinionUS``) is mapped there without
    editing a tracked file; its names replace the shipped ones (``|`` separates alternatives).
    """
    path = local_mapping_path(source, root)
    if not path.is_file():
        return {}
    known = {item.item for item in _shipped_items(source, root)}
    overrides = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"item", "variable"} <= set(reader.fieldnames or ()):
            raise MicrodataError(
                f"{path}: the first line must be the header 'item,variable' (found {reader.fieldnames}); "
                "each further line maps one item to the variable name in your files."
            )
        for line, row in enumerate(reader, start=2):
            item, variable = (row["item"] or "").strip(), (row["variable"] or "").strip()
            if item not in known:
                raise MicrodataError(
                    f"{path}, line {line}: '{item}' is not an item of {shipped_mapping_path(source, root)} "
                    f"(items: {', '.join(sorted(known))}). Fix the item name."
                )
            if not variable:
                raise MicrodataError(f"{path}, line {line}: item '{item}' has no variable name. Fill it in.")
            overrides[item] = variable
    return overrides


def _shipped_items(source: str, root: Path | None = None) -> list[str]:
    with shipped_mapping_path(source, root).open(encoding="utf-8-sig", newline="") as handle:
        return [Item(r["item"].strip(), "", "", "", False, "") for r in csv.DictReader(handle)]


def mapping_remedy(source: str, item: str, root: Path | None = None) -> str:
    """How to map ``item`` to another variable name, without editing a tracked file."""
    return (
        f"Map it to the name in your file without editing tracked files: add the line '{item},<variable name>' "
        f"under the header 'item,variable' in {local_mapping_path(source, root)} (read after the shipped "
        f"mapping {shipped_mapping_path(source, root)}), then run make data again."
    )


def level_patterns(root: Path | None = None) -> dict[str, list[tuple[re.Pattern, str]]]:
    path = (root or paths.root()) / "data" / "mappings" / "levels.csv"
    patterns: dict[str, list[tuple[re.Pattern, str]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            patterns.setdefault(row["coding"], []).append((re.compile(row["value_label_pattern"], re.I), row["level"]))
    return patterns


def check_mapping_complete(source: str, root: Path | None = None) -> None:
    """Refuse a mapping with blank variable names where no label pattern can stand in."""
    blank = [i for i in mapping(source, root) if i.required and not i.variable and not i.label_pattern]
    if blank:
        names = ", ".join(f"'{i.item}' ({i.description})" for i in blank)
        raise MicrodataError(
            f"data/mappings/{source}.csv has no variable name for {names}. Fill in the 'variable' column "
            f"with the names in your {source} files before registering them."
        )


# ----------------------------------------------------------------------------- reading any format


@dataclass
class SourceFile:
    """A respondent-level file as integer codes (or numbers), with its labels."""

    path: Path
    format: str
    frame: pd.DataFrame
    labels: dict[str, str | None]
    value_labels: dict[str, dict]


def read_source(path: Path) -> SourceFile:
    """Read a Stata, SPSS or Excel file; a file that cannot be read is named with the reason."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise MicrodataError(f"{path}: unsupported format '{suffix}' (readable: .dta Stata, .sav SPSS, .xlsx Excel).")
    kind = FORMATS[suffix]
    try:
        if suffix == ".xlsx":
            return _read_excel(path)
        import pyreadstat

        reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
        options = (
            {"apply_value_formats": False}
            if suffix == ".dta"
            else {"apply_value_formats": False, "user_missing": False}
        )
        frame, meta = reader(str(path), **options)
    except MicrodataError:
        raise
    except Exception as err:  # noqa: BLE001 - any reader failure becomes one sentence naming the file
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise MicrodataError(
            f"{path}: cannot be read as a {kind} file ({reason}). The file is damaged or not a "
            f"{kind} file: download it again."
        ) from None
    labels = dict(zip(meta.column_names, meta.column_labels))
    return SourceFile(path, kind, frame, labels, dict(meta.variable_value_labels))


def _read_excel(path: Path) -> SourceFile:
    """An Excel sheet with variable names in the first row and text labels in the cells.

    Text answers become integer codes with those texts as value labels, so every format goes
    through the same harmonisation. In a column that also holds numbers (age with
    "Refused (vol.)"), texts get negative codes, which no number in a CAB item takes.
    """
    check_excel_size(path)
    sheet = pd.read_excel(path, engine="openpyxl", dtype=object)
    columns, value_labels = {}, {}
    for name in sheet.columns:
        column = sheet[name]
        texts = sorted({str(v).strip() for v in column.dropna() if not _is_number(v)})
        if not texts:
            columns[str(name)] = pd.to_numeric(column, errors="coerce").astype("float64")
            continue
        has_numbers = any(_is_number(v) for v in column.dropna())
        codes = {text: (-(i + 1) if has_numbers else i + 1) for i, text in enumerate(texts)}
        coded = [
            float("nan") if pd.isna(v) else float(v) if _is_number(v) else float(codes[str(v).strip()]) for v in column
        ]
        columns[str(name)] = pd.Series(coded, index=sheet.index, dtype="float64")
        value_labels[str(name)] = {float(code): text for text, code in codes.items()}
    # No variable labels in the sheet: the names stand in for them (the label fallback matches names).
    frame = pd.DataFrame(columns, index=sheet.index)  # built at once: inserting column by column fragments it
    return SourceFile(path, "Excel", frame, {str(n): str(n) for n in sheet.columns}, value_labels)


def check_excel_size(path: Path, cap_mb: float | None = None) -> None:
    """An Excel file is a zip of XML sheets: refuse one that expands past the cap (by default
    :data:`MAX_MEMBER_MB`) before reading it (the sizes its zip declares bound what can be read:
    a member longer than declared fails its check)."""
    cap_mb = MAX_MEMBER_MB if cap_mb is None else cap_mb
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise MicrodataError(f"{path}: cannot be read as an Excel file ({err}). The file is damaged or not an "
                             "Excel file: download it again.") from None
    if expanded > cap_mb * 2**20:
        raise MicrodataError(
            f"{path}: its sheets expand to {expanded / 2**20:,.0f} MB, more than the cap of {cap_mb:g} MB; a CAB "
            "wave file is a few MB, so this is not one: remove it."
        )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ----------------------------------------------------------------------------- harmonising


@dataclass
class Coverage:
    """How one mapped item was found in one file."""

    item: str
    status: str  # 'found', 'found by label', 'not asked', 'absent' or 'ambiguous'
    variable: str = ""
    answered: int = 0  # substantive answers (a level or a number)
    nonresponse: int = 0  # answers labelled don't know or refused
    candidates: tuple[str, ...] = ()


def find_variable(
    item: Item, labels: dict[str, str | None], where: str, source: str = "cab", root: Path | None = None
) -> tuple[str | None, str, tuple[str, ...]]:
    """The source column for ``item``: (variable, how found, ambiguous candidates).

    By name first (one of ``item.names``); else the one column whose label matches the item's
    pattern. Several matching columns are never chosen between: the item is 'ambiguous', an
    error when it is required. A refusal says how to map the item (:func:`mapping_remedy`).
    """
    remedy = mapping_remedy(source, item.item, root)
    named = [n for n in item.names if n in labels]
    if len(named) == 1:
        return named[0], "found", ()
    if len(named) > 1:
        raise MicrodataError(
            f"{where}: item '{item.item}' is ambiguous: the file has several of its names "
            f"{_describe(named, labels)}. Name the one to use. {remedy}"
        )
    if not item.label_pattern:
        if item.required:
            raise MicrodataError(
                f"{where}: variable '{item.variable}' for item '{item.item}' is not in the file. {remedy}"
            )
        return None, "absent", ()
    pattern = re.compile(item.label_pattern, re.I)
    matches = [name for name, label in labels.items() if label and pattern.search(str(label))]
    if len(matches) == 1:
        return matches[0], "found by label", ()
    if len(matches) > 1:
        if item.required:
            raise MicrodataError(
                f"{where}: item '{item.item}' is ambiguous: columns {_describe(matches, labels)} all have labels "
                f"matching /{item.label_pattern}/. Name the right one. {remedy}"
            )
        return None, "ambiguous", tuple(matches)
    if item.required:
        words = set(re.findall(r"[a-z]{3,}", (item.label_pattern + " " + item.item.replace("_", " ")).lower()))
        words -= {"the", "and", "fav", "rable", "favou"}
        candidates = [n for n, lab in labels.items() if lab and any(w in str(lab).lower() for w in words)]
        raise MicrodataError(
            f"{where}: cannot find item '{item.item}' ({item.description}): no variable named "
            f"'{item.variable or '-'}' and no label matching /{item.label_pattern}/. Candidate columns whose labels "
            f"share words with it: {_describe(candidates, labels) or 'none'}. {remedy}"
        )
    return None, "absent", ()


def _describe(names: list[str], labels: dict[str, str | None]) -> str:
    return ", ".join(f"{n} ('{labels.get(n) or ''}')" for n in names[:12])


def accepted_levels(coding: str, patterns: dict[str, list[tuple[re.Pattern, str]]]) -> str:
    """The levels a coding accepts, each with the label patterns that lead to it."""
    by_level: dict[str, list[str]] = {}
    for pattern, level in patterns.get(coding, []):
        by_level.setdefault(level, []).append(pattern.pattern)
    return "; ".join(f"{level} (labels matching /{'/ or /'.join(p)}/)" for level, p in by_level.items())


def harmonise_column(
    codes: pd.Series, value_labels: dict, coding: str, patterns: dict[str, list[tuple[re.Pattern, str]]], where: str
) -> pd.Series:
    """Map one column of integer codes through its own value labels to canonical values.

    Codes labelled "Not Asked" become missing whatever the coding.
    """
    not_asked = [code for code, label in value_labels.items() if NOT_ASKED.search(str(label))]
    codes = codes.mask(codes.isin(not_asked))
    if coding == "number":
        # A labelled code is a number only when it is not negative and not a non-answer: a scale anchor
        # (10 'Always justifiable') or a top code (88 '88 and older'). Negative codes are missing codes
        # by survey convention, and the Excel reader gives text answers negative codes for that reason.
        nonresponse = [
            code
            for code, label in value_labels.items()
            if _level(label, patterns["favourability"]) in schema.NONRESPONSE
            or (isinstance(code, (int, float)) and code < 0)
        ]
        values = pd.to_numeric(codes, errors="coerce").astype("float64")
        return values.mask(values.isin(nonresponse))
    if coding == "label":
        return codes.map(lambda c: None if pd.isna(c) else value_labels.get(c, str(c)))
    if coding not in patterns:
        raise MicrodataError(f"{where}: unknown coding '{coding}' (define it in data/mappings/levels.csv)")
    table = {}
    for code, label in value_labels.items():
        if code in not_asked:
            continue
        level = _level(label, patterns[coding])
        if level is None:
            raise MicrodataError(
                f"{where}: value {_code_text(code)} is labelled '{label}', which no pattern of coding '{coding}' "
                f"in data/mappings/levels.csv recognises. The coding accepts: {accepted_levels(coding, patterns)}. "
                f"Add a row (coding '{coding}', a pattern matching '{label}', its level) to data/mappings/levels.csv."
            )
        table[code] = level
    unlabelled = sorted(set(codes.dropna().unique()) - set(table))
    if unlabelled:
        raise MicrodataError(
            f"{where}: codes {[_code_text(c) for c in unlabelled[:10]]} have no value label, so their "
            "meaning is unknown. Missing codes never become numbers: label them or map the column by hand."
        )
    return codes.map(table)


def _code_text(code) -> str:
    return str(int(code)) if isinstance(code, float) and code.is_integer() else str(code)


def _level(label: str, patterns: list[tuple[re.Pattern, str]]) -> str | None:
    for pattern, level in patterns:
        if pattern.search(str(label)):
            return level
    return None


def harmonise_with_coverage(
    source_file: SourceFile, source: str, where: str, root: Path | None = None
) -> tuple[pd.DataFrame, list[Coverage]]:
    """Canonical columns of one file (leader items averaged) and how each mapped item was found."""
    frame, labels = source_file.frame, source_file.labels
    patterns = level_patterns(root)
    columns: dict[str, pd.Series] = {}
    leaders, coverage = [], []
    for item in mapping(source, root):
        variable, how, candidates = find_variable(item, labels, where, source, root)
        if variable is None:
            coverage.append(Coverage(item.item, how, candidates=candidates))
            continue
        column = harmonise_column(
            frame[variable],
            source_file.value_labels.get(variable, {}),
            item.coding,
            patterns,
            f"{where}, column '{variable}' (item '{item.item}')",
        )
        nonresponse = _nonresponse_count(frame[variable], source_file.value_labels.get(variable, {}), column, patterns)
        answered = int(column.notna().sum()) - (0 if item.coding == "number" else nonresponse)
        given = answered + nonresponse
        coverage.append(Coverage(item.item, how if given else "not asked", variable, answered, nonresponse))
        if not given:
            continue  # every answer 'Not Asked' (or missing): absent from this file
        if item.item.startswith("leader_"):
            leaders.append(schema.score(column.astype(pd.CategoricalDtype(list(schema.FAVOURABILITY)))))
        else:
            columns[item.item] = column
    if leaders:
        columns["opinion_other_ca_leaders"] = pd.concat(leaders, axis=1).mean(axis=1, skipna=True)
    return pd.DataFrame(columns, index=frame.index), coverage


def _nonresponse_count(codes: pd.Series, value_labels: dict, column: pd.Series, patterns) -> int:
    """Answers labelled don't know or refused: canonical levels of a coded item, labelled codes of a number."""
    if column.dtype == object or isinstance(column.dtype, pd.CategoricalDtype):
        return int(column.isin(schema.NONRESPONSE).sum())
    labelled = [
        code
        for code, label in value_labels.items()
        if _level(label, patterns["favourability"]) in schema.NONRESPONSE
        or (isinstance(code, (int, float)) and code < 0 and not NOT_ASKED.search(str(label)))
    ]
    return int(codes.isin(labelled).sum())


def harmonise(frame: pd.DataFrame, meta, source: str, where: str, root: Path | None = None) -> pd.DataFrame:
    """A source file (integer codes + pyreadstat metadata) as canonical columns."""
    source_file = SourceFile(
        Path(where), "", frame, dict(zip(meta.column_names, meta.column_labels)), dict(meta.variable_value_labels)
    )
    return harmonise_with_coverage(source_file, source, where, root)[0]


# ----------------------------------------------------------------------------- CAB


@dataclass
class CabFile:
    """One checked, harmonised CAB Kazakhstan file."""

    path: Path
    wave: int
    year: int
    format: str
    frame: pd.DataFrame
    coverage: list[Coverage] = field(default_factory=list)

    @property
    def respondents(self) -> int:
        return len(self.frame)

    @property
    def weight_sum(self) -> float:
        return float(self.frame["weight"].sum())


def cab_file_info(path: Path) -> tuple[int, str, int]:
    """(wave, country, year) from a CAB file name."""
    match = CAB_FILE.search(path.name)
    if not match:
        raise MicrodataError(f"{path.name}: not a CAB file name (expected {CAB_NAME_HELP})")
    return int(match.group(1)), match.group(3).lower(), int(match.group(4))


def check_cab_file(path: Path) -> tuple[int, int]:
    """Refuse, by its name, a file from another country or a phone wave."""
    wave, country, year = cab_file_info(path)
    if country != "kazakhstan":
        raise MicrodataError(
            f"{path}: this is the {country.title()} file of CAB wave {wave}; only Kazakhstan "
            "files belong in data/microdata/cab/. Remove it."
        )
    if wave not in CAB_WAVES:
        raise MicrodataError(
            f"{path}: CAB wave {wave} is a telephone wave; the article uses the face-to-face "
            "waves 1-6 only, and the two modes are never pooled. Remove it."
        )
    return wave, year


def _survey_variable(source_file: SourceFile, name: str) -> str | None:
    """The file's own ``Country`` or ``Wave`` variable, by name or by label."""
    for column in source_file.frame.columns:
        if column.lower() == name.lower():
            return column
    for column, label in source_file.labels.items():
        if (label or "").strip().lower() == name.lower():
            return column
    return None


def _labelled_values(source_file: SourceFile, column: str) -> list[str]:
    labels = source_file.value_labels.get(column, {})
    return sorted(
        {
            str(labels.get(c, _code_text(c) if isinstance(c, float) else c))
            for c in source_file.frame[column].dropna().unique()
        }
    )


def check_cab_content(path: Path, root: Path | None = None, display: str | None = None) -> CabFile:
    """Read one CAB file and check everything a notebook relies on; raise naming file and fault.

    Readable format, at least one respondent, the country and wave its content states (the
    name can lie), no telephone-wave items, every required item mapped and its labels
    understood, weights present, finite, positive and plausible (:func:`check_weights`).
    """
    where = display or str(path)
    try:
        wave, year = check_cab_file(path)
        source_file = read_source(path)
    except MicrodataError as err:  # name the file the user gave, not its staged copy
        raise MicrodataError(str(err).replace(str(path), where)) from None
    frame = source_file.frame
    if len(frame) == 0:
        raise MicrodataError(f"{where}: has no respondents (0 rows). Download the file again.")
    country_column = _survey_variable(source_file, "Country")
    if country_column is None:
        raise MicrodataError(
            f"{where}: has no 'Country' variable, so its country cannot be checked; "
            "this is not a CAB file as the archive or the CAB website distributes it."
        )
    countries = _labelled_values(source_file, country_column)
    if [c.strip().lower() for c in countries] != ["kazakhstan"]:
        raise MicrodataError(
            f"{where}: named as a Kazakhstan file but its variable '{country_column}' holds "
            f"{countries}. Remove it (only Kazakhstan files belong here)."
        )
    wave_column = _survey_variable(source_file, "Wave")
    if wave_column is None:
        raise MicrodataError(
            f"{where}: has no 'Wave' variable, so its wave and mode cannot be checked; "
            "this is not a CAB file as the archive or the CAB website distributes it."
        )
    stated = _labelled_values(source_file, wave_column)
    # 'CAB OTS W1' (the codebook's label), 'Wave 1', or the bare number
    numbers = {
        int(m.group(1) or m.group(2))
        for v in stated
        for m in [re.search(r"\bw(?:ave)?\s*(\d+)\b|^\s*(\d+)(?:\.0)?\s*$", v, re.I)]
        if m
    }
    if numbers != {wave}:
        mode = " (a telephone wave)" if any(n not in CAB_WAVES for n in numbers) else ""
        raise MicrodataError(
            f"{where}: named as CAB wave {wave} but its variable '{wave_column}' says {stated}{mode}. "
            "The file is mislabelled: remove it or register it under its own name."
        )
    phone = [c for c in PHONE_ITEMS if c in frame.columns]
    if phone:
        raise MicrodataError(
            f"{where}: named as wave {wave} but contains the telephone-wave items {phone}; "
            "the file is mislabelled. Remove it."
        )
    out, coverage = harmonise_with_coverage(source_file, "cab", where, root)
    weight_variable = next((c.variable for c in coverage if c.item == "weight"), "weight")
    weights = out["weight"]
    if weights.isna().any():
        raise MicrodataError(
            f"{where}: weight variable '{weight_variable}' is missing for "
            f"{int(weights.isna().sum())} of {len(weights)} respondents. Download the file again."
        )
    check_weights(weights, weight_variable, where)
    out["source"], out["wave"], out["year"], out["country"] = "cab", wave, year, "Kazakhstan"
    out["respondent"] = [f"cab{wave}-{i}" for i in range(len(out))]
    return CabFile(path, wave, year, source_file.format, out, coverage)


def check_weights(weights: pd.Series, variable: str, where: str, source: str = "cab") -> None:
    """Survey weights are finite and positive, and none is above
    :data:`MAX_WEIGHT_RATIO` times the median weight of its file (a weight of 1e300 would make one
    respondent the whole wave); each refusal names the file, the variable and the limit."""
    import numpy as np

    values = weights.to_numpy(dtype="float64")
    infinite = ~np.isfinite(values)
    if infinite.any():
        raise MicrodataError(
            f"{where}: weight variable '{variable}' is infinite for {int(infinite.sum())} respondents; "
            "survey weights are finite numbers. Download the file again."
        )
    if (values <= 0).any():
        raise MicrodataError(
            f"{where}: weight variable '{variable}' is zero or negative for "
            f"{int((values <= 0).sum())} respondents (smallest {values.min():g}); survey weights "
            "are positive. Download the file again."
        )
    total = float(np.sum(values))
    if not (total > 0 and np.isfinite(total)):
        raise MicrodataError(
            f"{where}: weight variable '{variable}' sums to {total:g}; "
            "survey weights must have a positive, finite sum. Download the file again."
        )
    median = float(np.median(values))
    heavy = values > MAX_WEIGHT_RATIO * median
    if heavy.any():
        raise MicrodataError(
            f"{where}: weight variable '{variable}' is above {MAX_WEIGHT_RATIO} times the median weight of the file "
            f"({median:.4g}) for {int(heavy.sum())} respondents (largest {values.max():.4g}); no survey weight is "
            "that far from the others (the limit), so the variable is damaged or not a weight. Download the file "
            f"again, or map the weight to another variable (a line 'weight,<variable>' in "
            f"data/microdata/{source}-mapping.csv)."
        )


def coverage_table(checked: CabFile, name: str | None = None) -> str:
    """The coverage of one wave as text: every mapped item found (by which variable), absent or ambiguous."""
    lines = [
        f"  {name or checked.path.name}: CAB wave {checked.wave} ({checked.format}), Kazakhstan, "
        f"{checked.respondents:,} respondents, weight sum {checked.weight_sum:,.1f}",
        f"    {'item':22s} {'status':15s} {'variable':22s} {'answered':>9s} {'dk/refused':>10s}",
    ]
    for c in checked.coverage:
        variable = c.variable or (", ".join(c.candidates) if c.candidates else "-")
        answered, nonresponse = (f"{c.answered:,}", f"{c.nonresponse:,}") if c.variable else ("-", "-")
        lines.append(f"    {c.item:22s} {c.status:15s} {variable:22s} {answered:>9s} {nonresponse:>10s}")
    return "\n".join(lines)


def _copy_capped(stream, destination: Path, cap: int, what: str, budget: list[int] | None = None) -> None:
    """Copy a stream block by block, stopping as soon as it grows past ``cap`` bytes, or past what is
    left of ``budget`` (one item: the bytes all the files of a registration may still take)."""
    written = 0
    with destination.open("wb") as out:
        for block in iter(lambda: stream.read(1 << 20), b""):
            written += len(block)
            if written > cap:
                raise MicrodataError(
                    f"{what}: expands to more than the cap of {cap / 2**20:g} MB; a CAB wave file "
                    "is a few MB, so this is not one (or the archive is damaged). Remove it, or raise "
                    "the cap with --max-member-mb if the file is genuine."
                )
            if budget is not None:
                budget[0] -= len(block)
                if budget[0] < 0:
                    raise MicrodataError(
                        f"{what}: with the files before it, the registration reads more than the cap of "
                        f"{cap / 2**20:g} MB in all; six CAB wave files take a few tens of MB, so these are not "
                        "them. Remove the files that are not CAB waves, or raise the cap with --max-member-mb."
                    )
            out.write(block)


def _collect_cab(folder: Path, staging: Path, cap: int) -> tuple[dict[int, tuple[Path, str]], list[str]]:
    """Stage every Kazakhstan file of waves 1-6 found in ``folder`` (streamed, capped); notes on the rest."""
    found: dict[int, tuple[Path, str]] = {}
    notes: list[str] = []
    inside = folder.resolve()
    budget = [cap]  # all the files of the registration together

    def copy_file(entry: Path, destination: Path) -> None:
        size = entry.stat().st_size
        if size > cap:
            raise MicrodataError(
                f"{entry}: {size / 2**20:,.0f} MB, more than the cap of {cap / 2**20:g} MB; a CAB wave file is a "
                "few MB, so this is not one. Remove it, or raise the cap with --max-member-mb if it is genuine."
            )
        with entry.open("rb") as stream:
            _copy_capped(stream, destination, cap, str(entry), budget)

    def take(name: str, origin: str, copy) -> None:
        wave, country, _ = cab_file_info(Path(name))
        if country != "kazakhstan":
            notes.append(f"skipped {origin}: {country.title()} file (only Kazakhstan files are used)")
            return
        if wave not in CAB_WAVES:
            notes.append(f"skipped {origin}: CAB wave {wave} is a telephone wave (never pooled with waves 1-6)")
            return
        if wave in found:
            raise MicrodataError(
                f"CAB wave {wave} is in the folder twice: {found[wave][1]} and {origin}. "
                "Keep one file per wave (any one format) and run make data again."
            )
        destination = staging / Path(name).name
        copy(destination)
        found[wave] = (destination, origin)

    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            target = entry.resolve()
            if not target.is_relative_to(inside):
                raise MicrodataError(
                    f"{entry}: a symbolic link to {target}, outside {folder}; links out of the folder "
                    "are never followed. Copy the file itself into the folder."
                )
            if not target.exists():
                raise MicrodataError(f"{entry}: a broken symbolic link. Remove it.")
        if entry.is_dir():
            notes.append(f"ignored {entry.name}/: a folder (put the downloaded files directly in {folder})")
            continue
        suffix = entry.suffix.lower()
        if suffix == ".zip":
            _collect_zip(entry, take, notes, cap, budget)
        elif CAB_FILE.search(entry.name):
            take(entry.name, entry.name, lambda destination, e=entry: copy_file(e, destination))
        elif suffix in DATA_SUFFIXES:
            raise MicrodataError(
                f"{entry}: a data file whose name is not a CAB file name, so its wave and country "
                f"are unknown (expected {CAB_NAME_HELP}; readable: .dta, .xlsx, .sav). Rename it if "
                "it is a CAB Kazakhstan file, or move it out of the folder."
            )
        else:
            notes.append(f"ignored {entry.name}: not a survey data file")
    return found, notes


def _collect_zip(archive_path: Path, take, notes: list[str], cap: int, budget: list[int] | None = None) -> None:
    try:
        with zipfile.ZipFile(archive_path) as archive:
            others = []
            for info in archive.infolist():
                name = Path(info.filename).name
                if info.is_dir() or not name:
                    continue
                if not CAB_FILE.search(name):
                    others.append(name)
                    continue
                what = f"{archive_path.name}: member {info.filename}"
                if info.flag_bits & 0x1:
                    raise MicrodataError(
                        f"{archive_path}: member {info.filename} is encrypted (the archive has a password), so it "
                        "cannot be read. Extract it yourself with the password and put the file itself in the folder."
                    )
                if info.file_size > cap:
                    raise MicrodataError(
                        f"{what}: expands to {info.file_size / 2**20:,.0f} MB, more than the cap of "
                        f"{cap / 2**20:g} MB; a CAB wave file is a few MB, so this is not one. "
                        "Remove the archive, or raise the cap with --max-member-mb if it is genuine."
                    )

                def copy(destination: Path, info=info, what=what) -> None:
                    with archive.open(info) as stream:
                        _copy_capped(stream, destination, cap, what, budget)

                take(info.filename, f"{archive_path.name}:{info.filename}", copy)
            if others:
                notes.append(
                    f"ignored in {archive_path.name}: {len(others)} member(s) that are not CAB data files "
                    f"({', '.join(sorted(others)[:5])}{' ...' if len(others) > 5 else ''})"
                )
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as err:
        raise MicrodataError(
            f"{archive_path}: not a readable zip archive ({err}); the download is truncated or "
            "damaged. Download it again."
        ) from None


def register_cab(folder: Path, root: Path | None = None, max_member_mb: float = MAX_MEMBER_MB) -> list[Path]:
    """Check and register the Kazakhstan files of waves 1-6 found in ``folder``; all or nothing.

    Every file is staged, read, checked and harmonised (and its coverage printed) before
    anything in ``data/microdata/`` changes; then the new set of files replaces the old one in
    one rename, and the manifest in another. Registered waves not in ``folder`` are kept.
    """
    root = root or paths.root()
    folder = Path(folder)
    if not folder.is_dir():
        raise MicrodataError(
            f"{folder}: no such folder. Download the CAB wave files into a folder first: {WHERE_TO_GET['cab']}"
        )
    base = microdata_dir(root)
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".cab-staging-", dir=base))
    try:
        found, notes = _collect_cab(folder, staging, int(max_member_mb * 2**20))
        for note in notes:
            print(f"  {note}", flush=True)
        if not found:
            raise MicrodataError(
                f"{folder}: no Kazakhstan file of CAB waves 1-6 found (expected {CAB_NAME_HELP}, "
                f"alone or in .zip archives). Get them: {WHERE_TO_GET['cab']}"
            )
        checked = []
        for _wave, (path, origin) in sorted(found.items()):
            checked.append(
                check_cab_content(
                    path,
                    root,
                    display=f"{folder / origin.split(':')[0]}"
                    + (f" (member {origin.split(':', 1)[1]})" if ":" in origin else ""),
                )
            )
        for result in checked:
            print(coverage_table(result), flush=True)
        registered = _commit_cab(root, staging, [c.path for c in checked])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for path in registered:
        print(f"  registered {path.name}", flush=True)
    return registered


def _commit_cab(root: Path, staging: Path, staged: list[Path]) -> list[Path]:
    """Swap in the new set of files (kept waves + new ones), then the manifest."""
    base, target = microdata_dir(root), microdata_dir(root) / "cab"
    new_waves = {cab_file_info(p)[0] for p in staged}
    recorded = manifest(root).get("cab", {})
    fresh = Path(tempfile.mkdtemp(prefix=".cab-new-", dir=base))
    for name in sorted(recorded):
        if CAB_FILE.search(name) and cab_file_info(Path(name))[0] not in new_waves and (target / name).is_file():
            shutil.copy2(target / name, fresh / name)
            print(f"  kept {name} (registered before)", flush=True)
        elif CAB_FILE.search(name) and name not in {p.name for p in staged}:
            print(f"  replaced {name} (registered before; the new file of its wave takes its place)", flush=True)
    for path in staged:
        os.replace(path, fresh / path.name)
    old = base / f".cab-old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    content = manifest(root)
    content["cab"] = {p.name: _sha256(p) for p in sorted(target.iterdir()) if p.is_file()}
    _write_manifest(root, content)
    shutil.rmtree(old, ignore_errors=True)
    return [target / p.name for p in staged]


def read_cab(root: Path | None = None) -> pd.DataFrame:
    """Every registered CAB Kazakhstan file, checked, harmonised and pooled (waves 1-6)."""
    return schema.conform(pd.concat([c.frame for c in read_cab_files(root)], ignore_index=True), "CAB")


def read_cab_files(root: Path | None = None) -> list[CabFile]:
    """The registered CAB files, each checked against its checksum and content, in wave order."""
    root = root or paths.root()
    recorded = manifest(root).get("cab", {})
    folder = microdata_dir(root) / "cab"
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    checked = []
    for path in files:
        check_cab_file(path)  # wrong country or telephone wave: say so before anything else
        if path.name not in recorded:
            raise MicrodataError(
                f"{path}: not in data/microdata/manifest.json; register files with make data CAB_DIR=..."
            )
        if recorded[path.name] != _sha256(path):
            raise MicrodataError(f"{path}: changed since it was registered (sha256 differs); register it again.")
        checked.append(check_cab_content(path, root, display=str(path.relative_to(root))))
    missing = sorted(set(recorded) - {p.name for p in files})
    if missing:
        raise MicrodataError(
            f"data/microdata/cab/: registered file(s) {missing} are missing; register them again "
            "(make data CAB_DIR=...) or delete data/microdata/ to return to the public edition."
        )
    if not checked:
        raise MicrodataError("no CAB files registered")
    return sorted(checked, key=lambda c: c.wave)


# ----------------------------------------------------------------------------- Gallup and WVS


def _read_any(path: Path):
    import pyreadstat

    if path.suffix.lower() == ".sav":
        return pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    if path.suffix.lower() == ".dta":
        return pyreadstat.read_dta(str(path), apply_value_formats=False)
    raise MicrodataError(f"{path}: unsupported format (use .sav or .dta)")


def register_file(source: str, path: Path, root: Path | None = None) -> Path:
    """Check a Gallup or WVS file, then copy it into data/microdata/<source>/ and record its checksum."""
    root = root or paths.root()
    check_mapping_complete(source, root)
    if not path.is_file():
        raise MicrodataError(f"{path}: no such file")
    if path.suffix.lower() not in (".sav", ".dta"):
        raise MicrodataError(f"{path}: unsupported format (use .sav or .dta)")
    size = path.stat().st_size
    if size > MAX_MEMBER_MB * 2**20:
        raise MicrodataError(f"{path}: {size / 2**20:,.0f} MB, more than the cap of {MAX_MEMBER_MB} MB; a "
                             f"{source.upper()} file for one country is a few MB, so this is not one.")
    source_file = read_source(path)
    # fail now, before anything is written
    harmonised, coverage = harmonise_with_coverage(source_file, source, str(path), root)
    if "weight" in harmonised:
        if harmonised["weight"].isna().any():
            raise MicrodataError(f"{path}: the weight is missing for {int(harmonised['weight'].isna().sum())} "
                                 "respondents. Download the file again.")
        variable = next((c.variable for c in coverage if c.item == "weight"), "weight")
        check_weights(harmonised["weight"], variable, str(path), source)
    target = microdata_dir(root) / source
    target.mkdir(parents=True, exist_ok=True)
    destination = target / path.name
    scratch = target / f".{path.name}.part"
    shutil.copyfile(path, scratch)
    os.replace(scratch, destination)
    content = manifest(root)
    content.setdefault(source, {})[destination.name] = _sha256(destination)
    _write_manifest(root, content)
    print(f"  registered {destination.name}", flush=True)
    return destination


def read_registered(source: str, root: Path | None = None) -> pd.DataFrame:
    root = root or paths.root()
    if source == "cab":
        return read_cab(root)
    check_mapping_complete(source, root)
    recorded = manifest(root).get(source, {})
    frames = []
    for name, digest in sorted(recorded.items()):
        path = microdata_dir(root) / source / name
        if not path.exists() or _sha256(path) != digest:
            raise MicrodataError(f"{path}: missing or changed since registration; register it again.")
        frame, meta = _read_any(path)
        out = harmonise(frame, meta, source, str(path.relative_to(root)), root)
        out["source"] = source
        out["respondent"] = [f"{source}-{name}-{i}" for i in range(len(out))]
        if source == "gallup":
            out["country"] = "Kazakhstan"
        frames.append(out)
    return schema.conform(pd.concat(frames, ignore_index=True), source)


# ----------------------------------------------------------------------------- the switch


def describe_waves(waves) -> str:
    """'wave 1', 'waves 1-6', 'waves 1, 3 and 5'."""
    from kzopinion.formatting import span

    return span("wave", waves)


@dataclass
class Respondents:
    """Respondent-level data and where it came from."""

    frame: pd.DataFrame
    source: str
    simulated: bool
    description: str
    files: dict[str, str] = field(default_factory=dict)  # registered file name -> sha256

    @property
    def tier(self) -> str:
        return "simulated" if self.simulated else "microdata"

    @property
    def waves(self) -> list[int]:
        """The CAB waves present (empty for other sources)."""
        if "wave" not in self.frame or self.frame["wave"].isna().all():
            return []
        return sorted(int(w) for w in self.frame["wave"].dropna().unique())

    @property
    def label(self) -> str:
        """How the prose names the data, e.g. 'CAB microdata (wave 1)' or 'the simulated stand-in for CAB'."""
        name = self.source.upper() if self.source != "gallup" else "Gallup"
        if self.simulated:
            return f"the simulated stand-in for {name}"
        return f"{name} microdata ({describe_waves(self.waves)})" if self.waves else f"{name} microdata"

    @property
    def inputs(self) -> list[str]:
        """What results computed from these respondents depend on, for the claims ledger."""
        return ["simulation_parameters"] if self.simulated else [f"microdata:{self.source}"]


def file_digests(source: str, root: Path | None = None) -> dict[str, str]:
    """``microdata:<source>/<file name> -> sha256`` of every registered file of ``source``.

    The same digests the edition's banner and data appendix show: what a value computed from
    these respondents was computed from, file by file.
    """
    return {f"microdata:{source}/{name}": digest for name, digest in sorted(manifest(root).get(source, {}).items())}


# ----------------------------------------------------------------------------- registered files stay as registered

STAT_CACHE = ".verified.json"  # size and modification time of each file when its sha256 was last checked


def problems(root: Path | None = None) -> list[str]:
    """A sentence for every registered file that is missing or whose content changed since registration.

    Cheap when nothing changed: a file is re-hashed only when its size or modification time
    differs from the last check (kept in ``data/microdata/.verified.json``).
    """
    root = root or paths.root()
    cache_path = microdata_dir(root) / STAT_CACHE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.is_file() else {}
    except ValueError:
        cache = {}
    found, fresh = [], {}
    for source, files in sorted(manifest(root).items()):
        if source not in SOURCES or not isinstance(files, dict):
            continue
        for name, digest in sorted(files.items()):
            path = microdata_dir(root) / source / name
            shown = path.relative_to(root)
            try:
                info = path.stat()
            except OSError:
                found.append(
                    f"{shown} is registered but missing. Register it again (make data "
                    f"{_OPTION[source]}=<folder or file>), or remove it from the registration "
                    f"(make data FORGET={name})."
                )
                continue
            stamp = [info.st_size, info.st_mtime_ns, digest]
            if cache.get(str(shown)) != stamp and _sha256(path) != digest:
                found.append(
                    f"{shown} changed since it was registered (its sha256 is no longer {digest[:19]}...). "
                    f"Register the file again (make data {_OPTION[source]}=<folder or file>) so its content is "
                    f"checked, or remove it (make data FORGET={name})."
                )
                continue
            fresh[str(shown)] = stamp
    if fresh != cache and microdata_dir(root).is_dir():
        with contextlib.suppress(OSError):  # only a speed-up: a read-only folder re-hashes every time
            scratch = cache_path.with_name(f".verified-{os.getpid()}.json")
            scratch.write_text(json.dumps(fresh, sort_keys=True), encoding="utf-8")
            os.replace(scratch, cache_path)
    return found


_OPTION = {"cab": "CAB_DIR", "gallup": "GALLUP_DIR", "wvs": "WVS_FILE"}


def forget(name: str, root: Path | None = None) -> str:
    """Remove the registered file ``name`` (of any source) from the registration; returns its source."""
    root = root or paths.root()
    content = manifest(root)
    for source, files in content.items():
        if isinstance(files, dict) and name in files:
            del files[name]
            (microdata_dir(root) / source / name).unlink(missing_ok=True)
            _write_manifest(root, {s: f for s, f in content.items() if f})
            return source
    registered = sorted(n for files in content.values() if isinstance(files, dict) for n in files)
    raise MicrodataError(f"{name} is not registered (registered: {', '.join(registered) or 'nothing'}).")


def is_registered(source: str, root: Path | None = None) -> bool:
    """Whether ``source`` has registered files this edition uses (never in the public edition)."""
    return edition(root) == "microdata" and bool(manifest(root).get(source))


def load(source: str, scenario: str = "engagement", seed: int = 20210701, root: Path | None = None) -> Respondents:
    """Real respondents of ``source`` when registered; the simulated stand-in otherwise."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    if is_registered(source, root):
        frame = read_registered(source, root)
        files = dict(sorted(manifest(root).get(source, {}).items()))
        respondents = Respondents(frame, source, False, "", files)
        waves = f"{describe_waves(respondents.waves)}, " if respondents.waves else ""
        respondents.description = f"{source.upper()} microdata ({waves}{len(frame):,} respondents)"
        return respondents
    from kzopinion.data import simulate

    frame = simulate.respondents(source, scenario=scenario, seed=seed, root=root)
    return Respondents(
        frame,
        source,
        True,
        f"SIMULATED stand-in for {source.upper()} ({scenario} scenario, "
        f"seed {seed}, {len(frame):,} synthetic respondents)",
    )


def status(root: Path | None = None) -> list[str]:
    """One line per source: what is registered, and which edition of the book uses it."""
    found = problems(root)
    lines = [f"  PROBLEM: {problem}" for problem in found]
    for source in SOURCES:
        files = manifest(root).get(source, {})
        if files and any(f"/{source}/" in problem for problem in found):
            lines.append(f"  {source:7s} registration needs attention (see above): {', '.join(sorted(files))}")
        elif files:
            lines.append(
                f"  {source:7s} registered: {len(files)} file(s): {', '.join(sorted(files))}; "
                "used by the microdata edition (make book builds it in _build/microdata-edition/)"
            )
        else:
            lines.append(
                f"  {source:7s} missing (the book uses the simulated stand-in). Get it: {WHERE_TO_GET[source]}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Register respondent-level survey files.")
    parser.add_argument("--cab-dir", type=Path)
    parser.add_argument("--gallup-dir", type=Path)
    parser.add_argument("--wvs-file", type=Path)
    parser.add_argument("--forget", metavar="NAME", help="remove a registered file from the registration")
    parser.add_argument(
        "--max-member-mb",
        type=float,
        default=MAX_MEMBER_MB,
        help=f"largest file accepted inside a zip archive, in MB (default {MAX_MEMBER_MB})",
    )
    args = parser.parse_args(argv)
    try:
        if args.forget:
            source = forget(args.forget)
            print(f"[data] {args.forget} removed from the {source} registration", flush=True)
        if args.cab_dir:
            print(f"[data] registering CAB files from {args.cab_dir} ...", flush=True)
            register_cab(args.cab_dir, max_member_mb=args.max_member_mb)
        if args.gallup_dir:
            print(f"[data] registering Gallup files from {args.gallup_dir} ...", flush=True)
            files = sorted(args.gallup_dir.glob("*.sav")) + sorted(args.gallup_dir.glob("*.dta"))
            if not files:
                raise MicrodataError(f"{args.gallup_dir}: no .sav or .dta files")
            for path in files:
                register_file("gallup", path)
        if args.wvs_file:
            print(f"[data] registering WVS file {args.wvs_file} ...", flush=True)
            register_file("wvs", args.wvs_file)
        print("[data] respondent-level data:")
        lines = status()
        print("\n".join(lines))
        if any("PROBLEM" in line for line in lines):
            return 1
    except (MicrodataError, OSError) as err:
        print(f"[data] FAILED: {err}", file=sys.stderr)
        print("[data] the failing step changed nothing: files registered before are untouched.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
