"""Import and export of the large generated alliance (goal: each under 10 s).

Run: ``/tmp/venv/bin/python bench/bench_store.py`` (add ``--keep`` to keep the files in the printed folder).
The alliance: 20 partners, 120 sessions, 25,000 agreements, about 27,000 outcomes, 140,000 ratings.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alliance_lens import synth
from alliance_lens.interchange import read_path, validate_data, write_path
from alliance_lens.store import Workspace

T = TypeVar("T")
GOAL_S = 10.0


def timed(label: str, fn: Callable[[], T], results: dict[str, float]) -> T:
    """Run ``fn``; print its wall-clock time and the CPU time this process used (on a busy machine the two part)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    results[label] = time.perf_counter() - start
    used = time.process_time() - cpu
    flag = "" if results[label] < GOAL_S else "   <-- over the goal"
    print(f"{label:<44} {results[label]:6.2f} s wall {used:6.2f} s cpu{flag}", flush=True)
    return value


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="bench_store_"))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with it)")
    results: dict[str, float] = {}
    data = timed("generate the large alliance", synth.generate_large, results)
    alliance = str(data.alliances.iloc[0]["alliance_id"])
    print("rows:", ", ".join(f"{name} {len(frame)}" for name, frame in data.tables().items()))
    timed("  (validate_data alone)", lambda: validate_data(data), results)
    write_path(data, folder / "in")
    write_path(data, folder / "in.xlsx")

    for kind in ("in", "in.xlsx"):
        db = f"sqlite:///{folder / (kind + '.sqlite')}"
        with Workspace.open(db) as ws:
            timed(
                f"import {kind:<8} (read, check, write)",
                lambda ws=ws, kind=kind: ws.import_path(folder / kind),
                results,
            )
            timed(f"  (read_path {kind} alone)", lambda kind=kind: read_path(folder / kind), results)
    db = f"sqlite:///{folder / 'in.sqlite'}"
    with Workspace.open(db) as ws:
        timed("  (load from the workspace alone)", lambda: ws.load(alliance), results)
        for target in ("out", "out.xlsx"):
            timed(
                f"export {target:<8} (load, write)",
                lambda ws=ws, target=target: ws.export(alliance, folder / target),
                results,
            )
        timed(
            "replace it by an import (keeps a snapshot)", lambda: ws.import_path(folder / "in", replace=True), results
        )
        timed("undo that replace (restores the snapshot)", lambda: ws.undo(alliance), results)
        same = ws.load(alliance).equals(data)
    print(f"round trip equal: {same}")
    main_figures = [k for k in results if k.startswith(("import", "export"))]
    ok = same and all(results[k] < GOAL_S for k in main_figures)
    if "--keep" in sys.argv:
        print(f"files kept in {folder}")
    else:
        shutil.rmtree(folder)
    print("all import/export figures under the goal" if ok else "SOME FIGURE MISSES THE GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
