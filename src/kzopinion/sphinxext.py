"""A small Sphinx extension for the book: keep pages free of network-bound scripts.

Jupyter Book 1 always loads sphinx-thebe, which declares a CDN address for thebe on every
page (and, on some builds, twice, which is a JavaScript error), and Sphinx's MathJax
extension, which loads MathJax from a CDN (in the single-page build, on every page). Live
code is off and the book has no mathematics, so both are unhooked. A chapter that needs
equations must first vendor MathJax into book/_static and point ``mathjax_path`` at it.
"""

from __future__ import annotations


def _unhook(app, event: str, handler) -> None:
    for listener in list(app.events.listeners.get(event, [])):
        if listener.handler is handler:
            app.disconnect(listener.id)


def _unhook_network_scripts(app) -> None:
    from sphinx.ext.mathjax import install_mathjax
    from sphinx_thebe import init_thebe_core

    _unhook(app, "env-before-read-docs", init_thebe_core)
    _unhook(app, "html-page-context", install_mathjax)


def setup(app):
    app.connect("builder-inited", _unhook_network_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
