"""Where each number on a page comes from, and which edition a page was built from.

The book's Sphinx extension (:mod:`kzopinion.book.sphinxext`) turns every pasted value into a
doorway to its provenance; this module assembles what those doorways and the page footer say,
from the executed notebook records, the claims ledger, the data package and CITATION.cff.

- :func:`glued` -- for every notebook page, ``key -> provenance`` of each value it glued: the
  ledger entry (status, tier, input tables, cell) when the key is a claim id of
  ``data/published/claims.csv``, otherwise the notebook cell that glued it and the data tables
  that cell names.
- :func:`edition` -- the commit, build date, data-package digest and the citation of the edition
  (with the repository's address and the commit's, when ``repository.url`` is set in _config.yml).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

STATUS_COLUMNS = ("computed_status", "status")  # the derived status column, by its current or newer name


@dataclass
class Provenance:
    """What a reader is told about one glued value."""

    key: str
    notebook: str  # docname of the page that computed it, e.g. "notebooks/02-russia-correlation"
    cell: int | None  # the execution count of the cell that glued it ("In [n]")
    inputs: list[str] = field(default_factory=list)  # data-package tables it was computed from
    claim: bool = False
    status: str = ""
    tier: str = ""
    statement: str = ""
    printed: str = ""

    def describe(self) -> str:
        """One plain-text sentence for the tooltip (also the accessible description)."""
        where = f"Computed in {self.notebook.split('/')[-1]}" + (f", cell In [{self.cell}]" if self.cell else "")
        inputs = f"Inputs: {', '.join(self.inputs)}." if self.inputs else "Inputs: not recorded."
        if self.claim:
            # (the article's printed value is in the report row: on the page it would read as a result)
            return f"Claim {self.key}: {self.status or 'no status'}; tier {self.tier or 'none'}. {where}. {inputs}"
        return f"Not a claim of the article: {where}. {inputs}"


def _status_column(ledger) -> str:
    for name in STATUS_COLUMNS:
        if name in ledger.columns:
            return name
    raise KeyError(f"the claims table has none of the status columns {STATUS_COLUMNS}")


def _input_names(inputs) -> list[str]:
    """Input names for a reader; a registered respondent-level file is named with its sha256, as the banner does."""
    if isinstance(inputs, dict):
        return sorted(f"{name} ({digest[:19]}...)" if name.startswith("microdata:") else name
                      for name, digest in inputs.items())
    if isinstance(inputs, (list, tuple)):
        return sorted(str(i) for i in inputs)
    if isinstance(inputs, str) and inputs.strip():
        try:
            return _input_names(json.loads(inputs))
        except json.JSONDecodeError:
            return [inputs]
    return []


def _resource_names(root: Path) -> list[str]:
    package = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    return [r["name"] for r in package.get("resources", [])]


def _cells_and_sources(record: Path) -> tuple[dict[str, int | None], dict[int, str]]:
    """``key -> execution count`` of the gluing cell, and ``execution count -> cell source``."""
    from kzopinion.book import glue

    cells = glue.glued_cells(record)
    sources = {cell.get("execution_count"): cell.get("source", "")
               for cell in nbformat.read(record, as_version=4).cells if cell.get("cell_type") == "code"}
    return cells, sources


def glued(root: Path) -> dict[str, dict[str, Provenance]]:
    """``docname -> key -> Provenance`` for every value the executed notebooks glued."""
    from kzopinion.book import claims, glue, notebooks

    ledger = claims.table(root)
    status = _status_column(ledger)
    by_id = {row["id"]: row for _, row in ledger.iterrows()}
    resources = _resource_names(root)
    out: dict[str, dict[str, Provenance]] = {}
    for source in notebooks.sources(root):
        record = notebooks.twin(source)
        if not record.exists():
            continue
        docname = f"notebooks/{source.stem}"
        cells, cell_sources = _cells_and_sources(record)
        declared = glue.glued_inputs(record)
        page: dict[str, Provenance] = {}
        for key, cell in cells.items():
            if key.startswith(claims.LEDGER_PREFIX):
                continue
            row = by_id.get(key)
            if row is not None and row["notebook"]:
                page[key] = Provenance(
                    key=key, notebook=f"notebooks/{row['notebook']}", cell=_int(row["cell"]),
                    inputs=_input_names(row["inputs"]), claim=True,
                    status=", ".join(filter(None, [str(row[status]), str(row.get("coverage") or "")])),
                    tier=str(row["tier"] or ""), statement=str(row["statement"] or ""),
                    printed=str(row["printed"] or ""))
            elif key in declared:
                page[key] = Provenance(key=key, notebook=docname, cell=_int(cell), inputs=_input_names(declared[key]))
            else:
                code = cell_sources.get(cell, "")
                named = [r for r in resources if re.search(rf"""["']{re.escape(r)}["']""", code)]
                page[key] = Provenance(key=key, notebook=docname, cell=_int(cell), inputs=named)
        out[docname] = page
    return out


def ledger_key(root: Path) -> str:
    """sha256 of what :func:`glued` and the claims ledger are made from, prose left out: each record's code
    cells with their outputs, and the size and modification time of every file under ``data/`` and of the
    package's code. A prose edit leaves it unchanged, so the provenance kept from the last build is reused."""
    from kzopinion.book import uptodate

    digest = hashlib.sha256(uptodate.stat_key(root, ("data", "src/kzopinion")).encode())
    for record in sorted((root / "notebooks").glob("*.ipynb")):
        try:
            cells = json.loads(record.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            cells = [f"unreadable {dt.datetime.now().isoformat()}"]  # the build names it; never reuse a kept copy
        code = [c for c in cells if not isinstance(c, dict) or c.get("cell_type") != "markdown"]
        digest.update(record.name.encode() + b"\0" + json.dumps(code, sort_keys=True).encode() + b"\0")
    return digest.hexdigest()


def provenance_to_json(pages: dict[str, dict[str, Provenance]]) -> dict:
    return {doc: {key: asdict(p) for key, p in page.items()} for doc, page in pages.items()}


def provenance_from_json(stored: dict) -> dict[str, dict[str, Provenance]]:
    return {doc: {key: Provenance(**fields) for key, fields in page.items()} for doc, page in stored.items()}


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number


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
        return self.dirty or bool(own & set(self.changed))


def _page_source(path: str) -> bool:
    return path.startswith(("notebooks/", "book/")) and path.endswith((".md", ".ipynb"))


def _read_by_the_build(path: str) -> bool:
    from kzopinion.book import uptodate

    return path in uptodate.WATCHED_FILES or path.startswith(tuple(f"{tree}/" for tree in uptodate.WATCHED_TREES))


def uncommitted(root: Path) -> list[str]:
    """Tracked files with uncommitted changes, relative to the repository's root (a rename names both of its
    paths); empty outside a git repository."""
    try:
        result = subprocess.run(["git", "status", "--porcelain", "-z", "--untracked-files=no"], cwd=root,
                                capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if result.returncode != 0:
        return []
    entries = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    paths, index = [], 0
    while index < len(entries):
        entry = entries[index]
        if len(entry) > 3:
            paths.append(entry[3:])
            if entry[0] in "RC" and index + 1 < len(entries):  # "XY new" then the old path
                index += 1
                paths.append(entries[index])
        index += 1
    return paths


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


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
    import yaml

    path = root / "CITATION.cff"
    if not path.is_file():
        raise ValueError(f"{path} is missing: every page cites its edition from it; restore it "
                         "(git checkout CITATION.cff)")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"{path} cannot be read as YAML ({err}); fix the file so the pages can cite it") from None


def address_disagreement(root: Path, url: str) -> str:
    """A sentence saying how CITATION.cff's ``repository-code`` and the repository's address
    (``repository.url`` in _config.yml, given as ``url``) differ, or "" when they agree."""
    cited = str(_cff(root).get("repository-code") or "").strip().rstrip("/")
    url = url.strip().rstrip("/")
    if cited == url:
        return ""
    return (f"CITATION.cff gives repository-code {cited or '(none)'} but _config.yml gives repository.url "
            f"{url or '(empty)'}: the address is set in _config.yml; give CITATION.cff the same "
            + (f"(repository-code: {url})." if url else "(remove its repository-code, or set repository.url)."))


def citation(root: Path, commit: str, url: str = "") -> str:
    """"Cite this edition", from CITATION.cff, with the commit it was built from and, when the
    repository's address is set (``url``), the address of that commit."""
    cff = _cff(root)
    authors = "; ".join(a.get("name") or " ".join(filter(None, [a.get("given-names"), a.get("family-names")]))
                        for a in cff.get("authors", []))
    year = str(cff.get("date-released", ""))[:4]
    version = cff.get("version", "")
    text = f"{authors} ({year}). {cff.get('title', '')}"
    text += f" (version {version}, commit {commit or 'unknown'})." if version else f" (commit {commit or 'unknown'})."
    if url:
        text += f" {commit_address(url, commit) or url.rstrip('/')}."
    ref = cff.get("preferred-citation") or {}
    if ref:
        names = ", ".join(f"{a.get('family-names', '')}, {a.get('given-names', '')[:1]}."
                          for a in ref.get("authors", []))
        text += (f" After {names} ({ref.get('year', '')}), {ref.get('title', '')}, {ref.get('journal', '')}"
                 f" {ref.get('volume', '')}, doi:{ref.get('doi', '')}.")
    return text


def commit(root: Path) -> str:
    """The commit checked out at ``root`` (12 hex digits), "" outside a git repository."""
    return _git(root, "rev-parse", "--short=12", "HEAD")


def edition(root: Path, url: str = "") -> Edition:
    """The edition a build is made from: commit (marked when the tree has uncommitted changes),
    date, data digest, citation and, when ``url`` (the repository's address) is set, the
    address of the commit."""
    built = commit(root)
    changes = uncommitted(root)
    url = url.strip().rstrip("/")
    dirty = any(_read_by_the_build(path) and not _page_source(path) for path in changes)
    return Edition(commit=built, dirty=dirty, date=build_date(),
                   data_digest=data_digest(root), citation=citation(root, built, url), url=url,
                   commit_url=commit_address(url, built), changed=tuple(sorted(filter(_page_source, changes))))
