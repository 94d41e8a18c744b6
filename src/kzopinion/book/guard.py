"""Kernels get no route back into the repository: they run on a copy outside it, and changes are reported.

Prevention. :func:`snapshot` copies the sources (``book/``, ``notebooks/``, ``data/``, ``src/`` and the top-level
files) into a fresh folder in the system's temporary folder, outside the repository: regular files only, symbolic
links followed (a linked folder is copied as what it points at), registered microdata copied read-only, no
``.git``. :func:`environment` gives kernels that copy as the repository (``KZOPINION_ROOT``, its ``src/`` first on
the import path) and leaves out every setting whose value names the repository. So a cell that asks git for its
top folder finds none, a hard link made from the copy links to the copy, and the microdata a kernel opens are
its own read-only copies. One path remains that no setting gives: the interpreter itself, when the environment
(``.venv``) lies inside the repository; a cell that walks up from ``sys.executable`` can find it, and the second
line reports what it writes there.

Second line. :func:`repository_state` stamps the repository's tracked files and source folders before a notebook
runs and :func:`changed_during` compares them after: a change is reported as made "while notebook N ran (by you
or by that notebook)". Nothing is ever restored or reverted: a save made during a build stays as saved and the
next build picks it up.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from kzopinion.book import stamps

COPIED = ("book", "notebooks", "data", "src")
_SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", "microdata")


def scratch_folder(repository: Path, clear: bool = False) -> Path:
    """A new folder for one build's kernels, in the system's temporary folder (``TMPDIR``), outside the
    repository. With ``clear`` (a caller holding the build lock, so none is in use), the folders earlier builds of
    this repository left (a failed notebook's partial output) are removed first."""
    prefix = f"kzopinion-run-{hashlib.sha256(str(repository.resolve()).encode()).hexdigest()[:8]}-"
    for old in Path(tempfile.gettempdir()).glob(f"{prefix}*") if clear else ():
        shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=prefix)).resolve()


def snapshot(root: Path, target: Path) -> dict[str, str]:
    """Copy the sources of the repository at ``root`` into ``target`` (outside it); returns ``relative path ->
    sha256`` of every copied file (what the kernels are given). Registered microdata is copied read-only."""
    target.mkdir(parents=True, exist_ok=True)
    for path in root.iterdir():
        if path.is_file() and (not path.name.startswith(".") or path.name == ".kzopinion-edition"):
            shutil.copyfile(path, target / path.name)
    for name in COPIED:
        if (root / name).is_dir():
            shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns(*_SKIPPED), dirs_exist_ok=True)
    microdata = root / "data" / "microdata"
    if microdata.is_dir():
        copy = target / "data" / "microdata"
        shutil.copytree(microdata, copy, ignore=shutil.ignore_patterns("__pycache__"))
        for folder, _, names in os.walk(copy):
            for name in names:
                os.chmod(Path(folder) / name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return digests(target)


def digests(tree: Path) -> dict[str, str]:
    """``relative path -> sha256`` of every file of a snapshot (its read-only microdata copies excluded)."""
    out = {}
    for folder, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in _SKIPPED]
        for name in names:
            path = Path(folder) / name
            out[path.relative_to(tree).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changes(tree: Path, given: dict[str, str]) -> list[str]:
    """Files of the snapshot changed, created or removed since the kernels were given ``given``."""
    now = digests(tree)
    return sorted(name for name in now.keys() | given.keys() if now.get(name) != given.get(name))


def environment(repository: Path, tree: Path) -> dict[str, str | None]:
    """The kernel's settings: ``tree`` as the repository; every variable naming ``repository`` left out (None)."""
    names = {str(repository), str(repository.resolve())}

    def naming(value: str) -> bool:  # whether a setting's value or a search path's entry leads into the repository
        return any(name in value for name in names)

    def outside(variable: str) -> list[str]:  # the entries of a search path that do not lead into the repository
        return [entry for entry in os.environ.get(variable, "").split(os.pathsep) if entry and not naming(entry)]

    scrubbed: dict[str, str | None] = {key: None for key, value in os.environ.items() if naming(value)}
    return scrubbed | {
        "KZOPINION_ROOT": str(tree),
        "PYTHONPATH": os.pathsep.join([str(tree / "src"), *outside("PYTHONPATH")]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PATH": os.pathsep.join(outside("PATH")),
        "GIT_CEILING_DIRECTORIES": str(tree.parent),
    }


def tracked(root: Path) -> list[str]:
    """The files git tracks in ``root`` (empty outside a git repository)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name]


def repository_state(root: Path) -> stamps.Stamp:
    """The stamp of the repository's tracked files and of everything a build reads."""
    state = {name: entry for name, entry in stamps.files(root).items() if not name.endswith(".partial")}
    for name in tracked(root):
        if name not in state:
            state[name] = stamps.file_stamp(root / name) or ["absent"]
    return {name: entry[:4] for name, entry in state.items()}


def changed_during(root: Path, before: stamps.Stamp, own: set[str] = frozenset()) -> list[str]:
    """Files of the repository changed since ``before`` (``own``: the records the build itself wrote)."""
    now = repository_state(root)
    return sorted(name for name in before.keys() | now.keys() if name not in own and before.get(name) != now.get(name))


def changed_message(names: list[str], notebook: str) -> str:
    """The report of files changed while a notebook ran: never reverted, never a reason to rehash a table."""
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return (
        f"{shown} changed while notebook {notebook} ran (by you or by that notebook). Nothing was reverted; the "
        "notebook ran on a copy taken before, and the next `make book` builds from the files as they are now."
    )
