"""Reliability: the record of agreements kept, as it was known at each period's end.

Everything here is vectorised: an agreement is paired with every period whose window it falls in, its status
at that period's end is found with one ``merge_asof`` on the outcome history, and the windows are sums over a
``groupby``. See ``docs/metrics.md`` for the method in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from alliance_lens.metrics.config import MetricsConfig, TrendView
from alliance_lens.model import AllianceData

#: Columns of the periods frame.
PERIOD_COLUMNS = ["period_idx", "period_id", "period_start", "period_end", "session_id", "session_kind",
                  "session_title"]


def periods_of(data: AllianceData, config: MetricsConfig, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """The periods of one alliance's data: sessions (default) or calendar months, up to ``as_of``.

    A period runs from just after ``period_start`` (the previous period's end; ``NaT`` for the first, which
    takes everything before it) up to and including ``period_end``. For months, ``session_id`` is the last
    session in the month (``""`` when there was none).
    """
    sessions = data.sessions.sort_values(["date", "session_id"], kind="stable")
    if as_of is not None:
        sessions = sessions[sessions["date"] <= as_of]
    if config.period == "session":
        out = pd.DataFrame(
            {
                "period_id": sessions["session_id"].to_numpy(),
                "period_end": sessions["date"].to_numpy(),
                "session_id": sessions["session_id"].to_numpy(),
                "session_kind": sessions["kind"].to_numpy(),
                "session_title": sessions["title"].to_numpy(),
            }
        )
    else:
        dates = [data.sessions["date"], data.agreements["made_on"], data.agreements["due_on"]]
        known = pd.concat(dates).dropna()
        if known.empty:
            out = pd.DataFrame({c: [] for c in ["period_id", "period_end", "session_id", "session_kind",
                                                "session_title"]})
        else:
            last = as_of if as_of is not None else (
                sessions["date"].max() if not sessions.empty else known.max()
            )
            first = min(known.min(), last)
            months = pd.period_range(first, last, freq="M")
            ends = months.to_timestamp(how="end").normalize().astype("datetime64[s]")
            by_month = sessions.assign(month=sessions["date"].dt.to_period("M")).drop_duplicates("month", keep="last")
            by_month = by_month.set_index("month").reindex(months)
            out = pd.DataFrame(
                {
                    "period_id": months.strftime("%Y-%m"),
                    "period_end": ends.to_numpy(),
                    "session_id": by_month["session_id"].fillna("").to_numpy(),
                    "session_kind": by_month["kind"].fillna("").to_numpy(),
                    "session_title": by_month["title"].fillna("").to_numpy(),
                }
            )
    out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[s]")
    out["period_start"] = out["period_end"].shift(1)
    out["period_idx"] = np.arange(len(out), dtype="int64")
    for col in ("period_id", "session_id", "session_kind", "session_title"):
        out[col] = out[col].astype("str")
    return out[PERIOD_COLUMNS].reset_index(drop=True)


def period_index(dates: pd.Series, periods: pd.DataFrame) -> np.ndarray:
    """For each date, the index of the period it falls in (first period ending on or after it); ``len(periods)``
    for dates after the last period."""
    ends = periods["period_end"].to_numpy(dtype="datetime64[s]")
    values = dates.to_numpy(dtype="datetime64[s]")
    return np.searchsorted(ends, values, side="left").astype("int64")


def status_as_of(pairs: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Add ``status`` and ``status_date``: each agreement's last outcome dated on or before ``eval_date``.

    ``pairs`` needs ``agreement_id`` and ``eval_date``; rows keep their order. ``status`` is ``""`` where the
    agreement had no outcome yet (open). Outcomes recorded on the same day keep their order of entry: the last
    one entered wins.
    """
    left = pairs.assign(_row=np.arange(len(pairs))).sort_values("eval_date", kind="stable")
    right = (
        outcomes[["agreement_id", "date", "status"]]
        .rename(columns={"date": "status_date"})
        .assign(_on=lambda f: f["status_date"])
        .sort_values("_on", kind="stable")
    )
    merged = pd.merge_asof(
        left, right, left_on="eval_date", right_on="_on", by="agreement_id", direction="backward"
    ).drop(columns="_on")
    merged = merged.sort_values("_row").drop(columns="_row").set_index(pairs.index)
    merged["status"] = merged["status"].fillna("").astype("str")
    merged["status_date"] = merged["status_date"].astype("datetime64[s]")
    return merged


def outcome_score(status: pd.Series, status_date: pd.Series, due_on: pd.Series, config: MetricsConfig) -> np.ndarray:
    """What an agreement counts for, given its status as known then (NaN: left out, i.e. dropped)."""
    st = status.to_numpy(dtype=object)
    in_time = (status_date <= due_on).to_numpy(dtype=bool)
    return np.select(
        [
            st == "",
            st == "kept",
            st == "kept_late",
            (st == "renegotiated") & in_time,
            st == "renegotiated",
            st == "broken",
        ],
        [
            config.score_open_overdue,
            config.score_kept,
            config.score_kept_late,
            config.score_renegotiated_in_time,
            config.score_renegotiated_late,
            config.score_broken,
        ],
        np.nan,
    )


def observations(
    agreements: pd.DataFrame, outcomes: pd.DataFrame, periods: pd.DataFrame, config: MetricsConfig
) -> pd.DataFrame:
    """Each agreement paired with each period whose windows may hold it, scored as known at that period's end.

    Columns: ``agreement_id, owner, kind, due_on, due_idx, period_idx, age, status, status_date, score``; ``age``
    is how many periods before ``period_idx`` the agreement fell due (0: in that period). Dropped agreements
    are left out.
    """
    n = len(periods)
    max_age = max(config.rolling_window, config.state_window * 2, _ewm_horizon(config))
    due_idx = period_index(agreements["due_on"], periods)
    agr = agreements.assign(due_idx=due_idx)
    agr = agr[agr["due_idx"] < n]
    reps = np.repeat(np.arange(len(agr)), max_age)
    age = np.tile(np.arange(max_age, dtype="int64"), len(agr))
    obs = agr[["agreement_id", "owner", "kind", "due_on", "due_idx"]].iloc[reps].reset_index(drop=True)
    obs["age"] = age
    obs["period_idx"] = obs["due_idx"].to_numpy() + age
    obs = obs[obs["period_idx"] < n].reset_index(drop=True)
    obs["eval_date"] = periods["period_end"].to_numpy()[obs["period_idx"].to_numpy()]
    obs = status_as_of(obs, outcomes)
    obs["score"] = outcome_score(obs["status"], obs["status_date"], obs["due_on"], config)
    return obs[obs["score"].notna()].reset_index(drop=True)


def _ewm_horizon(config: MetricsConfig) -> int:
    return max(1, int(np.ceil(config.half_life * config.ewm_horizon_half_lives)))


def view_weights(age: np.ndarray, view: TrendView, config: MetricsConfig, window: int | None = None) -> np.ndarray:
    """The weight of an agreement that fell due ``age`` periods ago, in a view (0: not in it)."""
    if view == "period":
        return (age == 0).astype("float64")
    if view == "rolling":
        return (age < (window or config.rolling_window)).astype("float64")
    return np.where(age < _ewm_horizon(config), 0.5 ** (age / config.half_life), 0.0)


def window_sums(obs: pd.DataFrame, keys: list[str], weights: np.ndarray) -> pd.DataFrame:
    """Per ``keys`` + ``period_idx``: ``S`` (weighted score), ``N`` (weight), ``n`` (agreements counted)."""
    mask = weights > 0
    part = obs.loc[mask, [*keys, "period_idx", "score"]]
    w = weights[mask]
    part = part.assign(S=part["score"].to_numpy() * w, N=w, n=1)
    return part.groupby([*keys, "period_idx"], sort=False, observed=True)[["S", "N", "n"]].sum().reset_index()


def alliance_rate(sums: pd.DataFrame) -> pd.DataFrame:
    """The alliance-wide rate per period (uniform Beta(1, 1) prior): also the alliance's own estimate."""
    tot = sums.groupby("period_idx")[["S", "N", "n"]].sum()
    tot["m"] = (tot["S"] + 1.0) / (tot["N"] + 2.0)
    return tot


def beta_estimate(
    S: np.ndarray, N: np.ndarray, m: np.ndarray, strength: float, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and equal-tailed credible interval of Beta(strength·m + S, strength·(1−m) + N − S).

    The interval is widened, where rounding would put it a hair off, so that it always contains the estimate.
    """
    m = np.clip(m, 0.02, 0.98)
    a = strength * m + S
    b = strength * (1.0 - m) + np.maximum(N - S, 0.0)
    est = a / (a + b)
    tail = (1.0 - level) / 2.0
    low = stats.beta.ppf(tail, a, b)
    high = stats.beta.ppf(1.0 - tail, a, b)
    return est, np.minimum(low, est), np.maximum(high, est)


def estimate(sums: pd.DataFrame, rates: pd.DataFrame, config: MetricsConfig, prefix: str = "reliability") -> pd.DataFrame:
    """Add ``{prefix}``, ``{prefix}_low``, ``{prefix}_high`` to per-key window sums, shrunk toward the alliance."""
    m = rates["m"].reindex(sums["period_idx"]).to_numpy()
    est, low, high = beta_estimate(
        sums["S"].to_numpy(dtype="float64"), sums["N"].to_numpy(dtype="float64"), m, config.prior_strength,
        config.credible_level,
    )
    return sums.assign(**{prefix: est, f"{prefix}_low": low, f"{prefix}_high": high})


def alliance_estimate(rates: pd.DataFrame, config: MetricsConfig) -> pd.DataFrame:
    """The alliance as a whole: Beta(1 + S, 1 + N − S) per period."""
    a = 1.0 + rates["S"].to_numpy()
    b = 1.0 + np.maximum(rates["N"].to_numpy() - rates["S"].to_numpy(), 0.0)
    est = a / (a + b)
    tail = (1.0 - config.credible_level) / 2.0
    low = np.minimum(stats.beta.ppf(tail, a, b), est)
    high = np.maximum(stats.beta.ppf(1.0 - tail, a, b), est)
    return pd.DataFrame(
        {"period_idx": rates.index.to_numpy(), "reliability": est, "reliability_low": low, "reliability_high": high,
         "n_agreements": rates["n"].to_numpy().astype("int64"), "n_effective": rates["N"].to_numpy()}
    )


def reliability_by(
    obs: pd.DataFrame, keys: list[str], view: TrendView, config: MetricsConfig, window: int | None = None
) -> pd.DataFrame:
    """Reliability per ``keys`` and period in one view, shrunk toward the alliance-wide rate of the same view.

    Columns: ``*keys, period_idx, reliability, reliability_low, reliability_high, n_agreements, n_effective``;
    only combinations with at least one agreement appear.
    """
    weights = view_weights(obs["age"].to_numpy(), view, config, window)
    sums = window_sums(obs, keys, weights)
    rates = alliance_rate(sums)
    out = estimate(sums, rates, config)
    out = out.rename(columns={"n": "n_agreements", "N": "n_effective"}).drop(columns="S")
    out["n_agreements"] = out["n_agreements"].astype("int64")
    return out


def alliance_reliability(obs: pd.DataFrame, view: TrendView, config: MetricsConfig) -> pd.DataFrame:
    """The alliance-wide reliability per period in one view."""
    weights = view_weights(obs["age"].to_numpy(), view, config)
    sums = window_sums(obs, [], weights) if len(obs) else pd.DataFrame(columns=["period_idx", "S", "N", "n"])
    return alliance_estimate(alliance_rate(sums), config)
