"""One chart theme and the chart builders the notebooks share.

Charts receive small aggregated frames (never respondents), so the committed
notebooks stay small. Colours come from the Okabe-Ito palette, which stays
distinguishable under the common colour-vision deficiencies.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from kzopinion import formatting as fmt

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
POWER_COLOURS = {"United States": "#0072B2", "China": "#D55E00", "Russia": "#009E73"}
RENDERER = "kzopinion"  # the offline renderer's name in Altair's registry
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


# Long category names are wrapped into lines (joined by "\n", drawn as lines by LINES) rather than
# cut at a label limit with an ellipsis; the full text stays in the tooltip and the chart's data.
# Widths are estimated from DejaVu Sans, the font Debian's Chromium draws the theme's font stack in
# and one of the widest sans-serif fonts, so a line estimated to fit fits in the narrower ones too.
# Advance widths in thousandths of an em of the printable ASCII characters (32-126), measured in
# Chromium with a canvas; any other character counts as a full em.
_ADVANCE = dict(
    zip(
        map(chr, range(32, 127)),
        map(
            int,
            """318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636 636
            636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787 603 787 695
            635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 635 550 635 615 352 635 634 278 278 579 278
            974 634 612 635 635 411 521 392 634 592 818 592 592 525 636 337 636 838""".split(),
        ),
    )
)
_ADVANCE.update({"\u2019": 318, "\u2018": 318, "\u201c": 518, "\u201d": 518, "\u2013": 500, "\u2014": 1000})
LABEL_PX = 12  # the theme's axis and legend label size
LINE_PX = 15  # the height of a line of a wrapped label
LINES = "split(datum.label, '\\n')"  # axis and legend labelExpr: a label's "\n" starts a new line
# Vega's own label limits when a chart sets none (px): axes 180, legends 160, facet headers none
DEFAULT_LIMITS = {"axis": 180, "legend": 160, "header": 0}


def text_width(text: str, size: float = LABEL_PX) -> float:
    """The width in px of ``text`` set in ``size`` px type (an estimate on the wide side)."""
    return sum(_ADVANCE.get(ch, 1000) for ch in text) * size / 1000


def wrap_label(text: str, max_px: float, size: float = LABEL_PX) -> str:
    """``text`` broken at spaces into lines no wider than ``max_px`` (a longer word keeps a line of its own)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= max_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines) or str(text)


def _wrapped(table: pd.DataFrame, column: str, max_px: float) -> tuple[pd.DataFrame, int]:
    """``table`` with ``<column>_lines``, the wrapped label of ``column``, and the most lines a label has."""
    lines = [wrap_label(v, max_px) for v in table[column]]
    return table.assign(**{f"{column}_lines": lines}), max((t.count("\n") + 1 for t in lines), default=1)


def _label_axis(max_px: float, **options) -> alt.Axis:
    """An axis drawing wrapped labels (at most ``max_px`` wide) line by line, whole."""
    return alt.Axis(labelExpr=LINES, labelLimit=round(max_px) + 8, labelLineHeight=LINE_PX, **options)


def _label_legend(max_px: float, **options) -> alt.Legend:
    """A legend drawing wrapped labels (at most ``max_px`` wide) line by line, whole."""
    return alt.Legend(labelExpr=LINES, labelLimit=round(max_px) + 8, **options)


def _step(lines: int, least: int) -> alt.Step:
    """A band tall enough for labels of ``lines`` lines (and never below ``least`` px)."""
    return alt.Step(max(least, lines * LINE_PX + 6))


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "view": {"continuousWidth": 560, "continuousHeight": 300, "stroke": None},
            "font": FONT,
            "range": {"category": OKABE_ITO},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "grid": True, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "title": {"fontSize": 14, "anchor": "start", "subtitleColor": "#555555"},
        }
    }


def enable_theme() -> None:
    """Enable the project theme and the book's offline renderer (idempotent).

    The renderer (:mod:`kzopinion.paper.figures`) is an Altair plugin declared in ``pyproject.toml``
    (entry point group ``altair.vegalite.v6.renderer``), so the chart builders never import it: Altair
    loads it by name when a chart is displayed.
    """
    if "kzopinion" not in alt.theme.names():
        alt.theme.register("kzopinion", enable=False)(_theme)
    alt.theme.enable("kzopinion")
    alt.renderers.enable(RENDERER)


def approval_series(approval: pd.DataFrame, turning_point: int, turning_label: str) -> alt.LayerChart:
    """Approval of each power's leadership by year, with a marked turning point.

    ``approval`` has columns ``year``, ``leadership``, ``approve`` (percent) and ``source_id``.
    """
    enable_theme()
    domain = [p for p in POWER_COLOURS if p in set(approval["leadership"])]
    colour = alt.Color(
        "leadership:N", title="Leadership of", scale=alt.Scale(domain=domain, range=[POWER_COLOURS[p] for p in domain])
    )
    years = sorted(int(y) for y in approval["year"].unique())
    x_axis = alt.X(
        "year:Q",
        title="Gallup World Poll year",
        scale=alt.Scale(domain=[years[0] - 0.5, years[-1] + 0.5]),
        axis=alt.Axis(format="d", values=years, grid=False),
    )
    base = alt.Chart(approval).encode(
        x=x_axis,
        y=alt.Y("approve:Q", title="Approve (% of Kazakhstanis)", scale=alt.Scale(domain=[0, 100])),
        color=colour,
        tooltip=[
            alt.Tooltip("leadership:N", title="Leadership of"),
            alt.Tooltip("year:Q", title="Year", format="d"),
            alt.Tooltip("approve:Q", title="Approve (%)"),
            alt.Tooltip("disapprove:Q", title="Disapprove (%)"),
            alt.Tooltip("source_id:N", title="Source"),
        ],
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(size=60, filled=True))
    marker = pd.DataFrame({"year": [turning_point], "label": [turning_label], "top": [97]})
    rule = alt.Chart(marker).mark_rule(strokeDash=[4, 4], color="#555555").encode(x="year:Q")
    text = (
        alt.Chart(marker).mark_text(align="right", dx=-5, color="#555555").encode(x="year:Q", y="top:Q", text="label:N")
    )
    powers = ", ".join(domain)
    return alt.layer(lines, rule, text).properties(
        width=560,
        height=300,
        description=f"Line chart of the share of Kazakhstanis approving the leadership of {powers}, by Gallup year, "
        f"with {turning_label} marked.",
    )


def bars(table: pd.DataFrame, value: str, label: str, title: str) -> alt.Chart:
    """One horizontal bar per row: ``value`` (a number) against ``label`` (its name), largest first."""
    enable_theme()
    return (
        alt.Chart(table, title=title, description=f"{title}: one bar per {label}")
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            x=alt.X(f"{value}:Q", title=value),
            y=alt.Y(f"{label}:N", sort="-x", title=None),
            tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=",")],
        )
        .properties(height=alt.Step(28))
    )


def fieldwork_timeline(periods: pd.DataFrame) -> alt.Chart:
    """One bar per source from ``start`` to ``end`` (decimal years), labelled by ``source``."""
    enable_theme()
    return (
        alt.Chart(periods)
        .mark_bar(height=18, cornerRadius=3)
        .encode(
            x=alt.X(
                "start:Q",
                title="Fieldwork (year)",
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            x2="end:Q",
            y=alt.Y("source:N", title=None, sort=None),
            color=alt.Color("source:N", legend=None),
            tooltip=[
                alt.Tooltip("source:N", title="Source"),
                alt.Tooltip("period:N", title="Fieldwork"),
                alt.Tooltip("sample:N", title="Sample"),
            ],
        )
        .properties(
            width=460,
            height=alt.Step(28),
            description="Timeline of fieldwork periods: "
            + "; ".join(f"{s}, {p}" for s, p in zip(periods["source"], periods["period"])),
        )
    )


STATUS_COLOURS = {
    "recomputed": "#009E73",
    "confirmed": "#0072B2",
    "transcribed": "#CC79A7",
    "differs": "#E69F00",
    "reported-only": "#56B4E9",
    "not-yet": "#BBBBBB",
}


def status_by_section(summary: pd.DataFrame) -> alt.Chart:
    """Stacked bars: number of claims per article section, coloured by replication status."""
    enable_theme()
    summary, lines = _wrapped(summary, "section", 200)
    return (
        alt.Chart(summary)
        .mark_bar()
        .encode(
            y=alt.Y(
                "section_lines:N", title=None, sort=list(dict.fromkeys(summary["section_lines"])), axis=_label_axis(200)
            ),
            x=alt.X("claims:Q", title="Claims", stack="zero"),
            color=alt.Color(
                "status:N",
                title="Status",
                scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
            ),
            order=alt.Order("status_order:Q"),
            tooltip=[
                alt.Tooltip("section:N", title="Section"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("claims:Q", title="Claims"),
            ],
        )
        .properties(
            width=360,
            height=_step(lines, 24),
            description="Stacked bars of the number of the article's claims in each section, by replication status.",
        )
    )


def counts_with_intervals(table: pd.DataFrame, title_x: str) -> alt.LayerChart | alt.FacetChart:
    """Dots for each count's share of its base, with Wilson interval bars; labels name the base.

    Rows of different bases are never drawn on one axis unmarked: each base gets a panel of its own, headed
    by the table's ``group`` column when it has one ("Of the 49 who discussed it"), else by the base.
    """
    enable_theme()
    table = table.copy()
    if "group" not in table:
        table["group"] = [f"Of {fmt.count(b)} participants" for b in table["base"]]
    groups = list(dict.fromkeys(table["group"]))
    table, lines = _wrapped(table, "description", 280)
    order = table["description_lines"].tolist()
    base = alt.Chart().encode(y=alt.Y("description_lines:N", title=None, sort=order, axis=_label_axis(280)))
    bars = base.mark_rule(strokeWidth=2, color="#0072B2").encode(
        x=alt.X("low:Q", title=title_x, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])), x2="high:Q"
    )
    dots = base.mark_point(filled=True, size=70, color="#0072B2").encode(
        x="share:Q",
        tooltip=[
            alt.Tooltip("description:N", title="Participants who"),
            alt.Tooltip("label:N", title="Count"),
            alt.Tooltip("share:Q", title="Share", format=".0%"),
            alt.Tooltip("low:Q", title="95% low", format=".0%"),
            alt.Tooltip("high:Q", title="95% high", format=".0%"),
        ],
    )
    text = base.mark_text(align="left", dx=8, color="#333333").encode(x="high:Q", text="label:N")
    layered = alt.layer(bars, dots, text, data=table).properties(width=260, height=_step(lines, 26))
    description = "Dot plot of focus-group counts as shares of their bases with 95% Wilson intervals: " + "; ".join(
        f"{g}: " + ", ".join(f"{d} {lab}" for d, lab in zip(rows["description"], rows["label"]))
        for g, rows in table.groupby("group", sort=False)
    )
    if len(groups) == 1:
        return layered.properties(description=f"{groups[0]}. {description}")
    return (
        layered.facet(
            row=alt.Row(
                "group:N",
                title=None,
                sort=groups,
                header=alt.Header(labelAngle=0, labelOrient="top", labelAnchor="start", labelFontWeight="bold"),
            )
        )
        .resolve_scale(y="independent")
        .properties(description=description)
    )


def reason_shares(table: pd.DataFrame) -> alt.Chart:
    """Figure 2 as paired bars: share of substantive answers per reason, coloured by class."""
    enable_theme()
    colours = {"development": "#009E73", "international": "#D55E00", "domestic": "#0072B2"}
    table, lines = _wrapped(table, "reason", 260)
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("reason_lines:N", title=None, sort=None, axis=_label_axis(260)),
            x=alt.X("both_excluding_other:Q", title="Share of answers, excluding other/refused (%)"),
            color=alt.Color(
                "reason_class:N",
                title="Reason concerns",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            row=alt.Row(
                "opinion:N",
                title=None,
                sort=["positive", "negative"],
                header=alt.Header(
                    labelFontSize=13,
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontWeight="bold",
                ),
            ),
            tooltip=[
                alt.Tooltip("reason:N", title="Reason"),
                alt.Tooltip("first_answer:Q", title="First answer (%)"),
                alt.Tooltip("second_answer:Q", title="Second answer (%)"),
                alt.Tooltip("both_answers:Q", title="Both answers (%)"),
                alt.Tooltip("both_excluding_other:Q", title="Excluding other (%)"),
            ],
        )
        .resolve_scale(y="independent")
        .properties(
            width=280,
            height=_step(lines, 18),
            description="Bar charts of the reasons given for positive and for negative opinions of the US, "
            "as shares of answers, coloured by whether the reason concerns development, international conduct "
            "or domestic faults.",
        )
    )


def relations_choice(table: pd.DataFrame) -> alt.Chart:
    """Bars of answer shares with intervals where the design is known, one row per question wording.

    ``table`` columns: ``question``, ``answer``, ``percent``, ``low``, ``high`` (missing when no
    design is known), ``interval`` (text for the tooltip).
    """
    enable_theme()
    table, lines = _wrapped(table, "answer", 300)
    base = alt.Chart(table).encode(y=alt.Y("answer_lines:N", title=None, sort=None, axis=_label_axis(300)))
    bars = base.mark_bar(color="#0072B2").encode(
        x=alt.X("percent:Q", title="Share of Kazakhstanis (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=[
            alt.Tooltip("question:N", title="Question"),
            alt.Tooltip("answer:N", title="Answer"),
            alt.Tooltip("percent:Q", title="Share (%)"),
            alt.Tooltip("interval:N", title="95% interval"),
        ],
    )
    whiskers = base.mark_rule(color="#000000", strokeWidth=1.5).encode(x="low:Q", x2="high:Q")
    labels = base.mark_text(align="left", dx=4, color="#333333").encode(
        x=alt.X("percent:Q"), text=alt.Text("percent:Q", format=".0f")
    )
    return (
        alt.layer(bars, whiskers, labels)
        .properties(width=300, height=_step(lines, 24))
        .facet(
            row=alt.Row(
                "question:N",
                title=None,
                sort=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontWeight="bold",
                    labelLimit=560,
                ),
            ),
        )
        .resolve_scale(y="independent")
        .properties(
            description="Bar charts of Kazakhstanis' answers to Gallup's questions on relations with Russia and "
            "the US: "
            + "; ".join(f"{q}: {a} {p:.0f}%" for q, a, p in zip(table["question"], table["answer"], table["percent"]))
        )
    )


def perceptions(table: pd.DataFrame, missing_note: str) -> alt.Chart:
    """Grouped bars of perception items by country; a note in place of bars while values are missing."""
    enable_theme()
    known = table.dropna(subset=["percent"])
    if known.empty:
        note = pd.DataFrame({"text": [missing_note]})
        return (
            alt.Chart(note)
            .mark_text(fontSize=14, color="#555555")
            .encode(text="text:N")
            .properties(width=560, height=60, description=f"No chart yet: {missing_note}")
        )
    colour = alt.Color(
        "country:N", title="Country", scale=alt.Scale(domain=list(POWER_COLOURS), range=list(POWER_COLOURS.values()))
    )
    return (
        alt.Chart(known)
        .mark_bar()
        .encode(
            y=alt.Y("country:N", title=None, sort=list(POWER_COLOURS)),
            x=alt.X("percent:Q", title="Share of Kazakhstanis (%)", scale=alt.Scale(domain=[0, 100])),
            color=colour,
            row=alt.Row(
                "item:N",
                title=None,
                sort=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top"),
            ),
            tooltip=[
                alt.Tooltip("item:N", title="Perception"),
                alt.Tooltip("country:N", title="Country"),
                alt.Tooltip("percent:Q", title="Share (%)"),
                alt.Tooltip("source_table:N", title="Report table"),
            ],
        )
        .properties(
            width=360,
            height=alt.Step(16),
            description="Bar charts of the share of Kazakhstanis holding each "
            "perception of Russia, China and the United States (EDB Integration Barometer 2017).",
        )
    )


FAVOURABILITY_COLOURS = {
    "very_unfavourable": "#D55E00",
    "somewhat_unfavourable": "#E69F00",
    "dont_know": "#BBBBBB",
    "somewhat_favourable": "#56B4E9",
    "very_favourable": "#0072B2",
}
FAVOURABILITY_LABELS = {
    "very_unfavourable": "very unfavourable",
    "somewhat_unfavourable": "somewhat unfavourable",
    "dont_know": "don't know",
    "somewhat_favourable": "somewhat favourable",
    "very_favourable": "very favourable",
}


def diverging_favourability(distribution: pd.DataFrame, subtitle: str) -> alt.Chart:
    """Diverging stacked bars: unfavourable answers left of zero, favourable right, don't know split."""
    enable_theme()
    rows = []
    for item, group in distribution.groupby("item", sort=False):
        share = dict(zip(group["answer"], group["percent"]))
        left = -(share["very_unfavourable"] + share["somewhat_unfavourable"] + share["dont_know"] / 2)
        for answer in FAVOURABILITY_COLOURS:
            rows.append(
                {
                    "item": item,
                    "answer": FAVOURABILITY_LABELS[answer],
                    "order": list(FAVOURABILITY_COLOURS).index(answer),
                    "start": left,
                    "end": left + share[answer],
                    "percent": share[answer],
                }
            )
            left += share[answer]
    bars = pd.DataFrame(rows)
    return (
        alt.Chart(bars)
        .mark_bar()
        .encode(
            y=alt.Y("item:N", title=None, sort=list(dict.fromkeys(distribution["item"]))),
            x=alt.X(
                "start:Q",
                title="Share of respondents (%): unfavourable to the left, favourable to the right",
                scale=alt.Scale(domain=[-100, 100]),
            ),
            x2="end:Q",
            color=alt.Color(
                "answer:N",
                title=None,
                sort=[FAVOURABILITY_LABELS[a] for a in FAVOURABILITY_COLOURS],
                scale=alt.Scale(
                    domain=[FAVOURABILITY_LABELS[a] for a in FAVOURABILITY_COLOURS],
                    range=list(FAVOURABILITY_COLOURS.values()),
                ),
            ),
            tooltip=[
                alt.Tooltip("item:N", title="Opinion of"),
                alt.Tooltip("answer:N", title="Answer"),
                alt.Tooltip("percent:Q", title="Share (%)", format=".1f"),
            ],
        )
        .properties(
            width=480,
            height=alt.Step(30),
            title=alt.Title("Opinions of Russia, China and the US", subtitle=subtitle),
            description="Diverging stacked bar chart of favourable and unfavourable opinions of Russia, China and "
            "the United States. " + subtitle,
        )
    )


def coefficients(table: pd.DataFrame, subtitle: str, x_title: str) -> alt.LayerChart:
    """Coefficient plot: one dot and 95% interval per model (``label``, ``coef``, ``low``, ``high``, ``family``)."""
    enable_theme()
    table, lines = _wrapped(table, "label", 330)
    base = alt.Chart(table).encode(y=alt.Y("label_lines:N", title=None, sort=None, axis=_label_axis(330)))
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=x_title), x2="high:Q", color=alt.Color("family:N", title=None)
    )
    dots = base.mark_point(filled=True, size=60).encode(
        x="coef:Q",
        color="family:N",
        tooltip=[
            alt.Tooltip("label:N", title="Model"),
            alt.Tooltip("coef:Q", title="Coefficient", format=".3f"),
            alt.Tooltip("low:Q", title="95% low", format=".3f"),
            alt.Tooltip("high:Q", title="95% high", format=".3f"),
            alt.Tooltip("p:Q", title="p-value", format=".3f"),
            alt.Tooltip("n:Q", title="Respondents"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#555555", strokeDash=[3, 3]).encode(x="x:Q")
    return alt.layer(rules, dots, zero).properties(
        width=300,
        height=_step(lines, 22),
        title=alt.Title("Each opinion on its counterpart", subtitle=subtitle),
        description="Coefficient plot with 95% intervals: "
        + "; ".join(f"{lab}: {c:.3f}" for lab, c in zip(table["label"], table["coef"]))
        + ". "
        + subtitle,
    )


# Where a point's label goes, by the direction away from its nearest neighbour: (align, baseline, dx, dy).
LABEL_PLACES = {
    "right": ("left", "middle", 9, 0),
    "left": ("right", "middle", -9, 0),
    "above": ("center", "bottom", 0, -8),
    "below": ("center", "top", 0, 8),
    "above right": ("left", "bottom", 6, -6),
    "above left": ("right", "bottom", -6, -6),
    "below right": ("left", "top", 6, 6),
    "below left": ("right", "top", -6, 6),
}


def label_places(x: pd.Series, y: pd.Series) -> list[str]:
    """For each point, the side of it (a key of :data:`LABEL_PLACES`) facing away from its nearest neighbour.

    Distances are taken in shares of each axis's range, as the chart draws them whatever its width, so two
    points close together get their labels on opposite sides: the labels part as the points do. A point on
    the edge of the data (lowest, highest, leftmost, rightmost) keeps its label off the edge, and so off
    the axes' own labels.
    """
    xs = (x - x.min()) / ((x.max() - x.min()) or 1)
    ys = (y - y.min()) / ((y.max() - y.min()) or 1)
    places = []
    for i in range(len(xs)):
        others = [(float(xs.iloc[j] - xs.iloc[i]), float(ys.iloc[j] - ys.iloc[i])) for j in range(len(xs)) if j != i]
        if not others:
            places.append("above right")
            continue
        dx, dy = min(others, key=lambda d: d[0] ** 2 + d[1] ** 2)  # towards the nearest point (y grows upwards)
        side = "" if abs(dx) < abs(dy) / 2 else ("left" if dx > 0 else "right")
        level = "" if abs(dy) < abs(dx) / 2 else ("below" if dy > 0 else "above")
        inwards = {
            "left": xs.iloc[i] == 0,
            "right": xs.iloc[i] == 1,
            "below": ys.iloc[i] == 0,
            "above": ys.iloc[i] == 1,
        }
        flip = {"left": "right", "right": "left", "below": "above", "above": "below"}
        if side and inwards[side]:  # not across the neighbour: above or below it instead
            side, level = "", level or ("below" if dy > 0 else "above")
        level = flip[level] if level and inwards[level] else level
        places.append(f"{level} {side}".strip())
    return places


def connected_scatter(approval: pd.DataFrame) -> alt.LayerChart:
    """Approval of US leadership against approval of China's, one point per year, joined in time order.

    Each year's label sits on the side of its point away from the nearest other point (:func:`label_places`).
    """
    enable_theme()
    wide = approval.pivot(index="year", columns="leadership", values="approve").dropna().reset_index()
    wide = wide.assign(place=label_places(wide["United States"], wide["China"]))
    base = alt.Chart(wide).encode(
        x=alt.X("United States:Q", title="Approve of US leadership (%)", scale=alt.Scale(zero=False)),
        y=alt.Y("China:Q", title="Approve of China's leadership (%)", scale=alt.Scale(zero=False)),
        order="year:O",
    )
    tooltip = [
        alt.Tooltip("year:O", title="Year"),
        alt.Tooltip("United States:Q", title="US (%)"),
        alt.Tooltip("China:Q", title="China (%)"),
    ]
    path = base.mark_line(color="#999999", point=alt.OverlayMarkDef(color="#0072B2", size=60)).encode(tooltip=tooltip)
    labels = [
        base.transform_filter(alt.datum.place == place)
        .mark_text(align=align, baseline=baseline, dx=dx, dy=dy, color="#333333")
        .encode(text="year:O", tooltip=tooltip)
        for place, (align, baseline, dx, dy) in LABEL_PLACES.items()
        if place in set(wide["place"])
    ]
    return alt.layer(path, *labels).properties(
        width=380,
        height=300,
        description="Connected scatter of Gallup approval of US leadership against approval of China's leadership "
        "among Kazakhstanis, one point per year.",
    )


def predicted_probabilities(table: pd.DataFrame, subtitle: str) -> alt.LayerChart:
    """Predicted probability of approving each leadership by immigration preference, book vs article.

    ``table`` columns: leadership, preference, estimate (this book / the article), probability, low, high.
    """
    enable_theme()
    table, _ = _wrapped(table, "estimate", 200)
    base = alt.Chart(table).encode(
        x=alt.X(
            "preference:N",
            title="Favours immigration being",
            sort=["increased", "decreased"],
            axis=alt.Axis(labelAngle=0),
        ),
        xOffset=alt.XOffset("estimate_lines:N"),
        color=alt.Color(
            "estimate_lines:N", title=None, scale=alt.Scale(range=["#0072B2", "#E69F00"]), legend=_label_legend(200)
        ),
    )
    points = base.mark_point(filled=True, size=80).encode(
        y=alt.Y("probability:Q", title="Predicted probability of approving"),
        tooltip=[
            alt.Tooltip("leadership:N", title="Leadership of"),
            alt.Tooltip("preference:N", title="Immigration"),
            alt.Tooltip("estimate:N", title="Estimate"),
            alt.Tooltip("probability:Q", title="Probability", format=".2f"),
            alt.Tooltip("low:Q", title="95% low", format=".2f"),
            alt.Tooltip("high:Q", title="95% high", format=".2f"),
        ],
    )
    bars = base.mark_rule(strokeWidth=2).encode(y="low:Q", y2="high:Q")
    return (
        alt.layer(bars, points)
        .properties(width=200, height=220)
        .facet(
            column=alt.Column("leadership:N", title=None, header=alt.Header(labelFontWeight="bold")),
        )
        .properties(
            title=alt.Title("Approval by immigration preference", subtitle=subtitle),
            description="Dot plot of the predicted probability of approving the US and Russian leadership for "
            "respondents favouring more or less immigration, this book's estimate beside the "
            "article's. " + subtitle,
        )
    )


def variant_spread(table: pd.DataFrame) -> alt.LayerChart:
    """One row per key share: a dot per specification, the article's choices as a larger black diamond.

    ``table`` columns: ``share``, ``specification``, ``percent``, ``default`` (the article's choices), ``rationale``.
    """
    enable_theme()
    table, lines = _wrapped(table, "share", 220)
    order = list(dict.fromkeys(table["share_lines"]))
    base = alt.Chart(table).encode(
        y=alt.Y("share_lines:N", title=None, sort=order, axis=_label_axis(220)),
        x=alt.X("percent:Q", title="Share of the opinion's reasons (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=[
            alt.Tooltip("share:N", title="Share"),
            alt.Tooltip("specification:N", title="Specification"),
            alt.Tooltip("percent:Q", title="Percent", format=".1f"),
            alt.Tooltip("rationale:N", title="Why"),
        ],
    )
    others = base.transform_filter("!datum.default").mark_point(size=60, color="#0072B2", opacity=0.7)
    article = base.transform_filter("datum.default").mark_point(shape="diamond", size=140, filled=True, color="#000000")
    half = alt.Chart(pd.DataFrame({"x": [50.0]})).mark_rule(color="#555555", strokeDash=[3, 3]).encode(x="x:Q")
    return alt.layer(half, others, article).properties(
        width=420,
        height=_step(lines, 30),
        description="Dot plot of Figure 2's four class shares under every alternative specification (blue dots) and "
        "the article's choices (black diamonds), with 50% marked: "
        + "; ".join(
            f"{s}: {t['percent'].min():.0f}% to {t['percent'].max():.0f}%"
            for s, t in table.groupby("share", sort=False)
        ),
    )


def specification_curve(curve: pd.DataFrame, subtitle: str) -> alt.LayerChart:
    """Every specification's coefficient and interval, ordered by size; the article's specification in black.

    ``curve`` columns: ``rank``, ``coef``, ``low``, ``high``, ``p``, ``n``, ``label``, ``control_label``, ``article``.
    """
    enable_theme()
    curve, _ = _wrapped(curve, "control_label", 300)
    base = alt.Chart(curve).encode(
        x=alt.X("rank:O", title="Specifications, ordered by coefficient", axis=alt.Axis(labelAngle=0)),
        tooltip=[
            alt.Tooltip("label:N", title="Specification"),
            alt.Tooltip("control_label:N", title="Controls"),
            alt.Tooltip("coef:Q", title="Coefficient", format=".3f"),
            alt.Tooltip("low:Q", title="Low", format=".3f"),
            alt.Tooltip("high:Q", title="High", format=".3f"),
            alt.Tooltip("p:Q", title="p-value", format=".3f"),
            alt.Tooltip("n:Q", title="Respondents"),
        ],
    )
    colour = alt.Color("control_label_lines:N", title="Controls", legend=_label_legend(300, orient="bottom", columns=2))
    bars = base.mark_rule(strokeWidth=2).encode(
        y=alt.Y("low:Q", title="Coefficient of the opinion of Russia"), y2="high:Q", color=colour
    )
    dots = base.mark_point(filled=True, size=70).encode(
        y="coef:Q",
        color=colour,
        shape=alt.Shape("waves:N", title="Waves", sort=["pooled", "first", "last"], legend=alt.Legend(orient="bottom")),
    )
    article = (
        base.transform_filter("datum.article")
        .mark_point(shape="diamond", size=180, filled=True, color="#000000")
        .encode(y="coef:Q")
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#555555", strokeDash=[3, 3]).encode(y="y:Q")
    return alt.layer(zero, bars, dots, article).properties(
        width=480,
        height=260,
        title=alt.Title("Opinion of the US on opinion of Russia, every specification", subtitle=subtitle),
        description="Specification curve: coefficients with intervals for every combination of controls and waves, "
        "ordered by size, the article's specification as a black diamond: "
        + "; ".join(f"{lab}: {c:.2f}" for lab, c in zip(curve["label"], curve["coef"]))
        + ". "
        + subtitle,
    )


# The guide that draws an encoding channel's values as labels.
GUIDES = {"x": "axis", "y": "axis", "row": "header", "column": "header", "facet": "header"} | dict.fromkeys(
    ("color", "fill", "stroke", "shape", "size", "opacity", "fillOpacity", "strokeOpacity", "strokeDash"), "legend"
)


def label_problems(spec: dict) -> list[str]:
    """What would cut or crowd a chart's category labels, read from its Vega-Lite ``spec`` (a dict).

    For every axis, legend and facet header drawing the values of a field: a label line estimated wider
    than its ``labelLimit`` (Vega would end it in "…"), and wrapped labels taller than the band of a
    y axis (they would run into the next label). Numbers and labels set by another ``labelExpr`` are not
    judged. Empty when every label is drawn whole.
    """
    values: dict[str, set[str]] = {}
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            for key, value in row.items():
                if isinstance(value, str):
                    values.setdefault(key, set()).add(value)
    config = spec.get("config", {})
    problems: list[str] = []

    def check(node: dict, kind: str, field: str, channel: str, step: float | None) -> None:
        guide = node.get(kind) or {}
        if node.get(kind, {}) is None or guide.get("labelExpr", LINES) != LINES:
            return
        limit = guide.get("labelLimit", config.get(kind, {}).get("labelLimit", DEFAULT_LIMITS[kind]))
        size = guide.get("labelFontSize", config.get(kind, {}).get("labelFontSize", LABEL_PX))
        wrapped = guide.get("labelExpr") == LINES
        for value in sorted(values.get(field, ())):
            lines = value.split("\n") if wrapped else [value]
            widest = max(lines, key=lambda line: text_width(line, size))
            if limit and text_width(widest, size) > limit:
                problems.append(
                    f"{channel} {kind} label {value!r}: its line {widest!r} is about "
                    f"{text_width(widest, size):.0f} px, over the labelLimit of {limit} px (wrap it: wrap_label)"
                )
            height = len(lines) * guide.get("labelLineHeight", size + 2)
            if channel == "y" and kind == "axis" and step and height > step:
                problems.append(
                    f"y axis label {value!r}: {len(lines)} lines ({height} px) in a band of {step} px (raise the step)"
                )

    def walk(node, step: float | None = None) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, step)
            return
        if not isinstance(node, dict):
            return
        height = node.get("height")
        if isinstance(height, dict) and "step" in height:
            step = height["step"]
        for channel, definition in (node.get("encoding") or {}).items():
            kind = GUIDES.get(channel)
            if kind and isinstance(definition, dict) and isinstance(definition.get("field"), str):
                check(definition, kind, definition["field"], channel, step)
        for channel, definition in (node.get("facet") or {}).items():
            if isinstance(definition, dict) and isinstance(definition.get("field"), str):
                check(definition, "header", definition["field"], channel, step)
        for key, child in node.items():
            if key not in ("encoding", "datasets", "data", "config"):
                walk(child, step)

    walk(spec)
    return list(dict.fromkeys(problems))
