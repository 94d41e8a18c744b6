"""Every chart the book draws, built from the repository's tables as its notebook builds it (the public edition: the
simulated stand-in where a chart needs respondents), with no notebook executed and no book built: its Vega-Lite
specification is valid against the schema Altair ships, and its encodings name fields its data holds, with the types
intended for them and titles a reader can read.

A chart a notebook adds, or a builder kzopinion.analysis.charts gains, without a case below fails the two coverage
tests at the end, so no chart escapes these checks.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import jsonschema
import pandas as pd
import pytest

from kzopinion import paths
from kzopinion.analysis import charts, designs, focus_groups, survey
from kzopinion.chapters import cultural_values, data_sources, preferences, russia_correlation
from kzopinion.chapters import foreign_policy as reasons
from kzopinion.data import microdata
from kzopinion.data.provenance import Tables
from kzopinion.paper import ledger

# The notebooks' parameters (their `parameters` cells) the charts' inputs depend on
CONFIDENCE = 0.95
SEED = 20210701
SCENARIO = "engagement"
GALLUP_N = 1000

# Channels a reader reads through an axis, a legend or a facet header: each needs a title (or none on purpose)
TITLED_CHANNELS = ("x", "y", "color", "fill", "stroke", "shape", "size", "opacity", "strokeDash", "row", "column")
# ... and the channels whose type decides how values are placed or grouped: each chart declares the type intended
TYPED_CHANNELS = (*TITLED_CHANNELS, "xOffset", "yOffset")


class PublicEdition:
    """What the notebooks of the public edition read, each read or drawn once for all the charts: the data tables and
    the simulated stand-ins (never registered respondent-level files, whatever this machine has registered)."""

    def __init__(self) -> None:
        self.tables = Tables()

    @functools.cached_property
    def cab(self) -> microdata.Respondents:
        return microdata.load("cab", scenario=SCENARIO, seed=SEED)

    @functools.cached_property
    def gallup(self) -> microdata.Respondents:
        return microdata.load("gallup", scenario=SCENARIO, seed=SEED)


Build = Callable[[PublicEdition], alt.TopLevelMixin]


@dataclass(frozen=True)
class ChartCase:
    """One chart: the notebook that draws it (None for a state of a chart no notebook draws yet), the builder it
    calls, how the notebook builds its input, and the type intended for each channel in TYPED_CHANNELS it uses."""

    name: str
    notebook: str | None
    builder: str
    build: Build
    intended: dict[str, str]


# ----------------------------------------------------------------------------- each chart, as its notebook draws it


def fieldwork_timeline(book: PublicEdition) -> alt.TopLevelMixin:
    design = book.tables["survey_designs"].set_index("source_id", drop=False)
    return charts.fieldwork_timeline(data_sources.fieldwork_periods(design))


def approval_series(book: PublicEdition) -> alt.TopLevelMixin:
    approval = book.tables["gallup_leadership_approval"]
    return charts.approval_series(approval, turning_point=2014, turning_label="2014: Ukraine crisis")


def diverging_favourability(book: PublicEdition) -> alt.TopLevelMixin:
    items = {"fav_russia": "Russia", "fav_china": "China", "fav_us": "United States"}
    distribution = russia_correlation.favourability_distribution(book.cab.frame, items)
    return charts.diverging_favourability(distribution, book.cab.description)


def appendix_c_coefficients(book: PublicEdition) -> alt.TopLevelMixin:
    pairs = russia_correlation.cab_pairs(book.cab.frame, CONFIDENCE)
    x_title = "Coefficient (answer scale points per point, or probability)"
    return charts.coefficients(pairs[pairs["ran"]], book.cab.description, x_title)


def specification_curve(book: PublicEdition) -> alt.TopLevelMixin:
    curve = russia_correlation.specification_curve(book.cab.frame, book.tables["analysis_variants"], CONFIDENCE)
    return charts.specification_curve(curve, book.cab.description)


def us_against_china(book: PublicEdition) -> alt.TopLevelMixin:
    approval = book.tables["gallup_leadership_approval"]
    return charts.connected_scatter(approval[approval["leadership"].isin(["United States", "China"])])


def focus_group_counts(*codes: str, title: str = "Share of the base") -> Build:
    """The focus-group counts of ``codes`` with their intervals, one base to a panel."""

    def build(book: PublicEdition) -> alt.TopLevelMixin:
        counts = focus_groups.counts_with_intervals(book.tables["focus_group_codes"], list(codes), CONFIDENCE)
        return charts.counts_with_intervals(counts, title)

    return build


CULTURE_THEMES = focus_group_counts(
    "culture_influence_negative",
    "culture_influence_mixed",
    "culture_influence_positive",
    "culture_itself_deviant",
    "neg_sexual_familial",
    "neg_homosexuality",
    "neg_feminism",
    "neg_globalisation",
    "neg_violence_disorder",
    "neg_individualism",
)
FREEDOM = focus_group_counts("free_political", "free_negative", "free_culture_nature", "free_less_constricting")
TIES = focus_group_counts(
    "ties_reject",
    "ties_support",
    "ties_economic_only",
    "adopt_science_technology",
    "opposition_support_suspected",
    "opposition_oppose_ties",
    "exploitative_interest",
    "russia_conflict_interest",
)


def predicted_probabilities(book: PublicEdition) -> alt.TopLevelMixin:
    frame = book.gallup.frame
    us = cultural_values.immigration_effect(frame, "approve_us", CONFIDENCE)
    russia = cultural_values.immigration_effect(frame, "approve_russia", CONFIDENCE)
    printed = book.tables["immigration_model_results"].set_index(["outcome", "quantity"])["value"]
    table = cultural_values.comparison_table(us, russia, printed, book.gallup.label)
    return charts.predicted_probabilities(table, book.gallup.description)


def reason_shares(book: PublicEdition) -> alt.TopLevelMixin:
    figure2 = book.tables["figure2_reasons"]
    classes = reasons.classification(book.tables, "article").drop(columns="class_cell")
    shown = figure2[~reasons.is_catch_all(figure2["reason"])].merge(classes, on=["opinion", "reason"])
    return charts.reason_shares(shown)


def variant_spread(book: PublicEdition) -> alt.TopLevelMixin:
    return charts.variant_spread(reasons.spread_long(reasons.variant_shares(book.tables)))


def conduct_abroad(book: PublicEdition) -> alt.TopLevelMixin:
    return charts.counts_with_intervals(reasons.conduct_counts(book.tables, CONFIDENCE), "Share of the panel's base")


def relations_choice(book: PublicEdition) -> alt.TopLevelMixin:
    tables = book.tables
    relations = tables["gallup_relations_2014"].set_index("answer")
    margins = designs.margins_table(tables["survey_designs"], confidence=CONFIDENCE).set_index("source_id")
    intervals = survey.interval_table(
        relations["percent"], GALLUP_N, CONFIDENCE, float(margins.at["gallup", "deff_high"])
    )
    year, earlier = int(relations["year"].iloc[0]), tables["gallup_relations_2008"].iloc[0]
    return charts.relations_choice(preferences.relations_table(intervals, year, earlier))


MISSING_NOTE = "Values not yet transcribed from EDB Integration Barometer 2017 (report no. 46)"


def perceptions(book: PublicEdition) -> alt.TopLevelMixin:
    return charts.perceptions(book.tables["eib_2017_perceptions"], MISSING_NOTE)


def perceptions_transcribed(book: PublicEdition) -> alt.TopLevelMixin:
    """Figure 3 once its values are transcribed (test values, as the slow test of filling the table uses)."""
    table = book.tables["eib_2017_perceptions"]
    filled = table.assign(percent=[float(10 + 7 * i) for i in range(len(table))], source_table="test table")
    return charts.perceptions(filled, MISSING_NOTE)


def status_by_section(book: PublicEdition) -> alt.TopLevelMixin:
    return charts.status_by_section(ledger.summary(ledger.table(paths.root())))


def template_sample_sizes(book: PublicEdition) -> alt.TopLevelMixin:
    """The scaffolded section's example chart (kzopinion.book.scaffold's template: respondents per survey source)."""
    designs_ = book.tables["survey_designs"]
    surveys = designs_[designs_["kind"] == "survey"]
    sizes = pd.DataFrame({"source": surveys["source"], "respondents": surveys["n_per_wave"].astype(int)})
    return charts.bars(sizes, value="respondents", label="source", title="Respondents per wave")


Q, N, ORDINAL = "quantitative", "nominal", "ordinal"
CASES = [
    ChartCase(
        "fieldwork timeline", "01-data-sources", "fieldwork_timeline", fieldwork_timeline, {"x": Q, "y": N, "color": N}
    ),
    ChartCase("approval by year", "01-data-sources", "approval_series", approval_series, {"x": Q, "y": Q, "color": N}),
    ChartCase(
        "favourability",
        "02-russia-correlation",
        "diverging_favourability",
        diverging_favourability,
        {"x": Q, "y": N, "color": N},
    ),
    ChartCase(
        "appendix C coefficients",
        "02-russia-correlation",
        "coefficients",
        appendix_c_coefficients,
        {"x": Q, "y": N, "color": N},
    ),
    ChartCase(
        "specification curve",
        "02-russia-correlation",
        "specification_curve",
        specification_curve,
        {"x": ORDINAL, "y": Q, "color": N, "shape": N},
    ),
    ChartCase("US against China", "02-russia-correlation", "connected_scatter", us_against_china, {"x": Q, "y": Q}),
    ChartCase("culture themes", "03-cultural-values", "counts_with_intervals", CULTURE_THEMES, {"x": Q, "y": N}),
    ChartCase("freedom", "03-cultural-values", "counts_with_intervals", FREEDOM, {"x": Q, "y": N, "row": N}),
    ChartCase(
        "predicted probabilities",
        "03-cultural-values",
        "predicted_probabilities",
        predicted_probabilities,
        {"x": N, "y": Q, "color": N, "xOffset": N, "column": N},
    ),
    ChartCase("reasons", "04-foreign-policy", "reason_shares", reason_shares, {"x": Q, "y": N, "color": N, "row": N}),
    ChartCase("reasons under variants", "04-foreign-policy", "variant_spread", variant_spread, {"x": Q, "y": N}),
    ChartCase(
        "conduct abroad", "04-foreign-policy", "counts_with_intervals", conduct_abroad, {"x": Q, "y": N, "row": N}
    ),
    ChartCase("ties", "05-preferences", "counts_with_intervals", TIES, {"x": Q, "y": N, "row": N}),
    ChartCase("relations", "05-preferences", "relations_choice", relations_choice, {"x": Q, "y": N, "row": N}),
    ChartCase("figure 3 awaiting values", "05-preferences", "perceptions", perceptions, {}),
    ChartCase(
        "figure 3 transcribed", None, "perceptions", perceptions_transcribed, {"x": Q, "y": N, "color": N, "row": N}
    ),
    ChartCase(
        "claims by status",
        "99-replication-report",
        "status_by_section",
        status_by_section,
        {"x": Q, "y": N, "color": N},
    ),
    ChartCase("template example", "_template", "bars", template_sample_sizes, {"x": Q, "y": N}),
]


@pytest.fixture(scope="module")
def book() -> Iterator[PublicEdition]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(microdata.EDITION_VARIABLE, "public")
        yield PublicEdition()


@pytest.fixture(scope="module")
def built() -> dict[str, dict]:
    """Each case's specification, built once for all the checks (lazily: a failing builder fails its own case)."""
    return {}


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request) -> ChartCase:
    return request.param


@pytest.fixture()
def spec(case: ChartCase, book: PublicEdition, built: dict[str, dict]) -> dict:
    """The case's chart as the dict Altair writes into the page, validated on the way by Altair against its schema."""
    if case.name not in built:
        built[case.name] = case.build(book).to_dict(validate=True)
    return built[case.name]


# ----------------------------------------------------------------------------- reading a specification


@dataclass(frozen=True)
class View:
    """One drawn layer of a chart (a unit specification), with the data it draws from and the fields its transforms
    derive; facet channels are a view of the facet's own."""

    where: str
    encoding: dict
    rows: list[dict]
    derived: frozenset[str]

    def columns(self) -> set[str]:
        return {key for row in self.rows for key in row} | self.derived


def _rows(data: dict | None, spec: dict, where: str) -> list[dict]:
    """The rows a view draws: the book embeds every chart's data (a chart fetches nothing)."""
    assert data is not None, f"{where}: the chart names no data"
    if "values" in data:
        return list(data["values"])
    assert "name" in data and data["name"] in spec.get("datasets", {}), f"{where}: data {data} is not embedded"
    return spec["datasets"][data["name"]]


def _derived(transforms: list[dict]) -> frozenset[str]:
    """The fields a view's transforms add (calculate, fold, bin, window, aggregate ...), by their `as` names."""
    names: set[str] = set()
    for transform in transforms:
        produced = transform.get("as", [])
        names |= {produced} if isinstance(produced, str) else set(produced)
        for key in ("aggregate", "window", "joinaggregate"):
            names |= {step["as"] for step in transform.get(key, []) if "as" in step}
    return frozenset(names)


def views(spec: dict) -> list[View]:
    """Every unit view of ``spec`` (layers, facets and concatenations opened), each with the data it inherits."""

    def walk(node: dict, where: str, data: dict | None, transforms: list[dict]) -> Iterator[View]:
        data = node.get("data", data)
        transforms = [*transforms, *node.get("transform", [])]
        if "facet" in node:
            facet = node["facet"] if "field" not in node["facet"] else {"facet": node["facet"]}
            yield View(f"{where}/facet", facet, _rows(data, spec, where), _derived(transforms))
        if "mark" in node:
            yield View(where or "/", node.get("encoding", {}), _rows(data, spec, where), _derived(transforms))
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for i, child in enumerate(node.get(key, [])):
                yield from walk(child, f"{where}/{key}[{i}]", data, transforms)
        if "spec" in node:
            yield from walk(node["spec"], f"{where}/spec", data, transforms)

    return list(walk(spec, "", None, []))


def field_definitions(encoding: dict) -> Iterator[tuple[str, dict]]:
    """(channel, definition) of every definition in ``encoding`` that reads a field (tooltips and conditions too)."""
    for channel, definition in encoding.items():
        for one in definition if isinstance(definition, list) else [definition]:
            if not isinstance(one, dict):
                continue
            for candidate in (one, one.get("condition")):
                if isinstance(candidate, dict) and "field" in candidate:
                    yield channel, candidate


def _field(definition: dict) -> str:
    """A definition's field as the data names it (Altair escapes dots and brackets in column names)."""
    return definition["field"].replace("\\", "")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# ----------------------------------------------------------------------------- the checks


@functools.cache
def vega_lite_schema() -> dict:
    return alt.vegalite.v6.schema.core.load_schema()


def schema_problems(spec: dict) -> list[str]:
    """Where ``spec`` breaks the Vega-Lite schema Altair ships (the version its `$schema` must name): the most
    specific error jsonschema finds (the schema's root is a choice of chart kinds, which says little itself)."""
    schema = vega_lite_schema()
    problems = (
        [] if spec.get("$schema") == alt.SCHEMA_URL else [f"$schema is {spec.get('$schema')}, not {alt.SCHEMA_URL}"]
    )
    error = jsonschema.exceptions.best_match(jsonschema.validators.validator_for(schema)(schema).iter_errors(spec))
    if error is not None:
        problems.append(f"{'/'.join(map(str, error.absolute_path)) or '/'}: {error.message[:300]}")
    return problems


def missing_fields(spec: dict) -> list[str]:
    """Every encoded field (axes, legends, facets, tooltips, text) that the data its view draws lacks."""
    return [
        f"{view.where}: {channel} reads '{_field(definition)}', not among {sorted(view.columns())}"
        for view in views(spec)
        for channel, definition in field_definitions(view.encoding)
        if _field(definition) not in view.columns()
    ]


def channel_types(spec: dict) -> dict[str, set[str]]:
    """The types each channel in TYPED_CHANNELS is given across the chart's views (one, if the chart is coherent)."""
    used: dict[str, set[str]] = {}
    for view in views(spec):
        for channel, definition in field_definitions(view.encoding):
            if channel in TYPED_CHANNELS:
                used.setdefault(channel, set()).add(definition.get("type"))
    return used


def words_as_quantities(spec: dict) -> list[str]:
    """Quantitative fields holding anything but numbers (Vega-Lite would drop those rows' marks silently)."""
    problems = []
    for view in views(spec):
        for channel, definition in field_definitions(view.encoding):
            if definition.get("type") == "quantitative" and "aggregate" not in definition:
                values = [row.get(_field(definition)) for row in view.rows]
                words = [v for v in values if v is not None and not _is_number(v)]
                if words:
                    problems.append(
                        f"{view.where}: {channel} is quantitative but '{_field(definition)}' holds {words[:3]}"
                    )
    return problems


def _titled(definition: dict) -> bool:
    """Whether a definition titles its channel on purpose: a title (or none, said explicitly), or no axis, legend or
    header at all. An untitled channel shows its field's name ("description_lines") to the reader."""
    if "title" in definition:
        return True
    guides = [definition[key] for key in ("axis", "legend", "header") if key in definition]
    return any(guide is None or "title" in guide for guide in guides)


def _readable(title: object) -> bool:
    return title is None or (isinstance(title, str | list) and bool(title) and "_" not in str(title))


def title_problems(spec: dict) -> list[str]:
    """What a reader would see untitled or titled by a column's name: an axis, legend or facet header no view titles,
    a title or a tooltip's label that is a field name; and a chart with no description for screen readers."""
    problems = [] if len(spec.get("description", "")) > 20 else ["the chart has no description for screen readers"]
    channels: dict[str, list[dict]] = {}
    for view in views(spec):
        for channel, definition in field_definitions(view.encoding):
            channels.setdefault(channel, []).append(definition)
    problems += [
        f"{channel} would show its field's name as its title: give it a title (or title=None)"
        for channel in TITLED_CHANNELS
        if channel in channels and not any(map(_titled, channels[channel]))
    ]
    shown = [d["title"] for definitions in channels.values() for d in definitions if "title" in d]
    shown += [d.get("title", _field(d)) for d in channels.get("tooltip", [])]
    return problems + [f"the title {title!r} is not for readers" for title in shown if not _readable(title)]


# ----------------------------------------------------------------------------- every chart, checked


def test_the_specification_is_valid_against_the_vega_lite_schema_altair_ships(spec):
    assert schema_problems(spec) == []


def test_every_encoded_field_is_in_the_charts_data(spec):
    assert missing_fields(spec) == []


def test_every_channel_has_the_type_intended_and_quantities_are_numbers(case, spec):
    intended = {channel: {kind} for channel, kind in case.intended.items()}
    assert channel_types(spec) == intended, "the chart's channels and types differ from its ChartCase.intended"
    assert words_as_quantities(spec) == []


def test_every_axis_legend_and_header_has_a_readable_title_and_the_chart_a_description(spec):
    assert title_problems(spec) == []


def test_the_checks_find_each_planted_fault():
    """Each check fails on a small chart with one fault, and passes its corrected twin."""
    table = pd.DataFrame({"country": ["Russia", "China"], "share_pct": [40, 30], "note": ["a", "b"]})
    good = alt.Chart(table, description="Bars of two countries' shares, planted for the checks").mark_bar()
    good = good.encode(
        x=alt.X("share_pct:Q", title="Share (%)"),
        y=alt.Y("country:N", title=None),
        tooltip=[alt.Tooltip("share_pct:Q", title="Share (%)")],
    )
    spec = good.to_dict()
    assert schema_problems(spec) == missing_fields(spec) == words_as_quantities(spec) == title_problems(spec) == []
    assert channel_types(spec) == {"x": {"quantitative"}, "y": {"nominal"}}

    assert schema_problems({**spec, "mark": "bars"}) == ["mark: 'bars' is not valid under any of the given schemas"]
    assert "reads 'shares'" in missing_fields(good.encode(x=alt.X("shares:Q", title="Share")).to_dict())[0]
    assert channel_types(good.encode(x=alt.X("share_pct:N", title="Share (%)")).to_dict())["x"] == {"nominal"}
    assert "holds ['a', 'b']" in words_as_quantities(good.encode(x=alt.X("note:Q", title="Note")).to_dict())[0]
    untitled = title_problems(good.encode(x="share_pct:Q").to_dict())
    assert (
        untitled[0].startswith("x would show its field's name") and "'share_pct' is not for readers" not in untitled[0]
    )
    assert title_problems(good.encode(tooltip=["share_pct:Q"]).to_dict()) == [
        "the title 'share_pct' is not for readers"
    ]
    assert title_problems(good.properties(description="").to_dict()) == [
        "the chart has no description for screen readers"
    ]


# ----------------------------------------------------------------------------- every chart has a case


BUILDERS = sorted(
    name
    for name, function in inspect.getmembers(charts, inspect.isfunction)
    if function.__module__ == charts.__name__
    and not name.startswith("_")
    and "Chart" in str(inspect.signature(function).return_annotation)
)


def chart_calls(source: Path) -> list[tuple[str, str]]:
    """(builder, the line that calls it) for every chart the code cells of a notebook source draw."""
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", source.read_text(encoding="utf-8"), re.S)
    calls = [re.search(r"\bcharts\.(\w+)\(.*", line) for cell in cells for line in cell.splitlines()]
    return [(call[1], call[0]) for call in calls if call and call[1] in BUILDERS]


def charts_drawn(root: Path) -> Counter:
    """(notebook, builder) for every chart the notebooks draw. A section scaffolded from the template that still
    draws the template's example draws the template's chart (its case is the template's), as a contributor following
    CONTRIBUTING.md has it until the section's own figure replaces it."""
    template = chart_calls(root / "notebooks" / "_template.md")
    drawn = Counter(("_template", builder) for builder, _ in template)
    for source in sorted((root / "notebooks").glob("[0-9]*.md")):
        drawn.update((source.stem, builder) for builder, line in chart_calls(source) if (builder, line) not in template)
    return drawn


def test_every_chart_a_notebook_draws_has_a_case(root):
    cases = Counter((case.notebook, case.builder) for case in CASES if case.notebook is not None)
    assert charts_drawn(root) == cases, "add a ChartCase for each chart a notebook draws (and remove a stale one)"


def test_every_chart_builder_has_a_case():
    assert len(BUILDERS) > 10
    assert sorted({case.builder for case in CASES}) == BUILDERS
