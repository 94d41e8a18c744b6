"""`make variants`: every chapter notebook run once per alternative analytic choice.

    python -m kzopinion.book.variants            # what `make variants` runs
    python -m kzopinion.book.variants --force    # re-run even the variants that are up to date

``data/coding/analysis_variants.csv`` lists, per notebook, the parameters whose value is an
open analytic choice, the article's value (``default``) and its defensible alternatives.
Each alternative is run with papermill (that parameter changed, the others at their
defaults) into ``_build/variants/<notebook>/<PARAMETER>=<value>.ipynb``; the committed
records are never touched. A variant whose notebook code, inputs and parameters are
unchanged since its last run is not run again. The chapters themselves compute the same
alternatives in process (``foreign_policy.variant_shares``, ``russia_correlation.specification_curve``)
to show the spread; the tests check that the two agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from kzopinion import data, paths
from kzopinion.book import notebooks

META_KEY = "kzopinion_variant"


@dataclass(frozen=True)
class Variant:
    notebook: str
    parameter: str
    value: str

    @property
    def name(self) -> str:
        return f"{self.parameter}={self.value}"

    def output(self, root: Path) -> Path:
        return root / "_build" / "variants" / self.notebook / f"{self.name}.ipynb"


def grid(root: Path) -> list[Variant]:
    """Every alternative (non-default) row of the variant table, in table order."""
    table = data.load("analysis_variants", root)
    sources = {s.stem for s in notebooks.sources(root)}
    unknown = sorted(set(table["notebook"]) - sources)
    if unknown:
        raise data.DataValidationError(
            f"data/coding/analysis_variants.csv names notebooks that do not exist: {unknown}"
        )
    return [Variant(r.notebook, r.parameter, r.value) for r in table.itertuples(index=False) if not bool(r.default)]


def digest(variant: Variant, root: Path) -> str:
    """sha256 of what the variant's outputs depend on: the committed record's inputs and the parameter."""
    record = nbformat.read(root / "notebooks" / f"{variant.notebook}.ipynb", as_version=4)
    inputs = record.metadata.get("kzopinion", {}).get("inputs_sha256", "")
    table = data.resource("analysis_variants", root)["hash"]
    return hashlib.sha256(json.dumps([inputs, table, variant.parameter, variant.value]).encode()).hexdigest()


def is_current(variant: Variant, root: Path) -> bool:
    output = variant.output(root)
    if not output.exists():
        return False
    return nbformat.read(output, as_version=4).metadata.get(META_KEY, {}).get("digest") == digest(variant, root)


def run_one(variant: Variant, root: Path, timeout: int = 600) -> Path:
    """Execute the notebook with the variant's parameter into its output under _build/variants/."""
    import papermill

    source = root / "notebooks" / f"{variant.notebook}.md"
    output = variant.output(root)
    output.parent.mkdir(parents=True, exist_ok=True)
    scratch = output.with_suffix(".running.ipynb")
    nbformat.write(notebooks.convert(source), scratch)
    papermill.execute_notebook(
        str(scratch),
        str(scratch),
        parameters={variant.parameter: variant.value},
        kernel_name=notebooks.KERNEL["name"],
        cwd=str(source.parent),
        progress_bar=False,
        log_output=False,
        execution_timeout=timeout,
    )
    notebook = nbformat.read(scratch, as_version=4)
    notebook.metadata[META_KEY] = {
        "digest": digest(variant, root),
        "parameter": variant.parameter,
        "value": variant.value,
    }
    nbformat.write(notebook, scratch)
    scratch.replace(output)
    return output


def run(root: Path, force: bool = False, jobs: int | None = None) -> list[Path]:
    """Run every variant that is not up to date, in parallel; returns every variant's output."""
    variants = grid(root)
    stale = [v for v in variants if force or not is_current(v, root)]
    print(
        f"[variants] {len(variants)} variants, {len(stale)} to run"
        + (f" ({len(variants) - len(stale)} up to date)" if len(stale) < len(variants) else ""),
        flush=True,
    )
    workers = max(1, min(len(stale), jobs or (os.cpu_count() or 1)))

    def one(variant: Variant) -> tuple[Variant, float]:
        started = time.perf_counter()
        try:
            run_one(variant, root)
        except Exception as err:  # papermill raises its own error types, naming the failing cell
            raise RuntimeError(f"variant {variant.notebook} {variant.name} failed:\n{err}") from None
        return variant, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for variant, seconds in pool.map(one, stale):
            print(f"[variants]   {variant.notebook} {variant.name} in {seconds:.1f} s", flush=True)
    return [v.output(root) for v in variants]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="run every variant, even those up to date")
    parser.add_argument("--jobs", type=int, default=None, help="variants run at once (default: cores)")
    args = parser.parse_args(argv)
    root = paths.root()
    try:
        outputs = run(root, force=args.force, jobs=args.jobs)
    except (RuntimeError, data.DataValidationError) as err:
        print(f"[variants] FAILED: {err}", file=sys.stderr)
        return 1
    print(f"[variants] done: {len(outputs)} executed notebooks under {root / '_build' / 'variants'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
