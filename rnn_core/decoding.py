"""Reading an uploaded file's bytes as text: size checks, the encoding (charset-normalizer where it is
not plain UTF-8), and the characters plain text may hold. Used by ``userdata`` (texts) and
``userseries`` (CSV series); see ``userdata`` for the decisions.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import numpy as np

from . import memory
from .i18n import _, integer
from .messages import clip

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

# The largest upload, one limit said one way everywhere. Streamlit's uploader in the browser counts a
# megabyte as 1,000,000 bytes (1,048,576 on Windows) and refuses a larger file ("File must be 5.0MB or
# smaller"); its server counts server.maxUploadSize in MiB (5,242,880 bytes, plus 1 MiB of multipart
# slack; nginx's client_max_body_size follows, deploy/serve.sh). The app's check is the smallest of
# them, so whatever the browser lets through the server takes, and the app says the same "5 MB".
MAX_UPLOAD_MB = 5               # = server.maxUploadSize in .streamlit/config.toml
MAX_BYTES = MAX_UPLOAD_MB * 1_000_000
def size_limit() -> str:
    """The one upload limit as every message says it: "5 MB (5,000,000 bytes)"."""
    return _("{mb} MB ({n} bytes)").format(mb=MAX_UPLOAD_MB, n=integer(MAX_BYTES))



_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # Unicode category Cc except tab and "\n"
_CHAOS = 0.2                    # charset-normalizer's default: readings at least this "messy" are doubted
EAST_ASIAN = ("gb18030", "big5", "shift_jis", "euc_jp", "euc_kr")   # two-byte encodings told apart
_GB_FOUR = re.compile(rb"[\x81-\xfe][\x30-\x39][\x81-\xfe][\x30-\x39]")   # GB18030's four-byte form
ENCODINGS = {                   # charset-normalizer's name → the name a person is shown
    "utf_8": "utf-8", "utf_16": "utf-16", "utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be",
    "utf_32": "utf-32", "utf_32_le": "utf-32-le", "utf_32_be": "utf-32-be", "cp1252": "windows-1252",
}


def what_file(name: str) -> str:
    """The subject of a message about the file: "The file 'names.txt'" (each message is one sentence
    with it as its subject, so a translation declines it once)."""
    return _("The file {name}").format(name=repr(clip(name))) if name else _("The file")


def _check_bytes(raw: bytes, what: str) -> bytes:
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ValueError(f"{what}: got {type(raw).__name__}, expected the file's bytes")   # code only
    raw = bytes(raw)
    if not raw.strip():
        raise ValueError(_("{what} is empty. Please choose a file that contains some text.").format(
            what=what))
    if len(raw) > MAX_BYTES:
        raise ValueError(_("{what} is {n} bytes; files up to {limit} are accepted. Please upload a smaller "
                           "part of it.").format(what=what, n=integer(len(raw)), limit=size_limit()))
    return raw


def _binary(what: str) -> ValueError:
    return ValueError(_("{what} looks like a binary file (it contains NUL bytes), not plain text. "
                        "Please upload a .txt or .csv file.").format(what=what))


def _name(match: CharsetMatch) -> str:
    return ENCODINGS.get(match.encoding, match.encoding)


def _tabular(text: str) -> bool:
    """Mostly ASCII (≥ 80 %) and free of control characters: what a table of numbers reads as (UTF-16
    or Windows-1252 readings of binary data or of text in another code page are mostly not ASCII)."""
    return len(text.encode("ascii", "ignore")) >= 0.8 * len(text) and not _CONTROL.search(text)


def _gb18030(raw: bytes) -> str | None:
    """The GB18030 reading of a file that has GB18030's four-byte form (a byte from 0x81, a digit, a
    byte from 0x81, a digit: no other encoding has it; in Windows-1252 it reads "•0Ú4") and is valid
    GB18030 throughout; else None."""
    if not _GB_FOUR.search(raw):
        return None
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return None


def _paired(raw: bytes) -> bool:
    """Every run of bytes from 0x80 is of even length (and there is one): two-byte characters, as
    Chinese, Japanese and Korean encodings have, where Western text has single accented letters."""
    high = (np.frombuffer(raw, dtype=np.uint8) >= 0x80).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], high, [0]))))   # starts and ends, alternating
    return len(edges) > 0 and not np.any((edges[1::2] - edges[::2]) % 2)


def _east_asian(raw: bytes, western: CharsetMatch | None, what: str,
                refuse: bool) -> tuple[str, str] | None:
    """East Asian text, told from Western text (``western``: the best Windows-1252 or UTF-16/32
    reading) by its paired high bytes (``_paired``) or by a reading in a two-byte encoding no messier
    than the Western one (Western text read so is a mess of rare ideographs). GB18030 where
    charset-normalizer finds it better than every other two-byte encoding; else a request to save the
    file as UTF-8 (or None when not ``refuse``). None: not East Asian text."""
    from charset_normalizer import from_bytes  # lazy: only an upload needs it

    matches = list(from_bytes(raw, cp_isolation=list(EAST_ASIAN), threshold=_CHAOS))
    cleanest = min((m.chaos, -m.coherence) for m in matches) if matches else None
    if cleanest is None or not (western is None or _paired(raw)
                                or cleanest < (western.chaos, -western.coherence)):
        return None
    score = {id(m): (m.chaos, -m.coherence) for m in matches}
    best = min(matches, key=lambda m: score[id(m)])
    if best.encoding == "gb18030" and all(score[id(m)] > score[id(best)] for m in matches if m is not best):
        return str(best), "gb18030"
    if not refuse:
        return None
    raise ValueError(_("{what} looks like Chinese, Japanese or Korean text in an encoding other than UTF-8 "
                       "(GB18030, Big5, Shift-JIS, EUC-KR, …) that cannot be told for sure. Please save it "
                       "as UTF-8 plain text.").format(what=what))


def _detect(raw: bytes, what: str, refuse: bool) -> tuple[str, str]:
    """The text of ``raw`` and its encoding's name (see the module's docstring)."""
    if b"\x00" not in raw:                 # valid UTF-8 is UTF-8: other encodings almost never are
        try:
            return raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
        gb = _gb18030(raw)
        if gb is not None:
            return gb, "gb18030"
    from charset_normalizer import from_bytes  # lazy: only an upload needs it

    best = from_bytes(raw, cp_isolation=list(ENCODINGS), threshold=_CHAOS).best()
    clean = best if best is not None and best.chaos < _CHAOS else None   # not one of the library's fallbacks
    found = _east_asian(raw, clean, what, refuse) if b"\x00" not in raw else None
    if found is not None:
        return found
    if clean is not None:
        return str(clean), _name(clean)
    for match in from_bytes(raw, cp_isolation=list(ENCODINGS), threshold=1.0):   # every reading
        if _tabular(str(match)):
            return str(match), _name(match)
    if best is not None:
        return str(best), _name(best)                  # the checks in _decode say what is wrong with it
    if b"\x00" in raw:
        raise _binary(what)
    raise ValueError(_("{what} could not be read as text (it is not UTF-8, UTF-16 or Windows-1252, or it "
                       "mixes them). Please save it as UTF-8 plain text.").format(what=what))


def decode(raw: bytes, what: str, refuse_unsure: bool = True) -> tuple[str, str]:
    """Size, encoding and character checks shared by both loaders: the decoded text and its encoding.
    ``refuse_unsure``: refuse East Asian text in an encoding that cannot be told (a text to learn); a
    CSV series, whose numbers are ASCII whatever the encoding, is read as Windows-1252 instead."""
    memory.configure()                     # the big blocks of reading an upload go back when freed
    text, encoding = _detect(_check_bytes(raw, what), what, refuse_unsure)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).lstrip("\ufeff")
    if "\x00" in text:
        raise _binary(what)
    bad = sorted(set(_CONTROL.findall(text)))
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad[:5])
        raise ValueError(_("{what} contains control characters ({codes}) that plain text does not have; "
                           "it may be a binary file. Please upload a .txt or .csv file.").format(
                               what=what, codes=codes))
    if not text.strip():
        raise ValueError(_("{what} is empty. Please choose a file that contains some text.").format(
            what=what))
    return text, encoding
