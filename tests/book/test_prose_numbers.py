"""The typed-number lint: it finds the numbers that were typed into today's prose, and passes on the fixed one."""

from __future__ import annotations

from kzopinion.book.page_rules import prose_files, prose_lines, typed_numbers


def test_the_lint_finds_the_typed_numbers_of_yesterday(tmp_path):
    """Sentences as they stood before the fix, on a copy: each listed number is found."""
    old = {
        "01-data-sources.md": "The focus groups brought together {glue:text}`ds_fg_participants` participants, "
        "eight to ten at a time.\nGallup interviews about {glue:text}`ds_gallup_n`, and the 2017 EIB "
        "{glue:text}`ds_eib_n`.\nIt follows the series through the turning point of 2014.\n",
        "03-cultural-values.md": "Gallup asked Kazakhstanis in 2015 and 2016 whether immigration should change.\n"
        "The article points to the sixth wave of the World Values Survey.\n"
        "{glue:text}`cu_feminism` about feminism and one each about {glue:text}`cu_single_themes` other matters.\n",
    }
    found = []
    for name, text in old.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        found += [hit.split(": ", 1)[1] for hit in typed_numbers(tmp_path / name)]
    for token in ["eight", "ten", "2017", "2014", "2015", "2016", "sixth", "one"]:
        assert token in found, token


def test_references_citations_headings_and_labels_are_exempt_by_rule():
    text = (
        "(sec-x)=\n# The 2014 turning point\n\nSee Figure 2, Appendix C, Appendices A and B, waves 1-6 and "
        "wave 1 {cite:p}`laruelle2021`; {glue:text}`ds_n` people.\n"
    )
    assert [hit for _, line, _ in prose_lines(text) for hit in line.split() if any(c.isdigit() for c in hit)] == []


def test_a_marked_token_is_exempt_and_only_on_the_next_line():
    text = "% not-a-result: 2000s (a span of time)\nIn the early 2000s it peaked.\nIn the 2000s again.\n"
    lines = prose_lines(text)
    assert lines[0][2] == {"2000s"} and lines[1][2] == set()


def test_glued_numbers_in_the_old_places_are_now_glued(root):
    for name, gone in {
        "01-data-sources.md": ["eight to ten", "the 2017 EIB", "turning point of 2014,"],
        "03-cultural-values.md": ["in 2015 and 2016", "the sixth wave", "one each"],
    }.items():
        text = (root / "notebooks" / name).read_text(encoding="utf-8")
        for phrase in gone:
            assert phrase not in text, (name, phrase)
    notebook = (root / "notebooks" / "05-preferences.md").read_text(encoding="utf-8")
    assert '"pr_gallup_n": fmt.count(GALLUP_N)' not in notebook


def test_no_number_is_typed_into_the_prose(root):
    offenders = [hit for path in prose_files(root) for hit in typed_numbers(path)]
    assert not offenders, (
        "glue these from a computation, or mark them on the line before with "
        f"'% not-a-result: TOKEN (reason)': {offenders}"
    )


def test_every_mark_names_tokens_and_a_reason(root):
    for path in prose_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("% not-a-result:"):
                assert "(" in line and line.rstrip().endswith(")"), f"{path.name}:{number}: give the reason in brackets"
