"""Import and export of the large generated alliance (goal: each under 10 s), on SQLite and PostgreSQL side by side.

Run: ``.venv/bin/python bench/bench_store.py`` (add ``--keep`` to keep the files in the printed folder;
``--pg URL`` to use a PostgreSQL server of yours, an empty database; ``--no-pg`` to skip it;
``--side-by-side`` for only the SQLite / PostgreSQL comparison). Without ``--pg``
a private throw-away PostgreSQL is started when its server programs are installed.
The alliance: 20 partners, 120 sessions, 25,000 agreements, about 27,000 outcomes, 140,000 ratings.
Goals side by side: the PostgreSQL import within 1.5x of SQLite's; loading the large alliance within 2x of
loading the small one is reported too (issue 14).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def private_postgres() -> Iterator[str | None]:
    """A throw-away PostgreSQL cluster (as in tests/test_store_postgres.py); None when it cannot be started."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        yield None
        return
    bindir = Path(found[-1]).parent
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="bench_pg_"))
    folder.chmod(0o777)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    data = folder / "data"
    run: dict[str, object] = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "al", "--no-sync"], **run)  # type: ignore[call-overload]
    # fsync off as in the tests: the figure is alliance_lens's work, not this machine's disk
    options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off"
    pg_ctl = str(bindir / "pg_ctl")
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"], **run)  # type: ignore[call-overload]
    try:
        yield f"postgresql+psycopg://al@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def side_by_side(folder: Path, alliance: str, pg_url: str | None, results: dict[str, float]) -> bool:
    """Import the large alliance into an empty SQLite and an empty PostgreSQL workspace; load it, and the small one."""
    from alliance_lens import paths

    small = read_path(paths.sample_data_dir()).data
    small_id = str(small.alliances.iloc[0]["alliance_id"])
    urls = {"sqlite": f"sqlite:///{folder / 'side.sqlite'}"}
    if pg_url:
        urls["postgresql"] = pg_url
    for engine, url in urls.items():
        with Workspace.open(url) as ws:
            timed(f"{engine:<10} import the large alliance", lambda ws=ws: ws.import_path(folder / "in"), results)
            ws.import_data(small)
            timed(f"{engine:<10} load the large alliance", lambda ws=ws: ws.load(alliance), results)
            timed(f"{engine:<10} load the small alliance", lambda ws=ws: ws.load(small_id), results)
    ok = True
    if pg_url:
        ratio = results["postgresql import the large alliance"] / results["sqlite     import the large alliance"]
        print(f"PostgreSQL import / SQLite import: {ratio:.2f}x (goal <= 1.5x)")
        ok = ratio <= 1.5
    for engine in urls:
        ratio = results[f"{engine:<10} load the large alliance"] / results[f"{engine:<10} load the small alliance"]
        print(f"{engine}: load large / load small: {ratio:.1f}x")
    return ok


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

    if "--side-by-side" in sys.argv:  # only the SQLite / PostgreSQL comparison
        with contextlib.ExitStack() as stack:
            given = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else None
            ok = side_by_side(folder, alliance, given or stack.enter_context(private_postgres()), results)
        shutil.rmtree(folder)
        return 0 if ok else 1
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
    side_ok = True
    if "--no-pg" not in sys.argv:
        given = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else None
        with contextlib.ExitStack() as stack:
            pg_url = given or stack.enter_context(private_postgres())
            if pg_url is None:
                print("no PostgreSQL server programs: side by side on SQLite only")
            side_ok = side_by_side(folder, alliance, pg_url, results)
    main_figures = [k for k in results if k.startswith(("import", "export"))]
    ok = same and side_ok and all(results[k] < GOAL_S for k in main_figures)
    if "--keep" in sys.argv:
        print(f"files kept in {folder}")
    else:
        shutil.rmtree(folder)
    print("all import/export figures under the goal" if ok else "SOME FIGURE MISSES THE GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
