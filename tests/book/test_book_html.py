"""The book builds with warnings as errors, and every glued value reaches its page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kzopinion.book import notebooks, pastes
from kzopinion.paper import records

pytestmark = pytest.mark.slow


def _text(page: Path) -> str:
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", raw))
    return unsmart(text)


def unsmart(text: str) -> str:
    """Undo Sphinx's typographic quotes and dashes, so glued text compares with its source."""
    typographic = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--", "\u2014": "---"}
    for fancy, plain in typographic.items():
        text = text.replace(fancy, plain)
    return text


def test_every_page_in_the_toc_was_built(site, root):
    toc = (root / "_toc.yml").read_text()
    for name in re.findall(r"file:\s*(\S+)", toc) + [re.search(r"root:\s*(\S+)", toc).group(1)]:
        assert (site / f"{name}.html").exists(), name


def test_every_glued_value_appears_in_its_page(site, root):
    for source in notebooks.sources(root):
        text = _text(site / "notebooks" / f"{source.stem}.html")
        values = records.glued_values(notebooks.twin(source))
        for key in pastes.pasted_keys(source.read_text(encoding="utf-8")):
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
    r"""<(script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", re.I
)


CSS_FROM_ELSEWHERE = re.compile(r"""(url\(\s*["']?(https?:)?//|@import\s+(url\()?["']?(https?:)?//)""", re.I)


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
    columns = {"id", "article_value", "qualifier", "book_value", "status", "coverage", "inputs"}
    assert records and columns <= set(records[0])
    assert {r["id"]: r["qualifier"] for r in records}["fp_soft_power_respondents"] == "more than"  # the printed word
    header = (site / "claims.csv").read_text(encoding="utf-8").partition("\n")[0].split(",")
    assert header[0] == "id" and {"qualifier", "coverage"} <= set(header)


def test_pasted_values_from_other_pages_appear_on_hand_written_pages(site, root):
    """The conclusion (and the introduction) paste numbers from the sections by cross-document glue."""
    for page in sorted((root / "book").rglob("*.md")):
        refs = [(doc, key) for doc, key in pastes.pasted_refs(page.read_text(encoding="utf-8")) if doc]
        if not refs:
            continue
        text = " ".join(_text(site / page.relative_to(root).with_suffix(".html")).split())
        for doc, key in refs:
            record = (page.parent / doc).resolve()
            value = records.glued_values(record)[key]
            assert " ".join(value.split()) in text, (page.name, doc, key, value)


def _claims(root):
    from kzopinion.paper import ledger

    return ledger.table(root)


def test_every_pasted_value_is_a_doorway_to_its_provenance(site, root):
    """Each pasted value is focusable and described by a tooltip; a claim's links to its report row."""
    report = (site / "notebooks" / "99-replication-report.html").read_text(encoding="utf-8")
    row_ids = set(re.findall(r'<tr[^>]*\bid="(claim-[^"]+)"', report))
    for source in notebooks.sources(root):
        page = (site / "notebooks" / f"{source.stem}.html").read_text(encoding="utf-8")
        pasted = pastes.pasted_keys(source.read_text(encoding="utf-8"))
        numbers = re.findall(r'<(a|span) class="kz-num" id="([^"]+)"([^>]*)>', page)
        assert len(numbers) >= len(pasted), source.stem
        tips = set(re.findall(r'<span id="(kz-tip-[^"]+)">', page.split('<div class="kz-tips" hidden>')[-1]))
        for tag, anchor, attrs in numbers:
            described = re.search(r'aria-describedby="([^"]+)"', attrs).group(1)
            assert described in tips and 'data-tip="' in attrs, (source.stem, anchor)
            if tag == "a":
                target = re.search(r'href="99-replication-report\.html#(claim-[^"]+)"', attrs)
                assert target and target.group(1) in row_ids, (source.stem, anchor, attrs)
            else:
                assert 'tabindex="0"' in attrs, (source.stem, anchor)


def test_tooltips_name_claim_status_tier_inputs_and_section(site, root):
    ledger = _claims(root)
    row = ledger[ledger["notebook"] == "04-foreign-policy"].iloc[0]
    page = (site / "notebooks" / "04-foreign-policy.html").read_text(encoding="utf-8")
    tip = html.unescape(re.search(rf'id="kz-tip-{re.escape(row["id"])}">([^<]*)<', page).group(1))
    status = row["status"] if "computed_status" not in ledger else row["computed_status"]
    assert f"Claim {row['id']}: {status}" in tip and f"tier {row['tier']}" in tip
    title = notebooks.title(root / "notebooks" / "04-foreign-policy.md")
    assert f"Computed in the section “{title}”" in tip and all(name in tip for name in row["inputs"])
    assert "In [" not in tip  # the reader's words: sections, not cells


def test_report_rows_link_back_to_the_pages_that_show_them(site, root):
    report = (site / "notebooks" / "99-replication-report.html").read_text(encoding="utf-8")
    ledger = _claims(root)
    computed = ledger[ledger["notebook"] != ""]
    for claim_id in computed["id"]:
        assert f'id="claim-{claim_id}"' in report, claim_id
    # the conclusion pastes fp_condemn_share from 04-foreign-policy: both pages are linked from its row
    row = re.search(r'<tr[^>]*id="claim-fp_condemn_share".*?</tr>', report, flags=re.S).group(0)
    assert 'href="04-foreign-policy.html#kz-use-fp_condemn_share"' in row
    assert 'href="../book/conclusion.html#kz-use-fp_condemn_share' in row


def test_every_page_names_its_edition(site, root):
    from kzopinion.book import build_stamp

    digest = build_stamp.data_digest(root)
    toc = (root / "_toc.yml").read_text()
    for name in re.findall(r"file:\s*(\S+)", toc) + [re.search(r"root:\s*(\S+)", toc).group(1)]:
        page = (site / f"{name}.html").read_text(encoding="utf-8")
        footer = re.search(r'<aside class="kz-edition".*?</aside>', page, flags=re.S)
        assert footer, name
        text = footer.group(0)
        assert re.search(r"commit <code>([0-9a-f]{12}|unknown)", text) and re.search(r"\d{4}-\d{2}-\d{2}", text), name
        assert f"sha256:{digest}" in text and "Cite this edition" in text and "10.1177/18793665211030937" in text, name
