"""Keeps messages about a person's file short, whatever the file holds.

A message that quotes the file (member names, column names, cells, characters, its name) could
otherwise be as long as the file: 40,000 zip members once made a 389 KB error. Three tools:

- ``clip(text)``: one quoted piece of the file, at most ``WIDTH`` characters;
- ``brief(items)``: a list of such pieces, "a, b, c, d, e and 39,995 more";
- ``capped(message)`` and the decorator ``capped_errors``: a hard cap of ``MAX_MESSAGE`` characters
  on any message (a few lines on the page), a safety net behind the two above.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from .i18n import _, integer

MAX_MESSAGE = 300       # characters: the longest message a person is shown
WIDTH = 40              # characters: the longest piece of a file quoted in a message
MOST = 5                # items of a list named before "and N more"
ELLIPSIS = "…"

P = ParamSpec("P")
R = TypeVar("R")


def clip(text: str, width: int = WIDTH) -> str:
    """``text`` if it has at most ``width`` characters, else its start and "…" (``width`` in all)."""
    if width < 1:
        raise ValueError(f"width: got {width!r}, expected at least 1")
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


def brief(items: Iterable[object], most: int = MOST, show: Callable[[str], str] = str,
          width: int = WIDTH) -> str:
    """The first ``most`` items, each clipped to ``width`` and shown with ``show`` (e.g. ``repr``),
    then how many more: "a, b, c, d, e and 39,995 more"; "a and b" for two; "" for none."""
    if most < 1:
        raise ValueError(f"most: got {most!r}, expected at least 1")
    items = list(items)
    shown = [show(clip(str(item), width)) for item in items[:most]]
    rest = len(items) - len(shown)
    if rest:
        return _("{items} and {n} more").format(items=", ".join(shown), n=integer(rest))
    if len(shown) > 1:
        return _("{items} and {last}").format(items=", ".join(shown[:-1]), last=shown[-1])
    return "".join(shown)


def capped(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` cut to at most ``limit`` characters, ending in "…" when cut."""
    return clip(message, limit)


def capped_errors(func: Callable[P, R]) -> Callable[P, R]:
    """``func``, with the message of any ValueError it raises cut to ``MAX_MESSAGE`` characters."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValueError as e:
            message = str(e)
            if len(message) <= MAX_MESSAGE:
                raise
            raise ValueError(capped(message)) from None

    return wrapper
