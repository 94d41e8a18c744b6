"""The reader's rules (kzopinion.book.page_reading): each fails on a planted page and passes its corrected twin;
the built book, in whichever edition this checkout builds, breaks none of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kzopinion.book import page_reading

SIMULATED_TIP = "Not a claim of the article: Computed in the section “Russia”. Data: simulation_parameters."
REGISTERED_TIP = "Not a claim of the article: Computed in the section “Russia”. Data: microdata:cab (sha256:ab...)."


def paste(key: str, text: str, tip: str = "Not a claim of the article: Inputs: focus_group_codes.") -> str:
    """A pasted value as the build writes it (kzopinion.book.number_doorways)."""
    return (
        f'<span class="kz-prov"><span class="kz-num" id="kz-use-{key}" data-tip="{tip}" tabindex="0">'
        f'<span class="pasted-text">{text}</span></span></span>'
    )


def chart(rows: list[dict], facet: bool = True) -> str:
    """A chart as kzopinion.paper.figures embeds it."""
    spec = {"description": "Dot plot", "datasets": {"data-1": rows}, "spec": {}}
    if facet:
        spec["facet"] = {"row": {"field": "group"}}
    options = {"actions": {"export": True}}
    return f'<div class="kz-chart"><script>vegaEmbed(el,{json.dumps(spec)},{json.dumps(options)})</script></div>'


def page(*paragraphs: str, extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><body><main><article>{body}{extra}</article></main></body></html>"


def problems(html: str, tmp_path: Path) -> list[str]:
    return page_reading.page_problems("notebooks/09-planted.html", html, tmp_path)


ROWS = [
    {"count": 38, "base": 49, "share": 38 / 49, "low": 0.64, "high": 0.87, "group": "Of the 49"},
    {"count": 33, "base": 93, "share": 33 / 93, "low": 0.26, "high": 0.46, "group": "Of all 93"},
]

# (planted page, its corrected twin, what the problem must say)
CASES = {
    "went from equal values": (
        page(f"Approval went from {paste('a', '39%')} in 2013 to {paste('b', '39%')} in 2014."),
        page(f"Approval stayed at {paste('a', '39%')} from 2013 to 2014."),
        "say 'stayed at'",
    ),
    "rose to a lower value": (
        page(f"It stood at {paste('a', '52%')}, then rose to {paste('b', '41%')}."),
        page(f"It stood at {paste('a', '52%')}, then fell to {paste('b', '41%')}."),
        "is no rise",
    ),
    "fell from a lower value": (
        page(f"It fell from {paste('a', '12%')} to {paste('b', '30%')}."),
        page(f"It rose from {paste('a', '12%')} to {paste('b', '30%')}."),
        "is no fall",
    ),
    "between A to B": (
        page(f"The share lies between {paste('a', '72%')} to {paste('b', '92%')}."),
        page(f"The share lies between {paste('a', '72%')} and {paste('b', '92%')}."),
        "say 'between 72% and 92%'",
    ),
    "between a pasted range": (
        page(f"The share lies between {paste('a', '72% to 92%')}."),
        page(f"The share lies in {paste('a', '72% to 92%')}."),
        "say 'between A and B'",
    ),
    "most of too few": (
        page(f"Most participants ({paste('a', '38 of 93')}) condemned it."),
        page(f"Most participants ({paste('a', '38 of 49')}) condemned it."),
        "'most' describes 38 of 93, which is not more than half",
    ),
    "a minority of too many": (
        page(f"A minority ({paste('a', '60%')}) agreed."),
        page(f"A minority ({paste('a', '40%')}) agreed."),
        "'a minority' describes 60%, which is not less than half",
    ),
    "halves far from half": (
        page(f"Less immigration halves the probability, from {paste('a', '.17')} to {paste('b', '.15')}."),
        page(f"Less immigration halves the probability, from {paste('a', '.17')} to {paste('b', '.09')}."),
        "ratio is not near one half",
    ),
    "a comparison with nothing pasted": (
        page("They spoke far more often harshly than kindly."),
        page(
            f"They spoke harshly {paste('a', '32')} times and kindly {paste('b', '3')} times, far more often harshly."
        ),
        "compares with no pasted values behind it",
    ),
    "a stand-in speaking as evidence": (
        page(f"Every model is positive ({paste('a', '12', SIMULATED_TIP)}), as the article reports."),
        page(f"Every model is positive ({paste('a', '12', SIMULATED_TIP)}) on the stand-in, which shows the design."),
        "cannot confirm or refute the article",
    ),
    "a chart drawing another base": (
        page(f"{paste('a', '38 of 49')} condemned it.", extra=chart([{**ROWS[0], "base": 93}, ROWS[1]])),
        page(f"{paste('a', '38 of 49')} condemned it.", extra=chart(ROWS)),
        "the chart draws 38 of 93",
    ),
    "a chart drawing another interval": (
        page(f"{paste('a', '38 of 49')}, pinned down to {paste('b', '50% to 70%')}.", extra=chart(ROWS)),
        page(f"{paste('a', '38 of 49')}, pinned down to {paste('b', '64% to 87%')}.", extra=chart(ROWS)),
        "an interval of 50% to 70%",
    ),
    "a chart drawing another share": (
        page(f"{paste('a', '38 of 49')}, or {paste('b', '41%')}.", extra=chart(ROWS)),
        page(f"{paste('a', '38 of 49')}, or {paste('b', '78%')}.", extra=chart(ROWS)),
        "as 41%; the chart draws 78%",
    ),
    "a yearly share drawn otherwise": (
        page(
            f"It stood at {paste('a', '37%')} in {paste('y', '2013')}.",
            extra=chart([{"year": 2013, "approve": 30}, {"year": 2014, "approve": 9}], facet=False),
        ),
        page(
            f"It stood at {paste('a', '37%')} in {paste('y', '2013')}.",
            extra=chart([{"year": 2013, "approve": 37}, {"year": 2014, "approve": 9}], facet=False),
        ),
        "the prose gives 37% for 2013; no chart of the page draws it",
    ),
    "bases mixed on one axis": (
        page("The chart.", extra=chart(ROWS, facet=False)),
        page("The chart.", extra=chart(ROWS, facet=True)),
        "give each base its own panel",
    ),
    "a run of fourteen words said twice": (
        page(
            "The stand-in shows what the designs can detect and is no evidence about opinion in Kazakhstan today.",
            "Again: the stand-in shows what the designs can detect and is no evidence about opinion in Kazakhstan.",
        ),
        page(
            "The stand-in shows what the designs can detect and is no evidence about opinion in Kazakhstan today.",
            "Again: the stand-in shows the designs at work, nothing about opinion in Kazakhstan.",
        ),
        "twice: say it once",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_rule_fails_on_its_planted_case_and_passes_the_corrected_one(case, tmp_path):
    planted, corrected, says = CASES[case]
    found = problems(planted, tmp_path)
    assert any(says in problem for problem in found), found
    assert problems(corrected, tmp_path) == []


def test_quoted_words_are_the_reports_to_judge(tmp_path):
    html = page(f"The article calls {paste('a', '38 of 93')} “the majority”, and “far more often” harshly.")
    assert problems(html, tmp_path) == []


def test_the_articles_claims_introduced_as_such_are_the_reports_to_judge(tmp_path):
    claims = "<ol><li><p>Kazakhstanis think less well of the US than of China.</p></li></ol>"
    attributed = f"<html><body><article><p>The authors make these claims:</p>{claims}</article></body></html>"
    unattributed = f"<html><body><article><p>This edition finds:</p>{claims}</article></body></html>"
    assert problems(attributed, tmp_path) == []
    assert "compares with no pasted values" in problems(unattributed, tmp_path)[0]


def test_a_registered_files_sentence_may_speak_as_evidence(tmp_path):
    html = page(f"Every model is positive ({paste('a', '12', REGISTERED_TIP)}), as the article reports.")
    assert problems(html, tmp_path) == []


def test_a_problem_names_the_source_file_and_line(tmp_path):
    source = tmp_path / "notebooks" / "09-planted.md"
    source.parent.mkdir()
    source.write_text("# Planted\n\nApproval went from {glue:text}`a` to {glue:text}`b`.\n", encoding="utf-8")
    html = page(f"Approval went from {paste('a', '39%')} to {paste('b', '39%')}.")
    (found,) = problems(html, tmp_path)
    assert found.startswith("notebooks/09-planted.md, line 3: 'went from 39% to 39%'")


def test_an_unchanged_page_of_the_published_book_is_not_read_again(tmp_path):
    site, published = tmp_path / "candidate", tmp_path / "published"
    for folder in (site, published):
        (folder / "notebooks").mkdir(parents=True)
    broken = page("They spoke far more often harshly than kindly.")
    (published / "notebooks/09-planted.html").write_text(broken, encoding="utf-8")
    (site / "notebooks/09-planted.html").hardlink_to(published / "notebooks/09-planted.html")
    assert page_reading.problems(site, tmp_path, published) == []
    (site / "notebooks/09-planted.html").unlink()
    (site / "notebooks/09-planted.html").write_text(broken, encoding="utf-8")  # rewritten: read again
    assert len(page_reading.problems(site, tmp_path, published)) == 1
