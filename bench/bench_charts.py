"""Charts and report: spec sizes (sample against the large generated alliance) and build/export times.

Run: /tmp/venv/bin/python bench/bench_charts.py [--repeat N]

Goal (issue 4): the contrast chart's spec for the large alliance (20 partners, 120 sessions, 25,000 agreements,
140,000 ratings) is within 2x of the sample's (5 partners, 11 sessions). Exits 1 if it is not.
Times are medians of N runs (default 3), in seconds; the first conversion in a process (~1-2 s: vl-convert
starts its JavaScript engine, and the HTML bundle is built once) is reported separately.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alliance_lens import charts
from alliance_lens.charts import render
from alliance_lens.charts.report import build_report, write_report
from alliance_lens.metrics import compute
from alliance_lens.synth import LARGE_ALLIANCE_ID, SAMPLE_ALLIANCE_ID, generate_large, generate_sample

CHARTS = [
    "contrast_chart",
    "alliance_contrast_chart",
    "quadrant_chart",
    "trust_matrix_chart",
    "agreement_timeline_chart",
    "reciprocity_chart",
    "asymmetry_chart",
    "lead_lag_chart",
]


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat

    t = time.perf_counter()
    sample_data = generate_sample()
    sample = compute(sample_data, SAMPLE_ALLIANCE_ID)
    large_data = generate_large()
    large = compute(large_data, LARGE_ALLIANCE_ID)
    print(f"data and metrics ready in {time.perf_counter() - t:.1f} s (not part of the charts' figures)")

    t = time.perf_counter()
    render.to_svg(charts.asymmetry_chart(sample))
    first_svg = time.perf_counter() - t
    t = time.perf_counter()
    render.javascript_bundle()
    bundle = time.perf_counter() - t
    print(
        f"first SVG conversion in this process: {first_svg:.2f} s; building the HTML script bundle once: "
        f"{bundle:.2f} s ({len(render.javascript_bundle()) / 1e3:.0f} kB)"
    )

    print(
        f"\n{'chart':<26}{'spec sample':>12}{'spec large':>12}{'ratio':>7}{'build large':>13}{'svg large':>11}"
        f"{'svg sample':>12}"
    )
    sizes: dict[str, tuple[int, int]] = {}
    for name in CHARTS:
        fn = getattr(charts, name)
        small = len(json.dumps(fn(sample).to_dict()))
        big = len(json.dumps(fn(large).to_dict()))
        sizes[name] = (small, big)
        build = median_time(lambda fn=fn: fn(large).to_dict(), repeat)
        svg = median_time(lambda fn=fn: render.to_svg(fn(large)), repeat)
        svg_small = median_time(lambda fn=fn: render.svg_markup(fn(sample)), repeat)  # what the dashboard does
        print(f"{name:<26}{small:>12,}{big:>12,}{big / small:>7.2f}{build:>12.3f}s{svg:>10.3f}s{svg_small:>11.3f}s")

    print(f"\n{'report':<26}{'sample':>10}{'large':>10}{'size sample':>14}")
    print(
        f"{'build (charts + text)':<26}{median_time(lambda: build_report(sample, sample_data), repeat):>9.2f}s"
        f"{median_time(lambda: build_report(large, large_data), repeat):>9.2f}s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".html", ".svg", ".png", ".pdf"):
            out_small, out_big = Path(tmp) / f"sample{suffix}", Path(tmp) / f"large{suffix}"
            a = median_time(lambda o=out_small: write_report(sample, o, sample_data), repeat)
            b = median_time(lambda o=out_big: write_report(large, o, large_data), repeat)
            print(f"{'write ' + suffix:<26}{a:>9.2f}s{b:>9.2f}s{out_small.stat().st_size / 1e3:>11.0f} kB")

    small, big = sizes["contrast_chart"]
    ok = big <= 2 * small
    print(
        f"\ncontrast chart spec: large {big:,} B / sample {small:,} B = {big / small:.2f}x "
        f"(goal: within 2x) -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
