"""The book builds with warnings as errors, and every glued value reaches its page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kzopinion import build, datapage, gluekeys, notebooks


@pytest.fixture(scope="session")
def site(root: Path) -> Path:
    stale = [s.name for s in notebooks.sources(root) if notebooks.is_stale(s, root)]
    assert not stale, f"stale notebook records {stale}: run `make book` and commit the .ipynb files"
    build.validate_data(root)
    datapage.write(root)
    return build.build_html(root, strict=True)  # raises with the warnings if any


def _text(page: Path) -> str:
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def test_every_page_in_the_toc_was_built(site, root):
    toc = (root / "_toc.yml").read_text()
    for name in re.findall(r"file:\s*(\S+)", toc) + [re.search(r"root:\s*(\S+)", toc).group(1)]:
        assert (site / f"{name}.html").exists(), name


def test_every_glued_value_appears_in_its_page(site, root):
    for source in notebooks.sources(root):
        text = _text(site / "notebooks" / f"{source.stem}.html")
        values = gluekeys.glued_values(notebooks.twin(source))
        for key in gluekeys.pasted_keys(source.read_text(encoding="utf-8")):
            assert values[key] in text, f"{source.stem}: glued value {key} = {values[key]!r} is not on the page"


def test_no_numpy_reprs_or_tracebacks_on_any_page(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"np\.(float|int)\d+\(", text), page
        assert "Traceback (most recent call last)" not in text, page


def test_data_appendix_offers_every_table_for_download(site, root):
    from kzopinion import data

    page = (site / "book" / "data-appendix.html").read_text(encoding="utf-8")
    for res in data.package(root)["resources"]:
        filename = res["path"].split("/")[-1]
        assert re.search(rf'href="[^"]*_downloads/[0-9a-f]+/{re.escape(filename)}"', page), filename
        assert (site / "_downloads").glob(f"*/{filename}")


def test_figures_have_captions_naming_their_data(site, root):
    for source in notebooks.sources(root):
        page = (site / "notebooks" / f"{source.stem}.html").read_text(encoding="utf-8")
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S)
        assert captions, source.stem
        for caption in captions:
            assert "_downloads/" in caption and "tier" in caption, caption[:200]
