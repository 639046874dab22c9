"""Headless command line: the same core as the app, no browser.

    python -m rnn_core list
    python -m rnn_core train EXPERIMENT [--preset NAME] [--set key=value ...] [--seed N] [--json]
    python -m rnn_core compare EXPERIMENT --vary knob=v1,v2[,v3] [--preset NAME] [--set …] [--seed N] [--json]
    python -m rnn_core sweep EXPERIMENT --vary knob=v1,v2,... [--vary …] [--seeds 0-2] [--metric NAME]
                             [--preset NAME] [--set …] [--json]
    python -m rnn_core inspect EXPERIMENT --t T [--steps N] [--preset NAME] [--set …] [--seed N] [--json]
    python -m rnn_core lessons [--json]
    python -m rnn_core checkpoint ID [--seed N] [--json]
    python -m rnn_core class new|show|close|export|delete …  (rnn_core/cliclass.py; train --class: clipost.py)

EXPERIMENT is an id or its page in the app: ``list`` prints both, one experiment a line, the id first
(``dinos   (page /dinosaur_names)  Dinosaur names``). ``--set`` and ``--vary`` take the settings of
``rnn_core.schema`` and the experiment's own (memory's ``lag``) by name (``bptt_truncate=full``); a
sweep's seeds are ``--seeds`` (at most 100), never ``--set seed`` or ``--vary seed``. With ``--json``
the last line printed is one JSON object (non-finite numbers are written as null, and ``diverged``
says whether the run stopped early). A long run reports its progress on stderr. ``train`` of a series
task (sine, elman, xsinx) adds ``free_rmse`` and ``free_steps`` to its metrics: the RMSE of the model
run free for that many steps past its known window, its own predictions fed back (``Task.free_run``:
50 values for sine, 20 points for elman, 20 groups for xsinx). ``inspect`` trains N updates (default
0) and prints step T of the probe sequence forward and backward (rnn_core/cliinspect.py; T counts
from 0, -1 is the last step; a T outside the sequence is refused). ``lessons`` lists the course's
checkpoints, ``checkpoint ID`` trains one's setup and reveals its answer (rnn_core/clilessons.py).

Exit codes: 0 done; 2 refused, with one line ``error: …`` on stderr naming the argument, the value and
what was expected; 1 failed, one line ``error: …`` (``RNN_CORE_TRACEBACK=1`` shows the traceback);
130 interrupted (Ctrl-C), one line ``interrupted``; 141 the reader of stdout went away (``| head``),
nothing more is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from . import cliclass, cliinspect, clilessons, clipost, schema
from .cliparse import parse_seed, parse_sets, parser, sweep_args
from .compare import Spec, parse_spec, runs_of, train_all
from .config import RunConfig
from .experiments import Experiment, experiments, get_experiment
from .export import plain
from .messages import capped, clip
from .sweep import Sweep, format_table
from .threads import single_thread
from .trainer import Trainer

PROGRESS_EVERY = 2.0             # s between progress lines on stderr (a run shorter than that prints none)
MAX_LINE = 600                   # characters of an error line (values in it are shortened where quoted)


def configure(exp_id: str, preset: str = "default", sets: list[str] | None = None,
              seed: int | None = None) -> RunConfig:
    """The run settings: a preset with ``key=value`` overrides (parsed by the experiment's knobs), what
    goes with them (``Experiment.settle``: ``cell=gru`` brings the torch backend, never over a setting
    given on the same command line) and an optional seed."""
    exp = get_experiment(exp_id)
    run = exp.preset(preset)
    changes = parse_sets(exp, sets or [])
    if seed is not None:
        if "seed" in changes:
            raise ValueError(f"--seed: got {seed}, but --set gives seed={changes['seed']}; expected one of "
                             "them")
        exp.knob("seed").check(seed)
        changes["seed"] = seed
    return exp.fit_run(exp.settle(run, changes, pinned=changes)[0])


def train(exp_id: str, run: RunConfig, preset: str = "default", progress: TextIO | None = None,
          post: Callable[[Trainer], None] | None = None) -> dict[str, Any]:
    """Train to the end; the result that ``--json`` prints. ``progress``: a stream for progress lines;
    ``post``: called with the trainer between chunks of training and at the end (``train --class``)."""
    exp = get_experiment(exp_id)
    trainer = Trainer(exp.make_task(run), run)
    report = Progress(progress, exp.id)
    chunk = {"seconds": PROGRESS_EVERY} if post is None else clipost.chunk(trainer)
    snap = trainer.run(**chunk)
    while not snap.done:
        if post is not None:
            post(trainer)
        report.maybe(snap.step, snap.total_steps)
        snap = trainer.run(**chunk)
    report.close(snap.step, snap.total_steps)
    if post is not None:
        post(trainer)
    out = result(exp.id, preset, trainer)
    with single_thread():
        free = trainer.task.free_run(trainer.model)
    if free is not None:
        out["metrics"] |= plain({"free_rmse": free.free_rmse, "free_steps": free.steps})
    return out


def result(exp_id: str, preset: str, trainer: Trainer) -> dict[str, Any]:
    """What ``--json`` prints of a finished run: final metrics on all the data (same sampling rng)."""
    snap, run, metrics = trainer.last, trainer.run_cfg, trainer.final_metrics()
    return {"experiment": exp_id, "preset": preset, "steps": snap.step, "seconds": round(trainer.wall, 4),
            "config": run.as_dict(), "metrics": plain(metrics), "diverged": snap.stop is not None,
            "stop_reason": snap.stop_reason}


def compare(exp_id: str, vary: str, preset: str = "default", sets: list[str] | None = None,
            seed: int | None = None, progress: TextIO | None = None) -> list[dict[str, Any]]:
    """The runs of ``--vary knob=v1,v2[,v3]`` trained in lockstep: one result each, plus the knob and
    its value. What goes with a value (gru: torch, and lr 0.02 on memory) never overrides a ``--set``."""
    exp = get_experiment(exp_id)
    spec = _spec(vary, exp)
    given = parse_sets(exp, sets or [])
    if spec.knob in given:
        raise ValueError(f"--set {spec.knob}: got {schema.format_value(spec.knob, given[spec.knob])}, but "
                         f"--vary gives {spec.knob}; expected each setting either set or varied")
    pinned = {*given, *(("seed",) if seed is not None else ())}
    runs = runs_of(configure(exp.id, preset, sets, seed), spec, exp, pinned=pinned)
    report = Progress(progress, exp.id)
    trainers, _ = train_all(exp, runs, on_round=lambda ts: report.maybe(*_steps(ts)))
    report.close(*_steps(trainers))
    return [{**result(exp.id, preset, t), "knob": spec.knob, "value": schema.format_value(spec.knob, v),
             "final_loss": plain(t.last.train_loss)} for t, v in zip(trainers, spec.values, strict=True)]


def _spec(vary: str, exp: Experiment) -> Spec:
    """``--vary`` of compare (``compare.parse_spec``, the app's URL rule), refused in the CLI's words."""
    name, _, values = vary.partition("=")
    if name.strip() == "seed":
        raise ValueError(f"--vary seed: got {clip(values)}, expected another setting: the runs of a "
                         "comparison share the seed (train --seed N runs one seed)")
    try:
        return parse_spec(vary, exp)
    except ValueError as e:
        text = str(e).replace("this page can compare", "compare can vary")
        raise ValueError("--vary: " + text.removeprefix("compare: ") if text.startswith("compare: ")
                         else "--vary " + text) from None


def _steps(trainers: list[Trainer]) -> tuple[int, int]:
    return sum(t.step for t in trainers), sum(t.total_steps for t in trainers)


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


class Progress:
    """Progress lines of a long run on ``out`` (None: none): redrawn in place on a terminal, one line
    per report otherwise, so a run that takes minutes shows it is alive and a short one prints nothing."""

    def __init__(self, out: TextIO | None, name: str) -> None:
        self.out, self.name = out, name
        self.t0 = self.last = time.monotonic()
        self.shown = False

    def show(self, step: int, total: int, end: str = "") -> None:
        """One line now."""
        if self.out is None:
            return
        self.last, self.shown = time.monotonic(), True
        text = (f"{self.name}: step {step:,} / {total:,} ({100 * step / max(total, 1):.0f} %), "
                f"{self.last - self.t0:.0f} s")
        self.out.write(("\r" + text + end) if self.out.isatty() else (text + "\n" if not end else ""))
        self.out.flush()

    def maybe(self, step: int, total: int) -> None:
        """A line if ``PROGRESS_EVERY`` seconds have passed since the last one (or the start)."""
        if time.monotonic() - self.last >= PROGRESS_EVERY:
            self.show(step, total)

    def close(self, step: int, total: int) -> None:
        """The final count, ending the line redrawn on a terminal (only if a line was shown)."""
        if self.shown:
            self.show(step, total, end="\n")


def list_lines() -> list[str]:
    """``list``: id, page and title of each experiment, aligned, the id first (``cut -d' ' -f1``)."""
    exps = experiments()
    pages = [f"(page /{e.url_path})" for e in exps]
    wide_id, wide_page = max(len(e.id) for e in exps), max(map(len, pages))
    return [f"{e.id:<{wide_id}}  {p:<{wide_page}}  {e.title}" for e, p in zip(exps, pages, strict=True)]


def sweep(exp_id: str, vary: list[str], seeds: str = "0,1,2", preset: str = "default",
          sets: list[str] | None = None, metric: str | None = None,
          progress: TextIO | None = None) -> list[dict[str, Any]]:
    """The rows of ``sweep`` (``rnn_core.sweep``); each also goes to ``progress`` as one table line when
    it is finished, so a long sweep shows its results as they come."""
    exp = get_experiment(exp_id)
    runs = Sweep(exp, preset=preset, **sweep_args(exp, vary, seeds, sets or [], metric))

    def show(row: dict[str, Any]) -> None:
        if progress is not None:
            print(format_table([row]).splitlines()[-1], file=progress, flush=True)

    return runs.run_all(on_row=show)


def main(argv: list[str] | None = None) -> int:
    """One command; its exit code (see the module's docstring). When something goes wrong stderr gets
    one line, ``error: …`` or ``interrupted``, never a traceback: the person typed a command, not code."""
    try:
        return _command(parser().parse_args(argv))
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:                # the reader went away (| head): the Python docs' way out
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except ValueError as e:
        _say(f"error: {_one_line(e)}")
        return 2
    except cliclass.Unreachable as e:
        _say(f"error: {_one_line(e)}")
        return 1
    except Exception as e:
        if os.environ.get("RNN_CORE_TRACEBACK"):
            raise
        _say(f"error: {type(e).__name__}: {_one_line(e)}")
        return 1


def _command(args: argparse.Namespace) -> int:
    if args.command == "list":
        return _write("\n".join(list_lines()))
    if args.command == "lessons":
        rows = clilessons.lessons()
        return _write("\n".join(json.dumps(r, allow_nan=False) for r in rows) if args.json
                      else clilessons.lessons_text(rows))
    if args.command == "class":
        return _write(*cliclass.command(args))
    if args.command == "checkpoint":
        out = clilessons.checkpoint(args.id, parse_seed(args.seed))
        return _write(json.dumps(out, allow_nan=False) if args.json else clilessons.checkpoint_text(out))
    exp = get_experiment(args.experiment)
    if args.command == "inspect":
        run = configure(exp.id, args.preset, args.sets, parse_seed(args.seed))
        out = cliinspect.inspect(exp.id, run, args.steps, args.t, args.preset)
        return _write(json.dumps(out, allow_nan=False) if args.json else cliinspect.text(out))
    if args.command == "sweep":
        done = sweep(exp.id, args.vary, args.seeds, args.preset, args.sets, args.metric, sys.stderr)
        rows, text = plain(done), format_table(done)          # the table writes -inf, JSON null
    elif args.command == "compare":
        rows = compare(exp.id, args.vary, args.preset, args.sets, parse_seed(args.seed), progress=sys.stderr)
        text = compare_table(rows)
    else:
        run = configure(exp.id, args.preset, args.sets, parse_seed(args.seed))
        poster = clipost.joined(args, exp, _say)
        rows = [train(exp.id, run, args.preset, progress=sys.stderr, post=poster)]
        rows[0] |= {"class": poster.summary()} if poster else {}
        text = _result_text(rows[0])
    if args.json:
        text = "\n".join(json.dumps(r, allow_nan=False) for r in rows)
    return _write(text)


def _write(text: str, raw: bool = False) -> int:
    """Print (``raw``: as it is) and flush inside ``main``'s guard: a closed pipe is caught there."""
    sys.stdout.write(text if raw else text + "\n")
    sys.stdout.flush()
    return 0


def _say(line: str) -> None:
    """One line on stderr (over a progress line redrawn on a terminal); a closed stderr is let be."""
    try:
        print(("\r\x1b[K" if sys.stderr.isatty() else "") + line, file=sys.stderr, flush=True)
    except OSError:
        pass


def _one_line(e: BaseException) -> str:
    return capped(" ".join(str(e).split()) or type(e).__name__, MAX_LINE)


def _result_text(r: dict[str, Any]) -> str:
    lines = [f"{r['experiment']} ({r['preset']}): {r['steps']} steps in {r['seconds']:.2f} s"]
    lines += [f"  {k}: {v}" for k, v in r["metrics"].items()]
    if r["stop_reason"]:
        lines.append(f"  stopped: {r['stop_reason']}")
    if "class" in r:
        lines.append(clipost.summary_text(r["class"]))
    return "\n".join(lines)
