"""Class codes, lecturer keys and student tokens: made with `secrets`, kept only as hashes, compared in
constant time.

A class code is read aloud in a lecture hall and typed on phones: 9 characters from an alphabet
without the look-alikes 0/O and 1/I/l (and L, which a lower-case l turns into), shown in groups of three
(``K7Q-M2X-9HD``). 9 characters from 31 symbols are 44.6 bits. What a person types is normalised: any
case, spaces, dashes, full-width characters (NFKC).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 9
CODE_BITS = CODE_LENGTH * math.log2(len(ALPHABET))
SECRET_BYTES = 24                      # lecturer keys and student tokens: 192 bits
_SEPARATORS = " \t\r\n-_.\u2010\u2011\u2012\u2013\u2014\u2212"


def new_code() -> str:
    """A fresh class code, normalised (no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """A normalised code in groups of three for reading aloud: ``K7QM2X9HD`` → ``K7Q-M2X-9HD``."""
    return "-".join(code[i:i + 3] for i in range(0, len(code), 3))


def normalise_code(text: str) -> str | None:
    """The code a person typed, upper case without separators; None if it cannot be a class code."""
    if not isinstance(text, str):
        return None
    plain = unicodedata.normalize("NFKC", text).upper()
    plain = "".join(ch for ch in plain if ch not in _SEPARATORS and not ch.isspace())
    if len(plain) != CODE_LENGTH or any(ch not in ALPHABET for ch in plain):
        return None
    return plain


def new_secret() -> str:
    """A lecturer key or a student token: 192 random bits, URL-safe text that does not start with "-"
    (a command line would read ``--key -Q4…`` as an option; 1 in 64 keys did)."""
    while (secret := secrets.token_urlsafe(SECRET_BYTES)).startswith("-"):
        pass
    return secret


def digest(secret: str) -> str:
    """What the database keeps of a key or token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_secret(given: object, stored_digest: str) -> bool:
    """Whether `given` is the secret whose digest is stored (constant-time comparison)."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(digest(given), stored_digest)
