"""The replication report's tables, as escaped HTML (text from data files is untrusted)."""

from __future__ import annotations

import html

import pandas as pd

STATUS_LABELS = {
    "recomputed": "recomputed",
    "confirmed": "confirmed",
    "transcribed": "transcribed",
    "differs": "differs",
    "reported-only": "reported only",
    "not-yet": "not yet",
}
STATUS_MEANINGS = {
    "recomputed": "derived by this book from other numbers of the article, so an error in the statement would show",
    "confirmed": "agrees with an independent source: an external aggregate or respondent-level data",
    "transcribed": "read from this book's own copy of the same statement: confirms the copy, not the article",
    "differs": "this book's value does not satisfy the printed one: it lies further from it than the printed "
    "rounding (half a unit of its last digit) plus how far the rounding of the book's own inputs could move the "
    "book's value, with words such as 'more than' or 'about' honoured; the note says why",
    "reported-only": "needs respondent-level data that is not registered, or whose registered waves lack its items "
    "(the words beside the status say which); a simulated value never counts",
    "not-yet": "nothing in this book computes it yet",
}
COVERAGE_MEANINGS = {
    "wave 1 of 1-6": "beside a status: the respondent-level data behind the value covers only these waves (or years) "
    "of those the article's wording spans, so the status holds for them alone",
    "remainder": "a sum whose part the article defines as what is left of the whole ('the other four'): it can "
    "fail only on a subtraction slip",
    "not registered": "beside 'reported only': the respondent-level file is not registered on this machine",
    "not computed from the registered data": "beside 'reported only': a file is registered, but nothing is computed "
    "from its waves (named) for this statement: the chapter lists the models whose items those waves lack",
}


def status_text(status: str, coverage: str = "") -> str:
    """The status as the report shows it, with what it rests on (the ledger's ``coverage``): 'confirmed, wave 1 of 1-6'.

    (Not the article's own word before its value, ``qualifier``: that one is part of the printed value.)
    """
    label = STATUS_LABELS[status]
    return f"{label}, {coverage}" if isinstance(coverage, str) and coverage else label


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def claims_html(ledger: pd.DataFrame) -> str:
    """One row per claim: section, statement, article's and book's values, simulated value, inputs, tier, status, note.

    Each book value links to the notebook page that computed it. A value computed from the
    simulated stand-in never sits in the book's column: it has a column of its own.
    """
    head = [
        "Claim",
        "Section",
        "Statement",
        "Article",
        "This book",
        "Simulated stand-in (not evidence)",
        "Inputs",
        "Tier",
        "Status",
        "Note",
    ]
    rows = []
    for row in ledger.itertuples(index=False):
        book, simulated = _cell(row.book_text), _cell(row.simulated_text)
        if row.notebook:
            link = f'<a href="{html.escape(row.notebook)}.html">' + "{}</a>"
            book, simulated = (link.format(v) if v else v for v in (book, simulated))
        files = [
            f"{name} ({digest[:19]}...)"
            for name, digest in sorted((getattr(row, "inputs", None) or {}).items())
            if name.startswith("microdata:")
        ]  # each registered file, by name and sha256
        shown = [c for c in row.cells if not (files and c.startswith("microdata:"))] + files
        inputs = _collapsed(shown)
        status, coverage = row.status, getattr(row, "coverage", "")
        rows.append(
            f'<tr id="claim-{_cell(row.id)}" class="claim-{status}"><td><code>{_cell(row.id)}</code></td>'
            f"<td>{_cell(row.section)}</td><td>{_cell(row.statement)}</td><td>{_cell(row.printed)}</td><td>{book}</td>"
            f"<td>{simulated}</td><td>{inputs}</td><td>{_cell(row.tier)}</td>"
            f'<td title="{html.escape(STATUS_MEANINGS[status])}">{_cell(status_text(status, coverage))}</td>'
            f"<td>{_note(row)}</td></tr>"
        )
    header = "".join(f"<th>{h}</th>" for h in head)
    return (
        f'<table class="table replication-report"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _collapsed(cells: list[str]) -> str:
    """A claim's input cells folded under a one-line summary (a native disclosure, reachable by keyboard): the
    table stays a screen per few claims, and every cell is one click away."""
    if not cells:
        return ""
    tables = sorted({c.split("[", 1)[0].split(":", 1)[0] for c in cells})
    listed = "<br>".join(f"<code>{_cell(c)}</code>" for c in cells)
    noun = "cell" if len(cells) == 1 else "cells"
    return (
        f'<details class="kz-inputs"><summary>{len(cells)} {noun} of {_cell(", ".join(tables))}</summary>'
        f"{listed}</details>"
    )


def _note(row) -> str:
    """The claim's note, and its robustness under the chapter's alternative choices when there is one."""
    robustness = getattr(row, "robustness", "")
    parts = [_cell(row.note)] + ([f"<em>Robustness:</em> {_cell(robustness)}."] if robustness else [])
    return " ".join(p for p in parts if p)


def by_section_html(summary: pd.DataFrame) -> str:
    """The article's claims by section (rows, in article order) and status (columns, in the ledger's order), with
    totals: the report's one-screen overview (:func:`kzopinion.paper.ledger.summary` gives the counts)."""
    statuses = [s for s in STATUS_MEANINGS if s in set(summary["status"])]
    table = summary.pivot_table(index="section", columns="status", values="claims", aggfunc="sum", fill_value=0)
    sections = list(dict.fromkeys(summary.sort_values("section_order")["section"]))
    head = "".join(f"<th>{h}</th>" for h in ["Section of the article", *(STATUS_LABELS[s] for s in statuses), "All"])
    rows = "".join(
        f"<tr><td>{_cell(section)}</td>"
        + "".join(f"<td>{int(table.at[section, s]) if s in table.columns else 0}</td>" for s in statuses)
        + f"<td>{int(table.loc[section].sum())}</td></tr>"
        for section in sections
    )
    totals = "".join(f"<td>{int(table[s].sum())}</td>" for s in statuses)
    foot = f"<tr><th>All sections</th>{totals}<td>{int(table.to_numpy().sum())}</td></tr>"
    return (
        f'<table class="table kz-by-section"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
        f"<tfoot>{foot}</tfoot></table>"
    )


def status_legend_html() -> str:
    """The status vocabulary as a definition list, folded under a one-line summary."""
    items = "".join(f"<dt>{STATUS_LABELS[s]}</dt><dd>{html.escape(m)}</dd>" for s, m in STATUS_MEANINGS.items())
    return (
        '<details class="kz-legend"><summary>What each status means</summary>'
        f'<dl class="kz-status-legend">{items}</dl></details>'
    )


def coverage_legend_html() -> str:
    """What the words beside a status mean (coverage of waves or years, remainders, why reported only)."""
    items = "".join(
        f"<dt><em>{html.escape(q)}</em></dt><dd>{html.escape(m)}</dd>" for q, m in COVERAGE_MEANINGS.items()
    )
    return (
        '<details class="kz-legend"><summary>What the words beside a status mean</summary>'
        f'<dl class="kz-status-legend kz-coverage-legend">{items}</dl></details>'
    )


def checks_html(checks: pd.DataFrame) -> str:
    """The internal-consistency checks as a table."""
    head = "".join(f"<th>{h}</th>" for h in ["Check", "Article states", "Its other numbers imply", "Result"])
    body = "".join(
        f"<tr><td>{_cell(r.check)}</td><td>{_cell(r.stated)}</td><td>{_cell(r.implied)}</td>"
        f"<td>{_cell(r.result)}</td></tr>"
        for r in checks.itertuples(index=False)
    )
    return f'<table class="table consistency-checks"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def data_banner(*sources) -> str:
    """One box for the respondent-level sources of a page: a warning naming every simulated stand-in, a note naming
    every registered file (one box for all, so the page says its caveat once)."""
    simulated = [s.description for s in sources if s.simulated]
    registered = [s.description for s in sources if not s.simulated]
    return (simulated_banner(simulated) if simulated else "") + (microdata_note(registered) if registered else "")


def _listed(descriptions: list[str]) -> str:
    escaped = [f"a <strong>{html.escape(d)}</strong>" for d in descriptions]
    return escaped[0] if len(escaped) == 1 else ", ".join(escaped[:-1]) + " and " + escaped[-1]


def simulated_banner(descriptions: list[str]) -> str:
    """A warning box for pages whose models run on the simulated stand-in."""
    return (
        '<div class="admonition warning kz-simulated"><p class="admonition-title">Simulated data</p>'
        f"<p>The respondent-level figures and models below run on {_listed(descriptions)}. "
        "They show what the article's designs can detect; they are not evidence about Kazakhstan. "
        "Register the real files with <code>make data</code> (see the data appendix) to replace them.</p></div>"
    )


def microdata_note(descriptions: list[str]) -> str:
    """An information box for pages whose models run on registered respondent-level data."""
    uses = ", ".join(html.escape(d) for d in descriptions[:-1])
    uses = f"{uses} and {html.escape(descriptions[-1])}" if uses else html.escape(descriptions[-1])
    return (
        '<div class="admonition note"><p class="admonition-title">Respondent-level data</p>'
        f"<p>The figures and models below use {uses}.</p></div>"
    )


def estimates_table(estimates: dict, term_label: str) -> pd.DataFrame:
    """Regression estimates side by side: coefficient, robust SE, p-value, 95% interval, n."""
    return pd.DataFrame(
        {
            name: {
                "Coefficient": f"{e.coef:.3f}",
                "Robust SE": f"{e.se:.3f}",
                "p-value": f"{e.p:.3f}",
                "95% interval": f"{e.low:.3f} to {e.high:.3f}",
                "Respondents": f"{e.n:,}",
            }
            for name, e in estimates.items()
        }
    ).rename_axis(term_label)


def words_html(words: pd.DataFrame) -> str:
    """The article's verbal summaries against their numbers: the article's section, words, numbers (under each reading
    of the base), threshold, units, result, note."""
    columns = [
        "In the article's section",
        "The article's words",
        "Its numbers",
        "Other readings",
        "Threshold",
        "Units",
        "Result",
        "Note",
    ]
    head = "".join(f"<th>{h}</th>" for h in columns)
    body = "".join(
        f'<tr id="words-{_cell(r.id)}" class="words-{_cell(r.result.replace(" ", "-"))}">'
        + "".join(  # each cell names its column, so print can set a row as one block (book/_static/kzopinion.css)
            f'<td data-label="{html.escape(label)}">{_cell(value)}</td>'
            for label, value in zip(
                columns,
                (r.section, r.words, r.numbers, r.readings, r.threshold, r.units, r.verdict, r.note),
                strict=True,
            )
        )
        + "</tr>"
        for r in words.itertuples(index=False)
    )
    return f'<table class="table words-against-numbers"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
