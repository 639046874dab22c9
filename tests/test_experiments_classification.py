"""The classification experiments: dinos (character-level names) and abcde (next letter in a cycle)."""

from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn_core import build_model
from rnn_core.experiments import get_experiment
from rnn_core.experiments.dinos import DATA_PATH
from rnn_core.text import DINO_VOCAB, next_char_probs, sample_names
from rnn_core.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
DINOS = get_experiment("dinos")
ABCDE = get_experiment("abcde")

NAMES = "\n".join(["alba", "bertha", "carla", "dora", "emma", "frida", "greta", "hanna", "ida", "jana",
                   "klara", "lena", "mara", "nora", "olga", "paula"] * 3)
PROSE = ("It was the best of times, it was the worst of times, it was the age of wisdom, it was the age "
         "of foolishness, it was the epoch of belief, it was the epoch of incredulity.") * 4


def _train(exp, run, data=None, steps=None):
    trainer = Trainer(exp.make_task(run, data), run)
    return trainer, trainer.run(steps=steps)


# ----------------------------------------------------------------------------- data

def test_shipped_dino_list_is_lower_case_names():
    names = DATA_PATH.read_text(encoding="utf-8").split()
    assert len(names) >= 1000
    assert all(set(n) <= set(string.ascii_lowercase) for n in names)


# ----------------------------------------------------------------------------- presets meet targets

def test_dinos_default_meets_targets():
    run = DINOS.preset("default").replace(seed=0)
    trainer, snap = _train(DINOS, run)
    assert snap.done and snap.step == 1400                  # 35 epochs × 40 batches (1,270 names, 32 a batch)
    assert snap.metrics["val_nats_per_char"] <= 1.75
    assert snap.metrics["train_nats_per_char"] <= 1.69               # every 5th training name
    full = trainer.task.evaluate_full(trainer.model, np.random.default_rng(0)).metrics
    assert full["val_nats_per_char"] == snap.metrics["val_nats_per_char"]   # all 10 % in both
    assert full["train_nats_per_char"] <= 1.69                        # every training name
    assert len(snap.metrics["samples"]) == 7


def test_abcde_presets_predict_all_five():
    for preset, steps in (("default", 60), ("article", 100)):
        _, snap = _train(ABCDE, ABCDE.preset(preset).replace(seed=0))
        assert snap.step == steps
        assert snap.metrics["accuracy"] == 1.0
        p = snap.predictions
        assert p["letters"] == list("abcde")
        assert p["probs"].shape == (5, 5) and np.allclose(p["probs"].sum(axis=1), 1)
        assert list(p["probs"].argmax(axis=1)) == [1, 2, 3, 4, 0]
        assert p["hidden"].shape == (5, ABCDE.preset(preset).model.hidden_size)


def test_dinos_article_preset_runs_with_carried_state():
    run = DINOS.preset("article").replace(seed=0)
    task = DINOS.make_task(run)
    assert task.carry_state and not task.epoch_batches(np.random.default_rng(0), 1)[0].reset
    trainer = Trainer(task, run)
    snap = trainer.run(steps=400)
    assert snap.stop_reason is None and trainer.total_steps == 3810       # 3 epochs × 1,270 names, one a step
    assert 2.0 < snap.metrics["val_nats_per_char"] < np.log(27) + 0.01   # learning, slowly


def test_batched_names_start_from_zero_and_pad_with_minus_one():
    task = DINOS.make_task(DINOS.preset("default"))
    assert not task.carry_state
    b = task.epoch_batches(np.random.default_rng(0), 8)[0]
    assert b.reset and b.x.shape[:2] == b.y.shape and b.x.shape[2] == 27
    assert np.all(b.x[:, 0] == 0)                                   # the zero "start" input
    lengths = (b.y >= 0).sum(axis=1)
    for row, n in zip(b.y, lengths, strict=True):
        assert row[n - 1] == 0 and np.all(row[n:] == -1)            # "\n" ends a name, then padding
    assert np.array_equal(b.x[:, 1:].argmax(axis=2)[b.y[:, 1:] >= 0], b.y[:, :-1][b.y[:, 1:] >= 0])


# ----------------------------------------------------------------------------- sampling

@pytest.fixture(scope="module")
def dino_model():
    run = DINOS.preset("default").replace(seed=1)
    trainer = Trainer(DINOS.make_task(run), run)
    trainer.run(steps=200)
    return trainer.model


def test_sample_names(dino_model):
    names = sample_names(dino_model, np.random.default_rng(3))
    assert len(names) == 7
    assert all(set(n) <= set(string.ascii_lowercase) and len(n) <= 50 for n in names)
    assert names == sample_names(dino_model, np.random.default_rng(3))
    assert names != sample_names(dino_model, np.random.default_rng(4))
    greedy = sample_names(dino_model, np.random.default_rng(5), n=3, greedy=True)
    again = sample_names(dino_model, np.random.default_rng(6), greedy=True)
    assert greedy[0] == greedy[1] == greedy[2] == again[0]
    cold = sample_names(dino_model, np.random.default_rng(7), n=3, temperature=1e-4)
    assert cold == greedy                                           # temperature → 0 is the argmax


def test_sampling_stops_at_max_len():
    model = build_model(DINOS.preset("default").model, seed=0)
    params = model.get_params()
    params["b_y"][:] = 0.0
    params["b_y"][1] = 50.0                                         # always "a", never "\n"
    model.set_params(params)
    assert sample_names(model, np.random.default_rng(0), n=2) == ["a" * 50] * 2
    assert sample_names(model, np.random.default_rng(0), n=1, max_len=5) == ["aaaaa"]


def test_next_char_probs(dino_model):
    p = next_char_probs(dino_model, "tyrannosauru")
    assert p.shape == (27,) and abs(p.sum() - 1) < 1e-6 and np.all(p >= 0)
    assert abs(next_char_probs(dino_model, "").sum() - 1) < 1e-6
    assert np.allclose(next_char_probs(dino_model, "Tyr"), next_char_probs(dino_model, "tyr"))
    with pytest.raises(ValueError, match="does not know"):
        next_char_probs(dino_model, "t-rex")


# ----------------------------------------------------------------------------- user data, other cells

@pytest.mark.parametrize("text", [NAMES, PROSE])
def test_user_corpus_trains(text):
    run = DINOS.fit_run(DINOS.preset("default"), text).replace(seed=0, batch_size=4)
    task = DINOS.make_task(run, text)
    assert run.model.input_size == task.vocab_size == DINOS.vocab_for(text).size < 27
    _, snap = _train(DINOS, run, text, steps=5)
    assert snap.stop_reason is None and np.isfinite(snap.metrics["val_nats_per_char"])
    assert all(set(s) <= set(task.vocab.chars) for s in snap.metrics["samples"])
    with pytest.raises(ValueError, match="fit_run"):
        DINOS.make_task(DINOS.preset("default"), text)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_torch_cells_with_batch_size_one(cell):
    run = DINOS.fit_run(DINOS.preset("default"), NAMES)
    run = run.replace(backend="torch", cell=cell, batch_size=1, seed=0)
    trainer, snap = _train(DINOS, run, NAMES, steps=5)
    assert snap.stop_reason is None and len(snap.metrics["samples"]) == 7
    assert trainer.task.carry_state                                  # one name a step: state carried
    assert next_char_probs(trainer.model, "ab", DINOS.vocab_for(NAMES)).shape == (run.model.input_size,)
    run = ABCDE.preset("default").replace(backend="torch", cell=cell, batch_size=1, seed=0)
    _, snap = _train(ABCDE, run, steps=10)
    assert snap.predictions["hidden"].shape == (5, 8)


def test_vocab_round_trip():
    assert DINO_VOCAB.size == 27 and DINO_VOCAB.chars[0] == "\n"
    assert DINO_VOCAB.decode(DINO_VOCAB.encode("rex\n")) == "rex\n"


def test_cli_json_reports_seven_samples():
    out = subprocess.run([sys.executable, "-m", "rnn_core", "train", "dinos", "--json", "--set", "epochs=2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["steps"] == 80                            # 2 epochs × 40 batches of 32 of the 1,270 names
    samples = result["metrics"]["samples"]
    assert len(samples) == 7 and all(isinstance(s, str) for s in samples)
    assert {"train_nats_per_char", "val_nats_per_char"} <= set(result["metrics"])
