"""The database: one engine per app, one session per app context.

Services flush; the request (or CLI command, or webhook) commits once at one
place, and anything that goes wrong rolls back (see ``app.__init__``). A request that
wrote nothing does not commit: its transaction ends when the session closes.

A signed-out GET, which only ever reads, runs without a transaction at all
(``reading_session``): each SELECT stands alone, so there is no BEGIN and no ROLLBACK to
wait for, and any statement that would write is refused before it reaches the database.
With ``DATABASE_READ_URL`` those reads go to a read replica; everyone signed in stays on
the primary, so an author always reads their own writes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from flask import session as cookie_session
from sqlalchemy import CheckConstraint, DateTime, Engine, MetaData, create_engine, event, pool
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    ORMExecuteState,
    Session,
    SessionTransaction,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from app.input import BadInput
from config import ConfigurationError

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

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        # The same as the decorator's own (the impl's parsing of SQLite's text, then
        # process_result_value) in one call per value instead of three: a page's rows hold
        # hundreds of these, most of them empty.
        parse = self.impl_instance.result_processor(dialect, coltype)

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if parse is not None:
                value = parse(value)
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value.astimezone(UTC)

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


def utcnow() -> datetime:
    return datetime.now(UTC)


def lost_the_write_lock(error: SQLAlchemyError) -> bool:
    """Whether ``error`` is SQLite refusing a transaction the write lock (``SQLITE_BUSY``).
    Mostly a transaction that has only read: it cannot become a writer once another
    connection has committed since it began (its snapshot is no longer current), and SQLite
    says so at once. Otherwise a writer that waited out the busy timeout."""
    return getattr(getattr(error, "orig", None), "sqlite_errorname", "").startswith("SQLITE_BUSY")


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
            # A request that only reads begins nothing (``reading_session``): each SELECT
            # stands alone, as in pysqlite's own autocommit.
            if connection.get_execution_options().get("kindred_reads_only"):
                return
            # A request that sends a form takes SQLite's one write lock as it begins, so a
            # second one waits for it (busy_timeout) instead of failing: a deferred
            # transaction that read first cannot take the lock once another has written.
            # Page views (GET) stay deferred, so readers never queue behind each other; so
            # do jobs and commands, which must not hold the lock while they read.
            sending = has_request_context() and request.method not in {"GET", "HEAD"}
            connection.exec_driver_sql("BEGIN IMMEDIATE" if sending else "BEGIN")

    else:
        ping_after_idle = options.pop("ping_after_idle", DEFAULT_PING_AFTER_IDLE)
        options.setdefault("pool_recycle", DEFAULT_POOL_RECYCLE)
        engine = create_engine(url, **options)
        if ping_after_idle is not None:
            ping_idle_connections(engine, ping_after_idle)
    event.listen(engine, "before_cursor_execute", _refuse_unstorable_text)
    return engine


# A connection is pinged before use only when it lay idle in the pool this long (seconds):
# under load connections come back within milliseconds, and a ping on every checkout
# (``pool_pre_ping``) would be one more round trip per request for nothing. After a quiet
# spell (a database restart, a firewall dropping idle connections) the ping finds the dead
# ones and the pool opens fresh ones instead of failing a request.
DEFAULT_PING_AFTER_IDLE = 10.0
# Connections older than this (seconds) are replaced, well inside common idle timeouts.
DEFAULT_POOL_RECYCLE = 1800


def ping_idle_connections(engine: Engine, after_idle: float) -> None:
    """Ping a pooled connection on checkout only if it was idle for ``after_idle`` seconds."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < after_idle:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:
            # The pool discards this connection and checks out another.
            raise DisconnectionError() from error


class Database:
    """Binds an engine and a session factory to each Flask app."""

    def init_app(self, app: Flask) -> None:
        options: dict[str, Any] = {}
        if not app.config["DATABASE_URL"].startswith("sqlite"):
            options["pool_size"] = app.config.get("DATABASE_POOL_SIZE", 5)
            options["ping_after_idle"] = app.config.get(
                "DATABASE_PING_AFTER_IDLE", DEFAULT_PING_AFTER_IDLE
            )
        engine = make_engine(app.config["DATABASE_URL"], **options)
        read_url = app.config.get("DATABASE_READ_URL")
        if read_url and engine.dialect.name == "sqlite":
            raise ConfigurationError("DATABASE_READ_URL needs DATABASE_URL to be PostgreSQL too")
        read_engine = make_engine(read_url, **options) if read_url else engine
        app.extensions["kindred_db"] = _AppDatabase(engine, read_engine)
        app.after_request(self._finish_request)
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["kindred_db"].engine

    @property
    def session(self) -> Session:
        """The session of the current app context, created on first use: the reading
        session for a signed-out GET where there is one, else the ordinary one."""
        session = g.get("_kindred_session")
        if session is None:
            databases = current_app.extensions["kindred_db"]
            if databases.reader is not None and _reads_only():
                session = databases.reader()
            else:
                session = databases.sessionmaker()
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
        # Reads outside that transaction would not see what the test made.
        app.extensions["kindred_db"].reader = None

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
        """Commit the request's unit of work once, unless the response is an error. A
        request that changed nothing does not commit: its transaction ends when the
        session closes after the response (a rollback, which writes nothing)."""
        session = g.get("_kindred_session")
        if session is None:
            return response
        if response.status_code >= 400:
            self.discard()
            return response
        if not has_writes(session):
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


def has_writes(session: Session) -> bool:
    """Whether the session's transaction changed anything, or has changes waiting: a flush
    that wrote, an INSERT, UPDATE or DELETE run through it, or objects added, changed or
    deleted since. (Statements run on ``session.connection()`` directly are not seen:
    whoever runs them commits them.)"""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


_WROTE = "kindred_wrote"


def _track_writes(factory: sessionmaker) -> None:
    @event.listens_for(factory, "after_transaction_end")
    def _ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(_WROTE, None)

    @event.listens_for(factory, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        session.info[_WROTE] = True

    @event.listens_for(factory, "do_orm_execute")
    def _executed(state: ORMExecuteState) -> None:
        if not state.is_select:
            state.session.info[_WROTE] = True


class ReadOnlyRequest(SQLAlchemyError):
    """A statement that would write, run by a request that may only read."""


def _reads_only() -> bool:
    """Whether this request only reads: a GET or HEAD by someone signed out. (Every such
    page is crawled by the tests, which fail on any write one tries.)"""
    return (
        has_request_context()
        and request.method in {"GET", "HEAD"}
        and "_user_id" not in cookie_session
    )


_READS = re.compile(r"\s*(SELECT|WITH|SHOW|EXPLAIN)\b", re.IGNORECASE)


def _refuse_writes(conn: Connection, _cursor: Any, statement: str, *_rest: Any) -> None:
    if conn.get_execution_options().get("kindred_reads_only") and not _READS.match(statement):
        raise ReadOnlyRequest(
            f"a signed-out GET may only read, and tried: {statement[:80]}", None, None
        )


def reading_session(engine: Engine) -> sessionmaker:
    """Sessions whose every statement stands alone (autocommit) and may only read, for
    requests that only read. On SQLite no BEGIN is sent (see ``make_engine``): pysqlite's
    own isolation levels would undo the recipe that lets SQLAlchemy begin transactions."""
    event.listen(engine, "before_cursor_execute", _refuse_writes)
    if engine.dialect.name == "sqlite":
        reads = engine.execution_options(kindred_reads_only=True)
    else:
        reads = engine.execution_options(isolation_level="AUTOCOMMIT", kindred_reads_only=True)
    return sessionmaker(bind=reads, expire_on_commit=False)


class _AppDatabase:
    def __init__(self, engine: Engine, read_engine: Engine | None = None) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
        _track_writes(self.sessionmaker)
        # On a read replica when there is one (DATABASE_READ_URL), else on the primary.
        self.read_engine = read_engine or engine
        self.reader: sessionmaker | None = reading_session(self.read_engine)


db = Database()
