"""The one place that knows where files live, and how the project's text files are read.

The repository root is the first folder, walking up from the working directory
(then from this file), that holds ``_config.yml`` and ``data/datapackage.json``. Notebooks run from their own folder
(Jupyter Book and nbval both do that), so nothing else may build paths by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

_MARKERS = ("_config.yml", "data/datapackage.json")

# Files every build writes into the tree it builds (by the book's Sphinx extension), never committed
# (.gitignore): the data appendix page and the vendored chart library.
APPENDIX_PAGE = Path("book/data-appendix.md")
CHART_BUNDLE = Path("book/_static/vendor/vega-bundle.js")
GENERATED = (APPENDIX_PAGE, CHART_BUNDLE)
# The registry's own bookkeeping in data/microdata/: size and modification time of each registered file when its
# sha256 was last checked. Rewritten by every check, it is never an input of a build.
VERIFIED_STAMPS = ".verified.json"


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


def find_root(start: Path | None = None) -> Path:
    """Return the repository root; ``KZOPINION_ROOT`` overrides the search."""
    if os.environ.get("KZOPINION_ROOT"):
        return Path(os.environ["KZOPINION_ROOT"]).resolve()
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
