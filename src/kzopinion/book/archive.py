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


class Unreadable(ValueError):
    """One of the two files cannot be read as what it must be; the message names it and the fix."""


def _parsed(root: Path, name: str) -> dict:
    """``name`` (``.zenodo.json`` or ``CITATION.cff``) as a mapping, or :class:`Unreadable`: missing, not UTF-8, not
    JSON or YAML, or no mapping at all, each a sentence naming the file and the fix, never a parser's traceback."""
    import yaml

    from kzopinion.paths import NotUTF8Error, utf8_text

    path = root / name
    if not path.exists():
        raise Unreadable(f"{name} is missing: restore it (git checkout {name}); the archive metadata needs both files")
    try:
        text = utf8_text(path, name)
        parsed = json.loads(text) if name == ZENODO else yaml.safe_load(text)
    except NotUTF8Error as err:
        raise Unreadable(str(err)) from None
    except json.JSONDecodeError as err:
        raise Unreadable(f"{name} is not JSON ({err}): fix it at line {err.lineno}") from None
    except yaml.YAMLError as err:
        raise Unreadable(f"{name} is not YAML ({' '.join(str(err).split())}): fix it (git diff {name})") from None
    if not isinstance(parsed, dict):
        raise Unreadable(f"{name} holds no fields: restore it (git checkout {name})")
    return parsed


def disagreements(root: Path) -> list[str]:
    """One sentence for each field of ``.zenodo.json`` that disagrees with ``CITATION.cff`` (or for a file that
    cannot be read)."""
    try:
        zenodo, cff = _parsed(root, ZENODO), _parsed(root, CITATION)
    except Unreadable as err:
        return [str(err)]
    found = []

    def differ(field: str, ours, theirs, cff_field: str) -> None:
        if ours != theirs:
            found.append(
                f"{ZENODO} gives {field} {ours!r} but {CITATION} gives {cff_field} {theirs!r}: the two describe one "
                f"edition; make {ZENODO}'s {field} say what {CITATION} says (CITATION.cff is the one to edit first)"
            )

    differ("title", zenodo.get("title"), cff.get("title"), "title")
    differ("version", zenodo.get("version"), str(cff.get("version")), "version")
    creators = [c.get("name") for c in zenodo.get("creators", [])]
    differ("creators", creators, [_cff_name(a) for a in cff.get("authors", [])], "authors")
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

    try:
        found = disagreements(find_root(Path.cwd()))
    except FileNotFoundError as err:  # no repository here, or KZOPINION_ROOT names another folder
        found = [str(err)]
    for sentence in found:
        print(f"[archive] {sentence}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
