"""Glue computed values into the prose, and check what the prose pastes against what was glued.

The two halves of one job. Notebooks never type a result into a sentence: they compute it,
format it with :mod:`kzopinion.formatting`, and glue the string with :func:`glue_text`; the
markdown pastes it with ``{glue:text}`key```. Only plain strings are accepted, so a page can
never show ``np.float64(...)``. The build then reads which keys the prose pastes
(:func:`pasted_refs`) and which values the executed records glued (:func:`glued_values`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_KEY = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")


INPUTS_METADATA = "kzopinion"  # output metadata key holding the declared inputs of a glued value


def glue_text(key: str, text: str, inputs: Iterable[str] | None = None) -> str:
    """Glue ``text`` under ``key`` (``section_prefix_name``, snake_case) without displaying it.

    ``inputs`` names what the value was computed from (data-package tables, or a respondents'
    source such as ``Respondents.inputs``); their checksums are stored with the glued value
    (for respondent-level data, the sha256 of every registered file), and the page's doorway
    shows them.
    """
    from myst_nb import glue  # imported here: myst_nb is slow to import and only needed in notebooks

    if not _KEY.fullmatch(key):
        raise ValueError(f"glue key {key!r} must be snake_case with a section prefix, e.g. 'ds_gallup_moe'")
    if not isinstance(text, str):
        raise TypeError(f"glue {key!r}: format the value first (kzopinion.formatting); got {type(text).__name__}")
    if inputs is None:
        glue(key, text, display=False)
        return text
    # myst_nb.glue's own display, with the inputs beside its scrapbook entry in the output's metadata
    from IPython.core.formatters import format_display_data
    from IPython.display import display
    from myst_nb.ext.glue import GLUE_PREFIX

    from kzopinion import paths
    from kzopinion.data.provenance import input_digests

    bundle, metadata = format_display_data(text)
    metadata["scrapbook"] = {"name": key, "mime_prefix": GLUE_PREFIX}
    metadata[INPUTS_METADATA] = {"inputs": input_digests(sorted(set(inputs)), paths.root())}
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
    return text


def glue_texts(values: dict[str, str], inputs: Iterable[str] | None = None) -> dict[str, str]:
    """Glue several formatted values at once (all computed from ``inputs``, if given); returns them."""
    for key, text in values.items():
        glue_text(key, text, inputs)
    return values
