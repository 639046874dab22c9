"""Headless command line: the same core as the app, no browser.

    python -m rnn_core list
    python -m rnn_core train EXPERIMENT [--preset default|article] [--set key=value ...] [--seed N] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

import numpy as np

from .config import ModelConfig, TrainConfig
from .experiments import PRESETS, experiment_ids, get_experiment
from .experiments.base import RunConfig
from .threads import single_thread
from .trainer import Trainer

_TYPES = {f.name: str(f.type) for c in (ModelConfig, TrainConfig) for f in dataclasses.fields(c)}


def parse_value(key: str, text: str) -> Any:
    """Turn ``--set key=text`` into the field's type (int, float, str, or None for "full"/"none")."""
    if key not in _TYPES:
        raise ValueError(f"--set: got unknown name {key!r}, expected one of {', '.join(sorted(_TYPES))}")
    kind = _TYPES[key]
    if "None" in kind and text.lower() in ("none", "full", "null", "off"):
        return None
    try:
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
    except ValueError:
        raise ValueError(f"--set {key}: got {text!r}, expected {kind.split(' ')[0]}") from None
    return text


def configure(exp_id: str, preset: str = "default", sets: list[str] | None = None,
              seed: int | None = None) -> RunConfig:
    """The run settings: a preset with ``key=value`` overrides and an optional seed."""
    exp = get_experiment(exp_id)
    run = exp.preset(preset)
    changes: dict[str, Any] = {}
    for item in sets or []:
        key, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"--set: got {item!r}, expected key=value")
        key = key.strip()
        if key in exp.fixed:
            raise ValueError(f"--set {key}: fixed by the {exp_id} task, cannot be set")
        changes[key] = parse_value(key, text.strip())
    if seed is not None:
        changes["seed"] = seed
    return run.replace(**changes)


def train(exp_id: str, run: RunConfig, preset: str = "default") -> dict[str, Any]:
    """Train to the end; the result that ``--json`` prints."""
    exp = get_experiment(exp_id)
    task = exp.make_task(run)
    trainer = Trainer(task, run)
    snap = trainer.run()
    metrics = snap.metrics
    if snap.stop_reason is None:                 # final metrics on all the data, same sampling rng
        with single_thread():
            rng = np.random.default_rng([run.train.seed, 2, snap.step])
            metrics = task.evaluate_full(trainer.model, rng).metrics
    return {"experiment": exp_id, "preset": preset, "steps": snap.step, "seconds": round(trainer.wall, 4),
            "config": run.as_dict(), "metrics": _plain(metrics), "stop_reason": snap.stop_reason}


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rnn_core",
                                 description="Train the RNN Explorer experiments headless.")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="experiment ids, one a line")
    tr = sub.add_parser("train", help="train one experiment to the end")
    tr.add_argument("experiment")
    tr.add_argument("--preset", default="default", choices=PRESETS)
    tr.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    tr.add_argument("--seed", type=int, default=None)
    tr.add_argument("--json", action="store_true", help="print the result as one JSON object (last line)")
    args = ap.parse_args(argv)
    if args.command == "list":
        print("\n".join(experiment_ids()))
        return 0
    try:
        run = configure(args.experiment, args.preset, args.sets, args.seed)
        result = train(args.experiment, run, args.preset)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        r = result
        print(f"{r['experiment']} ({r['preset']}): {r['steps']} steps in {r['seconds']:.2f} s")
        for k, v in result["metrics"].items():
            print(f"  {k}: {v}")
        if result["stop_reason"]:
            print(f"  stopped: {result['stop_reason']}")
    return 0
