"""The page's rules, checked by every build where the author works (``make book``, ``make serve``, ``make pdf``),
each failure a sentence naming the file, the line and the fix:

- no number typed into prose (:func:`typed_numbers`): every numeral, year or number word in the prose of the
  notebooks and book pages is glued from a computation, or explicitly marked as not a result;
- every figure cell shows a chart (:func:`chartless_figures`), not a caption over printed text;
- every section records claims of the article (:func:`sections_without_claims`);
- cells readers see nothing of (tagged ``remove-cell``) stay under a third of the book's code cells
  (:func:`hidden_cells`): a notebook's plumbing, claim recording and glue live in the cell that shows what they
  belong to, or in its one setup cell.

Exempt by rule, never by hand: references to figures, tables, appendices, sections, chapters and waves
("Figure 2", "Appendix C", "wave 1", "waves 1-6", "report no. 46"), numbered-list markers, citations and other
roles (``{cite:p}`...```), headings, labels, link targets, inline code, code cells and front matter. Anything
else is marked on the line before with a MyST comment the lint knows, naming the tokens and the reason::

    % not-a-result: 2000s (the article's own periodisation)

A file a book page includes (```` ```{include} ../CHANGELOG.md ```` ) is prose of the book too and is checked the
same way. In the changelog (``CHANGELOG.md``, the book's page ``book/changelog.md``) version numbers (``0.1.0``)
and dates (``2026-11-28``) are what it is made of, not results: exempt there (:data:`CHANGELOG_FORMS`), and only
there.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from kzopinion.book import notebooks
from kzopinion.paths import NotUTF8Error, utf8_text

NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million "
    "second third fourth fifth sixth seventh eighth ninth tenth half twice thrice dozen"
).split()
NUMBER = re.compile(
    r"(?<![\w.])(\d[\d,]*(?:\.\d+)?s?%?|\.\d+)(?![\w])|\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE
)
REFERENCE = re.compile(
    r"\b(?:Figures?|Fig\.|Tables?|Appendix|Appendices|Sections?|Chapters?|[Ww]aves?|Notes?|no\.)\s+"
    r"[A-Z0-9]+(?:\s*(?:-|–|,|and|to)\s*[A-Z0-9]+)*"
)
MARK = re.compile(r"^%\s*not-a-result:\s*(.+)$")
CHANGELOG = "CHANGELOG.md"
# a changelog's own forms: a version (0.1.0, v1.2.3) and an ISO date (2026-11-28)
CHANGELOG_FORMS = re.compile(r"(?<![\w.])(?:v?\d+\.\d+\.\d+|\d{4}-\d{2}-\d{2})(?!\w|\.\d)")
INCLUDE = re.compile(r"^```\{include\}\s+(\S+)\s*$")


def prose_lines(markdown: str, changelog: bool = False) -> list[tuple[int, str, set[str]]]:
    """``(line number, prose, tokens marked not a result)`` for each prose line of a MyST page (``changelog``: the
    page is the changelog, whose versions and dates are exempt)."""
    out = []
    in_code = front = False
    marked: set[str] = set()
    for number, line in enumerate(markdown.splitlines(), start=1):
        stripped = line.strip()
        if number == 1 and stripped == "---":
            front = True
            continue
        if front:
            front = stripped != "---"
            continue
        if stripped.startswith(("```", ":::")):
            in_code = not in_code
            continue
        if in_code or not stripped:
            continue
        if mark := MARK.match(stripped):
            marked = {t.strip() for t in re.sub(r"\(.*\)", "", mark[1]).split(",") if t.strip()}
            continue
        if stripped.startswith(("#", "%")) or (stripped.startswith("(") and stripped.endswith(")=")):
            continue
        text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", line)  # roles: glue, cite, ref, download
        text = re.sub(r"`[^`]*`", " ", text)  # inline code
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
        text = re.sub(r"<[^>]+>", " ", text)  # html tags and their attributes
        text = REFERENCE.sub(" ", text)
        if changelog:
            text = CHANGELOG_FORMS.sub(" ", text)
        text = re.sub(r"^\s*\d+\.\s", " ", text)  # the marker of a numbered list
        out.append((number, text, marked))
        marked = set()
    return out


def typed_numbers(path: Path, root: Path | None = None) -> list[str]:
    """``file:line: token`` for every number typed into the prose of ``path`` and not marked (the file named
    relative to ``root`` when given, else by its name). A file that is not UTF-8 raises
    :class:`kzopinion.paths.NotUTF8Error`, naming it and the fix."""
    shown = path.relative_to(root).as_posix() if root and path.is_relative_to(root) else path.name
    return [
        f"{shown}:{number}: {match[0]}"
        for number, text, marked in prose_lines(utf8_text(path, shown), changelog=path.name == CHANGELOG)
        for match in NUMBER.finditer(text)
        if match[0] not in marked
    ]


def prose_files(root: Path) -> list[Path]:
    """The notebooks' sources and the hand-written book pages (the generated data appendix excluded)."""
    pages = sorted(root.glob("notebooks/[0-9]*.md")) + sorted(root.glob("book/**/*.md"))
    pages = [p for p in pages if p != root / "book" / "data-appendix.md"]
    return pages + [p for p in included_files(pages) if p not in pages]


def included_files(pages: list[Path]) -> list[Path]:
    """The markdown files the pages include (```` ```{include} PATH ```` , relative to the including page)."""
    out = []
    for page in pages:
        try:
            text = utf8_text(page)
        except NotUTF8Error:
            continue  # named by the rule that reads the page itself (typed_numbers)
        for line in text.splitlines():
            match = INCLUDE.match(line.strip())
            if match and match[1].endswith(".md"):
                included = Path(os.path.normpath(page.parent / match[1]))
                if included.is_file() and included not in out:
                    out.append(included)
    return out


def _records(root: Path) -> Iterator[tuple[Path, list[dict]]]:
    """``(source, cells)`` for every notebook of the book with an executed record, its cells as stored (plain JSON:
    the page's rules read outputs, no validation needed)."""
    for source in notebooks.sources(root):
        if (record := notebooks.twin(source)).exists():
            yield source, json.loads(record.read_text(encoding="utf-8"))["cells"]


def chartless_figures(root: Path) -> list[str]:
    """A sentence for every figure cell (``mystnb: figure:``) of an executed record whose output is no chart: the
    caption would publish over a printed dictionary or nothing at all."""
    found = []
    for source, cells in _records(root):
        for cell in cells:
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if cell["cell_type"] != "code" or not figure:
                continue
            html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in cell.get("outputs", []))
            if 'class="kz-chart"' not in html and "<svg" not in html and "<img" not in html:
                name = figure.get("name", "?")
                lines = source.read_text(encoding="utf-8").splitlines()
                line = next((n for n, text in enumerate(lines, start=1) if f"name: {name}" in text), 0)
                found.append(
                    f"notebooks/{source.name}, line {line}: the figure cell '{name}' shows no chart (its last line "
                    "must return a chart from kzopinion.analysis.charts): restore the chart line, or drop the "
                    "cell's figure caption"
                )
    return found


def sections_without_claims(root: Path) -> list[str]:
    """A sentence for every section notebook whose executed record records no claim of the article: each section
    checks the article's statements (read from the record, so a notebook with no chapter module is held to it too)."""
    from kzopinion.paper.ledger import LEDGER_PREFIX

    found = []
    for source, cells in _records(root):
        # what the record glued, by name (myst-nb's glue keeps it in each output's scrapbook metadata)
        names = (
            o.get("metadata", {}).get("scrapbook", {}).get("name", "") for c in cells for o in c.get("outputs", [])
        )
        keys = [key for key in names if key]
        if notebooks.is_report(source) or any(key.startswith(LEDGER_PREFIX) for key in keys):
            continue
        prefixes = Counter(key.split("_", 1)[0] for key in keys if "_" in key).most_common(1)
        starting = f" starting with '{prefixes[0][0]}_'" if prefixes else ""
        found.append(
            f"notebooks/{source.name}: the section records no claim of the article: add the rows it checks to "
            f"data/published/claims.csv, with ids{starting} (CONTRIBUTING.md, step 1), and record them "
            "(ledger.record_section)"
        )
    return found


HIDDEN_SHARE = 3
"""Cells readers see nothing of stay under one in :data:`HIDDEN_SHARE` of the book's code cells."""


def hidden_cells(root: Path) -> list[str]:
    """A sentence for every notebook that holds a third or more of its code cells from readers (tagged
    ``remove-cell``) while the book's notebooks together do: the rule is the book's, the fix is in those notebooks
    (the most hidden first), each named with its count and what to do."""
    counts = {}  # source -> (code cells tagged remove-cell, code cells)
    for source in notebooks.sources(root):
        cells = [c for c in notebooks.convert(source).cells if c.cell_type == "code"]
        counts[source] = (sum("remove-cell" in c.metadata.get("tags", []) for c in cells), len(cells))
    hidden, total = (sum(c[i] for c in counts.values()) for i in (0, 1))
    if HIDDEN_SHARE * hidden < total:
        return []
    over = sorted(
        (s for s, (h, t) in counts.items() if HIDDEN_SHARE * h >= t > 0), key=lambda s: -counts[s][0] / counts[s][1]
    )
    return [
        f"notebooks/{source.name}: {counts[source][0]} of its {counts[source][1]} code cells show a reader nothing "
        f"(tagged remove-cell), and the book's notebooks hide {hidden} of their {total}, not under a third: move "
        "a hidden cell's glue and claim recording into the cell that shows the figure or table they belong to "
        "(tagged remove-input), or show the parameters cell folded (tags: [parameters, hide-input]); one setup "
        "cell may stay hidden"
        for source in over
    ]


def typed_number_problems(root: Path) -> list[str]:
    """:func:`typed_numbers` of every prose file as sentences with the fix (a file that is not UTF-8 named too)."""
    found = []
    for path in prose_files(root):
        try:
            found += [
                f"{hit}: a number typed into prose; glue it from a computation (glue_texts) and paste it with "
                "{glue:text}, or mark it on the line before with '% not-a-result: TOKEN (reason)' if it is no result"
                for hit in typed_numbers(path, root)
            ]
        except NotUTF8Error as err:
            found.append(str(err))
    return found


def problems(root: Path) -> list[str]:
    """Every break of the page's rules, each a sentence naming the file, the line and the fix."""
    return typed_number_problems(root) + chartless_figures(root) + sections_without_claims(root) + hidden_cells(root)
