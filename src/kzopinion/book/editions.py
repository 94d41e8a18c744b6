"""The two editions of the book, from one set of sources.

- The **public edition** is what the repository commits: the executed ``notebooks/*.ipynb``
  records, computed without any respondent-level file (models that need one run on the
  simulated stand-in). The repository root is always the public edition: registered
  microdata is invisible there (:func:`kzopinion.data.microdata.edition`), so registering files
  never makes a committed record stale and never writes respondents' results into it.
- The **microdata edition** is built when files are registered (``make data CAB_DIR=...``):
  ``make book`` mirrors the repository into ``_build/microdata-edition/`` (a folder of its
  own, with ``data/`` and ``src/`` linked, not copied), executes there only the notebooks that
  read microdata, and builds that tree's HTML into ``_build/microdata-edition/_build/html``.
  What is mirrored is declared once, by the repository itself: every file git tracks or would
  track (:func:`repository_files`), so a file the book starts to read (a configuration file, a
  page, ``CITATION.cff``) can never be left out; what git ignores (``_build``, generated pages,
  the vendored chart bundle) each tree's own build writes.
  No tracked file changes. Setting ``KZOPINION_EDITION=public`` builds the public edition even
  with files registered; removing ``data/microdata/`` returns ``make book`` to it.

Every page says which edition it shows: a banner (``html.announcement``) naming the edition
and, for the microdata edition, the registered files with their checksums (listed in full in
the data appendix).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from kzopinion.data import microdata, registry

LINKED = ("data", "src")  # read in place: the mirror must see the registered files and the package
NEVER_MIRRORED = ("_build", ".git", ".venv")  # outside a git work tree, everything else is mirrored
MIRRORED_LIST = ".mirrored-files.json"  # what the last prepare copied, so files removed since go too


def mirror(root: Path) -> Path:
    """Where the microdata edition of the repository at ``root`` is built."""
    return root / "_build" / "microdata-edition"


def registered_files(root: Path) -> dict[str, dict[str, str]]:
    """Registered respondent-level files per source: {source: {file name: sha256}}."""
    content = registry.manifest(root)
    return {source: dict(sorted(content.get(source, {}).items())) for source in registry.SOURCES if content.get(source)}


def wanted(root: Path) -> bool:
    """Whether ``make book`` builds the microdata edition: files registered, not asked for the public one."""
    return not microdata.is_mirror(root) and microdata.edition_setting() != "public" and bool(registered_files(root))


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


def _remove(path: Path) -> None:
    """Remove what ``path`` names, if anything: a folder with its content, a file or a link."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _sync_file(source: Path, target: Path) -> None:
    """Copy when the content differs (unchanged files keep their time, so Sphinx skips them)."""
    if target.is_symlink() or (target.exists() and not target.is_file()):
        _remove(target)
    if not target.exists() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def repository_files(root: Path) -> list[str]:
    """Every file of the repository a build may read, as relative POSIX paths: in a git work tree, what git
    tracks plus new files it does not ignore (an author's page not yet committed is a source too); elsewhere (an
    unpacked archive), every file outside :data:`NEVER_MIRRORED`."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode("utf-8", "surrogateescape")
        files = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        files = [path.relative_to(root).as_posix() for path in root.rglob("*")]
    return sorted(name for name in files if name.split("/", 1)[0] not in NEVER_MIRRORED and (root / name).is_file())


def prepare(root: Path) -> Path:
    """Mirror the repository into the microdata edition's folder and return it.

    A record is copied from the repository only when the mirror has none yet, so a notebook that does not read
    microdata is current at once and only the others are executed. ``_config.yml`` gains the edition's banner.
    """
    edition = mirror(root)
    edition.mkdir(parents=True, exist_ok=True)
    (edition / microdata.EDITION_MARKER).write_text("microdata\n", encoding="utf-8")
    for name in LINKED:
        link = edition / name
        if not (link.is_symlink() and Path(os.readlink(link)) == (root / name).resolve()):
            _remove(link)
            link.symlink_to((root / name).resolve(), target_is_directory=True)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("html", {})["announcement"] = banner(edition)
    text = "# Generated by kzopinion.book.editions: the microdata edition's configuration.\n" + yaml.safe_dump(
        config, sort_keys=False, allow_unicode=True
    )
    target = edition / "_config.yml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    files = [name for name in repository_files(root) if name.split("/", 1)[0] not in LINKED]
    mirrored = []
    for name in files:
        record = name.startswith("notebooks/") and name.endswith(".ipynb")
        if name == "_config.yml" or (record and (edition / name).exists()):
            continue  # the edition's own configuration, and records its build keeps
        _sync_file(root / name, edition / name)
        if not record:
            mirrored.append(name)
    sources = {Path(name).stem for name in files if name.startswith("notebooks/") and name.endswith(".md")}
    for path in (edition / "notebooks").glob("*.ipynb"):
        if path.stem not in sources:
            path.unlink()  # a notebook removed from the repository
    listing = edition / MIRRORED_LIST
    before = json.loads(listing.read_text(encoding="utf-8")) if listing.is_file() else []
    for name in sorted(set(before) - set(mirrored)):
        (edition / name).unlink(missing_ok=True)  # removed from the repository since the last build
    listing.write_text(json.dumps(mirrored, indent=0) + "\n", encoding="utf-8")
    return edition


def select(root: Path, say=print) -> Path:
    """The tree ``make book`` builds: the microdata edition's mirror when files are registered, else ``root``. A
    registered file missing or changed since registration stops the build: an edition is never built from, or served
    as, files other than those its banner names."""
    if not wanted(root):
        return root
    found = registry.problems(root)
    if found:
        raise registry.MicrodataError(
            "The registered respondent-level files are not as registered, so the microdata edition would be "
            "stale or wrong; nothing was built:\n" + "\n".join(f"- {problem}" for problem in found)
        )
    edition = prepare(root)
    files = ", ".join(name for names in registered_files(root).values() for name in names)
    say(
        f"microdata registered ({files}): building the microdata edition in {edition.relative_to(root)}/ "
        "(the committed records are the public edition and stay untouched; KZOPINION_EDITION=public builds that)"
    )
    return edition
