"""The data download in the built book (slow: builds the book): the zip at its root is the one the package
makes, and every page links it and the PDF."""

from __future__ import annotations

import pytest

from kzopinion.book import datazip

pytestmark = pytest.mark.slow


def test_the_built_book_carries_the_zip_and_links_it_and_the_pdf_from_every_page(site, root):
    from bs4 import BeautifulSoup

    assert (site / datazip.NAME).read_bytes() == datazip.archive_bytes(root)
    pages = sorted(site.glob("book/*.html")) + sorted(site.glob("notebooks/*.html"))  # every page of _toc.yml
    assert len(pages) > 5
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = soup.select("aside.kz-edition p.kz-downloads a")
        targets = {(page.parent / a["href"]).resolve() for a in links}
        assert targets == {(site / "book.pdf").resolve(), (site / datazip.NAME).resolve()}, page
