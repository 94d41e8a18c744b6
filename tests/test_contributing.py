"""CONTRIBUTING.md has the steps it promises, read as test_contributing_followed.py (slow) follows them in a copy
of the repository."""

from __future__ import annotations

import re

STEP = re.compile(r"(?:Append to `(?P<file>[^`]+)`:\s*\n\s*)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def guide_steps(text: str) -> list[tuple[str, str, str]]:
    """``(kind, target, body)`` for each step of the guide in order: ("run", "", commands) or
    ("append", file pattern, text)."""
    steps = []
    for match in STEP.finditer(text):
        if match["file"]:
            steps.append(("append", match["file"], match["body"]))
        elif match["lang"] == "bash":
            steps.append(("run", "", match["body"]))
    return steps


def test_the_guide_has_the_steps_it_promises(root):
    steps = guide_steps((root / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    kinds = [(kind, target) for kind, target, _ in steps]
    assert ("append", "data/published/claims.csv") in kinds and ("append", "notebooks/*-media-use.md") in kinds
    commands = " ".join(body for kind, _, body in steps if kind == "run")
    for command in ("make rehash TABLE=claims", "make data", "make section", "make book", "make check"):
        assert command in commands, command
