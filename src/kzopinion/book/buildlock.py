"""One command at a time in a repository: the lock every command that writes ``_build/`` holds.

``make book``, ``make pdf``, ``make serve`` (while it builds), ``make variants``, ``make clean``
and the test session take ``_build/.build.lock`` (an ``flock``, released by the operating system
when its holders die). The lock's file descriptor is inherited by the processes the build starts
(Jupyter Book), so a build whose main process was killed still holds the lock until its children
have finished too. ``make clean`` removes everything in ``_build/`` but the lock file, under the lock.

    python -m kzopinion.book.buildlock clean   # what `make clean` runs (standard library only)

Only the standard library is used, so ``make clean`` runs without the project's environment.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from kzopinion import paths

NAME = ".build.lock"


class Busy(RuntimeError):
    """Another command holds the lock; the message names its process and what to do."""


_HELD: dict[str, int] = {}


def held_descriptor(root: Path) -> int | None:
    """The file descriptor of the lock this process holds on ``root``, if any (to pass to children)."""
    build = root / "_build"
    return _HELD.get(str(build.resolve()) if build.exists() else str(build))


@contextlib.contextmanager
def lock(root: Path, what: str = "build") -> Iterator[int]:
    """Hold ``root/_build/.build.lock`` (re-entrant within a process); yields its file descriptor."""
    build = root / "_build"
    key = str(build.resolve()) if build.exists() else str(build)
    if key in _HELD:
        yield _HELD[key]
        return
    build.mkdir(parents=True, exist_ok=True)
    handle = os.open(build / NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 64, 0).decode(errors="replace").strip() or "unknown"
            raise Busy(
                f"another build is running (pid {holder}) in {build}: wait for it to finish, "
                f"or stop it, then run the {what} again."
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, str(os.getpid()).encode(), 0)
        os.set_inheritable(handle, True)  # children started with pass_fds keep it held if this process dies
        _HELD[key] = handle
        try:
            yield handle
        finally:
            del _HELD[key]
    finally:
        os.close(handle)  # releases the lock (unless a child still holds it)


def clean(root: Path) -> list[str]:
    """Remove everything the build wrote (``_build/`` but its lock file, and generated pages), under the lock."""
    removed = []
    with lock(root, "clean"):
        build = root / "_build"
        for path in sorted(build.iterdir()):
            if path.name == NAME:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(f"_build/{path.name}")
        for name in paths.GENERATED:  # written by the build outside _build/
            if (root / name).exists():
                (root / name).unlink()
                removed.append(name.as_posix())
    return removed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["clean"]:
        print("usage: python -m kzopinion.book.buildlock clean", file=sys.stderr)
        return 2
    root = Path.cwd()
    try:
        removed = clean(root)
    except Busy as err:
        print(f"[clean] nothing removed: {err}", file=sys.stderr)
        return 1
    print(f"[clean] removed {len(removed)} entries" + (f": {', '.join(removed)}" if removed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
