"""The workspace: every alliance of a facilitator in one database, each change audited and undoable.

One :class:`Workspace` wraps one SQLAlchemy engine (:mod:`.engine`: SQLite tuned for several kernels,
PostgreSQL pooled, transactions retried, database faults as clear messages). Opened read-only, an SQLite
workspace is connected with ``mode=ro`` and a PostgreSQL one runs read-only transactions, so not even a bug
can write through it.

Every change is one transaction with one ``change_id`` that first locks the alliances it touches and raises
their revisions (:func:`.engine.lock_alliances`): the writers of one alliance queue, on every engine, and a
view polling :meth:`Workspace.revision` never skips a committed change. The audit log (:mod:`.audit`) keeps,
per change, who made it, what was inserted, the before-image of whatever was updated, and for an import that
replaced an alliance a compressed snapshot of the alliance it replaced. :meth:`Workspace.undo` reverts the
last change of an alliance using exactly that.

A new workspace is created by its first opener, under a lock (eight servers opening an empty database at once
all succeed). An older one is migrated implicitly only when it is an SQLite file (one facilitator's); a shared
one waits for its operator's ``alliance-lens migrate`` (:meth:`Workspace.migrate`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

import pandas as pd

from alliance_lens import paths
from alliance_lens.domain import rules
from alliance_lens.interchange import validate_data
from alliance_lens.messages import tr
from alliance_lens.model import (
    DATE_COLUMNS,
    NUMBER_COLUMNS,
    TABLE_OF,
    TABLES,
    Agreement,
    Alliance,
    AllianceData,
    Entity,
    Outcome,
    Partner,
    Problem,
    Session,
    TrustRating,
    UserError,
    ValidationError,
    empty_frame,
    entity_to_row,
    normalise_frame,
)
from alliance_lens.store.audit import AuditEntry, Change, current_actor, to_json
from alliance_lens.store.audit import write as write_audit
from alliance_lens.store.errors import ImportRefused, ReadOnlyError, SchemaError, UnknownAlliance

# SQLAlchemy and the modules built on it (engine, loading, schema) are imported by the functions that use
# them, so importing the store costs an analyst nothing beyond pandas until a workspace is opened.
if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table

log = logging.getLogger(__name__)
T = TypeVar("T")
_json = to_json  # the audit log's JSON (store/polls.py uses it too)

_INSERT_CHUNK: Final = 20_000
#: From this many rows on, PostgreSQL gets them by COPY (below it, plain inserts are as quick).
_COPY_FROM: Final = 50
_MAX_ROWS_IN_LOG: Final = 1_000
#: Up to this many entries are checked with plain queries (fast enough for many writers at once); more go
#: through :func:`~alliance_lens.interchange.validate_data` like an import. Both give the same problems.
_QUICK_CHECK_MAX: Final = 200


@dataclass
class ImportReport:
    """What an import did: the alliances written, those replaced, rows per table, warnings, its change id."""

    change_id: str
    alliances: list[str]
    replaced: list[str]
    counts: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)

    def text(self, lang: str = "en") -> str:
        """What was imported, in ``lang`` (``en`` or ``nl``): a line, then one per replaced set and warning."""
        parts = [
            tr(f"import.row.{name}", lang) if n == 1 else tr(f"import.rows.{name}", lang, n=n)
            for name, n in self.counts.items()
            if n
        ]
        counts = ", ".join(parts) or tr("import.no_rows", lang)
        lines = [tr("import.done", lang, alliances=", ".join(self.alliances), counts=counts)]
        if self.replaced:
            lines.append(tr("import.replaced", lang, alliances=", ".join(self.replaced), change_id=self.change_id))
        lines += [tr("import.warning", lang, warning=w.text(lang)) for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text("en")


def _dates(series: pd.Series) -> list[Any]:
    out: list[Any] = pd.to_datetime(series).to_numpy(dtype="datetime64[D]").astype(object).tolist()
    return out


def _records(name: str, frame: pd.DataFrame, change_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of an AllianceData table as dicts for the database (dates as ``datetime.date``, NaT as None)."""
    required, optional = TABLES[name]
    columns = list(required + optional)
    lists: list[list[Any]] = []
    for c in columns:
        if c in DATE_COLUMNS[name]:
            lists.append(_dates(frame[c]))
        elif c in NUMBER_COLUMNS[name]:
            lists.append(frame[c].astype("float64").tolist())
        else:
            lists.append(frame[c].astype(str).tolist())
    if change_id is not None:
        columns.append("change_id")
        lists.append([change_id] * len(frame))
    return [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]


class Workspace:
    """A workspace of alliances: read them as :class:`AllianceData`, add and update entries, import, undo.

    Open with :meth:`open`; use as a context manager or call :meth:`close`.
    """

    def __init__(self, engine: Engine, url: str, *, read_only: bool, actor: str | None) -> None:
        from alliance_lens.store import engine as db

        self._engine = engine
        self.url = url
        self.read_only = read_only
        self.actor = actor or current_actor()
        self._sqlite = engine.dialect.name == "sqlite"
        self._where = db.shown_url(url)

    # ------------------------------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls, url: str | None = None, *, read_only: bool = False, actor: str | None = None, migrate: bool = False
    ) -> Workspace:
        """Open the workspace at ``url`` (an SQLAlchemy URL; ``None``: the default SQLite file).

        A new workspace is created (folder and file readable by their owner only, tables) unless
        ``read_only``. An older one is migrated when it is an SQLite file or ``migrate`` is true; a shared
        one (PostgreSQL) is otherwise refused with the advice to run ``alliance-lens migrate``, so that its
        operator decides when it changes. One written by a newer release is refused. ``actor`` names who
        makes the changes in the audit log (default: the JupyterHub user, else the ``actor`` setting, else
        the operating system's user).
        """
        from alliance_lens.store import engine as db

        url = url or paths.default_db_url()
        engine = db.make_engine(url, read_only)
        ws = cls(engine, url, read_only=read_only, actor=actor)
        try:
            ws._prepare(migrate=migrate or ws._sqlite)
        except BaseException:
            engine.dispose()
            raise
        return ws

    @classmethod
    def migrate(cls, url: str | None = None) -> tuple[int, int]:
        """Create or migrate the workspace at ``url`` to this release's schema, under the schema lock.

        Returns (the version found, 0 if there was none; the version now). Safe while other servers use the
        workspace: they wait for the migration's transaction, which leaves all or nothing.
        """
        from alliance_lens.store import engine as db
        from alliance_lens.store import schema as s

        url = url or paths.default_db_url()
        engine = db.make_engine(url, read_only=False)
        ws = cls(engine, url, read_only=False, actor=None)
        try:
            found = ws._transaction(ws._upgrade)
        finally:
            engine.dispose()
        return found, s.SCHEMA_VERSION

    _shared: ClassVar[OrderedDict[tuple[str, bool, int], Workspace]] = OrderedDict()
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()
    #: Open shared workspaces kept per process (a server has one or two; a test suite makes many).
    _SHARED_MAX: ClassVar[int] = 8

    @classmethod
    def shared(cls, url: str | None = None, *, read_only: bool = True) -> Workspace:
        """One open workspace per URL for this process, kept open: for servers that read on every request.

        Its pooled connections are reused, so a request costs a query, not a connection. Never close it; the
        least recently used beyond a few are closed by this cache (a later call opens them again).
        """
        url = url or paths.default_db_url()
        key = (url, read_only, os.getpid())  # a forked process must not reuse its parent's connections
        with cls._shared_lock:
            ws = cls._shared.get(key)
            if ws is not None:
                cls._shared.move_to_end(key)
                return ws
            ws = cls._shared[key] = cls.open(url, read_only=read_only)
            while len(cls._shared) > cls._SHARED_MAX:
                _, oldest = cls._shared.popitem(last=False)
                oldest.close()  # connections in use finish their work; the pool is simply emptied
            return ws

    def _prepare(self, *, migrate: bool) -> None:
        from alliance_lens.store import schema as s

        version = self._read(s.read_version)
        s.check_version(version, self._where)
        if self.read_only:
            if version is None:
                raise SchemaError(f"there is no alliance_lens workspace at {self._where}")
            if version < s.SCHEMA_VERSION:
                raise SchemaError(
                    tr("store.migrate_needed", "en", where=self._where, found=version, version=s.SCHEMA_VERSION)
                )
            return
        if version is not None and version < s.SCHEMA_VERSION and not migrate:
            raise SchemaError(
                tr("store.migrate_needed", "en", where=self._where, found=version, version=s.SCHEMA_VERSION)
            )
        if version != s.SCHEMA_VERSION or self._read(s.missing_tables):
            self._transaction(self._upgrade)

    def _upgrade(self, conn: Connection) -> int:
        """Inside the schema lock, look again (another server may just have done it) and upgrade if needed."""
        from alliance_lens.store import engine as db
        from alliance_lens.store import schema as s

        db.lock_schema(conn)
        found = s.upgrade(conn, self._where)
        if found == 0:
            log.info(tr("store.created", "en", where=self._where, version=s.SCHEMA_VERSION))
        elif found < s.SCHEMA_VERSION:
            log.warning(tr("store.migrated", "en", where=self._where, found=found, version=s.SCHEMA_VERSION))
        return found

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"Workspace({self._where!r}, {mode})"

    @property
    def schema_version(self) -> int:
        """The schema version of the workspace."""
        from alliance_lens.store import schema as s

        return self._read(s.read_version) or 0

    # ------------------------------------------------------------------------------------------ transactions

    def read_transaction(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` in one reading transaction (one consistent state), retried like every read.

        For the registries kept in the workspace's schema (links, polls): they use its engine and pool.
        """
        return self._read(fn)

    def write_transaction(self, fn: Callable[[Connection], T], *, alliances: Iterable[str] = ()) -> T:
        """Run ``fn(conn)`` in one writing transaction, retried on collisions; all or nothing.

        ``alliances``: the alliances whose data it changes (locked and their revisions raised first).
        """
        from alliance_lens.store import engine as db

        ids = list(alliances)

        def run(conn: Connection) -> T:
            if ids:
                db.lock_alliances(conn, ids)
            return fn(conn)

        return self._transaction(run)

    def _read(self, fn: Callable[[Connection], T]) -> T:
        from alliance_lens.store import engine as db

        return db.run(self._engine, fn, write=False, where=self._where)

    def _transaction(self, fn: Callable[[Connection], T]) -> T:
        from alliance_lens.store import engine as db

        if self.read_only:
            raise ReadOnlyError.of("store.read_only")
        return db.run(self._engine, fn, write=True, where=self._where)

    def _change(self) -> Change:
        return Change.new(self.actor)

    def _audit(self, conn: Connection, change: Change, entries: Sequence[AuditEntry | dict[str, Any]]) -> None:
        """Lock the entries' alliances, raise their revisions and write the entries (for writers outside this class).

        Better: :func:`.engine.lock_alliances` first in the transaction, then :func:`.audit.write`.
        """
        from alliance_lens.store import engine as db

        typed = [e if isinstance(e, AuditEntry) else AuditEntry(**e) for e in entries]
        write_audit(conn, change, typed, db.lock_alliances(conn, [e.alliance_id for e in typed]))

    # ------------------------------------------------------------------------------------------ reading

    def alliances(self) -> pd.DataFrame:
        """The alliances table (``alliance_id, name, trust_min, trust_max, language``)."""

        def run(conn: Connection) -> pd.DataFrame:
            return self._frame(conn, "alliances", None)

        return self._read(run)

    def load(self, alliance_ids: str | Iterable[str] | None = None) -> AllianceData:
        """One alliance, several, or all (``None``) as :class:`AllianceData` with the documented dtypes.

        Raises :class:`UnknownAlliance` for an id not in the workspace.
        """
        ids = None if alliance_ids is None else [alliance_ids] if isinstance(alliance_ids, str) else list(alliance_ids)
        return self._read(lambda conn: self._load(conn, ids))

    def _load(self, conn: Connection, ids: list[str] | None, tables: Iterable[str] = TABLES) -> AllianceData:
        from alliance_lens.store import loading

        return loading.load(conn, ids, tables)

    def load_newer(self, alliance_id: str, data: AllianceData, revision: int) -> tuple[AllianceData, int]:
        """``data`` of one alliance, loaded at ``revision``, brought up to date; and the revision it is now at.

        When every change since ``revision`` only added rows — the usual case, a form saved in a meeting —
        only those rows are read and appended: on a large alliance that is milliseconds instead of a full
        :meth:`load`. Anything else since (an update, an undo, an import, a replace) reloads the alliance.
        The log and the rows are read in one transaction, so the result is one consistent state; revisions
        commit with their changes, so no committed row is ever skipped.
        """
        from alliance_lens.store import loading

        return self._read(lambda conn: loading.load_newer(conn, alliance_id, data, revision))

    def _frame(self, conn: Connection, name: str, ids: list[str] | None, *, where: Any = None) -> pd.DataFrame:
        from alliance_lens.store import loading

        return loading.frame(conn, name, ids, where=where)

    def _unknown(self, conn: Connection, alliance_id: str) -> UnknownAlliance:
        from alliance_lens.store import loading

        return loading.unknown(conn, alliance_id)

    def _context(self, conn: Connection, ids: Iterable[str], agreements: bool | set[str] = True) -> AllianceData:
        """What validation needs to know of existing alliances: everything except outcomes and ratings."""
        from sqlalchemy import select

        from alliance_lens.store import schema as s

        known = list(
            conn.execute(select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id.in_(list(ids)))).scalars()
        )
        frames = {name: self._frame(conn, name, known) for name in ("alliances", "partners", "sessions")}
        if agreements is True:
            frames["agreements"] = self._frame(conn, "agreements", known)
        elif agreements:
            frames["agreements"] = self._frame(
                conn, "agreements", known, where=s.agreements.c.agreement_id.in_(sorted(agreements))
            )
        return AllianceData.from_frames(frames)

    def revision(self, alliance_id: str) -> int:
        """A number that grows by one with every change of the alliance (0 if none): poll it to see others' writes.

        It is committed with the change it counts: whoever reads revision *n* can read every change up to *n*.
        """
        from alliance_lens.store import loading

        return self._read(lambda conn: loading.revision(conn, alliance_id))

    def history(self, alliance_id: str | None = None) -> pd.DataFrame:
        """The audit log (of one alliance, or all), oldest first.

        Columns ``id, change_id, at, actor, alliance_id, table, op, key, before, after, summary, revision``;
        ``key``, ``before`` and ``after`` are JSON text; ``op`` is ``insert``, ``update``, ``import``,
        ``replace`` or ``undo``; ``actor`` is who made the change; ``revision`` is the alliance's revision
        the change brought it to (what :meth:`revision` said just after it). Text columns have the ``str``
        dtype of every other frame (an absent ``before`` or ``after`` is missing: ``isna()``), ``at`` is
        ``datetime64[us, UTC]``, ``id`` and ``revision`` int64 — an empty log too.
        """
        from sqlalchemy import select

        from alliance_lens.store import schema as s

        a = s.audit_log

        def run(conn: Connection) -> pd.DataFrame:
            cols = [a.c.id, a.c.change_id, a.c.at, a.c.actor, a.c.alliance_id, a.c.table_name, a.c.op, a.c.key]
            q = select(*cols, a.c.before, a.c.after, a.c.summary, a.c.revision).order_by(a.c.id)
            if alliance_id is not None:
                q = q.where(a.c.alliance_id == alliance_id)
            rows = conn.execute(q).all()
            names = ["id", "change_id", "at", "actor", "alliance_id", "table", "op", "key", "before", "after"]
            columns = dict(
                zip([*names, "summary", "revision"], zip(*rows, strict=True) if rows else [()] * 12, strict=True)
            )
            frame = pd.DataFrame(
                {
                    name: pd.Series(values, dtype="int64" if name in ("id", "revision") else "str")
                    for name, values in columns.items()
                    if name != "at"
                }
            )
            at = pd.to_datetime(pd.Series(columns["at"], dtype=object)).dt.tz_localize("UTC")
            frame.insert(2, "at", at.astype("datetime64[us, UTC]"))
            return frame

        return self._read(run)

    def replaced_version(self, change_id: str) -> AllianceData:
        """The alliance as it was before the import ``change_id`` replaced it (from the audit log).

        Import it again with ``replace=True`` to restore it, or use :meth:`undo` if that import is the last
        change of the alliance.
        """
        from sqlalchemy import and_, select

        from alliance_lens.store import schema as s

        def run(conn: Connection) -> AllianceData:
            q = select(s.audit_log.c.snapshot).where(
                and_(s.audit_log.c.change_id == change_id, s.audit_log.c.op == "replace")
            )
            blobs = [b for b in conn.execute(q).scalars() if b is not None]
            if not blobs:
                raise UserError.of("store.no_earlier_version", change=change_id)
            frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
            for blob in blobs:
                for name, rows in _unpack(blob).items():
                    frames[name].append(pd.DataFrame(rows))
            return AllianceData.from_frames(
                {
                    n: pd.concat(f, ignore_index=True).drop(columns="change_id", errors="ignore")
                    for n, f in frames.items()
                    if f
                }
            )

        return self._read(run)

    # ------------------------------------------------------------------------------------------ writing

    def import_data(
        self, data: AllianceData, *, replace: bool = False, warnings: Sequence[Problem] = ()
    ) -> ImportReport:
        """Check every row of ``data`` and write it in one transaction: all of it or, on any problem, nothing.

        Alliances in ``data.alliances`` are new, or (with ``replace``) replace the alliance of that id — the
        previous version stays in the audit log (:meth:`replaced_version`, :meth:`undo`). Without ``replace``
        an existing one is refused (:class:`ImportRefused`). Rows of alliances *not* in ``data.alliances`` are
        added to those alliances in the workspace (checked against it).
        """
        return self._import_data(data, replace=replace, warnings=warnings, checked=False)

    def _import_data(
        self, data: AllianceData, *, replace: bool, warnings: Sequence[Problem], checked: bool
    ) -> ImportReport:
        """:meth:`import_data`; ``checked``: :func:`~alliance_lens.interchange.read_path` checked ``data`` already.

        Private, so that no caller can store rows no rule has seen (only :meth:`import_path` passes ``True``).
        """
        from sqlalchemy import select

        from alliance_lens.store import engine as db
        from alliance_lens.store import schema as s

        defined = [str(a) for a in data.alliances["alliance_id"]]
        mentioned = sorted({str(a) for f in data.tables().values() for a in f["alliance_id"].unique()})

        def run(conn: Connection) -> ImportReport:
            change = self._change()
            revisions = db.lock_alliances(conn, mentioned)
            present = set(
                conn.execute(select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id.in_(defined))).scalars()
            )
            if present and not replace:
                raise ImportRefused.of("store.import_exists", names=", ".join(repr(a) for a in sorted(present)))
            others = [a for a in mentioned if a not in set(defined)]
            # Data that defines all its alliances is checked on its own; ``checked`` says that was done (by
            # read_path). Rows added to alliances in the workspace are checked here, against it, whatever.
            if checked and not others:
                problems: list[Problem] = []
            else:
                problems = validate_data(data, self._context(conn, others) if others else None)
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise ValidationError(errors)
            entries: list[AuditEntry] = []
            for a in sorted(present):
                snapshot = self._snapshot(conn, a)
                self._delete_alliance(conn, a)
                entries.append(
                    AuditEntry(
                        alliance_id=a,
                        table_name="alliances",
                        op="replace",
                        key=_json({"alliance_id": a}),
                        before=_json({n: len(r) for n, r in snapshot.items()}),
                        summary=f"replaced alliance {a!r} by an import (previous version kept in this entry)",
                        snapshot=_pack(snapshot),
                    )
                )
            counts: dict[str, int] = {}
            for name, frame in data.tables().items():
                counts[name] = len(frame)
                if not len(frame):
                    continue
                table = s.DATA_TABLES[name]
                records = _records(name, frame, change.change_id)
                _bulk_insert(conn, table, records)
                for a, n in frame["alliance_id"].value_counts(sort=False).items():
                    entries.append(
                        AuditEntry(
                            alliance_id=str(a),
                            table_name=name,
                            op="import",
                            key=_json({"alliance_id": str(a)}),
                            after=_json({"rows": int(n)}),
                            summary=f"imported {int(n)} {name.replace('_', ' ')}",
                        )
                    )
            write_audit(conn, change, entries, revisions)
            return ImportReport(change.change_id, mentioned, sorted(present), counts, list(warnings))

        return self._transaction(run)

    def import_path(self, path: str | Path, *, replace: bool = False) -> ImportReport:
        """Read a folder of CSV files or an ``.xlsx`` workbook, check every row, and import it (all or nothing)."""
        from sqlalchemy import select

        from alliance_lens.interchange import read_path
        from alliance_lens.store import schema as s

        # references into the workspace are checked here for the report, and again inside the transaction
        def context(conn: Connection) -> AllianceData:
            ids = list(conn.execute(select(s.alliances.c.alliance_id)).scalars())
            return self._context(conn, ids)

        result = read_path(path, existing=self._read(context))
        return self._import_data(result.data, replace=replace, warnings=result.warnings, checked=True)

    def export(self, alliance_ids: str | Iterable[str], path: str | Path) -> Path:
        """Write alliance(s) in the interchange format: a folder of CSV files, or ``.xlsx`` by suffix."""
        from alliance_lens.interchange import write_path

        return write_path(self.load(alliance_ids), path)

    def add(self, entity: Entity) -> None:
        """Add one entry (an alliance, partner, session, agreement, outcome or rating), audited."""
        self.add_many([entity])

    def add_many(self, entities: Iterable[Entity]) -> None:
        """Add several entries in one transaction, audited; all or nothing (:class:`ValidationError`)."""
        from sqlalchemy import select

        from alliance_lens.store import engine as db
        from alliance_lens.store import schema as s

        items = list(entities)
        if not items:
            return
        for e in items:
            if type(e) not in TABLE_OF:
                raise TypeError(f"cannot add {type(e).__name__}: not an entity of the model")
        new_alliances = [e.alliance_id for e in items if isinstance(e, Alliance)]
        small = len(items) <= _QUICK_CHECK_MAX
        data = None if small else entries_as_data(items)
        rows: dict[str, Sequence[int]] = {
            name: [i + 1 for i, e in enumerate(items) if TABLE_OF[type(e)] == name] for name in TABLES
        }
        referenced = sorted({e.alliance_id for e in items} - set(new_alliances))
        agreement_ids = {e.agreement_id for e in items if isinstance(e, Agreement | Outcome)}
        change = self._change()
        by_table: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for e in items:
            by_table[TABLE_OF[type(e)]].append(_entity_record(e, change.change_id))

        touched = sorted({e.alliance_id for e in items})

        def run(conn: Connection) -> None:
            revisions = db.lock_alliances(conn, touched)
            present = sorted(
                conn.execute(
                    select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id.in_(new_alliances))
                ).scalars()
            )
            if present:
                raise UserError.of("store.alliance_exists", alliance=present[0])
            if data is None:
                # a few entries (a form, a script adding one rating): plain queries, no DataFrames
                problems = _quick_problems(conn, items)
            else:
                ctx = self._context(conn, referenced, agreement_ids or False) if referenced else None
                problems = validate_data(data, ctx, rows=rows)
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise ValidationError(errors)
            entries: list[AuditEntry] = []
            for name, records in by_table.items():
                if not records:
                    continue
                _bulk_insert(conn, s.DATA_TABLES[name], records)
                for r in records[:_MAX_ROWS_IN_LOG]:
                    key = {k: r[k] for k in s.KEYS.get(name, TABLES[name][0])}
                    after = {k: v for k, v in r.items() if k != "change_id"}
                    entries.append(
                        AuditEntry(
                            alliance_id=r["alliance_id"],
                            table_name=name,
                            op="insert",
                            key=_json(key),
                            after=_json(after),
                            summary=f"added {_describe(name, after)}",
                        )
                    )
                # the rest counted per alliance, so every alliance the change touched has an entry of it
                more: dict[str, int] = {}
                for r in records[_MAX_ROWS_IN_LOG:]:
                    more[r["alliance_id"]] = more.get(r["alliance_id"], 0) + 1
                for a, n in more.items():
                    entries.append(
                        AuditEntry(
                            alliance_id=a,
                            table_name=name,
                            op="insert",
                            key=_json({"change_id": change.change_id}),
                            after=_json({"more_rows": n}),
                            summary=f"added {n} more {name.replace('_', ' ')}",
                        )
                    )
            write_audit(conn, change, entries, revisions)

        self._transaction(run)

    def add_outcome(self, outcome: Outcome) -> None:
        """Add a step to an agreement's status history (earlier steps are kept: outcomes are never overwritten)."""
        self.add_many([outcome])

    def add_ratings(self, ratings: Iterable[TrustRating]) -> None:
        """Add trust ratings in one transaction (e.g. all ratings of one respondent at a session)."""
        self.add_many(ratings)

    def update(self, entity: Alliance | Partner | Session | Agreement) -> None:
        """Change an alliance, partner, session or agreement, found by its id; the old values stay in the log."""
        from sqlalchemy import and_, select, update

        from alliance_lens.store import engine as db
        from alliance_lens.store import schema as s

        name = TABLE_OF.get(type(entity))
        if name not in s.KEYS:
            refusal = "store.outcome_not_changed" if isinstance(entity, Outcome) else "store.rating_not_changed"
            raise UserError.of(refusal, what=type(entity).__name__)
        assert name is not None
        table = s.DATA_TABLES[name]
        new = entity_to_row(entity)
        key = {k: new[k] for k in s.KEYS[name]}

        def run(conn: Connection) -> None:
            change = self._change()
            revisions = db.lock_alliances(conn, [entity.alliance_id])
            if (
                name != "alliances"
                and not conn.execute(
                    select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id == entity.alliance_id)
                ).first()
            ):
                raise self._unknown(conn, entity.alliance_id)
            where = and_(*[table.c[k] == v for k, v in key.items()])
            old = conn.execute(select(table).where(where)).mappings().first()
            if old is None:
                if name == "alliances":
                    raise self._unknown(conn, entity.alliance_id)
                id_col = s.KEYS[name][1]
                raise UserError(
                    f"there is no {name[:-1]} {key[id_col]!r} in alliance {entity.alliance_id!r}: add it instead"
                )
            before = {k: v for k, v in old.items() if k != "change_id"}
            problems = self._check_update(conn, name, entity)
            if problems:
                raise ValidationError(problems)
            after = {k: v for k, v in _records(name, AllianceData.from_entities([entity]).table(name))[0].items()}
            conn.execute(update(table).where(where).values(**after))
            summary = f"changed {_describe(name, after)}"
            entry = AuditEntry(
                alliance_id=entity.alliance_id,
                table_name=name,
                op="update",
                key=_json(key),
                before=_json(before),
                after=_json(after),
                summary=summary,
            )
            write_audit(conn, change, [entry], revisions)

        self._transaction(run)

    def _check_update(
        self, conn: Connection, name: str, entity: Alliance | Partner | Session | Agreement
    ) -> list[Problem]:
        from sqlalchemy import func, select

        from alliance_lens.store import schema as s

        a = entity.alliance_id
        if isinstance(entity, Alliance):
            problems = validate_data(AllianceData.from_entities([entity]))
            r = s.trust_ratings
            lo, hi = conn.execute(select(func.min(r.c.score), func.max(r.c.score)).where(r.c.alliance_id == a)).one()
            if lo is not None and (lo < entity.trust_min or hi > entity.trust_max):
                problems.append(
                    Problem(
                        "alliances",
                        1,
                        "trust_max" if hi > entity.trust_max else "trust_min",
                        f"{entity.trust_min:g}–{entity.trust_max:g}",
                        f"the alliance already has ratings from {lo:g} to {hi:g}, outside the new scale",
                    )
                )
            return problems
        # check against the alliance without the row being changed
        ctx = self._context(conn, [a])
        key_col = s.KEYS[TABLE_OF[type(entity)]][1]
        name_frame = ctx.table(TABLE_OF[type(entity)])
        setattr(
            ctx,
            TABLE_OF[type(entity)],
            name_frame[name_frame[key_col] != getattr(entity, key_col)].reset_index(drop=True),
        )
        return [p for p in validate_data(AllianceData.from_entities([entity]), ctx) if p.severity == "error"]

    def set_goals_shared(self, alliance_id: str, partner_id: str, date: dt.date | None) -> None:
        """Record when a partner shared its own goals with the alliance (``None``: it has not)."""
        from sqlalchemy import and_, select

        from alliance_lens.store import schema as s

        def current(conn: Connection) -> Partner:
            p = s.partners
            row = conn.execute(
                select(p.c.name).where(and_(p.c.alliance_id == alliance_id, p.c.partner_id == partner_id))
            ).first()
            if row is None:
                if not conn.execute(
                    select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id == alliance_id)
                ).first():
                    raise self._unknown(conn, alliance_id)
                raise UserError.of("store.no_partner", partner=partner_id, alliance=alliance_id)
            return Partner(alliance_id, partner_id, str(row.name), date)

        self.update(self._read(current))

    # ------------------------------------------------------------------------------------------ undo

    def undo(self, alliance_id: str) -> str:
        """Undo the last change of the alliance that is not undone yet; returns what was undone.

        The undo is itself a change in the audit log (op ``undo``). Repeated calls go further back.
        """
        from sqlalchemy import and_, select, update

        from alliance_lens.store import engine as db
        from alliance_lens.store import schema as s

        a = s.audit_log

        def run(conn: Connection) -> str:
            change = self._change()
            # first the lock: a second undo at the same moment waits, then sees this one and goes further back
            revisions = db.lock_alliances(conn, [alliance_id])
            rows = conn.execute(
                select(a.c.change_id, a.c.op, a.c.key)
                .where(a.c.alliance_id == alliance_id)
                .order_by(a.c.revision.desc(), a.c.id.desc())
            ).all()
            undone = {json.loads(r.key)["change_id"] for r in rows if r.op == "undo"}
            target = next((r.change_id for r in rows if r.op != "undo" and r.change_id not in undone), None)
            if target is None:
                if not rows:
                    exists = conn.execute(
                        select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id == alliance_id)
                    ).first()
                    if not exists:
                        raise self._unknown(conn, alliance_id)
                raise UserError.of("store.nothing_to_undo", alliance=alliance_id)
            entries = (
                conn.execute(
                    select(a).where(and_(a.c.change_id == target, a.c.alliance_id == alliance_id)).order_by(a.c.id)
                )
                .mappings()
                .all()
            )
            removed = self._delete_created(conn, alliance_id, target)
            for e in reversed(entries):
                if e["op"] == "update":
                    table = s.DATA_TABLES[e["table_name"]]
                    key = json.loads(e["key"])
                    before = _from_json(e["table_name"], json.loads(e["before"]))
                    conn.execute(update(table).where(and_(*[table.c[k] == v for k, v in key.items()])).values(**before))
                elif e["op"] == "replace" and e["snapshot"] is not None:
                    self._restore(conn, _unpack(e["snapshot"]))
            summary = "undid " + _summary_of(entries)
            entry = AuditEntry(
                alliance_id=alliance_id,
                table_name="*",
                op="undo",
                key=_json({"change_id": target}),
                before=_json({"removed_rows": removed}),
                summary=summary,
            )
            write_audit(conn, change, [entry], revisions)
            return summary

        return self._transaction(run)

    def _delete_created(self, conn: Connection, alliance_id: str, change_id: str) -> dict[str, int]:
        from sqlalchemy import and_, delete

        from alliance_lens.store import schema as s

        removed: dict[str, int] = {}
        for name in reversed(list(s.DATA_TABLES)):
            table = s.DATA_TABLES[name]
            result = conn.execute(
                delete(table).where(and_(table.c.alliance_id == alliance_id, table.c.change_id == change_id))
            )
            if result.rowcount:
                removed[name] = int(result.rowcount)
        return removed

    def _delete_alliance(self, conn: Connection, alliance_id: str) -> None:
        from sqlalchemy import delete

        from alliance_lens.store import schema as s

        for table in reversed(list(s.DATA_TABLES.values())):
            conn.execute(delete(table).where(table.c.alliance_id == alliance_id))

    def _snapshot(self, conn: Connection, alliance_id: str) -> dict[str, list[dict[str, Any]]]:
        """The alliance's rows as stored (with their change ids), for the audit log."""
        from sqlalchemy import select

        from alliance_lens.store import schema as s

        out: dict[str, list[dict[str, Any]]] = {}
        for name, table in s.DATA_TABLES.items():
            cols = [c for c in table.c if c.name != "id"]
            q = select(*cols).where(table.c.alliance_id == alliance_id)
            if "id" in table.c:
                q = q.order_by(table.c.id)
            names = [c.name for c in cols]
            out[name] = [dict(zip(names, r, strict=True)) for r in conn.execute(q)]
        return out

    def _restore(self, conn: Connection, snapshot: dict[str, list[dict[str, Any]]]) -> None:
        from alliance_lens.store import schema as s

        for name, table in s.DATA_TABLES.items():
            rows = [_from_json(name, r) for r in snapshot.get(name, [])]
            _bulk_insert(conn, table, rows)


# ---------------------------------------------------------------------------------------------- helpers


def _describe(name: str, row: dict[str, Any]) -> str:
    from alliance_lens.store import schema as s

    if name == "trust_ratings":
        return f"rating {row['rater']}→{row['ratee']} = {row['score']:g} at session {row['session_id']}"
    if name == "outcomes":
        return f"outcome {row['status']} of agreement {row['agreement_id']} on {row['date']}"
    key = s.KEYS[name][-1]
    return f"{name[:-1]} {row[key]!r}"


def entries_as_data(items: Sequence[Entity]) -> AllianceData:
    """Entries as :class:`AllianceData`, each table in the order given (row ``i`` is the ``i``-th entry of it).

    Unlike :meth:`AllianceData.from_entities` the outcomes are not sorted, so that problems found by
    :func:`~alliance_lens.interchange.validate_data` point at the entry as the caller numbered it.
    """
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for e in items:
        rows[TABLE_OF[type(e)]].append(entity_to_row(e))
    return AllianceData(
        **{name: normalise_frame(name, pd.DataFrame(r)) if r else empty_frame(name) for name, r in rows.items()}
    )


def _bulk_insert(conn: Connection, table: Table, records: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in chunks, through SQLAlchemy Core or, on SQLite, straight through the driver.

    SQLAlchemy's work per row is most of the time of a large import on SQLite.
    """
    from sqlalchemy import Date

    if not records:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg" and len(records) >= _COPY_FROM:
        _copy_in(conn, table, records)
        return
    if conn.dialect.name != "sqlite":
        for start in range(0, len(records), _INSERT_CHUNK):
            conn.execute(table.insert(), list(records[start : start + _INSERT_CHUNK]))
        return
    columns = list(records[0])
    dates = {c.name for c in table.c if isinstance(c.type, Date)}
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    # dates as ISO text, exactly as SQLAlchemy's SQLite Date type stores and reads them
    values = [[r[c] for r in records] for c in columns]
    for i, c in enumerate(columns):
        if c in dates:
            values[i] = [None if v is None else v.isoformat() for v in values[i]]
    rows = list(zip(*values, strict=True))
    for start in range(0, len(rows), _INSERT_CHUNK):
        conn.exec_driver_sql(sql, rows[start : start + _INSERT_CHUNK])


def _copy_in(conn: Connection, table: Table, records: Sequence[dict[str, Any]]) -> None:
    """Many rows into PostgreSQL through ``COPY … FROM STDIN`` (psycopg), in the caller's transaction.

    ``executemany`` sends the rows statement by statement; COPY streams them, several times faster. Most of
    what is left is PostgreSQL checking each row's foreign keys (three per rating: its session, rater and
    ratee), one query per key and row. Where the role may (:func:`_may_check_references_at_once`), the
    references are checked at once instead (:func:`_hold_references`: one query per foreign key, holding
    every referenced row as the row checks would) and the COPY runs with the row checks off
    (``session_replication_role = replica``, for this statement only). The unique keys, ``NOT NULL`` and the
    types are enforced as always, and every other write keeps the row checks.
    """
    from sqlalchemy.exc import DBAPIError

    dbapi: Any = conn.dialect.loaded_dbapi
    try:
        _copy_rows(conn, table, records)
    except dbapi.Error as exc:
        # as SQLAlchemy would have raised it: the transaction's retries and fault messages then apply
        raise DBAPIError.instance(f"COPY {table.name}", None, exc, dbapi.Error) from exc


def _copy_rows(conn: Connection, table: Table, records: Sequence[dict[str, Any]]) -> None:
    columns = list(records[0])
    raw: Any = conn.connection.dbapi_connection  # the psycopg connection of this transaction
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur:
        at_once = _may_check_references_at_once(conn, table)
        if at_once:
            _hold_references(conn, table, records)
            previous = cur.execute("SELECT current_setting('session_replication_role')").fetchone()[0]
            cur.execute("SET LOCAL session_replication_role = replica")
        row_of = itemgetter(*columns)
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for r in records:
                copy.write_row(row_of(r) if len(columns) > 1 else (r[columns[0]],))
        if at_once:  # (after a failed COPY the transaction is rolled back, and the setting with it)
            cur.execute("SELECT set_config('session_replication_role', %s, true)", (previous,))


def _may_check_references_at_once(conn: Connection, table: Table) -> bool:
    """Whether the role may turn off the row checks of the foreign keys for a COPY (see :func:`_copy_in`).

    A superuser may; another role when granted ``SET ON PARAMETER session_replication_role`` (PostgreSQL 15
    and later; ``docs/deploy.md``). Only for tables whose references are all text keys (all of ours).
    """
    from sqlalchemy import String

    if not table.foreign_key_constraints or not all(
        isinstance(c.type, String) for fk in table.foreign_key_constraints for c in fk.columns
    ):
        return False
    if conn.exec_driver_sql("SELECT current_setting('is_superuser')").scalar() == "on":
        return True
    if int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) < 150000:
        return False
    granted = conn.exec_driver_sql("SELECT has_parameter_privilege('session_replication_role', 'SET')").scalar()
    return bool(granted)


class ReferenceMissing(UserError):
    """Rows of an import refer to a row that is not in the workspace (checked at once, before a COPY)."""


def _hold_references(conn: Connection, table: Table, records: Sequence[dict[str, Any]]) -> None:
    """Check that every row each of ``records`` refers to exists, and hold it (``FOR KEY SHARE``) until commit.

    What PostgreSQL's row checks of a foreign key do, once per foreign key instead of once per row and key:
    the referenced rows are locked as they would be, so no other transaction can delete or re-key one of them
    before this one commits, and a missing one refuses the whole change (:class:`ReferenceMissing`).
    """
    raw: Any = conn.connection.dbapi_connection
    for fk in table.foreign_key_constraints:
        local = [c.name for c in fk.columns]
        parent = fk.referred_table
        remote = [e.column.name for e in fk.elements]
        key_of = itemgetter(*local)
        wanted = set(map(key_of, records)) if len(local) > 1 else {(r[local[0]],) for r in records}
        wanted = {k for k in wanted if None not in k}  # MATCH SIMPLE: a reference with a NULL refers to nothing
        if not wanted:
            continue
        keys = sorted(wanted)
        names = ", ".join(f"v{i}" for i in range(len(local)))
        arrays = ", ".join("%s::text[]" for _ in local)
        on = " AND ".join(f'p."{r}" = v.v{i}' for i, r in enumerate(remote))
        cols = ", ".join(f'p."{r}"' for r in remote)
        sql = f'SELECT {cols} FROM "{parent.name}" p JOIN unnest({arrays}) AS v({names}) ON {on} FOR KEY SHARE OF p'
        with raw.cursor() as cur:
            found = {tuple(row) for row in cur.execute(sql, [list(col) for col in zip(*keys, strict=True)])}
        missing = sorted(wanted - found)
        if missing:
            key = dict(zip(local, missing[0], strict=True))
            raise ReferenceMissing.of(
                "store.reference_missing",
                table=table.name.replace("_", " "),
                parent=parent.name.removesuffix("s"),
                key=", ".join(f"{k} {v!r}" for k, v in key.items()),
                count=len(missing),
            )


def _entity_record(entity: Entity, change_id: str) -> dict[str, Any]:
    row = entity_to_row(entity)
    if isinstance(entity, TrustRating):
        row["score"] = float(entity.score)
    if isinstance(entity, Alliance):
        row["trust_min"], row["trust_max"] = float(entity.trust_min), float(entity.trust_max)
    row["change_id"] = change_id
    return row


def _quick_problems(conn: Connection, items: Sequence[Entity]) -> list[Problem]:
    """The context rules over a few typed entries, per entry with lookups (:func:`rules.entry_problems`).

    The entries have passed the contract's value rules already (their own checks); what is left needs the
    workspace: references, uniqueness, the scale. Here only the lookups are queried.
    """
    from sqlalchemy import select

    from alliance_lens.store import schema as s

    new = {e.alliance_id for e in items if isinstance(e, Alliance)}
    ids = sorted({e.alliance_id for e in items} - new)
    al, pa, se, ag = s.alliances, s.partners, s.sessions, s.agreements
    scales: dict[str, tuple[float, float]] = {
        r.alliance_id: (float(r.trust_min), float(r.trust_max))
        for r in conn.execute(select(al.c.alliance_id, al.c.trust_min, al.c.trust_max).where(al.c.alliance_id.in_(ids)))
    }

    def pairs(table: Table, column: str, where: Any = None) -> set[tuple[str, str]]:
        q = select(table.c.alliance_id, table.c[column]).where(table.c.alliance_id.in_(list(scales)))
        if where is not None:
            q = q.where(where)
        return {(str(a), str(b)) for a, b in conn.execute(q)}

    wanted = sorted({e.agreement_id for e in items if isinstance(e, Agreement | Outcome)})
    keys = {
        "partners": pairs(pa, "partner_id"),
        "sessions": pairs(se, "session_id"),
        "agreements": pairs(ag, "agreement_id", ag.c.agreement_id.in_(wanted)) if wanted else set(),
    }
    names: dict[tuple[str, str], str] = {}
    if any(isinstance(e, Partner) for e in items):
        q = select(pa.c.alliance_id, pa.c.partner_id, pa.c.name).where(pa.c.alliance_id.in_(list(scales)))
        names = {(str(a), str(p)): str(n) for a, p, n in conn.execute(q)}
    entries = [(TABLE_OF[type(e)], entity_to_row(e)) for e in items]
    return rules.entry_problems(entries, rules.Lookups(scales=scales, keys=keys, partner_names=names))


def _summary_of(entries: Sequence[Any]) -> str:
    ops = {str(e["op"]) for e in entries}
    # a poll answer that replaced a device's earlier one is a "replace" of ratings, not of the alliance
    if any(e["op"] == "replace" and e["table_name"] == "alliances" for e in entries):
        return "the import that replaced this alliance: its previous version is back"
    if "import" in ops:
        rows = sum(json.loads(e["after"]).get("rows", 0) for e in entries if e["op"] == "import")
        return f"the import of {rows} rows"
    what = "; ".join(dict.fromkeys(str(e["summary"]) for e in entries))
    return what if len(what) <= 300 else what[:300] + "…"


def _from_json(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row from the audit log's JSON back to database values (ISO text -> dates)."""
    out = dict(row)
    for c in DATE_COLUMNS[name]:
        if isinstance(out.get(c), str):
            out[c] = dt.date.fromisoformat(out[c])
    return out


def _pack(snapshot: dict[str, list[dict[str, Any]]]) -> bytes:
    """Rows per table as compressed JSON, column-wise (``{"columns": [...], "rows": [[...], ...]}``)."""
    packed: dict[str, dict[str, Any]] = {}
    for name, rows in snapshot.items():
        columns = list(rows[0]) if rows else []
        packed[name] = {"columns": columns, "rows": [list(r.values()) for r in rows]}
    return gzip.compress(_json(packed).encode("utf-8"), compresslevel=3)


def _unpack(blob: bytes) -> dict[str, list[dict[str, Any]]]:
    packed: dict[str, dict[str, Any]] = json.loads(gzip.decompress(blob).decode("utf-8"))
    return {name: [dict(zip(p["columns"], r, strict=True)) for r in p["rows"]] for name, p in packed.items()}


__all__ = ["ImportRefused", "ImportReport", "ReadOnlyError", "UnknownAlliance", "Workspace"]
