"""The data package as one download: ``kzopinion-data.zip`` beside the book's pages.

It holds ``data/datapackage.json`` and the tables it lists (the committed tiers: published, external, coding),
under one folder ``kzopinion-data/`` laid out as ``data/`` is (so the unzipped ``datapackage.json`` opens with
any Frictionless tool), and a file ``SHA256SUMS`` in ``sha256sum`` format (``cd kzopinion-data && sha256sum -c
SHA256SUMS``). Nothing else: never a file of ``data/microdata/`` (respondent-level files registered by a user,
which are not the project's to publish), never a file the data package does not list.

The archive is deterministic: entries sorted, every timestamp and permission fixed, one compression level, so
two builds of the same data write the same bytes. The book's Sphinx extension (:mod:`kzopinion.book.page_chrome`)
writes it at the end of every HTML build; ``python -m kzopinion.book.datazip OUT.zip`` writes it anywhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

NAME = "kzopinion-data.zip"
FOLDER = "kzopinion-data"
SUMS = "SHA256SUMS"
EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can say: no build's clock in the archive
PRIVATE = "microdata"  # data/microdata: registered respondent-level files, never published


def members(root: Path) -> list[tuple[str, Path]]:
    """``(name inside data/, file)`` for the data package and every table it lists, sorted; refuses (naming the file
    and the fix) a table that is missing, lies outside ``data/``, is respondent-level or differs from its checksum."""
    data = root / "data"
    package = data / "datapackage.json"
    out = [("datapackage.json", package)]
    for resource in json.loads(package.read_text(encoding="utf-8"))["resources"]:
        relative = PurePosixPath(resource["path"])
        if relative.is_absolute() or ".." in relative.parts or relative.parts[0] == PRIVATE:
            raise ValueError(
                f"data/datapackage.json: resource '{resource['name']}' has path '{relative}', outside the committed "
                f"tables (data/published, data/external, data/coding); the data download holds only those: fix its path"
            )
        path = data / relative
        if not path.is_file():
            raise ValueError(
                f"data/{relative} (resource '{resource['name']}' of data/datapackage.json) is missing: restore it "
                f"(git checkout data/{relative})"
            )
        recorded = str(resource.get("hash", "")).removeprefix("sha256:")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if recorded != actual:
            raise ValueError(
                f"data/{relative} differs from its checksum in data/datapackage.json: after a reviewed edit record it "
                f"with make rehash TABLE={resource['name']}, else restore it (git checkout data/{relative})"
            )
        out.append((relative.as_posix(), path))
    return sorted(out)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(f"{FOLDER}/{name}", date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, whatever machine builds it
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


def archive_bytes(root: Path) -> bytes:
    """The zip's bytes (the same for the same data, on any machine and at any time)."""
    files = [(name, path.read_bytes()) for name, path in members(root)]
    sums = "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files:
            archive.writestr(_entry(name), content, compresslevel=9)
        archive.writestr(_entry(SUMS), sums.encode("utf-8"), compresslevel=9)
    return buffer.getvalue()


def write(root: Path, target: Path) -> Path:
    """Write the zip to ``target`` through a new file (never rewriting a file a previous book shares by a link)."""
    content = archive_bytes(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.read_bytes() == content:
        return target
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    return target


def main(argv: list[str] | None = None) -> int:
    from kzopinion.paths import find_root

    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else Path("_build") / NAME
    try:
        print(write(find_root(Path.cwd()), target))
    except ValueError as err:
        print(f"[data zip] {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
