"""Simulation study of the patterns: false alarms, recall and interval coverage on generated alliances.

Run:  python bench/sim_patterns.py            (the default study: 300 alliances, a few minutes on 2 quiet cores)
      python bench/sim_patterns.py --quick    (60 alliances, about a minute)
      python bench/sim_patterns.py --json out.json

Each alliance has 6–25 sessions (six weeks apart), 4–8 partners, a trust scale of 1–5, 1–7 or 1–10, an
attendance rate of 60–100 % (per organisation and session) and 1–3 respondents per organisation. Ratings carry
an organisation-level bias shared by its respondents (per organisation, and per organisation and ratee), a
session-to-session wobble per organisation and ratee, and each respondent's own noise; they are rounded to the
scale's whole points. Each partner makes 2–4 agreements per session, due before the next session (one in five a
session later); each is kept with the partner's true reliability, else broken, its outcome recorded 0–20 days
after the due date.

Most partners are **steady**: true trust 40–80 % and true reliability 60–95 %, drawn independently and constant.
In each alliance two partners get a **planted story** each, two different ones (earned trust, trust
lags, blind trust, distrust, or a trust shock) at a weak, medium or strong effect size:

| story | trust | reliability | weak / medium / strong |
|---|---|---|---|
| earned_trust | high | high | trust .70/.80/.90, reliability .75/.85/.95 |
| trust_lags | low | high | trust .40/.30/.20, reliability .75/.85/.95 |
| blind_trust | high | low | trust .70/.80/.90, reliability .45/.30/.15 |
| distrust | low | low | trust .40/.30/.20, reliability .45/.30/.15 |
| trust_shock | .75, then falls | .85, one big agreement broken before the shock | fall of 25 / 35 / 45 points |

(weak lies just past the decision lines of ``docs/metrics.md``: 45/65 % for trust, 50/70 % for reliability, 20
points for a shock.) The true values are known, so the study counts: false trust shocks per steady partner and
the share of 18–25-session alliances with any; blind trust on steady partners with reliability ≥ 85 %; recall of
each story (the state at the latest session, or the shock at its session); and how often the 90 % intervals of
trust (each period) and reliability (the state window) hold the true value.

How big is "medium"? The levels are distances past the lines in points, the same for both measures and the
same since the first study (so figures stay comparable; they were not moved to make a goal). Against the noise
of what the rules judge they are not equal: a window's trust has a spread of about 0.10 between rating
organisations, over 3–7 of them, so 15 points past a line are 2.6–4 standard errors; the 4 settled periods of a
window hold 9–12 agreements, so 30 % against the 50 % line is 1.3–1.5 binomial standard errors (85 % against
70 %: the same). The evidence window (``evidence_agreements``, ``docs/metrics.md``) reaches back up to 8 periods
for 15 agreements: 1.7 standard errors; compare with ``--set evidence_agreements=0`` (the fixed window). The
study plants no change of behaviour other than the shock, so it measures what a longer window gains on steady
records, not what it costs where a record changes: ``bench/sim_changes.py`` measures that.
Medium is a smaller effect for reliability than for trust, and for the stories that need reliability low (blind
trust, distrust) recall is limited by the number of agreements. So recall is also reported by alliance length,
by the agreements the state window held, and (shocks) by the rating partners
present at both sessions: a fall among raters who were not there cannot be seen by any paired test.

Every medium or strong story missed is put down to the first condition of its rule that failed ("why missed"):
for a state, the guard of the second look alone (``second_look_guard``: without the guard the second look would
claim the story; its first look's reason is then not counted), the partner's own record on the other side of
the line (``reliability_record``: e.g. 7 of 13 kept for a partner whose true reliability is 30 %), the record
past the line but the estimate shrunk toward the alliance's rate not (``reliability_shrunk``), the interval
reaching the other line, or the same for trust; for a
shock, too few raters at both sessions, too few respondents, a drop below ``shock_drop``, or a p-value above
``shock_alpha`` (the paired comparison judged again with every bar removed), and, of those with fewer than 3
shared raters, how many had 3 or more rating partners at each session (what a test over all raters would need).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from alliance_lens.metrics import MetricsConfig, compute
from alliance_lens.metrics.patterns import _levels
from alliance_lens.metrics.trust import mean_interval
from alliance_lens.model import AllianceData

STORIES = ("earned_trust", "trust_lags", "blind_trust", "distrust", "trust_shock")
EFFECTS = ("weak", "medium", "strong")
LEVELS: dict[str, dict[str, tuple[float, float, float]]] = {
    # (weak, medium, strong) of (trust, reliability); the shock's fall in its own table below.
    "trust_high": {"x": (0.70, 0.80, 0.90)},
    "trust_low": {"x": (0.40, 0.30, 0.20)},
    "rel_high": {"x": (0.75, 0.85, 0.95)},
    "rel_low": {"x": (0.45, 0.30, 0.15)},
}
SHOCK_FALL = (0.25, 0.35, 0.45)
SCALES = ((1.0, 5.0), (1.0, 7.0), (1.0, 10.0))
GAP_DAYS = 42
BIAS_ORG, BIAS_PAIR, WOBBLE, NOISE = 0.06, 0.06, 0.03, 0.10


@dataclass
class Truth:
    """What was planted in one alliance."""

    n_sessions: int
    role: dict[str, str] = field(default_factory=dict)
    effect: dict[str, str] = field(default_factory=dict)
    trust: dict[str, np.ndarray] = field(default_factory=dict)
    reliability: dict[str, np.ndarray] = field(default_factory=dict)
    shock_session: dict[str, str] = field(default_factory=dict)


def _level(kind: str, effect: int) -> float:
    return LEVELS[kind]["x"][effect]


def generate(
    rng: np.random.Generator, index: int, replant: Callable[[Truth, list[str]], None] | None = None
) -> tuple[AllianceData, Truth]:
    """One alliance with its truth. ``replant`` may change the planted truth before agreements and ratings are
    drawn from it (``bench/sim_changes.py``); it draws nothing from ``rng``, so the study's alliances stay the same."""
    aid = f"sim{index}"
    n_s = int(rng.integers(6, 26))
    n_p = int(rng.integers(4, 9))
    lo, hi = SCALES[int(rng.integers(0, 3))]
    attendance = float(rng.uniform(0.6, 1.0))
    start = pd.Timestamp("2024-01-08")
    dates = [start + pd.Timedelta(days=GAP_DAYS * i) for i in range(n_s)]
    sids = [f"S{i + 1:02d}" for i in range(n_s)]
    pids = [f"p{j}" for j in range(n_p)]
    truth = Truth(n_s)
    # Two partners get a planted story each (two different stories), the others are steady.
    chosen = rng.choice(n_p, size=2, replace=False)
    stories = rng.choice(len(STORIES), size=2, replace=False)
    planted = {pids[int(c)]: (STORIES[int(k)], int(rng.integers(0, 3))) for c, k in zip(chosen, stories, strict=True)}
    shock_at = int(rng.integers(max(2, n_s // 2 - 2), max(3, n_s - 3)))
    for p in pids:
        if p in planted:
            story, effect = planted[p]
            truth.role[p], truth.effect[p] = story, EFFECTS[effect]
            if story == "trust_shock":
                tau = np.full(n_s, 0.75)
                fall = SHOCK_FALL[effect]
                after = np.arange(n_s - shock_at)
                tau[shock_at:] = 0.75 - fall + np.minimum(0.02 * after, fall / 2)
                theta = np.full(n_s, 0.85)
                truth.shock_session[p] = sids[shock_at]
            else:
                t_kind = "trust_high" if story in ("earned_trust", "blind_trust") else "trust_low"
                r_kind = "rel_high" if story in ("earned_trust", "trust_lags") else "rel_low"
                tau = np.full(n_s, _level(t_kind, effect))
                theta = np.full(n_s, _level(r_kind, effect))
        else:
            truth.role[p], truth.effect[p] = "steady", ""
            tau = np.full(n_s, float(rng.uniform(0.4, 0.8)))
            theta = np.full(n_s, float(rng.uniform(0.6, 0.95)))
        truth.trust[p], truth.reliability[p] = tau, theta
    if replant is not None:
        replant(truth, pids)

    # Agreements and outcomes.
    agreements, outcomes = [], []
    counter = 0
    for i in range(n_s):
        made = dates[i]
        for p in pids:
            for _ in range(int(rng.integers(2, 5))):
                counter += 1
                aid_ = f"A{counter:04d}"
                later = rng.random() < 0.2 and i + 2 < n_s
                due = made + pd.Timedelta(
                    days=int(rng.integers(GAP_DAYS + 3, 2 * GAP_DAYS - 3) if later else rng.integers(5, GAP_DAYS - 3))
                )
                k = min(i + (2 if later else 1), n_s - 1)
                kept = rng.random() < truth.reliability[p][k]
                agreements.append((aid_, p, made, due))
                outcomes.append(
                    (
                        aid_,
                        due + pd.Timedelta(days=int(rng.integers(-5, 1) if kept else rng.integers(0, 21))),
                        "kept" if kept else "broken",
                    )
                )
        for p in pids:
            if truth.role[p] != "trust_shock" or i != shock_at - 1:
                continue
            counter += 1
            aid_ = f"A{counter:04d}"
            due = made + pd.Timedelta(days=GAP_DAYS - 12)
            agreements.append((aid_, p, made, due))
            outcomes.append((aid_, due + pd.Timedelta(days=4), "broken"))

    # Ratings: organisation bias shared by its respondents, a wobble per session, each respondent's noise.
    n_resp = rng.integers(1, 4, size=n_p)
    b_org = rng.normal(0, BIAS_ORG, size=n_p)
    b_pair = rng.normal(0, BIAS_PAIR, size=(n_p, n_p))
    ratings = []
    for i in range(n_s):
        for j, rater in enumerate(pids):
            # Attendance per person: each respondent comes with the alliance's attendance rate.
            here = [q for q in range(int(n_resp[j])) if rng.random() < attendance]
            for e, ratee in enumerate(pids):
                if e == j or not here:
                    continue
                base = truth.trust[ratee][i] + b_org[j] + b_pair[j, e] + rng.normal(0, WOBBLE)
                for q in here:
                    latent = np.clip(base + rng.normal(0, NOISE), 0.0, 1.0)
                    score = float(np.round(lo + latent * (hi - lo)))
                    ratings.append((sids[i], rater, ratee, score, f"r{q}"))
    frames = {
        "alliances": pd.DataFrame([{"alliance_id": aid, "name": aid, "trust_min": lo, "trust_max": hi}]),
        "partners": pd.DataFrame([{"alliance_id": aid, "partner_id": p, "name": p.upper()} for p in pids]),
        "sessions": pd.DataFrame(
            [{"alliance_id": aid, "session_id": s, "date": d} for s, d in zip(sids, dates, strict=True)]
        ),
        "agreements": pd.DataFrame(
            [
                {
                    "alliance_id": aid,
                    "agreement_id": a,
                    "title": f"do {a}",
                    "kind": "content",
                    "owner": o,
                    "made_on": m,
                    "due_on": d,
                }
                for a, o, m, d in agreements
            ]
        ),
        "outcomes": pd.DataFrame(
            [{"alliance_id": aid, "agreement_id": a, "date": d, "status": s} for a, d, s in outcomes]
        ),
        "trust_ratings": pd.DataFrame(
            [
                {"alliance_id": aid, "session_id": s, "rater": r, "ratee": e, "score": v, "respondent": w}
                for s, r, e, v, w in ratings
            ],
        ),
    }
    return AllianceData.from_frames(frames), truth


@dataclass
class Tally:
    """Counts: hits over trials, per key."""

    hits: dict[str, int] = field(default_factory=dict)
    trials: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, hit: bool, n: int = 1) -> None:
        self.hits[key] = self.hits.get(key, 0) + int(hit) * n
        self.trials[key] = self.trials.get(key, 0) + n

    def add_many(self, key: str, hits: int, trials: int) -> None:
        self.hits[key] = self.hits.get(key, 0) + hits
        self.trials[key] = self.trials.get(key, 0) + trials

    def rate(self, key: str) -> float:
        return self.hits.get(key, 0) / self.trials[key] if self.trials.get(key) else float("nan")


STATES = ("earned_trust", "trust_lags", "blind_trust", "distrust")


def _unclustered(data: AllianceData, level: float) -> pd.DataFrame:
    """The plain t-interval over every rating per (ratee, session), as if respondents were independent."""
    a = data.alliances.iloc[0]
    lo, hi = float(a["trust_min"]), float(a["trust_max"])
    r = data.trust_ratings.assign(v=(data.trust_ratings["score"] - lo) / (hi - lo))
    g = r.groupby(["ratee", "session_id"])["v"]
    total, sq, n = g.sum(), (r.assign(v2=r["v"] ** 2).groupby(["ratee", "session_id"])["v2"].sum()), g.size()
    _mean, low, high = mean_interval(
        total.to_numpy(), sq.to_numpy(), n.to_numpy(), level, (1.0 / (hi - lo)) / np.sqrt(12.0)
    )
    return pd.DataFrame({"low": low, "high": high}, index=total.index)


def _true_state_allows(state: str, trust: float, reliability: float, strict: bool) -> bool:
    """Whether the true values agree with the claimed state.

    ``strict``: they lie past the lines the state names (e.g. earned trust: true trust ≥ 65 %, reliability
    ≥ 70 %). Otherwise: they do not lie on the other side of the band (earned trust contradicted only by true
    trust ≤ 45 % or reliability ≤ 50 %).
    """
    if strict:
        t_high, t_low, r_high, r_low = trust >= 0.65, trust <= 0.45, reliability >= 0.70, reliability <= 0.50
    else:
        t_high, t_low, r_high, r_low = trust > 0.45, trust < 0.65, reliability > 0.50, reliability < 0.70
    return {
        "earned_trust": t_high and r_high,
        "trust_lags": t_low and r_high,
        "blind_trust": t_high and r_low,  # steady partners do not fall
        "distrust": t_low and r_low,
    }[state]


#: The story's sides: (trust high?, reliability high?) for the four states.
SIDES = {
    "earned_trust": (True, True),
    "trust_lags": (False, True),
    "blind_trust": (True, False),
    "distrust": (False, False),
}
STATE_REASONS = (
    "newest_record",
    "second_look_guard",
    "not_enough_data",
    "reliability_record",
    "reliability_shrunk",
    "reliability_interval",
    "trust_estimate",
    "trust_interval",
    "other",
)


def state_miss_reason(role: str, row: dict[str, Any], config: MetricsConfig) -> str:
    """Why a planted state was not claimed: the first of its conditions (``docs/metrics.md``) that fails.

    ``reliability_record``: the partner's own record (kept of counted) is on the other side of the line;
    ``reliability_shrunk``: the record is at or past the line, but the estimate shrunk toward the alliance's
    rate is not; ``reliability_interval``: the estimate is past the line, but its interval reaches the other
    line; then the same for trust (``trust_estimate``, ``trust_interval``); ``other`` (e.g. after a shock);
    ``newest_record`` before all: the window's figures supported it, but its newest settled periods alone were past
    the other line (``recent_periods``).
    """
    if row["state"] == "not_enough_data":
        return "not_enough_data"
    if (row.get("evidence") or {}).get("turned"):
        return "newest_record"  # the newest settled periods alone were past the other line (recent_periods)
    t_side, r_side = SIDES[role]
    n = int(row["n_agreements"])
    record = int(row["n_kept"]) / n if n else float("nan")
    # the rule's own test of each side (patterns._levels): (point high, point low, high on evidence, low on it)
    r_levels = _levels(
        float(row["reliability"]),
        float(row["reliability_low"]),
        float(row["reliability_high"]),
        config.reliability_low,
        config.reliability_high,
    )
    t_levels = _levels(
        float(row["trust"]), float(row["trust_low"]), float(row["trust_high"]), config.trust_low, config.trust_high
    )
    r_point, r_evidence = (r_levels[0], r_levels[2]) if r_side else (r_levels[1], r_levels[3])
    t_point, t_evidence = (t_levels[0], t_levels[2]) if t_side else (t_levels[1], t_levels[3])
    own = record >= config.reliability_high if r_side else record <= config.reliability_low
    checks = [
        ("reliability_record", own),
        ("reliability_shrunk", r_point),
        ("reliability_interval", r_evidence),
        ("trust_estimate", t_point),
        ("trust_interval", t_evidence),
    ]
    return next((reason for reason, ok in checks if not ok), "other")


SHOCK_REASONS = ("shared_raters", "respondents", "drop", "p_value", "other")


def shock_miss_reason(test: dict[str, Any] | None, config: MetricsConfig) -> str:
    """Why a planted shock was not found: the first condition of the paired test that fails.

    ``test``: the paired comparison at the shock's session (``n_shared_raters``, ``n_respondents_before``,
    ``n_respondents_after``, ``drop``, ``p_value``), ``None`` where no rater rated it there and before.
    """
    if test is None or int(test["n_shared_raters"]) < config.shock_min_raters:
        return "shared_raters"
    if min(int(test["n_respondents_before"]), int(test["n_respondents_after"])) < config.shock_min_respondents:
        return "respondents"
    if float(test["drop"]) < config.shock_drop - 1e-12:
        return "drop"
    if float(test["p_value"]) > config.shock_alpha:
        return "p_value"
    return "other"


def _shock_test(
    data: AllianceData, aid: str, partner: str, session: str, config: MetricsConfig
) -> dict[str, Any] | None:
    """The paired comparison at a session, whatever its outcome (judged again with every bar removed)."""
    open_ = replace(config, shock_alpha=1.0 - 1e-9, shock_drop=0.0, shock_min_raters=1, shock_min_respondents=0)
    pats = compute(data, aid, open_).patterns
    mine = pats[(pats["pattern"] == "trust_shock") & (pats["partner"] == partner) & (pats["session_id"] == session)]
    return None if mine.empty else dict(mine["evidence"].iloc[0])


LENGTHS = ((6, 11), (12, 17), (18, 25))


def length_bucket(n_sessions: int) -> str:
    """The alliance-length bucket a story is reported in: ``6-11``, ``12-17`` or ``18-25`` sessions."""
    return next(f"{lo}-{hi}" for lo, hi in LENGTHS if lo <= n_sessions <= hi)


def agreements_bucket(n: int) -> str:
    """How many agreements the state window held: ``<9``, ``9-11`` or ``12+``."""
    return "<9" if n < 9 else ("9-11" if n < 12 else "12+")


def study(n_alliances: int, seed: int, config: MetricsConfig | None = None) -> Tally:
    """Generate and judge ``n_alliances`` alliances; every figure as hits over trials."""
    rng = np.random.default_rng(seed)
    t = Tally()
    config = config or MetricsConfig()
    for a in range(n_alliances):
        data, truth = generate(rng, a)
        m = compute(data, f"sim{a}", config)
        pats = m.patterns
        unclustered = _unclustered(data, m.config.credible_level)
        shocks = pats[pats["pattern"] == "trust_shock"]
        states = m.partner_states.set_index("partner")
        long = truth.n_sessions >= 18
        any_false = False
        unguarded: pd.DataFrame | None = None
        for p, role in truth.role.items():
            mine = shocks[shocks["partner"] == p]
            if role == "steady":
                t.add("false_shock_per_steady_partner", not mine.empty)
                if long:
                    t.add("false_shock_per_steady_partner_18_25", not mine.empty)
                any_false |= not mine.empty
                claimed = str(states.loc[p, "state"])
                t.add("any_state_on_steady", claimed in STATES)
                if claimed in STATES:
                    tau, theta = truth.trust[p][-1], truth.reliability[p][-1]
                    t.add("state_beyond_truth_steady", not _true_state_allows(claimed, tau, theta, strict=True))
                    t.add("state_contradicted_steady", not _true_state_allows(claimed, tau, theta, strict=False))
                # Lead–lag on partners whose trust and reliability do not move: the band should hold 0 in 9
                # of 10 lags (a band too narrow for autocorrelated series excludes it far more often).
                ll = m.lead_lag[(m.lead_lag["partner"] == p) & m.lead_lag["r_low"].notna()]
                away = ((ll["r_low"] > 0) | (ll["r_high"] < 0)).to_numpy()
                t.add_many("lead_lag_band_excludes_0_steady", int(away.sum()), len(away))
            if role != "blind_trust" and truth.reliability[p][-1] >= 0.85:
                t.add("blind_trust_on_reliable", states.loc[p, "state"] == "blind_trust")
            if role == "steady":
                pass
            elif role == "trust_shock":
                found = bool((mine["session_id"] == truth.shock_session[p]).any())
                t.add(f"recall_trust_shock_{truth.effect[p]}", found)
                t.add(f"by_length/recall_trust_shock_{truth.effect[p]}/{length_bucket(truth.n_sessions)}", found)
                # At least 3 rating partners present at both sessions (the figure of the first study; the test needs 2).
                r = data.trust_ratings[data.trust_ratings["ratee"] == p]
                at = truth.shock_session[p]
                before = sorted(set(r["session_id"]) - {at})
                before = [x for x in before if x < at]
                shared = set(r.loc[r["session_id"] == at, "rater"]) & set(
                    r.loc[r["session_id"] == (before[-1] if before else ""), "rater"]
                )
                if len(shared) >= 3:
                    t.add(f"recall_trust_shock_{truth.effect[p]}_3_shared_raters", found)
                t.add(f"by_shared/recall_trust_shock_{truth.effect[p]}/{min(len(shared), 3)}", found)
                if not found and truth.effect[p] != "weak":
                    prev = before[-1] if before else ""
                    why = shock_miss_reason(_shock_test(data, f"sim{a}", p, at, m.config), m.config)
                    t.add(f"why/trust_shock_{truth.effect[p]}/{why}", True)
                    # Could a test over all raters present (not only shared ones) see it? Rating partners
                    # at each of the two sessions, and whether both had at least 3.
                    n_b = r.loc[r["session_id"] == prev, "rater"].nunique()
                    n_a = r.loc[r["session_id"] == at, "rater"].nunique()
                    if len(shared) < 3:
                        t.add(f"why/trust_shock_{truth.effect[p]}/fewer_than_3_shared", True)
                        t.add(
                            f"why/trust_shock_{truth.effect[p]}/fewer_than_3_shared_3_raters_each", min(n_a, n_b) >= 3
                        )
            else:
                hit = bool(states.loc[p, "state"] == role)
                t.add(f"recall_{role}_{truth.effect[p]}", hit)
                t.add(f"by_length/recall_{role}_{truth.effect[p]}/{length_bucket(truth.n_sessions)}", hit)
                n_agr = int(states.loc[p, "n_agreements"])
                t.add(f"by_agreements/recall_{role}_{truth.effect[p]}/{agreements_bucket(n_agr)}", hit)
                if not hit and truth.effect[p] != "weak":
                    row = {str(k): v for k, v in states.loc[p].to_dict().items()}
                    why = state_miss_reason(role, row, m.config)
                    if m.config.second_look_agreements > 0 and m.config.second_look_guard < 1.0:
                        # Held back only by the guard: the second look, unguarded, would claim it.
                        if unguarded is None:  # once per alliance, for its two planted stories
                            free = replace(m.config, second_look_guard=1.0)
                            unguarded = compute(data, f"sim{a}", free).partner_states.set_index("partner")
                        if unguarded.loc[p, "state"] == role:
                            why = "second_look_guard"
                    t.add(f"why/{role}_{truth.effect[p]}/{why}", True)
            # Coverage: trust per rated period (against the planted trust), reliability over the state window.
            tr = m.trends[(m.trends["partner"] == p) & m.trends["trust"].notna()]
            idx = tr["period_idx"].to_numpy()
            true_t = truth.trust[p][idx]
            inside = (tr["trust_low"].to_numpy() <= true_t) & (true_t <= tr["trust_high"].to_numpy())
            t.add_many("coverage_trust_90", int(inside.sum()), len(inside))
            # Side by side: the unclustered t-interval over every rating (what the trends showed before).
            naive = unclustered.reindex(list(zip([p] * len(tr), tr["session_id"], strict=True)))
            inside_naive = (naive["low"].to_numpy() <= true_t) & (true_t <= naive["high"].to_numpy())
            t.add_many("coverage_trust_90_unclustered", int(inside_naive.sum()), len(inside_naive))
            several = tr["n_raters"].to_numpy() >= 3
            t.add_many("coverage_trust_90_3plus_raters", int(inside[several].sum()), int(several.sum()))
            st = states.loc[p]
            if st["n_agreements"] > 0 and role in ("steady", "earned_trust", "trust_lags", "blind_trust", "distrust"):
                theta = truth.reliability[p][-1]
                t.add("coverage_reliability_90", bool(st["reliability_low"] <= theta <= st["reliability_high"]))
        if long:
            t.add("alliances_18_25_with_any_false_shock", any_false)
    return t


GOALS: list[tuple[str, str, str]] = [
    ("false_shock_per_steady_partner", "<=", "0.01"),
    ("false_shock_per_steady_partner_18_25", "<=", "0.01"),
    ("alliances_18_25_with_any_false_shock", "<=", "0.05"),
    ("blind_trust_on_reliable", "<=", "0.01"),
    ("coverage_trust_90", ">=", "0.85"),
    ("coverage_trust_90_3plus_raters", ">=", "0.85"),
    ("coverage_trust_90_unclustered", "", ""),
    ("coverage_reliability_90", ">=", "0.85"),
    ("any_state_on_steady", "", ""),
    ("state_beyond_truth_steady", "", ""),
    ("state_contradicted_steady", "<=", "0.01"),
    ("lead_lag_band_excludes_0_steady", "<=", "0.10"),
]


def report(t: Tally) -> tuple[str, bool]:
    """The table of figures, and whether every goal was met."""
    lines = [f"{'figure':46} {'rate':>7} {'count':>12}  goal"]
    ok = True
    keys = [g[0] for g in GOALS] + [f"recall_{s}_{e}" for s in STORIES for e in EFFECTS]
    keys += [f"recall_trust_shock_{e}_3_shared_raters" for e in EFFECTS]
    goal = {k: (op, v) for k, op, v in GOALS}
    for s in STORIES:
        for e in ("medium", "strong"):
            goal[f"recall_{s}_{e}"] = (">=", "0.9")
    for k in keys:
        if not t.trials.get(k):
            lines.append(f"{k:46} {'–':>7} {'0/0':>12}")
            continue
        r = t.rate(k)
        op, v = goal.get(k, ("", ""))
        met = "" if not op else ("met" if (r <= float(v) if op == "<=" else r >= float(v)) else "MISSED")
        ok &= met != "MISSED"
        lines.append(f"{k:46} {r:7.3f} {t.hits[k]:>5}/{t.trials[k]:<6}  {op} {v} {met}".rstrip())
    lines += breakdown(t)
    return "\n".join(lines), ok


def breakdown(t: Tally) -> list[str]:
    """Recall per story and effect, by alliance length, by agreements in the state window, by shared raters."""
    lines = []
    for prefix, title, buckets in (
        ("by_length", "sessions", [f"{lo}-{hi}" for lo, hi in LENGTHS]),
        ("by_agreements", "agreements in the state window", ["<9", "9-11", "12+"]),
        ("by_shared", "rating partners at both sessions (3: 3 or more)", ["0", "1", "2", "3"]),
    ):
        rows = []
        for st in STORIES:
            for e in EFFECTS:
                cells = []
                for b in buckets:
                    k = f"{prefix}/recall_{st}_{e}/{b}"
                    cells.append(f"{t.hits[k]}/{t.trials[k]}" if t.trials.get(k) else "–")
                if any(c != "–" for c in cells):
                    rows.append(f"  {st + ' ' + e:28} " + " ".join(f"{c:>9}" for c in cells))
        if rows:
            lines.append(f"recall by {title}: " + " ".join(f"{b:>9}" for b in buckets))
            lines += rows
    lines += why_missed(t)
    return lines


def why_missed(t: Tally) -> list[str]:
    """The medium and strong stories missed, counted by the first condition that failed (see the reasons)."""
    lines = []
    for st in STORIES:
        reasons = SHOCK_REASONS if st == "trust_shock" else STATE_REASONS
        for e in ("medium", "strong"):
            cells = [f"{r} {t.trials[k]}" for r in reasons if t.trials.get(k := f"why/{st}_{e}/{r}")]
            if not cells:
                continue
            thin = f"why/{st}_{e}/fewer_than_3_shared"
            if t.trials.get(thin):
                k3 = f"{thin}_3_raters_each"
                cells.append(
                    f"(fewer than 3 shared raters {t.trials[thin]}; of those, 3+ raters at each session {t.hits[k3]})"
                )
            lines.append(f"  {st + ' ' + e:28} " + ", ".join(cells))
    if lines:
        lines.insert(0, "why missed (medium, strong): the first condition that failed")
    return lines


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` items as MetricsConfig keyword arguments, each value of its setting's type.

    ``ValueError`` names the item where the name is not a setting or the value not of its type.
    """
    defaults = MetricsConfig()
    out: dict[str, Any] = {}
    for item in items:
        name, _, value = item.partition("=")
        if not hasattr(defaults, name):
            raise ValueError(f"--set {item}: {name!r} is not a MetricsConfig setting (help(MetricsConfig) lists them)")
        kind = type(getattr(defaults, name))
        try:
            if kind is bool:
                if value not in ("True", "False"):
                    raise ValueError
                out[name] = value == "True"
            else:
                out[name] = kind(value)
        except ValueError:
            wanted = {bool: "True or False", int: "a whole number", float: "a number"}.get(kind, kind.__name__)
            raise ValueError(f"--set {item}: {name} takes {wanted}, not {value!r}") from None
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="60 alliances instead of 300")
    ap.add_argument("--alliances", type=int, default=None)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", default=None, help="also write the counts as JSON to this file")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="judge with a MetricsConfig setting other than its default (repeatable), e.g. --set state_window=3",
    )
    args = ap.parse_args(argv)
    n = args.alliances or (60 if args.quick else 300)
    try:  # a bad name, value or setting (ValidationError is a ValueError) as a usage error, not a traceback
        overrides = parse_settings(args.set)
        config = MetricsConfig(**overrides)
    except ValueError as e:
        ap.error(str(e))
    t0 = time.perf_counter()
    t = study(n, args.seed, config)
    took = time.perf_counter() - t0
    text, ok = report(t)
    with open("/proc/loadavg") as f:
        load = f.read().strip() if os.path.exists("/proc/loadavg") else "?"
    settings = ", ".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"
    print(f"sim_patterns: {n} alliances, seed {args.seed}, {settings}, {took:.0f} s, loadavg {load}")
    print(text)
    if args.json:
        out: dict[str, Any] = {k: {"hits": t.hits[k], "trials": t.trials[k], "rate": t.rate(k)} for k in t.trials}
        with open(args.json, "w") as f:
            json.dump({"alliances": n, "seed": args.seed, "seconds": took, "figures": out}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
