"""The class from the command line (rnn_core/cliclass.py, clipost.py): make a class, post a run to it
with ``train --class``, read it back with the key; refusals print one line and no data. Each test has
its own SQLite file."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from sqlalchemy.exc import OperationalError

from classroom import CSV_HEADER, Store
from rnn_core import cli, clipost

TINY = ["--set", "epochs=1", "--set", "hidden_size=4"]


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'classes.sqlite3'}"


def run(capsys, *argv: str, code: int = 0) -> str:
    """``python -m rnn_core *argv`` in this process: its stdout (the exit code checked)."""
    assert cli.main(list(argv)) == code, capsys.readouterr().err
    return capsys.readouterr().out


def refused(capsys, *argv: str, code: int = 2) -> str:
    """The one line a refused command prints on stderr; nothing on stdout."""
    assert cli.main(list(argv)) == code
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, (out, err)
    assert err.startswith("error: ")
    return err


def new_class(capsys, db: str) -> dict[str, str]:
    return json.loads(run(capsys, "class", "new", "--db", db, "--json"))


def show(capsys, db: str, c: dict[str, str], *more: str) -> dict:
    return json.loads(run(capsys, "class", "show", c["code"], "--key", c["key"], "--db", db, "--json", *more))


def test_a_new_class_has_links_and_no_runs(capsys, db, monkeypatch):
    monkeypatch.delenv("RNNX_PUBLIC_URL", raising=False)
    c = new_class(capsys, db)
    assert set(c) == {"code", "key", "join_url", "lecturer_url"}
    assert c["join_url"] == f"http://localhost:8501/class?class={c['code']}"
    assert c["lecturer_url"] == f"{c['join_url']}&key={c['key']}"
    board = show(capsys, db, c)
    assert board == {"code": c["code"], "closed": False, "students": 0, "runs": [], "answers": []}
    monkeypatch.setenv("RNNX_PUBLIC_URL", "https://rnn.example.org/")
    text = run(capsys, "class", "new", "--db", db)
    assert "https://rnn.example.org/class?class=" in text and "&key=" in text
    c = json.loads(run(capsys, "class", "new", "--db", db, "--json", "--base-url", "http://h:1/x"))
    assert c["join_url"].startswith("http://h:1/x/class?class=")


def test_a_trained_run_is_on_the_board_by_its_nickname(capsys, db):
    c = new_class(capsys, db)
    out = json.loads(run(capsys, "train", "sine", *TINY, "--class", c["code"].lower(), "--nickname", "Ada",
                         "--db", db, "--json"))
    assert out["class"]["code"] == c["code"] and out["class"]["nickname"] == "Ada"
    assert out["class"]["posted"] is True and len(out["class"]["run_id"]) == 12
    board = show(capsys, db, c)
    assert board["students"] == 1 and board["answers"] == []
    [r] = board["runs"]
    assert set(r) == {"student", "nickname", "page", "run_id", "seed", "settings", "metrics", "final",
                      "points"}
    assert (r["nickname"], r["page"], r["final"]) == ("Ada", "sine", True)
    assert r["run_id"] == out["class"]["run_id"]
    assert r["points"] > 1 and r["seed"] == 0 and r["settings"]["hidden_size"] == 4
    assert set(r["metrics"]) == {"step", "train_loss", "val_loss", "val_rmse"}
    assert all(math.isfinite(v) for v in r["metrics"].values())
    assert r["metrics"]["step"] == out["steps"]
    assert show(capsys, db, c, "--page", "sine_wave")["runs"] == board["runs"]
    assert show(capsys, db, c, "--page", "memory")["runs"] == []
    text = run(capsys, "class", "show", c["code"], "--key", c["key"], "--db", db)
    assert "1 student, 1 run, 0 answers" in text and "Ada" in text and "hidden_size=4" in text


def test_a_made_up_nickname_and_a_taken_one(capsys, db):
    c = new_class(capsys, db)
    out = json.loads(run(capsys, "train", "sine", *TINY, "--class", c["code"], "--db", db, "--json"))
    nick = out["class"]["nickname"]
    assert nick.startswith("cli-") and len(nick) == 8 and nick[4:].isalpha()
    err = refused(capsys, "train", "sine", *TINY, "--class", c["code"], "--nickname", nick.upper(),
                  "--db", db)
    assert "nickname" in err
    assert len(show(capsys, db, c)["runs"]) == 1


def test_a_wrong_key_or_an_unknown_code_shows_nothing(capsys, db):
    c = new_class(capsys, db)
    run(capsys, "train", "sine", *TINY, "--class", c["code"], "--nickname", "Ada", "--db", db)
    for cmd in ("show", "export", "close"):
        assert "key" in refused(capsys, "class", cmd, c["code"], "--key", "not-the-key", "--db", db)
    assert "code" in refused(capsys, "class", "show", "K7Q-M2X-9HD", "--key", c["key"], "--db", db)
    assert "--yes" in refused(capsys, "class", "delete", c["code"], "--key", c["key"], "--db", db)
    assert not show(capsys, db, c)["closed"]


def test_a_closed_class_takes_no_run_and_still_exports(capsys, db, tmp_path, monkeypatch):
    c = new_class(capsys, db)
    run(capsys, "train", "sine", *TINY, "--class", c["code"], "--nickname", "Ada", "--db", db)
    assert "closed" in run(capsys, "class", "close", c["code"], "--key", c["key"], "--db", db)
    monkeypatch.setattr(cli, "train", lambda *a, **k: pytest.fail("trained for a closed class"))
    assert "closed" in refused(capsys, "train", "sine", *TINY, "--class", c["code"], "--db", db)
    text = run(capsys, "class", "export", c["code"], "--key", c["key"], "--db", db)
    rows = list(csv.reader(io.StringIO(text)))
    assert text.startswith(",".join(CSV_HEADER) + "\r\n") and rows[1][1] == "Ada" and len(rows) == 2
    path = tmp_path / "out.csv"
    said = run(capsys, "class", "export", c["code"], "--key", c["key"], "--db", db, "-o", str(path))
    assert said.startswith(f"Wrote {path}: 1 row")
    assert path.read_bytes().decode() == text
    assert "deleted" in run(capsys, "class", "delete", c["code"], "--key", c["key"], "--db", db, "--yes")
    refused(capsys, "class", "show", c["code"], "--key", c["key"], "--db", db)


def spy(monkeypatch, fail: int = 0) -> list[bool]:
    """The ``final`` of each post the store gets; the first ``fail`` of them fail as a database would."""
    real, calls = Store.post_run, []

    def post_run(self, *args, **kwargs):
        calls.append(kwargs["final"])
        if len(calls) <= fail:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "post_run", post_run)
    return calls


def test_a_run_is_posted_while_it_trains_and_at_its_end(capsys, db, monkeypatch):
    c = new_class(capsys, db)
    calls = spy(monkeypatch)
    monkeypatch.setattr(clipost, "POST_EVERY", 0.0)               # every chunk (a tenth of the run here)
    out = json.loads(run(capsys, "train", "sine", *TINY, "--class", c["code"], "--db", db, "--json"))
    assert calls == [False] * 9 + [True] and out["class"]["posted"]
    assert show(capsys, db, c)["runs"][0]["points"] == 10


def test_a_database_that_fails_a_post_is_tried_again(capsys, db, monkeypatch):
    c = new_class(capsys, db)
    calls = spy(monkeypatch, fail=1)
    monkeypatch.setattr(clipost, "RETRY_WAIT", 0.0)
    assert cli.main(["train", "sine", *TINY, "--class", c["code"], "--db", db, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["class"]["posted"] is True and calls == [True, True]
    assert "database is locked" in err and "tries again" in err
    assert show(capsys, db, c)["runs"][0]["final"] is True


def test_a_database_out_of_reach_is_one_line(capsys, tmp_path):
    where = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}"
    assert "cannot be reached" in refused(capsys, "class", "new", "--db", where, code=1)
    assert "database URL" in refused(capsys, "class", "new", "--db", str(tmp_path / "x.sqlite3"))
    hidden = refused(capsys, "class", "new", "--db", "nosuch://u:secret@h/db")
    assert "secret" not in hidden
    assert "--class" in refused(capsys, "train", "sine", "--nickname", "Ada")


def test_answers_are_shown_and_what_students_typed_cannot_steer_the_terminal(capsys, db):
    c = new_class(capsys, db)
    with Store(db) as store:
        token = store.join(c["code"], "Eve\x9b2J")                 # a C1 control: CSI, "clear the screen"
        store.post_answer(c["code"], token, "sine-1", "b")
    [a] = show(capsys, db, c)["answers"]
    assert a == {"student": 1, "nickname": "Eve\x9b2J", "checkpoint": "sine-1", "answer": "b",
                 "outcome": a["outcome"]}                          # the store may not keep outcomes yet
    text = run(capsys, "class", "show", c["code"], "--key", c["key"], "--db", db)
    assert "Eve?2J" in text and "\x9b" not in text and "sine-1" in text


def test_a_run_the_database_never_takes_trains_to_its_end_unposted(capsys, db, monkeypatch):
    c = new_class(capsys, db)
    calls = spy(monkeypatch, fail=99)
    monkeypatch.setattr(clipost, "RETRY_WAIT", 0.0)
    assert cli.main(["train", "sine", *TINY, "--class", c["code"], "--db", db, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["class"]["posted"] is False and calls == [True] * clipost.FINAL_TRIES
    assert "the finished run was not posted" in err.splitlines()[-1]
