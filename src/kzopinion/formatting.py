"""Numbers formatted for people, for glued prose and tables.

Every function returns a plain ``str`` built from Python numbers, so no
``np.float64(...)`` can ever reach a page.

Precision kept in records. A number a notebook stores (a ledger value, a chart's data) is
rounded to :data:`RECORD_DIGITS` significant digits by :func:`stable` at the point of
recording. Iterative fits and BLAS reductions agree across CPUs only to about eight
significant digits (their tolerance), so the last bits of one machine's arithmetic must
never reach a committed record; six digits stay far above that noise and far below what
any sentence of the book prints.
"""

from __future__ import annotations

import math
import re

RECORD_DIGITS = 6


def stable(value: float, digits: int = RECORD_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits: ``stable(0.25691371039) == 0.256914``.

    Integers and exactly representable short values pass unchanged; NaN and infinities too.
    """
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits}g}")


def stable_tree(value):
    """Every float inside nested dicts, lists and tuples rounded by :func:`stable` (for chart specs)."""
    if isinstance(value, float):
        return stable(value)
    if isinstance(value, dict):
        return {key: stable_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [stable_tree(item) for item in value]
    return value


def _number(value: float) -> float:
    value = float(value)
    if math.isnan(value):
        raise ValueError("cannot format a missing value; say that it is missing instead")
    return value


def percent(share: float, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage: ``percent(0.4236) == '42%'``."""
    return f"{_number(share) * 100:.{digits}f}%"


def percent_value(value: float, digits: int = 0) -> str:
    """A value already in percent: ``percent_value(42) == '42%'``."""
    return f"{_number(value):.{digits}f}%"


def points(value: float, digits: int = 1) -> str:
    """Percentage points: ``points(3.099) == '3.1 points'``."""
    return f"{_number(value):.{digits}f} points"


def decimal(value: float, digits: int = 2) -> str:
    """A plain decimal: ``decimal(1.666) == '1.67'``."""
    return f"{_number(value):.{digits}f}"


def as_printed(value: float) -> str:
    """Shortest form, as a source would print it: ``as_printed(3.0) == '3'``, ``'2.7'``."""
    return f"{_number(value):g}"


def count(value: float) -> str:
    """A whole count with thousands separators: ``count(1199) == '1,199'``."""
    number = _number(value)
    if number != int(number):
        raise ValueError(f"{value} is not a whole count")
    return f"{int(number):,}"


def p_value(value: float) -> str:
    """A p-value as journals print it: ``p_value(0.0004) == 'p < 0.001'``, ``p_value(0.0412) == 'p = 0.041'``."""
    number = _number(value)
    return "p < 0.001" if number < 0.001 else f"p = {number:.3f}"


def ordinal(value: float) -> str:
    """A rank: ``ordinal(1) == '1st'``, ``ordinal(44) == '44th'``, ``ordinal(12) == '12th'``."""
    number = int(count(value).replace(",", ""))
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"


def count_of(part: float, whole: float) -> str:
    """``count_of(38, 49) == '38 of 49'``."""
    return f"{count(part)} of {count(whole)}"


def span(unit: str, numbers) -> str:
    """Waves or years in words: ``span("wave", [1])`` 'wave 1', 'waves 1-6', 'waves 1, 3 and 5', 'no wave'."""
    numbers = sorted({int(n) for n in numbers})
    if not numbers:
        return f"no {unit}"
    if len(numbers) == 1:
        return f"{unit} {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{unit}s {numbers[0]}-{numbers[-1]}"
    return f"{unit}s " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def value_range(low: str, high: str) -> str:
    """Two formatted values as a range, collapsing equal ends: ``'0.94 to 1.67'``."""
    return low if low == high else f"{low} to {high}"


def movement(before: float, after: float, before_text: str, after_text: str, start: object, end: object) -> str:
    """How a value moved between two dates, in words true of the numbers: 'rose from 37% in 2013 to 40% in 2014',
    'fell from ...', or 'stayed at 39% from 2013 to 2014' when the printed values are equal."""
    if before_text == after_text:
        return f"stayed at {before_text} from {start} to {end}"
    verb = "rose" if after > before else "fell"
    return f"{verb} from {before_text} in {start} to {after_text} in {end}"


def between(low: str, high: str) -> str:
    """Where a value lies, in words: ``'between 72% and 92%'``, or ``'at 72%'`` when the ends are equal."""
    return f"at {low}" if low == high else f"between {low} and {high}"


_PRINTED_NUMBER = re.compile(r"(?<![\d.])(\d[\d,]*(?:\.\d+)?|\.\d+)")


def printed_half_unit(printed: str) -> float | None:
    """Half a unit of the last digit of the last number printed in ``printed`` ('2.7%' -> 0.05, '.17' -> 0.005,
    '83%' or '1,500' -> 0.5): the most a rounded printed value can lie from the value it rounds. None when the
    text prints no digits ('a third')."""
    numbers = _PRINTED_NUMBER.findall(printed)
    if not numbers:
        return None
    decimals = len(numbers[-1].partition(".")[2])
    return 0.5 * 10.0**-decimals


APPROXIMATE = ("about", "nearly", "almost", "around", "roughly")


def record_half_unit(value: float) -> float:
    """Half a unit in the last significant digit records keep (:data:`RECORD_DIGITS`): how far a recorded exact
    value (a ratio of counts) may lie from the exact one."""
    if value == 0:
        return 0.0
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - RECORD_DIGITS + 1)
