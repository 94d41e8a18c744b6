"""Which edition a page was built from: what the page footer says about the build.

The commit (and whether what the build reads has uncommitted changes, per page), the build date, the
data package's digest and the citation of the edition, with the repository's address and the commit's
when ``repository.url`` is set in ``_config.yml`` (from CITATION.cff).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from kzopinion.book import stamps
from kzopinion.paths import utf8_text


@dataclass
class Edition:
    """What the page footer says about the build."""

    commit: str
    dirty: bool  # uncommitted changes to what every page is made from (what the build reads but page sources)
    date: str
    data_digest: str
    citation: str
    url: str = ""  # the repository's address (``repository.url`` in _config.yml), "" when not set
    commit_url: str = ""  # the address of the commit in the repository, "" when either is unknown
    changed: tuple[str, ...] = ()  # the pages' own sources (notebooks/*.md|ipynb, book/*.md) with uncommitted changes

    def page_dirty(self, docname: str, pasted_from: Iterable[str] = ()) -> bool:
        """Whether the page ``docname`` is built with uncommitted changes: to what every page is made from,
        to its own source, or to a page it pastes values from (``pasted_from``, docnames)."""
        own = {f"{name}{suffix}" for name in (docname, *pasted_from) for suffix in (".md", ".ipynb")}
        own |= {included for name in (docname, *pasted_from) for included in INCLUDED.get(name, ())}
        return self.dirty or bool(own & set(self.changed))


# pages that include a file of the repository's root: its changes are that page's own
INCLUDED = {"book/changelog": ("CHANGELOG.md",)}


def _page_source(path: str) -> bool:
    included = {name for names in INCLUDED.values() for name in names}
    return path in included or (path.startswith(("notebooks/", "book/")) and path.endswith((".md", ".ipynb")))


def _read_by_the_build(path: str) -> bool:
    return path in stamps.WATCHED_FILES or path.startswith(tuple(f"{tree}/" for tree in stamps.WATCHED_TREES))


def uncommitted(root: Path, against: str = "") -> list[str]:
    """Tracked files with uncommitted changes, relative to the repository's root (a rename names both of its
    paths); with ``against`` (a commit), the files of the working tree that differ from that commit, whatever is
    checked out now. Empty outside a git repository."""
    if against:
        return [name for name in _git(root, "diff", "--name-only", "-z", against, "--").split("\0") if name]
    entries = iter(_git(root, "status", "--porcelain", "-z", "--untracked-files=no").split("\0"))
    paths = []
    for entry in entries:
        if len(entry) > 3:
            paths.append(entry[3:])
            if entry[0] in "RC":  # "XY new", then the old path as an entry of its own
                paths.extend(itertools.islice(entries, 1))
    return paths


def _git(root: Path, *args: str) -> str:
    """What ``git args`` prints in ``root`` (undecodable bytes kept as surrogates); "" when git fails or is absent."""
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.decode("utf-8", "surrogateescape") if result.returncode == 0 else ""


def data_digest(root: Path) -> str:
    """Short sha256 of ``data/datapackage.json``, which records the checksum of every table."""
    return hashlib.sha256((root / "data" / "datapackage.json").read_bytes()).hexdigest()[:12]


def build_date() -> str:
    """The build date (UTC); ``SOURCE_DATE_EPOCH`` fixes it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%d")


def commit_address(url: str, commit: str) -> str:
    """The address of ``commit`` in the repository at ``url`` ("" when either is unknown)."""
    if not url or not commit:
        return ""
    return f"{url.rstrip('/')}/-/tree/{commit}" if "gitlab" in url.lower() else f"{url.rstrip('/')}/tree/{commit}"


def _cff(root: Path) -> dict:
    """CITATION.cff, parsed; a file missing, not UTF-8 or not YAML raises :class:`ValueError`, one sentence naming
    the file and the fix (a codec's or parser's traceback would name neither)."""
    path = root / "CITATION.cff"
    if not path.is_file():
        raise ValueError(
            f"{path} is missing: every page cites its edition from it; restore it (git checkout CITATION.cff)"
        )
    try:
        cff = yaml.safe_load(utf8_text(path, "CITATION.cff")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"{path} cannot be read as YAML ({err}); fix the file so the pages can cite it") from None
    if not isinstance(cff, dict):
        raise ValueError(f"{path} holds no fields (title:, authors:, ...); restore it (git checkout CITATION.cff)")
    return cff


def address_disagreement(root: Path, url: str) -> str:
    """How CITATION.cff's ``repository-code`` and ``url`` (repository.url of _config.yml) differ, "" if they agree."""
    cited = str(_cff(root).get("repository-code") or "").strip().rstrip("/")
    url = url.strip().rstrip("/")
    if cited == url:
        return ""
    return (
        f"CITATION.cff gives repository-code {cited or '(none)'} but _config.yml gives repository.url "
        f"{url or '(empty)'}: the address is set in _config.yml; give CITATION.cff the same "
        + (f"(repository-code: {url})." if url else "(remove its repository-code, or set repository.url).")
    )


def citation(root: Path, commit: str, url: str = "") -> str:
    """ "Cite this edition", from CITATION.cff, with the commit and, when ``url`` is set, the commit's address."""
    cff = _cff(root)
    authors = "; ".join(
        a.get("name") or " ".join(filter(None, [a.get("given-names"), a.get("family-names")]))
        for a in cff.get("authors", [])
    )
    version = cff.get("version", "")
    text = f"{authors} ({str(cff.get('date-released', ''))[:4]}). {cff.get('title', '')}"
    text += f" (version {version}, commit {commit or 'unknown'})." if version else f" (commit {commit or 'unknown'})."
    if url:
        text += f" {commit_address(url, commit) or url.rstrip('/')}."
    ref = cff.get("preferred-citation") or {}
    if ref:
        names = ", ".join(
            f"{a.get('family-names', '')}, {a.get('given-names', '')[:1]}." for a in ref.get("authors", [])
        )
        text += (
            f" After {names} ({ref.get('year', '')}), {ref.get('title', '')}, {ref.get('journal', '')}"
            f" {ref.get('volume', '')}, doi:{ref.get('doi', '')}."
        )
    return text


def article(root: Path) -> dict:
    """The article this edition reproduces (title, authors, journal, volume, year, doi): CITATION.cff's."""
    return _cff(root).get("preferred-citation") or {}


def commit(root: Path) -> str:
    """The commit checked out at ``root`` (12 hex digits), "" outside a git repository."""
    return _git(root, "rev-parse", "--short=12", "HEAD").strip()


PINNED = "KZOPINION_BUILT_FROM"
"""Set by the build while Sphinx runs: the commit (and uncommitted changes) it stamped before reading, as JSON."""


def built_from(root: Path) -> str:
    """The commit the pages cite: the one the build stamped (:data:`PINNED`), else the one checked out now."""
    pinned = json.loads(os.environ.get(PINNED) or "{}")
    return pinned["commit"][:12] if pinned.get("commit") else commit(root)


def edition(root: Path, url: str = "") -> Edition:
    """The edition a build is made from, for the repository's address ``url`` (may be ""); its commit is the one
    :func:`built_from` names, so a plain ``jupyter-book build`` cites the one checked out now."""
    pinned = json.loads(os.environ.get(PINNED) or "{}")
    built = built_from(root)
    changes = pinned["uncommitted"] if "uncommitted" in pinned else uncommitted(root)
    url = url.strip().rstrip("/")
    return Edition(
        commit=built,
        dirty=any(_read_by_the_build(path) and not _page_source(path) for path in changes),
        date=build_date(),
        data_digest=data_digest(root),
        citation=citation(root, built, url),
        url=url,
        commit_url=commit_address(url, built),
        changed=tuple(sorted(filter(_page_source, changes))),
    )
