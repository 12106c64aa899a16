"""The workspace store: alliances in a database (SQLite by default), audited, undoable, safe to share.

See :class:`Workspace` (``docs/design.md`` lists its API). Errors a user can fix are
:class:`~alliance_lens.model.UserError` subclasses: :class:`UnknownAlliance`, :class:`ImportRefused`,
:class:`ReadOnlyError`, :class:`~alliance_lens.store.schema.SchemaError`.
"""

from __future__ import annotations

from alliance_lens.store.schema import SCHEMA_VERSION, SchemaError
from alliance_lens.store.workspace import ImportRefused, ImportReport, ReadOnlyError, UnknownAlliance, Workspace

__all__ = [
    "SCHEMA_VERSION",
    "ImportRefused",
    "ImportReport",
    "ReadOnlyError",
    "SchemaError",
    "UnknownAlliance",
    "Workspace",
]
