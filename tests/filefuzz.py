"""Fuzzed interchange files (CSV folders and .xlsx workbooks) and the check that each is read or refused cleanly.

Shared by ``tests/test_file_fuzz.py`` (a few hundred files) and ``bench/bench_files.py`` (2,000). A file is
*clean* when reading it returns data or raises :class:`~alliance_lens.model.UserError` (a message for the user);
any other exception is a crash — what the command line would show as "unexpected error: …". An import that is
refused must leave the workspace as it was (no partial write).
"""

from __future__ import annotations

import io
import random
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alliance_lens.interchange import read_path, write_path
from alliance_lens.model import AllianceData, UserError

SNIPPETS = [
    '<c r="XFD1048576"><v>1</v></c>',
    '<c r="ZZZZZZ2"><v>1</v></c>',
    '<c r="A0"><v>1</v></c>',
    '<row r="0">',
    '<row r="4294967297">',
    '<c r="B2" t="s"><v>99999999</v></c>',
    '<c r="B2" t="s"><v>-1</v></c>',
    '<c r="B2" t="s"><v>x</v></c>',
    '<c r="C2" t="d"><v>not a date</v></c>',
    '<c r="C2" t="e"><v>#N/A</v></c>',
    '<c r="C2" t="b"><v>7</v></c>',
    '<c r="C2" s="999"><v>45000</v></c>',
    '<c r="C2" s="1"><v>-99999999</v></c>',
    '<c r="C2" s="1"><v>1e308</v></c>',
    "<v>" + "9" * 400 + "</v>",
    "<v>nan</v>",
    "<v>inf</v>",
    'count="4000000000"',
    "&#0;",
    "&bogus;",
    "<![CDATA[x]]>",
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    "\x00",
    "\udcff",
    "é\u2028\ufeff",
    "</sheetData>",
    "<sheetData>",
    '<sheet name="partners" sheetId="9" r:id="rId1"/>',
    '<sheet name="" sheetId="1" r:id="rId99"/>',
    '<numFmt numFmtId="14" formatCode="yyyy"/>',
]
CSV_SNIPPETS = [
    '"',
    '""',
    ",",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\ufeff",
    "=cmd|' /C calc'!A0",
    "-1",
    "1e999",
    "2024-02-30",
    "é",
    "x" * 200_000,  # longer than the csv module's field limit
    ";;;",
]


@dataclass
class Outcome:
    """What the fuzzing found."""

    files: int = 0
    accepted: int = 0
    refused: int = 0
    imports_checked: int = 0
    crashes: list[str] = field(default_factory=list)
    partial_writes: list[str] = field(default_factory=list)


def _mutate_text(text: str, rng: random.Random, snippets: list[str]) -> str:
    for _ in range(rng.randint(1, 4)):
        if not text:
            return rng.choice(snippets)
        i = rng.randrange(len(text))
        j = min(len(text), i + rng.randint(1, 200))
        kind = rng.randrange(6)
        if kind == 0:
            text = text[:i] + text[j:]  # delete a span
        elif kind == 1:
            text = text[:j] + text[i:j] * rng.randint(2, 5) + text[j:]  # repeat one
        elif kind == 2:
            text = text[:i] + rng.choice(snippets) + text[i:]  # insert something hostile
        elif kind == 3:
            text = text[:i] + chr(rng.randrange(1, 0x3000)) + text[i + 1 :]  # change one character
        elif kind == 4:
            text = text[:i]  # truncate
        else:
            k = rng.randrange(len(text))
            text = text[:i] + text[k : k + (j - i)] + text[j:]  # copy a span from elsewhere
    return text


def mutate_workbook(original: bytes, rng: random.Random) -> bytes:
    """A damaged or hostile variant of a workbook."""
    kind = rng.randrange(10)
    if kind == 0:  # raw bytes flipped (mostly: a zip that fails its checksums)
        raw = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if kind == 1:
        return original[: rng.randrange(len(original))]
    with zipfile.ZipFile(io.BytesIO(original)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    names = list(parts)
    if kind == 2:
        del parts[rng.choice(names)]
    else:
        name = rng.choice([n for n in names if "sheet" in n] if kind < 7 else names)
        text = parts[name].decode("utf-8", "surrogatepass")
        parts[name] = _mutate_text(text, rng, SNIPPETS).encode("utf-8", "surrogatepass")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return out.getvalue()


def mutate_csv(original: bytes, rng: random.Random) -> bytes:
    """A damaged or hostile variant of one CSV file."""
    if rng.randrange(5) == 0:
        raw = bytearray(original)
        for _ in range(rng.randint(1, 5)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    return _mutate_text(original.decode("utf-8"), rng, CSV_SNIPPETS).encode("utf-8", "surrogatepass")


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as con:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}


def fuzz(
    base: AllianceData,
    folder: Path,
    n: int,
    *,
    seed: int = 14,
    import_every: int = 10,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Read ``n`` fuzzed files (half CSV folders, half workbooks) made from ``base``; import some of them."""
    from alliance_lens.store import Workspace

    rng = random.Random(seed)
    good_csv = write_path(base, folder / "good")
    good_xlsx = (write_path(base, folder / "good.xlsx")).read_bytes()
    db = folder / "fuzz.sqlite"
    out = Outcome()
    with Workspace.open(f"sqlite:///{db}") as ws:
        ws.import_data(base)
        for i in range(n):
            case = folder / f"case{i}"
            if i % 2:
                path = case.with_suffix(".xlsx")
                path.write_bytes(mutate_workbook(good_xlsx, rng))
            else:
                shutil.copytree(good_csv, case)
                victim = case / rng.choice(sorted(p.name for p in case.iterdir()))
                victim.write_bytes(mutate_csv(victim.read_bytes(), rng))
                path = case
            out.files += 1
            try:
                read_path(path)
                out.accepted += 1
                accepted = True
            except UserError:
                out.refused += 1
                accepted = False
            except Exception as exc:  # what the fuzzing is for
                out.crashes.append(f"{path.name}: {exc!r}")
                accepted = False
            if accepted or i % import_every == 0:
                before = _counts(db)
                try:
                    ws.import_path(path, replace=True)
                except UserError:
                    if _counts(db) != before:
                        out.partial_writes.append(path.name)
                except Exception as exc:
                    out.crashes.append(f"{path.name} (import): {exc!r}")
                out.imports_checked += 1
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            if progress is not None:
                progress(i)
    return out
