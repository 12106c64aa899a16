"""What the ``trends`` and ``patterns`` commands print: the metrics of one alliance as JSON or a readable table.

Pure functions of :class:`~alliance_lens.metrics.core.Metrics` (the handlers are in :mod:`alliance_lens.cli`).
JSON is as ``CONTRACT.md`` promises: values 0–1, ``null`` where there is no data, ISO dates.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from alliance_lens.messages import tr
from alliance_lens.metrics.core import TREND_COLUMNS, Metrics
from alliance_lens.metrics.patterns import pct

_AT = TREND_COLUMNS.index("period_id") + 1
#: The fields of ``trends --json``: the trend columns of :data:`core.TREND_COLUMNS` (with the session beside the
#: period), then whether the partner had shared its goals and whether its trust is under the anonymity floor.
TREND_JSON = [*TREND_COLUMNS[:_AT], "session_id", *TREND_COLUMNS[_AT:], "goals_shared", "trust_below_floor"]


def json_value(v: Any) -> Any:
    """A cell as JSON: NaN/NaT → null, dates → ISO, numpy scalars → Python, floats rounded to 4 places."""
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_value(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return None if not math.isfinite(v) else round(v, 4)
    if pd.isna(v):
        return None
    return str(v)


def trends_records(m: Metrics) -> list[dict[str, Any]]:
    """The ``trends --json`` array: one object per partner and period."""
    frame = m.trends[TREND_JSON]
    return [{c: json_value(v) for c, v in zip(TREND_JSON, row, strict=True)} for row in frame.itertuples(index=False)]


def patterns_records(m: Metrics, lang: str = "en") -> list[dict[str, Any]]:
    """The ``patterns --json`` array: claimed states and trust shocks (partners without enough data: none)."""
    frame = m.patterns[m.patterns["pattern"] != "not_enough_data"]
    out = []
    for r in frame.to_dict("records"):
        out.append(
            {
                "partner": r["partner"],
                "partner_name": r["partner_name"],
                "pattern": r["pattern"],
                "session_id": r["session_id"] or None,
                "period_end": json_value(r["period_end"]),
                "explanation": r["explanation_nl"] if lang == "nl" else r["explanation_en"],
                "explanation_en": r["explanation_en"],
                "explanation_nl": r["explanation_nl"],
                "evidence": json_value(r["evidence"]),
            }
        )
    return out


#: The readable trends table's columns (``cli.trends.col.*`` in the message catalogue).
_COLUMNS = (
    "partner",
    "period",
    "date",
    "reliability",
    "interval",
    "n",
    "trust",
    "interval",
    "ratings",
    "raters",
    "gap",
)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _interval(low: float, high: float) -> str:
    return "" if not (math.isfinite(low) and math.isfinite(high)) else f"{pct(low)}–{pct(high)}"


def trends_table(m: Metrics, lang: str = "en") -> str:
    """The trends as a readable table, one line per partner and period."""
    rows = [[tr(f"cli.trends.col.{c}", lang) for c in _COLUMNS]]
    for r in m.trends.to_dict("records"):
        gap = "" if not math.isfinite(r["gap"]) else f"{round(r['gap'] * 100):+d}"
        rows.append(
            [
                str(r["partner_name"]),
                str(r["period_id"]),
                pd.Timestamp(r["period_end"]).date().isoformat(),
                pct(r["reliability"]),
                _interval(r["reliability_low"], r["reliability_high"]),
                str(r["n_agreements"]),
                pct(r["trust"]),
                _interval(r["trust_low"], r["trust_high"]),
                str(r["n_ratings"]),
                str(r["n_raters"]),  # the organisations behind the ratings: what the trust interval counts
                gap,
            ]
        )
    return tr("cli.trends.title", lang, alliance=m.alliance_name, view=m.config.view) + "\n" + _table(rows)


def patterns_text(m: Metrics, lang: str = "en") -> str:
    """The patterns in plain words, and which partners have too little data or no clear state."""
    col = "explanation_nl" if lang == "nl" else "explanation_en"
    lines = [tr("cli.patterns.title", lang, alliance=m.alliance_name)]
    claimed = m.patterns[m.patterns["pattern"] != "not_enough_data"]
    if claimed.empty:
        lines.append("  " + tr("cli.patterns.none", lang))
    for r in claimed.to_dict("records"):
        # the pattern's name in words (the key is in ``--json``), and the session it was judged or seen at
        lines.append(f"- {r['partner_name']}: {tr('pattern.' + str(r['pattern']), lang)} ({r['session_id'] or '–'})")
        lines.append(f"  {r[col]}")
    for state, heading in (("not_enough_data", "cli.patterns.thin"), ("mixed", "cli.patterns.mixed")):
        rows = m.partner_states[m.partner_states["state"] == state]
        if not rows.empty:
            lines.append(tr(heading, lang))
            lines.extend(f"- {r[col]}" for r in rows.to_dict("records"))
    return "\n".join(lines)
