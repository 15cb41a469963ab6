"""Engines, sessions and schema migrations for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so the web server, the scheduler and a
staff member's CLI can share one file without "database is locked" errors on ordinary loads.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)


class DatabaseNotReadyError(RuntimeError):
    """The schema is behind the code; the message says which command fixes it."""


def make_engine(url: str) -> Engine:
    """`hide_parameters`: a failed statement's exception (and so its traceback in a log) names the SQL but
    not the values, which are leaders' personal data."""
    if url.startswith("sqlite"):
        create_private_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg prepares a statement after 5 runs, and PostgreSQL may then switch it to a generic plan. A
    # generic plan cannot see the tsquery it will get, and for search it picks a sequential scan: 100 ms
    # instead of 5. Custom plans keep the prepared parse and plan with the real values every time.
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan"})


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or None for an in-memory or URI-style database."""
    parsed = make_url(url)
    name = parsed.database or ""
    if not name or name == ":memory:" or name.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(name)


def create_private_file(url: str) -> None:
    """Create a new SQLite database file readable by its owner only (0600), before SQLite would create it
    with the process's umask (usually 0644: anyone on the machine could read the directory). SQLite gives
    the -wal and -shm files it makes beside it the same mode. An existing file is left as the operator
    set it, with a warning if others can read it."""
    path = sqlite_file(url)
    if path is None or not path.parent.is_dir():
        return  # SQLite reports a missing directory better than we could
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("the database file %s can be read by other users (mode %04o); "
                        "`chmod 600` it and its -wal and -shm files", path, mode)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """An engine plus a session factory; `session()` is a unit of work that commits or rolls back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, commit: bool = True) -> Iterator[Session]:
        """A unit of work; `commit=False` rolls back at the end (dry runs see the real outcome first)."""
        with self._sessions() as session:
            try:
                yield session
                if commit:
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise

    # -- migrations -------------------------------------------------------------------------------
    def _alembic_config(self):  # type: ignore[no-untyped-def]
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def upgrade(self) -> None:
        from alembic import command

        command.upgrade(self._alembic_config(), "head")

    def is_empty(self) -> bool:
        return not inspect(self.engine).get_table_names()

    def ensure_ready(self) -> None:
        """Create the schema in an empty database; refuse to run against one that is behind.

        An empty database is safe to initialise without asking (a fresh machine's first run); a database
        with data that needs migrating is an operator's decision, so we stop and name the command.
        """
        if self.is_empty():
            self.upgrade()
            return
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            raise DatabaseNotReadyError(
                f"the database schema is at {current or 'no revision'} but this version needs {head}; "
                "run `leaders db upgrade` first")

    def dispose(self) -> None:
        self.engine.dispose()
