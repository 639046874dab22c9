"""``python -m rnn_core lessons`` and ``python -m rnn_core checkpoint ID``: the course's checkpoints, and
one of them trained headless with its answer revealed (rnn_core/checkpoints).

``lessons --json`` prints one JSON object per checkpoint, in course order: ``id``, ``page`` (the app's
URL path), ``url`` (the page and its setup), ``question``, ``choices`` (a list of ``{key, text}``, or null
for a number), ``expected``, and ``guess`` (null, or the slider of a number: ``lo``, ``hi``, ``step``,
``unit``, ``tolerance`` or ``bands``) and ``until``. ``checkpoint ID --json`` prints one object: ``id``,
``page``, ``seed``, ``answer`` (a choice's key or a number, as ``expected``), ``expected``,
``as_expected``, ``measured`` (the named numbers the answer rests on), ``explanation`` and ``steps``
(each run's updates). Non-finite numbers are written as null.
"""

from __future__ import annotations

from typing import Any

from .checkpoints import CHECKPOINTS, Checkpoint
from .checkpoints.train import check
from .experiments import get_experiment
from .export import plain
from .i18n import _


def _guess(cp: Checkpoint) -> dict[str, Any] | None:
    if cp.guess_range is None:
        return None
    lo, hi, step = cp.guess_range
    return {"lo": lo, "hi": hi, "step": step, "unit": _(cp.guess_unit), "tolerance": cp.tolerance,
            "bands": [{"lo": b.lo, "hi": b.hi, "text": _(b.text)} for b in cp.bands] or None}


def lesson(cp: Checkpoint) -> dict[str, Any]:
    """One line of ``lessons --json``."""
    until = {"kind": cp.until.kind, "step": cp.until.step if cp.until.kind == "step" else None}
    return plain({"id": cp.id, "page": cp.url_path, "url": cp.url, "question": _(cp.question),
                  "choices": [{"key": c.key, "text": _(c.text)} for c in cp.choices] or None,
                  "expected": cp.expected, "guess": _guess(cp), "until": until})


def lessons() -> list[dict[str, Any]]:
    """Every checkpoint of the course, in its order."""
    return [lesson(cp) for cp in CHECKPOINTS]


def lessons_text(rows: list[dict[str, Any]]) -> str:
    """The checkpoints as a person reads them, under their pages' titles."""
    lines: list[str] = []
    page = None
    for row in rows:
        if row["page"] != page:
            page = row["page"]
            lines += [*([""] if lines else []), f"{_(get_experiment(page).title)} (/{page})"]
        lines.append(f"  {row['id']}: {row['question']}")
        if row["choices"]:
            lines.append("      " + "   ".join(f"{c['key']}) {c['text']}" for c in row["choices"]))
        else:
            g = row["guess"]
            lines.append("      " + _("a number from {lo:g} to {hi:g} ({unit})").format(**g))
        expected = _("expected: {expected}").format(expected=row["expected"])
        lines.append(f"      {expected}   {row['url']}")
    return "\n".join(lines)


def checkpoint(checkpoint_id: str, seed: int | None = None) -> dict[str, Any]:
    """The object of ``checkpoint ID --json``."""
    return plain(check(checkpoint_id, seed))


def checkpoint_text(r: dict[str, Any]) -> str:
    """A revealed checkpoint as lines a person reads."""
    verdict = _("as expected") if r["as_expected"] else _("otherwise than expected ({expected})").format(
        expected=r["expected"])
    numbers = ", ".join(f"{k} {'–' if v is None else f'{v:g}'}" for k, v in r["measured"].items())
    return "\n".join([f"{r['id']} (seed {r['seed']}): {r['answer']}, {verdict}", f"  {numbers}",
                      f"  {r['explanation']}"])
