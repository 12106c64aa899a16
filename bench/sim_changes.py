"""What the evidence window costs where a partner's record changes: a companion to ``bench/sim_patterns.py``.

Run:  python bench/sim_changes.py              (300 alliances of 12–25 sessions, about a minute per rule)
      python bench/sim_changes.py --alliances 100

The alliances of ``sim_patterns`` (same generator, same seeds), with 12 or more sessions. In each, one planted
partner (trust 80 %, high throughout) is replanted with a **change of behaviour** *k* periods before the latest
session (*k* = 2 … 9, drawn evenly): its true reliability is 85 % before and 30 % from then on (a **decline**:
by then blind trust, "low" or "falling"), or 30 % and then 85 % (a **rise**: earned trust). Since the state's
agreement window ends at the session before the latest, the 4 settled periods hold *k* − 1 periods of the new
behaviour (all 4 from *k* = 5 on).

For each rule the study counts, by *k*, how often the state at the latest session is the one the new behaviour
calls for (decline: ``blind_trust``; rise: ``earned_trust``), and how often the opposite one (decline:
``earned_trust``; rise: ``blind_trust``). The rules: the fixed window of the 4 settled periods
(``evidence_agreements=0``), the first look alone (back to 15 agreements, stopped by a 15-point difference
alone: the defaults before 2026-12-03), the defaults (that first look, then the guarded second look at 25
agreements where it claims no state, both reading the newest two periods on their own), the same without
those (the rules of 2026-12-03: ``recent_periods=0``), and the rule tried and not adopted (back to 25
agreements, stopped only where the records also differ by a two-sided test at 1 %),
which finds more of the steady stories of ``sim_patterns`` but is slower to see a change; ``--set`` adds
rules, e.g. ``--set second_look_guard=1`` (the second look unguarded; ``docs/metrics.md``, "the evidence
window: what was tried" and "the second look").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sim_patterns import Truth, generate, parse_settings

from alliance_lens.metrics import MetricsConfig, compute

RULES = {
    "fixed window (4 settled periods)": MetricsConfig(evidence_agreements=0, second_look_agreements=0),
    "first look (15 agreements, 15 points)": MetricsConfig(second_look_agreements=0),
    "defaults (first look, then a second at 25)": MetricsConfig(),
    "before the newest record (2026-12-03)": MetricsConfig(recent_periods=0),
    "tried: 25 agreements, change test at 1 %": MetricsConfig(
        evidence_agreements=25, evidence_change_alpha=0.01, second_look_agreements=0
    ),
}
KS = tuple(range(2, 10))


def replanter(kind: str, k: int) -> Callable[[Truth, list[str]], None]:
    """Replant the first planted partner: trust 80 %, reliability 85 % → 30 % (decline) or back (rise)."""

    def replant(truth: Truth, pids: list[str]) -> None:
        p = next(q for q in pids if truth.role[q] != "steady")
        n = truth.n_sessions
        before, after = (0.85, 0.30) if kind == "decline" else (0.30, 0.85)
        theta = np.full(n, before)
        # Agreements due in period i are kept with reliability[i]: periods n-k … n-1 carry the new behaviour.
        theta[n - k :] = after
        truth.reliability[p] = theta
        truth.trust[p] = np.full(n, 0.80)
        truth.role[p], truth.effect[p] = kind, str(k)
        truth.shock_session.pop(p, None)

    return replant


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alliances", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="add a rule: the defaults with these MetricsConfig settings changed (repeatable: one rule each)",
    )
    args = ap.parse_args(argv)
    rules = dict(RULES)
    for item in args.set:  # "name=value[,name=value ...]": one rule
        try:
            rules[item] = MetricsConfig(**parse_settings(item.split(",")))
        except ValueError as e:
            ap.error(str(e))
    t0 = time.perf_counter()
    # counts[rule][kind][k] = [wanted, opposite, trials]
    counts = {r: {kind: {k: [0, 0, 0] for k in KS} for kind in ("decline", "rise")} for r in rules}
    want = {"decline": ("blind_trust", "earned_trust"), "rise": ("earned_trust", "blind_trust")}
    for kind in ("decline", "rise"):
        rng = np.random.default_rng(args.seed)
        made = 0
        for a in range(10 * args.alliances):
            k = KS[made % len(KS)]
            data, truth = generate(rng, a, replanter(kind, k))
            if truth.n_sessions < 12:
                continue
            made += 1
            p = next(q for q in truth.role if truth.role[q] == kind)
            for name, config in rules.items():
                state = compute(data, f"sim{a}", config).partner_states.set_index("partner").loc[p, "state"]
                c = counts[name][kind][k]
                c[0] += state == want[kind][0]
                c[1] += state == want[kind][1]
                c[2] += 1
            if made >= args.alliances:
                break
    took = time.perf_counter() - t0
    load = Path("/proc/loadavg").read_text().strip() if os.path.exists("/proc/loadavg") else "?"
    print(f"sim_changes: {args.alliances} alliances per kind, seed {args.seed}, {took:.0f} s, loadavg {load}")
    for kind in ("decline", "rise"):
        print(
            f"{kind}: {want[kind][0]} found / alliances (after the star: {want[kind][1]}) by periods since the change k"
        )
        print(f"  {'rule':42}" + "".join(f"{'k=' + str(k):>9}" for k in KS))
        for name in rules:
            row = counts[name][kind]
            print(
                f"  {name:42}"
                + "".join(
                    f"{f'{row[k][0]}/{row[k][2]}':>7}{'' if not row[k][1] else '*' + str(row[k][1]):<2}" for k in KS
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
