"""The two editions of the book, from one set of sources.

- The **public edition** is what the repository commits: the executed ``notebooks/*.ipynb``
  records, computed without any respondent-level file (models that need one run on the
  simulated stand-in). The repository root is always the public edition: registered
  microdata is invisible there (:func:`kzopinion.data.microdata.edition`), so registering files
  never makes a committed record stale and never writes respondents' results into it.
- The **microdata edition** is built when files are registered (``make data CAB_DIR=...``):
  ``make book`` mirrors the book's sources into ``_build/microdata-edition/`` (a folder of its
  own, with ``data/`` and ``src/`` linked, not copied), executes there only the notebooks that
  read microdata, and builds that tree's HTML into ``_build/microdata-edition/_build/html``.
  No tracked file changes. Setting ``KZOPINION_EDITION=public`` builds the public edition even
  with files registered; removing ``data/microdata/`` returns ``make book`` to it.

Every page says which edition it shows: a banner (``html.announcement``) naming the edition
and, for the microdata edition, the registered files with their checksums (listed in full in
the data appendix).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from kzopinion.data import microdata

FOLDER = "microdata-edition"
LINKED = ("data", "src")  # read in place: the mirror must see the registered files and the package
GENERATED = ("book/data-appendix.md", "book/_static/vendor/")  # written into the mirror by its own build


def mirror(root: Path) -> Path:
    """Where the microdata edition of the repository at ``root`` is built."""
    return root / "_build" / FOLDER


def registered_files(root: Path) -> dict[str, dict[str, str]]:
    """Registered respondent-level files per source: {source: {file name: sha256}}."""
    content = microdata.manifest(root)
    return {
        source: dict(sorted(content.get(source, {}).items())) for source in microdata.SOURCES if content.get(source)
    }


def wanted(root: Path) -> bool:
    """Whether ``make book`` builds the microdata edition: files registered, not asked for the public one."""
    if microdata.is_mirror(root) or os.environ.get(microdata.EDITION_VARIABLE, "").strip().lower() == "public":
        return False
    return bool(registered_files(root))


def banner(root: Path) -> str:
    """The announcement every page of the edition built from ``root`` shows (plain text)."""
    if microdata.edition(root) == "public":
        return (
            "Public edition: computed from the committed data tables only (checksums in data/datapackage.json); "
            "models that need respondent-level data run on a simulated stand-in."
        )
    files = "; ".join(
        f"{source.upper()}: " + ", ".join(f"{name} ({digest[:19]}...)" for name, digest in names.items())
        for source, names in registered_files(root).items()
    )
    return (
        f"Microdata edition, built on this machine from registered respondent-level files ({files}); "
        "full checksums in the data appendix. It is never committed."
    )


def _sync_file(source: Path, target: Path) -> None:
    """Copy when the content differs (unchanged files keep their time, so Sphinx skips them)."""
    if target.is_symlink() or (target.exists() and not target.is_file()):
        shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
    if not target.exists() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _sync_tree(source: Path, target: Path, skip: tuple[str, ...], prefix: str) -> None:
    """Make ``target`` a copy of ``source``, leaving paths that start with one of ``skip`` to the build."""

    def skipped(relative: Path) -> bool:
        return f"{prefix}/{relative.as_posix()}".startswith(skip)

    wanted_files = {
        p.relative_to(source) for p in source.rglob("*") if p.is_file() and not skipped(p.relative_to(source))
    }
    for relative in sorted(wanted_files):
        _sync_file(source / relative, target / relative)
    for path in sorted(target.rglob("*"), reverse=True) if target.exists() else []:
        relative = path.relative_to(target)
        if path.is_file() and relative not in wanted_files and not skipped(relative):
            path.unlink()


def prepare(root: Path) -> Path:
    """Mirror the book's sources into the microdata edition's folder and return it.

    Sources (``.md`` notebooks, chapters, configuration) follow the repository; a record is
    copied from the repository only when the mirror has none yet, so a notebook that does not
    read microdata is current at once and only the others are executed.
    """
    edition = mirror(root)
    edition.mkdir(parents=True, exist_ok=True)
    (edition / microdata.EDITION_MARKER).write_text("microdata\n", encoding="utf-8")
    for name in LINKED:
        link = edition / name
        if link.is_symlink() and Path(os.readlink(link)) == (root / name).resolve():
            continue
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            shutil.rmtree(link)
        link.symlink_to((root / name).resolve(), target_is_directory=True)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("html", {})["announcement"] = banner(edition)
    text = "# Generated by kzopinion.book.editions: the microdata edition's configuration.\n" + yaml.safe_dump(
        config, sort_keys=False, allow_unicode=True
    )
    target = edition / "_config.yml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    _sync_file(root / "_toc.yml", edition / "_toc.yml")
    _sync_tree(root / "book", edition / "book", GENERATED, "book")
    sources = {p.name for p in (root / "notebooks").glob("*.md")}
    for name in sorted(sources):
        _sync_file(root / "notebooks" / name, edition / "notebooks" / name)
        record = Path(name).with_suffix(".ipynb").name
        if not (edition / "notebooks" / record).exists() and (root / "notebooks" / record).exists():
            shutil.copy2(root / "notebooks" / record, edition / "notebooks" / record)
    for path in (edition / "notebooks").glob("*"):
        if path.is_file() and path.with_suffix(".md").name not in sources:
            path.unlink()  # a notebook removed from the repository
    return edition


def select(root: Path, say=print) -> Path:
    """The tree ``make book`` builds: the microdata edition's mirror when files are registered, else ``root``."""
    if not wanted(root):
        return root
    edition = prepare(root)
    files = ", ".join(name for names in registered_files(root).values() for name in names)
    say(
        f"microdata registered ({files}): building the microdata edition in {edition.relative_to(root)}/ "
        "(the committed records are the public edition and stay untouched; KZOPINION_EDITION=public builds that)"
    )
    return edition
