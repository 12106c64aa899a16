"""Trust: the ratings partners give each other, moved to 0–1 from the alliance's own scale.

Ratings are coded to integers once (period, rater, ratee, respondent) and summed with ``bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_lens.metrics import distributions as dist
from alliance_lens.metrics.config import MetricsConfig
from alliance_lens.metrics.reliability import period_index


def normalise_scores(scores: pd.Series, trust_min: float, trust_max: float) -> pd.Series:
    """A score on the scale ``trust_min``–``trust_max`` as a share of the scale: min → 0, max → 1."""
    return (scores.astype("float64") - trust_min) / (trust_max - trust_min)


@dataclass
class Ratings:
    """The ratings of one alliance as integer codes: one entry per rating that falls in a period."""

    n_partners: int
    n_periods: int
    period_idx: np.ndarray
    rater: np.ndarray
    ratee: np.ndarray
    trust: np.ndarray
    respondent: np.ndarray
    """Code of the named respondent (distinct per rater), or -1 where unnamed (then it counts on its own)."""
    min_sd: float = 0.0
    """The spread a rating has at least: rounding to a whole point of the scale (one point / √12, on 0–1)."""

    def dyad_key(self) -> np.ndarray:
        """(period, rater, ratee) as one integer."""
        key: np.ndarray = (self.period_idx * self.n_partners + self.rater) * self.n_partners + self.ratee
        return key


def code_ratings(
    ratings: pd.DataFrame,
    sessions: pd.DataFrame,
    periods: pd.DataFrame,
    partners: pd.Index,
    trust_min: float,
    trust_max: float,
) -> Ratings:
    """Code the ratings; those of sessions after the last period (or of unknown partners) are left out."""
    min_sd = (1.0 / (trust_max - trust_min)) / np.sqrt(12.0)
    if ratings.empty or periods.empty:
        none = np.zeros(0, dtype="int64")
        return Ratings(len(partners), len(periods), none, none, none, np.zeros(0), none, min_sd=min_sd)
    dates = sessions.set_index("session_id")["date"]
    date = ratings["session_id"].map(dates)
    p = period_index(date, periods)
    rater = partners.get_indexer(ratings["rater"])  # type: ignore[arg-type]  # a Series is fine and faster
    ratee = partners.get_indexer(ratings["ratee"])  # type: ignore[arg-type]
    keep = (p < len(periods)) & (rater >= 0) & (ratee >= 0) & date.notna().to_numpy()
    resp = ratings["respondent"].to_numpy(dtype=object)[keep]
    codes, _ = pd.factorize(resp)
    codes = np.where(resp == "", -1, codes).astype("int64")
    trust = normalise_scores(ratings["score"], trust_min, trust_max).to_numpy(dtype="float64")[keep]
    return Ratings(
        len(partners),
        len(periods),
        p[keep].astype("int64"),
        rater[keep].astype("int64"),
        ratee[keep].astype("int64"),
        trust,
        codes,
        min_sd=min_sd,
    )


def count_respondents(r: Ratings, group: np.ndarray, size: int) -> np.ndarray:
    """Distinct respondents per group: named ones once per (group, rater, name); each unnamed rating once."""
    named = r.respondent >= 0
    n_names = int(r.respondent.max()) + 1 if named.any() else 1
    key = (group[named] * r.n_partners + r.rater[named]) * n_names + r.respondent[named]
    distinct = pd.unique(key) // (n_names * r.n_partners)  # hashing: no sort needed
    counts: np.ndarray = np.bincount(distinct, minlength=size) + np.bincount(group[~named], minlength=size)
    return counts


def mean_interval(
    total: np.ndarray, total_sq: np.ndarray, n: np.ndarray, level: float, min_sd: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of values in [0, 1] and a Student-t confidence interval, clipped to [0, 1].

    With one rating the spread is unknown: the interval is the whole scale. The standard deviation is taken
    as at least ``min_sd`` (identical whole-point scores still hide half a point either way). NaN where there
    is no rating.
    """
    n = n.astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = np.maximum(np.maximum(total_sq - n * mean**2, 0.0) / (n - 1.0), min_sd**2)
        half = dist.t_ppf((1.0 + level) / 2.0, np.maximum(n - 1.0, 1.0)) * np.sqrt(var / n)
    mean = np.clip(mean, 0.0, 1.0)
    low = np.where(n > 1, np.clip(mean - half, 0.0, 1.0), 0.0)
    high = np.where(n > 1, np.clip(mean + half, 0.0, 1.0), 1.0)
    low = np.where(n > 0, np.minimum(low, mean), np.nan)
    high = np.where(n > 0, np.maximum(high, mean), np.nan)
    mean = np.where(n > 0, mean, np.nan)
    return mean, low, high


@dataclass
class Dyads:
    """Sums per directed pair (rater → ratee) and period: one entry per pair-period that was rated."""

    period_idx: np.ndarray
    rater: np.ndarray
    ratee: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    n_ratings: np.ndarray
    n_respondents: np.ndarray
    min_sd: float = 0.0


def dyads_of(r: Ratings) -> Dyads:
    """Sum the ratings per (period, rater, ratee)."""
    n_p = r.n_partners
    key = r.dyad_key()
    size = r.n_periods * n_p * n_p  # every possible pair-period: small enough to count densely
    k = np.bincount(key, minlength=size)
    present = np.nonzero(k)[0]
    return Dyads(
        period_idx=(present // (n_p * n_p)).astype("int64"),
        rater=((present // n_p) % n_p).astype("int64"),
        ratee=(present % n_p).astype("int64"),
        total=np.bincount(key, weights=r.trust, minlength=size)[present],
        total_sq=np.bincount(key, weights=r.trust**2, minlength=size)[present],
        n_ratings=k[present],
        n_respondents=count_respondents(r, key, size)[present],
        min_sd=r.min_sd,
    )


def cluster_interval(
    group: np.ndarray, total: np.ndarray, n: np.ndarray, size: int, level: float, min_sd: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean of every rating per group, with an interval that treats each rating organisation as one unit.

    One entry per cluster (a rater organisation within a group): ``group`` code, ``total`` (sum of its ratings)
    and ``n`` (their number). Respondents of one organisation share its view, so their ratings are not
    independent: the spread is that of the organisations' means around the group's mean, weighted by their
    share of the ratings (the cluster-robust variance, with the small-sample factor G / (G − 1)), and the
    Student-t quantile has G − 1 degrees of freedom (G: organisations). With equal numbers of respondents this
    is exactly the t-interval over the organisations' means. The standard error is at least that of rounding
    to whole points (``min_sd`` / √ratings). One organisation alone gives no spread: the whole scale.
    Returns mean, low, high, ratings and organisations per group (NaN where there is no rating).
    """
    N = np.bincount(group, weights=n, minlength=size)
    S = np.bincount(group, weights=total, minlength=size)
    G = np.bincount(group, minlength=size).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = S / N
        share = n / N[group]
        dev = total / n - mean[group]
        between = np.bincount(group, weights=(share * dev) ** 2, minlength=size) * G / (G - 1.0)
        se = np.sqrt(np.maximum(between, min_sd**2 / N))
        half = dist.t_ppf((1.0 + level) / 2.0, np.maximum(G - 1.0, 1.0)) * se
    mean = np.clip(mean, 0.0, 1.0)
    low = np.where(G > 1, np.clip(mean - half, 0.0, 1.0), 0.0)
    high = np.where(G > 1, np.clip(mean + half, 0.0, 1.0), 1.0)
    low = np.where(N > 0, np.minimum(low, mean), np.nan)
    high = np.where(N > 0, np.maximum(high, mean), np.nan)
    mean = np.where(N > 0, mean, np.nan)
    return mean, low, high, N.astype("int64"), G.astype("int64")


@dataclass
class Received:
    """Trust received per partner (rows) and period (columns); NaN where there is no rating."""

    trust: np.ndarray
    trust_low: np.ndarray
    trust_high: np.ndarray
    n_ratings: np.ndarray
    n_raters: np.ndarray
    n_respondents: np.ndarray


def trust_received(r: Ratings, dyads: Dyads, config: MetricsConfig, by_partner: bool = True) -> Received:
    """Trust received per ratee (or, with ``by_partner=False``, the whole alliance) and period.

    The mean of every rating, each respondent counting once, with an interval clustered by rating
    organisation (:func:`cluster_interval`: df = raters − 1).
    """
    n = r.n_periods
    rows = r.n_partners if by_partner else 1
    size = rows * n
    if by_partner:
        # A dyad (period, rater, ratee) is one organisation's ratings of one ratee: the cluster.
        group = dyads.ratee * n + dyads.period_idx
        total, count = dyads.total, dyads.n_ratings.astype("float64")
    else:
        # The whole alliance: one cluster per rating organisation and period, over all it rated.
        key = dyads.period_idx * r.n_partners + dyads.rater
        uniq, inv = np.unique(key, return_inverse=True)
        total = np.bincount(inv, weights=dyads.total, minlength=len(uniq))
        count = np.bincount(inv, weights=dyads.n_ratings, minlength=len(uniq))
        group = (uniq // r.n_partners).astype("int64")
    mean, low, high, k, raters = cluster_interval(group, total, count, size, config.credible_level, r.min_sd)
    if by_partner:
        # A respondent belongs to one rater, so the respondents of a ratee are those of its pairs added up.
        resp = np.bincount(group, weights=dyads.n_respondents, minlength=size).astype("int64")
    else:
        resp = count_respondents(r, r.period_idx, size)
    shape = (rows, n)
    return Received(
        mean.reshape(shape),
        low.reshape(shape),
        high.reshape(shape),
        k.reshape(shape),
        raters.reshape(shape),
        resp.reshape(shape),
    )


def trust_matrix(dyads: Dyads, periods: pd.DataFrame, partners: pd.Index, config: MetricsConfig) -> pd.DataFrame:
    """Trust per directed pair (rater → ratee) and period.

    Also its change since the pair was last rated, and whether the pair falls below the anonymity floor.
    Columns: ``session_id, period_id, period_idx, period_end, rater, ratee, trust, trust_low, trust_high,
    n_ratings, n_respondents, change, below_floor``.
    """
    mean, low, high = mean_interval(dyads.total, dyads.total_sq, dyads.n_ratings, config.credible_level, dyads.min_sd)
    n_p = len(partners)
    pair = dyads.rater * n_p + dyads.ratee
    order = np.lexsort((dyads.period_idx, pair))
    pair, mean, low, high = pair[order], mean[order], low[order], high[order]
    period_idx = dyads.period_idx[order]
    same = np.r_[False, pair[1:] == pair[:-1]]
    change = np.where(same, mean - np.r_[np.nan, mean[:-1]], np.nan)
    ids = partners.to_numpy(dtype=object)
    resp = dyads.n_respondents[order].astype("int64")
    out = pd.DataFrame(
        {
            "session_id": periods["session_id"].to_numpy(dtype=object)[period_idx],
            "period_id": periods["period_id"].to_numpy(dtype=object)[period_idx],
            "period_idx": period_idx,
            "period_end": periods["period_end"].to_numpy()[period_idx],
            "rater": ids[pair // n_p] if n_p else np.zeros(0, dtype=object),
            "ratee": ids[pair % n_p] if n_p else np.zeros(0, dtype=object),
            "trust": mean,
            "trust_low": low,
            "trust_high": high,
            "n_ratings": dyads.n_ratings[order].astype("int64"),
            "n_respondents": resp,
            "change": change,
            "below_floor": resp < config.anonymity_floor,
        }
    )
    for c in ("session_id", "period_id", "rater", "ratee"):
        out[c] = out[c].astype("str")
    out["period_end"] = out["period_end"].astype("datetime64[s]")
    return out
