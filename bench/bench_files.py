"""Hostile workbooks, fuzzed files, and the large alliance's workbook (issue 14).

Run: ``.venv/bin/python bench/bench_files.py [--fuzz N] [--skip-large]``.

* each hostile workbook (``.xlsx``, ``.xls``, ``.ods``) is read in a fresh process: wall time and peak memory
  (goal: refused within 5 s and 300 MB, with a message naming the limit);
* N fuzzed files (default 2,000; half CSV folders, half workbooks): crashes (goal 0) and partial writes (goal 0);
* the large alliance (140,000 ratings): its workbook written, then read and checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>alliance_id</t></is></c><c r="B1" t="inlineStr"><is><t>partner_id'
    '</t></is></c><c r="C1" t="inlineStr"><is><t>name</t></is></c></row>'
)


def _book(path: Path, write_sheet: object, shared: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="partners" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(f"<worksheet {NS}><sheetData>{HEADER}".encode())
            if callable(write_sheet):
                write_sheet(fh)
            else:
                fh.write(str(write_sheet).encode())
            fh.write(b"</sheetData></worksheet>")
    return path


def _bomb(fh: object) -> None:
    chunk = b"<!--" + b" " * (1 << 20) + b"-->"
    for _ in range(1024):  # 1 GiB of XML in a ~1 MB file
        fh.write(chunk)  # type: ignore[attr-defined]


def _all_rows(fh: object) -> None:
    for start in range(2, 1_048_577, 10_000):
        end = min(start + 10_000, 1_048_577)
        fh.write("".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(start, end)).encode())  # type: ignore[attr-defined]


def _xls(path: Path, row: int, column: int) -> Path:
    """An .xls (written by xlwt, of the test extra) with a header and one far cell."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("partners")
    for j, h in enumerate(["alliance_id", "partner_id", "name"]):
        sheet.write(0, j, h)
    sheet.write(row, column, "x")
    book.save(str(path))
    return path


def _ods(path: Path, rows: str) -> Path:
    from test_interchange import _ods_cell, _write_ods

    header = "<table:table-row>" + "".join(_ods_cell(h) for h in ["alliance_id", "partner_id", "name"])
    return _write_ods(path, {"partners": header + "</table:table-row>" + rows})


def _ods_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        with z.open("content.xml", "w") as fh:
            _bomb(fh)
    return path


HOSTILE = {
    "cell ZZZZZZ2 (27 KB-class file)": lambda p: _book(p, '<row r="2"><c r="ZZZZZZ2"><v>1</v></c></row>'),
    "cell ZZZZZZZ2": lambda p: _book(p, '<row r="2"><c r="ZZZZZZZ2"><v>1</v></c></row>'),
    "cell XFD1048576": lambda p: _book(p, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    "zip bomb (1 MB file, 1 GiB sheet)": lambda p: _book(p, _bomb),
    "1,048,576 rows": lambda p: _book(p, _all_rows),
    "2e9 shared strings announced": lambda p: _book(
        p, "", f'<sst {NS} count="2000000000" uniqueCount="2000000000"><si><t>x</t></si></sst>'
    ),
    ".xls: one cell at IV65536": lambda p: _xls(p.with_suffix(".xls"), 65535, 255),
    ".xls: one cell at CW65536 (6.6M cells)": lambda p: _xls(p.with_suffix(".xls"), 65535, 100),
    ".ods: a value over 16,384 columns": lambda p: _ods(
        p.with_suffix(".ods"),
        '<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="16384">'
        "<text:p>x</text:p></table:table-cell></table:table-row>",
    ),
    ".ods: a value over 1,048,575 rows": lambda p: _ods(
        p.with_suffix(".ods"),
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>',
    ),
    ".ods: zip bomb (1 GiB content.xml)": lambda p: _ods_bomb(p.with_suffix(".ods")),
}

_READ = """
import resource, sys, time
t = time.perf_counter()
from alliance_lens.interchange import read_path
from alliance_lens.model import UserError
start = time.perf_counter()
try:
    read_path(sys.argv[1]); outcome = "ACCEPTED"
except UserError as e:
    outcome = "refused: " + str(e).split(": ", 1)[1][:110]
except BaseException as e:
    outcome = "CRASH " + repr(e)[:110]
print(f"{time.perf_counter() - start:.2f}|{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}|{outcome}")
"""


def hostile(folder: Path) -> bool:
    ok = True
    print(f"{'hostile workbook':36} {'size':>9} {'read s':>7} {'peak MB':>8}  outcome")
    for name, make in HOSTILE.items():
        path = make(folder / "hostile.xlsx")
        run = subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True, text=True, timeout=300)
        line = (
            run.stdout.strip().splitlines()[-1]
            if run.stdout.strip()
            else f"0|0|DIED {run.returncode} {run.stderr[-200:]}"
        )
        seconds, peak, outcome = line.split("|", 2)
        ok &= outcome.startswith("refused") and float(seconds) < 5 and int(peak) < 300
        print(f"{name:36} {path.stat().st_size:>9} {seconds:>7} {peak:>8}  {outcome}")
    return ok


def fuzzing(folder: Path, n: int) -> bool:
    from alliance_lens.interchange import read_path
    from filefuzz import fuzz
    from test_interchange import GOOD, write_folder

    base = read_path(write_folder(folder / "base", GOOD)).data
    start = time.perf_counter()
    found = fuzz(base, folder, n)
    print(
        f"fuzzed {found.files} files in {time.perf_counter() - start:.0f} s: {found.accepted} read, "
        f"{found.refused} refused with a message, {len(found.crashes)} crashes, {found.imports_checked} imports "
        f"checked, {len(found.partial_writes)} partial writes"
    )
    for c in found.crashes[:10]:
        print("  crash:", c)
    return not found.crashes and not found.partial_writes


def large(folder: Path) -> None:
    from alliance_lens import synth
    from alliance_lens.interchange import read_path, write_path

    data = synth.generate_large()
    for label, fn in (
        ("write the large alliance's .xlsx", lambda: write_path(data, folder / "large.xlsx")),
        ("read and check it", lambda: read_path(folder / "large.xlsx")),
    ):
        t, c = time.perf_counter(), time.process_time()
        fn()
        print(f"{label:36} {time.perf_counter() - t:6.2f} s wall {time.process_time() - c:6.2f} s cpu")
    with zipfile.ZipFile(folder / "large.xlsx") as z:
        inflated = sum(i.file_size for i in z.infolist())
    print(f"  file {(folder / 'large.xlsx').stat().st_size:,} bytes, {inflated:,} bytes of XML")


def main() -> int:
    n = int(sys.argv[sys.argv.index("--fuzz") + 1]) if "--fuzz" in sys.argv else 2000
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()), "on", os.cpu_count(), "cores")
    with tempfile.TemporaryDirectory(prefix="bench_files_") as tmp:
        folder = Path(tmp)
        ok = hostile(folder)
        if "--skip-large" not in sys.argv:
            large(folder)
        ok &= fuzzing(folder, n)
    print("all goals met" if ok else "SOME GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
