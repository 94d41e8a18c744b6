"""What every page of the book carries, and what it never loads (a Sphinx extension of the book).

1. No network-bound scripts. Jupyter Book 1 always loads sphinx-thebe, which declares a CDN address for
   thebe on every page (and, on some builds, twice, which is a JavaScript error), and Sphinx's MathJax
   extension, which loads MathJax from a CDN (in the single-page build, on every page). Live code is off
   and the book has no mathematics, so both are unhooked. A chapter that needs equations must first
   vendor MathJax into book/_static and point ``mathjax_path`` at it.
2. Every page ends with the edition it was built from (commit, date, data digest, from
   :mod:`kzopinion.book.build_stamp`) and how to cite it; bibliography entries are list items and empty
   header cells plain cells (the theme's and pandas' markup fail axe-core).
3. Every page of the HTML book offers the whole book as a PDF (``book.pdf``) and all its data as one zip
   (``kzopinion-data.zip``, :mod:`kzopinion.book.datazip`), both at the root of the site: the build writes
   the zip there; ``make pdf`` prints the PDF (``_build/pdf/book.pdf``) and puts it beside the pages printed from
   the same sources (:func:`kzopinion.book.build.publish_pdf`). The single-page build (the PDF's source) has no
   such links.
4. The repository's address is declared once, as ``repository.url`` in ``_config.yml``. When it is set,
   the repository, issue and edit-this-page buttons appear (an edit leads to a notebook's MyST source,
   never to its executed record), the notebook pages get the Binder launch button (``launch_buttons``;
   Binder builds the environment from ``environment.yml``, which installs ``requirements.lock``), and
   "cite this edition" names the address of the commit; when it is empty, there are no buttons and no
   address.
"""

from __future__ import annotations

import html
from pathlib import Path


def _unhook(app, event: str, handler) -> None:
    for listener in list(app.events.listeners.get(event, [])):
        if listener.handler is handler:
            app.disconnect(listener.id)


def _unhook_network_scripts(app) -> None:
    from sphinx.ext.mathjax import install_mathjax
    from sphinx_thebe import init_thebe_core

    _unhook(app, "env-before-read-docs", init_thebe_core)
    _unhook(app, "html-page-context", install_mathjax)


def _root(app) -> Path:
    return Path(app.srcdir)


def _page_context(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or "body" not in context:
        return
    # docutils marks bibliography entries with the deprecated role doc-biblioentry inside a
    # role="list", which then has no list items (axe: aria-required-children, critical)
    context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')
    # pandas leaves the corner cells of a table's header empty: a header cell that heads
    # nothing (axe: empty-table-header) is an ordinary cell
    context["body"] = context["body"].replace("<th></th>", "<td></td>")
    ed = app.kz_edition
    commit = html.escape(ed.commit or "unknown")
    if ed.commit_url:
        commit = f'<a href="{html.escape(ed.commit_url)}">{commit}</a>'
    commit = f"<code>{commit}</code>"
    if app.builder.name == "html":
        pasted = {refdoc for _, refdoc, _ in getattr(app.env, "kz_glue_uses", {}).get(pagename, [])}
        dirty = ed.page_dirty(pagename, pasted)
    else:  # one page holds every document
        dirty = ed.dirty or bool(ed.changed)
    commit += " (with uncommitted changes)" if dirty else ""
    downloads = downloads_html(context["pathto"]) if app.builder.name == "html" else ""
    source = f' of <a href="{html.escape(ed.url)}">{html.escape(ed.url)}</a>' if ed.url else ""
    context["body"] += (
        '<aside class="kz-edition" aria-label="About this edition"><p>'
        f"Built from commit {commit}{source} on {html.escape(ed.date)}; "
        f"data package digest <code>sha256:{html.escape(ed.data_digest)}</code> "
        "(of <code>data/datapackage.json</code>, which records every table's checksum).</p>"
        f"<p><strong>Cite this edition:</strong> {html.escape(ed.citation)}</p>{downloads}</aside>"
    )


PDF = "book.pdf"


def downloads_html(pathto) -> str:
    """The page's links to the PDF and the data zip (``pathto``: Sphinx's, giving a file's address from the page)."""
    from kzopinion.book import datazip

    pdf = html.escape(pathto(PDF, 1))
    data = html.escape(pathto(datazip.NAME, 1))
    return (
        '<p class="kz-downloads"><strong>Download:</strong> '
        f'<a href="{pdf}" download>the whole book as a PDF</a> · '
        f'<a href="{data}" download>all the data</a> (the data package\'s tables and '
        f"<code>datapackage.json</code> as one zip, with their SHA-256 checksums)</p>"
    )


def _write_data_zip(app, exception) -> None:
    """At the end of a successful HTML build, the data package as one zip at the root of the site."""
    from sphinx.errors import ExtensionError

    from kzopinion.book import datazip

    if exception is not None or app.builder.name != "html":
        return
    try:
        datazip.write(_root(app), Path(app.outdir) / datazip.NAME)
    except ValueError as err:
        raise ExtensionError(f"kzopinion: cannot write the data download ({datazip.NAME}): {err}") from None


BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")


def edit_url_template(url: str, branch: str) -> str:
    """The edit-this-page address of a page (a Jinja template of the theme): a notebook's
    executed record (``.ipynb``) is edited through its MyST source (``.md``)."""
    page = "{{ doc_path }}{{ file_name | replace('.ipynb', '.md') }}"
    edit = "-/edit" if "gitlab" in url.lower() else "edit"
    return f"{url}/{edit}/{branch}/{page}"


LAUNCHERS = ("binderhub_url", "jupyterhub_url", "colab_url")


def configure_repository(options: dict, context: dict) -> str:
    """Turn the repository buttons, and the launch buttons of the notebook pages (Binder, as ``launch_buttons``
    in ``_config.yml`` names it), on exactly when ``repository.url`` (the theme's ``repository_url``) is set;
    returns the address ("" when not set). A launch button opens the repository at its branch, so without an
    address there is nothing to launch (and the theme would fail)."""
    url = str(options.get("repository_url") or "").strip().rstrip("/")
    for button in BUTTONS:
        options[button] = bool(url)
    if not url and isinstance(options.get("launch_buttons"), dict):
        options["launch_buttons"] = {**options["launch_buttons"], **dict.fromkeys(LAUNCHERS, "")}
    if url:
        options["repository_url"] = url
        branch = str(options.get("repository_branch") or "main")
        context["edit_page_url_template"] = edit_url_template(url, branch)
        context["edit_page_provider_name"] = "GitLab" if "gitlab" in url.lower() else "GitHub"
    else:
        options.pop("repository_url", None)
    return url


def _check_bibliography(app, config) -> None:
    """Stop, naming the file and the fix, on a bibliography file (``bibtex_bibfiles``) that is not UTF-8: Sphinx's
    bibliography reads it next (at builder-inited) and would stop with a codec's traceback naming neither."""
    import codecs

    from sphinx.errors import ExtensionError

    from kzopinion.book import bibliography

    encoding = codecs.lookup(getattr(config, "bibtex_encoding", None) or "utf-8-sig").name
    if encoding not in ("utf-8", "utf-8-sig"):
        return  # read in the encoding the configuration names, on purpose
    found = bibliography.unreadable(_root(app), list(getattr(config, "bibtex_bibfiles", None) or []))
    if found:
        raise ExtensionError(f"kzopinion: {found[0]}")


def _configure(app, config) -> None:
    from sphinx.errors import ExtensionError

    from kzopinion.book import build_stamp

    _check_bibliography(app, config)
    url = configure_repository(config.html_theme_options, config.html_context)
    try:
        disagreement = build_stamp.address_disagreement(_root(app), url)
        app.kz_edition = build_stamp.edition(_root(app), url)
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
