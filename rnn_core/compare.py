"""Comparisons: two or three runs that differ in one setting, trained in lockstep.

A spec is written ``<knob>:<v1>,<v2>[,<v3>]`` (``bptt_truncate:1,5,full``, ``cell:rnn,lstm,gru``): the
app reads it from its URL, the CLI from ``--vary knob=v1,v2``. Every other setting is shared, the seed
included, so the runs see the same data in the same order and start from the same weights wherever the
shapes allow. Lockstep is fair in steps, not in wall time: each round advances every run that is not
done by the same number of steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from . import schema
from .config import RunConfig
from .experiments import Experiment
from .trainer import Trainer

MIN_RUNS, MAX_RUNS = 2, 3
NOT_COMPARED = ("seed",)          # the runs share the seed: that is what makes them comparable


@dataclass(frozen=True)
class Spec:
    """Which setting the runs differ in, and its values."""

    knob: str
    values: tuple[Any, ...]        # typed, as the schema parses them (None for "full")
    implied: tuple[dict[str, Any], ...] = ()   # per value: the settings that go with it (exp.implies)

    @property
    def text(self) -> str:
        """The spec as a URL writes it: "bptt_truncate:1,5,full"."""
        return f"{self.knob}:" + ",".join(schema.format_value(self.knob, v) for v in self.values)

    def label(self, i: int) -> str:
        """"bptt_truncate = 5", or with what goes with the value "cell = gru (backend torch, lr 0.02)":
        how run ``i`` is named on charts and in tables."""
        text = f"{self.knob} = {schema.format_value(self.knob, self.values[i])}"
        extra = self.implied[i] if i < len(self.implied) else {}
        if extra:
            text += " (" + ", ".join(f"{k} {schema.format_value(k, v)}" for k, v in extra.items()) + ")"
        return text


def parse_spec(text: str, exp: Experiment) -> Spec:
    """``knob:v1,v2[,v3]`` (or ``knob=…``) checked against the schema and the experiment: a ValueError
    in plain words for an unknown knob, a value out of range, repeated values, or not 2–3 values."""
    name, sep, rest = str(text).replace("=", ":", 1).partition(":")
    name = name.strip()
    if not sep or not rest.strip():
        raise ValueError(f"compare: got {text[:60]!r}, expected knob:value1,value2[,value3], "
                         "e.g. bptt_truncate:1,full")
    if name not in schema.KNOB or name not in exp.knobs or name in NOT_COMPARED:
        allowed = ", ".join(k for k in exp.knobs if k not in NOT_COMPARED)
        raise ValueError(f"compare: {name[:30]!r} is not a setting this page can compare; expected one of "
                         f"{allowed}")
    texts = [t.strip() for t in rest.split(",") if t.strip()]
    if not MIN_RUNS <= len(texts) <= MAX_RUNS:
        raise ValueError(f"compare: got {len(texts)} value(s) of {name}, expected {MIN_RUNS} or {MAX_RUNS}")
    values = tuple(schema.parse(name, t) for t in texts)
    if len(set(values)) != len(values):
        raise ValueError(f"compare: the values of {name} repeat ({', '.join(texts)}), "
                         "expected different ones")
    return Spec(name, values, tuple(dict(exp.implies.get((name, v), {})) for v in values))


def runs_of(base: RunConfig, spec: Spec, exp: Experiment, data: Any = None) -> list[RunConfig]:
    """The run of each value: ``base`` with the compared setting changed, and what the experiment says
    goes with that value (``Experiment.implies``: lstm / gru switch to torch)."""
    return [exp.fit_run(base.replace(**{**exp.implies.get((spec.knob, v), {}), spec.knob: v}), data)
            for v in spec.values]


def lockstep(trainers: list[Trainer], steps: int | None = None, seconds: float | None = None) -> list[Any]:
    """One round: the first trainer that is not done trains for ``steps`` or ``seconds``; every other
    one that is not done then trains as many steps. Returns each trainer's snapshot."""
    live = [t for t in trainers if not t.done]
    if live:
        lead = live[0]
        before = lead.step
        lead.run(steps=steps, seconds=seconds)
        n = max(1, lead.step - before)
        for t in live[1:]:
            t.run(steps=n)
    return [t.last if t.last is not None else t.snapshot() for t in trainers]


def train_all(exp: Experiment, runs: list[RunConfig], data: Any = None,
              round_seconds: float = 0.5) -> tuple[list[Trainer], float]:
    """Every run to its end in lockstep rounds; the trainers and the wall time."""
    trainers = [Trainer(exp.make_task(r, data), r) for r in runs]
    t0 = time.perf_counter()
    while not all(t.done for t in trainers):
        lockstep(trainers, seconds=round_seconds)
    return trainers, time.perf_counter() - t0
