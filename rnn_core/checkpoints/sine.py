"""Checkpoints of the sine-wave page: the activation, clipping against divergence, truncation against
reach, and a free run's drift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..i18n import N_
from .base import Band, Checkpoint, Choice, Measured, Run
from .measure import clipped_percent, free_run, metric, steps, stop_step

PAGE = "sine"
SAME = 1.1                      # two RMSEs within this factor are "about the same"
LEARNED = 0.02                  # an RMSE below this has learned the wave (its own RMS is 0.71)
CONSTANT = 0.3                  # above this the output is about a constant


def _activation(runs: Sequence[Run]) -> Measured:
    return {"sigmoid_rmse": metric(runs, 0, "val_rmse"), "tanh_rmse": metric(runs, 1, "val_rmse")}


def _lower(m: Mapping[str, float]) -> str:
    a, b = m["sigmoid_rmse"], m["tanh_rmse"]
    if max(a, b) <= SAME * min(a, b):
        return "c"
    return "b" if b < a else "a"


ACTIVATION = Checkpoint(
    id="sine-activation", page=PAGE, title=N_("Sigmoid or tanh?"),
    setup="preset=article&init=default&lr=0.01&compare=activation:sigmoid,tanh",
    question=N_("The article's settings with a sane start (Xavier / orthogonal weights, learning rate "
                "0.01), sigmoid against tanh: which ends with the lower validation RMSE after 25 epochs?"),
    choices=(Choice("a", N_("the sigmoid run")), Choice("b", N_("the tanh run")),
             Choice("c", N_("about the same (within 10 %)"))),
    measure=_activation, decide=_lower, expected="b",
    because=N_("tanh ends at RMSE {tanh_rmse}, sigmoid at {sigmoid_rmse}. tanh is centred on zero and "
               "its slope at 0 is 1, four times the sigmoid's 0.25: the same weights pass more of the "
               "signal forward and more of the gradient back (compare the two hidden-state heatmaps)."),
    otherwise=N_("This run came out otherwise: {answer}. tanh ends at RMSE {tanh_rmse}, sigmoid at "
                 "{sigmoid_rmse}."))


def _clip(runs: Sequence[Run]) -> Measured:
    return {"off_stop": stop_step(runs, 0), "norm_stop": stop_step(runs, 1), "off_steps": steps(runs, 0),
            "norm_steps": steps(runs, 1), "norm_rmse": metric(runs, 1, "val_rmse"),
            "norm_clipped": clipped_percent(runs, 1)}


def _which_diverged(m: Mapping[str, float]) -> str:
    off, norm = m["off_stop"] > 0, m["norm_stop"] > 0
    return {(True, False): "a", (False, True): "b", (True, True): "c"}.get((off, norm), "d")


CLIP = Checkpoint(
    id="sine-clip", page=PAGE, title=N_("Clipping against divergence"),
    setup="optimizer=sgd&lr=0.2&clip=1&compare=clip_mode:off,norm",
    question=N_("Plain SGD at learning rate 0.2, gradient clipping off against on (the global norm "
                "scaled down to at most 1): which run diverges?"),
    choices=(Choice("a", N_("only the one without clipping")), Choice("b", N_("only the clipped one")),
             Choice("c", N_("both")), Choice("d", N_("neither"))),
    measure=_clip, decide=_which_diverged, expected="a",
    because=N_("Without clipping the loss became infinite at step {off_stop} and the run stopped (its ✕ "
               "on the loss chart). With the gradient's norm cut to 1 the same learning rate learns: "
               "RMSE {norm_rmse} after {norm_steps} steps. Clipping acted in only {norm_clipped} % of "
               "them (the gradient-norm chart, before against after): the few steps that would have "
               "thrown the weights off."),
    otherwise=N_("This run came out otherwise: {answer}. Without clipping the run made {off_steps} "
                 "steps, with clipping {norm_steps} (RMSE {norm_rmse})."))


def _truncate(runs: Sequence[Run]) -> Measured:
    return {"truncated_rmse": metric(runs, 0, "val_rmse"), "full_rmse": metric(runs, 1, "val_rmse")}


def _learned(m: Mapping[str, float]) -> str:
    rmse = m["truncated_rmse"]
    return "a" if rmse < LEARNED else "b" if rmse > CONSTANT else "c"


TRUNCATE = Checkpoint(
    id="sine-truncate", page=PAGE, title=N_("Truncated to one step"),
    setup="compare=bptt_truncate:1,full",
    question=N_("Truncate BPTT to one step, against full BPTT: each window's error now reaches only the "
                "last of its 50 steps. Does the truncated run still learn to predict the next value?"),
    choices=(Choice("a", N_("yes: its RMSE ends below 0.02")),
             Choice("b", N_("no: its RMSE stays above 0.3, a constant guess")),
             Choice("c", N_("partly: its RMSE ends between 0.02 and 0.3"))),
    measure=_truncate, decide=_learned, expected="a",
    because=N_("Truncated: RMSE {truncated_rmse}; full BPTT: {full_rmse}. The truncated run's gradient "
               "heatmap is dark but for the last step, yet sin(t+1) = 2·cos(1)·sin(t) − sin(t−1) needs "
               "only the last two inputs, and the state still carries them forward."),
    otherwise=N_("This run came out otherwise: {answer}. Truncated: RMSE {truncated_rmse}; full BPTT: "
                 "{full_rmse}."))


def _free(runs: Sequence[Run]) -> Measured:
    free = free_run(runs, 0)
    return {"free_rmse": free.free_rmse, "one_step_rmse": free.one_step_rmse,
            "times": free.free_rmse / free.one_step_rmse if free.one_step_rmse > 0 else float("inf"),
            "n": float(free.steps)}


FREE_RUN = Checkpoint(
    id="sine-free-run", page=PAGE, title=N_("Running free"),
    setup="preset=article&init=default&lr=0.01",
    question=N_("This sigmoid network predicts the next value with an RMSE of about 0.01, each time from "
                "50 true values. Run it free for 50 steps (under “Open the box”, the free-running chart): "
                "each prediction is fed back as the next input. What RMSE does the free run reach?"),
    guess_range=(0.0, 0.5, 0.01), guess_unit=N_("RMSE"),
    bands=(Band(0.0, 0.03, N_("about the one-step error")),
           Band(0.03, 0.3, N_("several times the one-step error, the wave still there")),
           Band(0.3, 10.0, N_("the wave is lost"))),
    measure=_free, decide=lambda m: m["free_rmse"], expected=0.1,
    because=N_("Over {n} steps the free run's RMSE is {free_rmse}, {times} times the one-step "
               "{one_step_rmse}. Each prediction's small error becomes part of the next input, so the "
               "errors add up: the free-running line drifts off the truth while keeping the wave's "
               "shape."),
    otherwise=N_("This run came out otherwise: over {n} steps the free run's RMSE is {free_rmse} "
                 "({answer}), {times} times the one-step {one_step_rmse}."))

CHECKPOINTS = (ACTIVATION, CLIP, TRUNCATE, FREE_RUN)
