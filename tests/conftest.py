"""Shared fixtures and the test tiers.

nbval compares every output of every cell of the committed notebooks, charts included (their ids,
data and static SVG are stable across machines: see kzopinion.formatting.stable); the only
sanitising is of memory addresses (tests/nbval_sanitize.cfg).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
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


LOCK_WAIT_SECONDS = 600  # how long the worker that builds the repository's book waits for another command's build


@pytest.fixture(scope="session")
def repository_lock() -> Iterator[None]:
    """The repository's build lock, held from here until its worker ends by the process that builds the
    repository's own book (in one process it is already held since the session started; re-entrant). A build
    another command started meanwhile is waited for, up to LOCK_WAIT_SECONDS, then named."""
    import time

    from kzopinion.book import build

    held, waited = contextlib.ExitStack(), time.monotonic()
    while True:
        try:
            held.enter_context(build.lock(ROOT, "tests"))
            break
        except build.BuildBusy:
            if time.monotonic() - waited > LOCK_WAIT_SECONDS:
                raise
            time.sleep(1)
    with held:
        yield


@pytest.fixture(scope="session")
def site(root: Path, repository_lock) -> Path:
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


# Fixtures that build the book, copy the repository or drive a browser over the built book: a test using one is
# slow, and its module must say so (the guard below).
SLOW_FIXTURES = frozenset({"site", "repo_copy", "visited", "cab_registered"})


def _module_path(node: pytest.Item | pytest.Collector) -> str:
    return node.path.relative_to(ROOT).as_posix()


def _slow_fixtures(item: pytest.Item) -> list[str]:
    return sorted(SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))


def _declares_slow(module: pytest.Module) -> bool:
    """Whether the module says `pytestmark = pytest.mark.slow`: the one place a test's tier is stated, so a reader
    of a test file sees it at the top and `make check` never runs a test that builds."""
    return any(mark.name == "slow" for mark in module.own_markers)


def _misplaced(test: pytest.Function) -> str | None:
    """Why a test sits in the wrong place (a slow test in a module of fast tests, a test of the repository's own
    book in a module not listed as one), or None when it is where it belongs; the sentence names the test and
    the fix."""
    module = test.getparent(pytest.Module)
    if module is None:
        return None
    path = _module_path(module)
    if "site" in getattr(test, "fixturenames", ()) and path not in REPOSITORY_BUILD_MODULES:
        return (
            f"{path}::{test.originalname} reads the repository's own book (fixture `site`): add {path} to "
            "REPOSITORY_BUILD_MODULES in tests/conftest.py, so it runs in the worker that built that book"
        )
    if _declares_slow(module):
        return None
    if fixtures := _slow_fixtures(test):
        return (
            f"{path}::{test.originalname} uses {', '.join(fixtures)} (builds the book, copies the repository or "
            f"drives a browser), so it is slow, but {path} does not say so: add `pytestmark = pytest.mark.slow` to "
            f"{path} if all its tests are slow, or move the test to a module of slow tests named for what they test"
        )
    if test.get_closest_marker("slow"):
        return (
            f"{path}::{test.originalname} is marked slow on its own: move it to a module of slow tests named for "
            "what they test, which says `pytestmark = pytest.mark.slow`"
        )
    return None


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """The guard that keeps the tiers from rotting: a module holding a test in the wrong tier fails to collect, with
    a sentence per test naming it and the fix. A collection error (not an exception) so that `make check`, which
    collects in xdist's workers, reports it as plainly as a single process does."""
    report = yield
    if report.passed:
        tests = [node for node in report.result if isinstance(node, pytest.Function)]
        problems = list(dict.fromkeys(filter(None, map(_misplaced, tests))))  # once per test, not per parameter
        if problems:
            report.outcome, report.result = "failed", []
            report.longrepr = "a test in the wrong tier:\n" + "\n".join(f"- {problem}" for problem in problems)
    return report


def pytest_collection_modifyitems(config, items):
    """The slow tier: every module of slow tests (anything that builds the book, copies the repository or
    re-executes a notebook) declares `pytestmark = pytest.mark.slow` itself, and a module never mixes the tiers
    (pytest_make_collect_report refuses one that does). `make check` runs the rest (`-m "not slow"`) in seconds;
    `make test` runs everything. Marked here: nbval's items (the committed notebooks, re-executed), which have no
    module to declare it.

    The order xdist's workers take the modules in: the tests over the repository's own book (the longest run
    of one worker) first, then the other slow modules, the fast ones last, to fill the gaps at the end."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: 0 if _module_path(item) in REPOSITORY_BUILD_MODULES else 2 - bool(_is_slow(item)))


def _is_slow(item: pytest.Item) -> bool:
    return item.get_closest_marker("slow") is not None


# The modules whose tests read the repository's own book (fixture `site`, built in place into _build/html): on
# xdist's workers they run in one, the one that built it (pytest_xdist_make_scheduler). A test elsewhere that uses
# `site` fails to collect (_misplaced), so this list cannot fall behind.
REPOSITORY_BUILD = "the repository's own book"
REPOSITORY_BUILD_MODULES = frozenset(
    {
        "tests/book/test_book_html.py",
        "tests/book/test_browser.py",
        "tests/book/test_datazip_in_the_book.py",
        "tests/book/test_page_rules_on_builds.py",
    }
)


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` (`make test`, `make check`), with the modules over the repository's own book as one scope:
    each module's tests run in one worker (its fixtures made once; a notebook's cells in order, in one kernel)."""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return REPOSITORY_BUILD if module in REPOSITORY_BUILD_MODULES else super()._split_scope(nodeid)

    return Scheduling(config, log) if config.getvalue("dist") == "loadscope" else None


def pytest_sessionstart(session):
    """A test run that builds the book takes the repository's build lock (kzopinion.book.build.lock) first, so one
    started during a `make book` or another `make test` stops at once with one sentence. Run in one process, it
    holds the lock for the whole session. On xdist's workers a lock is held by one process: the controller lets
    it go, and the worker that builds the repository's own book takes it (fixture `repository_lock`; its modules
    are taken first, so within seconds) and holds it until that worker ends, with the last modules of the run."""
    from kzopinion.book import build

    config = session.config
    if "not slow" in (config.getoption("markexpr", "") or "") or hasattr(config, "workerinput"):
        return  # the fast tier builds nothing; a worker takes the lock when it builds
    if config.getoption("numprocesses", None) and config.getvalue("dist") != "loadscope":
        pytest.exit(
            "the slow tier on xdist's workers needs `--dist loadscope` (as `make test` runs it), so the tests of the "
            "repository's own book run in the one worker that builds it",
            returncode=4,
        )
    held = contextlib.ExitStack()
    try:
        held.enter_context(build.lock(ROOT, "tests"))
    except build.BuildError as err:
        pytest.exit(str(err), returncode=1)
    if config.getoption("numprocesses", None):
        held.close()  # the workers run the tests: the one that builds the repository's book takes the lock
    else:
        config.add_cleanup(held.close)


TEST_TIMINGS = ROOT / "_build" / ".test-timings.json"


def pytest_sessionfinish(session, exitstatus):
    """A whole run (`make test`, the slow tier included) keeps its duration for `make bench` to print."""
    import json
    import time

    if "not slow" in (session.config.getoption("markexpr", "") or "") or hasattr(session.config, "workerinput"):
        return
    started = session.config.stash.get(STARTED, None)
    if started is None or session.testscollected < 100:
        return  # a few tests run by hand say nothing of the suite's time
    TEST_TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    seconds = round(time.monotonic() - started, 1)
    TEST_TIMINGS.write_text(json.dumps({"seconds": seconds, "tests": session.testscollected, "exit": int(exitstatus)}))


STARTED = pytest.StashKey[float]()


def pytest_configure(config):
    import time

    config.stash[STARTED] = time.monotonic()
