"""Fuzzed CSV folders and workbooks: every one is read or refused with a message, none half-imported."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from alliance_lens.interchange import read_path
from alliance_lens.model import UserError
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


def _mutated(good: bytes, rng: random.Random) -> bytes:
    raw = bytearray(good)
    kind = rng.randrange(4)
    if kind == 0:  # a cut-off file
        return bytes(raw[: rng.randrange(len(raw))])
    if kind == 1:  # bytes overwritten here and there
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if kind == 2:  # a 32-bit field (a sector number, a size, an offset) set to something far
        at = rng.randrange(len(raw) - 4)
        raw[at : at + 4] = rng.choice(
            [b"\xff\xff\xff\xff", b"\xfe\xff\xff\xff", b"\x00\x00\x00\x80", b"\x01\x00\x00\x00"]
        )
        return bytes(raw)
    at = rng.randrange(len(raw))  # a slice repeated
    return bytes(raw[:at] + raw[at : at + rng.randint(1, 600)] * rng.randint(2, 50) + raw[at:])


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_fuzzed_xls_and_ods_are_read_or_refused_with_a_message(tmp_path: Path, suffix: str) -> None:
    from test_interchange import _cells, _ods_rows, _write_ods, _write_xls

    data = read_path(write_folder(tmp_path / "in", GOOD)).data
    sheets = _cells(data)
    good = tmp_path / f"good{suffix}"
    if suffix == ".xls":
        _write_xls(good, sheets)
    else:
        _write_ods(good, {name: _ods_rows(header, rows) for name, (header, rows) in sheets.items()})
    original = good.read_bytes()
    rng = random.Random(14)
    crashes: list[str] = []
    refused = read = 0
    for i in range(150):
        path = tmp_path / f"case{i}{suffix}"
        path.write_bytes(_mutated(original, rng))
        try:
            read_path(path)
            read += 1
        except UserError:
            refused += 1
        except Exception as exc:  # what the fuzzing is for
            crashes.append(f"{path.name}: {exc!r}")
    assert crashes == []
    assert refused > 50 and read + refused == 150
