"""The section scaffold (kzopinion.book.scaffold) refuses bad names and writes files the lint accepts; that the
scaffolded section builds is in tests/test_contributing_followed.py (slow)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kzopinion.book import page_rules, scaffold


def test_refuses_bad_names_and_taken_prefixes(root):
    with pytest.raises(scaffold.ScaffoldError, match="lowercase words"):
        scaffold.scaffold(root, "Media Use", "Media", "mu")
    with pytest.raises(scaffold.ScaffoldError, match="used already"):
        scaffold.scaffold(root, "trust-in-institutions", "Trust", "fp")
    with pytest.raises(scaffold.ScaffoldError, match="exists already"):
        scaffold.scaffold(root, "foreign-policy", "Again", "mu")


def test_the_scaffolded_files_pass_the_lint_whatever_the_names(root, tmp_path):
    """The longest slug and a long title still give a chapter module and a test that `make lint` accepts."""
    import shutil

    for name in ("_toc.yml", "notebooks", "src/kzopinion/chapters"):
        (shutil.copytree if (root / name).is_dir() else shutil.copy2)(root / name, tmp_path / name)
    slug = "-".join(["integration"] * 5)[: scaffold.MAX_SLUG].rstrip("-")
    title = "A very long title " * 12
    written = scaffold.scaffold(tmp_path, slug, title, "ib")
    python = [str(p) for p in written if p.suffix == ".py"]
    ruff = Path(sys.executable).parent / "ruff"
    for command in ([ruff, "check", "--no-cache", *python], [ruff, "format", "--check", "--no-cache", *python]):
        done = subprocess.run(command, cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------- several sections at once

SECTIONS = (  # three sections scaffolded one after the other, before any is written or built (not the guide's example)
    ("press-freedom", "Press freedom and views of the US", "pf"),
    ("trust-in-institutions", "Trust in institutions", "ti"),
    ("migration-abroad", "Migration abroad and views of the US", "ma"),
)


def _book_copy(root: Path, target: Path) -> Path:
    """What the scaffold writes into and the book-wide rules read: the table of contents, the notebooks and their
    records, the book's pages, the changelog they include and the chapter modules."""
    import shutil

    for name in ("_toc.yml", "CHANGELOG.md", "notebooks", "book", "src/kzopinion/chapters"):
        (shutil.copytree if (root / name).is_dir() else shutil.copy2)(root / name, target / name)
    return target


def _numbered(copy: Path, slugs: list[str]) -> list[str]:
    """The names the scaffold gives ``slugs``, numbered after the sections the copy holds already."""
    first = 1 + max(int(p.name[:2]) for p in (copy / "notebooks").glob("[0-9][0-9]-*.md") if p.name[:2] != "99")
    return [f"{first + i:02d}-{slug}.md" for i, slug in enumerate(slugs)]


def _scaffold_all(copy: Path) -> list[Path]:
    """The notebooks of :data:`SECTIONS`, scaffolded into ``copy``."""
    return [scaffold.scaffold(copy, slug, title, prefix)[0] for slug, title, prefix in SECTIONS]


TIP = "Not a claim of the article: Inputs: survey_designs."  # a pasted value's doorway (the template's inputs)


def _prose_as_built(source: Path, values: dict[str, str]) -> str:
    """The page a scaffolded notebook becomes, as far as its prose goes: a paragraph for each prose line (outside
    the front matter and code cells; no headings or labels), every pasted key replaced by the value span the build
    writes (kzopinion.book.number_doorways), with ``values`` standing in for what the notebook would glue."""
    paragraphs = []
    lines = source.read_text(encoding="utf-8").splitlines()
    for number, _, _ in page_rules.prose_lines("\n".join(lines)):
        line = re.sub(
            r"\{glue:text\}`([^`]+)`",
            lambda m: f'<span class="kz-num" id="kz-use-{m[1]}" data-tip="{TIP}">{values[m[1]]}</span>',
            lines[number - 1],
        )
        paragraphs.append("<p>" + re.sub(r"\{[\w:-]+\}`[^`]*`", " ", line) + "</p>")  # other roles: no prose
    return f"<html><body><main><article>{''.join(paragraphs)}</article></main></body></html>"


def _glued_in_code(source: Path) -> set[str]:
    """The glue keys a notebook's code names as string literals (what its record will glue, before it runs)."""
    from kzopinion.book import notebooks

    code = "\n".join(c.source for c in notebooks.convert(source).cells if c.cell_type == "code")
    return set(re.findall(r'"([a-z]{2,4}_[a-z0-9_]+)"', code))


def _labels(root: Path) -> list[str]:
    """Every MyST target and figure name of the book's sources: each must be unique across the book."""
    sources = sorted(root.glob("notebooks/[0-9]*.md")) + sorted(root.glob("book/*.md"))
    found = []
    for source in sources:
        text = source.read_text(encoding="utf-8")
        found += re.findall(r"^\(([\w-]+)\)=$", text, flags=re.M)  # targets: (sec-media-use)=
        found += re.findall(r"^\s+name: (fig-[\w-]+)$", text, flags=re.M)  # figure names
    return found


def test_three_sections_scaffolded_at_once_keep_every_book_wide_rule(root, tmp_path):
    """Scaffolding several sections before writing any of them trips none of the book-wide rules, on each page or
    between pages: typed numbers, chartless figures, sections without claims, cells that show nothing
    (kzopinion.book.page_rules), the reader's rules on each page (kzopinion.book.page_reading: repeated runs of
    words among them), pasted keys glued by the page itself, and keys, prefixes, labels and figure names used once."""
    from kzopinion.book import page_reading, pastes

    copy = _book_copy(root, tmp_path)
    names = _numbered(copy, [slug for slug, _, _ in SECTIONS])
    written = _scaffold_all(copy)
    assert [p.name for p in written] == names
    assert page_rules.problems(copy) == []
    assert page_rules.hidden_cells(copy) == []
    keys_by_page = {}
    for source, (_, _, prefix) in zip(written, SECTIONS):
        pasted = pastes.pasted_keys(source.read_text(encoding="utf-8"))
        glued = _glued_in_code(source)
        assert pasted and set(pasted) <= glued, (source.name, pasted, glued)
        assert all(key.startswith(f"{prefix}_") for key in glued), (source.name, glued)
        keys_by_page[source.name] = glued
        html = _prose_as_built(source, dict.fromkeys(glued, "3") | {f"{prefix}_largest_n": "1,500"})
        assert page_reading.page_problems(f"notebooks/{source.stem}.html", html, copy) == []
    every_key = [key for keys in keys_by_page.values() for key in keys]
    assert len(every_key) == len(set(every_key)), keys_by_page
    labels = _labels(copy)
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)
    toc = (copy / "_toc.yml").read_text(encoding="utf-8")
    at = [toc.index(f"notebooks/{Path(name).stem}") for name in names]
    assert at == sorted(at), names


def test_sections_that_show_nothing_are_named_with_the_fix(root, tmp_path):
    """From the template as it was (its parameters cell hidden as well as its setup cell), two sections scaffolded
    at once hide a third of the book's code cells: the rule names each notebook, its count and the fix."""
    copy = _book_copy(root, tmp_path)
    template = copy / "notebooks" / "_template.md"
    text = template.read_text(encoding="utf-8")
    assert ":tags: [parameters, hide-input]" in text
    template.write_text(text.replace(":tags: [parameters, hide-input]", ":tags: [parameters, remove-cell]"))
    first, second = _numbered(copy, [slug for slug, _, _ in SECTIONS[:2]])
    for slug, title, prefix in SECTIONS[:2]:
        scaffold.scaffold(copy, slug, title, prefix)
    found = page_rules.hidden_cells(copy)
    named = [line.split(":", 1)[0] for line in found]
    assert named[:2] == [f"notebooks/{first}", f"notebooks/{second}"], found
    assert found[0].startswith(f"notebooks/{first}: 2 of its 3 code cells show a reader nothing"), found
    assert all("not under a third" in line and "tags: [parameters, hide-input]" in line for line in found), found
    assert found == [line for line in page_rules.problems(copy) if "show a reader nothing" in line]
