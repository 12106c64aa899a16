"""How trust and reliability relate: asymmetry, lead–lag (exploratory), reciprocity; and event markers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from alliance_lens.metrics.config import MetricsConfig
from alliance_lens.metrics.reliability import period_index
from alliance_lens.model import AllianceData, beneficiaries_of


def _trust_changes(trends: pd.DataFrame) -> pd.DataFrame:
    """Per partner and rated period: the change of trust received since the period it was last rated in."""
    rated = trends[trends["trust"].notna()].sort_values(["partner", "period_idx"], kind="stable")
    change = rated["trust"] - rated.groupby("partner", sort=False)["trust"].shift(1)
    return rated.assign(change=change)[["partner", "period_idx", "change"]].dropna()


def _resolutions(outcomes: pd.DataFrame, agreements: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Each agreement's first ``kept``/``kept_late`` (as kept) and ``broken`` outcome, with its period."""
    kind = outcomes["status"].map({"kept": "kept", "kept_late": "kept", "broken": "broken"})
    res = outcomes.assign(after=kind).dropna(subset=["after"])
    res = res.drop_duplicates(["agreement_id", "after"]).merge(agreements[["agreement_id", "owner"]],
                                                                on="agreement_id")
    res = res.assign(period_idx=period_index(res["date"], periods))
    return res[res["period_idx"] < len(periods)].rename(columns={"owner": "partner"})


def _asymmetry_rows(trends: pd.DataFrame, outcomes: pd.DataFrame, agreements: pd.DataFrame,
                    periods: pd.DataFrame) -> pd.DataFrame:
    return _resolutions(outcomes, agreements, periods).merge(
        _trust_changes(trends), on=["partner", "period_idx"], how="inner"
    )


def asymmetry(trends: pd.DataFrame, outcomes: pd.DataFrame, agreements: pd.DataFrame, periods: pd.DataFrame,
              names: dict[str, str]) -> pd.DataFrame:
    """Per partner: the mean change of trust received at the session after an agreement of it was kept, and
    after one was broken ("comes on foot, leaves on horseback"), with ``n`` (agreements) and the spread.

    Columns: ``partner, partner_name, after, mean_change, n, sd`` (``after`` ∈ ``kept, broken``).
    """
    rows = _asymmetry_rows(trends, outcomes, agreements, periods)
    g = rows.groupby(["partner", "after"])["change"].agg(["mean", "count", "std"])
    grid = pd.MultiIndex.from_product([list(names), ["kept", "broken"]], names=["partner", "after"])
    g = g.reindex(grid)
    out = pd.DataFrame(
        {"mean_change": g["mean"].to_numpy(), "n": g["count"].fillna(0).astype("int64").to_numpy(),
         "sd": g["std"].to_numpy()},
        index=grid,
    ).reset_index()
    out.insert(1, "partner_name", out["partner"].map(names).astype("str"))
    return out


def alliance_asymmetry(trends: pd.DataFrame, outcomes: pd.DataFrame, agreements: pd.DataFrame,
                       periods: pd.DataFrame) -> pd.DataFrame:
    """The same, pooled over all partners: ``after, mean_change, n, sd``."""
    rows = _asymmetry_rows(trends, outcomes, agreements, periods)
    g = rows.groupby("after")["change"].agg(["mean", "count", "std"]).reindex(["kept", "broken"])
    return pd.DataFrame(
        {"after": ["kept", "broken"], "mean_change": g["mean"].to_numpy(),
         "n": g["count"].fillna(0).astype("int64").to_numpy(), "sd": g["std"].to_numpy()}
    )


def lead_lag(trends: pd.DataFrame, config: MetricsConfig) -> pd.DataFrame:
    """Exploratory: does trust follow reliability? Pearson correlation of reliability at period t with trust at
    period t + lag, per partner, for lags 0 … ``max_lag``, with a Fisher-z confidence band.

    Both series are smoothed and autocorrelated, so the band is too narrow if anything: read it as a hint,
    never as proof. Columns: ``partner, partner_name, lag, r, r_low, r_high, n, exploratory``.
    """
    rel = trends.pivot(index="partner", columns="period_idx", values="reliability")
    tru = trends.pivot(index="partner", columns="period_idx", values="trust").reindex_like(rel)
    names = trends.drop_duplicates("partner").set_index("partner")["partner_name"]
    x_all, y_all = rel.to_numpy(dtype="float64"), tru.to_numpy(dtype="float64")
    z = stats.norm.ppf((1.0 + config.credible_level) / 2.0)
    frames = []
    n_periods = x_all.shape[1]
    for lag in range(config.max_lag + 1):  # a handful of lags, each vectorised over partners and periods
        if lag >= n_periods:
            x, y = np.empty((len(rel), 0)), np.empty((len(rel), 0))
        else:
            x, y = x_all[:, : n_periods - lag], y_all[:, lag:]
        ok = np.isfinite(x) & np.isfinite(y)
        n = ok.sum(axis=1)
        xm = np.where(ok, x, 0.0)
        ym = np.where(ok, y, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mx, my = xm.sum(axis=1) / n, ym.sum(axis=1) / n
            dx = np.where(ok, x - mx[:, None], 0.0)
            dy = np.where(ok, y - my[:, None], 0.0)
            r = (dx * dy).sum(axis=1) / np.sqrt((dx**2).sum(axis=1) * (dy**2).sum(axis=1))
            r = np.where(n >= 3, np.clip(r, -1.0, 1.0), np.nan)
            zr = np.arctanh(np.clip(r, -0.999999, 0.999999))
            half = z / np.sqrt(n - 3.0)
            low = np.where(n > 3, np.tanh(zr - half), -1.0)
            high = np.where(n > 3, np.tanh(zr + half), 1.0)
        low = np.where(np.isfinite(r), np.minimum(low, r), np.nan)
        high = np.where(np.isfinite(r), np.maximum(high, r), np.nan)
        frames.append(pd.DataFrame({"partner": rel.index.to_numpy(), "lag": lag, "r": r, "r_low": low,
                                    "r_high": high, "n": n.astype("int64")}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["partner", "lag", "r", "r_low", "r_high", "n"])
    out.insert(1, "partner_name", out["partner"].map(names).astype("str"))
    out["exploratory"] = True
    return out.sort_values(["partner", "lag"], kind="stable").reset_index(drop=True)


def reciprocity(data: AllianceData, status: pd.DataFrame, names: dict[str, str],
                config: MetricsConfig) -> pd.DataFrame:
    """Per pair of partners, both directions: agreements that fell due (dropped ones left out) and those kept
    (``kept`` or ``kept_late``), A → B against B → A, as of the status date.

    Columns: ``partner_a, partner_a_name, partner_b, partner_b_name, a_to_b_due, a_to_b_kept, b_to_a_due,
    b_to_a_kept, a_to_b_rate, b_to_a_rate``.
    """
    pairs = beneficiaries_of(data.agreements, data.partners)[["agreement_id", "owner", "beneficiary"]]
    st = status[["agreement_id", "status", "score"]]
    d = pairs.merge(st, on="agreement_id")
    d = d[d["score"].notna()]  # fell due and not dropped
    d = d.assign(kept=d["status"].isin(["kept", "kept_late"]).astype("int64"))
    directed = d.groupby(["owner", "beneficiary"]).agg(due=("kept", "size"), kept=("kept", "sum"))
    ids = sorted(names)
    a_idx, b_idx = np.triu_indices(len(ids), k=1)
    a = np.array(ids, dtype=object)[a_idx]
    b = np.array(ids, dtype=object)[b_idx]
    ab = directed.reindex(pd.MultiIndex.from_arrays([a, b])).fillna(0)
    ba = directed.reindex(pd.MultiIndex.from_arrays([b, a])).fillna(0)
    out = pd.DataFrame(
        {"partner_a": a, "partner_a_name": [names[x] for x in a], "partner_b": b,
         "partner_b_name": [names[x] for x in b],
         "a_to_b_due": ab["due"].to_numpy().astype("int64"), "a_to_b_kept": ab["kept"].to_numpy().astype("int64"),
         "b_to_a_due": ba["due"].to_numpy().astype("int64"), "b_to_a_kept": ba["kept"].to_numpy().astype("int64")}
    ).astype({"partner_a": "str", "partner_a_name": "str", "partner_b": "str", "partner_b_name": "str"})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["a_to_b_rate"] = np.where(out["a_to_b_due"] > 0, out["a_to_b_kept"] / out["a_to_b_due"], np.nan)
        out["b_to_a_rate"] = np.where(out["b_to_a_due"] > 0, out["b_to_a_kept"] / out["b_to_a_due"], np.nan)
    return out


def events(data: AllianceData, outcomes: pd.DataFrame, names: dict[str, str],
           as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Markers for charts: broken agreements (dated when marked broken) and dialogue sessions.

    Columns: ``date, partner, partner_name, kind, label, agreement_id, session_id`` (``partner`` ``""`` for
    a session: it concerns everyone).
    """
    broken = outcomes[outcomes["status"] == "broken"].merge(
        data.agreements[["agreement_id", "owner", "title"]], on="agreement_id"
    )
    b = pd.DataFrame(
        {"date": broken["date"], "partner": broken["owner"], "kind": "broken_agreement",
         "label": broken["agreement_id"] + ": " + broken["title"], "agreement_id": broken["agreement_id"],
         "session_id": ""}
    )
    dia = data.sessions[data.sessions["kind"] == "dialogue"]
    s = pd.DataFrame(
        {"date": dia["date"], "partner": "", "kind": "dialogue_session",
         "label": dia["title"].where(dia["title"] != "", dia["session_id"]), "agreement_id": "",
         "session_id": dia["session_id"]}
    )
    out = pd.concat([b, s], ignore_index=True)
    if as_of is not None:
        out = out[out["date"] <= as_of]
    out.insert(2, "partner_name", out["partner"].map(names).fillna("").astype("str"))
    out["date"] = out["date"].astype("datetime64[s]")
    for c in ("partner", "kind", "label", "agreement_id", "session_id"):
        out[c] = out[c].astype("str")
    return out.sort_values(["date", "kind", "label"], kind="stable").reset_index(drop=True)
