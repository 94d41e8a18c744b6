"""Helpers for the living edition of Laruelle & Royce (2021).

Modules are imported on demand (``from kzopinion import survey``); importing the
package itself does no work, so notebook kernels start fast.
"""

__version__ = "0.1.0"
