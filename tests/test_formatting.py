import numpy as np
import pytest

from kzopinion import formatting as fmt


def test_formats_for_people():
    assert fmt.percent(0.4236) == "42%"
    assert fmt.percent_value(np.float64(8)) == "8%"
    assert fmt.points(3.0990) == "3.1 points"
    assert fmt.decimal(np.float64(1.666)) == "1.67"
    assert fmt.count(np.int64(1199)) == "1,199"
    assert fmt.count_of(38, 49) == "38 of 49"
    assert fmt.as_printed(3.0) == "3" and fmt.as_printed(2.7) == "2.7"
    assert fmt.value_range("3", "4") == "3 to 4" and fmt.value_range("2", "2") == "2"


def test_results_are_plain_strings():
    assert type(fmt.percent(np.float64(0.5))) is str
    assert "np." not in fmt.decimal(np.float64(0.17))


def test_missing_values_are_not_formatted():
    with pytest.raises(ValueError, match="missing"):
        fmt.percent(float("nan"))
    with pytest.raises(ValueError):
        fmt.count(2.5)


def test_ordinals():
    assert [fmt.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 44, 102)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "44th",
        "102nd",
    ]


def test_p_values():
    assert fmt.p_value(0.0004) == "p < 0.001" and fmt.p_value(0.0412) == "p = 0.041"


@pytest.mark.parametrize(
    "before, after, said",
    [
        (39, 39, "stayed at 39% from 2013 to 2014"),
        (37, 40, "rose from 37% in 2013 to 40% in 2014"),
        (40, 9, "fell from 40% in 2013 to 9% in 2014"),
        (39.2, 38.8, "stayed at 39% from 2013 to 2014"),  # equal as printed: never 'went from 39% to 39%'
    ],
)
def test_movement_says_what_the_printed_values_show(before, after, said):
    text = fmt.movement(before, after, fmt.percent_value(before), fmt.percent_value(after), 2013, 2014)
    assert text == said


def test_between_reads_as_a_range_and_collapses_equal_ends():
    assert fmt.between("72%", "92%") == "between 72% and 92%"
    assert fmt.between("72%", "72%") == "at 72%"


def test_printed_half_unit_over_many_printings():
    """A property over generated printings: half a unit of the last printed digit, whatever the decorations."""
    import random

    rng = random.Random(34)
    for _ in range(500):
        decimals = rng.randint(0, 4)
        number = f"{rng.uniform(0, 5000):,.{decimals}f}"
        if decimals and number.startswith("0.") and rng.random() < 0.5:
            number = number[1:]  # '.17', as the article prints probabilities
        printed = rng.choice(["{}", "{}%", "about {} USD/bbl", "+{}", "{} points", "{} of 49"]).format(number)
        expected = 0.5 * 10.0**-decimals if "of 49" not in printed else 0.5  # the last number printed counts
        assert fmt.printed_half_unit(printed) == expected, printed
    assert fmt.printed_half_unit("a third") is None and fmt.printed_half_unit("six") is None


def test_record_half_unit_covers_the_rounding_of_records():
    import random

    rng = random.Random(7)
    for _ in range(500):
        value = rng.uniform(1e-4, 1e4)
        assert abs(fmt.stable(value) - value) <= fmt.record_half_unit(value)
    assert fmt.record_half_unit(0) == 0.0
