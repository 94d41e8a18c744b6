"""The book machinery: everything that turns the notebook sources and the data into the book.

Nothing else imports this room, and kernels never load it (only the build's start-up file, which records
what a run reads), so editing it re-executes no notebook.

- building and execution: :mod:`~kzopinion.book.build` (what ``make book`` runs, start to end),
  :mod:`~kzopinion.book.stamps` (what the book was built from), :mod:`~kzopinion.book.notebooks` (pairing,
  staleness, execution), :mod:`~kzopinion.book.kernel_reads` (what a run read), :mod:`~kzopinion.book.guard`
  (kernels run on a copy outside the repository), :mod:`~kzopinion.book.editions` (public and microdata editions),
  :mod:`~kzopinion.book.variants`, :mod:`~kzopinion.book.scaffold` (a new section),
  :mod:`~kzopinion.book.serve`;
- the pages, as Sphinx extensions: :mod:`~kzopinion.book.generated_sources` (the data appendix, the chart
  bundle, phase timings), :mod:`~kzopinion.book.page_chrome` (offline pages, the edition footer, the
  repository buttons), :mod:`~kzopinion.book.number_doorways` (every pasted value a doorway to its
  provenance; the ledger files), :mod:`~kzopinion.book.source_downloads` (a page's source box); what they
  show comes from :mod:`~kzopinion.book.number_sources`, :mod:`~kzopinion.book.build_stamp`,
  :mod:`~kzopinion.book.appendix`, :mod:`~kzopinion.book.pastes` and :mod:`~kzopinion.book.vendor`;
- the other outputs: :mod:`~kzopinion.book.pdf` and :mod:`~kzopinion.book.browser`.
"""
