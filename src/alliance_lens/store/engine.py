"""The workspace's engine: connecting, one transaction with retries, the locks, and faults as clear messages.

- **Connecting.** SQLite (a file of one facilitator) runs in WAL mode with a busy timeout; a write transaction
  begins with ``BEGIN IMMEDIATE`` so writers queue instead of failing; read-only it is opened ``mode=ro``.
  Other engines (PostgreSQL) get a connection pool sized by the settings (``db_pool_size``,
  ``db_max_overflow``) and checked before use; read-only, PostgreSQL runs every transaction read-only.
- **One transaction, retried.** :func:`run` retries what another writer caused and a retry cures: SQLite's
  "database is locked", PostgreSQL's deadlocks and serialization failures, and a unique key taken by a writer
  that committed first (the retry's checks then name it, exactly as if it had been there before). Reads on
  PostgreSQL run in ``REPEATABLE READ``, so the several statements of a load see one state.
- **Locks.** :func:`lock_alliances` raises the revision counter of each alliance a change touches, first thing
  in the change's transaction: that row lock makes the writers of one alliance queue on every engine (two
  undos undo two different changes), and the counter commits with the change, so a view that saw revision *n*
  saw every change up to *n*. :func:`lock_schema` makes creating and migrating the schema one at a time.
- **Faults.** A full disk, a damaged file, an unreachable server or a missing grant is a :class:`StoreFault`
  saying so in plain words, never an ``OperationalError`` on a user's screen.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from alliance_lens.config import settings
from alliance_lens.messages import tr
from alliance_lens.model import UserError
from alliance_lens.store import schema as s

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_MS: Final = 30_000
#: How long a transaction is retried while other writers hold the lock or collide with it.
RETRY_FOR_S: Final = 120.0
#: Retries after a unique key was taken by a concurrent writer (the retry's checks then report it).
_UNIQUE_RETRIES: Final = 3
#: PostgreSQL error codes that a retry of the whole transaction cures.
_PG_TRANSIENT: Final = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock not available
#: The key of the advisory lock under which the schema is created or migrated (any constant bigint).
_SCHEMA_LOCK_KEY: Final = 0x616C6C69616E6365


class StoreFault(UserError):
    """The database cannot do what was asked for a reason outside alliance_lens: disk, file, server, grants.

    ``kind`` is ``disk``, ``corrupt``, ``cannot_open``, ``unreachable``, ``permission`` or ``conflict``.
    """

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given; create_engine reports it
        return url


# ---------------------------------------------------------------------------------------------- errors


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def is_transient(exc: BaseException) -> bool:
    """Another writer's lock or collision, which a retry of the whole transaction cures."""
    if _sqlstate(exc) in _PG_TRANSIENT:
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def is_unique_violation(exc: BaseException) -> bool:
    """A primary or unique key already taken."""
    if not isinstance(exc, IntegrityError):
        return False
    return _sqlstate(exc) == "23505" or "unique constraint failed" in str(exc.orig).lower()


def fault(exc: BaseException, where: str) -> StoreFault | None:
    """A clear message for a database fault a user or operator can act on; ``None`` for anything else."""
    orig = getattr(exc, "orig", exc)
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low, state = text.lower(), _sqlstate(exc)
    if "database or disk is full" in low or "disk i/o error" in low or state in ("53100", "53000"):
        return StoreFault("disk", tr("store.disk_full", "en", where=where, detail=text))
    if "file is not a database" in low or "malformed" in low or state.startswith("XX"):
        return StoreFault("corrupt", tr("store.corrupt", "en", where=where, detail=text))
    if "unable to open database file" in low or "readonly database" in low:
        return StoreFault("cannot_open", tr("store.cannot_open", "en", where=where, detail=text))
    if state == "42501":
        return StoreFault("permission", tr("store.permission", "en", where=where, detail=text))
    if state.startswith("08") or ("connection" in low and ("refused" in low or "failed" in low)):
        return StoreFault("unreachable", tr("store.unreachable", "en", where=where, detail=text))
    if state.startswith("28") or "password authentication failed" in low:
        return StoreFault("unreachable", tr("store.unreachable", "en", where=where, detail=text))
    return None


# ---------------------------------------------------------------------------------------------- transactions


def run(engine: Engine, fn: Callable[[Connection], T], *, write: bool, where: str) -> T:
    """Run ``fn`` in one transaction, retried while other writers' locks or collisions are in the way."""
    deadline = time.monotonic() + RETRY_FOR_S
    delay, unique_retries = 0.02, 0
    postgres = engine.dialect.name == "postgresql"
    while True:
        try:
            with engine.connect() as conn:
                if write:
                    conn.execution_options(alliance_lens_write=True)
                elif postgres:
                    # one snapshot for the several statements of a load: a consistent state, never half a change
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    return fn(conn)
        except DBAPIError as exc:
            if is_unique_violation(exc) and write and unique_retries < _UNIQUE_RETRIES:
                # a writer that committed first took the key: the retry's checks report it as a user's problem
                unique_retries += 1
                log.debug("unique key taken by a concurrent writer; retrying (%s)", exc.orig)
                continue
            if is_transient(exc) and time.monotonic() < deadline:
                log.debug("transaction collided with another writer; retrying in %.2f s (%s)", delay, exc.orig)
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)
                continue
            if is_unique_violation(exc):
                raise StoreFault("conflict", tr("store.conflict", "en", where=where)) from exc
            known = fault(exc, where)
            if known is not None:
                raise known from exc
            raise


def lock_alliances(conn: Connection, alliance_ids: Iterable[str]) -> dict[str, int]:
    """Lock the alliances a change touches and raise their revisions; returns each one's new revision.

    Call it first in the change's transaction: the writers of one alliance then queue here until the one
    before commits, and everything they read afterwards includes its change. Alliances are locked in sorted
    order, so two changes of the same alliances cannot deadlock each other.
    """
    r = s.alliance_revisions
    revisions: dict[str, int] = {}
    for alliance_id in sorted(set(alliance_ids)):
        raise_it = update(r).where(r.c.alliance_id == alliance_id).values(revision=r.c.revision + 1)
        if conn.execute(raise_it).rowcount == 0:
            _insert_missing(conn, alliance_id)
            conn.execute(raise_it)
        revisions[alliance_id] = int(
            conn.execute(select(r.c.revision).where(r.c.alliance_id == alliance_id)).scalar_one()
        )
    return revisions


def _insert_missing(conn: Connection, alliance_id: str) -> None:
    """The alliance's counter at 0, unless a concurrent writer has just made it (then wait for it)."""
    r = s.alliance_revisions
    values = {"alliance_id": alliance_id, "revision": 0}
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(r).values(**values).on_conflict_do_nothing())
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(r).values(**values).on_conflict_do_nothing())
    else:
        try:
            with conn.begin_nested():
                conn.execute(r.insert().values(**values))
        except IntegrityError:
            pass


def lock_schema(conn: Connection) -> None:
    """Creating or migrating the schema, one server at a time (SQLite: ``BEGIN IMMEDIATE`` already is)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK_KEY})")


# ---------------------------------------------------------------------------------------------- connecting


def make_engine(url: str, read_only: bool) -> Engine:
    """The engine of the workspace at ``url`` (see the module's docstring for what each engine is given)."""
    try:
        u = make_url(url)
    except Exception as exc:
        raise UserError(f"{url!r} is not a database URL (e.g. sqlite:///path/workspace.sqlite)") from exc
    if u.get_backend_name() != "sqlite":
        cfg = settings()
        engine = create_engine(
            u, pool_pre_ping=True, pool_size=int(cfg.db_pool_size), max_overflow=int(cfg.db_max_overflow)
        )
        if read_only and u.get_backend_name() == "postgresql":
            engine = engine.execution_options(postgresql_readonly=True)
        return engine
    database = u.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        if read_only:
            raise UserError("an in-memory workspace cannot be opened read-only")
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, creator=lambda: sqlite3.connect(":memory:", check_same_thread=False)
        )
    else:
        path = Path(database).expanduser().resolve()
        if read_only:
            if not path.is_file():
                raise UserError(f"there is no workspace at {path}")
            uri = f"{path.as_uri()}?mode=ro"

            def creator() -> sqlite3.Connection:
                return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        else:
            private_file(path)

            def creator() -> sqlite3.Connection:
                return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

        engine = create_engine("sqlite://", creator=creator)
    _sqlite_events(engine, read_only)
    return engine


def private_file(path: Path) -> None:
    """Make the workspace's folder (``0700``) and file (``0600``) readable by their owner only.

    Only what is created here is restricted: an existing folder (a home, a shared mount) is left as it is.
    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file.
    """
    if not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreFault("cannot_open", tr("store.cannot_open", "en", where=str(path), detail=exc)) from exc
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreFault("cannot_open", tr("store.cannot_open", "en", where=str(path), detail=exc)) from exc


def _sqlite_events(engine: Engine, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below): pysqlite's own transaction handling would defer it.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if read_only:
            cur.execute("PRAGMA query_only = ON")
        else:
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() not in ("wal", "memory"):
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # A writer takes the write lock at once, so it waits its turn (busy_timeout) instead of failing
        # when it later tries to upgrade a read lock that another writer has made stale.
        write = conn.get_execution_options().get("alliance_lens_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
