"""The analysis each chapter calls: one module per notebook, named after it (``NN-slug`` -> ``slug``).

Each builds on the shared code in :mod:`kzopinion.analysis` and the data layer (:mod:`kzopinion.data`),
and records its claims through :mod:`kzopinion.paper.ledger`. A chapter that checks claims of the
article names its claim-id prefix in ``PREFIX`` and may define ``claim_values(tables)``: the ledger
values it computes from the data tables (:func:`kzopinion.paper.ledger.record_section` records them
with the claims bound to their own cell). No registry lists the chapters: nothing here needs editing
when a section is added.
"""
