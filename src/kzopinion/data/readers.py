"""Reading respondent-level files: Stata, SPSS and Excel files as codes with their labels, CAB files
checked against what their name says, and the registered files of a source checked, harmonised and pooled.

CAB files are read only when named as the archive names them (:data:`CAB_FILE`), only for
Kazakhstan and the face-to-face waves 1-6 (telephone waves, 7 and later, are never pooled with
them), and only when their content states the country and wave their name claims
(:func:`check_cab_content`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kzopinion import paths
from kzopinion.data import schema
from kzopinion.data.harmonise import (
    Coverage,
    SourceFile,
    check_mapping_complete,
    check_weights,
    code_text,
    harmonise_with_coverage,
    number_from_text,
    weight_summary,
)
from kzopinion.data.registry import MicrodataError, file_sha256, manifest, microdata_dir

CAB_FILE = re.compile(
    r"central-asia-barometer-survey-wave-(\d+)-(stata|excel|spss)-([a-z]+)-(\d{4})-([a-z]+)"
    r"\.(dta|xlsx|sav)$",
    re.I,
)
CAB_NAME_HELP = "central-asia-barometer-survey-wave-<N>-<stata|excel|spss>-<country>-<year>-<season>.<dta|xlsx|sav>"
CAB_WAVES = range(1, 7)
FORMATS = {".dta": "Stata", ".xlsx": "Excel", ".sav": "SPSS"}
PHONE_ITEMS = ("E1a", "E1b", "E1c")
MAX_MEMBER_MB = 200  # a CAB wave file is a few MB; anything far larger is not one (or is a zip bomb)
"""The one size cap, in MB, on what registration reads: each file (plain, zip member, the sheets an Excel
file expands to, or the data a compressed SPSS file expands to) and all the files of one registration together."""
MAX_RESPONDENTS = 100_000
"""No file of one survey wave holds more respondents (a CAB wave has about 1,500, WVS wave 6 about 90,000 in
all countries): a file that states more, or turns out to hold more, is refused before the rest is read."""


def read_source(path: Path, cap_mb: float | None = None) -> SourceFile:
    """Read a Stata, SPSS or Excel file; a file that cannot be read is named with the reason.

    Bounded whatever the container: a file is refused, before its data are read, when its own
    metadata state more than :data:`MAX_RESPONDENTS` respondents or data that expand past the cap
    (:data:`MAX_MEMBER_MB` unless ``cap_mb`` says otherwise), and never more rows than those bounds
    allow are read. Text cells become numbers or coded labels (:func:`text_cells`).
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise MicrodataError(f"{path}: unsupported format '{suffix}' (readable: .dta Stata, .sav SPSS, .xlsx Excel).")
    kind = FORMATS[suffix]
    cap = (MAX_MEMBER_MB if cap_mb is None else cap_mb) * 2**20
    try:
        if suffix == ".xlsx":
            return _read_excel(path, cap_mb)
        import pyreadstat

        reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
        _, header = reader(str(path), metadataonly=True)
        row_bytes = sum(max(8, int(w or 0)) for w in (header.variable_storage_width or {}).values()) or 8
        rows = header.number_rows if header.number_rows is not None and header.number_rows >= 0 else None
        if rows is not None:
            check_size(path, rows, row_bytes, cap)
        options = {"apply_value_formats": False} | ({} if suffix == ".dta" else {"user_missing": False})
        # a count the header does not state is bounded while reading: one row past either bound is enough to refuse
        limit = min(MAX_RESPONDENTS, int(cap // row_bytes)) + 1
        frame, meta = reader(str(path), row_limit=limit, **options)
        check_size(path, len(frame), row_bytes, cap, whole=len(frame) < limit)
    except MicrodataError:
        raise
    except Exception as err:  # noqa: BLE001 - any reader failure becomes one sentence naming the file
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise MicrodataError(
            f"{path}: cannot be read as a {kind} file ({reason}). The file is damaged or not a "
            f"{kind} file: download it again."
        ) from None
    labels = dict(zip(meta.column_names, meta.column_labels))
    value_labels = dict(meta.variable_value_labels)
    columns = {}
    for name in frame.columns:  # string variables: numbers stated as text, or coded text answers
        if pd.api.types.is_object_dtype(frame[name]) or pd.api.types.is_string_dtype(frame[name]):
            columns[name], value_labels[name] = text_cells(frame[name], value_labels.get(name, {}))
    frame = frame.assign(**columns) if columns else frame
    return SourceFile(path, kind, frame, labels, value_labels)


def check_size(path: Path, rows: int, row_bytes: float, cap: float, whole: bool = True) -> None:
    """Refuse a file with more respondents than one survey wave has, or data that expand past the cap.

    ``rows`` is the file's own count (``whole``), or what a read that stops one row past the bounds found.
    """
    at_least = "" if whole else "at least "
    if rows > MAX_RESPONDENTS:
        raise MicrodataError(
            f"{path}: holds {at_least}{rows:,} respondents, more than the limit of {MAX_RESPONDENTS:,} for one "
            "survey wave (a CAB wave has about 1,500), so this is not one wave of one country. Remove it, or "
            "split the file by wave and country."
        )
    if rows * row_bytes > cap:
        raise MicrodataError(
            f"{path}: its data expand to {at_least}{rows * row_bytes / 2**20:,.0f} MB ({rows:,} respondents), "
            f"more than the cap of {cap / 2**20:g} MB; a CAB wave file is a few MB, so this is not one. Remove "
            "it, or raise the cap with --max-member-mb if it is genuine."
        )


def _read_excel(path: Path, cap_mb: float | None = None) -> SourceFile:
    """An Excel sheet with variable names in the first row and text labels in the cells.

    Text answers become negative integer codes with those texts as value labels, so every format
    goes through the same harmonisation and no text answer is ever read as a number (no number in a
    CAB item is negative); a text that states a number exactly is that number (:func:`text_cells`).
    """
    check_excel_size(path, cap_mb)
    sheet = pd.read_excel(path, engine="openpyxl", dtype=object, nrows=MAX_RESPONDENTS + 1)
    check_size(path, len(sheet), 0, float("inf"), whole=len(sheet) <= MAX_RESPONDENTS)
    columns, value_labels = {}, {}
    for name in sheet.columns:
        columns[str(name)], labels = text_cells(sheet[name])
        if labels:
            value_labels[str(name)] = labels
    # No variable labels in the sheet: the names stand in for them (the label fallback matches names).
    frame = pd.DataFrame(columns, index=sheet.index)  # built at once: inserting column by column fragments it
    return SourceFile(path, "Excel", frame, {str(n): str(n) for n in sheet.columns}, value_labels, first_row=2)


def text_cells(column: pd.Series, labels: dict | None = None) -> tuple[pd.Series, dict]:
    """A column of numbers and texts as numbers and codes: (values, value labels of the codes).

    A text that states a number exactly (:func:`~kzopinion.data.harmonise.number_from_text`: a
    decimal comma is a decimal point) is that number; any other text gets a negative code labelled
    with the text (or with the label the file gives that text), so it stays an answer, never a number.
    """
    labels = labels or {}
    texts = sorted({str(v).strip() for v in column.dropna() if not _is_number(v) and number_from_text(v) is None})
    codes = {text: -(i + 1) for i, text in enumerate(texts)}

    def value(cell) -> float:
        if _is_number(cell):
            return float(cell)
        if cell is None or (isinstance(cell, float) and pd.isna(cell)) or cell is pd.NaT:
            return float("nan")
        number = number_from_text(cell)
        return number if number is not None else float(codes[str(cell).strip()])

    values = pd.Series([value(v) for v in column], index=column.index, dtype="float64")
    return values, {float(code): str(labels.get(text, text)) for text, code in codes.items()}


def check_excel_size(path: Path, cap_mb: float | None = None) -> None:
    """An Excel file is a zip of XML sheets: refuse one that expands past the cap (by default
    :data:`MAX_MEMBER_MB`) before reading it (the sizes its zip declares bound what can be read:
    a member longer than declared fails its check)."""
    cap_mb = MAX_MEMBER_MB if cap_mb is None else cap_mb
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise MicrodataError(
            f"{path}: cannot be read as an Excel file ({err}). The file is damaged or not an "
            "Excel file: download it again."
        ) from None
    if expanded > cap_mb * 2**20:
        raise MicrodataError(
            f"{path}: its sheets expand to {expanded / 2**20:,.0f} MB, more than the cap of {cap_mb:g} MB; a CAB "
            "wave file is a few MB, so this is not one: remove it."
        )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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

    @property
    def weights(self) -> str:
        """The weights at a glance (:func:`~kzopinion.data.harmonise.weight_summary`)."""
        return weight_summary(self.frame["weight"])


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
            str(labels.get(c, code_text(c) if isinstance(c, float) else c))
            for c in source_file.frame[column].dropna().unique()
        }
    )


def check_cab_content(
    path: Path, root: Path | None = None, display: str | None = None, cap_mb: float | None = None
) -> CabFile:
    """Read one CAB file and check everything a notebook relies on; raise naming file and fault.

    Readable format, at least one respondent, the country and wave its content states (the
    name can lie), no telephone-wave items, every required item mapped and its labels
    understood, weights present, finite, positive and plausible (:func:`check_weights`).
    """
    where = display or str(path)
    try:
        wave, year = check_cab_file(path)
        source_file = read_source(path, cap_mb)
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


# ----------------------------------------------------------------------------- registered files


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
        if recorded[path.name] != file_sha256(path):
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


def read_registered(source: str, root: Path | None = None) -> pd.DataFrame:
    """Every registered file of ``source``, checked against its checksum, harmonised and pooled."""
    root = root or paths.root()
    if source == "cab":
        return read_cab(root)
    check_mapping_complete(source, root)
    recorded = manifest(root).get(source, {})
    frames = []
    for name, digest in sorted(recorded.items()):
        path = microdata_dir(root) / source / name
        if not path.exists() or file_sha256(path) != digest:
            raise MicrodataError(f"{path}: missing or changed since registration; register it again.")
        out = harmonise_with_coverage(read_source(path), source, str(path.relative_to(root)), root)[0]
        out["source"] = source
        out["respondent"] = [f"{source}-{name}-{i}" for i in range(len(out))]
        if source == "gallup":
            out["country"] = "Kazakhstan"
        frames.append(out)
    return schema.conform(pd.concat(frames, ignore_index=True), source)
