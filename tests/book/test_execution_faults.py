"""Faults while the notebooks execute (kzopinion.book.notebooks.execute, driven by the build), injected into a
copy of the repository: a failing cell keeps the previous book and the record; executing twice is byte-identical;
a dead kernel names the notebook, the cell and its .md line; an endless cell prints progress lines and stops at
the timeout, and a bad timeout is a sentence; Ctrl-C stops a long cell at once with one line. (The fault table:
test_build_faults.py.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from fixtures import build_failure, edit, run_build, wait_for

from kzopinion.book import notebooks

pytestmark = pytest.mark.slow  # each test executes notebooks in a copy of the repository


def test_a_failing_cell_keeps_the_previous_book(repo_copy):
    assert run_build(repo_copy).returncode == 0
    index = repo_copy / "_build/html/index.html"
    before = index.read_bytes()
    source = repo_copy / "notebooks/01-data-sources.md"
    record_before = notebooks.twin(source).read_bytes()
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("design = tables[", "raise RuntimeError('injected fault')\ndesign = tables[", 1), encoding="utf-8"
    )
    result = run_build(repo_copy)
    assert result.returncode == 1
    assert "Executing notebooks/01-data-sources.md failed" in result.stderr and "injected fault" in result.stderr
    assert index.read_bytes() == before, "the previous good book must stay in place"
    assert notebooks.twin(source).read_bytes() == record_before, "the committed record must stay untouched"
    for page in (repo_copy / "_build/html").rglob("*.html"):
        assert "injected fault" not in page.read_text(encoding="utf-8"), page


def test_executing_twice_is_byte_identical(repo_copy):
    source = repo_copy / "notebooks/02-russia-correlation.md"
    notebooks.execute(source, repo_copy)
    first = notebooks.twin(source).read_bytes()
    notebooks.execute(source, repo_copy)
    second = notebooks.twin(source).read_bytes()
    assert first == second
    text = first.decode()
    assert not re.search(r"0x[0-9a-f]{8,}", text), "no memory addresses in outputs"
    assert not re.search(r"20\d\d-\d\d-\d\dT\d\d:\d\d", text), "no timestamps in outputs"
    assert '"papermill": {' not in text and "altair-viz-" not in text, "no papermill timings, no random chart ids"


def test_a_dead_kernel_names_the_notebook_and_cell(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "tables = Tables()", "import os\nos._exit(9)  # as the out-of-memory killer would\ntables = Tables()")
    record = notebooks.twin(source).read_bytes()
    message = build_failure(run_build(repo_copy, "--no-html"))
    line = notebooks.code_cell_lines(source)[1]
    assert "Executing notebooks/04-foreign-policy.md failed" in message
    assert f"the kernel died while running code cell 2 (line {line} of notebooks/04-foreign-policy.md)" in message
    assert notebooks.twin(source).read_bytes() == record


def test_an_endless_cell_is_stopped_with_progress_lines(repo_copy):
    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "tables = Tables()", "import time\ntime.sleep(60)\ntables = Tables()")
    result = subprocess.run(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html", "--timeout", "6"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KZOPINION_PROGRESS_SECONDS": "2"},
    )
    message = build_failure(result)
    assert "code cell 2 (line" in message and "ran for more than 6 s" in message and "TIMEOUT=12" in message
    assert "04-foreign-policy: code cell 2 (line" in result.stdout and "still running after" in result.stdout


def test_a_bad_timeout_is_a_sentence(repo_copy):
    assert "must be a positive number of seconds" in build_failure(
        run_build(repo_copy, "--no-html", "--timeout", "soon")
    )


def _lines_of(process: subprocess.Popen) -> list[str]:
    import threading

    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return lines


def _processes_mentioning(text: str) -> list[int]:
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        if any(text in part for part in process.info["cmdline"] or []):
            found.append(process.info["pid"])
    return found


def test_ctrl_c_stops_a_long_cell_at_once_with_one_line(repo_copy):
    import signal
    import time

    source = repo_copy / "notebooks/04-foreign-policy.md"
    edit(source, "tables = Tables()", "import time\ntime.sleep(600)\ntables = Tables()")
    record = notebooks.twin(source).read_bytes()
    build = subprocess.Popen(
        [sys.executable, "-m", "kzopinion.book.build", "--no-html"],
        cwd=repo_copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "KZOPINION_PROGRESS_SECONDS": "1"},
    )
    lines = _lines_of(build)
    wait_for(lambda: any("still running" in line for line in lines), 300)
    os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to the foreground group
    started = time.monotonic()
    assert build.wait(timeout=30) == 130
    assert time.monotonic() - started < 10, "stopped at once"
    errors = build.stderr.read().strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("[book] stopped:"), errors
    assert notebooks.twin(source).read_bytes() == record, "the record is left as it was"
    assert not list((repo_copy / "notebooks").glob(".*.partial"))
    wait_for(lambda: not _processes_mentioning(str(repo_copy)), 10)  # no kernel left running
