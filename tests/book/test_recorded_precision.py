"""Records keep the recorded precision: the stable rounding of kzopinion.formatting, and no float in a committed
record beyond it (the perturbation that shows why is in test_determinism.py, slow)."""

from __future__ import annotations

import json
import re

import nbformat

from kzopinion import formatting
from kzopinion.book import notebooks


def test_stable_rounds_to_the_recorded_precision():
    assert formatting.stable(0.25691371039068633) == formatting.stable(0.2569137111226302) == 0.256914
    assert formatting.stable(2014.0) == 2014.0 and formatting.stable(-0.0875) == -0.0875
    assert formatting.stable_tree({"data": [{"x": 1 / 3, "label": "a"}], "n": 3}) == {
        "data": [{"x": 0.333333, "label": "a"}],
        "n": 3,
    }


def test_records_keep_no_float_beyond_the_recorded_precision(root):
    """Glued values, tables, chart data (the spec embedded in each chart) and the static SVG's coordinates
    carry no number with more than eight significant digits: no last bits of any machine's arithmetic."""
    for source in notebooks.sources(root):
        record = nbformat.read(notebooks.twin(source), as_version=4)
        for cell in record.cells:
            for output in cell.get("outputs", []):
                for mime, payload in output.get("data", {}).items():
                    text = payload if isinstance(payload, str) else json.dumps(payload)
                    long = [m for m in re.findall(r"-?\d+\.\d+", text) if len(m.strip("-0.").replace(".", "")) > 8]
                    assert not long, (source.stem, mime, long[:3])
