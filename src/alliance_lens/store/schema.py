"""The workspace's tables (SQLAlchemy Core, portable types: SQLite by default, PostgreSQL by URL).

Every data row carries ``change_id``, the change (one transaction) that created it, so a change can be undone
by deleting what it created and putting back the before-images the audit log keeps. Outcomes and ratings have
a surrogate ``id`` whose order is the order of entry.

``schema_version`` holds one row: the version of this layout. :func:`upgrade` brings an older workspace up to
:data:`SCHEMA_VERSION` (one function per step in :data:`MIGRATIONS`), and a newer one is refused, so a later
release can change the layout without losing anyone's record.

``alliance_revisions`` holds one counter per alliance, raised by every change *in the change's transaction*
(which also locks that row, so the writers of one alliance queue): a view that has seen revision *n* has seen
every change up to *n*, on every engine. The audit log's ``revision`` column says which change had which.
The registries of client links (``share_links``) and of polls are part of the same schema and version, so a
read-only role granted ``SELECT`` on every table at deployment can read them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from alliance_lens.domain import contract
from alliance_lens.domain.contract import MAX_ID_LENGTH
from alliance_lens.store.errors import SchemaError

#: The layout this release writes and reads. 2: per-alliance revisions, the link registry in the schema.
SCHEMA_VERSION: Final = 2

metadata = MetaData()

_ID = String(MAX_ID_LENGTH)
_CHANGE = String(32)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
    Column("applied_at", DateTime, nullable=False),
)


def _sql_type(column: contract.Column) -> TypeEngine[Any]:
    if column.kind == "id":
        return _ID
    if column.kind == "date":
        return Date()
    if column.kind == "number":
        return Double()
    if column.kind == "choice":
        # language codes in 8 characters, the other vocabularies in 16: the layout as the first release made it
        return String(8 if max(len(c) for c in column.choices) <= 2 else 16)
    return Text()


def _data_table(spec: contract.Table) -> Table:
    """The store's table of a contract table: its columns, keys, references and their indexes, and ``change_id``.

    Tables whose rows are named (``id_column``) have the natural key as primary key; the others (outcomes and
    ratings, only ever appended) a surrogate ``id`` in order of entry. A reference is a foreign key on
    (alliance_id, column), indexed unless it is the key; ``alliance_id`` refers to the alliance on its own only
    where no other reference implies it.
    """
    items: list[Any] = []
    if not spec.key:
        items.append(Column("id", Integer, primary_key=True, autoincrement=True))
    for c in spec.columns:
        nullable = not c.required and c.default is None
        items.append(Column(c.name, _sql_type(c), primary_key=c.name in spec.key, nullable=nullable))
    references = [c for c in spec.columns if c.kind == "id" and c.references not in (None, "alliances")]
    for c in references:
        target = contract.CONTRACT[str(c.references)]
        items.append(
            ForeignKeyConstraint(
                ["alliance_id", c.name], [f"{target.name}.alliance_id", f"{target.name}.{target.id_column}"]
            )
        )
        if c.name not in spec.key:
            short = "ratings" if spec.name == "trust_ratings" else spec.name
            items.append(Index(f"ix_{short}_{c.name.removesuffix('_id')}", "alliance_id", c.name))
    if not references and spec.name != "alliances":
        items.append(ForeignKeyConstraint(["alliance_id"], ["alliances.alliance_id"]))
    items.append(Column("change_id", _CHANGE, nullable=False))
    return Table(spec.name, metadata, *items)


# The data tables, derived from the contract (alliance_lens.domain.contract): one declaration of each.
alliances, partners, sessions, agreements, outcomes, trust_ratings = (
    _data_table(spec) for spec in contract.CONTRACT.values()
)

#: One row per table touched by a change; ``before``/``after`` are JSON; ``snapshot`` (compressed JSON) keeps
#: a whole alliance that an import replaced, so it can be restored.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", _CHANGE, nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("alliance_id", _ID, nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("op", String(16), nullable=False),
    Column("key", Text, nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("summary", Text, nullable=False),
    Column("snapshot", LargeBinary, nullable=True),
    # the alliance's revision this change brought it to (alliance_revisions): load_newer reads by it
    Column("revision", Integer, nullable=False, server_default="0"),
    Index("ix_audit_alliance", "alliance_id", "id"),
    Index("ix_audit_revision", "alliance_id", "revision"),
)

#: One row per alliance that ever changed (kept when the alliance is undone or replaced, so its revision
#: never goes back): the row is locked and raised by every change of the alliance, in its transaction.
alliance_revisions = Table(
    "alliance_revisions",
    metadata,
    Column("alliance_id", _ID, primary_key=True),
    Column("revision", Integer, nullable=False),
)

#: The registry of client links (``alliance_lens.links``): only the link id is kept, never the token.
share_links = Table(
    "share_links",
    metadata,
    Column("link_id", String(32), primary_key=True),
    Column("alliance_id", String(64), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    Column("base_url", String(2000), nullable=False, default=""),
)

#: The live trust polls (issue 10; ``store/polls.py``): one row per opening of a session's poll. Not a data
#: table: opening and closing are not changes of the record (the answers are, in ``trust_ratings``), so they are
#: neither exported nor undone. ``code`` is the short code of the projector's readable address (``/p/CODE``).
polls = Table(
    "polls",
    metadata,
    Column("poll_id", String(32), primary_key=True),
    Column("alliance_id", _ID, nullable=False),
    Column("session_id", _ID, nullable=False),
    Column("code", String(16), nullable=False, unique=True),
    Column("opened_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("closed_at", DateTime, nullable=True),
    Column("actor", String(200), nullable=False),
    # no foreign key to sessions: replacing or undoing an alliance must not be blocked by its polls
    Index("ix_polls_session", "alliance_id", "session_id"),
)

#: The data tables in dependency order (parents first); deletes run in the reverse order.
DATA_TABLES: Final[dict[str, Table]] = {
    "alliances": alliances,
    "partners": partners,
    "sessions": sessions,
    "agreements": agreements,
    "outcomes": outcomes,
    "trust_ratings": trust_ratings,
}

#: Natural keys of the tables updated in place (outcomes and ratings are only ever appended).
KEYS: Final[dict[str, tuple[str, ...]]] = {name: t.key for name, t in contract.CONTRACT.items() if t.key}


def _v1_to_v2(conn: Connection) -> None:
    """Per-alliance revisions (numbered from the audit log, change by change) and the link registry."""
    metadata.create_all(conn, tables=missing_tables(conn))
    if "revision" not in {c["name"] for c in inspect(conn).get_columns("audit_log")}:
        conn.execute(text("ALTER TABLE audit_log ADD COLUMN revision INTEGER NOT NULL DEFAULT 0"))
        next(i for i in audit_log.indexes if i.name == "ix_audit_revision").create(conn)
    rows = conn.execute(select(audit_log.c.id, audit_log.c.alliance_id, audit_log.c.change_id).order_by(audit_log.c.id))
    numbered: dict[str, dict[str, int]] = {}
    updates: list[dict[str, Any]] = []
    for row in rows:
        changes = numbered.setdefault(str(row.alliance_id), {})
        revision = changes.setdefault(str(row.change_id), len(changes) + 1)
        updates.append({"b_id": row.id, "b_revision": revision})
    if updates:
        conn.execute(
            audit_log.update().where(audit_log.c.id == bindparam("b_id")).values(revision=bindparam("b_revision")),
            updates,
        )
    conn.execute(delete(alliance_revisions))
    counters = [{"alliance_id": a, "revision": len(c)} for a, c in numbered.items()]
    if counters:
        conn.execute(alliance_revisions.insert(), counters)


#: version -> the step that brings a workspace of that version to the next one. A step runs inside the
#: upgrade's transaction (under the schema lock) and must not lose data.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2}


def read_version(conn: Connection) -> int | None:
    """The workspace's schema version, or ``None`` when it has no alliance_lens tables yet."""
    if not inspect(conn).has_table("schema_version"):
        return None
    version = conn.execute(select(schema_version.c.version)).scalar()
    return int(version) if version is not None else None


def check_version(version: int | None, where: str) -> None:
    """Refuse a workspace written by a newer release, clearly."""
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaError(
            f"the workspace {where} was written by a newer alliance_lens (schema version {version}; this release "
            f"knows up to {SCHEMA_VERSION}): upgrade alliance_lens to open it"
        )


def upgrade(conn: Connection, where: str) -> int:
    """Create the tables of a new workspace, or migrate an older one; returns the version found (0 if new).

    Runs in the caller's transaction, which holds the schema lock (:func:`alliance_lens.store.engine.
    lock_schema`): a failed migration leaves the workspace as it was, and two servers never migrate at once.
    Tables of this version that are missing (added to the schema without a new version) are created too.
    """
    found = read_version(conn)
    check_version(found, where)
    if found is None:
        metadata.create_all(conn)
        conn.execute(schema_version.insert().values(version=SCHEMA_VERSION, applied_at=_now()))
        return 0
    version = found
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise SchemaError(f"the workspace {where} has schema version {version}, which cannot be migrated")
        step(conn)
        version += 1
    missing = missing_tables(conn)
    if missing:
        metadata.create_all(conn, tables=missing)
    if version != found:
        conn.execute(schema_version.update().values(version=version, applied_at=_now()))
    return found


def missing_tables(conn: Connection) -> list[Table]:
    """The tables of this release's schema that the workspace does not have (in creation order)."""
    existing = set(inspect(conn).get_table_names())
    return [t for t in metadata.sorted_tables if t.name not in existing]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
