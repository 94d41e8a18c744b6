"""Helpers for the living edition of Laruelle & Royce (2021), in three rooms: the analysis a
chapter calls (:mod:`kzopinion.chapters` over :mod:`kzopinion.analysis`), the data layer
(:mod:`kzopinion.data`) and the book machinery (:mod:`kzopinion.book`).

Modules are imported on demand (``from kzopinion.analysis import survey``); importing the
package itself does no work, so notebook kernels start fast.
"""

__version__ = "0.1.0"
