"""The one-glance headline per partner, like a health-check board: state, reliability and trust now, and whither.

"Now" is what the state was judged on (the figures its card and explanation give, with the agreements kept of
those counted: the reliability shown is adjusted, and "1 of 1" says how little it rests on); "whither" is the
trend's latest change.

Numbers only (a frame); the dashboard writes the words. Partners come in order of concern
(:func:`alliance_lens.charts._common.concern_order`), the same order as the contrast chart's panels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from alliance_lens.charts._common import concern_order, frame_of, latest_patterns, optional_frame, require_columns

if TYPE_CHECKING:
    from alliance_lens.metrics import Metrics

#: A change smaller than this (0–1 scale; 2 percentage points) reads as "steady".
STEADY = 0.02

HEADLINE_COLUMNS = (
    "partner",
    "partner_name",
    "pattern",
    "reliability",
    "reliability_change",
    "n_kept",
    "n_agreements",
    "trust",
    "trust_change",
    "period_end",
    "shock_on",
)


def _now_and_change(rows: pd.DataFrame, column: str) -> tuple[float, float]:
    values = rows[column].dropna()
    if values.empty:
        return float("nan"), float("nan")
    now = float(values.iloc[-1])
    return now, (now - float(values.iloc[-2])) if len(values) > 1 else float("nan")


def headline(
    metrics: Metrics | pd.DataFrame,
    *,
    patterns: pd.DataFrame | None = None,
    partner_states: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per partner, most concerning first: state, reliability and trust now, and their change.

    ``pattern``: the key of the state at the latest session (``""``: none); ``reliability`` and ``trust``: the
    figures that state was judged on (``partner_states``: its window, as its card and explanation give them —
    the board, the card and the text never show two figures for one thing), and ``n_kept`` of ``n_agreements``
    the record behind that reliability; without ``partner_states``, at their latest measured session (and the
    counts ``<NA>``). ``*_change``: the trend's, since the measured session before its latest
    (NaN: none) — whither it is going. ``shock_on``: where the pattern shown is a trust shock, the session it
    happened at (it may be sessions ago; the board says when), else NaT.
    """
    trends = frame_of(metrics, "trends")
    require_columns(trends, ("partner", "partner_name", "period_end", "reliability", "trust"), "trends")
    patterns = optional_frame(metrics, "patterns", patterns)
    judged = optional_frame(metrics, "partner_states", partner_states)
    figures: dict[str, tuple[float, float]] = {}
    record: dict[str, tuple[int, int]] = {}
    if judged is not None and not judged.empty:
        require_columns(judged, ("partner", "reliability", "trust"), "partner_states")
        figures = {
            str(p): (float(r), float(t))
            for p, r, t in zip(judged["partner"], judged["reliability"], judged["trust"], strict=True)
        }
        if {"n_kept", "n_agreements"} <= set(judged.columns):  # an analyst's frame may lack them
            record = {
                str(p): (int(k), int(n))
                for p, k, n in zip(judged["partner"], judged["n_kept"], judged["n_agreements"], strict=True)
                if pd.notna(k) and pd.notna(n)
            }
    states = latest_patterns(patterns)
    shocks: dict[str, pd.Timestamp] = {}
    if patterns is not None and not patterns.empty and "period_end" in patterns.columns:
        shocked = patterns[patterns["pattern"] == "trust_shock"]
        shocks = {str(p): pd.Timestamp(d) for p, d in shocked.groupby("partner")["period_end"].max().items()}
    ordered = trends.sort_values(["partner", "period_end"], kind="stable")
    rows = []
    for partner in concern_order(trends, patterns):
        mine = ordered[ordered["partner"].astype(str) == partner]
        rel, rel_change = _now_and_change(mine, "reliability")
        tru, tru_change = _now_and_change(mine, "trust")
        rel, tru = figures.get(partner, (rel, tru))
        kept, counted = record.get(partner, (pd.NA, pd.NA))
        rows.append(
            (
                partner,
                str(mine["partner_name"].iloc[-1]),
                states.get(partner, ""),
                rel,
                rel_change,
                kept,
                counted,
                tru,
                tru_change,
                pd.Timestamp(mine["period_end"].iloc[-1]),
                shocks.get(partner, pd.NaT) if states.get(partner) == "trust_shock" else pd.NaT,
            )
        )
    board = pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))
    return board.astype({"n_kept": "Int64", "n_agreements": "Int64"})


def direction(change: float) -> int:
    """``1`` rising, ``-1`` falling, ``0`` steady or unknown (within :data:`STEADY`)."""
    if change != change or abs(change) < STEADY:
        return 0
    return 1 if change > 0 else -1
