"""Helpers shared by the chart functions: getting frames out of ``Metrics``, names, small data shaping."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from alliance_lens.charts.theme import check_lang, label, pattern_label
from alliance_lens.domain import contract
from alliance_lens.messages import tr

#: The state patterns (a partner's state at the latest session; the contract's vocabulary); ``trust_shock`` is an
#: event instead.
STATE_PATTERNS = contract.STATE_PATTERNS


def frame_of(source: object, name: str) -> pd.DataFrame:
    """The frame ``name`` of a ``Metrics`` object, or ``source`` itself if it is already a DataFrame."""
    if isinstance(source, pd.DataFrame):
        return source
    frame = getattr(source, name, None)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a Metrics object or a DataFrame of {name!r}, got {type(source).__name__}")
    return frame


def optional_frame(source: object, name: str, given: pd.DataFrame | None) -> pd.DataFrame | None:
    """``given`` if passed, else the frame ``name`` of a ``Metrics`` object, else ``None``."""
    if given is not None:
        return given
    frame = getattr(source, name, None)
    return frame if isinstance(frame, pd.DataFrame) else None


def partner_names(source: object, names: dict[str, str] | None = None) -> dict[str, str]:
    """Partner id → display name, from ``names``, else from the ``Metrics`` trends (ids shown as they are)."""
    if names is not None:
        return dict(names)
    found: dict[str, str] = {}
    for frame_name in ("partners", "trends", "patterns", "agreement_status"):
        frame = getattr(source, frame_name, None)
        if isinstance(frame, pd.DataFrame):
            owner = frame_name == "agreement_status"
            id_col, name_col = ("owner", "owner_name") if owner else ("partner", "partner_name")
            if id_col in frame.columns and name_col in frame.columns:
                pairs = frame[[id_col, name_col]].drop_duplicates()
                found.update({str(k): str(v) for k, v in zip(pairs[id_col], pairs[name_col], strict=True)})
    return found


_MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
}


def time_axis(lang: str, dates: pd.Series | None = None, *, max_ticks: int = 6, **kwargs: Any) -> alt.Axis:
    """A date axis whose labels ("Mar 2025", "mrt 2025") are in ``lang``, one tick per month or per few months.

    The month names live in the axis itself, not in a chart-level locale config, so the chart stays
    layerable and draws the same in vl-convert, a browser, and the dashboard. Ticks fall on month starts
    (so no month is labelled twice), every so many months that at most about ``max_ticks`` fit ``dates``.
    """
    months = "[" + ",".join(f"'{m}'" for m in _MONTHS[check_lang(lang)]) + "]"
    # the year in full: "May 25" reads as a day of May
    expr = f"{months}[month(datum.value)] + ' ' + timeFormat(datum.value, '%Y')"
    step = 1
    if dates is not None:
        valid = pd.to_datetime(dates).dropna()
        if not valid.empty:
            span = (valid.max().year - valid.min().year) * 12 + valid.max().month - valid.min().month + 1
            step = next((s for s in (1, 2, 3, 4, 6, 12, 24) if span / s <= max_ticks), 24)
    return alt.Axis(labelExpr=expr, labelAngle=0, tickCount={"interval": "month", "step": step}, **kwargs)


def row_limit() -> int | None:
    """Altair's row limit now in force (5000 unless someone changed it; ``None`` if switched off)."""
    options = alt.data_transformers.options
    if "max_rows" in options:
        value = options["max_rows"]
        return int(value) if value is not None else None
    transformer = alt.data_transformers.get()
    if transformer is None:
        return None
    param = inspect.signature(transformer).parameters.get("max_rows")
    return int(param.default) if param is not None and isinstance(param.default, int) else None


def compact_data(frame: pd.DataFrame, *, digits: int = 4) -> alt.InlineData:
    """The rows of ``frame`` as inline data without empty fields, numbers rounded to ``digits`` decimals.

    Charts that stack rows of several kinds in one dataset (a faceted layer must) would otherwise carry every
    column in every row, mostly as nulls. Vega reads an absent field as missing, like a null. The row limit
    Altair sets for DataFrames (``alt.data_transformers``' ``max_rows``) is enforced here just the same.
    """
    limit = row_limit()
    if limit is not None and len(frame) > limit:
        raise alt.MaxRowsError(
            f"the chart would embed {len(frame)} rows, more than Altair's limit of {limit}; aggregate first"
        )
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            # Altair's own format: a local date-time, as a browser and vl-convert both parse it
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object)
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(digits)
    records = []
    for row in out.astype(object).to_dict(orient="records"):
        rec: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            elif hasattr(value, "item"):
                value = value.item()
            rec[str(key)] = value
        records.append(rec)
    return alt.InlineData(values=records)


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """A clear error when ``frame`` lacks a column a chart needs (the metrics layer changed, or a typo)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {what} frame lacks column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}")


def latest_states(patterns: pd.DataFrame | None, lang: str) -> dict[str, str]:
    """Partner id → the name of its state pattern at the latest session, in ``lang``."""
    if patterns is None or patterns.empty:
        return {}
    states = patterns[~patterns["pattern"].isin(["trust_shock"])]
    if "period_end" in states.columns:
        states = states.sort_values("period_end", kind="stable")
    last = states.groupby("partner", sort=False)["pattern"].last()
    named = {str(p): pattern_label(str(v), lang) for p, v in last.items()}
    # a partner whose only pattern is a trust shock is named by it: that is its story
    for p in patterns.loc[patterns["pattern"] == "trust_shock", "partner"].astype(str):
        named.setdefault(p, pattern_label("trust_shock", lang))
    return named


def as_layer(chart: object) -> alt.LayerChart:
    """``chart`` typed as the layer chart it is (Altair's ``properties`` is typed loosely)."""
    if not isinstance(chart, alt.LayerChart):
        raise TypeError(f"expected a LayerChart, got {type(chart).__name__}")
    return chart


def title(key: str, lang: str, subtitle_key: str | None = None, extra: str | None = None) -> alt.TitleParams:
    """A chart title (and subtitle) in ``lang``."""
    text = label(key, check_lang(lang)) + (f" — {extra}" if extra else "")
    if subtitle_key is None:
        return alt.TitleParams(text=text)
    return alt.TitleParams(text=text, subtitle=label(subtitle_key, lang))


def percent(value: Any, missing: str = "—") -> str:
    """``0.72`` → ``"72 %"``; missing → ``missing`` (a dash on a chart, an empty table cell)."""
    if value is None or pd.isna(value):
        return missing
    return f"{float(value) * 100:.0f} %"


def signed_points(value: Any) -> str:
    """A change of a 0–1 value in percentage points: ``+5``, ``−3``; missing → ``""``."""
    if value is None or pd.isna(value):
        return ""
    points = round(float(value) * 100)
    return f"+{points}" if points > 0 else ("±0" if points == 0 else f"−{abs(points)}")


#: How much a partner's state calls for the room's attention (lower first); unknown and "not enough data" last.
CONCERN: dict[str, int] = {
    "blind_trust": 0,
    "trust_shock": 1,
    "distrust": 2,
    "trust_lags": 3,
    "earned_trust": 4,
    "not_enough_data": 6,
}


def latest_patterns(patterns: pd.DataFrame | None) -> dict[str, str]:
    """Partner id → the key of its state pattern at the latest session (a partner with only a shock: that)."""
    if patterns is None or patterns.empty:
        return {}
    states = patterns[~patterns["pattern"].isin(["trust_shock"])]
    if "period_end" in states.columns:
        states = states.sort_values("period_end", kind="stable")
    named = {str(p): str(v) for p, v in states.groupby("partner", sort=False)["pattern"].last().items()}
    shocked = set(patterns.loc[patterns["pattern"] == "trust_shock", "partner"].astype(str))
    for p in shocked:
        named.setdefault(p, "trust_shock")
    return named


def concern_order(trends: pd.DataFrame, patterns: pd.DataFrame | None) -> list[str]:
    """Partner ids, those whose latest state calls for attention first, then by the latest gap, then by name.

    States by concern: blind trust, a trust shock, distrust, trust lagging, earned trust; not enough data last.
    """
    ids = list(dict.fromkeys(trends["partner"].astype(str)))
    states = latest_patterns(patterns)
    gaps: dict[str, float] = {}
    if "gap" in trends.columns:
        last = trends.dropna(subset=["gap"]).sort_values("period_end", kind="stable").groupby("partner")["gap"].last()
        gaps = {str(k): abs(float(v)) for k, v in last.items()}
    names: dict[str, str] = {}
    if "partner_name" in trends.columns:
        names = dict(zip(trends["partner"].astype(str), trends["partner_name"].astype(str), strict=True))

    def rank(p: str) -> tuple[int, float, str]:
        return CONCERN.get(states.get(p, ""), 5), -gaps.get(p, 0.0), names.get(p, p)

    return sorted(ids, key=rank)


def card_order(patterns: pd.DataFrame, trends: pd.DataFrame) -> pd.DataFrame:
    """``patterns`` in the order their cards are shown, on the dashboard and on the client page alike.

    The states first, most concerning first (:func:`concern_order`, as the board and the contrast chart's
    panels), then the trust shocks, latest first.
    """
    rank = {p: i for i, p in enumerate(concern_order(trends, patterns))}
    keyed = patterns.assign(
        _shock=patterns["pattern"] == "trust_shock",
        _rank=patterns["partner"].astype(str).map(rank).fillna(len(rank)),
    )
    ordered = keyed.sort_values(["_shock", "_rank", "period_end"], ascending=[True, True, False], kind="stable")
    return ordered.drop(columns=["_shock", "_rank"])


def resolve_partners(trends: pd.DataFrame, partners: Sequence[str]) -> list[str]:
    """Partner ids for ``partners`` given by id or by name; ``ValueError`` naming the known ones otherwise.

    An empty selection is an error too: a chart of nobody is a mistake, not a view.
    """
    pairs = dict(zip(trends["partner"].astype(str), trends["partner_name"].astype(str), strict=True))
    by_name = {name.casefold(): pid for pid, name in pairs.items()}
    known = ", ".join(f"{name} ({pid})" for pid, name in sorted(pairs.items(), key=lambda kv: kv[1]))
    if isinstance(partners, str):
        partners = [partners]
    if not partners:
        raise ValueError(f"partners=[] selects no partner; known partners: {known}")
    ids: list[str] = []
    unknown: list[str] = []
    for given in partners:
        pid = str(given) if str(given) in pairs else by_name.get(str(given).casefold())
        if pid is None:
            unknown.append(repr(given))
        elif pid not in ids:
            ids.append(pid)
    if unknown:
        raise ValueError(f"unknown partner(s) {', '.join(unknown)}; known partners: {known}")
    return ids


def describe_latest(
    trends: pd.DataFrame,
    lang: str,
    title_text: str,
    names: dict[str, str] | None = None,
    order: list[str] | None = None,
    *,
    states: dict[str, str] | None = None,
    named: bool = True,
) -> str:
    """The one line a screen reader reads for a trends chart: its title, then the latest values per partner.

    E.g. "Reliability against trust, per partner, at the latest session: Meridian Motors (Blind trust):
    reliability 36 %, trust 82 %; …", in ``lang``. ``named=False`` leaves the names out (one partner, or the
    alliance, already named by the title).
    """
    parts = []
    key = "partner" if "partner" in trends.columns else None
    ordered = trends.sort_values("period_end", kind="stable")
    groups = {str(k): v for k, v in ordered.groupby(key, sort=False)} if key else {"": ordered}
    for pid in order if order is not None else list(groups):
        if pid not in groups:
            continue
        rows = groups[pid]
        r = rows["reliability"].dropna()
        t = rows["trust"].dropna()
        values = {
            "reliability": percent(r.iloc[-1]) if len(r) else "—",
            "trust": percent(t.iloc[-1]) if len(t) else "—",
        }
        who = (names or {}).get(str(pid)) or (str(rows["partner_name"].iloc[-1]) if "partner_name" in rows else "")
        state = (states or {}).get(str(pid), "")
        if not named or not who:
            parts.append(tr("chart.desc_values_alone", lang, **values))
        elif state:
            parts.append(tr("chart.desc_values_state", lang, name=who, state=state, **values))
        else:
            parts.append(tr("chart.desc_values", lang, name=who, **values))
    if not parts:
        return tr("chart.desc_no_data", lang, title=title_text)
    return tr("chart.desc_latest", lang, title=title_text, values="; ".join(parts))
