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
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from kzopinion import data
from kzopinion.book import build, guard, notebooks

META_KEY = "kzopinion_variant"
SAFE_VALUE = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,79}")
TABLE = "data/coding/analysis_variants.csv"


class VariantError(RuntimeError):
    """A variant cannot be run as declared, or failed; the message names it, its row and the fix."""


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
        raise data.DataValidationError(f"{TABLE} names notebooks that do not exist: {unknown}")
    return [Variant(r.notebook, r.parameter, r.value) for r in table.itertuples(index=False) if not bool(r.default)]


def check(variants: list[Variant], root: Path) -> dict[Variant, object]:
    """Each variant's value converted to the type of its parameter's default in the notebook's ``parameters``
    cell; a parameter the cell does not declare, or a value of the wrong type or that is no plain name
    (it names the output file), is refused naming the row of the table."""
    import papermill

    declared: dict[str, dict] = {}
    values: dict[Variant, object] = {}
    for variant in variants:
        where = f"{TABLE} (notebook {variant.notebook}, parameter {variant.parameter}, value {variant.value!r})"
        if variant.notebook not in declared:
            with tempfile.TemporaryDirectory() as folder:
                scratch = Path(folder) / f"{variant.notebook}.ipynb"
                nbformat.write(notebooks.convert(root / "notebooks" / f"{variant.notebook}.md"), scratch)
                declared[variant.notebook] = papermill.inspect_notebook(str(scratch))
        parameters = declared[variant.notebook]
        parameter = parameters.get(variant.parameter)
        if parameter is None:
            raise VariantError(
                f"{where}: notebooks/{variant.notebook}.md declares no parameter {variant.parameter} in its cell "
                f"tagged 'parameters' (it declares {', '.join(parameters) or 'none'}): fix the row or the cell."
            )
        if not SAFE_VALUE.fullmatch(variant.value):
            raise VariantError(
                f"{where}: a value is a plain name (letters, digits, '_', '-', '+', '.'; at most 80; "
                "not starting with '.'), since it names the variant's output file: rename the value."
            )
        kind = parameter.get("inferred_type_name", "None")
        try:
            values[variant] = {"int": int, "float": float}.get(kind, str)(variant.value)
        except ValueError:
            raise VariantError(
                f"{where}: {variant.parameter} is declared as {kind} ({parameter.get('default')}) but the value is not "
                "one: fix the row."
            ) from None
    return values


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


def run_one(variant: Variant, root: Path, tree: Path, run_dir: Path, value: object, timeout: int = 600) -> Path:
    """Execute the notebook (its copy in the snapshot ``tree``) with the variant's parameter into its output
    under _build/variants/; the scratch copy stays in ``run_dir``. A failure is one sentence naming the
    variant and the cell."""
    source = tree / "notebooks" / f"{variant.notebook}.md"
    scratch = run_dir / "executing" / variant.notebook / f"{variant.name}.ipynb"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebooks.convert(source), scratch)
    try:
        notebooks.run_papermill(source, scratch, run_dir / "work", timeout, {variant.parameter: value})
    except notebooks.NotebookError as err:
        raise VariantError(
            f"variant {variant.notebook} {variant.name} failed (partial output in {scratch}): {err}"
        ) from None
    notebook = nbformat.read(scratch, as_version=4)
    notebook.metadata[META_KEY] = {
        "digest": digest(variant, root),
        "parameter": variant.parameter,
        "value": variant.value,
    }
    output = variant.output(root)
    output.parent.mkdir(parents=True, exist_ok=True)
    notebooks.write_beside(notebook, output)
    return output


def culprit(message: str, failed: Variant, variants: list[Variant]) -> str:
    """The chapters compute every alternative in process too: when the error of ``failed`` quotes the value of
    another row, that row is the one to fix, not the variant that happened to run first."""
    for v in variants:
        if v != failed and v.notebook == failed.notebook and re.search(rf"['\"]{re.escape(v.value)}['\"]", message):
            return (
                f" The error names the value {v.value!r} of the row ({v.notebook}, {v.parameter}, {v.value}) of "
                f"{TABLE}: fix that row."
            )
    return ""


def run(root: Path, force: bool = False, jobs: int | None = None) -> list[Path]:
    """Run every variant that is not up to date, in parallel; returns every variant's output. Holds the build lock
    and runs kernels as ``make book`` does: on a snapshot of the repository outside it (:mod:`kzopinion.book.guard`).
    """
    with build.lock(root):
        variants = grid(root)
        values = check(variants, root)
        stale = [v for v in variants if force or not is_current(v, root)]
        current = len(variants) - len(stale)
        up_to_date = f" ({current} up to date)" if current else ""
        print(f"[variants] {len(variants)} variants, {len(stale)} to run{up_to_date}", flush=True)
        if not stale:
            return [v.output(root) for v in variants]
        workers = max(1, min(len(stale), jobs or (os.cpu_count() or 1)))
        run_dir = guard.scratch_folder(root, clear=True)
        build._SCRATCH.append(run_dir)  # removed if the run is stopped (Ctrl-C)
        tree = run_dir / "tree"
        cwd = os.getcwd()

        def one(variant: Variant) -> tuple[Variant, float]:
            started = time.perf_counter()
            try:
                run_one(variant, root, tree, run_dir, values[variant])
            except VariantError as err:
                raise VariantError(str(err) + culprit(str(err), variant, variants)) from None
            return variant, time.perf_counter() - started

        try:
            given = guard.snapshot(root, tree)
            with (
                notebooks.kernel_environment(run_dir, root, tree) as work,
                build.kernel_stderr(run_dir / "kernels.log"),
                ThreadPoolExecutor(max_workers=workers) as pool,
            ):
                os.chdir(work)  # papermill changes the working folder per variant, from threads: all start here
                for variant, seconds in pool.map(one, stale):
                    print(f"[variants]   {variant.notebook} {variant.name} in {seconds:.1f} s", flush=True)
            altered = guard.changes(tree, given)
            if altered:
                raise VariantError(notebooks.written_message(altered))
        except BaseException:
            shutil.rmtree(tree, ignore_errors=True)  # the failed variant's partial output stays in run_dir
            raise
        finally:
            os.chdir(cwd)
            build._SCRATCH.remove(run_dir)
        shutil.rmtree(run_dir, ignore_errors=True)
    return [v.output(root) for v in variants]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="run every variant, even those up to date")
    parser.add_argument("--jobs", type=int, default=None, help="variants run at once (default: cores)")
    args = parser.parse_args(argv)
    try:
        root = build._root()
        outputs = run(root, force=args.force, jobs=args.jobs)
    except (VariantError, build.BuildError, notebooks.NotebookError, data.DataValidationError, OSError) as err:
        said = build.describe_os_error(err, None) if isinstance(err, OSError) else err
        print(f"[variants] FAILED: {said}", file=sys.stderr)
        return 1
    print(f"[variants] done: {len(outputs)} executed notebooks under {root / '_build' / 'variants'}")
    return 0


if __name__ == "__main__":
    build.stop_on_interrupt(None, "variants")
    sys.exit(main())
