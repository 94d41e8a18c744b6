"""Fits perturbed inside notebook kernels, for the determinism test (``tests/book/test_determinism.py``).

The test puts this folder on ``PYTHONPATH`` of the build it starts; the build passes ``PYTHONPATH`` on
to every kernel, and Python imports this file as ``sitecustomize`` when each process starts. With
:data:`SIZE` set to a relative size (``1e-9``), the fitting entry points of
``kzopinion.analysis.models`` are wrapped the moment a kernel imports that module:

- ``ols`` and ``ordered_logit`` are given the rows of their data in reverse order;
- the ordered logit's Newton iterations start from its null-model start nudged by that size
  (``start * (1 + size) + size``).

Nothing is imported before the notebook imports the models itself (an import hook, not an
import), so a kernel's imports, which its record lists, stay as they are. Each perturbed fit
appends its entry point's name to the file :data:`LOG`, so the test can tell the kernels did fit
under the perturbation. Without :data:`SIZE` this file does nothing.
"""

from __future__ import annotations

import functools
import importlib.abc
import inspect
import os
import sys

SIZE = "PERTURB_FITS"
"""Environment variable: the relative nudge of the starting values (e.g. ``1e-9``)."""
LOG = "PERTURB_FITS_LOG"
"""Environment variable: the file each perturbed fit appends its entry point's name to."""
MODULE = "kzopinion.analysis.models"
DATA = ("y", "X", "weights")  # the arguments of the entry points that hold rows


def _note(entry: str) -> None:
    if os.environ.get(LOG):
        with open(os.environ[LOG], "a", encoding="utf-8") as log:
            log.write(entry + "\n")


def _rows_reversed(fit):
    """``fit`` given the rows of its data arguments (:data:`DATA`) in reverse order."""
    signature = inspect.signature(fit)

    @functools.wraps(fit)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        for name in DATA:
            if bound.arguments.get(name) is not None:
                bound.arguments[name] = bound.arguments[name].iloc[::-1]
        _note(fit.__name__)
        return fit(*bound.args, **bound.kwargs)

    return wrapper


def perturb(models, size: float) -> None:
    """Wrap the fitting entry points of the module ``models`` as the module docstring says."""
    import numpy as np

    models.ols = _rows_reversed(models.ols)
    models.ordered_logit = _rows_reversed(models.ordered_logit)
    fit = models.AnalyticOrderedLogit.fit

    @functools.wraps(fit)
    def nudged(self, start_params=None, *args, **kwargs):
        if start_params is None:
            raise RuntimeError(f"{MODULE}: an ordered logit fitted without starting values has none to nudge")
        _note("start")
        return fit(self, np.asarray(start_params, dtype=float) * (1 + size) + size, *args, **kwargs)

    models.AnalyticOrderedLogit.fit = nudged


class _PerturbOnImport(importlib.abc.MetaPathFinder):
    """Finds :data:`MODULE` as the other finders would, and perturbs it once it has been executed."""

    def __init__(self, size: float) -> None:
        self.size = size

    def find_spec(self, name, path, target=None):
        if name != MODULE:
            return None
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target) if finder is not self and hasattr(finder, "find_spec") else None
            if spec is not None:
                break
        else:
            return None
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            perturb(module, self.size)

        spec.loader.exec_module = exec_module
        return spec


if os.environ.get(SIZE):
    sys.meta_path.insert(0, _PerturbOnImport(float(os.environ[SIZE])))
