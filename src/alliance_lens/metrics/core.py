"""The entry point: :func:`compute` turns one alliance's record into the :class:`Metrics` frames."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_lens.metrics import patterns as pat
from alliance_lens.metrics import relations as rel
from alliance_lens.metrics.config import MetricsConfig, TrendView
from alliance_lens.metrics.reliability import (
    alliance_reliability,
    observations,
    outcome_score,
    periods_of,
    reliability_by,
    status_as_of,
)
from alliance_lens.metrics.trust import dyad_sums, rated, trust_matrix, trust_received
from alliance_lens.model import AllianceData, UserError, beneficiaries_of

VIEWS: tuple[TrendView, ...] = ("period", "rolling", "ewm")

TREND_COLUMNS = [
    "partner", "partner_name", "period_id", "period_end", "reliability", "reliability_low", "reliability_high",
    "n_agreements", "trust", "trust_low", "trust_high", "n_ratings", "n_raters", "n_respondents", "gap",
]


class UnknownAllianceInData(UserError, KeyError):
    """The alliance asked for is not in the data given."""


@dataclass
class Metrics:
    """Every figure of one alliance, as DataFrames (see docs/design.md, "Metrics", and docs/metrics.md).

    ``trends``: per partner and period; ``alliance_trends``: the alliance as a whole; ``patterns``: states at
    the latest session and trust shocks, with explanations in English and Dutch; ``partner_states``: one row per
    partner with the figures its state was judged on (also ``mixed`` and ``not_enough_data``);
    ``trust_matrix``: per rater → ratee; ``agreement_status``: every agreement as of ``as_of``;
    ``reciprocity``, ``asymmetry`` (+ ``alliance_asymmetry``), ``lead_lag`` (exploratory), ``events`` (markers),
    ``reliability_by_kind`` and ``reliability_by_direction`` (owner → beneficiary), ``periods``.
    """

    alliance_id: str
    alliance_name: str
    language: str
    trust_min: float
    trust_max: float
    as_of: pd.Timestamp | None
    config: MetricsConfig
    periods: pd.DataFrame
    trends: pd.DataFrame
    alliance_trends: pd.DataFrame
    patterns: pd.DataFrame
    partner_states: pd.DataFrame
    trust_matrix: pd.DataFrame
    agreement_status: pd.DataFrame
    reciprocity: pd.DataFrame
    asymmetry: pd.DataFrame
    alliance_asymmetry: pd.DataFrame
    lead_lag: pd.DataFrame
    events: pd.DataFrame
    reliability_by_kind: pd.DataFrame
    reliability_by_direction: pd.DataFrame
    partners: pd.DataFrame = field(default_factory=pd.DataFrame)

    def partner_name(self, partner: str) -> str:
        """The display name of a partner id (the id itself if unknown)."""
        names = dict(zip(self.partners["partner"], self.partners["partner_name"], strict=True))
        return str(names.get(partner, partner))


def compute(
    data: AllianceData,
    alliance_id: str,
    config: MetricsConfig = MetricsConfig(),  # noqa: B008 - frozen, so one shared default is safe
    *,
    as_of: object = None,
) -> Metrics:
    """All metrics of one alliance.

    ``as_of`` (a date) computes them as they stood then: later sessions, ratings and outcomes are ignored.
    By default, everything up to the latest session.
    """
    d = data.select(alliance_id)
    if d.alliances.empty:
        raise UnknownAllianceInData(f"alliance {alliance_id!r} is not in this data")
    alliance = d.alliance(alliance_id)
    cutoff = None if as_of is None else pd.Timestamp(as_of).normalize()
    outcomes = d.outcomes if cutoff is None else d.outcomes[d.outcomes["date"] <= cutoff]
    periods = periods_of(d, config, cutoff)
    if cutoff is not None:
        as_of_date: pd.Timestamp | None = cutoff
    elif not periods.empty:
        as_of_date = pd.Timestamp(periods["period_end"].iloc[-1])
        if config.period == "month" and not d.sessions.empty:
            as_of_date = pd.Timestamp(d.sessions["date"].max())
    else:
        as_of_date = None

    partners = pd.DataFrame(
        {"partner": d.partners["partner_id"].to_numpy(), "partner_name": d.partners["name"].to_numpy(),
         "goals_shared_on": d.partners["goals_shared_on"].to_numpy()}
    ).astype({"partner": "str", "partner_name": "str"})
    names = dict(zip(partners["partner"], partners["partner_name"], strict=True))

    obs = observations(d.agreements, outcomes, periods, config)
    ratings = rated(d.trust_ratings, d.sessions, periods, alliance.trust_min, alliance.trust_max)
    dyads = dyad_sums(ratings)

    trends = _partner_trends(partners, periods, obs, dyads, config)
    alliance_trends = _alliance_trends(periods, obs, dyads, config)
    matrix = trust_matrix(dyads, periods, config)

    status = agreement_status(d, outcomes, names, as_of_date, config)
    states = pat.partner_states(partners, periods, obs, ratings, d.agreements, config)
    shocks = pat.trust_shocks(trends, periods, d.agreements, outcomes, obs, config)
    patterns = pat.patterns_frame(states, shocks, periods)

    kinds = _with_periods(reliability_by(obs, ["owner", "kind"], config.view, config), periods)
    kinds = kinds.rename(columns={"owner": "partner"})
    kinds.insert(1, "partner_name", kinds["partner"].map(names).astype("str"))
    direction = _direction(d, obs, periods, names, config)

    return Metrics(
        alliance_id=alliance.alliance_id,
        alliance_name=alliance.name,
        language=alliance.language,
        trust_min=alliance.trust_min,
        trust_max=alliance.trust_max,
        as_of=as_of_date,
        config=config,
        periods=periods,
        trends=trends,
        alliance_trends=alliance_trends,
        patterns=patterns,
        partner_states=states,
        trust_matrix=matrix,
        agreement_status=status,
        reciprocity=rel.reciprocity(d, status, names, config),
        asymmetry=rel.asymmetry(trends, outcomes, d.agreements, periods, names),
        alliance_asymmetry=rel.alliance_asymmetry(trends, outcomes, d.agreements, periods),
        lead_lag=rel.lead_lag(trends, config),
        events=rel.events(d, outcomes, names, as_of_date),
        reliability_by_kind=kinds,
        reliability_by_direction=direction,
        partners=partners,
    )


def _with_periods(frame: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    p = periods.set_index("period_idx")
    out = frame.copy()
    out["period_id"] = p["period_id"].reindex(out["period_idx"]).to_numpy()
    out["period_end"] = p["period_end"].reindex(out["period_idx"]).to_numpy()
    return out


def _partner_trends(
    partners: pd.DataFrame, periods: pd.DataFrame, obs: pd.DataFrame, dyads: pd.DataFrame, config: MetricsConfig
) -> pd.DataFrame:
    """One row per partner and period (every combination), NaN where there is no data."""
    grid = partners[["partner", "partner_name", "goals_shared_on"]].merge(
        periods[["period_idx", "period_id", "period_end", "session_id", "session_kind"]], how="cross"
    )
    for view in VIEWS:
        r = reliability_by(obs, ["owner"], view, config).rename(columns={"owner": "partner"})
        r = r.rename(columns={c: f"{c}_{view}" for c in r.columns if c not in ("partner", "period_idx")})
        grid = grid.merge(r, on=["partner", "period_idx"], how="left")
        grid[f"n_agreements_{view}"] = grid[f"n_agreements_{view}"].fillna(0).astype("int64")
        grid[f"n_effective_{view}"] = grid[f"n_effective_{view}"].fillna(0.0)
    v = config.view
    grid["reliability"] = grid[f"reliability_{v}"]
    grid["reliability_low"] = grid[f"reliability_low_{v}"]
    grid["reliability_high"] = grid[f"reliability_high_{v}"]
    grid["n_agreements"] = grid[f"n_agreements_{v}"]
    t = trust_received(dyads, config).rename(columns={"ratee": "partner"})
    grid = grid.merge(t, on=["partner", "period_idx"], how="left")
    for c in ("n_ratings", "n_raters", "n_respondents"):
        grid[c] = grid[c].fillna(0).astype("int64")
    grid["gap"] = grid["trust"] - grid["reliability"]
    grid["trust_below_floor"] = (grid["n_respondents"] > 0) & (grid["n_respondents"] < config.anonymity_floor)
    grid["goals_shared"] = grid["goals_shared_on"].notna() & (grid["goals_shared_on"] <= grid["period_end"])
    grid = grid.drop(columns="goals_shared_on")
    extra = [c for c in grid.columns if c not in TREND_COLUMNS]
    return grid[TREND_COLUMNS + extra].sort_values(["partner", "period_idx"], kind="stable").reset_index(drop=True)


def _alliance_trends(
    periods: pd.DataFrame, obs: pd.DataFrame, dyads: pd.DataFrame, config: MetricsConfig
) -> pd.DataFrame:
    grid = periods[["period_idx", "period_id", "period_end", "session_id", "session_kind"]].copy()
    for view in VIEWS:
        r = alliance_reliability(obs, view, config)
        r = r.rename(columns={c: f"{c}_{view}" for c in r.columns if c != "period_idx"})
        grid = grid.merge(r, on="period_idx", how="left")
        grid[f"n_agreements_{view}"] = grid[f"n_agreements_{view}"].fillna(0).astype("int64")
        grid[f"n_effective_{view}"] = grid[f"n_effective_{view}"].fillna(0.0)
        # An estimate from no agreement at all is no estimate.
        empty = grid[f"n_agreements_{view}"] == 0
        for c in ("reliability", "reliability_low", "reliability_high"):
            grid.loc[empty, f"{c}_{view}"] = np.nan
    v = config.view
    for c in ("reliability", "reliability_low", "reliability_high", "n_agreements"):
        grid[c] = grid[f"{c}_{v}"]
    t = trust_received(dyads.assign(_all=""), config, keys=("_all",)).drop(columns="_all")
    grid = grid.merge(t, on="period_idx", how="left")
    for c in ("n_ratings", "n_raters", "n_respondents"):
        grid[c] = grid[c].fillna(0).astype("int64")
    grid["gap"] = grid["trust"] - grid["reliability"]
    cols = [c for c in TREND_COLUMNS if c not in ("partner", "partner_name")]
    extra = [c for c in grid.columns if c not in cols]
    return grid[cols + extra].reset_index(drop=True)


def _direction(
    d: AllianceData, obs: pd.DataFrame, periods: pd.DataFrame, names: dict[str, str], config: MetricsConfig
) -> pd.DataFrame:
    """Reliability of each owner toward each beneficiary ("A's reliability toward B"), per period."""
    pairs = beneficiaries_of(d.agreements, d.partners)[["agreement_id", "beneficiary"]]
    exploded = obs.merge(pairs, on="agreement_id", how="inner")
    out = reliability_by(exploded, ["owner", "beneficiary"], config.view, config)
    out = _with_periods(out, periods)
    out.insert(1, "owner_name", out["owner"].map(names).astype("str"))
    out.insert(3, "beneficiary_name", out["beneficiary"].map(names).astype("str"))
    return out.sort_values(["owner", "beneficiary", "period_idx"], kind="stable").reset_index(drop=True)


def agreement_status(
    data: AllianceData,
    outcomes: pd.DataFrame,
    names: dict[str, str],
    as_of: pd.Timestamp | None,
    config: MetricsConfig = MetricsConfig(),  # noqa: B008 - frozen
) -> pd.DataFrame:
    """Every agreement's status as of ``as_of`` (``open`` where it has no outcome yet); ``overdue``: still open
    after its due date. ``score`` is what it counts for in reliability (NaN: dropped, or not yet due)."""
    a = data.agreements
    when = pd.Timestamp.today().normalize() if as_of is None else as_of
    pairs = pd.DataFrame({"agreement_id": a["agreement_id"].to_numpy(), "eval_date": np.datetime64(when, "s")},
                         index=a.index)
    st = status_as_of(pairs, outcomes)
    out = pd.DataFrame(
        {
            "agreement_id": a["agreement_id"],
            "title": a["title"],
            "kind": a["kind"],
            "owner": a["owner"],
            "owner_name": a["owner"].map(names).astype("str"),
            "beneficiaries": a["beneficiaries"],
            "made_on": a["made_on"],
            "due_on": a["due_on"],
            "status": st["status"].where(st["status"] != "", "open"),
            "status_date": st["status_date"],
        }
    )
    out["overdue"] = (out["status"] == "open") & (out["due_on"] < when)
    out["days_overdue"] = np.where(out["overdue"], (when - out["due_on"]).dt.days, 0).astype("int64")
    score = outcome_score(st["status"], st["status_date"], a["due_on"], config)
    out["score"] = np.where(a["due_on"] <= when, score, np.nan)
    out["score"] = out["score"].where(~((out["status"] == "open") & (a["due_on"] > when)))
    return out.sort_values(["due_on", "agreement_id"], kind="stable").reset_index(drop=True)
