"""Every setting of a run, declared once: name, kind, range or choices, scale, whether it applies to a
running model or needs a new one, the words a person reads, and how "none" is written.

The config dataclasses validate with it (``check``), the CLI parses ``--set key=text`` with it
(``parse``), the app builds its widgets, URL values and change messages from it, and the trainer asks
it which changes can be applied live (``LIVE``). A range that the app narrows says so in ``ui_hi`` /
``ui_why``; everywhere else the range is the one here.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

LIVE, REBUILD, FIXED = "live", "rebuild", "fixed"      # applies to the running model / new model / task's


@dataclass(frozen=True)
class Knob:
    """One setting."""

    name: str                     # config field, URL key, CLI --set key
    label: str                    # what a person reads
    kind: str                     # "int" | "float" | "choice"
    group: str                    # "model" | "train" | "task": the config it belongs to
    applies: str                  # LIVE | REBUILD | FIXED
    help: str = ""
    lo: float | None = None       # inclusive range of "int" / "float"
    hi: float | None = None
    lo_open: bool = False         # lo itself is not allowed (lr > 0)
    choices: tuple[str, ...] = ()
    choice_help: dict[str, str] = field(default_factory=dict)
    scale: str = "linear"         # "linear" | "log"
    step: float | None = None     # widget step
    none: str | None = None       # how None is written (None: the knob cannot be None)
    ui_hi: float | None = None    # the app offers at most this (and says why in ui_why)
    ui_why: str = ""

    def check(self, value: Any) -> None:
        """Raise ValueError (naming the knob, the value and what was expected) unless ``value`` fits."""
        if value is None:
            if self.none is None:
                raise ValueError(f"{self.name}: got None, expected {self.expected()}")
            return
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{self.name}: got {value!r}, expected one of "
                                 f"{', '.join(map(repr, self.choices))}")
            return
        integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if (self.kind == "int" and not integral) or not real or not math.isfinite(float(value)) \
                or not self._in_range(float(value)):
            raise ValueError(f"{self.name}: got {value!r}, expected {self.expected()}")

    def _in_range(self, v: float) -> bool:
        above = v > self.lo if self.lo_open else v >= self.lo if self.lo is not None else True
        return above and (self.hi is None or v <= self.hi)

    def expected(self) -> str:
        """What this knob accepts, in words (for error messages)."""
        if self.kind == "choice":
            what = "one of " + ", ".join(map(repr, self.choices))
        else:
            what = "an integer" if self.kind == "int" else "a finite number"
            lo = "" if self.lo is None else f" {'>' if self.lo_open else '>='} {_num(self.lo)}"
            hi = "" if self.hi is None else f" and <= {_num(self.hi)}"
            what += lo + hi
        return what + (f", or {self.none!r}" if self.none else "")

    def parse(self, text: str) -> Any:
        """The value written as ``text`` (CLI, URL): "full" / "none" for None where allowed."""
        t = str(text).strip()
        if self.none is not None and t.lower() in (self.none, "none", "null"):
            return None
        if self.kind == "choice":
            value: Any = t
        else:
            try:
                value = int(t) if self.kind == "int" else float(t)
            except ValueError:
                raise ValueError(f"{self.name}: got {t!r}, expected {self.expected()}") from None
        self.check(value)
        return value

    def format(self, value: Any) -> str:
        """The value as a person (and a URL) writes it: "full" for None, 0.003 not 0.0030000."""
        if value is None:
            return self.none or "none"
        return f"{value:g}" if self.kind == "float" else str(value)

    @property
    def widget_hi(self) -> float | None:
        """The largest value the app's widget offers."""
        return self.ui_hi if self.ui_hi is not None else self.hi


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


KNOBS: tuple[Knob, ...] = (
    # ------------------------------------------------------------------ model: a change builds a new model
    Knob("hidden_size", "Hidden size", "int", "model", REBUILD, lo=1, hi=4096, step=1, ui_hi=256,
         ui_why="beyond 256 units one update takes longer than a live tick",
         help="Units of the recurrent state h_t."),
    Knob("backend", "Backend", "choice", "model", REBUILD, choices=("numpy", "torch"),
         help="numpy: the from-scratch model. torch: the same equations, plus LSTM and GRU cells.",
         choice_help={"numpy": "the from-scratch model", "torch": "PyTorch, with LSTM and GRU"}),
    Knob("cell", "Cell", "choice", "model", REBUILD, choices=("rnn", "lstm", "gru"),
         help="RNN: h_t = act(x_t W_xh + h_{t-1} W_hh + b_h). LSTM and GRU (torch backend) add gates.",
         choice_help={"rnn": "plain RNN", "lstm": "LSTM", "gru": "GRU"}),
    Knob("activation", "Activation", "choice", "model", REBUILD, choices=("tanh", "sigmoid", "relu"),
         help="The plain RNN's non-linearity act(·); LSTM and GRU have their own gates."),
    Knob("init", "Initialisation", "choice", "model", REBUILD, choices=("default", "uniform01", "normal"),
         help="default: Xavier inputs, orthogonal W_hh. uniform01: every weight U(0, 1), the sine "
              "article's. normal: N(0, σ) with the preset's σ.",
         choice_help={"default": "Xavier / orthogonal", "uniform01": "uniform U(0, 1)",
                      "normal": "normal N(0, σ)"}),
    Knob("w_hh_scale", "W_hh scale γ", "float", "model", REBUILD, lo=0.5, hi=1.5, step=0.05,
         help="W_hh starts as γ × its initialisation (γ × orthogonal by default): below 1 the gradient "
              "shrinks step by step back in time, above 1 it grows."),
    Knob("dtype", "Precision", "choice", "model", REBUILD, choices=("float32", "float64"),
         help="Floating-point precision of the weights and the arithmetic."),
    Knob("init_std", "Initial σ", "float", "model", REBUILD, lo=0.0, lo_open=True, hi=100.0,
         help="Standard deviation of W_xh and W_hh under the 'normal' initialisation."),
    Knob("init_std_out", "Initial σ of W_hy", "float", "model", REBUILD, lo=0.0, lo_open=True, hi=100.0,
         none="same", help="Standard deviation of W_hy under the 'normal' initialisation ('same': σ)."),
    # ------------------------------------------------------------------ decided by the task
    Knob("input_size", "Input size", "int", "model", FIXED, lo=1, hi=4096,
         help="Features per time step (the vocabulary size for text); the task decides it."),
    Knob("output_size", "Output size", "int", "model", FIXED, lo=1, hi=4096,
         help="Outputs per step, or classes; the task decides it."),
    Knob("head", "Output head", "choice", "model", FIXED, choices=("regression", "classification"),
         help="regression: linear output, mean squared error. classification: softmax, cross-entropy."),
    # ------------------------------------------------------------- training: applied to the running model
    Knob("lr", "Learning rate", "float", "train", LIVE, lo=0.0, hi=10.0, lo_open=True, scale="log",
         ui_hi=1.0, ui_why="beyond 1 every optimizer here diverges at once",
         help="Step size of each update (log scale)."),
    Knob("optimizer", "Optimizer", "choice", "train", LIVE, choices=("sgd", "momentum", "adam"),
         help="sgd, momentum (SGD with momentum) or adam. A new optimizer starts with empty moments.",
         choice_help={"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}),
    Knob("momentum", "Momentum", "float", "train", LIVE, lo=0.0, hi=0.99, step=0.01,
         help="Momentum coefficient μ of the optimizer 'momentum': v ← μ·v + g."),
    Knob("batch_size", "Batch size", "int", "train", LIVE, lo=1, hi=4096, step=1, ui_hi=256,
         ui_why="a larger batch makes one update longer than a live tick",
         help="Sequences per update; a change takes effect at the next epoch."),
    Knob("epochs", "Epochs", "int", "train", LIVE, lo=1, hi=1_000_000, step=1,
         help="Passes over the training data in one block of training; Train on a finished run "
              "continues for another block."),
    Knob("bptt_truncate", "BPTT truncation", "int", "train", LIVE, lo=1, hi=100_000, step=1, none="full",
         help="How many steps back each loss term sends gradient; 'full' = all the way."),
    Knob("clip_mode", "Gradient clipping", "choice", "train", LIVE, choices=("off", "value", "norm"),
         help="value: clip each gradient element to ±clip. norm: scale the whole gradient down to "
              "‖g‖ ≤ clip.", choice_help={"off": "off", "value": "element-wise", "norm": "global norm"}),
    Knob("clip", "Clip value", "float", "train", LIVE, lo=0.1, hi=100.0, step=0.1,
         help="Clipping threshold (at least 0.1: a threshold of 0 would erase every gradient)."),
    Knob("seed", "Seed", "int", "train", REBUILD, lo=0, hi=2**31 - 1, step=1,
         help="Seeds the weights, the shuffling and the sampling. A new seed starts a new run."),
    # ------------------------------------------------------------- task settings: a change builds a new task
    Knob("lag", "Lag", "int", "task", REBUILD, lo=1, hi=200, step=1,
         help="Steps between the symbol to remember and the moment it is asked for."),
)
KNOB = {k.name: k for k in KNOBS}
LIVE_KNOBS = tuple(k.name for k in KNOBS if k.applies == LIVE)


def knob(name: str) -> Knob:
    """The knob called ``name`` (ValueError naming the known ones otherwise)."""
    if name not in KNOB:
        raise ValueError(f"setting: got unknown name {name!r}, expected one of {', '.join(KNOB)}")
    return KNOB[name]


def check(name: str, value: Any) -> None:
    """Validate one setting by its schema entry."""
    knob(name).check(value)


def parse(name: str, text: str) -> Any:
    """``key=text`` → the typed value (ValueError in plain words if it does not fit)."""
    return knob(name).parse(text)


def format_value(name: str, value: Any) -> str:
    """How a value is written (URL, CLI, messages); unknown names are written with str()."""
    return KNOB[name].format(value) if name in KNOB else str(value)
