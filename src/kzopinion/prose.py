"""Glue computed values into the prose.

Notebooks never type a result into a sentence: they compute it, format it with
:mod:`kzopinion.formatting`, and glue the string here; the markdown pastes it with
``{glue:text}`key```. Only plain strings are accepted, so a page can never show
``np.float64(...)``.
"""

from __future__ import annotations

import re

_KEY = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")


def glue_text(key: str, text: str) -> str:
    """Glue ``text`` under ``key`` (``section_prefix_name``, snake_case) without displaying it."""
    from myst_nb import glue  # imported here: myst_nb is slow to import and only needed in notebooks

    if not _KEY.fullmatch(key):
        raise ValueError(f"glue key {key!r} must be snake_case with a section prefix, e.g. 'ds_gallup_moe'")
    if not isinstance(text, str):
        raise TypeError(f"glue {key!r}: format the value first (kzopinion.formatting); got {type(text).__name__}")
    glue(key, text, display=False)
    return text


def glue_texts(values: dict[str, str]) -> dict[str, str]:
    """Glue several formatted values at once; returns them for display in a table."""
    for key, text in values.items():
        glue_text(key, text)
    return values
