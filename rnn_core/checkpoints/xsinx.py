"""Checkpoints of the x·sin(x) page: the error growing with the distance past x = 6, how far off the
extrapolation is whatever the seed, truncation within a window, and weights that chase the last
windows."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..i18n import N_
from .base import Checkpoint, Choice, Measured, Run
from .measure import metric, prediction

PAGE = "xsinx"
GROUP = 6                       # x values per time step
SAME = 1.1                      # two RMSEs within this factor are "about the same"


def _last_group_rmse(runs: Sequence[Run], i: int) -> float:
    """RMSE of run ``i``'s last extrapolated group (x = 7.15 … 7.20), from the page's predictions."""
    pred, true = prediction(runs, i, "y_ext_pred")[-GROUP:], prediction(runs, i, "y_ext_true")[-GROUP:]
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(np.sqrt(np.mean((pred - true) ** 2)))
    return value if math.isfinite(value) else math.inf


def _distance(runs: Sequence[Run]) -> Measured:
    return {"first_rmse": metric(runs, 0, "extrap_rmse_first"), "last_rmse": _last_group_rmse(runs, 0),
            "all_rmse": metric(runs, 0, "extrap_rmse_all"), "fit_rmse": metric(runs, 0, "fit_rmse")}


def _grows(m: Mapping[str, float]) -> str:
    first, last = m["first_rmse"], m["last_rmse"]
    return "b" if last > 2 * first else "c" if 2 * last < first else "a"


DISTANCE = Checkpoint(
    id="xsinx-distance", page=PAGE, title=N_("Past the data"),
    setup="preset=default",
    question=N_("The network fits x·sin(x) on [0, 6], then reads on to x = 7.2 with its state carried. "
                "Past 6, how does its error change as x moves away from 6?"),
    choices=(Choice("a", N_("it stays about the same")), Choice("b", N_("it grows with the distance")),
             Choice("c", N_("it shrinks"))),
    measure=_distance, decide=_grows, expected="b",
    because=N_("The first group past 6 has RMSE {first_rmse}, the last one, at x = 7.2, {last_rmse} (all "
               "of (6, 7.2]: {all_rmse}, against a fit of {fit_rmse} on [0, 6]). Near 6 the state still "
               "carries the curve it has seen; further out the network has nothing to go on."),
    otherwise=N_("This run came out otherwise: {answer}. The first group past 6 has RMSE {first_rmse}, "
                 "the last one {last_rmse}."))


def _far(runs: Sequence[Run]) -> Measured:
    fit, far = metric(runs, 0, "fit_rmse"), metric(runs, 0, "extrap_rmse_all")
    return {"all_rmse": far, "fit_rmse": fit, "times": far / fit if fit > 0 else math.inf,
            "top": float(np.max(prediction(runs, 0, "y_ext_true")))}


FAR = Checkpoint(
    id="xsinx-far", page=PAGE, title=N_("How far off out there?"),
    setup="preset=default",
    question=N_("Its fit on [0, 6] is off by a few hundredths (the fit RMSE). How large is its RMSE over "
                "all of (6, 7.2]? (Try another seed afterwards.)"),
    guess_range=(0.0, 8.0, 0.25), guess_unit=N_("RMSE"), tolerance=1.0,
    measure=_far, decide=lambda m: m["all_rmse"], expected=4.0,
    because=N_("Over (6, 7.2] the RMSE is {all_rmse}, {times} times the fit's {fit_rmse}. On that "
               "stretch x·sin(x) climbs to {top}; the network never saw it, and its prediction does not "
               "follow. Another seed brings new weights and new noise: the fit changes, this number "
               "hardly does."),
    otherwise=N_("This run came out otherwise: over (6, 7.2] the RMSE is {all_rmse} ({answer}), {times} "
                 "times the fit's {fit_rmse}."))


def _truncate(runs: Sequence[Run]) -> Measured:
    return {"truncated_fit": metric(runs, 0, "fit_rmse"), "full_fit": metric(runs, 1, "fit_rmse")}


def _better_fit(m: Mapping[str, float]) -> str:
    a, b = m["truncated_fit"], m["full_fit"]
    if max(a, b) <= SAME * min(a, b):
        return "c"
    return "b" if b < a else "a"


TRUNCATE = Checkpoint(
    id="xsinx-truncate", page=PAGE, title=N_("Truncated to one step"),
    setup="compare=bptt_truncate:1,full",
    question=N_("Truncate BPTT to one step, against full BPTT over the 5 steps of a window: which fits "
                "[0, 6] better (the fit RMSE, scored with the weights frozen)?"),
    choices=(Choice("a", N_("truncated to one step")), Choice("b", N_("full BPTT")),
             Choice("c", N_("about the same (within 10 %)"))),
    measure=_truncate, decide=_better_fit, expected="b",
    because=N_("Full BPTT fits to {full_fit}, truncated to {truncated_fit}. Truncated, each window's "
               "error trains only its last step; the four steps before it, which set the state the last "
               "step starts from, learn nothing from it."),
    otherwise=N_("This run came out otherwise: {answer}. Full BPTT fits to {full_fit}, truncated to "
                 "{truncated_fit}."))


def _chase(runs: Sequence[Run]) -> Measured:
    loss = float(runs[0].snap.train_loss)
    train = math.sqrt(loss) if math.isfinite(loss) and loss >= 0 else math.inf
    fit = metric(runs, 0, "fit_rmse")
    return {"train_rmse": train, "fit_rmse": fit, "times": fit / train if train > 0 else math.inf}


def _frozen(m: Mapping[str, float]) -> str:
    times = m["times"]
    return "b" if times > 2 else "c" if times < 0.5 else "a"


CHASE = Checkpoint(
    id="xsinx-chase", page=PAGE, title=N_("The loss that chases"),
    setup="preset=article",
    question=N_("The article's settings: plain SGD at learning rate 0.138, one window per update. Its "
                "training loss ends near an RMSE of 0.25. Then the weights are frozen and all of [0, 6] "
                "is scored again (the fit RMSE). What does that give?"),
    choices=(Choice("a", N_("about what the training loss says (within 2×)")),
             Choice("b", N_("much worse: more than twice the training RMSE")),
             Choice("c", N_("much better: less than half of it"))),
    measure=_chase, decide=_frozen, expected="b",
    because=N_("The training loss says RMSE {train_rmse}; frozen, the fit is {fit_rmse}, {times} times "
               "worse. Steps this large make the weights chase the window in hand: every pass ends on "
               "the last windows, near x = 6, and leaves the weights tuned to them (see the fitted curve "
               "leave the data)."),
    otherwise=N_("This run came out otherwise: {answer}. The training loss says RMSE {train_rmse}; "
                 "frozen, the fit is {fit_rmse}."))

CHECKPOINTS = (DISTANCE, FAR, TRUNCATE, CHASE)
