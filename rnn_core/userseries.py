"""A person's CSV series: its columns, the one to learn (named like the values, else the last column
made only of numbers, or the one the person picks) and why, and values a model can compute with.
See ``userdata`` for the decisions; every rejection is a plain ``ValueError``.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass

import numpy as np

from .decoding import decode
from .i18n import _, ngettext
from .messages import brief, capped_errors, clip

MIN_SERIES = 20                 # fewest values in a series
MAX_ABS = 1e30                  # largest |value| in a series: its range (≤ 2e30) and its squares stay finite
VALUE_WORDS = frozenset({       # a header with one of these words names the values to learn
    "value", "values", "y", "target", "temperature", "temp", "price", "close", "sales", "count",
    "amount", "level", "demand", "signal"})


@dataclass(frozen=True)
class ColumnInfo:
    """One column of an uploaded CSV."""

    index: int                  # 0-based: pass it as ``column`` to choose this column
    name: str                   # its header, or "column <index>" (translated) in a file without a header row
    numbers: int                # cells that are numbers (NaN and inf count: they are refused later)
    rows: int                   # data rows (the header row excluded)

    @property
    def numeric(self) -> bool:
        """Every cell of the column is a number."""
        return 0 < self.rows == self.numbers


@dataclass(frozen=True, eq=False)
class Series:
    """The column of an uploaded CSV that an experiment trains on, and why that one."""

    values: np.ndarray          # (n,) float64, |v| ≤ MAX_ABS
    column: str                 # the column's name (``ColumnInfo.name``)
    index: int                  # the column's 0-based number
    columns: tuple[str, ...]    # the names of every column made only of numbers, left to right
    reason: str                 # a sentence for the page: which column is used and why
    encoding: str               # the file's encoding, as ``TextData.encoding``


def _number(cell: str, decimal_comma: bool) -> float | None:
    """The cell as a float, or None if it is not a number."""
    try:
        return float(cell.replace(",", ".") if decimal_comma else cell)
    except ValueError:
        return None


def _rows(text: str) -> tuple[list[list[str]], str]:
    """Non-empty CSV rows and the delimiter: the first of , ; tab that gives every row (of the first
    50) the same number of cells, at least two; otherwise one column."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    try:
        for delim in (",", ";", "\t"):
            widths = {len(r) for r in csv.reader(lines[:50], delimiter=delim)}
            if len(widths) == 1 and widths.pop() > 1:
                return list(csv.reader(lines, delimiter=delim)), delim
    except csv.Error as e:                       # e.g. a field longer than the csv module allows
        raise ValueError(_("The file could not be read as a CSV ({error}). Please upload a CSV with one "
                           "value per line or one column of numbers.").format(
            error=clip(str(e), 60))) from None
    return [[ln] for ln in lines], ","


@dataclass(frozen=True)
class _Table:
    header: list[str] | None     # None: the first row holds values
    data: list[list[str]]        # rows of cells, the header row excluded
    decimal_comma: bool
    encoding: str


def _table(raw: bytes) -> _Table:
    """The CSV's cells; its header row is detected: a first row with a cell that is not a number."""
    text, encoding = decode(raw, "The file", refuse_unsure=False)
    rows, delim = _rows(text)
    dc = delim != ","
    first_numeric = all(_number(c, dc) is not None for c in rows[0] if c.strip())
    header = None if first_numeric else [c.strip() for c in rows[0]]
    data = rows if header is None else rows[1:]
    if not data:
        raise ValueError(_("The file has a header row but no values; at least {least} are needed.").format(
            least=MIN_SERIES))
    return _Table(header, data, dc, encoding)


def _columns(t: _Table) -> list[ColumnInfo]:
    width = max(len(r) for r in t.data)
    out = []
    for j in range(width):
        header = t.header[j] if t.header and j < len(t.header) else ""
        name = header or _("column {column}").format(column=j)
        numbers = sum(1 for r in t.data if j < len(r) and _number(r[j], t.decimal_comma) is not None)
        out.append(ColumnInfo(j, name, numbers, len(t.data)))
    return out


def _words(name: str) -> list[str]:
    """Lower-case words of a header: "AdjClose" → adj, close; "Temperature (°C)" → temperature, c."""
    return re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower())


def _value_named(numeric: list[ColumnInfo]) -> ColumnInfo | None:
    """The column whose header is a word of VALUE_WORDS, else the first whose header has one."""
    exact = [c for c in numeric if " ".join(_words(c.name)) in VALUE_WORDS]
    loose = [c for c in numeric if VALUE_WORDS.intersection(_words(c.name))]
    return (exact or loose or [None])[0]


def _label(c: ColumnInfo, header: list[str] | None) -> str:
    """How a sentence names a column after the word "column": 'temperature' (its header, quoted), or 2
    (its number) in a file without a header."""
    return repr(clip(c.name)) if header else str(c.index)


def _default(columns: list[ColumnInfo], header: list[str] | None) -> tuple[ColumnInfo, str]:
    """The column trained on when none is chosen, and a sentence that says which and why."""
    numeric = [c for c in columns if c.numeric]
    if not numeric:
        raise ValueError(_("The file has no column made only of numbers. Please upload a CSV with one "
                           "column of numbers (a header row is optional)."))
    named = _value_named(numeric)
    chosen = named or numeric[-1]
    column = _label(chosen, header)
    others = brief([_("column {column}").format(column=_label(c, header))
                    for c in numeric if c is not chosen], most=3, width=60)
    if len(numeric) == 1:
        why = _("Training on column {column}, the only column made only of numbers.")
    elif named is not None:
        why = _("Training on column {column}: its name says it holds the values (also made only of numbers: "
                "{others}).")
    else:
        why = _("Training on column {column}, the last column made only of numbers (also made only of "
                "numbers: {others}).")
    return chosen, why.format(column=column, others=others)


def _pick(columns: list[ColumnInfo], header: list[str] | None, column: str | int) -> ColumnInfo:
    """The column asked for by name (case-insensitive) or 0-based number."""
    width = len(columns)
    if isinstance(column, bool) or not isinstance(column, (int, str)):
        raise ValueError(f"column: got {clip(repr(column))}, expected a column name, a column number or None")
    if isinstance(column, int):
        if not 0 <= column < width:
            raise ValueError(ngettext("There is no column number {column}: the file has {n} column, "
                                      "numbered 0 to {last}.",
                                      "There is no column number {column}: the file has {n} columns, "
                                      "numbered 0 to {last}.", width).format(column=column, n=width,
                                                                            last=width - 1))
        return columns[column]
    if header is None:
        raise ValueError(_("The file has no header row, so there is no column named {column}. Pick a column "
                           "by number (0 to {last}).").format(column=repr(clip(column)), last=width - 1))
    wanted = [c.name.strip().lower() for c in columns]
    if column.strip().lower() not in wanted:
        raise ValueError(_("There is no column named {column}. The columns are: {columns}.").format(
            column=repr(clip(column)), columns=brief(c.name for c in columns)))
    return columns[wanted.index(column.strip().lower())]


def _cell_problem(cell: str, v: float | None, column: str, row: int) -> str | None:
    """Why the cell in ``row`` of ``column`` cannot be learned (a message); None if it can."""
    if v is None and not cell:
        why = _("{column}, row {row} is empty. Every value must be a number.")
    elif v is None:
        why = _("{column}, row {row} has {cell}, which is not a number. Every value must be a number.")
    elif not math.isfinite(v):
        why = _("{column}, row {row} has {cell}: NaN or infinite values cannot be learned from. Please "
                "remove or fill them in.")
    elif abs(v) > MAX_ABS:
        why = _("{column}, row {row} has {number}, too large: the model computes with values between "
                "-{most} and {most}. Please divide the column by a power of ten.")
    else:
        return None
    return why.format(column=column, row=row, cell=repr(clip(cell, 20)), number=clip(cell, 20),
                      most=f"{MAX_ABS:g}")


def _values(t: _Table, j: int, column: str) -> np.ndarray:
    """Column ``j`` as float64; ValueError naming the row of the first cell that cannot be learned.
    ``column``: how the messages name it, "Column 'temperature'" or "Column number 2"."""
    values = []
    for i, r in enumerate(t.data, start=2 if t.header else 1):
        cell = r[j].strip() if j < len(r) else ""
        v = _number(cell, t.decimal_comma)
        problem = _cell_problem(cell, v, column, i)
        if problem is not None:
            raise ValueError(problem)
        values.append(v)
    if len(values) < MIN_SERIES:
        raise ValueError(ngettext("{column} has only {n} value; at least {least} are needed.",
                                  "{column} has only {n} values; at least {least} are needed.",
                                  len(values)).format(column=column, n=len(values), least=MIN_SERIES))
    return np.asarray(values, dtype=np.float64)


@capped_errors
def series_columns(raw: bytes) -> list[ColumnInfo]:
    """The columns of an uploaded CSV, left to right, with how many of their cells are numbers: what
    a page offers to choose from (``ColumnInfo.numeric`` ones can be trained on)."""
    return _columns(_table(raw))


@capped_errors
def read_series(raw: bytes, column: str | int | None = None) -> Series:
    """One numeric column of an uploaded CSV, which one and why (see the module's docstring).

    ``column``: a header name (case-insensitive), a 0-based column number, or None for the default
    choice. ValueError, with a plain message, if that column has a cell that is not a number, NaN,
    inf or beyond ±MAX_ABS, or fewer than MIN_SERIES values.
    """
    t = _table(raw)
    columns = _columns(t)
    if column is None:
        chosen, reason = _default(columns, t.header)
    else:
        chosen = _pick(columns, t.header, column)
        reason = _("Training on column {column}, as chosen.").format(column=_label(chosen, t.header))
    named = (_("Column {name}").format(name=repr(clip(chosen.name))) if t.header
             else _("Column number {index}").format(index=chosen.index))
    values = _values(t, chosen.index, named)
    numeric = tuple(c.name for c in columns if c.numeric)
    return Series(values, chosen.name, chosen.index, numeric, reason, t.encoding)


def load_series(raw: bytes, column: str | int | None = None) -> np.ndarray:
    """``read_series(raw, column).values``: the column as a float64 array (n,)."""
    return read_series(raw, column).values
