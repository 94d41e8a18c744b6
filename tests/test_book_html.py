"""The book builds with warnings as errors, and every glued value reaches its page."""

from __future__ import annotations

import html
import re
from pathlib import Path

from kzopinion import gluekeys, notebooks


def _text(page: Path) -> str:
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", raw))
    return unsmart(text)


def unsmart(text: str) -> str:
    """Undo Sphinx's typographic quotes and dashes, so glued text compares with its source."""
    for fancy, plain in {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--", "\u2014": "---"}.items():
        text = text.replace(fancy, plain)
    return text


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


LOADED_FROM_ELSEWHERE = re.compile(
    r"""<(script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", re.I)
CSS_FROM_ELSEWHERE = re.compile(r"""(url\(\s*["']?(https?:)?//|@import\s+(url\()?["']?(https?:)?//)""", re.I)


def test_the_external_resource_check_catches_a_cdn():
    assert LOADED_FROM_ELSEWHERE.search('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>')
    assert LOADED_FROM_ELSEWHERE.search("<link rel='stylesheet' href='//fonts.example/x.css'>")
    assert not LOADED_FROM_ELSEWHERE.search('<a href="https://doi.org/10.1177/18793665211030937">')
    assert CSS_FROM_ELSEWHERE.search("@font-face{src:url(https://fonts.example/a.woff2)}")


def test_no_page_loads_an_external_script_stylesheet_or_font(site):
    for page in site.rglob("*.html"):
        match = LOADED_FROM_ELSEWHERE.search(page.read_text(encoding="utf-8"))
        assert not match, (page, match.group(0))
    for sheet in site.rglob("*.css"):
        assert not CSS_FROM_ELSEWHERE.search(sheet.read_text(encoding="utf-8", errors="ignore")), sheet


def test_every_chart_has_a_static_fallback_and_alt_text(site, root):
    for source in notebooks.sources(root):
        page = (site / "notebooks" / f"{source.stem}.html").read_text(encoding="utf-8")
        charts = re.findall(r'<div id="kz-chart-[0-9a-f]+" class="kz-chart" role="img" aria-label="([^"]*)"><svg', page)
        assert charts and all(len(label) > 20 for label in charts), source.stem


def test_claims_ledger_is_exported_with_the_site(site):
    import json

    records = json.loads((site / "claims.json").read_text(encoding="utf-8"))
    assert records and {"id", "article_value", "book_value", "status", "inputs"} <= set(records[0])
    assert (site / "claims.csv").read_text(encoding="utf-8").startswith("id,")


def test_pasted_values_from_other_pages_appear_on_hand_written_pages(site, root):
    """The conclusion (and the introduction) paste numbers from the sections by cross-document glue."""
    for page in sorted((root / "book").rglob("*.md")):
        refs = [(doc, key) for doc, key in gluekeys.pasted_refs(page.read_text(encoding="utf-8")) if doc]
        if not refs:
            continue
        text = " ".join(_text(site / page.relative_to(root).with_suffix(".html")).split())
        for doc, key in refs:
            record = (page.parent / doc).resolve()
            value = gluekeys.glued_values(record)[key]
            assert " ".join(value.split()) in text, (page.name, doc, key, value)
