"""Render the data package as the book's data appendix (a generated MyST page, written by the
book's Sphinx extension before Sphinx reads the sources, so any build of the book has it).

Text from ``datapackage.json`` is escaped for MyST, so a description can never inject
markup or HTML into the book.
"""

from __future__ import annotations

import re
from pathlib import Path

from kzopinion import paths
from kzopinion.book import stamps

PAGE = paths.APPENDIX_PAGE
KEY = Path("_build") / ".data-appendix.key"
_MYST_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|$])")
HEADER = (
    "<!-- Generated from data/datapackage.json by the book's Sphinx extension (kzopinion.book.appendix) "
    "at every build. Do not edit. -->\n"
)


def escape(text: object) -> str:
    """Escape characters MyST would read as markup (and ``<`` so no raw HTML passes)."""
    return _MYST_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def render(root: Path) -> str:
    from kzopinion import data

    pkg = data.package(root)
    lines = [
        HEADER,
        "(sec-data-appendix)=",
        "# Data appendix",
        "",
        "Every number in this book is computed from the tables below.",
        "Each table is described in `data/datapackage.json` (a Frictionless Data Package), "
        "checked against its schema and checksum every time the book is built, and can be downloaded here.",
        "Tables in the *published* tier are transcribed from the article; tables in the *external* tier "
        "are public aggregates from other sources, each with its address and the passage quoted; tables in "
        "the *coding* tier are this edition's own analytic choices, each with its rationale.",
        "Respondent-level survey files are never part of the repository.",
        "",
        "The claims ledger (`published/claims.csv`) names, for each of the article's statements, the book's own "
        "copy of it (table, key, column). The replication report derives each claim's status from the cells the "
        "book's value was computed from: *recomputed* (from other numbers of the article), *confirmed* (by an "
        "independent source: an external table or registered respondent-level data), *transcribed* (read from "
        "the book's own copy of the same statement), *differs* (outside the printed tolerance), *reported-only* "
        "(needs respondent-level data that is absent; simulated values never count) or *not-yet*.",
        "",
        "| table | tier | rows | file |",
        "|---|---|---|---|",
    ]
    cards = []  # after the table, a card for each table it lists
    for res in pkg["resources"]:
        label = "data-" + res["name"].replace("_", "-")
        lines.append(
            f"| [{escape(res['title'])}](#{label}) | {res['tier']} | {len(data.load(res['name'], root))} "
            f"| {{download}}`{res['path']} </data/{res['path']}>` |"
        )
        cards += [
            "",
            f"({label})=",
            f"## {escape(res['title'])}",
            "",
            escape(res["description"]),
            "",
            f"- **File:** {{download}}`data/{res['path']} </data/{res['path']}>` "
            f"({res['tier']} tier, checksum `{res['hash']}`)",
        ]
        for source in res.get("sources", []):
            detail = f"; {escape(source['location'])}" if source.get("location") else ""
            quote = f" Quoted: “{escape(source['quote'])}”" if source.get("quote") else ""
            retrieved = f" Retrieved {source['retrieved']}." if source.get("retrieved") else ""
            cards.append(f"- **Source:** {escape(source['title'])} <{source['path']}>{detail}.{quote}{retrieved}")
        cards.append(f"- **Licence:** {escape(res['licenses'][0]['title'])}")
        if res.get("quirks"):
            cards.append(f"- **Known quirks:** {escape(res['quirks'])}")
        cards += ["", "| column | type | unit | description | rules |", "|---|---|---|---|---|"]
        for field in res["schema"]["fields"]:
            rules = ", ".join(f"{k} {v}" for k, v in field.get("constraints", {}).items())
            cards.append(
                f"| `{field['name']}` | {field['type']} | {escape(field.get('unit', ''))} "
                f"| {escape(field['description'])} | {escape(rules)} |"
            )
    lines += cards + _microdata_section(root)
    return "\n".join(lines) + "\n"


def _microdata_section(root: Path) -> list[str]:
    """The canonical respondent-level schema and the editable mapping files."""
    from kzopinion.book import editions
    from kzopinion.data import microdata, registry, schema

    lines = [
        "",
        "(data-microdata)=",
        "## Respondent-level data: the canonical schema",
        "",
        "Respondent-level survey files are never committed. When you register them "
        "(`make data CAB_DIR=...`, `GALLUP_DIR=...`, `WVS_FILE=...`), each is read column by column and "
        "harmonised to the schema below; when none is registered, the chapters that need them run on a "
        "simulated stand-in and say so. Don't know and refused are levels of their own, never numbers.",
        "",
        "| column | kind | levels | description |",
        "|---|---|---|---|",
    ]
    for column in schema.CANONICAL:
        levels = escape(", ".join(column.levels))
        lines.append(f"| `{column.name}` | {column.kind} | {levels} | {escape(column.description)} |")
    lines += ["", "### Where the data comes from and how it is mapped", ""]
    for source in registry.SOURCES:
        lines.append(
            f"- **{source.upper()}**: {escape(registry.WHERE_TO_GET[source])}. "
            f"Mapping: `data/mappings/{source}.csv` (one row per item: source variable, or a label pattern "
            "when the name is unknown, and the coding whose value-label patterns are in "
            "`data/mappings/levels.csv`)."
        )
    lines += ["", "### Which edition this is", ""]
    if microdata.edition(root) == "public":
        lines += [
            "This is the **public edition**: no respondent-level file is used, and the chapters that need one "
            "run on the simulated stand-in. With files registered, `make book` also builds a microdata edition "
            "in `_build/microdata-edition/` (never committed), whose pages list the files it used."
        ]
    else:
        lines += [
            "This is the **microdata edition**, built on this machine from these registered files (never committed):",
            "",
            "| source | file | sha256 |",
            "|---|---|---|",
        ]
        for source, files in editions.registered_files(root).items():
            lines += [f"| {source.upper()} | {escape(name)} | `{escape(digest)}` |" for name, digest in files.items()]
    return lines


def write_if_changed(root: Path) -> Path:
    """:func:`write`, skipped while the files it is made from (``data/`` and the package's code, by size and
    modification time) are unchanged and the page exists; the key is kept in ``_build/.data-appendix.key``."""
    key = stamps.key(root, ("data", "src/kzopinion"))
    stamp = root / KEY
    if (root / PAGE).is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return root / PAGE
    target = write(root)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key, encoding="utf-8")
    return target


def write(root: Path) -> Path:
    """Write ``book/data-appendix.md`` when its content changed (an unchanged page keeps its time,
    so Sphinx does not read it again)."""
    target = root / PAGE
    text = render(root)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target
