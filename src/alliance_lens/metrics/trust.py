"""Trust: the ratings partners give each other, moved to 0–1 from the alliance's own scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from alliance_lens.metrics.config import MetricsConfig
from alliance_lens.metrics.reliability import period_index


def normalise_scores(scores: pd.Series, trust_min: float, trust_max: float) -> pd.Series:
    """A score on the scale ``trust_min``–``trust_max`` as a share of the scale: min → 0, max → 1."""
    return (scores.astype("float64") - trust_min) / (trust_max - trust_min)


def rated(ratings: pd.DataFrame, sessions: pd.DataFrame, periods: pd.DataFrame, trust_min: float,
          trust_max: float) -> pd.DataFrame:
    """The ratings with ``trust`` (0–1), the session's ``date`` and the ``period_idx`` they fall in.

    Ratings of sessions after the last period are left out.
    """
    dates = sessions.set_index("session_id")["date"]
    out = ratings[["session_id", "rater", "ratee", "score", "respondent"]].copy()
    out["date"] = out["session_id"].map(dates).astype("datetime64[s]")
    out["period_idx"] = period_index(out["date"], periods)
    out = out[out["period_idx"] < len(periods)]
    out["trust"] = normalise_scores(out["score"], trust_min, trust_max)
    out["trust_sq"] = out["trust"] ** 2
    return out.reset_index(drop=True)


def dyad_sums(rated_ratings: pd.DataFrame) -> pd.DataFrame:
    """Per (period, rater, ratee): ``sum``, ``sumsq``, ``n_ratings``, ``n_respondents``.

    Respondents are told apart by name; an unnamed rating counts as one respondent of its own.
    """
    keys = ["period_idx", "rater", "ratee"]
    base = rated_ratings.groupby(keys, sort=False)[["trust", "trust_sq"]].agg(["sum", "count"])
    sums = pd.DataFrame(
        {"sum": base[("trust", "sum")], "sumsq": base[("trust_sq", "sum")], "n_ratings": base[("trust", "count")]}
    )
    named = rated_ratings["respondent"] != ""
    distinct_named = (
        rated_ratings.loc[named, [*keys, "respondent"]].drop_duplicates().groupby(keys, sort=False).size()
    )
    unnamed = rated_ratings.loc[~named].groupby(keys, sort=False).size()
    sums["n_respondents"] = (
        distinct_named.reindex(sums.index, fill_value=0) + unnamed.reindex(sums.index, fill_value=0)
    ).astype("int64")
    sums["n_ratings"] = sums["n_ratings"].astype("int64")
    return sums.reset_index()


def mean_interval(total: np.ndarray, total_sq: np.ndarray, n: np.ndarray, level: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of values in [0, 1] and a Student-t confidence interval, clipped to [0, 1].

    With one rating the spread is unknown: the interval is the whole scale.
    """
    n = n.astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = np.maximum(total_sq - n * mean**2, 0.0) / (n - 1.0)
        half = stats.t.ppf((1.0 + level) / 2.0, n - 1.0) * np.sqrt(var / n)
    mean = np.clip(mean, 0.0, 1.0)
    low = np.where(n > 1, np.clip(mean - half, 0.0, 1.0), 0.0)
    high = np.where(n > 1, np.clip(mean + half, 0.0, 1.0), 1.0)
    low = np.where(n > 0, np.minimum(low, mean), np.nan)
    high = np.where(n > 0, np.maximum(high, mean), np.nan)
    return mean, low, high


def trust_received(dyads: pd.DataFrame, config: MetricsConfig, keys: tuple[str, ...] = ("ratee",)) -> pd.DataFrame:
    """Trust received per ``keys`` and period: the mean of every rating (each respondent counts once).

    Columns: ``*keys, period_idx, trust, trust_low, trust_high, n_ratings, n_raters, n_respondents``.
    """
    k = [*keys, "period_idx"]
    g = dyads.groupby(k, sort=False)
    agg = g[["sum", "sumsq", "n_ratings", "n_respondents"]].sum()
    agg["n_raters"] = g["rater"].nunique()
    mean, low, high = mean_interval(
        agg["sum"].to_numpy(), agg["sumsq"].to_numpy(), agg["n_ratings"].to_numpy(), config.credible_level
    )
    out = pd.DataFrame(
        {"trust": mean, "trust_low": low, "trust_high": high, "n_ratings": agg["n_ratings"].astype("int64"),
         "n_raters": agg["n_raters"].astype("int64"), "n_respondents": agg["n_respondents"].astype("int64")},
        index=agg.index,
    )
    return out.reset_index()


def trust_matrix(dyads: pd.DataFrame, periods: pd.DataFrame, config: MetricsConfig) -> pd.DataFrame:
    """Trust per directed pair (rater → ratee) and period, its change since the pair was last rated, and whether
    the pair falls below the anonymity floor."""
    mean, low, high = mean_interval(
        dyads["sum"].to_numpy(), dyads["sumsq"].to_numpy(), dyads["n_ratings"].to_numpy(), config.credible_level
    )
    out = dyads[["period_idx", "rater", "ratee", "n_ratings", "n_respondents"]].assign(
        trust=mean, trust_low=low, trust_high=high
    )
    out = out.sort_values(["rater", "ratee", "period_idx"], kind="stable").reset_index(drop=True)
    out["change"] = out.groupby(["rater", "ratee"], sort=False)["trust"].diff()
    out["below_floor"] = out["n_respondents"] < config.anonymity_floor
    p = periods.set_index("period_idx")
    out["session_id"] = p["session_id"].reindex(out["period_idx"]).to_numpy()
    out["period_id"] = p["period_id"].reindex(out["period_idx"]).to_numpy()
    out["period_end"] = p["period_end"].reindex(out["period_idx"]).to_numpy()
    return out
