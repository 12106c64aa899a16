"""The metrics as a facilitator would check them: the planted stories, the scoring rules, honesty about thin data."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from alliance_lens.metrics import Metrics, MetricsConfig, compute
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
    assert "A910" in not_kept, "the overdue specification counts as not kept"
    assert not_kept[0] in blind["explanation_en"] and not_kept[0] in blind["explanation_nl"]
    state = m.partner_states.set_index("partner").loc["meridian"]
    assert state["trust"] >= m.config.trust_high and state["reliability"] <= m.config.reliability_low


def test_states_are_judged_on_a_window_and_explained_with_figures(m: Metrics) -> None:
    states = m.partner_states.set_index("partner")
    assert (states["window_first"] == "S09").all() and (states["window_last"] == "S11").all()
    lags = states.loc["nordwagen"]
    assert lags["reliability"] >= m.config.reliability_high and lags["trust"] <= m.config.trust_low
    assert f"{round(lags['reliability'] * 100)}%" in lags["explanation_en"]
    assert f"{lags['n_agreements']} agreements" in lags["explanation_en"]
    assert f"{lags['n_agreements']} afspraken" in lags["explanation_nl"]
    assert "S09–S11" in lags["explanation_en"] and "S09–S11" in lags["explanation_nl"]
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
    assert s.loc["A900", "status"] == "broken"
    assert s.loc["A910", "status"] == "open" and bool(s.loc["A910", "overdue"])
    assert s.loc["A920", "status"] == "open" and not bool(s.loc["A920", "overdue"])
    assert s.loc["A930", "status"] == "dropped"
    assert np.isnan(s.loc["A930", "score"]) and s.loc["A910", "score"] == 0.0


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


def test_an_open_agreement_past_due_counts_as_not_kept_until_resolved() -> None:
    data = build(
        SESSIONS, agreements=[("A1", "a", "2025-01-01", "2025-01-20")], outcomes=[("A1", "2025-02-10", "kept_late")]
    )
    m = compute(data, "x", MetricsConfig(view="period", prior_strength=0.001))
    assert row(m, "a", "S1")["reliability"] == pytest.approx(0.0, abs=0.01)
    # In the rolling window of S2 the late keeping is known: half a point.
    rolling = compute(data, "x", MetricsConfig(view="rolling", prior_strength=0.001))
    assert row(rolling, "a", "S2")["reliability"] == pytest.approx(0.5, abs=0.01)


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


def test_a_drop_of_trust_without_a_breach_is_no_trust_shock() -> None:
    ratings = [(s, r, "a", v, who) for s, v in (("S1", 5.0), ("S2", 1.0)) for r in ("b", "c") for who in ("p", "q")]
    quiet = build(SESSIONS[:2], ratings=ratings)
    assert "trust_shock" not in set(compute(quiet, "x").patterns["pattern"])
    breach = build(SESSIONS[:2], [("A1", "a", "2025-01-01", "2025-02-05")], [("A1", "2025-02-10", "broken")], ratings)
    shocks = compute(breach, "x").patterns
    shock = shocks[shocks["pattern"] == "trust_shock"].iloc[0]
    assert shock["partner"] == "a" and shock["session_id"] == "S2" and "A1" in shock["explanation_en"]


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


def story(kept_per_session: Sequence[int], score: float) -> AllianceData:
    """Partner ``a`` makes 3 agreements due before each session and keeps the given number; b and c (two
    respondents each) rate it ``score`` on 1–5 at every session."""
    agreements, outcomes, ratings = [], [], []
    for i, (sid, _date) in enumerate(MONTHLY):
        for j in range(3):
            aid = f"A{i}{j}"
            agreements.append((aid, "a", f"2025-{i + 1:02d}-01", f"2025-{i + 1:02d}-10"))
            outcomes.append((aid, f"2025-{i + 1:02d}-09", "kept" if j < kept_per_session[i] else "broken"))
        ratings += [(sid, r, "a", score, who) for r in ("b", "c") for who in ("p", "q")]
    return build(MONTHLY, agreements, outcomes, ratings)


def test_distrust_when_both_are_low() -> None:
    m = compute(story([0, 0, 0, 0, 0, 0], 1.5), "x")
    mine = m.patterns[m.patterns["partner"] == "a"]
    assert list(mine["pattern"]) == ["distrust"]
    assert "both are low" in mine["explanation_en"].iloc[0]
    # b and c made no agreements: nothing is claimed about them.
    assert set(m.patterns.loc[m.patterns["partner"] != "a", "pattern"]) == {"not_enough_data"}


def test_blind_trust_when_reliability_falls_while_trust_stays_high() -> None:
    m = compute(story([3, 3, 3, 2, 2, 2], 5.0), "x")
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
