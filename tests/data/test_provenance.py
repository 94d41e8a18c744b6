"""Reading one cell of a table (``Tables.raw``, under every traced number): the same value, of the same type, as the
table's own row, for every cell of every table; missing rows and columns named."""

from __future__ import annotations

import pandas as pd
import pytest

from kzopinion import data
from kzopinion.data.provenance import Cell, Tables


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    return bool(pd.isna(a) and pd.isna(b)) if pd.api.types.is_scalar(a) and pd.isna(a) else a == b


def test_every_cell_reads_as_its_row_holds_it(root):
    tables = Tables(root)
    read = 0
    for name in data.resource_names(root):
        frame, keys = tables.frame(name), tables.keys(name)
        for key in keys:
            row = frame[(keys == key).to_numpy()].iloc[0]  # the oracle: the row found by its key, as a Series
            for column in frame.columns:
                assert _same(tables.raw(name, key, column), row[column]), (name, key, column)
                read += 1
    assert read > 5000


def test_a_missing_row_or_column_is_named(root):
    tables = Tables(root)
    with pytest.raises(KeyError, match="table 'claims' has 0 rows with key 'no_such_claim'"):
        tables.raw("claims", "no_such_claim", "value")
    key = tables.keys("claims").iloc[0]
    with pytest.raises(KeyError, match="table 'claims' has no column 'no_such_column'"):
        tables.raw("claims", key, "no_such_column")


def test_a_replaced_cell_is_read_in_the_copy_only(root):
    tables = Tables(root)
    key = tables.keys("claims").iloc[0]
    before = tables.raw("claims", key, "value")
    copy = tables.replaced(Cell("claims", key, "value"), 12345.5)
    assert copy.raw("claims", key, "value") == 12345.5
    assert _same(tables.raw("claims", key, "value"), before)
