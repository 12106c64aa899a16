"""Loading: the workspace's rows into :class:`AllianceData`, whole or only what is newer than a revision.

Rows are read as the driver gives them, into one object array, and turned into the frames' dtypes column
by column (:func:`typed_frame`); :func:`load_newer` reads the audit log by the alliance's committed revision, so a view
brought up to date never skips a committed change. Every function runs in the caller's (reading) transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from alliance_lens.model import DATE_COLUMNS, NUMBER_COLUMNS, TABLES, AllianceData, normalise_frame
from alliance_lens.store import schema as s
from alliance_lens.store.errors import UnknownAlliance

#: The order rows are loaded in: deterministic on every database; outcomes and ratings in order of entry.
ORDER: Final[dict[str, tuple[str, ...]]] = {
    "alliances": ("alliance_id",),
    "partners": ("alliance_id", "partner_id"),
    "sessions": ("alliance_id", "date", "session_id"),
    "agreements": ("alliance_id", "agreement_id"),
    "outcomes": ("id",),
    "trust_ratings": ("id",),
}

#: ``None`` as an object array, to find absent values among stored ones in one comparison
NONE: Final = np.array([None], dtype=object)


def revision(conn: Connection, alliance_id: str) -> int:
    """The alliance's revision as committed (0 if it never changed)."""
    r = s.alliance_revisions
    return int(conn.execute(select(r.c.revision).where(r.c.alliance_id == alliance_id)).scalar() or 0)


def load(conn: Connection, ids: list[str] | None, tables: Iterable[str] = TABLES) -> AllianceData:
    """Alliances ``ids`` (all: ``None``); :class:`~alliance_lens.store.UnknownAlliance` for an id not there."""
    if ids is not None:
        found = set(conn.execute(select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id.in_(ids))).scalars())
        missing = [a for a in ids if a not in found]
        if missing:
            raise unknown(conn, missing[0])
    return AllianceData.from_frames({name: frame(conn, name, ids) for name in tables}, normalised=True)


def unknown(conn: Connection, alliance_id: str) -> UnknownAlliance:
    """The error for an alliance not in the workspace, naming those that are."""
    known = sorted(conn.execute(select(s.alliances.c.alliance_id)).scalars())
    listing = ", ".join(repr(k) for k in known[:20]) or "none"
    return UnknownAlliance(f"there is no alliance {alliance_id!r} in the workspace (alliances: {listing})")


def load_newer(conn: Connection, alliance_id: str, data: AllianceData, seen: int) -> tuple[AllianceData, int]:
    """``data`` of one alliance, loaded at revision ``seen``, brought up to date (see ``Workspace.load_newer``)."""
    a = s.audit_log
    latest = revision(conn, alliance_id)
    if latest == seen:
        return data, seen
    since = conn.execute(select(a.c.change_id, a.c.op).where(a.c.alliance_id == alliance_id, a.c.revision > seen)).all()
    # seen < 0 or > latest: not a revision of this workspace's alliance (another database, or one renumbered
    # by a migration): only a full load is right
    if seen < 0 or seen > latest or not since or any(r.op != "insert" for r in since):
        return load(conn, [alliance_id]), latest
    changes = sorted({str(r.change_id) for r in since})
    frames: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        table = s.DATA_TABLES[name]
        new = frame(conn, name, [alliance_id], where=table.c.change_id.in_(changes))
        old = data.table(name)
        if new.empty:
            frames[name] = old
            continue
        merged = pd.concat([old, new], ignore_index=True) if len(old) else new
        if ORDER[name] != ("id",):  # rows by id are in insertion order already
            merged = merged.sort_values(list(ORDER[name]), kind="stable", ignore_index=True)
        frames[name] = merged
    return AllianceData.from_frames(frames, normalised=True), latest


def frame(conn: Connection, name: str, ids: list[str] | None, *, where: Any = None) -> pd.DataFrame:
    """One table's rows (of some alliances, or all), ordered as :data:`ORDER` says, in the frame's dtypes.

    The driver's rows go into one object array (numpy's C loop, not Python's ``zip``) and each column from
    there straight into its dtype. Tables kept in order of entry are read as the database finds them and put
    in ``id`` order here: sorting 140,000 rows in SQL (a temporary B-tree on SQLite) took longer than numpy.
    """
    table = s.DATA_TABLES[name]
    required, optional = TABLES[name]
    columns = list(required + optional)
    # one alliance: its id is not fetched 140,000 times over (a sixth of the driver's work on ratings)
    same = {"alliance_id": ids[0]} if ids is not None and len(ids) == 1 else {}
    fetched = [c for c in columns if c not in same]
    by_id = ORDER[name] == ("id",)
    query = select(*[table.c[c] for c in fetched], *([table.c.id] if by_id else []))
    if ids is not None:
        query = query.where(table.c.alliance_id.in_(ids))
    if where is not None:
        query = query.where(where)
    if not by_id:
        query = query.order_by(*[table.c[c] for c in ORDER[name]])
    result = conn.execute(query)
    try:
        # the driver's own tuples: SQLAlchemy's Row objects and per-value date parsing were most of a load
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    width = len(fetched) + by_id
    grid = np.empty((len(rows), width), dtype=object)
    if rows:
        grid[:] = rows
    if by_id and len(grid):
        grid = grid[np.argsort(grid[:, -1].astype(np.int64), kind="stable")]
    try:
        typed = typed_frame(name, fetched, grid)
    except (ValueError, TypeError):  # a value stored in an unexpected form: the general (slower) path
        raw = pd.DataFrame({c: pd.Series(grid[:, j], dtype=object) for j, c in enumerate(fetched)})
        typed = normalise_frame(name, raw.assign(**same)[columns])
    for column, value in same.items():
        if column not in typed:
            typed.insert(columns.index(column), column, pd.Series([value] * len(typed), dtype="str"))
    return typed


def typed_frame(name: str, columns: list[str], grid: np.ndarray[Any, Any]) -> pd.DataFrame:
    """Stored columns (``grid``'s first ones, an object array) straight into the frame's dtypes.

    The dtypes are what :func:`normalise_frame` gives. Dates come as ISO text (SQLite) or ``date`` objects
    (PostgreSQL), ``None`` where absent: numpy reads both in one pass. Stored rows hold no absent text or
    number (the columns are ``NOT NULL``).
    """
    data: dict[str, Any] = {}
    for j, column in enumerate(columns):
        values = grid[:, j]
        if column in DATE_COLUMNS[name]:
            data[column] = values.astype("datetime64[D]").astype("datetime64[s]")
        elif column in NUMBER_COLUMNS[name]:
            data[column] = values.astype("float64")
        else:
            if np.equal(values, NONE).any():
                raise ValueError(f"{name}.{column} holds an absent value")
            data[column] = pd.array(values, dtype="str")
    return pd.DataFrame(data, index=pd.RangeIndex(len(grid)))
