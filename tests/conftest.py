"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own workspace folder: no test ever touches ``~/.alliance_lens``."""
    home = tmp_path / "alliance_lens_home"
    home.mkdir()
    monkeypatch.setenv("ALLIANCE_LENS_HOME", str(home))
    yield home
