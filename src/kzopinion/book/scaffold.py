"""Scaffold a new section: its notebook source, its chapter module and its place in the table of contents.

    python -m kzopinion.book.scaffold SLUG "Title of the section" --prefix PREFIX
    make section SLUG=media-use TITLE="Media use and views of the US" PREFIX=mu

writes ``notebooks/NN-SLUG.md`` (from ``notebooks/_template.md``, NN the next free number: a working
example with a glued number, a figure and a summary), ``src/kzopinion/chapters/<slug with underscores>.py``
(the chapter module, naming its ``PREFIX``), ``tests/chapters/test_<slug with underscores>.py`` (its tests)
and an entry in ``_toc.yml`` after the last section. No registry needs editing. CONTRIBUTING.md says what
to do next.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
import textwrap
from pathlib import Path

from kzopinion import paths

MODULE = '''"""The analysis notebook {number}-{slug} calls.

{title}

Keep the section's logic here, the notebook a thin narrative; the tests are in
tests/chapters/test_{module}.py
"""

from __future__ import annotations

import pandas as pd

from kzopinion.data.provenance import Tables, Traced

PREFIX = "{prefix}"  # the ids of this section's claims and glue keys


def claim_values(tables: Tables) -> dict[str, tuple[Traced, str]]:
    """The ledger values this section computes from the data tables: claim id -> (traced value, text).

    Claims bound to their own cell (``binding`` = cell in data/published/claims.csv) are recorded without
    code; put here the ones the section computes from other cells (``tables.cell(...)`` arithmetic).
    """
    return {{}}


def sample_sizes(tables: Tables, kind: str = "survey") -> pd.DataFrame:
    """The template's example: respondents per wave of each source of ``kind`` (columns source, respondents)."""
    designs = tables["survey_designs"]
    chosen = designs[designs["kind"] == kind]
    return pd.DataFrame({{"source": chosen["source"], "respondents": chosen["n_per_wave"].astype(int)}})
'''

TEST = '''"""Tests of the chapter module of notebook
{number}-{slug}."""

from kzopinion.chapters import {module} as chapter
from kzopinion.data.provenance import Tables


def test_sample_sizes_lists_every_survey_with_its_respondents(root):
    sizes = chapter.sample_sizes(Tables(root))
    designs = Tables(root)["survey_designs"]
    assert len(sizes) == (designs["kind"] == "survey").sum() > 0
    assert (sizes["respondents"] > 0).all()
'''

MAX_SLUG = 60


class ScaffoldError(ValueError):
    """The section cannot be scaffolded as asked; the message says why."""


def scaffold(root: Path, slug: str, title: str, prefix: str) -> list[Path]:
    """Create the section's files; returns them. Refuses to overwrite anything."""
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", slug):
        raise ScaffoldError(
            f"slug {slug!r} must be lowercase words joined by hyphens, e.g. "
            'make section SLUG=media-use TITLE="Media use" PREFIX=mu'
        )
    if len(slug) > MAX_SLUG:
        raise ScaffoldError(
            f"slug {slug[:40]!r}... has {len(slug)} characters; at most {MAX_SLUG} make a usable file "
            "and page name: shorten it, e.g. 'media-use'"
        )
    if keyword.iskeyword(slug.replace("-", "_")):
        raise ScaffoldError(
            f"slug {slug!r} is a Python keyword, so its chapter module could not be imported: "
            "choose another, e.g. 'media-use'"
        )
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError(
            "the title is empty: every page needs one, e.g. "
            'make section SLUG=media-use TITLE="Media use and views of the US" PREFIX=mu'
        )
    if not re.fullmatch(r"[a-z]{2,4}", prefix):
        raise ScaffoldError(f"prefix {prefix!r} must be two to four lowercase letters, e.g. 'mu'")
    sections = list((root / "notebooks").glob("[0-9][0-9]-*.md"))
    if slug in {p.stem.split("-", 1)[1] for p in sections}:
        raise ScaffoldError(f"a section named {slug!r} exists already")
    # taken: a chapter's PREFIX, or glue keys a notebook pastes; claims rows with the prefix are welcome
    # (the guide asks for them first: they are what the new section will record)
    used = set()
    for module in (root / "src" / "kzopinion" / "chapters").glob("*.py"):
        used |= set(re.findall(r'^PREFIX = "([a-z]+)"', module.read_text(encoding="utf-8"), flags=re.M))
    for source in sections:
        used |= set(re.findall(r"\{glue:text\}`([a-z]+)_", source.read_text(encoding="utf-8")))
    if prefix in used:
        raise ScaffoldError(f"prefix {prefix!r} is used already ({', '.join(sorted(used))} are taken)")
    numbers = [int(p.name[:2]) for p in sections if int(p.name[:2]) < 90]
    number = f"{max(numbers, default=0) + 1:02d}"
    module = slug.replace("-", "_")
    notebook = root / "notebooks" / f"{number}-{slug}.md"
    chapter = root / "src" / "kzopinion" / "chapters" / f"{module}.py"
    test = root / "tests" / "chapters" / f"test_{module}.py"
    for path in (notebook, chapter, test):
        if path.exists():
            raise ScaffoldError(f"{path.relative_to(root)} exists already")
    text = (root / "notebooks" / "_template.md").read_text(encoding="utf-8")
    for key, value in {"slug": slug, "title": title, "prefix": prefix, "module": module}.items():
        text = text.replace("{" + key + "}", value)
    notebook.write_text(text, encoding="utf-8")
    escaped = title.replace("\\", "\\\\").replace('"', '\\"')  # safe inside the module's docstring
    wrapped = textwrap.fill(escaped, 100)  # the module passes make lint whatever the title's length
    code = MODULE.format(title=wrapped, number=number, slug=slug, module=module, prefix=prefix)
    compile(code, str(chapter), "exec")  # the title cannot break the module (its backslashes and quotes escaped)
    chapter.write_text(code, encoding="utf-8")
    test.parent.mkdir(parents=True, exist_ok=True)
    test.write_text(TEST.format(number=number, slug=slug, module=module), encoding="utf-8")
    toc = root / "_toc.yml"
    lines = toc.read_text(encoding="utf-8").splitlines()
    last = max(i for i, line in enumerate(lines) if re.match(r"\s*- file: notebooks/(?!99-)", line))
    indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
    lines.insert(last + 1, f"{indent}- file: notebooks/{number}-{slug}")
    toc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [notebook, chapter, test, toc]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slug")
    parser.add_argument("title")
    parser.add_argument("--prefix", required=True, help="claim and glue-key prefix of the section")
    args = parser.parse_args(argv)
    try:
        root = paths.root()  # no repository here, or KZOPINION_ROOT naming another folder: nothing is written
        written = scaffold(root, args.slug, args.title, args.prefix)
    except (ScaffoldError, FileNotFoundError) as err:
        print(f"[section] {err}", file=sys.stderr)
        return 1
    for path in written:
        print(f"[section] wrote {path.relative_to(root)}")
    print("[section] next: see CONTRIBUTING.md, then run `make book`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
