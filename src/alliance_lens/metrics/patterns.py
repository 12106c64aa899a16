"""Patterns: each partner's state at the latest session, and trust shocks, with the evidence they rest on.

States are judged on a window of recent periods (``MetricsConfig.state_window``), never on one thin period;
where the window holds too little, the state is ``not_enough_data`` and no pattern is claimed. A state is
claimed only where the intervals support it, not only the point estimates (``docs/metrics.md``, "States").

This module computes the *evidence* (numbers, ids, dates); :mod:`alliance_lens.metrics.explain` writes the
sentences from it, in English and Dutch, with the message catalogue. No figure is restated by hand.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from alliance_lens.domain.contract import STATE_PATTERNS
from alliance_lens.metrics import distributions as dist
from alliance_lens.metrics import explain
from alliance_lens.metrics.config import MetricsConfig
from alliance_lens.metrics.reliability import STATUS_CODES, Observations, alliance_rate
from alliance_lens.metrics.trust import Dyads, Ratings, Received, cluster_interval, count_respondents

STATES = STATE_PATTERNS  # the contract's vocabulary of states
PATTERN_COLUMNS = [
    "partner",
    "partner_name",
    "pattern",
    "session_id",
    "period_end",
    "explanation_en",
    "explanation_nl",
    "evidence",
]
pct = explain.pct
_KEPT_CODES = (STATUS_CODES.index("kept"), STATUS_CODES.index("kept_late"))


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(v, 4) if np.isfinite(v) else None


def _beta(S: np.ndarray, N: np.ndarray, m: np.ndarray, config: MetricsConfig) -> dict[str, np.ndarray]:
    """Posterior mean, interval and variance of the shrunk rate (as :func:`reliability.beta_estimate`)."""
    m = np.clip(m, 0.02, 0.98)
    a = config.prior_strength * m + S
    b = config.prior_strength * (1.0 - m) + np.maximum(N - S, 0.0)
    est = a / (a + b)
    tail = (1.0 - config.credible_level) / 2.0
    low = np.minimum(dist.beta_ppf(tail, a, b), est)
    high = np.maximum(dist.beta_ppf(1.0 - tail, a, b), est)
    var = a * b / ((a + b) ** 2 * (a + b + 1.0))
    return {"est": est, "low": low, "high": high, "var": var}


def settled_lag(config: MetricsConfig) -> int:
    """How many periods the state's agreement window ends before the latest: 1 with ``await_outcome``, else 0."""
    return 1 if config.await_outcome else 0


def evidence_reach(
    obs: Observations,
    n_partners: int,
    last: int,
    a_last: int,
    w: int,
    s_lag: int,
    change: np.ndarray,
    records: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    config: MetricsConfig,
) -> np.ndarray:
    """Per partner, how many periods its state's agreement window spans (``w`` unless extended).

    The fewest periods from ``w`` up to ``evidence_max_periods`` (and back to the first period at most) whose
    agreements, counted at the latest period, reach ``evidence_agreements``; the most allowed where none does.
    Not extended where the record changed: ``change`` (the two fixed windows' estimates apart) is
    ``falling_drop`` or more, and (with ``evidence_change_alpha`` below 1) ``records`` (score sum and count
    before, then now) differ beyond chance (:func:`records_differ`). The point threshold alone is crossed by
    chance by about one partner in four of those keeping 3 in 10; the test, in turn, is slower to see a real
    change (``docs/metrics.md``), so it is not the default.
    """
    reach = np.full(n_partners, w, dtype="int64")
    cap = min(config.evidence_max_periods, a_last + 1)
    if config.evidence_agreements <= 0 or cap <= w:
        return reach
    ages = np.arange(obs.n_ages)
    done = np.zeros(n_partners, dtype=bool)
    for e in range(w, cap + 1):
        weights = ((ages >= s_lag) & (ages < e + s_lag)).astype("float64")
        count = obs.sums_at(obs.owner, n_partners, weights, last)[2]
        reach = np.where(done, reach, e)
        done |= count >= config.evidence_agreements
    changed = np.isfinite(change) & (change >= config.falling_drop - 1e-12)
    if config.evidence_change_alpha < 1.0:
        changed &= records_differ(*records, config.evidence_change_alpha)
    return np.where(changed, w, reach)


def two_proportion_z(S0: Any, N0: Any, S1: Any, N1: Any) -> Any:
    """The two-proportion z of record 0's kept share over record 1's (score sums ``S`` of ``N`` agreements).

    The spread is that of their pooled share, as if nothing had changed; NaN where either record is empty or the
    pooled share is 0 or 1 (nothing to tell apart). Shared by "falling" and the evidence window's change test.
    """
    S0, N0, S1, N1 = (np.asarray(x, dtype="float64") for x in (S0, N0, S1, N1))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (S0 + S1) / (N0 + N1)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / N0 + 1.0 / N1))
        z = (S0 / N0 - S1 / N1) / se
    return np.where((N0 > 0) & (N1 > 0) & (se > 0), z, np.nan)


def records_differ(S0: np.ndarray, N0: np.ndarray, S1: np.ndarray, N1: np.ndarray, alpha: float) -> np.ndarray:
    """Whether two records' kept shares differ beyond chance: a two-sided two-proportion z-test at ``alpha``."""
    z = two_proportion_z(S0, N0, S1, N1)
    differ: np.ndarray = np.abs(z) > float(dist.norm_ppf(1.0 - alpha / 2.0))  # NaN compares False
    return differ


def _iso_days(values: Any) -> list[str]:
    """Dates as ``YYYY-MM-DD`` (``""`` for none), all at once: a state cites thousands of them in a large alliance."""
    days = pd.to_datetime(pd.Series(values, dtype="object"))
    return [str(d) if isinstance(d, str) else "" for d in days.dt.strftime("%Y-%m-%d")]


def _date(x: Any) -> str:
    """One date as :func:`_iso_days` writes it."""
    return _iso_days([x])[0]


def period_spans(periods: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Per period, the first and the last day a window starting or ending there covers (:func:`window_span`).

    The first is the day after the period before it (``""``: from the start).
    """
    since = _iso_days(pd.to_datetime(periods["period_start"]) + pd.Timedelta(days=1))
    return since, _iso_days(periods["period_end"])


def window_span(spans: tuple[list[str], list[str]], first: int, last: int) -> tuple[str, str]:
    """The real date span of the window of periods ``first`` … ``last`` (``spans``: :func:`period_spans`)."""
    return spans[0][first], spans[1][last]


def partner_states(
    partners: pd.DataFrame,
    periods: pd.DataFrame,
    obs: Observations,
    ratings: Ratings,
    received: Received,
    config: MetricsConfig,
    shocks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per partner: its state at the latest period and the figures it was judged on.

    ``state`` is one of ``earned_trust, trust_lags, blind_trust, distrust``, ``mixed`` (none of those clearly)
    or ``not_enough_data``; ``leaning`` is the state the point estimates alone would suggest where the
    intervals do not support it (or ``after_shock``), else ``""``. ``evidence`` holds every figure the
    explanation cites; ``explanation_en``/``explanation_nl`` are rendered from it. ``partners`` must be in the
    order of the codes of ``obs`` and ``ratings``. ``shocks``: the trust shocks found (:func:`trust_shocks`).
    """
    cols = [
        "partner",
        "partner_name",
        "state",
        "leaning",
        "session_id",
        "period_end",
        "window_first",
        "window_last",
        "window_since",
        "window_until",
        "agreements_since",
        "agreements_until",
        "reliability",
        "reliability_low",
        "reliability_high",
        "n_agreements",
        "n_kept",
        "previous_reliability",
        "trust",
        "trust_low",
        "trust_high",
        "n_ratings",
        "n_raters",
        "n_respondents",
        "n_rated_periods",
        "trust_first",
        "first_rated_period",
        "not_kept",
        "goals_shared_on",
        "explanation_en",
        "explanation_nl",
        "evidence",
    ]
    n_p, n = len(partners), len(periods)
    if n == 0 or n_p == 0:
        return pd.DataFrame({c: [] for c in cols})
    last = n - 1
    w = config.state_window
    first = max(0, last - w + 1)

    # Reliability over the window (and the window before, to see whether it is falling), scored as known at the
    # latest session. With ``await_outcome`` the window is that of the settled periods: the ``w`` periods before
    # the current one, whose agreements have all had a session to get their outcome recorded (see
    # :func:`settled_lag`); the current period's would count its kept ones, recorded at once, without its
    # broken ones, still awaiting.
    s_lag = settled_lag(config)
    ages = np.arange(obs.n_ages)
    now_w = ((ages >= s_lag) & (ages < w + s_lag)).astype("float64")
    prev_w = ((ages >= w + s_lag) & (ages < 2 * w + s_lag)).astype("float64")
    S_now, N_now, k_now = obs.sums_at(obs.owner, n_p, now_w, last)
    S_prev, N_prev, k_prev = obs.sums_at(obs.owner, n_p, prev_w, last)
    # The newest settled periods alone (``recent_periods``): whether a record that moved has left the state.
    recent_w = ((ages >= s_lag) & (ages < config.recent_periods + s_lag)).astype("float64")
    S_recent, N_recent, _ = obs.sums_at(obs.owner, n_p, recent_w, last)
    S = np.stack([S_prev, S_now], axis=1)
    N = np.stack([N_prev, N_now], axis=1)
    k = np.stack([k_prev, k_now], axis=1)
    m = alliance_rate(S, N)
    post = _beta(S, N, np.broadcast_to(m[None, :], S.shape), config)
    fixed_S, fixed_N, fixed_est = S[:, 1].copy(), N[:, 1].copy(), post["est"][:, 1].copy()
    last_col = 1
    a_last = last - s_lag
    prev = np.where(k[:, 0] > 0, post["est"][:, 0], np.nan) if a_last - w >= 0 else np.full(n_p, np.nan)
    # The evidence window (``evidence_agreements``): per partner, the agreement window reaches back period by
    # period until it holds that many agreements, at most ``evidence_max_periods`` periods and never before the
    # first; not at all where the record changed (the two windows' estimates apart by ``falling_drop`` or more, and,
    # with ``evidence_change_alpha`` below 1, their records apart beyond chance): older periods would speak for a
    # partner that is no longer the same. The falling test keeps the fixed windows.
    records = (S[:, 0].copy(), N[:, 0].copy(), S[:, 1].copy(), N[:, 1].copy())
    reach = evidence_reach(obs, n_p, last, a_last, w, s_lag, np.abs(prev - post["est"][:, 1]), records, config)
    if (reach > w).any():
        ext = (ages[None, :] >= s_lag) & (ages[None, :] < reach[:, None] + s_lag)
        cells = ext[obs.owner] if len(obs.owner) else np.zeros((0, obs.n_ages), dtype=bool)
        ok = cells & np.isfinite(obs.score) & (obs.period_idx == last)
        own = np.broadcast_to(obs.owner[:, None], obs.score.shape)[ok]
        S[:, last_col] = np.bincount(own, weights=obs.score[ok], minlength=n_p)
        N[:, last_col] = np.bincount(own, minlength=n_p).astype("float64")
        k[:, last_col] = N[:, last_col]
        post_e = _beta(S[:, last_col], N[:, last_col], np.full(n_p, m[last_col]), config)
        for key in post:
            post[key] = post[key].copy()
            post[key][:, last_col] = post_e[key]

    # Trust over the window: every rating received in it; one cluster per rating organisation.
    in_w = ratings.period_idx >= first
    ratee, rater = ratings.ratee[in_w], ratings.rater[in_w]
    pair = ratee * n_p + rater
    uniq, inv = np.unique(pair, return_inverse=True)
    c_total = np.bincount(inv, weights=ratings.trust[in_w], minlength=len(uniq))
    c_n = np.bincount(inv, minlength=len(uniq)).astype("float64")
    t_mean, t_low, t_high, t_n, raters = cluster_interval(
        (uniq // n_p).astype("int64"), c_total, c_n, n_p, config.credible_level, ratings.min_sd
    )
    rated_periods = np.bincount(pd.unique(ratee * n + ratings.period_idx[in_w]) // n, minlength=n_p)
    sub = Ratings(n_p, n, ratings.period_idx[in_w], rater, ratee, ratings.trust[in_w], ratings.respondent[in_w])
    respondents = count_respondents(sub, ratee, n_p)
    rated_any = received.n_ratings > 0
    first_idx = np.where(rated_any.any(axis=1), rated_any.argmax(axis=1), -1)

    # The agreements of the window as known at the latest session: those kept, and those not kept (cited).
    age_grid = ages[None, :]
    reach_of = reach[obs.owner][:, None] if len(obs.owner) else np.zeros((0, 1), dtype="int64")
    in_window = (obs.period_idx == last) & (age_grid >= s_lag) & (age_grid < reach_of + s_lag) & np.isfinite(obs.score)
    kept_cells = in_window & np.isin(obs.status, _KEPT_CODES)
    n_kept = np.bincount(np.broadcast_to(obs.owner[:, None], obs.score.shape)[kept_cells], minlength=n_p)
    # The latest first: with a window reaching back up to evidence_max_periods, the room remembers those.
    not_kept = obs.frame(in_window & (obs.score <= 0.0)).sort_values(
        ["due_on", "agreement_id"], ascending=[False, True], kind="stable"
    )
    nk_by_owner: dict[str, list[dict[str, Any]]] = {}
    nk_cols = (not_kept[c].to_numpy() for c in ("owner", "agreement_id", "title", "status"))
    for owner, aid, title, status, due in zip(*nk_cols, _iso_days(not_kept["due_on"]), strict=True):
        nk_by_owner.setdefault(str(owner), []).append(
            {"agreement_id": str(aid), "title": str(title), "status": str(status) or "overdue", "due_on": due}
        )
    last_shock: dict[str, dict[str, Any]] = {}
    if shocks is not None and not shocks.empty:
        recent = shocks[shocks["period_idx"] > last - config.after_shock_periods]
        for s in recent.sort_values("period_idx").to_dict("records"):
            last_shock[str(s["partner"])] = {"session_id": str(s["session_id"]), "date": _date(s["period_end"])}
    ever_shocked = (
        {str(p): int(i) for p, i in zip(shocks["partner"], shocks["period_idx"], strict=True)}
        if (shocks is not None and not shocks.empty)
        else {}
    )

    spans = period_spans(periods)
    since, until = window_span(spans, first, last)
    session_id = str(periods.iloc[last]["session_id"])
    period_end = periods.iloc[last]["period_end"]
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(partners.itertuples(index=False)):  # one row per partner (a handful), not per data row
        pid, name = str(p.partner), str(p.partner_name)
        has_rel = bool(k[i, last_col] > 0)
        fi = int(first_idx[i])
        a_first = max(0, a_last - int(reach[i]) + 1)
        a_since, a_until = window_span(spans, a_first, a_last) if a_last >= 0 else ("", "")
        r_first = max(0, a_last - config.recent_periods + 1)
        r_since, r_until = window_span(spans, r_first, a_last) if a_last >= 0 else ("", "")
        goals: Any = p.goals_shared_on
        shared = goals is not None and not pd.isna(goals) and pd.Timestamp(goals) <= pd.Timestamp(period_end)
        row: dict[str, Any] = {
            "partner": pid,
            "partner_name": name,
            "session_id": session_id,
            "period_end": period_end,
            "window_first": str(periods.iloc[first]["period_id"]),
            "window_last": str(periods.iloc[last]["period_id"]),
            "window_since": since,
            "window_until": until,
            "agreements_since": a_since,
            "agreements_until": a_until,
            "agreement_periods": a_last - a_first + 1 if a_last >= 0 else 0,
            "reliability": float(post["est"][i, last_col]) if has_rel else np.nan,
            "reliability_low": float(post["low"][i, last_col]) if has_rel else np.nan,
            "reliability_high": float(post["high"][i, last_col]) if has_rel else np.nan,
            "rel_S": float(fixed_S[i]),
            "rel_N": float(fixed_N[i]),
            "rel_fixed": float(fixed_est[i]) if k_now[i] > 0 else np.nan,
            "recent_S": float(S_recent[i]),
            "recent_N": float(N_recent[i]),
            "recent_periods": a_last - r_first + 1 if a_last >= 0 and config.recent_periods > 0 else 0,
            "recent_since": r_since,
            "recent_until": r_until,
            "prev_S": float(S[i, 0]) if a_last - w >= 0 else np.nan,
            "prev_N": float(N[i, 0]) if a_last - w >= 0 else np.nan,
            "n_agreements": int(k[i, last_col]),
            "n_kept": int(n_kept[i]),
            "previous_reliability": float(prev[i]),
            "trust": float(t_mean[i]),
            "trust_low": float(t_low[i]),
            "trust_high": float(t_high[i]),
            "n_ratings": int(t_n[i]),
            "n_raters": int(raters[i]),
            "n_respondents": int(respondents[i]),
            "n_rated_periods": int(rated_periods[i]),
            "trust_first": float(received.trust[i, fi]) if fi >= 0 else np.nan,
            "first_rated_period": str(periods.iloc[fi]["period_id"]) if fi >= 0 else "",
            "not_kept": nk_by_owner.get(pid, []),
            "goals_shared_on": goals if shared else None,
            "shock": last_shock.get(pid),
            "shocked_since_first": pid in ever_shocked and ever_shocked[pid] > fi,
        }
        enough = (
            row["n_agreements"] >= config.min_agreements
            and row["n_ratings"] >= config.min_ratings
            and row["n_rated_periods"] >= min(config.min_rated_periods, last - first + 1)
        )
        if enough:
            row["state"], row["leaning"] = _state(row, config)
        else:
            row["state"], row["leaning"] = "not_enough_data", ""
        row["evidence"] = _evidence(row, config, periods, first, last)
        row["explanation_en"] = explain.render_state(row["evidence"], "en")
        row["explanation_nl"] = explain.render_state(row["evidence"], "nl")
        rows.append(row)
    if config.second_look_agreements > 0 and any(r["state"] == "mixed" for r in rows):
        second = replace(
            config,
            evidence_agreements=config.second_look_agreements,
            evidence_change_alpha=config.second_look_alpha,
            second_look_agreements=0,
        )
        rows = _second_look(rows, partner_states(partners, periods, obs, ratings, received, second, shocks), config)
    out = pd.DataFrame(rows, columns=cols)
    for c in ("n_agreements", "n_kept", "n_ratings", "n_raters", "n_respondents", "n_rated_periods"):
        out[c] = out[c].astype("int64")
    out["leaning"] = out["leaning"].astype("str")
    return out


def second_look_takes(first: dict[str, Any], second_state: str, config: MetricsConfig) -> bool:
    """Whether the second look's state is claimed (``MetricsConfig.second_look_agreements``).

    The first look (its row ``first``) claims none (``mixed``), the second one claims a state, and the first
    look leans to no other (a lean the same way or none at all; never ``after_shock``), nor did its two fixed
    windows move the other way by ``second_look_guard`` or more (a partner whose record just rose is not called
    low on its older record, nor one that just fell high) — and, with ``second_look_guard_alpha`` below 1, beyond
    chance by a one-sided two-proportion test of those windows' records. A move does not hold it back where the
    partner's own record over the latest ``recent_periods`` settled periods (``recent_S`` of
    ``recent_N``) is still strictly on the state's side of its line: below ``reliability_low`` for a low state,
    above ``reliability_high`` for a high one (fewer than ``recent_min_agreements`` counted: the move holds it back).
    """
    if first["state"] != "mixed" or second_state not in STATES or first["leaning"] not in ("", second_state):
        return False
    now, prev = first["rel_fixed"], first["previous_reliability"]
    rise = float(now - prev) if np.isfinite(now) and np.isfinite(prev) else 0.0
    low = second_state in ("blind_trust", "distrust")
    moved = (rise if low else -rise) >= config.second_look_guard - 1e-12
    if moved and config.second_look_guard_alpha < 1.0:
        # The move must also be beyond chance, in the direction it went (now over before for a rise).
        z = float(two_proportion_z(first["rel_S"], first["rel_N"], first["prev_S"], first["prev_N"]))
        z = z if low else -z
        moved = bool(np.isfinite(z) and z > float(dist.norm_ppf(1.0 - config.second_look_guard_alpha)))
    if moved:
        # A chance rise of a thin record (or a fall) that has not left the state: the newest agreements agree.
        share = recent_share(first, config)
        moved = share is None or not (share < config.reliability_low if low else share > config.reliability_high)
    return not moved


def _second_look(rows: list[dict[str, Any]], second: pd.DataFrame, config: MetricsConfig) -> list[dict[str, Any]]:
    """The rows of the first look, each replaced by the second look's (``second``) where :func:`second_look_takes`.

    The second look is the same judgement with the agreement window reaching back to ``second_look_agreements``
    (stopped only where the records differ at ``second_look_alpha``); its row is taken whole, so the explanation
    cites the window, the figures and the agreements that state rests on.
    """
    other: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in second.to_dict("records")]
    out: list[dict[str, Any]] = []
    for a, b in zip(rows, other, strict=True):
        take = second_look_takes(a, b["state"], config)
        if take:  # b is this function's own copy (``other``), so it may be marked in place
            b["evidence"] = {**b["evidence"], "second_look": True}
        out.append(b if take else a)
    return out


def _levels(est: float, low: float, high: float, line_low: float, line_high: float) -> tuple[bool, bool, bool, bool]:
    """(point high, point low, high on evidence, low on evidence).

    On evidence, "high" needs the estimate at or above the high line and the whole interval above the low line;
    "low" needs the estimate at or below the low line and the whole interval below the high line.
    """
    p_high, p_low = bool(est >= line_high), bool(est <= line_low)
    return p_high, p_low, p_high and bool(low > line_low), p_low and bool(high < line_high)


def recent_share(row: dict[str, Any], config: MetricsConfig) -> float | None:
    """The newest settled periods' own record, read on its own: ``recent_S`` of ``recent_N`` (kept share, not shrunk).

    ``None`` where it is not read: ``recent_periods`` 0, or fewer than ``recent_min_agreements`` counted. Read by
    :func:`turned` (the veto) and :func:`second_look_takes` (the guard lifted), so both read it alike.
    """
    counted = float(row.get("recent_N", 0.0))
    if config.recent_periods <= 0 or counted < config.recent_min_agreements:
        return None
    return float(row["recent_S"]) / counted


def turned(row: dict[str, Any], state: str, config: MetricsConfig) -> bool:
    """Whether the newest settled periods' own record (:func:`recent_share`) is past the other line of ``state``.

    Strictly: above ``reliability_high`` for a low state, below ``reliability_low`` for a high one.
    """
    share = recent_share(row, config)
    if share is None:
        return False
    low = state in ("blind_trust", "distrust")
    return share > config.reliability_high if low else share < config.reliability_low


def _state(row: dict[str, Any], config: MetricsConfig) -> tuple[str, str]:
    """The state claimed (on evidence) and, where none is, the one the point estimates lean to."""
    rel, prev = row["reliability"], row["previous_reliability"]
    r_high, r_low, r_high_ev, r_low_ev = _levels(
        rel, row["reliability_low"], row["reliability_high"], config.reliability_low, config.reliability_high
    )
    t_high, t_low, t_high_ev, t_low_ev = _levels(
        row["trust"], row["trust_low"], row["trust_high"], config.trust_low, config.trust_high
    )
    # "Falling" compares the fixed windows (``rel_fixed``: the last ``state_window`` settled periods, even where the
    # evidence window reached further back); the estimate shown must be below the high line.
    now = row.get("rel_fixed", rel)
    falling = (
        bool(np.isfinite(prev) and np.isfinite(now))
        and prev - now >= config.falling_drop
        and rel < config.reliability_high
    )
    # "Falling" on evidence: a one-sided two-proportion test of the two windows' own records (kept share before
    # against now, pooled under "no change") at ``falling_alpha``.
    z_fall = float(two_proportion_z(row["prev_S"], row["prev_N"], row["rel_S"], row["rel_N"])) if falling else np.nan
    falling_ev = bool(z_fall > float(dist.norm_ppf(1.0 - config.falling_alpha)))  # NaN (no test) compares False
    point = "mixed"
    if t_high and r_high:
        point = "earned_trust"
    elif t_high and (r_low or falling):
        point = "blind_trust"
    elif t_low and r_high:
        point = "trust_lags"
    elif t_low and r_low:
        point = "distrust"
    claimed = {
        "earned_trust": t_high_ev and r_high_ev,
        "blind_trust": t_high_ev and (r_low_ev or falling_ev),
        "trust_lags": t_low_ev and r_high_ev,
        "distrust": t_low_ev and r_low_ev,
        "mixed": False,
    }[point]
    # The newest settled periods on their own (``recent_periods``): a record past the other line may have turned,
    # which the window, still full of the older record, cannot show yet. Not claimed; the explanation says why.
    row["turned"] = bool(claimed and point in STATES and turned(row, point, config))
    claimed = claimed and not row["turned"]
    # Blind trust through "falling" (not through "low") is worded as falling.
    row["falling"] = point == "blind_trust" and not (r_low_ev if claimed else r_low)
    if point == "trust_lags" and row["shock"] is not None:
        return "mixed", "after_shock"  # low trust right after a shock is its aftermath, not a lag
    if claimed:
        return point, ""
    return "mixed", point if point != "mixed" else ""


def _evidence(
    row: dict[str, Any], config: MetricsConfig, periods: pd.DataFrame, first: int, last: int
) -> dict[str, Any]:
    """Every figure a state's explanation cites (and software reads: ``patterns --json``'s ``evidence``)."""
    missing = []
    if row["n_agreements"] < config.min_agreements:
        missing.append("agreements")
    if row["n_ratings"] < config.min_ratings:
        missing.append("ratings")
    if row["n_rated_periods"] < min(config.min_rated_periods, last - first + 1):
        missing.append("rated_periods")
    lags_since = (
        row["state"] == "trust_lags"
        and np.isfinite(row["trust_first"])
        and bool(row["first_rated_period"])
        and row["first_rated_period"] != row["window_first"]
        and not row["shocked_since_first"]
    )
    return {
        "partner_name": row["partner_name"],
        "state": row["state"],
        "leaning": row["leaning"],
        "period_kind": config.period,
        "window": [row["window_first"], row["window_last"]],
        "window_periods": last - first + 1,
        "window_since": row["window_since"] or None,
        "window_until": row["window_until"],
        "agreements_since": row["agreements_since"] or None,
        "agreements_until": row["agreements_until"] or None,
        "agreement_periods": int(row["agreement_periods"]),
        "agreements_wanted": int(config.evidence_agreements),  # what the window reached back for
        "settled": settled_lag(config) > 0,
        "second_look": False,  # set where the second look's state was claimed (_second_look)
        "level": config.credible_level,
        "reliability": _num(row["reliability"]),
        "reliability_low": _num(row["reliability_low"]),
        "reliability_high": _num(row["reliability_high"]),
        "previous_reliability": _num(row["previous_reliability"]),
        "falling": bool(row.get("falling", False)),
        "n_agreements": int(row["n_agreements"]),
        "n_kept": int(row["n_kept"]),
        "trust": _num(row["trust"]),
        "trust_low": _num(row["trust_low"]),
        "trust_high": _num(row["trust_high"]),
        "n_ratings": int(row["n_ratings"]),
        "n_raters": int(row["n_raters"]),
        "n_respondents": int(row["n_respondents"]),
        "n_rated_periods": int(row["n_rated_periods"]),
        "trust_first": _num(row["trust_first"]) if lags_since else None,
        "first_rated_period": row["first_rated_period"] if lags_since else None,
        "not_kept": [i["agreement_id"] for i in row["not_kept"]],
        "not_kept_titles": [i["title"] for i in row["not_kept"]],
        "goals_shared_on": _date(row["goals_shared_on"]) or None,
        "shock": row["shock"],
        # the newest settled periods on their own, where they kept no state from being claimed (``turned``)
        "turned": bool(row.get("turned", False)),
        "recent_periods": int(row["recent_periods"]),
        "recent_since": row["recent_since"] or None,
        "recent_until": row["recent_until"] or None,
        "recent_reliability": float(row["recent_S"]) / row["recent_N"] if row["recent_N"] > 0 else None,
        "recent_agreements": int(row["recent_N"]),
        "missing": missing,
        "min_agreements": config.min_agreements,
        "min_ratings": config.min_ratings,
        "min_rated_periods": config.min_rated_periods,
    }


def paired_changes(dyads: Dyads, baseline: int = 1) -> pd.DataFrame:
    """For each ratee and each period it was rated in, the change per rater since the ratee was last rated.

    The rater's trust *before* is its average over the ratee's last ``baseline`` rated periods, those of them it
    rated at (each period's mean over its respondents); a rater who rated at none of them is left out (paired).
    Columns: ``ratee, period_idx, previous_idx`` (the last rated period), ``first_idx`` (the earliest of the
    ``baseline``; ``previous_idx`` where there is one), ``rater, before, after``.
    """
    mean = dyads.total / np.maximum(dyads.n_ratings, 1)
    d = pd.DataFrame(
        {"ratee": dyads.ratee, "period_idx": dyads.period_idx, "rater": dyads.rater, "mean": mean}
    ).sort_values(["ratee", "period_idx"], kind="stable")
    rated = d[["ratee", "period_idx"]].drop_duplicates()
    by_ratee = rated.groupby("ratee")["period_idx"]
    back = [f"back{j}" for j in range(1, baseline + 1)]
    rated = rated.assign(**{col: by_ratee.shift(j) for j, col in enumerate(back, start=1)}).dropna(subset=[back[0]])
    rated["previous_idx"] = rated[back[0]].astype("int64")
    rated["first_idx"] = rated[back].min(axis=1).astype("int64")
    now = rated.merge(d, on=["ratee", "period_idx"]).rename(columns={"mean": "after"})
    # each rater's means at the baseline periods, long: one row per (test, baseline period it rated at)
    long = (
        now[["ratee", "period_idx", "rater", *back]]
        .melt(id_vars=["ratee", "period_idx", "rater"], value_name="at")
        .dropna(subset=["at"])
    )
    long["at"] = long["at"].astype("int64")
    long = long.merge(d.rename(columns={"period_idx": "at"}), on=["ratee", "at", "rater"])
    keys = ["ratee", "period_idx", "rater"]
    before = long.groupby(keys, sort=False).agg(before=("mean", "mean")).reset_index()
    out = now.merge(before, on=keys)
    cols = ["ratee", "period_idx", "previous_idx", "first_idx", "rater", "before", "after"]
    return out[cols].sort_values(["ratee", "period_idx", "rater"], kind="stable").reset_index(drop=True)


def trust_shocks(
    trends: pd.DataFrame,
    periods: pd.DataFrame,
    agreements: pd.DataFrame,
    outcomes: pd.DataFrame,
    obs: Observations,
    config: MetricsConfig,
    dyads: Dyads | None = None,
    min_sd: float = 0.0,
) -> pd.DataFrame:
    """Sharp falls of trust received, beyond sampling noise, after a broken (or overdue) agreement of the partner.

    Paired over the rating partners who rated it at this session and before it: each one's trust before is
    its average over the partner's last ``shock_baseline_sessions`` rated sessions, those it rated at
    (:func:`paired_changes`). At least ``shock_min_raters`` of them; their mean drop at least ``shock_drop``
    (``trust_before`` − ``trust_after``, their means); and a paired t-test over their drops gives a one-sided
    p-value of at most ``shock_alpha`` (the standard error at least that of rounding to whole points).
    The session and the sessions before it together need ``shock_min_respondents`` respondents each, and an
    agreement of that partner was marked broken since the last session it was rated at, or fell due since then
    and was not kept by this period's end (not still awaiting). Columns: ``partner, partner_name, period_idx,
    session_id, period_end, trust_before, trust_after, drop, n_shared_raters, t, df, p_value, first_period,
    previous_period, previous_end, n_respondents_before, n_respondents_after, agreements`` (list of dicts: id,
    title, status, date).
    """
    cols = [
        "partner",
        "partner_name",
        "period_idx",
        "session_id",
        "period_end",
        "trust_before",
        "trust_after",
        "drop",
        "n_shared_raters",
        "t",
        "df",
        "p_value",
        "first_period",
        "previous_period",
        "previous_end",
        "n_respondents_before",
        "n_respondents_after",
        "agreements",
    ]
    empty = pd.DataFrame({c: [] for c in cols})
    if dyads is None or len(dyads.ratee) == 0:
        return empty
    partner_ids = pd.Index(obs.partners)
    ch = paired_changes(dyads, config.shock_baseline_sessions)
    if ch.empty:
        return empty
    ch = ch.assign(diff=ch["before"] - ch["after"])
    g = ch.groupby(["ratee", "period_idx", "previous_idx", "first_idx"], sort=True)
    tests = g.agg(
        trust_before=("before", "mean"),
        trust_after=("after", "mean"),
        drop=("diff", "mean"),
        sd=("diff", "std"),
        n_shared_raters=("diff", "size"),
    ).reset_index()
    k = tests["n_shared_raters"].to_numpy(dtype="float64")
    # The session-to-session spread of raters' changes, pooled over every pair of sessions of that partner:
    # with three raters a pair's own spread is often tiny by chance, the pooled one is not.
    dev = ch["diff"] - g["diff"].transform("mean")
    by_ratee = pd.DataFrame({"ratee": ch["ratee"], "sq": dev**2}).groupby("ratee")["sq"].sum()
    df_ratee = (tests.groupby("ratee")["n_shared_raters"].sum() - tests.groupby("ratee").size()).clip(lower=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt((by_ratee / df_ratee).reindex(tests["ratee"]).to_numpy())
    pooled = np.where(np.isfinite(pooled), pooled, 0.0)
    # The larger of the pair's own and the pooled spread, with the pooled spread's degrees of freedom (taking
    # the larger spread only makes the test stricter); the floor: the rounding of two whole-point means.
    pair_sd = tests["sd"].fillna(0.0).to_numpy()
    pooled_df = df_ratee.reindex(tests["ratee"]).fillna(0).to_numpy(dtype="float64")
    sd = np.maximum(pair_sd, pooled)
    df = np.maximum(pooled_df, k - 1.0)
    se = np.maximum(sd / np.sqrt(k), min_sd * np.sqrt(2.0) / np.sqrt(k))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = tests["drop"].to_numpy() / se
        p = np.where(k >= 2, dist.t_cdf(-t, np.maximum(df, 1.0)), 1.0)
    tests["t"], tests["df"], tests["p_value"] = t, df, p
    tests["partner"] = partner_ids.to_numpy(dtype=object)[tests["ratee"].to_numpy()]
    # respondents per partner and period; "before" counts those of all its sessions (first_idx … previous_idx
    # are the partner's rated periods in between, so the sum over that span is theirs)
    resp = np.zeros((len(partner_ids), obs.n_periods + 1))
    rows = partner_ids.get_indexer(trends["partner"])
    known = rows >= 0  # (every partner of the trends is one of obs's; a stray one must not land on the last row)
    at = trends["period_idx"].to_numpy(dtype="int64")[known] + 1
    np.add.at(resp, (rows[known], at), trends["n_respondents"].fillna(0).to_numpy(dtype="float64")[known])
    upto = np.cumsum(resp, axis=1)  # upto[p, i + 1]: respondents of periods 0 … i
    ri = tests["ratee"].to_numpy()
    r_now = resp[ri, tests["period_idx"].to_numpy() + 1]
    r_before = upto[ri, tests["previous_idx"].to_numpy() + 1] - upto[ri, tests["first_idx"].to_numpy()]
    tests["n_respondents_after"], tests["n_respondents_before"] = r_now.astype("int64"), r_before.astype("int64")
    cand = tests[
        (tests["n_shared_raters"] >= config.shock_min_raters)
        & (tests["drop"] >= config.shock_drop - 1e-12)
        & (tests["p_value"] <= config.shock_alpha)
        & (tests["n_respondents_after"] >= config.shock_min_respondents)
        & (tests["n_respondents_before"] >= config.shock_min_respondents)
    ].copy()
    if cand.empty:
        return empty
    per = periods.set_index("period_idx")
    names = trends.drop_duplicates("partner").set_index("partner")["partner_name"]
    cand["partner_name"] = cand["partner"].map(names).astype("str")
    cand["session_id"] = cand["period_idx"].map(per["session_id"]).astype("str")
    cand["period_end"] = cand["period_idx"].map(per["period_end"])
    cand["previous_end"] = cand["previous_idx"].map(per["period_end"])
    cand["previous_period"] = cand["previous_idx"].map(per["period_id"]).astype("str")
    cand["first_period"] = cand["first_idx"].map(per["period_id"]).astype("str")
    cand = cand.reset_index(drop=True)
    titles = agreements.set_index("agreement_id")["title"]
    # Marked broken since the period before ...
    broken = outcomes[outcomes["status"] == "broken"].merge(agreements[["agreement_id", "owner"]], on="agreement_id")
    b = cand.merge(broken, left_on="partner", right_on="owner")
    b = b[(b["date"] > b["previous_end"]) & (b["date"] <= b["period_end"])]
    b = b.assign(status="broken", when=b["date"])[["partner", "period_idx", "agreement_id", "status", "when"]]
    # ... or fell due since then and was not kept (overdue, or broken) at this period's end.
    n = obs.n_periods
    cand_keys = (partner_ids.get_indexer(cand["partner"]) * n + cand["period_idx"].to_numpy()).astype("int64")
    cell_keys = obs.owner[:, None] * n + obs.period_idx
    mask = np.isin(cell_keys, cand_keys) & np.isfinite(obs.score) & (obs.score <= 0.0)
    f = cand.merge(obs.frame(mask), left_on=["partner", "period_idx"], right_on=["owner", "period_idx"])
    f = f[f["due_idx"] > f["previous_idx"]]
    f = f.assign(
        status=f["status"].where(f["status"] != "", "overdue"),
        when=f["status_on"].where(f["status"] == "broken", f["due_on"]),
    )
    f = f[["partner", "period_idx", "agreement_id", "status", "when"]]
    # One cause per agreement: its being marked broken since the period before comes first.
    causes = pd.concat([b, f], ignore_index=True).drop_duplicates(["partner", "period_idx", "agreement_id"])
    causes = causes.sort_values(["when", "agreement_id"], kind="stable")
    causes["title"] = causes["agreement_id"].map(titles).astype("str")
    causes["date"] = _iso_days(causes["when"])
    lists = {
        key: [
            {"agreement_id": str(r.agreement_id), "title": str(r.title), "status": str(r.status), "date": str(r.date)}
            for r in grp.itertuples(index=False)
        ]
        for key, grp in causes.groupby(["partner", "period_idx"], sort=False)
    }
    cand["agreements"] = pd.Series(
        [lists.get((p, i), []) for p, i in zip(cand["partner"], cand["period_idx"], strict=True)],
        index=cand.index,
        dtype=object,
    )
    cand = cand[cand["agreements"].map(len) > 0]
    cand["n_shared_raters"] = cand["n_shared_raters"].astype("int64")
    return cand[cols].sort_values(["partner", "period_idx"], kind="stable").reset_index(drop=True)


def shock_evidence(sh: dict[str, Any], config: MetricsConfig) -> dict[str, Any]:
    """Every figure a trust shock's explanation cites."""
    return {
        "partner_name": sh["partner_name"],
        "session_id": sh["session_id"],
        "date": _date(sh["period_end"]),
        "first_period": sh["first_period"],
        "previous_period": sh["previous_period"],
        "trust_before": _num(sh["trust_before"]),
        "trust_after": _num(sh["trust_after"]),
        "drop": _num(sh["drop"]),
        "n_shared_raters": int(sh["n_shared_raters"]),
        "n_respondents_before": int(sh["n_respondents_before"]),
        "n_respondents_after": int(sh["n_respondents_after"]),
        "t": _num(sh["t"]),
        "df": _num(sh["df"]),
        "p_value": _num(sh["p_value"]),
        "shock_drop": config.shock_drop,
        "agreements": [a["agreement_id"] for a in sh["agreements"]],
        "causes": [dict(a) for a in sh["agreements"]],
    }


def patterns_frame(
    states: pd.DataFrame,
    shocks: pd.DataFrame,
    periods: pd.DataFrame,
    config: MetricsConfig = MetricsConfig(),  # noqa: B008 - frozen
) -> pd.DataFrame:
    """The patterns: a row per partner state that is claimed (or ``not_enough_data``) and per trust shock."""
    rows: list[dict[str, Any]] = []
    for s in states.itertuples(index=False):
        if s.state == "mixed":
            continue
        rows.append(
            {
                "partner": s.partner,
                "partner_name": s.partner_name,
                "pattern": s.state,
                "session_id": s.session_id or None,
                "period_end": s.period_end,
                "explanation_en": s.explanation_en,
                "explanation_nl": s.explanation_nl,
                "evidence": s.evidence,
            }
        )
    for sh in shocks.to_dict("records"):
        ev = shock_evidence({str(k): v for k, v in sh.items()}, config)
        rows.append(
            {
                "partner": sh["partner"],
                "partner_name": sh["partner_name"],
                "pattern": "trust_shock",
                "session_id": sh["session_id"] or None,
                "period_end": sh["period_end"],
                "explanation_en": explain.render_shock(ev, "en"),
                "explanation_nl": explain.render_shock(ev, "nl"),
                "evidence": ev,
            }
        )
    out = pd.DataFrame(rows, columns=PATTERN_COLUMNS)
    if not out.empty:
        out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[s]")
    return out.sort_values(["partner", "period_end", "pattern"], kind="stable").reset_index(drop=True)
