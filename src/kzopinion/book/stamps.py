"""What the published book was built from, stamped before the build read it, as git's index does.

Every file a build reads (the configuration, ``CITATION.cff``, ``CHANGELOG.md``, the pins, ``book/``,
``notebooks/``, ``data/`` with any registered microdata, ``src/kzopinion/``) is stamped by its size,
modification time, change time (ctime) and inode, following symbolic links to files and folders. A stamp
also holds the commit checked out, the edition and the installed packages (the environment's own record of
each: every ``*.dist-info`` folder's ``RECORD``, and the Makefile's ``.venv/.installed``).

The build takes the stamp *before* it reads anything and, once it has published, keeps that stamp beside the
book (``_build/.stamp.json``). ``make book`` compares a fresh stamp with the kept one: any difference (a save, a
``touch -r``, a commit or pull, a package installed) means the book may be stale, and it is rebuilt. So a change
made while the build ran is never certified: the kept stamp predates it.

Git's "racy" rule: a file modified within :data:`RACY_NS` of its stamp could change again without its times
moving (coarse clocks), so such a file's content checksum is kept too and compared as well.

Only the standard library is imported: the answer costs a Python start and a walk of the folders.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from kzopinion import paths

WATCHED_FILES = ("_config.yml", "_toc.yml", "CITATION.cff", "requirements.lock", "pyproject.toml", "CHANGELOG.md")
WATCHED_TREES = ("book", "notebooks", "data", "src/kzopinion")
RECORD = Path("_build") / ".stamp.json"
RACY_NS = paths.RACY_NS
_SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}

Stamp = dict[str, list]  # relative path -> [size, mtime_ns, ctime_ns, inode] (+ sha256 when racy)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_stamp(path: Path, now_ns: int | None = None) -> list | None:
    """``[size, mtime_ns, ctime_ns, inode]`` of ``path`` (links followed), with its sha256 when it was modified
    within :data:`RACY_NS` of ``now_ns`` (git's racy rule); None when it cannot be read."""
    try:
        info = path.stat()
        entry: list = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        now_ns = time.time_ns() if now_ns is None else now_ns
        if max(info.st_mtime_ns, info.st_ctime_ns) >= now_ns - RACY_NS and path.is_file():
            entry.append(_sha256(path))
    except OSError:
        return None
    return entry


def _walk(folder: Path) -> list[Path]:
    """Every file under ``folder``, symbolic links to files and folders followed (each real folder once)."""
    found, seen = [], set()
    for current, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(current)
        if real in seen:  # a link back up the tree: walk it once
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED)
        found += [Path(current) / name for name in names]
    return found


def files(root: Path, trees: tuple[str, ...] = WATCHED_TREES, single: tuple[str, ...] = WATCHED_FILES) -> Stamp:
    """The stamp of every file a build reads (generated files and caches left out); ``trees`` and ``single``
    narrow it to some folders and files."""
    generated = {name.as_posix() for name in paths.GENERATED}
    now = time.time_ns()
    out: Stamp = {}
    for path in [root / name for name in single] + [found for tree in trees for found in _walk(root / tree)]:
        relative = path.relative_to(root).as_posix()
        if relative in generated or path.name == paths.VERIFIED_STAMPS or path.name.startswith(".verified-"):
            continue  # written by the build, or by the check of registered files itself
        if (entry := file_stamp(path, now)) is not None:
            out[relative] = entry
    return out


def key(root: Path, trees: tuple[str, ...], single: tuple[str, ...] = ("requirements.lock",)) -> str:
    """sha256 of the stamps of the files of ``trees`` and ``single`` (by default the pins) and of ``root``
    itself: what a step that reads them keeps beside its result, to skip itself while they are unchanged.
    A racy file's stamp holds its checksum, so its content is in the key too (and a key taken then differs
    from every later one: the step runs once more, never skips a change)."""
    entries = sorted(files(root, trees, single).items())
    return hashlib.sha256(json.dumps([str(root), entries]).encode()).hexdigest()


def installed(site: Path | None = None) -> Stamp:
    """The installed packages as the environment records them: each ``*.dist-info/RECORD`` (pip rewrites it
    on every install, upgrade or reinstall), the folder that holds them (``site``, by default this
    environment's), and ``.venv/.installed``."""
    site = site or Path(sysconfig.get_paths()["purelib"])
    now = time.time_ns()
    candidates = [site, *sorted(site.glob("*.dist-info/RECORD")), Path(sys.prefix) / ".installed"]
    # the folder and RECORDs change with every install: times suffice
    return {str(path): entry[:4] for path in candidates if (entry := file_stamp(path, now)) is not None}


def commit(root: Path) -> str:
    """The commit checked out at ``root``, "" outside a git repository."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def edition(root: Path) -> str:
    """'microdata' when respondent-level files are registered and not set aside, else 'public'
    (the choice :func:`kzopinion.book.editions.wanted` makes, without importing the readers)."""
    if paths.setting("KZOPINION_EDITION") == "public":
        return "public"
    try:
        manifest = json.loads((root / "data" / "microdata" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "public"
    registered = isinstance(manifest, dict) and any(manifest.get(s) for s in ("cab", "gallup", "wvs"))
    return "microdata" if registered else "public"


def published(root: Path, which: str) -> Path:
    """Where the book of edition ``which`` is published."""
    base = root / "_build" / "microdata-edition" if which == "microdata" else root
    return base / "_build" / "html"


def take(root: Path) -> dict:
    """The stamp of everything a build of ``root`` reads, taken now: files, commit, edition, packages."""
    return {
        "commit": commit(root),
        "edition": edition(root),
        "python": sys.executable,
        "packages": installed(),
        "files": files(root),
    }


def restamp(stamp: dict, root: Path, written: list[Path]) -> None:
    """Stamp anew the files the build itself wrote (the executed records), after writing them."""
    now = time.time_ns()
    for path in written:
        relative = path.relative_to(root).as_posix()
        if (entry := file_stamp(path, now)) is None:
            stamp["files"].pop(relative, None)
        else:
            stamp["files"][relative] = entry


def keep(root: Path, stamp: dict, book: Path) -> None:
    """After a successful build: keep the stamp it was built from beside the book it published."""
    pages = sorted(p.relative_to(book).as_posix() for p in _walk(book)) if book.is_dir() else []
    content = {**stamp, "book": str(book.resolve()), "pages": pages}
    target = root / RECORD
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".stamp-{os.getpid()}.json")
    scratch.write_text(json.dumps(content, sort_keys=True), encoding="utf-8")
    os.replace(scratch, target)


def current(root: Path) -> Path | None:
    """The published book when nothing it was built from has changed since it was stamped; otherwise None.

    Also None when any page or static file of the published book is missing (deleted by hand)."""
    try:
        kept = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    now = take(root)
    book = published(root, now["edition"])
    if any(kept.get(key) != now[key] for key in ("commit", "edition", "python", "packages")):
        return None
    if str(book.resolve()) != kept.get("book") or not all((book / page).is_file() for page in kept.get("pages", [])):
        return None
    if not kept.get("pages") or _changes(root, kept.get("files", {}), now["files"]):
        return None
    return book


def _differs(root: Path, name: str, kept: list | None, now: list | None) -> bool:
    """A file added, removed or changed: other size, times or inode, or (where its stamp was racy) content."""
    if kept is None or now is None or list(kept[:4]) != list(now[:4]):
        return True
    try:
        return len(kept) > 4 and _sha256(root / name) != kept[4]
    except OSError:
        return True


def _changes(root: Path, kept: Stamp, now: Stamp) -> set[str]:
    return {name for name in kept.keys() | now.keys() if _differs(root, name, kept.get(name), now.get(name))}


def changed_since(root: Path, kept: Stamp) -> set[str]:
    """Files added, removed or changed since ``kept`` (:func:`files`) was taken."""
    return _changes(root, kept, files(root))


def changed(root: Path) -> set[str] | None:
    """Files added, removed or changed since the last build was stamped; None when none is on record."""
    try:
        kept = json.loads((root / RECORD).read_text(encoding="utf-8"))
        before = kept["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if kept.get("edition") != edition(root):
        return None
    return changed_since(root, before)
