"""Kernels run on a copy of the sources outside the repository, with nothing that leads back into it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from kzopinion.book import guard, notebooks


def _repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in ("book/intro.md", "notebooks/01-x.md", "data/published/claims.csv", "src/kzopinion/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    (root / "_config.yml").write_text("title: t\n", encoding="utf-8")
    (root / "data/microdata/cab").mkdir(parents=True)
    (root / "data/microdata/cab/wave1.dta").write_bytes(b"respondents")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_the_snapshot_lies_outside_the_repository_and_holds_no_link_into_it(tmp_path):
    root = _repository(tmp_path)
    elsewhere = tmp_path / "figures"
    elsewhere.mkdir()
    (elsewhere / "f.svg").write_text("<svg/>", encoding="utf-8")
    (root / "book" / "figures").symlink_to(elsewhere, target_is_directory=True)
    run = guard.scratch_folder(root)
    try:
        tree = run / "tree"
        given = guard.snapshot(root, tree)
        assert root.resolve() not in tree.resolve().parents and not (tree / ".git").exists()
        assert "book/figures/f.svg" in given and not (tree / "book" / "figures").is_symlink()
        for folder, dirs, names in os.walk(tree):
            for name in dirs + names:
                path = Path(folder) / name
                assert not path.is_symlink(), path
                if path.is_file():
                    assert path.stat().st_nlink == 1, f"{path} shares its inode (a hard link)"
        copy = tree / "data/microdata/cab/wave1.dta"
        assert (
            copy.read_bytes() == b"respondents" and copy.stat().st_ino != (root / copy.relative_to(tree)).stat().st_ino
        )
        assert not copy.stat().st_mode & 0o222, "registered microdata reach kernels as read-only copies"
        found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=tree, capture_output=True, text=True)
        assert found.returncode != 0, "git finds no top folder from the copy"
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(run)], check=True)
        subprocess.run(["rm", "-rf", str(run)], check=True)


def test_no_setting_a_kernel_gets_names_the_repository(tmp_path, monkeypatch):
    root = _repository(tmp_path)
    monkeypatch.setenv("VIRTUAL_ENV", str(root / ".venv"))
    monkeypatch.setenv("PATH", f"{root / '.venv' / 'bin'}{os.pathsep}/usr/bin")
    monkeypatch.setenv("KZOPINION_ROOT", str(root))
    monkeypatch.setenv("OLDPWD", str(root / "book"))
    monkeypatch.setenv("PYTHONPATH", f"{root / 'src'}{os.pathsep}{tmp_path / 'hooks'}")
    tree = tmp_path / "scratch" / "tree"
    with notebooks.kernel_environment(tmp_path / "scratch", root, tree):
        named = {key: value for key, value in os.environ.items() if str(root) in value}
        assert named == {}, named
        assert os.environ["KZOPINION_ROOT"] == str(tree)
        assert os.environ["PYTHONPATH"] == f"{tree / 'src'}{os.pathsep}{tmp_path / 'hooks'}", "other entries kept"
    assert os.environ["VIRTUAL_ENV"] == str(root / ".venv"), "the build's own settings are given back"


def test_a_change_to_the_repository_is_reported_never_reverted(tmp_path):
    root = _repository(tmp_path)
    before = guard.repository_state(root)
    (root / "book/intro.md").write_text("saved meanwhile", encoding="utf-8")
    (root / "data/new.csv").write_text("x", encoding="utf-8")
    changed = guard.changed_during(root, before)
    assert changed == ["book/intro.md", "data/new.csv"]
    message = guard.changed_message(changed, "04-foreign-policy")
    assert "changed while notebook 04-foreign-policy ran (by you or by that notebook)" in message
    assert "rehash" not in message and "Nothing was reverted" in message
    assert (root / "book/intro.md").read_text(encoding="utf-8") == "saved meanwhile"
    assert guard.changed_during(root, before, own={"book/intro.md", "data/new.csv"}) == []
