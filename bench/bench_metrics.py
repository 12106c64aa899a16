"""Full metrics pass on the large generated alliance (20 partners, 120 sessions, 25,000 agreements, 140,000 ratings).

Goal: under 0.5 s. Prints the median and the spread of several runs. Usage: ``python bench/bench_metrics.py``.
"""

from __future__ import annotations

import os
import statistics
import time

from alliance_lens.metrics import MetricsConfig, compute
from alliance_lens.synth import LARGE_ALLIANCE_ID, generate_large

GOAL_S = 0.5
RUNS = 7


def main() -> None:
    t0 = time.perf_counter()
    data = generate_large()
    print(
        f"generated the large alliance in {time.perf_counter() - t0:.2f} s: {len(data.partners)} partners, "
        f"{len(data.sessions)} sessions, {len(data.agreements):,} agreements, {len(data.outcomes):,} outcomes, "
        f"{len(data.trust_ratings):,} ratings"
    )
    for label, config in (("sessions", MetricsConfig()), ("months", MetricsConfig(period="month"))):
        compute(data, LARGE_ALLIANCE_ID, config)  # warm-up: imports, scipy's first calls
        times, cpu = [], []
        for _ in range(RUNS):
            t, c = time.perf_counter(), time.process_time()
            m = compute(data, LARGE_ALLIANCE_ID, config)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        med = statistics.median(times)
        verdict = "within" if med < GOAL_S else "OVER"
        print(
            f"full metrics pass ({label} as periods): median {med:.3f} s wall (min {min(times):.3f}, "
            f"max {max(times):.3f}), median {statistics.median(cpu):.3f} s CPU, over {RUNS} runs — {verdict} the "
            f"{GOAL_S} s goal; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            f"({len(m.trends):,} trend rows, {len(m.trust_matrix):,} trust-matrix rows, "
            f"{len(m.reliability_by_direction):,} direction rows, {len(m.patterns)} patterns)"
        )


if __name__ == "__main__":
    main()
