"""The book in a real browser (Debian's headless Chromium), with the network cut off.

Every page is served from 127.0.0.1 with all other requests blocked. Each must draw all its
charts (SVG or canvas), log no console error, request nothing from elsewhere, show every
glued value and pass axe-core with no serious or critical violation. Charts must fit their
container at a phone's, a tablet's and a desktop's width, with every label whole (no "…") and no
two texts drawn over each other; no page is wider than a phone; pasted numbers lead to their ledger
row and back; the claims table filters. The layout checks are first shown to fail on small planted
pages (tests/book/planted/). A screenshot of each page is saved under
_build/screenshots/ for review.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
from pathlib import Path

import page_visits
import pandas as pd
import pytest
from test_book_html import unsmart

from kzopinion.book import browser, notebooks, pastes
from kzopinion.paper import records, report_tables

pytestmark = pytest.mark.slow  # a real browser on every page of the built book


def _pages(root: Path) -> list[str]:
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    return [re.search(r"root:\s*(\S+)", toc).group(1)] + re.findall(r"file:\s*(\S+)", toc)


WIDTHS = (375, 768, 1400)  # a phone, a tablet, a desktop
PHONE = WIDTHS[0]
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module (Playwright's sync API runs one at a time)."""
    with browser.chromium() as running:
        yield running


@pytest.fixture(scope="module")
def chrome(site, chromium):
    """(base URL, browser) for the built site."""
    with browser.serve(site) as base:
        yield base, chromium


@pytest.fixture(scope="module")
def visited(chrome, root):
    base, chromium = chrome
    reports = {}
    for name in _pages(root):
        shot = root / "_build" / "screenshots" / f"{name.replace('/', '__')}.png"
        reports[name] = page_visits.visit(chromium, f"{base}/{name}.html", base, screenshot=shot, axe=True, layout=True)
    return reports


@pytest.fixture(scope="module")
def layouts(chrome, root):
    """Chart layout problems of every page with charts, at each width; at a phone's width, of every
    page, also what runs past the window's edge."""
    base, chromium = chrome
    charted = [f"notebooks/{s.stem}" for s in notebooks.sources(root)]
    return {
        (name, width): page_visits.visit(
            chromium, f"{base}/{name}.html", base, width=width, layout=name in charted, fit=width == PHONE
        )
        for width in WIDTHS
        for name in (_pages(root) if width == PHONE else charted)
    }


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, whitespace collapsed (pdftotext, from poppler-utils)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", " ", page) for page in text.split("\f")[:-1] or [text]]


PLANTED = Path(__file__).with_name("planted")  # small pages, each with one fault the checks must find


@pytest.fixture(scope="module")
def planted(chromium):
    """What the layout and width checks find on each planted page (tests/book/planted/), at each width."""
    with browser.serve(PLANTED) as base:
        return {
            (page.stem, width): page_visits.visit(
                chromium, f"{base}/{page.name}", base, width=width, layout=True, fit=True
            )
            for page in sorted(PLANTED.glob("*.html"))
            for width in WIDTHS
        }


def test_no_page_requests_anything_from_the_network(visited):
    assert {name: r.blocked for name, r in visited.items() if r.blocked} == {}


def test_no_console_errors(visited):
    assert {name: r.errors for name, r in visited.items() if r.errors} == {}


def test_every_chart_is_drawn(visited, root):
    for source in notebooks.sources(root):
        report = visited[f"notebooks/{source.stem}"]
        assert report.charts > 0 and report.charts_drawn == report.charts, (
            source.stem,
            report.charts,
            report.charts_drawn,
        )


def test_every_glued_value_is_visible(visited, root):
    for source in notebooks.sources(root):
        text = unsmart(" ".join(visited[f"notebooks/{source.stem}"].text.split()))
        values = records.glued_values(notebooks.twin(source))
        for key in pastes.pasted_keys(source.read_text(encoding="utf-8")):
            assert " ".join(values[key].split()) in text, (source.stem, key, values[key])


def test_no_serious_or_critical_accessibility_violation(visited):
    """axe-core on every page (the theme's, the charts', the book's own markup)."""
    found = {
        name: [(v["id"], v["impact"], v["count"], v["nodes"]) for v in r.violations if v["impact"] in SERIOUS]
        for name, r in visited.items()
    }
    assert {name: v for name, v in found.items() if v} == {}


def test_axe_runs_and_catches_a_violation(chrome):
    base, chromium = chrome
    page = chromium.new_page()
    page.set_content(
        '<html lang="en"><body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "<button></button></main></body></html>"
    )
    page.add_script_tag(content=page_visits.AXE.read_text(encoding="utf-8"))
    ids = {v["id"] for v in page.evaluate(page_visits.AXE_JS)}
    page.close()
    assert {"image-alt", "button-name"} <= ids


@pytest.mark.parametrize("width", WIDTHS)
def test_charts_fit_their_container_without_overlapping_labels(layouts, width):
    """Every chart inside its container, each text whole (no "…") and no two texts over each other."""
    problems = {name: r.layout for (name, w), r in layouts.items() if w == width and r.layout}
    assert problems == {}, "chart labels cut, truncated or drawn over each other (kzopinion.analysis.charts)"
    drawn = {
        n: (r.charts, r.charts_drawn) for (n, w), r in layouts.items() if w == width and n.startswith("notebooks/")
    }
    assert drawn and all(total > 0 and done == total for total, done in drawn.values()), drawn


def test_no_page_is_wider_than_a_phone(layouts, root):
    """At 375 px no page scrolls sideways and nothing on it (outside a box that scrolls) runs past the window."""
    seen = {name for (name, w) in layouts if w == PHONE}
    assert seen == set(_pages(root))
    too_wide = {name: r.too_wide for (name, w), r in layouts.items() if w == PHONE and r.too_wide}
    assert too_wide == {}, "wider than a phone: wrap it or give it a scrolling box (book/_static/kzopinion.css)"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_layout_checks_fail_on_planted_faults(planted, width):
    """A label ending in "…", two texts drawn over each other and a 700 px element are each found, at every
    width (the 700 px element wherever the window is narrower); a page with none of them passes."""
    truncated = planted["truncated-label", width].layout["truncated"]
    overlap = planted["overlapping-labels", width].layout["overlap"]
    wide = planted["wide-element", width].too_wide
    whole = planted["whole", width]
    assert any("is truncated" in p and "Kazakhstani culture\u2026" in p for p in truncated), truncated
    assert any('texts "2009" and "2013" overlap' in p for p in overlap), overlap
    if width < 700:
        assert any("scrolls sideways" in p for p in wide) and any(p.startswith("div#wide") for p in wide), wide
    else:
        assert wide == []
    assert whole.layout == {} and whole.too_wide == [], (whole.layout, whole.too_wide)


def test_the_chart_layout_check_catches_overlaps_and_overflow(chrome):
    base, chromium = chrome
    page = chromium.new_page(viewport={"width": 400, "height": 300})
    page.set_content(
        '<div class="kz-chart" id="c" style="width:200px"><svg width="300" height="100">'
        '<g class="role-axis"><g class="role-axis-label"><text x="10" y="50">-100</text>'
        '<text x="14" y="50">-80</text></g></g></svg></div>'
    )
    problems = page.evaluate(browser.CHART_LAYOUT_JS)[0]["problems"]
    page.set_content(
        '<div class="kz-chart kz-chart-live" id="c" style="width:200px">'
        '<svg width="300" height="100" style="max-width:100%;height:auto"></svg></div>'
    )
    shrunk = page.evaluate(browser.CHART_LAYOUT_JS, {"minScale": 0.9})[0]["problems"]
    page.close()
    assert any("outside its container" in p for p in problems)
    assert any("overlap" in p for p in problems)
    assert any("too small to read" in p for p in shrunk)


def _open(chromium, url: str, width: int = 1280):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "[...document.querySelectorAll('.kz-chart')].every(e => e.classList.contains('kz-chart-live'))"
    )
    return page


KEYBOARD_WALK_JS = """() => {
  const main = document.querySelector('main');
  const describe = el => {
    const block = el.closest('p, li, td, th, dd, figcaption, caption');
    const index = block ? [...document.querySelectorAll('main *')].indexOf(block) : -1;
    return {kz: el.classList.contains('kz-num'), summary: el.tagName === 'SUMMARY',
            table: !!el.closest('.kz-chart-data'), block: index};
  };
  return describe(document.activeElement);
}"""


def test_a_keyboard_walk_of_chapter_01_reaches_every_paragraphs_numbers_and_every_charts_table(chrome):
    """Tab reaches each paragraph's pasted values once (the arrows move among them) and each chart's data table,
    in fewer tab stops than there are pasted values."""
    base, chromium = chrome
    page = _open(chromium, f"{base}/notebooks/01-data-sources.html")
    numbers = page.locator("main .kz-num").count()
    blocks_with_numbers = page.evaluate(
        "() => new Set([...document.querySelectorAll('main .kz-num')].map(n => "
        "[...document.querySelectorAll('main *')].indexOf(n.closest('p, li, td, th, dd, figcaption, caption')))).size"
    )
    tables = page.locator("main .kz-chart-data > summary").count()
    page.evaluate("() => { const m = document.querySelector('main'); m.setAttribute('tabindex', '-1'); m.focus(); }")
    stops = []
    for _ in range(400):
        page.keyboard.press("Tab")
        if not page.evaluate("() => document.querySelector('main').contains(document.activeElement)"):
            break
        stops.append(page.evaluate(KEYBOARD_WALK_JS))
    number_stops = [s for s in stops if s["kz"]]
    first = page.evaluate(
        "() => [...document.querySelectorAll('main p')].find(p => p.querySelectorAll('.kz-num').length > 1)"
        ".querySelector('.kz-num').id"
    )
    page.locator(f"[id='{first}']").focus()
    page.keyboard.press("ArrowRight")
    moved = page.evaluate(
        "id => document.activeElement.classList.contains('kz-num') && document.activeElement.id !== id", first
    )
    page.close()
    assert tables > 0 and sum(s["summary"] and s["table"] for s in stops) == tables
    assert len({s["block"] for s in number_stops}) == blocks_with_numbers == len(number_stops)
    assert len(stops) < numbers, (len(stops), numbers)
    assert moved


def test_the_report_opens_with_its_claims_by_section_on_the_first_screen(chrome):
    base, chromium = chrome
    page = _open(chromium, f"{base}/notebooks/99-replication-report.html", 1400)
    bottom = page.evaluate("() => document.querySelector('table.kz-by-section').getBoundingClientRect().bottom")
    folded = page.locator("details.kz-legend:not([open])").count()
    page.close()
    assert bottom <= 900, f"the report's table of claims by section ends {bottom:.0f} px down a 900 px screen"
    assert folded == 2  # the legends are a click away, not in the way


def test_a_pasted_number_leads_to_its_ledger_row_and_back(chrome, root):
    base, chromium = chrome
    chapter = "notebooks/04-foreign-policy"
    page = _open(chromium, f"{base}/{chapter}.html")
    number = page.locator("main a.kz-num").first
    number.focus()
    shown = number.evaluate("el => [getComputedStyle(el, '::after').display, getComputedStyle(el, '::after').content]")
    described = page.locator("#" + number.get_attribute("aria-describedby")).text_content()
    assert shown[0] == "block" and "Claim " in shown[1] and "tier" in shown[1]
    assert "Claim " in described and "tier" in described  # what a screen reader announces
    claim_id = number.get_attribute("href").split("#claim-")[1]
    number.click()
    page.wait_for_url(f"**/99-replication-report.html#claim-{claim_id}")
    row = page.locator(f"#claim-{claim_id}")
    assert row.is_visible() and "kz-target" in row.get_attribute("class")
    back = row.locator("a.kz-backlink", has=page.locator("xpath=self::*[contains(@href, '04-foreign-policy')]"))
    assert back.count() >= 1
    back.first.click()
    page.wait_for_url(f"**/04-foreign-policy.html#kz-use-{claim_id}*")
    assert page.locator(f"#kz-use-{claim_id}").is_visible()
    page.close()


def test_a_pasted_value_that_is_no_claim_shows_its_section(chrome):
    base, chromium = chrome
    page = _open(chromium, f"{base}/notebooks/02-russia-correlation.html")
    value = page.locator("main span.kz-num").first
    value.focus()
    text = page.locator("#" + value.get_attribute("aria-describedby")).text_content()
    shown = value.evaluate("el => getComputedStyle(el, '::after').display") == "block"
    page.keyboard.press("Escape")
    hidden = value.evaluate("el => getComputedStyle(el, '::after').display") == "none"
    page.close()
    assert shown
    assert "Not a claim" in text and "Computed in the section “" in text and "In [" not in text and hidden


@pytest.mark.parametrize("width", [375, 1400])
def test_claims_table_filters_by_status_and_needs_no_horizontal_scroll(chrome, width, site):
    """Each status the filter offers shows as many claims as the ledger (and so the report's summary and the landing
    page, which are glued from it) counts under that status: the status alone, whatever qualifies it."""
    base, chromium = chrome
    page = _open(chromium, f"{base}/notebooks/99-replication-report.html", width)
    table = page.locator("table.replication-report")
    overflow = page.evaluate("""() => { const t = document.querySelector('table.replication-report');
        return [document.documentElement.scrollWidth - document.documentElement.clientWidth,
                t.getBoundingClientRect().right - t.parentElement.getBoundingClientRect().right]; }""")
    status = page.get_by_label("Status", exact=True)
    options = [o for o in status.locator("option").all_inner_texts() if o != "all"]
    total = table.locator("tbody tr").count()
    column = page.evaluate(
        "() => [...document.querySelectorAll('table.replication-report thead th')]"
        ".findIndex(th => th.textContent.trim().toLowerCase() === 'status')"
    )
    shown_by_status, count_texts = {}, {}
    for option in options:
        status.select_option(label=option)
        shown = table.locator("tbody tr:not([hidden])")
        visible = shown.count()
        statuses = {shown.nth(i).locator("td").nth(column).inner_text().split(",")[0].strip() for i in range(visible)}
        assert statuses == {option}, (option, statuses)
        shown_by_status[option] = visible
        count_texts[option] = page.locator(".kz-table-count").inner_text()
    page.close()
    ledger = json.loads((site / "claims.json").read_text(encoding="utf-8"))
    counted = collections.Counter(claim["status"].replace("-", " ") for claim in ledger)
    assert overflow[0] <= 1 and overflow[1] <= 1, overflow
    assert shown_by_status == dict(counted) and sum(shown_by_status.values()) == total
    assert all(count_texts[o].startswith(f"{n} of {total} claims shown") for o, n in shown_by_status.items())


def test_screenshots_are_saved(visited, root):
    for name in visited:
        assert (root / "_build" / "screenshots" / f"{name.replace('/', '__')}.png").stat().st_size > 10_000


@pytest.fixture(scope="module")
def printed(root, chrome, tmp_path_factory):
    """`make pdf`, each page rendered to a greyscale image, the page texts and the print layout."""
    import json

    from kzopinion.book import pdf

    target = pdf.make_pdf(root, chrome[1])
    folder = tmp_path_factory.mktemp("pdf")
    subprocess.run(["pdftoppm", "-r", "30", str(target), str(folder / "page")], check=True)
    layout = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
    return target, sorted(folder.glob("page-*.ppm")), page_texts(target), layout


def test_pdf_pages_show_the_charts(printed):
    """`make pdf` writes a PDF; some page carries a chart (the palette's blue, not blank)."""
    target, pages, _, _ = printed
    assert target.stat().st_size > 50_000
    assert len(pages) > 5
    chart_pages = [p for p in pages if _blue_pixels(p) > 200]
    assert chart_pages, "no PDF page shows a chart"


def test_pdf_has_contents_with_page_numbers_and_chapters_on_their_pages(printed):
    _, pages, texts, layout = printed
    assert "Contents" in texts[0]
    for chapter, number in zip(layout["chapters"], layout["pages"]):
        listed = re.escape(chapter["title"]) + r"\s*" + str(number) + r"\b"
        assert re.search(listed, texts[0]), (chapter["title"], number)
        assert chapter["title"] in texts[number - 1]
    assert all(f"{i} / {len(pages)}" in text for i, text in enumerate(texts, 1))  # the running footer


def test_make_pdf_puts_the_pdf_beside_the_pages_it_was_printed_from(printed, root):
    """Every page's footer links to book.pdf: make pdf puts it at the root of the published site when the site
    shows the same sources (the pages were built, then printed, from one tree)."""
    target, _, _, layout = printed
    beside = root / layout["tree"] / "_build" / "html" / "book.pdf"  # the site of the edition printed
    assert beside.is_file() and beside.read_bytes() == target.read_bytes()


def test_the_pdfs_first_page_is_a_title_page(printed, root):
    """The article's title and both authors, "a living edition", which edition, the commit and the article's DOI."""
    from kzopinion.book import build_stamp

    _, _, texts, layout = printed
    article = build_stamp.article(root)
    first = texts[0]
    assert " ".join(article["title"].split()) in first and "A LIVING EDITION" in first.upper()
    assert all(author["family-names"] in first and author["given-names"] in first for author in article["authors"])
    assert f"This {layout['edition']} edition" in first and build_stamp.commit(root) in first
    assert str(article["doi"]) in first


def test_the_pdf_speaks_for_paper(printed):
    """No web-only words in print, and a paper's length: a budget of 80 pages (76 with the words table's 75
    summaries and the data appendix's 23 tables; sections run on, as the half-empty test below checks)."""
    _, pages, texts, _ = printed
    web_only = [(i, word) for i, text in enumerate(texts, 1) for word in ("hover", "click") if word in text.lower()]
    assert web_only == []
    assert len(pages) < 80


def test_pdf_keeps_figures_and_tables_whole_and_charts_unclipped(printed):
    _, _, texts, layout = printed
    assert layout["breakable"] == [] and layout["breakable_rows"] == 0 and layout["whole"] > 10
    assert layout["charts"] == {}
    assert layout["figures"]
    for figure in layout["figures"]:
        together = [i for i, text in enumerate(texts, 1) if figure["caption"] in text and figure["chart"] in text]
        assert together, f"figure '{figure['caption']}' and its chart ('{figure['chart']}') are not on one page"


def test_pdf_prints_every_claim_with_its_status_and_note(printed, root):
    """The replication report on paper: each claim's id, then its status, on a page of the report's
    chapter, and its note (if any) whole on that same page."""
    from kzopinion.paper import ledger as claims

    _, _, texts, layout = printed
    report_doc = next(f"document-notebooks/{s.stem}" for s in notebooks.sources(root) if notebooks.is_report(s))
    index = [c["id"] for c in layout["chapters"]].index(report_doc)
    first = layout["pages"][index]
    last = layout["pages"][index + 1] - 1 if index + 1 < len(layout["pages"]) else len(texts)
    pages = range(first - 1, last)
    squeezed = {i: re.sub(r"\s+", "", texts[i]) for i in pages}  # a note may wrap at any space or hyphen
    ledger = claims.table(root / layout["tree"])  # the ledger of the edition printed (microdata, when registered)
    assert len(ledger) > 100
    missing = []
    for row in ledger.itertuples(index=False):
        label = report_tables.STATUS_LABELS[row.status]
        block = re.compile(rf"(?<!\w){re.escape(row.id)}(?!\w)\s+(?:Status:\s+)?{re.escape(label)}(?!\w)")
        found = [i for i in pages if block.search(texts[i])]
        note = "" if pd.isna(row.note) else re.sub(r"\s+", "", str(row.note))
        if len(found) != 1:
            missing.append(f"{row.id} ({label}) on pages {[i + 1 for i in found]}")
        elif note and note not in squeezed[found[0]]:
            missing.append(f"{row.id}: its note on page {found[0] + 1}")
    assert missing == []


def test_nothing_printed_is_wider_than_the_printable_area(printed):
    """In print media, every table, figure, code block, image and chart fits the page width and no box
    around it clips it (kzopinion.book.pdf.WIDE_JS, measured while printing)."""
    _, _, _, layout = printed
    assert layout["too_wide"] == []


def test_the_print_width_check_catches_a_wide_table_and_a_clipped_code_block(chrome):
    from kzopinion.book import pdf

    page = chrome[1].new_page(viewport={"width": pdf.TEXT_WIDTH_PX, "height": 800})
    page.emulate_media(media="print")
    page.set_content(
        '<html lang="en"><body style="margin:0"><section id="s">'
        '<table id="wide" style="width:900px"><tr><td>a wide table</td></tr></table>'
        '<div style="overflow-x:auto"><pre style="white-space:pre">' + "x" * 300 + "</pre></div>"
        '<pre style="white-space:pre">' + "y" * 300 + "</pre>"
        '<figure style="width:200px;margin:0">fits</figure></section></body></html>'
    )
    found = {f["element"][:13]: " ".join(f["problems"]) for f in page.evaluate(pdf.WIDE_JS)}
    page.close()
    assert set(found) == {"table in #s (", 'pre in #s ("x', 'pre in #s ("y'}, found  # not the figure
    assert f"spans 0..900 px of a printable 0..{pdf.TEXT_WIDTH_PX} px" in found["table in #s ("]
    assert "in a box that clips" in found['pre in #s ("x']  # a scrolling box: cut on paper
    assert "of a printable" in found['pre in #s ("y']  # a long line running past the page


def test_no_pdf_page_is_more_than_half_empty_except_the_title_page_and_the_last_of_a_part(printed, root):
    """Sections run on, as in a paper: only a part starts a page, so only the title page, a part's last page and
    the book's last may be less than half full (measured by ink, and by text as make pdf records it)."""
    from kzopinion.book import pdf

    _, pages, texts, layout = printed
    ids = [c["id"].removeprefix("document-") for c in layout["chapters"]]
    part_ends = {layout["pages"][ids.index(start)] - 1 for start in pdf.part_starts(root)} | {len(pages)}
    exempt = part_ends | {1}
    filled = {number: _filled(page) for number, page in enumerate(pages, 1)}
    assert [number for number, share in filled.items() if share < 0.5 and number not in exempt] == []
    assert [n for n, share in enumerate(layout["filled"], 1) if share < 0.5 and n not in exempt] == []
    assert [number for number, share in filled.items() if share == 0] == []  # no blank page anywhere
    argument = range(1, ids.index(pdf.part_starts(root)[0]))  # the argument's chapters after its first
    run_on = [
        layout["chapters"][i]["title"]
        for i in argument
        if texts[layout["pages"][i] - 1].index(layout["chapters"][i]["title"]) > 300  # text above it on its page
    ]
    assert run_on, "every section of the argument starts a page: they should run on"


def test_the_half_empty_check_sees_blank_space(tmp_path):
    blank, half = tmp_path / "blank.ppm", tmp_path / "half.ppm"
    width, height = 60, 100
    blank.write_bytes(b"P6\n%d %d\n255\n" % (width, height) + b"\xff" * (width * height * 3))
    rows = [b"\x00" * (width * 3) if 10 <= y < 45 else b"\xff" * (width * 3) for y in range(height)]
    half.write_bytes(b"P6\n%d %d\n255\n" % (width, height) + b"".join(rows))
    assert _filled(blank) == 0 and 0.3 < _filled(half) < 0.5


def _pixels(ppm: Path) -> tuple[int, int, bytes]:
    raw = ppm.read_bytes()
    header = raw.split(b"\n", 3)
    assert header[0] == b"P6"
    width, height = map(int, header[1].split())
    return width, height, header[3]


def _filled(ppm: Path) -> float:
    """How far down the text area (between the running header and footer) the page's ink goes."""
    width, height, pixels = _pixels(ppm)
    top, bottom = int(height * 22 / 297), int(height * (1 - 20 / 297))
    last = -1
    for y in range(top, bottom):
        row = pixels[y * width * 3 : (y + 1) * width * 3]
        if min(row) < 200:
            last = y
    return (last - top + 1) / (bottom - top) if last >= 0 else 0.0


def _blue_pixels(ppm: Path) -> int:
    """Pixels close to the palette's blue (#0072B2) in a binary PPM (P6) image."""
    _, _, pixels = _pixels(ppm)
    return sum(
        1
        for i in range(0, len(pixels) - 2, 3)
        if abs(pixels[i] - 0x00) < 40 and abs(pixels[i + 1] - 0x72) < 40 and abs(pixels[i + 2] - 0xB2) < 40
    )
