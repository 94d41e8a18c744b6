"""The replication report's tables, as escaped HTML (text from data files is untrusted)."""

from __future__ import annotations

import html

import pandas as pd

STATUS_LABELS = {"reproduced": "reproduced", "differs": "differs", "reported-only": "reported only",
                 "not-yet": "not yet"}


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def claims_html(ledger: pd.DataFrame) -> str:
    """One row per claim: section, statement, article's value, book's value, tier, status, note.

    Each book value links to the notebook page that computed it.
    """
    head = ["Claim", "Section", "Statement", "Article", "This book", "Tier", "Status", "Note"]
    rows = []
    for row in ledger.itertuples(index=False):
        book = _cell(row.book_text)
        if row.notebook:
            book = f'<a href="{html.escape(row.notebook)}.html">{book}</a>'
        status = row.computed_status
        rows.append(
            f'<tr class="claim-{status}"><td><code>{_cell(row.id)}</code></td><td>{_cell(row.section)}</td>'
            f"<td>{_cell(row.statement)}</td><td>{_cell(row.printed)}</td><td>{book}</td><td>{_cell(row.tier)}</td>"
            f"<td>{STATUS_LABELS[status]}</td><td>{_cell(row.note)}</td></tr>")
    header = "".join(f"<th>{h}</th>" for h in head)
    return (f'<table class="table replication-report"><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def checks_html(checks: pd.DataFrame) -> str:
    """The internal-consistency checks as a table."""
    head = "".join(f"<th>{h}</th>" for h in ["Check", "Article states", "Its other numbers imply", "Result"])
    body = "".join(f"<tr><td>{_cell(r.check)}</td><td>{_cell(r.stated)}</td><td>{_cell(r.implied)}</td>"
                   f"<td>{_cell(r.result)}</td></tr>" for r in checks.itertuples(index=False))
    return f'<table class="table consistency-checks"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def data_banner(respondents) -> str:
    """The warning box for simulated respondents, the note box for registered microdata."""
    if respondents.simulated:
        return simulated_banner(respondents.description)
    return microdata_note(respondents.description)


def simulated_banner(description: str) -> str:
    """A warning box for pages whose models run on the simulated stand-in."""
    return ('<div class="admonition warning kz-simulated"><p class="admonition-title">Simulated data</p>'
            f"<p>The respondent-level figures and models below run on a <strong>{html.escape(description)}</strong>. "
            "They show what the article's designs can detect; they are not evidence about Kazakhstan. "
            "Register the real files with <code>make data</code> (see the data appendix) to replace them.</p></div>")


def microdata_note(description: str) -> str:
    """An information box for pages whose models run on registered respondent-level data."""
    return ('<div class="admonition note"><p class="admonition-title">Respondent-level data</p>'
            f"<p>The figures and models below use {html.escape(description)}.</p></div>")


def estimates_table(estimates: dict, term_label: str) -> pd.DataFrame:
    """Regression estimates side by side: coefficient, robust SE, p-value, 95% interval, n."""
    return pd.DataFrame({name: {"Coefficient": f"{e.coef:.3f}", "Robust SE": f"{e.se:.3f}", "p-value": f"{e.p:.3f}",
                                "95% interval": f"{e.low:.3f} to {e.high:.3f}", "Respondents": f"{e.n:,}"}
                         for name, e in estimates.items()}).rename_axis(term_label)
