"""Glue computed values into the prose, and check what the prose pastes against what was glued.

The two halves of one job. Notebooks never type a result into a sentence: they compute it,
format it with :mod:`kzopinion.formatting`, and glue the string with :func:`glue_text`; the
markdown pastes it with ``{glue:text}`key```. Only plain strings are accepted, so a page can
never show ``np.float64(...)``. The build then reads which keys the prose pastes
(:func:`pasted_refs`) and which values the executed records glued (:func:`glued_values`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat

_KEY = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")
_PASTE = re.compile(r"\{glue(?::text|:md|:any)?\}`(?:([^`:]+)::)?([^`:]+)(?::[^`]*)?`")


INPUTS_METADATA = "kzopinion"  # output metadata key holding the declared inputs of a glued value


def glue_text(key: str, text: str, inputs: Iterable[str] | None = None) -> str:
    """Glue ``text`` under ``key`` (``section_prefix_name``, snake_case) without displaying it.

    ``inputs`` names what the value was computed from (data-package tables, or a respondents'
    source such as ``Respondents.inputs``); their checksums are stored with the glued value
    (for respondent-level data, the sha256 of every registered file), and the page's doorway
    shows them.
    """
    from myst_nb import glue  # imported here: myst_nb is slow to import and only needed in notebooks

    if not _KEY.fullmatch(key):
        raise ValueError(f"glue key {key!r} must be snake_case with a section prefix, e.g. 'ds_gallup_moe'")
    if not isinstance(text, str):
        raise TypeError(f"glue {key!r}: format the value first (kzopinion.formatting); got {type(text).__name__}")
    if inputs is None:
        glue(key, text, display=False)
        return text
    # myst_nb.glue's own display, with the inputs beside its scrapbook entry in the output's metadata
    from IPython.core.formatters import format_display_data
    from IPython.display import display
    from myst_nb.ext.glue import GLUE_PREFIX

    from kzopinion import paths
    from kzopinion.book.claims import input_digests

    bundle, metadata = format_display_data(text)
    metadata["scrapbook"] = {"name": key, "mime_prefix": GLUE_PREFIX}
    metadata[INPUTS_METADATA] = {"inputs": input_digests(sorted(set(inputs)), paths.root())}
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
    return text


def glue_texts(values: dict[str, str], inputs: Iterable[str] | None = None) -> dict[str, str]:
    """Glue several formatted values at once (all computed from ``inputs``, if given); returns them."""
    for key, text in values.items():
        glue_text(key, text, inputs)
    return values


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


def glued_inputs(record: Path) -> dict[str, dict[str, str]]:
    """``key -> {input: checksum}`` for every value glued with declared inputs (:func:`glue_text`)."""
    out = {}
    for cell in nbformat.read(record, as_version=4).cells:
        for output in cell.get("outputs", []):
            metadata = output.get("metadata", {})
            name = metadata.get("scrapbook", {}).get("name")
            if name is not None and INPUTS_METADATA in metadata:
                out[name] = dict(metadata[INPUTS_METADATA].get("inputs", {}))
    return out


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
                    problems.append(f"{page.relative_to(root)}, line {number}: '{key}' is pasted from {named}; "
                                    "values are pasted from the executed record: "
                                    "{glue:text}`../notebooks/NN-slug.ipynb::key`.")
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
