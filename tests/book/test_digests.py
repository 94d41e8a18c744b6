"""What the published book carries to say what it shows: the digest of its sources, taken before Sphinx reads."""

from __future__ import annotations

from kzopinion import paths
from kzopinion.book import build


def test_the_pages_digest_ignores_what_sphinx_generates_from_what_it_digests(tmp_path):
    """The data appendix and the chart bundle are written at Sphinx's start, from files the digest holds: a
    fresh clone's first build (without them) and the next (with them) must read as the same sources."""
    for name in ("_config.yml", "_toc.yml", "book/intro.md", "data/datapackage.json", "notebooks/01-x.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name, encoding="utf-8")
    before = build.book_digest(tmp_path)
    for name in paths.GENERATED:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("generated", encoding="utf-8")
    assert build.book_digest(tmp_path) == before
    (tmp_path / "book" / "intro.md").write_text("edited", encoding="utf-8")
    assert build.book_digest(tmp_path) != before
