"""Checkpoints of the Elman page: truncation within a chunk, one context unit, point-by-point updates
with nothing to truncate, and a learning rate that diverges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..i18n import N_
from .base import Checkpoint, Choice, Measured, Run, Until
from .measure import loss_gap, metric, steps, stop_step

PAGE = "elman"
SAME = 1.1                      # two RMSEs within this factor are "about the same"
EXACT = 1e-9                    # two loss curves this close are one
FAR = 0.1                       # an RMSE this high has not learned the wave (its RMS is about 0.7)


def _pair(first: str, second: str):  # noqa: ANN202 -- a measure: runs → {first_rmse, second_rmse}
    def measure(runs: Sequence[Run]) -> Measured:
        return {f"{first}_rmse": metric(runs, 0, "rmse"), f"{second}_rmse": metric(runs, 1, "rmse")}
    return measure


def _lower(m: Mapping[str, float]) -> str:
    a, b = m["truncated_rmse"], m["full_rmse"]
    if max(a, b) <= SAME * min(a, b):
        return "c"
    return "b" if b < a else "a"


TRUNCATE = Checkpoint(
    id="elman-truncate", page=PAGE, title=N_("Truncation, whole sequences"),
    setup="compare=bptt_truncate:1,full",
    question=N_("The whole sequence per update, the gradient cut after one step against full BPTT "
                "through the 20 points: which ends with the lower RMSE after 300 updates?"),
    choices=(Choice("a", N_("truncated to one step")), Choice("b", N_("full BPTT")),
             Choice("c", N_("about the same (within 10 %)"))),
    measure=_pair("truncated", "full"), decide=_lower, expected="b",
    because=N_("Full BPTT ends at RMSE {full_rmse}, truncated at {truncated_rmse}. Cut after one step, "
               "each step learns only from its own error, not from the errors its state causes at the "
               "steps after it (the truncation band on the gradient heatmap)."),
    otherwise=N_("This run came out otherwise: {answer}. Full BPTT ends at RMSE {full_rmse}, truncated "
                 "at {truncated_rmse}."))


def _one_or_more(m: Mapping[str, float]) -> str:
    one, many = m["one_rmse"], m["sixteen_rmse"]
    return "a" if one <= 2 * many else "b" if one >= FAR else "c"


ONE_UNIT = Checkpoint(
    id="elman-one-unit", page=PAGE, title=N_("One context unit"),
    setup="compare=hidden_size:1,16",
    question=N_("One context unit against sixteen: where does the one-unit network's RMSE end after 300 "
                "updates?"),
    choices=(Choice("a", N_("as low as sixteen units' (within 2×)")),
             Choice("b", N_("far above it: 0.1 or more")), Choice("c", N_("in between"))),
    measure=_pair("one", "sixteen"), decide=_one_or_more, expected="b",
    because=N_("One unit ends at RMSE {one_rmse}, sixteen at {sixteen_rmse}. The single unit is the "
               "network's whole memory and the source of its prediction: one number cannot hold both "
               "where the wave is and whether it is rising or falling."),
    otherwise=N_("This run came out otherwise: {answer}. One unit ends at RMSE {one_rmse}, sixteen at "
                 "{sixteen_rmse}."))


def _point_by_point(runs: Sequence[Run]) -> Measured:
    return {"gap": loss_gap(runs, 0, 1), **_pair("truncated", "full")(runs)}


def _same_or_which(m: Mapping[str, float]) -> str:
    if m["gap"] <= EXACT:
        return "a"
    return "b" if m["full_rmse"] < m["truncated_rmse"] else "c"


POINT_BY_POINT = Checkpoint(
    id="elman-point-by-point", page=PAGE, title=N_("Point by point"),
    setup="preset=article&compare=bptt_truncate:1,full",
    question=N_("The article updates after every single point. Does letting the gradient flow back all "
                "the way (full BPTT instead of one step) change its result?"),
    choices=(Choice("a", N_("no: the two runs are identical")), Choice("b", N_("yes: full BPTT ends lower")),
             Choice("c", N_("yes: full BPTT ends higher"))),
    measure=_point_by_point, decide=_same_or_which, expected="a",
    because=N_("The two runs agree at every step (the largest loss difference is {gap}; both end at RMSE "
               "{full_rmse}). An update sees a chunk of one point: the context arrives from the previous "
               "update as a plain input, with no path back for the gradient, so there is nothing to "
               "truncate."),
    otherwise=N_("This run came out otherwise: {answer}. The losses differ by up to {gap}; full BPTT ends "
                 "at RMSE {full_rmse}, truncated at {truncated_rmse}."))


def _lr(runs: Sequence[Run]) -> Measured:
    return {"big_stop": stop_step(runs, 1), "big_steps": steps(runs, 1), "small_steps": steps(runs, 0),
            "big_rmse": metric(runs, 1, "rmse"), "small_rmse": metric(runs, 0, "rmse")}


def _diverged(m: Mapping[str, float]) -> str:
    if m["big_stop"] > 0:
        return "b"
    return "a" if m["big_rmse"] < m["small_rmse"] else "c"


LEARNING_RATE = Checkpoint(
    id="elman-lr", page=PAGE, title=N_("Ten times the step"),
    setup="preset=article&compare=lr:0.05,0.5", until=Until("stop"),
    question=N_("Ten times the article's step: plain SGD at learning rate 0.5 against 0.05, one point per "
                "update. What happens to the run at 0.5?"),
    choices=(Choice("a", N_("it learns faster and ends lower")),
             Choice("b", N_("it diverges: the loss becomes infinite and the run stops")),
             Choice("c", N_("it learns, but ends higher"))),
    measure=_lr, decide=_diverged, expected="b",
    because=N_("At 0.5 the loss became infinite at step {big_stop} and the run stopped (its ✕ on the loss "
               "chart), while 0.05 goes on learning. A step ten times larger overshoots: the weights land "
               "where the gradient is larger still, and the next step overshoots further."),
    otherwise=N_("This run came out otherwise: {answer}. After {big_steps} steps the run at 0.5 has RMSE "
                 "{big_rmse}, the run at 0.05 {small_rmse} after {small_steps}."))

CHECKPOINTS = (TRUNCATE, ONE_UNIT, POINT_BY_POINT, LEARNING_RATE)
