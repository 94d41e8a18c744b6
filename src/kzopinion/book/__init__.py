"""The book machinery: everything that turns the notebooks and the data into the book.

- building and execution: :mod:`~kzopinion.book.build`, :mod:`~kzopinion.book.notebooks`
  (pairing, staleness), :mod:`~kzopinion.book.runlog` (what a run read), :mod:`~kzopinion.book.editions`,
  :mod:`~kzopinion.book.variants`, :mod:`~kzopinion.book.scaffold` (a new section), :mod:`~kzopinion.book.serve`;
- the prose: :mod:`~kzopinion.book.glue` (gluing and pasting values), :mod:`~kzopinion.book.claims`
  (the claims ledger), :mod:`~kzopinion.book.report` (tables and banners), :mod:`~kzopinion.book.appendix`
  (the data appendix), :mod:`~kzopinion.book.doorways` and :mod:`~kzopinion.book.sourcebox`;
- the output: :mod:`~kzopinion.book.sphinxext`, :mod:`~kzopinion.book.vendor` (offline assets),
  :mod:`~kzopinion.book.pdf` and :mod:`~kzopinion.book.browser`.
"""
