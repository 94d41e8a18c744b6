"""The book machinery: everything that turns the notebooks and the data into the book.

- building and execution: :mod:`~kzopinion.book.build`, :mod:`~kzopinion.book.notebooks`
  (pairing, staleness), :mod:`~kzopinion.book.kernel_reads` (what a run read), :mod:`~kzopinion.book.editions`,
  :mod:`~kzopinion.book.variants`, :mod:`~kzopinion.book.scaffold` (a new section), :mod:`~kzopinion.book.serve`;
- the prose: :mod:`~kzopinion.paper.glue` (gluing and pasting values), :mod:`~kzopinion.paper.ledger`
  (the claims ledger), :mod:`~kzopinion.paper.report_tables` (tables and banners), :mod:`~kzopinion.book.appendix`
  (the data appendix), :mod:`~kzopinion.book.number_sources` and :mod:`~kzopinion.book.source_downloads`;
- the output: :mod:`~kzopinion.book.sphinxext`, :mod:`~kzopinion.book.vendor` (offline assets),
  :mod:`~kzopinion.book.pdf` and :mod:`~kzopinion.book.browser`.
"""
