"""The Vega bundle: generated from the pinned library, kept in the user's cache, used from there only when whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import vl_convert as vlc

from kzopinion.book import vendor

HEADER = f"/* Vega, Vega-Lite and Vega-Embed, bundled by vl-convert-python {vlc.__version__}, wrapped (v1) */\n"


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = vendor.cache_folder()
    assert folder == tmp_path / "cache" / "kzopinion"
    return folder / f"vega-bundle-{vlc.__version__}-v1.js"


def test_a_whole_cached_bundle_is_copied_into_the_book(tmp_path, cache):
    cache.parent.mkdir(parents=True)
    cache.write_text(HEADER + "(function () {\nplanted\n})();\n", encoding="utf-8")
    written = vendor.write_bundle(tmp_path / "repo")
    assert written.read_text(encoding="utf-8") == cache.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "cached",
    [
        HEADER + "(function () {\ncut short",  # a build stopped while writing it
        HEADER.replace(vlc.__version__, "0.0.1") + "(function () {\nold\n})();\n",  # another version's
        "",
    ],
)
def test_a_partial_or_foreign_cached_bundle_is_made_again(tmp_path, cache, cached):
    cache.parent.mkdir(parents=True)
    cache.write_text(cached, encoding="utf-8")
    text = vendor.write_bundle(tmp_path / "repo").read_text(encoding="utf-8")
    assert text.startswith(HEADER) and text.endswith("\n})();\n") and "vegaEmbed" in text
    assert cache.read_text(encoding="utf-8") == text


def test_a_book_bundle_cut_short_is_replaced(tmp_path, cache):
    cache.parent.mkdir(parents=True)
    cache.write_text(HEADER + "(function () {\nwhole\n})();\n", encoding="utf-8")
    target = tmp_path / "repo" / vendor.BUNDLE
    target.parent.mkdir(parents=True)
    target.write_text(HEADER + "(function () {\ncut", encoding="utf-8")
    assert vendor.write_bundle(tmp_path / "repo").read_text(encoding="utf-8").endswith("whole\n})();\n")


def test_a_relative_cache_setting_is_ignored_and_without_a_home_nothing_is_cached(tmp_path, monkeypatch):
    """A relative XDG_CACHE_HOME is ignored (the XDG rule): the home's .cache is used. With no home folder
    either, the bundle is made and nothing else is written."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert vendor.cache_folder() == tmp_path / "home" / ".cache" / "kzopinion"
    monkeypatch.setenv("HOME", "relative-home")
    monkeypatch.chdir(tmp_path)
    assert vendor.cache_folder() is None
    text = vendor.write_bundle(tmp_path / "repo").read_text(encoding="utf-8")
    assert text.startswith(HEADER) and text.endswith("\n})();\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]
