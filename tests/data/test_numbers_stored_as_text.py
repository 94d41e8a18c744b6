"""Numbers a respondent-level file stores as text (a decimal comma, full-width digits) are read as the numbers
they state, and text answers in a number column stay answers; the files registration refuses for their text are
in test_registration_limits.py."""

from __future__ import annotations

import fixtures
import pytest

from kzopinion.data import harmonise, readers

KINDS = tuple(fixtures.EXTENSIONS)  # every format the CAB comes in


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "as_text", [fixtures.decimal_comma, fixtures.full_width], ids=["decimal comma", "full-width digits"]
)
def test_weights_stored_as_text_are_read_as_the_numbers_they_state(tmp_path, kind, as_text):
    path, frame = fixtures.cab_file_with(tmp_path, kind, totwt=as_text)
    weights = readers.check_cab_content(path).frame["weight"]
    stated = frame["totwt"].round(6)
    assert weights.tolist() == pytest.approx(stated.tolist(), abs=1e-12)  # never category codes 1..k
    assert weights.sum() == pytest.approx(stated.sum())


def test_text_answers_in_a_number_column_stay_answers(tmp_path):
    # "Refused (vol.)" in an age column is a text answer: missing, never a number and never refused.
    path, frame = fixtures.cab_file_with(tmp_path, "excel", Age=lambda age: age.where(age.index >= 5, "Refused (vol.)"))
    age = readers.check_cab_content(path).frame["age"]
    assert age[:5].isna().all() and age[5:].tolist() == frame["Age"][5:].astype(float).tolist()


@pytest.mark.parametrize(
    "text, number",
    [("0,964", 0.964), ("0.964", 0.964), ("０，９６４", 0.964), (" 12 ", 12.0), ("-1,5", -1.5), ("1e3", 1000.0)],
)
def test_number_from_text_reads_what_the_text_states(text, number):
    assert harmonise.number_from_text(text) == number


@pytest.mark.parametrize("text", ["1.234,5", "1,234.5", "1 234", "1'234", "12,3,4", "", "n/a", "88 and older", "−3"])
def test_number_from_text_refuses_anything_else(text):
    assert harmonise.number_from_text(text) is None
