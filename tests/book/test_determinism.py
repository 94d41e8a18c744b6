"""Records are the same on any CPU: the last bits of one machine's arithmetic never reach them.

Another CPU cannot be borrowed here, so the test perturbs this one: ``KZOPINION_PERTURB``
nudges every fit's starting values by a relative 1e-9 and reverses the order of the rows it
is given, which moves iterative and BLAS results by about as much as a different CPU would.
Re-executing every notebook that way must leave each committed record byte-identical, and
nbval must still pass on the respondent-level notebooks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from kzopinion import formatting
from kzopinion.book import notebooks

PERTURBED = {**os.environ, "KZOPINION_PERTURB": "1e-9"}


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


@pytest.mark.slow
def test_perturbed_fits_leave_every_record_byte_identical(repo_copy):
    before = {s.name: notebooks.twin(s).read_bytes() for s in notebooks.sources(repo_copy)}
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--force", "--no-html"],
        cwd=repo_copy,
        env=PERTURBED,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    changed = [
        name
        for name, content in before.items()
        if notebooks.twin(repo_copy / "notebooks" / name).read_bytes() != content
    ]
    assert changed == [], f"records changed by a 1e-9 perturbation of the fits: {changed}"
    nbval = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "notebooks/02-russia-correlation.ipynb",
            "notebooks/03-cultural-values.ipynb",
        ],
        cwd=repo_copy,
        env=PERTURBED,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert nbval.returncode == 0, nbval.stdout[-3000:]
