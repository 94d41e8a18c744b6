"""How a chart is written into a notebook's record: offline HTML with a static SVG, values rounded.

An Altair renderer plugin (entry point ``kzopinion`` in the group ``altair.vegalite.v6.renderer``,
declared in ``pyproject.toml``); :func:`kzopinion.analysis.charts.enable_theme` enables it by name.

Why here: kernels display the charts, so the renderer runs in every kernel and its output is part of
every record; the book room is never loaded by kernels, and the analysis (beside this room) must not
import it. Altair's own plugin registry joins the two: the chart builders name the renderer, Altair
imports it. That link is at run time, where the import contracts of ``make lint`` do not look, on purpose.
"""

from __future__ import annotations

import hashlib
import html
import json
import re

EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}


def offline_html(spec: dict) -> str:
    """A chart as HTML that needs no network: a static SVG, upgraded in place to the
    interactive chart by the vendored ``vegaEmbed`` (``_static/vendor/vega-bundle.js``).

    The element id is derived from the spec, so re-executing a notebook gives identical
    output; without JavaScript (or in print) the static SVG remains. Every float in the
    spec (the chart's data above all) is first rounded to the recorded precision
    (:func:`kzopinion.formatting.stable`), so the id, the SVG and the embedded data are the
    same on any CPU.
    """
    import vl_convert as vlc

    spec = _stable_spec(spec)
    spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    chart_id = "kz-chart-" + hashlib.sha256(spec_json.encode()).hexdigest()[:12]
    svg = _short_coordinates(vlc.vegalite_to_svg(spec))
    label = html.escape(spec.get("description", ""), quote=True)
    safe_spec = spec_json.replace("</", "<\\/")  # never close the script element early
    # %-formatting on purpose: the JavaScript is full of braces that str.format and f-strings would need doubled
    script = (  # noqa: UP031
        "(function(){var el=document.getElementById('%s');"
        "function draw(){if(!window.vegaEmbed){console.warn('vega bundle missing: showing the static chart');return;}"
        "vegaEmbed(el,%s,%s).then(function(){el.classList.add('kz-chart-live');})"
        ".catch(function(e){console.error(e);});}"
        "if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',draw);}else{draw();}})();"
    ) % (chart_id, safe_spec, json.dumps(EMBED_OPTIONS, sort_keys=True))
    return (
        f'<div id="{chart_id}" class="kz-chart" role="img" aria-label="{label}">{svg}</div>'
        f'<script type="text/javascript">{script}</script>' + data_table(spec)
    )


def _tooltips(node) -> list[dict]:
    """Every tooltip entry of a spec, in order (the fields a reader is shown, with their titles and formats)."""
    found = []
    if isinstance(node, dict):
        tips = node.get("tooltip")
        if isinstance(tips, list):
            found += [t for t in tips if isinstance(t, dict) and "field" in t]
        elif isinstance(tips, dict) and "field" in tips:
            found.append(tips)
        for key, value in node.items():
            if key != "tooltip":
                found += _tooltips(value)
    elif isinstance(node, list):
        for item in node:
            found += _tooltips(item)
    return found


def _groupings(node) -> list[dict]:
    """The fields a chart splits its marks by (facets, rows, columns, colours), in order."""
    found = []
    if isinstance(node, dict):
        for channel in ("facet", "row", "column", "color"):
            value = node.get(channel)
            if isinstance(value, dict) and "field" in value:
                found.append(value)
        for value in node.values():
            found += _groupings(value)
    elif isinstance(node, list):
        for item in node:
            found += _groupings(item)
    return found


def _shown(value, format_: str) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    fixed = re.fullmatch(r"\.(\d+)(%|f)", format_)
    if isinstance(value, int | float) and fixed:
        digits = int(fixed.group(1))
        return f"{value * 100:.{digits}f}%" if fixed.group(2) == "%" else f"{value:.{digits}f}"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def data_table(spec: dict) -> str:
    """The values a chart draws as a table under it, folded in a disclosure a keyboard reaches (and a screen reader
    reads), with the chart's own tooltip titles as column heads: the numbers without the mouse."""
    datasets = [rows for rows in spec.get("datasets", {}).values() if rows and len(rows[0]) > 1]
    if not datasets:
        return ""
    rows = max(datasets, key=len)
    columns: dict[str, tuple[str, str]] = {}
    for tip in _groupings(spec) + _tooltips(spec):
        if tip["field"] in rows[0] and tip["field"] not in columns:
            columns[tip["field"]] = (
                tip.get("title") or tip["field"].replace("_", " ").capitalize(),
                tip.get("format", ""),
            )
    if not columns:
        columns = {name: (name, "") for name in rows[0]}
    head = "".join(f"<th>{html.escape(str(title))}</th>" for title, _ in columns.values())
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_shown(row.get(f), fmt))}</td>" for f, (_, fmt) in columns.items())
        + "</tr>"
        for row in rows
    )
    simulated = "simulated" in (json.dumps(spec.get("title", "")) + spec.get("description", "")).lower()
    summary = "The chart's values as a table" + (" (the simulated stand-in's, not evidence)" if simulated else "")
    return (
        f'<details class="kz-chart-data"><summary>{html.escape(summary)}</summary>'
        f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>'
    )


def specs_in(html_text: str) -> list[dict]:
    """The Vega-Lite specs of the charts :func:`offline_html` wrote into ``html_text`` (a record's output)."""
    decoder, specs = json.JSONDecoder(), []
    for start in (m.end() for m in re.finditer(r"vegaEmbed\(el,", html_text)):
        specs.append(decoder.raw_decode(html_text, start)[0])  # JSON reads the "<\\/" escape as "</"
    return specs


_LONG_DECIMAL = re.compile(r"-?\d+\.\d{4,}")


def _short_coordinates(svg: str) -> str:
    """The static SVG with its coordinates rounded to a thousandth of a pixel.

    Vega lays the chart out in double precision from the (already rounded) spec; a thousandth of
    a pixel is invisible, and no drawing coordinate then carries the last bits of any arithmetic.
    """
    return _LONG_DECIMAL.sub(lambda m: f"{float(m.group(0)):.3f}".rstrip("0").rstrip("."), svg)


def _stable_spec(spec: dict) -> dict:
    """The spec with its floats rounded and its datasets renamed after the rounded data.

    Altair names each inline dataset after a hash of the data at full precision, which would
    carry one machine's last bits into the record even after rounding.
    """
    from kzopinion.formatting import stable_tree

    spec = stable_tree(spec)
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    for name, rows in spec.get("datasets", {}).items():
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]
        text = text.replace(f'"{name}"', f'"data-{digest}"')
    return json.loads(text)


def render(spec: dict, **_options) -> dict[str, str]:
    """Altair's renderer call: the chart's MIME bundle for the record."""
    return {"text/html": offline_html(spec)}
