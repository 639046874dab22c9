"""Checks and turns a person's uploaded file into data an experiment can train on.

Every rejection is a ``ValueError`` whose message says, in plain words, what was wrong and what is
expected; the page shows it as is. Decisions:

- Encoding: UTF-8 (a byte-order mark is fine) or UTF-16 with a byte-order mark (Notepad's
  "Unicode"); a file that is not valid UTF-8 is read as Windows-1252, the usual encoding of text
  saved on Windows, which covers Latin-1's printable characters. Bytes that are not text in either
  (NUL bytes, control characters) reject the file: Latin-1 alone would accept any bytes at all.
- Text is normalised: Unicode NFC, "\\n" line ends, tabs as spaces, lower case (as article 002 does;
  it halves the vocabulary, so small corpora learn faster). At most ``MAX_VOCAB`` distinct characters.
- A CSV column: header row optional; delimiter ",", ";" or tab (with ";" or tab, a decimal comma is
  accepted); by default the first column whose values are all numbers.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import unicodedata
from collections import Counter

import numpy as np

from .text import MAX_VOCAB, Vocab, corpus_sequences

MAX_BYTES = 5 * 1024 * 1024     # largest upload accepted
MIN_TEXT_CHARS = 50             # shortest text (runs of whitespace count as one character)
MIN_SERIES = 20                 # fewest values in a series
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # Unicode category Cc except tab and "\n"


def _decode(raw: bytes, what: str) -> str:
    """Size and encoding checks shared by both loaders; the decoded text."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ValueError(f"{what}: got {type(raw).__name__}, expected the file's bytes")
    raw = bytes(raw)
    if not raw.strip():
        raise ValueError(f"{what} is empty. Please choose a file that contains some text.")
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{what} is {len(raw) / 2**20:.1f} MB; files up to {MAX_BYTES // 2**20} MB are "
                         "accepted. Please upload a smaller part of it.")
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):    # Notepad's "Unicode": UTF-16 with a BOM
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            pass                                              # not UTF-16 after all: the checks below say why
    if b"\x00" in raw:
        raise ValueError(f"{what} looks like a binary file (it contains NUL bytes), not plain text. "
                         "Please upload a .txt or .csv file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ValueError(f"{what} could not be read as text (it is neither UTF-8 nor Windows-1252). "
                             "Please save it as UTF-8 plain text.") from None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    bad = sorted(set(_CONTROL.findall(text)))
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad[:5])
        raise ValueError(f"{what} contains control characters ({codes}) that plain text does not have; "
                         "it may be a binary file. Please upload a .txt or .csv file.")
    return text


def load_text(raw: bytes, name: str = "") -> str:
    """The normalised text of an uploaded list of names (one per line) or of prose.

    Returns lower-case text with "\\n" line ends, ready for ``EXPERIMENT.make_task(run, data=text)``.
    """
    what = f"The file {name!r}" if name else "The file"
    text = _decode(raw, what).replace("\t", " ").replace("\ufeff", "").lower()
    size = len(" ".join(text.split()))
    if size < MIN_TEXT_CHARS:
        raise ValueError(f"{what} has only {size} characters of text; at least {MIN_TEXT_CHARS} are needed "
                         "(for example a list of 10 or more names, one per line).")
    seqs, _ = corpus_sequences(text)
    joined = "".join(seqs)
    vocab = Vocab.from_text("".join(set(joined)))
    if vocab.size > MAX_VOCAB:
        used = Counter(joined)
        rare = "".join(c for c, _ in sorted(used.items(), key=lambda kv: kv[1])[:15])
        raise ValueError(f"{what} uses {vocab.size} different characters; at most {MAX_VOCAB} are allowed so "
                         f"that the model stays small. Remove unusual symbols (the rarest are {rare!r}) "
                         "or use text in one alphabet.")
    return text


# ----------------------------------------------------------------------------- series

def _number(cell: str, decimal_comma: bool) -> float | None:
    """The cell as a float, or None if it is not a number."""
    s = cell.strip()
    if decimal_comma:
        s = s.replace(",", ".")
    try:
        return float(s)
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
        raise ValueError(f"The file could not be read as a CSV ({e}). Please upload a CSV with one "
                         "value per line or one column of numbers.") from None
    return [[ln] for ln in lines], ","


def _pick(header: list[str] | None, data: list[list[str]], column: str | int | None,
          decimal_comma: bool) -> int:
    """Index of the chosen column (ValueError if it does not exist or none is numeric)."""
    width = max(len(r) for r in data)
    names = header or [str(i) for i in range(width)]
    if column is None:
        for j in range(width):
            if all(j < len(r) and _number(r[j], decimal_comma) is not None for r in data):
                return j
        raise ValueError("The file has no column made only of numbers. Please upload a CSV with one "
                         "column of numbers (a header row is optional).")
    if isinstance(column, bool) or not isinstance(column, (int, str)):
        raise ValueError(f"column: got {column!r}, expected a column name, a column number or None")
    if isinstance(column, int):
        if not 0 <= column < width:
            raise ValueError(f"There is no column number {column}: the file has {width} column(s), "
                             f"numbered 0 to {width - 1}.")
        return column
    if header is None:
        raise ValueError(f"The file has no header row, so there is no column named {column!r}. "
                         f"Pick a column by number (0 to {width - 1}).")
    wanted = [h.strip().lower() for h in header]
    if column.strip().lower() not in wanted:
        raise ValueError(f"There is no column named {column!r}. The columns are: {', '.join(names)}.")
    return wanted.index(column.strip().lower())


def load_series(raw: bytes, column: str | int | None = None) -> np.ndarray:
    """One numeric column of an uploaded CSV as a float64 array (n,).

    ``column``: a header name (case-insensitive), a 0-based column number, or None for the first
    column whose values are all numbers. The header row is optional (detected: a first row with a
    cell that is not a number).
    """
    rows, delim = _rows(_decode(raw, "The file"))
    dc = delim != ","
    first_numeric = all(_number(c, dc) is not None for c in rows[0] if c.strip())
    header = None if first_numeric else [c.strip() for c in rows[0]]
    data = rows if header is None else rows[1:]
    if not data:
        raise ValueError(f"The file has a header row but no values; at least {MIN_SERIES} are needed.")
    j = _pick(header, data, column, dc)
    label = repr(header[j]) if header and j < len(header) else f"number {j}"
    values = []
    for i, r in enumerate(data, start=2 if header else 1):
        cell = r[j].strip() if j < len(r) else ""
        v = _number(cell, dc)
        if v is None:
            what = "is empty" if not cell else f"has {cell[:20]!r}, which is not a number"
            raise ValueError(f"Column {label}, row {i} {what}. Every value must be a number.")
        if not math.isfinite(v):
            raise ValueError(f"Column {label}, row {i} has {cell!r}: NaN or infinite values cannot be "
                             "learned from. Please remove or fill them in.")
        values.append(v)
    if len(values) < MIN_SERIES:
        raise ValueError(f"Column {label} has only {len(values)} values; at least {MIN_SERIES} are needed.")
    return np.asarray(values, dtype=np.float64)
