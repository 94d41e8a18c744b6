"""Shared fixtures and the test tiers.

nbval compares every output of every cell of the committed notebooks, charts included (their ids,
data and static SVG are stable across machines: see kzopinion.formatting.stable); the only
sanitising is of memory addresses (tests/nbval_sanitize.cfg).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_repository(target: Path) -> Path:
    """A copy of the committed-or-staged tree (no .venv, no _build) for fault injection."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="session")
def site(root: Path) -> Path:
    """The HTML book, built strictly (warnings are errors) from the committed notebook records."""
    from kzopinion.book import build, notebooks

    stale = [s.name for s in notebooks.sources(root) if notebooks.is_stale(s, root)]
    assert not stale, f"stale notebook records {stale}: run `make book` and commit the .ipynb files"
    build.validate_data(root)
    return build.build_html(root, strict=True, full=True)  # from scratch; raises with the warnings if any


ARTICLE_TEXT = "KZOPINION_ARTICLE_TEXT"


@pytest.fixture(scope="session")
def article_text() -> str:
    """The article's extracted text, which the project does not distribute: tests that read it run only when the
    setting KZOPINION_ARTICLE_TEXT names the file (CONTRIBUTING.md, "Checking against the article's text")."""
    from kzopinion import paths

    try:
        path = paths.setting(ARTICLE_TEXT)
        if path is None:
            pytest.skip(f"reads the article's text: run with {ARTICLE_TEXT}=/path/to/article.txt (the text of the PDF)")
        return paths.utf8_text(path)
    except (paths.SettingError, paths.NotUTF8Error) as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture()
def repo_copy(tmp_path: Path) -> Path:
    return copy_repository(tmp_path / "repo")


SLOW_FIXTURES = {"site", "repo_copy", "visited", "cab_registered"}


def pytest_collection_modifyitems(config, items):
    """The slow tier: anything that builds the book, copies the repository or re-executes a notebook.
    `make check` runs the rest (`-m "not slow"`) in seconds; `make test` runs everything."""
    for item in items:
        if (
            SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
            or ".ipynb" in item.nodeid
            or "test_browser.py" in item.nodeid
        ):
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session):
    """A test run that builds the book holds the repository's build lock (kzopinion.book.buildlock) for its
    whole session: a second `make test`, or a `make book` meanwhile, stops at once with one sentence."""
    import contextlib

    from kzopinion.book import buildlock

    if "not slow" in (session.config.getoption("markexpr", "") or ""):
        return  # the fast tier builds nothing
    held = contextlib.ExitStack()
    try:
        held.enter_context(buildlock.lock(ROOT, "tests"))
    except buildlock.Busy as err:
        pytest.exit(str(err), returncode=1)
    session.config.add_cleanup(held.close)
