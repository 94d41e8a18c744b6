"""Whether the published book is current, decided in a fraction of a second (`make book` asks first).

The build itself decides what to execute and rebuild from content (checksums of everything each
run read, the glued values, the pages' machinery); that is thorough but reads every table and
record. This check is the everyday short-cut: one digest of the size and modification time of
every file a build reads (the configuration, ``CITATION.cff``, ``CHANGELOG.md``, the pins, ``book/``, ``notebooks/``,
``data/`` with any registered microdata, ``src/kzopinion/``), the commit the pages cite, and the
edition. A successful build records the digest it started from beside the book it published
(``_build/.uptodate.json``); when nothing differs and that book is still the published one, `make
book` stops here. Any difference (a save, a touch, a commit, a registered file) sends it to the full
build, which records the digest anew; ``make book FULL=1`` always takes the full build.

Only the standard library and :mod:`kzopinion.paths` are imported, so the answer costs a Python start.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from kzopinion import paths

WATCHED_FILES = ("_config.yml", "_toc.yml", "CITATION.cff", "requirements.lock", "pyproject.toml", "CHANGELOG.md")
WATCHED_TREES = ("book", "notebooks", "data", "src/kzopinion")
RECORD = Path("_build") / ".uptodate.json"
_SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


def edition(root: Path) -> str:
    """'microdata' when respondent-level files are registered and not set aside, else 'public'
    (the choice :func:`kzopinion.book.editions.wanted` makes, without importing the readers)."""
    if os.environ.get("KZOPINION_EDITION", "").strip().lower() == "public":
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


def files(
    root: Path, trees: tuple[str, ...] = WATCHED_TREES, single: tuple[str, ...] = WATCHED_FILES
) -> dict[str, tuple[int, int]]:
    """``relative path -> (size, mtime_ns)`` of every file a build reads (generated files and caches left out);
    ``trees`` and ``single`` narrow it to some folders and files."""
    generated = {name.as_posix() for name in paths.GENERATED}
    out = {}
    candidates = [root / name for name in single]
    for tree in trees:
        for folder, dirs, names in os.walk(root / tree):
            dirs[:] = [d for d in dirs if d not in _SKIPPED]
            candidates += [Path(folder) / name for name in names]
    for path in candidates:
        relative = path.relative_to(root).as_posix()
        if relative in generated or path.name == paths.VERIFIED_STAMPS or path.name.startswith(".verified-"):
            continue  # written by the build, or by the check of registered files itself
        try:
            info = path.stat()
        except OSError:
            continue
        out[relative] = (info.st_size, info.st_mtime_ns)
    return out


def stat_key(root: Path, trees: tuple[str, ...], single: tuple[str, ...] = ("requirements.lock",)) -> str:
    """sha256 of the size and modification time of the files of ``trees`` and ``single`` (by default the pins:
    a library upgraded may read or write differently) and of ``root`` itself: what a step that reads them
    keeps beside its result, to skip itself while they are unchanged."""
    state = {"root": str(root), "files": sorted(files(root, trees, single).items())}
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def _commit(root: Path) -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip()


def _state(sources: dict[str, tuple[int, int]], records: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """The sources as the build found them, the records (its outputs) as it left them."""
    return {k: tuple(v) for k, v in sources.items() if not _is_record(k)} | {
        k: tuple(v) for k, v in records.items() if _is_record(k)
    }


def digest(root: Path, sources: dict[str, tuple[int, int]], records: dict[str, tuple[int, int]]) -> str:
    """One sha256 of the sources (as the build found them), the records (as it left them), commit and edition."""
    state = {
        "files": sorted(_state(sources, records).items()),
        "commit": _commit(root),
        "edition": edition(root),
        "python": sys.executable,
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def _is_record(relative: str) -> bool:
    return relative.startswith("notebooks/") and relative.endswith(".ipynb")


def record(root: Path, sources: dict[str, tuple[int, int]]) -> None:
    """After a successful build: remember what it started from (``sources``) and the book it published."""
    which = edition(root)
    book = published(root, which)
    records = files(root)
    content = {
        "edition": which,
        "digest": digest(root, sources, records),
        "book": str(book.resolve()),
        "files": _state(sources, records),
    }
    target = root / RECORD
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".uptodate-{os.getpid()}.json")
    scratch.write_text(json.dumps(content), encoding="utf-8")
    os.replace(scratch, target)


def current(root: Path) -> Path | None:
    """The published book when nothing it was built from has changed since; otherwise None."""
    try:
        stored = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    which = edition(root)
    book = published(root, which)
    if (
        stored.get("edition") != which
        or not (book / "index.html").is_file()
        or str(book.resolve()) != stored.get("book")
    ):
        return None
    now = files(root)
    return book if stored.get("digest") == digest(root, now, now) else None


def changed(root: Path) -> set[str] | None:
    """Files added, removed or saved since the last successful build started (records: since it wrote them),
    by size and modification time; None when no build of this edition is on record."""
    try:
        stored = json.loads((root / RECORD).read_text(encoding="utf-8"))
        before = {name: tuple(stat) for name, stat in stored["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if stored.get("edition") != edition(root):
        return None
    now = files(root)
    return {name for name in before.keys() | now.keys() if before.get(name) != now.get(name)}


def main() -> int:
    """Exit 0 (saying so) when the published book is current; 1, silently, when the full build must decide."""
    try:
        root = paths.root()
        book = current(root)
    except Exception:  # noqa: BLE001 - any doubt is the full build's to settle
        return 1
    if book is None:
        return 1
    print(f"[book] book up to date (nothing changed since the last build): {book / 'index.html'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
