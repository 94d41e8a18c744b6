"""The book in a real browser (Debian's headless Chromium), with the network cut off.

Every page is served from 127.0.0.1 with all other requests blocked. Each must draw all its
charts (SVG or canvas), log no console error, request nothing from elsewhere, and show every
glued value. A screenshot of each page is saved under _build/screenshots/ for review.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from kzopinion import browser, gluekeys, notebooks
from test_book_html import unsmart


def _pages(root: Path) -> list[str]:
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    return [re.search(r"root:\s*(\S+)", toc).group(1)] + re.findall(r"file:\s*(\S+)", toc)


@pytest.fixture(scope="module")
def visited(site, root):
    reports = {}
    with browser.serve(site) as base, browser.chromium() as chrome:
        for name in _pages(root):
            shot = root / "_build" / "screenshots" / f"{name.replace('/', '__')}.png"
            reports[name] = browser.visit(chrome, f"{base}/{name}.html", base, screenshot=shot)
    return reports


def test_no_page_requests_anything_from_the_network(visited):
    assert {name: r.blocked for name, r in visited.items() if r.blocked} == {}


def test_no_console_errors(visited):
    assert {name: r.errors for name, r in visited.items() if r.errors} == {}


def test_every_chart_is_drawn(visited, root):
    for source in notebooks.sources(root):
        report = visited[f"notebooks/{source.stem}"]
        assert report.charts > 0 and report.charts_drawn == report.charts, (source.stem, report.charts, report.charts_drawn)


def test_every_glued_value_is_visible(visited, root):
    for source in notebooks.sources(root):
        text = unsmart(" ".join(visited[f"notebooks/{source.stem}"].text.split()))
        values = gluekeys.glued_values(notebooks.twin(source))
        for key in gluekeys.pasted_keys(source.read_text(encoding="utf-8")):
            assert " ".join(values[key].split()) in text, (source.stem, key, values[key])


def test_screenshots_are_saved(visited, root):
    for name in visited:
        assert (root / "_build" / "screenshots" / f"{name.replace('/', '__')}.png").stat().st_size > 10_000


def test_pdf_pages_show_the_charts(root, tmp_path):
    """`make pdf` writes a PDF; some page carries a chart (the palette's blue, not blank)."""
    from kzopinion import pdf

    target = pdf.make_pdf(root)
    assert target.stat().st_size > 50_000
    subprocess.run(["pdftoppm", "-r", "30", str(target), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.ppm"))
    assert len(pages) > 5
    chart_pages = [p for p in pages if _blue_pixels(p) > 200]
    assert chart_pages, "no PDF page shows a chart"


def _blue_pixels(ppm: Path) -> int:
    """Pixels close to the palette's blue (#0072B2) in a binary PPM (P6) image."""
    raw = ppm.read_bytes()
    header = raw.split(b"\n", 3)
    assert header[0] == b"P6"
    pixels = header[3]
    return sum(1 for i in range(0, len(pixels) - 2, 3)
               if abs(pixels[i] - 0x00) < 40 and abs(pixels[i + 1] - 0x72) < 40 and abs(pixels[i + 2] - 0xB2) < 40)
