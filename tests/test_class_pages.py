"""The class in the app (ui/classlink.py, ui/board.py, ui/classadmin.py), with AppTest: a lecturer starts a
class and gets its code, QR code and links; a student joins from a link with a nickname, trains, and the
run and the checkpoint answer reach the board; names only for the lecturer; withdraw; a closed class
refuses with a message and training goes on; bad codes and keys leave the URL with a notice.

Every test has its own SQLite class store (RNNX_CLASS_DB in a temp folder)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from apptest import charts, open_page, page_runs
from streamlit.testing.v1 import AppTest

from classroom import Store, UnknownClass
from classroom.db import sqlite_url
from classroom.outbox import shared_store

CLASS_PAGE = """
from ui.board import class_page
class_page()
"""
CODE = re.compile(r"^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("RNNX_CLASS_DB", str(tmp_path / "classes.sqlite3"))
    monkeypatch.delenv("RNNX_DATABASE_URL", raising=False)
    yield shared_store(sqlite_url(tmp_path / "classes.sqlite3"))


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def class_page(**query: str) -> AppTest:
    at = AppTest.from_string(CLASS_PAGE, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def toasts(at: AppTest) -> list[str]:
    return [str(t.value) for t in at.toast]


def join(at: AppTest, nickname: str, where: str = "side") -> AppTest:
    at.text_input(key=f"class_nick_{where}").input(nickname)
    at.button(key=f"class_join_btn_{where}").click().run()
    clean(at)
    return at


def member(at: AppTest):  # noqa: ANN201 (ui.classlink.Member)
    return at.session_state["rnnx"].member


def wait_sent(at: AppTest, timeout: float = 20.0) -> None:
    """Until the student's outbox has sent every post."""
    assert member(at).outbox.flush(timeout)


def train_for(at: AppTest, exp_id: str, ticks: int) -> list[str]:
    """Train up to ``ticks`` runs of the page; the toasts said meanwhile."""
    said = toasts(at.button(key="train_toggle").click().run())
    for _ in range(ticks):
        if not page_runs(at, exp_id).playing:
            break
        said += toasts(at.run())
    return said


def test_starting_a_class_shows_its_code_qr_code_and_links(store: Store) -> None:
    at = class_page()
    clean(at)
    at.button(key="class_create").click().run()
    clean(at)
    code, key = at.query_params["class"], at.query_params["key"]
    assert CODE.match(code), code
    assert len(key) >= 32
    shown = [c.value for c in at.code]
    assert any(s.endswith(f"/class?class={code}") for s in shown), shown       # the students' link
    assert any(s.endswith(f"/class?class={code}&key={key}") for s in shown), shown  # the lecturer's
    assert len(at.get("image")) == 1                                              # the QR code
    assert store.board(code, key=key).students == 0


def test_on_a_projector_the_lecturer_header_is_one_row_without_the_title_or_the_controls(
        store: Store) -> None:
    code, key = store.create_class()
    at = class_page(**{"class": code, "key": key, "present": "1"})
    clean(at)
    assert [t.value for t in at.title] == []                                      # the code heads it
    assert any(f">{code}<" in m.value for m in at.markdown)
    assert [c.value for c in at.code] == [f"/class?class={code}"]                 # the students' link only
    assert len(at.get("image")) == 1                                              # the QR code
    assert not at.expander                                                        # Manage: not on a projector
    at = class_page(**{"class": code, "key": key})
    assert [t.value for t in at.title] == ["Class"] and len(at.code) == 2 and at.expander


def test_a_student_joins_from_a_link_and_the_run_and_answer_reach_the_board(store: Store) -> None:
    code, key = store.create_class()
    at = open_page("sine", **{"class": code, "checkpoint": "sine-clip"})
    clean(at)
    assert at.text_input(key="class_nick_side") is not None                     # asked for a nickname
    join(at, "Ada")
    assert member(at).nickname == "Ada"
    assert at.query_params["class"] == code
    assert f"You joined class {code} as Ada: your runs and predictions go to its board." in toasts(at)
    at.radio(key="cp_choice").set_value("a").run()
    at.button(key="cp_lock").click().run()
    train_for(at, "sine", 400)
    at.run()
    clean(at)
    wait_sent(at)
    board = store.board(code, key=key)
    assert [(r.nickname, r.page, r.final) for r in board.runs] == [("Ada", "sine", True)] * 2   # a comparison
    assert {r.settings["clip_mode"] for r in board.runs} == {"off", "norm"}
    assert all(len(r.curve) >= 2 for r in board.runs)
    assert [(a.nickname, a.checkpoint_id, a.answer, a.outcome) for a in board.answers] == [
        ("Ada", "sine-clip", "a", "a")]
    lecturer = class_page(**{"class": code, "key": key})
    clean(lecturer)
    figs = charts(lecturer)
    lines = [t["name"] for t in figs["board-curves"]["data"] if t.get("mode") == "lines"]
    assert lines == ["Ada", "Ada"]                                          # the lecturer sees the name
    bars = figs["board-cp-sine-clip"]["data"]
    assert [list(b["x"]) for b in bars] == [[1, 0, 0, 0], [1, 0, 0, 0]]    # predicted a; the run said a


def test_students_see_numbers_the_lecturer_sees_names_and_what_was_typed_stays_text(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(code, "<b>Bob</b>")
    store.post_run(code, token, "r1", "sine", {"lr": 0.01}, 0, [(0, 1.0), (10, 0.5)], {"val_rmse": 0.2},
                   final=True)
    student = class_page(**{"class": code})
    clean(student)
    text = str(charts(student)["board-curves"]["data"])
    assert "Student 1" in text and "Bob" not in text
    lecturer = class_page(**{"class": code, "key": key})
    text = str(charts(lecturer)["board-curves"]["data"])
    assert "&lt;b&gt;Bob&lt;/b&gt;" in text and "<b>Bob" not in text


def test_a_closed_class_refuses_the_run_with_a_message_and_training_goes_on(store: Store) -> None:
    code, key = store.create_class()
    at = open_page("sine", **{"class": code})
    join(at, "Cy")
    store.close(code, key)
    said = train_for(at, "sine", 8)
    wait_sent(at)
    said += toasts(at.run())
    clean(at)
    assert f"Class {code} is closed: it takes no more runs, answers or students." in said, said
    assert page_runs(at, "sine").first.snap.step > 0                          # it trained all the same
    assert store.board(code, key=key).runs == []


def test_a_student_withdraws_a_run_from_the_board(store: Store) -> None:
    code, key = store.create_class()
    at = open_page("sine", **{"class": code})
    join(at, "Dee")
    train_for(at, "sine", 6)
    wait_sent(at)
    rid = page_runs(at, "sine").first.class_run
    assert [r.run_id for r in store.board(code, key=key).runs] == [rid]
    board = AppTest.from_string(CLASS_PAGE, default_timeout=60)
    board.session_state["rnnx"] = at.session_state["rnnx"]                    # the same session
    board.query_params["class"] = code
    board.run()
    clean(board)
    board.button(key=f"withdraw_{rid}").click().run()
    clean(board)
    wait_sent(board)
    assert store.board(code, key=key).runs == []


def test_a_bad_code_and_a_wrong_key_leave_the_url_with_a_notice(store: Store) -> None:
    at = open_page("sine", **{"class": "AAA-AAA-AAA"})
    clean(at)
    assert "class" not in at.query_params
    assert "Ignored class='AAA-AAA-AAA' from the link: no class has this code (mistyped, expired or " \
           "deleted)." in toasts(at)
    code, _key = store.create_class()
    lecturer = class_page(**{"class": code, "key": "x" * 40})
    clean(lecturer)
    assert "key" not in lecturer.query_params
    assert f"Ignored key from the link: it is not the lecturer key of class {code}." in toasts(lecturer)
    assert not [b for b in lecturer.button if b.key == "class_close"]          # no lecturer controls


def test_a_taken_nickname_is_refused_and_nothing_is_lost(store: Store) -> None:
    code, _key = store.create_class()
    store.join(code, "Eve")
    at = open_page("sine", **{"class": code})
    join(at, "eve")
    assert member(at) is None
    assert any("eve" in e.value and "nickname" in e.value for e in at.error), [e.value for e in at.error]
    join(at, "Eve 2")
    assert member(at).nickname == "Eve 2"


def test_the_lecturer_shows_names_closes_and_deletes_the_class(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(code, "Fay")
    store.post_run(code, token, "r1", "sine", {"lr": 0.01}, 0, [(0, 1.0), (10, 0.5)], {"val_rmse": 0.2})
    lecturer = class_page(**{"class": code, "key": key})
    lecturer.toggle(key="class_names").set_value(True).run()
    clean(lecturer)
    assert store.board(code).show_names
    assert "Fay" in str(charts(class_page(**{"class": code}))["board-curves"]["data"])   # a student sees it
    lecturer.button(key="class_close").click().run()
    clean(lecturer)
    assert store.board(code).closed
    closed = f"Class {code} is closed: the board stays, it takes no more runs or predictions."
    assert closed in toasts(lecturer)
    assert lecturer.button(key="class_delete").disabled                     # not before the box is ticked
    lecturer.checkbox(key="class_delete_sure").check().run()
    lecturer.button(key="class_delete").click().run()
    clean(lecturer)
    assert "class" not in lecturer.query_params and "key" not in lecturer.query_params
    with pytest.raises(UnknownClass):
        store.check(code)


def test_a_reload_finds_the_student_by_the_seat_in_the_url_and_share_leaves_it_out(store: Store) -> None:
    code, _key = store.create_class()
    first = open_page("sine", **{"class": code})
    join(first, "Gil")
    seat = first.query_params["seat"]
    assert len(seat) >= 32
    again = open_page("sine", **{"class": code, "seat": seat})                # a reload: a new session
    clean(again)
    assert (member(again).nickname, member(again).number) == ("Gil", 1)
    assert not [t for t in again.text_input if t.key == "class_nick_side"]     # not asked again
    shared = [c.value for c in again.code if "class=" in c.value]
    assert shared and all("seat=" not in c for c in shared), shared              # the Share panel's link
    stranger = open_page("sine", **{"class": code, "seat": "x" * 32})          # not a seat of this class
    clean(stranger)
    assert member(stranger) is None and "seat" not in stranger.query_params
    assert stranger.text_input(key="class_nick_side") is not None
