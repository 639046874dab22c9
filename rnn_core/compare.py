"""Comparisons: two or three runs that differ in one setting, trained in lockstep.

A spec is written ``<knob>:<v1>,<v2>[,<v3>]`` (``bptt_truncate:1,5,full``, ``cell:rnn,lstm,gru``): the
app reads it from its URL, the CLI from ``--vary knob=v1,v2``. Every other setting is shared, the seed
included, so the runs see the same data in the same order and start from the same weights wherever the
shapes allow. Lockstep is fair in steps: each round advances every run that is not done by the same
number of steps, as many as the round's time budget pays for all of them together (the CLI and the app
share this one rule).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from . import schema
from .config import RunConfig
from .experiments import Experiment
from .i18n import _, ngettext
from .snapshot import Stop
from .trainer import Trainer

MIN_RUNS, MAX_RUNS = 2, 3
NOT_COMPARED = ("seed",)          # the runs share the seed: that is what makes them comparable
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spec:
    """Which setting the runs differ in, and its values."""

    knob: str
    values: tuple[Any, ...]        # typed, as the schema parses them (None for "full")

    @property
    def text(self) -> str:
        """The spec as a URL writes it: "bptt_truncate:1,5,full"."""
        return f"{self.knob}:" + ",".join(schema.format_value(self.knob, v) for v in self.values)

    def label(self, i: int, base: RunConfig | None = None, run: RunConfig | None = None) -> str:
        """"bptt_truncate = 5", or with what goes with the value, "cell = gru (backend torch, lr 0.02)":
        how run ``i`` is named on charts and in tables. What goes with it is read off the runs: the
        settings in which ``run`` differs from ``base`` besides the compared one."""
        text = f"{self.knob} = {schema.format_value(self.knob, self.values[i])}"
        if base is not None and run is not None:
            extra = [k for k in run.diff(base) if k != self.knob and k in schema.KNOB
                     and schema.KNOB[k].applies != schema.FIXED]
            if extra:
                new = run.as_dict()
                text += " (" + ", ".join(f"{k} {schema.format_value(k, new[k])}" for k in extra) + ")"
        return text


Check = Callable[[str, Any], None]     # (name, value) → None, or ValueError: what a page can offer


def parse_spec(text: str, exp: Experiment, check: Check | None = None) -> Spec:
    """``knob:v1,v2[,v3]`` (or ``knob=…``) checked against the experiment's knobs and ``check`` (the
    page's own ranges, e.g. the widget's 256 hidden units; the CLI has none): a ValueError in plain
    words for an unknown knob, a value out of range, repeated values, or not 2–3 values. A refused
    value is never rounded or cut into range."""
    name, sep, rest = str(text).replace("=", ":", 1).partition(":")
    name = name.strip()
    if not sep or not rest.strip():
        raise ValueError(_("compare: got {text}, expected knob:value1,value2[,value3], e.g. "
                           "bptt_truncate:1,full").format(text=repr(text[:60])))
    if name not in exp.knobs or name in NOT_COMPARED:
        allowed = ", ".join(k for k in exp.knobs if k not in NOT_COMPARED)
        raise ValueError(_("compare: {name} is not a setting this page can compare; expected one of "
                           "{allowed}").format(name=repr(name[:30]), allowed=allowed))
    texts = [t.strip() for t in rest.split(",") if t.strip()]
    if not MIN_RUNS <= len(texts) <= MAX_RUNS:
        raise ValueError(ngettext("compare: got {n} value of {name}, expected {least} or {most}",
                                  "compare: got {n} values of {name}, expected {least} or {most}",
                                  len(texts)).format(n=len(texts), name=name, least=MIN_RUNS, most=MAX_RUNS))
    values = tuple(exp.knob(name).parse(t) for t in texts)
    for v in values:
        if check is not None:
            check(name, v)
    if len(set(values)) != len(values):
        raise ValueError(_("compare: the values of {name} repeat ({values}), expected different ones").format(
            name=name, values=", ".join(t[:20] for t in texts)))
    return Spec(name, values)


def runs_of(base: RunConfig, spec: Spec, exp: Experiment, data: Any = None,
            pinned: Collection[str] = ()) -> list[RunConfig]:
    """The run of each value: ``base`` with the compared setting changed and what the experiment says
    goes with that value (``Experiment.implied``: lstm / gru bring torch), except the ``pinned``
    settings (those the person set)."""
    return [exp.fit_run(exp.settle(base, {spec.knob: v}, pinned)[0], data) for v in spec.values]


def labels(spec: Spec, base: RunConfig, runs: Sequence[RunConfig]) -> list[str]:
    """Every run's name (``Spec.label``), saying what goes with its value."""
    return [spec.label(i, base, r) for i, r in enumerate(runs)]


def round_steps(trainers: list[Trainer], seconds: float, cap: int | None = None) -> int:
    """Updates each live run makes in a round of ``seconds``: floor(seconds / the sum of their costs per
    update), at least 1, at most ``cap`` and what the longest run still has to go. While a cost is
    unknown (no step yet) the round is one step each: it measures them without risking the budget."""
    live = [t for t in trainers if not t.done]
    if not live:
        return 0
    costs = [t.step_seconds for t in live]
    if any(c is None for c in costs):
        return 1
    left = max(t.total_steps - t.step for t in live)
    total = sum(c for c in costs if c is not None)
    affordable = seconds / total * (1 + 1e-9) if total > 0 else math.inf   # 0.3 / 0.03 is 9.99…: 10
    return max(1, int(min(left, math.inf if cap is None else cap, affordable)))


def lockstep(trainers: list[Trainer], seconds: float, cap: int | None = None) -> int:
    """One round: every trainer that is not done makes the same ``round_steps`` updates (fewer if its
    block ends or it stops), so 3 runs take about ``seconds`` together, not 3 × ``seconds``. A run that
    fails stops alone with Stop("error") and the others go on. Returns the updates asked of each run
    (0 if all were done); afterwards every trainer's ``last`` snapshot is up to date."""
    n = round_steps(trainers, seconds, cap)
    for i, t in enumerate(trainers):
        if n and not t.done:
            try:
                t.run(steps=n)
            except Exception as e:  # noqa: BLE001 -- a failing run stops alone, the others go on
                LOG.exception("lockstep: run %d failed", i + 1)
                t.halt(Stop("error", t.step + 1, detail=str(e)[:200]))
        if t.last is None:
            t.snapshot()
    return n


def train_all(exp: Experiment, runs: list[RunConfig], data: Any = None, round_seconds: float = 0.5,
              on_round: Callable[[list[Trainer]], None] | None = None) -> tuple[list[Trainer], float]:
    """Every run to its end in lockstep rounds; the trainers and the wall time. ``on_round`` sees the
    trainers after each round (the CLI's progress line)."""
    trainers = [Trainer(exp.make_task(r, data), r) for r in runs]
    t0 = time.perf_counter()
    while not all(t.done for t in trainers):
        lockstep(trainers, seconds=round_seconds)
        if on_round is not None:
            on_round(trainers)
    return trainers, time.perf_counter() - t0
