"""Which glue keys the prose pastes, and which values the executed notebooks glued."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

_PASTE = re.compile(r"\{glue(?::text|:md|:any)?\}`(?:([^`:]+)::)?([^`:]+)(?::[^`]*)?`")


def pasted_refs(markdown: str) -> list[tuple[str | None, str]]:
    """``(document, key)`` for every ``{glue...}`` paste; document is None for the same page."""
    return list(dict.fromkeys((doc or None, key) for doc, key in _PASTE.findall(markdown)))


def pasted_keys(markdown: str) -> list[str]:
    """Keys pasted from the same page, in order, without duplicates."""
    return [key for doc, key in pasted_refs(markdown) if doc is None]


def _glued(record: Path):
    """(key, text/plain data, execution count) for every glue output of an executed notebook."""
    for cell in nbformat.read(record, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                plain = next((v for k, v in output.get("data", {}).items() if k.endswith("text/plain")), None)
                yield name, plain, cell.get("execution_count")


def glued_values(record: Path) -> dict[str, str]:
    """``key -> text`` for every value an executed notebook glued."""
    values: dict[str, str] = {}
    for name, plain, _ in _glued(record):
        if plain is not None:
            try:
                values[name] = str(ast.literal_eval(plain))
            except (ValueError, SyntaxError):
                values[name] = plain
    return values


def glued_cells(record: Path) -> dict[str, int]:
    """``key -> execution count`` of the cell that glued it (its ``In [n]`` in the record)."""
    return {name: count for name, _, count in _glued(record)}


def undefined_pastes(root: Path) -> list[str]:
    """A sentence for every paste whose key no record glues, naming the ``.md`` file and line.

    Sphinx would report it against the executed ``.ipynb`` (a JSON line number); authors edit the ``.md``.
    """
    pages = sorted((root / "notebooks").glob("[0-9][0-9]-*.md")) + sorted((root / "book").rglob("*.md"))
    cache: dict[Path, dict[str, str]] = {}
    problems = []
    for page in pages:
        own = page.with_suffix(".ipynb") if page.parent.name == "notebooks" else None
        for number, line in enumerate(page.read_text(encoding="utf-8-sig").splitlines(), start=1):
            for doc, key in _PASTE.findall(line):
                record = (page.parent / doc).resolve() if doc else own
                if record is None:
                    problems.append(f"{page.relative_to(root)}, line {number}: '{key}' is pasted from no notebook; "
                                    "name one ({glue:text}`../notebooks/NN-slug.ipynb::key`).")
                    continue
                if record not in cache:
                    cache[record] = glued_values(record) if record.is_file() else {}
                if key not in cache[record]:
                    try:
                        shown = record.relative_to(root.resolve()).with_suffix(".md")
                    except ValueError:
                        shown = record
                    problems.append(f"{page.relative_to(root)}, line {number}: the glue key '{key}' is pasted but "
                                    f"no cell of {shown} glues it. Glue it there (glue_text('{key}', ...)) or fix "
                                    "the name.")
    return problems
