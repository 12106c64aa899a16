"""The workspace store: alliances in a database (SQLite by default), audited, undoable, safe to share.

See :class:`Workspace` (``docs/design.md`` lists its API). Errors a user can fix are
:class:`~alliance_lens.model.UserError` subclasses: :class:`UnknownAlliance`, :class:`ImportRefused`,
:class:`ReadOnlyError`, :class:`SchemaError`.

Importing the store does not import SQLAlchemy: :meth:`Workspace.open` does (an analyst who reads an
interchange file never pays for it). ``SCHEMA_VERSION`` is read from :mod:`.schema` when asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alliance_lens.store.errors import ImportRefused, ReadOnlyError, SchemaError, UnknownAlliance
from alliance_lens.store.workspace import ImportReport, Workspace

if TYPE_CHECKING:
    from alliance_lens.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "ImportRefused",
    "ImportReport",
    "ReadOnlyError",
    "SchemaError",
    "UnknownAlliance",
    "Workspace",
]


def __getattr__(name: str) -> object:
    # PEP 562: the schema module holds the tables, so reading its version imports SQLAlchemy
    if name == "SCHEMA_VERSION":
        from alliance_lens.store.schema import SCHEMA_VERSION

        return SCHEMA_VERSION
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
