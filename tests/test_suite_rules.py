"""The test suite's own rules (tests/conftest.py), tried on planted test modules in a copy of the suite's
frame: a test in the wrong tier, or over the repository's own book outside the listed modules, fails to
collect with its fix; on xdist's workers, a module's tests share one worker, and so do all the modules over
the repository's own book."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent


def _suite(tmp_path: Path, modules: dict[str, str]) -> Path:
    """A repository holding the suite's conftest and helpers and the planted ``modules`` (path -> source)."""
    root = tmp_path / "repo"
    (root / "tests").mkdir(parents=True)
    for helper in ("conftest.py", "fixtures.py"):
        shutil.copy2(TESTS / helper, root / "tests" / helper)
    for name, source in modules.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source, encoding="utf-8")
    return root


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(root), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )


FAST_MODULE_USING_A_COPY = "def test_a(repo_copy):\n    pass\n"
SLOW_MODULE_USING_THE_BOOK = "import pytest\npytestmark = pytest.mark.slow\n\n\ndef test_b(site):\n    pass\n"


@pytest.mark.parametrize(
    ("name", "source", "said"),
    [
        ("tests/test_fast.py", FAST_MODULE_USING_A_COPY, "add `pytestmark = pytest.mark.slow` to tests/test_fast.py"),
        ("tests/test_other.py", SLOW_MODULE_USING_THE_BOOK, "add tests/test_other.py to REPOSITORY_BUILD_MODULES"),
    ],
)
def test_a_misplaced_test_fails_to_collect_naming_the_fix(tmp_path, name, source, said):
    result = _pytest(_suite(tmp_path, {name: source}), "--collect-only", "-q", name)
    assert result.returncode != 0 and said in result.stdout, result.stdout


def test_each_module_and_the_modules_over_the_repositorys_book_run_in_one_worker_each(tmp_path):
    """Two modules over the repository's own book and two others, ten tests each: each module's tests in one
    worker, and both modules over the book in the same one."""
    from conftest import REPOSITORY_BUILD_MODULES

    record = "import os, pathlib\n\n\n"
    record += "@pytest.mark.parametrize('i', range(10))\ndef test_where(i):\n"
    record += "    with open(pathlib.Path(__file__).parents[{up}] / 'workers.txt', 'a') as out:\n"
    record += "        out.write(f\"{{__name__}} {{os.environ['PYTEST_XDIST_WORKER']}}\\n\")\n"
    book = sorted(REPOSITORY_BUILD_MODULES)[:2]
    names = [*book, "tests/test_one.py", "tests/test_two.py"]
    modules = {name: "import pytest\n" + record.format(up=len(Path(name).parents) - 1) for name in names}
    root = _suite(tmp_path, modules)
    result = _pytest(root, "-n", "2", "--dist", "loadscope", "-q", *names)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (root / "workers.txt").read_text(encoding="utf-8").split()
    workers: dict[str, set[str]] = {}
    for module, worker in zip(lines[::2], lines[1::2]):
        workers.setdefault(module, set()).add(worker)
    assert len(workers) == 4 and all(len(where) == 1 for where in workers.values()), workers
    first, second = (Path(name).stem for name in book)
    assert workers[first] == workers[second], workers


def test_the_slow_tier_on_workers_without_loadscope_is_refused_in_a_sentence(tmp_path):
    """Spread test by test (xdist's default), the tests of the repository's own book would build it in two
    workers at once: refused before anything runs."""
    root = _suite(tmp_path, {"tests/test_slow.py": SLOW_MODULE_USING_THE_BOOK.replace("site", "tmp_path")})
    result = _pytest(root, "-n", "2", "-q", "tests/test_slow.py")
    said = result.stdout + result.stderr
    assert result.returncode == 4 and "needs `--dist loadscope` (as `make test` runs it)" in said, said
