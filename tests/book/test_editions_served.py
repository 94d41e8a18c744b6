"""`make pdf` and `make serve` take the edition `make book` chose (kzopinion.book.pdf, kzopinion.book.serve), on a
small tree with the build stood in for: nothing is built. (The editions as built: test_editions.py.)"""

from __future__ import annotations

import pytest


def test_pdf_and_serve_take_the_edition_the_build_chose(tmp_path, monkeypatch):
    """`make pdf` prints, and `make serve` serves, the tree `make book` built (the microdata edition's mirror
    when files are registered), and the PDF's running header names the edition."""
    from kzopinion.book import build, pdf, serve

    root = tmp_path / "repo"
    tree = root / "_build" / "microdata-edition"
    tree.mkdir(parents=True)
    (tree / ".kzopinion-edition").write_text("microdata\n", encoding="utf-8")
    (root / "_config.yml").write_text('title: "The book"\n', encoding="utf-8")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - chapters: [{file: a}]\n", encoding="utf-8"
    )
    (root / "CITATION.cff").write_text("preferred-citation:\n  title: An article\n", encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "datapackage.json").write_text("{}", encoding="utf-8")  # the title page's edition stamp
    monkeypatch.delenv("KZOPINION_EDITION", raising=False)
    monkeypatch.setattr(build, "build", lambda r, html=True, **k: tree if not html else tree / "_build" / "html")
    seen: dict = {}

    def printed(chrome, url, target, title, **kwargs):
        seen["title"] = title
        raise build.BuildError("printed")

    monkeypatch.setattr(build, "check_pastes", lambda t: seen.setdefault("checked", t))  # the page's rules
    monkeypatch.setattr(pdf, "singlehtml", lambda t: seen.setdefault("tree", t))
    monkeypatch.setattr(pdf.browser, "serve", lambda site: __import__("contextlib").nullcontext("http://x"))
    monkeypatch.setattr(pdf, "print_book", printed)
    with pytest.raises(build.BuildError, match="printed"):
        pdf.make_pdf(root, chrome=object())
    assert seen["tree"] == tree and seen["checked"] == tree and seen["title"] == "The book · microdata edition"
    state = serve.State(root / "_build" / "html")
    serve.rebuild(root, state)
    assert state.current_site() == tree / "_build" / "html" and state.error == ""
