"""The PDF goes beside the pages only when it was printed from exactly their sources (kzopinion.book.build)."""

from __future__ import annotations

import json

from kzopinion.book import build


def _printed(root, stamp: str) -> None:
    folder = root / "_build" / "pdf"
    folder.mkdir(parents=True)
    (folder / "book.pdf").write_bytes(b"%PDF-1.7 planted")
    (folder / "book.json").write_text(json.dumps({"built_from": stamp}), encoding="utf-8")


def test_a_pdf_printed_from_these_sources_is_current_and_any_other_is_not(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "sources_stamp", lambda root: "sources now")
    assert build.current_pdf(tmp_path) is None  # none printed
    _printed(tmp_path, "sources now")
    assert build.current_pdf(tmp_path) == tmp_path / "_build" / "pdf" / "book.pdf"
    monkeypatch.setattr(build, "sources_stamp", lambda root: "sources after an edit")
    assert build.current_pdf(tmp_path) is None  # stale: never put beside the pages
    (tmp_path / "_build" / "pdf" / "book.json").write_text("not json", encoding="utf-8")
    assert build.current_pdf(tmp_path) is None
