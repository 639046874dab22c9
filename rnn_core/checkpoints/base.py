"""What a checkpoint is: a question asked before a demonstration, answered afterwards by the student's
own run.

A ``Checkpoint`` opens a page with its ``setup`` (a URL query: preset, knobs, usually a comparison),
asks its ``question`` (two to four ``choices``, or a number on a slider), and when the run(s) reach
``until`` it reveals the answer: ``answer(runs)`` measures the finished runs (their snapshots: metrics,
history, predictions; the free run where the page draws one) into named numbers and decides from them
which choice (or number) the run makes true. Nothing is stored but the question: another seed or a
changed knob may make the run come out otherwise, and ``explain`` then says so, with the run's numbers.

``runs`` are objects with a ``snap`` (the ``Snapshot`` drawn) and a ``view`` (the task's ``TaskView``):
the app's ``ui.state.RunState`` is one, the CLI's ``Finished`` another.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..experiments import TaskView, get_experiment
from ..i18n import _, integer, number
from ..snapshot import Snapshot
from .setup import parse_setup

Answer = str | float                   # a choice's key, or a number
Measured = dict[str, float]
UNTIL_KINDS = ("end", "step", "stop")
DIGITS = 4                             # significant digits a measured number keeps


class Run(Protocol):
    """A run as a page holds it: the snapshot drawn and what the page may know of its task."""

    @property
    def snap(self) -> Snapshot: ...

    @property
    def view(self) -> TaskView: ...


@dataclass(frozen=True)
class Finished:
    """A run trained headless (the CLI, the bench): its last snapshot and its task's view."""

    snap: Snapshot
    view: TaskView


@dataclass(frozen=True)
class Choice:
    """One answer a student may pick."""

    key: str                           # stable: "a", "b", …
    text: str                          # N_("…"), translated where shown


@dataclass(frozen=True)
class Band:
    """A stretch of a numeric answer, [lo, hi), with its words (the last band includes its hi)."""

    lo: float
    hi: float
    text: str                          # N_("…")


@dataclass(frozen=True)
class Until:
    """When the answer is revealed: at the end of the runs ("end"), once they made ``step`` updates
    ("step"; 0: before training), or as soon as one of them stopped, else at the end ("stop")."""

    kind: str = "end"
    step: int = 0

    def __post_init__(self) -> None:
        if self.kind not in UNTIL_KINDS or self.step < 0:
            raise ValueError(f"until: got {self.kind!r}, step {self.step}, expected one of {UNTIL_KINDS}")

    def reached(self, runs: Sequence[Any]) -> bool:
        """Whether runs (trainers or snapshots: ``done``, ``step``, ``stop``) are where the answer is
        revealed."""
        if all(r.done for r in runs):
            return True
        if self.kind == "step":
            return all(r.done or r.step >= self.step for r in runs)
        return self.kind == "stop" and any(r.stop is not None for r in runs)


@dataclass(frozen=True)
class Outcome:
    """What a run revealed: the answer it makes true, the numbers that decided it, and whether it is the
    answer the checkpoint's explanation expects."""

    answer: Answer
    measured: Measured
    as_expected: bool


@dataclass(frozen=True)
class Checkpoint:
    """A prediction asked first and revealed from the student's own run (see the module docstring)."""

    id: str                            # stable, e.g. "sine-clip"
    page: str                          # the experiment's id
    title: str                         # N_("…"): a few words that name it in the course
    setup: str                         # the URL query the page opens with
    question: str                      # N_("…")
    measure: Callable[[Sequence[Run]], Measured]          # the runs → named numbers
    decide: Callable[[Mapping[str, float]], Answer]       # those numbers → the answer
    expected: Answer                   # the answer ``because`` explains
    because: str                       # N_("…{name}…"): the explanation, with the measured numbers
    otherwise: str                     # N_("This run came out otherwise: …"), when the run disagrees
    choices: tuple[Choice, ...] = ()   # 2–4, or none for a numeric guess
    guess_range: tuple[float, float, float] | None = None   # (lo, hi, step) of the slider
    guess_unit: str = ""               # N_("…"): what the number counts
    tolerance: float | None = None     # a numeric answer is "as expected" within this of ``expected``
    bands: tuple[Band, ...] = ()       # … or in the same band as ``expected``
    until: Until = field(default_factory=Until)
    epochs: int | None = None          # the headless check's run length, where the page's is too long

    def __post_init__(self) -> None:
        numeric = self.guess_range is not None
        if numeric == bool(self.choices) or not (numeric or 2 <= len(self.choices) <= 4):
            raise ValueError(f"checkpoint {self.id}: expected 2-4 choices or a guess_range, not both")
        if numeric and (self.tolerance is None) == (not self.bands):
            raise ValueError(f"checkpoint {self.id}: expected a tolerance or bands for its number")
        keys = [c.key for c in self.choices]
        if len(set(keys)) != len(keys) or (not numeric and self.expected not in keys):
            raise ValueError(f"checkpoint {self.id}: expected distinct keys and {self.expected!r} among them")

    @property
    def numeric(self) -> bool:
        return self.guess_range is not None

    @property
    def url_path(self) -> str:
        return get_experiment(self.page).url_path

    @property
    def url(self) -> str:
        """The page and its setup: "sine_wave?compare=…"."""
        return f"{self.url_path}?{self.setup}"

    @property
    def n_runs(self) -> int:
        """How many runs the setup makes (a comparison's values, else one)."""
        spec = parse_setup(get_experiment(self.page), self.setup).spec
        return 1 if spec is None else len(spec.values)

    def answer(self, runs: Sequence[Run]) -> Outcome:
        """The answer the finished runs make true, the numbers it rests on (4 significant digits)."""
        if len(runs) != self.n_runs:
            raise ValueError(f"checkpoint {self.id}: got {len(runs)} runs, expected {self.n_runs}")
        measured = {k: rounded(v) for k, v in self.measure(runs).items()}
        answer = self.decide(measured)
        return Outcome(answer, measured, self.agrees(answer, self.expected))

    def agrees(self, a: Answer, b: Answer) -> bool:
        """Whether two answers count as the same: the same choice; numbers within the tolerance or in the
        same band."""
        if not self.numeric:
            return a == b
        if self.tolerance is not None:
            return abs(float(a) - float(b)) <= self.tolerance + 1e-12
        return self.band(float(a)) == self.band(float(b))

    def judge(self, guess: Answer, outcome: Outcome) -> bool:
        """Whether a student's guess matches what their run revealed (not what was expected)."""
        return self.agrees(guess, outcome.answer)

    def band(self, x: float) -> int:
        """The index of the band holding ``x`` (below the first: 0, above the last: the last)."""
        for i, b in enumerate(self.bands):
            if x < b.hi:
                return i
        return len(self.bands) - 1

    def answer_text(self, answer: Answer) -> str:
        """An answer in words: the choice's text, or the number with its unit (and its band's words)."""
        if not self.numeric:
            return _(next(c.text for c in self.choices if c.key == answer))
        text = f"{number(float(answer), 3)} {_(self.guess_unit)}"
        return f"{text} ({_(self.bands[self.band(float(answer))].text)})" if self.bands else text

    def explain(self, outcome: Outcome) -> str:
        """The explanation in the current language, with the run's numbers: ``because`` where the run
        came out as expected, else ``otherwise``."""
        fields = {k: shown(v) for k, v in outcome.measured.items()}
        fields |= {"answer": self.answer_text(outcome.answer), "expected": self.answer_text(self.expected)}
        return _(self.because if outcome.as_expected else self.otherwise).format(**fields)


def rounded(v: Any) -> float:
    """``v`` as a float of DIGITS significant digits (inf and nan stay)."""
    x = float(v)
    return x if not math.isfinite(x) or x == 0 else float(f"{x:.{DIGITS}g}")


def shown(v: float) -> str:
    """A measured number as an explanation writes it: whole numbers with separators, else 3 digits."""
    if math.isfinite(v) and float(v).is_integer() and abs(v) < 1e9:
        return integer(int(v))
    return number(v, 3)
