"""What Binder builds: the environment files it reads are the project's pins, and nothing else.

The Binder launch button of a notebook page (``launch_buttons`` in ``_config.yml``, on when the repository's address
is set: :mod:`kzopinion.book.page_chrome`) asks mybinder.org to build the repository with repo2docker, which reads
``environment.yml`` at the root (a ``binder/`` folder would replace it). That file must give the Python of
``pyproject.toml`` and install exactly ``requirements.lock`` and this package, so a reader on Binder runs the
notebooks with the pins ``make book`` uses. :func:`disagreements` says, naming the file and the fix, where not.
"""

from __future__ import annotations

import re
from pathlib import Path

ENVIRONMENT = "environment.yml"
PIP_LINES = ["-r requirements.lock", "-e ."]
# what else a repo2docker build would read instead of, or on top of, environment.yml
OTHER_FILES = ("binder", ".binder", "requirements.txt", "runtime.txt", "Pipfile", "setup.py", "apt.txt", "postBuild")


def disagreements(root: Path) -> list[str]:
    import yaml

    path = root / ENVIRONMENT
    if not path.is_file():
        return [
            f"{ENVIRONMENT} is missing: Binder builds the environment from it; restore it (git checkout {ENVIRONMENT})"
        ]
    environment = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    wanted = re.search(r'requires-python\s*=\s*"==(\d+\.\d+)\.\*"', pyproject)
    python = wanted.group(1) if wanted else "?"
    conda = [d for d in environment.get("dependencies", []) if isinstance(d, str)]
    pip = [p for d in environment.get("dependencies", []) if isinstance(d, dict) for p in d.get("pip", [])]
    if sorted(conda) != sorted([f"python={python}", "pip"]):
        found.append(
            f"{ENVIRONMENT} lists the conda packages {conda}, but its only conda packages are python={python} "
            "(pyproject.toml's requires-python) and pip: every other package comes from requirements.lock; "
            "pin it there (and in pyproject.toml) instead"
        )
    if pip != PIP_LINES:
        found.append(
            f"{ENVIRONMENT} installs {pip} with pip, but it installs exactly {PIP_LINES} (the pins make book uses, "
            "then this package): put any new package in pyproject.toml and requirements.lock, not here"
        )
    present = [name for name in OTHER_FILES if (root / name).exists()]
    if present:
        found.append(
            f"{', '.join(present)} would change what Binder builds (repo2docker reads them instead of, or besides, "
            f"{ENVIRONMENT}): remove them; the environment is {ENVIRONMENT} over requirements.lock"
        )
    return found
