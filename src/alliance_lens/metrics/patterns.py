"""Patterns: each partner's state at the latest session, and trust shocks, explained in English and Dutch.

States are judged on a window of recent periods (``MetricsConfig.state_window``), never on one thin period;
where the window holds too little, the state is ``not_enough_data`` and no pattern is claimed. The text of
each explanation cites its evidence: the figures, the sessions and the agreements.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alliance_lens.metrics.config import MetricsConfig
from alliance_lens.metrics.reliability import Observations, alliance_rate, beta_estimate, view_weights
from alliance_lens.metrics.trust import Ratings, Received, count_respondents, mean_interval

STATES = ("earned_trust", "trust_lags", "blind_trust", "distrust")
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
MAX_CITED = 4


def pct(x: float | None) -> str:
    """A share as a whole percentage ("72%"), or "–" where there is none."""
    if x is None or not np.isfinite(x):
        return "–"
    return f"{round(float(x) * 100):d}%"


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(v, 4) if np.isfinite(v) else None


def _date(x: Any) -> str:
    return "" if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


def _window_text(periods: pd.DataFrame, first: int, last: int, config: MetricsConfig) -> tuple[str, str]:
    p0, p1 = periods.iloc[first], periods.iloc[last]
    k = last - first + 1
    if config.period == "session":
        ids = p1["period_id"] if k == 1 else f"{p0['period_id']}–{p1['period_id']}"
        start = p0["period_end"]
        span = f"{_date(start)} to {_date(p1['period_end'])}" if k > 1 else _date(p1["period_end"])
        span_nl = f"{_date(start)} tot {_date(p1['period_end'])}" if k > 1 else _date(p1["period_end"])
        en = f"the last {k} sessions ({ids}, {span})" if k > 1 else f"the latest session ({ids}, {span})"
        nl = f"de laatste {k} sessies ({ids}, {span_nl})" if k > 1 else f"de laatste sessie ({ids}, {span_nl})"
        return en, nl
    ids = p1["period_id"] if k == 1 else f"{p0['period_id']} to {p1['period_id']}"
    ids_nl = p1["period_id"] if k == 1 else f"{p0['period_id']} tot {p1['period_id']}"
    return f"the last {k} months ({ids})", f"de laatste {k} maanden ({ids_nl})"


def _cite(items: list[dict[str, Any]], lang: str) -> str:
    shown = [f"{i['agreement_id']} “{i['title']}”" for i in items[:MAX_CITED]]
    more = len(items) - MAX_CITED
    if more > 0:
        shown.append(f"{more} more" if lang == "en" else f"nog {more}")
    return ", ".join(shown)


def partner_states(
    partners: pd.DataFrame,
    periods: pd.DataFrame,
    obs: Observations,
    ratings: Ratings,
    received: Received,
    config: MetricsConfig,
    rolling_sums: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per partner: its state at the latest period and the figures it was judged on.

    ``state`` is one of ``earned_trust, trust_lags, blind_trust, distrust``, ``mixed`` (none of those clearly)
    or ``not_enough_data``; ``explanation_en``/``explanation_nl`` say why in plain words. ``partners`` must be
    in the order of the codes of ``obs`` and ``ratings``. ``rolling_sums``: the rolling view's sums, reused
    when its window is the state window.
    """
    cols = [
        "partner",
        "partner_name",
        "state",
        "session_id",
        "period_end",
        "window_first",
        "window_last",
        "reliability",
        "reliability_low",
        "reliability_high",
        "n_agreements",
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

    # Reliability over the window (and the window before, to see whether it is falling).
    if rolling_sums is not None and config.rolling_window == w:
        S, N, k = rolling_sums
    else:
        S, N, k = obs.sums(obs.owner, n_p, view_weights("rolling", config, obs.n_ages, window=w))
    m = alliance_rate(S, N)
    cols_needed = [last - w, last] if last - w >= 0 else [last]
    S, N, k = S[:, cols_needed], N[:, cols_needed], k[:, cols_needed]
    est, low, high = beta_estimate(S, N, m[None, cols_needed], config.prior_strength, config.credible_level)
    prev = np.full(n_p, np.nan)
    if last - w >= 0:
        prev = np.where(k[:, 0] > 0, est[:, 0], np.nan)
    last_col = len(cols_needed) - 1

    # Trust over the window: every rating received in it.
    in_w = ratings.period_idx >= first
    ratee = ratings.ratee[in_w]
    t_sum = np.bincount(ratee, weights=ratings.trust[in_w], minlength=n_p)
    t_sq = np.bincount(ratee, weights=ratings.trust[in_w] ** 2, minlength=n_p)
    t_n = np.bincount(ratee, minlength=n_p)
    t_mean, t_low, t_high = mean_interval(t_sum, t_sq, t_n, config.credible_level, ratings.min_sd)
    raters = np.bincount(pd.unique(ratee * n_p + ratings.rater[in_w]) // n_p, minlength=n_p)
    rated_periods = np.bincount(pd.unique(ratee * n + ratings.period_idx[in_w]) // n, minlength=n_p)
    sub = Ratings(
        n_p,
        n,
        ratings.period_idx[in_w],
        ratings.rater[in_w],
        ratee,
        ratings.trust[in_w],
        ratings.respondent[in_w],
        ratings.min_sd,
    )
    respondents = count_respondents(sub, ratee, n_p)
    rated_any = received.n_ratings > 0
    first_idx = np.where(rated_any.any(axis=1), rated_any.argmax(axis=1), -1)

    ages = np.arange(obs.n_ages)[None, :]
    nk_mask = (obs.period_idx == last) & (ages < w) & np.isfinite(obs.score) & (obs.score <= 0.0)
    not_kept = obs.frame(nk_mask).sort_values(["due_on", "agreement_id"], kind="stable")
    nk_by_owner: dict[str, list[dict[str, Any]]] = {}
    for a in not_kept.to_dict("records"):  # the few agreements not kept in the window, cited by name
        nk_by_owner.setdefault(str(a["owner"]), []).append(
            {
                "agreement_id": str(a["agreement_id"]),
                "title": str(a["title"]),
                "status": str(a["status"]) or "open",
                "due_on": _date(a["due_on"]),
            }
        )

    win_en, win_nl = _window_text(periods, first, last, config)
    session_id = str(periods.iloc[last]["session_id"])
    period_end = periods.iloc[last]["period_end"]
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(partners.itertuples(index=False)):  # one row per partner (a handful), not per data row
        pid, name = str(p.partner), str(p.partner_name)
        nk_items = nk_by_owner.get(pid, [])
        has_rel = bool(k[i, last_col] > 0)
        fi = int(first_idx[i])
        row: dict[str, Any] = {
            "partner": pid,
            "partner_name": name,
            "session_id": session_id,
            "period_end": period_end,
            "window_first": str(periods.iloc[first]["period_id"]),
            "window_last": str(periods.iloc[last]["period_id"]),
            "reliability": float(est[i, last_col]) if has_rel else np.nan,
            "reliability_low": float(low[i, last_col]) if has_rel else np.nan,
            "reliability_high": float(high[i, last_col]) if has_rel else np.nan,
            "n_agreements": int(k[i, last_col]),
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
            "not_kept": nk_items,
            "goals_shared_on": p.goals_shared_on,
        }
        enough = (
            row["n_agreements"] >= config.min_agreements
            and row["n_ratings"] >= config.min_ratings
            and row["n_rated_periods"] >= min(config.min_rated_periods, last - first + 1)
        )
        row["state"] = _state(row, config) if enough else "not_enough_data"
        row["explanation_en"], row["explanation_nl"] = _explain_state(row, win_en, win_nl, config)
        row["evidence"] = _evidence(row)
        rows.append(row)
    out = pd.DataFrame(rows, columns=cols)
    for c in ("n_agreements", "n_ratings", "n_raters", "n_respondents", "n_rated_periods"):
        out[c] = out[c].astype("int64")
    return out


def _state(row: dict[str, Any], config: MetricsConfig) -> str:
    rel, trust, prev = row["reliability"], row["trust"], row["previous_reliability"]
    rel_high, rel_low = rel >= config.reliability_high, rel <= config.reliability_low
    falling = bool(np.isfinite(prev)) and prev - rel >= config.falling_drop
    row["falling"] = falling
    if trust >= config.trust_high:
        if rel_high:
            return "earned_trust"
        if rel_low or falling:
            return "blind_trust"
    if trust <= config.trust_low:
        if rel_high:
            return "trust_lags"
        if rel_low:
            return "distrust"
    return "mixed"


def _goals(row: dict[str, Any]) -> tuple[str, str]:
    name, g = row["partner_name"], row["goals_shared_on"]
    if g is not None and not pd.isna(g) and pd.Timestamp(g) <= pd.Timestamp(row["period_end"]):
        return (
            f" {name} shared its own goals with the alliance on {_date(g)}.",
            f" {name} deelde zijn eigen doelen met de alliantie op {_date(g)}.",
        )
    return (
        f" {name} has not shared its own goals with the alliance.",
        f" {name} heeft zijn eigen doelen niet met de alliantie gedeeld.",
    )


def _explain_state(row: dict[str, Any], win_en: str, win_nl: str, config: MetricsConfig) -> tuple[str, str]:
    name, state = row["partner_name"], row["state"]
    if state == "not_enough_data":
        en_r: list[str] = []
        nl_r: list[str] = []
        if row["n_agreements"] < config.min_agreements:
            en_r.append(
                f"only {row['n_agreements']} of its agreements fell due (at least {config.min_agreements} needed)"
            )
            nl_r.append(
                f"hadden maar {row['n_agreements']} van zijn afspraken hun einddatum (minstens "
                f"{config.min_agreements} nodig)"
            )
        if row["n_ratings"] < config.min_ratings:
            en_r.append(f"it received only {row['n_ratings']} trust ratings (at least {config.min_ratings} needed)")
            nl_r.append(f"kreeg het maar {row['n_ratings']} vertrouwensscores (minstens {config.min_ratings} nodig)")
        if row["n_rated_periods"] < config.min_rated_periods:
            en_r.append(
                f"it was rated in only {row['n_rated_periods']} of those periods (at least "
                f"{config.min_rated_periods} needed)"
            )
            nl_r.append(
                f"werd het in maar {row['n_rated_periods']} van die perioden beoordeeld (minstens "
                f"{config.min_rated_periods} nodig)"
            )
        return (
            f"Not enough data to judge {name}: over {win_en} {'; '.join(en_r)}. No pattern is claimed.",
            f"Te weinig gegevens om {name} te beoordelen: over {win_nl} {'; '.join(nl_r)}. Er wordt geen "
            "patroon geclaimd.",
        )
    rel_en = (
        f"reliability {pct(row['reliability'])} over {win_en} ({row['n_agreements']} agreements fell due; "
        f"{round(config.credible_level * 100)}% interval {pct(row['reliability_low'])}–"
        f"{pct(row['reliability_high'])})"
    )
    rel_nl = (
        f"betrouwbaarheid {pct(row['reliability'])} over {win_nl} ({row['n_agreements']} afspraken met "
        f"een einddatum daarin; {round(config.credible_level * 100)}%-interval {pct(row['reliability_low'])}–"
        f"{pct(row['reliability_high'])})"
    )
    trust_en = (
        f"trust {pct(row['trust'])} ({row['n_ratings']} ratings from {row['n_raters']} partners, "
        f"{row['n_respondents']} respondents)"
    )
    trust_nl = (
        f"vertrouwen {pct(row['trust'])} ({row['n_ratings']} scores van {row['n_raters']} partners, "
        f"{row['n_respondents']} respondenten)"
    )
    nk = row["not_kept"]
    nk_en = f"; not kept: {_cite(nk, 'en')}" if nk else ""
    nk_nl = f"; niet nagekomen: {_cite(nk, 'nl')}" if nk else ""
    g_en, g_nl = _goals(row)
    if state == "earned_trust":
        en = (
            f"{name}: trust and reliability are both high — {rel_en}, {trust_en}. Trust here rests on "
            "behaviour that was shown."
        )
        nl = (
            f"{name}: vertrouwen en betrouwbaarheid zijn allebei hoog — {rel_nl}, {trust_nl}. Het vertrouwen "
            "rust hier op gedrag dat is getoond."
        )
    elif state == "trust_lags":
        since_en = since_nl = ""
        if np.isfinite(row["trust_first"]) and row["first_rated_period"]:
            since_en = f"; it was {pct(row['trust_first'])} at {row['first_rated_period']}"
            since_nl = f"; bij {row['first_rated_period']} was het {pct(row['trust_first'])}"
        en = (
            f"{name} keeps its agreements — {rel_en} — but trust stays low: {trust_en}{since_en}. Trust comes on "
            "foot: keep showing reliable behaviour, and give trust time and dialogue on shared beliefs."
        )
        nl = (
            f"{name} komt zijn afspraken na — {rel_nl} — maar het vertrouwen blijft laag: {trust_nl}{since_nl}. "
            "Vertrouwen komt te voet: blijf betrouwbaar gedrag laten zien en geef vertrouwen tijd en het gesprek "
            "over gedeelde overtuigingen."
        )
    elif state == "blind_trust":
        if row.get("falling") and not row["reliability"] <= config.reliability_low:
            how_en = f"is falling (from {pct(row['previous_reliability'])} in the window before)"
            how_nl = f"daalt (van {pct(row['previous_reliability'])} in de periode ervoor)"
        else:
            how_en, how_nl = "is low", "laag is"
        en = (
            f"Trust in {name} stays high — {trust_en} — while its reliability {how_en}: {rel_en}{nk_en}. "
            "The dark side of trust: steer on the agreements, not on the feeling."
        )
        nl = (
            f"Het vertrouwen in {name} blijft hoog — {trust_nl} — terwijl de betrouwbaarheid {how_nl}: "
            f"{rel_nl}{nk_nl}. De schaduwkant van vertrouwen: stuur op de afspraken, niet op het gevoel."
        )
    elif state == "distrust":
        en = (
            f"For {name} both are low — {rel_en}{nk_en}; {trust_en}. Start from small agreements that can be "
            "kept, and review them at every session."
        )
        nl = (
            f"Voor {name} zijn beide laag — {rel_nl}{nk_nl}; {trust_nl}. Begin met kleine afspraken die "
            "haalbaar zijn, en bespreek ze elke sessie."
        )
    else:
        en = f"{name}: no clear state — {rel_en}, {trust_en}: neither both high, both low, nor clearly apart."
        nl = (
            f"{name}: geen duidelijk beeld — {rel_nl}, {trust_nl}: niet allebei hoog, niet allebei laag en "
            "niet duidelijk uit elkaar."
        )
    return en + g_en, nl + g_nl


def _evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "window": [row["window_first"], row["window_last"]],
        "reliability": _num(row["reliability"]),
        "reliability_low": _num(row["reliability_low"]),
        "reliability_high": _num(row["reliability_high"]),
        "previous_reliability": _num(row["previous_reliability"]),
        "n_agreements": int(row["n_agreements"]),
        "trust": _num(row["trust"]),
        "trust_low": _num(row["trust_low"]),
        "trust_high": _num(row["trust_high"]),
        "n_ratings": int(row["n_ratings"]),
        "n_raters": int(row["n_raters"]),
        "n_respondents": int(row["n_respondents"]),
        "not_kept": [i["agreement_id"] for i in row["not_kept"]],
        "goals_shared_on": _date(row["goals_shared_on"]) or None,
    }


def trust_shocks(
    trends: pd.DataFrame,
    periods: pd.DataFrame,
    agreements: pd.DataFrame,
    outcomes: pd.DataFrame,
    obs: Observations,
    config: MetricsConfig,
) -> pd.DataFrame:
    """Sharp falls of trust received at a period that follows a broken (or overdue) agreement of that partner.

    A fall counts when trust received drops by at least ``shock_drop`` from the period it was last rated in,
    both with at least ``shock_min_respondents`` respondents, and an agreement of that partner was marked broken
    since then, or fell due since then and was not kept by this period's end.
    Columns: ``partner, partner_name, period_idx, session_id, period_end, trust_before, trust_after, drop,
    previous_period, previous_end, agreements`` (a list of dicts: id, title, status, date).
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
        "previous_period",
        "previous_end",
        "agreements",
    ]
    rated_rows = trends[trends["trust"].notna()].sort_values(["partner", "period_idx"], kind="stable")
    prev = rated_rows.groupby("partner", sort=False)[["trust", "n_respondents", "period_idx", "period_end"]].shift(1)
    cand = rated_rows.assign(
        trust_before=prev["trust"],
        prev_resp=prev["n_respondents"],
        previous_idx=prev["period_idx"],
        previous_end=prev["period_end"],
    )
    cand = cand[
        (cand["trust_before"] - cand["trust"] >= config.shock_drop)
        & (cand["prev_resp"] >= config.shock_min_respondents)
        & (cand["n_respondents"] >= config.shock_min_respondents)
    ]
    if cand.empty:
        return pd.DataFrame({c: [] for c in cols})
    cand = cand[
        [
            "partner",
            "partner_name",
            "period_idx",
            "session_id",
            "period_end",
            "trust_before",
            "trust",
            "previous_idx",
            "previous_end",
        ]
    ].rename(columns={"trust": "trust_after"})
    titles = agreements.set_index("agreement_id")["title"]
    # Marked broken since the period before ...
    broken = outcomes[outcomes["status"] == "broken"].merge(agreements[["agreement_id", "owner"]], on="agreement_id")
    b = cand.merge(broken, left_on="partner", right_on="owner")
    b = b[(b["date"] > b["previous_end"]) & (b["date"] <= b["period_end"])]
    b = b.assign(status="broken", when=b["date"])[["partner", "period_idx", "agreement_id", "status", "when"]]
    # ... or fell due since then and was not kept (still open, or broken) at this period's end.
    n = obs.n_periods
    cand_keys = (pd.Index(obs.partners).get_indexer(cand["partner"]) * n + cand["period_idx"].to_numpy()).astype(
        "int64"
    )
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
    lists = {
        key: [
            {"agreement_id": str(r.agreement_id), "title": str(r.title), "status": str(r.status), "date": _date(r.when)}
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
    cand["drop"] = cand["trust_before"] - cand["trust_after"]
    pid = periods.set_index("period_idx")["period_id"]
    cand["previous_period"] = cand["previous_idx"].map(pid).astype("str")
    return cand[cols].reset_index(drop=True)


def _explain_shock(s: pd.Series) -> tuple[str, str]:
    name = s["partner_name"]
    en_items, nl_items = [], []
    for a in s["agreements"][:MAX_CITED]:
        if a["status"] == "broken":
            en_items.append(f"{a['agreement_id']} “{a['title']}” was broken ({a['date']})")
            nl_items.append(f"{a['agreement_id']} “{a['title']}” werd verbroken ({a['date']})")
        else:
            en_items.append(f"{a['agreement_id']} “{a['title']}” fell due on {a['date']} and was not kept")
            nl_items.append(f"{a['agreement_id']} “{a['title']}” (einddatum {a['date']}) niet werd nagekomen")
    more = len(s["agreements"]) - MAX_CITED
    if more > 0:
        en_items.append(f"{more} more")
        nl_items.append(f"nog {more}")
    at = f"{s['session_id'] or s['period_id']} ({_date(s['period_end'])})"
    points = round(float(s["drop"]) * 100)
    en = (
        f"At {at} trust in {name} fell sharply, from {pct(s['trust_before'])} at {s['previous_period']} to "
        f"{pct(s['trust_after'])} ({points} points), after {'; '.join(en_items)}. Trust leaves on horseback."
    )
    nl = (
        f"Bij {at} daalde het vertrouwen in {name} scherp, van {pct(s['trust_before'])} bij "
        f"{s['previous_period']} naar {pct(s['trust_after'])} ({points} procentpunten), nadat "
        f"{'; '.join(nl_items)}. Vertrouwen gaat te paard."
    )
    return en, nl


def patterns_frame(states: pd.DataFrame, shocks: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
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
    pid = periods.set_index("period_idx")["period_id"]
    for _, sh in shocks.iterrows():
        sh = sh.copy()
        sh["period_id"] = pid.get(sh["period_idx"], "")
        en, nl = _explain_shock(sh)
        rows.append(
            {
                "partner": sh["partner"],
                "partner_name": sh["partner_name"],
                "pattern": "trust_shock",
                "session_id": sh["session_id"] or None,
                "period_end": sh["period_end"],
                "explanation_en": en,
                "explanation_nl": nl,
                "evidence": {
                    "trust_before": _num(sh["trust_before"]),
                    "trust_after": _num(sh["trust_after"]),
                    "drop": _num(sh["drop"]),
                    "previous_period": sh["previous_period"],
                    "agreements": [a["agreement_id"] for a in sh["agreements"]],
                },
            }
        )
    out = pd.DataFrame(rows, columns=PATTERN_COLUMNS)
    if not out.empty:
        out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[s]")
    return out.sort_values(["partner", "period_end", "pattern"], kind="stable").reset_index(drop=True)
