"""The store's errors a user can fix, importable without SQLAlchemy (it is imported when a workspace opens).

Each is a :class:`~alliance_lens.model.UserError`: the command line and the dashboard show its message.
"""

from __future__ import annotations

from alliance_lens.domain.problems import UserError


class UnknownAlliance(UserError, LookupError):
    """No alliance with that id in the workspace."""


class SchemaError(UserError):
    """The workspace's layout cannot be used by this release (newer, or not a workspace at all)."""


class ImportRefused(UserError):
    """An import that would overwrite an alliance without ``replace``."""


class ReadOnlyError(UserError):
    """A write to a workspace opened read-only."""
