"""The audit log's entries as typed records, who makes a change, and writing them with the change.

Every change is one transaction with one :class:`Change` (its id, when, who); it writes one
:class:`AuditEntry` per table it touched in each alliance, each carrying the revision the change brought that
alliance to (:func:`alliance_lens.store.engine.lock_alliances`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from alliance_lens.config import settings

if TYPE_CHECKING:
    from sqlalchemy import Connection

Op = Literal["insert", "update", "import", "replace", "undo"]


@dataclass(frozen=True)
class Change:
    """One change: its id (shared by its entries and by every row it created), its moment, who made it."""

    change_id: str
    at: dt.datetime
    actor: str

    @classmethod
    def new(cls, actor: str) -> Change:
        """A change starting now, with a fresh id."""
        return cls(uuid.uuid4().hex, dt.datetime.now(dt.UTC).replace(tzinfo=None), actor)


@dataclass(frozen=True)
class AuditEntry:
    """What a change did to one table of one alliance; ``key``, ``before`` and ``after`` are JSON text."""

    alliance_id: str
    table_name: str
    op: Op
    key: str
    summary: str
    before: str | None = None
    after: str | None = None
    #: for ``replace``: the whole alliance it replaced, compressed (see ``workspace._pack``)
    snapshot: bytes | None = None


def write(conn: Connection, change: Change, entries: Sequence[AuditEntry], revisions: Mapping[str, int]) -> None:
    """Write the entries of ``change``; ``revisions`` holds the new revision of each alliance it touched."""
    rows = [
        {
            **asdict(e),
            "change_id": change.change_id,
            "at": change.at,
            "actor": change.actor,
            "revision": revisions[e.alliance_id],
        }
        for e in entries
    ]
    if rows:
        from alliance_lens.store.schema import audit_log  # SQLAlchemy: imported once a workspace opens

        conn.execute(audit_log.insert(), rows)


def os_user() -> str:
    """The operating system's user name (``unknown`` where there is none, e.g. a container without one)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in containers without /etc/passwd entries
        return os.environ.get("USER") or "unknown"


def current_actor(flag: str | None = None) -> str:
    """Who makes the changes: the JupyterHub user, else ``flag``, else the setting, else the OS user.

    The JupyterHub user is who logged in, so it wins; ``flag`` is ``--actor``; the setting is ``actor``
    (``ALLIANCE_LENS_ACTOR``).
    """
    cfg = settings()
    return str(cfg.hub_user).strip() or (flag or "").strip() or str(cfg.actor).strip() or os_user()


def to_json(value: Any) -> str:
    """JSON text of a key, a row or a count, dates as ISO text, sorted keys (so equal rows give equal text)."""

    def default(o: Any) -> Any:
        if isinstance(o, dt.date):
            return o.isoformat()
        if isinstance(o, np.generic):
            return o.item()
        return str(o)

    return json.dumps(value, default=default, ensure_ascii=False, sort_keys=True)
