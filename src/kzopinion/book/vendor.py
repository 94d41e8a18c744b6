"""Vendored front-end assets, so the built book loads nothing from the network.

The Vega, Vega-Lite and Vega-Embed libraries come from the pinned ``vl-convert-python``
(``vl_convert.javascript_bundle()``, which assigns ``window.vegaEmbed``); the file is
generated into ``book/_static/vendor/`` by the book's Sphinx extension when a build starts
(any build: ``make book``, ``make pdf`` or the plain ``jupyter-book build .``), is not
committed, and is never edited by hand.
"""

from __future__ import annotations

from pathlib import Path

from kzopinion import paths

BUNDLE = paths.CHART_BUNDLE


def write_bundle(root: Path) -> Path:
    """Write the Vega bundle if it is missing or differs from the pinned library's."""
    import vl_convert as vlc

    target = root / BUNDLE
    header = (
        "/* Vega, Vega-Lite and Vega-Embed, bundled by vl-convert-python " + vlc.__version__ + ", wrapped (v1) */\n"
    )
    if target.exists():
        with target.open(encoding="utf-8") as handle:
            if handle.readline() == header:
                return target  # already the pinned library's bundle (bundling takes about a second)
    # Wrapped in a function so the bundle's top-level names stay out of the page's global scope;
    # it publishes window.vegaEmbed, window.vega and window.vegaLite itself.
    text = header + "(function () {\n" + vlc.javascript_bundle() + "\n})();\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
