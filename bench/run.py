"""Benchmark of the book build (`make bench`): prints medians and writes bench/results.md.

Measured on this machine, each as the median of RUNS runs:

- cold build: every notebook executed, HTML built from scratch (`_build` removed);
- no-change rebuild: `make book` right after a build;
- prose edit: one sentence added to one notebook's prose, then `make book`;
- one notebook's execution (the yardstick for the prose edit: target = it + 3 s);
- the floor: Sphinx with execution off from scratch, plus one kernel's start and imports times
  the notebooks, divided by the cores;
- the naive baseline: `jupyter-book build` with `execute_notebooks: force` on the same book.
"""

from __future__ import annotations

import os
import platform
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


def naive() -> float:
    """Jupyter Book executing every notebook itself (execute_notebooks: force), in a copy."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "book"
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
        for name in listed + ["book/data-appendix.md", "book/_static/vendor/vega-bundle.js"]:
            if (ROOT / name).is_file():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, copy / name)
        config = (copy / "_config.yml").read_text().replace('execute_notebooks: "off"', 'execute_notebooks: "force"')
        (copy / "_config.yml").write_text(config + "\n  timeout: 600\n")
        jupyter_book = Path(PY).with_name("jupyter-book")
        return timed([str(jupyter_book), "build", str(copy), "--path-output", str(copy / "out")], cwd=copy)


def main() -> int:
    cores = os.cpu_count() or 1
    count = len(list((ROOT / "notebooks").glob("[0-9][0-9]-*.md")))
    print(f"[bench] {RUNS} runs each, {count} notebooks, {cores} cores", flush=True)
    results = {}
    for name, action in [("cold build", cold), ("no-change rebuild", no_change),
                         ("prose edit of one notebook", prose_edit),
                         ("one notebook's execution", one_notebook), ("Sphinx only, from scratch", sphinx_only),
                         ("kernel start and imports", kernel_start_and_imports),
                         ("naive baseline (execute: force)", naive)]:
        results[name] = median_of(action)
        print(f"[bench] {name:34s} {results[name]:6.1f} s", flush=True)
    floor = results["Sphinx only, from scratch"] + results["kernel start and imports"] * count / cores
    results["floor"] = floor
    cold_time = results["cold build"]
    one = results["one notebook's execution"]
    lines = [
        "# Build benchmark", "",
        f"Measured {date.today().isoformat()} on {platform.machine()} with {cores} cores "
        f"({_cpu()}), Python {platform.python_version()}; medians of {RUNS} runs (`make bench`).", "",
        "| measure | seconds | target |", "|---|---|---|",
        f"| cold build (all notebooks executed, HTML from scratch) | {cold_time:.1f} | at most 1.3 x floor |",
        f"| no-change rebuild | {results['no-change rebuild']:.1f} | under 3 |",
        f"| prose edit of one notebook | {results['prose edit of one notebook']:.1f} | under "
        f"{one + 3:.1f} (its execution + 3) |",
        f"| one notebook's execution | {one:.1f} | |",
        f"| floor: Sphinx only ({results['Sphinx only, from scratch']:.1f}) + kernel start and imports "
        f"({results['kernel start and imports']:.1f}) x {count} notebooks / {cores} cores | {floor:.1f} | |",
        f"| naive baseline (`execute_notebooks: force`) | {results['naive baseline (execute: force)']:.1f} "
        "| slower than cold |",
        "", f"Ratios: cold / floor = {cold_time / floor:.2f}; cold / naive = "
            f"{cold_time / results['naive baseline (execute: force)']:.2f}.", ""]
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
