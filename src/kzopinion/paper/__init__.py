"""The paper room: what a chapter calls to record claims, glue values and build report tables.

- :mod:`kzopinion.paper.ledger`: the claims ledger: record a section's claims
  (:func:`~kzopinion.paper.ledger.record_section`), derive each claim's status from its provenance;
- :mod:`kzopinion.paper.glue`: glue a formatted value for the prose (``{glue:text}`key```);
- :mod:`kzopinion.paper.records`: read back what the executed records glued;
- :mod:`kzopinion.paper.report_tables`: the replication report's tables and the data banners, as HTML;
- :mod:`kzopinion.paper.figures`: how a chart is written into a record (offline HTML, an Altair renderer plugin).

It imports the data room and the ground floor only, never the analysis (beside it), the chapters or the
book machinery (above it): ``make lint`` checks that with import-linter.
"""
