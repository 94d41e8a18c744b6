"""The one place that knows where files live, how the project's text files are read, and what its settings hold.

The repository root is the first folder, walking up from the working directory
(then from this file), that holds ``_config.yml`` and ``data/datapackage.json``. Notebooks run from their own folder
(Jupyter Book and nbval both do that), so nothing else may build paths by hand.

Settings are environment variables (``KZOPINION_ROOT``, ``KZOPINION_EDITION``, ...), each declared once in
:data:`SETTINGS` with what it accepts; :func:`setting` reads one, so a refused value always stops with the same
sentence (:class:`SettingError`: the variable, its value, what is accepted), whichever command read it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_MARKERS = ("_config.yml", "data/datapackage.json")
# what KZOPINION_ROOT must hold: a folder named by hand is the repository only if it holds every file a build reads
# first (the search above is looser, so that a clone without its data package is named by the build, not skipped)
ROOT_MARKERS = ("_config.yml", "_toc.yml", "data/datapackage.json")

# Files every build writes into the tree it builds (by the book's Sphinx extension), never committed
# (.gitignore): the data appendix page and the vendored chart library.
APPENDIX_PAGE = Path("book/data-appendix.md")
CHART_BUNDLE = Path("book/_static/vendor/vega-bundle.js")
GENERATED = (APPENDIX_PAGE, CHART_BUNDLE)
# The registry's own bookkeeping in data/microdata/: the stamp (size, times, inode) of each registered file when its
# sha256 was last checked. Rewritten by every check, it is never an input of a build.
VERIFIED_STAMPS = ".verified.json"
# Git's "racy" rule: a file modified within this long of its stamp may change again without its times moving
# (the coarsest modification-time resolution of a file system in use: FAT's 2 s), so its stamp alone proves nothing.
RACY_NS = 2 * 10**9


# --------------------------------------------------------------------------- settings


class SettingError(ValueError):
    """A setting (an environment variable) holds a value the project refuses; the message names the variable,
    the value and what is accepted."""


class RootSettingError(SettingError, FileNotFoundError):
    """``KZOPINION_ROOT`` names a folder that is not the repository. Also a :class:`FileNotFoundError`, so every
    command that reports a repository it cannot find (``make book``, ``make pdf``) reports this one the same way."""


@dataclass(frozen=True)
class Setting:
    """One setting: what it accepts (in words, with an accepted example), how its text becomes the value the code
    uses (``parse`` raises :class:`ValueError`, whose message, if any, says why), and what holds when it is unset."""

    name: str
    accepted: str
    example: str
    parse: Callable[[str], object]
    unset: str
    default: object = None
    error: type[SettingError] = SettingError


class _Why(ValueError):
    """A refused value with a reason worth saying (a folder that is not the repository, a missing file)."""


def _positive_number(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value) or value <= 0:
        raise ValueError
    return value


def _positive_whole(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError
    return value


def _edition(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("public", "microdata"):
        raise ValueError
    return value


def _repository(raw: str) -> Path:
    folder = Path(raw).expanduser().resolve()
    if not folder.is_dir():
        raise _Why(f"{folder} is no folder")
    missing = [marker for marker in ROOT_MARKERS if not (folder / marker).is_file()]
    if missing:
        raise _Why(f"{folder} is not the repository (it holds no {', no '.join(missing)})")
    return folder


def _file(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise _Why(f"{path} is no file")
    return path


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "KZOPINION_ROOT",
            f"the folder of a clone of the project (holding {', '.join(ROOT_MARKERS)})",
            "/path/to/kzopinion",
            _repository,
            "the repository is found from the working folder",
            error=RootSettingError,
        ),
        Setting(
            "KZOPINION_EDITION",
            "'public' (ignore registered microdata) or 'microdata' (use it)",
            "public",
            _edition,
            "the repository builds the public edition, the microdata edition's tree the microdata one",
        ),
        Setting(
            "KZOPINION_CELL_TIMEOUT",
            "a whole number of seconds above 0 that a cell may run",
            "900",
            _positive_whole,
            "a cell may run 600 seconds",
            default=600,
        ),
        Setting(
            "KZOPINION_PROGRESS_SECONDS",
            "a number of seconds above 0 between the build's reports on a long cell",
            "30",
            _positive_number,
            "a long cell is reported every 30 seconds",
            default=30.0,
        ),
        Setting(
            "KZOPINION_ARTICLE_TEXT",
            "the path of a file holding the article's extracted text",
            "/path/to/article.txt",
            _file,
            "the tests that read the article's text are skipped",
        ),
        Setting(
            "KZOPINION_CONCURRENT_TRIALS",
            "a whole number above 0 of concurrent builds the build-lock test starts",
            "10",
            _positive_whole,
            "the test runs 3 trials",
            default=3,
        ),
    )
}
"""Every setting the package and its tests read, by variable. ``KZOPINION_BUILT_FROM`` is not one: the build
writes it for its own Sphinx extension (:data:`kzopinion.book.build_stamp.PINNED`)."""


def setting(name: str) -> object:
    """The value of setting ``name`` as the code uses it (its default when unset or empty). A refused value raises
    the setting's :class:`SettingError`, one sentence naming the variable, its value and what is accepted: a typo
    stops the command that read it, never a cell, a kernel or a test far from the cause."""
    declared = SETTINGS[name]
    raw = os.environ.get(name, "")
    if not raw.strip():
        return declared.default
    try:
        return declared.parse(raw)
    except ValueError as err:
        why = f": {err};" if isinstance(err, _Why) else ":"
        raise declared.error(
            f"{name}={raw!r} is refused{why} it takes {declared.accepted}, e.g. {name}={declared.example}; "
            f"set it so, or unset it ({declared.unset})"
        ) from None


# --------------------------------------------------------------------------- files


class NotUTF8Error(ValueError):
    """A text file the project reads is not UTF-8; the message names the file, the line and the fix."""


def not_utf8(where: str, raw: bytes, err: UnicodeDecodeError) -> str:
    """The sentence for a file that is not UTF-8 text: where the first bad byte is, and the fix."""
    line = raw[: err.start].count(b"\n") + 1
    return (
        f"{where}, line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x} cannot be read); the project's "
        "text files are UTF-8: save the file again with the encoding UTF-8 (or undo the edit that added it)."
    )


def utf8_text(path: Path, where: str | None = None) -> str:
    """The text of ``path`` (a byte-order mark dropped), or :class:`NotUTF8Error` naming it (as ``where``, by
    default the path) and the fix: a codec's traceback names neither."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise NotUTF8Error(not_utf8(where or str(path), raw, err)) from None


# --------------------------------------------------------------------------- the repository


def find_root(start: Path | None = None) -> Path:
    """Return the repository root; ``KZOPINION_ROOT`` overrides the search (and is refused, before anything is
    read or written there, when it names a folder that is not the repository: :class:`RootSettingError`)."""
    chosen = setting("KZOPINION_ROOT")
    if isinstance(chosen, Path):
        return chosen
    starts = [start] if start else [Path.cwd(), Path(__file__)]
    for here in (s.resolve() for s in starts):
        for folder in [here, *here.parents]:
            if all((folder / marker).exists() for marker in _MARKERS):
                return folder
    raise FileNotFoundError(
        f"No repository root above {', '.join(map(str, starts))}: expected a folder holding {' and '.join(_MARKERS)}. "
        "Run from a clone of the project or set KZOPINION_ROOT."
    )


def root() -> Path:
    return find_root()
