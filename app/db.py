"""The database: one engine per app, one session per app context.

Services flush; the request (or CLI command, or webhook) commits once at one
place, and anything that goes wrong rolls back (see ``app.__init__``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g
from sqlalchemy import CheckConstraint, DateTime, Engine, MetaData, create_engine, event, pool
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.input import BadInput

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values``, named ``ck_<table>_<column>``."""
    allowed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class UnstorableText(BadInput):
    """Text with a NUL or a lone surrogate reached the database, which can't hold it."""


# PostgreSQL can't hold NUL in text and neither database can encode a lone surrogate;
# SQLite would store the first. Refusing both before any statement runs makes every
# database give the same answer, a 400 page, wherever such text slipped through.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _parameter_values(parameters: Any) -> Iterator[Any]:
    if isinstance(parameters, dict):
        parameters = parameters.values()
    elif not isinstance(parameters, list | tuple):
        return
    for value in parameters:
        if isinstance(value, dict | list | tuple):
            yield from _parameter_values(value)
        else:
            yield value


def _refuse_unstorable_text(
    _connection: Connection, _cursor: Any, _statement: str, parameters: Any, *_args: Any
) -> None:
    for value in _parameter_values(parameters):
        if isinstance(value, str) and _UNSTORABLE.search(value):
            raise UnstorableText(
                "Text can't contain the NUL character or bytes that are not valid text, "
                "so nothing was changed. Please remove them and try again."
            )


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, foreign_keys: bool = True, **options: Any) -> Engine:
    """Create an engine; SQLite gets real transactions, savepoints and foreign keys.

    Migrations ask for SQLite without foreign keys (``foreign_keys=False``): they rebuild
    tables to alter them, and dropping a table with foreign keys on would run every
    ``ON DELETE`` of the rows that point at it.
    """
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {})["check_same_thread"] = False
        if url in {"sqlite://", "sqlite:///:memory:"}:
            options.setdefault("poolclass", pool.StaticPool)
        engine = create_engine(url, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin, so
            # SAVEPOINT works (the documented pysqlite recipe).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute("PRAGMA busy_timeout=5000")
            if url not in {"sqlite://", "sqlite:///:memory:"}:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    else:
        options.setdefault("pool_pre_ping", True)
        engine = create_engine(url, **options)
    event.listen(engine, "before_cursor_execute", _refuse_unstorable_text)
    return engine


class Database:
    """Binds an engine and a session factory to each Flask app."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["kindred_db"] = _AppDatabase(engine)
        app.after_request(self._finish_request)
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["kindred_db"].engine

    @property
    def session(self) -> Session:
        """The session of the current app context, created on first use."""
        session = g.get("_kindred_session")
        if session is None:
            session = current_app.extensions["kindred_db"].sessionmaker()
            g._kindred_session = session
        return session

    def bind_to_connection(self, app: Flask, connection: Connection) -> None:
        """Run the app's sessions inside an outer transaction (test isolation).

        Each commit becomes a SAVEPOINT release, so rolling the outer
        transaction back leaves the database as it was.
        """
        app.extensions["kindred_db"].sessionmaker.configure(
            bind=connection, join_transaction_mode="create_savepoint"
        )

    def discard(self) -> None:
        """Roll back the current unit of work, if one began, whatever state it is in.

        Never raises: when even the rollback fails (the connection is gone), the session
        is dropped and the next use starts a new one.
        """
        session = g.get("_kindred_session")
        if session is None:
            return
        try:
            session.rollback()
        except SQLAlchemyError:
            current_app.logger.warning("Rolling back failed; starting a new session")
            g.pop("_kindred_session", None)
            self._close_quietly(session)

    def _finish_request(self, response: Response) -> Response:
        """Commit the request's unit of work once, unless the response is an error."""
        session = g.get("_kindred_session")
        if session is None:
            return response
        if response.status_code >= 400:
            self.discard()
            return response
        try:
            session.commit()
        except Exception:
            # The error page that follows starts from a clean session.
            self.discard()
            raise
        return response

    def _close_session(self, _exc: BaseException | None) -> None:
        session = g.pop("_kindred_session", None)
        if session is not None:
            self._close_quietly(session)

    @staticmethod
    def _close_quietly(session: Session) -> None:
        try:
            session.close()
        except SQLAlchemyError:
            current_app.logger.exception("Closing a database session failed")


class _AppDatabase:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)


db = Database()
