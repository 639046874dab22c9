"""A sweep: train every combination of a few settings over several seeds, advancing in small time budgets.

    sweep = Sweep(get_experiment("memory"), {"lag": [5, 50], "cell": ["rnn", "lstm"]}, seeds=(0, 1, 2))
    while not sweep.done:
        progress = sweep.advance(0.15)        # a UI tick: trains the current run for about 0.15 s
    print(format_table(sweep.rows))

Each combination is trained to the end of its run (the preset's epochs) once per seed, one run at a time;
when its last seed finishes it becomes a row (``rows``, plain dicts): the varied values, the metric's
median and min over the seeds (``{metric}_median``, ``{metric}_min``), the median of every other numeric
metric, the median steps and training seconds (``steps``, ``seconds``; evaluation excluded),
``seconds_max``, ``stopped`` (runs that diverged) and ``runs`` (one dict per seed).

Every knob of ``vary`` and ``fixed`` is a setting of the run config (``RunConfig.replace``: model, train
and task settings such as memory's ``lag``); anything else is a ValueError. ``implies`` (default: the
experiment's ``implies``) maps (knob, value) to settings that go with it, e.g. ("cell", "lstm") →
{"backend": "torch"}; precedence: implied < ``fixed`` < the varied value.
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import schema
from .config import RunConfig, check_float
from .experiments.base import Experiment, implied_by
from .trainer import Trainer

Implies = Mapping[tuple[str, Any], Mapping[str, Any]]


def parse_value(text: str, key: str | None = None) -> Any:
    """A value as typed text: by the knob schema when ``key`` is a knob ("full" → None for
    bptt_truncate), else "5" → 5, "0.01" → 0.01, "none" / "full" → None, anything else a string."""
    t = text.strip()
    if key in schema.KNOB:
        return schema.parse(key, t)
    if t.lower() in ("none", "full", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            pass
    return t


def parse_vary(items: Sequence[str]) -> dict[str, list[Any]]:
    """["lag=5,10", "cell=rnn,lstm"] → {"lag": [5, 10], "cell": ["rnn", "lstm"]}."""
    out: dict[str, list[Any]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise ValueError(f"--vary: got {item!r}, expected knob=value1,value2,...")
        out[key.strip()] = [parse_value(v, key.strip()) for v in values.split(",")]
    return out


def parse_seeds(text: str) -> list[int]:
    """ "0-2" → [0, 1, 2]; "1,3" → [1, 3]."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, sep, hi = part.partition("-")
            seeds += list(range(int(lo), int(hi) + 1)) if sep else [int(lo)]
    except ValueError:
        raise ValueError(f"--seeds: got {text!r}, expected e.g. 0-2 or 1,3,7") from None
    if not seeds:
        raise ValueError(f"--seeds: got {text!r}, expected at least one seed")
    return seeds


class Sweep:
    """Every combination of ``vary`` × ``seeds``, trained one run at a time by ``advance``."""

    def __init__(self, experiment: Experiment, vary: Mapping[str, Sequence[Any]],
                 seeds: Sequence[int] = (0, 1, 2), fixed: Mapping[str, Any] | None = None,
                 preset: str = "default", implies: Implies | None = None, metric: str = "accuracy") -> None:
        if not vary or any(len(v) == 0 for v in vary.values()):
            raise ValueError(f"vary: got {dict(vary)!r}, expected at least one knob with at least one value")
        if not seeds:
            raise ValueError("seeds: got none, expected at least one seed")
        for s in seeds:
            schema.check("seed", s)
        self.experiment, self.metric = experiment, metric
        self.fixed = dict(fixed or {})
        self.implies = dict(experiment.implies if implies is None else implies)
        self.seeds = [int(s) for s in seeds]
        self._base = experiment.preset(preset)
        self.combos = [dict(zip(vary, values, strict=True)) for values in itertools.product(*vary.values())]
        for combo in self.combos:                   # every combination valid before anything trains
            self.settings(combo, self.seeds[0])
        self._jobs = [(c, s) for c in range(len(self.combos)) for s in self.seeds]
        self._next = 0                              # index of the job under way
        self._trainer: Trainer | None = None
        self._runs: list[dict[str, Any]] = []       # finished runs of the current combination
        self.rows: list[dict[str, Any]] = []
        self.cancelled = False

    # ------------------------------------------------------------------ settings
    def settings(self, combo: Mapping[str, Any], seed: int) -> RunConfig:
        """The run config of one run: what goes with the varied values (``implied_by``, never over a
        fixed or varied setting), then the fixed and the varied settings, and the seed."""
        changes: dict[str, Any] = implied_by(self.implies, combo, pinned={*self.fixed, *combo})
        changes.update(self.fixed)
        changes.update(combo)
        changes["seed"] = seed
        unknown = sorted(k for k in changes if k not in self.experiment.knobs and k not in schema.KNOB)
        if unknown:
            raise ValueError(f"vary/fixed: got unknown settings {unknown}, expected settings of the "
                             f"{self.experiment.id} experiment: {', '.join(self.experiment.knobs)}")
        for k, v in changes.items():
            self.experiment.knob(k).check(v)
        return self._base.replace(**changes)

    def _current(self) -> Trainer:
        if self._trainer is None:
            combo, seed = self._jobs[self._next]
            run = self.settings(self.combos[combo], seed)
            self._trainer = Trainer(self.experiment.make_task(run), run)
        return self._trainer

    # ------------------------------------------------------------------ progress
    @property
    def trainer(self) -> Trainer | None:
        """The run under way (None between runs and once done), e.g. for a page to draw."""
        return self._trainer

    @property
    def done(self) -> bool:
        return self.cancelled or self._next >= len(self._jobs)

    @property
    def progress(self) -> float:
        """Share of the runs finished, the current one counted by its steps (0 … 1)."""
        if self.done:
            return 1.0 if not self.cancelled else self._next / len(self._jobs)
        t = self._trainer
        part = t.step / max(t.total_steps, 1) if t is not None else 0.0
        return (self._next + min(part, 1.0)) / len(self._jobs)

    def advance(self, seconds: float) -> float:
        """Train for about ``seconds`` (at least one step), finishing runs and rows on the way; returns
        ``progress``."""
        check_float("seconds", seconds, 0.0, lo_open=True)
        end = time.perf_counter() + seconds
        while not self.done:
            left = end - time.perf_counter()
            if left <= 0:
                break
            trainer = self._current()
            trainer.run(seconds=left)
            if trainer.done:
                self._finish_run(trainer)
        return self.progress

    def cancel(self) -> None:
        """Stop: the run under way is dropped, no more rows come."""
        self.cancelled = True
        self._trainer = None

    def run_all(self, on_row: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
        """Train everything (the CLI); ``on_row`` sees each row as it is finished."""
        while not self.done:
            before = len(self.rows)
            self.advance(1.0)
            for row in self.rows[before:]:
                if on_row is not None:
                    on_row(row)
        return self.rows

    # ------------------------------------------------------------------ results
    def _finish_run(self, trainer: Trainer) -> None:
        combo, seed = self._jobs[self._next]
        why = trainer.last.stop_reason if trainer.last is not None else None
        self._runs.append({"seed": seed, "steps": trainer.step, "seconds": round(trainer.wall, 3),
                           "stop_reason": why, "metrics": trainer.final_metrics()})
        self._next += 1
        self._trainer = None
        if self._next >= len(self._jobs) or self._jobs[self._next][0] != combo:
            self.rows.append(summarise(self.combos[combo], self._runs, self.metric))
            self._runs = []


def summarise(combo: Mapping[str, Any], runs: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    """One row: the varied values, then median / min of ``metric``, medians of the other numbers."""
    def numbers(name: str) -> list[float]:
        return [float(r["metrics"][name]) for r in runs
                if isinstance(r["metrics"].get(name), (int, float, np.number))]

    main = numbers(metric)
    row: dict[str, Any] = dict(combo)
    row[f"{metric}_median"] = statistics.median(main) if main else math.nan
    row[f"{metric}_min"] = min(main) if main else math.nan
    for name in runs[0]["metrics"]:
        vals = numbers(name)
        if name != metric and vals:
            row[f"{name}_median"] = statistics.median(vals)
    row["steps"] = int(statistics.median(r["steps"] for r in runs))
    row["seconds"] = round(statistics.median(r["seconds"] for r in runs), 3)
    row["seconds_max"] = max(r["seconds"] for r in runs)
    row["stopped"] = sum(1 for r in runs if r["stop_reason"])
    row["runs"] = runs
    return row


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned text table (every scalar column; the per-seed ``runs`` left out)."""
    if not rows:
        return "(no rows)"
    keys = [k for k in rows[0] if k != "runs"]

    def cell(k: str, v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.2f}" if k.startswith("seconds") else f"{v:.3f}"
        return "-" if v is None else str(v)

    table = [keys] + [[cell(k, r.get(k)) for k in keys] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(keys))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in table)
