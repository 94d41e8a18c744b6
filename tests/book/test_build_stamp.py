"""The edition stamp (kzopinion.book.build_stamp) is the build's, never the record's: a committed notebook record
carries no build date or commit, so building never changes a record."""

from __future__ import annotations


def test_committed_records_carry_no_build_date_or_commit(root):
    from kzopinion.book import build_stamp

    commit = build_stamp.edition(root).commit
    for record in (root / "notebooks").glob("*.ipynb"):
        text = record.read_text(encoding="utf-8")
        assert "kz-edition" not in text and (not commit or commit not in text), record.name
