"""Opening the class database: SQLite (a file, WAL, a busy timeout, writers one at a time) by default,
PostgreSQL when ``RNNX_DATABASE_URL`` (or the url given) says ``postgresql+psycopg://…``; and bringing
its schema to the newest migration (``alembic upgrade head``) under a lock, so replicas opening the
same database at once migrate it once.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE = "classroom_write"        # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
_PG_MIGRATION_LOCK = 0x524E4E58   # pg_advisory_xact_lock key ("RNNX")


def default_url() -> str:
    """``RNNX_DATABASE_URL``, else an SQLite file at ``RNNX_CLASS_DB`` or
    ``~/.local/share/rnn-explorer/classes.sqlite3``."""
    url = os.environ.get("RNNX_DATABASE_URL", "").strip()
    if url:
        return url
    path = os.environ.get("RNNX_CLASS_DB", "").strip()
    return sqlite_url(Path(path) if path else Path.home() / ".local/share/rnn-explorer/classes.sqlite3")


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file (its folder is made if missing)."""
    path = Path(path).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{path}"


def make_engine(url: str, busy_timeout: float = 30.0) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout (seconds a writer waits for the write lock
    before "database is locked"), foreign keys and explicit BEGINs."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if ":memory:" in url or url.rstrip("/").endswith("sqlite:") or url.endswith("pysqlite://"):
        raise ValueError("The class store needs an SQLite file (other processes read it), not :memory:.")
    engine = create_engine(url, pool_size=10, max_overflow=60, pool_timeout=60)
    event.listen(engine, "connect", partial(_sqlite_connect, busy_ms=max(0, round(busy_timeout * 1000))))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection, _record, busy_ms: int) -> None:  # noqa: ANN001 (DBAPI objects)
    dbapi_connection.isolation_level = None              # BEGIN is ours (see _sqlite_begin)
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    """Writers take the write lock at BEGIN (IMMEDIATE), so two never both read and then fail to write
    (SQLITE_BUSY, which no timeout retries); readers read a snapshot beside them (WAL)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def upgrade(engine: Engine) -> None:
    """``alembic upgrade head`` on this database, one process at a time."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        conn = conn.execution_options(**{WRITE: True})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
