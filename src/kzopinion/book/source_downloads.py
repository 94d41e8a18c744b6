"""A Sphinx extension that ends every notebook page with a "Source of this page" box.

The box offers the page's MyST source (``notebooks/NN-slug.md``, the file authors edit) and
its executed record (``NN-slug.ipynb``) for download. The build inserts it, so no notebook
carries a hand-pasted copy and a new section gets it for free.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes

TITLE = "Source of this page"


def _download(docname: str, filename: str) -> addnodes.download_reference:
    literal = nodes.literal(filename, filename, classes=["xref", "download"])
    return addnodes.download_reference(
        "", "", literal, reftarget=filename, refdoc=docname, refexplicit=True, refdomain="", reftype="download"
    )


def source_box(docname: str) -> nodes.admonition:
    """The box for page ``docname`` (``notebooks/NN-slug``)."""
    stem = Path(docname).name
    paragraph = nodes.paragraph()
    paragraph += nodes.Text("This page is generated from ")
    paragraph += _download(docname, f"{stem}.md")
    paragraph += nodes.Text(" (MyST markdown, the file to edit) and its executed record ")
    paragraph += _download(docname, f"{stem}.ipynb")
    paragraph += nodes.Text(".")
    return nodes.admonition("", nodes.title(TITLE, TITLE), paragraph, classes=["seealso", "kz-source-box"])


def _add_source_box(app, doctree) -> None:
    docname = app.env.docname
    if not docname.startswith("notebooks/"):
        return
    sections = [node for node in doctree.children if isinstance(node, nodes.section)]
    (sections[-1] if sections else doctree).append(source_box(docname))


def setup(app):
    # Before Sphinx's download collector (priority 500) reads the page, so the files are copied.
    app.connect("doctree-read", _add_source_box, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
