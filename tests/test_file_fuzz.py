"""Fuzzed CSV folders and workbooks: every one is read or refused with a message, none half-imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_lens.interchange import read_path
from filefuzz import fuzz
from test_interchange import GOOD, write_folder


@pytest.mark.slow
def test_fuzzed_files_never_crash_and_never_write_half(tmp_path: Path) -> None:
    base = read_path(write_folder(tmp_path / "base", GOOD)).data
    found = fuzz(base, tmp_path, 80)
    assert found.files == 80
    assert found.crashes == []
    assert found.partial_writes == []
    # the fuzzing means something: most files are refused, some still read, and imports were tried
    assert found.refused > 40 and found.accepted >= 2 and found.imports_checked > 8
