"""The sample alliance, ready to explore: :func:`open_sample` for analysts trying the library on a fresh machine."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance_lens.store import Workspace

#: The id of the sample alliance (an electric-vehicle platform of five partners).
SAMPLE_ALLIANCE = "ev-platform"


def open_sample(folder: str | Path | None = None) -> Workspace:
    """A workspace holding the sample alliance ``ev-platform``, in a new SQLite file (never your own workspace).

    ``folder``: where the file goes (default: a new temporary folder). The sample is the one shipped with the
    package (``sample_data/``), imported through the interchange format as a facilitator's files would be.
    """
    from alliance_lens import paths
    from alliance_lens.store import Workspace

    where = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="alliance_lens_sample_"))
    where.mkdir(parents=True, exist_ok=True)
    ws = Workspace.open(f"sqlite:///{where / 'sample.sqlite'}")
    if ws.alliances().empty:
        ws.import_path(paths.sample_data_dir())
    return ws
