"""Publishing: the repository's address set in one place, and the CI workflow that tests the book and publishes the
public edition. The plain `jupyter-book build .` on a fresh clone is in test_publish_fresh_clone.py (slow)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from kzopinion.book import build_stamp
from kzopinion.book.page_chrome import BUTTONS, configure_repository, edit_url_template

ROOT = Path(__file__).resolve().parents[2]


SAMPLE = "https://github.com/example-org/kzopinion"


WORKFLOWS = ROOT / ".github" / "workflows"


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
