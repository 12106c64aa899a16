"""The central picture: reliability against trust over time (per partner, and for the alliance) and the quadrant.

All charts embed aggregated rows only — one per partner and period, plus at most one marker per partner,
period and kind of event — so their size follows partners × periods, not the number of agreements or ratings.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Self

import altair as alt
import pandas as pd
from altair.utils.schemapi import SchemaBase
from altair.vegalite.v6.api import _dataset_name

from alliance_lens.charts._common import (
    STATE_PATTERNS,
    as_layer,
    compact_data,
    concern_order,
    describe_latest,
    frame_of,
    latest_states,
    optional_frame,
    percent,
    require_columns,
    resolve_partners,
    time_axis,
    title,
)
from alliance_lens.charts.table import count_text, day_text, pct_text, session_texts, with_table
from alliance_lens.charts.theme import (
    AXIS_TITLE_SIZE,
    BROKEN_COLOUR,
    DIALOGUE_COLOUR,
    GAP_COLOUR,
    LABEL_SIZE,
    PARTNER_COLOURS,
    PATTERN_COLOURS,
    RELIABILITY_COLOUR,
    RELIABILITY_DASH,
    RELIABILITY_SHAPE,
    SHOCK_COLOUR,
    TRUST_COLOUR,
    TRUST_DASH,
    TRUST_SHAPE,
    check_lang,
    label,
    pattern_label,
)

if TYPE_CHECKING:
    from alliance_lens.metrics import Metrics

TREND_COLUMNS = (
    "period_end",
    "reliability",
    "reliability_low",
    "reliability_high",
    "trust",
    "trust_low",
    "trust_high",
    "n_agreements",
    "n_ratings",
)
_EVENT_LABELS_SHOWN = 2
_EVENT_LABEL_CHARS = 60


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _legend_scale(lang: str) -> alt.Scale:
    """One colour scale for the lines, bands and markers, so one legend explains them all."""
    keys = ["reliability", "trust", "broken_agreement", "dialogue_session", "trust_shock_event"]
    colours = [RELIABILITY_COLOUR, TRUST_COLOUR, BROKEN_COLOUR, DIALOGUE_COLOUR, SHOCK_COLOUR]
    return alt.Scale(domain=[label(k, lang) for k in keys], range=colours)


def _period_of(dates: pd.Series, period_ends: pd.Series) -> pd.Series:
    """The end of the period each date falls in: the first period end on or after it (the last one if later)."""
    ends = pd.Series(sorted(pd.to_datetime(period_ends.dropna().unique())))
    if ends.empty:
        return pd.Series(pd.NaT, index=dates.index)
    pos = ends.searchsorted(pd.to_datetime(dates), side="left").clip(max=len(ends) - 1)
    return pd.Series(ends.to_numpy()[pos], index=dates.index)


def _event_rows(events: pd.DataFrame | None, panels: pd.DataFrame, period_ends: pd.Series, lang: str) -> pd.DataFrame:
    """Markers, aggregated to one per panel, period and kind; alliance-wide events (no partner) on every panel."""
    columns = ["panel", "date", "kind", "event", "event_label", "n_events"]
    if events is None or events.empty:
        return pd.DataFrame(columns=columns)
    require_columns(events, ("date", "partner", "kind", "label"), "events")
    ev = events[events["kind"].isin(["broken_agreement", "dialogue_session"])].copy()
    ev["partner"] = ev["partner"].fillna("").astype(str)
    own = ev[ev["partner"] != ""].merge(panels, on="partner")
    shared = ev[ev["partner"] == ""].drop(columns="partner").merge(panels, how="cross")
    ev = pd.concat([own, shared], ignore_index=True)
    if ev.empty:
        return pd.DataFrame(columns=columns)
    ev["date"] = pd.to_datetime(ev["date"])
    ev["bin"] = _period_of(ev["date"], period_ends)
    grouped = (
        ev.sort_values("date", kind="stable")
        .groupby(["panel", "kind", "bin"], dropna=False, sort=False)
        .agg(date=("date", "first"), n_events=("label", "size"), labels=("label", list))
        .reset_index()
    )

    def describe(row: pd.Series) -> str:
        shown = [_shorten(str(x), _EVENT_LABEL_CHARS) for x in row["labels"][:_EVENT_LABELS_SHOWN]]
        more = len(row["labels"]) - len(shown)
        return "; ".join(shown) + (f" (+{more})" if more > 0 else "")

    grouped["event"] = grouped["kind"].map(lambda k: label(str(k), lang))
    grouped["event_label"] = grouped.apply(describe, axis=1) if len(grouped) else []
    return grouped[columns]


def _shock_rows(patterns: pd.DataFrame | None, trends: pd.DataFrame, panels: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Trust shocks, placed on the trust line at the session where trust fell."""
    columns = ["panel", "date", "event", "shock_trust", "shock_label"]
    if patterns is None or patterns.empty or "period_end" not in patterns.columns:
        return pd.DataFrame(columns=columns)
    text_col = f"explanation_{lang}"
    keep = ["partner", "period_end"] + ([text_col] if text_col in patterns.columns else [])
    shocks = patterns[patterns["pattern"] == "trust_shock"][keep]
    if shocks.empty:
        return pd.DataFrame(columns=columns)
    shocks = shocks.assign(period_end=pd.to_datetime(shocks["period_end"]))
    t = trends[["partner", "period_end", "trust"]].assign(period_end=lambda f: pd.to_datetime(f["period_end"]))
    merged = shocks.merge(t, on=["partner", "period_end"], how="left").merge(panels, on="partner")
    merged = merged.rename(columns={"period_end": "date", "trust": "shock_trust"})
    merged["shock_label"] = merged[text_col] if text_col in merged.columns else ""
    merged["event"] = label("trust_shock_event", lang)
    return merged[columns]


def _measure_scales(lang: str) -> tuple[alt.StrokeDash, alt.Shape]:
    """Reliability solid with round markers, trust dashed with square ones: told apart without colour."""
    domain = [label("reliability", lang), label("trust", lang)]
    dash = alt.StrokeDash(
        "measure_label:N", scale=alt.Scale(domain=domain, range=[list(RELIABILITY_DASH), list(TRUST_DASH)]), legend=None
    )
    shape = alt.Shape(
        "measure_label:N", scale=alt.Scale(domain=domain, range=[RELIABILITY_SHAPE, TRUST_SHAPE]), legend=None
    )
    return dash, shape


def _contrast_layers(lang: str, dates: pd.Series, *, tooltip_partner: bool, raters: bool = False) -> list[alt.Chart]:
    """The layers of one contrast panel, without data: the caller gives the panel its rows.

    Those rows are of four kinds (``row_kind``): trend rows, event rows, shock rows and the two rows that place
    the lines' names at their ends — one dataset per panel.
    """
    scale = _legend_scale(lang)
    legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=6, symbolOpacity=1)
    x = alt.X("date:T", title=None, axis=time_axis(lang, dates, max_ticks=5))
    y_axis = alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1], title=None)
    y_scale = alt.Scale(domain=[0, 1], nice=False, clamp=True)
    base = alt.Chart()
    trend = base.transform_filter("datum.row_kind === 'trend'")
    tips: list[alt.Tooltip] = []
    if tooltip_partner:
        tips.append(alt.Tooltip("partner_name:N", title=label("partner", lang)))
    tips += [
        alt.Tooltip("date_text:N", title=label("session", lang)),
        alt.Tooltip("reliability_text:N", title=label("reliability", lang)),
        alt.Tooltip("trust_text:N", title=label("trust", lang)),
        alt.Tooltip("n_agreements:Q", title=label("n_agreements", lang)),
        alt.Tooltip("n_ratings:Q", title=label("n_ratings", lang)),
    ]
    if raters:  # the rating partners beside the ratings: the trust band is an interval over them
        tips.append(alt.Tooltip("n_raters:Q", title=label("n_raters", lang)))
    rel, tru = label("reliability", lang), label("trust", lang)
    # the two measures folded into one field, so one colour scale (and one legend) covers lines, bands, markers
    folded = trend.transform_fold(["reliability", "trust"], as_=["measure", "value"]).transform_calculate(
        measure_label=f"datum.measure === 'reliability' ? {_js(rel)} : {_js(tru)}",
        low="datum.measure === 'reliability' ? datum.reliability_low : datum.trust_low",
        high="datum.measure === 'reliability' ? datum.reliability_high : datum.trust_high",
    )
    colour = alt.Color("measure_label:N", scale=scale, legend=legend)
    dash, shape = _measure_scales(lang)
    y_value = alt.Y("value:Q", scale=y_scale, axis=y_axis)
    measured = folded.transform_filter("isValid(datum.value)")
    layers: list[alt.Chart] = [
        folded.transform_filter("isValid(datum.low) && isValid(datum.high)")
        .mark_area(opacity=0.18, interpolate="monotone")
        .encode(x=x, y=alt.Y("low:Q", scale=y_scale, axis=y_axis), y2="high:Q", color=colour, detail="measure:N"),
        trend.transform_filter("isValid(datum.reliability) && isValid(datum.trust)")
        .mark_area(opacity=0.28, color=GAP_COLOUR, interpolate="monotone")
        .encode(x=x, y=alt.Y("reliability:Q", scale=y_scale, axis=y_axis), y2="trust:Q"),
        measured.mark_line(interpolate="monotone").encode(
            x=x, y=y_value, color=colour, strokeDash=dash, detail="measure:N"
        ),
        measured.mark_point(size=70, filled=True, opacity=1).encode(
            x=x, y=y_value, color=colour, shape=shape, tooltip=tips
        ),
        # each line named at its end, so no one needs the legend or the colours to tell them apart
        base.transform_filter("datum.row_kind === 'end'")
        .mark_text(align="right", baseline="middle", dx=-2, fontSize=LABEL_SIZE, fontWeight="bold")
        .encode(x=x, y=alt.Y("end_y:Q", scale=y_scale, axis=y_axis), text="measure_label:N", color=colour),
    ]
    event_colour = alt.Color("event:N", scale=scale, legend=legend)
    event_tips = [
        alt.Tooltip("event:N", title=label("event", lang)),
        alt.Tooltip("date_text:N", title=label("date", lang)),
        alt.Tooltip("event_label:N", title=" "),
        alt.Tooltip("n_events:Q", title=label("count", lang)),
    ]
    events = base.transform_filter("datum.row_kind === 'event'")
    layers.append(
        events.transform_filter("datum.kind === 'dialogue_session'")
        .mark_rule(strokeDash=[6, 4], strokeWidth=2)
        .encode(x=x, color=event_colour, tooltip=event_tips)
    )
    layers.append(
        events.transform_filter("datum.kind === 'broken_agreement'")
        .mark_point(shape="triangle-down", size=220, filled=True, opacity=1)
        .encode(x=x, y=alt.datum(0.04), color=event_colour, tooltip=event_tips)
    )
    layers.append(
        base.transform_filter("datum.row_kind === 'shock' && isValid(datum.shock_trust)")
        .mark_point(shape="diamond", size=260, filled=False, strokeWidth=3)
        .encode(
            x=x,
            y=alt.Y("shock_trust:Q", scale=y_scale, axis=y_axis),
            color=event_colour,
            tooltip=[
                alt.Tooltip("date_text:N", title=label("session", lang)),
                alt.Tooltip("shock_label:N", title=label("trust_shock_event", lang)),
            ],
        )
    )
    return layers


def _js(text: str) -> str:
    """``text`` as a JavaScript string literal for a Vega expression."""
    return json.dumps(text)


def _trend_rows(trends: pd.DataFrame, panel: pd.Series) -> pd.DataFrame:
    rows = trends[[*TREND_COLUMNS, *(["n_raters"] if "n_raters" in trends.columns else [])]].copy()
    rows["panel"] = panel.to_numpy()
    if "partner_name" in trends.columns:
        rows["partner_name"] = trends["partner_name"].astype(str).to_numpy()
    rows["row_kind"] = "trend"
    rows["reliability_text"] = [percent(v) for v in rows["reliability"]]
    rows["trust_text"] = [percent(v) for v in rows["trust"]]
    return rows.rename(columns={"period_end": "date"})


#: How far (0–1 scale) a line's name sits above or below its last point, and how far apart the two names stay.
_END_OFFSET = 0.1
_END_SEPARATION = 0.16


def _end_rows(trends: pd.DataFrame, panel: pd.Series, lang: str) -> pd.DataFrame:
    """Where each line's name goes: at its last point, the higher line's name above it, the lower's below."""
    texts = {"reliability": label("reliability", lang), "trust": label("trust", lang)}
    frame = trends.assign(_panel=panel.to_numpy()).sort_values("period_end", kind="stable")
    rows: list[tuple[str, pd.Timestamp, float, str]] = []
    for name, group in frame.groupby("_panel", sort=False):
        last: dict[str, tuple[pd.Timestamp, float]] = {}
        for measure in texts:
            valid = group[group[measure].notna()]
            if len(valid):
                last[measure] = (pd.Timestamp(valid["period_end"].iloc[-1]), float(valid[measure].iloc[-1]))
        if len(last) == 2:
            hi, lo = _order_at_common_end(group, last)
            v_hi, v_lo = last[hi][1], last[lo][1]
            wide = v_hi - v_lo >= 2 * _END_OFFSET + _END_SEPARATION  # room for a name between the lines
            # each name away from the other line; toward it where the plot ends and the lines are far apart
            y_hi = v_hi + _END_OFFSET if v_hi + _END_OFFSET <= 0.95 or not wide else v_hi - _END_OFFSET
            y_lo = v_lo - _END_OFFSET if v_lo - _END_OFFSET >= 0.05 or not wide else v_lo + _END_OFFSET
            y_hi, y_lo = min(y_hi, 0.95), max(y_lo, 0.05)
            if y_hi - y_lo < _END_SEPARATION:
                if y_hi >= 0.95:
                    y_lo = y_hi - _END_SEPARATION
                else:
                    y_hi = y_lo + _END_SEPARATION
            rows += [(str(name), last[hi][0], y_hi, texts[hi]), (str(name), last[lo][0], y_lo, texts[lo])]
        for measure, (when, value) in last.items() if len(last) == 1 else ():
            y = value + _END_OFFSET if value < 0.85 else value - _END_OFFSET
            rows.append((str(name), when, y, texts[measure]))
    return pd.DataFrame(rows, columns=["panel", "date", "end_y", "measure_label"])


def _order_at_common_end(group: pd.DataFrame, last: dict[str, tuple[pd.Timestamp, float]]) -> tuple[str, str]:
    """The measures (higher, lower) where both lines still run: at the earlier of their two last points.

    A line that ends earlier is named at its end, over the stretch where the other line runs beside it; it
    must go to the side away from the other line *there*, not from where the other line ends later.
    """
    common = min(when for when, _ in last.values())
    at: dict[str, float] = {}
    for measure, (when, value) in last.items():
        here = group.loc[pd.to_datetime(group["period_end"]) == common, measure].dropna()
        at[measure] = float(here.iloc[-1]) if when > common and len(here) else value
    hi, lo = sorted(last, key=lambda m: -at[m])  # on a tie reliability's name goes above
    return hi, lo


def _window(trends: pd.DataFrame, last_periods: int | None) -> tuple[pd.DataFrame, pd.Timestamp | None, int, int]:
    """The trends of the latest ``last_periods`` periods, the end of the period before them, shown and all."""
    ends = sorted(pd.to_datetime(trends["period_end"].dropna().unique()))
    if last_periods is None or len(ends) <= last_periods:
        return trends, None, len(ends), len(ends)
    shown = ends[-last_periods:]
    before = pd.Timestamp(ends[-last_periods - 1])
    return trends[pd.to_datetime(trends["period_end"]).isin(shown)], before, len(shown), len(ends)


def _events_by_session(data: pd.DataFrame, period_ends: pd.Series, lang: str) -> dict[tuple[str, pd.Timestamp], str]:
    """(panel, session) → the markers drawn in that session's period, in words: "Broken agreement (2); …"."""
    marks = data[data["row_kind"].isin(["event", "shock"])]
    if marks.empty:
        return {}
    periods = _period_of(marks["date"], period_ends)
    counts = marks["n_events"] if "n_events" in marks.columns else pd.Series(1, index=marks.index)
    found: dict[tuple[str, pd.Timestamp], list[str]] = {}
    for panel, period, event, count in zip(marks["panel"], periods, marks["event"], counts, strict=True):
        n = 1 if pd.isna(count) else int(count)
        found.setdefault((str(panel), pd.Timestamp(period)), []).append(f"{event} ({n})" if n > 1 else str(event))
    return {k: "; ".join(v) for k, v in found.items()}


def _trend_table(
    trends: pd.DataFrame,
    lang: str,
    order: list[str] | None = None,
    *,
    data: pd.DataFrame | None = None,
    panel_of: dict[str, str] | None = None,
) -> tuple[list[str], list[list[str]]]:
    """The table beside a contrast chart: per partner (if any) and session, the values as the chart shows them.

    With the chart's rows (``data``) and each partner's panel (``panel_of``; ``None``: one panel), a last column
    names the markers of each session: broken agreements, dialogue sessions, trust shocks.
    """
    with_partner = "partner" in trends.columns
    raters = "n_raters" in trends.columns
    keys = ("session", "reliability", "trust", "n_agreements", "n_ratings", *(("n_raters",) if raters else ()))
    columns = [label(k, lang) for k in keys]
    rows = trends.sort_values("period_end", kind="stable")
    if with_partner:
        columns.insert(0, label("partner", lang))
        rank = {p: i for i, p in enumerate(order or list(dict.fromkeys(rows["partner"].astype(str))))}
        rows = rows.assign(_rank=rows["partner"].astype(str).map(rank)).sort_values(
            ["_rank", "period_end"], kind="stable"
        )
    events = _events_by_session(data, trends["period_end"], lang) if data is not None else {}
    if data is not None:
        columns.append(label("event", lang))
    single = str(data["panel"].iloc[0]) if data is not None and len(data) else ""
    when = session_texts(list(rows["period_end"]), lang)
    out = []
    for i, r in enumerate(rows.itertuples(index=False)):
        cells = [
            when[i],
            pct_text(r.reliability),
            pct_text(r.trust),
            count_text(r.n_agreements),
            count_text(r.n_ratings),
            *([count_text(r.n_raters)] if raters else []),
        ]
        if with_partner:
            cells.insert(0, str(r.partner_name))
        if data is not None:
            panel = (panel_of or {}).get(str(r.partner), single) if with_partner else single
            cells.append(events.get((panel, pd.Timestamp(str(r.period_end))), ""))
        out.append(cells)
    return columns, out


#: What a contrast panel sets; a panel with anything else (an analyst's change) is converted the usual way.
_PANEL_KEYS = frozenset({"layer", "width", "height", "title", "description", "data"})


def _set_keys(chart: alt.LayerChart) -> list[str]:
    return [k for k, v in chart._kwds.items() if v is not alt.Undefined]


def _size(chart: alt.LayerChart) -> tuple[object, object]:
    return chart._kwds.get("width"), chart._kwds.get("height")


class ContrastChart(alt.ConcatChart):
    """The contrast chart: one :class:`altair.LayerChart` per partner (``.panels``), concatenated in a grid.

    Unlike a faceted chart it can be layered and resized: ``chart + other`` layers ``other`` (any Altair chart,
    e.g. ``alt.Chart(df).mark_rule().encode(x="date:T")``) onto every panel; ``chart.properties(width=…,
    height=…)`` sizes every panel; other properties (``title``, ``columns``, …) are the whole chart's. To change
    one panel, take it from ``chart.panels`` (or build it with :func:`contrast_layer`).
    """

    @property
    def panels(self) -> list[alt.LayerChart]:
        """The partners' panels, in the order shown (most concerning first)."""
        return [p for p in self.concat if isinstance(p, alt.LayerChart)]

    def __add__(self, other: object) -> ContrastChart:  # type: ignore[override]
        """``other`` layered onto every panel."""
        if not isinstance(other, (alt.Chart, alt.LayerChart)):
            return NotImplemented
        out = self.copy(deep=False)
        out.concat = [p + other for p in self.panels]
        return out

    def to_dict(
        self,
        validate: bool = True,
        *,
        format: Literal["vega-lite", "vega"] = "vega-lite",
        ignore: list[str] | None = None,
        context: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """As Altair's; without validation, panels whose layers are alike are converted once (5× faster).

        The result is the same either way (a test compares them); only their titles, descriptions and rows
        differ, so only those are converted per panel.
        """
        panels = self.panels
        fast = (
            not validate
            and format == "vega-lite"
            and not ignore
            and context is None
            and len(panels) == len(self.concat) >= 2
            and all(set(_set_keys(p)) <= _PANEL_KEYS and isinstance(p.data, alt.InlineData) for p in panels)
            and all(p.layer == panels[0].layer and _size(p) == _size(panels[0]) for p in panels[1:])
        )
        if not fast:
            return super().to_dict(validate=validate, format=format, ignore=ignore, context=context)
        # a shell of the whole chart around the first panel (its constructor copies no panel: they come after)
        shell = alt.ConcatChart(**{k: v for k, v in self._kwds.items() if k != "concat" and v is not alt.Undefined})
        first_only: list[Any] = [panels[0]]
        shell.concat = first_only
        spec = shell.to_dict(validate=False)
        first = spec["concat"][0]
        if "data" in spec and "data" not in first and self._kwds.get("data", alt.Undefined) is alt.Undefined:
            first["data"] = spec.pop("data")  # Altair lifts a lone panel's data to the top
        datasets = spec.setdefault("datasets", {})
        out = [first]
        for panel in panels[1:]:
            one = copy.deepcopy({k: v for k, v in first.items() if k not in ("title", "description", "data")})
            for key in ("title", "description"):
                value = panel._kwds.get(key, alt.Undefined)
                if value is not alt.Undefined:
                    one[key] = value.to_dict(validate=False) if isinstance(value, SchemaBase) else value
            data = panel.data
            assert isinstance(data, alt.InlineData)  # checked above
            values = data.values
            name = _dataset_name(values)
            datasets[name] = values
            one["data"] = {"name": name}
            out.append(one)
        spec["concat"] = out
        return spec

    def properties(self, **kwargs: Any) -> Self:
        """As Altair's, but ``width`` and ``height`` size every panel (a concatenation has no size of its own)."""
        size = {k: kwargs.pop(k) for k in ("width", "height") if k in kwargs}
        out = super().properties(**kwargs) if kwargs else self.copy(deep=False)
        if size:
            out.concat = [p.properties(**size) for p in out.panels]
        return out


def _contrast_input(
    metrics: Metrics | pd.DataFrame,
    patterns: pd.DataFrame | None,
    events: pd.DataFrame | None,
    partners: Sequence[str] | None,
    last_periods: int | None,
    max_partners: int | None,
    lang: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str], int, int, int]:
    """The rows of every panel (one frame), the trends shown, the panels (partner, panel) and what was left out."""
    trends = frame_of(metrics, "trends")
    require_columns(trends, ("partner", "partner_name", *TREND_COLUMNS), "trends")
    patterns = optional_frame(metrics, "patterns", patterns)
    events = optional_frame(metrics, "events", events)
    n_partners = trends["partner"].nunique()
    if partners is not None:
        trends = trends[trends["partner"].astype(str).isin(resolve_partners(trends, partners))]
    elif max_partners is not None:
        trends = trends[trends["partner"].astype(str).isin(concern_order(trends, patterns)[:max_partners])]
    trends, before, n_shown, n_periods = _window(trends, last_periods)
    if before is not None and events is not None and not events.empty:
        events = events[pd.to_datetime(events["date"]) > before]
    if before is not None and patterns is not None and not patterns.empty:
        patterns = patterns[pd.to_datetime(patterns["period_end"]) > before]
    trends = trends.sort_values(["partner", "period_end"], kind="stable")
    all_patterns = optional_frame(metrics, "patterns", None) if patterns is None else patterns
    states = latest_states(all_patterns, lang)
    # partners whose state calls for attention first, so the room reads the concern before the comfort
    order = concern_order(trends, all_patterns)
    names = trends.drop_duplicates("partner").set_index("partner")["partner_name"].astype(str)
    panels = pd.DataFrame(
        {
            "partner": order,
            "panel": [f"{names[p]} · {states[p]}" if p in states else str(names[p]) for p in order],
        }
    )
    panel_of = dict(zip(panels["partner"], panels["panel"], strict=True))
    panel_col = trends["partner"].astype(str).map(panel_of)
    data = pd.concat(
        [
            _trend_rows(trends, panel_col),
            _event_rows(events, panels, trends["period_end"], lang).assign(row_kind="event"),
            _shock_rows(patterns, trends, panels, lang).assign(row_kind="shock"),
            _end_rows(trends, panel_col, lang).assign(row_kind="end"),
        ],
        ignore_index=True,
    )
    data["date"] = pd.to_datetime(data["date"])  # empty parts would leave it an object column
    data["date_text"] = [day_text(d, lang) for d in data["date"]]
    return data, trends, panels, order, n_partners if partners is None else len(order), n_shown, n_periods


def _template(layers: list[alt.Chart], width: int, height: int) -> alt.LayerChart:
    """One panel without title and data: built once, then shallow copies of it take each partner's."""
    return as_layer(alt.layer(*layers).properties(width=width, height=height))


def _panel(template: alt.LayerChart, heading: str, description: str) -> alt.LayerChart:
    # a shallow copy sharing the template's layers (Altair's own copy would rebuild and deep-copy them, most of
    # a contrast chart's time); its own property dict, so what is set below stays this panel's
    chart = copy.copy(template)
    object.__setattr__(chart, "_kwds", dict(template._kwds))
    chart.title = alt.TitleParams(text=heading, anchor="start", fontSize=AXIS_TITLE_SIZE, fontWeight="bold")
    chart.description = description
    return chart


def contrast_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    patterns: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    partners: Sequence[str] | None = None,
    last_periods: int | None = 12,
    max_partners: int | None = 6,
    columns: int = 3,
    width: int = 330,
    height: int = 210,
) -> ContrastChart:
    """Reliability and trust of each partner on one time axis and one 0–100 % scale, as small multiples.

    Each panel shows both trends with their uncertainty bands (reliability a solid line with round markers,
    trust a dashed one with square markers, each named at its end), the gap between them shaded, markers for
    broken agreements (▼ at the bottom), dialogue sessions (dashed rules) and trust shocks (◇), and names the
    partner and its state pattern in its title. ``metrics`` is a ``Metrics`` object, or its ``trends`` frame
    (then pass ``patterns`` and ``events`` to get names and markers).

    What fits a screen is shown: the latest ``last_periods`` periods, and at most ``max_partners`` panels
    (patterns of concern first, then the largest gaps; the subtitle says so). ``partners`` picks the ids to
    show instead, by id or by name (an unknown one, or none, is a ``ValueError`` naming the known partners);
    ``None`` for either limit shows everything.

    Returns a :class:`ContrastChart`: a grid of one :class:`altair.LayerChart` per partner that ``+`` layers
    onto and ``.properties(width=…, height=…)`` resizes, panel by panel. Its ``description`` is the line a
    screen reader reads; :func:`alliance_lens.charts.data_table` gives its data as a table.
    """
    check_lang(lang)
    data, trends, panels, order, n_partners, n_shown, n_periods = _contrast_input(
        metrics, patterns, events, partners, last_periods, max_partners, lang
    )
    subtitle = [label("contrast_subtitle", lang)]
    if len(order) < n_partners:
        subtitle.append(label("partners_shown", lang).format(k=len(order), n=n_partners))
    if n_shown < n_periods:
        subtitle.append(label("periods_shown", lang).format(k=n_shown, n=n_periods))
    template = _template(
        _contrast_layers(lang, data["date"], tooltip_partner=True, raters="n_raters" in data.columns), width, height
    )
    # rows as records once, then split by panel (converting each panel's frame on its own costs 6× as much)
    by_panel: dict[str, list[dict[str, Any]]] = {}
    for record in compact_data(data).values:
        by_panel.setdefault(str(record["panel"]), []).append(record)
    shown = [(str(p), str(h)) for p, h in zip(panels["partner"], panels["panel"], strict=True) if h in by_panel]
    panel_charts = [
        _panel(
            template, heading, describe_latest(trends[trends["partner"].astype(str) == pid], lang, heading, named=False)
        )
        for pid, heading in shown
    ]
    chart = ContrastChart(columns=columns, title=alt.TitleParams(text=label("contrast_title", lang), subtitle=subtitle))
    # set after construction: Altair's constructor would deep-copy every panel (and with it every row)
    chart.concat = list[Any](panel_charts)
    for panel, (_pid, heading) in zip(panel_charts, shown, strict=True):
        panel.data = alt.InlineData(values=by_panel[heading])
    panel_of = dict(zip(panels["partner"].astype(str), panels["panel"].astype(str), strict=True))
    table_columns, rows = _trend_table(trends, lang, order, data=data, panel_of=panel_of)
    # (each heading's state; a list, not .str: an alliance without sessions has no panels)
    states = {p: str(h).partition(" · ")[2] for p, h in zip(panels["partner"], panels["panel"], strict=True)}
    description = describe_latest(trends, lang, label("contrast_title", lang), order=order, states=states)
    return with_table(chart, description, table_columns, rows)


def contrast_layer(
    metrics: Metrics | pd.DataFrame,
    partner: str,
    lang: str = "en",
    *,
    patterns: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    last_periods: int | None = 12,
    width: int = 420,
    height: int = 260,
) -> alt.LayerChart:
    """One partner's panel of :func:`contrast_chart` (by id or name) as an :class:`altair.LayerChart`.

    A building block: layer onto it (``contrast_layer(m, "Meridian Motors") + alt.Chart(…).mark_rule()``),
    size it (``.properties(width=…)``), or put several side by side (``alt.hconcat(a, b)``).
    """
    check_lang(lang)
    data, trends, panels, _order, _n, _shown, _periods = _contrast_input(
        metrics, patterns, events, [partner], last_periods, None, lang
    )
    heading = str(panels["panel"].iloc[0])
    template = _template(
        _contrast_layers(lang, data["date"], tooltip_partner=False, raters="n_raters" in data.columns), width, height
    )
    chart = _panel(template, heading, describe_latest(trends, lang, heading, named=False))
    columns, rows = _trend_table(trends, lang, data=data)
    with_table(chart, str(chart.description), columns, rows)
    chart.data = compact_data(data)
    return chart


def alliance_contrast_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    events: pd.DataFrame | None = None,
    last_periods: int | None = 12,
    width: int = 720,
    height: int = 300,
) -> alt.LayerChart:
    """The contrast for the alliance as a whole: reliability and trust across partners, with bands and markers.

    ``metrics`` is a ``Metrics`` object or its ``alliance_trends`` frame (then pass ``events`` for markers);
    the latest ``last_periods`` periods are shown (``None``: all).
    """
    check_lang(lang)
    trends = frame_of(metrics, "alliance_trends")
    require_columns(trends, TREND_COLUMNS, "alliance_trends")
    events = optional_frame(metrics, "events", events)
    trends, before, n_shown, n_periods = _window(trends, last_periods)
    if before is not None and events is not None and not events.empty:
        events = events[pd.to_datetime(events["date"]) > before]
    trends = trends.sort_values("period_end", kind="stable")
    whole = label("alliance", lang)
    panels = pd.DataFrame({"partner": [""], "panel": [whole]})
    if events is not None and not events.empty:
        # every event belongs to the alliance as a whole here
        events = events.assign(partner="")
    panel = pd.Series([whole] * len(trends))
    data = pd.concat(
        [
            _trend_rows(trends, panel),
            _event_rows(events, panels, trends["period_end"], lang).assign(row_kind="event"),
            _end_rows(trends, panel, lang).assign(row_kind="end"),
        ],
        ignore_index=True,
    )
    data["date"] = pd.to_datetime(data["date"])  # empty parts would leave it an object column
    data["date_text"] = [day_text(d, lang) for d in data["date"]]
    subtitle = [label("contrast_subtitle", lang)]
    if n_shown < n_periods:
        subtitle.append(label("periods_shown", lang).format(k=n_shown, n=n_periods))
    chart = as_layer(
        alt.layer(
            *_contrast_layers(lang, data["date"], tooltip_partner=False, raters="n_raters" in data.columns)
        ).properties(
            width=width,
            height=height,
            title=alt.TitleParams(text=label("alliance_contrast_title", lang), subtitle=subtitle),
        )
    )
    columns, rows = _trend_table(trends, lang, data=data)
    with_table(chart, describe_latest(trends, lang, label("alliance_contrast_title", lang), named=False), columns, rows)
    chart.data = compact_data(data)  # last, so the steps above do not copy the rows
    return chart


def quadrant_of(
    reliability: float, trust: float, thresholds: tuple[float, float, float, float] = (0.5, 0.5, 0.5, 0.5)
) -> str | None:
    """The state pattern a (reliability, trust) point's quadrant is named after; ``None`` in the middle band.

    ``thresholds`` are (reliability_low, reliability_high, trust_low, trust_high): high means at or above the
    high threshold, low means below the low one, and in between no state is named.
    """
    r_low, r_high, t_low, t_high = thresholds
    r = "high" if reliability >= r_high else "low" if reliability < r_low else None
    t = "high" if trust >= t_high else "low" if trust < t_low else None
    if r is None or t is None:
        return None
    return {
        ("high", "high"): "earned_trust",
        ("high", "low"): "trust_lags",
        ("low", "high"): "blind_trust",
        ("low", "low"): "distrust",
    }[(r, t)]


def _thresholds(
    metrics: Metrics | pd.DataFrame, given: tuple[float, float, float, float] | None
) -> tuple[float, float, float, float]:
    if given is not None:
        values = given
    else:
        config = getattr(metrics, "config", None)
        names = ("reliability_low", "reliability_high", "trust_low", "trust_high")
        if config is not None and all(hasattr(config, n) for n in names):
            values = tuple(float(getattr(config, n)) for n in names)  # type: ignore[assignment]
        else:
            values = (0.5, 0.5, 0.5, 0.5)
    r_low, r_high, t_low, t_high = values
    if not (0 < r_low <= r_high < 1 and 0 < t_low <= t_high < 1):
        raise ValueError(f"thresholds {values!r} must be 0 < low <= high < 1 for reliability and for trust")
    return values


def quadrant_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    thresholds: tuple[float, float, float, float] | None = None,
    last_sessions: int | None = 8,
    width: int = 520,
    height: int = 520,
) -> alt.LayerChart:
    """Reliability (x) against trust (y): each partner's trajectory over the sessions, in four named quadrants.

    Top right *earned trust*, bottom right *trust lags*, top left *blind trust*, bottom left *distrust*. The
    quadrants use the metrics' thresholds (``MetricsConfig.reliability_low/high``, ``trust_low/high``; or
    ``thresholds`` in that order); between low and high no state is named, so the bands there stay white.
    The patterns themselves are judged on a window of sessions, the dots show single sessions.
    ``last_sessions`` keeps only the latest so many per partner (``None``: all).
    """
    check_lang(lang)
    r_low, r_high, t_low, t_high = _thresholds(metrics, thresholds)
    trends = frame_of(metrics, "trends")
    require_columns(trends, ("partner", "partner_name", "period_end", "reliability", "trust"), "trends")
    points = trends.dropna(subset=["reliability", "trust"]).sort_values(["partner", "period_end"], kind="stable")
    if last_sessions is not None:
        points = points.groupby("partner", sort=False).tail(last_sessions)
    points = points[["partner", "partner_name", "period_end", "reliability", "trust"]].copy()
    points["step"] = points.groupby("partner", sort=False).cumcount()
    latest = points.groupby("partner", sort=False).tail(1)

    quads = pd.DataFrame(
        [
            ("earned_trust", r_high, 1.0, t_high, 1.0, 0.99, 0.99, "right", "top"),
            ("trust_lags", r_high, 1.0, 0.0, t_low, 0.99, 0.01, "right", "bottom"),
            ("blind_trust", 0.0, r_low, t_high, 1.0, 0.01, 0.99, "left", "top"),
            ("distrust", 0.0, r_low, 0.0, t_low, 0.01, 0.01, "left", "bottom"),
        ],
        columns=["pattern", "x0", "x1", "y0", "y1", "tx", "ty", "align", "baseline"],
    )
    quads["name"] = quads["pattern"].map(lambda p: pattern_label(p, lang))
    pct = alt.Scale(domain=[0, 1], nice=False)
    x_title, y_title = label("reliability", lang), label("trust", lang)
    background = (
        alt.Chart(quads)
        .mark_rect(opacity=0.13)
        .encode(
            x=alt.X("x0:Q", scale=pct, axis=alt.Axis(format="%", title=x_title)),
            x2="x1:Q",
            y=alt.Y("y0:Q", scale=pct, axis=alt.Axis(format="%", title=y_title)),
            y2="y1:Q",
            fill=alt.Fill(
                "pattern:N",
                scale=alt.Scale(domain=list(STATE_PATTERNS), range=[PATTERN_COLOURS[p] for p in STATE_PATTERNS]),
                legend=None,
            ),
        )
    )
    names = []
    for align in ("left", "right"):
        for baseline in ("top", "bottom"):
            names.append(
                alt.Chart(quads[(quads["align"] == align) & (quads["baseline"] == baseline)])
                .mark_text(align=align, baseline=baseline, fontSize=18, fontWeight="bold", opacity=0.75, dx=0, dy=0)
                .encode(x="tx:Q", y="ty:Q", text="name:N")
            )
    partner_colour = alt.Color(
        "partner_name:N", title=label("partner", lang), scale=alt.Scale(range=list(PARTNER_COLOURS))
    )
    tips = [
        alt.Tooltip("partner_name:N", title=label("partner", lang)),
        alt.Tooltip("period_end:T", title=label("session", lang), format="%Y-%m-%d"),
        alt.Tooltip("reliability:Q", title=x_title, format=".0%"),
        alt.Tooltip("trust:Q", title=y_title, format=".0%"),
    ]
    paths = (
        alt.Chart(points)
        .mark_line(point=alt.OverlayMarkDef(size=40, filled=True), strokeWidth=2, opacity=0.8)
        .encode(x="reliability:Q", y="trust:Q", order="step:Q", color=partner_colour, detail="partner:N", tooltip=tips)
    )
    now = (
        alt.Chart(latest)
        .mark_point(size=320, filled=True, opacity=1, stroke="white", strokeWidth=1.5)
        .encode(x="reliability:Q", y="trust:Q", color=partner_colour, tooltip=tips)
    )
    tags = (
        alt.Chart(latest)
        .mark_text(align="left", dx=12, dy=-10, fontSize=15, fontWeight="bold")
        .encode(x="reliability:Q", y="trust:Q", text="partner_name:N", color=partner_colour)
    )
    chart = as_layer(
        alt.layer(background, *names, paths, now, tags).properties(
            width=width, height=height, title=title("quadrant_title", lang, "quadrant_subtitle")
        )
    )
    patterns = optional_frame(metrics, "patterns", None)
    order = concern_order(points, patterns) if len(points) else []
    description = describe_latest(
        points, lang, label("quadrant_title", lang), order=order, states=latest_states(patterns, lang)
    )
    rank = {p: i for i, p in enumerate(order)}
    shown = points.assign(_rank=points["partner"].astype(str).map(rank)).sort_values(
        ["_rank", "period_end"], kind="stable"
    )
    when = session_texts(list(shown["period_end"]), lang)
    rows = [
        [str(r.partner_name), when[i], pct_text(r.reliability), pct_text(r.trust)]
        for i, r in enumerate(shown.itertuples(index=False))
    ]
    columns = [label(k, lang) for k in ("partner", "session", "reliability", "trust")]
    return with_table(chart, description, columns, rows)
