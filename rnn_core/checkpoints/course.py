"""The course: the pages in teaching order with their checkpoints, and a student's progress through
it as a short code that a link can carry.

A progress code is a version character (made from the course's checkpoint ids, so a code made for
another course is refused rather than misread) and then one base-32 character for every three
checkpoints in course order, each checkpoint a base-3 digit: 0 not answered, 1 answered and missed, 2
answered right. ``decode`` refuses anything else with a plain ValueError.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from .. import schema
from ..i18n import _
from . import abcde, dinos, elman, memory, sine, xsinx
from .base import Checkpoint

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"     # base 32 without i, l, o, u (Crockford's)
NOT_ANSWERED, MISSED, RIGHT = 0, 1, 2
MARKS = 3                                         # values of one checkpoint's mark
PER_SYMBOL = 3                                    # marks in one symbol: 3³ = 27 ≤ 32


@dataclass(frozen=True)
class Progress:
    """What a student has done at each checkpoint of a course, in course order: NOT_ANSWERED, MISSED or
    RIGHT."""

    marks: tuple[int, ...]

    def __post_init__(self) -> None:
        if any(isinstance(m, bool) or m not in (NOT_ANSWERED, MISSED, RIGHT) for m in self.marks):
            raise ValueError(f"progress: got marks {self.marks!r}, expected each 0, 1 or 2")

    @classmethod
    def blank(cls, n: int) -> Progress:
        """No checkpoint answered yet, of ``n``."""
        return cls((NOT_ANSWERED,) * n)

    @property
    def answered(self) -> int:
        return sum(m != NOT_ANSWERED for m in self.marks)

    @property
    def right(self) -> int:
        return sum(m == RIGHT for m in self.marks)

    def mark(self, index: int, right: bool) -> Progress:
        """This progress with checkpoint ``index`` answered, right or missed."""
        marks = list(self.marks)
        marks[index] = RIGHT if right else MISSED
        return Progress(tuple(marks))


@dataclass(frozen=True)
class Course:
    """The pages in the order they teach best, and their checkpoints in that order.

    Next letter first: one-step sequences, so the "RNN" is a two-layer network and only the softmax,
    the optimizer and the hidden size are new. The sine wave brings the recurrence itself: 50 steps,
    BPTT and its truncation, the activation, clipping against divergence, and a free run. The Elman
    page carries the state from one update to the next, where truncation and the learning rate act
    differently. x·sin(x) carries the state on past the data, to ask what a network does where it has
    seen nothing. Dinosaur names are the first real data: sampling, and a validation loss that can
    turn up (overfitting). Memory comes last, as the reason for gated cells: the gradient over long
    lags, γ, vanishing and exploding, what clipping can and cannot do, LSTM and GRU.
    """

    pages: tuple[str, ...]
    checkpoints: tuple[Checkpoint, ...]

    def __post_init__(self) -> None:
        ids = [c.id for c in self.checkpoints]
        if len(set(ids)) != len(ids):
            raise ValueError(f"course: got repeated checkpoint ids in {ids}, expected each once")
        order = [self.pages.index(c.page) if c.page in self.pages else -1 for c in self.checkpoints]
        if -1 in order or order != sorted(order):
            raise ValueError("course: expected every checkpoint on one of its pages, in the pages' order")

    @property
    def version(self) -> str:
        """The code's first character, made from the checkpoint ids in order."""
        digest = hashlib.sha256("\n".join(c.id for c in self.checkpoints).encode()).digest()
        return ALPHABET[digest[0] % len(ALPHABET)]

    def index(self, checkpoint_id: str) -> int:
        """Where a checkpoint is in the course (ValueError for an unknown id)."""
        for i, c in enumerate(self.checkpoints):
            if c.id == checkpoint_id:
                return i
        raise ValueError(_("checkpoint: got {id}, expected an id that python -m rnn_core lessons "
                           "lists").format(id=schema.short(checkpoint_id)))

    def get(self, checkpoint_id: str) -> Checkpoint:
        return self.checkpoints[self.index(checkpoint_id)]

    def blank(self) -> Progress:
        return Progress.blank(len(self.checkpoints))

    def encode(self, progress: Progress) -> str:
        """The progress code: the version, then one symbol per three checkpoints."""
        n = len(self.checkpoints)
        if len(progress.marks) != n:
            raise ValueError(f"progress: got {len(progress.marks)} marks, expected {n}, one per checkpoint")
        marks = progress.marks + (NOT_ANSWERED,) * (-n % PER_SYMBOL)
        return self.version + "".join(
            ALPHABET[sum(m * MARKS ** j for j, m in enumerate(marks[i:i + PER_SYMBOL]))]
            for i in range(0, len(marks), PER_SYMBOL))

    def decode(self, text: object) -> Progress:
        """The progress a code records; a ValueError (and nothing else) for anything that is not a code
        of this course: another type, length or version, a character outside the alphabet or a mark
        past the last checkpoint."""
        n = len(self.checkpoints)
        size = 1 + math.ceil(n / PER_SYMBOL)
        code = text.strip().lower() if isinstance(text, str) else None
        if code is None or len(code) != size or code[0] != self.version:
            raise ValueError(_("progress code: got {text}, expected {size} characters starting with "
                               "{version}").format(text=schema.short(text), size=size, version=self.version))
        marks: list[int] = []
        for ch in code[1:]:
            value = ALPHABET.find(ch)
            if not 0 <= value < MARKS ** PER_SYMBOL:
                raise ValueError(_("progress code: got the character {ch}, expected one of "
                                   "{alphabet}").format(ch=schema.short(ch),
                                                        alphabet=ALPHABET[:MARKS ** PER_SYMBOL]))
            marks += [value // MARKS ** j % MARKS for j in range(PER_SYMBOL)]
        if any(marks[n:]):
            raise ValueError(_("progress code: got marks past the last checkpoint, expected none"))
        return Progress(tuple(marks[:n]))


PAGES = ("abcde", "sine", "elman", "xsinx", "dinos", "memory")
COURSE = Course(PAGES, (*abcde.CHECKPOINTS, *sine.CHECKPOINTS, *elman.CHECKPOINTS, *xsinx.CHECKPOINTS,
                        *dinos.CHECKPOINTS, *memory.CHECKPOINTS))
CHECKPOINTS = COURSE.checkpoints


def get_checkpoint(checkpoint_id: str) -> Checkpoint:
    """The checkpoint called ``checkpoint_id`` (ValueError naming where the ids are listed)."""
    return COURSE.get(checkpoint_id)


def encode(progress: Progress) -> str:
    """The course's progress code of ``progress``."""
    return COURSE.encode(progress)


def decode(text: str) -> Progress:
    """The progress a code of the course records (ValueError for anything else)."""
    return COURSE.decode(text)
