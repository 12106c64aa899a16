"""Save → chart updated, on the sample and on the large generated alliance; kernel memory with the sample loaded.

Run: ``/tmp/venv/bin/python bench/bench_app.py [--repeat N] [--skip-large] [--skip-memory]``

* "save → updated" is measured in-process on the widgets, inside an asyncio loop as in a kernel: from a form's
  button ``.click()`` until it returns — the store written, the state reloaded and recomputed once, the pattern
  cards, the overdue list and the main (contrast) chart redrawn — and until every other chart that observes the
  state has redrawn too (they follow on the next turns of the loop). Three kinds of save are timed in turn: an
  outcome marked broken, a new agreement, a row of trust ratings. Goal: median ≤ 300 ms on the sample,
  ≤ 1.5 s on the large alliance. Both ways of drawing are timed: ``browser`` (the default: the kernel sends the
  specification, the page draws it with vega-embed — that drawing, tens of ms in Chromium, is not included) and
  ``svg`` (the kernel converts each chart to SVG with vl-convert; the browser only inserts it).
* memory: RSS of a fresh Python process (a kernel's stand-in: ipykernel and ipywidgets imported) that builds the
  facilitator's dashboard on a workspace holding the sample, against one that imports only ipykernel and
  ipywidgets. Goal: ≤ bare + 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD_BARE = """
import ipykernel.kernelapp, ipywidgets, psutil, os
print(psutil.Process(os.getpid()).memory_info().rss)
"""

CHILD_DASHBOARD = """
import ipykernel.kernelapp, ipywidgets, psutil, os, sys
from alliance_lens.app import facilitator_dashboard
d = facilitator_dashboard(sys.argv[1], display=False, poll_interval=0, renderer=sys.argv[2])
assert d.state.metrics is not None and d.charts[0].renders == 1
print(psutil.Process(os.getpid()).memory_info().rss)
"""


def _workspace(data: object, folder: Path) -> str:
    from alliance_lens.store import Workspace

    url = f"sqlite:///{folder / 'workspace.sqlite'}"
    ws = Workspace.open(url)
    ws.import_data(data)  # type: ignore[arg-type]
    ws.close()
    return url


async def time_saves(url: str, repeat: int, renderer: str) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Seconds from click to the main chart updated, and to every view updated, per kind of save."""
    import pandas as pd

    from alliance_lens.app import forms
    from alliance_lens.app.dashboard import FacilitatorDashboard
    from alliance_lens.app.state import DashboardState
    from alliance_lens.store import Workspace

    ws = Workspace.open(url)
    t0 = time.perf_counter()
    # the entries are made on the day of the latest session, as in a meeting (else their dates are "today",
    # after the data, and count only from the next session on)
    aid = str(ws.alliances()["alliance_id"].iloc[0])
    meeting_day = pd.Timestamp(ws.load(aid).sessions["date"].max()).date()
    dash = FacilitatorDashboard(DashboardState(ws, today=lambda: meeting_day), renderer=renderer)
    dash.state.defer = True
    build = time.perf_counter() - t0
    print(f"  charts drawn by {renderer}: dashboard built in {build * 1000:.0f} ms")
    outcome = dash.form(forms.OutcomeForm)
    agreement = dash.form(forms.AgreementForm)
    grid = dash.form(forms.RatingGrid)
    first: dict[str, list[float]] = {"outcome broken": [], "new agreement": [], "trust ratings": []}
    every: dict[str, list[float]] = {k: [] for k in first}

    async def timed(kind: str, click: object) -> None:
        t = time.perf_counter()
        click()  # type: ignore[operator]
        first[kind].append(time.perf_counter() - t)
        while dash.state.pending:
            await asyncio.sleep(0)
        every[kind].append(time.perf_counter() - t)

    renders_before = [c.renders for c in dash.charts]
    for i in range(repeat):
        # 1. mark the first open agreement broken
        row = outcome.rows.children[0]
        button = next(b for b in row.children if "al-mark-broken" in b._dom_classes)
        await timed("outcome broken", button.click)
        assert "al-error" not in outcome.status._dom_classes, outcome.status.value
        # 2. a new agreement
        agreement.title.value = f"Bench agreement {i}"
        agreement.due_on.value = agreement.made_on.value + dt.timedelta(days=14)
        await timed("new agreement", agreement.save.click)
        assert "al-error" not in agreement.status._dom_classes, agreement.status.value
        # 3. one rater's row of the grid
        rater = next(iter(grid.cells))[0]
        for (r, _), cell in grid.cells.items():
            if r == rater:
                cell.value = "4"
        await timed("trust ratings", grid.save.click)
        assert "al-error" not in grid.status._dom_classes, grid.status.value
    redrawn = [c.renders - b for c, b in zip(dash.charts, renders_before, strict=True)]
    print(
        f"  chart redraws over {3 * repeat} saves: "
        + ", ".join(f"{c.css} {n}" for c, n in zip(dash.charts, redrawn, strict=True))
    )
    ws.close()
    return first, every


def breakdown(url: str, repeat: int = 5) -> None:
    """Where the time of one refresh goes: the store's load, the metrics, and each chart's build and SVG."""
    from alliance_lens import metrics
    from alliance_lens.app.views import FACILITATOR_CHARTS, svg_of
    from alliance_lens.store import Workspace

    ws = Workspace.open(url)
    aid = str(ws.alliances()["alliance_id"].iloc[0])
    parts: dict[str, list[float]] = {}

    def clock(name: str, fn: object) -> object:
        t = time.perf_counter()
        out = fn()  # type: ignore[operator]
        parts.setdefault(name, []).append(time.perf_counter() - t)
        return out

    for _ in range(repeat):
        data = clock("store load", lambda: ws.load(aid))
        m = clock("metrics compute", lambda d=data: metrics.compute(d, aid))
        for css, fn in FACILITATOR_CHARTS:
            spec = clock(f"{css} build", lambda f=fn, mm=m: f(mm).to_dict(validate=False))
            clock(f"{css} svg", lambda sp=spec: svg_of(sp))
    ws.close()
    print("  " + "; ".join(f"{k} {statistics.median(v) * 1000:.0f}" for k, v in parts.items()) + " (ms, medians)")


def report(label: str, measured: tuple[dict[str, list[float]], dict[str, list[float]]], goal: float) -> None:
    """Print medians per kind and overall, against the goal."""
    for name, times in zip(("main chart updated", "every view updated"), measured, strict=True):
        everything = [t for ts in times.values() for t in ts]
        for kind, ts in times.items():
            print(
                f"  {name:18s} {kind:15s} median {statistics.median(ts) * 1000:6.0f} ms  max {max(ts) * 1000:6.0f} ms"
            )
        med = statistics.median(everything)
        verdict = "meets" if med <= goal else "MISSES"
        print(
            f"  {label}: median save → {name} {med * 1000:.0f} ms over {len(everything)} saves "
            f"({verdict} the goal of {goal * 1000:.0f} ms)"
        )


def rss_of(code: str, *args: str) -> int:
    """Resident memory (bytes) of a fresh interpreter after running ``code``."""
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

    from alliance_lens import synth
    from alliance_lens.charts import theme

    theme.enable()
    with tempfile.TemporaryDirectory() as tmp:
        sample_dir = Path(tmp, "sample")
        sample_dir.mkdir()
        sample_url = _workspace(synth.generate_sample(), sample_dir)
        print("sample alliance:")
        for renderer in ("browser", "svg"):
            report("sample", asyncio.run(time_saves(sample_url, args.repeat, renderer)), 0.3)
        breakdown(sample_url)

        if not args.skip_large:
            large = synth.generate_large()
            print(
                f"large alliance: {len(large.partners)} partners, {len(large.sessions)} sessions, "
                f"{len(large.agreements)} agreements, {len(large.outcomes)} outcomes, "
                f"{len(large.trust_ratings)} ratings"
            )
            large_dir = Path(tmp, "large")
            large_dir.mkdir()
            large_url = _workspace(large, large_dir)
            report("large", asyncio.run(time_saves(large_url, max(3, args.repeat // 2), "browser")), 1.5)
            breakdown(large_url, 2)

        if not args.skip_memory:
            from alliance_lens.app.vega import javascript_bundle

            javascript_bundle()  # cached once per machine, so the browser renderer's kernel never builds it
            bare = statistics.median(rss_of(CHILD_BARE) for _ in range(3))
            print(f"memory: bare kernel stand-in (ipykernel + ipywidgets) {bare / 2**20:.0f} MiB")
            for renderer in ("svg", "browser"):
                full = statistics.median(rss_of(CHILD_DASHBOARD, sample_url, renderer) for _ in range(3))
                extra = (full - bare) / 2**20
                verdict = "meets" if extra <= 150 else "MISSES"
                print(
                    f"  dashboard on the sample, charts drawn by {renderer:7s}: {full / 2**20:.0f} MiB, "
                    f"extra {extra:.0f} MiB ({verdict} the goal of ≤ 150 MB)"
                )


if __name__ == "__main__":
    main()
