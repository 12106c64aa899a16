"""One Vega bundle for every workspace folder the suite makes.

A machine builds the bundle once (6 s, ~0.9 MB) and every later server start and kernel reads it from the
workspace folder's cache (``alliance_lens.charts.bundle``). The suite gives each test
a fresh folder, so without this every facilitator server and notebook paid the 6 s again (about 20 builds,
two minutes of a run). Shared by a hard link: the code under test still finds, reads and, where none was
shared yet, builds the file itself.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: the folder this run keeps its bundle in (set by the session fixture in conftest.py)
_shared: list[Path] = []

# a real bundle is ~0.9 MB; tests that plant a stand-in write a few bytes, never to be shared
_MIN_SIZE = 100_000
_PATTERN = "vega-bundle-*.js"


def set_folder(folder: Path) -> None:
    """Where this run keeps its shared bundle."""
    folder.mkdir(parents=True, exist_ok=True)
    _shared[:] = [folder]


def _folder() -> Path | None:
    return _shared[0] if _shared else None


def share_into(home: Path) -> None:
    """Put the run's bundle (if built yet) into ``home``'s cache, as a machine that built it once has it."""
    folder = _folder()
    if folder is None:
        return
    for bundle in folder.glob(_PATTERN):
        target = home / "cache" / bundle.name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.link(bundle, target)


def keep_from(home: Path) -> None:
    """Keep a bundle the code built into ``home`` for every folder after it."""
    folder = _folder()
    if folder is None:
        return
    for bundle in (home / "cache").glob(_PATTERN):
        kept = folder / bundle.name
        if not kept.exists() and bundle.stat().st_size >= _MIN_SIZE:
            with contextlib.suppress(FileExistsError):
                os.link(bundle, kept)


def ensure_into(home: Path) -> None:
    """Build the run's bundle if no test has yet (as ``serve`` would), then share it into ``home``."""
    folder = _folder()
    if folder is not None and not any(folder.glob(_PATTERN)):
        from alliance_lens.charts.bundle import bundle_path, cached_bundle

        cached_bundle(folder / bundle_path().name)  # the project's own build, as a server's first start runs it
    share_into(home)
