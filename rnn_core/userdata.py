"""Checks and turns a person's uploaded file into data an experiment can train on.

Every rejection is a ``ValueError`` whose message says, in plain words, what was wrong and what is
expected; the page shows it as is. No message is longer than ``messages.MAX_MESSAGE`` (300) characters,
whatever the file holds. Decisions:

- Encoding: one of UTF-8, UTF-16 and UTF-32 (with or without a byte-order mark), Windows-1252,
  the usual encoding of text saved on Windows, which covers Latin-1's printable characters, and
  GB18030 (a superset of GBK, Windows' encoding for simplified Chinese). The result names it
  (``TextData.encoding``, ``Series.encoding``: "utf-8", "utf-16-le", "windows-1252", "gb18030", …) so
  that the page can say so. Valid UTF-8 without NUL bytes is UTF-8 (other encodings almost never
  are). A file with GB18030's four-byte form (a byte from 0x81, a digit, a byte from 0x81, a digit:
  an emoji, say), valid GB18030 throughout, is GB18030: no other encoding has that form, and read as
  Windows-1252 it was mojibake. East Asian text (high bytes only in pairs, or a reading in GB18030,
  Big5, Shift-JIS, EUC-JP or EUC-KR cleaner than the Western one) is GB18030 when charset-normalizer
  finds that reading better than every other East Asian one (many Chinese characters); else, as a few
  such characters read alike in all of them, a text is refused with a request to save it as UTF-8 (a
  CSV series, whose numbers do not depend on it, is read as Windows-1252 as before).
  Otherwise charset-normalizer (imported only then) picks among the others; its mess measure is
  tuned for prose and doubts tables of numbers (in UTF-16 without a byte-order mark, or in
  Windows-1252 with "€" on each line), so when it is unsure, its readings at any mess are tried for
  one that is mostly ASCII without control characters, as a table is. A byte-order mark is evidence,
  not proof: Windows-1252 text starting "ÿþ" is read as such. A file that fits none, or that holds
  NUL bytes or control characters once decoded, is refused (Latin-1 alone would accept any bytes);
  text in other code pages (Windows-1251, Shift-JIS, …) is refused with a request to save it as UTF-8,
  rather than read as nonsense.
- Size: at most 5 MB, 5,000,000 bytes (``decoding.MAX_BYTES``): the limit of Streamlit's uploader in
  the browser, said in the same words by every message and by the uploader's label.
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

from collections import Counter
from dataclasses import dataclass

from .decoding import MAX_BYTES, MAX_UPLOAD_MB, decode, what_file
from .i18n import _
from .messages import capped_errors
from .text import END, MAX_VOCAB, corpus_sequences

MIN_TEXT_CHARS = 50             # shortest text (runs of whitespace count as one character)


@dataclass(frozen=True)
class TextData:
    """An uploaded text, normalised, and the encoding it was read in."""

    text: str                   # lower case, "\n" line ends: what ``make_task(run, data=...)`` takes
    encoding: str               # e.g. "utf-8", "utf-16-le", "windows-1252"


# ----------------------------------------------------------------------------- text

def _check_vocabulary(text: str, what: str) -> None:
    """At most MAX_VOCAB distinct characters in the sequences the model will see. They are a subset of
    the text's characters, "\\n" and " ", so the sequences are built only when that bound is too high."""
    if len(set(text) | {END, " "}) <= MAX_VOCAB:
        return
    seqs, _rest = corpus_sequences(text)
    used = Counter("".join(seqs))
    size = len(set(used) | {END})
    if size > MAX_VOCAB:
        rare = "".join(c for c, _n in sorted(used.items(), key=lambda kv: kv[1])[:15])
        raise ValueError(_("{what} uses {size} different characters; at most {most} are allowed so that the "
                           "model stays small. Remove unusual symbols (the rarest are {rare}) or use text in "
                           "one alphabet.").format(what=what, size=size, most=MAX_VOCAB, rare=repr(rare)))


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
    what = what_file(name)
    text, encoding = decode(raw, what)
    text = text.replace("\t", " ").replace("\ufeff", "").lower()
    size = _text_size(text)
    if size < MIN_TEXT_CHARS:
        raise ValueError(_("{what} has only {size} characters of text; at least {least} are needed (for "
                           "example a list of 10 or more names, one per line).").format(
                               what=what, size=size, least=MIN_TEXT_CHARS))
    _check_vocabulary(text, what)
    return TextData(text, encoding)


def load_text(raw: bytes, name: str = "") -> str:
    """``read_text(raw, name).text``: lower-case text with "\\n" line ends, ready for
    ``EXPERIMENT.make_task(run, data=text)``."""
    return read_text(raw, name).text




# the CSV series of a person's upload (kept here too: callers read both kinds of upload from this module)
from .userseries import (  # noqa: E402
    MAX_ABS,
    MIN_SERIES,
    VALUE_WORDS,
    ColumnInfo,
    Series,
    load_series,
    read_series,
    series_columns,
)

__all__ = ["MAX_ABS", "MAX_BYTES", "MAX_UPLOAD_MB", "MIN_SERIES", "VALUE_WORDS", "ColumnInfo",
           "Series", "TextData", "load_series", "load_text", "read_series", "read_text", "series_columns"]
