"""Charts in a real JupyterLab, offline: bytes per chart and the time to draw 8 charts of one notebook (issue 14).

Run: ``.venv/bin/python bench/bench_notebook.py``. Starts JupyterLab on a free port of 127.0.0.1, opens a notebook
of eight library charts in headless Chromium (every other host unresolvable), runs all cells, and reports the time
from "run all" to the eighth chart drawn and the bytes the kernel's websocket sent (the Vega bundle once, then
each chart's spec). For comparison, Altair's offline ``jupyter`` renderer ships ~905 kB with every chart.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    from playwright.sync_api import sync_playwright

    from browser.conftest import CHROMIUM, LAUNCH_ARGS, is_local
    from browser.lab import CHARTS, SETUP, jupyterlab, prepare_home, run_notebook, write_notebook

    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()), "on", os.cpu_count(), "cores")
    with tempfile.TemporaryDirectory(prefix="bench_notebook_") as tmp:
        base = Path(tmp)
        root = base / "notebooks"
        root.mkdir()
        prepare_home(base / "home")
        write_notebook(root / "eight.ipynb", [SETUP, *CHARTS])
        frames: list[int] = []
        bundle_bytes: list[int] = []
        external: list[str] = []
        with jupyterlab(root, base / "home", base / "lab.log") as (server, token), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))

            def on_socket(ws: object) -> None:
                def received(payload: str | bytes) -> None:
                    size = len(payload.encode() if isinstance(payload, str) else payload)
                    frames.append(size)
                    if size > 500_000:
                        bundle_bytes.append(size)

                ws.on("framereceived", received)  # type: ignore[attr-defined]

            page.on("websocket", on_socket)
            seconds = run_notebook(page, server, token, "eight.ipynb", charts=len(CHARTS), timeout_s=300)
            drawn = page.evaluate("() => document.querySelectorAll('.alliance-lens-chart svg.marks').length")
            browser.close()
        specs = [len(json.dumps(s)) for s in _specs(CHARTS)]
    total = sum(frames)
    print(f"8 charts drawn ({drawn}) in {seconds:.2f} s from 'run all' (the kernel imports and computes first)")
    print(f"kernel websocket sent {total:,} bytes in all; the Vega bundle {sum(bundle_bytes):,} bytes, once")
    print(f"per chart: {(total - sum(bundle_bytes)) / len(CHARTS):,.0f} bytes on the wire on average")
    print(f"  (the specs alone: {min(specs):,}–{max(specs):,} bytes; median {sorted(specs)[len(specs) // 2]:,})")
    print(f"requests that left 127.0.0.1: {len(external)}")
    return 0 if drawn >= len(CHARTS) and not external else 1


def _specs(cells: list[str]) -> list[dict[str, object]]:
    from alliance_lens import charts
    from alliance_lens.metrics import compute
    from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample

    m = compute(generate_sample(), SAMPLE_ALLIANCE_ID)
    return [eval(c, {"charts": charts, "m": m}).to_dict() for c in cells]


if __name__ == "__main__":
    raise SystemExit(main())
