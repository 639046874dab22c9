"""Alembic's environment for the class store: run on the connection `classroom.db.upgrade` passes in
(``config.attributes["connection"]``), or on ``sqlalchemy.url`` / ``RNNX_DATABASE_URL`` from the command
line (``alembic -c classroom/alembic.ini upgrade head``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from classroom.db import default_url
from classroom.models import Base

config = context.config


def _run(connection) -> None:  # noqa: ANN001
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or default_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
