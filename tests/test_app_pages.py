"""AppTest of every page: it renders, trains, takes knobs live, rebuilds on shape knobs, reads its
settings from the URL, switches preset, steps and resets. (``run_every`` never fires in AppTest, so
every tick here is an explicit ``run()``.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnn_core.experiments import experiment_ids, get_experiment
from ui import knobs
from ui.catalog import PAGES

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 60
READY = [p for p in PAGES if p.exp_id in experiment_ids()]


def open_page(file: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(file)
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]



def knob_value(at: AppTest, key: str):
    for kind in ("slider", "select_slider", "selectbox", "radio", "number_input"):
        for w in getattr(at, kind):
            if w.key == key:
                return w.value
    raise KeyError(key)


def test_home_links_every_page() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_clean(at)
    links = {p.proto.page for p in at.get("page_link")}
    assert links == {p.url_path for p in PAGES}
    assert "RNN Explorer" in at.title[0].value


def run_of(at: AppTest, exp_id: str):
    return at.session_state[f"run:{exp_id}"]


def knobs_reach_the_run(at: AppTest, exp_id: str) -> None:
    """A live knob (lr) is applied to the running model and marked in its history; a shape knob
    (hidden_size) builds a new model."""
    at.select_slider(key="lr").set_value(0.1).run()
    state = run_of(at, exp_id)
    assert state.trainer.cfg.lr == 0.1 and state.snap.step > 1
    at.run()
    assert any(r.event and "lr" in r.event for r in state.trainer.history)
    at.slider(key="hidden_size").set_value(12).run()
    rebuilt = run_of(at, exp_id)
    assert rebuilt is not state and rebuilt.run.model.hidden_size == 12
    assert rebuilt.trainer.model.get_params()["W_hh"].shape == (12, 12)
    assert any("New model" in str(t.value) for t in at.toast)


def preset_sets_every_knob(at: AppTest, exp_id: str) -> None:
    exp = get_experiment(exp_id)
    at.radio(key="preset").set_value("article").run()
    want = knobs.clamp(knobs.knob_values(exp.preset("article")), knobs.limits(exp_id))
    got = {k: knob_value(at, k) for k in knobs.KNOBS if k not in exp.fixed}
    assert got == {k: want[k] for k in got}
    assert run_of(at, exp_id).run.model == exp.preset("article").model


@pytest.mark.parametrize("page", READY, ids=[p.url_path for p in READY])
def test_page_lives(page) -> None:
    exp_id = page.exp_id
    lr = 0.02 if get_experiment(exp_id).preset("default").train.lr != 0.02 else 0.05
    epochs = knobs.limits(exp_id).epochs_max                    # long enough not to finish mid-test
    at = open_page(page.file, hidden_size="37", lr=f"{lr:g}", epochs=str(epochs))
    assert_clean(at)
    state = run_of(at, exp_id)
    assert state.run.model.hidden_size == 37 and state.trainer.cfg.lr == lr      # from the URL
    assert knob_value(at, "hidden_size") == 37 and knob_value(at, "lr") == lr
    assert len(at.get("plotly_chart")) >= 5                                    # 4 live plots + predictions

    at.button(key="step").click().run()                                            # Step: one update
    assert state.snap.step == 1
    at.button(key="train_toggle").click().run()                                    # Train: a tick trains
    assert state.playing and state.snap.step > 1
    assert math.isfinite(state.snap.train_loss)
    at.run()
    assert_clean(at)

    knobs_reach_the_run(at, exp_id)
    preset_sets_every_knob(at, exp_id)
    at.button(key="reset").click().run()                                           # Reset: step 0, paused
    state = run_of(at, exp_id)
    assert state.snap.step == 0 and not state.playing
    assert_clean(at)


def test_pages_keep_their_own_runs() -> None:
    """Same knob keys on two pages: each page shows its own run's values, and a run survives a visit
    to another page."""
    a, b = READY[0], READY[1]
    at = open_page(a.file, hidden_size="37")
    at.button(key="step").click().run()
    first = at.session_state[f"run:{a.exp_id}"]
    at.query_params.clear()                  # a browser drops the query string when it changes page
    at.switch_page(b.file).run()
    assert knob_value(at, "hidden_size") == get_experiment(b.exp_id).preset("default").model.hidden_size
    at.switch_page(a.file).run()
    assert at.session_state[f"run:{a.exp_id}"] is first and first.snap.step == 1
    assert knob_value(at, "hidden_size") == 37
    assert_clean(at)


def test_bad_url_values_are_ignored() -> None:
    page = READY[0]
    at = open_page(page.file, hidden_size="9999", lr="banana", clip_mode="sideways")
    assert_clean(at)
    default = get_experiment(page.exp_id).preset("default")
    state = at.session_state[f"run:{page.exp_id}"]
    assert state.run.model.hidden_size == default.model.hidden_size
    assert state.trainer.cfg.lr == default.train.lr


def test_numpy_backend_offers_only_the_rnn_cell() -> None:
    page = READY[0]
    at = open_page(page.file, backend="numpy", cell="lstm")
    assert_clean(at)
    assert at.selectbox(key="cell").options == ["rnn"]
    assert at.session_state[f"run:{page.exp_id}"].run.model.cell == "rnn"


@pytest.mark.parametrize("exp_id", ["sine", "elman"])
def test_divergence_stops_with_a_plain_message(exp_id) -> None:
    """A run that blows up stops, says why in plain words (no traceback) and keeps its plots; Reset
    recovers."""
    page = next(p for p in READY if p.exp_id == exp_id)
    at = open_page(page.file, lr="1", optimizer="sgd", clip_mode="off", activation="relu", hidden_size="64",
                   epochs=str(knobs.limits(exp_id).epochs_max))
    at.button(key="train_toggle").click().run()
    for _ in range(5):
        state = at.session_state[f"run:{exp_id}"]
        if state.snap.stop_reason:
            break
        at.run()
    assert not at.exception
    assert state.snap.stop_reason and not state.playing
    assert any(state.snap.stop_reason in e.value for e in at.error)
    assert at.button(key="train_toggle").disabled
    assert len(at.get("plotly_chart")) >= 5
    at.button(key="reset").click().run()
    state = at.session_state[f"run:{exp_id}"]
    assert state.snap.step == 0 and state.snap.stop_reason is None
    assert_clean(at)


def uploader(at: AppTest, key: str):
    return next(u for u in at.get("file_uploader") if u.proto.id.endswith(key) or key in u.proto.id)


def test_own_series_trains_and_bad_files_are_refused() -> None:
    at = open_page("pages/sine_wave.py")
    values = "\n".join(f"{0.1 * i * (i % 7):.3f}" for i in range(90))
    uploader(at, "upload").set_value(("mine.csv", f"value\n{values}\n".encode(), "text/csv")).run()
    assert_clean(at)
    state = at.session_state["run:sine"]
    assert state.data is not None and state.data.name == "mine.csv"
    assert len(state.trainer.task.data.series) == 90
    at.button(key="train_toggle").click().run()
    assert state.snap.step > 0 and math.isfinite(state.snap.train_loss)

    bad = open_page("pages/sine_wave.py")
    uploader(bad, "upload").set_value(("bad.csv", b"a,b\nx,y\n", "text/csv")).run()
    assert not bad.exception and bad.error                          # a plain message, no traceback
    assert bad.session_state["run:sine"].data is None               # still the built-in sine


def test_own_names_change_the_vocabulary() -> None:
    at = open_page("pages/dinosaur_names.py")
    names = "\n".join(["ab", "abba", "baab", "bab", "aabb", "abab", "bbaa", "baba", "aab", "bba"] * 3)
    uploader(at, "upload").set_value(("ab.txt", names.encode(), "text/plain")).run()
    assert_clean(at)
    state = at.session_state["run:dinos"]
    assert state.run.model.input_size == 3                         # "\n", "a", "b"
    at.button(key="step").click().run()
    assert state.snap.step == 1
    assert_clean(at)


def test_weights_round_trip() -> None:
    """Weights downloaded from a page load back into a fresh run of the same settings."""
    from rnn_core.export import weights_npz

    at = open_page("pages/elman.py")
    at.button(key="train_toggle").click().run()
    trained = at.session_state["run:elman"].trainer.model.get_params()
    at.button(key="reset").click().run()
    uploader(at, "weights_file").set_value(("w.npz", weights_npz(trained), "application/octet-stream")).run()
    assert_clean(at)
    loaded = at.session_state["run:elman"].trainer.model.get_params()
    assert all((loaded[k] == trained[k]).all() for k in trained)
