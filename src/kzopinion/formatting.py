"""Numbers formatted for people, for glued prose and tables.

Every function returns a plain ``str`` built from Python numbers, so no
``np.float64(...)`` can ever reach a page.
"""

from __future__ import annotations

import math


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


def value_range(low: str, high: str) -> str:
    """Two formatted values as a range, collapsing equal ends: ``'0.94 to 1.67'``."""
    return low if low == high else f"{low} to {high}"
