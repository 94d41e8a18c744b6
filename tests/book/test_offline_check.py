"""The check that the built book loads nothing from elsewhere (test_book_html.py) catches a CDN script, a remote
stylesheet and a remote font, and lets a link to another site pass."""

from __future__ import annotations

from test_book_html import CSS_FROM_ELSEWHERE, LOADED_FROM_ELSEWHERE


def test_the_external_resource_check_catches_a_cdn():
    assert LOADED_FROM_ELSEWHERE.search('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>')
    assert LOADED_FROM_ELSEWHERE.search("<link rel='stylesheet' href='//fonts.example/x.css'>")
    assert not LOADED_FROM_ELSEWHERE.search('<a href="https://doi.org/10.1177/18793665211030937">')
    assert CSS_FROM_ELSEWHERE.search("@font-face{src:url(https://fonts.example/a.woff2)}")
