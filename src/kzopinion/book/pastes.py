"""What the prose pastes: the ``{glue:text}`` references of the book's pages, checked against the records.

Sphinx would report an unknown key against the executed ``.ipynb`` (a JSON line number); authors edit
the ``.md``, so :func:`undefined_pastes` names that file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from kzopinion.paper.records import glued_values
from kzopinion.paths import NotUTF8Error, utf8_text

_PASTE = re.compile(r"\{glue(?::text|:md|:any)?\}`(?:([^`:]+)::)?([^`:]+)(?::[^`]*)?`")


def pasted_refs(markdown: str) -> list[tuple[str | None, str]]:
    """``(document, key)`` for every ``{glue...}`` paste; document is None for the same page."""
    return list(dict.fromkeys((doc or None, key) for doc, key in _PASTE.findall(markdown)))


def pasted_keys(markdown: str) -> list[str]:
    """Keys pasted from the same page, in order, without duplicates."""
    return [key for doc, key in pasted_refs(markdown) if doc is None]


def undefined_pastes(root: Path) -> list[str]:
    """A sentence for every paste whose key no record glues, naming the ``.md`` file and line."""
    pages = sorted((root / "notebooks").glob("[0-9][0-9]-*.md")) + sorted((root / "book").rglob("*.md"))
    glued: dict[Path, dict[str, str]] = {}  # record -> the values it glues, read once
    problems = []
    for page in pages:
        where = page.relative_to(root)
        try:
            text = utf8_text(page, str(where))
        except NotUTF8Error as err:
            problems.append(str(err))
            continue
        own = page.with_suffix(".ipynb") if page.parent.name == "notebooks" else None
        for number, line in enumerate(text.splitlines(), start=1):
            for doc, key in _PASTE.findall(line):
                record = (page.parent / doc).resolve() if doc else own
                if record is None or record.suffix != ".ipynb":
                    named = f"'{doc}', not a notebook's record" if record is not None else "no notebook"
                    problems.append(
                        f"{where}, line {number}: '{key}' is pasted from {named}; values are pasted from the "
                        "executed record: {glue:text}`../notebooks/NN-slug.ipynb::key`."
                    )
                    continue
                if record not in glued:
                    glued[record] = glued_values(record) if record.is_file() else {}
                if key not in glued[record]:
                    in_root = record.is_relative_to(root.resolve())
                    shown = record.relative_to(root.resolve()).with_suffix(".md") if in_root else record
                    problems.append(
                        f"{where}, line {number}: the glue key '{key}' is pasted but no cell of {shown} glues it. "
                        f"Glue it there (glue_text('{key}', ...)) or fix the name."
                    )
    return problems
