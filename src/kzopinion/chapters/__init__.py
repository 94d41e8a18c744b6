"""The analysis each chapter calls: one module per notebook, named after it.

``data_sources`` (01), ``russia_correlation`` (02), ``cultural_values`` (03),
``foreign_policy`` (04), ``preferences`` (05) and ``replication_report`` (99). Each builds on
the shared code in :mod:`kzopinion.analysis` (``survey``, ``models``, ``charts``,
``focus_groups``) and the data layer (:mod:`kzopinion.data`); a chapter with table-based
ledger values exposes ``claim_values(tables)``: the ledger values its notebook computes from the data tables.
"""

from __future__ import annotations

from importlib import import_module

# The notebook prefix of each chapter whose ledger values come from the data tables.
TABLE_CHAPTERS = {"ds": "data_sources", "cu": "cultural_values", "fp": "foreign_policy", "pr": "preferences"}


def variant_defaults(variants, notebook: str) -> dict[str, str]:
    """The article's value of each open choice of ``notebook`` (the ``default`` rows of ``analysis_variants``)."""
    mine = variants[(variants["notebook"] == notebook) & variants["default"].astype(bool)]
    return dict(zip(mine["parameter"], mine["value"]))


def table_claims(prefix: str, tables) -> dict:
    """Every ledger value notebook ``prefix`` computes from the data tables: its bound cells
    (:func:`kzopinion.book.claims.bound_values`) and its chapter's ``claim_values``."""
    from kzopinion.book import claims

    chapter = import_module(f"kzopinion.chapters.{TABLE_CHAPTERS[prefix]}")
    return {**claims.bound_values(prefix, tables), **chapter.claim_values(tables)}
