"""The class store (classroom/) on SQLite (a temp file) and on a real PostgreSQL (a throwaway cluster,
tests/pgcluster.py): every test that takes `store` or `make_store` runs on both. Without Debian's
postgresql binaries the PostgreSQL half skips locally and fails under CI=true."""

from __future__ import annotations

import base64
import itertools
import os
import re
import threading
from collections.abc import Callable, Iterator

import pgcluster
import pytest
from sqlalchemy import func, inspect, select, text

from classroom import (
    CSV_HEADER,
    BadInput,
    ClassClosed,
    Limits,
    NicknameTaken,
    NotYourRun,
    Store,
    TooFast,
    TooMany,
    UnknownClass,
    UnknownRun,
    UnknownStudent,
    WrongKey,
)
from classroom.codes import ALPHABET, CODE_BITS, CODE_LENGTH, digest, new_code, new_secret, normalise_code
from classroom.db import default_url, sqlite_url
from classroom.models import Answer, ClassRow, Run, Student

INJECTIONS = ["<script>alert(1)</script>", "**bold**", "'; DROP TABLE runs; --", "Robert'); --",
              "=HYPERLINK(\"http://x\")", "{{7*7}}", "名前 ✓"]


_DATABASES = itertools.count()


class Clock:
    """An injectable clock: seconds since the epoch, moved by the test."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    bindir = pgcluster.binaries()
    if bindir is None:
        reason = "PostgreSQL binaries missing under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the class store's PostgreSQL tests cannot run under CI=true: {reason}",
                        pytrace=False)
        pytest.skip(reason)
    with pgcluster.cluster(bindir) as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "classes.sqlite3")
    return request.getfixturevalue("pg_cluster").database(f"t{next(_DATABASES)}")  # one a test


@pytest.fixture
def make_store(db_url: str) -> Iterator[Callable[..., Store]]:
    made: list[Store] = []

    def make(**kwargs) -> Store:
        made.append(Store(db_url, **kwargs))
        return made[-1]

    yield make
    for s in made:
        s.dispose()


@pytest.fixture
def store(make_store) -> Store:
    return make_store()


def count(s: Store, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    with s.engine.connect() as conn:
        return conn.scalar(query)


def class_id(s: Store, code: str) -> int:
    with s.engine.connect() as conn:
        return conn.scalar(select(ClassRow.id).where(ClassRow.code == normalise_code(code)))


def run(s: Store, code: str, token: str, rid: str = "r1", **over: object) -> None:
    args = dict(page="sine", settings={"lr": 0.01}, seed=7, curve=[(0, 1.0), (10, 0.5)],
                metrics={"rmse": 0.25}, final=False)
    s.post_run(code, token, rid, **{**args, **over})


# -- codes and secrets (no database) ------------------------------------------------------------------

def test_codes_use_the_readable_alphabet_and_carry_40_bits() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 9 and set(c) <= set(ALPHABET) for c in codes)
    assert set("".join(codes)) == set(ALPHABET)
    assert not set("0O1lI") & set(ALPHABET)
    assert len(ALPHABET) == 31 and CODE_LENGTH == 9
    assert round(CODE_BITS, 1) == 44.6


def test_no_key_or_token_starts_with_a_dash_a_command_line_would_take_for_an_option() -> None:
    secrets = [new_secret() for _ in range(3000)]       # 1 in 64 started with "-": ~47 of 3000
    assert len(set(secrets)) == 3000 and all(len(k) == 32 for k in secrets)
    assert not [k for k in secrets if k.startswith("-")]
    assert {k[0] for k in secrets} > {"_", "A", "z", "0"}


def test_codes_are_normalised_from_what_a_person_types() -> None:
    assert normalise_code("K7Q-M2X-9HD") == "K7QM2X9HD"
    assert normalise_code("  k7q m2x 9hd ") == "K7QM2X9HD"
    assert normalise_code("k7q–m2x—9hd") == "K7QM2X9HD"          # en and em dashes from phones
    assert normalise_code("Ｋ７Ｑ－Ｍ２Ｘ－９ＨＤ") == "K7QM2X9HD"      # full width (a CJK keyboard)
    assert normalise_code("K7QM2X9H0") is None                    # 0 is not in the alphabet
    assert normalise_code("K7QM2X9HI") is None
    assert normalise_code("K7QM2X9H") is None
    assert normalise_code("K7QM2X9HDD") is None
    assert normalise_code(None) is None                            # type: ignore[arg-type]


def test_every_refusal_is_marked_for_translation() -> None:
    import ast
    from pathlib import Path

    import classroom.errors as errors

    refusals = {n for n, c in vars(errors).items()
                if isinstance(c, type) and issubclass(c, errors.ClassError)}
    plain = []
    for path in Path(errors.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and getattr(node.exc.func, "id", None) in refusals and node.exc.args
                    and isinstance(node.exc.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp))):
                plain.append(f"{path.name}:{node.lineno}")
    assert plain == []


class Marked:
    """A catalog that marks what it translates: «…» around the message."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"


# -- the database ---------------------------------------------------------------------------------

def test_keys_and_tokens_are_long_and_only_their_hashes_are_kept(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(code, "Ada")
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}", code)
    assert len(base64.urlsafe_b64decode(key)) * 8 == 192
    assert len(base64.urlsafe_b64decode(token)) * 8 == 192
    with store.engine.connect() as conn:
        assert conn.scalar(select(ClassRow.key_hash)) == digest(key)
        assert conn.scalar(select(Student.token_hash)) == digest(token)
        dump = repr(conn.execute(select(ClassRow)).all() + conn.execute(select(Student)).all())
    assert key not in dump and token not in dump


def test_a_code_is_accepted_as_typed(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(f"  {code.lower().replace('-', ' ')} ", "Ada")
    run(store, code.replace("-", ""), token)
    assert [r.run_id for r in store.board(code.lower()).runs] == ["r1"]


def test_a_wrong_key_is_refused_and_changes_and_shows_nothing(store: Store) -> None:
    code, key = store.create_class()
    other_code, other_key = store.create_class()
    token = store.join(code, "Ada")
    run(store, code, token)
    for wrong in ["", "x" * 32, other_key, key[:-1], key + "A", None]:
        for call in (store.close, store.export_csv, store.delete):
            with pytest.raises(WrongKey) as e:
                call(code, wrong)
            assert str(e.value) == (f"That is not the lecturer key of class {code}; nothing was changed "
                                    "or shown.")
        if wrong is not None:                                       # no key: the anonymous board
            with pytest.raises(WrongKey):
                store.board(code, key=wrong)
    board = store.board(code, key=key)
    assert (board.closed, [r.nickname for r in board.runs]) == (False, ["Ada"])


def test_guessed_codes_are_unknown(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(code, "Ada")
    guesses = [new_code() for _ in range(50)] + ["", "0000-0000", "' OR 1=1 --", "K7Q-M2X-9HD" * 3]
    for guess in [g for g in guesses if normalise_code(g) != normalise_code(code)]:
        for call in (lambda g: store.join(g, "Eve"), lambda g: store.board(g),
                     lambda g: run(store, g, token), lambda g: store.post_answer(g, token, "c1", "a"),
                     lambda g: store.close(g, key)):
            with pytest.raises(UnknownClass, match="^No class has the code "):
                call(guess)
    with pytest.raises(UnknownClass) as e:
        store.join("K7Q-M2X-9HD" if normalise_code(code) != "K7QM2X9HD" else "K7Q-M2X-9HE", "Eve")
    assert str(e.value).endswith("A class code has 9 letters and digits, like K7Q-M2X-9HD "
                                 "(the lecturer shows it); the class may also have ended.")
    assert count(store, Student) == 1 and count(store, Run) == 0


def test_a_token_works_only_in_its_own_class(store: Store) -> None:
    code, _ = store.create_class()
    other, _ = store.create_class()
    token = store.join(other, "Ada")
    for bad in [token, "", "not-a-token", None]:
        with pytest.raises(UnknownStudent) as e:
            run(store, code, bad)
        assert str(e.value) == f"This student token does not belong to class {code}; join the class to post."
    assert count(store, Run) == 0


def test_a_closed_class_refuses_posts_but_still_shows_its_board(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(code, "Ada")
    run(store, code, token, metrics={"rmse": 0.5})
    store.post_answer(code, token, "c1", "a")
    store.close(code, key)
    store.close(code, key)                                  # closing twice is fine
    refused = [lambda: run(store, code, token, metrics={"rmse": 0.1}),
               lambda: run(store, code, token, "r2"),
               lambda: store.post_answer(code, token, "c1", "b"),
               lambda: store.withdraw_run(code, token, "r1"),
               lambda: store.join(code, "Bob")]
    for call in refused:
        with pytest.raises(ClassClosed) as e:
            call()
        assert str(e.value) == f"Class {code} is closed: it takes no more runs, answers or students."
    board = store.board(code, key=key)
    assert board.closed is True and board.students == 1
    assert [(r.run_id, r.metrics) for r in board.runs] == [("r1", {"rmse": 0.5})]
    assert [(a.checkpoint_id, a.answer) for a in board.answers] == [("c1", "a")]


def test_injection_strings_are_stored_and_returned_verbatim(store: Store) -> None:
    code, key = store.create_class()
    tokens = [store.join(code, name) for name in INJECTIONS]
    for i, (token, bad) in enumerate(zip(tokens, INJECTIONS, strict=True)):
        run(store, code, token, f"{bad}#{i}", page="sine", settings={bad: bad, "note": [bad]},
            metrics={"label": bad})
        store.post_answer(code, token, bad, bad)
    board = store.board(code, key=key)
    assert [r.nickname for r in board.runs] == INJECTIONS
    assert [r.settings for r in board.runs] == [{b: b, "note": [b]} for b in INJECTIONS]
    assert [r.metrics for r in board.runs] == [{"label": b} for b in INJECTIONS]
    assert [(a.checkpoint_id, a.answer) for a in board.answers] == [(b, b) for b in INJECTIONS]
    assert set(inspect(store.engine).get_table_names()) >= {"classes", "students", "runs", "answers"}
    assert count(store, Run) == len(INJECTIONS)


def test_oversize_and_malformed_posts_are_refused_and_write_nothing(store: Store) -> None:
    code, key = store.create_class()
    for name, message in [("", "A nickname must be 1 to 32 characters long (without surrounding spaces); "
                                "this one has 0."),
                          ("   ", "A nickname must be 1 to 32 characters long (without surrounding spaces); "
                                   "this one has 0."),
                          ("x" * 33, "A nickname must be 1 to 32 characters long (without surrounding "
                                     "spaces); this one has 33."),
                          ("a\nb", "A nickname cannot contain control characters (line breaks, tabs).")]:
        with pytest.raises(BadInput) as e:
            store.join(code, name)
        assert str(e.value) == message
    assert store.join(code, "  " + "y" * 32 + " ") and store.board(code, key=key).students == 1
    token = store.join(code, "Ada")
    big = {"blob": "x" * 8200}
    for what, over, message in [
            ("settings", {"settings": big}, "The settings take 8211 bytes as JSON; at most 8192 are "
                                            "allowed."),
            ("metrics", {"metrics": big}, "The metrics take 8211 bytes as JSON; at most 8192 are allowed."),
            ("settings", {"settings": {"f": object()}}, "The settings can hold only text, numbers, "
                                                       "true/false, null, lists and mappings "
                                                       "(found object)."),
            ("curve", {"curve": [(0, 1.0)] * 100_001}, "The curve has 100001 points; at most 100000 are "
                                                        "accepted (the store keeps 200)."),
            ("curve", {"curve": [(0.5, 1.0)]}, "The curve must be a list of (step, loss) pairs: whole steps, "
                                                "numeric losses."),
            ("seed", {"seed": 1.5}, "The seed must be a whole number between -2^63 and 2^63 - 1, or none."),
            ("page", {"page": "p" * 65}, "The page must be text of 1 to 64 characters.")]:
        with pytest.raises(BadInput) as e:
            run(store, code, token, **over)
        assert str(e.value) == message, what
    with pytest.raises(BadInput, match="^An answer must be a choice"):
        store.post_answer(code, token, "c1", "a" * 201)
    assert count(store, Run) == 0 and count(store, Answer) == 0
    run(store, code, token, settings={"blob": "é" * 4090})          # 8192 bytes exactly: accepted
    assert count(store, Run) == 1


def test_a_long_curve_is_thinned_to_200_points_and_nan_becomes_null(store: Store) -> None:
    code, _ = store.create_class()
    token = store.join(code, "Ada")
    run(store, code, token, curve=[(step, step / 1000) for step in range(1000)],
        metrics={"rmse": float("nan"), "inf": float("inf")})
    (r,) = store.board(code).runs
    assert len(r.curve) == 200
    assert r.curve[:3] == [[0, 0.0], [5, 0.005], [10, 0.01]] and r.curve[-1] == [999, 0.999]
    assert r.metrics == {"rmse": None, "inf": None}


def test_reposting_a_run_updates_it_and_never_doubles_it(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(code, "Ada")
    for i in range(3):
        run(store, code, token, curve=[(0, 1.0), (i + 1, 0.5 - i / 10)], metrics={"rmse": 0.3 - i / 10},
            final=i == 2, seed=40 + i)
    for choice in ["a", "c", 3.5]:
        store.post_answer(code, token, "sine-1", choice)
    assert count(store, Run) == 1 and count(store, Answer) == 1
    board = store.board(code)
    (r,) = board.runs
    assert (r.run_id, r.seed, r.final, r.curve, r.metrics) == ("r1", 42, True, [[0, 1.0], [3, 0.3]],
                                                               {"rmse": pytest.approx(0.1)})
    assert [(a.checkpoint_id, a.answer) for a in board.answers] == [("sine-1", 3.5)]


def test_sixty_concurrent_writers_lose_and_double_nothing(make_store) -> None:
    store = make_store()
    code, key = store.create_class()
    start = threading.Barrier(60)
    failures: list[BaseException] = []

    def student(i: int) -> None:
        try:
            token = store.join(code, f"student {i}")
            start.wait(timeout=30)
            for k in range(5):
                run(store, code, token, f"{i}-{k}", metrics={"rmse": 1.0}, final=False)
                run(store, code, token, f"{i}-{k}", metrics={"rmse": i + k / 10}, final=True)
            store.post_answer(code, token, "c1", "a")
            store.post_answer(code, token, "c1", i)
        except BaseException as e:  # noqa: BLE001 (reported below)
            failures.append(e)
            start.abort()

    threads = [threading.Thread(target=student, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    board = store.board(code, key=key)
    assert board.students == 60 and count(store, Student) == 60
    assert count(store, Run) == 300 and count(store, Answer) == 60
    got = sorted((r.nickname, r.run_id, r.final, r.metrics["rmse"]) for r in board.runs)
    assert got == sorted((f"student {i}", f"{i}-{k}", True, pytest.approx(i + k / 10))
                         for i in range(60) for k in range(5))
    assert sorted((a.nickname, a.answer) for a in board.answers) == sorted((f"student {i}", i)
                                                                          for i in range(60))


def test_a_student_withdraws_and_changes_only_their_own_runs(store: Store) -> None:
    code, key = store.create_class()
    ada, bob = store.join(code, "Ada"), store.join(code, "Bob")
    run(store, code, ada, "ada-1", metrics={"rmse": 0.5})
    for call in (lambda: store.withdraw_run(code, bob, "ada-1"),
                 lambda: run(store, code, bob, "ada-1", metrics={"rmse": 9.0})):
        with pytest.raises(NotYourRun) as e:
            call()
        assert str(e.value) == ("The run 'ada-1' belongs to another student; a student can change and "
                                "withdraw only their own runs.")
    assert [(r.nickname, r.metrics) for r in store.board(code, key=key).runs] == [("Ada", {"rmse": 0.5})]
    with pytest.raises(UnknownRun) as e:
        store.withdraw_run(code, bob, "bob-1")
    assert str(e.value) == "You have no run 'bob-1' in this class."
    store.withdraw_run(code, ada, "ada-1")
    assert store.board(code).runs == [] and count(store, Run) == 0


def test_the_board_hides_nicknames_without_the_key_and_filters_by_page(store: Store) -> None:
    code, key = store.create_class()
    ada, bob = store.join(code, "Ada"), store.join(code, "Bob")
    run(store, code, ada, "a1", page="sine")
    run(store, code, bob, "b1", page="memory")
    store.post_answer(code, bob, "c1", "b")
    anonymous = store.board(code)
    assert [(r.student, r.nickname, r.page) for r in anonymous.runs] == [(1, None, "sine"),
                                                                         (2, None, "memory")]
    assert [(a.student, a.nickname) for a in anonymous.answers] == [(2, None)]
    assert "Ada" not in repr(anonymous) and "Bob" not in repr(anonymous)
    named = store.board(code, page="memory", key=key)
    assert [(r.student, r.nickname, r.run_id) for r in named.runs] == [(2, "Bob", "b1")]
    assert [(a.nickname, a.answer) for a in named.answers] == [("Bob", "b")]


def test_the_lecturer_may_show_nicknames_to_the_students(store: Store) -> None:
    code, key = store.create_class()
    ada, bob = store.join(code, "Ada"), store.join(code, "Bob")
    run(store, code, ada, "a1")
    store.post_answer(code, bob, "c1", "b")
    assert store.board(code).show_names is False
    assert [r.nickname for r in store.board(code).runs] == [None]
    for wrong in ["", "x" * 32, None]:
        with pytest.raises(WrongKey):
            store.show_names(code, wrong, True)
    assert store.board(code).show_names is False
    store.show_names(code, key, True)
    board = store.board(code)
    assert board.show_names is True
    assert ([r.nickname for r in board.runs], [a.nickname for a in board.answers]) == (["Ada"], ["Bob"])
    store.close(code, key)
    store.show_names(code, key, False)                             # a closed class too
    board = store.board(code)
    assert (board.closed, board.show_names, [r.nickname for r in board.runs]) == (True, False, [None])
    assert [r.nickname for r in store.board(code, key=key).runs] == ["Ada"]
    with pytest.raises(UnknownClass):
        store.show_names("K7Q-M2X-9H#", key, True)


def test_an_answer_carries_the_outcome_of_the_students_run(store: Store) -> None:
    code, _ = store.create_class()
    token = store.join(code, "Ada")
    store.post_answer(code, token, "c1", "a", outcome="b")
    store.post_answer(code, token, "c2", 0.5, outcome=0.4375)
    assert [(a.checkpoint_id, a.answer, a.outcome) for a in store.board(code).answers] == [
        ("c1", "a", "b"), ("c2", 0.5, 0.4375)]
    store.post_answer(code, token, "c1", "a")                     # the post sets both: no outcome now
    for bad in [float("nan"), float("inf"), "", "x" * 201, True, [1], {"a": 1}]:
        with pytest.raises(BadInput) as e:
            store.post_answer(code, token, "c2", "a", outcome=bad)
        assert str(e.value) == ("An outcome must be a choice (text of 1 to 200 characters), a finite "
                                "number, or none.")
    assert [(a.answer, a.outcome) for a in store.board(code).answers] == [("a", None), (0.5, 0.4375)]
    with store.engine.connect() as conn:                           # none is SQL NULL, not JSON null
        assert conn.scalar(select(func.count()).select_from(Answer).where(Answer.outcome.is_(None))) == 1


def test_check_check_key_and_student_validate_links(store: Store) -> None:
    code, key = store.create_class()
    other, other_key = store.create_class()
    ada, bob = store.join(code, "Ada"), store.join(code, "  Bob ")
    assert store.check(code.lower().replace("-", " ")) == code
    for bad in ["", "K7Q", "K7Q-M2X-9H#", None, *(c for c in [new_code()] if c != normalise_code(code))]:
        with pytest.raises(UnknownClass):
            store.check(bad)
    assert store.check_key(code, key) is None
    for wrong in [other_key, "", None]:
        with pytest.raises(WrongKey):
            store.check_key(code, wrong)
    with pytest.raises(UnknownClass):
        store.check_key("", key)
    assert (store.student(code, ada), store.student(code, bob)) == ((1, "Ada"), (2, "Bob"))
    for wrong in [store.join(other, "Eve"), "", None]:
        with pytest.raises(UnknownStudent) as e:
            store.student(code, wrong)
        assert str(e.value) == f"This student token does not belong to class {code}; join the class to post."
    store.close(code, key)
    assert store.student(code, ada) == (1, "Ada") and store.check(code) == code   # closed: still read


def test_refusals_are_written_in_the_language_of_the_request(store: Store, monkeypatch) -> None:
    from rnn_core import i18n

    real = i18n._catalog
    monkeypatch.setattr(i18n, "_catalog", lambda lang: Marked() if lang == "ru" else real(lang))
    code, key = store.create_class()
    store.join(code, "Ada")
    with i18n.language("ru"):
        with pytest.raises(NicknameTaken) as taken:
            store.join(code, "ada")
        with pytest.raises(BadInput) as bad:
            store.join(code, "")
        with pytest.raises(WrongKey) as wrong:
            store.check_key(code, "nope")
    assert str(taken.value) == "«Another student of this class is called 'ada'; choose another nickname.»"
    assert str(bad.value) == ("«A nickname must be 1 to 32 characters long (without surrounding spaces); "
                              "this one has 0.»")
    assert str(wrong.value) == (
        f"«That is not the lecturer key of class {code}; nothing was changed or shown.»")
    with pytest.raises(WrongKey, match="^That is not"):             # English outside the block
        store.check_key(code, "nope")


def test_nicknames_are_unique_in_a_class(store: Store) -> None:
    code, _ = store.create_class()
    store.join(code, "Ada")
    with pytest.raises(NicknameTaken) as e:
        store.join(code, " ada ")
    assert str(e.value) == "Another student of this class is called 'ada'; choose another nickname."
    other, _ = store.create_class()
    assert store.join(other, "Ada")


def test_limits_on_runs_students_and_posts_per_minute(make_store) -> None:
    clock = Clock()
    store = make_store(clock=clock)
    code, _ = store.create_class()
    token = store.join(code, "Ada")
    for i in range(50):
        clock.now += 1.0
        run(store, code, token, f"r{i}")
    clock.now += 1.0
    with pytest.raises(TooMany) as e:
        run(store, code, token, "r50")
    assert str(e.value) == ("You have 50 runs in this class, the most a student can have; withdraw one to "
                            "post another.")
    run(store, code, token, "r49", final=True)                    # a repost of an existing run is fine
    burst = store.join(code, "Bob")
    for i in range(60):
        store.post_answer(code, burst, f"c{i}", i)
    with pytest.raises(TooFast) as e:
        store.post_answer(code, burst, "c60", 60)
    assert str(e.value) == "At most 60 posts a minute are allowed; try again in 60 s."
    clock.now += 30.0
    with pytest.raises(TooFast, match="try again in 30 s"):
        store.post_answer(code, burst, "c60", 60)
    clock.now += 30.001
    store.post_answer(code, burst, "c60", 60)
    assert count(store, Answer) == 61


def test_a_class_takes_at_most_200_students(make_store) -> None:
    store = make_store(limits=Limits(students_per_class=200))
    code, _ = store.create_class()
    for i in range(200):
        store.join(code, f"s{i}")
    with pytest.raises(TooMany) as e:
        store.join(code, "one more")
    assert str(e.value) == "The class is full: it has 200 students, the most a class can have."
    assert count(store, Student, class_id=class_id(store, code)) == 200


def test_expiry_deletes_old_classes_with_their_rows(make_store) -> None:
    clock = Clock(2_000_000.0)
    store = make_store(clock=clock)
    old, old_key = store.create_class()
    token = store.join(old, "Ada")
    run(store, old, token)
    store.post_answer(old, token, "c1", "a")
    old_id = class_id(store, old)
    clock.now += 10 * 86400
    young, _ = store.create_class()
    store.join(young, "Bob")
    assert store.expire(now=2_000_000.0 + 14 * 86400) == 0          # exactly 14 days: kept
    assert store.expire(now=2_000_000.0 + 14 * 86400 + 1) == 1
    with pytest.raises(UnknownClass):
        store.board(old)
    assert store.board(young).students == 1
    assert [count(store, m, class_id=old_id) for m in (Student, Run, Answer)] == [0, 0, 0]
    clock.now += 6 * 86400
    assert make_store(clock=clock, limits=Limits(keep_days=5)).expire() == 1      # configurable
    assert make_store().expire() == 0


def test_delete_removes_the_class_and_its_rows(store: Store) -> None:
    code, key = store.create_class()
    token = store.join(code, "Ada")
    run(store, code, token)
    cid = class_id(store, code)
    store.delete(code, key)
    with pytest.raises(UnknownClass):
        store.delete(code, key)
    assert [count(store, m, class_id=cid) for m in (Student, Run, Answer)] == [0, 0, 0]


def test_export_csv_header_and_rows(make_store) -> None:
    store = make_store(clock=Clock(1_700_000_000.5))
    code, key = store.create_class()
    ada, bob = store.join(code, "=Ada, \"the\" first"), store.join(code, "Bob")
    run(store, code, ada, "a1", settings={"lr": 0.01, "cell": "lstm"}, metrics={"rmse": 0.25}, final=True)
    store.post_answer(code, ada, "sine-1", "b", outcome="=c")
    store.post_answer(code, bob, "sine-1", -0.5)
    store.post_answer(code, bob, "sine-2", "a", outcome=0.25)
    assert CSV_HEADER[:3] == ["student", "nickname", "kind"]
    assert CSV_HEADER[-3:] == ["answer", "outcome", "updated"]
    assert store.export_csv(code, key) == (
        "student,nickname,kind,page,run_id,seed,final,settings,metrics,checkpoint_id,answer,outcome,"
        "updated\r\n"
        "1,\"'=Ada, \"\"the\"\" first\",run,sine,a1,7,1,\"{\"\"cell\"\":\"\"lstm\"\",\"\"lr\"\":0.01}\","
        "\"{\"\"rmse\"\":0.25}\",,,,1700000000.5\r\n"
        "1,\"'=Ada, \"\"the\"\" first\",answer,,,,,,,sine-1,b,'=c,1700000000.5\r\n"
        "2,Bob,answer,,,,,,,sine-1,-0.5,,1700000000.5\r\n"
        "2,Bob,answer,,,,,,,sine-2,a,0.25,1700000000.5\r\n")


def test_the_migrations_make_the_models_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from classroom.models import Base

    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0002"
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    Store(store.url).dispose()                                      # opening again: already at head


def test_migration_0002_keeps_the_rows_up_and_down(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from classroom.db import MIGRATIONS, make_engine

    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO classes (id, code, key_hash, created) VALUES (1, 'K7QM2X9HD', "
                          f"'{digest('key')}', 1.0)"))
        conn.execute(text("INSERT INTO students (id, class_id, number, nickname, token_hash, joined, recent) "
                          f"VALUES (1, 1, 1, 'Ada', '{digest('tok')}', 1.0, '[]')"))
        conn.execute(text("INSERT INTO answers (id, class_id, student_id, checkpoint_id, answer, updated) "
                          "VALUES (1, 1, 1, 'c1', '\"a\"', 2.0)"))
    engine.dispose()
    with Store(db_url) as store:
        board = store.board("K7Q-M2X-9HD")
        assert (board.show_names, [(a.answer, a.outcome) for a in board.answers]) == (False, [("a", None)])
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0002"
        with store.engine.begin() as conn:               # back down: the columns go, no row goes with them
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
        assert [count(store, m) for m in (ClassRow, Student, Answer)] == [1, 1, 1]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:
    with Store(sqlite_url(tmp_path / "c.sqlite3")) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with Store(sqlite_url(tmp_path / "c.sqlite3"), busy_timeout=0.25) as s, s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250     # a shorter wait (tests)


def test_the_database_comes_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("RNNX_DATABASE_URL", raising=False)
    monkeypatch.setenv("RNNX_CLASS_DB", str(tmp_path / "here" / "c.sqlite3"))
    assert default_url() == f"sqlite+pysqlite:///{tmp_path}/here/c.sqlite3"
    monkeypatch.setenv("RNNX_DATABASE_URL", "postgresql+psycopg://u@db/classes")
    assert default_url() == "postgresql+psycopg://u@db/classes"
    with pytest.raises(ValueError, match="needs an SQLite file"):
        Store("sqlite://")
