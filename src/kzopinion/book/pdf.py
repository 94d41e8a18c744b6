"""`make pdf`: the whole book as one PDF that reads like a paper, printed by headless Chromium
from the single-page HTML build (charts drawn at the text width), with no LaTeX toolchain.

    python -m kzopinion.book.pdf   # writes _build/pdf/book.pdf and _build/pdf/book.json

The print layout (``@media print`` in ``book/_static/kzopinion.css``) drops the navigation and
keeps figures and tables whole; sections run on, as in a paper, and only a part (the argument, the
reference matter) starts a new page. This module adds a first page (the article's title and authors,
"a living edition", the edition, date, commit and the article's DOI, then the contents), a running
header (the title) and footer (page numbers): the book is printed once to find the page each chapter
starts on (its title set large), then again with the numbers filled in (the contents take the same
room both times, so pages do not move).
``book.json`` records the chapter start pages, for each figure the texts that must share a
page (its caption and its chart), which tables may break between rows, any chart layout
problem at the printed width and anything wider than the printable area, for the checks in
``tests/book/test_browser.py``.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kzopinion import data
from kzopinion.book import browser, build, notebooks, stamps

PAGE = {"format": "A4", "margin": {"top": "20mm", "bottom": "18mm", "left": "18mm", "right": "18mm"}}
TEXT_WIDTH_PX = round((210 - 36) / 25.4 * 96)  # A4 less the side margins, in CSS pixels
TEXT_HEIGHT_PX = round((297 - 38) / 25.4 * 96)  # A4 less the top and bottom margins
LONG = 0.3  # tables taller than this share of a page may break between rows
CHARTS_TIMEOUT_MS = 60000  # how long the charts may take to be drawn before printing

# Marks chapters (each document of the single-page build) and writes the contents list with
# placeholder page numbers; returns the chapter titles and, per figure, texts that must share a page.
PREPARE_JS = r"""(opts) => {
  const clean = t => t.replace(/[\u00b6#]/g, '').replace(/\s+/g, ' ').trim();
  const parts = new Set(opts.partStarts || []);
  // on paper nothing can be unfolded: the report's legends print open (a claim's input cells stay one line)
  document.querySelectorAll('details.kz-legend').forEach(d => { d.open = true; });
  const chapters = [...document.querySelectorAll('span[id^="document-"]')].map(span => {
    const section = span.nextElementSibling;
    const heading = section && section.querySelector('h1, h2');
    // the first chapter of a toctree opens its wrapper: break before the wrapper, or the
    // wrapper's own box would be left alone on a blank page
    const wrapper = section && section.parentElement;
    const first = wrapper && wrapper.classList.contains('toctree-wrapper')
      && wrapper.querySelector('section') === section;
    const opening = first ? wrapper : section;
    if (section) opening.classList.add('kz-chapter');
    // a part starts a page; the previous part's last boxes keep no bottom margin: a margin that spills
    // over the page end would otherwise fill a page of its own before the forced break
    if (section && parts.has(span.id.replace(/^document-/, ''))) {
      opening.classList.add('kz-part-start');
      let before = opening.previousElementSibling;
      while (before && before.tagName === 'SPAN') before = before.previousElementSibling;
      for (let box = before; box; box = box.lastElementChild) {
        box.style.marginBottom = '0';
        box.style.paddingBottom = '0';
      }
    }
    return {id: span.id, title: heading ? clean(heading.textContent) : span.id};
  });
  const nav = document.createElement('nav');
  nav.className = 'kz-print-contents';
  nav.setAttribute('aria-label', 'Contents');
  nav.innerHTML = '<h2>Contents</h2><ol>' + chapters.map((c, i) =>
    `<li><a href="#${c.id}">${c.title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</a>` +
    `<span class="kz-leader"></span><span class="kz-page" data-chapter="${i}">000</span></li>`).join('') + '</ol>';
  // the first page: the article and this edition of it, then the contents; the argument starts a page. It takes
  // the place of Jupyter Book's printed title and contents (the book's title, a contents list without pages).
  const first = document.createElement('div');
  first.className = 'kz-title-page';
  first.innerHTML = opts.titlePage;
  first.appendChild(nav);
  const printed = document.querySelector('#jb-print-docs-body');
  if (printed) printed.replaceWith(first);
  else document.querySelector('article, main, body').prepend(first);
  const figures = [...document.querySelectorAll('figure')].map(fig => {
    const caption = fig.querySelector('figcaption');
    // a text of one line (a label wrapped into lines would print its lines apart, not as one string)
    const texts = [...fig.querySelectorAll('svg text')].filter(t => t.querySelectorAll('tspan').length < 2)
      .map(t => clean(t.textContent)).filter(t => t.length > 12);
    texts.sort((a, b) => b.length - a.length);
    return {caption: caption ? clean(caption.textContent).slice(0, 40) : '',
            chart: texts.length ? texts[0].slice(0, 30) : ''};
  }).filter(f => f.caption && f.chart);
  // A table taller than opts.long of a page breaks between its rows (header repeated), as long tables
  // do in papers; every other table and every figure is kept whole.
  document.querySelectorAll('table').forEach(table => {
    if (table.getBoundingClientRect().height <= opts.long * opts.pageHeight) return;
    table.classList.add('kz-long-table');
    for (let up = table.parentElement; up && up !== document.body; up = up.parentElement)
      if (getComputedStyle(up).breakInside === 'avoid') up.style.breakInside = 'auto';  // e.g. the cell output
  });
  const whole = [...document.querySelectorAll('figure, table:not(.kz-long-table)')];
  const breakable = el => getComputedStyle(el).breakInside !== 'avoid';
  const split = whole.filter(breakable).map(el => el.tagName + ' ' + el.className);
  const rows = [...document.querySelectorAll('table.kz-long-table tr')].filter(breakable);
  return {chapters, figures, whole: whole.length, long_tables: document.querySelectorAll('table.kz-long-table').length,
          breakable: split, breakable_rows: rows.length};
}"""

# Nothing printed may be wider than the printable area (the page is as wide as the text while
# printing): every table, figure, code block, image and chart lies within it and within every
# box around it that clips or scrolls (on paper, what lies beyond such a box's edge is lost).
WIDE_JS = r"""() => {
  const limit = document.documentElement.clientWidth;
  const describe = el => {
    const place = el.closest('section[id]');
    const text = (el.textContent || el.getAttribute('alt') || '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.classList.length ? '.' + [...el.classList].join('.') : ''}`
      + (place ? ` in #${place.id}` : '') + (text ? ` ("${text}")` : '');
  };
  const boxes = 'table, figure, pre, div.highlight, .cell_output, .output, img, svg, .kz-chart';
  return [...document.querySelectorAll(boxes)].flatMap(el => {
    if (el.tagName.toLowerCase() === 'svg' && el.parentElement.closest('svg')) return [];
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) return [];  // not printed
    const problems = [], left = Math.round(box.left);
    // what it draws: its box, or its content where that runs past the box (a long line of code)
    const right = Math.round(Math.max(box.right, box.left + el.scrollWidth));
    if (left < -1 || right > limit + 1) problems.push(`spans ${left}..${right} px of a printable 0..${limit} px`);
    if (getComputedStyle(el).overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
      problems.push(`clips ${el.scrollWidth} px of content to ${el.clientWidth} px`);
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX === 'visible') continue;
      const frame = up.getBoundingClientRect();
      if (left < frame.left - 1 || right > frame.right + 1)
        problems.push(`spans ${left}..${right} px in a box that clips at `
                      + `${Math.round(frame.left)}..${Math.round(frame.right)} px`);
    }
    return problems.length ? [{element: describe(el), problems}] : [];
  });
}"""

FILL_JS = """(pages) => document.querySelectorAll('.kz-print-contents .kz-page').forEach(
  (span, i) => { span.textContent = String(pages[i]); })"""


def _words(pdf: Path) -> list[tuple[float, list[tuple[float, float, float, str]]]]:
    """Per page: its height and its words as (top, bottom, height, text), in points (``pdftotext -bbox``)."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', bbox, re.S):
        words = [
            (float(top), float(bottom), float(bottom) - float(top), html.unescape(text))
            for top, bottom, text in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', body)
        ]
        pages.append((float(height), words))
    return pages


MM = 72 / 25.4  # points per millimetre


def page_fill(pdf: Path) -> list[float]:
    """How far down its text area (between the running header and footer) each page's text reaches: a chart's
    labels are text too, so a page ending in a figure counts as filled to its axis."""
    fills = []
    for height, words in _words(pdf):
        top, bottom = 20 * MM, height - 18 * MM
        inside = [w for w in words if top <= w[0] and w[1] <= bottom]
        fills.append(max(((w[1] - top) / (bottom - top) for w in inside), default=0.0))
    return fills


def page_headings(pdf: Path) -> list[str]:
    """Per page, the words set large (well above the median word's height): its headings."""
    pages = _words(pdf)
    body = sorted(w[2] for _, words in pages for w in words)
    large = body[len(body) // 2] * 1.4 if body else 0.0
    return [" ".join(w[3] for w in words if w[2] >= large) for _, words in pages]


def chapter_pages(headings: list[str], titles: list[str], first: int = 2) -> list[int]:
    """The page (1-based) each chapter starts on: the first page at or after the previous chapter's whose
    ``headings`` (:func:`page_headings`) hold the title's opening words (the contents and the introduction's
    list of chapters name them in text size, so they are not mistaken for the chapter)."""
    found_pages, start = [], first
    for title in titles:
        want = " ".join(re.sub(r"\s+", " ", title).split()[:4])
        # right-to-left titles may come out of pdftotext in visual order
        forms = {want, " ".join(reversed(want.split())), want[::-1]}
        found = next((i + 1 for i in range(start - 1, len(headings)) if any(f in headings[i] for f in forms)), None)
        if found is None and (missing := missing_fonts(title)):
            raise build.BuildError(
                f"PDF: the chapter title '{title}' is written in {missing[0][0]} script, and no font on this machine "
                f"has its letters, so it cannot be printed: install the fonts (Debian/Ubuntu: sudo apt-get "
                f"install {' '.join(p for _, p in missing)}) and run `make pdf` again."
            )
        if found is None:
            raise build.BuildError(
                f"PDF: cannot find the chapter '{title}' on any page after page {start}; "
                "check that the chapter's title is printed"
            )
        found_pages.append(found)
        start = found
    return found_pages


# Scripts whose letters the fonts installed with Chromium may lack: (name, fontconfig language, Debian package).
SCRIPTS = [
    ("Chinese, Japanese or Korean", r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]", "zh", "fonts-noto-cjk"),
    ("Arabic", r"[\u0600-\u06ff\u0750-\u077f]", "ar", "fonts-noto-core"),
    ("Hebrew", r"[\u0590-\u05ff]", "he", "fonts-noto-core"),
    ("Devanagari", r"[\u0900-\u097f]", "hi", "fonts-noto-core"),
    ("Thai", r"[\u0e00-\u0e7f]", "th", "fonts-noto-core"),
    ("Georgian", r"[\u10a0-\u10ff]", "ka", "fonts-noto-core"),
    ("Armenian", r"[\u0530-\u058f]", "hy", "fonts-noto-core"),
]


def missing_fonts(text: str) -> list[tuple[str, str]]:
    """(script, Debian package) for each script of ``text`` no installed font covers (fontconfig's fc-list)."""
    missing = []
    for script, letters, language, package in SCRIPTS:
        if not re.search(letters, text):
            continue
        try:
            listed = subprocess.run(["fc-list", f":lang={language}"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue  # no fontconfig: nothing to tell
        if not listed.stdout.strip():
            missing.append((script, package))
    return missing


def singlehtml(root: Path) -> Path:
    """Build the single-page HTML edition into _build/singlehtml (notebooks must be up to date)."""
    staging = root / "_build" / "singlehtml-staging"
    shutil.rmtree(staging, ignore_errors=True)
    built, _ = build.jupyter_book(root, staging, "singlehtml", strict=False)
    # Sphinx writes the single page under the root document's name (book/intro.html) but computes
    # its links as if it stood at the site root, where a redirect stands: put it there.
    (built / "book" / "intro.html").replace(built / "index.html")
    target = root / "_build" / "singlehtml"
    shutil.rmtree(target, ignore_errors=True)
    built.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def print_book(
    chrome, url: str, target: Path, title: str, title_page: str = "", part_starts: tuple[str, ...] = ()
) -> dict:
    """Print the single-page book to ``target``, with ``title_page`` (HTML) first and a new page before each
    chapter of ``part_starts`` (docnames); returns what :data:`PREPARE_JS` found, with the chapters' start pages
    and how far down its text area each page is filled."""
    page = chrome.new_page(viewport={"width": TEXT_WIDTH_PX, "height": 1100})
    page.emulate_media(media="print")  # before loading, so charts are drawn for the printed width
    page.goto(url, wait_until="load")
    live = "[...document.querySelectorAll('.kz-chart')].every(e => e.classList.contains('kz-chart-live'))"
    page.wait_for_function(live, timeout=CHARTS_TIMEOUT_MS)
    layout = page.evaluate(
        PREPARE_JS, {"pageHeight": TEXT_HEIGHT_PX, "long": LONG, "partStarts": part_starts, "titlePage": title_page}
    )
    layout["charts"] = {c["id"]: c["problems"] for c in page.evaluate(browser.CHART_LAYOUT_JS) if c["problems"]}
    layout["too_wide"] = page.evaluate(WIDE_JS)
    style = "font-family: system-ui, sans-serif; font-size: 8px; color: #555; width: 100%; margin: 0 18mm;"
    options = dict(
        PAGE,
        print_background=True,
        display_header_footer=True,
        header_template=f'<div style="{style}"><span>{html.escape(title)}</span></div>',
        footer_template=f'<div style="{style} text-align: center;"><span class="pageNumber"></span> / '
        '<span class="totalPages"></span></div>',
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(target), **options)
    layout["pages"] = chapter_pages(page_headings(target), [c["title"] for c in layout["chapters"]])
    page.evaluate(FILL_JS, layout["pages"])
    page.pdf(path=str(target), **options)
    page.close()
    layout["filled"] = [round(share, 3) for share in page_fill(target)]
    return layout


def title_page(root: Path, edition: str) -> str:
    """The PDF's first page (HTML): the article's title and authors, "a living edition", which edition, its date
    and commit, and the article's DOI (from CITATION.cff and git)."""
    from kzopinion.book import build_stamp

    article, stamp = build_stamp.article(root), build_stamp.edition(root)
    authors = [f"{a.get('given-names', '')} {a.get('family-names', '')}".strip() for a in article.get("authors", [])]
    names = ", ".join(authors[:-1]) + f" and {authors[-1]}" if len(authors) > 1 else "".join(authors)
    state = " (with uncommitted changes)" if stamp.dirty or stamp.changed else ""
    where = ", ".join(str(article[k]) for k in ("journal", "volume", "year") if article.get(k))
    doi = f", doi:{html.escape(str(article['doi']))}" if article.get("doi") else ""
    return (
        f'<p class="kz-kicker">A living edition</p><h1>{html.escape(str(article.get("title", "")))}</h1>'
        f'<p class="kz-authors">{html.escape(names)}</p><p>{html.escape(where)}{doi}</p>'
        f'<p class="kz-stamp">This {html.escape(edition)}, built {html.escape(stamp.date)} from commit '
        f"{html.escape(stamp.commit or 'no commit')}{state}; every number in it is computed from the data files of "
        "that commit.</p>"
    )


def part_starts(root: Path) -> tuple[str, ...]:
    """The first chapter of every part after the first (``_toc.yml``): where the printed book starts a page."""
    parts = notebooks.table_of_contents(root).root.subtrees
    return tuple(notebooks.docname(part.items[0]) for part in parts[1:] if part.items)


def make_pdf(root: Path, chrome=None) -> Path:
    """Write _build/pdf/book.pdf (and book.json) of the edition ``make book`` chooses; ``chrome``: a running
    browser to reuse."""
    from kzopinion.data import microdata

    with build.lock(root):  # one build at a time, whichever command
        # data checked, notebooks up to date, generated pages written: in the tree of the edition the build chose
        tree = build.build(root, html=False) or root
        build.check_pastes(tree)  # the pasted keys and the page's rules, as make book checks them
        read_from = stamps.files(root)  # before Sphinx reads: a save meanwhile can leave it a half-written page
        target, edition = root / "_build" / "pdf" / "book.pdf", f"{microdata.edition(tree)} edition"
        try:
            site = singlehtml(tree)
            build.say(
                "printing the single-page book with headless Chromium (twice: the contents need page numbers) ..."
            )
            config = (root / "_config.yml").read_text(encoding="utf-8")
            title = re.search(r'^title:\s*"?(.*?)"?\s*$', config, re.M).group(1) + f" · {edition}"
            with (
                browser.serve(site) as base,
                contextlib.nullcontext(chrome) if chrome else browser.chromium() as chromium,
            ):
                first, parts = title_page(root, edition), part_starts(root)
                layout = print_book(chromium, f"{base}/index.html", target, title, title_page=first, part_starts=parts)
        except build.BuildError:
            if saved := sorted(stamps.changed_since(root, read_from)):
                raise build.BuildError(
                    f"{', '.join(saved[:5])} changed while the PDF was built (saved during the build: your edit is "
                    "kept as saved). Run `make pdf` again to print it."
                ) from None
            raise
        # which edition was printed, and the tree it was built from (its ledger is the one the report prints)
        # and the sources it shows, so that only a current PDF is put beside the pages (build.current_pdf)
        layout |= {"edition": microdata.edition(tree), "tree": tree.relative_to(root).as_posix()}
        layout["built_from"] = build.sources_stamp(tree)
        json_text = json.dumps(layout, indent=1, ensure_ascii=False) + "\n"
        target.with_suffix(".json").write_text(json_text, encoding="utf-8")
        build.say(f"PDF written: {target}")
        if build.publish_pdf(tree):
            build.say(f"and put beside the pages: {tree / '_build' / 'html' / build.PDF_NAME}")
        return target


def main() -> int:
    root = None
    try:
        root = build._root()
        make_pdf(root)
    except (build.BuildError, notebooks.NotebookError, data.DataValidationError) as err:
        print(f"\n[book] PDF FAILED\n{err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"\n[book] PDF FAILED\n{build.describe_os_error(err, root)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    build.stop_on_interrupt(None, "pdf")
    sys.exit(main())
