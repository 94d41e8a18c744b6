"""Numbers that know where they come from.

A :class:`Traced` number is a float that carries the data cells it was computed from; its
arithmetic carries them on, so ``count["fp_negative"] / (count["fp_negative"] + ...)`` knows
every cell it used. :class:`Tables` hands out such numbers from the validated data package
(``tables.cell("survey_designs", "cab", "n_per_wave")``), and the claims ledger decides from
those cells, never from a typed label, whether a value is a transcription, a recomputation
or a confirmation by an independent source (:mod:`kzopinion.paper.ledger`).

A cell is named ``table[key].column``, the key being the row's primary-key values joined by
``|`` (``figure2_reasons[positive|1].first_answer``). Respondent-level data is one source
of its own, ``microdata:cab`` or ``simulated:cab``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

KEY_SEPARATOR = "|"


@dataclass(frozen=True, order=True)
class Cell:
    """One cell of a data-package table, or a whole respondent-level source (no key, no column)."""

    table: str
    key: str = ""
    column: str = ""

    def __str__(self) -> str:
        if self.respondent_level:
            if not self.key:
                return self.table
            from kzopinion.formatting import span

            unit, numbers = self.key.split(":", 1)
            return f"{self.table} ({span(unit, numbers.split(','))})"
        return f"{self.table}[{self.key}].{self.column}" if self.key else self.table

    @property
    def respondent_level(self) -> bool:
        return self.table.startswith(("microdata:", "simulated:"))


class Traced(float):
    """A float with the set of :class:`Cell` it was computed from (``.cells``)."""

    cells: frozenset[Cell]

    def __new__(cls, value: float, cells: Iterable[Cell] = ()) -> Traced:
        number = float.__new__(cls, value)
        number.cells = frozenset(cells)
        return number

    def __repr__(self) -> str:
        return f"Traced({float(self)!r}, {sorted(map(str, self.cells))})"

    def _with(self, value: float, other: object) -> Traced:
        return Traced(value, self.cells | cells_of(other))

    def __add__(self, other):
        return self._with(float(self) + float(other), other)

    __radd__ = __add__

    def __sub__(self, other):
        return self._with(float(self) - float(other), other)

    def __rsub__(self, other):
        return self._with(float(other) - float(self), other)

    def __mul__(self, other):
        return self._with(float(self) * float(other), other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self._with(float(self) / float(other), other)

    def __rtruediv__(self, other):
        return self._with(float(other) / float(self), other)

    def __neg__(self):
        return Traced(-float(self), self.cells)

    def __abs__(self):
        return Traced(abs(float(self)), self.cells)


def cells_of(*values: object) -> frozenset[Cell]:
    """Every cell any of ``values`` (Traced numbers, or iterables of them) was computed from."""
    out: set[Cell] = set()
    for value in values:
        if isinstance(value, Traced):
            out |= value.cells
        elif isinstance(value, (list, tuple, set, frozenset)) or isinstance(value, dict):
            items = value.values() if isinstance(value, dict) else value
            out |= cells_of(*items)
    return frozenset(out)


def traced(value: float, *sources: object) -> Traced:
    """``value`` carrying the cells of ``sources`` (Traced numbers, Cells, or collections of them)."""
    cells = set(cells_of(*sources))
    for source in sources:
        if isinstance(source, Cell):
            cells.add(source)
        elif isinstance(source, (list, tuple, set, frozenset)):
            cells |= {c for c in source if isinstance(c, Cell)}
    return Traced(value, cells)


def total(values: Iterable[Traced]) -> Traced:
    """The sum of ``values``, carrying all their cells."""
    values = list(values)
    return Traced(math.fsum(float(v) for v in values), cells_of(values))


class Tables:
    """The data package's tables, validated on first use, handing out traced cells.

    ``replaced`` returns a copy in which one cell holds another value: the claims tests use it
    to show that a recomputed value follows its inputs and not its own transcription.
    """

    def __init__(
        self,
        root: Path | None = None,
        overrides: dict[Cell, object] | None = None,
        validated: dict[str, pd.DataFrame] | None = None,
        keys: dict[str, pd.Series] | None = None,
        positions: dict[str, dict[str, list[int]]] | None = None,
    ) -> None:
        from kzopinion import paths

        self.root = root or paths.root()
        self._overrides = dict(overrides or {})
        self._validated = validated if validated is not None else {}  # as loaded, shared by copies
        self._frames: dict[str, pd.DataFrame] = {}
        # every row's key, and the rows of each key, as loaded: shared by copies (an override is read, not indexed)
        self._keys: dict[str, pd.Series] = keys if keys is not None else {}
        self._positions: dict[str, dict[str, list[int]]] = positions if positions is not None else {}
        self._printed: dict[str, dict[tuple[str, str], str]] = {}  # each cell as its file prints it

    def __getitem__(self, name: str) -> pd.DataFrame:
        """The whole table (a read of every row: see :meth:`rows` for a section's own rows)."""
        from kzopinion import data
        from kzopinion.data import reads

        data.LOADED.add(name)
        reads.touch(name)
        return self.frame(name)

    def frame(self, name: str) -> pd.DataFrame:
        """The table, validated, with any overrides; no read is noted (the caller notes what it reads)."""
        if name not in self._frames:
            from kzopinion import data

            if name not in self._validated:
                from kzopinion.data import reads

                was_read, was_touched = name in data.LOADED, name in reads.CELL
                self._validated[name] = data.load(name, self.root)
                if not was_read:
                    data.LOADED.discard(name)  # noted by what the caller reads of it
                if not was_touched:
                    reads.CELL.discard(name)
            frame = self._validated[name].copy()
            for cell, value in self._overrides.items():
                if cell.table == name:
                    rows = self.keys(name, frame) == cell.key
                    if not rows.any():
                        raise KeyError(f"no row '{cell.key}' in table '{name}'")
                    if isinstance(value, float) and not value.is_integer() and frame[cell.column].dtype.kind in "iu":
                        frame[cell.column] = frame[cell.column].astype("Float64")  # a count moved within its rounding
                    frame.loc[rows.to_numpy(), cell.column] = value
            self._frames[name] = frame
        return self._frames[name]

    def _note(self, name: str, key: str) -> None:
        """Note a read of one row: of that row only in a row-scoped table, of the whole table otherwise."""
        from kzopinion import data
        from kzopinion.data import reads

        if name in reads.ROW_SCOPED:
            reads.note_rows(name, key)
        else:
            data.LOADED.add(name)
            reads.touch(name)

    def rows(self, name: str, prefix: str) -> pd.DataFrame:
        """The rows whose key starts with ``prefix`` (a section's claims: ``tables.rows("claims", "fp_")``)."""
        self._note(name, prefix)
        frame = self.frame(name)
        return frame[self.keys(name).str.startswith(prefix).to_numpy()]

    def key_columns(self, name: str) -> list[str]:
        from kzopinion import data

        key = data.resource(name, self.root)["schema"].get("primaryKey")
        if not key:
            raise KeyError(
                f"table '{name}' declares no primaryKey in data/datapackage.json, so its cells "
                "cannot be named: declare one"
            )
        return [key] if isinstance(key, str) else list(key)

    def keys(self, name: str, frame: pd.DataFrame | None = None) -> pd.Series:
        """The key of every row of table ``name`` (primary-key values joined by ``|``)."""
        if frame is None and name in self._keys:
            return self._keys[name]
        if frame is None:
            self.frame(name)  # loaded and validated: the shared keys come from the table as loaded, never a copy's
        source = self._validated[name] if frame is None else frame
        columns = self.key_columns(name)
        keys = pd.Series(
            [KEY_SEPARATOR.join(map(str, row)) for row in source[columns].itertuples(index=False)], index=source.index
        )
        if frame is None:
            self._keys[name] = keys  # overrides never touch key columns
        return keys

    def tier(self, name: str) -> str:
        from kzopinion import data

        return data.resource(name, self.root)["tier"]

    def raw(self, name: str, key: str, column: str) -> object:
        """The value of one cell as the table holds it (a number, a string or missing)."""
        self._note(name, key)
        frame = self.frame(name)
        if name not in self._positions:  # row positions by key: a cell is read thousands of times a section
            index: dict[str, list[int]] = {}
            for position, row_key in enumerate(self.keys(name)):
                index.setdefault(row_key, []).append(position)
            self._positions[name] = index
        rows = self._positions[name].get(key, [])
        if len(rows) != 1:
            raise KeyError(
                f"table '{name}' has {len(rows)} rows with key '{key}' (its key columns: {self.key_columns(name)})"
            )
        if column not in frame.columns:
            raise KeyError(f"table '{name}' has no column '{column}'")
        return frame[column].iat[rows[0]]

    def cell(self, name: str, key: str, column: str) -> Traced:
        """One numeric cell as a :class:`Traced` number (missing cells raise: say they are missing instead)."""
        value = self.raw(name, key, column)
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            raise ValueError(f"{name}[{key}].{column} is missing")
        return Traced(float(value), {Cell(name, key, column)})

    def column(self, name: str, column: str) -> dict[str, Traced]:
        """Every non-missing numeric cell of one column, by row key."""
        frame = self[name]
        out = {}
        for key, value in zip(self.keys(name), frame[column]):
            if not (value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))):
                out[key] = Traced(float(value), {Cell(name, key, column)})
        return out

    def half_unit(self, name: str, key: str, column: str) -> float:
        """Half a unit of the last digit a rounded cell is printed with (a number, or a percentage): the most its
        printed value can lie from the true one. Zero for an exact count (an integer that is no percentage); a
        claim's value may lie its own tolerance from it (half a unit of its last digit, zero for a rank or count)."""
        import pandas as pd

        from kzopinion import data

        if name == "claims":
            return float(self.raw("claims", key, "tolerance"))
        field = next(f for f in data.resource(name, self.root)["schema"]["fields"] if f["name"] == column)
        if field["type"] == "integer" and field.get("unit") != "percent":
            return 0.0
        if name not in self._printed:
            path = self.root / "data" / data.resource(name, self.root)["path"]
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            keys = self.keys(name, frame)
            self._printed[name] = {(k, c): frame.at[i, c] for i, k in keys.items() for c in frame.columns}
        text = self._printed[name][key, column]
        return 0.5 * 10.0 ** -len(text.partition(".")[2])

    def replaced(self, cell: Cell, value: object) -> Tables:
        """A copy of these tables in which ``cell`` holds ``value`` (in memory only)."""
        return Tables(self.root, {**self._overrides, cell: value}, self._validated, self._keys, self._positions)


CODES = "focus_group_codes"


def focus_group_count(tables: Tables, code: str) -> Traced:
    """A focus-group count as the book knows it: a code marked ``partitioned`` is the sum of its
    parts (so the printed total is checked against them), any other code its transcribed count."""
    codes = tables[CODES]
    row = codes[codes["code"] == code]
    if row.empty:
        raise KeyError(f"no focus-group code '{code}' in data/published/focus_group_codes.csv")
    if bool(row["partitioned"].iloc[0]):
        children = codes[codes["parent_codes"].fillna("").map(lambda p: code in [c.strip() for c in p.split(";")])]
        return total(tables.cell(CODES, child, "count") for child in children["code"])
    return tables.cell(CODES, code, "count")


def coverage_key(frame: pd.DataFrame) -> str:
    """What a respondent-level sample covers, as a cell key: ``wave:1,2`` (CAB), ``year:2018,2019`` (Gallup)."""
    for unit in ("wave", "year"):
        if unit in frame and frame[unit].notna().any():
            return f"{unit}:" + ",".join(str(int(v)) for v in sorted(frame[unit].dropna().unique()))
    return ""


def from_respondents(value: float, respondents, sample: pd.DataFrame | None = None) -> Traced:
    """``value`` computed from respondent-level data (:class:`kzopinion.data.microdata.Respondents`):
    traced to ``microdata:<source>``, or to ``simulated:<source>`` for the stand-in, keyed by the waves or
    years the value was computed on (``sample``, a subset of the respondents' frame; all of it by default),
    so the ledger can say when a claim worded over more waves or years was checked on fewer."""
    kind = "simulated" if respondents.simulated else "microdata"
    frame = respondents.frame if sample is None else sample
    return Traced(value, {Cell(f"{kind}:{respondents.source}", coverage_key(frame))})


def input_digests(tables: Iterable[str], root: Path) -> dict[str, str]:
    """Checksum of each input: a data-package table's, its rows' for ``table[prefix]`` (a row-scoped table such as
    the claims, :func:`kzopinion.data.reads.rows_digest`), the stand-in's parameters for ``simulated:<source>``,
    and for respondent-level data (``microdata:<source>``) the sha256 of every registered file, by name."""
    from kzopinion import data

    digests: dict[str, str] = {}
    for name in tables:
        if name.startswith("microdata:"):
            # imported only here: importing microdata marks a run as reading it (kzopinion.book.kernel_reads)
            from kzopinion.data import microdata, registry  # noqa: F401

            digests |= registry.file_digests(name.split(":", 1)[1], root)
        elif name.startswith("simulated:"):
            digests[name] = data.resource("simulation_parameters", root)["hash"]
        elif "[" in name:  # rows of a row-scoped table, "claims[fp_negative]" (kzopinion.data.reads)
            from kzopinion.data import reads

            table, _, prefix = name.partition("[")
            digests[name] = reads.rows_digest(table, prefix.rstrip("]"), root)
        else:
            digests[name] = data.resource(name, root)["hash"]
    return digests


def secondary_sources(cells: Iterable[Cell], root: Path) -> list[str]:
    """What each secondary source behind ``cells`` is, as its table's entry in ``data/datapackage.json`` says
    (``sources[].secondary``: a transcription or a press summary, not the original's own release), for the
    rows whose ``source_id`` names such a source; empty when every cell rests on the originals."""
    from kzopinion import data

    tables = Tables(root)
    found: list[str] = []
    for cell in sorted(set(cells)):
        if cell.respondent_level or not cell.key:
            continue
        described = {s.get("id"): s.get("secondary") for s in data.resource(cell.table, root).get("sources", [])}
        if not any(described.values()) or "source_id" not in tables.frame(cell.table).columns:
            continue
        secondary = described.get(str(tables.raw(cell.table, cell.key, "source_id")))
        if secondary and secondary not in found:
            found.append(secondary)
    return found


def release_agreements(cells: Iterable[Cell], root: Path) -> list[str]:
    """Each change a Gallup release prints (``gallup_release_changes``) whose two years' approval cells are both among
    ``cells`` and which the series' values agree with (within the rounding of two whole percentages, the rule
    ``make data`` holds them to), in words: "the 2013-2014 fall it rests on agrees with Gallup's own release
    (14 May 2015): 28 points printed, 28 in the series". A release confirms the size of a change, not the levels."""
    from datetime import date

    from kzopinion import data
    from kzopinion.data.package import RELEASE_SERIES, release_agrees, series_change

    cells = set(cells)
    approval = data.load(RELEASE_SERIES, root)
    found: list[str] = []
    for row in data.load("gallup_release_changes", root).itertuples(index=False):
        ends = {
            Cell(RELEASE_SERIES, f"{year}{KEY_SEPARATOR}{row.leadership}", "approve")
            for year in (row.from_year, row.to_year)
        }
        if not ends <= cells:
            continue
        printed = int(row.change)
        series = series_change(approval, row.leadership, int(row.from_year), int(row.to_year))
        if not release_agrees(printed, series):
            continue
        day = date.fromisoformat(str(row.published))
        found.append(
            f"the {row.from_year}-{row.to_year} {'fall' if printed < 0 else 'rise'} it rests on agrees with Gallup's "
            f"own release ({day.day} {day:%B %Y}): {abs(printed)} points printed, {abs(series)} in the series"
        )
    return found
