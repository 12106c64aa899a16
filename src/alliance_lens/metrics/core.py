"""The entry point: :func:`compute` turns one alliance's record into the :class:`Metrics` frames."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_lens.metrics import patterns as pat
from alliance_lens.metrics import relations as rel
from alliance_lens.metrics.config import MetricsConfig, TrendView
from alliance_lens.metrics.reliability import (
    STATUS_CODES,
    Observations,
    OutcomeHistory,
    _days,
    alliance_frame,
    alliance_rate,
    beneficiary_pairs,
    beta_estimate,
    direction_sums,
    long_frame,
    observe,
    outcome_score,
    periods_of,
    view_weights,
)
from alliance_lens.metrics.trust import Dyads, Ratings, Received, code_ratings, dyads_of, trust_matrix, trust_received
from alliance_lens.model import AllianceData, UserError

VIEWS: tuple[TrendView, ...] = ("period", "rolling", "ewm")

TREND_COLUMNS = [
    "partner",
    "partner_name",
    "period_id",
    "period_end",
    "reliability",
    "reliability_low",
    "reliability_high",
    "n_agreements",
    "trust",
    "trust_low",
    "trust_high",
    "n_ratings",
    "n_raters",
    "n_respondents",
    "gap",
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
    ``reliability_by_kind`` and ``reliability_by_direction`` (owner → beneficiary), ``periods``, ``partners``.
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
    try:
        cutoff = None if as_of is None else pd.Timestamp(as_of).normalize()  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise UserError(f"as_of {as_of!r} is not a date (YYYY-MM-DD)") from exc
    if cutoff is not None and pd.isna(cutoff):
        raise UserError(f"as_of {as_of!r} is not a date (YYYY-MM-DD)")
    outcomes = d.outcomes if cutoff is None else d.outcomes[d.outcomes["date"] <= cutoff]
    periods = periods_of(d, config, cutoff)
    as_of_date: pd.Timestamp | None
    if cutoff is not None:
        as_of_date = cutoff
    elif not d.sessions.empty:
        as_of_date = pd.Timestamp(d.sessions["date"].max())
    elif not periods.empty:
        as_of_date = pd.Timestamp(periods["period_end"].iloc[-1])
    else:
        as_of_date = None

    # Partners in id order: results never depend on the order of rows.
    pf = d.partners.sort_values("partner_id", kind="stable")
    partners = pd.DataFrame(
        {
            "partner": pf["partner_id"].to_numpy(),
            "partner_name": pf["name"].to_numpy(),
            "goals_shared_on": pf["goals_shared_on"].to_numpy(),
        }
    ).astype({"partner": "str", "partner_name": "str"})
    pindex = pd.Index(partners["partner"].to_numpy(dtype=object))
    names = dict(zip(partners["partner"], partners["partner_name"], strict=True))

    obs = observe(d, outcomes, periods, pindex, config)
    ratings = code_ratings(d.trust_ratings, d.sessions, periods, pindex, alliance.trust_min, alliance.trust_max)
    dyads = dyads_of(ratings)
    received = trust_received(ratings, dyads, config)
    n_p = max(len(partners), 1)
    view_sums = {v: obs.sums(obs.owner, n_p, view_weights(v, config, obs.n_ages)) for v in VIEWS}

    trends = _partner_trends(partners, periods, view_sums, received, config)
    alliance_trends = _alliance_trends(periods, view_sums, ratings, dyads, config)
    resolutions = rel.resolution_changes(trends, outcomes, d.agreements, periods)
    status = agreement_status(d, outcomes, names, as_of_date, config, history=obs.history, periods=periods)
    pairs = beneficiary_pairs(d.agreements, pindex)
    when = _days(np.datetime64(as_of_date if as_of_date is not None else pd.Timestamp.today(), "D"))
    st_code, _ = obs.history.as_of(
        np.arange(len(d.agreements), dtype="int64"), np.full(len(d.agreements), when, dtype="int64")
    )
    counted = (_days(d.agreements["due_on"].to_numpy()) <= when) & (st_code != STATUS_CODES.index("dropped"))
    # An agreement awaiting its outcome has not counted yet, in reciprocity either.
    counted &= ~d.agreements["agreement_id"].isin(status.loc[status["awaiting_outcome"], "agreement_id"]).to_numpy()
    direction, direction_sums_ = _by_direction(obs, pairs, periods, partners, config)
    shocks = pat.trust_shocks(trends, periods, d.agreements, outcomes, obs, config, dyads, ratings.min_sd)
    states = pat.partner_states(partners, periods, obs, ratings, received, config, shocks=shocks)

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
        patterns=pat.patterns_frame(states, shocks, periods, config),
        partner_states=states,
        trust_matrix=_with_reliability_toward_rater(
            trust_matrix(dyads, periods, pindex, config), pindex, direction_sums_, config
        ),
        agreement_status=status,
        reciprocity=rel.reciprocity(partners, d.agreements, st_code, counted, pairs),
        asymmetry=rel.asymmetry(resolutions, names),
        alliance_asymmetry=rel.alliance_asymmetry(resolutions),
        lead_lag=rel.lead_lag(trends, config),
        events=rel.events(d, obs.history, names, as_of_date),
        reliability_by_kind=_by_kind(obs, periods, partners, config),
        reliability_by_direction=direction,
        partners=partners,
    )


def _period_columns(frame: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    idx = frame["period_idx"].to_numpy()
    frame["period_id"] = periods["period_id"].to_numpy()[idx] if len(periods) else []
    frame["period_end"] = periods["period_end"].to_numpy()[idx] if len(periods) else []
    frame["period_end"] = frame["period_end"].astype("datetime64[s]")
    frame["period_id"] = frame["period_id"].astype("str")
    return frame


Sums = tuple[np.ndarray, np.ndarray, np.ndarray]


def _view_grid(sums: Sums, config: MetricsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Estimate, low, high, n and effective n per group and period in one view (NaN where n = 0)."""
    S, N, k = sums
    m = alliance_rate(S, N)
    est, low, high = beta_estimate(
        S, N, np.broadcast_to(m[None, :], S.shape), config.prior_strength, config.credible_level
    )
    none = k == 0
    return (np.where(none, np.nan, est), np.where(none, np.nan, low), np.where(none, np.nan, high), k, N)


def _partner_trends(
    partners: pd.DataFrame,
    periods: pd.DataFrame,
    view_sums: dict[TrendView, Sums],
    received: Received,
    config: MetricsConfig,
) -> pd.DataFrame:
    """One row per partner and period (every combination), NaN where there is no data."""
    n_p, n = len(partners), len(periods)
    # Built as one dict of columns: one DataFrame construction instead of dozens of insertions.
    cols: dict[str, object] = {
        "partner": pd.array(np.repeat(partners["partner"].to_numpy(dtype=object), n), dtype="str"),
        "partner_name": pd.array(np.repeat(partners["partner_name"].to_numpy(dtype=object), n), dtype="str"),
        "period_id": pd.array(np.tile(periods["period_id"].to_numpy(dtype=object), n_p), dtype="str"),
        "period_end": np.tile(periods["period_end"].to_numpy(dtype="datetime64[s]"), n_p),
    }
    for view in VIEWS:
        est, low, high, k, eff = _view_grid(view_sums[view], config)
        cols[f"reliability_{view}"] = est[:n_p].ravel()
        cols[f"reliability_low_{view}"] = low[:n_p].ravel()
        cols[f"reliability_high_{view}"] = high[:n_p].ravel()
        cols[f"n_agreements_{view}"] = k[:n_p].ravel().astype("int64")
        cols[f"n_effective_{view}"] = eff[:n_p].ravel()
    v = config.view
    for c in ("reliability", "reliability_low", "reliability_high", "n_agreements"):
        cols[c] = cols[f"{c}_{v}"]
    for c in ("trust", "trust_low", "trust_high"):
        cols[c] = getattr(received, c).ravel()
    for c in ("n_ratings", "n_raters", "n_respondents"):
        cols[c] = getattr(received, c).ravel().astype("int64")
    trust, rel = received.trust.ravel(), cols["reliability"]
    assert isinstance(rel, np.ndarray)
    cols["gap"] = trust - rel
    resp = received.n_respondents.ravel()
    cols["trust_below_floor"] = (resp > 0) & (resp < config.anonymity_floor)
    goals = np.repeat(partners["goals_shared_on"].to_numpy(dtype="datetime64[s]"), n)
    period_end = cols["period_end"]
    assert isinstance(period_end, np.ndarray)
    cols["goals_shared"] = ~np.isnat(goals) & (goals <= period_end)
    cols["period_idx"] = np.tile(np.arange(n, dtype="int64"), n_p)
    cols["session_id"] = pd.array(np.tile(periods["session_id"].to_numpy(dtype=object), n_p), dtype="str")
    cols["session_kind"] = pd.array(np.tile(periods["session_kind"].to_numpy(dtype=object), n_p), dtype="str")
    order = TREND_COLUMNS + [c for c in cols if c not in TREND_COLUMNS]
    return pd.DataFrame({c: cols[c] for c in order})


def _alliance_trends(
    periods: pd.DataFrame, view_sums: dict[TrendView, Sums], ratings: Ratings, dyads: Dyads, config: MetricsConfig
) -> pd.DataFrame:
    grid = periods[["period_idx", "period_id", "period_end", "session_id", "session_kind"]].copy()
    for view in VIEWS:
        r = alliance_frame(*view_sums[view], config)
        for c in ("reliability", "reliability_low", "reliability_high", "n_agreements", "n_effective"):
            grid[f"{c}_{view}"] = r[c].to_numpy()
    v = config.view
    for c in ("reliability", "reliability_low", "reliability_high", "n_agreements"):
        grid[c] = grid[f"{c}_{v}"]
    t = trust_received(ratings, dyads, config, by_partner=False)
    for c in ("trust", "trust_low", "trust_high"):
        grid[c] = getattr(t, c)[0]
    for c in ("n_ratings", "n_raters", "n_respondents"):
        grid[c] = getattr(t, c)[0].astype("int64")
    grid["gap"] = grid["trust"] - grid["reliability"]
    cols = [c for c in TREND_COLUMNS if c not in ("partner", "partner_name")]
    extra = [c for c in grid.columns if c not in cols]
    return grid[cols + extra].reset_index(drop=True)


def _by_kind(obs: Observations, periods: pd.DataFrame, partners: pd.DataFrame, config: MetricsConfig) -> pd.DataFrame:
    """Reliability per partner and kind (content / process), per period, in the configured view."""
    n_p = len(partners)
    S, N, k = obs.sums(obs.owner * 2 + obs.kind, max(n_p * 2, 1), view_weights(config.view, config, obs.n_ages))
    m = alliance_rate(S, N)
    out = long_frame(S, N, k, m, config)
    g = out.pop("group").to_numpy()
    out.insert(0, "partner", partners["partner"].to_numpy(dtype=object)[g // 2] if n_p else [])
    out.insert(1, "partner_name", partners["partner_name"].to_numpy(dtype=object)[g // 2] if n_p else [])
    out.insert(2, "kind", np.where(g % 2 == 0, "content", "process"))
    out = _period_columns(out, periods)
    for c in ("partner", "partner_name", "kind"):
        out[c] = out[c].astype("str")
    return out.sort_values(["partner", "kind", "period_idx"], kind="stable").reset_index(drop=True)


def _by_direction(
    obs: Observations,
    pairs: tuple[np.ndarray, np.ndarray],
    periods: pd.DataFrame,
    partners: pd.DataFrame,
    config: MetricsConfig,
) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Reliability of each owner toward each beneficiary ("A's reliability toward B"), per period.

    Shrunk toward the alliance-wide rate like the rest; the interval is the normal approximation of the same
    posterior (there are thousands of cells). Also returns the sums (S, N, n per owner·beneficiary and period)
    and the alliance rate per period, for the trust matrix.
    """
    n_p = len(partners)
    weights = view_weights(config.view, config, obs.n_ages)
    # Agreement rows of the whole table → rows of the observed (fallen due) agreements.
    position = np.full(
        max(int(obs.row.max()) + 1 if len(obs.row) else 0, int(pairs[0].max()) + 1 if len(pairs[0]) else 0),
        -1,
        dtype="int64",
    )
    position[obs.row] = np.arange(len(obs.row))
    rows = position[pairs[0]] if len(pairs[0]) else pairs[0]
    seen = rows >= 0
    rows, benef = rows[seen], pairs[1][seen]
    S, N, k = direction_sums(obs, rows, benef, weights)
    S_all, N_all, _ = obs.sums(obs.owner, max(n_p, 1), weights)
    m = alliance_rate(S_all, N_all)
    out = long_frame(S, N, k, m, config, exact=False)
    g = out.pop("group").to_numpy()
    ids = partners["partner"].to_numpy(dtype=object)
    nm = partners["partner_name"].to_numpy(dtype=object)
    out.insert(0, "owner", ids[g // max(n_p, 1)] if n_p else [])
    out.insert(1, "owner_name", nm[g // max(n_p, 1)] if n_p else [])
    out.insert(2, "beneficiary", ids[g % max(n_p, 1)] if n_p else [])
    out.insert(3, "beneficiary_name", nm[g % max(n_p, 1)] if n_p else [])
    out = _period_columns(out, periods)
    for c in ("owner", "owner_name", "beneficiary", "beneficiary_name"):
        out[c] = out[c].astype("str")
    # Already ordered by owner, beneficiary (codes follow the sorted ids) and period.
    return out, (S, N, k, m)


def _with_reliability_toward_rater(
    matrix: pd.DataFrame,
    pindex: pd.Index,
    sums: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    config: MetricsConfig,
) -> pd.DataFrame:
    """Beside "B's trust in A", A's reliability toward B in the same period (as in ``reliability_by_direction``)."""
    S, N, k, m = sums
    n_p = len(pindex)
    ratee = np.asarray(pindex.get_indexer(pd.Index(matrix["ratee"].to_numpy())), dtype="int64")
    rater = np.asarray(pindex.get_indexer(pd.Index(matrix["rater"].to_numpy())), dtype="int64")
    g = ratee * n_p + rater
    p = matrix["period_idx"].to_numpy()
    kk = k[g, p] if len(g) else np.zeros(0, dtype="int64")
    est, low, high = (
        beta_estimate(S[g, p], N[g, p], m[p], config.prior_strength, config.credible_level, exact=False)
        if len(g)
        else (np.zeros(0),) * 3
    )
    none = kk == 0
    matrix["reliability_toward_rater"] = np.where(none, np.nan, est)
    matrix["reliability_toward_rater_low"] = np.where(none, np.nan, low)
    matrix["reliability_toward_rater_high"] = np.where(none, np.nan, high)
    matrix["n_agreements_toward_rater"] = kk.astype("int64")
    return matrix


def agreement_status(
    data: AllianceData,
    outcomes: pd.DataFrame,
    names: dict[str, str],
    as_of: pd.Timestamp | None,
    config: MetricsConfig = MetricsConfig(),  # noqa: B008 - frozen
    *,
    history: OutcomeHistory | None = None,
    periods: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every agreement's status as of ``as_of`` (``open`` where it has no outcome yet).

    ``awaiting_outcome``: open, fell due in the current period (after the session before the latest one, up to
    ``as_of``): the facilitator has not yet had a session to record its outcome, so it does not count yet.
    ``overdue``: still open after its due date and no longer awaiting. ``display_status`` is the one word to
    show: the outcome, ``awaiting_outcome``, ``overdue`` or ``open``. ``score`` is what it counts for in
    reliability (NaN: dropped, awaiting outcome, or not yet due). Without ``as_of``: today.
    """
    a = data.agreements
    when = pd.Timestamp.today().normalize() if as_of is None else pd.Timestamp(as_of)
    if history is None:
        history = OutcomeHistory(pd.Index(a["agreement_id"].to_numpy()), outcomes)
    if periods is None:
        periods = periods_of(data, config, when)
    code = np.arange(len(a), dtype="int64")
    day = np.full(len(a), _days(np.datetime64(when, "D")), dtype="int64")
    st, st_day = history.as_of(code, day)
    due_day = _days(a["due_on"].to_numpy())
    labels = np.array(("open", *STATUS_CODES), dtype=object)
    status = labels[st + 1]
    status_date = np.where(st >= 0, st_day, np.iinfo("int64").min).astype("datetime64[D]")
    out = pd.DataFrame(
        {
            "agreement_id": a["agreement_id"].to_numpy(),
            "title": a["title"].to_numpy(),
            "kind": a["kind"].to_numpy(),
            "owner": a["owner"].to_numpy(),
            "owner_name": a["owner"].map(names).fillna(a["owner"]).to_numpy(),
            "beneficiaries": a["beneficiaries"].to_numpy(),
            "made_on": a["made_on"].to_numpy(),
            "due_on": a["due_on"].to_numpy(),
            "status": status,
            "status_date": status_date.astype("datetime64[s]"),
        }
    )
    for c in ("agreement_id", "title", "kind", "owner", "owner_name", "beneficiaries", "status"):
        out[c] = out[c].astype("str")
    today = _days(np.datetime64(when, "D"))
    open_due = (st < 0) & (due_day <= today)
    if config.await_outcome:
        start = periods["period_start"].iloc[-1] if len(periods) else pd.NaT
        since = np.iinfo("int64").min if pd.isna(start) else int(_days(np.datetime64(start, "D")))
        awaiting = open_due & (due_day > since)
    else:
        awaiting = np.zeros(len(a), dtype=bool)
    out["awaiting_outcome"] = awaiting
    out["overdue"] = (st < 0) & (due_day < today) & ~awaiting
    out["days_overdue"] = np.where(out["overdue"], today - due_day, 0).astype("int64")
    score = outcome_score(st, st_day, due_day, config)
    out["score"] = np.where((due_day <= today) & ~awaiting, score, np.nan)
    shown = np.where(awaiting, "awaiting_outcome", np.where(out["overdue"], "overdue", status))
    out["display_status"] = pd.array(shown.astype(object), dtype="str")
    return out.sort_values(["due_on", "agreement_id"], kind="stable").reset_index(drop=True)
