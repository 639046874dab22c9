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
experiment's ``implies``) maps (knob, value) to settings that go with a varied or fixed value, e.g.
("cell", "lstm") → {"backend": "torch"}; precedence: implied < ``fixed`` < the varied value.

A sweep does only what its rows say it did, so it refuses what it would not do: the seed as a varied
or fixed setting (``seeds`` says which seeds every combination is trained with), a setting both varied
and fixed, a value that repeats, a metric the experiment does not report, and more than ``MAX_SEEDS``
seeds or ``MAX_RUNS`` runs (counted before anything is built: a typo must not start a week of work).
The command line's text (``--vary``, ``--seeds``) is parsed in ``rnn_core.cliparse``.
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
MAX_SEEDS = 100                 # seeds of one sweep
MAX_RUNS = 1000                 # runs of one sweep: combinations × seeds


class Sweep:
    """Every combination of ``vary`` × ``seeds``, trained one run at a time by ``advance``."""

    def __init__(self, experiment: Experiment, vary: Mapping[str, Sequence[Any]],
                 seeds: Sequence[int] = (0, 1, 2), fixed: Mapping[str, Any] | None = None,
                 preset: str = "default", implies: Implies | None = None, metric: str | None = None) -> None:
        """``metric``: the one summed up as median and min (default: the experiment's ``score``)."""
        self.metric = experiment.score.name if metric is None else metric
        self.fixed = dict(fixed or {})
        _check(experiment, vary, seeds, self.fixed, self.metric)
        self.experiment = experiment
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
        """The run config of one run: what goes with the fixed and the varied values (``implied_by``,
        never over a fixed or varied setting), then the fixed and the varied settings, and the seed."""
        chosen = {**self.fixed, **combo}
        changes: dict[str, Any] = implied_by(self.implies, chosen)
        changes.update(chosen)
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


def _check(experiment: Experiment, vary: Mapping[str, Sequence[Any]], seeds: Sequence[int],
           fixed: Mapping[str, Any], metric: str) -> None:
    """Refuse a sweep whose rows would not say what it did (see the module's docstring)."""
    if not vary or any(len(v) == 0 for v in vary.values()):
        raise ValueError(f"vary: got {schema.short(dict(vary))}, expected at least one knob with at least "
                         "one value")
    if "seed" in vary or "seed" in fixed:
        raise ValueError("vary/fixed: got seed, expected the seeds as seeds=[...]")
    both = sorted(set(vary) & set(fixed))
    if both:
        raise ValueError(f"vary/fixed: got {', '.join(both)} in both, expected each setting in one")
    for name, values in vary.items():
        if len(set(values)) != len(values):
            raise ValueError(f"vary: the values of {name} repeat ({schema.short(list(values))}), expected "
                             "different ones")
    if metric not in experiment.metric_names:
        raise ValueError(f"metric: got {schema.short(metric)}, expected one of the {experiment.id} "
                         f"experiment's metrics: {', '.join(experiment.metric_names)}")
    if not seeds:
        raise ValueError("seeds: got none, expected at least one seed")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"seeds: got {len(seeds):,} seeds, expected at most {MAX_SEEDS}")
    combos = math.prod(len(v) for v in vary.values())
    if combos * len(seeds) > MAX_RUNS:
        raise ValueError(f"sweep: {combos:,} combinations × {len(seeds):,} seeds = {combos * len(seeds):,} "
                         f"runs, expected at most {MAX_RUNS:,}")
    for s in seeds:
        schema.check("seed", s)


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
