"""Engines, sessions and schema migrations for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so the web server, the scheduler and a
staff member's CLI can share one file without "database is locked" errors on ordinary loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseNotReadyError(RuntimeError):
    """The schema is behind the code; the message says which command fixes it."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg prepares a statement after 5 runs, and PostgreSQL may then switch it to a generic plan. A
    # generic plan cannot see the tsquery it will get, and for search it picks a sequential scan: 100 ms
    # instead of 5. Custom plans keep the prepared parse and plan with the real values every time.
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan"})


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
