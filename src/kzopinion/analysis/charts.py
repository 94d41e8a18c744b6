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
    return (
        alt.Chart(summary)
        .mark_bar()
        .encode(
            y=alt.Y("section:N", title=None, sort=list(dict.fromkeys(summary["section"]))),
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
            height=alt.Step(24),
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
    order = table["description"].tolist()
    base = alt.Chart().encode(y=alt.Y("description:N", title=None, sort=order, axis=alt.Axis(labelLimit=290)))
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
    layered = alt.layer(bars, dots, text, data=table).properties(width=260, height=alt.Step(26))
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
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("reason:N", title=None, sort=None, axis=alt.Axis(labelLimit=270)),
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
            height=alt.Step(18),
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
    base = alt.Chart(table).encode(y=alt.Y("answer:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)))
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
        .properties(width=300, height=alt.Step(24))
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
    base = alt.Chart(table).encode(y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=330)))
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
        height=alt.Step(22),
        title=alt.Title("Each opinion on its counterpart", subtitle=subtitle),
        description="Coefficient plot with 95% intervals: "
        + "; ".join(f"{lab}: {c:.3f}" for lab, c in zip(table["label"], table["coef"]))
        + ". "
        + subtitle,
    )


def connected_scatter(approval: pd.DataFrame) -> alt.LayerChart:
    """Approval of US leadership against approval of China's, one point per year, joined in time order."""
    enable_theme()
    wide = approval.pivot(index="year", columns="leadership", values="approve").dropna().reset_index()
    base = alt.Chart(wide).encode(
        x=alt.X("United States:Q", title="Approve of US leadership (%)", scale=alt.Scale(zero=False)),
        y=alt.Y("China:Q", title="Approve of China's leadership (%)", scale=alt.Scale(zero=False)),
        order="year:O",
    )
    path = base.mark_line(color="#999999", point=alt.OverlayMarkDef(color="#0072B2", size=60)).encode(
        tooltip=[
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("United States:Q", title="US (%)"),
            alt.Tooltip("China:Q", title="China (%)"),
        ]
    )
    labels = base.mark_text(dx=8, dy=-8, color="#333333").encode(text="year:O")
    return alt.layer(path, labels).properties(
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
    base = alt.Chart(table).encode(
        x=alt.X(
            "preference:N",
            title="Favours immigration being",
            sort=["increased", "decreased"],
            axis=alt.Axis(labelAngle=0),
        ),
        xOffset=alt.XOffset("estimate:N"),
        color=alt.Color("estimate:N", title=None, scale=alt.Scale(range=["#0072B2", "#E69F00"])),
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
    order = list(dict.fromkeys(table["share"]))
    base = alt.Chart(table).encode(
        y=alt.Y("share:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
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
        height=alt.Step(30),
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
    base = alt.Chart(curve).encode(
        x=alt.X("rank:O", title="Specifications, ordered by coefficient", axis=alt.Axis(labelAngle=0)),
        tooltip=[
            alt.Tooltip("label:N", title="Specification"),
            alt.Tooltip("coef:Q", title="Coefficient", format=".3f"),
            alt.Tooltip("low:Q", title="Low", format=".3f"),
            alt.Tooltip("high:Q", title="High", format=".3f"),
            alt.Tooltip("p:Q", title="p-value", format=".3f"),
            alt.Tooltip("n:Q", title="Respondents"),
        ],
    )
    colour = alt.Color(
        "control_label:N", title="Controls", legend=alt.Legend(orient="bottom", columns=2, labelLimit=320)
    )
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
