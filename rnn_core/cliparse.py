"""What a person types on the command line, read into checked values, or refused in one line.

Every refusal is a ValueError whose message names the argument as it was typed (``--set hidden_size``,
``--seeds``), the value (shortened: 400 digits stay one readable line) and what was expected;
``cli.main`` prints it as one ``error: …`` line. argparse's own complaints come the same way
(``Parser.error``) instead of its usage block. Values are parsed by the experiment's knobs
(``Experiment.knob``), so memory's ``lag`` is read as memory declares it and a setting another experiment
has (``lag`` on sine) is refused rather than ignored.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any, NoReturn

from . import cliclass, schema
from .experiments import Experiment
from .messages import clip
from .sweep import MAX_SEEDS

SEED = schema.KNOB["seed"]
PER_SEED = "(a sweep trains every combination once per seed)"


class UsageError(ValueError):
    """A command line argparse refused (missing or unknown arguments)."""


class Parser(argparse.ArgumentParser):
    """argparse whose mistakes are a ``UsageError`` (one line from ``cli.main``) rather than a usage block
    and an exit from inside ``parse_args``; a long word in the message is shortened."""

    def error(self, message: str) -> NoReturn:
        message = re.sub(r"\S{41,}", lambda m: clip(m[0]), message)
        raise UsageError(f"{message} (see {self.prog} --help)")


def parser() -> Parser:
    """The commands and their options (``python -m rnn_core --help`` says the same)."""
    ap = Parser(prog="python -m rnn_core", description="Train the RNN Explorer experiments headless.")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the experiments: id, page and title, one a line")
    name_help = "an experiment's id or page (python -m rnn_core list)"
    tr = sub.add_parser("train", help="train one experiment to the end")
    tr.add_argument("experiment", help=name_help)
    tr.add_argument("--preset", default="default", help="a preset of the experiment (default: default)")
    names = ", ".join(k.name for k in schema.KNOBS if k.applies != schema.FIXED)
    tr.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help=f"a setting by name: {names}, or the experiment's own (memory: lag)")
    tr.add_argument("--seed", default=None, metavar="N", help=f"the run's seed ({SEED.expected()})")
    tr.add_argument("--json", action="store_true", help="print the result as one JSON object (last line)")
    sw = sub.add_parser("sweep", help="every combination of a few settings over seeds: accuracy median/min")
    sw.add_argument("experiment", help=name_help)
    sw.add_argument("--vary", action="append", required=True, metavar="KNOB=V1,V2,...",
                    help="e.g. lag=5,10,20,50,100 (repeat for more knobs, each once)")
    sw.add_argument("--seeds", default="0,1,2", help=f"e.g. 0,1,2 or 0-4 (at most {MAX_SEEDS})")
    sw.add_argument("--metric", default=None,
                    help="the metric to summarise (default: the experiment's score)")
    for a in ("--preset", "--set", "--json"):
        sw._add_action(next(x for x in tr._actions if a in x.option_strings))
    cp = sub.add_parser("compare", help="2-3 runs that differ in one setting, trained in lockstep")
    cp.add_argument("experiment", help=name_help)
    cp.add_argument("--vary", required=True, metavar="KNOB=V1,V2[,V3]", help="e.g. bptt_truncate=1,5,full")
    for a in ("--preset", "--set", "--seed", "--json"):
        cp._add_action(next(x for x in tr._actions if a in x.option_strings))
    ins = sub.add_parser("inspect", help="inside one step of the probe sequence: forward and backward")
    ins.add_argument("experiment", help=name_help)
    for a in ("--preset", "--set", "--seed"):
        ins._add_action(next(x for x in tr._actions if a in x.option_strings))
    ins.add_argument("--steps", default="0", metavar="N", help="updates to train first (default: 0)")
    ins.add_argument("--t", required=True, metavar="T", help="the step of the probe, 0 … T-1 (-1: the last)")
    ins.add_argument("--json", action="store_true", help="print one JSON object")
    les = sub.add_parser("lessons", help="the course's checkpoints: a question asked before a run, in order")
    les.add_argument("--json", action="store_true", help="one JSON object per checkpoint")
    ck = sub.add_parser("checkpoint", help="train a checkpoint's setup and reveal its answer")
    ck.add_argument("id", help="a checkpoint's id (python -m rnn_core lessons)")
    ck._add_action(next(x for x in tr._actions if "--seed" in x.option_strings))
    ck.add_argument("--json", action="store_true", help="print one JSON object")
    cliclass.add_commands(sub, tr)
    return ap


def as_arg(message: str, name: str, arg: str) -> str:
    """A knob's message said of the argument it came from: "hidden_size: got 0, …" of ``--set`` is
    "--set hidden_size: got 0, …"; "seed: got …" of ``--seed`` is "--seed: got …"."""
    rest = message.removeprefix(f"{name}: ")
    label = arg if arg.lstrip("-") in (name, name + "s") else f"{arg} {name}"
    return f"{label}: {rest}"


def parse_text(knob: schema.Knob, text: str, arg: str) -> Any:
    """``text`` parsed by ``knob`` (``Knob.parse``), a refusal naming ``arg``."""
    try:
        return knob.parse(text)
    except ValueError as e:
        raise ValueError(as_arg(str(e), knob.name, arg)) from None


def parse_seed(text: str | None) -> int | None:
    """``--seed N`` by the schema's seed knob (not argparse's ``int``, whose refusal is a usage block
    quoting all of a 5000-digit number)."""
    return None if text is None else parse_text(SEED, text, "--seed")


def settable(exp: Experiment, name: str, arg: str) -> schema.Knob:
    """The knob ``name`` of ``exp`` that a person may set: unknown names (another experiment's ``lag``)
    and the settings the task fixes (``output_size``) are refused."""
    try:
        knob = exp.knob(name)
    except ValueError:
        extra = [k.name for k in schema.KNOBS if k.applies != schema.FIXED and k.name not in exp.knobs]
        raise ValueError(f"{arg}: got unknown setting {schema.short(name)} for the {exp.id} experiment, "
                         f"expected one of {', '.join([*exp.knobs, *extra])}") from None
    if knob.applies == schema.FIXED:
        raise ValueError(f"{arg} {knob.name}: fixed by the {exp.id} task, cannot be set")
    return knob


def parse_sets(exp: Experiment, items: Sequence[str]) -> dict[str, Any]:
    """``["hidden_size=16", "lag=5"]`` → ``{"hidden_size": 16, "lag": 5}`` by the experiment's knobs; a
    setting given twice is refused (the second would silently win)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set: got {schema.short(item)}, expected key=value, e.g. hidden_size=16")
        knob = settable(exp, key.strip(), "--set")
        value = parse_text(knob, text, "--set")
        if knob.name in out:
            raise ValueError(f"--set {knob.name}: given twice ({clip(knob.format(out[knob.name]))}, "
                             f"{clip(knob.format(value))}), expected each setting once")
        out[knob.name] = value
    return out


def parse_vary(items: Sequence[str], exp: Experiment) -> dict[str, list[Any]]:
    """``["lag=5,10", "cell=rnn,lstm"]`` → ``{"lag": [5, 10], "cell": ["rnn", "lstm"]}``, each value
    parsed by the experiment's knob. Refused: the seed (``--seeds`` says which), a knob given twice
    (the second would silently replace the first), a value that repeats (a row trained twice)."""
    out: dict[str, list[Any]] = {}
    texts: dict[str, str] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key, values = key.strip(), values.strip()
        if not sep or not key or not values:
            raise ValueError(f"--vary: got {schema.short(item)}, expected knob=value1,value2,..., "
                             "e.g. lag=5,10")
        if key == "seed":
            raise ValueError(f"--vary seed: got {clip(values)}, expected the seeds as --seeds {clip(values)} "
                             f"{PER_SEED}")
        if key in out:
            raise ValueError(f"--vary {key}: given twice, expected each setting once with all its values, "
                             f"e.g. --vary {key}={clip(texts[key] + ',' + values)}")
        knob = settable(exp, key, "--vary")
        parsed = [parse_text(knob, t, "--vary") for t in values.split(",")]
        if len(set(parsed)) != len(parsed):
            raise ValueError(f"--vary {key}: the values repeat ({clip(values)}), expected different ones")
        out[knob.name], texts[key] = parsed, values
    return out


def parse_seeds(text: str) -> list[int]:
    """ "0-2" → [0, 1, 2]; "1,3" → [1, 3]: each seed checked by the schema's seed knob and given once, at
    most ``MAX_SEEDS``, counted before a range is built (0-99999999 is refused at once, not listed)."""
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+))?", part.strip())
        if match is None:
            raise ValueError(f"--seeds: got {schema.short(text)}, expected seeds like 0-2 or 1,3,7 "
                             f"({SEED.expected().replace('an integer', 'integers')})")
        lo = parse_text(SEED, match[1], "--seeds")
        hi = lo if match[2] is None else parse_text(SEED, match[2], "--seeds")
        if hi < lo:
            raise ValueError(f"--seeds: got {schema.short(part.strip())}, expected a low-high range, "
                             f"e.g. {hi}-{lo}")
        if len(seeds) + hi - lo + 1 > MAX_SEEDS:
            raise ValueError(f"--seeds: got {schema.short(text)} ({len(seeds) + hi - lo + 1:,} seeds), "
                             f"expected at most {MAX_SEEDS}")
        seeds += range(lo, hi + 1)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds: got {schema.short(text)}, expected each seed once")
    return seeds


def sweep_args(exp: Experiment, vary: Sequence[str], seeds: str, sets: Sequence[str],
               metric: str | None) -> dict[str, Any]:
    """``Sweep``'s keyword arguments from the sweep command's options, refused in the command's words:
    the seed is ``--seeds``' (``--set seed`` would be overwritten), a setting is set or varied, not both
    (the set value would be ignored), the metric is one the experiment reports."""
    fixed = parse_sets(exp, sets)
    if "seed" in fixed:
        raise ValueError(f"--set seed: got {fixed['seed']}, expected the seeds as --seeds {fixed['seed']} "
                         f"{PER_SEED}")
    varied = parse_vary(vary, exp)
    both = [k for k in fixed if k in varied]
    if both:
        raise ValueError(f"--set {both[0]}: got {clip(schema.format_value(both[0], fixed[both[0]]))}, but "
                         f"--vary gives {both[0]}; expected each setting either set or varied")
    if metric is not None and metric not in exp.metric_names:
        raise ValueError(f"--metric: got {schema.short(metric)}, expected one of the {exp.id} experiment's "
                         f"metrics: {', '.join(exp.metric_names)}")
    return {"vary": varied, "seeds": parse_seeds(seeds), "fixed": fixed, "metric": metric}
