"""The article's words against its numbers: every quantifier word of the article is coded, every summary evaluated."""

from __future__ import annotations

import re

import pytest

from kzopinion import data
from kzopinion.chapters import replication_report
from kzopinion.data.provenance import Tables


@pytest.fixture(scope="module")
def article(article_text):
    """The article's lines up to its closing declarations (its body and notes)."""
    lines = article_text.split("\n")
    end = next(i for i, line in enumerate(lines) if line.strip() == "Declaration of conflicting interests")
    return lines[:end]


def test_every_claim_quotes_the_article_word_for_word(root, article_text):
    """Each claims row's location: its quote stands in the article as written (whitespace aside)."""
    text = " ".join(article_text.split())
    claims = data.load("claims", root)
    missing = [f"{r.id}: '{r.quote}'" for r in claims.itertuples() if " ".join(str(r.quote).split()) not in text]
    assert not missing, f"data/published/claims.csv, column 'quote': not in the article's text: {missing}"


@pytest.fixture(scope="module")
def words(root):
    return replication_report.word_checks(Tables(root))


def _spans(rows, article):
    spans = {}
    for row in rows.itertuples():
        line = article[row.line - 1]
        start = line.find(row.words)
        assert start >= 0, f"verbal_summaries.csv, row {row.id}: '{row.words}' is not on line {row.line}"
        spans.setdefault(row.line, []).append((start, start + len(row.words)))
    return spans


def test_every_quantifier_word_of_the_article_is_coded(root, article):
    """Each hit of the declared vocabulary is inside the quoted words of a row: a summary, or not one with a reason."""
    coded = data.load("verbal_summaries", root)
    assert coded.loc[~coded["summary"], "note"].notna().all(), "a row that is not a summary says why"
    spans = _spans(coded, article)
    missing = [
        f"line {number}: '{hit.group(0)}'"
        for number, line in enumerate(article, start=1)
        for hit in replication_report.VOCABULARY.finditer(line)
        if not any(a <= hit.start() and hit.end() <= b for a, b in spans.get(number, []))
    ]
    assert not missing, f"code these in data/coding/verbal_summaries.csv: {missing}"


def test_quotes_stay_short(root):
    coded = data.load("verbal_summaries", root)
    assert (coded["words"].str.split().str.len() <= 7).all()


def test_every_reference_back_is_coded(root, article):
    coded = data.load("cross_references", root)
    spans = _spans(coded.assign(id=coded["line"]), article)
    missing = [
        f"line {number}: '{hit.group(0)}'"
        for number, line in enumerate(article, start=1)
        for hit in replication_report.CROSS_REFERENCE.finditer(line)
        if not any(a <= hit.start() and hit.end() <= b for a, b in spans.get(number, []))
    ]
    assert not missing, missing


def test_every_summary_is_evaluated(root, words):
    coded = data.load("verbal_summaries", root)
    assert set(words["id"]) == set(coded.loc[coded["summary"], "id"])
    assert set(words["result"]) <= set(replication_report.RESULTS)
    assert {"consistent", "questionable", "inconsistent"} <= set(words["result"])


def test_a_summary_whose_verdict_changes_within_the_rounding_is_borderline(root):
    """'virtually halves' (within a tenth of one half): the printed .09 against .17 holds across their rounding
    (0.486 to 0.576); with .10 against .17 the ratio, 0.59, holds as printed but not at the top of its range."""
    from kzopinion.data.provenance import Cell

    tables = Tables(root)
    by_id = replication_report.word_checks(tables).set_index("id")
    assert by_id.at["ws_virtually_halves", "result"] == "consistent"
    assert "(0.486 to 0.576 within their rounding)" in by_id.at["ws_virtually_halves", "numbers"]
    key = "approve_us_leadership|predicted_probability_favour_decrease"
    nearer = tables.replaced(Cell("immigration_model_results", key, "value"), 0.10)
    assert replication_report.word_checks(nearer).set_index("id").at["ws_virtually_halves", "result"] == "borderline"


def test_the_three_named_examples(words):
    by_id = words.set_index("id")
    assert by_id.loc["ws_widely_admired", "result"] == "inconsistent"
    assert by_id.loc["ws_widely_admired", "numbers"].startswith("28 of 93")
    domestic = by_id.loc["ws_overwhelming_domestic"]
    assert domestic["result"] == "questionable" and "reasons" in domestic["units"] and "people" in domestic["units"]
    assert domestic["numbers"] == "83%"  # as the article prints it
    assert by_id.loc["ws_handful_democracy", "result"] == "consistent"
    assert by_id.loc["ws_forced_choice", "result"] == "inconsistent"


def test_a_failed_threshold_with_an_uncounted_category_is_questionable(words):
    assert words.set_index("id").loc["ws_overwhelming_resources", "result"] == "questionable"


def test_the_verdicts_reach_the_landing_page_and_the_conclusion_once(root):
    """The words' verdicts have a sentence of their own, pasted on the landing page and in the conclusion beside
    the numbers' headline, which no longer repeats them (a page says each thing once)."""
    for page in ("book/intro.md", "book/conclusion.md"):
        text = (root / page).read_text(encoding="utf-8")
        assert text.count("report_words_headline") == 1 and text.count("report_headline") == 1, page
    from kzopinion.paper import records

    glued = records.glued_values(root / "notebooks" / "99-replication-report.ipynb")
    assert "verbal summaries" not in glued["report_headline"]
    assert "verbal summaries" in glued["report_words_headline"] and "inconsistent" in glued["report_words_headline"]


def test_no_summary_shows_a_share_over_a_hundred_percent(words):
    import re

    shares = [(row.id, float(p)) for row in words.itertuples() for p in re.findall(r"= (\d+(?:\.\d+)?)%", row.numbers)]
    assert shares and [s for s in shares if s[1] > 100] == []
    by_id = words.set_index("id")
    assert "a ratio of" in by_id.loc["ws_most_frequent_hollow", "numbers"]  # two counts compared, not a share


def test_every_threshold_shows_its_rule_in_words(words):
    """What the reader sees in the Threshold column: the rationale and, where numbers are given, the rule
    ("(<= 0.05)"), never an object's repr."""
    for row in words.itertuples():
        assert "<function" not in row.threshold and " at 0x" not in row.threshold, row.id
        if row.numbers != "none given":
            assert re.search(r"\((?:<=|>=|<|>|~) [\d.]+\)$", row.threshold), (row.id, row.threshold)
