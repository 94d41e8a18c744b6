"""Text from the data files reaches the pages escaped (kzopinion.book.appendix.escape, and the replication report's
tables): markup, MyST roles and a registered file's name are shown as text, never run."""

from __future__ import annotations

import pandas as pd

from kzopinion.book import appendix
from kzopinion.paper import report_tables


def test_markup_in_data_is_escaped():
    hostile = "<script>alert('x')</script> *bold* {download}`x`"
    assert "<script>" not in appendix.escape(hostile) and "\\*bold\\*" in appendix.escape(hostile)
    ledger = pd.DataFrame(
        [
            {
                "id": "xx_test",
                "section": hostile,
                "statement": hostile,
                "printed": hostile,
                "book_text": hostile,
                "simulated_text": hostile,
                "notebook": "",
                "tier": "",
                "cells": [hostile],
                "status": "not-yet",
                "note": hostile,
                "inputs": {f"microdata:cab/{hostile}.dta": "sha256:0123456789abcdef"},
            }
        ]
    )
    rendered = report_tables.claims_html(ledger)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "microdata:cab/&lt;script&gt;" in rendered  # a registered file's name is escaped too
