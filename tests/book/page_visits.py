"""Visiting a page of the built book in Chromium, for the browser tests: every non-local request blocked and
recorded, console errors kept, charts waited for; on request axe-core (vendored from npm in ``axe-core/`` beside
this file, MPL-2.0, used by the tests only), the charts' geometry
(:data:`kzopinion.book.browser.CHART_LAYOUT_JS`) and what runs past the window's edge."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from kzopinion.book.browser import CHART_LAYOUT_JS

AXE = Path(__file__).with_name("axe-core") / "axe.min.js"  # axe-core 4.11.1 (npm), MPL-2.0

# Nothing on a page may reach past the window's right edge or make the page scroll sideways.
# Elements inside a box that scrolls sideways (and itself fits) are that box's business; hidden
# ones (display none, visibility hidden, the drawers of the theme, the visually-hidden clip) are
# not seen. Reports the innermost elements that stick out, with their text.
PAGE_WIDTH_JS = """() => {
  const root = document.documentElement, width = root.clientWidth, found = [];
  const scrolls = el => { const o = getComputedStyle(el).overflowX; return o === 'auto' || o === 'scroll'; };
  const seen = el => el.checkVisibility({visibilityProperty: true, opacityProperty: true})
    && !(getComputedStyle(el).clip || '').startsWith('rect(0') && !el.closest('[aria-hidden="true"], [hidden]');
  const sticksOut = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > width + 1 && seen(el);
  };
  const inScroller = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement)
      if (scrolls(up) && up.getBoundingClientRect().right <= width + 1) return true;
    return false;
  };
  const out = [...document.body.querySelectorAll('*')].filter(el => sticksOut(el) && !inScroller(el));
  const outSet = new Set(out);
  for (const el of out) {
    if ([...el.children].some(c => outSet.has(c))) continue;  // name the innermost
    const r = el.getBoundingClientRect();
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.classList.length ? '.' + [...el.classList].slice(0, 3).join('.') : '');
    found.push(`${name} ("${el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 60)}") reaches `
               + `${Math.round(r.right)} px of a ${width} px window`);
  }
  // text running out of its element's box (a long word, a checksum): the box may fit while its text does not
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!node.nodeValue.trim() || !parent || outSet.has(parent) || !seen(parent) || inScroller(parent)) continue;
    range.selectNodeContents(node);
    const right = Math.max(0, ...[...range.getClientRects()].map(r => r.right));
    if (right > width + 1)
      found.push(`text "${node.nodeValue.trim().slice(0, 60)}" of ${parent.tagName.toLowerCase()} reaches `
                 + `${Math.round(right)} px of a ${width} px window`);
  }
  if (root.scrollWidth > width + 1)
    found.unshift(`the page scrolls sideways: ${root.scrollWidth} px of content in a ${width} px window`);
  return found;
}"""

AXE_JS = """async () => {
  // no preload: axe would refetch stylesheets' relative @imports against the wrong base (a 404)
  const result = await axe.run(document, {resultTypes: ['violations'], preload: false});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                                      nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
}"""


@dataclass
class PageReport:
    url: str
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    charts: int = 0
    charts_drawn: int = 0
    text: str = ""
    violations: list[dict] = field(default_factory=list)  # axe-core's, when asked for
    layout: dict[str, list[str]] = field(default_factory=dict)  # chart id -> layout problems
    too_wide: list[str] = field(default_factory=list)  # what runs past the window's edge (with ``fit``)


def visit(
    browser,
    url: str,
    base: str,
    screenshot: Path | None = None,
    timeout_ms: int = 30000,
    width: int = 1280,
    axe: bool = False,
    layout: bool = False,
    fit: bool = False,
) -> PageReport:
    """Open ``url`` at ``width`` px with all non-local requests blocked; wait for every chart to
    be drawn; with ``axe``, run axe-core on the page; with ``layout``, check the charts' geometry;
    with ``fit``, find what runs past the window's edge (:data:`PAGE_WIDTH_JS`)."""
    report = PageReport(url)
    page = browser.new_page(viewport={"width": width, "height": 900})

    def route(request_route):
        if request_route.request.url.startswith(base):
            request_route.continue_()
        else:
            report.blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: report.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: report.errors.append(str(error)))
    page.goto(url, wait_until="load")
    with contextlib.suppress(Exception):  # a chart that never draws is reported below, not raised here
        page.wait_for_function(
            "[...document.querySelectorAll('.kz-chart')].every(e => e.classList.contains('kz-chart-live'))",
            timeout=timeout_ms,
        )
    report.charts = page.locator(".kz-chart").count()
    report.charts_drawn = page.locator(".kz-chart.kz-chart-live").filter(has=page.locator("svg, canvas")).count()
    report.text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    if layout:
        # on screen a chart is drawn for its column, never shrunk to fit it (print may shrink)
        report.layout = {
            c["id"]: c["problems"] for c in page.evaluate(CHART_LAYOUT_JS, {"minScale": 0.9}) if c["problems"]
        }
    if fit:
        report.too_wide = page.evaluate(PAGE_WIDTH_JS)
    if axe:
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        report.violations = page.evaluate(AXE_JS)
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return report
