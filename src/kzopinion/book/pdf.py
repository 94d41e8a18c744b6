"""`make pdf`: the whole book as one PDF that reads like a paper, printed by headless Chromium
from the single-page HTML build (charts drawn at the text width), with no LaTeX toolchain.

    python -m kzopinion.book.pdf   # writes _build/pdf/book.pdf and _build/pdf/book.json

The print layout (``@media print`` in ``book/_static/kzopinion.css``) drops the navigation,
keeps figures and tables whole, and starts each chapter on a new page; this module adds a
running header (the title) and footer (page numbers), and a contents list with page numbers:
the book is printed once to find the page each chapter starts on, then again with the numbers
filled in (the contents take the same room both times, so pages do not move).
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

from kzopinion.book import browser, build

PAGE = {"format": "A4", "margin": {"top": "20mm", "bottom": "18mm", "left": "18mm", "right": "18mm"}}
TEXT_WIDTH_PX = round((210 - 36) / 25.4 * 96)  # A4 less the side margins, in CSS pixels
TEXT_HEIGHT_PX = round((297 - 38) / 25.4 * 96)  # A4 less the top and bottom margins
LONG = 0.3  # tables taller than this share of a page may break between rows

# Marks chapters (each document of the single-page build) and writes the contents list with
# placeholder page numbers; returns the chapter titles and, per figure, texts that must share a page.
PREPARE_JS = r"""(opts) => {
  const clean = t => t.replace(/[\u00b6#]/g, '').replace(/\s+/g, ' ').trim();
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
    // the previous chapter's last boxes keep no bottom margin: a margin that spills over the
    // page end would otherwise fill a page of its own before the forced break
    let before = opening && opening.previousElementSibling;
    while (before && before.tagName === 'SPAN') before = before.previousElementSibling;
    for (let box = before; box; box = box.lastElementChild) {
      box.style.marginBottom = '0';
      box.style.paddingBottom = '0';
    }
    return {id: span.id, title: heading ? clean(heading.textContent) : span.id};
  });
  const nav = document.createElement('nav');
  nav.className = 'kz-print-contents';
  nav.setAttribute('aria-label', 'Contents');
  nav.innerHTML = '<h2>Contents</h2><ol>' + chapters.map((c, i) =>
    `<li><a href="#${c.id}">${c.title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</a>` +
    `<span class="kz-leader"></span><span class="kz-page" data-chapter="${i}">000</span></li>`).join('') + '</ol>';
  const printed = document.querySelector('#jb-print-toc');  // Jupyter Book's own, without page numbers
  const title = document.querySelector('h1');
  if (printed) printed.replaceWith(nav);
  else if (title) title.after(nav);
  const figures = [...document.querySelectorAll('figure')].map(fig => {
    const caption = fig.querySelector('figcaption');
    const texts = [...fig.querySelectorAll('svg text')].map(t => clean(t.textContent)).filter(t => t.length > 12);
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


def _templates(title: str) -> tuple[str, str]:
    style = "font-family: system-ui, sans-serif; font-size: 8px; color: #555; width: 100%; margin: 0 18mm;"
    header = (
        f'<div style="{style} display: flex; justify-content: space-between;"><span>{html.escape(title)}</span></div>'
    )
    footer = (
        f'<div style="{style} text-align: center;"><span class="pageNumber"></span> / '
        '<span class="totalPages"></span></div>'
    )
    return header, footer


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, whitespace collapsed (pdftotext, from poppler-utils)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", " ", page) for page in text.split("\f")[:-1] or [text]]


def chapter_pages(texts: list[str], titles: list[str], header: str, first: int = 2) -> list[int]:
    """The page (1-based) each chapter starts on: chapters start on a new page, so the first
    page at or after the previous chapter's whose text opens (after the running header) with
    the title. The contents and the introduction's own list of chapters name them too, but
    further down their pages."""
    pages, start = [], first
    for title in titles:
        want = re.sub(r"\s+", " ", title)
        # right-to-left titles may come out of pdftotext in visual order
        forms = {want, " ".join(reversed(want.split())), want[::-1]}
        opening = len(header) + len(want) + 40
        found = next((i + 1 for i in range(start - 1, len(texts)) if any(f in texts[i][:opening] for f in forms)), None)
        if found is None:
            missing = missing_fonts(title)
            if missing:
                script, package = missing[0]
                raise build.BuildError(
                    f"PDF: the chapter title '{title}' is written in {script} script, and no font on this machine "
                    f"has its letters, so it cannot be printed: install the fonts (Debian/Ubuntu: sudo apt-get "
                    f"install {' '.join(p for _, p in missing)}) and run `make pdf` again."
                )
            raise build.BuildError(
                f"PDF: cannot find the chapter '{title}' on any page after page {start}; "
                "check that the chapter's title is printed"
            )
        pages.append(found)
        start = found
    return pages


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


def print_book(chrome, url: str, target: Path, title: str, timeout_ms: int = 60000) -> dict:
    """Print the single-page book to ``target``; returns what :data:`PREPARE_JS` found, with
    the chapters' start pages."""
    page = chrome.new_page(viewport={"width": TEXT_WIDTH_PX, "height": 1100})
    page.emulate_media(media="print")  # before loading, so charts are drawn for the printed width
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "[...document.querySelectorAll('.kz-chart')].every(e => e.classList.contains('kz-chart-live'))",
        timeout=timeout_ms,
    )
    layout = page.evaluate(PREPARE_JS, {"pageHeight": TEXT_HEIGHT_PX, "long": LONG})
    layout["charts"] = {c["id"]: c["problems"] for c in page.evaluate(browser.CHART_LAYOUT_JS) if c["problems"]}
    layout["too_wide"] = page.evaluate(WIDE_JS)
    header, footer = _templates(title)
    options = dict(
        PAGE, print_background=True, display_header_footer=True, header_template=header, footer_template=footer
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(target), **options)
    layout["pages"] = chapter_pages(page_texts(target), [c["title"] for c in layout["chapters"]], title)
    page.evaluate(FILL_JS, layout["pages"])
    page.pdf(path=str(target), **options)
    page.close()
    return layout


def make_pdf(root: Path, chrome=None) -> Path:
    """Write _build/pdf/book.pdf (and book.json) of the edition ``make book`` chooses; ``chrome``: a running
    browser to reuse."""
    with build.lock(root):  # one build at a time, whichever command
        return _make_pdf(root, chrome)


def _make_pdf(root: Path, chrome=None) -> Path:
    from kzopinion.data import microdata

    # data checked, notebooks up to date, generated pages written: in the tree of the edition the build chose
    tree = build.build(root, html=False) or root
    build.check_pastes(tree)  # the pasted keys and the page's rules, as make book checks them
    site = singlehtml(tree)
    build.say("printing the single-page book with headless Chromium (twice: the contents need page numbers) ...")
    target = root / "_build" / "pdf" / "book.pdf"
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', (root / "_config.yml").read_text(encoding="utf-8"), re.M).group(1)
    title += " · microdata edition" if microdata.edition(tree) == "microdata" else " · public edition"
    with browser.serve(site) as base, contextlib.nullcontext(chrome) if chrome else browser.chromium() as running:
        layout = print_book(running, f"{base}/index.html", target, title)
    # which edition was printed, and the tree it was built from (its ledger is the one the report prints)
    layout |= {"edition": microdata.edition(tree), "tree": tree.relative_to(root).as_posix()}
    target.with_suffix(".json").write_text(json.dumps(layout, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    build.say(f"PDF written: {target}")
    return target


def main() -> int:
    root = None
    try:
        root = build._root()
        make_pdf(root)
    except (build.BuildError, build.notebooks.NotebookError, build.data.DataValidationError) as err:
        print(f"\n[book] PDF FAILED\n{err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"\n[book] PDF FAILED\n{build.describe_os_error(err, root)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    build.stop_on_interrupt(None, "pdf")
    sys.exit(main())
