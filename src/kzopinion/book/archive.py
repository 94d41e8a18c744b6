"""The archive metadata of an edition: ``.zenodo.json`` agrees with ``CITATION.cff``.

A tagged release on GitHub is archived by Zenodo with a DOI of its own, described by ``.zenodo.json``
(Zenodo reads that file first). ``make lint`` checks it twice, offline: its shape against the schema committed
in ``src/kzopinion/book/schemas/zenodo.schema.json`` (check-jsonschema), then, with ``python -m
kzopinion.book.archive``, that it says what ``CITATION.cff`` says: the same title, version, creators and
licence, and the article's DOI (``preferred-citation``) among its related identifiers. Each disagreement is a
sentence naming both files and the fix.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ZENODO = ".zenodo.json"
CITATION = "CITATION.cff"
SCHEMA = Path(__file__).parent / "schemas" / "zenodo.schema.json"


def _cff_name(author: dict) -> str:
    """A CITATION.cff author as Zenodo names a creator: an organisation's name, or 'Family, Given'."""
    if "name" in author:
        return str(author["name"])
    return ", ".join(str(author[k]) for k in ("family-names", "given-names") if author.get(k))


def disagreements(root: Path) -> list[str]:
    """One sentence for each field of ``.zenodo.json`` that disagrees with ``CITATION.cff``."""
    import yaml

    for name in (ZENODO, CITATION):
        if not (root / name).exists():
            return [f"{name} is missing: restore it (git checkout {name}); the archive metadata needs both files"]
    try:
        zenodo = json.loads((root / ZENODO).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        return [f"{ZENODO} is not JSON ({err}): fix it at line {err.lineno}"]
    cff = yaml.safe_load((root / CITATION).read_text(encoding="utf-8"))
    found = []

    def differ(field: str, ours, theirs, cff_field: str) -> None:
        if ours != theirs:
            found.append(
                f"{ZENODO} gives {field} {ours!r} but {CITATION} gives {cff_field} {theirs!r}: the two describe one "
                f"edition; make {ZENODO}'s {field} say what {CITATION} says (CITATION.cff is the one to edit first)"
            )

    differ("title", zenodo.get("title"), cff.get("title"), "title")
    differ("version", zenodo.get("version"), str(cff.get("version")), "version")
    differ(
        "creators",
        [c.get("name") for c in zenodo.get("creators", [])],
        [_cff_name(a) for a in cff.get("authors", [])],
        "authors",
    )
    differ("license", str(zenodo.get("license", "")).lower(), str(cff.get("license", "")).lower(), "license")
    doi = str((cff.get("preferred-citation") or {}).get("doi", ""))
    dois = [r.get("identifier") for r in zenodo.get("related_identifiers", []) if r.get("scheme") == "doi"]
    if doi not in dois:
        found.append(
            f"{ZENODO}'s related_identifiers do not name the article's DOI {doi} (CITATION.cff, preferred-citation): "
            f'add {{"identifier": "{doi}", "relation": "isSupplementTo", "scheme": "doi"}}'
        )
    return found


def main(argv: list[str] | None = None) -> int:
    from kzopinion.paths import find_root

    found = disagreements(find_root(Path.cwd()))
    for sentence in found:
        print(f"[archive] {sentence}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
