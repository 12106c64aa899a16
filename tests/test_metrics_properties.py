"""Properties of the metrics on random small alliances (hypothesis): bounds, intervals, monotonicity, order, scale."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alliance_lens.metrics import Metrics, MetricsConfig, compute
from alliance_lens.model import OUTCOME_STATUSES, AllianceData

BASE = pd.Timestamp("2025-01-01")
PROPS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def alliances(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    """Raw frames of one small alliance ``x`` on a 1–5 scale (outcome dates distinct per agreement)."""
    n_p = draw(st.integers(2, 4))
    partners = [f"p{i}" for i in range(n_p)]
    gaps = draw(st.lists(st.integers(7, 60), min_size=1, max_size=5))
    dates = [BASE + pd.Timedelta(days=int(d)) for d in np.cumsum(gaps)]
    sessions = [{"alliance_id": "x", "session_id": f"S{i}", "date": d} for i, d in enumerate(dates)]
    agreements, outcomes = [], []
    for i in range(draw(st.integers(0, 12))):
        owner = draw(st.sampled_from(partners))
        made = BASE + pd.Timedelta(days=draw(st.integers(0, 200)))
        due = made + pd.Timedelta(days=draw(st.integers(0, 90)))
        others = [p for p in partners if p != owner]
        benef = draw(st.sampled_from(["", *others]))
        agreements.append(
            {
                "alliance_id": "x",
                "agreement_id": f"A{i}",
                "title": f"agreement {i}",
                "kind": draw(st.sampled_from(["content", "process"])),
                "owner": owner,
                "made_on": made,
                "due_on": due,
                "beneficiaries": benef,
            }
        )
        offsets = draw(st.lists(st.integers(0, 150), max_size=2, unique=True))
        for off in offsets:
            outcomes.append(
                {
                    "alliance_id": "x",
                    "agreement_id": f"A{i}",
                    "date": made + pd.Timedelta(days=off),
                    "status": draw(st.sampled_from(OUTCOME_STATUSES)),
                }
            )
    ratings = []
    for s in sessions:
        for rater in partners:
            for ratee in partners:
                if rater == ratee or not draw(st.booleans()):
                    continue
                for who in draw(st.lists(st.sampled_from(["", "r1", "r2", "r3"]), min_size=1, max_size=3)):
                    if who and any(
                        r["respondent"] == who
                        and r["rater"] == rater
                        and r["ratee"] == ratee
                        and r["session_id"] == s["session_id"]
                        for r in ratings
                    ):
                        continue
                    ratings.append(
                        {
                            "alliance_id": "x",
                            "session_id": s["session_id"],
                            "rater": rater,
                            "ratee": ratee,
                            "score": float(draw(st.integers(1, 5))),
                            "respondent": who,
                        }
                    )
    return {
        "alliances": pd.DataFrame([{"alliance_id": "x", "name": "X", "trust_min": 1.0, "trust_max": 5.0}]),
        "partners": pd.DataFrame([{"alliance_id": "x", "partner_id": p, "name": p.upper()} for p in partners]),
        "sessions": pd.DataFrame(sessions),
        "agreements": pd.DataFrame(
            agreements,
            columns=["alliance_id", "agreement_id", "title", "kind", "owner", "made_on", "due_on", "beneficiaries"],
        ),
        "outcomes": pd.DataFrame(outcomes, columns=["alliance_id", "agreement_id", "date", "status"]),
        "trust_ratings": pd.DataFrame(
            ratings, columns=["alliance_id", "session_id", "rater", "ratee", "score", "respondent"]
        ),
    }


def metrics(frames: dict[str, pd.DataFrame], config: MetricsConfig | None = None) -> Metrics:
    return compute(AllianceData.from_frames(frames), "x", config or MetricsConfig())


ESTIMATES = ("reliability", "reliability_period", "reliability_rolling", "reliability_ewm", "trust")


@PROPS
@given(alliances(), st.sampled_from(["session", "month"]))
def test_every_share_lies_in_0_1_and_every_interval_holds_its_estimate(frames: dict[str, Any], period: str) -> None:
    m = metrics(frames, MetricsConfig(period=period))  # type: ignore[arg-type]
    for frame in (
        m.trends,
        m.alliance_trends,
        m.reliability_by_kind,
        m.reliability_by_direction,
        m.trust_matrix,
        m.partner_states,
    ):
        for est in ESTIMATES:
            if est not in frame:
                continue
            stem, _, view = est.partition("_")
            low = f"{stem}_low_{view}" if view else f"{est}_low"
            high = f"{stem}_high_{view}" if view else f"{est}_high"
            v = frame[est].to_numpy(dtype=float)
            ok = ~np.isnan(v)
            assert ((v[ok] >= 0) & (v[ok] <= 1)).all()
            lo, hi = frame[low].to_numpy(dtype=float)[ok], frame[high].to_numpy(dtype=float)[ok]
            assert ((lo >= 0) & (lo <= v[ok] + 1e-12) & (v[ok] <= hi + 1e-12) & (hi <= 1)).all()
    for col in ("a_to_b_rate", "b_to_a_rate"):
        r = m.reciprocity[col].dropna()
        assert r.between(0, 1).all()


@PROPS
@given(alliances(), st.data())
def test_turning_a_broken_outcome_into_a_kept_one_never_lowers_reliability(
    frames: dict[str, Any], data: st.DataObject
) -> None:
    broken = frames["outcomes"].index[frames["outcomes"]["status"] == "broken"]
    assume(len(broken) > 0)
    which = data.draw(st.sampled_from(list(broken)))
    better = {k: v.copy() for k, v in frames.items()}
    better["outcomes"].loc[which, "status"] = "kept"
    before, after = metrics(frames), metrics(better)
    for name in ("trends", "alliance_trends"):
        for col in ("reliability_period", "reliability_rolling", "reliability_ewm"):
            a = getattr(before, name)[col].to_numpy(dtype=float)
            b = getattr(after, name)[col].to_numpy(dtype=float)
            assert (np.isnan(a) == np.isnan(b)).all()
            ok = ~np.isnan(a)
            assert (b[ok] >= a[ok] - 1e-12).all()


@PROPS
@given(alliances(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(frames: dict[str, Any], rnd: Any) -> None:
    shuffled = {}
    for name, f in frames.items():
        order = list(range(len(f)))
        rnd.shuffle(order)
        shuffled[name] = f.iloc[order].reset_index(drop=True)
    a, b = metrics(frames), metrics(shuffled)
    for name in (
        "trends",
        "alliance_trends",
        "trust_matrix",
        "agreement_status",
        "reciprocity",
        "asymmetry",
        "reliability_by_kind",
        "reliability_by_direction",
        "events",
        "lead_lag",
    ):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-9, atol=1e-12)
    cols = ["partner", "pattern", "session_id"]
    pd.testing.assert_frame_equal(a.patterns[cols], b.patterns[cols])
    assert list(a.partner_states["state"]) == list(b.partner_states["state"])


@PROPS
@given(alliances())
def test_the_same_ratings_on_1_5_and_1_10_give_the_same_normalised_trust(frames: dict[str, Any]) -> None:
    ten = {k: v.copy() for k, v in frames.items()}
    ten["alliances"][["trust_min", "trust_max"]] = [1.0, 10.0]
    ten["trust_ratings"]["score"] = 1.0 + (frames["trust_ratings"]["score"] - 1.0) * 9.0 / 4.0
    a, b = metrics(frames), metrics(ten)
    np.testing.assert_allclose(a.trends["trust"], b.trends["trust"], atol=1e-12)
    np.testing.assert_allclose(a.alliance_trends["trust"], b.alliance_trends["trust"], atol=1e-12)
    np.testing.assert_allclose(a.trust_matrix["trust"], b.trust_matrix["trust"], atol=1e-12)
