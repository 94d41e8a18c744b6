"""Respondent-level survey data: register it, read it, harmonise it, or stand in for it.

Sources:

- **CAB** waves 1-6 (2017-2019, face to face) are open access on Discuss Data
  ("Central Asia Barometer Survey Waves 1-9 (2017-2021)"). ``make data CAB_DIR=<folder>``
  checks the downloaded zips (or .dta files), extracts the Kazakhstan Stata files of waves
  1-6 into ``data/microdata/cab/`` and records their sha256 in ``data/microdata/manifest.json``.
  Phone waves (7 and later) are refused: they must never be pooled with waves 1-6.
- **Gallup World Poll** (licensed): ``make data GALLUP_DIR=<folder>``; variable names go in
  ``data/mappings/gallup.csv``, which ships with them blank.
- **WVS wave 6** (free registration): ``make data WVS_FILE=<file.sav|file.dta>``.

Each source has one editable mapping file, ``data/mappings/<source>.csv``: a canonical item,
the source variable (or, when blank, a regular expression matched against variable labels),
and a coding whose value-label patterns are in ``data/mappings/levels.csv``. Value labels are
applied column by column from integer codes, never to the whole file (CAB wave 1 has a
duplicated value label that breaks whole-file conversion).

:func:`load` is the one switch: real respondents when a source is registered, the documented
simulated stand-in (:mod:`kzopinion.simulate`) otherwise, and it says which.

Command line (what ``make data`` runs)::

    python -m kzopinion.microdata [--cab-dir DIR] [--gallup-dir DIR] [--wvs-file FILE]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kzopinion import paths, schema

SOURCES = ("cab", "gallup", "wvs")
CAB_FILE = re.compile(r"central-asia-barometer-survey-wave-(\d+)-stata-([a-z]+)-(\d{4})-([a-z]+)\.dta$", re.I)
CAB_WAVES = range(1, 7)
PHONE_ITEMS = ("E1a", "E1b", "E1c")
WHERE_TO_GET = {
    "cab": "open access: https://discuss-data.net/dataset/1afc5235-eb1f-4a23-80b6-036515ce1916/ "
           "(download the wave 1-6 zips, then: make data CAB_DIR=<folder>)",
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
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write_manifest(root: Path, content: dict) -> None:
    manifest_path(root).parent.mkdir(parents=True, exist_ok=True)
    manifest_path(root).write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


# ----------------------------------------------------------------------------- mappings


@dataclass(frozen=True)
class Item:
    item: str
    variable: str
    label_pattern: str
    coding: str
    required: bool
    description: str


def mapping(source: str, root: Path | None = None) -> list[Item]:
    path = (root or paths.root()) / "data" / "mappings" / f"{source}.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [Item(r["item"].strip(), (r["variable"] or "").strip(), (r["label_pattern"] or "").strip(),
                     r["coding"].strip(), r["required"].strip() == "yes", r.get("description", ""))
                for r in csv.DictReader(handle)]


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
            f"with the names in your {source} files before registering them.")


# ----------------------------------------------------------------------------- harmonising


def find_variable(item: Item, labels: dict[str, str | None], where: str) -> str | None:
    """The source column for ``item``: by name if given, else the one whose label matches."""
    if item.variable:
        if item.variable in labels:
            return item.variable
        if not item.label_pattern:
            raise MicrodataError(f"{where}: variable '{item.variable}' for item '{item.item}' is not in the file.")
    pattern = re.compile(item.label_pattern, re.I) if item.label_pattern else None
    matches = [name for name, label in labels.items() if pattern and label and pattern.search(label)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise MicrodataError(
            f"{where}: item '{item.item}' is ambiguous: columns {_describe(matches, labels)} all have labels matching "
            f"/{item.label_pattern}/. Put the right name in the 'variable' column of its mapping file.")
    if item.required:
        words = set(re.findall(r"[a-z]{3,}", (item.label_pattern + " " + item.item.replace("_", " ")).lower()))
        words -= {"the", "and", "fav", "rable", "favou"}
        candidates = [n for n, lab in labels.items() if lab and any(w in lab.lower() for w in words)]
        raise MicrodataError(
            f"{where}: cannot find item '{item.item}' ({item.description}): no variable named "
            f"'{item.variable or '-'}' and no label matching /{item.label_pattern}/. Candidate columns whose labels "
            f"share words with it: {_describe(candidates, labels) or 'none'}. Set 'variable' in its mapping file.")
    return None


def _describe(names: list[str], labels: dict[str, str | None]) -> str:
    return ", ".join(f"{n} ('{labels.get(n) or ''}')" for n in names[:12])


def harmonise_column(codes: pd.Series, value_labels: dict, coding: str,
                     patterns: dict[str, list[tuple[re.Pattern, str]]], where: str) -> pd.Series:
    """Map one column of integer codes through its own value labels to canonical values."""
    if coding == "number":
        nonresponse = [code for code, label in value_labels.items()
                       if _level(label, patterns["favourability"]) in schema.NONRESPONSE]
        values = pd.to_numeric(codes, errors="coerce").astype("float64")
        return values.mask(values.isin(nonresponse))
    if coding == "label":
        return codes.map(lambda c: value_labels.get(c, None if pd.isna(c) else str(c)))
    if coding not in patterns:
        raise MicrodataError(f"{where}: unknown coding '{coding}' (define it in data/mappings/levels.csv)")
    table = {}
    for code, label in value_labels.items():
        level = _level(label, patterns[coding])
        if level is None:
            raise MicrodataError(f"{where}: value {code} is labelled '{label}', which no pattern of coding "
                                 f"'{coding}' in data/mappings/levels.csv recognises. Add a pattern for it.")
        table[code] = level
    unlabelled = sorted(set(codes.dropna().unique()) - set(table))
    if unlabelled:
        raise MicrodataError(f"{where}: codes {unlabelled[:10]} have no value label, so their meaning is unknown. "
                             "Missing codes never become numbers: label them or map the column by hand.")
    return codes.map(table)


def _level(label: str, patterns: list[tuple[re.Pattern, str]]) -> str | None:
    for pattern, level in patterns:
        if pattern.search(str(label)):
            return level
    return None


def harmonise(frame: pd.DataFrame, meta, source: str, where: str, root: Path | None = None) -> pd.DataFrame:
    """A source file (integer codes + metadata) as canonical columns (leader items averaged)."""
    labels = dict(zip(meta.column_names, meta.column_labels))
    value_labels = meta.variable_value_labels
    patterns = level_patterns(root)
    out = pd.DataFrame(index=frame.index)
    leaders = []
    for item in mapping(source, root):
        variable = find_variable(item, labels, where)
        if variable is None:
            continue
        column = harmonise_column(frame[variable], value_labels.get(variable, {}), item.coding, patterns,
                                  f"{where}, column '{variable}' (item '{item.item}')")
        if item.item.startswith("leader_"):
            leaders.append(schema.score(column.astype(pd.CategoricalDtype(list(schema.FAVOURABILITY)))))
        else:
            out[item.item] = column
    if leaders:
        out["opinion_other_ca_leaders"] = pd.concat(leaders, axis=1).mean(axis=1, skipna=True)
    return out


# ----------------------------------------------------------------------------- CAB


def read_stata(path: Path):
    """Integer codes and metadata; labels are applied per column later (the wave-1 trap)."""
    import pyreadstat

    return pyreadstat.read_dta(str(path), apply_value_formats=False)


def cab_file_info(path: Path) -> tuple[int, str, int]:
    match = CAB_FILE.search(path.name)
    if not match:
        raise MicrodataError(f"{path.name}: not a CAB Stata file name "
                             "(expected central-asia-barometer-survey-wave-<N>-stata-<country>-<year>-<season>.dta)")
    return int(match.group(1)), match.group(2).lower(), int(match.group(3))


def check_cab_file(path: Path, frame: pd.DataFrame | None = None, meta=None) -> tuple[int, int]:
    """Refuse a file from another country or a phone wave, naming what it contains."""
    wave, country, year = cab_file_info(path)
    if country != "kazakhstan":
        raise MicrodataError(f"{path}: this is the {country.title()} file of CAB wave {wave}; only Kazakhstan "
                             "files belong in data/microdata/cab/. Remove it.")
    if wave not in CAB_WAVES:
        raise MicrodataError(f"{path}: CAB wave {wave} is a telephone wave; the article uses the face-to-face "
                             "waves 1-6 only, and the two modes are never pooled. Remove it.")
    if frame is not None:
        phone = [c for c in PHONE_ITEMS if c in frame.columns]
        if phone:
            raise MicrodataError(f"{path}: named as wave {wave} but contains the telephone-wave items {phone}; "
                                 "the file is mislabelled. Remove it.")
        labels = dict(zip(meta.column_names, meta.column_labels))
        for name in frame.columns:
            if (labels.get(name) or "").lower() == "country" or name.lower() == "country":
                named = {str(meta.variable_value_labels.get(name, {}).get(c, c)) for c in frame[name].dropna().unique()}
                if named and not all("kazakhstan" in n.lower() for n in named):
                    raise MicrodataError(f"{path}: named as a Kazakhstan file but its column '{name}' holds "
                                         f"{sorted(named)}. Remove it.")
    return wave, year


def register_cab(folder: Path, root: Path | None = None) -> list[Path]:
    """Extract the Kazakhstan files of waves 1-6 from the zips (or .dta files) in ``folder``."""
    root = root or paths.root()
    target = microdata_dir(root) / "cab"
    target.mkdir(parents=True, exist_ok=True)
    registered, skipped = [], []
    candidates = sorted(folder.glob("*.zip")) + sorted(folder.glob("*.dta"))
    if not candidates:
        raise MicrodataError(f"{folder}: no .zip or .dta files. Download the CAB wave archives first: {WHERE_TO_GET['cab']}")
    for candidate in candidates:
        members = []
        if candidate.suffix == ".zip":
            with zipfile.ZipFile(candidate) as archive:
                bad = archive.testzip()
                if bad:
                    raise MicrodataError(f"{candidate}: corrupt member {bad}; download it again.")
                for name in archive.namelist():
                    if CAB_FILE.search(Path(name).name):
                        members.append((Path(name).name, lambda n=name, a=candidate: zipfile.ZipFile(a).read(n)))
        else:
            members.append((candidate.name, lambda c=candidate: c.read_bytes()))
        for name, read in members:
            wave, country, _ = cab_file_info(Path(name))
            if country != "kazakhstan" or wave not in CAB_WAVES:
                skipped.append(f"{name} ({country}, wave {wave})")
                continue
            destination = target / name
            destination.write_bytes(read())
            registered.append(destination)
            print(f"  registered {name}", flush=True)
    if not registered:
        raise MicrodataError(f"{folder}: no Kazakhstan file of CAB waves 1-6 found (skipped: {', '.join(skipped) or 'none'}).")
    content = manifest(root)
    content["cab"] = {p.name: _sha256(p) for p in sorted(target.glob("*.dta"))}
    _write_manifest(root, content)
    if skipped:
        print(f"  skipped (other countries or telephone waves): {len(skipped)} files", flush=True)
    return registered


def read_cab(root: Path | None = None) -> pd.DataFrame:
    """Every registered CAB Kazakhstan file, harmonised and pooled (waves 1-6)."""
    root = root or paths.root()
    recorded = manifest(root).get("cab", {})
    files = sorted((microdata_dir(root) / "cab").glob("*.dta"))
    frames = []
    for path in files:
        check_cab_file(path)  # wrong country or telephone wave: say so before anything else
        if path.name not in recorded:
            raise MicrodataError(f"{path}: not in data/microdata/manifest.json; register files with make data CAB_DIR=...")
        if recorded[path.name] != _sha256(path):
            raise MicrodataError(f"{path}: changed since it was registered (sha256 differs); register it again.")
        frame, meta = read_stata(path)
        wave, year = check_cab_file(path, frame, meta)
        out = harmonise(frame, meta, "cab", str(path.relative_to(root)), root)
        out["source"], out["wave"], out["year"], out["country"] = "cab", wave, year, "Kazakhstan"
        out["respondent"] = [f"cab{wave}-{i}" for i in range(len(out))]
        frames.append(out)
    if not frames:
        raise MicrodataError("no CAB files registered")
    return schema.conform(pd.concat(frames, ignore_index=True), "CAB")


# ----------------------------------------------------------------------------- Gallup and WVS


def _read_any(path: Path):
    import pyreadstat

    if path.suffix.lower() == ".sav":
        return pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    if path.suffix.lower() == ".dta":
        return pyreadstat.read_dta(str(path), apply_value_formats=False)
    raise MicrodataError(f"{path}: unsupported format (use .sav or .dta)")


def register_file(source: str, path: Path, root: Path | None = None) -> Path:
    """Copy a Gallup or WVS file into data/microdata/<source>/ and record its checksum."""
    root = root or paths.root()
    check_mapping_complete(source, root)
    if not path.exists():
        raise MicrodataError(f"{path}: no such file")
    target = microdata_dir(root) / source
    target.mkdir(parents=True, exist_ok=True)
    destination = target / path.name
    shutil.copyfile(path, destination)
    frame, meta = _read_any(destination)
    harmonise(frame, meta, source, str(destination), root)  # fail now, not in a notebook
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


@dataclass
class Respondents:
    """Respondent-level data and where it came from."""

    frame: pd.DataFrame
    source: str
    simulated: bool
    description: str

    @property
    def tier(self) -> str:
        return "simulated" if self.simulated else "microdata"

    @property
    def label(self) -> str:
        """How the prose names the data, e.g. 'CAB microdata' or 'the simulated stand-in for CAB'."""
        name = self.source.upper() if self.source != "gallup" else "Gallup"
        return f"the simulated stand-in for {name}" if self.simulated else f"{name} microdata"

    @property
    def inputs(self) -> list[str]:
        """What results computed from these respondents depend on, for the claims ledger."""
        return ["simulation_parameters"] if self.simulated else [f"microdata:{self.source}"]


def fingerprint(source: str, root: Path | None = None) -> str:
    """sha256 over the registered files' checksums of ``source`` (the manifest entry)."""
    entry = json.dumps(manifest(root).get(source, {}), sort_keys=True)
    return "sha256:" + hashlib.sha256(entry.encode()).hexdigest()


def is_registered(source: str, root: Path | None = None) -> bool:
    return bool(manifest(root).get(source))


def load(source: str, scenario: str = "engagement", seed: int = 20210701, root: Path | None = None) -> Respondents:
    """Real respondents of ``source`` when registered; the simulated stand-in otherwise."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    if is_registered(source, root):
        frame = read_registered(source, root)
        return Respondents(frame, source, False, f"{source.upper()} microdata ({len(frame):,} respondents)")
    from kzopinion import simulate

    frame = simulate.respondents(source, scenario=scenario, seed=seed, root=root)
    return Respondents(frame, source, True, f"SIMULATED stand-in for {source.upper()} ({scenario} scenario, "
                                            f"seed {seed}, {len(frame):,} synthetic respondents)")


def status(root: Path | None = None) -> list[str]:
    lines = []
    for source in SOURCES:
        files = manifest(root).get(source, {})
        if files:
            lines.append(f"  {source:7s} registered: {len(files)} file(s): {', '.join(sorted(files))}")
        else:
            lines.append(f"  {source:7s} missing (the book uses the simulated stand-in). Get it: {WHERE_TO_GET[source]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Register respondent-level survey files.")
    parser.add_argument("--cab-dir", type=Path)
    parser.add_argument("--gallup-dir", type=Path)
    parser.add_argument("--wvs-file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.cab_dir:
            print(f"[data] registering CAB files from {args.cab_dir} ...", flush=True)
            register_cab(args.cab_dir)
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
    except MicrodataError as err:
        print(f"[data] FAILED: {err}", file=sys.stderr)
        return 1
    print("[data] respondent-level data:")
    print("\n".join(status()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
