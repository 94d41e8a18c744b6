"""Registering respondent-level files: what ``make data`` runs.

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

What each file must be is :mod:`kzopinion.data.readers`; how it maps to the canonical schema,
:mod:`kzopinion.data.harmonise`; the record of what is registered, :mod:`kzopinion.data.registry`.

Command line (what ``make data`` runs; the module :mod:`kzopinion.data.microdata` hands over to :func:`main`)::

    python -m kzopinion.data.microdata [--cab-dir DIR] [--gallup-dir DIR] [--wvs-file FILE] [--forget NAME]
                                       [--max-member-mb MB]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from kzopinion import paths
from kzopinion.data.harmonise import (
    check_mapping_complete,
    check_weights,
    coverage_table,
    harmonise_with_coverage,
    weight_summary,
)
from kzopinion.data.readers import (
    CAB_FILE,
    CAB_NAME_HELP,
    CAB_WAVES,
    MAX_MEMBER_MB,
    cab_file_info,
    check_cab_content,
    read_cab_files,
    read_source,
)
from kzopinion.data.registry import (
    WHERE_TO_GET,
    MicrodataError,
    ensure_microdata_dir,
    file_sha256,
    forget,
    manifest,
    microdata_dir,
    status,
    write_manifest,
)

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
    base = ensure_microdata_dir(root)
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
                    cap_mb=max_member_mb,
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
    content["cab"] = {p.name: file_sha256(p) for p in sorted(target.iterdir()) if p.is_file()}
    write_manifest(root, content)
    shutil.rmtree(old, ignore_errors=True)
    return [target / p.name for p in staged]


def register_file(source: str, path: Path, root: Path | None = None, max_member_mb: float = MAX_MEMBER_MB) -> Path:
    """Check a Gallup or WVS file, then copy it into data/microdata/<source>/ and record its checksum."""
    root = root or paths.root()
    check_mapping_complete(source, root)
    if not path.is_file():
        raise MicrodataError(f"{path}: no such file")
    if path.suffix.lower() not in (".sav", ".dta"):
        raise MicrodataError(f"{path}: unsupported format (use .sav or .dta)")
    size = path.stat().st_size
    if size > max_member_mb * 2**20:
        raise MicrodataError(
            f"{path}: {size / 2**20:,.0f} MB, more than the cap of {max_member_mb:g} MB; a "
            f"{source.upper()} file for one country is a few MB, so this is not one (raise the cap with "
            "--max-member-mb if it is genuine)."
        )
    harmonised = harmonised_file(source, path, str(path), root, max_member_mb)  # fails before anything is written
    target = ensure_microdata_dir(root) / source
    target.mkdir(exist_ok=True)
    destination = target / path.name
    scratch = target / f".{path.name}.part"
    shutil.copyfile(path, scratch)
    os.replace(scratch, destination)
    content = manifest(root)
    content.setdefault(source, {})[destination.name] = file_sha256(destination)
    write_manifest(root, content)
    print(f"  registered {destination.name}: {file_summary(harmonised)}", flush=True)
    return destination


def harmonised_file(
    source: str, path: Path, where: str, root: Path, max_member_mb: float = MAX_MEMBER_MB
) -> pd.DataFrame:
    """A Gallup or WVS file read, harmonised and its weights checked; refused with a sentence otherwise."""
    harmonised, coverage = harmonise_with_coverage(read_source(path, max_member_mb), source, where, root)
    if "weight" in harmonised:
        if harmonised["weight"].isna().any():
            raise MicrodataError(
                f"{where}: the weight is missing for {int(harmonised['weight'].isna().sum())} "
                "respondents. Download the file again."
            )
        variable = next((c.variable for c in coverage if c.item == "weight"), "weight")
        check_weights(harmonised["weight"], variable, where, source)
    return harmonised


def file_summary(harmonised: pd.DataFrame) -> str:
    """Respondents and, where the source has them, the weights at a glance."""
    respondents = f"{len(harmonised):,} respondents"
    return f"{respondents}; {weight_summary(harmonised['weight'])}" if "weight" in harmonised else respondents


def registered_summaries(root: Path | None = None) -> dict[str, str]:
    """``file name -> respondents and weights`` of every registered file (each read and checked again)."""
    root = root or paths.root()
    summaries = {}
    registered = manifest(root)
    if registered.get("cab"):
        for checked in read_cab_files(root):
            summaries[checked.path.name] = f"{checked.respondents:,} respondents; {checked.weights}"
    for source in ("gallup", "wvs"):
        if registered.get(source):
            check_mapping_complete(source, root)
        for name in sorted(registered.get(source, {})):
            path = microdata_dir(root) / source / name
            summaries[name] = file_summary(harmonised_file(source, path, str(path.relative_to(root)), root))
    return summaries


def main(argv: list[str] | None = None) -> int:
    """Register the files named on the command line, then print what is registered; 1 on any failure."""
    parser = argparse.ArgumentParser(description="Register respondent-level survey files.")
    parser.add_argument("--cab-dir", type=Path)
    parser.add_argument("--gallup-dir", type=Path)
    parser.add_argument("--wvs-file", type=Path)
    parser.add_argument("--forget", metavar="NAME", help="remove a registered file from the registration")
    parser.add_argument(
        "--max-member-mb",
        type=float,
        default=MAX_MEMBER_MB,
        help=f"largest file accepted, in MB, as it expands (a zip member, an Excel sheet, a compressed SPSS file; "
        f"default {MAX_MEMBER_MB})",
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
                register_file("gallup", path, max_member_mb=args.max_member_mb)
        if args.wvs_file:
            print(f"[data] registering WVS file {args.wvs_file} ...", flush=True)
            register_file("wvs", args.wvs_file, max_member_mb=args.max_member_mb)
        print("[data] respondent-level data:")
        lines = status()
        if not any("PROBLEM" in line for line in lines):
            lines += [f"    {name}: {summary}" for name, summary in registered_summaries().items()]
        print("\n".join(lines))
        if any("PROBLEM" in line for line in lines):
            return 1
    except (MicrodataError, OSError) as err:
        print(f"[data] FAILED: {err}", file=sys.stderr)
        print("[data] the failing step changed nothing: files registered before are untouched.", file=sys.stderr)
        return 1
    return 0
