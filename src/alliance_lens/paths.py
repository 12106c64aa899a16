"""Where the package's files are: notebooks, sample data, the workspace.

In a wheel the notebooks and sample data are inside the package; in an editable install (a clone) they are
at the top of the repository. Both are looked up here, so nothing else needs to know.
"""

from __future__ import annotations

from pathlib import Path

from alliance_lens.config import settings

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent.parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    in_repo = _REPO / name
    if in_repo.is_dir():
        return in_repo
    raise FileNotFoundError(f"the package's {name} folder is missing (looked in {inside} and {in_repo})")


def notebooks_dir() -> Path:
    """The folder of the dashboards' notebooks (facilitator, client, analysis)."""
    return _bundled("notebooks")


def sample_data_dir() -> Path:
    """The folder of the sample alliance in the interchange format."""
    return _bundled("sample_data")


def home_dir() -> Path:
    """The workspace folder: the ``home`` setting (``$ALLIANCE_LENS_HOME``), default ``~/.alliance_lens``."""
    return settings().home_path()


def default_db_url() -> str:
    """The SQLAlchemy URL of the default workspace file, ``workspace.sqlite`` in :func:`home_dir`.

    Not the workspace of a command: that is ``settings().workspace_url(flag)`` (``--db``, then
    ``ALLIANCE_LENS_DB``, then this file).
    """
    return f"sqlite:///{home_dir() / 'workspace.sqlite'}"
