"""Checkpoints in the app (ui/checkpoints.py): a checkpoint's link opens its setup, Train waits for a
prediction, the reveal shows that run's numbers, skip, presenter mode's Reveal, and the progress kept
across a page switch and in a link."""

from __future__ import annotations

from apptest import charts, open_page, page_runs
from streamlit.testing.v1 import AppTest

from rnn_core.checkpoints import COURSE, decode

APP = "../app.py"


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [e.value for kind in (at.success, at.warning, at.info)
                                                          for e in kind])


def train_to_the_end(at: AppTest, exp_id: str, limit: int = 400) -> None:
    at.button(key="train_toggle").click().run()
    for _ in range(limit):
        if not page_runs(at, exp_id).playing:
            break
        at.run()
    assert not page_runs(at, exp_id).playing
    at.run()


def test_a_checkpoint_link_opens_its_setup_and_train_waits_for_a_prediction() -> None:
    at = open_page("sine", checkpoint="sine-clip")
    clean(at)
    page = page_runs(at, "sine")
    assert [r.run.train.clip_mode for r in page.runs] == ["off", "norm"]          # the setup's comparison
    assert {(r.run.train.optimizer, r.run.train.lr, r.run.train.clip) for r in page.runs} == {
        ("sgd", 0.2, 1.0)}
    assert "**Checkpoint 6 of 24** · Clipping against divergence" in texts(at)
    assert at.button(key="train_toggle").disabled and at.button(key="step").disabled
    assert at.button(key="cp_lock").disabled                                     # nothing picked yet
    at.radio(key="cp_choice").set_value("a").run()
    at.button(key="cp_lock").click().run()
    assert not at.button(key="train_toggle").disabled
    assert "Your prediction: **only the one without clipping**." in texts(at)
    train_to_the_end(at, "sine")
    clean(at)
    said = texts(at)
    assert "Your prediction was right: **only the one without clipping**." in said
    assert "Without clipping the loss became infinite at step 27" in said         # this run's numbers
    assert [r.snap.stop is not None for r in page_runs(at, "sine").runs] == [True, False]
    assert decode(at.query_params["progress"]).marks[COURSE.index("sine-clip")] == 2    # right


def test_a_number_is_revealed_before_training_and_a_wrong_guess_is_said_so() -> None:
    at = open_page("memory", checkpoint="memory-orders")
    clean(at)
    assert at.button(key="train_toggle").disabled
    at.slider(key="cp_number").set_value(3.0).run()
    at.button(key="cp_lock").click().run()
    clean(at)
    said = texts(at)
    assert "The run says **8.72 orders of magnitude**; you predicted 3 orders of magnitude." in said
    assert "It loses 8.72 orders" in said and "γ = 0.7" in said
    assert page_runs(at, "memory").first.snap.step == 0                          # revealed before training
    assert not at.button(key="train_toggle").disabled
    assert decode(at.query_params["progress"]).marks[COURSE.index("memory-orders")] == 1   # missed


def test_skip_shows_the_answer_without_a_mark() -> None:
    at = open_page("memory", checkpoint="memory-gated-start")
    at.button(key="cp_skip").click().run()
    clean(at)
    assert not at.button(key="train_toggle").disabled
    said = texts(at)
    assert "The run says: **the GRU**." in said
    assert "Before training the GRU loses" in said
    assert "progress" not in at.query_params                                     # skipped: not answered


def test_presenter_mode_reveals_when_the_lecturer_asks() -> None:
    at = open_page("memory", checkpoint="memory-gated-start", present="1")
    clean(at)
    assert not at.button(key="train_toggle").disabled                           # the class predicts by hand
    assert "<li>the plain RNN</li><li>the LSTM</li><li>the GRU</li>" in texts(at)
    assert "The run says" not in texts(at)                                       # no automatic reveal
    at.button(key="cp_reveal").click().run()
    clean(at)
    assert "The run says: **the GRU**." in texts(at)
    assert "progress" not in at.query_params                                     # the lecturer's, not marked


def test_presenter_reveal_waits_for_the_run() -> None:
    at = open_page("abcde", checkpoint="abcde-truncate", present="1")
    clean(at)
    assert at.button(key="cp_reveal").disabled                                   # not trained yet
    train_to_the_end(at, "abcde")
    assert not at.button(key="cp_reveal").disabled
    assert "The run says" not in texts(at)


def test_progress_survives_a_page_switch_and_a_link() -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.query_params["checkpoint"] = "memory-orders"
    at.switch_page("pages/memory.py").run()
    clean(at)
    at.slider(key="cp_number").set_value(8.5).run()
    at.button(key="cp_lock").click().run()
    code = at.query_params["progress"]
    assert decode(code).marks[COURSE.index("memory-orders")] == 2               # 8.5 is within 1.5 of 8.72
    at.query_params.clear()                                                      # the sidebar's Home link
    at.switch_page("pages/home.py").run()
    clean(at)
    assert at.query_params["progress"] == code
    (bar,) = at.get("progress")
    assert "1 of 24 checkpoints answered, 1 right" in bar.proto.text
    fresh = AppTest.from_file(APP, default_timeout=60)                           # another browser, the link
    fresh.query_params["progress"] = code
    fresh.run()
    clean(fresh)
    (bar,) = fresh.get("progress")
    assert "1 of 24 checkpoints answered, 1 right" in bar.proto.text


def test_a_bad_checkpoint_or_progress_in_a_link_is_said_and_dropped() -> None:
    at = open_page("sine", checkpoint="memory-orders", progress="zzz")
    clean(at)
    notes = [t.proto.body for t in at.toast]
    assert ("Ignored checkpoint='memory-orders' from the link: it belongs to the page Memory and "
            "gradients") in notes
    assert any(n.startswith("Ignored progress='zzz' from the link: progress code: got 'zzz', expected 9 "
                            "characters starting with") for n in notes)
    assert "checkpoint" not in at.query_params and "progress" not in at.query_params
    assert not at.button(key="train_toggle").disabled
    assert "sine-loss" in charts(at)


def test_previous_links_another_page_and_next_opens_one_in_place() -> None:
    at = open_page("sine", checkpoint="sine-activation", lang="ru")
    clean(at)
    (back,) = [p.proto for p in at.get("page_link") if p.proto.label == "Назад"]   # on the page before
    assert back.page == "next_letter"
    assert back.query_string == "preset=article&checkpoint=abcde-certainty&lang=ru"
    ahead = at.button(key="cp_go_next_sine-clip")                                # on this page
    assert ahead.label == "Далее"
    ahead.click().run()
    clean(at)
    assert at.query_params["checkpoint"] == "sine-clip" and at.query_params["lang"] == "ru"
    page = page_runs(at, "sine")
    assert [r.run.train.clip_mode for r in page.runs] == ["off", "norm"]
    assert {(r.run.train.optimizer, r.run.train.lr, r.run.model.activation) for r in page.runs} == {
        ("sgd", 0.2, "tanh")}                                   # the setup on the default preset
    assert at.button(key="train_toggle").disabled
