"""Checks and turns a person's uploaded file into data an experiment can train on.

Every rejection is a ``ValueError`` whose message says, in plain words, what was wrong and what is
expected; the page shows it as is. No message is longer than ``messages.MAX_MESSAGE`` (300) characters,
whatever the file holds. Decisions:

- Encoding: one of UTF-8, UTF-16 and UTF-32 (with or without a byte-order mark) and Windows-1252,
  the usual encoding of text saved on Windows, which covers Latin-1's printable characters. The result
  names it (``TextData.encoding``, ``Series.encoding``: "utf-8", "utf-16-le", "windows-1252", …) so
  that the page can say so. Valid UTF-8 without NUL bytes is UTF-8 (other encodings almost never
  are). Otherwise charset-normalizer (imported only then) picks among the others; its mess measure is
  tuned for prose and doubts tables of numbers (in UTF-16 without a byte-order mark, or in
  Windows-1252 with "€" on each line), so when it is unsure, its readings at any mess are tried for
  one that is mostly ASCII without control characters, as a table is. A byte-order mark is evidence,
  not proof: Windows-1252 text starting "ÿþ" is read as such. A file that fits none, or that holds
  NUL bytes or control characters once decoded, is refused (Latin-1 alone would accept any bytes);
  text in other code pages (Windows-1251, Shift-JIS, …) is refused with a request to save it as UTF-8,
  rather than read as nonsense.
- Text is normalised: Unicode NFC, "\\n" line ends, tabs as spaces, lower case (as the dinosaur article does;
  it halves the vocabulary, so small corpora learn faster). At most ``MAX_VOCAB`` distinct characters.
- A CSV column: header row optional; delimiter ",", ";" or tab (with ";" or tab, a decimal comma is
  accepted). ``series_columns`` lists the columns; by default ``read_series`` trains on the column
  whose header names the values (a word of ``VALUE_WORDS``: "temperature", "Close", "sales_total"; a
  header that is exactly such a word first, then the leftmost), else on the last column made only of
  numbers (a first column is usually a date, an index or a month), and says which and why
  (``Series.reason``). Values must lie within ±``MAX_ABS``: the experiment rescales the series to
  about [-1, 1] in float64 and the model computes in float32, whose largest number is 3.4e38.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .messages import brief, capped_errors, clip
from .text import END, MAX_VOCAB, corpus_sequences

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

MAX_BYTES = 5 * 1024 * 1024     # largest upload accepted
MIN_TEXT_CHARS = 50             # shortest text (runs of whitespace count as one character)
MIN_SERIES = 20                 # fewest values in a series
MAX_ABS = 1e30                  # largest |value| in a series: its range (≤ 2e30) and its squares stay finite
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # Unicode category Cc except tab and "\n"
_CHAOS = 0.2                    # charset-normalizer's default: readings at least this "messy" are doubted
ENCODINGS = {                   # charset-normalizer's name → the name a person is shown
    "utf_8": "utf-8", "utf_16": "utf-16", "utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be",
    "utf_32": "utf-32", "utf_32_le": "utf-32-le", "utf_32_be": "utf-32-be", "cp1252": "windows-1252",
}
VALUE_WORDS = frozenset({       # a header with one of these words names the values to learn
    "value", "values", "y", "target", "temperature", "temp", "price", "close", "sales", "count",
    "amount", "level", "demand", "signal"})


@dataclass(frozen=True)
class TextData:
    """An uploaded text, normalised, and the encoding it was read in."""

    text: str                   # lower case, "\n" line ends: what ``make_task(run, data=...)`` takes
    encoding: str               # e.g. "utf-8", "utf-16-le", "windows-1252"


@dataclass(frozen=True)
class ColumnInfo:
    """One column of an uploaded CSV."""

    index: int                  # 0-based: pass it as ``column`` to choose this column
    name: str                   # its header, or "column <index>" in a file without a header row
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


# ----------------------------------------------------------------------------- decoding

def _what(name: str) -> str:
    return f"The file {clip(name)!r}" if name else "The file"


def _check_bytes(raw: bytes, what: str) -> bytes:
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ValueError(f"{what}: got {type(raw).__name__}, expected the file's bytes")
    raw = bytes(raw)
    if not raw.strip():
        raise ValueError(f"{what} is empty. Please choose a file that contains some text.")
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{what} is {len(raw) / 2**20:.1f} MB; files up to {MAX_BYTES // 2**20} MB are "
                         "accepted. Please upload a smaller part of it.")
    return raw


def _binary(what: str) -> ValueError:
    return ValueError(f"{what} looks like a binary file (it contains NUL bytes), not plain text. "
                      "Please upload a .txt or .csv file.")


def _name(match: CharsetMatch) -> str:
    return ENCODINGS.get(match.encoding, match.encoding)


def _tabular(text: str) -> bool:
    """Mostly ASCII (≥ 80 %) and free of control characters: what a table of numbers reads as (UTF-16
    or Windows-1252 readings of binary data or of text in another code page are mostly not ASCII)."""
    return len(text.encode("ascii", "ignore")) >= 0.8 * len(text) and not _CONTROL.search(text)


def _detect(raw: bytes, what: str) -> tuple[str, str]:
    """The text of ``raw`` and its encoding's name (see the module's docstring)."""
    if b"\x00" not in raw:                 # valid UTF-8 is UTF-8: other encodings almost never are
        try:
            return raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes  # lazy: only an upload needs it

    best = from_bytes(raw, cp_isolation=list(ENCODINGS), threshold=_CHAOS).best()
    if best is not None and best.chaos < _CHAOS:      # not one of the library's fallbacks
        return str(best), _name(best)
    for match in from_bytes(raw, cp_isolation=list(ENCODINGS), threshold=1.0):   # every reading
        if _tabular(str(match)):
            return str(match), _name(match)
    if best is not None:
        return str(best), _name(best)                  # the checks in _decode say what is wrong with it
    if b"\x00" in raw:
        raise _binary(what)
    raise ValueError(f"{what} could not be read as text (it is not UTF-8, UTF-16 or Windows-1252, or it "
                     "mixes them). Please save it as UTF-8 plain text.")


def _decode(raw: bytes, what: str) -> tuple[str, str]:
    """Size, encoding and character checks shared by both loaders: the decoded text and its encoding."""
    text, encoding = _detect(_check_bytes(raw, what), what)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).lstrip("\ufeff")
    if "\x00" in text:
        raise _binary(what)
    bad = sorted(set(_CONTROL.findall(text)))
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad[:5])
        raise ValueError(f"{what} contains control characters ({codes}) that plain text does not have; "
                         "it may be a binary file. Please upload a .txt or .csv file.")
    if not text.strip():
        raise ValueError(f"{what} is empty. Please choose a file that contains some text.")
    return text, encoding


# ----------------------------------------------------------------------------- text

def _check_vocabulary(text: str, what: str) -> None:
    """At most MAX_VOCAB distinct characters in the sequences the model will see. They are a subset of
    the text's characters, "\\n" and " ", so the sequences are built only when that bound is too high."""
    if len(set(text) | {END, " "}) <= MAX_VOCAB:
        return
    seqs, _ = corpus_sequences(text)
    used = Counter("".join(seqs))
    size = len(set(used) | {END})
    if size > MAX_VOCAB:
        rare = "".join(c for c, _ in sorted(used.items(), key=lambda kv: kv[1])[:15])
        raise ValueError(f"{what} uses {size} different characters; at most {MAX_VOCAB} are allowed so "
                         f"that the model stays small. Remove unusual symbols (the rarest are {rare!r}) "
                         "or use text in one alphabet.")


def _text_size(text: str) -> int:
    """Characters of ``text`` with each run of whitespace counted as one, up to about MIN_TEXT_CHARS
    (a prefix is enough to know that there are more: its count is never larger than the whole's)."""
    head = len(" ".join(text[: 8 * MIN_TEXT_CHARS].split()))
    return head if head >= MIN_TEXT_CHARS else len(" ".join(text.split()))


@capped_errors
def read_text(raw: bytes, name: str = "") -> TextData:
    """The normalised text of an uploaded list of names (one per line) or of prose, and its encoding.

    ``name`` (the file's name) is only used in messages. ValueError, with a plain message, for a file
    that is empty, larger than MAX_BYTES, binary, not in a known encoding, shorter than MIN_TEXT_CHARS
    or using more than MAX_VOCAB distinct characters.
    """
    what = _what(name)
    text, encoding = _decode(raw, what)
    text = text.replace("\t", " ").replace("\ufeff", "").lower()
    size = _text_size(text)
    if size < MIN_TEXT_CHARS:
        raise ValueError(f"{what} has only {size} characters of text; at least {MIN_TEXT_CHARS} are needed "
                         "(for example a list of 10 or more names, one per line).")
    _check_vocabulary(text, what)
    return TextData(text, encoding)


def load_text(raw: bytes, name: str = "") -> str:
    """``read_text(raw, name).text``: lower-case text with "\\n" line ends, ready for
    ``EXPERIMENT.make_task(run, data=text)``."""
    return read_text(raw, name).text


# ----------------------------------------------------------------------------- series

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
        raise ValueError(f"The file could not be read as a CSV ({clip(str(e), 60)}). Please upload a CSV "
                         "with one value per line or one column of numbers.") from None
    return [[ln] for ln in lines], ","


@dataclass(frozen=True)
class _Table:
    header: list[str] | None     # None: the first row holds values
    data: list[list[str]]        # rows of cells, the header row excluded
    decimal_comma: bool
    encoding: str


def _table(raw: bytes) -> _Table:
    """The CSV's cells; its header row is detected: a first row with a cell that is not a number."""
    text, encoding = _decode(raw, "The file")
    rows, delim = _rows(text)
    dc = delim != ","
    first_numeric = all(_number(c, dc) is not None for c in rows[0] if c.strip())
    header = None if first_numeric else [c.strip() for c in rows[0]]
    data = rows if header is None else rows[1:]
    if not data:
        raise ValueError(f"The file has a header row but no values; at least {MIN_SERIES} are needed.")
    return _Table(header, data, dc, encoding)


def _columns(t: _Table) -> list[ColumnInfo]:
    width = max(len(r) for r in t.data)
    out = []
    for j in range(width):
        name = t.header[j] if t.header and j < len(t.header) and t.header[j] else f"column {j}"
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
    """How a page names a column: "column 'temperature'", or "column 2" in a file without a header."""
    return f"column {clip(c.name)!r}" if header else f"column {c.index}"


def _default(columns: list[ColumnInfo], header: list[str] | None) -> tuple[ColumnInfo, str]:
    """The column trained on when none is chosen, and a sentence that says which and why."""
    numeric = [c for c in columns if c.numeric]
    if not numeric:
        raise ValueError("The file has no column made only of numbers. Please upload a CSV with one "
                         "column of numbers (a header row is optional).")
    named = _value_named(numeric)
    chosen = named or numeric[-1]
    what = f"Training on {_label(chosen, header)}"
    others = brief([_label(c, header) for c in numeric if c is not chosen], most=3, width=60)
    if len(numeric) == 1:
        return chosen, f"{what}, the only column made only of numbers."
    if named is not None:
        return chosen, f"{what}: its name says it holds the values (also made only of numbers: {others})."
    return chosen, f"{what}, the last column made only of numbers (also made only of numbers: {others})."


def _pick(columns: list[ColumnInfo], header: list[str] | None, column: str | int) -> ColumnInfo:
    """The column asked for by name (case-insensitive) or 0-based number."""
    width = len(columns)
    if isinstance(column, bool) or not isinstance(column, (int, str)):
        raise ValueError(f"column: got {clip(repr(column))}, expected a column name, a column number or None")
    if isinstance(column, int):
        if not 0 <= column < width:
            raise ValueError(f"There is no column number {column}: the file has {width} column(s), "
                             f"numbered 0 to {width - 1}.")
        return columns[column]
    if header is None:
        raise ValueError(f"The file has no header row, so there is no column named {clip(column)!r}. "
                         f"Pick a column by number (0 to {width - 1}).")
    wanted = [c.name.strip().lower() for c in columns]
    if column.strip().lower() not in wanted:
        raise ValueError(f"There is no column named {clip(column)!r}. The columns are: "
                         f"{brief(c.name for c in columns)}.")
    return columns[wanted.index(column.strip().lower())]


def _values(t: _Table, j: int, label: str) -> np.ndarray:
    """Column ``j`` as float64; ValueError naming the row of the first cell that cannot be learned."""
    values = []
    for i, r in enumerate(t.data, start=2 if t.header else 1):
        cell = r[j].strip() if j < len(r) else ""
        v = _number(cell, t.decimal_comma)
        if v is None:
            what = "is empty" if not cell else f"has {clip(cell, 20)!r}, which is not a number"
            raise ValueError(f"Column {label}, row {i} {what}. Every value must be a number.")
        if not math.isfinite(v):
            raise ValueError(f"Column {label}, row {i} has {clip(cell, 20)!r}: NaN or infinite values "
                             "cannot be learned from. Please remove or fill them in.")
        if abs(v) > MAX_ABS:
            raise ValueError(f"Column {label}, row {i} has {clip(cell, 20)}, too large: the model computes "
                             f"with values between -{MAX_ABS:g} and {MAX_ABS:g}. Please divide the column by "
                             "a power of ten.")
        values.append(v)
    if len(values) < MIN_SERIES:
        raise ValueError(f"Column {label} has only {len(values)} values; at least {MIN_SERIES} are needed.")
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
        reason = f"Training on {_label(chosen, t.header)}, as chosen."
    label = repr(clip(chosen.name)) if t.header else f"number {chosen.index}"
    values = _values(t, chosen.index, label)
    numeric = tuple(c.name for c in columns if c.numeric)
    return Series(values, chosen.name, chosen.index, numeric, reason, t.encoding)


def load_series(raw: bytes, column: str | int | None = None) -> np.ndarray:
    """``read_series(raw, column).values``: the column as a float64 array (n,)."""
    return read_series(raw, column).values
