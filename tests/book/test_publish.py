"""Publishing: the plain `jupyter-book build .` on a fresh clone, the repository's address set in one
place, and the CI workflow that tests the book and publishes the public edition.

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

import pytest
import yaml

from kzopinion.book import browser, build_stamp, notebooks
from kzopinion.book.page_chrome import BUTTONS, configure_repository, edit_url_template

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "https://github.com/example-org/kzopinion"
WORKFLOWS = ROOT / ".github" / "workflows"


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_plain_build_draws_every_chart_offline(clone):
    folder, result = clone
    assert result.returncode == 0, result.stderr[-2000:]
    site = folder / "_build" / "html"
    pages = [f"notebooks/{s.stem}" for s in notebooks.sources(folder)] + ["book/data-appendix"]
    with browser.serve(site) as base, browser.chromium() as chromium:
        reports = {name: browser.visit(chromium, f"{base}/{name}.html", base) for name in pages}
    assert {name: r.blocked for name, r in reports.items() if r.blocked} == {}
    assert {name: r.errors for name, r in reports.items() if r.errors} == {}
    drawn = {name: (r.charts, r.charts_drawn) for name, r in reports.items() if name.startswith("notebooks/")}
    assert all(total > 0 and done == total for total, done in drawn.values()), drawn


@pytest.mark.slow
def test_no_address_means_no_repository_buttons(clone):
    folder, result = clone
    assert result.returncode == 0, result.stderr[-2000:]
    page = (folder / "_build" / "html" / "notebooks" / "02-russia-correlation.html").read_text(encoding="utf-8")
    assert "source-repository-button" not in page and "source-edit-button" not in page
    assert "source-issues-button" not in page
    assert "mybinder.org" not in page  # no address, nothing to launch


@pytest.mark.slow
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


@pytest.mark.slow
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


# ----------------------------------------------------------------------------- the one address


def _config_address(root: Path) -> str:
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    return str((config.get("repository") or {}).get("url") or "")


def test_citation_cff_carries_the_address_set_in_config(root):
    assert build_stamp.address_disagreement(root, _config_address(root)) == ""


def test_the_address_check_catches_a_disagreement(tmp_path):
    cff = tmp_path / "CITATION.cff"
    cff.write_text(f'cff-version: 1.2.0\nrepository-code: "{SAMPLE}/"\n', encoding="utf-8")
    assert build_stamp.address_disagreement(tmp_path, SAMPLE) == ""  # a trailing slash is the same address
    assert "repository-code: https://github.com/other/x" in build_stamp.address_disagreement(
        tmp_path, "https://github.com/other/x"
    )
    assert "remove its repository-code" in build_stamp.address_disagreement(tmp_path, "")
    cff.write_text("cff-version: 1.2.0\n", encoding="utf-8")
    assert build_stamp.address_disagreement(tmp_path, "") == ""
    assert "(none)" in build_stamp.address_disagreement(tmp_path, SAMPLE)


def test_buttons_follow_the_address():
    options, context = {"repository_url": "", "use_repository_button": True}, {}
    assert configure_repository(options, context) == ""
    assert not any(options[b] for b in BUTTONS) and "edit_page_url_template" not in context
    options, context = {"repository_url": SAMPLE + "/", "repository_branch": "trunk"}, {}
    assert configure_repository(options, context) == SAMPLE
    assert all(options[b] for b in BUTTONS) and options["repository_url"] == SAMPLE
    assert context["edit_page_url_template"] == edit_url_template(SAMPLE, "trunk")
    assert (
        "/edit/trunk/" in context["edit_page_url_template"]
        and "replace('.ipynb', '.md')" in context["edit_page_url_template"]
    )


def test_the_citation_names_the_address_of_the_commit(root):
    text = build_stamp.citation(root, "0123456789ab", SAMPLE)
    assert f"commit 0123456789ab). {SAMPLE}/tree/0123456789ab." in text
    assert SAMPLE not in build_stamp.citation(root, "0123456789ab")
    assert build_stamp.commit_address("https://gitlab.com/a/b", "abc") == "https://gitlab.com/a/b/-/tree/abc"


def test_the_published_book_is_stale_when_the_citation_the_address_or_the_commit_changes(tmp_path):
    from kzopinion.book import build

    for name, text in [
        ("_config.yml", 'repository:\n  url: ""\n'),
        ("_toc.yml", "root: book/intro\n"),
        ("CITATION.cff", "cff-version: 1.2.0\n"),
    ]:
        (tmp_path / name).write_text(text, encoding="utf-8")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost"]
    subprocess.run([*git, "init", "--quiet"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "--quiet", "--allow-empty", "-m", "one"], cwd=tmp_path, check=True)
    seen = [build.book_digest(tmp_path)]
    (tmp_path / "CITATION.cff").write_text(f'cff-version: 1.2.0\nrepository-code: "{SAMPLE}"\n', encoding="utf-8")
    seen.append(build.book_digest(tmp_path))
    (tmp_path / "_config.yml").write_text(f"repository:\n  url: {SAMPLE}\n", encoding="utf-8")
    seen.append(build.book_digest(tmp_path))
    subprocess.run([*git, "commit", "--quiet", "--allow-empty", "-m", "two"], cwd=tmp_path, check=True)
    seen.append(build.book_digest(tmp_path))
    assert len(set(seen)) == 4
    assert build.book_digest(tmp_path) == seen[-1]  # and nothing else moves it


# ----------------------------------------------------------------------------- the workflow


def _workflow() -> dict:
    files = sorted(WORKFLOWS.glob("*"))
    assert [f.suffix for f in files] == [".yml"] * len(files) and files, "workflows are .github/workflows/*.yml"
    (path,) = [f for f in files if "bash .ci/run" in f.read_text(encoding="utf-8")]
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # "on" stays a key


def test_the_workflow_tests_every_push_and_pull_request_and_rebuilds_weekly():
    flow = _workflow()
    triggers = flow["on"]
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    (cron,) = [entry["cron"] for entry in triggers["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert day == "*" and month == "*" and weekday not in ("*", "") and "," not in weekday  # once a week
    steps = flow["jobs"]["test"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "bash .ci/run" in runs


def test_the_workflow_caches_the_environment_on_the_pins():
    steps = _workflow()["jobs"]["test"]["steps"]
    (cache,) = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == ".venv"
    assert "hashFiles('requirements.lock', 'pyproject.toml')" in cache["with"]["key"]
    restored = [s for s in steps if "cache-hit" in s.get("if", "")]
    assert restored and "touch .venv/.installed" in restored[0]["run"]  # or make would reinstall it


def test_the_workflow_publishes_only_the_public_edition_from_the_default_branch():
    flow = _workflow()
    test = flow["jobs"]["test"]
    assert test["env"]["KZOPINION_EDITION"] == "public"
    (upload,) = [s for s in test["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["with"]["path"].rstrip("/") == "_build/html"  # never _build/microdata-edition
    default = "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    assert default in upload["if"] and "pull_request" in upload["if"]
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "test" and default in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    checks = " ".join(s.get("run", "") for s in test["steps"])
    assert "Public edition" in checks and "data/microdata" in checks


def test_lint_validates_the_workflows_as_pre_commit_does(root):
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    command = "check-jsonschema --builtin-schema vendor.github-workflows"
    assert f"$(VENV)/bin/{command} .github/workflows/*.yml" in recipe
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    (hook,) = [h for h in hooks if command in h["entry"]]
    assert re.search(hook["files"], ".github/workflows/book.yml")
    pinned = re.search(r'"check-jsonschema==([^"]+)"', (root / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned and f"check-jsonschema=={pinned.group(1)}\n" in (root / "requirements.lock").read_text()


@pytest.mark.slow  # seconds of fitting or file writing: the full tier
def test_the_workflow_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    # no runs-on
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: bash .ci/run\n", encoding="utf-8")
    tool = str(Path(sys.executable).with_name("check-jsonschema"))
    bad = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True, text=True
    )
    good = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS.glob("*.yml"))],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "runs-on" in bad.stdout + bad.stderr
    assert good.returncode == 0, good.stdout + good.stderr


def test_the_workflow_publishes_the_pdf_and_the_data_zip_beside_the_pages():
    """What every page links to (kzopinion.book.page_chrome) is in what the workflow uploads: `make pdf` runs after
    `make book` (it puts its PDF beside the pages it was printed from), and the check before the upload finds both
    files there."""
    from kzopinion.book import datazip
    from kzopinion.book.page_chrome import PDF

    steps = _workflow()["jobs"]["test"]["steps"]
    runs = [step.get("run", "") for step in steps]
    (upload,) = [i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    site = steps[upload]["with"]["path"].rstrip("/")
    (printed,) = [i for i, run in enumerate(runs) if "make pdf" in run]
    assert runs[printed].strip() == "make pdf" and printed < upload
    checks = " ".join(runs[printed:upload])
    assert f"test -s {site}/{PDF}" in checks and f"{site}/{datazip.NAME}" in checks
    assert "grep -q microdata" in checks  # the zip holds no respondent-level file
    (book,) = [i for i, run in enumerate(runs) if run.strip() == "make book"]
    assert book < printed  # the pages are built before the PDF is put beside them
