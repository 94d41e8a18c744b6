"""The package reads YAML and JSON with safe loaders only: no `yaml.load` without SafeLoader, no eval, exec or
pickle anywhere in src/ (read from the source, so a new one fails `make check`)."""

from __future__ import annotations

import re


def test_only_safe_loaders(root):
    for path in (root / "src").rglob("*.py"):
        code = path.read_text(encoding="utf-8")
        assert not re.search(r"yaml\.load\((?![^)]*SafeLoader)", code), path
        assert not re.search(r"\b(eval|exec)\(|pickle\.load", code), path
