"""Benchmark of the book build (`make bench`): prints medians and writes bench/results.md.

Measured on this machine, each as the median of RUNS runs:

- cold build: every notebook executed, HTML built from scratch (`_build` removed);
- no-change rebuild: `make book` right after a build;
- prose edit: one sentence added to one notebook's prose, then `make book`;
- one notebook's execution (the yardstick for the prose edit);
- each notebook's own compute: its execution alone (one at a time, ``--jobs 1``) minus one
  kernel's start and imports, so overhead can be told from science;
- the floor: Sphinx with execution off from scratch, plus each notebook's kernel start, imports and
  compute scheduled on the cores (sections longest first on the least busy core, then the report,
  which reads the others' records);
- two peers on the same book in a copy: `jupyter-book build` with `execute_notebooks: force` (naive)
  and with `execute_notebooks: cache` (Jupyter Book's own cache; both execute one notebook at a time).
"""

from __future__ import annotations

import heapq
import os
import platform
import re
import shutil
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
IMPORTS = ("import pandas, numpy, altair, statsmodels.api, scipy.stats, vl_convert\n"
           "from kzopinion import data, formatting\n"
           "from kzopinion.analysis import charts, models, survey\n"
           "from kzopinion.book import claims, glue\n"
           "import myst_nb\n")


def timed(command: list[str], cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def median_of(action) -> float:
    values = [action() for _ in range(RUNS)]
    return statistics.median(values)


def cold() -> float:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    return timed([PY, "-m", "kzopinion.book.build", "--force"])


def no_change() -> float:
    """What `make book` runs: the short-cut (kzopinion.book.uptodate), then the build only if it says so."""
    started = time.perf_counter()
    if subprocess.run([PY, "-m", "kzopinion.book.uptodate"], cwd=ROOT, capture_output=True).returncode != 0:
        subprocess.run([PY, "-m", "kzopinion.book.build"], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def no_change_full() -> float:
    """`make book FULL=1`: the build's own checks (tables validated, staleness of every record, the published book)."""
    return timed([PY, "-m", "kzopinion.book.build"])


def prose_edit() -> float:
    original = EDITED.read_text(encoding="utf-8")
    try:
        EDITED.write_text(original.replace("## Soft power", "A sentence added by the benchmark.\n\n## Soft power", 1),
                          encoding="utf-8")
        return timed([PY, "-m", "kzopinion.book.build"])
    finally:
        EDITED.write_text(original, encoding="utf-8")
        subprocess.run([PY, "-m", "kzopinion.book.build"], cwd=ROOT, check=True, capture_output=True)


def one_notebook() -> float:
    code = ("from pathlib import Path; from kzopinion import paths; from kzopinion.book import notebooks; "
            f"notebooks.execute(Path({str(EDITED)!r}), paths.root())")
    return timed([PY, "-c", code])


def sphinx_only() -> float:
    code = "from kzopinion import paths; from kzopinion.book import build; build.build_html(paths.root(), full=True)"
    return timed([PY, "-c", code])


def kernel_start_and_imports() -> float:
    """papermill on a one-cell notebook that imports what the section notebooks import."""
    import nbformat

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "imports.ipynb"
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(IMPORTS)])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, path)
        return timed([PY, "-m", "papermill", str(path), str(path), "-k", "python3", "--no-progress-bar"], cwd=ROOT)


def per_notebook_execution() -> dict[str, float]:
    """Seconds each notebook takes to execute alone (the build's own report, one notebook at a time)."""
    result = subprocess.run([PY, "-m", "kzopinion.book.build", "--force", "--no-html", "--jobs", "1"], cwd=ROOT,
                            check=True, capture_output=True, text=True)
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
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
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
    results = {}
    for name, action in [("cold build", cold), ("no-change rebuild", no_change),
                         ("no-change rebuild, full checks (FULL=1)", no_change_full),
                         ("prose edit of one notebook", prose_edit),
                         ("one notebook's execution", one_notebook), ("Sphinx only, from scratch", sphinx_only),
                         ("kernel start and imports", kernel_start_and_imports),
                         ("naive baseline (execute: force)", naive),
                         ("Jupyter Book cache mode (execute: cache)", lambda: naive("cache"))]:
        results[name] = median_of(action)
        print(f"[bench] {name:40s} {results[name]:6.1f} s", flush=True)
    runs = [per_notebook_execution() for _ in range(RUNS)]
    start = results["kernel start and imports"]
    executions = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    compute = {name: max(0.0, seconds - start) for name, seconds in executions.items()}
    for name, seconds in compute.items():
        print(f"[bench] own compute of {name:27s} {seconds:6.1f} s", flush=True)
    reports = [name for name in executions if name.startswith("99-")]
    sections = [seconds for name, seconds in executions.items() if name not in reports]
    floor = (results["Sphinx only, from scratch"] + schedule(sections, cores)
             + sum(executions[name] for name in reports))
    results["floor"] = floor
    cold_time = results["cold build"]
    one = results["one notebook's execution"]
    lines = [
        "# Build benchmark", "",
        f"Measured {date.today().isoformat()} on {platform.machine()} with {cores} cores "
        f"({_cpu()}), Python {platform.python_version()}; medians of {RUNS} runs (`make bench`).", "",
        "| measure | seconds | target |", "|---|---|---|",
        f"| cold build (all notebooks executed, HTML from scratch) | {cold_time:.1f} | at most 1.3 x floor |",
        f"| no-change rebuild (`make book`: the short-cut of kzopinion.book.uptodate) | "
        f"{results['no-change rebuild']:.2f} | under 1 |",
        f"| no-change rebuild with the full checks (`make book FULL=1`) | "
        f"{results['no-change rebuild, full checks (FULL=1)']:.1f} | |",
        f"| prose edit of one notebook | {results['prose edit of one notebook']:.1f} | under 3 |",
        f"| one notebook's execution | {one:.1f} | |",
        f"| kernel start and imports (one notebook) | {start:.1f} | |",
        *(f"| own compute of {name} (its execution alone minus kernel start and imports) | {seconds:.1f} | |"
          for name, seconds in compute.items()),
        f"| floor: Sphinx only ({results['Sphinx only, from scratch']:.1f}) + each notebook's start, imports and "
        f"compute scheduled on {cores} cores, the report last | {floor:.1f} | |",
        f"| naive peer (`execute_notebooks: force`, one notebook at a time) | "
        f"{results['naive baseline (execute: force)']:.1f} | slower than cold |",
        f"| cache peer (`execute_notebooks: cache`, cold, one notebook at a time) | "
        f"{results['Jupyter Book cache mode (execute: cache)']:.1f} | not faster than cold |",
        "", f"Ratios: cold / floor = {cold_time / floor:.2f}; cold / naive = "
            f"{cold_time / results['naive baseline (execute: force)']:.2f}; cold / cache = "
            f"{cold_time / results['Jupyter Book cache mode (execute: cache)']:.2f}.", ""]
    (ROOT / "bench" / "results.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


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
