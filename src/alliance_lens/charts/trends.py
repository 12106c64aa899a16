"""The central picture: reliability against trust over time (per partner, and for the alliance) and the quadrant.

All charts embed aggregated rows only — one per partner and period, plus at most one marker per partner,
period and kind of event — so their size follows partners × periods, not the number of agreements or ratings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd

from alliance_lens.charts._common import (
    STATE_PATTERNS,
    as_facet,
    as_layer,
    compact_data,
    concern_order,
    describe_latest,
    frame_of,
    latest_states,
    optional_frame,
    require_columns,
    resolve_partners,
    time_axis,
    title,
)
from alliance_lens.charts.theme import (
    BROKEN_COLOUR,
    DIALOGUE_COLOUR,
    GAP_COLOUR,
    PARTNER_COLOURS,
    PATTERN_COLOURS,
    RELIABILITY_COLOUR,
    SHOCK_COLOUR,
    TRUST_COLOUR,
    check_lang,
    label,
    pattern_label,
)

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


def _contrast_layers(lang: str, dates: pd.Series, *, tooltip_partner: bool) -> list[alt.Chart]:
    """The layers of one contrast panel, without data: the caller gives the facet or the layer its rows.

    Those rows are of three kinds (``row_kind``): trend rows, event rows and shock rows — one dataset, since a
    faceted layer must share its parent's data.
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
        tips.append(alt.Tooltip("panel:N", title=label("partner", lang)))
    tips += [
        alt.Tooltip("date:T", title=label("session", lang), format="%Y-%m-%d"),
        alt.Tooltip("reliability:Q", title=label("reliability", lang), format=".0%"),
        alt.Tooltip("trust:Q", title=label("trust", lang), format=".0%"),
        alt.Tooltip("n_agreements:Q", title=label("n_agreements", lang)),
        alt.Tooltip("n_ratings:Q", title=label("n_ratings", lang)),
    ]
    rel, tru = label("reliability", lang), label("trust", lang)
    # the two measures folded into one field, so one colour scale (and one legend) covers lines, bands, markers
    folded = trend.transform_fold(["reliability", "trust"], as_=["measure", "value"]).transform_calculate(
        measure_label=f"datum.measure === 'reliability' ? {_js(rel)} : {_js(tru)}",
        low="datum.measure === 'reliability' ? datum.reliability_low : datum.trust_low",
        high="datum.measure === 'reliability' ? datum.reliability_high : datum.trust_high",
    )
    colour = alt.Color("measure_label:N", scale=scale, legend=legend)
    layers: list[alt.Chart] = [
        folded.transform_filter("isValid(datum.low) && isValid(datum.high)")
        .mark_area(opacity=0.18, interpolate="monotone")
        .encode(x=x, y=alt.Y("low:Q", scale=y_scale, axis=y_axis), y2="high:Q", color=colour, detail="measure:N"),
        trend.transform_filter("isValid(datum.reliability) && isValid(datum.trust)")
        .mark_area(opacity=0.28, color=GAP_COLOUR, interpolate="monotone")
        .encode(x=x, y=alt.Y("reliability:Q", scale=y_scale, axis=y_axis), y2="trust:Q"),
        folded.transform_filter("isValid(datum.value)")
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), interpolate="monotone")
        .encode(x=x, y=alt.Y("value:Q", scale=y_scale, axis=y_axis), color=colour, detail="measure:N", tooltip=tips),
    ]
    event_colour = alt.Color("event:N", scale=scale, legend=legend)
    event_tips = [
        alt.Tooltip("event:N", title=label("event", lang)),
        alt.Tooltip("date:T", title=label("date", lang), format="%Y-%m-%d"),
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
                alt.Tooltip("date:T", format="%Y-%m-%d", title=label("session", lang)),
                alt.Tooltip("shock_label:N", title=label("trust_shock_event", lang)),
            ],
        )
    )
    return layers


def _js(text: str) -> str:
    """``text`` as a JavaScript string literal for a Vega expression."""
    return json.dumps(text)


def _trend_rows(trends: pd.DataFrame, panel: pd.Series) -> pd.DataFrame:
    rows = trends[list(TREND_COLUMNS)].copy()
    rows["panel"] = panel.to_numpy()
    rows["row_kind"] = "trend"
    return rows.rename(columns={"period_end": "date"})


def _window(trends: pd.DataFrame, last_periods: int | None) -> tuple[pd.DataFrame, pd.Timestamp | None, int, int]:
    """The trends of the latest ``last_periods`` periods, the end of the period before them, shown and all."""
    ends = sorted(pd.to_datetime(trends["period_end"].dropna().unique()))
    if last_periods is None or len(ends) <= last_periods:
        return trends, None, len(ends), len(ends)
    shown = ends[-last_periods:]
    before = pd.Timestamp(ends[-last_periods - 1])
    return trends[pd.to_datetime(trends["period_end"]).isin(shown)], before, len(shown), len(ends)


def contrast_chart(
    metrics: object,
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
) -> alt.FacetChart:
    """Reliability and trust of each partner on one time axis and one 0–100 % scale, as small multiples.

    Each panel shows both trends with their uncertainty bands, the gap between them shaded, markers for broken
    agreements (▼ at the bottom), dialogue sessions (dashed rules) and trust shocks (◇), and names the
    partner's state pattern in its header. ``metrics`` is a ``Metrics`` object, or its ``trends`` frame
    (then pass ``patterns`` and ``events`` to get names and markers).

    What fits a screen is shown: the latest ``last_periods`` periods, and at most ``max_partners`` panels
    (patterns of concern first, then the largest gaps; the subtitle says so). ``partners`` picks the ids to
    show instead, by id or by name (an unknown one, or none, is a ``ValueError`` naming the known partners);
    ``None`` for either limit shows everything.
    """
    check_lang(lang)
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
    data = pd.concat(
        [
            _trend_rows(trends, trends["partner"].astype(str).map(panel_of)),
            _event_rows(events, panels, trends["period_end"], lang).assign(row_kind="event"),
            _shock_rows(patterns, trends, panels, lang).assign(row_kind="shock"),
        ],
        ignore_index=True,
    )
    data["date"] = pd.to_datetime(data["date"])  # empty parts would leave it an object column
    subtitle = [label("contrast_subtitle", lang)]
    if len(order) < n_partners and partners is None:
        subtitle.append(label("partners_shown", lang).format(k=len(order), n=n_partners))
    if n_shown < n_periods:
        subtitle.append(label("periods_shown", lang).format(k=n_shown, n=n_periods))
    chart = as_facet(
        alt.layer(*_contrast_layers(lang, data["date"], tooltip_partner=True))
        .properties(width=width, height=height)
        .facet(
            facet=alt.Facet(
                "panel:N",
                sort=list(panels["panel"]),
                title=None,
                header=alt.Header(labelAnchor="start", labelFontWeight="bold"),
            ),
            columns=columns,
            data=alt.InlineData(values=[]),  # a placeholder: the rows come last, below
        )
        .properties(title=alt.TitleParams(text=label("contrast_title", lang), subtitle=subtitle))
        .resolve_axis(x="independent")
    )
    # the data goes in last: every step above copies the whole chart, rows included
    # the text alternative a screen reader reads for the drawing (the SVG's aria-label, via vega-embed)
    chart.description = describe_latest(trends, lang, label("contrast_title", lang), order=order)
    chart.data = compact_data(data)
    return chart


def alliance_contrast_chart(
    metrics: object,
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
    data = pd.concat(
        [
            _trend_rows(trends, pd.Series([whole] * len(trends))),
            _event_rows(events, panels, trends["period_end"], lang).assign(row_kind="event"),
        ],
        ignore_index=True,
    )
    data["date"] = pd.to_datetime(data["date"])  # empty parts would leave it an object column
    subtitle = [label("contrast_subtitle", lang)]
    if n_shown < n_periods:
        subtitle.append(label("periods_shown", lang).format(k=n_shown, n=n_periods))
    chart = as_layer(
        alt.layer(*_contrast_layers(lang, data["date"], tooltip_partner=False)).properties(
            width=width,
            height=height,
            title=alt.TitleParams(text=label("alliance_contrast_title", lang), subtitle=subtitle),
        )
    )
    chart.description = describe_latest(trends, lang, label("alliance_contrast_title", lang))
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


def _thresholds(metrics: object, given: tuple[float, float, float, float] | None) -> tuple[float, float, float, float]:
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
    metrics: object,
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
    chart = alt.layer(background, *names, paths, now, tags).properties(
        width=width, height=height, title=title("quadrant_title", lang, "quadrant_subtitle")
    )
    return as_layer(chart)
