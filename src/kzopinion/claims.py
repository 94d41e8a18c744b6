"""The claims ledger: the book's value of each number the article prints, and its status.

In a notebook, one call per claim::

    claims.record("fp_condemn_share", 38 / 49, fmt.count_of(38, 49), tier="published",
                  inputs=["focus_group_codes"])

computes nothing itself: it checks the id against ``data/published/claims.csv``, glues the
formatted text under the claim id (for ``{glue:text}`fp_condemn_share```) and glues a
ledger entry (value, tier, sha256 of every input table, the cell that computed it) under
``ledger_<id>``; the cell is known from where that entry sits in the executed notebook. The ledger therefore lives in the executed notebooks themselves; the
replication report and the exported ``claims.json`` are assembled from them.

Status of a claim:

- ``reproduced``: the book's value is within the claim's tolerance, from data in the repository;
- ``differs``: outside tolerance (the claim's note says why);
- ``reported-only``: needs microdata that is absent (or only the simulated stand-in ran);
- ``not-yet``: no notebook computes it yet.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pandas as pd

from kzopinion import data, paths
from kzopinion.formatting import stable

TIERS = ("published", "external", "microdata", "simulated")
STATUSES = ("reproduced", "differs", "reported-only", "not-yet")
LEDGER_PREFIX = "ledger_"


@lru_cache(maxsize=None)
def _claim_ids(root: Path) -> frozenset[str]:
    return frozenset(data.load("claims", root)["id"])


def record(claim_id: str, value: float, text: str, *, tier: str, inputs: Iterable[str]) -> str:
    """Glue ``text`` for the prose and a ledger entry for claim ``claim_id``; returns ``text``."""
    from kzopinion.prose import glue_text

    root = paths.root()
    if claim_id not in _claim_ids(root):
        raise KeyError(f"'{claim_id}' is not a claim id in data/published/claims.csv: add a row for it first.")
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {TIERS}, got {tier!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"claim {claim_id}: the computed value is missing; leave the claim unrecorded instead")
    inputs = sorted(set(inputs))
    entry = {
        "id": claim_id, "value": stable(number), "text": text, "tier": tier,
        "inputs": {name: _input_hash(name, root) for name in inputs},
    }
    glue_text(claim_id, text)
    glue_text(LEDGER_PREFIX + claim_id, json.dumps(entry, sort_keys=True))
    return text


def _input_hash(name: str, root: Path) -> str:
    """Checksum of a data-package table, or of registered microdata (``microdata:<source>``)."""
    if name.startswith("microdata:"):
        from kzopinion import microdata

        return microdata.fingerprint(name.split(":", 1)[1], root)
    return data.resource(name, root)["hash"]


def entries(root: Path) -> pd.DataFrame:
    """Every ledger entry in the executed notebooks, with the notebook that recorded it."""
    from kzopinion import gluekeys, notebooks

    rows = []
    for source in notebooks.sources(root):
        record_path = notebooks.twin(source)
        if not record_path.exists():
            continue
        cells = gluekeys.glued_cells(record_path)
        for key, text in gluekeys.glued_values(record_path).items():
            if key.startswith(LEDGER_PREFIX):
                rows.append({**json.loads(text), "notebook": source.stem, "cell": cells[key]})
    columns = ["id", "value", "text", "tier", "inputs", "cell", "notebook"]
    return pd.DataFrame(rows, columns=columns)


def status_of(claim: pd.Series, entry: pd.Series | None, microdata_present: bool = False) -> str:
    """Status of one claim given the book's ledger entry (or ``None``)."""
    if entry is None:
        return "reported-only" if claim["needs"] == "microdata" and not microdata_present else "not-yet"
    if entry["tier"] == "simulated":
        return "reported-only"
    return "reproduced" if abs(float(entry["value"]) - float(claim["value"])) <= float(claim["tolerance"]) + 1e-9 \
        else "differs"


def table(root: Path | None = None) -> pd.DataFrame:
    """The claims joined with the book's values and their computed status.

    Columns: the claim's own columns, ``book_value``, ``book_text``, ``tier``, ``notebook``,
    ``cell``, ``inputs`` and ``computed_status`` (``status`` stays the reviewed one).
    """
    root = root or paths.root()
    claims = data.load("claims", root)
    ledger = entries(root)
    unknown = sorted(set(ledger["id"]) - set(claims["id"]))
    if unknown:
        raise KeyError(f"notebooks recorded ids that are not in data/published/claims.csv: {unknown}")
    duplicated = sorted(ledger["id"][ledger["id"].duplicated()])
    if duplicated:
        raise KeyError(f"claims recorded by more than one notebook cell: {duplicated}")
    by_id = {row["id"]: row for _, row in ledger.iterrows()}
    out = claims.copy()
    out["book_value"] = [by_id[i]["value"] if i in by_id else float("nan") for i in claims["id"]]
    out["book_text"] = [by_id[i]["text"] if i in by_id else "" for i in claims["id"]]
    out["tier"] = [by_id[i]["tier"] if i in by_id else "" for i in claims["id"]]
    out["notebook"] = [by_id[i]["notebook"] if i in by_id else "" for i in claims["id"]]
    out["cell"] = [by_id[i]["cell"] if i in by_id else None for i in claims["id"]]
    out["inputs"] = [by_id[i]["inputs"] if i in by_id else {} for i in claims["id"]]
    out["computed_status"] = [status_of(c, by_id.get(c["id"])) for _, c in claims.iterrows()]
    return out


def export(root: Path, target: Path) -> list[Path]:
    """Write the ledger as ``claims.json`` and ``claims.csv`` into ``target`` (the built site)."""
    ledger = table(root)
    columns = ["id", "section", "statement", "printed", "value", "unit", "tolerance", "book_value", "book_text",
               "tier", "computed_status", "status", "notebook", "cell", "inputs", "note"]
    ledger = ledger[columns].rename(columns={"value": "article_value", "status": "reviewed_status",
                                             "computed_status": "status"})
    target.mkdir(parents=True, exist_ok=True)
    records = json.loads(ledger.to_json(orient="records"))
    json_path, csv_path = target / "claims.json", target / "claims.csv"
    json_path.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    flat = ledger.assign(inputs=[json.dumps(i, sort_keys=True) for i in ledger["inputs"]])
    flat.to_csv(csv_path, index=False, lineterminator="\n")
    return [json_path, csv_path]


def record_many(rows: Iterable[tuple[str, float, str]], *, tier: str, inputs: Iterable[str]) -> dict[str, str]:
    """:func:`record` for several ``(claim_id, value, text)`` rows sharing a tier and inputs."""
    inputs = list(inputs)
    return {claim_id: record(claim_id, value, text, tier=tier, inputs=inputs) for claim_id, value, text in rows}


def summary(ledger: pd.DataFrame) -> pd.DataFrame:
    """Counts of computed statuses by article section (sections in article order)."""
    order = list(dict.fromkeys(ledger["section"]))
    counts = ledger.groupby(["section", "computed_status"]).size().rename("claims").reset_index()
    counts["section_order"] = counts["section"].map(order.index)
    counts["status_order"] = counts["computed_status"].map(STATUSES.index)
    return counts.sort_values(["section_order", "status_order"]).reset_index(drop=True)


def mismatches(ledger: pd.DataFrame) -> list[str]:
    """Claims whose computed status is not the reviewed one, as readable lines."""
    return [f"{r.id}: reviewed '{r.status}', now '{r.computed_status}' (article {r.printed}, book {r.book_text or '-'})"
            for r in ledger.itertuples() if r.status != r.computed_status]


def record_sign(claim_id: str, positive: bool, *, tier: str, inputs: Iterable[str],
                words: tuple[str, str] = ("positive", "negative")) -> str:
    """Record a claim about the sign of an association: 1 when ``positive``, -1 otherwise."""
    return record(claim_id, 1.0 if positive else -1.0, words[0] if positive else words[1], tier=tier, inputs=inputs)


def record_counts(claim_ids: Iterable[str]) -> dict[str, str]:
    """Record focus-group count claims from the coded table, each through its ``key`` in claims.csv."""
    from kzopinion import formatting as fmt

    root = paths.root()
    claims = data.load("claims", root).set_index("id")
    count = data.load("focus_group_codes", root).set_index("code")["count"]
    out = {}
    for claim_id in claim_ids:
        table, key = claims.at[claim_id, "table"], claims.at[claim_id, "key"]
        if table != "focus_group_codes" or not isinstance(key, str) or key not in count.index:
            raise KeyError(f"claim '{claim_id}' has no focus-group code in the 'key' column of data/published/claims.csv")
        out[claim_id] = record(claim_id, count[key], fmt.count(count[key]), tier="published", inputs=["focus_group_codes"])
    return out
