"""What the prose pastes: the ``{glue:text}`` references of the book's pages, checked against the records.

Sphinx would report an unknown key against the executed ``.ipynb`` (a JSON line number); authors edit
the ``.md``, so :func:`undefined_pastes` names that file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from kzopinion.paper.records import glued_values

_PASTE = re.compile(r"\{glue(?::text|:md|:any)?\}`(?:([^`:]+)::)?([^`:]+)(?::[^`]*)?`")


def pasted_refs(markdown: str) -> list[tuple[str | None, str]]:
    """``(document, key)`` for every ``{glue...}`` paste; document is None for the same page."""
    return list(dict.fromkeys((doc or None, key) for doc, key in _PASTE.findall(markdown)))


def pasted_keys(markdown: str) -> list[str]:
    """Keys pasted from the same page, in order, without duplicates."""
    return [key for doc, key in pasted_refs(markdown) if doc is None]


def undefined_pastes(root: Path) -> list[str]:
    """A sentence for every paste whose key no record glues, naming the ``.md`` file and line.

    Sphinx would report it against the executed ``.ipynb`` (a JSON line number); authors edit the ``.md``.
    """
    pages = sorted((root / "notebooks").glob("[0-9][0-9]-*.md")) + sorted((root / "book").rglob("*.md"))
    cache: dict[Path, dict[str, str]] = {}
    problems = []
    for page in pages:
        own = page.with_suffix(".ipynb") if page.parent.name == "notebooks" else None
        raw = page.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            from kzopinion.data.package import not_utf8

            problems.append(not_utf8(str(page.relative_to(root)), raw, err))
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for doc, key in _PASTE.findall(line):
                record = (page.parent / doc).resolve() if doc else own
                if record is None or record.suffix != ".ipynb":
                    named = f"'{doc}', not a notebook's record" if record is not None else "no notebook"
                    problems.append(
                        f"{page.relative_to(root)}, line {number}: '{key}' is pasted from {named}; "
                        "values are pasted from the executed record: "
                        "{glue:text}`../notebooks/NN-slug.ipynb::key`."
                    )
                    continue
                if record not in cache:
                    cache[record] = glued_values(record) if record.is_file() else {}
                if key not in cache[record]:
                    try:
                        shown = record.relative_to(root.resolve()).with_suffix(".md")
                    except ValueError:
                        shown = record
                    problems.append(
                        f"{page.relative_to(root)}, line {number}: the glue key '{key}' is pasted but "
                        f"no cell of {shown} glues it. Glue it there (glue_text('{key}', ...)) or fix "
                        "the name."
                    )
    return problems
