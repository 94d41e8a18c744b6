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

import html
import json
import re
import shutil
from pathlib import Path

from docutils import nodes

REPORT_TABLE = "replication-report"


class kz_glued(nodes.inline):  # noqa: N801 (docutils dispatches on the class name)
    """A pasted value with its glue key and the page that computed it."""


# -- reading: remember which key each pasted value shows -------------------------------------


def _paste_text_role():
    from myst_nb.ext.glue.roles import PasteTextRole
    from myst_nb.ext.glue.utils import PendingGlueReference

    class ProvenancePasteText(PasteTextRole):
        """``{glue:text}``, wrapping the pasted value in a :class:`kz_glued` node."""

        def run(self):
            result, messages = super().run()
            env = self.document.settings.env
            out = []
            for node in result:
                if isinstance(node, PendingGlueReference):
                    doc, key = node.refdoc, node.key
                else:
                    doc, key = env.docname, _key_of(self.text)
                wrapper = kz_glued("", "", node, key=key, refdoc=doc)
                _note_use(env, key, doc)
                out.append(wrapper)
            return out, messages

    return ProvenancePasteText()


def _key_of(text: str) -> str:
    """The key of a same-page ``{glue:text}`` role's content (``key`` or ``key:format``)."""
    return text.rsplit(":", 1)[0] if ":" in text else text


def _note_use(env, key: str, refdoc: str) -> None:
    uses = env.temp_data.setdefault("kz_uses", {})
    count = uses.get(key, 0) + 1
    uses[key] = count
    anchor = f"kz-use-{key}" + (f"-{count}" if count > 1 else "")
    if not hasattr(env, "kz_glue_uses"):
        env.kz_glue_uses = {}
    env.kz_glue_uses.setdefault(env.docname, []).append((key, refdoc, anchor))


def _purge(app, env, docname) -> None:
    getattr(env, "kz_glue_uses", {}).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    if not hasattr(env, "kz_glue_uses"):
        env.kz_glue_uses = {}
    for docname in docnames:
        if docname in getattr(other, "kz_glue_uses", {}):
            env.kz_glue_uses[docname] = other.kz_glue_uses[docname]


# -- writing: doorways, report rows, the ledger files ---------------------------------------


def _root(app) -> Path:
    return Path(app.srcdir)


def _ledger_key(app) -> str:
    if not hasattr(app, "kz_ledger_key"):
        from kzopinion.book import number_sources

        app.kz_ledger_key = number_sources.ledger_key(_root(app))
    return app.kz_ledger_key


def _provenance(app) -> dict:
    if not hasattr(app, "kz_provenance"):
        from sphinx.errors import ExtensionError

        from kzopinion.book import number_sources

        cache = Path(app.doctreedir) / "kz-provenance.json"
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
            if stored.get("key") == _ledger_key(app):
                app.kz_provenance = number_sources.provenance_from_json(stored["pages"])
                return app.kz_provenance
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no usable copy: compute it
        try:
            app.kz_provenance = number_sources.glued(_root(app))
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
        from kzopinion.book import notebooks

        reports = [s for s in notebooks.sources(_root(app)) if notebooks.is_report(s)]
        app.kz_report_docname = f"notebooks/{reports[0].stem}" if reports else None
    return app.kz_report_docname


LEDGER_FILES = ("claims.json", "claims.csv")


def _export_ledger(app, exception) -> None:
    """Write ``claims.json`` and ``claims.csv`` at the site root (a copy kept while the ledger's inputs are
    unchanged)."""
    if exception is not None or app.builder.name != "html":
        return
    kept = Path(app.doctreedir) / "kz-ledger"
    stamp = kept / "key"
    if not (
        stamp.is_file()
        and stamp.read_text() == _ledger_key(app)
        and all((kept / name).is_file() for name in LEDGER_FILES)
    ):
        from sphinx.errors import ExtensionError

        from kzopinion.paper import ledger

        shutil.rmtree(kept, ignore_errors=True)
        try:
            ledger.export(_root(app), kept)
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


def _tip_text(node: kz_glued, info) -> str:
    if info is None:
        return f"Pasted from {node['refdoc']} (glue key {node['key']})."
    return info.describe() + (" Select to open its row in the replication report." if info.claim else "")


def visit_kz_glued_html(self, node: kz_glued) -> None:
    """The number itself: a link to its report row (a claim) or a focusable span. The tooltip is
    drawn by CSS from ``data-tip``; the same words sit, for screen readers (aria-describedby),
    in a hidden list after the page's text, so they never break into the sentence's text."""
    app = self.builder.app
    docname = self.builder.current_docname
    info = _provenance(app).get(node["refdoc"], {}).get(node["key"])
    # anchors numbered per page in reading order, as _note_use numbered them
    counts = self.__dict__.setdefault("_kz_counts", {})
    counts[node["key"]] = count = counts.get(node["key"], 0) + 1
    anchor = f"kz-use-{node['key']}" + (f"-{count}" if count > 1 else "")
    tip = f"kz-tip-{anchor[len('kz-use-') :]}"
    text = _tip_text(node, info)
    node["kz_claim"] = info is not None and info.claim
    app.__dict__.setdefault("kz_tips", {}).setdefault(docname, []).append((tip, text))
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


def _visit_plain(self, node) -> None:
    pass


def _depart_plain(self, node) -> None:
    pass


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
    info = _provenance(app)
    claim_ids = {k for page in info.values() for k, p in page.items() if p.claim}
    uses: dict[str, list[tuple[str, str, str]]] = {}
    for page, noted in sorted(getattr(app.env, "kz_glue_uses", {}).items()):
        if page == docname:
            continue
        title = app.env.titles[page].astext() if page in app.env.titles else page
        linked = set()
        for key, _refdoc, anchor in noted:
            if key in claim_ids and key not in linked:  # one link per page: its first use
                linked.add(key)
                label = page.split("/")[-1].split("-")[0] if page.startswith("notebooks/") else page.split("/")[-1]
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
    tips = getattr(app, "kz_tips", {}).pop(pagename, [])
    if app.builder.name == "singlehtml":  # one page holds every document's values
        tips += [t for doc in list(getattr(app, "kz_tips", {})) for t in app.kz_tips.pop(doc)]
    if tips:
        context["body"] += (
            '<div class="kz-tips" hidden>'
            + "".join(f'<span id="{tip}">{html.escape(text)}</span>' for tip, text in tips)
            + "</div>"
        )


def setup(app):
    app.connect("build-finished", _export_ledger)
    app.add_node(
        kz_glued,
        html=(visit_kz_glued_html, depart_kz_glued_html),
        latex=(_visit_plain, _depart_plain),
        text=(_visit_plain, _depart_plain),
        man=(_visit_plain, _depart_plain),
        texinfo=(_visit_plain, _depart_plain),
    )
    app.add_role_to_domain("glue", "text", _paste_text_role(), override=True)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _link_report)
    app.connect("html-page-context", _add_tips)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
