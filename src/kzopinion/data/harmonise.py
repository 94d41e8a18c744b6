"""Harmonising a respondent-level file to the canonical schema (:mod:`kzopinion.data.schema`).

Each source has one editable mapping file, ``data/mappings/<source>.csv``: a canonical item,
the source variable (alternatives separated by ``|`` when waves rename it), a regular
expression matched against variable labels as a fallback when no named variable is present,
and a coding whose value-label patterns are in ``data/mappings/levels.csv``. The user's own
overrides go in ``data/microdata/<source>-mapping.csv`` (never committed). The fallback never
picks among several matching columns: it reports them as ambiguous. Value labels are applied
column by column from integer codes, never to the whole file (CAB wave 1 has a duplicated
value label that breaks whole-file conversion); answers labelled "Not Asked" are missing.

Harmonising also says how each item was found (:class:`Coverage`, printed by
:func:`coverage_table`) and checks the survey weights (:func:`check_weights`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kzopinion import paths
from kzopinion.data import schema
from kzopinion.data.registry import MicrodataError, microdata_dir

if TYPE_CHECKING:
    from kzopinion.data.readers import CabFile

NOT_ASKED = re.compile(r"^\s*not asked\b", re.I)
EXACT_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?")
NUMBER_LIKE = re.compile(r"[\s+\-\u2212]*[\d.,'\u2019\s]*\d[\d.,'\u2019\s]*(?:[eE][+-]?\d+)?\s*")
MAX_WEIGHT_RATIO = 50
"""No survey weight may exceed this many times the median weight of its file (the median, not the mean: one
absurd weight cannot lift it, whatever the number of respondents)."""


@dataclass(frozen=True)
class Item:
    """One line of a mapping file: a canonical item and where a source keeps it."""

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
    """``coding -> [(value-label pattern, level)]`` from ``data/mappings/levels.csv``."""
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


# ----------------------------------------------------------------------------- harmonising


@dataclass
class SourceFile:
    """A respondent-level file as integer codes (or numbers), with its labels."""

    path: Path
    format: str
    frame: pd.DataFrame
    labels: dict[str, str | None]
    value_labels: dict[str, dict]
    first_row: int = 1  # the row of the file that holds the first respondent (an Excel sheet's 2, under its header)


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
    codes: pd.Series,
    value_labels: dict,
    coding: str,
    patterns: dict[str, list[tuple[re.Pattern, str]]],
    where: str,
    first_row: int = 1,
    weight: bool = False,
) -> pd.Series:
    """Map one column of integer codes through its own value labels to canonical values.

    Codes labelled "Not Asked" become missing whatever the coding. A column read as numbers never
    reads a number from text that does not state it exactly (:func:`check_numbers_stated`).
    """
    if coding == "number":
        check_numbers_stated(codes, value_labels, where, first_row, weight)
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
                f"{where}: value {code_text(code)} is labelled '{label}', which no pattern of coding '{coding}' "
                f"in data/mappings/levels.csv recognises. The coding accepts: {accepted_levels(coding, patterns)}. "
                f"Add a row (coding '{coding}', a pattern matching '{label}', its level) to data/mappings/levels.csv."
            )
        table[code] = level
    unlabelled = sorted(set(codes.dropna().unique()) - set(table))
    if unlabelled:
        raise MicrodataError(
            f"{where}: codes {[code_text(c) for c in unlabelled[:10]]} have no value label, so their "
            "meaning is unknown. Missing codes never become numbers: label them or map the column by hand."
        )
    return codes.map(table)


def number_from_text(text) -> float | None:
    """The number a text states exactly, or None.

    Digits (full-width ones too: the text is NFKC-normalised) with at most one decimal separator,
    a point or a comma (``"0,964"`` is 0.964), an optional sign and exponent. Anything else, a
    thousands separator (``"1.234,5"``, ``"1 234"``) included, states no exact number.
    """
    if not isinstance(text, str):
        return None
    normal = unicodedata.normalize("NFKC", text).strip()
    return float(normal.replace(",", ".")) if EXACT_NUMBER.fullmatch(normal) else None


def looks_like_a_number(text) -> bool:
    """A text made of digits, separators and signs only (``"1.234,5"``, ``"1 234"``, ``"−3"``): meant as a number."""
    return isinstance(text, str) and NUMBER_LIKE.fullmatch(unicodedata.normalize("NFKC", text)) is not None


def check_numbers_stated(
    codes: pd.Series, value_labels: dict, where: str, first_row: int = 1, weight: bool = False
) -> None:
    """Refuse a column read as numbers whose cells hold a number written as text that states no exact number.

    Such a cell (a label or a text cell made of digits and separators, ``"1.234,5"``) would otherwise be read
    as its code, or as missing. In the weight, every text cell is refused: a weight is a number, never an answer.
    """

    def wrong(code, label) -> bool:
        stated = number_from_text(label)
        if weight:
            return (isinstance(code, (int, float)) and code < 0) or (stated is not None and stated != code)
        return looks_like_a_number(label) and stated != code

    bad = {code: label for code, label in value_labels.items() if wrong(code, label)}
    cells = codes.isin(list(bad)).to_numpy()
    if cells.any():
        first = int(cells.argmax())
        kind = "a weight must be a number" if weight else "it is not a number as written"
        raise MicrodataError(
            f"{where}: row {first + first_row} holds the text '{bad[codes.iloc[first]]}' ({int(cells.sum())} such "
            f"cells), and {kind}. Store the column as numbers (a decimal point or a decimal comma, no thousands "
            "separators), or map the item to another variable; a number is never read from text it does not state "
            "exactly."
        )


def code_text(code) -> str:
    """A value code as text: ``3.0`` is ``3``."""
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
            source_file.first_row,
            weight=item.item == "weight",
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


def weight_summary(weights: pd.Series) -> str:
    """Sum, minimum, median and maximum of a file's weights, so a user sees at once what they look like."""
    return (
        f"weights: sum {weights.sum():,.1f}, min {weights.min():.3g}, median {weights.median():.3g}, "
        f"max {weights.max():.3g}"
    )


def coverage_table(checked: CabFile, name: str | None = None) -> str:
    """The coverage of one wave as text: every mapped item found (by which variable), absent or ambiguous."""
    lines = [
        f"  {name or checked.path.name}: CAB wave {checked.wave} ({checked.format}), Kazakhstan, "
        f"{checked.respondents:,} respondents; {checked.weights}",
        f"    {'item':22s} {'status':15s} {'variable':22s} {'answered':>9s} {'dk/refused':>10s}",
    ]
    for c in checked.coverage:
        variable = c.variable or (", ".join(c.candidates) if c.candidates else "-")
        answered, nonresponse = (f"{c.answered:,}", f"{c.nonresponse:,}") if c.variable else ("-", "-")
        lines.append(f"    {c.item:22s} {c.status:15s} {variable:22s} {answered:>9s} {nonresponse:>10s}")
    return "\n".join(lines)
