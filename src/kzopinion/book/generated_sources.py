"""What a build writes before Sphinx reads, and what it keeps between builds (a Sphinx extension of the book).

- Before Sphinx looks for sources, write what the book needs and the repository does not commit: the
  data appendix (``book/data-appendix.md``, from ``data/datapackage.json``; rewritten only when the data
  package's files changed) and the vendored chart library (``book/_static/vendor/vega-bundle.js``). Any
  build therefore has them: ``make book``, ``make pdf`` and the plain ``jupyter-book build .`` alike.
- The compiled page templates are kept (Jinja's bytecode cache) in Sphinx's doctree folder.
- How long Sphinx spent starting, reading and writing is marked in :data:`PHASES`
  (:func:`phase_seconds`), which the build prints and the benchmark reads.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from sphinx.errors import ExtensionError

from kzopinion.book import appendix, vendor

PHASES: dict[str, float] = {}


def _generate(app, config) -> None:
    """Write the data appendix and the vendored chart bundle before Sphinx looks for sources."""
    root = Path(app.srcdir)
    try:
        appendix.write_if_changed(root)
    except (KeyError, ValueError, OSError) as err:  # a DataValidationError is a ValueError
        raise ExtensionError(
            f"kzopinion: cannot write the data appendix ({appendix.PAGE}) from data/datapackage.json: {err}"
        ) from None
    vendor.write_bundle(root)


def _cache_templates(app) -> None:
    """Keep the compiled page templates between builds (Jinja's bytecode cache, keyed by each template's source)."""
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is not None:
        folder = Path(app.doctreedir) / "kz-templates"
        folder.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def _mark(phase: str, app, *args) -> None:
    PHASES[phase] = time.perf_counter()


def phase_seconds(started: float, finished: float) -> dict[str, float]:
    """Seconds Sphinx spent starting (configuration, extensions, environment), reading the changed
    sources and writing (pages, assets, indices), from the marks of the last build in this process."""
    ready = PHASES.get("builder-inited", started)
    read_from = PHASES.get("env-before-read-docs", ready)
    read_to = PHASES.get("env-updated", read_from)
    return {
        "start": round(ready - started, 3),
        "read": round(read_to - read_from, 3),
        "write": round(finished - read_to, 3),
    }


def setup(app):
    app.connect("config-inited", _generate)
    app.connect("builder-inited", _cache_templates)
    for phase in ("builder-inited", "env-before-read-docs", "env-updated"):
        app.connect(phase, functools.partial(_mark, phase))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
