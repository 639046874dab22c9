"""Every setting of a run, declared once: name, kind, range or choices, scale, whether it applies to a
running model or needs a new one, the words a person reads, how "none" is written, and how the app
offers it (its sidebar section and widget, the log grid, which other setting it depends on, which of
the task's limits narrows it, the values a comparison suggests).

The config dataclasses validate with it (``check``), the CLI parses ``--set key=text`` with it
(``parse``), the app builds its widgets, URL values, comparisons and change messages from it
(ui/knobs.py, ui/compare.py), and the trainer asks it which changes can be applied live (``LIVE``).
The model contract, the optimizers and the sweep check their arguments with the same entries, so a
value is accepted or refused the same way everywhere. An experiment declares the settings of its own
task (``Experiment.task_knobs``, e.g. memory's ``lag``) with the same ``Knob``.
See docs/architecture.md ("One source for every knob").
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from .i18n import N_, _, ngettext

LIVE, REBUILD, FIXED = "live", "rebuild", "fixed"      # applies to the running model / new model / task's
SECTIONS = ("model", "training", "task", "more")        # the sidebar's sections, in order
WIDGETS = ("slider", "grid", "steps", "radio", "select", "number")
LR_GRID = tuple(round(m * 10.0**e, 12) for e in range(-5, 0) for m in (1, 2, 3, 5)) + (1.0,)


@dataclass(frozen=True)
class Knob:
    """One setting."""

    name: str                     # config field, URL key, CLI --set key
    label: str                    # what a person reads: N_("…"), English here, the app calls _() on it
    kind: str                     # "int" | "float" | "choice"
    group: str                    # "model" | "train" | "task": the config it belongs to
    applies: str                  # LIVE | REBUILD | FIXED
    help: str = ""
    lo: float | None = None       # inclusive range of "int" / "float"
    hi: float | None = None
    lo_open: bool = False         # lo itself is not allowed (lr > 0)
    choices: tuple[str, ...] = ()
    choice_help: dict[str, str] = field(default_factory=dict)
    scale: str = "linear"         # "linear" | "log" (the widget offers ``grid``)
    step: float | None = None     # widget step
    none: str | None = None       # how None is written (None: the knob cannot be None)
    ui_hi: float | None = None    # the app offers at most this (and says why in ui_why)
    ui_why: str = ""
    section: str = ""             # the sidebar section (SECTIONS); "" = no widget (set by the task)
    widget: str = ""              # WIDGETS; "" = derived (see ``widget_kind``)
    grid: tuple[float, ...] = ()  # a log knob's values on the widget (the presets' values are added)
    requires: tuple[str, tuple[str, ...]] | None = None   # in effect only while knob ∈ values
    limit: str | None = None      # the task's limit that narrows the widget: "seq_len" | "items" | "epochs"
    suggest: tuple[Any, ...] = ()  # values a comparison offers (choices: all of them)

    def __post_init__(self) -> None:
        if self.section not in ("", *SECTIONS) or self.widget not in ("", *WIDGETS):
            raise ValueError(f"knob {self.name}: section {self.section!r} / widget {self.widget!r} unknown")

    def check(self, value: Any) -> None:
        """Raise ValueError (naming the knob, the value and what was expected) unless ``value`` fits."""
        if value is None:
            if self.none is None:
                raise ValueError(self.refusal(value))
            return
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(refusal(self.name, short(value), one_of(self.choices)))
            return
        integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if (self.kind == "int" and not integral) or not real or not self._in_range(value):
            raise ValueError(self.refusal(value))

    def refusal(self, value: Any) -> str:
        """"hidden_size: got 0, expected an integer >= 1 and <= 4096": why ``value`` is refused."""
        return refusal(self.name, short(value), self.expected())

    def _in_range(self, v: Any) -> bool:
        """Compared exactly: a whole number of 400 digits is out of range, not an overflow."""
        if not isinstance(v, numbers.Integral) and not math.isfinite(float(v)):
            return False
        above = v > self.lo if self.lo_open else v >= self.lo if self.lo is not None else True
        return above and (self.hi is None or v <= self.hi)

    def expected(self) -> str:
        """What this knob accepts, in words (for error messages)."""
        if self.kind == "choice":
            what = one_of(self.choices)
        else:
            what = number_words(self.kind, None if self.lo is None else _num(self.lo),
                                None if self.hi is None else _num(self.hi), self.lo_open)
        return _("{expected}, or {none}").format(expected=what, none=repr(self.none)) if self.none else what

    def parse(self, text: str) -> Any:
        """The value written as ``text`` (CLI, URL): "full" / "none" for None where allowed. An int
        knob takes only whole-number text ("5", not "5.0", "5e0" or "1.01"): nothing is rounded."""
        t = str(text).strip()
        if self.none is not None and t.lower() in (self.none, "none", "null"):
            return None
        if self.kind == "choice":
            value: Any = t
        else:
            try:
                value = int(t) if self.kind == "int" else float(t)
            except ValueError:
                raise ValueError(self.refusal(t)) from None
        self.check(value)
        return value

    def format(self, value: Any) -> str:
        """The value as a person (and a URL) writes it: "full" for None, 0.003 not 0.0030000."""
        if value is None:
            return self.none or "none"
        return f"{value:g}" if self.kind == "float" else str(value)

    @property
    def widget_hi(self) -> float | None:
        """The largest value the app's widget offers (before the task's limit)."""
        return self.ui_hi if self.ui_hi is not None else self.hi

    @property
    def widget_kind(self) -> str:
        """How the app offers it: declared, else a select box (choices), a grid slider (log scale), a
        slider of steps with the "none" word at the end (an int that may be None), a slider."""
        if self.widget:
            return self.widget
        if self.kind == "choice":
            return "select"
        if self.scale == "log":
            return "grid"
        return "steps" if self.kind == "int" and self.none is not None else "slider"

    def in_effect(self, values: dict[str, Any]) -> bool:
        """Whether the knob matters with these other values (momentum only for the optimizer
        'momentum'); a knob whose condition is unknown counts as in effect."""
        if self.requires is None:
            return True
        other, allowed = self.requires
        return other not in values or values[other] in allowed


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


NUMBER_WORDS = {   # what a number accepts: (kind, lower bound "" | ">=" | ">", an upper bound) → words
    ("int", "", False): N_("an integer"),
    ("int", ">=", False): N_("an integer >= {lo}"),
    ("int", ">", False): N_("an integer > {lo}"),
    ("int", "", True): N_("an integer and <= {hi}"),
    ("int", ">=", True): N_("an integer >= {lo} and <= {hi}"),
    ("int", ">", True): N_("an integer > {lo} and <= {hi}"),
    ("float", "", False): N_("a finite number"),
    ("float", ">=", False): N_("a finite number >= {lo}"),
    ("float", ">", False): N_("a finite number > {lo}"),
    ("float", "", True): N_("a finite number and <= {hi}"),
    ("float", ">=", True): N_("a finite number >= {lo} and <= {hi}"),
    ("float", ">", True): N_("a finite number > {lo} and <= {hi}"),
}


def number_words(kind: str, lo: str | None, hi: str | None, lo_open: bool = False) -> str:
    """"an integer >= 1 and <= 4096", "a finite number > 0": the range of an "int" (else a finite
    number) in the current language; ``lo`` and ``hi`` as they are written, None for no bound."""
    bound = "" if lo is None else ">" if lo_open else ">="
    words = NUMBER_WORDS["int" if kind == "int" else "float", bound, hi is not None]
    return _(words).format(lo=lo, hi=hi)


def one_of(choices: tuple[str, ...]) -> str:
    """"one of 'off', 'value', 'norm'", in the current language."""
    return _("one of {choices}").format(choices=", ".join(map(repr, choices)))


def refusal(name: str, value: str, expected: str) -> str:
    """"{name}: got {value}, expected {expected}" in the current language (``value`` already quoted)."""
    return _("{name}: got {value}, expected {expected}").format(name=name, value=value, expected=expected)


def short(value: Any, limit: int = 40) -> str:
    """A value for a message: repr, cut to ``limit`` characters (a 400-digit number stays readable)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return ngettext("{start}… ({n} character)", "{start}… ({n} characters)", len(text)).format(
        start=text[:limit - 12], n=len(text))


KNOBS: tuple[Knob, ...] = (
    # ------------------------------------------------------------------ model: a change builds a new model
    Knob("hidden_size", N_("Hidden size"), "int", "model", REBUILD, lo=1, hi=4096, step=1, ui_hi=256,
         ui_why=N_("beyond 256 units one update takes longer than a live tick"), section="model",
         suggest=(4, 8, 16, 32, 64, 128, 256), help=N_("Units of the recurrent state h_t.")),
    Knob("backend", N_("Backend"), "choice", "model", REBUILD, choices=("numpy", "torch"), section="model",
         widget="radio",
         help=N_("numpy: the from-scratch model. torch: the same equations, plus LSTM and GRU cells."),
         choice_help={"numpy": N_("numpy (from scratch)"), "torch": N_("PyTorch")}),
    Knob("cell", N_("Cell"), "choice", "model", REBUILD, choices=("rnn", "lstm", "gru"), section="model",
         help=N_("RNN: h_t = act(x_t W_xh + h_{t-1} W_hh + b_h). LSTM and GRU add gates (they run on the "
                 "torch backend: choosing one brings it)."),
         choice_help={"rnn": N_("plain RNN"), "lstm": N_("LSTM"), "gru": N_("GRU")}),
    Knob("activation", N_("Activation"), "choice", "model", REBUILD, choices=("tanh", "sigmoid", "relu"),
         section="model", requires=("cell", ("rnn",)),
         help=N_("The plain RNN's non-linearity act(·); LSTM and GRU have their own gates.")),
    Knob("init", N_("Initialisation"), "choice", "model", REBUILD, choices=("default", "uniform01", "normal"),
         section="model",
         help=N_("default: Xavier inputs, orthogonal W_hh. uniform01: every weight U(0, 1), the sine "
                 "article's. normal: N(0, σ) with the preset's σ."),
         choice_help={"default": N_("Xavier / orthogonal"), "uniform01": N_("uniform U(0, 1)"),
                      "normal": N_("normal N(0, σ)")}),
    Knob("w_hh_scale", N_("W_hh scale γ"), "float", "model", REBUILD, lo=0.5, hi=1.5, step=0.05,
         section="more", suggest=(0.5, 0.7, 0.9, 1.0, 1.1, 1.3, 1.5),
         help=N_("W_hh starts as γ × its initialisation (γ × orthogonal by default): below 1 the gradient "
                 "shrinks step by step back in time, above 1 it grows.")),
    Knob("dtype", N_("Precision"), "choice", "model", REBUILD, choices=("float32", "float64"), section="more",
         help=N_("Floating-point precision of the weights and the arithmetic.")),
    Knob("init_std", N_("Initial σ"), "float", "model", REBUILD, lo=0.0, lo_open=True, hi=100.0,
         help=N_("Standard deviation of W_xh and W_hh under the 'normal' initialisation.")),
    Knob("init_std_out", N_("Initial σ of W_hy"), "float", "model", REBUILD, lo=0.0, lo_open=True, hi=100.0,
         none="same", help=N_("Standard deviation of W_hy under the 'normal' initialisation ('same': σ).")),
    # ------------------------------------------------------------------ decided by the task
    Knob("input_size", N_("Input size"), "int", "model", FIXED, lo=1, hi=4096,
         help=N_("Features per time step (the vocabulary size for text); the task decides it.")),
    Knob("output_size", N_("Output size"), "int", "model", FIXED, lo=1, hi=4096,
         help=N_("Outputs per step, or classes; the task decides it.")),
    Knob("head", N_("Output head"), "choice", "model", FIXED, choices=("regression", "classification"),
         help=N_("regression: linear output, mean squared error. classification: softmax, cross-entropy.")),
    # ------------------------------------------------------------- training: applied to the running model
    Knob("lr", N_("Learning rate"), "float", "train", LIVE, lo=0.0, hi=10.0, lo_open=True, scale="log",
         ui_hi=1.0, ui_why=N_("beyond 1 every optimizer here diverges at once"), section="training",
         grid=LR_GRID, help=N_("How far each update moves the weights along the gradient (log scale).")),
    Knob("optimizer", N_("Optimizer"), "choice", "train", LIVE, choices=("sgd", "momentum", "adam"),
         section="training",
         help=N_("sgd, momentum (SGD with momentum) or adam. A new optimizer starts with empty moments."),
         choice_help={"sgd": N_("SGD"), "momentum": N_("SGD with momentum"), "adam": N_("Adam")}),
    Knob("momentum", N_("Momentum"), "float", "train", LIVE, lo=0.0, hi=0.99, step=0.01, section="more",
         requires=("optimizer", ("momentum",)), suggest=(0.0, 0.5, 0.9, 0.99),
         help=N_("Momentum coefficient μ of the optimizer 'momentum': v ← μ·v + g.")),
    Knob("epochs", N_("Epochs"), "int", "train", LIVE, lo=1, hi=1_000_000, step=1, section="training",
         limit="epochs", suggest=(1, 5, 10, 50, 100, 500),
         help=N_("Passes over the training data in one block of training; Continue on a finished run "
                 "trains another block.")),
    Knob("batch_size", N_("Batch size"), "int", "train", LIVE, lo=1, hi=4096, step=1, ui_hi=256,
         ui_why=N_("a larger batch makes one update longer than a live tick"), section="training",
         limit="items", suggest=(1, 4, 16, 32, 64, 128, 256),
         help=N_("Sequences per update; a change takes effect at the next epoch.")),
    Knob("bptt_truncate", N_("BPTT truncation"), "int", "train", LIVE, lo=1, hi=100_000, step=1, none="full",
         section="training", limit="seq_len", suggest=(1, 2, 3, 5, 10, 20, 50, 100, None),
         help=N_("How many steps back each loss term sends gradient; 'full' = all the way.")),
    Knob("clip_mode", N_("Gradient clipping"), "choice", "train", LIVE, choices=("off", "value", "norm"),
         section="training", widget="radio",
         help=N_("value: clip each gradient element to ±clip. norm: scale the whole gradient down to "
                 "‖g‖ ≤ clip."),
         choice_help={"off": N_("off"), "value": N_("element-wise"), "norm": N_("global norm")}),
    Knob("clip", N_("Clip value"), "float", "train", LIVE, lo=0.1, hi=100.0, step=0.1, section="training",
         requires=("clip_mode", ("value", "norm")), suggest=(0.1, 0.5, 1.0, 5.0, 10.0, 100.0),
         help=N_("Clipping threshold (at least 0.1: a threshold of 0 would erase every gradient).")),
    Knob("seed", N_("Seed"), "int", "train", REBUILD, lo=0, hi=2**31 - 1, step=1, section="more",
         widget="number",
         help=N_("Seeds the weights, the shuffling and the sampling. A new seed starts a new run.")),
)
KNOB = {k.name: k for k in KNOBS}
LIVE_KNOBS = tuple(k.name for k in KNOBS if k.applies == LIVE)


def knob(name: str) -> Knob:
    """The knob called ``name`` (ValueError naming the known ones otherwise)."""
    if name not in KNOB:
        raise ValueError(_("setting: got unknown name {name}, expected one of {names}").format(
            name=short(name), names=", ".join(KNOB)))
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
