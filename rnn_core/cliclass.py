"""``python -m rnn_core class …``: a lecturer's class from the command line (the store is classroom/),
and ``train … --class CODE``: a run posted to a class while it trains.

    class new [--base-url URL] [--json]            the code, the lecturer key, the join and lecturer links
    class show CODE --key KEY [--page P] [--json]  the runs and the checkpoint answers, with nicknames
    class close CODE --key KEY                     no more runs, answers or students
    class export CODE --key KEY [-o FILE]          the runs and answers as CSV
    class delete CODE --key KEY --yes              the class with its students, runs and answers

Each takes ``--db URL`` (default: ``RNNX_DATABASE_URL``, else the SQLite file at ``RNNX_CLASS_DB`` or
``~/.local/share/rnn-explorer/classes.sqlite3``). The links start with ``--base-url``, else
``RNNX_PUBLIC_URL``, else ``http://localhost:8501``. ``new --json``: ``code``, ``key``, ``join_url``,
``lecturer_url``. ``show --json``: ``code``, ``closed``, ``students`` (how many joined), ``runs`` (each
``student``, ``nickname``, ``page``, ``run_id``, ``seed``, ``settings``, ``metrics``, ``final`` and
``points``, the number of points of its loss curve) and ``answers`` (``student``, ``nickname``,
``checkpoint``, ``answer``, ``outcome``: null where the store does not say).
``train … --class CODE``: rnn_core/clipost.py.

A refusal of the store (unknown code, wrong key, closed class, nickname taken) or a
``--db`` that is no database URL exits 2; a database that cannot be reached exits 1 (cli.py's codes);
either prints one ``error: …`` line on stderr and nothing on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from . import schema
from .experiments import get_experiment
from .export import plain

if TYPE_CHECKING:
    from classroom import Board, Store

DEFAULT_BASE = "http://localhost:8501"
DB_HELP = ("the class database, a SQLAlchemy URL (sqlite:///path/classes.sqlite3, postgresql+psycopg://…; "
           "default: RNNX_DATABASE_URL, else the SQLite file RNNX_CLASS_DB or "
           "~/.local/share/rnn-explorer/classes.sqlite3)")


class Unreachable(Exception):
    """The class database could not be opened, read or written (not the person's input: exit 1)."""


def add_commands(sub: Any, train: argparse.ArgumentParser) -> None:
    """``class`` and its subcommands on the CLI's parser; ``--class``, ``--nickname``, ``--db`` on train."""
    train.add_argument("--class", dest="class_code", default=None, metavar="CODE",
                       help="join this class and post the run to it while it trains")
    train.add_argument("--nickname", default=None, help="with --class: the name the lecturer sees "
                       "(default: cli- and 4 random letters)")
    train.add_argument("--db", default=None, metavar="URL", help=DB_HELP)
    cl = sub.add_parser("class", help="a class: make one, read its runs and answers, close, export, delete")
    cmds = cl.add_subparsers(dest="class_command", required=True)
    new = cmds.add_parser("new", help="a new class: its code, the lecturer key and the links")
    new.add_argument("--base-url", default=None, metavar="URL",
                     help=f"where the app is served (default: RNNX_PUBLIC_URL, else {DEFAULT_BASE})")
    new.add_argument("--json", action="store_true", help="print one JSON object")
    made = {"new": new}
    for name, text in (("show", "the class's runs and answers, with nicknames"),
                       ("close", "close the class: no more runs, answers or students"),
                       ("export", "the class's runs and answers as CSV"),
                       ("delete", "delete the class with its students, runs and answers")):
        made[name] = p = cmds.add_parser(name, help=text)
        p.add_argument("code", help="the class code (K7Q-M2X-9HD)")
        p.add_argument("--key", required=True, help="the lecturer key (class new prints it; a key that "
                       "begins with - is given as --key=KEY)")
    made["show"].add_argument("--page", default=None, help="only the runs of this experiment (id or page)")
    made["show"].add_argument("--json", action="store_true", help="print one JSON object")
    made["export"].add_argument("-o", "--output", default=None, metavar="FILE",
                                help="write the CSV to FILE (default: stdout)")
    made["delete"].add_argument("--yes", action="store_true", help="yes, delete it for good")
    for p in made.values():
        p.add_argument("--db", default=None, metavar="URL", help=DB_HELP)


# ----------------------------------------------------------------------------- the database


def _masked(url: str) -> str:
    """A database URL fit to print: a password in it is starred."""
    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", url)


def first_line(e: BaseException) -> str:
    text = str(getattr(e, "orig", None) or e).strip()
    return (text.splitlines() or [type(e).__name__])[0][:300]


@contextmanager
def translated(url: str | None) -> Iterator[None]:
    """Database failures as the CLI says them: a URL SQLAlchemy cannot read is refused (ValueError,
    exit 2), a database it cannot reach is `Unreachable` (exit 1). Refusals of the store pass through."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    try:
        yield
    except ArgumentError as e:
        raise ValueError(f"--db: got {_masked(url or '')!r}, expected a database URL such as "
                         f"sqlite:///path/classes.sqlite3 ({first_line(e)})") from None
    except (SQLAlchemyError, OSError) as e:
        from classroom.db import default_url
        where = _masked(url or default_url())
        raise Unreachable(f"the class database {where} cannot be reached: {first_line(e)}") from None


def open_store(url: str | None) -> Store:
    """The class store at ``url`` (None: the store's default), its schema brought up to date."""
    if url is not None and "://" not in url:
        raise ValueError(f"--db: got {schema.short(url)}, expected a database URL such as "
                         "sqlite:///path/classes.sqlite3 or postgresql+psycopg://user@host/db")
    from classroom import Store
    with translated(url):
        return Store(url)


# ----------------------------------------------------------------------------- the lecturer


def base_url(given: str | None) -> str:
    """Where the app is served: ``--base-url``, else ``RNNX_PUBLIC_URL``, else localhost; no trailing /."""
    arg, text = ("--base-url", given) if given is not None else ("RNNX_PUBLIC_URL",
                                                                   os.environ.get("RNNX_PUBLIC_URL", ""))
    if given is None and not text.strip():
        return DEFAULT_BASE
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{arg}: got {schema.short(text)}, expected where the app is served, "
                         "http(s)://host[:port][/path], e.g. https://rnn.example.org")
    return text.strip().rstrip("/")


def links(base: str, code: str, key: str) -> dict[str, str]:
    """The class's links: students join at ``join_url``, the lecturer's board is ``lecturer_url``."""
    return {"join_url": f"{base}/class?{urlencode({'class': code})}",
            "lecturer_url": f"{base}/class?{urlencode({'class': code, 'key': key})}"}


def command(args: argparse.Namespace) -> tuple[str, bool]:
    """Do a ``class`` subcommand: what it prints on stdout, and whether that is written as it is (the
    CSV, its own line ends) rather than as a line. Nothing is printed before everything succeeded."""
    cmd = args.class_command
    if cmd == "delete" and not args.yes:
        raise ValueError(f"delete: expected --yes: deleting class {schema.short(args.code)} removes its "
                         "students, runs and answers for good")
    base = base_url(args.base_url) if cmd == "new" else ""
    page = _page(args.page) if cmd == "show" and args.page is not None else None
    store = open_store(args.db)
    try:
        with translated(args.db):
            if cmd == "new":
                code, key = store.create_class()
                out = {"code": code, "key": key, **links(base, code, key)}
                return (json.dumps(out) if args.json else new_text(out)), False
            if cmd == "show":
                board = board_json(store.board(args.code, page=page, key=args.key))
                return (json.dumps(board, allow_nan=False) if args.json else board_text(board)), False
            if cmd == "export":
                csv = store.export_csv(args.code, args.key)
            else:
                getattr(store, cmd)(args.code, args.key)                 # close, delete
    finally:
        store.dispose()
    if cmd == "export":
        return (write_csv(csv, args.output), False) if args.output else (csv, True)
    from classroom import normalise_code, show_code
    shown = show_code(normalise_code(args.code) or args.code)
    return (f"Class {shown} is closed: it takes no more runs, answers or students; show and export still "
            "read it." if cmd == "close" else f"Class {shown} is deleted with its students, runs and "
            "answers."), False


def _page(name: str) -> str:
    """``--page``: an experiment's id or page, as the runs are posted (by id)."""
    try:
        return get_experiment(name).id
    except ValueError as e:
        raise ValueError("--page: " + str(e).removeprefix("experiment: ")) from None


def write_csv(text: str, path: str) -> str:
    """``export -o FILE``: the CSV written (its \\r\\n line ends kept); the line that says so."""
    Path(path).write_text(text, encoding="utf-8", newline="")
    rows = max(text.count("\r\n") - 1, 0)
    return f"Wrote {path}: {rows} row{'s' * (rows != 1)} (runs and answers)."


def new_text(out: dict[str, str]) -> str:
    """``class new`` as a lecturer reads it."""
    return "\n".join([f"Class {out['code']}",
                      f"  students join at: {out['join_url']}",
                      f"  lecturer key:     {out['key']}   (shown once; keep it: the board with nicknames, "
                      "close, export and delete need it)",
                      f"  lecturer link:    {out['lecturer_url']}"])


def board_json(board: Board) -> dict[str, Any]:
    """The object of ``show --json`` (an answer's ``outcome`` is null where the store keeps none)."""
    runs = [{"student": r.student, "nickname": r.nickname, "page": r.page, "run_id": r.run_id, "seed": r.seed,
             "settings": r.settings, "metrics": r.metrics, "final": r.final, "points": len(r.curve)}
            for r in board.runs]
    answers = [{"student": a.student, "nickname": a.nickname, "checkpoint": a.checkpoint_id,
                "answer": a.answer, "outcome": getattr(a, "outcome", None)} for a in board.answers]
    return plain({"code": board.code, "closed": board.closed, "students": board.students, "runs": runs,
                  "answers": answers})


def _shown(v: Any) -> str:
    """A value of the board as a cell: numbers to 4 digits, None as –, what students typed without
    control characters (a nickname must not move the lecturer's cursor)."""
    if v is None:
        return "–"
    text = f"{v:.4g}" if isinstance(v, float) else str(v)
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _changed(page: str, settings: dict[str, Any]) -> str:
    """The settings of a run that differ from its page's default preset (all of them if the page is
    not an experiment of this version)."""
    try:
        default = get_experiment(page).preset().as_dict()
    except ValueError:
        default = {}
    diff = [f"{k}={schema.format_value(k, v) if k in schema.KNOB else v}" for k, v in settings.items()
            if k not in default or default[k] != v]
    return " ".join(diff) or "default"


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    body = [[_shown(x) for x in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    return ["  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
            for line in [head, *body]]


def board_text(b: dict[str, Any]) -> str:
    """``show`` as a lecturer reads it: a line on the class, a table of the runs, one of the answers."""
    state = "closed" if b["closed"] else "open"
    counts = [(b["students"], "student"), (len(b["runs"]), "run"), (len(b["answers"]), "answer")]
    lines = [f"Class {b['code']} ({state}): " + ", ".join(f"{n} {w}{'s' * (n != 1)}" for n, w in counts)]
    if b["runs"]:
        names = sorted({k for r in b["runs"] for k in r["metrics"] if k not in ("step", "stopped")})
        rows = [[r["student"], r["nickname"], r["page"], r["run_id"], "final" if r["final"] else "running",
                 r["metrics"].get("step"), *(r["metrics"].get(k) for k in names),
                 _changed(r["page"], r["settings"])] for r in b["runs"]]
        lines += ["", *_table(["#", "nickname", "page", "run", "state", "step", *names, "settings"], rows)]
    if b["answers"]:
        keys = ["student", "nickname", "checkpoint", "answer", "outcome"]
        rows = [[a[k] for k in keys] for a in b["answers"]]
        lines += ["", *_table(["#", *keys[1:]], rows)]
    return "\n".join(lines)
