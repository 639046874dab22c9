"""AppTest of every page: it renders, trains, takes knobs live, rebuilds on shape knobs, reads its
settings from the URL, switches preset, steps, resets, continues a finished run and restores the
preset's values. (``run_every`` never fires in AppTest, so every tick here is an explicit ``run()``.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from apptest import APP, TIMEOUT, charts, knob_value, open_page, page_runs, run_of, switch, uploader
from streamlit.testing.v1 import AppTest

from rnn_core.experiments import experiment_ids, experiments, get_experiment
from ui.limits import limits
from ui.nav import page_file

IDS = experiment_ids()
APP_ROOT = Path(APP).parent
ARTICLE = {   # the article presets' knobs, as the sidebar must show them (stated, not computed)
    "sine": {"hidden_size": 100, "activation": "sigmoid", "init": "uniform01", "optimizer": "sgd",
             "lr": 5e-5, "clip_mode": "value", "clip": 10.0, "bptt_truncate": 5, "batch_size": 1,
             "epochs": 25},
    "elman": {"hidden_size": 6, "init": "normal", "optimizer": "sgd", "lr": 0.05, "clip_mode": "off",
              "bptt_truncate": 1, "batch_size": 1, "epochs": 300},
    "dinos": {"hidden_size": 50, "init": "normal", "optimizer": "sgd", "lr": 0.13, "clip_mode": "value",
              "clip": 0.4, "bptt_truncate": "full", "batch_size": 1, "epochs": 3},
    "abcde": {"hidden_size": 3, "optimizer": "adam", "lr": 0.01, "clip_mode": "off", "epochs": 100},
    "xsinx": {"hidden_size": 20, "init": "normal", "optimizer": "sgd", "lr": 0.138, "clip_mode": "off",
              "bptt_truncate": "full", "batch_size": 1, "epochs": 300},
    "memory": {"lag": 5, "epochs": 40, "hidden_size": 64, "optimizer": "adam", "lr": 0.005, "clip": 1.0},
}


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]


def test_home_links_every_page() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_clean(at)
    links = {p.proto.page for p in at.get("page_link")}
    assert links == {e.url_path for e in experiments()}
    assert "RNN Explorer" in at.title[0].value


def test_every_experiment_has_its_page_file() -> None:
    for e in experiments():
        assert page_file(e).read_text().strip().endswith(f'experiment_page("{e.id}")'), e.id


def knobs_reach_the_run(at: AppTest, exp_id: str) -> None:
    """A live knob (lr) is applied to the running model and marked in its history; a shape knob
    (hidden_size) builds a new model; both say so in words."""
    at.select_slider(key="lr").set_value(0.1).run()
    state = run_of(at, exp_id)
    assert state.run.train.lr == 0.1 and state.snap.step > 1
    assert any(str(t.value).startswith("Learning rate ") and "→ 0.1: applied to the running model"
               in str(t.value) for t in at.toast), [t.value for t in at.toast]
    at.run()
    assert any(c.name == "lr" for r in state.snap.history for c in r.changes)
    at.slider(key="hidden_size").set_value(12).run()
    rebuilt = run_of(at, exp_id)
    assert rebuilt is not state and rebuilt.run.model.hidden_size == 12
    assert rebuilt.snap.params["W_hh"].shape[0] == 12
    assert any(str(t.value).startswith("New model (hidden size changed)") for t in at.toast)


def preset_sets_every_knob(at: AppTest, exp_id: str) -> None:
    exp = get_experiment(exp_id)
    other = exp.presets[-1]                                     # "article", or memory's "short"
    at.radio(key="preset").set_value(other).run()
    want = ARTICLE[exp_id]
    assert {k: knob_value(at, k) for k in want} == want
    assert run_of(at, exp_id).run.model == exp.preset(other).model


SHARED = ("grad-heatmap", "grad-norm", "hidden", "loss")
CHARTS = {"sine": (*SHARED, "pred", "spectrum"), "elman": (*SHARED, "pred", "spectrum"),
          "dinos": (*SHARED, "prefix", "probe", "spectrum"),
          "abcde": (*SHARED, "probs", "spectrum", "trajectory"), "xsinx": (*SHARED, "pred", "spectrum"),
          "memory": ("grad-heatmap", "grad-norm", "hidden", "lag", "loss", "spectrum")}


@pytest.mark.parametrize("exp_id", IDS)
def test_page_lives(exp_id) -> None:
    lr = 0.02 if get_experiment(exp_id).preset("default").train.lr != 0.02 else 0.05
    epochs = limits(exp_id).epochs                    # long enough not to finish mid-test
    at = open_page(exp_id, hidden_size="37", lr=f"{lr:g}", epochs=str(epochs))
    assert_clean(at)
    state = run_of(at, exp_id)
    assert state.run.model.hidden_size == 37 and state.run.train.lr == lr      # from the URL
    assert knob_value(at, "hidden_size") == 37 and knob_value(at, "lr") == lr
    shown = charts(at)
    assert sorted(shown) == [f"{exp_id}-{name}" for name in CHARTS[exp_id]]

    at.button(key="step").click().run()                                            # Step: one update
    assert state.snap.step == 1
    at.button(key="train_toggle").click().run()                                    # Train: a tick trains
    assert page_runs(at, exp_id).playing and state.snap.step > 1
    assert math.isfinite(state.snap.train_loss)
    at.run()
    assert_clean(at)

    knobs_reach_the_run(at, exp_id)
    preset_sets_every_knob(at, exp_id)
    at.button(key="reset").click().run()                                           # Reset: step 0, paused
    assert run_of(at, exp_id).snap.step == 0 and not page_runs(at, exp_id).playing
    assert_clean(at)


def test_train_on_a_finished_run_continues_it() -> None:
    at = open_page("abcde", epochs="4")                         # one batch an epoch: 4 steps a block
    at.button(key="train_toggle").click().run()
    for _ in range(5):
        at.run()
    state, page = run_of(at, "abcde"), page_runs(at, "abcde")
    assert state.snap.done and state.snap.step == 4 and not page.playing
    assert at.button(key="train_toggle").label == "Continue" and not at.button(key="train_toggle").disabled
    assert any("Run complete: 4 steps" in s.value and "Continue for another 4 epochs" in s.value
               for s in at.success)
    at.button(key="train_toggle").click().run()
    assert any("Continuing for another 4 epochs." in i.value for i in at.info)
    for _ in range(5):
        at.run()
    assert state.snap.step == 8 and state.snap.epochs == 8 and state.snap.done
    assert "step **8** / 8 · epoch 8.00 / 8" in at.get("progress")[0].proto.text
    at.slider(key="epochs").set_value(6).run()                  # a knob after the end: said plainly
    assert any("Epochs 4 → 6: press Continue to go on with it." == t.value for t in at.toast)


def test_defaults_restores_the_presets_values_and_keeps_the_page_state() -> None:
    at = open_page("sine", hidden_size="40", lr="0.1", clip_mode="off")
    assert run_of(at, "sine").run.model.hidden_size == 40
    at.button(key="defaults").click().run()
    default = get_experiment("sine").preset("default")
    run = run_of(at, "sine").run
    assert (run.model.hidden_size, run.train.lr, run.train.clip_mode) == (32, 0.003, "norm")
    assert run.model == default.model and run.train == default.train
    assert knob_value(at, "hidden_size") == 32 and knob_value(at, "preset") == "default"
    assert_clean(at)


def test_pages_keep_their_own_runs() -> None:
    """Same knob keys on two pages: each page shows its own run's values, and a run survives a visit
    to another page."""
    a, b = IDS[0], IDS[1]
    at = open_page(a, hidden_size="37")
    at.button(key="step").click().run()
    first = page_runs(at, a)
    switch(at, b)
    assert knob_value(at, "hidden_size") == get_experiment(b).preset("default").model.hidden_size
    switch(at, a)
    assert page_runs(at, a) is first and first.first.snap.step == 1
    assert knob_value(at, "hidden_size") == 37
    assert_clean(at)


def test_bad_url_values_are_dropped_with_a_notice() -> None:
    at = open_page(IDS[0], hidden_size="9999", lr="banana", clip_mode="sideways", seed="inf",
                   batch_size="300")
    assert_clean(at)
    default = get_experiment(IDS[0]).preset("default")
    state = run_of(at, IDS[0])
    assert state.run.model.hidden_size == default.model.hidden_size
    assert state.run.train.lr == default.train.lr and state.run.train.seed == default.train.seed
    notices = [str(t.value) for t in at.toast]
    assert "Ignored hidden_size='9999' from the link: expected an integer >= 1 and <= 4096." in notices
    assert "Ignored batch_size='300' from the link: this page offers 1 … 100." in notices   # 100 windows
    assert "Ignored seed='inf' from the link: expected an integer >= 0 and <= 2147483647." in notices
    assert any(n.startswith("Ignored lr='banana'") for n in notices)
    assert not {"hidden_size", "lr", "clip_mode", "seed", "batch_size"} & set(at.query_params)


def test_a_link_that_contradicts_itself_keeps_the_cell_and_says_so() -> None:
    at = open_page(IDS[0], backend="numpy", cell="lstm")
    assert_clean(at)
    assert (run_of(at, IDS[0]).run.model.cell, run_of(at, IDS[0]).run.model.backend) == ("lstm", "torch")
    notices = [str(t.value) for t in at.toast]
    assert "Ignored backend='numpy' from the link: cell lstm needs backend torch." in notices


@pytest.mark.parametrize("exp_id", ["sine", "elman"])
def test_divergence_stops_with_a_plain_message_and_train_goes_on(exp_id) -> None:
    """A run that blows up stops, says why in plain words (no traceback) and keeps its plots; after a
    smaller learning rate, Train goes on from the last good step; Reset starts over."""
    at = open_page(exp_id, lr="1", optimizer="sgd", clip_mode="off", activation="relu", hidden_size="64",
                   epochs=str(limits(exp_id).epochs))
    at.button(key="train_toggle").click().run()
    for _ in range(5):
        state = run_of(at, exp_id)
        if state.snap.stop is not None:
            break
        at.run()
    assert not at.exception
    assert state.snap.stop is not None and not page_runs(at, exp_id).playing
    (message,) = [e.value for e in at.error]
    assert message.startswith("Training diverged: ") and "Lower the learning rate" in message
    assert "stopped" in at.get("progress")[0].proto.text
    assert sorted(charts(at)) == [f"{exp_id}-{name}" for name in CHARTS[exp_id]]
    step = state.snap.step
    at.select_slider(key="lr").set_value(0.001).run()
    at.button(key="train_toggle").click().run()      # the same run goes on with the weights of step 1 (the
    assert run_of(at, exp_id) is state               # first tick makes one step), at the lower rate
    assert [i.value for i in at.info] == ["Resuming with the weights of step 1, the last point drawn before "
                                          "the stop, and the settings now in force."]
    at.run()
    assert state.snap.stop is None and state.snap.step > step and not at.error   # and it trains
    at.button(key="reset").click().run()
    state = run_of(at, exp_id)
    assert state.snap.step == 0 and state.snap.stop is None
    assert_clean(at)


def test_own_series_trains_and_bad_files_are_refused() -> None:
    at = open_page("sine")
    values = "\n".join(f"{0.1 * i * (i % 7):.3f}" for i in range(90))
    uploader(at, "upload").set_value(("mine.csv", f"value\n{values}\n".encode(), "text/csv")).run()
    assert_clean(at)
    state = run_of(at, "sine")
    assert state.data is not None and state.data.name == "mine.csv"
    assert len(state.snap.predictions["series"]) == 90
    at.button(key="train_toggle").click().run()
    assert state.snap.step > 0 and math.isfinite(state.snap.train_loss)

    bad = open_page("sine")
    uploader(bad, "upload").set_value(("bad.csv", b"a,b\nx,y\n", "text/csv")).run()
    assert not bad.exception and bad.error                          # a plain message, no traceback
    assert run_of(bad, "sine").data is None                         # still the built-in sine


def test_own_names_change_the_vocabulary() -> None:
    at = open_page("dinos")
    names = "\n".join(["ab", "abba", "baab", "bab", "aabb", "abab", "bbaa", "baba", "aab", "bba"] * 3)
    uploader(at, "upload").set_value(("ab.txt", names.encode(), "text/plain")).run()
    assert_clean(at)
    state = run_of(at, "dinos")
    assert state.run.model.input_size == 3                         # "\n", "a", "b"
    at.button(key="step").click().run()
    assert state.snap.step == 1
    assert_clean(at)


def test_weights_round_trip() -> None:
    """Weights downloaded from a page load back into a fresh run of the same settings."""
    from rnn_core.export import weights_npz

    at = open_page("elman")
    at.button(key="train_toggle").click().run()
    trained = dict(run_of(at, "elman").snap.params)
    at.button(key="reset").click().run()
    uploader(at, "weights_file").set_value(("w.npz", weights_npz(trained), "application/octet-stream")).run()
    assert_clean(at)
    loaded = run_of(at, "elman").snap.params
    assert all((loaded[k] == trained[k]).all() for k in trained)


COMPARE = {"sine": "bptt_truncate:1,full", "elman": "cell:rnn,lstm,gru", "dinos": "lr:0.001,0.01",
           "abcde": "activation:tanh,sigmoid,relu", "xsinx": "clip_mode:off,norm"}
LEGEND = {"sine": ["BPTT truncation = 1", "BPTT truncation = full"],          # how each run is named
          "elman": ["Cell = plain RNN", "Cell = LSTM (backend torch)", "Cell = GRU (backend torch)"],
          "dinos": ["Learning rate = 0.001", "Learning rate = 0.01"],
          "abcde": ["Activation = tanh", "Activation = sigmoid", "Activation = relu"],
          "xsinx": ["Gradient clipping = off", "Gradient clipping = global norm"],
          "memory": ["Hidden size = 8", "Hidden size = 16"]}


@pytest.mark.parametrize("exp_id", IDS)
def test_compare_mode_trains_runs_in_lockstep(exp_id) -> None:
    spec = COMPARE.get(exp_id, "hidden_size:8,16")
    at = open_page(exp_id, compare=spec)
    assert_clean(at)
    page = page_runs(at, exp_id)
    n = len(spec.split(":")[1].split(","))
    assert page.tag == spec and len(page.runs) == n
    assert at.selectbox(key="compare_knob").value == spec.split(":")[0]
    knob = spec.split(":")[0]
    assert next(w for w in at.sidebar if getattr(w, "key", None) == knob).disabled   # the comparison sets it
    at.button(key="train_toggle").click().run()
    at.run()
    steps = [r.snap.step for r in page.runs]
    assert steps[0] > 0 and len(set(steps)) == 1, steps
    shown = charts(at)
    assert {f"{exp_id}-loss", f"{exp_id}-metric", f"{exp_id}-pred", f"{exp_id}-pred-{n - 1}",
            f"{exp_id}-grad-heatmap-{n - 1}"} <= set(shown)
    loss = shown[f"{exp_id}-loss"]["data"]
    assert [t["name"] for t in loss if t.get("showlegend", True)][:n] == LEGEND[exp_id]
    heat = [shown[f"{exp_id}-grad-heatmap" + (f"-{i}" if i else "")]["data"][0] for i in range(n)]
    assert len({(h["zmin"], h["zmax"]) for h in heat}) == 1          # one colour scale for every run
    at.button(key="train_toggle").click().run()                      # paused: the table of the runs
    (table,) = at.dataframe
    assert list(table.value["run"]) == LEGEND[exp_id] and list(table.value["steps"]) == steps
    assert_clean(at)


def test_compare_mode_is_left_for_one_run_and_a_bad_spec_says_why() -> None:
    at = open_page("sine", compare="bptt_truncate:1,full")
    at.selectbox(key="compare_knob").set_value("none").run()
    assert len(page_runs(at, "sine").runs) == 1 and "compare" not in at.query_params
    assert any(t.value == "One run again, step 0." for t in at.toast)
    bad = open_page("sine", compare="lr:0.1")
    want = "compare: got 1 value of lr, expected 2 or 3. Showing one run."
    assert [e.value for e in bad.error] == [want]
    assert len(page_runs(bad, "sine").runs) == 1 and not bad.exception


def lesson_links() -> list[tuple[str, dict[str, str]]]:
    import re
    from urllib.parse import parse_qsl

    out = []
    for e in experiments():
        text = (APP_ROOT / "content" / "en" / f"{e.id}.md").read_text(encoding="utf-8")
        out += [(e.id, dict(parse_qsl(q))) for q in re.findall(r"\]\(\?([^)]*)\)", text)]
    return out


@pytest.mark.parametrize("exp_id, query", lesson_links(),
                         ids=lambda v: v if isinstance(v, str) else "&".join(v))
def test_every_lesson_link_opens_what_it_says(exp_id, query) -> None:
    at = open_page(exp_id, **query)
    assert_clean(at)
    assert not [t.value for t in at.toast if "Ignored" in str(t.value)]     # every value was taken
    run = run_of(at, exp_id).run.as_dict()
    for k, v in query.items():
        if k == "compare":
            assert page_runs(at, exp_id).tag == v
        elif k != "preset":
            assert run[k] == as_written(v), k


def as_written(text: str):
    """A link's value read by hand: "full" is no truncation, then a whole number, a number, a word."""
    if text == "full":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def test_presenter_mode_scales_the_charts_and_show_lists_the_knobs() -> None:
    at = open_page("sine", present="1", show="lr,clip", hidden_size="40")
    assert_clean(at)
    assert run_of(at, "sine").run.model.hidden_size == 40                   # a hidden knob keeps the link's
    assert knob_value(at, "lr") == 0.003 and knob_value(at, "clip") == 5.0
    for hidden in ("hidden_size", "optimizer", "seed"):
        with pytest.raises(KeyError):
            knob_value(at, hidden)
    plain = open_page("sine")
    big, small = charts(at)["sine-loss"]["layout"], charts(plain)["sine-loss"]["layout"]
    assert big["font"]["size"] == pytest.approx(1.35 * small["font"]["size"])
    assert big["height"] > small["height"]
    (link,) = [c.value for c in at.code]
    assert link == "/sine_wave?hidden_size=40&present=1&show=lr,clip"


def test_share_builds_the_link_of_the_setup_in_force() -> None:
    at = open_page("sine", compare="bptt_truncate:1,full")
    at.slider(key="hidden_size").set_value(48).run()
    at.checkbox(key="share_present").check().run()
    at.multiselect(key="share_show").select("lr").run()
    (link,) = [c.value for c in at.code]
    assert link.startswith("/sine_wave?") and "compare=bptt_truncate:1,full" in link
    assert "present=1" in link and "show=lr" in link


def test_memory_page_draws_the_gradient_against_lag_and_the_spectrum() -> None:
    at = open_page("memory", lag="20", w_hh_scale="0.7")
    assert_clean(at)
    shown = charts(at)
    lag = shown["memory-lag"]
    assert lag["layout"]["shapes"][0]["x0"] == 20                       # the symbol's position is marked
    assert lag["layout"]["title"]["subtitle"]["text"].startswith("the gradient loses ")
    assert len(lag["data"][0]["y"]) == 21                              # k = 0 … 20
    spec = shown["memory-spectrum"]
    jac = next(t for t in spec["data"] if t["name"] == "mean step Jacobian")
    assert max(abs(complex(x, y)) for x, y in zip(jac["x"], jac["y"], strict=True)) < 0.7 + 1e-6
    at.radio(key="backend").set_value("torch").run()
    at.selectbox(key="cell").set_value("lstm").run()
    spec = charts(at)["memory-spectrum"]
    assert spec["layout"]["title"]["text"] == "Singular values of ∂[h, c]_t/∂[h, c]_(t−1)"
    assert_clean(at)


def sweep_progress(at: AppTest) -> tuple[float, str]:
    """The sweep's progress bar as the page shows it: (value, text)."""
    bar = next(p for p in at.get("progress") if "Sweep" in p.proto.text)
    return bar.proto.value, bar.proto.text


def test_memory_sweep_runs_in_the_ticks_and_cancels_cleanly() -> None:
    at = open_page("memory")
    at.button(key="sweep_start").click().run()
    assert not page_runs(at, "memory").playing and at.button(key="sweep_start").disabled
    for _ in range(3):
        at.run()
    value, text = sweep_progress(at)
    assert 0 < value < 100 and text.startswith("Sweep running: ")
    at.button(key="sweep_cancel").click().run()
    at.run()
    assert sweep_progress(at)[1].startswith("Sweep cancelled: ")
    assert not at.button(key="sweep_start").disabled
    assert_clean(at)


@pytest.mark.parametrize("then", ["reset", "rebuild"])
def test_a_sweep_goes_on_after_reset_or_a_new_model(then: str) -> None:
    at = open_page("memory")
    at.button(key="sweep_start").click().run()
    at.run()
    before = sweep_progress(at)[0]
    if then == "reset":
        at.button(key="reset").click().run()
    else:
        at.slider(key="hidden_size").set_value(16).run()
        assert run_of(at, "memory").run.model.hidden_size == 16           # a new model was built
    for _ in range(3):
        at.run()
    after, text = sweep_progress(at)
    assert after > before and text.startswith("Sweep running: ")           # it still advances
    at.button(key="sweep_cancel").click().run()
    assert not at.button(key="sweep_start").disabled                        # and can be cancelled
    assert_clean(at)
