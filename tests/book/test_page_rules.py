"""The page's rules (kzopinion.book.page_rules) hold of the book as committed, its changelog included; `make book`
stopping on a broken rule, and the built book, are tested in test_page_rules_on_builds.py (slow)."""

from __future__ import annotations

from pathlib import Path

from kzopinion.book import page_rules


def test_the_book_as_committed_keeps_the_rules(root):
    assert page_rules.problems(root) == []


def _book_with_changelog(tmp_path: Path, changelog: str, page: str = "") -> Path:
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    include = "```{include} ../CHANGELOG.md\n:start-after: <!-- start -->\n```\n"
    (tmp_path / "book" / "changelog.md").write_text(f"# Changelog\n\n{include}", encoding="utf-8")
    (tmp_path / "book" / "intro.md").write_text(f"# Intro\n\n{page}\n", encoding="utf-8")
    return tmp_path


def _typed(root: Path) -> list[str]:
    return [hit for path in page_rules.prose_files(root) for hit in page_rules.typed_numbers(path, root)]


def test_the_changelog_the_book_includes_is_checked_as_its_prose(tmp_path):
    root = _book_with_changelog(
        tmp_path, "# Changelog\n<!-- start -->\n## 0.2.0 (2026-12-07)\n\n- The share rose to 34%.\n"
    )
    assert page_rules.prose_files(root)[-1] == root / "CHANGELOG.md"
    assert _typed(root) == ["CHANGELOG.md:5: 34%"]


def test_versions_and_dates_are_exempt_in_the_changelog_only(tmp_path):
    line = "- Released as 0.2.0 on 2026-12-07, after v0.1.0 of 2026-11-28."
    root = _book_with_changelog(tmp_path, f"# Changelog\n{line}\n", page=line)
    hits = _typed(root)
    assert hits and all(hit.startswith("book/intro.md:3: ") for hit in hits), hits  # flagged on a page, not there
    # a number that is neither, in the changelog, is still typed prose
    (root / "CHANGELOG.md").write_text("# Changelog\n- Released as 0.2.0 with 12 new claims; 0.2.0.1 is no version.\n")
    hits = [hit for hit in _typed(root) if hit.startswith("CHANGELOG")]
    assert "CHANGELOG.md:2: 12" in hits and any(hit.startswith("CHANGELOG.md:2: 0.2") for hit in hits), hits
    assert "CHANGELOG.md:2: 0.2.0" not in hits


def test_the_book_includes_the_changelog_as_a_page(root):
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    assert "- file: book/changelog" in toc
    assert root / "CHANGELOG.md" in page_rules.prose_files(root)
