"""What every page of the book carries, and what it never loads (a Sphinx extension of the book).

1. No network-bound scripts. Jupyter Book 1 always loads sphinx-thebe, which declares a CDN address for thebe on
   every page (on some builds twice, a JavaScript error), and Sphinx's MathJax extension, which loads MathJax from
   a CDN (in the single-page build, on every page). Live code is off and the book has no mathematics, so both are
   unhooked; a chapter that needs equations must first vendor MathJax into book/_static and set ``mathjax_path``.
2. Every page ends with the edition it was built from (commit, date, data digest, from
   :mod:`kzopinion.book.build_stamp`) and how to cite it; bibliography entries are list items and empty
   header cells plain cells (the theme's and pandas' markup fail axe-core).
3. Every page of the HTML book (not the single-page build, the PDF's source) offers the whole book as a PDF
   (``book.pdf``) and all its data as one zip (``kzopinion-data.zip``, :mod:`kzopinion.book.datazip`), both at the
   root of the site: the build writes the zip there; ``make pdf`` prints the PDF (``_build/pdf/book.pdf``) and
   puts it beside the pages printed from the same sources (:func:`kzopinion.book.build.publish_pdf`).
4. The repository's address is declared once, as ``repository.url`` in ``_config.yml``. When it is set, the
   repository, issue and edit-this-page buttons appear (an edit leads to a notebook's MyST source, never to its
   executed record), the notebook pages get the Binder launch button (``launch_buttons``; Binder builds the
   environment from ``environment.yml``, which installs ``requirements.lock``), and "cite this edition" names
   the address of the commit; when it is empty, there are no buttons and no address.
"""

from __future__ import annotations

import codecs
import html
from pathlib import Path

from sphinx.errors import ExtensionError

from kzopinion.book import bibliography, build_stamp, datazip

PDF = "book.pdf"
BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")
LAUNCHERS = ("binderhub_url", "jupyterhub_url", "colab_url")


def _unhook_network_scripts(app) -> None:
    from sphinx.ext.mathjax import install_mathjax
    from sphinx_thebe import init_thebe_core

    for event, handler in (("env-before-read-docs", init_thebe_core), ("html-page-context", install_mathjax)):
        for listener in list(app.events.listeners.get(event, [])):
            if listener.handler is handler:
                app.disconnect(listener.id)


def _page_context(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or "body" not in context:
        return
    # docutils marks bibliography entries with the deprecated role doc-biblioentry inside a
    # role="list", which then has no list items (axe: aria-required-children, critical)
    body = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')
    # pandas leaves the corner cells of a table's header empty: a header cell that heads
    # nothing (axe: empty-table-header) is an ordinary cell
    body = body.replace("<th></th>", "<td></td>")
    ed = app.kz_edition
    commit = html.escape(ed.commit or "unknown")
    if ed.commit_url:
        commit = f'<a href="{html.escape(ed.commit_url)}">{commit}</a>'
    if app.builder.name == "html":
        pasted = {refdoc for _, refdoc, _ in getattr(app.env, "kz_glue_uses", {}).get(pagename, [])}
        dirty = ed.page_dirty(pagename, pasted)
        downloads = downloads_html(context["pathto"])
    else:  # one page holds every document
        dirty = ed.dirty or bool(ed.changed)
        downloads = ""
    changes = " (with uncommitted changes)" if dirty else ""
    source = f' of <a href="{html.escape(ed.url)}">{html.escape(ed.url)}</a>' if ed.url else ""
    context["body"] = body + (
        '<aside class="kz-edition" aria-label="About this edition"><p>'
        f"Built from commit <code>{commit}</code>{changes}{source} on {html.escape(ed.date)}; "
        f"data package digest <code>sha256:{html.escape(ed.data_digest)}</code> "
        "(of <code>data/datapackage.json</code>, which records every table's checksum).</p>"
        f"<p><strong>Cite this edition:</strong> {html.escape(ed.citation)}</p>{downloads}</aside>"
    )


def downloads_html(pathto) -> str:
    """The page's links to the PDF and the data zip (``pathto``: Sphinx's, giving a file's address from the page)."""
    return (
        '<p class="kz-downloads"><strong>Download:</strong> '
        f'<a href="{html.escape(pathto(PDF, 1))}" download>the whole book as a PDF</a> · '
        f'<a href="{html.escape(pathto(datazip.NAME, 1))}" download>all the data</a> (the data package\'s tables and '
        f"<code>datapackage.json</code> as one zip, with their SHA-256 checksums)</p>"
    )


def _write_data_zip(app, exception) -> None:
    """At the end of a successful HTML build, the data package as one zip at the root of the site."""
    if exception is not None or app.builder.name != "html":
        return
    try:
        datazip.write(Path(app.srcdir), Path(app.outdir) / datazip.NAME)
    except ValueError as err:
        raise ExtensionError(f"kzopinion: cannot write the data download ({datazip.NAME}): {err}") from None


def edit_url_template(url: str, branch: str) -> str:
    """The edit-this-page address (a Jinja template of the theme): a notebook's record is edited through its source."""
    page = "{{ doc_path }}{{ file_name | replace('.ipynb', '.md') }}"
    edit = "-/edit" if "gitlab" in url.lower() else "edit"
    return f"{url}/{edit}/{branch}/{page}"


def configure_repository(options: dict, context: dict) -> str:
    """The repository and launch buttons on exactly when ``repository_url`` is set; returns the address ("" when
    not set). A launch button opens the repository at its branch: without one, nothing to launch (the theme fails)."""
    url = str(options.get("repository_url") or "").strip().rstrip("/")
    options.update(dict.fromkeys(BUTTONS, bool(url)))
    if url:
        options["repository_url"] = url
        context["edit_page_url_template"] = edit_url_template(url, str(options.get("repository_branch") or "main"))
        context["edit_page_provider_name"] = "GitLab" if "gitlab" in url.lower() else "GitHub"
        return url
    options.pop("repository_url", None)
    if isinstance(options.get("launch_buttons"), dict):
        options["launch_buttons"] = {**options["launch_buttons"], **dict.fromkeys(LAUNCHERS, "")}
    return ""


def _check_bibliography(app, config) -> None:
    """Stop, naming the file and the fix, on a bibliography file (``bibtex_bibfiles``) that is not UTF-8: Sphinx's
    bibliography reads it next (at builder-inited) and would stop with a codec's traceback naming neither."""
    encoding = codecs.lookup(getattr(config, "bibtex_encoding", None) or "utf-8-sig").name
    if encoding not in ("utf-8", "utf-8-sig"):
        return  # read in the encoding the configuration names, on purpose
    found = bibliography.unreadable(Path(app.srcdir), list(getattr(config, "bibtex_bibfiles", None) or []))
    if found:
        raise ExtensionError(f"kzopinion: {found[0]}")


def _configure(app, config) -> None:
    _check_bibliography(app, config)
    url = configure_repository(config.html_theme_options, config.html_context)
    try:
        disagreement = build_stamp.address_disagreement(Path(app.srcdir), url)
        app.kz_edition = build_stamp.edition(Path(app.srcdir), url)
    except ValueError as err:
        raise ExtensionError(f"kzopinion: {err}") from None
    if disagreement:
        raise ExtensionError(f"kzopinion: {disagreement}")
    # In the configuration Sphinx compares between builds: when the commit, date, address or the
    # uncommitted changes to what every page is made from change, every page is written again, so no
    # page names a stale edition. Uncommitted changes to a page's own source are said on that page,
    # which is written again whenever that source changes: an edit rewrites its page, not the book.
    config.html_context["kz_edition"] = {k: v for k, v in vars(app.kz_edition).items() if k != "changed"}


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _unhook_network_scripts)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _write_data_zip)
    # after the vendored Vega bundle (html_js_files: priority 800), so the chart fitting can wrap vegaEmbed
    app.add_js_file("kzopinion.js", priority=900, loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
