"""How trust and reliability relate: asymmetry, lead–lag (exploratory), reciprocity; and event markers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alliance_lens.metrics import distributions as dist
from alliance_lens.metrics.config import MetricsConfig
from alliance_lens.metrics.reliability import STATUS_CODES, OutcomeHistory, period_index
from alliance_lens.model import AllianceData


def resolution_changes(
    trends: pd.DataFrame, outcomes: pd.DataFrame, agreements: pd.DataFrame, periods: pd.DataFrame
) -> pd.DataFrame:
    """Each agreement's first kept (``kept`` or ``kept_late``) and first ``broken`` outcome, with a trust change.

    The change is that of its owner's trust received at the session closing the period the outcome was recorded
    in, against the last period in which that owner was rated before.

    Columns: ``partner, after, change`` (``after`` ∈ ``kept, broken``).
    """
    partners = trends["partner"].drop_duplicates().to_numpy(dtype=object)
    n_p, n = len(partners), len(periods)
    if n_p == 0 or n == 0 or outcomes.empty:
        return pd.DataFrame(
            {
                "partner": pd.Series([], dtype="str"),
                "after": pd.Series([], dtype="str"),
                "change": pd.Series([], dtype="float64"),
            }
        )
    trust = pd.DataFrame(trends["trust"].to_numpy(dtype="float64").reshape(n_p, n))
    before = trust.ffill(axis=1).shift(1, axis=1)
    change = (trust - before).to_numpy()
    code = pd.Index(["kept", "kept_late", "broken"]).get_indexer(pd.Index(outcomes["status"].to_numpy()))
    after = np.where(code == 2, 1, np.where(code >= 0, 0, -1))  # 0 kept, 1 broken, -1 neither
    owner_of = agreements.set_index("agreement_id")["owner"]
    owner = pd.Index(partners).get_indexer(owner_of.reindex(outcomes["agreement_id"]).to_numpy())
    agreement = pd.Index(agreements["agreement_id"].to_numpy()).get_indexer(outcomes["agreement_id"].to_numpy())
    p = period_index(outcomes["date"], periods)
    ok = (after >= 0) & (owner >= 0) & (p < n) & (agreement >= 0)
    # The first of each kind per agreement: outcomes are ordered by agreement and date.
    key = agreement[ok].astype("int64") * 2 + after[ok]
    _, first = np.unique(key, return_index=True)
    o, a, pi = owner[ok][first], after[ok][first], p[ok][first]
    ch = change[o, pi]
    keep = np.isfinite(ch)
    return pd.DataFrame(
        {
            "partner": partners[o[keep]].astype(str),
            "after": np.where(a[keep] == 1, "broken", "kept"),
            "change": ch[keep],
        }
    )


def asymmetry(rows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per partner: the mean change of trust after its agreements were kept, and after they were broken.

    ``rows`` from :func:`resolution_changes` ("comes on foot, leaves on horseback"), with ``n`` (agreements) and
    the spread. Columns: ``partner, partner_name, after, mean_change, n, sd`` (``after`` ∈ ``kept, broken``).
    """
    g = rows.groupby(["partner", "after"])["change"].agg(["mean", "count", "std"])
    grid = pd.MultiIndex.from_product([sorted(names), ["kept", "broken"]], names=["partner", "after"])
    g = g.reindex(grid)
    out = pd.DataFrame(
        {
            "mean_change": g["mean"].to_numpy(),
            "n": g["count"].fillna(0).astype("int64").to_numpy(),
            "sd": g["std"].to_numpy(),
        },
        index=grid,
    ).reset_index()
    out.insert(1, "partner_name", out["partner"].map(names).astype("str"))
    out["partner"] = out["partner"].astype("str")
    out["after"] = out["after"].astype("str")
    return out


def alliance_asymmetry(rows: pd.DataFrame) -> pd.DataFrame:
    """The same, pooled over all partners: ``after, mean_change, n, sd``."""
    g = rows.groupby("after")["change"].agg(["mean", "count", "std"]).reindex(["kept", "broken"])
    return pd.DataFrame(
        {
            "after": ["kept", "broken"],
            "mean_change": g["mean"].to_numpy(),
            "n": g["count"].fillna(0).astype("int64").to_numpy(),
            "sd": g["std"].to_numpy(),
        }
    ).astype({"after": "str"})


def _autocorrelations(v: np.ndarray, max_k: int) -> np.ndarray:
    """Sample autocorrelations of one series (NaN-free) at lags 1 … ``max_k`` (0 where undefined)."""
    n = len(v)
    d = v - v.mean()
    denom = float((d**2).sum())
    out = np.zeros(max_k)
    if n < 3 or denom <= 0:
        return out
    for k in range(1, min(max_k, n - 1) + 1):
        out[k - 1] = float((d[:-k] * d[k:]).sum()) / denom
    return out


def effective_n(x: np.ndarray, y: np.ndarray) -> float:
    """Bartlett's effective number of independent pairs for the correlation of two autocorrelated series.

    n / (1 + 2 Σₖ ρₓ(k) ρᵧ(k)), over lags k up to n/4, kept within [2, n]: smoothed, trending series carry far
    fewer independent pairs than they have points.
    """
    n = len(x)
    if n < 3:
        return float(n)
    max_k = max(1, n // 4)
    s = float((_autocorrelations(x, max_k) * _autocorrelations(y, max_k)).sum())
    return float(np.clip(n / max(1.0 + 2.0 * s, 1e-9), 2.0, n))


def lead_lag(trends: pd.DataFrame, config: MetricsConfig) -> pd.DataFrame:
    """Exploratory: whether trust follows reliability.

    Pearson correlation of reliability at period t with trust at period t + lag, per partner, for lags
    0 … ``max_lag``, with a Fisher-z band at ``credible_level`` on the *effective* number of pairs
    (:func:`effective_n`, Bartlett), since both series are smoothed and autocorrelated. Read it as a hint,
    never as proof. Columns: ``partner, partner_name, lag, r, r_low, r_high, n, n_effective, level,
    exploratory``.
    """
    # ``trends`` is laid out partner by partner, each over all periods in order.
    firsts = trends.drop_duplicates("partner")
    partners = firsts["partner"].to_numpy(dtype=object)
    names = dict(zip(firsts["partner"], firsts["partner_name"], strict=True))
    n_rows = len(partners)
    n_cols = len(trends) // n_rows if n_rows else 0
    x_all = trends["reliability"].to_numpy(dtype="float64").reshape(n_rows, n_cols)
    y_all = trends["trust"].to_numpy(dtype="float64").reshape(n_rows, n_cols)
    z = float(dist.norm_ppf((1.0 + config.credible_level) / 2.0))
    rows: list[dict[str, object]] = []
    for i in range(n_rows):  # a handful of partners and lags; the series are short
        for lag in range(config.max_lag + 1):
            x = x_all[i, : n_cols - lag] if lag < n_cols else np.empty(0)
            y = y_all[i, lag:] if lag < n_cols else np.empty(0)
            ok = np.isfinite(x) & np.isfinite(y)
            xs, ys = x[ok], y[ok]
            n = len(xs)
            r = low = high = n_eff = np.nan
            if n >= 3 and xs.std() > 0 and ys.std() > 0:
                r = float(np.clip(np.corrcoef(xs, ys)[0, 1], -1.0, 1.0))
                n_eff = effective_n(xs, ys)
                if n_eff > 3:
                    zr = np.arctanh(np.clip(r, -0.999999, 0.999999))
                    half = z / np.sqrt(n_eff - 3.0)
                    low, high = min(float(np.tanh(zr - half)), r), max(float(np.tanh(zr + half)), r)
                else:
                    low, high = -1.0, 1.0
            rows.append(
                {"partner": partners[i], "lag": lag, "r": r, "r_low": low, "r_high": high, "n": n, "n_effective": n_eff}
            )
    out = pd.DataFrame(rows, columns=["partner", "lag", "r", "r_low", "r_high", "n", "n_effective"])
    out = out.astype({"lag": "int64", "n": "int64", "r": "float64", "r_low": "float64", "r_high": "float64"})
    out["n_effective"] = out["n_effective"].astype("float64")
    out.insert(1, "partner_name", out["partner"].map(names).fillna("").astype("str"))
    out["partner"] = out["partner"].astype("str")
    out["level"] = config.credible_level
    out["exploratory"] = True
    return out.sort_values(["partner", "lag"], kind="stable").reset_index(drop=True)


def reciprocity(
    partners: pd.DataFrame,
    agreements: pd.DataFrame,
    status: np.ndarray,
    counted: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
) -> pd.DataFrame:
    """Per pair of partners, both directions: agreements that fell due and those kept, A → B against B → A.

    ``status`` (codes, -1 open) and ``counted`` (fell due by the status date, not dropped) per agreement row;
    ``pairs`` (agreement row, beneficiary code). Kept means ``kept`` or ``kept_late``.
    Columns: ``partner_a, partner_a_name, partner_b, partner_b_name, a_to_b_due, a_to_b_kept, b_to_a_due,
    b_to_a_kept, a_to_b_rate, b_to_a_rate``.
    """
    ids = partners["partner"].to_numpy(dtype=object)
    nm = partners["partner_name"].to_numpy(dtype=object)
    n_p = len(ids)
    owner = pd.Index(ids).get_indexer(agreements["owner"])
    kept = (status == 0) | (status == 1)
    rows, ben = pairs
    ok = counted[rows]
    rows, ben = rows[ok], ben[ok]
    key = owner[rows] * n_p + ben
    due = np.bincount(key, minlength=n_p * n_p).reshape(n_p, n_p)
    kept_n = np.bincount(key, weights=kept[rows].astype("float64"), minlength=n_p * n_p).reshape(n_p, n_p)
    a, b = np.triu_indices(n_p, k=1)
    out = pd.DataFrame(
        {
            "partner_a": ids[a],
            "partner_a_name": nm[a],
            "partner_b": ids[b],
            "partner_b_name": nm[b],
            "a_to_b_due": due[a, b].astype("int64"),
            "a_to_b_kept": kept_n[a, b].astype("int64"),
            "b_to_a_due": due[b, a].astype("int64"),
            "b_to_a_kept": kept_n[b, a].astype("int64"),
        }
    ).astype({"partner_a": "str", "partner_a_name": "str", "partner_b": "str", "partner_b_name": "str"})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["a_to_b_rate"] = np.where(out["a_to_b_due"] > 0, out["a_to_b_kept"] / out["a_to_b_due"], np.nan)
        out["b_to_a_rate"] = np.where(out["b_to_a_due"] > 0, out["b_to_a_kept"] / out["b_to_a_due"], np.nan)
    return out


def events(
    data: AllianceData, history: OutcomeHistory, names: dict[str, str], as_of: pd.Timestamp | None
) -> pd.DataFrame:
    """Markers for charts: broken agreements (dated when marked broken) and dialogue sessions.

    ``history`` is coded by row of ``data.agreements``. Columns: ``date, partner, partner_name, kind, label,
    agreement_id, session_id`` (``partner`` ``""`` for a session: it concerns everyone).
    """
    last = np.iinfo("int64").max if as_of is None else int(np.datetime64(as_of, "D").astype("int64"))
    hit = (history.status == STATUS_CODES.index("broken")) & (history.date <= last)
    rows = history.agreement[hit]
    ids = data.agreements["agreement_id"].to_numpy(dtype=object)[rows]
    owners = data.agreements["owner"].to_numpy(dtype=object)[rows]
    titles = data.agreements["title"].to_numpy(dtype=object)[rows]
    dia = data.sessions[data.sessions["kind"] == "dialogue"]
    if as_of is not None:
        dia = dia[dia["date"] <= as_of]
    n_b, n_s = len(rows), len(dia)
    out = pd.DataFrame(
        {
            "date": np.concatenate(
                [history.date[hit].astype("datetime64[D]"), dia["date"].to_numpy().astype("datetime64[D]")]
            ).astype("datetime64[s]"),
            "partner": np.concatenate([owners, np.full(n_s, "", dtype=object)]),
            "partner_name": np.concatenate(
                [np.array([names.get(o, o) for o in owners], dtype=object), np.full(n_s, "", dtype=object)]
            ),
            "kind": np.array(["broken_agreement"] * n_b + ["dialogue_session"] * n_s, dtype=object),
            "label": np.concatenate(
                [
                    ids + ": " + titles if n_b else np.zeros(0, dtype=object),
                    dia["title"].where(dia["title"] != "", dia["session_id"]).to_numpy(dtype=object),
                ]
            ),
            "agreement_id": np.concatenate([ids, np.full(n_s, "", dtype=object)]),
            "session_id": np.concatenate([np.full(n_b, "", dtype=object), dia["session_id"].to_numpy(dtype=object)]),
        }
    )
    for c in ("partner", "partner_name", "kind", "label", "agreement_id", "session_id"):
        out[c] = out[c].astype("str")
    return out.sort_values(["date", "kind", "agreement_id", "session_id"], kind="stable").reset_index(drop=True)
