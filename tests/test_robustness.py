"""Nothing a person does crashes the app (no traceback reaches a person), driven through AppTest on
every page:

- extreme knobs (hidden size at its maximum, lr at both ends, clip 0 in each mode, truncation as long
  as the sequence and full, epochs and batch size at their limits, torch with lstm and gru) train or
  stop with the plain divergence message;
- a run that diverges stops with a plain message and a hint, keeps its plots, and Reset recovers;
- bad uploads (empty, binary, 6 MB, wrong columns, too many characters, pickled or misshapen .npz)
  show a message and leave the current run exactly as it was; good ones work;
- two sessions never see each other's runs; odd inputs (prefix, temperature, URL values) and switches
  mid-run (data, backend, page) never show a traceback.

``run_every`` never fires in AppTest: every tick is an explicit ``run()``.
"""

from __future__ import annotations

import io
import math
import re
import zipfile

import numpy as np
import pytest
from apptest import charts, open_page, page_runs, run_of, switch, uploader
from streamlit.testing.v1 import AppTest

from rnn_core import schema
from rnn_core.corpus import Corpus
from rnn_core.experiments import experiment_ids, get_experiment
from rnn_core.export import weights_npz
from rnn_core.trainer import Trainer
from ui.limits import limits

HINT = ("Lower the learning rate", "gradient clipping")
HIDDEN_MAX = schema.KNOB["hidden_size"].widget_hi
STATUS = re.compile(r"step \*\*([\d,]+)\*\* / ([\d,]+) · epoch ([\d.]+) / [\d,]+ · loss (\S+)")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
SIX_MB = b"1\n" * (3 * 2**20)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")     # numpy overflow: diverging on purpose


def ticks(at: AppTest, exp_id: str, n: int = 1):
    """n fragment ticks (a full run each: AppTest cannot fire the timer); the run after them."""
    for _ in range(n):
        at.run()
        if run_of(at, exp_id).snap.done:
            break
    return run_of(at, exp_id)


def assert_sane(at: AppTest, exp_id: str) -> None:
    """No traceback, no failed plot, the status line in range, and a finite loss unless the run
    stopped with the plain divergence message (then that message is the only error shown)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]          # a plot or panel that failed
    state = run_of(at, exp_id)
    snap = state.snap
    if snap.stop is not None:
        (message,) = [e.value for e in at.error]
        assert str(snap.stop) in message and all(h in message for h in HINT), message
    else:
        assert not at.error, [e.value for e in at.error]
        assert snap.step == 0 or math.isfinite(snap.train_loss)
    text = next(p.proto.text for p in at.get("progress"))
    m = STATUS.search(text)
    assert m, text
    step, total, epoch, loss = m.groups()
    assert int(step.replace(",", "")) == snap.step <= int(total.replace(",", ""))
    assert 0 <= float(epoch) <= snap.epochs
    assert loss != "nan", text
    assert len(charts(at)) >= 5


def params_of(at: AppTest, exp_id: str) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in run_of(at, exp_id).snap.params.items()}


def same_params(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# ----------------------------------------------------------------------------- extreme knobs

@pytest.mark.parametrize("exp_id", experiment_ids())
def test_extreme_knobs_train_or_stop_plainly(exp_id: str) -> None:
    lim = limits(exp_id)
    lo, hi = lim.grids["lr"][0], lim.grids["lr"][-1]
    at = open_page(exp_id, hidden_size=str(HIDDEN_MAX), lr=f"{lo:g}", clip_mode="value",
                   clip="0.1", bptt_truncate=str(lim.seq_len), epochs=str(lim.epochs), batch_size="1")
    run = run_of(at, exp_id).run                                     # every extreme came in by the URL
    assert run.model.hidden_size == HIDDEN_MAX and run.train.lr == lo and run.train.clip == 0.1
    assert run.train.bptt_truncate == lim.seq_len and run.train.epochs == lim.epochs
    assert run.train.batch_size == 1
    assert at.slider(key="hidden_size").max == HIDDEN_MAX          # and the widgets stop there
    assert at.slider(key="clip").min == 0.1                        # 0 would erase every gradient
    assert at.select_slider(key="bptt_truncate").options[-2:] == [str(lim.seq_len), "full"]
    at.button(key="train_toggle").click().run()
    assert run_of(at, exp_id).snap.step > 0
    assert_sane(at, exp_id)

    at.select_slider(key="lr").set_value(hi)                           # the other ends, mid-run
    at.radio(key="clip_mode").set_value("norm")
    at.select_slider(key="bptt_truncate").set_value("full")
    at.slider(key="batch_size").set_value(lim.hi(schema.KNOB["batch_size"])).run()
    state = ticks(at, exp_id, 2)
    assert state.run.train.lr == hi and state.run.train.batch_size == lim.hi(schema.KNOB["batch_size"])
    assert_sane(at, exp_id)
    at.radio(key="clip_mode").set_value("off").run()
    assert_sane(at, exp_id)

    at.button(key="reset").click().run()                               # torch: lstm, then gru mid-run
    at.slider(key="hidden_size").set_value(8)
    at.radio(key="backend").set_value("torch").run()
    at.selectbox(key="cell").set_value("lstm")
    at.button(key="train_toggle").click().run()
    state = run_of(at, exp_id)
    assert state.run.model.cell == "lstm" and page_runs(at, exp_id).playing and state.snap.step > 0
    assert_sane(at, exp_id)
    at.selectbox(key="cell").set_value("gru").run()
    state = ticks(at, exp_id)
    assert state.run.model.cell == "gru" and state.snap.step > 0
    assert_sane(at, exp_id)


# ----------------------------------------------------------------------------- divergence

DIVERGE = {                   # settings that blow up within a tick or two (numpy, no clipping, sgd at lr 1)
    "sine": {"activation": "relu", "hidden_size": "64"},
    "elman": {"activation": "relu", "hidden_size": "64"},
    "xsinx": {"activation": "relu", "hidden_size": "64"},
    "memory": {"activation": "relu", "w_hh_scale": "1.5", "hidden_size": "64"},   # h grows 1.5× a step
    "dinos": {"activation": "relu", "init": "uniform01", "hidden_size": "256", "dtype": "float32",
              "batch_size": "1"},
}


def blow_up(exp_id: str) -> AppTest:
    """A page whose run has diverged. abcde (one time step, cross-entropy) does not diverge from any
    setting: there, weights of 3e38 are uploaded, whose first update overflows."""
    lim = limits(exp_id)
    q = {"lr": "1", "optimizer": "sgd", "clip_mode": "off", "epochs": str(lim.epochs)}
    at = open_page(exp_id, **q, **DIVERGE.get(exp_id, {}))
    if exp_id == "abcde":
        huge = {k: np.full_like(v, 3e38) for k, v in params_of(at, exp_id).items()}
        uploader(at, "weights_file").set_value(("huge.npz", weights_npz(huge), "application/zip")).run()
    at.button(key="train_toggle").click().run()
    ticks(at, exp_id, 4)
    return at


@pytest.mark.parametrize("exp_id", experiment_ids())
def test_divergence_stops_keeps_plots_and_reset_recovers(exp_id: str) -> None:
    at = blow_up(exp_id)
    state = run_of(at, exp_id)
    assert state.snap.stop is not None and not page_runs(at, exp_id).playing
    assert at.error[0].value.startswith("Training diverged: ")
    assert_sane(at, exp_id)                                            # message + hint, plots kept
    assert at.button(key="train_toggle").label == "Continue"          # after a change of settings
    step = state.snap.step
    ticks(at, exp_id, 2)
    assert state.snap.step == step                                     # no further steps

    at.select_slider(key="lr").set_value(0.001)                        # follow the hint (and undo relu /
    at.radio(key="clip_mode").set_value("norm")                        # U(0, 1), which blow up dinos at
    at.selectbox(key="activation").set_value("tanh")                   # any lr), then Reset
    at.selectbox(key="init").set_value("default").run()
    at.button(key="reset").click().run()
    state = run_of(at, exp_id)
    assert state.snap.step == 0 and state.snap.stop is None and not at.error
    at.button(key="train_toggle").click().run()                        # (abcde: not the uploaded weights)
    state = ticks(at, exp_id)
    assert state.snap.step > 0 and state.snap.stop is None
    assert_sane(at, exp_id)


def test_an_error_while_training_stops_the_run_plainly() -> None:
    """dinos, relu, U(0, 1) init, adam at lr 1: the weights stay finite but sampling 50 characters
    overflows the hidden state, so evaluating the model raises. Train and Step both stop with a plain
    message and keep the last good plots."""
    q = {"activation": "relu", "optimizer": "adam", "lr": "1", "clip_mode": "off", "init": "uniform01",
         "hidden_size": "64", "batch_size": "1", "epochs": "500"}
    for button in ("train_toggle", "step"):
        at = open_page("dinos", **q)
        at.button(key=button).click().run()
        for _ in range(10):
            if run_of(at, "dinos").snap.stop is not None:
                break
            if button == "step":
                at.button(key=button).click()
            at.run()
        state = run_of(at, "dinos")
        assert state.snap.stop is not None and state.snap.done and not page_runs(at, "dinos").playing
        assert_sane(at, "dinos")


# ----------------------------------------------------------------------------- uploads

def refused(at: AppTest, exp_id: str, key: str, name: str, raw: bytes, says: str) -> None:
    """Upload a bad file: its message is shown and the run is exactly as it was."""
    state = run_of(at, exp_id)
    step, before = state.snap.step, params_of(at, exp_id)
    uploader(at, key).set_value((name, raw, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(says in e.value for e in at.error), (name, [e.value for e in at.error])
    assert run_of(at, exp_id) is state and state.snap.step == step
    assert same_params(params_of(at, exp_id), before)


def test_bad_series_uploads_keep_the_run_and_a_good_one_takes_over() -> None:
    at = open_page("sine")
    at.button(key="train_toggle").click().run()
    at.button(key="train_toggle").click().run()                        # paused: nothing may move
    assert run_of(at, "sine").snap.step > 0 and not page_runs(at, "sine").playing
    for name, raw, says in [
            ("empty.csv", b"", "empty"), ("image.csv", PNG, "binary"), ("big.csv", SIX_MB, "MB"),
            ("words.csv", b"name,colour\nrex,green\n" * 30, "no column made only of numbers"),
            ("oneline.csv", b"7" * 200_000, "could not be read"),              # past csv's field limit
            ("short.csv", b"1\n2\n3\n", "at least 20")]:
        refused(at, "sine", "upload", name, raw, says)
        assert run_of(at, "sine").data is None
    at.button(key="train_toggle").click().run()
    values = "\n".join(f"{np.sin(0.3 * i) + 0.01 * i:.4f}" for i in range(120))
    uploader(at, "upload").set_value(("mine.csv", f"level\n{values}\n".encode(), "text/csv")).run()
    state = ticks(at, "sine")                            # the run was live: the new one trains on at once
    assert state.data.name == "mine.csv" and len(state.snap.predictions["series"]) == 120
    assert page_runs(at, "sine").playing and state.snap.step > 0
    assert_sane(at, "sine")


def test_bad_text_uploads_keep_the_run_and_small_data_fits_the_knobs() -> None:
    at = open_page("dinos", batch_size="64", bptt_truncate="20")
    at.button(key="step").click().run()
    alphabet = "".join(chr(0x4E00 + i) + ("\n" if i % 5 == 4 else "") for i in range(300))
    for name, raw, says in [
            ("empty.txt", b"", "empty"), ("image.txt", PNG, "binary"), ("big.txt", SIX_MB, "MB"),
            ("hanzi.txt", alphabet.encode(), "different characters"), ("tiny.txt", b"ab\ncd\n", "at least")]:
        refused(at, "dinos", "upload", name, raw, says)
    names = "\n".join(["ab", "abba", "baab", "bab", "aabb", "abab", "bbaa", "baba", "aab", "bba"] * 3)
    uploader(at, "upload").set_value(("ab.txt", names.encode(), "text/plain")).run()
    assert run_of(at, "dinos").run.model.input_size == 3                 # "\n", "a", "b"
    assert_sane(at, "dinos")
    uploader(at, "upload").set_value(("prose.txt", b"x" * 60, "text/plain")).run()   # 2 sequences of <= 48
    state = run_of(at, "dinos")
    assert state.data.name == "prose.txt"
    assert state.run.train.batch_size <= 2 and state.run.train.bptt_truncate is None   # moved into range
    at.button(key="step").click().run()
    assert state.snap.step == 1
    assert_sane(at, "dinos")


def npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_bad_weights_keep_the_run_and_good_ones_continue_at_the_same_loss() -> None:
    at = open_page("sine")
    at.button(key="train_toggle").click().run()
    state = ticks(at, "sine")
    at.button(key="train_toggle").click().run()                        # paused: nothing may move
    trained, loss = params_of(at, "sine"), state.snap.val_loss
    other = get_experiment("sine").preset("default").replace(hidden_size=12)
    wrong_shape = dict(Trainer(get_experiment("sine").make_task(other), other).snapshot().params)
    raw_zip = io.BytesIO()
    with zipfile.ZipFile(raw_zip, "w") as z:                   # right names, but not .npy arrays inside
        for k in trained:
            z.writestr(k, b"not an array")
    for name, raw, says in [
            ("empty.npz", b"", "empty"), ("image.npz", PNG, "not a .npz"), ("big.npz", b"PK" + SIX_MB, "MB"),
            ("objects.npz", npz(**{k: np.array([{"x": 1}, None], dtype=object) for k in trained}), "pickled"),
            ("hidden12.npz", npz(**wrong_shape), "shape"),
            ("raw.npz", raw_zip.getvalue(), "not a .npy array"),
            ("nan.npz", npz(**{k: np.full_like(v, np.nan) for k, v in trained.items()}), "NaN")]:
        refused(at, "sine", "weights_file", name, raw, says)
    at.button(key="reset").click().run()
    assert run_of(at, "sine").snap.step == 0 and not same_params(params_of(at, "sine"), trained)
    uploader(at, "weights_file").set_value(("good.npz", weights_npz(trained), "application/zip")).run()
    state = run_of(at, "sine")
    assert same_params(params_of(at, "sine"), trained)
    assert state.snap.val_loss == pytest.approx(loss, rel=1e-6)           # the same model, the same loss
    assert any("Loaded good.npz" in s.value for s in at.success)
    at.button(key="step").click().run()
    assert state.snap.step == 1 and state.snap.train_loss < 2 * loss + 0.1
    at.button(key="reset").click().run()                                  # Reset: new weights, not the file's
    assert not same_params(params_of(at, "sine"), trained)
    assert not at.exception and not at.error


# ----------------------------------------------------------------------------- sessions, inputs, switches

def test_two_sessions_never_share_a_run() -> None:
    a, b = open_page("sine"), open_page("sine")
    a.button(key="train_toggle").click().run()
    a.slider(key="hidden_size").set_value(40).run()
    a.run()
    run_a, run_b = run_of(a, "sine"), run_of(b, "sine")
    assert run_a.snap.step > 0 and run_a.run.model.hidden_size == 40
    b.run()
    assert run_of(b, "sine") is run_b and run_b.snap.step == 0 and not page_runs(b, "sine").playing
    assert b.slider(key="hidden_size").value == get_experiment("sine").preset("default").model.hidden_size
    assert run_b.trainer is not run_a.trainer
    b.button(key="step").click().run()
    assert run_b.snap.step == 1 and run_of(a, "sine").run.model.hidden_size == 40
    assert_sane(a, "sine")
    assert_sane(b, "sine")


def test_odd_inputs_on_the_dinosaur_page() -> None:
    at = open_page("dinos", prefix="ΩΩ" * 500 + "rex", temperature="0", greedy="maybe")
    assert_sane(at, "dinos")
    for prefix in ("ÄÖ🦖 zz ab", "", "\t", "Tyranno-saurus!"):
        at.text_input(key="prefix").set_value(prefix).run()
        assert_sane(at, "dinos")
    for t in (0.1, 2.0):
        at.slider(key="temperature").set_value(t).run()
        at.button(key="resample").click().run()
        assert_sane(at, "dinos")
    at.checkbox(key="greedy").check().run()
    assert_sane(at, "dinos")
    assert any("Sampled at step" in m.value for m in at.markdown)


def test_odd_url_values_on_the_letter_page() -> None:
    at = open_page("abcde", letter="zz", bptt_truncate="3", batch_size="0", seed="-4")
    assert_sane(at, "abcde")
    at.button(key="step").click().run()
    assert_sane(at, "abcde")


def test_bptt_truncate_none_in_a_link_means_full() -> None:
    """Found by tests/test_urls.py: ?bptt_truncate=none (the schema's word for "no truncation") raised a
    TypeError on the sine page."""
    at = open_page("sine", bptt_truncate="none")
    assert_sane(at, "sine")
    assert run_of(at, "sine").run.train.bptt_truncate is None


def test_switching_backend_and_page_mid_run() -> None:
    at = open_page("elman")
    at.button(key="train_toggle").click().run()
    at.radio(key="backend").set_value("torch").run()                   # a new model, still playing
    state = ticks(at, "elman")
    assert state.run.model.backend == "torch" and page_runs(at, "elman").playing and state.snap.step > 0
    assert_sane(at, "elman")
    switch(at, "xsinx")                                                # leave mid-training
    at.button(key="train_toggle").click().run()
    assert_sane(at, "xsinx")
    switch(at, "elman")                                                # back: the same run, paused
    assert run_of(at, "elman") is state and not page_runs(at, "elman").playing
    assert at.radio(key="backend").value == "torch"
    assert_sane(at, "elman")


# ----------------------------------------------------------------------------- the fuzzing issue's cases

def test_a_refused_file_after_a_good_one_keeps_the_data_the_run_and_the_message() -> None:
    at = open_page("sine")
    values = "\n".join(f"{np.sin(0.3 * i):.4f}" for i in range(120))
    uploader(at, "upload").set_value(("good.csv", f"value\n{values}\n".encode(), "text/csv")).run()
    at.button(key="step").click().run()
    state = run_of(at, "sine")
    assert state.data.name == "good.csv" and state.snap.step == 1
    uploader(at, "upload").set_value(("bad.csv", PNG, "text/csv")).run()
    for _ in range(2):                                               # and on the runs that follow
        assert run_of(at, "sine") is state and state.data.name == "good.csv" and state.snap.step == 1
        (message,) = [e.value for e in at.error]
        assert "binary" in message and message.endswith("Still training on good.csv.")
        assert not [t.value for t in at.toast if "New model" in str(t.value)]
        at.run()


def test_a_csv_trains_on_the_column_named_like_values_and_the_person_can_choose() -> None:
    at = open_page("sine")
    rows = "\n".join(f"{i % 12 + 1},{10 + 8 * np.sin(0.5 * i):.3f}" for i in range(120))
    weather = f"month,temperature\n{rows}\n".encode()
    uploader(at, "upload").set_value(("weather.csv", weather, "text/csv")).run()
    state = run_of(at, "sine")
    assert state.data.column == "temperature" and max(state.snap.predictions["series"]) > 12
    assert any("Training on column 'temperature'" in c.value and "Read as utf-8." in c.value
               for c in at.caption)
    at.selectbox(key="series_column").set_value("month").run()
    state = run_of(at, "sine")
    assert state.data.column == "month" and max(state.snap.predictions["series"]) == 12
    huge = "\n".join(f"{v}" for v in [1e308, -1e308] * 30)
    uploader(at, "upload").set_value(("huge.csv", f"x\n{huge}\n".encode(), "text/csv")).run()
    assert any("too large" in e.value for e in at.error) and run_of(at, "sine").data.column == "month"


def test_the_encoding_of_a_text_is_detected_and_said() -> None:
    at = open_page("dinos")
    names = "\n".join(["rex", "ana", "bea", "cléo", "dora", "émile", "fanny", "gaël", "hélène", "iñes"] * 4)
    uploader(at, "upload").set_value(("names.txt", names.encode("cp1252"), "text/plain")).run()
    assert any("Read as windows-1252." in c.value for c in at.caption)
    assert "é" in run_of(at, "dinos").view.vocab.chars


def test_a_session_keeps_its_text_prepared_and_says_how_it_is_used() -> None:
    """The upload is turned into the experiment's prepared data once; the session keeps that, not the text."""
    at = open_page("dinos")
    names = "\n".join(["rex", "ana", "bea", "cleo", "dora", "emile", "fanny", "gael", "helene", "ines"] * 4)
    uploader(at, "upload").set_value(("names.txt", names.encode(), "text/plain")).run()
    data = run_of(at, "dinos").data.data
    assert isinstance(data, Corpus) and data.kept == data.total == 40
    assert data.vocab.chars == ("\n", *"abcdefghilmnorsxy")
    assert run_of(at, "dinos").run.model.input_size == 18
    assert any(c.value == "Training on **names.txt**. Read as utf-8." for c in at.caption)
    assert_sane(at, "dinos")


def test_memory_returns_after_five_sessions_upload_a_large_text_and_leave() -> None:
    """The fuzzing issue's 4.9 MB text of one-letter lines: read in well under the minute it took,
    and the memory it used is given back when the sessions go (each kept its own prepared corpus)."""
    import time

    from rnn_core import memory

    def rss_mb() -> float:
        memory.release()
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

    big = ("a\n" * 2_450_000).encode()
    open_page("dinos")
    idle = rss_mb()
    for _ in range(5):
        t0 = time.perf_counter()
        at = open_page("dinos")
        uploader(at, "upload").set_value(("big.txt", big, "text/plain")).run()
        assert time.perf_counter() - t0 < 20, "reading the upload took far too long"
        assert run_of(at, "dinos").data.name == "big.txt" and not at.exception
        assert any("100,000 of them, spread evenly" in c.value for c in at.caption)
        del at
    after = rss_mb()
    assert after <= 1.2 * idle + 20, f"idle {idle:.0f} MB, after five sessions {after:.0f} MB"


def test_memory_of_sessions_that_uploaded_comes_back_once_they_are_gone(monkeypatch) -> None:
    """The independent memory test's case, without a browser: sessions upload a 4.9 MB names file,
    train, and go. Streamlit drops a closed session some time later, and then only the cyclic garbage
    collector frees it (a session is a web of references), which may not run for a long time in a
    quiet server; nobody calls memory.release. The memory must come back all the same (the janitor:
    its period shortened here from 30 s)."""
    import random
    import time

    from rnn_core import memory
    from ui import uploads

    def rss_mb() -> float:                                   # no collection, no trim: what the OS sees
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

    monkeypatch.setattr(memory, "JANITOR_SECONDS", 0.2, raising=False)
    rng = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    big = "\n".join("".join(rng.choices(letters, k=rng.randint(3, 12))) for _ in range(650_000))
    big = big.encode()[:4_900_000]
    dinos = get_experiment("dinos")
    memory.release()
    idle = rss_mb()
    for k in range(3):
        session: dict = {"data": uploads.read("dinos", "text", big, "big.txt", f"file-{k}")}
        session["self"] = session                            # a cycle, as Streamlit's sessions are
        run = dinos.fit_run(dinos.preset(), session["data"].data)
        session["trainer"] = Trainer(dinos.make_task(run, session["data"].data), run)
        session["trainer"].run(steps=3)
        del session
    deadline = time.monotonic() + 15
    while rss_mb() > idle + 20 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert rss_mb() <= idle + 20, f"idle {idle:.0f} MB, 15 s after three sessions went {rss_mb():.0f} MB"
