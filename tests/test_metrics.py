"""The metrics as a facilitator would check them: the planted stories, the scoring rules, honesty about thin data."""

from __future__ import annotations

import dataclasses
import math
import pydoc
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alliance_lens.metrics import Metrics, MetricsConfig, compute
from alliance_lens.metrics.explain import pct
from alliance_lens.metrics.relations import effective_n
from alliance_lens.model import AllianceData, UserError, ValidationError
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample

DESIGN_COLUMNS = {
    "trends": "partner, partner_name, period_id, period_end, reliability, reliability_low, reliability_high, "
    "n_agreements, trust, trust_low, trust_high, n_ratings, n_raters, n_respondents, gap",
    "patterns": "partner, partner_name, pattern, session_id, period_end, explanation_en, explanation_nl, evidence",
    "trust_matrix": "session_id, period_end, rater, ratee, trust, n_respondents, change, below_floor",
    "agreement_status": "agreement_id, title, kind, owner, owner_name, beneficiaries, made_on, due_on, status, "
    "status_date, overdue",
    "reciprocity": "partner_a, partner_b, a_to_b_due, a_to_b_kept, b_to_a_due, b_to_a_kept",
    "asymmetry": "partner, after, mean_change, n",
    "lead_lag": "partner, lag, r, r_low, r_high, n",
    "events": "date, partner, kind, label",
}


def build(
    sessions: Sequence[tuple[str, str]],
    agreements: Sequence[tuple[str, str, str, str]] = (),
    outcomes: Sequence[tuple[str, str, str]] = (),
    ratings: Sequence[tuple[str, str, str, float, str]] = (),
    partners: Sequence[str] = ("a", "b", "c"),
    scale: tuple[float, float] = (1.0, 5.0),
) -> AllianceData:
    """A small alliance ``x``: agreements as (id, owner, made_on, due_on), outcomes as (id, date, status),
    ratings as (session, rater, ratee, score, respondent)."""
    return AllianceData.from_frames(
        {
            "alliances": pd.DataFrame(
                [{"alliance_id": "x", "name": "X", "trust_min": scale[0], "trust_max": scale[1]}]
            ),
            "partners": pd.DataFrame([{"alliance_id": "x", "partner_id": p, "name": p.upper()} for p in partners]),
            "sessions": pd.DataFrame([{"alliance_id": "x", "session_id": s, "date": d} for s, d in sessions]),
            "agreements": pd.DataFrame(
                [
                    {
                        "alliance_id": "x",
                        "agreement_id": i,
                        "title": f"do {i}",
                        "kind": "content",
                        "owner": o,
                        "made_on": m,
                        "due_on": d,
                    }
                    for i, o, m, d in agreements
                ],
                columns=["alliance_id", "agreement_id", "title", "kind", "owner", "made_on", "due_on"],
            ),
            "outcomes": pd.DataFrame(
                [{"alliance_id": "x", "agreement_id": i, "date": d, "status": s} for i, d, s in outcomes],
                columns=["alliance_id", "agreement_id", "date", "status"],
            ),
            "trust_ratings": pd.DataFrame(
                [
                    {"alliance_id": "x", "session_id": s, "rater": r, "ratee": e, "score": v, "respondent": who}
                    for s, r, e, v, who in ratings
                ],
                columns=["alliance_id", "session_id", "rater", "ratee", "score", "respondent"],
            ),
        }
    )


def row(m: Metrics, partner: str, period: str) -> pd.Series:
    t = m.trends
    return t[(t["partner"] == partner) & (t["period_id"] == period)].iloc[0]


@pytest.fixture(scope="module")
def sample() -> AllianceData:
    return generate_sample()


@pytest.fixture(scope="module")
def m(sample: AllianceData) -> Metrics:
    return compute(sample, SAMPLE_ALLIANCE_ID)


# ------------------------------------------------------------------------------------------- the stories


def test_each_planted_story_is_found_and_nothing_else_is_claimed(m: Metrics) -> None:
    found = m.patterns.groupby("partner")["pattern"].apply(set).to_dict()
    assert found == {
        "nordwagen": {"trust_lags"},  # trust comes on foot
        "meridian": {"blind_trust"},  # the dark side of trust
        "vantage": {"trust_shock"},  # trust leaves on horseback
        "solara": {"earned_trust"},  # both move together
        "kestrel": {"not_enough_data"},  # joined late: no claim
    }


def test_trust_shock_is_at_the_session_after_the_big_breach_and_names_it(m: Metrics) -> None:
    shock = m.patterns[m.patterns["pattern"] == "trust_shock"].iloc[0]
    assert shock["session_id"] == "S07"
    assert "A900" in shock["evidence"]["agreements"]
    for text in (shock["explanation_en"], shock["explanation_nl"]):
        assert "A900" in text and "Vantage Automobiles" in text and "S07" in text and "%" in text
    assert "horseback" in shock["explanation_en"] and "te paard" in shock["explanation_nl"]


def test_blind_trust_cites_the_agreements_not_kept(m: Metrics) -> None:
    blind = m.patterns[m.patterns["pattern"] == "blind_trust"].iloc[0]
    not_kept = blind["evidence"]["not_kept"]
    # The latest first: the room remembers those (A912 fell due last, A059 first).
    assert not_kept == ["A912", "A093", "A094", "A081", "A083", "A070", "A072", "A059"]
    # A912 fell due before S10 and is still open at S11: overdue, so it counts as not kept ...
    assert "A912" in not_kept
    # ... but A910 fell due after S10 and has no outcome yet: awaiting outcome at S11, not (yet) counted.
    assert "A910" not in not_kept
    for text in (blind["explanation_en"], blind["explanation_nl"]):
        assert "A093 “Bring the decision-maker on tooling to the next session”" in text and "A910" not in text
        assert "A059" not in text  # the fifth and later are counted, not named
    assert "nog 4" in blind["explanation_nl"] and "4 more" in blind["explanation_en"]
    state = m.partner_states.set_index("partner").loc["meridian"]
    assert state["trust"] >= m.config.trust_high and state["reliability"] <= m.config.reliability_low
    # On evidence: the whole interval of its reliability lies below the "high" line, that of trust above "low".
    assert state["reliability_high"] < m.config.reliability_high and state["trust_low"] > m.config.trust_low


def test_states_are_judged_on_a_window_and_explained_with_figures(m: Metrics) -> None:
    states = m.partner_states.set_index("partner")
    assert (states["window_first"] == "S08").all() and (states["window_last"] == "S11").all()
    lags = states.loc["nordwagen"]
    assert lags["reliability"] >= m.config.reliability_high and lags["trust"] <= m.config.trust_low
    assert f"{round(lags['reliability'] * 100)}%" in lags["explanation_en"]
    assert f"{lags['n_agreements']} agreements" in lags["explanation_en"]
    assert f"{lags['n_agreements']} afspraken" in lags["explanation_nl"]
    assert "S08–S11" in lags["explanation_en"] and "S08–S11" in lags["explanation_nl"]
    # Vantage recovers to the middle: no state is claimed, and it is said.
    assert states.loc["vantage", "state"] == "mixed"
    assert "no clear state" in states.loc["vantage", "explanation_en"]


def test_not_enough_data_says_why(m: Metrics) -> None:
    thin = m.partner_states.set_index("partner").loc["kestrel"]
    assert thin["state"] == "not_enough_data"
    assert thin["n_agreements"] < m.config.min_agreements
    assert f"only {thin['n_agreements']} of its agreements" in thin["explanation_en"]
    assert "Te weinig gegevens" in thin["explanation_nl"]


def test_stricter_evidence_turns_claims_into_not_enough_data(sample: AllianceData) -> None:
    strict = compute(sample, SAMPLE_ALLIANCE_ID, MetricsConfig(min_agreements=50))
    states = set(strict.patterns["pattern"])
    assert states <= {"not_enough_data", "trust_shock"}


def test_asymmetry_trust_falls_after_broken_more_than_it_rises_after_kept(m: Metrics) -> None:
    pooled = m.alliance_asymmetry.set_index("after")
    assert pooled.loc["broken", "n"] > 0 and pooled.loc["kept", "n"] > 0
    assert pooled.loc["broken", "mean_change"] < 0 < pooled.loc["kept", "mean_change"]


# ------------------------------------------------------------------------------------------- the frames


def test_frames_have_the_columns_of_the_design(m: Metrics) -> None:
    for name, cols in DESIGN_COLUMNS.items():
        frame = getattr(m, name)
        missing = [c for c in cols.split(", ") if c not in frame.columns]
        assert not missing, f"{name} lacks {missing}"
    assert set(m.alliance_trends.columns) >= set(DESIGN_COLUMNS["trends"].split(", ")[2:])


def test_every_share_is_within_0_and_1_and_each_interval_holds_its_estimate(m: Metrics) -> None:
    for frame in (m.trends, m.alliance_trends, m.reliability_by_kind, m.reliability_by_direction):
        for est in ("reliability", "trust"):
            if est not in frame:
                continue
            v, lo, hi = frame[est], frame[f"{est}_low"], frame[f"{est}_high"]
            known = v.notna()
            assert v[known].between(0, 1).all()
            assert (lo[known] <= v[known] + 1e-12).all() and (v[known] <= hi[known] + 1e-12).all()
            assert lo[~known].isna().all() and hi[~known].isna().all()


def test_no_agreement_means_no_reliability_and_n_is_carried(m: Metrics) -> None:
    t = m.trends
    assert (t["reliability"].isna() == (t["n_agreements"] == 0)).all()
    assert (t["trust"].isna() == (t["n_ratings"] == 0)).all()
    np.testing.assert_allclose(t["gap"].dropna(), (t["trust"] - t["reliability"]).dropna())


def test_anonymity_floor_marks_thin_dyads_and_is_configurable(sample: AllianceData, m: Metrics) -> None:
    tm = m.trust_matrix
    assert tm.loc[tm["rater"] == "kestrel", "below_floor"].all()  # two respondents
    assert not tm.loc[tm["rater"] == "vantage", "below_floor"].any()  # four
    loose = compute(sample, SAMPLE_ALLIANCE_ID, MetricsConfig(anonymity_floor=2))
    assert not loose.trust_matrix["below_floor"].any()


def test_agreement_status_as_of_the_latest_session(m: Metrics) -> None:
    s = m.agreement_status.set_index("agreement_id")
    assert s.loc["A900", "status"] == "broken" and s.loc["A900", "display_status"] == "broken"
    # Due 2026-08-07, after S10 (2026-06-23), no outcome at S11: awaiting, neither overdue nor counted.
    a910 = s.loc["A910"]
    assert a910["status"] == "open" and bool(a910["awaiting_outcome"]) and not bool(a910["overdue"])
    assert a910["display_status"] == "awaiting_outcome" and np.isnan(a910["score"]) and a910["days_overdue"] == 0
    a912 = s.loc["A912"]  # due 2026-06-10, before S10: S10 was its chance to be recorded
    assert a912["display_status"] == "overdue" and bool(a912["overdue"]) and a912["score"] == 0.0
    assert a912["days_overdue"] == 76 and not bool(a912["awaiting_outcome"])
    assert s.loc["A920", "status"] == "open" and not bool(s.loc["A920", "overdue"])
    assert s.loc["A920", "display_status"] == "open" and not bool(s.loc["A920", "awaiting_outcome"])
    assert s.loc["A930", "status"] == "dropped"
    assert np.isnan(s.loc["A930", "score"])


def _with_session(sample: AllianceData, session_id: str, date: str) -> AllianceData:
    """The sample with one more session and nothing entered for it yet (the facilitator's "Add session")."""
    frames = {n: getattr(sample, n) for n in ("alliances", "partners", "agreements", "outcomes", "trust_ratings")}
    extra = pd.DataFrame(
        [
            {
                "alliance_id": SAMPLE_ALLIANCE_ID,
                "session_id": session_id,
                "date": pd.Timestamp(date),
                "title": "",
                "kind": "meeting",
            }
        ]
    )
    frames["sessions"] = pd.concat([sample.sessions, extra], ignore_index=True)
    return AllianceData.from_frames(frames)


def test_adding_todays_session_counts_nothing_as_broken_before_outcomes_are_entered(sample: AllianceData) -> None:
    before = compute(sample, SAMPLE_ALLIANCE_ID)
    after = compute(_with_session(sample, "S12", "2026-10-13"), SAMPLE_ALLIANCE_ID)
    s = after.agreement_status.set_index("agreement_id")
    # A920–A924 fell due on 2026-10-04, in S12's period: awaiting outcome, not counted.
    for a in ("A920", "A921", "A922", "A923", "A924"):
        assert s.loc[a, "display_status"] == "awaiting_outcome" and np.isnan(s.loc[a, "score"])
    # A910 had its session (S11) to be recorded: from S12 on it is overdue and counts as not kept.
    assert s.loc["A910", "display_status"] == "overdue" and s.loc["A910", "score"] == 0.0
    assert s.loc["A910", "days_overdue"] == 67
    states_before = before.partner_states.set_index("partner")["state"]
    states_after = after.partner_states.set_index("partner")["state"]
    assert states_after["solara"] == states_before["solara"] == "earned_trust"
    assert states_after["nordwagen"] == "trust_lags"
    s12 = after.trends[after.trends["period_id"] == "S12"].set_index("partner")
    s11 = before.trends[before.trends["period_id"] == "S11"].set_index("partner")
    # Nordwagen's A920 is awaiting: its rolling reliability at S12 does not fall for it.
    assert s12.loc["nordwagen", "reliability"] >= s11.loc["nordwagen", "reliability"] - 0.05
    meridian = after.partner_states.set_index("partner").loc["meridian"]
    assert "A910" in meridian["evidence"]["not_kept"]


def test_events_mark_broken_agreements_and_dialogues(m: Metrics) -> None:
    e = m.events
    assert "A900" in set(e.loc[e["kind"] == "broken_agreement", "agreement_id"])
    assert set(e.loc[e["kind"] == "dialogue_session", "session_id"]) == {"S04", "S08"}


def test_reciprocity_counts_both_directions(m: Metrics) -> None:
    r = m.reciprocity
    assert len(r) == 10  # every pair of five partners once
    assert (r["a_to_b_kept"] <= r["a_to_b_due"]).all() and (r["b_to_a_kept"] <= r["b_to_a_due"]).all()
    pair = r[(r["partner_a"] == "meridian") & (r["partner_b"] == "nordwagen")].iloc[0]
    assert pair["a_to_b_kept"] / pair["a_to_b_due"] < pair["b_to_a_kept"] / pair["b_to_a_due"]


def test_lead_lag_is_labelled_exploratory_with_a_band(m: Metrics) -> None:
    ll = m.lead_lag
    assert ll["exploratory"].all()
    assert set(ll["lag"]) == {0, 1, 2, 3}
    known = ll["r"].notna()
    assert ll.loc[known, "r"].between(-1, 1).all()
    r, low, high = ll.loc[known, "r"], ll.loc[known, "r_low"], ll.loc[known, "r_high"]
    assert (low <= r).all() and (r <= high).all()


def test_goals_shared_is_context_per_period(m: Metrics) -> None:
    assert not row(m, "meridian", "S11")["goals_shared"]
    assert not row(m, "solara", "S03")["goals_shared"] and row(m, "solara", "S04")["goals_shared"]


def test_by_direction_is_reliability_toward_each_beneficiary(m: Metrics) -> None:
    d = m.reliability_by_direction
    assert (d["owner"] != d["beneficiary"]).all()
    assert {"content", "process"} == set(m.reliability_by_kind["kind"])


def test_month_periods(sample: AllianceData) -> None:
    mm = compute(sample, SAMPLE_ALLIANCE_ID, MetricsConfig(period="month"))
    assert mm.periods["period_id"].str.match(r"^\d{4}-\d{2}$").all()
    assert mm.periods["period_end"].iloc[-1] == sample.sessions["date"].max()
    assert mm.trends["trust"].notna().any() and mm.trends["reliability"].notna().any()


def test_as_of_an_earlier_date_sees_only_what_was_known(sample: AllianceData) -> None:
    before = compute(sample, SAMPLE_ALLIANCE_ID, as_of="2025-12-02")
    assert before.periods["period_id"].iloc[-1] == "S06"
    assert "trust_shock" not in set(before.patterns["pattern"])
    assert before.agreement_status.set_index("agreement_id").loc["A900", "status"] == "open"


# ------------------------------------------------------------------------------------------- the rules

SESSIONS = [("S1", "2025-01-31"), ("S2", "2025-02-28"), ("S3", "2025-03-31")]


def test_an_open_agreement_awaits_its_outcome_for_one_session_then_counts_as_not_kept() -> None:
    data = build(
        SESSIONS, agreements=[("A1", "a", "2025-01-01", "2025-01-20")], outcomes=[("A1", "2025-02-10", "kept_late")]
    )
    m = compute(data, "x", MetricsConfig(view="period", prior_strength=0.001))
    # At S1 (its due period) it awaits its outcome: no reliability yet rather than a made-up zero.
    assert np.isnan(row(m, "a", "S1")["reliability"]) and row(m, "a", "S1")["n_agreements"] == 0
    # In the rolling window of S2 the late keeping is known: half a point.
    rolling = compute(data, "x", MetricsConfig(view="rolling", prior_strength=0.001))
    assert row(rolling, "a", "S2")["reliability"] == pytest.approx(0.5, abs=0.01)
    # Still open at S2: from S2 on it counts as not kept.
    still_open = build(SESSIONS, agreements=[("A1", "a", "2025-01-01", "2025-01-20")])
    o = compute(still_open, "x", MetricsConfig(prior_strength=0.001))
    assert row(o, "a", "S1")["n_agreements"] == 0
    assert row(o, "a", "S2")["reliability"] == pytest.approx(0.0, abs=0.01) and row(o, "a", "S2")["n_agreements"] == 1
    status = compute(still_open, "x", as_of="2025-01-31").agreement_status.iloc[0]
    assert status["display_status"] == "awaiting_outcome" and not status["overdue"]
    status = compute(still_open, "x", as_of="2025-02-28").agreement_status.iloc[0]
    assert status["display_status"] == "overdue" and status["days_overdue"] == 39
    # Switched off, it counts as not kept at once.
    now = compute(still_open, "x", MetricsConfig(await_outcome=False, prior_strength=0.001))
    assert row(now, "a", "S1")["reliability"] == pytest.approx(0.0, abs=0.01)


def test_outcome_scores() -> None:
    agreements = [(f"A{i}", "a", "2025-01-01", "2025-01-20") for i in range(6)]
    outcomes = [
        ("A0", "2025-01-19", "kept"),
        ("A1", "2025-01-25", "kept_late"),
        ("A2", "2025-01-15", "renegotiated"),
        ("A3", "2025-01-25", "renegotiated"),
        ("A4", "2025-01-25", "broken"),
        ("A5", "2025-01-10", "dropped"),
    ]
    m = compute(build(SESSIONS, agreements, outcomes), "x")
    s = m.agreement_status.set_index("agreement_id")["score"]
    assert s.to_dict() == pytest.approx(
        {"A0": 1.0, "A1": 0.5, "A2": 0.75, "A3": 0.25, "A4": 0.0, "A5": np.nan}, nan_ok=True
    )
    # The dropped one is left out of the count.
    assert row(m, "a", "S1")["n_agreements"] == 5


def test_only_dropped_agreements_give_no_reliability() -> None:
    m = compute(build(SESSIONS, [("A1", "a", "2025-01-01", "2025-01-20")], [("A1", "2025-01-10", "dropped")]), "x")
    assert m.trends["reliability"].isna().all() and (m.trends["n_agreements"] == 0).all()


def test_small_samples_are_shrunk_toward_the_alliance_rate() -> None:
    agreements = [("A1", "a", "2025-01-01", "2025-01-20")] + [
        (f"B{i}", "b", "2025-01-01", "2025-01-20") for i in range(10)
    ]
    outcomes = [("A1", "2025-01-19", "kept")] + [
        (f"B{i}", "2025-01-19", "broken" if i < 6 else "kept") for i in range(10)
    ]
    m = compute(build(SESSIONS, agreements, outcomes), "x", MetricsConfig(view="period"))
    alliance = m.alliance_trends.set_index("period_id").loc["S1", "reliability"]
    a = row(m, "a", "S1")
    assert alliance < a["reliability"] < 1.0  # one kept agreement is not 100 %
    assert a["reliability_high"] - a["reliability_low"] > 0.3  # and the interval says how unsure it is
    assert a["n_agreements"] == 1


def _drop(
    changes: dict[str, tuple[float, float]],
    respondents: tuple[str, ...] = ("p",),
    scale: tuple[float, float] = (1.0, 10.0),
) -> AllianceData:
    """Raters rate ``a`` (before, after) at S1 and S2; ``a``'s agreement A1 is broken between them."""
    ratings = [
        (s, r, "a", v, who)
        for r, (v1, v2) in changes.items()
        for s, v in (("S1", v1), ("S2", v2))
        for who in respondents
    ]
    partners = ("a", *changes)
    return build(
        SESSIONS[:2],
        [("A1", "a", "2025-01-01", "2025-02-05")],
        [("A1", "2025-02-10", "broken")],
        ratings,
        partners=partners,
        scale=scale,
    )


def _shocks(data: AllianceData) -> pd.DataFrame:
    p = compute(data, "x").patterns
    return p[p["pattern"] == "trust_shock"]


def test_a_drop_of_trust_without_a_breach_is_no_trust_shock() -> None:
    raters = ("b", "c", "d")
    ratings = [(s, r, "a", v, who) for s, v in (("S1", 5.0), ("S2", 1.0)) for r in raters for who in ("p", "q")]
    quiet = build(SESSIONS[:2], ratings=ratings, partners=("a", *raters))
    assert "trust_shock" not in set(compute(quiet, "x").patterns["pattern"])
    breach = build(
        SESSIONS[:2],
        [("A1", "a", "2025-01-01", "2025-02-05")],
        [("A1", "2025-02-10", "broken")],
        ratings,
        partners=("a", *raters),
    )
    shocks = compute(breach, "x").patterns
    shock = shocks[shocks["pattern"] == "trust_shock"].iloc[0]
    assert shock["partner"] == "a" and shock["session_id"] == "S2" and "A1" in shock["explanation_en"]
    assert shock["evidence"]["n_shared_raters"] == 3


def _history_then_drop(absent_at_s6: tuple[str, ...] = ()) -> AllianceData:
    """b and c (3 respondents each, alike) rate ``a`` on 1–10 at S1–S6, wobbling a point, then 5 points lower at
    S6; ``a`` broke A1 between S5 and S6. Raters in ``absent_at_s6`` did not come to S6."""
    values = {"b": [8, 9, 8, 9, 8, 3], "c": [9, 8, 9, 8, 9, 4]}
    ratings = [
        (sid, r, "a", float(v[i]), who)
        for r, v in values.items()
        for i, (sid, _d) in enumerate(MONTHLY)
        for who in ("p", "q", "r")
        if not (sid == "S6" and r in absent_at_s6)
    ]
    return build(
        MONTHLY,
        [("A1", "a", "2025-05-01", "2025-06-05")],
        [("A1", "2025-06-10", "broken")],
        ratings,
        partners=("a", "b", "c"),
        scale=(1.0, 10.0),
    )


def test_a_trust_shock_needs_enough_raters_present_at_both_sessions() -> None:
    # The same large, consistent drop from 3 raters is a shock.
    assert len(_shocks(_drop({"b": (9, 4), "c": (9, 4), "d": (9, 4)}, ("p", "q")))) == 1
    # Two raters (shock_min_raters = 2), each one's trust before its average over the 2 sessions before
    # (shock_baseline_sessions): b 8.5 → 3 at S6 and c 8.5 → 4, a drop of 5 points on average. Their changes
    # give the spread, pooled: at S2 (one session before) −1/+1 points, at S3–S6 ±0.5 around the pair's mean,
    # 4 points² over 10 changes in 5 pairs of sessions, 5 df: t = 7.91, p = 0.0003.
    ev = _shocks(_history_then_drop()).iloc[0]["evidence"]
    sd = np.sqrt(4 / 5) / 9
    t = (5 / 9) / (sd / np.sqrt(2))
    assert (ev["n_shared_raters"], ev["df"], ev["session_id"]) == (2, 5.0, "S6")
    assert (ev["first_period"], ev["previous_period"], ev["trust_before"]) == ("S4", "S5", round(7.5 / 9, 4))
    assert ev["t"] == pytest.approx(round(t, 4)) and ev["p_value"] == pytest.approx(round(stats.t.sf(t, 5), 4))
    assert round(t, 2) == 7.91 and ev["p_value"] == 0.0003
    # With the last session alone as the trust before (shock_baseline_sessions = 1): −1/+1 at every pair,
    # 8 points² over 5 df, t = 5.59, p = 0.0013, and "before" is S5's 8.5.
    one = compute(_history_then_drop(), "x", MetricsConfig(shock_baseline_sessions=1)).patterns
    ev1 = one[one["pattern"] == "trust_shock"].iloc[0]["evidence"]
    t1 = (5 / 9) / (np.sqrt(8 / 5) / 9 / np.sqrt(2))
    assert round(t1, 2) == 5.59 and (ev1["t"], ev1["p_value"]) == (round(t1, 4), 0.0013)
    assert ev1["first_period"] == ev1["previous_period"] == "S5"
    # One rater fewer than needed: c stayed away from S6, so b alone (3 respondents) is no shock, however clear.
    assert _shocks(_history_then_drop(absent_at_s6=("c",))).empty
    # Asking for 3 shared raters, the two are not enough.
    strict = compute(_history_then_drop(), "x", MetricsConfig(shock_min_raters=3)).patterns
    assert "trust_shock" not in set(strict["pattern"])
    # Two raters with no history: one pair of sessions gives 1 df, and a 5-point drop is not beyond noise.
    data = _drop({"b": (9, 4), "c": (9, 4), "d": (9, 4)}, ("p", "q"))
    frames = {n: getattr(data, n) for n in ("alliances", "partners", "sessions", "agreements", "outcomes")}
    tr = data.trust_ratings
    frames["trust_ratings"] = tr[~((tr["rater"] == "d") & (tr["session_id"] == "S2"))]
    assert _shocks(AllianceData.from_frames(frames)).empty


def test_a_noisy_drop_is_no_trust_shock_and_the_p_value_is_the_paired_t_test() -> None:
    # Mean drop 3 points of 9 (33 %), but the raters disagree: −6, −6, +3 → not beyond noise.
    noisy = _drop({"b": (9, 3), "c": (9, 3), "d": (5, 8)})
    assert _shocks(noisy).empty
    # Consistent drops of 5, 5 and 4 points on 1–10: a shock, with the paired t-test's p-value.
    clear = _drop({"b": (10, 5), "c": (10, 5), "d": (9, 5)})
    ev = _shocks(clear).iloc[0]["evidence"]
    d = np.array([5, 5, 4]) / 9
    t = d.mean() / (d.std(ddof=1) / np.sqrt(3))
    assert ev["drop"] == pytest.approx(round(d.mean(), 4))
    assert ev["p_value"] == pytest.approx(round(float(stats.t.sf(t, df=2)), 4))
    assert ev["n_shared_raters"] == 3
    # Drops of 3, 3 and 2 points: t = 8.0 on 2 df, p = 0.0076, at most shock_alpha (0.01): beyond noise.
    small = np.array([3, 3, 2]) / 9
    p_small = float(stats.t.sf(small.mean() / (small.std(ddof=1) / np.sqrt(3)), df=2))
    assert round(p_small, 4) == 0.0076
    assert _shocks(_drop({"b": (9, 6), "c": (9, 6), "d": (8, 6)})).iloc[0]["evidence"]["p_value"] == 0.0076
    # Drops of 4, 4 and 2 points: t = 5.0 on 2 df, p = 0.0189, above shock_alpha: not beyond noise.
    wider = np.array([4, 4, 2]) / 9
    assert round(float(stats.t.sf(wider.mean() / (wider.std(ddof=1) / np.sqrt(3)), df=2)), 4) == 0.0189
    assert _shocks(_drop({"b": (9, 5), "c": (9, 5), "d": (8, 6)})).empty
    # A drop below the facilitator's threshold is no shock, however consistent.
    assert _shocks(_drop({"b": (9, 8), "c": (9, 8), "d": (9, 8)}, ("p", "q"))).empty


def test_shock_points_are_the_difference_of_the_percentages_shown(m: Metrics) -> None:
    shock = m.patterns[m.patterns["pattern"] == "trust_shock"].iloc[0]
    ev = shock["evidence"]
    assert (ev["trust_before"], ev["trust_after"], ev["drop"]) == (0.7469, 0.3333, 0.4136)  # 41.4 points unrounded
    assert "from 75% (their average over S05–S06) to 33% (42 points)" in shock["explanation_en"]
    assert "van 75% (hun gemiddelde over S05–S06) naar 33% (42 procentpunten)" in shock["explanation_nl"]
    assert "the 3 partners who rated it at S07 and before it" in shock["explanation_en"]
    assert "de 3 partners die het bij S07 en daarvoor beoordeelden" in shock["explanation_nl"]


def _three_sessions(
    values: dict[str, tuple[float | None, ...]],
    s2_respondents: tuple[str, ...] = ("p", "q", "r"),
    s3_respondents: tuple[str, ...] = ("p", "q", "r"),
) -> AllianceData:
    """Raters rate ``a`` on 1–10 at S1–S3 (``None``: not there), with respondents p, q and r each (at S2 and S3
    those given); ``a`` broke A1 between S2 and S3."""
    who_at = {"S1": ("p", "q", "r"), "S2": s2_respondents, "S3": s3_respondents}
    ratings = [
        (sid, r, "a", float(v), who)
        for r, vs in values.items()
        for (sid, _d), v in zip(MONTHLY[:3], vs, strict=True)
        if v is not None
        for who in who_at[sid]
    ]
    return build(
        MONTHLY[:3],
        [("A1", "a", "2025-02-01", "2025-03-05")],
        [("A1", "2025-03-10", "broken")],
        ratings,
        partners=("a", *values),
        scale=(1.0, 10.0),
    )


def test_one_warm_session_is_not_read_as_the_start_of_a_fall() -> None:
    # Trust 6 at S1, a warm 9 at S2, 6 again at S3 after a breach: against S2 alone a 3-point (33 %) fall of
    # every rater; against the raters' average over S1–S2 (7.5) 1.5 points, 17 %, below shock_drop.
    data = _three_sessions({r: (6, 9, 6) for r in ("b", "c", "d")})
    assert _shocks(data).empty
    one = compute(data, "x", MetricsConfig(shock_baseline_sessions=1)).patterns
    assert list(one.loc[one["pattern"] == "trust_shock", "session_id"]) == ["S3"]


def test_raters_absent_at_the_last_session_compare_with_the_one_before() -> None:
    # c and d missed S2, where b came with one respondent: against S2 alone one rater and one respondent (no
    # test); against S1–S2 all three raters, and 9 + 1 respondents behind the trust before.
    data = _three_sessions({"b": (9, 9, 4), "c": (9, None, 4), "d": (9, None, 4)}, s2_respondents=("p",))
    ev = _shocks(data).iloc[0]["evidence"]
    assert (ev["session_id"], ev["n_shared_raters"], ev["first_period"], ev["previous_period"]) == ("S3", 3, "S1", "S2")
    assert (ev["trust_before"], ev["trust_after"]) == (round(8 / 9, 4), round(3 / 9, 4))
    assert (ev["n_respondents_before"], ev["n_respondents_after"]) == (10, 9)
    text = _shocks(data).iloc[0]["explanation_en"]
    assert "the 3 partners who rated it at S3 and before it went from 89% (their average over S1–S2) to 33% (56" in text
    one = compute(data, "x", MetricsConfig(shock_baseline_sessions=1)).patterns
    assert "trust_shock" not in set(one["pattern"])
    # The floor still holds at the session itself: three raters with one respondent each at S3 are 3, at the
    # floor (a shock); asked for 4, not.
    absent = {"b": (9, 9, 4), "c": (9, None, 4), "d": (9, None, 4)}
    at_floor = _shocks(_three_sessions(absent, ("p", "q", "r"), s3_respondents=("p",)))
    assert at_floor.iloc[0]["evidence"]["n_respondents_after"] == 3
    four = compute(_three_sessions(absent, ("p", "q", "r"), ("p",)), "x", MetricsConfig(shock_min_respondents=4))
    assert "trust_shock" not in set(four.patterns["pattern"])


def test_thin_data_claims_nothing() -> None:
    data = build(
        SESSIONS,
        [("A1", "a", "2025-01-01", "2025-03-20")],
        [("A1", "2025-03-19", "kept")],
        [("S3", "b", "a", 5.0, "p")],
    )
    m = compute(data, "x")
    assert set(m.patterns["pattern"]) == {"not_enough_data"}


def test_an_alliance_without_sessions_gives_empty_frames() -> None:
    m = compute(build([]), "x")
    assert m.trends.empty and m.patterns.empty and m.trust_matrix.empty
    assert list(m.trends.columns[:15]) == DESIGN_COLUMNS["trends"].split(", ")


def test_unknown_alliance_and_bad_config_are_user_errors(sample: AllianceData) -> None:
    with pytest.raises(UserError, match="nope"):
        compute(sample, "nope")
    with pytest.raises(ValidationError, match="trust_low"):
        MetricsConfig(trust_low=0.9, trust_high=0.5)
    with pytest.raises(ValidationError, match="rolling_window"):
        MetricsConfig(rolling_window=0)
    for level in (0.0, 1.5):  # a test at level 0 would never find the record changed; 1 means no test
        with pytest.raises(ValidationError, match=r"evidence_change_alpha must lie above 0 and at most 1 \(1: no"):
            MetricsConfig(evidence_change_alpha=level)
    assert MetricsConfig(evidence_change_alpha=1.0).evidence_change_alpha == 1.0
    for level in (0.0, -0.1, 1.01):
        with pytest.raises(ValidationError, match=r"second_look_alpha must lie above 0 and at most 1 \(1: no"):
            MetricsConfig(second_look_alpha=level)
    assert MetricsConfig(second_look_alpha=1.0).second_look_alpha == 1.0
    for level in (0.0, 1.5):
        with pytest.raises(ValidationError, match=r"second_look_guard_alpha must lie above 0 and at most 1"):
            MetricsConfig(second_look_guard_alpha=level)
    with pytest.raises(ValidationError, match=r"recent_periods must not be negative"):
        MetricsConfig(recent_periods=-1)
    with pytest.raises(ValidationError, match=r"recent_min_agreements must be at least 1"):
        MetricsConfig(recent_min_agreements=0)
    with pytest.raises(ValidationError, match="second_look_agreements must not be negative"):
        MetricsConfig(second_look_agreements=-1)
    # A setting that is no number is named as such, with its value (not a bare ValueError of float()).
    for name, value in (("second_look_alpha", "x"), ("second_look_agreements", "three"), ("falling_drop", "ten")):
        with pytest.raises(ValidationError, match=rf"column {name} \(value {value!r}\): {name} must be a number"):
            MetricsConfig(**{name: value})
    # A count is a whole number (2.5 sessions was accepted, then a TypeError inside compute()); a number given
    # as text or as 2.0 is kept as its setting's type, so compute() can use it.
    counts: tuple[tuple[str, object], ...] = (
        ("shock_baseline_sessions", 2.5),
        ("max_lag", 0.5),
        ("rolling_window", "2.5"),
    )
    for count, given in counts:
        with pytest.raises(
            ValidationError, match=rf"column {count} \(value {given!r}\): {count} must be a whole number"
        ):
            MetricsConfig(**{count: given})
    as_typed: dict[str, Any] = {"shock_baseline_sessions": 3.0, "max_lag": "2", "shock_drop": "0.25"}
    typed = MetricsConfig(**as_typed)
    assert (typed.shock_baseline_sessions, typed.max_lag, typed.shock_drop) == (3, 2, 0.25)
    assert type(typed.max_lag) is int and type(typed.shock_drop) is float
    assert not compute(sample, SAMPLE_ALLIANCE_ID, typed).patterns.empty
    with pytest.raises(UserError, match="not a date"):
        compute(sample, SAMPLE_ALLIANCE_ID, as_of="next tuesday")


def test_trust_matrix_puts_reliability_toward_the_rater_beside_trust(m: Metrics) -> None:
    tm = m.trust_matrix.set_index(["period_id", "rater", "ratee"])
    # A's reliability toward B sits on the row where B rates A.
    d = m.reliability_by_direction.set_index(["period_id", "beneficiary", "owner"]).rename_axis(
        ["period_id", "rater", "ratee"]
    )
    both = tm.join(d[["reliability", "n_agreements"]], how="inner")
    assert len(both) > 0
    np.testing.assert_allclose(both["reliability_toward_rater"], both["reliability"])
    assert (both["n_agreements_toward_rater"] == both["n_agreements"]).all()
    missing = tm.index.difference(d.index)
    assert tm.loc[missing, "reliability_toward_rater"].isna().all()


MONTHLY = [(f"S{i}", f"2025-{i:02d}-28") for i in range(1, 7)]


def story(kept_per_session: Sequence[int], score: float, per: int = 3) -> AllianceData:
    """Partner ``a`` makes ``per`` agreements due before each session and keeps the given number; b and c (two
    respondents each) rate it ``score`` on 1–5 at every session. One session a month (the 28th, 2025), one for
    each entry of ``kept_per_session``; each agreement falls due on the 10th and gets its outcome on the 9th."""
    sessions = [(f"S{i}", f"2025-{i:02d}-28") for i in range(1, len(kept_per_session) + 1)]
    agreements, outcomes, ratings = [], [], []
    for i, (sid, _date) in enumerate(sessions):
        for j in range(per):
            aid = f"A{i}{j}"
            agreements.append((aid, "a", f"2025-{i + 1:02d}-01", f"2025-{i + 1:02d}-10"))
            outcomes.append((aid, f"2025-{i + 1:02d}-09", "kept" if j < kept_per_session[i] else "broken"))
        ratings += [(sid, r, "a", score, who) for r in ("b", "c") for who in ("p", "q")]
    return build(sessions, agreements, outcomes, ratings)


def test_distrust_when_both_are_low() -> None:
    m = compute(story([0, 0, 0, 0, 0, 0], 1.5), "x")
    mine = m.patterns[m.patterns["partner"] == "a"]
    assert list(mine["pattern"]) == ["distrust"]
    assert "both are low" in mine["explanation_en"].iloc[0]
    # b and c made no agreements: nothing is claimed about them.
    assert set(m.patterns.loc[m.patterns["partner"] != "a", "pattern"]) == {"not_enough_data"}


def test_blind_trust_when_reliability_falls_while_trust_stays_high() -> None:
    # 20 of 20 kept in S1–S4, 13 of 20 in S5–S8; S9's own agreements (all broken) wait for the next session.
    m = compute(story([5, 5, 5, 5, 3, 3, 3, 4, 0], 5.0, per=5), "x")
    state = m.partner_states.set_index("partner").loc["a"]
    assert m.config.reliability_low < state["reliability"] < m.config.reliability_high
    assert state["previous_reliability"] - state["reliability"] >= m.config.falling_drop
    assert state["state"] == "blind_trust" and "is falling" in state["explanation_en"]
    assert "daalt" in state["explanation_nl"]


def test_the_views_weigh_agreements_as_documented() -> None:
    # One kept agreement due before S1, one broken due before S2; almost no shrinkage.
    data = build(
        SESSIONS,
        [("A1", "a", "2025-01-01", "2025-01-20"), ("A2", "a", "2025-02-01", "2025-02-20")],
        [("A1", "2025-01-19", "kept"), ("A2", "2025-02-21", "broken")],
    )
    cfg = MetricsConfig(prior_strength=1e-6)
    m = compute(data, "x", cfg)
    s2 = row(m, "a", "S2")
    assert s2["reliability_period"] == pytest.approx(0.0, abs=1e-4)  # only A2
    assert s2["reliability_rolling"] == pytest.approx(0.5, abs=1e-4)  # A1 and A2 alike
    w = 0.5 ** (1 / cfg.half_life)  # A1 fell due one period earlier
    assert s2["reliability_ewm"] == pytest.approx(w / (1 + w), abs=1e-4)
    assert s2["reliability"] == s2["reliability_rolling"]  # the default view
    period_view = compute(data, "x", MetricsConfig(prior_strength=1e-6, view="period"))
    assert row(period_view, "a", "S2")["reliability"] == pytest.approx(0.0, abs=1e-4)


def test_in_months_an_agreement_due_after_the_latest_session_is_not_yet_overdue() -> None:
    data = build([("S1", "2025-01-10"), ("S2", "2025-02-10")], [("A1", "a", "2025-01-05", "2025-02-20")])
    m = compute(data, "x", MetricsConfig(period="month"))
    assert (m.trends["n_agreements"] == 0).all()
    assert not m.agreement_status["overdue"].any()


# ------------------------------------------------------------------------------------------- honest texts


def test_the_window_states_its_real_date_span(m: Metrics) -> None:
    # S08–S11: the ratings given from the day after S07 (2026-01-27) to S11. The 4 settled periods S07–S10 hold 11
    # of Nordwagen's agreements, fewer than evidence_agreements (15): its agreement window reaches back one
    # period, to S06–S10, and holds 15 — due from the day after S05 (2025-10-14) up to S10 (2026-06-23), whose
    # outcomes have all had a session to be recorded.
    lags = m.partner_states.set_index("partner").loc["nordwagen"]
    # The room hears "15 of 15 … over the last 4 sessions": the text says the 15 are those of 5 sessions.
    assert (
        "(S08–S11; ratings given 2026-01-28 to 2026-08-25; agreements due 2025-10-15 to 2026-06-23, from 5 sessions "
        "to have enough, each with a session since to record its outcome)" in lags["explanation_en"]
    )
    assert (
        "(S08–S11; scores van 2026-01-28 tot en met 2026-08-25; afspraken met einddatum van 2025-10-15 tot en met "
        "2026-06-23, uit 5 sessies om er genoeg te hebben, elk met sindsdien een sessie om de uitkomst vast te "
        "leggen)" in lags["explanation_nl"]
    )
    assert "(15 of 15 agreements kept" in lags["explanation_en"]
    ev = lags["evidence"]
    assert (ev["window_since"], ev["window_until"]) == ("2026-01-28", "2026-08-25")
    assert (ev["agreements_since"], ev["agreements_until"], ev["agreement_periods"]) == ("2025-10-15", "2026-06-23", 5)
    # With the fixed window alone (evidence_agreements = 0): the 4 settled periods, from the day after S06.
    fixed = compute(generate_sample(), SAMPLE_ALLIANCE_ID, MetricsConfig(evidence_agreements=0)).partner_states
    f_ev = fixed.set_index("partner").loc["nordwagen", "evidence"]
    assert (f_ev["agreements_since"], f_ev["n_agreements"], f_ev["agreement_periods"]) == ("2025-12-03", 11, 4)
    f_text = fixed.set_index("partner").loc["nordwagen", "explanation_en"]
    assert "agreements due 2025-12-03 to 2026-06-23, each with a session since" in f_text  # 4 sessions: no word
    assert "sessions to have enough" not in f_text
    # By month: the months it holds.
    months = compute(generate_sample(), SAMPLE_ALLIANCE_ID, MetricsConfig(period="month")).partner_states
    by_month = months.set_index("partner").loc["nordwagen"]
    assert by_month["evidence"]["agreement_periods"] == 8
    assert "agreements due 2025-12-01 to 2026-07-31, from 8 months to have enough, each" in by_month["explanation_en"]
    assert "uit 8 maanden om er genoeg te hebben" in by_month["explanation_nl"]
    dates = m.periods.set_index("session_id")["period_end"].dt.date.astype(str)
    assert (dates["S07"], dates["S05"], dates["S06"], dates["S10"], dates["S11"]) == (
        "2026-01-27",
        "2025-10-14",
        "2025-12-02",
        "2026-06-23",
        "2026-08-25",
    )


def _settled_story(
    extra: Sequence[tuple[str, str, str, str]], extra_outcomes: Sequence[tuple[str, str, str]]
) -> AllianceData:
    """:func:`story` of six sessions (3 of 3 kept each time, trust 5 of 5) with some agreements of ``a`` added."""
    base = story([3, 3, 3, 3, 3, 3], 5.0)
    agreements = [tuple(r) for r in base.agreements[["agreement_id", "owner", "made_on", "due_on"]].astype(str).values]
    outcomes = [tuple(r) for r in base.outcomes[["agreement_id", "date", "status"]].astype(str).values]
    ratings = [
        (r.session_id, r.rater, r.ratee, float(r.score), r.respondent)
        for r in base.trust_ratings.itertuples(index=False)
    ]
    sessions = [(str(r.session_id), str(r.date.date())) for r in base.sessions.itertuples(index=False)]
    return build(sessions, [*agreements, *extra], [*outcomes, *extra_outcomes], ratings)


def test_the_state_counts_only_agreements_that_had_a_session_to_be_recorded() -> None:
    # Window S3–S6 (4 sessions) for the ratings; for the agreements the 4 periods before the latest, S2–S5: due
    # from the day after S1 (2025-01-29) up to and including S5's day (2025-05-28). X1 falls due on S5's day,
    # X2 the day after (in S6's period): both broken, recorded before S6. X0 fell due on S1's day.
    extra = [("X0", "a", "2025-01-02", "2025-01-28"), ("X1", "a", "2025-05-02", "2025-05-28")]
    extra += [("X2", "a", "2025-05-02", "2025-05-29")]
    outs = [("X0", "2025-02-01", "broken"), ("X1", "2025-06-01", "broken"), ("X2", "2025-06-01", "broken")]
    # The fixed window alone (evidence_agreements = 0; the evidence window has its own tests below).
    fixed = MetricsConfig(evidence_agreements=0)
    state = compute(_settled_story(extra, outs), "x", fixed).partner_states.set_index("partner").loc["a"]
    assert (state["n_kept"], state["n_agreements"]) == (12, 13)
    assert state["evidence"]["not_kept"] == ["X1"]  # X0 before the window, X2 still in the current period
    assert (state["agreements_since"], state["agreements_until"]) == ("2025-01-29", "2025-05-28")
    assert (state["window_since"], state["window_until"]) == ("2025-03-01", "2025-06-28")
    # S6's own agreements are left out whatever their outcome: its 3 kept ones as much as X2, broken.
    alone = compute(_settled_story([], []), "x", fixed).partner_states.set_index("partner").loc["a"]
    assert (alone["n_kept"], alone["n_agreements"]) == (12, 12)
    # Without awaiting, the agreement window is that of the ratings, the current period included (S3–S6).
    now = compute(
        _settled_story(extra, outs), "x", MetricsConfig(await_outcome=False, evidence_agreements=0)
    ).partner_states
    row_now = now.set_index("partner").loc["a"]
    assert (row_now["n_kept"], row_now["n_agreements"]) == (12, 14)
    assert sorted(row_now["evidence"]["not_kept"]) == ["X1", "X2"]
    assert "(S3–S6; agreements due and ratings given 2025-03-01 to 2025-06-28)" in row_now["explanation_en"]


def test_the_adjusted_figure_stands_beside_k_of_n_kept(m: Metrics) -> None:
    solara = m.partner_states.set_index("partner").loc["solara"]
    assert (solara["n_kept"], solara["n_agreements"], pct(solara["reliability"])) == (17, 18, "86%")
    assert (
        "reliability 86% adjusted (17 of 18 agreements kept, shrunk toward the alliance's rate"
        in (solara["explanation_en"])
    )
    assert "betrouwbaarheid 86% bijgesteld (17 van 18 afspraken nagekomen" in solara["explanation_nl"]


def test_goals_are_named_only_when_the_record_says_so(m: Metrics) -> None:
    states = m.partner_states.set_index("partner")
    # Meridian's goals_shared_on is blank: unknown, so nothing is said about goals.
    assert "goals" not in states.loc["meridian", "explanation_en"]
    assert "doelen" not in states.loc["meridian", "explanation_nl"]
    assert states.loc["meridian", "evidence"]["goals_shared_on"] is None
    assert states.loc["nordwagen", "explanation_en"].endswith(
        " Nordwagen AG shared its own goals with the alliance on 2025-03-11."
    )


NUMBER = re.compile(r"\d+(?:[.,]\d+)?%?")


def test_english_and_dutch_cite_the_same_numbers(m: Metrics) -> None:
    rows = list(m.patterns.itertuples(index=False)) + list(m.partner_states.itertuples(index=False))
    assert len(rows) == 10
    for r in rows:
        en = sorted(NUMBER.findall(re.sub(r"“[^”]*”", "", r.explanation_en)))
        nl = sorted(NUMBER.findall(re.sub(r"“[^”]*”", "", r.explanation_nl)))
        assert en == nl, (r.partner, en, nl)


def _shock_then_low() -> AllianceData:
    """``a`` keeps 3 agreements a session except one broken before S4; b, c, d trust it 9 of 10, then 3."""
    agreements, outcomes, ratings = [], [], []
    for i, (sid, _date) in enumerate(MONTHLY):
        for j in range(3):
            aid = f"A{i}{j}"
            agreements.append((aid, "a", f"2025-{i + 1:02d}-01", f"2025-{i + 1:02d}-10"))
            outcomes.append((aid, f"2025-{i + 1:02d}-09", "broken" if (i, j) == (3, 0) else "kept"))
        ratings += [(sid, r, "a", 9.0 if i < 3 else 3.0, "p") for r in ("b", "c", "d")]
    return build(MONTHLY, agreements, outcomes, ratings, partners=("a", "b", "c", "d"), scale=(1.0, 10.0))


def test_no_lag_story_straight_after_a_shock() -> None:
    m = compute(_shock_then_low(), "x")
    mine = m.patterns[m.patterns["partner"] == "a"]
    assert list(mine["pattern"]) == ["trust_shock"] and mine["session_id"].iloc[0] == "S4"
    state = m.partner_states.set_index("partner").loc["a"]
    assert (state["state"], state["leaning"]) == ("mixed", "after_shock")
    assert "trust is still low after the trust shock at S4 (2025-04-28)" in state["explanation_en"]
    assert "nog laag na de vertrouwensschok bij S4 (2025-04-28)" in state["explanation_nl"]
    assert "comes on foot" not in state["explanation_en"]
    # Three sessions on, the shock is history: the lag may be told, but not "it was 100% at S1" across it.
    later = compute(_shock_then_low(), "x", MetricsConfig(after_shock_periods=2)).partner_states
    lag = later.set_index("partner").loc["a"]
    assert lag["state"] == "trust_lags" and "it was" not in lag["explanation_en"]


def test_blind_trust_is_claimed_only_where_the_evidence_supports_falling() -> None:
    # 20 of 20 kept in the window before (S1–S4), 16 of 20 now (S5–S8; S9's own agreements still wait):
    # estimates 99% → 80%, below a "high" line of 85%.
    mild = compute(story([5, 5, 5, 5, 4, 4, 4, 4, 5], 5.0, per=5), "x", MetricsConfig(reliability_high=0.85))
    state = mild.partner_states.set_index("partner").loc["a"]
    # Shrunk toward the alliance's rate of each window (a alone): (4·21/22 + 20)/24 and (4·17/22 + 16)/24.
    assert (round(state["previous_reliability"], 4), round(state["reliability"], 4)) == (0.9924, 0.7955)
    assert (state["n_kept"], state["n_agreements"]) == (16, 20)
    # The two-proportion test: kept share 1.0 before, 0.8 now, pooled 0.9: z = 0.2 / √(0.9·0.1·2/20) = 2.11,
    # short of 2.33 (one-sided 1 %): within noise, so no state, and the softer wording.
    assert (state["state"], state["leaning"]) == ("mixed", "blind_trust")
    assert "the figures point toward blind trust, but their intervals do not support it" in state["explanation_en"]
    assert "wijzen richting blind vertrouwen" in state["explanation_nl"]
    assert "blind_trust" not in set(mild.patterns["pattern"])
    # 13 of 20 now: z = 0.35 / √(0.825·0.175·2/20) = 2.91 — claimed at 1 %, not at 0.1 % (3.09).
    falls = story([5, 5, 5, 5, 3, 3, 3, 4, 5], 5.0, per=5)
    assert compute(falls, "x").partner_states.set_index("partner").loc["a", "state"] == "blind_trust"
    strict = compute(falls, "x", MetricsConfig(falling_alpha=0.001)).partner_states.set_index("partner").loc["a"]
    assert (strict["state"], strict["leaning"]) == ("mixed", "blind_trust")


def test_trust_interval_is_clustered_by_rater_organisation() -> None:
    # On 1–10: b's two respondents say 7, c's two say 5, d's one says 6.
    ratings = [("S1", "b", "a", 7.0, "p"), ("S1", "b", "a", 7.0, "q"), ("S1", "c", "a", 5.0, "p")]
    ratings += [("S1", "c", "a", 5.0, "q"), ("S1", "d", "a", 6.0, "p")]
    m = compute(build(SESSIONS[:1], ratings=ratings, partners=("a", "b", "c", "d"), scale=(1.0, 10.0)), "x")
    r = row(m, "a", "S1")
    assert (r["n_ratings"], r["n_raters"], r["n_respondents"]) == (5, 3, 5)
    means, shares = np.array([6, 4, 5]) / 9, np.array([2, 2, 1]) / 5
    mean = float((shares * means).sum())
    se = np.sqrt((((shares * (means - mean)) ** 2).sum()) * 3 / 2)
    half = stats.t.ppf(0.95, df=2) * se  # df = raters − 1, not ratings − 1
    assert r["trust"] == pytest.approx(5 / 9)
    assert (r["trust_low"], r["trust_high"]) == pytest.approx((mean - half, mean + half))
    assert (round(r["trust_low"], 4), round(r["trust_high"], 4)) == (0.3308, 0.7803)


def test_one_rating_organisation_gives_the_whole_scale_as_interval() -> None:
    ratings = [("S1", "b", "a", 7.0, who) for who in ("p", "q", "r")]
    r = row(compute(build(SESSIONS[:1], ratings=ratings), "x"), "a", "S1")
    assert (r["trust_low"], r["trust_high"], r["n_raters"], r["n_ratings"]) == (0.0, 1.0, 1, 3)


def test_lead_lag_band_is_widened_for_autocorrelation(m: Metrics) -> None:
    ll = m.lead_lag
    assert (ll["level"] == 0.9).all()
    known = ll["n_effective"].notna()
    assert (ll.loc[known, "n_effective"] <= ll.loc[known, "n"]).all()
    # Two smooth trends share most of their autocorrelation: far fewer than 20 independent pairs.
    x = np.linspace(0, 1, 20)
    assert effective_n(x, x**2) < 6
    rng = np.random.default_rng(3)
    assert effective_n(rng.normal(size=200), rng.normal(size=200)) > 150


def test_help_shows_every_metrics_setting_with_default_and_meaning() -> None:
    doc = pydoc.render_doc(MetricsConfig, renderer=pydoc.plaintext)
    for f in dataclasses.fields(MetricsConfig):
        assert f.metadata["help"], f.name
        assert f"{f.name} = {f.default!r}" in doc, f.name
    assert "shock_alpha = 0.01" in doc and "paired t-test" in doc and "shock_baseline_sessions = 2" in doc


def test_lead_lag_chart_says_exploratory_and_the_bands_level(m: Metrics) -> None:
    from alliance_lens.charts import lead_lag_chart

    for lang, word in (("en", "Exploratory"), ("nl", "Verkennend")):
        spec = lead_lag_chart(m, lang).to_dict()
        assert spec["title"]["subtitle"].startswith(word) and "90%" in spec["title"]["subtitle"]
        assert "95 %" not in str(spec)


def test_at_the_first_session_no_agreement_window_is_claimed() -> None:
    # One session: the ratings of S1 count, but no period before it has settled, so no agreement is judged yet.
    data = build(
        SESSIONS[:1],
        [("A1", "a", "2025-01-01", "2025-01-20")],
        [("A1", "2025-01-19", "kept")],
        [("S1", r, "a", 4.0, w) for r in ("b", "c") for w in ("p", "q", "r")],
    )
    state = compute(data, "x").partner_states.set_index("partner").loc["a"]
    assert (state["state"], state["n_agreements"], state["agreements_until"]) == ("not_enough_data", 0, "")
    assert "(S1; ratings given up to 2025-01-31; no agreement due before the latest session" in state["explanation_en"]
    assert "geen afspraak met einddatum vóór de laatste sessie" in state["explanation_nl"]


# ------------------------------------------------------------------------------------------- evidence window


def _reach(data: AllianceData, **settings: Any) -> tuple[int, int, int, str, str]:
    """Partner ``a``'s state window: (periods of agreements, agreements, kept, first and last due date counted)."""
    state = compute(data, "x", MetricsConfig(**settings)).partner_states.set_index("partner").loc["a"]
    ev = state["evidence"]
    return (
        int(ev["agreement_periods"]),
        int(state["n_agreements"]),
        int(state["n_kept"]),
        str(state["agreements_since"]),
        str(state["agreements_until"]),
    )


def test_the_evidence_window_reaches_back_until_it_holds_enough_agreements() -> None:
    # 3 agreements a period; at S11 the 4 settled periods S7–S10 hold 12. The 5 periods S6–S10 hold exactly 15:
    # with evidence_agreements = 15 the window stops there (due from the day after S5, 2025-05-28, to S10).
    data = story([3, 3, 3, 3, 3, 2, 3, 3, 3, 3, 3], 5.0)
    assert _reach(data, evidence_agreements=15) == (5, 15, 14, "2025-05-29", "2025-10-28")
    # One more needed: one period more (S5–S10, 18 agreements).
    assert _reach(data, evidence_agreements=16) == (6, 18, 17, "2025-04-29", "2025-10-28")
    # 12 are enough already: the 4 settled periods, as without it.
    assert _reach(data, evidence_agreements=12) == (4, 12, 12, "2025-06-29", "2025-10-28")
    assert _reach(data, evidence_agreements=0) == (4, 12, 12, "2025-06-29", "2025-10-28")
    # Never more than evidence_max_periods: 30 are never reached, 8 periods (S3–S10, 24 agreements) at most ...
    assert _reach(data, evidence_agreements=30) == (8, 24, 23, "2025-03-01", "2025-10-28")
    assert _reach(data, evidence_agreements=30, evidence_max_periods=6) == (6, 18, 17, "2025-04-29", "2025-10-28")
    # ... and never before the first period: at S7 the periods S1–S6 are all there is.
    assert _reach(story([3, 3, 3, 3, 3, 3, 3], 5.0), evidence_agreements=30) == (6, 18, 18, "", "2025-06-28")


def test_the_evidence_window_does_not_reach_over_a_changed_record() -> None:
    # 12 of 12 kept in S3–S6, then 4 of 12 in S7–S10: the two windows differ by far more than falling_drop,
    # so the older periods do not speak for the partner it is now; the fall is claimed on the fixed windows.
    data = story([3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 3], 5.0)
    assert _reach(data, evidence_agreements=15) == (4, 12, 4, "2025-06-29", "2025-10-28")
    state = compute(data, "x", MetricsConfig(evidence_agreements=15)).partner_states.set_index("partner").loc["a"]
    assert state["state"] == "blind_trust"


def test_with_the_change_test_a_chance_difference_of_two_thin_windows_does_not_stop_the_evidence_window() -> None:
    # 10 of 12 kept in S3–S6, 7 of 12 in S7–S10: the shrunk estimates differ by 24 points (82 % against 58 %),
    # more than falling_drop, but two records of 12 differ this much by chance (z = 1.35, two-sided p = 0.18).
    # With the change test at 1 % the window reaches back to 15 agreements (S6–S10, 9 kept), as for a partner
    # whose record did not change.
    data = story([3, 3, 3, 3, 2, 2, 2, 2, 2, 1, 3], 5.0)
    fixed = compute(data, "x", MetricsConfig(evidence_agreements=0)).partner_states.set_index("partner").loc["a"]
    assert (round(fixed["previous_reliability"], 3), round(fixed["reliability"], 3)) == (0.821, 0.580)
    assert _reach(data, evidence_change_alpha=0.01) == (5, 15, 9, "2025-05-29", "2025-10-28")
    # At a level the difference does pass (p = 0.18 < 0.5), the record counts as changed: the fixed window; and
    # so by default (evidence_change_alpha = 1: the 15-point difference alone).
    assert _reach(data, evidence_change_alpha=0.5) == (4, 12, 7, "2025-06-29", "2025-10-28")
    assert _reach(data) == (4, 12, 7, "2025-06-29", "2025-10-28")


def test_two_records_differ_beyond_chance_exactly_past_the_level() -> None:
    from alliance_lens.metrics.patterns import records_differ, two_proportion_z

    # 10 of 12 against 7 of 12: pooled 17/24, z = 0.25 / sqrt(17/24 · 7/24 · 2/12) = 1.347, two-sided p = 0.178.
    p = math.erfc(0.25 / math.sqrt(17 / 24 * 7 / 24 * 2 / 12) / math.sqrt(2.0))
    assert round(p, 3) == 0.178
    one = (np.array([10.0]), np.array([12.0]), np.array([7.0]), np.array([12.0]))
    # The z it rests on (the one "falling" uses too): signed, the first record's share over the second's.
    assert (round(float(two_proportion_z(10, 12, 7, 12)), 4), round(float(two_proportion_z(7, 12, 10, 12)), 4)) == (
        1.3473,
        -1.3473,
    )
    assert not records_differ(*one, p * 0.999)[0]
    assert records_differ(*one, p * 1.001)[0]
    # Either direction; a window without agreements, or with nothing to tell apart (all kept), never differs.
    assert records_differ(np.array([7.0]), np.array([12.0]), np.array([10.0]), np.array([12.0]), p * 1.001)[0]
    assert not records_differ(np.array([0.0]), np.array([0.0]), np.array([7.0]), np.array([12.0]), 0.99)[0]
    assert not records_differ(np.array([12.0]), np.array([12.0]), np.array([12.0]), np.array([12.0]), 0.99)[0]


def test_the_text_gives_the_span_of_the_agreements_counted() -> None:
    data = story([3, 3, 3, 3, 3, 2, 3, 3, 3, 3, 3], 5.0)
    state = compute(data, "x", MetricsConfig(evidence_agreements=15)).partner_states.set_index("partner").loc["a"]
    assert (
        "reliability 93% adjusted (14 of 15 agreements kept, shrunk toward the alliance's rate; 90% interval"
        in state["explanation_en"]
    )
    assert (
        "(S8–S11; ratings given 2025-07-29 to 2025-11-28; agreements due 2025-05-29 to 2025-10-28, from 5 sessions "
        "to have enough, each" in (state["explanation_en"])
    )
    assert "afspraken met einddatum van 2025-05-29 tot en met 2025-10-28, uit 5 sessies" in state["explanation_nl"]
    # Without awaiting, the agreements' span is given apart from the ratings' where the window reached further.
    now = compute(data, "x", MetricsConfig(evidence_agreements=15, await_outcome=False)).partner_states
    text = now.set_index("partner").loc["a", "explanation_en"]
    assert (
        "(S8–S11; ratings given 2025-07-29 to 2025-11-28; agreements due 2025-06-29 to 2025-11-28, from 5 sessions "
        "to have enough)" in text
    )


def test_a_window_that_went_as_far_back_as_it_may_does_not_say_it_has_enough() -> None:
    # 3 agreements a session, 11 sessions: the settled periods S3–S10 (evidence_max_periods = 8, due from the day
    # after S2) hold 24.
    data = story([3] * 11, 5.0)

    def text(config: MetricsConfig) -> tuple[int, int, str, str]:
        row = compute(data, "x", config).partner_states.set_index("partner").loc["a"]
        ev = row["evidence"]
        return (
            int(ev["n_agreements"]),
            int(ev["agreement_periods"]),
            str(row["explanation_en"]),
            str(row["explanation_nl"]),
        )

    # 24 wanted: found at the 8th period, enough.
    n, k, en, nl = text(MetricsConfig(evidence_agreements=24, second_look_agreements=0))
    assert (n, k) == (24, 8)
    assert "agreements due 2025-03-01 to 2025-10-28, from 8 sessions to have enough, each" in en
    # 25 wanted: the same 8 periods, the furthest it looks, and one short.
    n, k, en, nl = text(MetricsConfig(evidence_agreements=25, second_look_agreements=0))
    assert (n, k) == (24, 8)
    assert "agreements due 2025-03-01 to 2025-10-28, from 8 sessions, the furthest it looks back, each" in en
    assert "to have enough" not in en
    assert "uit 8 sessies, zo ver als het terugkijkt, elk" in nl and "genoeg te hebben" not in nl
    # A young alliance: back to the first session (S1–S5, 10 agreements), short of 15.
    young = compute(story([2] * 6, 5.0, per=2), "x").partner_states.set_index("partner").loc["a"]
    assert (young["evidence"]["n_agreements"], young["evidence"]["agreement_periods"]) == (10, 5)
    assert "agreements due up to 2025-05-28, from 5 sessions, the furthest it looks back" in young["explanation_en"]


def test_the_sample_partner_with_one_agreement_is_not_said_to_have_enough(m: Metrics) -> None:
    kestrel = m.partner_states.set_index("partner").loc["kestrel"]
    assert (kestrel["state"], kestrel["evidence"]["n_agreements"]) == ("not_enough_data", 1)
    assert (
        "agreements due 2025-04-30 to 2026-06-23, from 8 sessions, the furthest it looks back, each with a session "
        "since to record its outcome) only 1 of its agreements fell due (at least 5 needed)"
        in kestrel["explanation_en"]
    )
    assert "uit 8 sessies, zo ver als het terugkijkt" in kestrel["explanation_nl"]


def test_the_second_look_claims_what_the_longer_record_shows_where_the_first_leans_nowhere_else() -> None:
    # S10's own agreements wait. The first look: 6 of 12 kept in S6–S9 against 5 of 12 in S2–S5 (no change), so
    # its window reaches back to 15 agreements (S5–S9): 8 kept, shrunk toward the alliance's rate (7/14: 6 of 12
    # under a uniform prior) with the weight of 4, (8 + 2) / 19 = 53 %, between the lines: no state, no lean.
    # The second look reaches back 8 periods to 24 agreements (S2–S9): 11 kept, (11 + 2) / 28 = 46 %, its
    # interval below 70 %: low on evidence, and trust is high.
    data = story([3, 0, 2, 1, 2, 2, 2, 1, 1, 0], 5.0)
    first = compute(data, "x", MetricsConfig(second_look_agreements=0)).partner_states.set_index("partner").loc["a"]
    assert (first["state"], first["leaning"], first["n_kept"], first["n_agreements"]) == ("mixed", "", 8, 15)
    assert round(first["reliability"], 4) == round(10 / 19, 4)
    assert first["evidence"]["second_look"] is False
    assert MetricsConfig().second_look_agreements == 25  # the default since 2026-12-03
    both = compute(data, "x").partner_states.set_index("partner").loc["a"]
    assert (both["state"], both["n_kept"], both["n_agreements"]) == ("blind_trust", 11, 24)
    assert round(both["reliability"], 4) == round(13 / 28, 4)
    assert both["reliability_high"] < MetricsConfig().reliability_high
    assert both["evidence"]["second_look"] is True and both["evidence"]["agreement_periods"] == 8
    assert (both["agreements_since"], both["agreements_until"]) == ("2025-01-29", "2025-09-28")
    assert "11 of 24" in both["explanation_en"] and "11 van 24" in both["explanation_nl"]
    # 25 agreements are never reached in 8 periods of 3; 24 are enough at the 24th: the same window.
    at_24 = compute(data, "x", MetricsConfig(second_look_agreements=24)).partner_states.set_index("partner").loc["a"]
    assert (at_24["state"], at_24["n_agreements"]) == ("blind_trust", 24)


def test_the_second_look_does_not_call_low_a_partner_whose_record_just_rose() -> None:
    # 3 of 12 kept in S2–S5, then 7 of 12 in S6–S9: estimates 26 % and 58 %, a rise past falling_drop. The
    # records are not apart at 1 % (z = 1.66, p = 0.097), so the second look would reach back over the old record
    # (10 of 24, 44 %) and call it low; the first look's rise keeps it from being claimed.
    data = story([1, 1, 0, 1, 1, 2, 2, 1, 2, 0], 5.0)
    first = compute(data, "x", MetricsConfig(second_look_agreements=0)).partner_states.set_index("partner").loc["a"]
    assert (first["state"], first["leaning"], first["n_kept"], first["n_agreements"]) == ("mixed", "", 7, 12)
    # The first look stays at the 4 settled periods (the record changed): both estimates are the fixed windows'.
    assert (round(first["previous_reliability"], 4), round(first["reliability"], 4)) == (
        round((3 + 4 * 4 / 14) / 16, 4),
        round((7 + 4 * 8 / 14) / 16, 4),
    )
    second = MetricsConfig(evidence_agreements=25, evidence_change_alpha=0.01, second_look_agreements=0)
    alone = compute(data, "x", second).partner_states.set_index("partner").loc["a"]
    assert (alone["state"], alone["n_kept"], alone["n_agreements"]) == ("blind_trust", 10, 24)
    both = compute(data, "x").partner_states.set_index("partner").loc["a"]
    assert (both["state"], both["n_agreements"], both["evidence"]["second_look"]) == ("mixed", 12, False)
    unguarded = MetricsConfig(second_look_guard=1.0)
    assert compute(data, "x", unguarded).partner_states.set_index("partner").loc["a", "state"] == "blind_trust"
    # The rise is beyond chance at 10 % (one-sided z = 1.66, p = 0.048), so a guard that also asks for that
    # keeps it too; at 4 % it is not beyond chance, and the older record is read.
    tested = compute(data, "x", MetricsConfig(second_look_guard_alpha=0.1)).partner_states.set_index("partner")
    assert tested.loc["a", "state"] == "mixed"
    loose = compute(data, "x", MetricsConfig(second_look_guard_alpha=0.04)).partner_states.set_index("partner")
    assert loose.loc["a", "state"] == "blind_trust"
    # Its newest two settled periods (S8–S9) kept 3 of 6: 50 %, not below the line, so the rise holds it back.
    # The same windows with those two at 2 of 6 (33 %): the record rose, but its newest agreements still say
    # low, so the guard lets the second look through — unless recent_periods is 0.
    assert MetricsConfig().recent_periods == 2
    still_low = story([1, 1, 0, 1, 1, 3, 2, 1, 1, 0], 5.0)
    freed = compute(still_low, "x").partner_states.set_index("partner").loc["a"]
    assert (freed["state"], freed["n_kept"], freed["n_agreements"]) == ("blind_trust", 10, 24)
    assert freed["evidence"]["second_look"] is True
    held = compute(still_low, "x", MetricsConfig(recent_periods=0)).partner_states.set_index("partner")
    assert (held.loc["a", "state"], held.loc["a", "n_agreements"]) == ("mixed", 12)
    # Only the latest period (S9: 1 of 3) is below the line too; the latest three (S7–S9: 4 of 9, 44 %) as well.
    assert compute(still_low, "x", MetricsConfig(recent_periods=1)).partner_states.set_index("partner").loc[
        "a", "state"
    ] == ("blind_trust")
    three = MetricsConfig(recent_periods=3)
    assert compute(still_low, "x", three).partner_states.set_index("partner").loc["a", "state"] == "blind_trust"
    # S7–S9 of the first story: 5 of 9, above the line
    assert compute(data, "x", three).partner_states.set_index("partner").loc["a", "state"] == "mixed"


def test_no_low_state_where_the_newest_record_has_turned_and_no_high_one_where_it_fell() -> None:
    # 8 of 20 kept in S7–S10 (40 %): low on evidence, trust high — blind trust by the window. But S9–S10 alone
    # kept 8 of 10 (80 %, past the high line): the record may have turned, so no label yet, and the text says why.
    assert MetricsConfig().recent_periods == 2
    turned = story([1, 1, 1, 1, 1, 1, 0, 0, 4, 4, 0], 5.0, per=5)
    a = compute(turned, "x").partner_states.set_index("partner").loc["a"]
    assert (a["state"], a["leaning"], a["n_kept"], a["n_agreements"]) == ("mixed", "blind_trust", 8, 20)
    ev = a["evidence"]
    assert ev["turned"] is True and (ev["recent_agreements"], ev["recent_reliability"]) == (10, 0.8)
    assert (ev["recent_since"], ev["recent_until"], ev["recent_periods"]) == ("2025-08-29", "2025-10-28", 2)
    assert (
        "But its 10 agreements of the last 2 sessions with time to record them (agreements due 2025-08-29 to "
        "2025-10-28) score 80% on their own: its record may have turned. Not claimed" in a["explanation_en"]
    )
    assert "8 of 20 agreements kept" in a["explanation_en"] and "point toward blind trust" in a["explanation_en"]
    assert "Maar zijn 10 afspraken van de laatste 2 sessies" in a["explanation_nl"] and "80%" in a["explanation_nl"]
    # in months, or one period, it says so; one agreement is one
    one = compute(turned, "x", MetricsConfig(recent_periods=1)).partner_states.set_index("partner").loc["a"]
    assert (
        "But its 5 agreements of the last session with time to record them (agreements due 2025-09-29 to "
        in (one["explanation_en"])
    )
    months = compute(turned, "x", MetricsConfig(period="month")).partner_states.set_index("partner").loc["a"]
    assert (
        "its 10 agreements of the last 2 months with time to record them (agreements due 2025-09-01 to "
        in (months["explanation_en"])
    )
    assert "van de laatste 2 maanden met tijd om ze vast te leggen" in months["explanation_nl"]
    from alliance_lens.metrics.explain import recent

    single = {**ev, "recent_periods": 1, "recent_agreements": 1, "recent_reliability": 1.0, "recent_since": None}
    assert recent(single, "en") == (
        "its 1 agreement of the last session with time to record them (agreements due up to 2025-10-28) scores "
        "100% on its own"
    )
    assert recent(single, "nl").startswith("zijn ene afspraak van de laatste sessie met tijd om ze vast te leggen")
    # the second look (back to 25) is no way round it: it reads the same newest periods
    assert a["evidence"]["second_look"] is False
    # Without reading the newest periods on their own it is claimed; at exactly the line (7 of 10) too.
    off = compute(turned, "x", MetricsConfig(recent_periods=0)).partner_states.set_index("partner").loc["a"]
    assert (off["state"], off["evidence"]["turned"]) == ("blind_trust", False)
    at_line = compute(story([1, 1, 1, 1, 1, 1, 0, 1, 3, 4, 0], 5.0, per=5), "x").partner_states.set_index("partner")
    assert (at_line.loc["a", "state"], at_line.loc["a", "n_kept"]) == ("blind_trust", 8)
    # The other way: 17 of 24 kept in S7–S10 (71 %) is high, but S9–S10 kept 5 of 12 (42 %, below the low line).
    fell = compute(story([6] * 6 + [6, 6, 3, 2, 0], 5.0, per=6), "x").partner_states.set_index("partner").loc["a"]
    assert (fell["state"], fell["leaning"], fell["n_kept"]) == ("mixed", "earned_trust", 17)
    assert fell["evidence"]["turned"] is True and "score 42% on their own" in fell["explanation_en"]
    # 18 of 24, the newest 6 of 12 (50 %, at the line): earned trust stands.
    held = compute(story([6] * 6 + [6, 6, 4, 2, 0], 5.0, per=6), "x").partner_states.set_index("partner").loc["a"]
    assert (held["state"], held["evidence"]["turned"]) == ("earned_trust", False)


def test_the_second_look_never_overrules_a_claim_or_a_lean_elsewhere() -> None:
    from alliance_lens.metrics.patterns import second_look_takes

    c = MetricsConfig()

    def first(state: str, leaning: str = "", now: float = 0.6, prev: float = 0.6) -> dict[str, Any]:
        return {"state": state, "leaning": leaning, "rel_fixed": now, "previous_reliability": prev}

    assert second_look_takes(first("mixed"), "blind_trust", c)
    assert second_look_takes(first("mixed", "distrust"), "distrust", c)
    # The first look's claim stands; a lean to another state, or a shock's aftermath, keeps "no clear state".
    assert not second_look_takes(first("earned_trust"), "blind_trust", c)
    assert not second_look_takes(first("mixed", "earned_trust"), "blind_trust", c)
    assert not second_look_takes(first("mixed", "after_shock"), "trust_lags", c)
    assert not second_look_takes(first("mixed"), "mixed", c)
    assert not second_look_takes(first("not_enough_data"), "distrust", c)
    # A rise of second_look_guard (15 points) or more keeps a low state from being claimed, a fall as much a high one;
    # just under it, or a move the same way, does not.
    assert not second_look_takes(first("mixed", now=0.65, prev=0.50), "blind_trust", c)
    assert second_look_takes(first("mixed", now=0.649, prev=0.50), "distrust", c)
    assert not second_look_takes(first("mixed", now=0.50, prev=0.65), "earned_trust", c)
    assert second_look_takes(first("mixed", now=0.50, prev=0.649), "trust_lags", c)
    assert second_look_takes(first("mixed", now=0.45, prev=0.65), "blind_trust", c)
    assert second_look_takes(first("mixed", now=0.60, prev=float("nan")), "earned_trust", c)
    # With the guard at 1 (none), the rise no longer keeps it.
    assert second_look_takes(first("mixed", now=0.65, prev=0.50), "blind_trust", MetricsConfig(second_look_guard=1.0))
    # With second_look_guard_alpha the move must also be beyond chance: 7 of 12 kept after 3 of 12 is a rise with
    # one-sided p = 0.04884 (z = 1.656), kept at 0.0489, not at 0.0488; a fall the same size keeps a high state.
    rose = {**first("mixed", now=0.58, prev=0.26), "rel_S": 7.0, "rel_N": 12.0, "prev_S": 3.0, "prev_N": 12.0}
    assert not second_look_takes(rose, "distrust", MetricsConfig(second_look_guard_alpha=0.0489))
    assert second_look_takes(rose, "distrust", MetricsConfig(second_look_guard_alpha=0.0488))
    assert second_look_takes(rose, "earned_trust", MetricsConfig(second_look_guard_alpha=0.0489))  # it did not fall
    fell = {**first("mixed", now=0.26, prev=0.58), "rel_S": 3.0, "rel_N": 12.0, "prev_S": 7.0, "prev_N": 12.0}
    assert not second_look_takes(fell, "trust_lags", MetricsConfig(second_look_guard_alpha=0.0489))
    assert second_look_takes(fell, "trust_lags", MetricsConfig(second_look_guard_alpha=0.0488))
    assert second_look_takes(fell, "blind_trust", MetricsConfig(second_look_guard_alpha=0.0489))
    # A move does not hold it back where the newest settled periods' own record is still strictly past the line:
    # below 50 % for a low state, above 70 % for a high one; at the line, or with none counted, it does.
    up = first("mixed", now=0.65, prev=0.50)
    assert second_look_takes({**up, "recent_S": 2.0, "recent_N": 6.0}, "blind_trust", c)
    assert not second_look_takes({**up, "recent_S": 3.0, "recent_N": 6.0}, "distrust", c)
    assert not second_look_takes({**up, "recent_S": 0.0, "recent_N": 0.0}, "blind_trust", c)
    off = MetricsConfig(recent_periods=0)
    assert not second_look_takes({**up, "recent_S": 2.0, "recent_N": 6.0}, "blind_trust", off)
    down = first("mixed", now=0.50, prev=0.65)
    assert second_look_takes({**down, "recent_S": 8.0, "recent_N": 10.0}, "earned_trust", c)
    assert not second_look_takes({**down, "recent_S": 7.0, "recent_N": 10.0}, "trust_lags", c)
    # The newest record is read only on 3 agreements or more (recent_min_agreements): 0 of 2 is too few.
    assert MetricsConfig().recent_min_agreements == 3
    assert not second_look_takes({**up, "recent_S": 0.0, "recent_N": 2.0}, "blind_trust", c)
    assert second_look_takes({**up, "recent_S": 0.0, "recent_N": 3.0}, "blind_trust", c)
    from alliance_lens.metrics.patterns import turned

    assert turned({"recent_S": 3.0, "recent_N": 3.0}, "blind_trust", c)
    assert not turned({"recent_S": 2.0, "recent_N": 2.0}, "blind_trust", c)
    assert turned({"recent_S": 2.0, "recent_N": 2.0}, "blind_trust", MetricsConfig(recent_min_agreements=1))
    assert turned({"recent_S": 1.0, "recent_N": 3.0}, "earned_trust", c)
    assert not turned({"recent_S": 3.0, "recent_N": 3.0}, "blind_trust", MetricsConfig(recent_periods=0))
    # with the test at 10 % too: a move beyond chance whose newest record is still low does not hold it back
    tested = MetricsConfig(second_look_guard_alpha=0.0489)
    assert second_look_takes({**rose, "recent_S": 2.0, "recent_N": 6.0}, "distrust", tested)
