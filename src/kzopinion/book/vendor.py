"""Vendored front-end assets, so the built book loads nothing from the network.

The Vega, Vega-Lite and Vega-Embed libraries come from the pinned ``vl-convert-python``
(``vl_convert.javascript_bundle()``, which assigns ``window.vegaEmbed``); the file is
generated into ``book/_static/vendor/`` by the book's Sphinx extension when a build starts
(any build: ``make book``, ``make pdf`` or the plain ``jupyter-book build .``), is not
committed, and is never edited by hand.

Bundling takes about two seconds, so the bundle is also kept in the user's cache folder
(``$XDG_CACHE_HOME/kzopinion``, else ``~/.cache/kzopinion``) under the library's version: a fresh
clone or a copy of the repository reuses it. A cached file is used only when whole (its header names
the version and it ends as written); otherwise it is made again.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from kzopinion import paths

BUNDLE = paths.CHART_BUNDLE
_FOOTER = "\n})();\n"
WRAP = "v1"  # the version of the wrapping below: change it when the wrapping changes


def cache_folder() -> Path | None:
    """Where derived files that depend only on installed packages are kept between builds and clones; None
    without a home folder. A relative ``XDG_CACHE_HOME`` is ignored, as the XDG specification says."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "kzopinion"
    return folder if folder.is_absolute() else None


def _whole(path: Path, header: str) -> bool:
    try:
        with path.open("rb") as handle:
            if handle.readline().decode("utf-8", "replace") != header:
                return False
            handle.seek(-len(_FOOTER), os.SEEK_END)
            return handle.read().decode("utf-8", "replace") == _FOOTER
    except OSError:
        return False


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        scratch.write_text(text, encoding="utf-8")
        os.replace(scratch, target)  # never a half-written bundle, even with two builds at once
    finally:
        scratch.unlink(missing_ok=True)  # left only when writing failed (a full disk)


def write_bundle(root: Path) -> Path:
    """Write the Vega bundle if it is missing or differs from the pinned library's."""
    import vl_convert as vlc

    target = root / BUNDLE
    header = f"/* Vega, Vega-Lite and Vega-Embed, bundled by vl-convert-python {vlc.__version__}, wrapped ({WRAP}) */\n"
    if _whole(target, header):
        return target
    folder = cache_folder()
    cached = folder / f"vega-bundle-{vlc.__version__}-{WRAP}.js" if folder else None
    if cached and _whole(cached, header):
        _write(target, cached.read_text(encoding="utf-8"))
        return target
    # Wrapped in a function so the bundle's top-level names stay out of the page's global scope;
    # it publishes window.vegaEmbed, window.vega and window.vegaLite itself.
    text = header + "(function () {\n" + vlc.javascript_bundle() + _FOOTER
    _write(target, text)
    if cached:
        with contextlib.suppress(OSError):  # a read-only home: the next build bundles again
            _write(cached, text)
    return target
