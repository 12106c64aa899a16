"""What an analyst waits for: importing the analyst modules, and a first answer from the command line (issue 14).

Run: ``.venv/bin/python bench/bench_import.py`` (``--runs N``: fresh processes per figure, default 11).

1. ``import alliance_lens.store, alliance_lens.metrics, alliance_lens.charts`` against ``import pandas, altair``
   (goal: the analyst modules cost no more than those two themselves): the median wall time of fresh
   processes, run in turns so a change of load hits both, with and without the interpreter's exit (a kernel
   waits for the imports, not for the exit), and from ``-X importtime`` what the analyst modules
   import beyond pandas and altair, by package (their own time, not counting what pandas or altair bring).
2. ``alliance-lens trends --json`` on the large generated alliance (140,000 ratings) against the sample
   alliance, in one workspace (goal: within 2x), and ``Workspace.load`` of each in one process.

Both sides import compiled bytecode: pip compiled pandas and altair when it installed them, and this script
compiles ``alliance_lens`` (``compileall``) before it measures. Without that, an editable install run with
``PYTHONDONTWRITEBYTECODE=1`` (as this workplace's shell sets) compiles every module of ours from source in every
process, about 0.1 s per process, which is not what an analyst's kernel pays after its first import.

Wall times grow with the load average, printed beside them: compare figures taken at a similar load.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ANALYST = "import alliance_lens.store, alliance_lens.metrics, alliance_lens.charts"
BASE = "import pandas, altair"
#: What ``notebooks/analysis.ipynb`` and the README's analyst block import, as they write it.
NOTEBOOK = (
    "from alliance_lens.store import Workspace; from alliance_lens.metrics import MetricsConfig, compute; "
    "from alliance_lens import charts, interchange"
)
PYTHON = sys.executable


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def importtime(code: str) -> dict[str, int]:
    """Each module's own import time in microseconds, as ``-X importtime`` reports it."""
    err = subprocess.run([PYTHON, "-X", "importtime", "-c", code], check=True, capture_output=True, text=True).stderr
    own: dict[str, int] = {}
    for line in err.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|")
        own[name.strip()] = int(self_us)
    return own


def compile_package() -> None:
    """Bytecode for every module of ours, as pip writes it for pandas and altair (see the module's text)."""
    import alliance_lens

    compileall.compile_dir(str(Path(alliance_lens.__file__).parent), quiet=1)


def imports(runs: int) -> None:
    compile_package()
    print(f"-- imports ({runs} fresh processes each, in turns; {load()})")
    times: dict[str, list[float]] = {BASE: [], ANALYST: [], NOTEBOOK: []}
    # what a kernel waits for: the imports without the interpreter's exit, which frees every module again
    # (about 0.4 s here, more the more modules are loaded) and which a kernel does not pay after its imports
    imported: dict[str, list[float]] = {code: [] for code in times}
    for _ in range(runs):
        for code in times:
            times[code].append(wall([PYTHON, "-c", code]))
            imported[code].append(wall([PYTHON, "-c", f"{code}; import os; os._exit(0)"]))
    for code, values in times.items():
        print(
            f"{code}\n    median {statistics.median(values):5.2f} s (min {min(values):.2f}); "
            f"without the exit: median {statistics.median(imported[code]):5.2f} s (min {min(imported[code]):.2f})"
        )
    for code in (ANALYST, NOTEBOOK):
        ratio = statistics.median(times[code]) / statistics.median(times[BASE])
        bare = statistics.median(imported[code]) / statistics.median(imported[BASE])
        print(f"{code[:60]}... / pandas + altair: {ratio:.2f}x; without the exit {bare:.2f}x")
    print(f"({load()})")
    ours, base = importtime(ANALYST), importtime(BASE)
    extra: dict[str, int] = defaultdict(int)
    for name, us in ours.items():
        if name not in base:
            extra[name.split(".")[0]] += us
    print(f"-X importtime: modules beyond pandas + altair, own time {sum(extra.values()) / 1e6:.2f} s:")
    for package, us in sorted(extra.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {package:<24} {us / 1e3:7.1f} ms")
    for name in ("rfc3987_syntax", "scipy", "jsonschema", "vl_convert", "sqlalchemy"):
        where = "both" if name in ours and name in base else "analyst only" if name in ours else "neither"
        own = sum(us for module, us in ours.items() if module == name or module.startswith(name + "."))
        print(f"    {name:<24} imported by: {where}" + (f" ({own / 1e3:.0f} ms, its modules' own time)" if own else ""))


def trends(runs: int) -> None:
    from alliance_lens import paths, synth
    from alliance_lens.interchange import read_path
    from alliance_lens.store import Workspace

    folder = Path(tempfile.mkdtemp(prefix="bench_import_"))
    try:
        url = f"sqlite:///{folder / 'ws.sqlite'}"
        large = synth.generate_large()
        small = read_path(paths.sample_data_dir()).data
        ids = {
            "large": str(large.alliances.iloc[0]["alliance_id"]),
            "small": str(small.alliances.iloc[0]["alliance_id"]),
        }
        with Workspace.open(url) as ws:
            ws.import_data(large)
            ws.import_data(small)
            loads: dict[str, list[float]] = {"large": [], "small": []}
            for _ in range(runs):
                for kind, alliance in ids.items():
                    start = time.perf_counter()
                    ws.load(alliance)
                    loads[kind].append(time.perf_counter() - start)
        cli = str(Path(PYTHON).with_name("alliance-lens"))
        print(f"-- the large alliance ({len(large.trust_ratings):,} ratings) against the small one ({load()})")
        for kind, values in loads.items():
            print(f"Workspace.load {kind:<6} median {statistics.median(values):6.3f} s")
        runs_cli: dict[str, list[float]] = {"large": [], "small": []}
        for _ in range(runs):
            for kind, alliance in ids.items():
                runs_cli[kind].append(wall([cli, "trends", "--json", "--db", url, alliance]))
        for kind, values in runs_cli.items():
            print(f"alliance-lens trends --json {kind:<6} median {statistics.median(values):5.2f} s")
        ratio = statistics.median(runs_cli["large"]) / statistics.median(runs_cli["small"])
        print(f"trends --json large / small: {ratio:.2f}x (goal <= 2x)   ({load()})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 11
    imports(runs)
    trends(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
