"""Kernels never write into the repository: they run on a copy of it, and may not write there either.

The build executes notebooks on a *snapshot*: a copy of the repository's sources (``book/``,
``notebooks/``, ``data/``, ``src/`` and the top-level files) in the run's scratch folder, which
kernels see as the repository root (``KZOPINION_ROOT``; the snapshot's ``src/`` comes first on
their import path). So an author's save during a build is never touched: the build reads the
sources once, and the next build picks the save up.

Two guards keep kernels out of both the repository and the snapshot:

- :func:`install`, run in every kernel at start-up, adds an audit hook that refuses any write,
  creation, removal or rename under either of them, outside the kernel's own scratch folders
  (its working folder and HOME), raising :class:`PermissionError` with a sentence naming the
  path; the build reports it with the cell that raised it.
- :func:`changes` compares, after the run, the snapshot with what the kernels were given, for
  writes an audit hook cannot see (a subprocess, compiled code); the build then fails naming
  the file. Nothing is ever restored: the repository itself was not written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

VARIABLE = "KZOPINION_GUARD"
"""The kernel's environment variable holding the guard's folders (JSON: protected and allowed)."""
COPIED = ("book", "notebooks", "data", "src")
_SKIPPED = {"__pycache__", ".ipynb_checkpoints", "microdata", ".pytest_cache"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.symlink": (1,),
    "os.link": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "shutil.rmtree": (0,),
    "os.utime": (0,),
}
_EVENTS = frozenset({"open", *_PATH_EVENTS})


# --------------------------------------------------------------------------- the snapshot (build side)


def snapshot(root: Path, target: Path) -> dict[str, str]:
    """Copy the sources of the repository at ``root`` into ``target``; returns ``relative path -> sha256``
    of every copied file (what the kernels are given). Registered microdata is linked, not copied."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in root.iterdir():
        if path.is_file() and not path.name.startswith(".") or path.name == ".kzopinion-edition":
            shutil.copy2(path, target / path.name)
    for name in COPIED:
        if (root / name).is_dir():
            shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns(*_SKIPPED))
    microdata = (root / "data" / "microdata").resolve()
    if microdata.is_dir():
        (target / "data" / "microdata").symlink_to(microdata, target_is_directory=True)
    return digests(target)


def digests(tree: Path) -> dict[str, str]:
    """``relative path -> sha256`` of every file of a snapshot (links to registered microdata excluded)."""
    out = {}
    for folder, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in _SKIPPED]
        for name in names:
            path = Path(folder) / name
            if not path.is_symlink():
                out[path.relative_to(tree).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changes(tree: Path, given: dict[str, str]) -> list[str]:
    """Files of the snapshot changed, created or removed since the kernels were given ``given``."""
    now = digests(tree)
    return sorted(name for name in now.keys() | given.keys() if now.get(name) != given.get(name))


def environment(repository: Path, tree: Path, allowed: list[Path]) -> dict[str, str]:
    """Environment variables that make a kernel read ``tree`` as the repository and guard both."""
    # the snapshot first (it lies inside the repository): names are given relative to the innermost
    protected = sorted({str(repository.resolve()), str(tree.resolve())}, key=len, reverse=True)
    return {
        "KZOPINION_ROOT": str(tree),
        "PYTHONPATH": os.pathsep.join([str(tree / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "PYTHONDONTWRITEBYTECODE": "1",
        VARIABLE: json.dumps({"protected": protected, "allowed": [str(p.resolve()) for p in allowed]}),
    }


# --------------------------------------------------------------------------- the audit hook (kernel side)

_PROTECTED: tuple[str, ...] = ()
_ALLOWED: tuple[str, ...] = ()


def _inside(path: str, folders: tuple[str, ...]) -> str | None:
    for folder in folders:
        if path == folder or path.startswith(folder + os.sep):
            return folder
    return None


def refused(target: object) -> str | None:
    """The repository-relative name of ``target`` when writing it is refused, else None."""
    if isinstance(target, int) or target is None:
        return None  # a file descriptor: its opening was checked
    try:
        name = os.fsdecode(target)
    except TypeError:
        return None
    absolute = os.path.realpath(os.path.join(os.getcwd(), name))
    folder = _inside(absolute, _PROTECTED)
    if folder is None or _inside(absolute, _ALLOWED) or _inside(absolute, (sys.prefix,)):
        return None
    return os.path.relpath(absolute, folder)


def _hook(event: str, args: tuple) -> None:
    if event not in _EVENTS:
        return
    if event == "open":
        if len(args) < 3 or not isinstance(args[2], int) or not args[2] & _WRITE_FLAGS:
            if not (len(args) > 1 and isinstance(args[1], str) and set(args[1]) & set("wax+")):
                return
        targets = [args[0]]
    else:
        targets = [args[i] for i in _PATH_EVENTS[event] if i < len(args)]
    for target in targets:
        name = refused(target)
        if name is not None:
            raise PermissionError(
                f"cells may not write into the repository, and this one tried to write {name}: write scratch "
                "files to the working folder (relative paths) and data through `make data`."
            )


def install() -> None:
    """Refuse writes into the folders named by :data:`VARIABLE` (an audit hook cannot be removed: call once)."""
    global _PROTECTED, _ALLOWED
    settings = json.loads(os.environ.get(VARIABLE) or "{}")
    if not settings or getattr(sys, "_kzopinion_guard", False):
        return
    _PROTECTED = tuple(settings.get("protected", ()))
    _ALLOWED = tuple(settings.get("allowed", ()))
    sys.addaudithook(_hook)
    sys._kzopinion_guard = True  # type: ignore[attr-defined]
