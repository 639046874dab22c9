"""Headless command line: the same core as the app, no browser.

    python -m rnn_core list
    python -m rnn_core train EXPERIMENT [--preset NAME] [--set key=value ...] [--seed N] [--json]
    python -m rnn_core compare EXPERIMENT --vary knob=v1,v2[,v3] [--preset NAME] [--set …] [--seed N] [--json]

``--set`` takes the settings of ``rnn_core.schema`` by name (``bptt_truncate=full``); with ``--json``
the last line printed is one JSON object (non-finite numbers are written as null, and ``diverged``
says whether the run stopped early). A long run reports its progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from . import schema
from .compare import parse_spec, runs_of, train_all
from .config import RunConfig
from .experiments import experiment_ids, get_experiment
from .export import plain
from .sweep import Sweep, format_table, parse_seeds, parse_vary
from .trainer import Trainer

PROGRESS_EVERY = 2.0             # s between progress lines on stderr (a run shorter than that prints none)


def configure(exp_id: str, preset: str = "default", sets: list[str] | None = None,
              seed: int | None = None) -> RunConfig:
    """The run settings: a preset with ``key=value`` overrides (parsed by the experiment's knobs), what
    goes with them (``Experiment.settle``: ``cell=gru`` brings the torch backend, never over a setting
    given on the same command line) and an optional seed."""
    exp = get_experiment(exp_id)
    run = exp.preset(preset)
    changes: dict[str, Any] = {}
    for item in sets or []:
        key, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"--set: got {item[:60]!r}, expected key=value")
        knob = exp.knob(key.strip())
        if knob.applies == schema.FIXED:
            raise ValueError(f"--set {knob.name}: fixed by the {exp_id} task, cannot be set")
        changes[knob.name] = knob.parse(text)
    if seed is not None:
        changes["seed"] = exp.knob("seed").parse(str(seed))
    return exp.fit_run(exp.settle(run, changes, pinned=changes)[0])


def train(exp_id: str, run: RunConfig, preset: str = "default",
          progress: TextIO | None = None) -> dict[str, Any]:
    """Train to the end; the result that ``--json`` prints. ``progress``: a stream for progress lines."""
    exp = get_experiment(exp_id)
    task = exp.make_task(run)
    trainer = Trainer(task, run)
    t0, shown = time.monotonic(), False
    snap = trainer.run(seconds=PROGRESS_EVERY)
    while not snap.done:
        if progress is not None:
            _progress(progress, exp_id, snap.step, snap.total_steps, time.monotonic() - t0)
            shown = True
        snap = trainer.run(seconds=PROGRESS_EVERY)
    if shown and progress is not None:
        _progress(progress, exp_id, snap.step, snap.total_steps, time.monotonic() - t0, end="\n")
    return result(exp_id, preset, trainer)


def result(exp_id: str, preset: str, trainer: Trainer) -> dict[str, Any]:
    """What ``--json`` prints of a finished run: final metrics on all the data (same sampling rng)."""
    snap, run, metrics = trainer.last, trainer.run_cfg, trainer.final_metrics()
    return {"experiment": exp_id, "preset": preset, "steps": snap.step, "seconds": round(trainer.wall, 4),
            "config": run.as_dict(), "metrics": plain(metrics), "diverged": snap.stop is not None,
            "stop_reason": snap.stop_reason}


def compare(exp_id: str, vary: str, preset: str = "default", sets: list[str] | None = None,
            seed: int | None = None) -> list[dict[str, Any]]:
    """The runs of ``--vary knob=v1,v2[,v3]`` trained in lockstep: one result each, plus the knob and
    its value."""
    exp = get_experiment(exp_id)
    spec = parse_spec(vary, exp)
    runs = runs_of(configure(exp_id, preset, sets, seed), spec, exp)
    trainers, _ = train_all(exp, runs)
    return [{**result(exp_id, preset, t), "knob": spec.knob, "value": schema.format_value(spec.knob, v),
             "final_loss": plain(t.last.train_loss)} for t, v in zip(trainers, spec.values, strict=True)]


def compare_table(rows: list[dict[str, Any]]) -> str:
    """The comparison as a text table: run, value, final loss, metrics, steps, seconds."""
    names = [k for k, v in rows[0]["metrics"].items() if isinstance(v, (int, float)) or v is None]
    head = ["run", rows[0]["knob"], "final loss", *names, "steps", "seconds", "stopped"]
    body = [[str(i + 1), r["value"], _cell(r["final_loss"]), *(_cell(r["metrics"].get(k)) for k in names),
             str(r["steps"]),
             f"{r['seconds']:.2f}", "yes" if r["diverged"] else ""] for i, r in enumerate(rows)]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    lines = ["  ".join(x.rjust(w) for x, w in zip(line, widths, strict=True)) for line in [head, *body]]
    return "\n".join(lines)


def _cell(v: Any) -> str:
    return "–" if v is None else f"{v:.4g}"


def _progress(out: TextIO, exp_id: str, step: int, total: int, seconds: float, end: str = "") -> None:
    """One progress line: redrawn in place on a terminal, one line per report otherwise."""
    text = f"{exp_id}: step {step:,} / {total:,} ({100 * step / max(total, 1):.0f} %), {seconds:.0f} s"
    tty = out.isatty()
    out.write(("\r" + text + end) if tty else (text + "\n" if not end else ""))
    out.flush()


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m rnn_core",
                                 description="Train the RNN Explorer experiments headless.")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="experiment ids, one a line")
    tr = sub.add_parser("train", help="train one experiment to the end")
    tr.add_argument("experiment")
    tr.add_argument("--preset", default="default", help="a preset of the experiment (default: default)")
    names = ", ".join(k.name for k in schema.KNOBS if k.applies != schema.FIXED)
    tr.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help=f"a setting by name: {names}")
    tr.add_argument("--seed", type=int, default=None)
    tr.add_argument("--json", action="store_true", help="print the result as one JSON object (last line)")
    sw = sub.add_parser("sweep", help="every combination of a few settings over seeds: accuracy median/min")
    sw.add_argument("experiment")
    sw.add_argument("--vary", action="append", required=True, metavar="KNOB=V1,V2,...",
                    help="e.g. lag=5,10,20,50,100 (repeat for more knobs)")
    sw.add_argument("--seeds", default="0,1,2", help="e.g. 0,1,2 or 0-4")
    sw.add_argument("--metric", default=None,
                    help="the metric to summarise (default: the experiment's first)")
    for a in ("--preset", "--set", "--json"):
        sw._add_action(next(x for x in tr._actions if a in x.option_strings))
    cp = sub.add_parser("compare", help="2-3 runs that differ in one setting, trained in lockstep")
    cp.add_argument("experiment")
    cp.add_argument("--vary", required=True, metavar="KNOB=V1,V2[,V3]", help="e.g. bptt_truncate=1,5,full")
    for a in ("--preset", "--set", "--seed", "--json"):
        cp._add_action(next(x for x in tr._actions if a in x.option_strings))
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        print("\n".join(experiment_ids()))
        return 0
    try:
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "compare":
            rows = compare(args.experiment, args.vary, args.preset, args.sets, args.seed)
        else:
            run = configure(args.experiment, args.preset, args.sets, args.seed)
            rows = [train(args.experiment, run, args.preset, progress=sys.stderr)]
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        for r in rows:
            print(json.dumps(r, allow_nan=False))
    elif args.command == "compare":
        print(compare_table(rows))
    else:
        _print_result(rows[0])
    return 0


def _sweep(args: argparse.Namespace) -> int:
    """``sweep``: the table (or one JSON object per row); rows go to stderr as they finish."""
    exp = get_experiment(args.experiment)
    fixed = {}
    for item in args.sets:
        key, _, text = item.partition("=")
        fixed[key.strip()] = schema.parse(key.strip(), text)
    metric = args.metric or exp.metrics[0].name
    sweep = Sweep(exp, parse_vary(args.vary), parse_seeds(args.seeds), fixed=fixed, preset=args.preset,
                  metric=metric)
    sweep.run_all(on_row=lambda r: print(format_table([r]).splitlines()[-1], file=sys.stderr, flush=True))
    if args.json:
        for row in plain(sweep.rows):
            print(json.dumps(row, allow_nan=False))
    else:
        print(format_table(sweep.rows))
    return 0


def _print_result(r: dict[str, Any]) -> None:
    print(f"{r['experiment']} ({r['preset']}): {r['steps']} steps in {r['seconds']:.2f} s")
    for k, v in r["metrics"].items():
        print(f"  {k}: {v}")
    if r["stop_reason"]:
        print(f"  stopped: {r['stop_reason']}")

