"""The built book read as a reader reads it: do the page's words agree with the values it pastes and draws?

:mod:`kzopinion.book.page_rules` checks the sources (no typed number, no chartless figure); this module reads the
pages the build has just written, sentence by sentence, with every pasted value in place, and holds the edition's
own prose to the rules the replication report applies to the article's words:

- :func:`movement_words`: "went from A to B" needs A and B to differ (else "stayed at"), "rose ... to" a rise,
  "fell ... to" a fall; "between A and B" needs A below B and "and", never "between A to B";
- :func:`quantifier_words`: "most", "the majority" and "a minority" of a pasted share hold by definition (more, or
  less, than half); "halves" holds for a ratio within a tenth of one half;
- :func:`unbacked_comparisons`: a comparison of counts or shares ("more often ... than", "far more", "rose",
  "the majority") must paste the values it compares;
- :func:`stand_in_evidence`: a sentence that pastes a value computed from the simulated stand-in never speaks
  the language of evidence ("confirms", "supports", "holds", "as the article reports");
- :func:`chart_disagreements`: a count the prose gives as "a of b" is drawn by the page's charts over the same
  base, with the share and interval the sentence gives it; a percentage given for a year ("37% in 2013") is the
  one a chart draws for that year; a chart that draws shares of several bases says so by a panel for each;
- :func:`repeated_runs`: no run of :data:`REPEAT_WORDS` words is said twice on a page.

Quoted words (the article's own, in quotation marks) are the report's to judge and are left out. Each problem is
a sentence naming the source file, its line where it can be found, and the fix; :func:`problems` gives them all,
and the build refuses to publish a book that has any.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from kzopinion.book import notebooks
from kzopinion.formatting import percent

REPEAT_WORDS = 14
PASTE = "⟦{}⟧"  # where a pasted value stands in a sentence's text
_PASTE = re.compile(r"⟦(\d+)⟧")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_COUNT_OF = re.compile(r"^(\d+) of (\d+)$")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


@dataclass
class Pasted:
    """One value pasted into a sentence: its glue key, the text a reader sees, and its doorway's description."""

    key: str
    text: str
    tip: str = ""

    @property
    def number(self) -> float | None:
        """The first number of the pasted text (a count, a percentage, a year), or None."""
        match = _NUMBER.search(self.text.replace(",", ""))
        return float(match[0]) if match else None

    @property
    def unit(self) -> str:
        """'%' for a percentage, 'pp' for points, 'of' for a count of a base, '' for a plain number."""
        text = self.text.strip()
        if _COUNT_OF.match(text):
            return "of"
        if text.endswith("%") and " to " not in text:
            return "%"
        return "pp" if text.endswith(("points", "pp")) else ""

    @property
    def share(self) -> float | None:
        """The value as a share of one, when it is a percentage or a count of a base."""
        if count_of := _COUNT_OF.match(self.text.strip()):
            return int(count_of[1]) / int(count_of[2])
        return self.number / 100 if self.unit == "%" and self.number is not None else None

    @property
    def simulated(self) -> bool:
        """Computed from the simulated stand-in (its doorway names the simulation's parameters or tier)."""
        return "simulation_parameters" in self.tip or "simulated" in self.tip.lower()


@dataclass
class Sentence:
    """A sentence of a built page: its words with ⟦i⟧ where value i is pasted, and the pasted values."""

    text: str
    values: list[Pasted] = field(default_factory=list)
    attributed: bool = False  # an item of a list the article's claims are introduced into ("the authors argue:")

    def words(self) -> str:
        """The sentence's own words: pasted values as ⟦i⟧, quoted words left out."""
        return _QUOTED.sub(" ", self.text)

    def shown(self) -> str:
        """The sentence as a reader sees it."""
        return _PASTE.sub(lambda m: self.values[int(m[1])].text, self.text)

    def value(self, index: str) -> Pasted:
        """The pasted value ⟦index⟧ stands for."""
        return self.values[int(index)]


# ------------------------------------------------------------------ reading the built pages


def _blocks(soup: BeautifulSoup) -> list[Tag]:
    """The prose blocks of a page: paragraphs, list items and captions, outside tables and charts."""
    return [
        block
        for block in (soup.find("article") or soup.find("main") or soup).find_all(["p", "li", "figcaption"])
        if not block.find(["p", "li"])
        and not block.find_parent(["table", "nav", "header", "footer"])
        and not block.find_parent(class_=["kz-chart", "cell_input"])
    ]


def _block_text(block: Tag) -> tuple[str, list[Pasted]]:
    """A block's text with ⟦i⟧ where value i is pasted, and the values; scripts, styles and tips left out."""
    block = copy.copy(block)  # a copy: the page's own tree is read as written
    values: list[Pasted] = []
    for pasted in block.select(".kz-num"):
        key = re.sub(r"-\d+$", "", str(pasted.get("id", "")).removeprefix("kz-use-"))
        values.append(Pasted(key, pasted.get_text(), str(pasted.get("data-tip", ""))))
        pasted.replace_with(PASTE.format(len(values) - 1))
    for hidden in block.select("script, style, .kz-tip"):
        hidden.decompose()
    return re.sub(r"\s+", " ", "".join(block.find_all(string=True))).strip(), values


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z⟦(“\"])")
_ATTRIBUTION = re.compile(r"\b(the article|the authors|they report|argues?|argued)\b", re.IGNORECASE)


def _in_attributed_list(block: Tag) -> bool:
    """A list item of a list whose introducing paragraph gives the article's words ("the authors make these
    claims:"): the item states the article's claim, which the ledger judges, not the edition's."""
    item = block if block.name == "li" else block.find_parent("li")
    listing = item.find_parent(["ul", "ol"]) if item else None
    before = listing.find_previous_sibling("p") if listing else None
    text = before.get_text(" ", strip=True) if before else ""
    return text.endswith(":") and bool(_ATTRIBUTION.search(text))


def sentences(html: str) -> list[Sentence]:
    """Every sentence of the page's prose, with its pasted values."""
    out = []
    for block in _blocks(BeautifulSoup(html, "html.parser")):
        text, values = _block_text(block)
        attributed = _in_attributed_list(block)
        for part in _SENTENCE_END.split(text):
            used = [int(i) for i in _PASTE.findall(part)]
            renumbered = {old: new for new, old in enumerate(used)}
            part = _PASTE.sub(lambda m, r=renumbered: PASTE.format(r[int(m[1])]), part)
            out.append(Sentence(part, [values[i] for i in used], attributed or bool(_ATTRIBUTION.search(part))))
    return out


def charts(html: str) -> list[dict]:
    """The Vega-Lite specification of every chart on a page (embedded by :mod:`kzopinion.paper.figures`)."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(html, match.end())[0] for match in re.finditer(r"vegaEmbed\(el,", html)]


# ------------------------------------------------------------------ the rules


_MOVE = re.compile(
    r"\b(?P<verb>went|rose|risen|increased|climbed|grew|fell|fallen|dropped|declined|decreased|sank)\b"
    r"(?P<between>[^.;]*?)\bto ⟦(?P<after>\d+)⟧"
)
_FROM = re.compile(r"\bfrom ⟦(\d+)⟧")
_BETWEEN = re.compile(r"\bbetween ⟦(\d+)⟧(?: (and|to) ⟦(\d+)⟧)?")
_RISING = {"rose", "risen", "increased", "climbed", "grew"}


def movement_words(sentence: Sentence) -> list[str]:
    """Words of change and range that contradict the values they join."""
    found = []
    words = sentence.words()
    for match in _MOVE.finditer(words):
        verb, after = match["verb"], sentence.value(match["after"])
        if start := _FROM.search(match["between"]):
            before = sentence.value(start[1])
        elif verb == "went":
            continue  # "went to": no movement of a value
        else:  # "then fell to B": the last value of the same unit said before the verb
            earlier = [sentence.value(i) for i in _PASTE.findall(words[: match.start()])]
            before = next((v for v in reversed(earlier) if v.unit == after.unit and v.number is not None), None)
        if before is None or before.number is None or after.number is None:
            continue
        if verb == "went" and before.text == after.text:
            found.append(f"'went from {before.text} to {after.text}' joins equal values: say 'stayed at'")
        elif verb in _RISING and not after.number > before.number:
            found.append(f"'{verb}' from {before.text} to {after.text} is no rise")
        elif verb not in _RISING and verb != "went" and not after.number < before.number:
            found.append(f"'{verb}' from {before.text} to {after.text} is no fall")
    for match in _BETWEEN.finditer(words):
        low = sentence.value(match[1])
        if match[2]:
            high = sentence.value(match[3])
            if match[2] == "to":
                found.append(f"'between {low.text} to {high.text}': say 'between {low.text} and {high.text}'")
            elif low.number is not None and high.number is not None and low.number > high.number:
                found.append(f"'between {low.text} and {high.text}' runs downwards")
        if " to " in low.text:
            found.append(f"'between {low.text}': say 'between A and B'")
    return found


# A quantifier and the share of the first pasted value after it, where the word's meaning is a definition
_MORE_THAN_HALF = ("more than half", lambda share: share > 0.5)
_QUANTIFIERS = {
    "most": _MORE_THAN_HALF,
    "the majority": _MORE_THAN_HALF,
    "a majority": _MORE_THAN_HALF,
    "a minority": ("less than half", lambda share: share < 0.5),
}
_QUANTIFIER = re.compile(r"\b(" + "|".join(_QUANTIFIERS) + r")\b(?:(?!⟦)[^.;])*?⟦(\d+)⟧", re.IGNORECASE)


def quantifier_words(sentence: Sentence) -> list[str]:
    """Quantifiers that the pasted share they describe does not meet; "halves" against the ratio it names."""
    found = []
    words = sentence.words()
    for match in _QUANTIFIER.finditer(words):
        value, word = sentence.value(match[2]), match[1].lower()
        meaning, holds = _QUANTIFIERS[word]
        if value.share is not None and not holds(value.share):
            found.append(f"'{word}' describes {value.text}, which is not {meaning}")
    if re.search(r"\bhalves\b", words):
        numbers = [v.number for v in sentence.values if v.number is not None and v.unit != "of"]
        pairs = [(a, b) for a in numbers for b in numbers if b and 0 < a < b]
        if len(numbers) >= 2 and not any(abs(a / b - 0.5) <= 0.1 for a, b in pairs):
            found.append("'halves' is said of values whose ratio is not near one half")
    return found


_COMPARISON = re.compile(
    r"\b(?:more often|less often|far more|far fewer|(?:more|less|fewer) (?:\w+ ){0,4}than|"
    r"(?:higher|lower|larger|smaller|greater|better|worse) than|went from|rose|fell to|"
    r"the majority|a majority|a minority|halves|halved|twice as)\b",
    re.IGNORECASE,
)


def unbacked_comparisons(sentence: Sentence) -> list[str]:
    """A comparison of counts or shares that pastes nothing to compare (unless it gives the article's claim, "the
    authors argue that ...", which the replication report judges)."""
    match = _COMPARISON.search(sentence.words())
    if match and not sentence.values and not sentence.attributed:
        return [f"'{match[0]}' compares with no pasted values behind it: paste the values it compares"]
    return []


_EVIDENCE = re.compile(
    r"\b(as the article reports|confirm\w*|support\w*|holds?|replicat\w*|corroborat\w*|verif\w*|proves?|"
    r"evidence that)\b",
    re.IGNORECASE,
)


def stand_in_evidence(sentence: Sentence) -> list[str]:
    """A sentence pasting a stand-in value that speaks as evidence."""
    match = _EVIDENCE.search(sentence.words())
    if not match or not any(v.simulated for v in sentence.values):
        return []
    return [
        f"'{match[0]}' in a sentence pasting a simulated stand-in value: the stand-in shows the design "
        "and the code run, it cannot confirm or refute the article"
    ]


def _datasets(specs: list[dict]) -> Iterator[tuple[dict, list[dict]]]:
    """``(chart, rows)`` for every dataset the charts draw."""
    return ((spec, rows) for spec in specs for rows in spec.get("datasets", {}).values())


def _panels(spec: dict) -> set[str]:
    """The fields a chart is split into panels by (a facet, or its rows or columns)."""
    channels = [
        where.get(channel) for channel in ("facet", "row", "column") for where in (spec.get("encoding", {}), spec)
    ]
    nested = [v for channel in channels if isinstance(channel, dict) for v in (channel, *channel.values())]
    return {v["field"] for v in nested if isinstance(v, dict) and "field" in v}


def chart_disagreements(html: str, page_sentences: list[Sentence]) -> list[tuple[Sentence | None, str]]:
    """(sentence, problem) for each count the prose gives over one base and the page's charts over another,
    and each chart that draws shares of several bases on one axis without a panel for each."""
    specs = charts(html)
    found = []
    for spec, rows in _datasets(specs):
        bases = {row["base"] for row in rows if "base" in row}
        if len(bases) > 1 and not _panels(spec) & {"base", "group"}:
            problem = (
                f"the chart '{spec.get('description', '')[:60]}' draws shares of bases "
                f"{sorted(bases)} on one axis: give each base its own panel"
            )
            found.append((None, problem))
    drawn = [row for _, rows in _datasets(specs) for row in rows if {"count", "base"} <= set(row)]
    for sentence in page_sentences:
        for value in sentence.values:
            if not (match := _COUNT_OF.match(value.text.strip())):
                continue
            count, base = int(match[1]), int(match[2])
            same = [row for row in drawn if row["count"] == count]
            rows = [row for row in same if row["base"] == base]
            if not rows:
                if same:
                    shown = ", ".join(sorted({f"{count} of {row['base']}" for row in same}))
                    found.append((sentence, f"the prose gives {value.text} ({value.key}); the chart draws {shown}"))
                continue
            # the share and the interval the same sentence pastes beside the count are the ones drawn
            for text in [other.text.strip() for other in sentence.values if other is not value]:
                if re.fullmatch(r"\d+% to \d+%", text):
                    drawn_texts = [f"{percent(row['low'])} to {percent(row['high'])}" for row in rows]
                    said = f"an interval of {text}"
                elif re.fullmatch(r"\d+%", text):
                    drawn_texts = [percent(row["share"]) for row in rows]
                    said = f"as {text}"
                else:
                    continue
                if text not in drawn_texts:
                    problem = f"the prose gives {value.text} {said}; the chart draws {', '.join(drawn_texts)}"
                    found.append((sentence, problem))
    return found + _year_disagreements(specs, page_sentences)


_AT_IN = re.compile(r"⟦(\d+)⟧ in ⟦(\d+)⟧|\bin ⟦(\d+)⟧, at ⟦(\d+)⟧")


def _year_disagreements(specs: list[dict], page_sentences: list[Sentence]) -> list[tuple[Sentence, str]]:
    """(sentence, problem) for each percentage the prose gives for a year ("P in Y", "in Y, at P") that no
    chart of the page draws for that year, where a chart draws the year at all."""
    by_year: dict[int, set[str]] = {}
    for _, rows in _datasets(specs):
        for row in rows:
            if isinstance(row.get("year"), int):
                numbers = [v for k, v in row.items() if k != "year" and isinstance(v, int | float)]
                by_year.setdefault(row["year"], set()).update(f"{round(v)}%" for v in numbers)
    found = []
    for sentence in page_sentences:
        for match in _AT_IN.finditer(sentence.words()):
            share, year = map(sentence.value, (match[1], match[2]) if match[1] else (match[4], match[3]))
            drawn = by_year.get(int(year.number)) if year.number is not None else None  # None: no chart draws the year
            if share.unit == "%" and drawn is not None and share.text.strip() not in drawn:
                problem = f"the prose gives {share.text} for {year.text}; no chart of the page draws it"
                found.append((sentence, problem))
    return found


def repeated_runs(page_sentences: list[Sentence], length: int = REPEAT_WORDS) -> list[str]:
    """Each run of ``length`` words that the page says twice (as a reader sees them, pasted values in place)."""
    seen: dict[tuple[str, ...], int] = {}
    found = []
    for index, sentence in enumerate(page_sentences):
        words = re.findall(r"[\w%’'-]+", sentence.shown().lower())
        for start in range(len(words) - length + 1):
            run = tuple(words[start : start + length])
            if seen.setdefault(run, index) != index:
                found.append(" ".join(run))
                break
    return found


SENTENCE_RULES = (movement_words, quantifier_words, unbacked_comparisons, stand_in_evidence)


# ------------------------------------------------------------------ the whole book


def source_of(page: str, root: Path) -> Path:
    """The source a built page is made from (a notebook's MyST twin, or a book page)."""
    stem = Path(page).with_suffix("")
    if stem.as_posix() == "index":
        stem = Path(notebooks.docname(notebooks.table_of_contents(root).root.docname))
    return root / stem.with_suffix(".md")


def _line_of(source: Path, sentence: Sentence) -> int | None:
    """The line of ``source`` that writes ``sentence``: the first holding its pasted keys and its longest stretch of
    plain words, else the first holding either."""
    if not source.is_file():
        return None
    lines = source.read_text(encoding="utf-8").splitlines()
    keys = [v.key for v in sentence.values]
    stretch = max((p.strip() for p in re.split(r"⟦\d+⟧|“[^”]*”", sentence.text)), key=len, default="")[:40]
    has_keys = [bool(keys) and all(line.count(key) >= keys.count(key) for key in keys) for line in lines]
    has_words = [bool(stretch) and stretch in line for line in lines]
    for holds in ([k and w for k, w in zip(has_keys, has_words)], has_keys, has_words):
        if True in holds:
            return holds.index(True) + 1
    return None


def page_problems(page: str, html: str, root: Path) -> list[str]:
    """Every break of the reader's rules on one built page, each naming the source file and line."""
    source = source_of(page, root)
    shown = source.relative_to(root).as_posix() if source.is_relative_to(root) else source.name
    page_sentences = sentences(html)

    def where(sentence: Sentence | None) -> str:
        line = _line_of(source, sentence) if sentence else None
        return f"{shown}, line {line}" if line else shown

    found = []
    for sentence in page_sentences:
        for rule in SENTENCE_RULES:
            found += [f"{where(sentence)}: {problem} (in: {sentence.shown()[:160]})" for problem in rule(sentence)]
    for sentence, problem in chart_disagreements(html, page_sentences):
        found.append(f"{where(sentence)}: {problem}")
    for run in repeated_runs(page_sentences):
        found.append(f"{shown}: the page says '{run}' twice: say it once")
    return found


GENERATED = ("book/data-appendix.html", "book/references.html")  # cards and the bibliography, not prose


def problems(site: Path, root: Path, published: Path | None = None) -> list[str]:
    """Every break of the reader's rules on every page of the built book ``site``. A page whose file is the very
    file of the ``published`` book (linked when unchanged, :func:`kzopinion.book.build.assemble`) was read when
    that book was published, under the same rules (a change to them rebuilds every page), and is not read again."""
    found = []
    for page in sorted(site.glob("**/*.html")):
        relative = page.relative_to(site).as_posix()
        if relative.startswith(("_", "search", "genindex")) or relative in GENERATED:
            continue
        if published is not None and (published / relative).is_file() and (published / relative).samefile(page):
            continue
        found += page_problems(relative, page.read_text(encoding="utf-8"), root)
    return found
