"""Every pasted value a doorway to where it comes from (a Sphinx extension of the book).

- ``{glue:text}`` wraps each pasted value in a :class:`kz_glued` node: a keyboard-focusable number with a
  tooltip (claim id, status, tier, inputs, computing cell; what :mod:`kzopinion.book.number_sources`
  assembles); a claim's number links to its row in the replication report, and that row links back to
  every page that shows it.
- The HTML build writes the ledger for machines, ``claims.json`` and ``claims.csv``, at the site root.
- The provenance and the ledger files are kept between builds in Sphinx's doctree folder and reused
  while their inputs are unchanged (keyed by :func:`kzopinion.book.number_sources.ledger_key`), so a prose
  edit costs only Sphinx's reading and writing of the page.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
from pathlib import Path

from docutils import nodes
from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.ext.glue.utils import PendingGlueReference
from sphinx.errors import ExtensionError

from kzopinion.book import notebooks, number_sources

REPORT_TABLE = "replication-report"
LEDGER_FILES = ("claims.json", "claims.csv")


class kz_glued(nodes.inline):  # noqa: N801 (docutils dispatches on the class name)
    """A pasted value with its glue key and the page that computed it."""


def _next_anchor(counts: dict[str, int], key: str) -> str:
    """The id of the next use of ``key`` on a page (``counts``: uses so far): ``kz-use-<key>``, ``kz-use-<key>-2``..."""
    counts[key] = count = counts.get(key, 0) + 1
    return f"kz-use-{key}" + (f"-{count}" if count > 1 else "")


# -- reading: remember which key each pasted value shows -------------------------------------


class ProvenancePasteText(PasteTextRole):
    """``{glue:text}``, wrapping the pasted value in a :class:`kz_glued` node."""

    def run(self):
        result, messages = super().run()
        env = self.document.settings.env
        wrapped = []
        for node in result:
            if isinstance(node, PendingGlueReference):
                doc, key = node.refdoc, node.key
            else:  # a same-page role: its content is ``key`` or ``key:format``
                doc, key = env.docname, self.text.rsplit(":", 1)[0]
            anchor = _next_anchor(env.temp_data.setdefault("kz_uses", {}), key)
            _glue_uses(env).setdefault(env.docname, []).append((key, doc, anchor))
            wrapped.append(kz_glued("", "", node, key=key, refdoc=doc))
        return wrapped, messages


def _glue_uses(env) -> dict[str, list[tuple[str, str, str]]]:
    """``docname -> [(key, refdoc, anchor)]`` for every pasted value read, kept in Sphinx's environment."""
    return vars(env).setdefault("kz_glue_uses", {})


def _purge(app, env, docname) -> None:
    _glue_uses(env).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    theirs = getattr(other, "kz_glue_uses", {})
    _glue_uses(env).update({docname: theirs[docname] for docname in docnames if docname in theirs})


# -- writing: doorways, report rows, the ledger files ---------------------------------------


def _ledger_key(app) -> str:
    if not hasattr(app, "kz_ledger_key"):
        app.kz_ledger_key = number_sources.ledger_key(Path(app.srcdir))
    return app.kz_ledger_key


def _provenance(app) -> dict:
    if hasattr(app, "kz_provenance"):
        return app.kz_provenance
    cache = Path(app.doctreedir) / "kz-provenance.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # no usable copy: compute it
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == _ledger_key(app):
            app.kz_provenance = number_sources.provenance_from_json(stored["pages"])
            return app.kz_provenance
    try:
        app.kz_provenance = number_sources.glued(Path(app.srcdir))
    except (KeyError, ValueError, OSError) as err:
        raise ExtensionError(
            f"kzopinion: cannot read the provenance of the glued values (claims ledger in "
            f"data/published/claims.csv and the notebook records): {err}"
        ) from None
    cache.parent.mkdir(parents=True, exist_ok=True)
    pages = number_sources.provenance_to_json(app.kz_provenance)
    cache.write_text(json.dumps({"key": _ledger_key(app), "pages": pages}), encoding="utf-8")
    return app.kz_provenance


def _report_docname(app) -> str | None:
    if not hasattr(app, "kz_report_docname"):
        reports = [s for s in notebooks.sources(Path(app.srcdir)) if notebooks.is_report(s)]
        app.kz_report_docname = f"notebooks/{reports[0].stem}" if reports else None
    return app.kz_report_docname


def _export_ledger(app, exception) -> None:
    """Copy ``claims.json`` and ``claims.csv`` to the site root, from the copy kept while their inputs are unchanged."""
    if exception is not None or app.builder.name != "html":
        return
    kept = Path(app.doctreedir) / "kz-ledger"
    stamp = kept / "key"
    current = stamp.is_file() and stamp.read_text() == _ledger_key(app)
    if not (current and all((kept / name).is_file() for name in LEDGER_FILES)):
        from kzopinion.paper import ledger

        shutil.rmtree(kept, ignore_errors=True)
        try:
            ledger.export(Path(app.srcdir), kept)
        except (KeyError, ValueError, OSError) as err:
            raise ExtensionError(
                f"kzopinion: cannot write the claims ledger (claims.json, claims.csv): {err}"
            ) from None
        stamp.write_text(_ledger_key(app))
    for name in LEDGER_FILES:
        shutil.copy2(kept / name, Path(app.outdir) / name)


def _href(app, fromdoc: str, todoc: str, anchor: str) -> str:
    if app.builder.name == "singlehtml":  # one page: every anchor is on it
        return f"#{anchor}"
    return app.builder.get_relative_uri(fromdoc, todoc) + f"#{anchor}"


def visit_kz_glued_html(self, node: kz_glued) -> None:
    """The number itself: a link to its report row (a claim) or a focusable span. The tooltip is drawn by CSS from
    ``data-tip``; for screen readers (aria-describedby) the same words sit in a hidden list after the page's text,
    so they never break into the sentence's text."""
    app = self.builder.app
    docname = self.builder.current_docname
    info = _provenance(app).get(node["refdoc"], {}).get(node["key"])
    anchor = _next_anchor(vars(self).setdefault("_kz_counts", {}), node["key"])  # in reading order, as on reading
    tip = "kz-tip-" + anchor.removeprefix("kz-use-")
    if info is None:
        text = f"Pasted from {node['refdoc']} (glue key {node['key']})."
    else:
        text = info.describe() + (" Select to open its row in the replication report." if info.claim else "")
    node["kz_claim"] = info is not None and info.claim
    vars(app).setdefault("kz_tips", {}).setdefault(docname, []).append((tip, text))
    attrs = f'id="{anchor}" aria-describedby="{tip}" data-tip="{html.escape(text)}"'
    self.body.append('<span class="kz-prov">')
    if node["kz_claim"]:
        report = _report_docname(app)
        href = _href(app, docname, report, f"claim-{info.key}") if report else "#"
        self.body.append(f'<a class="kz-num" {attrs} href="{html.escape(href)}">')
    else:
        self.body.append(f'<span class="kz-num" {attrs} tabindex="0">')


def depart_kz_glued_html(self, node: kz_glued) -> None:
    self.body.append(("</a>" if node["kz_claim"] else "</span>") + "</span>")


def _pass_through(self, node) -> None:
    """Other formats show the pasted value as it is."""


_ROW = re.compile(r"<tr([^>]*)>(\s*<td[^>]*>\s*<code>)([^<]+)(</code>)")


def link_report_rows(table_html: str, uses: dict[str, list[tuple[str, str, str]]]) -> str:
    """Give each row of the claims table the id ``claim-<id>`` (unless it has one) and, in its
    first cell, links to each page showing that claim (``uses``: id -> [(label, href, title)])."""

    def row(match: re.Match) -> str:
        attrs, start, claim_id, end = match.groups()
        claim_id = html.unescape(claim_id).strip()
        if "id=" not in attrs:
            attrs += f' id="claim-{html.escape(claim_id)}"'
        links = "".join(
            f' <a class="kz-backlink" href="{html.escape(href)}" title="{html.escape(title)}" '
            f'aria-label="shown in {html.escape(title)}">{html.escape(label)}</a>'
            for label, href, title in uses.get(claim_id, [])
        )
        shown = f'<span class="kz-shown-in">shown in{links}</span>' if links else ""
        return f"<tr{attrs}>{start}{html.escape(claim_id)}{end}{shown}"

    return _ROW.sub(row, table_html)


def _link_report(app, doctree, docname) -> None:
    if app.builder.format != "html" or docname != _report_docname(app):
        return
    claim_ids = {key for page in _provenance(app).values() for key, info in page.items() if info.claim}
    uses: dict[str, list[tuple[str, str, str]]] = {}
    for page, noted in sorted(_glue_uses(app.env).items()):
        if page == docname:
            continue
        title = app.env.titles[page].astext() if page in app.env.titles else page
        label = page.split("/")[-1].split("-")[0] if page.startswith("notebooks/") else page.split("/")[-1]
        # one link per page, to its first use of the claim (read backwards, the first use is the one kept)
        first_uses = {key: anchor for key, _refdoc, anchor in reversed(noted) if key in claim_ids}
        for key, anchor in first_uses.items():
            uses.setdefault(key, []).append((label, _href(app, docname, page, anchor), title))
    for raw in doctree.findall(nodes.raw):
        if REPORT_TABLE in raw.astext():
            text = link_report_rows(raw.astext(), uses)
            raw.children[0] = nodes.Text(text)
            raw.rawsource = text


def _add_tips(app, pagename, templatename, context, doctree) -> None:
    """The doorways' words, for screen readers, in a hidden list after the page's text."""
    if doctree is None or "body" not in context:
        return
    kept = vars(app).setdefault("kz_tips", {})
    tips = kept.pop(pagename, [])
    if app.builder.name == "singlehtml":  # one page holds every document's values
        tips += [tip for doc in list(kept) for tip in kept.pop(doc)]
    if tips:
        context["body"] += (
            '<div class="kz-tips" hidden>'
            + "".join(f'<span id="{tip}">{html.escape(text)}</span>' for tip, text in tips)
            + "</div>"
        )


def setup(app):
    app.connect("build-finished", _export_ledger)
    plain = (_pass_through, _pass_through)
    app.add_node(
        kz_glued, html=(visit_kz_glued_html, depart_kz_glued_html), latex=plain, text=plain, man=plain, texinfo=plain
    )
    app.add_role_to_domain("glue", "text", ProvenancePasteText(), override=True)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _link_report)
    app.connect("html-page-context", _add_tips)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
