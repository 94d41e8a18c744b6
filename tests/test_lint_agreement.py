"""The pre-commit hooks and `make lint` run the same tools over the same files (the rooms' import contracts, which
`make lint` also runs, are tested in test_room_contracts.py, slow)."""

from __future__ import annotations

import os
import re
from fnmatch import fnmatch
from pathlib import Path

import yaml


def _lint_commands(root: Path) -> list[list[str]]:
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", (root / "Makefile").read_text(encoding="utf-8"), re.M)
    return [
        line.strip().lstrip("@").replace("$(VENV)", ".venv").replace("$(PY)", ".venv/bin/python").split()
        for line in recipe[1].splitlines()
    ]


def _tracked(root: Path) -> list[str]:
    """The repository's files (its own, not the environment's or the build's)."""
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [s for s in subfolders if s not in {".venv", "_build", ".git", "__pycache__"}]
        files += [(Path(folder) / name).relative_to(root).as_posix() for name in names]
    return sorted(files)


def _covered_by_make(command: list[str], files: list[str]) -> set[str]:
    """The tracked files a `make lint` command reads: its folder and glob arguments (tools take .py files)."""
    out = set()
    for argument in (a for a in command[1:] if not a.startswith("-") and "/" not in a[:1]):
        if "*" in argument:
            out |= {f for f in files if fnmatch(f, argument)}
        elif argument.endswith("/") or "." not in argument:
            out |= {f for f in files if f.startswith(argument.rstrip("/") + "/") and f.endswith(".py")}
    return out


def test_every_lint_command_has_a_hook_over_the_same_files(root):
    hooks = [
        h for repo in yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"] for h in repo["hooks"]
    ]
    files = _tracked(root)
    for command in _lint_commands(root):
        entry = " ".join(
            w
            for w in command
            if not w.startswith(("src", "tests", "bench", "notebooks/", ".github/")) and w not in {"--quiet", *files}
        )
        matching = [h for h in hooks if " ".join(h["entry"].split()) == entry]
        assert matching, f"`make lint` runs `{' '.join(command)}` but no pre-commit hook has the entry `{entry}`"
        (hook,) = matching
        selected = {f for f in files if re.search(hook["files"], f)}
        if hook.get("pass_filenames", True):
            expected = _covered_by_make(command, files)
            if expected:
                assert selected == expected, (hook["id"], sorted(selected ^ expected)[:10])
    assert len(hooks) == len(_lint_commands(root)), "a hook that `make lint` does not run"
