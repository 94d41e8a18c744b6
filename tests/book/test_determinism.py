"""Records are the same on any CPU: the last bits of one machine's arithmetic never reach them.

Another CPU cannot be borrowed here, so the test perturbs this one: inside every notebook kernel,
``perturbed_fits/sitecustomize.py`` (put on ``PYTHONPATH``, which the build passes on to the
kernels) nudges every fit's starting values by a relative 1e-9 and reverses the order of the rows
it is given, which moves iterative and BLAS results by about as much as a different CPU would.
Re-executing every notebook that way must leave each committed record byte-identical, and nbval
must still pass on the respondent-level notebooks. The analysis code knows nothing of it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from kzopinion.book import notebooks

pytestmark = pytest.mark.slow

HOOK = Path(__file__).parent / "perturbed_fits"
NUDGE = 1e-9


def perturbed(log: Path) -> dict[str, str]:
    """The environment of a process whose kernels fit perturbed (``perturbed_fits/sitecustomize.py``),
    each perturbed fit noted in ``log``."""
    path = os.pathsep.join([str(HOOK), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path, "PERTURB_FITS": str(NUDGE), "PERTURB_FITS_LOG": str(log)}


def fits(log: Path) -> Counter:
    """How many fits of each entry point (and nudged starts) ``log`` notes; empties it."""
    noted = Counter(log.read_text(encoding="utf-8").split()) if log.exists() else Counter()
    log.unlink(missing_ok=True)
    return noted


FITS = """
import numpy as np
import pandas as pd
from kzopinion.analysis import models

rng = np.random.default_rng(7)
x = pd.DataFrame({"x": rng.normal(size=300)})
levels = np.digitize(x["x"] + rng.logistic(size=300), [-1.0, 1.0])
ordered = models.ordered_logit(pd.Series(pd.Categorical(levels, [0, 1, 2], ordered=True)), x)
linear = models.ols(pd.Series(levels, dtype=float), x, pd.Series(rng.uniform(0.5, 1.5, 300)))
fitted = {
    "ordered_rows": ordered.model.endog.tolist(),
    "ordered_start": ordered.mle_settings["start_params"].tolist(),
    "ordered_params": ordered.params.tolist(),
    "linear_rows": linear.model.endog.tolist(),
    "linear_params": linear.params.tolist(),
}
"""


def test_the_hook_reverses_every_fits_rows_and_nudges_the_ordered_logits_start(tmp_path):
    """What the records are tested against: in a process started with :func:`perturbed`, both fitting
    entry points see their rows reversed, the ordered logit starts 1e-9 away, and each fit is noted."""
    log = tmp_path / "fits.log"
    script = FITS + "import json\nprint(json.dumps(fitted))\n"
    run = subprocess.run(
        [sys.executable, "-c", script], env=perturbed(log), capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    got, plain = json.loads(run.stdout), {}
    exec(FITS, plain)  # this process has no hook: the same fits unperturbed
    want = plain["fitted"]
    assert got["ordered_rows"] == want["ordered_rows"][::-1] != want["ordered_rows"]
    assert got["linear_rows"] == want["linear_rows"][::-1] != want["linear_rows"]
    start = [value * (1 + NUDGE) + NUDGE for value in want["ordered_start"]]
    assert got["ordered_start"] == pytest.approx(start, rel=1e-15, abs=1e-20)
    assert all(a != b for a, b in zip(got["ordered_start"], want["ordered_start"], strict=True))
    assert got["ordered_params"] == pytest.approx(want["ordered_params"], rel=1e-8)
    assert got["linear_params"] == pytest.approx(want["linear_params"], rel=1e-10)
    assert fits(log) == Counter({"ordered_logit": 1, "start": 1, "ols": 1})


def test_perturbed_fits_leave_every_record_byte_identical(repo_copy, tmp_path):
    log = tmp_path / "fits.log"
    before = {s.name: notebooks.twin(s).read_bytes() for s in notebooks.sources(repo_copy)}
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--force", "--no-html"],
        cwd=repo_copy,
        env=perturbed(log),
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
    noted = fits(log)
    assert noted["ols"] and noted["ordered_logit"] == noted["start"] > 0, f"the kernels fitted unperturbed: {noted}"
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
        env=perturbed(log),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert nbval.returncode == 0, nbval.stdout[-3000:]
    noted = fits(log)
    assert noted["ols"] and noted["ordered_logit"] == noted["start"] > 0, f"nbval's kernels fitted unperturbed: {noted}"
