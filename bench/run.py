"""Benchmark of the book build (`make bench`): prints medians and writes bench/results.md.

Measured on this machine, each as the median of RUNS runs:

- cold build: every notebook executed, HTML built from scratch (`_build` removed);
- no-change rebuild: `make book` right after a build (the short-cut), broken into its parts, and
  `make book FULL=1` (the build's own checks) broken into lock, validation, staleness and the
  published-book check;
- prose edit: one sentence added to one notebook's prose, then `make book`, broken into its parts
  (pair sync, waiting for Sphinx's imports, Sphinx's start, reading, writing, publishing: the build's
  own record of its steps, ``_build/.timings.json``);
- the same edit under `make serve`: from the save until the server offers the new build (open pages
  ask four times a second);
- the fast tier of the tests, `make check` (target: under 15 s);
- one notebook's execution (the yardstick for the prose edit);
- each notebook's own compute: its execution alone (one at a time, ``--jobs 1``) minus one
  kernel's start and imports, so overhead can be told from science;
- the floor: Sphinx's own work with execution off from scratch (starting, reading, writing; its
  imports overlap the notebooks' execution), plus each notebook's kernel start, imports and compute
  scheduled on the cores (sections longest first on the least busy core, then the report,
  which reads the others' records);
- two peers on the same book in a copy: `jupyter-book build` with `execute_notebooks: force` (naive)
  and with `execute_notebooks: cache` (Jupyter Book's own cache; both execute one notebook at a time).
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PY = sys.executable
EDITED = ROOT / "notebooks" / "04-foreign-policy.md"
HEADER = (
    "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    "    format_version: 0.13\nkernelspec:\n  display_name: Python 3 (ipykernel)\n  language: python\n"
    "  name: python3\n---\n\n"
)
IMPORTS = (
    "import pandas, numpy, altair, statsmodels.api, scipy.stats, vl_convert\n"
    "from kzopinion import data, formatting\n"
    "from kzopinion.analysis import charts, models, survey\n"
    "from kzopinion.paper import glue, ledger\n"
    "import myst_nb\n"
)


def timed(command: list[str], cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def median_of(action) -> float:
    values = [action() for _ in range(RUNS)]
    return statistics.median(values)


def fast_tier() -> float:
    """`make check`: the fast tier of the tests, as an author runs it."""
    return timed(["make", "-s", "check"])


def cold() -> float:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    return timed([*MAKE_BOOK, "--full", "--force"])


MAKE_BOOK = [PY, "-m", "kzopinion.book.build"]  # what `make book` runs
TIMINGS = ROOT / "_build" / ".timings.json"
PARTS: dict[str, list[dict[str, float]]] = {}  # the build's own record of its steps, per measure


def keep_parts(measure: str) -> None:
    PARTS.setdefault(measure, []).append(json.loads(TIMINGS.read_text(encoding="utf-8")))


def no_change() -> float:
    """`make book` right after a build: the short-cut answers."""
    subprocess.run(MAKE_BOOK, cwd=ROOT, check=True, capture_output=True)
    return timed(MAKE_BOOK)


def short_cut_parts() -> dict[str, float]:
    """The short-cut's own parts, timed in this process right after a build (its Python start is the rest)."""
    from kzopinion.book import stamps

    subprocess.run(MAKE_BOOK, cwd=ROOT, check=True, capture_output=True)
    if stamps.current(ROOT) is None:
        raise RuntimeError("the short-cut does not find the book it just built current")
    parts = {}
    for name, action in [
        ("walk of the sources' sizes and times", lambda: stamps.files(ROOT)),
        ("commit lookup (git)", lambda: stamps.commit(ROOT)),
        ("whole check (walk, commit, record, published book)", lambda: stamps.current(ROOT)),
    ]:
        started = time.perf_counter()
        action()
        parts[name] = time.perf_counter() - started
    return parts


def no_change_full() -> float:
    """`make book FULL=1`: the build's own checks (lock, tables, staleness of every record, the published book)."""
    seconds = timed([*MAKE_BOOK, "--full"])
    keep_parts("no-change rebuild, full checks (FULL=1)")
    return seconds


def edited(text: str) -> str:
    return text.replace("## Soft power", "A sentence added by the benchmark.\n\n## Soft power", 1)


def prose_edit() -> float:
    original = EDITED.read_text(encoding="utf-8")
    try:
        EDITED.write_text(edited(original), encoding="utf-8")
        seconds = timed(MAKE_BOOK)
        keep_parts("prose edit of one notebook")
        return seconds
    finally:
        EDITED.write_text(original, encoding="utf-8")
        subprocess.run(MAKE_BOOK, cwd=ROOT, check=True, capture_output=True)


def serve_reload() -> float:
    """`make serve`, one prose edit: seconds from the save until the server offers the new build."""
    import urllib.request

    def version(port: int) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__kz_build", timeout=5) as answer:
            return json.load(answer)["version"]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [PY, "-m", "kzopinion.book.serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    original = EDITED.read_text(encoding="utf-8")
    try:
        wait_for(lambda: version(port) >= 1, 900)
        time.sleep(3)  # an author's pause between saves
        served = version(port)
        EDITED.write_text(edited(original), encoding="utf-8")
        started = time.perf_counter()
        wait_for(lambda: version(port) > served, 120)
        return time.perf_counter() - started
    finally:
        with contextlib.suppress(Exception):
            served = version(port)
        EDITED.write_text(original, encoding="utf-8")
        with contextlib.suppress(Exception):
            wait_for(lambda: version(port) > served, 120)
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def wait_for(condition, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while True:
        with contextlib.suppress(OSError, ValueError):
            if condition():
                return
        if time.perf_counter() > deadline:
            raise TimeoutError("make serve did not answer in time")
        time.sleep(0.02)


def one_notebook() -> float:
    code = (
        "from pathlib import Path; from kzopinion import paths; from kzopinion.book import notebooks; "
        f"notebooks.execute(Path({str(EDITED)!r}), paths.root())"
    )
    return timed([PY, "-c", code])


def sphinx_only() -> float:
    """Sphinx's own work on the whole book from scratch (start, read, write, as the build reports them):
    its imports run while notebooks execute and publishing is the build's, so neither is in the floor."""
    code = (
        "from kzopinion import paths; from kzopinion.book import build; build.build_html(paths.root(), full=True); "
        "print(sum(build.SPHINX_SECONDS[p] for p in ('start', 'read', 'write')))"
    )
    result = subprocess.run([PY, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[-1])


def kernel_start_and_imports() -> float:
    """A one-cell notebook importing what the section notebooks import, executed as the build executes one
    (:func:`kzopinion.book.notebooks.execute`, timed inside the process as the build times each notebook)."""
    folder = ROOT / "_build" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "imports.md"
    source.write_text(HEADER + "```{code-cell} ipython3\n" + IMPORTS + "```\n", encoding="utf-8")
    code = (
        "import time; from pathlib import Path; from kzopinion import paths; from kzopinion.book import notebooks\n"
        f"root, folder = paths.root(), Path({str(folder)!r})\n"
        "with notebooks.kernel_environment(folder / 'run', root, root):\n"
        "    started = time.perf_counter()\n"
        "    notebooks.execute(folder / 'imports.md', root, run_dir=folder / 'run',\n"
        "                      record=folder / 'imports.ipynb')\n"
        "    print(time.perf_counter() - started)\n"
    )
    try:
        result = subprocess.run([PY, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
        return float(result.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def per_notebook_execution() -> dict[str, float]:
    """Seconds each notebook takes to execute alone (the build's own report, one notebook at a time)."""
    result = subprocess.run(
        [PY, "-m", "kzopinion.book.build", "--force", "--no-html", "--jobs", "1"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return {name: float(seconds) for name, seconds in re.findall(r"executed (\S+) in ([0-9.]+) s", result.stdout)}


def schedule(durations: list[float], cores: int) -> float:
    """Makespan of ``durations`` on ``cores``: longest first, each on the least busy core."""
    loads = [0.0] * max(1, cores)
    for duration in sorted(durations, reverse=True):
        heapq.heapreplace(loads, loads[0] + duration)
    return max(loads)


def naive(mode: str = "force") -> float:
    """Jupyter Book executing every notebook itself (``execute_notebooks: <mode>``), cold, in a copy."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "book"
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        for name in listed + ["book/data-appendix.md", "book/_static/vendor/vega-bundle.js"]:
            if (ROOT / name).is_file():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, copy / name)
        config = (copy / "_config.yml").read_text().replace('execute_notebooks: "off"', f'execute_notebooks: "{mode}"')
        (copy / "_config.yml").write_text(config + "\n  timeout: 600\n")
        jupyter_book = Path(PY).with_name("jupyter-book")
        return timed([str(jupyter_book), "build", str(copy), "--path-output", str(copy / "out")], cwd=copy)


def main() -> int:
    cores = os.cpu_count() or 1
    count = len(list((ROOT / "notebooks").glob("[0-9][0-9]-*.md")))
    print(f"[bench] {RUNS} runs each, {count} notebooks, {cores} cores", flush=True)
    suite_row = test_suite_row()  # read before the cold build removes _build/, where `make test` keeps it
    results = {}
    for name, action in [
        ("cold build", cold),
        ("no-change rebuild", no_change),
        ("no-change rebuild, full checks (FULL=1)", no_change_full),
        ("prose edit of one notebook", prose_edit),
        ("prose edit under make serve", serve_reload),
        ("one notebook's execution", one_notebook),
        ("Sphinx only, from scratch", sphinx_only),
        ("kernel start and imports", kernel_start_and_imports),
        ("naive baseline (execute: force)", naive),
        ("Jupyter Book cache mode (execute: cache)", lambda: naive("cache")),
        ("fast tier (make check)", fast_tier),
    ]:
        results[name] = median_of(action)
        print(f"[bench] {name:40s} {results[name]:6.1f} s", flush=True)
    short_cut = {
        name: statistics.median(run[name] for run in runs)
        for runs in [[short_cut_parts() for _ in range(RUNS)]]
        for name in runs[0]
    }
    runs = [per_notebook_execution() for _ in range(RUNS)]
    start = results["kernel start and imports"]
    executions = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    compute = {name: max(0.0, seconds - start) for name, seconds in executions.items()}
    for name, seconds in compute.items():
        print(f"[bench] own compute of {name:27s} {seconds:6.1f} s", flush=True)
    reports = [name for name in executions if name.startswith("99-")]
    sections = [seconds for name, seconds in executions.items() if name not in reports]
    floor = results["Sphinx only, from scratch"] + schedule(sections, cores) + sum(executions[name] for name in reports)
    results["floor"] = floor
    cold_time = results["cold build"]
    one = results["one notebook's execution"]
    lines = [
        "# Build benchmark",
        "",
        f"Measured {date.today().isoformat()} on {platform.machine()} with {cores} cores "
        f"({_cpu()}), Python {platform.python_version()}; medians of {RUNS} runs (`make bench`).",
        "",
        "| measure | seconds | target |",
        "|---|---|---|",
        f"| cold build (all notebooks executed, HTML from scratch) | {cold_time:.1f} | at most 1.3 x floor |",
        f"| no-change rebuild (`make book`: the short-cut of kzopinion.book.stamps) | "
        f"{results['no-change rebuild']:.2f} | under 1 |",
        *(f"| &nbsp;&nbsp;of which (in process): {name} | {seconds:.3f} | |" for name, seconds in short_cut.items()),
        f"| no-change rebuild with the full checks (`make book FULL=1`) | "
        f"{results['no-change rebuild, full checks (FULL=1)']:.1f} | |",
        *part_rows("no-change rebuild, full checks (FULL=1)"),
        f"| prose edit of one notebook (`make book`) | {results['prose edit of one notebook']:.1f} | under 3 |",
        *part_rows("prose edit of one notebook"),
        f"| prose edit under `make serve`: from the save until the new build is offered (pages ask every 0.25 s) | "
        f"{results['prose edit under make serve']:.1f} | under 3 |",
        f"| fast tier of the tests (`make check`) | {results['fast tier (make check)']:.1f} | under 15 |",
        suite_row,
        f"| one notebook's execution | {one:.1f} | |",
        f"| kernel start and imports (one notebook) | {start:.1f} | |",
        *(
            f"| own compute of {name} (its execution alone minus kernel start and imports) | {seconds:.1f} | |"
            for name, seconds in compute.items()
        ),
        f"| floor: Sphinx's own work from scratch ({results['Sphinx only, from scratch']:.1f}) + each notebook's "
        f"start, imports and compute scheduled on {cores} cores, the report last | {floor:.1f} | |",
        f"| naive peer (`execute_notebooks: force`, one notebook at a time) | "
        f"{results['naive baseline (execute: force)']:.1f} | slower than cold |",
        f"| cache peer (`execute_notebooks: cache`, cold, one notebook at a time) | "
        f"{results['Jupyter Book cache mode (execute: cache)']:.1f} | not faster than cold |",
        "",
        f"Ratios: cold / floor = {cold_time / floor:.2f}; cold / naive = "
        f"{cold_time / results['naive baseline (execute: force)']:.2f}; cold / cache = "
        f"{cold_time / results['Jupyter Book cache mode (execute: cache)']:.2f}.",
        "",
    ]
    (ROOT / "bench" / "results.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


def test_suite_row() -> str:
    """The whole suite's time, as the last `make test` on this machine recorded it (run it before the bench:
    it takes minutes, so the bench does not run it itself)."""
    try:
        last = json.loads((ROOT / "_build" / ".test-timings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "| whole test suite (`make test`) | not recorded: run `make test`, then `make bench` | under 480 |"
    return (
        f"| whole test suite (`make test`, its last run: {last['tests']} tests) | {last['seconds']:.0f} | under 480 |"
    )


def part_rows(measure: str) -> list[str]:
    """Rows for the parts of ``measure``: the medians of the build's own record of its steps (the part of the
    line above not listed is Python's start and the build's imports, and the end of the process)."""
    runs = PARTS.get(measure, [])
    names = [name for name in runs[0] if name != "total"] if runs else []
    return [
        f"| &nbsp;&nbsp;of which: {name} | {statistics.median(run.get(name, 0.0) for run in runs):.2f} | |"
        for name in names
    ]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
