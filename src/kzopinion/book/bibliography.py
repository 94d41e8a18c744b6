"""The book's references (``book/references.bib``) keep their capitals and one label style.

- Titles keep their capitals: the bibliography style lowercases every word of a title that is not inside
  braces ("Press conference in islamabad, pakistan"), so each ``title`` and ``booktitle`` is one braced group,
  written ``title = {{Press conference in Islamabad, Pakistan}}``.
- One label style: a label is the lowercase name of its first author (the family name of a person, ASCII; any
  short lowercase name of an organisation, e.g. ``cab`` for Central Asia Barometer), then its four-digit year,
  then a letter ``a``, ``b``... only when the same name and year label several entries (and then on each of them):
  ``laruelle2021``, ``cab2018a``.

:func:`problems` returns one sentence per break, naming the file, the entry and the fix; a file that is not UTF-8 is
one such break (:func:`unreadable`, which the book's Sphinx extension also asks before the bibliography is read).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from pathlib import Path

BIB = Path("book") / "references.bib"
BIB_NAME = BIB.as_posix()
TITLE_FIELDS = ("title", "booktitle")
LABEL = re.compile(r"^(?P<name>[a-z]+)(?P<year>\d{4})(?P<letter>[a-z]?)$")
STYLE = (
    "a label is the first author's lowercase name, the year, and a letter only to tell apart entries of one name and "
    "year (laruelle2021, cab2018a)"
)


def _entries(path: Path, shown: str):
    """The entries of the bibliography at ``path``, read as UTF-8 (:class:`kzopinion.paths.NotUTF8Error` names the
    file otherwise: pybtex would read it in the machine's own encoding, or stop with a codec's traceback)."""
    from pybtex.database import parse_string

    from kzopinion.paths import utf8_text

    return parse_string(utf8_text(path, shown), bib_format="bibtex").entries


def unreadable(root: Path, files: list[str] | tuple[str, ...] = (BIB_NAME,)) -> list[str]:
    """A sentence for each bibliography file (relative to ``root``: ``_config.yml``'s ``bibtex_bibfiles``) that is not
    UTF-8, naming it and the fix; Sphinx's bibliography would stop on it with a codec's traceback."""
    from kzopinion.paths import NotUTF8Error, utf8_text

    found = []
    for name in files:
        path = root / name
        if not path.is_file():
            continue  # a missing file is Sphinx's to name (sphinxcontrib-bibtex says which)
        try:
            utf8_text(path, name)
        except NotUTF8Error as err:
            found.append(str(err))
    return found


def _one_braced_group(value: str) -> bool:
    """Whether ``value`` (the field's text inside its outer delimiters) is a single ``{...}`` group."""
    depths = list(itertools.accumulate({"{": 1, "}": -1}.get(char, 0) for char in value))
    # the first group closes at the very end, not before ("{A} and {B}" is two groups)
    return value.startswith("{") and value.endswith("}") and depths[-1] == 0 and 0 not in depths[:-1]


def _ascii_lower(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if c.isascii() and c.isalpha()).lower()


def problems(root: Path) -> list[str]:
    """A sentence for every title that would lose its capitals and every label off the house style."""
    if reading := unreadable(root):
        return reading
    entries, found = _entries(root / BIB, BIB_NAME), []
    stems = Counter(match["name"] + match["year"] for match in map(LABEL.match, entries) if match)
    for key, entry in entries.items():
        for field in TITLE_FIELDS:
            value = entry.fields.get(field)
            if value is not None and not _one_braced_group(value):
                found.append(
                    f"{BIB_NAME}, entry {key}: its {field} loses its capitals in the book (the style lowercases "
                    f"unbraced words); brace the whole {field}: {field} = {{{{{value}}}}}"
                )
        match, year = LABEL.match(key), entry.fields.get("year", "")
        if not match:
            found.append(f"{BIB_NAME}, entry {key}: {STYLE}; rename it, and its {{cite}} roles")
            continue
        if match["year"] != year:
            found.append(f"{BIB_NAME}, entry {key}: its label's year is not its year ({year}); {STYLE}")
        person = next(iter(entry.persons.get("author", [])), None)
        if person is not None and not str(person).startswith("{"):
            family = _ascii_lower(" ".join(person.last_names))
            if match["name"] != family:
                found.append(
                    f"{BIB_NAME}, entry {key}: its label does not start with its first author's family name "
                    f"({family}); {STYLE}"
                )
        several = stems[match["name"] + match["year"]] > 1
        if several and not match["letter"]:
            found.append(f"{BIB_NAME}, entry {key}: other entries share its name and year; add a letter ({STYLE})")
        if match["letter"] and not several:
            found.append(f"{BIB_NAME}, entry {key}: no other entry shares its name and year; drop the letter ({STYLE})")
    return found
