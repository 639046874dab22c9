"""The store's limits and the checks of what a post carries, before any database work.

Refusals are sentences in the person's language (`rnn_core.i18n`). Text is kept as given: nothing is
interpreted, escaped or rendered here (that is the board's job where it draws). Numbers that JSON
cannot carry (NaN, ±inf: a diverged run's loss) become null.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from rnn_core.i18n import N_, _, ngettext

from .errors import BadInput

Point = list[float | int | None]
Label = Literal["run id", "page", "checkpoint id"]
Mapping = Literal["settings", "metrics"]
# Whole sentences for each field (a translation may inflect "the settings" differently from "the page").
_LABEL = {"run id": N_("The run id must be text of 1 to {most} characters."),
          "page": N_("The page must be text of 1 to {most} characters."),
          "checkpoint id": N_("The checkpoint id must be text of 1 to {most} characters.")}
_NOT_MAPPING = {"settings": N_("The settings must be a mapping with text keys."),
                "metrics": N_("The metrics must be a mapping with text keys.")}
_NOT_PLAIN = {"settings": N_("The settings can hold only text, numbers, true/false, null, lists and "
                             "mappings (found {found})."),
              "metrics": N_("The metrics can hold only text, numbers, true/false, null, lists and "
                            "mappings (found {found}).")}


@dataclass(frozen=True)
class Limits:
    """Every limit of the class store in one place (tests and deployments may pass their own)."""

    nickname_chars: int = 32
    json_bytes: int = 8 * 1024          # settings, metrics: each, as compact UTF-8 JSON
    curve_points: int = 200             # a longer curve is thinned to this many points
    curve_points_in: int = 100_000      # a longer curve is refused before thinning
    runs_per_student: int = 50
    students_per_class: int = 200
    posts_per_minute: int = 60          # post_run, post_answer, withdraw_run of one student
    keep_days: float = 14.0             # expire() deletes classes older than this
    id_chars: int = 64                  # run id, page, checkpoint id
    answer_chars: int = 200


def nickname(text: object, limits: Limits) -> str:
    """The nickname as given, stripped of surrounding whitespace: 1 to 32 characters of plain text."""
    if not isinstance(text, str):
        raise BadInput(_("A nickname must be text."))
    name = text.strip()
    if not 1 <= len(name) <= limits.nickname_chars:
        raise BadInput(_("A nickname must be 1 to {most} characters long (without surrounding spaces); "
                         "this one has {n}.").format(most=limits.nickname_chars, n=len(name)))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise BadInput(_("A nickname cannot contain control characters (line breaks, tabs)."))
    return name


def label(what: Label, text: object, limits: Limits) -> str:
    """A run id, a page or a checkpoint id: 1 to 64 characters, kept as given."""
    if not isinstance(text, str) or not 1 <= len(text) <= limits.id_chars:
        raise BadInput(_(_LABEL[what]).format(most=limits.id_chars))
    return text


def seed(value: object) -> int | None:
    """A run's seed: an integer that fits 64 bits, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -2**63 <= value < 2**63:
        raise BadInput(_("The seed must be a whole number between -2^63 and 2^63 - 1, or none."))
    return value


def _plain(value: Any) -> Any:
    """JSON's own types, a non-finite float as None, numpy scalars as Python's."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int)):
        return value
    if hasattr(value, "item"):                           # numpy scalar
        return _plain(value.item())
    raise TypeError(type(value).__name__)


def small_json(what: Mapping, value: object, limits: Limits) -> dict[str, Any]:
    """Settings or metrics: a dict with text keys, at most 8 kB as compact JSON."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise BadInput(_(_NOT_MAPPING[what]))
    try:
        plain = _plain(value)
        size = len(json.dumps(plain, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False).encode("utf-8"))
    except (TypeError, ValueError) as e:
        raise BadInput(_(_NOT_PLAIN[what]).format(found=e)) from None
    if size > limits.json_bytes:
        raise BadInput(_too_big(what, size, limits.json_bytes))
    return plain


def _too_big(what: Mapping, size: int, most: int) -> str:
    if what == "settings":
        text = ngettext("The settings take {size} byte as JSON; at most {most} are allowed.",
                        "The settings take {size} bytes as JSON; at most {most} are allowed.", size)
    else:
        text = ngettext("The metrics take {size} byte as JSON; at most {most} are allowed.",
                        "The metrics take {size} bytes as JSON; at most {most} are allowed.", size)
    return text.format(size=size, most=most)


def answer(value: object, limits: Limits, outcome: bool = False) -> str | int | float:
    """A checkpoint answer, or the outcome a run measured: the choice (text) or a finite number."""
    if isinstance(value, str) and 1 <= len(value) <= limits.answer_chars:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return answer(value.item(), limits, outcome)
    if outcome:
        raise BadInput(_("An outcome must be a choice (text of 1 to {most} characters), a finite number, "
                         "or none.").format(most=limits.answer_chars))
    raise BadInput(_("An answer must be a choice (text of 1 to {most} characters) or a finite "
                     "number.").format(most=limits.answer_chars))


def curve(points: object, limits: Limits) -> list[Point]:
    """The loss curve as [step, loss] pairs, thinned to at most 200 (first and last kept)."""
    if not isinstance(points, (list, tuple)):
        raise BadInput(_("The curve must be a list of (step, loss) pairs."))
    if len(points) > limits.curve_points_in:
        raise BadInput(ngettext("The curve has {n} point; at most {most} are accepted (the store keeps "
                                "{keep}).",
                                "The curve has {n} points; at most {most} are accepted (the store keeps "
                                "{keep}).", len(points)).format(n=len(points), most=limits.curve_points_in,
                                                                keep=limits.curve_points))
    try:
        pairs = [[_plain(step), _plain(loss)] for step, loss in points]
    except (TypeError, ValueError):
        raise BadInput(_("The curve must be a list of (step, loss) pairs of numbers.")) from None
    if not all(isinstance(s, int) and (v is None or isinstance(v, (int, float))) for s, v in pairs):
        raise BadInput(_("The curve must be a list of (step, loss) pairs: whole steps, numeric losses."))
    return thin(pairs, limits.curve_points)


def thin(pairs: list[Point], n: int) -> list[Point]:
    """At most n of the points, evenly spread over the list, the first and the last always kept."""
    if len(pairs) <= n:
        return pairs
    last = len(pairs) - 1
    return [pairs[round(i * last / (n - 1))] for i in range(n)]
