"""Publishing from a fresh clone (slow: each test builds the book with the plain `jupyter-book build .`): it
succeeds with no warning, draws every chart offline, and shows the repository's buttons only once its address is
set, in `_config.yml` and `CITATION.cff` alike.

The fresh clone is a `git clone` of this repository with the working tree's files laid over it and
committed there (what the next commit would hold), so the test covers uncommitted work too; it is built with
the environment's own `jupyter-book`, as a reader of the Jupyter Book documentation would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import page_visits
import pytest
from test_publish import ROOT, SAMPLE

from kzopinion.book import browser, build_stamp, notebooks

pytestmark = pytest.mark.slow


def _listed(folder: Path, *args: str) -> set[str]:
    out = subprocess.run(["git", "ls-files", *args], cwd=folder, capture_output=True, text=True, check=True).stdout
    return set(filter(None, out.split("\n")))


def fresh_clone(target: Path) -> Path:
    """A `git clone` of the repository, its files replaced by the working tree's (tracked or new,
    not ignored; deleted ones removed) and committed: a clean clone of what the next commit holds."""
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)], check=True)
    present = {name for name in _listed(ROOT, "--cached", "--others", "--exclude-standard") if (ROOT / name).is_file()}
    for name in _listed(target) - present:
        (target / name).unlink()
    for name in present:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost"]
    subprocess.run([*git, "add", "--all"], cwd=target, check=True)
    subprocess.run([*git, "commit", "--quiet", "--allow-empty", "-m", "the working tree"], cwd=target, check=True)
    return target


def jupyter_book(folder: Path) -> subprocess.CompletedProcess:
    """The plain command, in ``folder``, with this environment's jupyter-book."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", "."]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def _set_address(clone: Path, config_url: str, cff_url: str | None) -> None:
    config = clone / "_config.yml"
    text = re.sub(r"(?m)^  url: .*$", "  url: " + (config_url or '""'), config.read_text(encoding="utf-8"))
    config.write_text(text, encoding="utf-8")
    cff = clone / "CITATION.cff"
    lines = [line for line in cff.read_text(encoding="utf-8").splitlines() if not line.startswith("repository-code:")]
    if cff_url:
        lines.insert(lines.index("license: MIT") + 1, f'repository-code: "{cff_url}"')
    cff.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    folder = fresh_clone(tmp_path_factory.mktemp("fresh") / "kzopinion")
    assert not (folder / "book" / "data-appendix.md").exists() and not (folder / "book/_static/vendor").exists()
    return folder, jupyter_book(folder)


def test_plain_jupyter_book_build_on_a_fresh_clone_succeeds_with_no_warning(clone):
    folder, result = clone
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert [line for line in log.splitlines() if re.search(r"WARNING|ERROR", line)] == []
    site = folder / "_build" / "html"
    assert (site / "book" / "data-appendix.html").is_file()
    assert "sec-data-appendix" in (site / "book" / "data-appendix.html").read_text(encoding="utf-8")
    assert (site / "_static" / "vendor" / "vega-bundle.js").stat().st_size > 100_000
    # the generated files are ignored: the clone's tree is as checked out
    assert subprocess.run(["git", "status", "--porcelain"], cwd=folder, capture_output=True, text=True).stdout == ""


def test_the_plain_build_draws_every_chart_offline(clone):
    folder, result = clone
    assert result.returncode == 0, result.stderr[-2000:]
    site = folder / "_build" / "html"
    pages = [f"notebooks/{s.stem}" for s in notebooks.sources(folder)] + ["book/data-appendix"]
    with browser.serve(site) as base, browser.chromium() as chromium:
        reports = {name: page_visits.visit(chromium, f"{base}/{name}.html", base) for name in pages}
    assert {name: r.blocked for name, r in reports.items() if r.blocked} == {}
    assert {name: r.errors for name, r in reports.items() if r.errors} == {}
    drawn = {name: (r.charts, r.charts_drawn) for name, r in reports.items() if name.startswith("notebooks/")}
    assert all(total > 0 and done == total for total, done in drawn.values()), drawn


def test_no_address_means_no_repository_buttons(clone):
    folder, result = clone
    assert result.returncode == 0, result.stderr[-2000:]
    page = (folder / "_build" / "html" / "notebooks" / "02-russia-correlation.html").read_text(encoding="utf-8")
    assert "source-repository-button" not in page and "source-edit-button" not in page
    assert "source-issues-button" not in page
    assert "mybinder.org" not in page  # no address, nothing to launch


def test_setting_the_address_turns_on_the_buttons_and_the_citation_address(clone):
    """The address set once (repository.url; CITATION.cff agreeing): every page has the repository,
    issue and edit buttons, an edit opens the notebook's MyST source, and the footer cites the commit."""
    folder, first = clone
    assert first.returncode == 0, first.stderr[-2000:]
    _set_address(folder, SAMPLE, SAMPLE)
    try:
        result = jupyter_book(folder)
        log = result.stdout + result.stderr
        assert result.returncode == 0, log[-3000:]
        assert [line for line in log.splitlines() if re.search(r"WARNING|ERROR", line)] == []
        commit = build_stamp.commit(folder)
        site = folder / "_build" / "html"
        for name, source in [
            ("notebooks/02-russia-correlation", "notebooks/02-russia-correlation.md"),
            ("book/intro", "book/intro.md"),
            ("book/data-appendix", "book/data-appendix.md"),
        ]:
            page = (site / f"{name}.html").read_text(encoding="utf-8")
            assert f'href="{SAMPLE}"' in page, name
            assert f'href="{SAMPLE}/issues/new?' in page, name
            assert f'href="{SAMPLE}/edit/main/{source}"' in page, name
            footer = re.search(r'<aside class="kz-edition".*?</aside>', page, flags=re.S).group(0)
            assert f'href="{SAMPLE}/tree/{commit}"' in footer, name
            binder = "https://mybinder.org/v2/gh/example-org/kzopinion/main?urlpath=tree/"
            # the launch button opens the executed record on Binder (notebook pages only)
            assert (f"{binder}{name}.ipynb" in page) == name.startswith("notebooks/"), name
            cite = footer.split("Cite this edition:")[1]
            assert f"commit {commit}" in cite and f"{SAMPLE}/tree/{commit}" in cite, name
    finally:
        _set_address(folder, "", None)


def test_an_address_that_citation_cff_does_not_carry_fails_the_build_naming_both_files(clone):
    folder, _ = clone
    _set_address(folder, SAMPLE, None)
    try:
        result = jupyter_book(folder)
    finally:
        _set_address(folder, "", None)
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"CITATION.cff gives repository-code (none) but _config.yml gives repository.url {SAMPLE}" in log
    assert f"repository-code: {SAMPLE}" in log
