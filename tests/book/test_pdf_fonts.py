"""`make pdf` finds each chapter in the printed pages (kzopinion.book.pdf.chapter_pages), and a chapter title in
a script no installed font covers is a sentence naming the fonts and the Debian package to install (fontconfig is
stood in for: nothing is printed)."""

from __future__ import annotations

import subprocess

import pytest


def test_a_chapter_title_in_a_script_without_fonts_names_the_fonts_to_install(monkeypatch):
    from kzopinion.book import build, pdf

    def fc_list(command, **kwargs):  # a machine with Latin fonts only
        assert command[0] == "fc-list"
        return subprocess.CompletedProcess(command, 0, stdout="" if command[1] != ":lang=en" else "DejaVu Sans\n")

    monkeypatch.setattr(pdf.subprocess, "run", fc_list)
    for title, package, script in (
        ("数据与观点", "fonts-noto-cjk", "Chinese, Japanese or Korean"),
        ("الرأي العام", "fonts-noto-core", "Arabic"),
    ):
        with pytest.raises(build.BuildError) as raised:
            pdf.chapter_pages(["Intro", "Other page"], [title])
        message = str(raised.value)
        assert f"'{title}' is written in {script} script" in message and f"sudo apt-get install {package}" in message
    with pytest.raises(build.BuildError, match="cannot find the chapter 'Missing'"):
        pdf.chapter_pages(["Intro"], ["Missing"])
    # a right-to-left title that pdftotext gives in visual order is still found
    assert pdf.chapter_pages(["Intro", "العام الرأي text"], ["الرأي العام"]) == [2]
