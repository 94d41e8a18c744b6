"""The typed-number lint: every numeral, year or number word in the prose of the notebooks and book pages is
glued from a computation, or explicitly marked as not a result.

Exempt by rule, never by hand: references to figures, tables, appendices, sections, chapters and waves
("Figure 2", "Appendix C", "wave 1", "waves 1-6", "report no. 46"), numbered-list markers, citations and other
roles (``{cite:p}`...```), headings, labels, link targets, inline code, code cells and front matter. Anything
else is marked on the line before with a MyST comment the lint knows, naming the tokens and the reason::

    % not-a-result: 2000s (the article's own periodisation)
"""

from __future__ import annotations

import re
from pathlib import Path

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


def prose_lines(markdown: str) -> list[tuple[int, str, set[str]]]:
    """``(line number, prose, tokens marked not a result)`` for each prose line of a MyST page."""
    lines = markdown.splitlines()
    out = []
    in_code = front = False
    marked: set[str] = set()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if number == 1 and stripped == "---":
            front = True
            continue
        if front:
            front = stripped != "---"
            continue
        if stripped.startswith("```") or stripped.startswith(":::"):
            in_code = not in_code
            continue
        if in_code or not stripped:
            continue
        mark = MARK.match(stripped)
        if mark:
            marked = {t.strip() for t in re.sub(r"\(.*\)", "", mark.group(1)).split(",") if t.strip()}
            continue
        if stripped.startswith(("#", "%", "(")) and (stripped.startswith(("#", "%")) or stripped.endswith(")=")):
            continue
        text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", line)  # roles: glue, cite, ref, download
        text = re.sub(r"`[^`]*`", " ", text)  # inline code
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
        text = re.sub(r"<[^>]+>", " ", text)  # html tags and their attributes
        text = REFERENCE.sub(" ", text)
        text = re.sub(r"^\s*\d+\.\s", " ", text)  # the marker of a numbered list
        out.append((number, text, marked))
        marked = set()
    return out


def typed_numbers(path: Path) -> list[str]:
    """``file:line: token`` for every number typed into the prose of ``path`` and not marked."""
    found = []
    for number, text, marked in prose_lines(path.read_text(encoding="utf-8")):
        for match in NUMBER.finditer(text):
            token = match.group(0)
            if token in marked:
                continue
            found.append(f"{path.name}:{number}: {token}")
    return found


def prose_files(root: Path) -> list[Path]:
    """The notebooks' sources and the hand-written book pages (the generated data appendix excluded)."""
    generated = {root / "book" / "data-appendix.md"}
    pages = sorted(root.glob("notebooks/[0-9]*.md")) + sorted(root.glob("book/**/*.md"))
    return [p for p in pages if p not in generated]
