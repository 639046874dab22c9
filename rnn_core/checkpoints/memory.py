"""Checkpoints of the memory page: how many orders of magnitude a gradient loses at γ = 0.7, the gated
cells before training, the GRU's learning rate, and what clipping cannot bring back."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..i18n import N_
from .base import Checkpoint, Choice, Measured, Run, Until
from .measure import first_record, metric, orders_lost

PAGE = "memory"
LAG = 50                        # the default preset's lag
LEARNED = 0.9                   # an accuracy this high names the first symbol
REACHES = 3.0                   # orders of magnitude: a gradient that loses fewer reaches the first step
BEFORE = Until("step", 0)       # revealed before the first update


def _start_orders(runs: Sequence[Run], i: int) -> float:
    """Orders of magnitude run ``i``'s gradient loses over the lag before training (the gradient
    against lag at step 0)."""
    return orders_lost(first_record(runs, i).metrics["grad_reach"])


def _orders(runs: Sequence[Run]) -> Measured:
    orders, gamma = _start_orders(runs, 0), float(runs[0].snap.config.model.w_hh_scale)
    return {"orders": orders, "gamma": gamma, "gamma_orders": -LAG * math.log10(gamma)}


ORDERS = Checkpoint(
    id="memory-orders", page=PAGE, title=N_("Orders of magnitude lost"),
    setup="w_hh_scale=0.7", until=BEFORE,
    question=N_("Before the first update, W_hh is 0.7 times an orthogonal matrix (γ = 0.7). Over the 50 "
                "steps of the lag, how many orders of magnitude does the gradient lose on its way back to "
                "the first step?"),
    guess_range=(0.0, 12.0, 0.5), guess_unit=N_("orders of magnitude"), tolerance=1.5,
    measure=_orders, decide=lambda m: m["orders"], expected=8.7,
    because=N_("It loses {orders} orders: ‖∂L/∂h‖ at the first step is 10^−{orders} of its value at the "
               "last (the gradient-against-lag chart). Each step back multiplies it by W_hh, which shrinks "
               "it by γ = {gamma}, and by tanh′ ≤ 1: γ alone over 50 steps makes {gamma_orders} orders."),
    otherwise=N_("This run came out otherwise: it loses {orders} orders ({answer}); γ = {gamma} alone over "
                 "50 steps makes {gamma_orders}."))


def _cells(runs: Sequence[Run]) -> Measured:
    return {f"{cell}_orders": _start_orders(runs, i) for i, cell in enumerate(("rnn", "lstm", "gru"))}


def _most_lost(m: Mapping[str, float]) -> str:
    lost = [m["rnn_orders"], m["lstm_orders"], m["gru_orders"]]
    return "abc"[max(range(3), key=lambda i: lost[i])]


GATED_START = Checkpoint(
    id="memory-gated-start", page=PAGE, title=N_("Gated cells before training"),
    setup="compare=cell:rnn,lstm,gru", until=BEFORE,
    question=N_("Before any training, at lag 50: which cell's gradient loses the most orders of magnitude "
                "on its way back to the first step?"),
    choices=(Choice("a", N_("the plain RNN")), Choice("b", N_("the LSTM")), Choice("c", N_("the GRU"))),
    measure=_cells, decide=_most_lost, expected="c",
    because=N_("Before training the GRU loses {gru_orders} orders, the LSTM {lstm_orders}, the plain RNN "
               "{rnn_orders}. The gated cells' additive paths carry a gradient only where the gates let "
               "them, and the gates start half shut (the GRU's update gate near 0.5): training has to "
               "open them."),
    otherwise=N_("This run came out otherwise: {answer}. Before training the GRU loses {gru_orders} "
                 "orders, the LSTM {lstm_orders}, the plain RNN {rnn_orders}."))


def _gru_lr(runs: Sequence[Run]) -> Measured:
    return {"slow_accuracy": metric(runs, 0, "accuracy"), "fast_accuracy": metric(runs, 1, "accuracy"),
            "slow_orders": orders_lost(metric(runs, 0, "grad_reach")),
            "fast_orders": orders_lost(metric(runs, 1, "grad_reach"))}


def _which_learned(m: Mapping[str, float]) -> str:
    slow, fast = m["slow_accuracy"] >= LEARNED, m["fast_accuracy"] >= LEARNED
    return {(True, False): "a", (False, True): "b", (True, True): "c"}.get((slow, fast), "d")


GRU_LR = Checkpoint(
    id="memory-gru-lr", page=PAGE, title=N_("The GRU's learning rate"),
    setup="cell=gru&compare=lr:0.005,0.02",
    question=N_("The GRU at lag 50, learning rate 0.005 against 0.02: which one learns to name the first "
                "symbol (accuracy 0.9 or more)?"),
    choices=(Choice("a", N_("only lr 0.005")), Choice("b", N_("only lr 0.02")), Choice("c", N_("both")),
             Choice("d", N_("neither"))),
    measure=_gru_lr, decide=_which_learned, expected="b",
    because=N_("At 0.02 the accuracy is {fast_accuracy} and the gradient from the first step ends "
               "{fast_orders} orders below the last; at 0.005 the accuracy is {slow_accuracy} (chance is "
               "0.25) and the gradient still loses {slow_orders} orders. The smaller steps do not open "
               "the gates within 1,280 updates, so the symbol's gradient never crosses the lag."),
    otherwise=N_("This run came out otherwise: {answer}. Accuracy {slow_accuracy} at 0.005, "
                 "{fast_accuracy} at 0.02; the gradient loses {slow_orders} and {fast_orders} orders."))


def _clip(runs: Sequence[Run]) -> Measured:
    return {"off_orders": orders_lost(metric(runs, 0, "grad_reach")),
            "norm_orders": orders_lost(metric(runs, 1, "grad_reach")),
            "start_orders": _start_orders(runs, 1)}


def _which_reaches(m: Mapping[str, float]) -> str:
    off, norm = m["off_orders"] < REACHES, m["norm_orders"] < REACHES
    return {(False, False): "a", (False, True): "b", (True, False): "c"}.get((off, norm), "d")


CLIP = Checkpoint(
    id="memory-clip", page=PAGE, title=N_("What clipping cannot do"),
    setup="w_hh_scale=0.7&compare=clip_mode:off,norm",
    question=N_("At γ = 0.7 the gradient from the first step starts about 9 orders of magnitude below the "
                "last. Train with clipping off and on (norm 1): at the end, does either run's gradient "
                "reach the first step within 3 orders?"),
    choices=(Choice("a", N_("no, neither")), Choice("b", N_("only the clipped run")),
             Choice("c", N_("only the run without clipping")), Choice("d", N_("both"))),
    measure=_clip, decide=_which_reaches, expected="a",
    because=N_("At the end the gradient from the first step is {off_orders} orders below the last without "
               "clipping and {norm_orders} with it (it started {start_orders} below). Clipping only ever "
               "scales a gradient down: it bounds the step an exploding gradient would cause, but cannot "
               "bring back a signal that has vanished."),
    otherwise=N_("This run came out otherwise: {answer}. At the end the gradient from the first step is "
                 "{off_orders} orders below the last without clipping and {norm_orders} with it."))

CHECKPOINTS = (ORDERS, GATED_START, GRU_LR, CLIP)
