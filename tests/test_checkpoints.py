"""Checkpoints (rnn_core/checkpoints): each answer on literal numbers (fake snapshots, nothing trained),
every setup as a page could open it, the course and its progress codes, and the CLI's ``lessons`` and
``checkpoint`` commands. Whether the expected answers come out of real runs over seeds is
bench/checkpoints.py's to show."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import pytest
from apptest import open_page, page_runs
from babel.messages.extract import extract_from_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import cli, schema
from rnn_core.checkpoints import (
    CHECKPOINTS,
    COURSE,
    Course,
    Outcome,
    Progress,
    Until,
    decode,
    encode,
    get_checkpoint,
)
from rnn_core.checkpoints import setup as cpsetup
from rnn_core.checkpoints.course import ALPHABET
from rnn_core.experiments import experiment_ids, get_experiment
from rnn_core.experiments.records import free_result
from rnn_core.snapshot import Record, Stop
from ui import live
from ui.limits import compute_limits, refusal

ROOT = Path(__file__).resolve().parents[1]
INF = math.inf
NAN = math.nan


# ----------------------------------------------------------------------------- fake runs

def rec(step: int, train_loss: float = NAN, val_loss: float | None = None, epoch: float = 0.0,
        clip_fraction: float = 0.0, **metrics: float) -> Record:
    return Record(step=step, epoch=epoch, train_loss=train_loss, val_loss=val_loss, grad_norm_before=1.0,
                  grad_norm_after=1.0, clip_fraction=clip_fraction, step_grad_norms=np.zeros(1),
                  wall_time=0.0, lr=0.01, clip_mode="norm", clip=1.0, bptt_truncate=None, metrics=metrics)


@dataclass
class Snap:
    metrics: dict[str, Any] = field(default_factory=dict)
    predictions: dict[str, Any] = field(default_factory=dict)
    history: tuple[Record, ...] = ()
    stop: Stop | None = None
    step: int = 100
    train_loss: float = NAN
    config: Any = None

    def model(self) -> None:
        return None


@dataclass
class FakeRun:
    snap: Snap
    view: Any = None


def run(**kw: Any) -> FakeRun:
    view = kw.pop("view", None)
    return FakeRun(Snap(**kw), view)


def probs(p_ab: float) -> np.ndarray:
    """Five letters' next-letter probabilities, "b" after "a" given ``p_ab``."""
    p = np.full((5, 5), 0.2)
    p[0] = [(1 - p_ab) / 4, p_ab, (1 - p_ab) / 4, (1 - p_ab) / 4, (1 - p_ab) / 4]
    return p


def losses(*values: float) -> tuple[Record, ...]:
    return tuple(rec(10 * i, v) for i, v in enumerate(values))


def free_view(one: float, free: float) -> SimpleNamespace:
    """A task view whose free run over 50 steps has exactly these RMSEs."""
    sign = np.where(np.arange(50) % 2 == 0, 1.0, -1.0)
    result = free_result(np.arange(50), np.zeros(50), one * sign, free * sign)
    return SimpleNamespace(free_run=lambda model, n=None: result)


def ext(first: float, last: float) -> dict[str, np.ndarray]:
    """x·sin(x) extrapolation predictions: the first group off by ``first``, the last by ``last``."""
    true = np.linspace(-1.6, 5.7, 120)
    off = np.zeros(120)
    off[:6], off[-6:] = first, last
    return {"y_ext_true": true, "y_ext_pred": true + off}


def names(end_row: list[float]) -> dict[str, Any]:
    """The dinosaur page's predictions along "tyrannosaurus", the last row given (⏎ first)."""
    vocab = ["\n", *"abcdefghijklmnopqrstuvwxyz"]
    rows = np.full((14, 27), 1 / 27)
    last = np.zeros(27)
    last[:len(end_row)] = end_row
    rows[-1] = last
    return {"vocab": vocab, "probe_probs": rows}


def memory_start(reach: float, gamma: float = 1.0, **kw: Any) -> FakeRun:
    config = SimpleNamespace(model=SimpleNamespace(w_hh_scale=gamma))
    return run(history=(rec(0, grad_reach=reach),), config=config, **kw)


def mem_end(accuracy: float, reach: float, start: float = -8.65) -> FakeRun:
    return run(metrics={"accuracy": accuracy, "grad_reach": reach}, history=(rec(0, grad_reach=start),))


def overfit(*records: tuple[float, float, float, float]) -> FakeRun:
    """(step, epoch, validation, training) records."""
    return run(history=tuple(rec(int(s), t, v, e) for s, e, v, t in records))


CASES = {   # id: ((runs, the outcome they make), (runs of another outcome, that outcome)), nothing trained
    "abcde-optimizer": (
        ([run(metrics={"accuracy": 0.2}, predictions={"probs": probs(0.25)}),
          run(metrics={"accuracy": 1.0}, predictions={"probs": probs(0.75)})],
         Outcome("a", {"sgd_accuracy": 0.2, "adam_accuracy": 1.0, "sgd_p": 0.25, "adam_p": 0.75}, True)),
        ([run(metrics={"accuracy": 1.0}, predictions={"probs": probs(0.5)}),
          run(metrics={"accuracy": 1.0}, predictions={"probs": probs(0.75)})],
         Outcome("c", {"sgd_accuracy": 1.0, "adam_accuracy": 1.0, "sgd_p": 0.5, "adam_p": 0.75}, False))),
    "abcde-one-unit": (
        ([run(metrics={"accuracy": 0.6}), run(metrics={"accuracy": 1.0})],
         Outcome("b", {"one_right": 3.0, "three_right": 5.0}, True)),
        ([run(metrics={"accuracy": 1.0}), run(metrics={"accuracy": 1.0})],
         Outcome("a", {"one_right": 5.0, "three_right": 5.0}, False))),
    "abcde-truncate": (
        ([run(history=losses(NAN, 1.5, 1.0), train_loss=1.0),
          run(history=losses(NAN, 1.5, 1.0), train_loss=1.0)],
         Outcome("a", {"gap": 0.0, "truncated_loss": 1.0, "full_loss": 1.0}, True)),
        ([run(history=losses(NAN, 1.5, 1.25), train_loss=1.25),
          run(history=losses(NAN, 1.5, 1.0), train_loss=1.0)],
         Outcome("b", {"gap": 0.25, "truncated_loss": 1.25, "full_loss": 1.0}, False))),
    "abcde-certainty": (
        ([run(metrics={"accuracy": 1.0}, predictions={"probs": probs(0.7)}, train_loss=0.25)],
         Outcome(0.7, {"p": 0.7, "accuracy": 1.0, "loss": 0.25}, True)),
        ([run(metrics={"accuracy": 1.0}, predictions={"probs": probs(0.95)}, train_loss=0.05)],
         Outcome(0.95, {"p": 0.95, "accuracy": 1.0, "loss": 0.05}, False))),
    "sine-activation": (
        ([run(metrics={"val_rmse": 0.016}), run(metrics={"val_rmse": 0.004})],
         Outcome("b", {"sigmoid_rmse": 0.016, "tanh_rmse": 0.004}, True)),
        ([run(metrics={"val_rmse": 0.004}), run(metrics={"val_rmse": 0.0042})],
         Outcome("c", {"sigmoid_rmse": 0.004, "tanh_rmse": 0.0042}, False))),
    "sine-clip": (
        ([run(metrics={"val_rmse": 1e19}, stop=Stop("diverged", 27, INF), step=26),
          run(metrics={"val_rmse": 0.002}, step=400,
              history=(rec(0), rec(200, clip_fraction=0.02), rec(400, clip_fraction=0.0)))],
         Outcome("a", {"off_stop": 27.0, "norm_stop": 0.0, "off_steps": 26.0, "norm_steps": 400.0,
                       "norm_rmse": 0.002, "norm_clipped": 1.0}, True)),
        ([run(metrics={"val_rmse": 0.003}, step=400), run(metrics={"val_rmse": 0.002}, step=400)],
         Outcome("d", {"off_stop": 0.0, "norm_stop": 0.0, "off_steps": 400.0, "norm_steps": 400.0,
                       "norm_rmse": 0.002, "norm_clipped": 0.0}, False))),
    "sine-truncate": (
        ([run(metrics={"val_rmse": 0.005}), run(metrics={"val_rmse": 0.001})],
         Outcome("a", {"truncated_rmse": 0.005, "full_rmse": 0.001}, True)),
        ([run(metrics={"val_rmse": 0.5}), run(metrics={"val_rmse": 0.001})],
         Outcome("b", {"truncated_rmse": 0.5, "full_rmse": 0.001}, False))),
    "sine-free-run": (
        ([run(view=free_view(0.01, 0.1))],
         Outcome(0.1, {"free_rmse": 0.1, "one_step_rmse": 0.01, "times": 10.0, "n": 50.0}, True)),
        ([run(view=free_view(0.01, 0.5))],
         Outcome(0.5, {"free_rmse": 0.5, "one_step_rmse": 0.01, "times": 50.0, "n": 50.0}, False))),
    "elman-truncate": (
        ([run(metrics={"rmse": 0.014}), run(metrics={"rmse": 0.002})],
         Outcome("b", {"truncated_rmse": 0.014, "full_rmse": 0.002}, True)),
        ([run(metrics={"rmse": 0.002}), run(metrics={"rmse": 0.014})],
         Outcome("a", {"truncated_rmse": 0.002, "full_rmse": 0.014}, False))),
    "elman-one-unit": (
        ([run(metrics={"rmse": 0.21}), run(metrics={"rmse": 0.002})],
         Outcome("b", {"one_rmse": 0.21, "sixteen_rmse": 0.002}, True)),
        ([run(metrics={"rmse": 0.003}), run(metrics={"rmse": 0.002})],
         Outcome("a", {"one_rmse": 0.003, "sixteen_rmse": 0.002}, False))),
    "elman-point-by-point": (
        ([run(metrics={"rmse": 0.19}, history=losses(0.5, 0.1)),
          run(metrics={"rmse": 0.19}, history=losses(0.5, 0.1))],
         Outcome("a", {"gap": 0.0, "truncated_rmse": 0.19, "full_rmse": 0.19}, True)),
        ([run(metrics={"rmse": 0.19}, history=losses(0.5, 0.1)),
          run(metrics={"rmse": 0.05}, history=losses(0.5, 0.05))],
         Outcome("b", {"gap": 0.05, "truncated_rmse": 0.19, "full_rmse": 0.05}, False))),
    "elman-lr": (
        ([run(metrics={"rmse": 0.3}, step=50),
          run(metrics={"rmse": 1e19}, stop=Stop("diverged", 43, INF), step=42)],
         Outcome("b", {"big_stop": 43.0, "big_steps": 42.0, "small_steps": 50.0, "big_rmse": 1e19,
                       "small_rmse": 0.3}, True)),
        ([run(metrics={"rmse": 0.19}, step=6000), run(metrics={"rmse": 0.01}, step=6000)],
         Outcome("a", {"big_stop": 0.0, "big_steps": 6000.0, "small_steps": 6000.0, "big_rmse": 0.01,
                       "small_rmse": 0.19}, False))),
    "xsinx-distance": (
        ([run(metrics={"extrap_rmse_first": 0.1, "extrap_rmse_all": 4.0, "fit_rmse": 0.05},
              predictions=ext(0.1, 6.0))],
         Outcome("b", {"first_rmse": 0.1, "last_rmse": 6.0, "all_rmse": 4.0, "fit_rmse": 0.05}, True)),
        ([run(metrics={"extrap_rmse_first": 0.1, "extrap_rmse_all": 0.1, "fit_rmse": 0.05},
              predictions=ext(0.1, 0.1))],
         Outcome("a", {"first_rmse": 0.1, "last_rmse": 0.1, "all_rmse": 0.1, "fit_rmse": 0.05}, False))),
    "xsinx-far": (
        ([run(metrics={"extrap_rmse_all": 4.0, "fit_rmse": 0.05}, predictions=ext(0.1, 6.0))],
         Outcome(4.0, {"all_rmse": 4.0, "fit_rmse": 0.05, "times": 80.0, "top": 5.7}, True)),
        ([run(metrics={"extrap_rmse_all": 1.0, "fit_rmse": 0.05}, predictions=ext(0.1, 6.0))],
         Outcome(1.0, {"all_rmse": 1.0, "fit_rmse": 0.05, "times": 20.0, "top": 5.7}, False))),
    "xsinx-truncate": (
        ([run(metrics={"fit_rmse": 0.12}), run(metrics={"fit_rmse": 0.05})],
         Outcome("b", {"truncated_fit": 0.12, "full_fit": 0.05}, True)),
        ([run(metrics={"fit_rmse": 0.05}), run(metrics={"fit_rmse": 0.12})],
         Outcome("a", {"truncated_fit": 0.05, "full_fit": 0.12}, False))),
    "xsinx-chase": (
        ([run(metrics={"fit_rmse": 2.5}, train_loss=0.0625)],
         Outcome("b", {"train_rmse": 0.25, "fit_rmse": 2.5, "times": 10.0}, True)),
        ([run(metrics={"fit_rmse": 0.3}, train_loss=0.0625)],
         Outcome("a", {"train_rmse": 0.25, "fit_rmse": 0.3, "times": 1.2}, False))),
    "dinos-hidden": (
        ([run(metrics={"val_nats_per_char": 2.1}), run(metrics={"val_nats_per_char": 1.72})],
         Outcome("b", {"four_val": 2.1, "fifty_val": 1.72, "gap": 0.38}, True)),
        ([run(metrics={"val_nats_per_char": 1.75}), run(metrics={"val_nats_per_char": 1.72})],
         Outcome("a", {"four_val": 1.75, "fifty_val": 1.72, "gap": 0.03}, False))),
    "dinos-truncate": (
        ([run(metrics={"val_nats_per_char": 1.76}), run(metrics={"val_nats_per_char": 1.72})],
         Outcome("a", {"truncated_val": 1.76, "full_val": 1.72, "gap": 0.04}, True)),
        ([run(metrics={"val_nats_per_char": 2.0}), run(metrics={"val_nats_per_char": 1.72})],
         Outcome("b", {"truncated_val": 2.0, "full_val": 1.72, "gap": 0.28}, False))),
    "dinos-overfit": (
        ([overfit((0, 0, 3.3, 3.3), (100, 10, 1.8, 1.7), (200, 20, 1.72, 1.55), (300, 35, 1.77, 1.4))],
         Outcome("b", {"val_low": 1.72, "low_epoch": 20.0, "val_end": 1.77, "train_at_low": 1.55,
                       "train_end": 1.4}, True)),
        ([overfit((0, 0, 3.3, 3.3), (100, 10, 1.8, 1.7), (200, 20, 1.75, 1.6), (300, 35, 1.7, 1.5))],
         Outcome("a", {"val_low": 1.7, "low_epoch": 35.0, "val_end": 1.7, "train_at_low": 1.5,
                       "train_end": 1.5}, False))),
    "dinos-end": (
        ([run(predictions=names([0.99, 0.01]))],
         Outcome("a", {"end_p": 0.99, "top_p": 0.99, "top_is_end": 1.0}, True)),
        ([run(predictions=names([0.25, 0.6, 0.15]))],
         Outcome("b", {"end_p": 0.25, "top_p": 0.6, "top_is_end": 0.0}, False))),
    "memory-orders": (
        ([memory_start(-8.7, gamma=0.7)],
         Outcome(8.7, {"orders": 8.7, "gamma": 0.7, "gamma_orders": 7.745}, True)),
        ([memory_start(-2.2, gamma=0.7)],
         Outcome(2.2, {"orders": 2.2, "gamma": 0.7, "gamma_orders": 7.745}, False))),
    "memory-gated-start": (
        ([memory_start(-2.15), memory_start(-2.17), memory_start(-6.87)],
         Outcome("c", {"rnn_orders": 2.15, "lstm_orders": 2.17, "gru_orders": 6.87}, True)),
        ([memory_start(-9.0), memory_start(-2.0), memory_start(-6.0)],
         Outcome("a", {"rnn_orders": 9.0, "lstm_orders": 2.0, "gru_orders": 6.0}, False))),
    "memory-gru-lr": (
        ([mem_end(0.26, -7.5), mem_end(1.0, -0.12)],
         Outcome("b", {"slow_accuracy": 0.26, "fast_accuracy": 1.0, "slow_orders": 7.5, "fast_orders": 0.12},
                 True)),
        ([mem_end(1.0, -0.5), mem_end(1.0, -0.12)],
         Outcome("c", {"slow_accuracy": 1.0, "fast_accuracy": 1.0, "slow_orders": 0.5, "fast_orders": 0.12},
                 False))),
    "memory-clip": (
        ([mem_end(0.24, -9.5), mem_end(0.47, -INF)],
         Outcome("a", {"off_orders": 9.5, "norm_orders": INF, "start_orders": 8.65}, True)),
        ([mem_end(0.24, -9.5), mem_end(1.0, -0.5)],
         Outcome("b", {"off_orders": 9.5, "norm_orders": 0.5, "start_orders": 8.65}, False))),
}


# ----------------------------------------------------------------------------- answers

def test_every_checkpoint_has_a_right_and_a_wrong_case() -> None:
    assert sorted(CASES) == sorted(c.id for c in CHECKPOINTS)


@pytest.mark.parametrize("cid", sorted(CASES))
def test_the_answer_comes_from_the_runs_numbers(cid: str) -> None:
    cp = get_checkpoint(cid)
    (right_runs, right), (wrong_runs, wrong) = CASES[cid]
    assert cp.answer(right_runs) == right
    assert cp.answer(wrong_runs) == wrong


@pytest.mark.parametrize("cid", sorted(CASES))
def test_the_explanation_uses_the_measured_numbers_and_says_when_the_run_disagrees(cid: str) -> None:
    cp = get_checkpoint(cid)
    (right_runs, _right), (wrong_runs, _wrong) = CASES[cid]
    agreed, other = cp.explain(cp.answer(right_runs)), cp.explain(cp.answer(wrong_runs))
    assert "{" not in agreed + other and "}" not in agreed + other
    assert not agreed.startswith("This run came out otherwise")
    assert other.startswith("This run came out otherwise: ")


def test_explanations_in_full() -> None:
    clip = get_checkpoint("sine-clip")
    (right_runs, _), (wrong_runs, _) = CASES["sine-clip"]
    assert clip.explain(clip.answer(right_runs)) == (
        "Without clipping the loss became infinite at step 27 and the run stopped (its ✕ on the loss chart). "
        "With the gradient's norm cut to 1 the same learning rate learns: RMSE 0.002 after 400 steps. "
        "Clipping acted in only 1 % of them (the gradient-norm chart, before against after): the few steps "
        "that would have thrown the weights off.")
    assert clip.explain(clip.answer(wrong_runs)) == (
        "This run came out otherwise: neither. Without clipping the run made 400 steps, with clipping 400 "
        "(RMSE 0.002).")
    orders = get_checkpoint("memory-orders")
    assert orders.explain(orders.answer(CASES["memory-orders"][1][0])) == (
        "This run came out otherwise: it loses 2.2 orders (2.2 orders of magnitude); γ = 0.7 alone over 50 "
        "steps makes 7.75.")


def test_a_students_guess_is_judged_against_their_own_run() -> None:
    clip, orders, sure = get_checkpoint("sine-clip"), get_checkpoint("memory-orders"), get_checkpoint(
        "abcde-certainty")
    assert [clip.judge(k, Outcome("d", {}, False)) for k in "ad"] == [False, True]
    assert [orders.judge(g, Outcome(2.2, {}, False)) for g in (3.5, 3.75, 8.5)] == [True, False, False]
    assert [sure.judge(g, Outcome(0.95, {}, False)) for g in (0.85, 0.9, 1.0)] == [False, True, True]


def test_a_checkpoint_is_refused_when_its_question_is_not_one() -> None:
    cp = get_checkpoint("sine-clip")
    with pytest.raises(ValueError, match="expected 2-4 choices or a guess_range"):
        replace(cp, choices=cp.choices[:1])
    with pytest.raises(ValueError, match="expected 2-4 choices or a guess_range"):
        replace(cp, guess_range=(0.0, 1.0, 0.1))
    with pytest.raises(ValueError, match="and 'e' among them"):
        replace(cp, expected="e")
    with pytest.raises(ValueError, match="expected a tolerance or bands"):
        replace(get_checkpoint("memory-orders"), tolerance=None)
    with pytest.raises(ValueError, match="until: got 'later'"):
        Until("later")


def test_an_answer_asks_for_as_many_runs_as_the_setup_makes() -> None:
    with pytest.raises(ValueError, match="got 1 runs, expected 2"):
        get_checkpoint("sine-clip").answer(CASES["sine-truncate"][0][0][:1])


def test_a_step_zero_answer_needs_the_record_of_step_zero() -> None:
    with pytest.raises(ValueError, match="no record of step 0"):
        get_checkpoint("memory-orders").answer([run(history=(rec(5, grad_reach=-8.7),))])


# ----------------------------------------------------------------------------- setups

def test_there_are_enough_checkpoints_three_or_four_a_page_with_unique_ids() -> None:
    ids = [c.id for c in CHECKPOINTS]
    assert len(ids) == len(set(ids)) == 24
    per_page = {p: sum(c.page == p for c in CHECKPOINTS) for p in experiment_ids()}
    assert per_page == {"sine": 4, "elman": 4, "dinos": 4, "abcde": 4, "xsinx": 4, "memory": 4}
    assert all(c.id.startswith(c.page + "-") for c in CHECKPOINTS)


def test_kinds_of_questions_are_mixed() -> None:
    kinds = {"numeric": [c.id for c in CHECKPOINTS if c.numeric],
             "before training": [c.id for c in CHECKPOINTS if c.until.kind == "step"],
             "at a stop": [c.id for c in CHECKPOINTS if c.until.kind == "stop"]}
    assert kinds == {"numeric": ["abcde-certainty", "sine-free-run", "xsinx-far", "memory-orders"],
                     "before training": ["memory-orders", "memory-gated-start"], "at a stop": ["elman-lr"]}


def _sidebar_refusals(cp) -> list[str]:
    """What a page's sidebar or compare box would refuse of the checkpoint's setup ('' each: nothing)."""
    exp = get_experiment(cp.page)
    parts = cpsetup.parse_setup(exp, cp.setup)
    lim = compute_limits(exp)
    values = [*parts.values, *((parts.spec.knob, v) for v in (parts.spec.values if parts.spec else ()))]
    return [f"{k}={v}: {why}" for k, v in values if (why := refusal(exp.knob(k), v, lim, on_grid=True))]


@pytest.mark.parametrize("cp", CHECKPOINTS, ids=lambda c: c.id)
def test_every_setup_is_one_the_page_offers(cp) -> None:
    exp = get_experiment(cp.page)
    for key, text in (p.split("=", 1) for p in cp.setup.split("&")):
        if key == "compare":
            cpsetup.parse_spec(text, exp)
        elif key != "preset":
            exp.knob(key).parse(text)
    assert _sidebar_refusals(cp) == []
    runs = cpsetup.runs(exp, cp.setup, seed=3)
    presets_lr = {exp.preset(p).train.lr for p in exp.presets}
    for r in runs:
        assert r.model.hidden_size <= 256 and r.train.batch_size <= 256 and r.train.seed == 3
        assert r.train.lr in schema.LR_GRID or r.train.lr in presets_lr
        assert r.train.bptt_truncate is None or r.train.bptt_truncate <= exp.make_task(r).max_len
    live.afford(runs, [exp.make_task(r) for r in runs])          # cheap enough for a live page
    assert len(runs) == cp.n_runs


def test_setups_are_built_as_the_app_builds_them() -> None:
    memory = get_experiment("memory")
    gru = cpsetup.runs(memory, "cell=gru&compare=lr:0.005,0.02")
    assert [(r.model.cell, r.model.backend, r.train.lr) for r in gru] == [("gru", "torch", 0.005),
                                                                         ("gru", "torch", 0.02)]
    cells = cpsetup.runs(memory, "compare=cell:rnn,lstm,gru", seed=2)
    assert [(r.model.cell, r.model.backend, r.train.lr, r.train.seed) for r in cells] == [
        ("rnn", "numpy", 0.005, 2), ("lstm", "torch", 0.005, 2), ("gru", "torch", 0.02, 2)]
    sine = cpsetup.runs(get_experiment("sine"), "preset=article&init=default&lr=0.01", epochs=2)
    assert [(r.model.activation, r.model.init, r.train.lr, r.train.epochs) for r in sine] == [
        ("sigmoid", "default", 0.01, 2)]


@pytest.mark.parametrize("cp", CHECKPOINTS, ids=lambda c: c.id)
def test_the_page_opens_the_setup_and_builds_the_same_runs(cp) -> None:
    """The app itself (AppTest, no browser) opens the checkpoint's URL: nothing refused or ignored, and
    its runs are the ones the headless check trains."""
    at = open_page(cp.page, **dict(parse_qsl(cp.setup)))
    assert not at.exception and [e.value for e in at.error] == []
    assert [t.value for t in at.toast if "Ignored" in str(t.value)] == []
    exp = get_experiment(cp.page)
    items = exp.make_task(exp.preset()).count_batches(1)      # the batch-size widget holds at most these
    headless = [r.replace(batch_size=min(r.train.batch_size, items)) for r in cpsetup.runs(exp, cp.setup)]
    assert [r.run for r in page_runs(at, cp.page).runs] == headless      # (a batch of all items trains alike)


@pytest.mark.parametrize("text, why", [
    ("lr=0.01&lr=0.02", "each key once"), ("lag=5", "unknown key 'lag'"), ("preset=short", "preset: got"),
    ("hidden_size=0", "hidden_size: got 0"), ("compare=lr:0.1", "got 1 value"),
    ("lr=0.01&compare=lr:0.1,0.2", "both set and compared"), ("lr", "bad query")])
def test_a_bad_setup_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        cpsetup.parse_setup(get_experiment("sine"), text)


def test_every_text_a_person_reads_is_marked_for_translation() -> None:
    found: set[str] = set()
    for *_where, message, _comments, _context in extract_from_dir(
            str(ROOT / "rnn_core" / "checkpoints"), method_map=[("**.py", "python")],
            keywords={"N_": None, "_": None}):
        found.update(message if isinstance(message, tuple) else (message,))
    texts = [t for c in CHECKPOINTS for t in (c.question, c.because, c.otherwise, c.guess_unit,
                                              *(x.text for x in c.choices), *(b.text for b in c.bands)) if t]
    assert [t for t in texts if t not in found] == []
    assert all(c.otherwise.startswith("This run came out otherwise: ") for c in CHECKPOINTS)


# ----------------------------------------------------------------------------- the course and progress

def test_the_course_teaches_the_pages_in_order() -> None:
    assert COURSE.pages == ("abcde", "sine", "elman", "xsinx", "dinos", "memory")
    assert sorted(COURSE.pages) == sorted(experiment_ids())
    assert [c.page for c in COURSE.checkpoints] == [p for p in COURSE.pages for _ in range(4)]


def test_a_progress_code() -> None:
    blank = COURSE.blank()
    p = blank.mark(0, True).mark(1, False).mark(23, True)
    assert (p.answered, p.right) == (3, 2)
    code = encode(p)
    assert code == COURSE.version + "5" + "0" * 6 + "j" and len(code) == 9
    assert decode(code) == p and decode(code.upper()) == p and decode(f" {code} ") == p
    assert encode(blank) == COURSE.version + "0" * 8


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0, 1, 2]), min_size=24, max_size=24))
def test_progress_codes_round_trip(marks: list[int]) -> None:
    p = Progress(tuple(marks))
    assert decode(encode(p)) == p


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.text(alphabet=ALPHABET + "ILOU!", min_size=9, max_size=9),
                 st.text(alphabet=ALPHABET, max_size=8).map(lambda t: COURSE.version + t),
                 st.none(), st.integers(), st.binary(max_size=9)))
def test_random_codes_decode_or_raise_a_value_error(text: Any) -> None:
    try:
        assert len(decode(text).marks) == 24
    except ValueError:
        pass


@pytest.mark.parametrize("text", ["", "x", COURSE.version + "0" * 7, COURSE.version + "0" * 9,
                                  ("0" if COURSE.version != "0" else "1") + "0" * 8,
                                  COURSE.version + "0" * 7 + "z", None, 9])
def test_malformed_codes_are_refused_plainly(text: Any) -> None:
    with pytest.raises(ValueError, match="progress code"):
        decode(text)


def test_marks_past_the_last_checkpoint_are_refused() -> None:
    short = Course(COURSE.pages, COURSE.checkpoints[:4])        # 4 checkpoints: 2 symbols, 2 marks spare
    assert short.decode(short.version + "00") == short.blank()
    assert short.encode(short.blank().mark(3, True)) == short.version + "02"
    with pytest.raises(ValueError, match="marks past the last checkpoint"):
        short.decode(short.version + "03")


def test_progress_refuses_other_marks() -> None:
    with pytest.raises(ValueError, match="expected each 0, 1 or 2"):
        Progress((0, 3))
    with pytest.raises(ValueError, match="expected 24"):
        encode(Progress((0,)))


# ----------------------------------------------------------------------------- the CLI

def _strict(line: str) -> dict[str, Any]:
    def refuse(name: str) -> None:
        raise AssertionError(f"not strict JSON: {name}")
    return json.loads(line, parse_constant=refuse)


def test_lessons_json_lists_every_checkpoint(capsys) -> None:
    assert cli.main(["lessons", "--json"]) == 0
    rows = [_strict(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [c.id for c in COURSE.checkpoints]
    assert {"id", "page", "url", "question", "choices", "expected"} <= set(rows[0])
    assert rows[0]["page"] == "next_letter" and rows[0]["url"] == (
        "next_letter?preset=article&compare=optimizer:sgd,adam")
    assert rows[0]["choices"] == [{"key": "a", "text": "Adam only"}, {"key": "b", "text": "SGD only"},
                                  {"key": "c", "text": "both"}, {"key": "d", "text": "neither"}]
    orders = next(r for r in rows if r["id"] == "memory-orders")
    assert (orders["page"], orders["choices"], orders["expected"]) == ("memory", None, 8.7)
    assert orders["guess"] == {"lo": 0.0, "hi": 12.0, "step": 0.5, "unit": "orders of magnitude",
                               "tolerance": 1.5, "bands": None}


def test_lessons_as_text(capsys) -> None:
    assert cli.main(["lessons"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "Next letter (/next_letter)",
        "  abcde-optimizer: Plain SGD against Adam, both at learning rate 0.01 for 100 epochs: which one "
        "gets all five next letters right?",
        "      a) Adam only   b) SGD only   c) both   d) neither",
        "      expected: a   next_letter?preset=article&compare=optimizer:sgd,adam"]


def test_a_checkpoint_trains_and_reveals_its_answer(capsys) -> None:
    assert cli.main(["checkpoint", "abcde-optimizer", "--seed", "1", "--json"]) == 0
    out = _strict(capsys.readouterr().out.strip())
    assert {k: out[k] for k in ("id", "page", "seed", "answer", "expected", "as_expected", "steps")} == {
        "id": "abcde-optimizer", "page": "next_letter", "seed": 1, "answer": "a", "expected": "a",
        "as_expected": True, "steps": [100, 100]}
    assert out["measured"]["adam_accuracy"] == 1.0 and out["measured"]["sgd_accuracy"] < 1.0
    assert out["explanation"].startswith("Adam's accuracy is 1, SGD's ")


def test_a_checkpoint_revealed_before_training_trains_nothing(capsys) -> None:
    assert cli.main(["checkpoint", "memory-orders", "--json"]) == 0
    out = _strict(capsys.readouterr().out.strip())
    assert (out["steps"], out["seed"], out["as_expected"]) == ([0], 0, True)
    assert out["measured"]["gamma"] == 0.7 and 7.2 <= out["answer"] <= 10.2


def refused(capsys, *argv: str) -> str:
    assert cli.main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    return err.splitlines()[0]


def test_an_unknown_checkpoint_is_refused_in_one_line(capsys) -> None:
    assert refused(capsys, "checkpoint", "sine-nope") == (
        "error: checkpoint: got 'sine-nope', expected an id that python -m rnn_core lessons lists")
    assert refused(capsys, "checkpoint", "sine-clip", "--seed", "-1").startswith("error: --seed: got")
