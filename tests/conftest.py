"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alliance_lens.config import LensConfig


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own workspace folder: no test ever touches ``~/.alliance_lens``."""
    home = tmp_path / "alliance_lens_home"
    home.mkdir()
    # no setting of the machine running the suite leaks in (a CI runner's ALLIANCE_LENS_DB, say)
    for var in LensConfig.env_names().values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ALLIANCE_LENS_HOME", str(home))
    yield home
