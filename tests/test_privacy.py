"""Nothing on the projector or a client link gives away one person's rating (the anonymity floor)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from alliance_lens import metrics as metrics_layer
from alliance_lens.metrics.privacy import hide_below_floor
from alliance_lens.model import AllianceData


def _one_lone_rating(sample: AllianceData) -> tuple[AllianceData, str, str, str]:
    """The sample with one partner's session rated by a single respondent, as when one phone answered alone."""
    aid = str(sample.alliances["alliance_id"].iloc[0])
    full = metrics_layer.compute(sample, aid)
    assert not full.trends["trust_below_floor"].any()  # the sample itself has no such period
    first = full.trends.loc[full.trends["trust"].notna()].iloc[0]
    ratings = sample.trust_ratings
    mine = (ratings["ratee"] == first["partner"]) & (ratings["session_id"] == first["period_id"])
    keep = ~mine | (ratings.index == ratings.index[mine][0])
    data = dataclasses.replace(sample, trust_ratings=ratings[keep].reset_index(drop=True))
    return data, aid, str(first["partner"]), str(first["period_id"])


def test_a_lone_respondents_trust_is_never_shown(sample_data: AllianceData) -> None:
    data, aid, partner, period = _one_lone_rating(sample_data)
    lone = metrics_layer.compute(data, aid)
    row = (lone.trends["partner"] == partner) & (lone.trends["period_id"] == period)
    assert lone.trends.loc[row, "n_respondents"].tolist() == [1]
    assert lone.trends.loc[row, "trust"].notna().all()  # the analyst keeps the figure

    shown = hide_below_floor(lone)
    assert shown.trends.loc[row, ["trust", "trust_low", "trust_high", "gap"]].isna().all(axis=None)
    others = ~lone.trends["trust_below_floor"].astype(bool)
    pd.testing.assert_series_equal(shown.trends.loc[others, "trust"], lone.trends.loc[others, "trust"])
    below = lone.trust_matrix["below_floor"].astype(bool)
    assert below.sum() > 0 and len(shown.trust_matrix) == len(lone.trust_matrix)
    assert shown.trust_matrix.loc[below, ["trust", "change"]].isna().all(axis=None)
    assert shown.trust_matrix.loc[~below, "trust"].notna().all()


def test_the_dashboard_state_holds_only_what_the_room_may_see(sample_data: AllianceData) -> None:
    from alliance_lens.app.state import DashboardState
    from alliance_lens.store import Workspace

    data, aid, partner, period = _one_lone_rating(sample_data)
    ws = Workspace.open("sqlite://")
    ws.import_data(data)
    state = DashboardState(workspace=ws)
    state.alliance_id = aid
    assert state.refresh()
    assert state.metrics is not None
    trends = state.metrics.trends
    row = (trends["partner"] == partner) & (trends["period_id"] == period)
    assert trends.loc[row, "n_respondents"].tolist() == [1]
    assert trends.loc[row, "trust"].isna().all()
    hidden = state.metrics.trust_matrix["below_floor"].astype(bool)
    assert hidden.sum() > 0 and state.metrics.trust_matrix.loc[hidden, "trust"].isna().all()
    ws.close()
