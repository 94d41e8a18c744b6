"""The workflow schema check `make lint` runs (check-jsonschema's copy of the GitHub workflow schema) refuses a
broken workflow and accepts the repository's (slow: runs the tool twice)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_publish import WORKFLOWS

pytestmark = pytest.mark.slow


def test_the_workflow_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    # no runs-on
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: bash .ci/run\n", encoding="utf-8")
    tool = str(Path(sys.executable).with_name("check-jsonschema"))
    bad = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True, text=True
    )
    good = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS.glob("*.yml"))],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "runs-on" in bad.stdout + bad.stderr
    assert good.returncode == 0, good.stdout + good.stderr
