"""Reliability: the record of agreements kept, as it was known at each period's end.

Everything here is vectorised with numpy. Each agreement that fell due is paired with the periods whose windows
may hold it (``age`` = periods since it fell due, 0 … ``max_age`` − 1), giving a dense (agreements × ages)
grid; its status at each period's end is found with one ``searchsorted`` on the outcome history, scored, and
summed per partner (or per partner and kind, or per owner and beneficiary) with ``bincount``.
See ``docs/metrics.md`` for the method in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from alliance_lens.metrics import distributions as dist
from alliance_lens.metrics.config import MetricsConfig, TrendView
from alliance_lens.model import BENEFICIARY_SEPARATOR, OUTCOME_STATUSES, AllianceData

#: Columns of the periods frame.
PERIOD_COLUMNS = [
    "period_idx",
    "period_id",
    "period_start",
    "period_end",
    "session_id",
    "session_kind",
    "session_title",
]
#: Outcome statuses in code order; -1 means no outcome yet (open).
#: The outcome statuses in the order their codes count (the contract's vocabulary; -1 = open).
STATUS_CODES = OUTCOME_STATUSES
_OPEN, _KEPT, _LATE, _RENEG, _BROKEN, _DROPPED = -1, 0, 1, 2, 3, 4


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
        if as_of is not None:
            known = known[known <= as_of]
        if known.empty:
            out = pd.DataFrame(
                {c: [] for c in ["period_id", "period_end", "session_id", "session_kind", "session_title"]}
            )
        else:
            last = as_of if as_of is not None else (sessions["date"].max() if not sessions.empty else known.max())
            first = min(known.min(), last)
            months = pd.period_range(first, last, freq="M")
            ends = months.to_timestamp(how="end").normalize().to_numpy().astype("datetime64[s]")
            # The current month ends at the latest date known, so nothing counts as overdue before its time.
            ends[-1] = min(ends[-1], np.datetime64(pd.Timestamp(last).normalize(), "s"))
            by_month = sessions.assign(month=sessions["date"].dt.to_period("M")).drop_duplicates("month", keep="last")
            by_month = by_month.set_index("month").reindex(months)
            out = pd.DataFrame(
                {
                    "period_id": months.strftime("%Y-%m"),
                    "period_end": ends,
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


def _days(values: object) -> np.ndarray:
    """Dates as whole days since 1970 (int64)."""
    arr: np.ndarray = np.asarray(values).astype("datetime64[D]").astype("int64")
    return arr


def period_index(dates: pd.Series, periods: pd.DataFrame) -> np.ndarray:
    """For each date, the index of the period it falls in: the first period ending on or after it.

    Dates after the last period get ``len(periods)``.
    """
    ends = _days(periods["period_end"].to_numpy())
    idx: np.ndarray = np.searchsorted(ends, _days(dates.to_numpy()), side="left").astype("int64")
    return idx


class OutcomeHistory:
    """The outcome history of a set of agreements, for "what was its status on that date?" in one search.

    ``agreement`` (position in the agreements given), ``date`` (days) and ``status`` (code) are the outcomes
    ordered by agreement and date, order of entry kept within a day.
    """

    def __init__(self, agreement_ids: pd.Index, outcomes: pd.DataFrame) -> None:
        codes = agreement_ids.get_indexer(outcomes["agreement_id"])  # type: ignore[arg-type]
        keep = codes >= 0
        self._agreement = codes[keep].astype("int64")
        self._date = _days(outcomes["date"].to_numpy()[keep])
        self._status = pd.Index(STATUS_CODES).get_indexer(pd.Index(outcomes["status"].to_numpy()[keep])).astype("int64")
        # Sorted by (agreement, date); order of entry kept within a day, so the last entered wins.
        order = np.lexsort((self._date, self._agreement))
        self._agreement, self._date, self._status = self._agreement[order], self._date[order], self._status[order]
        self.agreement, self.date, self.status = self._agreement, self._date, self._status
        self._base = int(self._date.min()) if len(self._date) else 0
        self._span = int(self._date.max()) - self._base + 2 if len(self._date) else 2
        self._keys = self._agreement * self._span + (self._date - self._base)

    def as_of(self, agreement: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Status code (-1: none yet) and its date (days) of each agreement code on each day."""
        rel = np.clip(day - self._base, -1, self._span - 1)
        q = agreement * self._span + rel
        pos = np.searchsorted(self._keys, q, side="right") - 1
        found = pos >= 0
        found[found] = self._agreement[pos[found]] == agreement[found]
        posc = np.where(found, pos, 0)
        if len(self._keys) == 0:
            return np.full(agreement.shape, _OPEN, dtype="int64"), np.zeros(agreement.shape, dtype="int64")
        status = np.where(found, self._status[posc], _OPEN)
        date = np.where(found, self._date[posc], 0)
        return status, date


def outcome_score(status: np.ndarray, status_day: np.ndarray, due_day: np.ndarray, config: MetricsConfig) -> np.ndarray:
    """What an agreement counts for, given its status code then (NaN: left out, i.e. dropped)."""
    in_time = status_day <= due_day
    score: np.ndarray = np.select(
        [
            status == _OPEN,
            status == _KEPT,
            status == _LATE,
            (status == _RENEG) & in_time,
            status == _RENEG,
            status == _BROKEN,
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
    return score


def max_age(config: MetricsConfig) -> int:
    """How many periods after it fell due an agreement can still count in some view."""
    return max(config.rolling_window, config.state_window * 2 + 1, config.evidence_max_periods + 1, ewm_horizon(config))


def ewm_horizon(config: MetricsConfig) -> int:
    """Ages (in periods) the weighted view looks back over."""
    return max(1, int(np.ceil(config.half_life * config.ewm_horizon_half_lives)))


def view_weights(view: TrendView, config: MetricsConfig, n_ages: int, window: int | None = None) -> np.ndarray:
    """The weight, by age in periods, of an agreement in a view (0: not in it)."""
    age = np.arange(n_ages, dtype="float64")
    weights: np.ndarray
    if view == "period":
        weights = (age == 0).astype("float64")
    elif view == "rolling":
        weights = (age < (window or config.rolling_window)).astype("float64")
    else:
        weights = np.where(age < ewm_horizon(config), 0.5 ** (age / config.half_life), 0.0)
    return weights


@dataclass
class Observations:
    """The agreements that fell due, each scored as known at the end of the period ``age`` periods later.

    Agreement-level arrays (length A): ``agreement_id``, ``owner`` (code into ``partners``), ``kind`` (0 content,
    1 process), ``due_day``, ``due_idx``. Grids (A × ages): ``period_idx``, ``status`` (code), ``status_day``,
    ``score`` (NaN where the period does not exist yet or the agreement was dropped).
    """

    partners: np.ndarray
    n_periods: int
    row: np.ndarray
    """Position of each agreement in the alliance's agreements table."""
    agreement_id: np.ndarray
    title: np.ndarray
    owner: np.ndarray
    kind: np.ndarray
    due_day: np.ndarray
    due_idx: np.ndarray
    period_idx: np.ndarray
    status: np.ndarray
    status_day: np.ndarray
    score: np.ndarray
    history: OutcomeHistory
    """The outcome history, coded by position in the alliance's agreements table (all agreements)."""

    @property
    def n_ages(self) -> int:
        """Width of the grids."""
        return int(self.score.shape[1]) if self.score.ndim == 2 else 0

    def sums(self, group: np.ndarray, n_groups: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per group (code per agreement) and period: weighted score, weight, and agreements counted.

        Each is an array (n_groups × n_periods).
        """
        a, _, _, period = self._scored_cells
        S, N, n = self._tally(slice(None), group[a] * self.n_periods + period, n_groups * self.n_periods, weights)
        shape = (n_groups, self.n_periods)
        return S.reshape(shape), N.reshape(shape), n.reshape(shape)

    def sums_at(
        self, group: np.ndarray, n_groups: int, weights: np.ndarray, period: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`sums` of one period only (each an array of ``n_groups``), the same figures at a fraction of the cost.

        The state at the latest session reads one period, for every window it tries.
        """
        order, bounds = self._by_period
        cells = order[bounds[period] : bounds[period + 1]]  # in grid order, so each sum adds up as in sums()
        return self._tally(cells, group[self._scored_cells[0][cells]], n_groups, weights)

    def _tally(
        self, cells: np.ndarray | slice, bins: np.ndarray, size: int, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted score, weight and count per bin of the scored ``cells`` (``bins``: one per cell)."""
        _, age, score, _ = self._scored_cells
        w = weights[age[cells]]
        on = w > 0
        g = bins[on]
        S = np.bincount(g, weights=score[cells][on] * w[on], minlength=size)
        N = np.bincount(g, weights=w[on], minlength=size)
        return S, N, np.bincount(g, minlength=size)

    @cached_property
    def _scored_cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The scored (agreement, age) cells once, flat and in grid order: agreement, age, score, period.

        A metrics pass sums the same grid some twenty times (each view, each window the state tries); masking
        the whole grid each time was a large part of its cost.
        """
        a, age = np.nonzero(np.isfinite(self.score))
        return a, age, self.score[a, age], self.period_idx[a, age]

    @cached_property
    def _by_period(self) -> tuple[np.ndarray, np.ndarray]:
        """The scored cells grouped by period (a stable order) and where each period's cells start."""
        period = self._scored_cells[3]
        order = np.argsort(period, kind="stable")
        return order, np.searchsorted(period[order], np.arange(self.n_periods + 1))

    def frame(self, mask: np.ndarray) -> pd.DataFrame:
        """The selected (agreement, age) cells as a long frame, for citing agreements in explanations."""
        a, age = np.nonzero(mask)
        return pd.DataFrame(
            {
                "agreement_id": self.agreement_id[a],
                "title": self.title[a],
                "owner": self.partners[self.owner[a]] if len(self.partners) else self.owner[a].astype(str),
                "kind": np.where(self.kind[a] == 0, "content", "process"),
                "due_on": self.due_day[a].astype("datetime64[D]").astype("datetime64[s]"),
                "due_idx": self.due_idx[a],
                "period_idx": self.period_idx[a, age],
                "age": age.astype("int64"),
                "status": np.array(("", *STATUS_CODES), dtype=object)[self.status[a, age] + 1],
                "status_on": self.status_day[a, age].astype("datetime64[D]").astype("datetime64[s]"),
                "score": self.score[a, age],
            }
        )


def observe(
    data: AllianceData, outcomes: pd.DataFrame, periods: pd.DataFrame, partners: pd.Index, config: MetricsConfig
) -> Observations:
    """Score every agreement that fell due at the end of each period that can count it."""
    n = len(periods)
    m = max_age(config)
    agr = data.agreements
    due_idx_all = period_index(agr["due_on"], periods)
    keep = due_idx_all < n
    ids = pd.Index(agr["agreement_id"].to_numpy())
    history = OutcomeHistory(ids, outcomes)
    code = np.nonzero(keep)[0].astype("int64")
    due_idx = due_idx_all[keep]
    due_day = _days(agr["due_on"].to_numpy()[keep])
    period_idx = due_idx[:, None] + np.arange(m, dtype="int64")[None, :]
    exists = period_idx < n
    ends = _days(periods["period_end"].to_numpy()) if n else np.zeros(1, dtype="int64")
    eval_day = ends[np.minimum(period_idx, max(n - 1, 0))]
    status, status_day = history.as_of(np.broadcast_to(code[:, None], period_idx.shape).ravel(), eval_day.ravel())
    status = status.reshape(period_idx.shape)
    status_day = status_day.reshape(period_idx.shape)
    score = outcome_score(status, status_day, due_day[:, None], config)
    # Awaiting outcome: at the end of the period it fell due in, an agreement with no outcome yet is left out;
    # the facilitator records outcomes at the next session, so it counts as overdue only from then on.
    awaiting = exists & (status == _OPEN) & (np.arange(m)[None, :] == 0) if config.await_outcome else ~exists
    score = np.where(exists & ~awaiting, score, np.nan)
    owner = partners.get_indexer(pd.Index(agr["owner"].to_numpy()[keep])).astype("int64")
    return Observations(
        partners=partners.to_numpy(dtype=object),
        n_periods=n,
        row=code,
        agreement_id=agr["agreement_id"].to_numpy(dtype=object)[keep],
        title=agr["title"].to_numpy(dtype=object)[keep],
        owner=owner,
        kind=(agr["kind"].to_numpy()[keep] == "process").astype("int64"),
        due_day=due_day,
        due_idx=due_idx,
        period_idx=np.where(exists, period_idx, 0),
        status=status,
        status_day=status_day,
        score=score,
        history=history,
    )


def alliance_rate(S: np.ndarray, N: np.ndarray) -> np.ndarray:
    """The alliance-wide rate per period (uniform Beta(1, 1) prior): also the alliance's own estimate."""
    rate: np.ndarray = (S.sum(axis=0) + 1.0) / (N.sum(axis=0) + 2.0)
    return rate


def beta_estimate(
    S: np.ndarray, N: np.ndarray, m: np.ndarray, strength: float, level: float, exact: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and equal-tailed credible interval of Beta(strength·m + S, strength·(1−m) + N − S).

    ``exact=False`` gives the normal approximation of the same posterior (mean ± z·sd, clipped to [0, 1]),
    for the thousands of cells of the owner → beneficiary split. The interval always contains the estimate.
    """
    m = np.clip(m, 0.02, 0.98)
    a = strength * m + S
    b = strength * (1.0 - m) + np.maximum(N - S, 0.0)
    est = a / (a + b)
    tail = (1.0 - level) / 2.0
    if exact:
        low = dist.beta_ppf(tail, a, b)
        high = dist.beta_ppf(1.0 - tail, a, b)
    else:
        sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
        z = dist.norm_ppf(1.0 - tail)
        low, high = np.clip(est - z * sd, 0.0, 1.0), np.clip(est + z * sd, 0.0, 1.0)
    return est, np.minimum(low, est), np.maximum(high, est)


def long_frame(
    S: np.ndarray, N: np.ndarray, n: np.ndarray, m: np.ndarray, config: MetricsConfig, exact: bool = True
) -> pd.DataFrame:
    """Estimates for every (group, period) cell with at least one agreement, as a long frame.

    Columns: ``group, period_idx, reliability, reliability_low, reliability_high, n_agreements, n_effective``.
    """
    g, p = np.nonzero(n > 0)
    Sv, Nv = S[g, p], N[g, p]
    est, low, high = beta_estimate(Sv, Nv, m[p], config.prior_strength, config.credible_level, exact)
    return pd.DataFrame(
        {
            "group": g.astype("int64"),
            "period_idx": p.astype("int64"),
            "reliability": est,
            "reliability_low": low,
            "reliability_high": high,
            "n_agreements": n[g, p].astype("int64"),
            "n_effective": Nv,
        }
    )


def alliance_frame(S: np.ndarray, N: np.ndarray, n: np.ndarray, config: MetricsConfig) -> pd.DataFrame:
    """The alliance as a whole per period: Beta(1 + S, 1 + N − S); NaN where no agreement counted."""
    s, w, k = S.sum(axis=0), N.sum(axis=0), n.sum(axis=0)
    a, b = 1.0 + s, 1.0 + np.maximum(w - s, 0.0)
    est = a / (a + b)
    tail = (1.0 - config.credible_level) / 2.0
    low = np.minimum(dist.beta_ppf(tail, a, b), est)
    high = np.maximum(dist.beta_ppf(1.0 - tail, a, b), est)
    none = k == 0
    return pd.DataFrame(
        {
            "period_idx": np.arange(len(s), dtype="int64"),
            "reliability": np.where(none, np.nan, est),
            "reliability_low": np.where(none, np.nan, low),
            "reliability_high": np.where(none, np.nan, high),
            "n_agreements": k.astype("int64"),
            "n_effective": w,
        }
    )


def beneficiary_pairs(agreements: pd.DataFrame, partners: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(row of ``agreements``, beneficiary code) for every agreement and each of its beneficiaries.

    An empty ``beneficiaries`` means every other partner; the owner and unknown ids are left out.
    """
    benef = agreements["beneficiaries"].to_numpy(dtype=object)
    owner = partners.get_indexer(agreements["owner"])  # type: ignore[arg-type]
    empty = benef == ""
    # Most name one beneficiary: look them all up directly (an id never holds the separator, so a list is not
    # found); split only the few that are not found.
    direct = partners.get_indexer(pd.Index(benef))
    single = np.nonzero(~empty & (direct >= 0))[0]
    r1 = single.astype("int64")
    b1 = direct[single]
    multi = np.nonzero(~empty & (direct < 0))[0]
    if len(multi):
        split = pd.Series(benef[multi], index=multi, dtype=object).str.split(BENEFICIARY_SEPARATOR).explode()
        r1 = np.concatenate([r1, split.index.to_numpy(dtype="int64")])
        b1 = np.concatenate([b1, partners.get_indexer(pd.Index(split.to_numpy()))])
    everyone = np.nonzero(empty)[0]
    n_p = len(partners)
    r2 = np.repeat(everyone, n_p).astype("int64")
    b2 = np.tile(np.arange(n_p, dtype="int64"), len(everyone))
    rows = np.concatenate([r1, r2])
    ben = np.concatenate([b1, b2]).astype("int64")
    ok = (ben >= 0) & (owner[rows] >= 0) & (ben != owner[rows])
    return rows[ok], ben[ok]


def direction_sums(
    obs: Observations, rows: np.ndarray, beneficiary: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (owner, beneficiary) pair and period: weighted score, weight, agreements (pairs × periods)."""
    n_p, n = len(obs.partners), obs.n_periods
    size = n_p * n_p * n
    used = np.nonzero(weights > 0)[0]
    S = np.zeros(size)
    N = np.zeros(size)
    k = np.zeros(size, dtype="int64")
    pair = obs.owner[rows] * n_p + beneficiary
    for age in used:  # a handful of ages, each vectorised over all (agreement, beneficiary) rows
        sc = obs.score[rows, age]
        ok = np.isfinite(sc)
        key = pair[ok] * n + obs.period_idx[rows[ok], age]
        S += np.bincount(key, weights=sc[ok] * weights[age], minlength=size)
        N += np.bincount(key, weights=np.full(int(ok.sum()), weights[age]), minlength=size)
        k += np.bincount(key, minlength=size)
    return S.reshape(n_p * n_p, n), N.reshape(n_p * n_p, n), k.reshape(n_p * n_p, n)
