"""What is registered: the manifest of respondent-level files and whether they are still as registered.

Registered files live in ``data/microdata/<source>/`` (git-ignored, never committed); their sha256
are recorded in ``data/microdata/manifest.json``. This module reads and writes that record, gives
the digests a value computed from the files cites (:func:`file_digests`), finds files that are
missing or changed since registration (:func:`problems`), forgets a file (:func:`forget`) and
says what is registered (:func:`status`). Registering new files is :mod:`kzopinion.data.register`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path

from kzopinion import paths

SOURCES = ("cab", "gallup", "wvs")
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


def microdata_dir(root: Path | None = None) -> Path:
    """Where registered files and the manifest live: ``data/microdata/``."""
    return (root or paths.root()) / "data" / "microdata"


def ensure_microdata_dir(root: Path | None = None) -> Path:
    """``data/microdata/``, made if need be; a link to a folder elsewhere (an encrypted drive) is used as it is,
    and one whose folder is not there (the drive not mounted) is refused with a sentence."""
    base = microdata_dir(root)
    if base.is_symlink() and not base.is_dir():
        raise MicrodataError(
            f"{base} is a link to {os.readlink(base)}, which is not a folder now (is the drive mounted?). "
            "Mount it, or remove the link to register into the repository's own data/microdata/."
        )
    base.mkdir(parents=True, exist_ok=True)
    return base


def manifest_path(root: Path | None = None) -> Path:
    """``data/microdata/manifest.json``: registered file name -> sha256, by source."""
    return microdata_dir(root) / "manifest.json"


def manifest(root: Path | None = None) -> dict:
    """The registration: ``{source: {file name: sha256}}`` (empty when nothing is registered)."""
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


def write_manifest(root: Path, content: dict) -> None:
    """Write the manifest atomically (a reader sees the old or the new one, never half of one)."""
    path = manifest_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".manifest-{os.getpid()}.json")
    scratch.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, read block by block."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def file_digests(source: str, root: Path | None = None) -> dict[str, str]:
    """``microdata:<source>/<file name> -> sha256`` of every registered file of ``source``.

    The same digests the edition's banner and data appendix show: what a value computed from
    these respondents was computed from, file by file.
    """
    return {f"microdata:{source}/{name}": digest for name, digest in sorted(manifest(root).get(source, {}).items())}


STAT_CACHE = paths.VERIFIED_STAMPS  # the stamp of each file when its sha256 was last checked


def problems(root: Path | None = None) -> list[str]:
    """A sentence for every registered file that is missing or whose content changed since registration.

    Cheap when nothing changed: a file is re-hashed only when its size, modification or change time or
    inode differs from the last check (kept in ``data/microdata/.verified.json``), as git's index does; a
    file modified within :data:`kzopinion.paths.RACY_NS` of the check is not kept, so it is hashed again.
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
            stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, digest]
            if cache.get(str(shown)) != stamp and file_sha256(path) != digest:
                found.append(
                    f"{shown} changed since it was registered (its sha256 is no longer {digest[:19]}...). "
                    f"Register the file again (make data {_OPTION[source]}=<folder or file>) so its content is "
                    f"checked, or remove it (make data FORGET={name})."
                )
                continue
            if max(info.st_mtime_ns, info.st_ctime_ns) < time.time_ns() - paths.RACY_NS:
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
            write_manifest(root, {s: f for s, f in content.items() if f})
            return source
    registered = sorted(n for files in content.values() if isinstance(files, dict) for n in files)
    raise MicrodataError(f"{name} is not registered (registered: {', '.join(registered) or 'nothing'}).")


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
