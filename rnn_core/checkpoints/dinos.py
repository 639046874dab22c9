"""Checkpoints of the dinosaur page: the hidden size, truncation when the last letters say most,
overfitting with small batches, and where a name ends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..i18n import N_
from ..text import END
from .base import Checkpoint, Choice, Measured, Run
from .measure import metric, prediction, val_low

PAGE = "dinos"
CLOSE = 0.1                     # nats per character: validation losses this close are "about the same"
RISE = 0.02                     # nats per character: a validation loss this far above its low has turned up
SURE = 0.3                      # a top character below this probability is no clear favourite


def _val_pair(first: str, second: str):  # noqa: ANN202 -- a measure: runs → {first_val, second_val, gap}
    def measure(runs: Sequence[Run]) -> Measured:
        a, b = metric(runs, 0, "val_nats_per_char"), metric(runs, 1, "val_nats_per_char")
        return {f"{first}_val": a, f"{second}_val": b, "gap": a - b}
    return measure


def _by_gap(m: Mapping[str, float]) -> str:
    """a: within CLOSE of each other; b: the first run worse by more; c: the first run better by more."""
    gap = m["gap"]
    return "a" if abs(gap) <= CLOSE else "b" if gap > 0 else "c"


HIDDEN = Checkpoint(
    id="dinos-hidden", page=PAGE, title=N_("Four units or fifty?"),
    setup="compare=hidden_size:4,50",
    question=N_("Four hidden units against fifty: how do their validation losses end after 35 epochs?"),
    choices=(Choice("a", N_("about the same (within 0.1 nats per character)")),
             Choice("b", N_("four units worse by more than 0.1")),
             Choice("c", N_("four units better by more than 0.1"))),
    measure=_val_pair("four", "fifty"), decide=_by_gap, expected="b",
    because=N_("Four units end at {four_val} nats per character on the held-out names, fifty at "
               "{fifty_val} (guessing uniformly gives 3.30). Four numbers can carry little of the name "
               "read so far: the four-unit network predicts each letter from less."),
    otherwise=N_("This run came out otherwise: {answer}. Four units end at {four_val} nats per "
                 "character, fifty at {fifty_val}."))

TRUNCATE = Checkpoint(
    id="dinos-truncate", page=PAGE, title=N_("Truncated to one step"),
    setup="compare=bptt_truncate:1,full",
    question=N_("Truncate BPTT to one step: each error now trains only the step that made it. How much "
                "worse than full BPTT does the validation loss end?"),
    choices=(Choice("a", N_("barely: within 0.1 nats per character")),
             Choice("b", N_("worse by more than 0.1")), Choice("c", N_("better by more than 0.1"))),
    measure=_val_pair("truncated", "full"), decide=_by_gap, expected="a",
    because=N_("Truncated: {truncated_val} nats per character; full BPTT: {full_val} (a gap of {gap}). "
               "Most of what predicts the next letter is in the last few letters, and the state still "
               "carries them forward; only learning what to keep for later is cut."),
    otherwise=N_("This run came out otherwise: {answer}. Truncated: {truncated_val} nats per character; "
                 "full BPTT: {full_val}."))


def _overfit(runs: Sequence[Run]) -> Measured:
    low, last = val_low(runs, 0)
    return {"val_low": float(low.val_loss), "low_epoch": low.epoch, "val_end": float(last.val_loss),
            "train_at_low": float(low.train_loss), "train_end": float(last.train_loss)}


def _turned(m: Mapping[str, float]) -> str:
    if m["val_end"] - m["val_low"] < RISE:
        return "a"
    return "b" if m["train_end"] < m["train_at_low"] else "c"


OVERFIT = Checkpoint(
    id="dinos-overfit", page=PAGE, title=N_("Smaller batches"),
    setup="batch_size=8",
    question=N_("Batches of 8 names instead of 32: four times as many updates per epoch. In the last "
                "epochs, what does the validation loss do?"),
    choices=(Choice("a", N_("it keeps falling, like the training loss")),
             Choice("b", N_("it rises while the training loss keeps falling")),
             Choice("c", N_("both rise"))),
    measure=_overfit, decide=_turned, expected="b",
    because=N_("Validation was lowest, {val_low}, near epoch {low_epoch}, and ends at {val_end}, while the "
               "training loss went from {train_at_low} to {train_end}: the network is learning the "
               "training names themselves rather than what dinosaur names share (overfitting)."),
    otherwise=N_("This run came out otherwise: {answer}. Validation was lowest, {val_low}, near epoch "
                 "{low_epoch}, and ends at {val_end}; the training loss went from {train_at_low} to "
                 "{train_end}."))


def _end(runs: Sequence[Run]) -> Measured:
    """The probabilities after the whole probe name: its last row (the vocabulary's first character is
    the end of a name)."""
    if runs[0].snap.predictions["vocab"][0] != END:
        raise ValueError("vocab: got a first character other than the end of a name, expected it first")
    probs = prediction(runs, 0, "probe_probs")[-1]
    return {"end_p": float(probs[0]), "top_p": float(probs.max()), "top_is_end": float(probs.argmax() == 0)}


def _after_name(m: Mapping[str, float]) -> str:
    return "c" if m["top_p"] < SURE else "a" if m["top_is_end"] else "b"


END_OF_NAME = Checkpoint(
    id="dinos-end", page=PAGE, title=N_("Where does a name end?"),
    setup="preset=default",
    question=N_("After training, the network reads “tyrannosaurus” letter by letter. Having read the whole "
                "name, which character does it find most likely next?"),
    choices=(Choice("a", N_("⏎, the end of the name")), Choice("b", N_("a letter: the name goes on")),
             Choice("c", N_("no clear favourite (the top character under 0.3)"))),
    measure=_end, decide=_after_name, expected="a",
    because=N_("After “tyrannosaurus” it gives ⏎ {end_p} of the probability (the last row of the "
               "probabilities along the name). It has learned from the names how they end: after "
               "“…saurus” a name is complete."),
    otherwise=N_("This run came out otherwise: {answer}. After “tyrannosaurus” it gives ⏎ {end_p} of the "
                 "probability; its top character gets {top_p}."))


CHECKPOINTS = (HIDDEN, TRUNCATE, OVERFIT, END_OF_NAME)
