"""The charts behind the central picture: who trusts whom, the agreements, reciprocity, and the analysts' plots.

Like the contrast charts, each embeds aggregated rows only (pairs, partners, lags, or agreements grouped by
owner, due date and status).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from alliance_lens.charts._common import (
    as_layer,
    frame_of,
    partner_names,
    percent,
    require_columns,
    signed_points,
    time_axis,
    title,
)
from alliance_lens.charts.table import count_text, day_text, month_text, pct_text, with_table
from alliance_lens.charts.theme import (
    BROKEN_COLOUR,
    MUTED_COLOUR,
    PARTNER_COLOURS,
    RELIABILITY_COLOUR,
    RULE_COLOUR,
    STATUS_COLOURS,
    check_lang,
    label,
    status_label,
)
from alliance_lens.messages import tr

if TYPE_CHECKING:
    from alliance_lens.metrics import Metrics

_TITLES_SHOWN = 3


def _name(ids: pd.Series, names: dict[str, str]) -> pd.Series:
    return ids.astype(str).map(lambda p: names.get(p, p))


def trust_matrix_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    session_id: str | None = None,
    hide_below_floor: bool = True,
    names: dict[str, str] | None = None,
    cell: int = 90,
) -> alt.LayerChart:
    """Who trusts whom at one session (default: the latest): rater rows × rated columns, with the change.

    Each cell shows the trust (0–100 %) and, below it, the change in percentage points since the previous
    session. With ``hide_below_floor`` (the default), cells rated by fewer respondents than the anonymity floor
    are greyed out and show no number, so no single respondent's rating can be read off.
    """
    check_lang(lang)
    matrix = frame_of(metrics, "trust_matrix")
    require_columns(
        matrix, ("session_id", "period_end", "rater", "ratee", "trust", "change", "below_floor"), "trust_matrix"
    )
    names = partner_names(metrics, names)
    if session_id is None and not matrix.empty:
        session_id = str(matrix.sort_values("period_end", kind="stable")["session_id"].iloc[-1])
    if session_id is not None and not matrix.empty and session_id not in set(matrix["session_id"].astype(str)):
        raise ValueError(
            f"session {session_id!r} has no trust ratings; sessions rated: "
            f"{', '.join(dict.fromkeys(matrix['session_id'].astype(str)))}"
        )
    cells = matrix[matrix["session_id"].astype(str) == session_id].copy()
    hidden = cells["below_floor"].astype(bool) if hide_below_floor else pd.Series(False, index=cells.index)
    cells["hidden"] = hidden
    cells["trust"] = cells["trust"].where(~hidden)
    cells["change"] = cells["change"].where(~hidden)
    cells["rater_name"] = _name(cells["rater"], names)
    cells["ratee_name"] = _name(cells["ratee"], names)
    cells["trust_text"] = [("" if h else percent(v)) for h, v in zip(hidden, cells["trust"], strict=True)]
    cells["change_text"] = [("" if h else signed_points(v)) for h, v in zip(hidden, cells["change"], strict=True)]
    cells["hidden_text"] = [label("hidden_floor", lang) if h else "" for h in hidden]
    cells = cells[
        [
            "rater_name",
            "ratee_name",
            "trust",
            "change",
            "hidden",
            "trust_text",
            "change_text",
            "hidden_text",
            "period_end",
        ]
    ]
    order = sorted(set(cells["rater_name"]) | set(cells["ratee_name"]))
    x = alt.X("ratee_name:N", sort=order, title=label("ratee", lang), axis=alt.Axis(labelAngle=-30, orient="top"))
    y = alt.Y("rater_name:N", sort=order, title=label("rater", lang))
    base = alt.Chart(cells).encode(x=x, y=y)
    tips = [
        alt.Tooltip("rater_name:N", title=label("rater", lang)),
        alt.Tooltip("ratee_name:N", title=label("ratee", lang)),
        alt.Tooltip("trust_text:N", title=label("trust", lang)),
        alt.Tooltip("change_text:N", title=label("change", lang)),
        alt.Tooltip("hidden_text:N", title=" "),
    ]
    squares = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.condition(
            "datum.hidden",
            alt.value("#dddddd"),
            alt.Color(
                "trust:Q",
                scale=alt.Scale(domain=[0, 1], scheme="blues"),
                legend=alt.Legend(format="%", title=label("trust", lang), orient="right"),
            ),
        ),
        tooltip=tips,
    )
    ink = alt.condition("datum.trust > 0.6", alt.value("white"), alt.value("#222222"))
    values = base.mark_text(fontSize=17, fontWeight="bold", dy=-9).encode(text="trust_text:N", color=ink)
    changes = base.mark_text(fontSize=14, dy=11).encode(text="change_text:N", color=ink)
    hidden_marks = (
        base.transform_filter("datum.hidden").mark_text(fontSize=22, color=RULE_COLOUR).encode(text=alt.value("—"))
    )
    size = cell * max(1, len(order))
    when = ""
    if not cells.empty:
        when = f"{label('session', lang)} {session_id}, {pd.Timestamp(cells['period_end'].iloc[0]).date()}"
    chart = as_layer(
        alt.layer(squares, values, changes, hidden_marks).properties(
            width=size, height=size, title=title("matrix_title", lang, extra=when or None)
        )
    )
    shown = cells[~cells["hidden"]].dropna(subset=["trust"])
    heading = label("matrix_title", lang)
    if cells.empty:
        description = tr("chart.desc_no_data", lang, title=heading)
    else:
        description = tr(
            "chart.desc_matrix",
            lang,
            title=heading,
            when=f"{label('session', lang).lower()} {session_id}, {day_text(cells['period_end'].iloc[0], lang)}",
            n=len(shown),
            low=pct_text(shown["trust"].min()) or "—",
            high=pct_text(shown["trust"].max()) or "—",
            hidden=int(cells["hidden"].sum()),
        )
    ordered = cells.sort_values(["rater_name", "ratee_name"], kind="stable")
    rows = [
        [
            str(r.rater_name),
            str(r.ratee_name),
            str(r.hidden_text) if r.hidden else str(r.trust_text),
            str(r.change_text),
        ]
        for r in ordered.itertuples(index=False)
    ]
    columns = [label(k, lang) for k in ("rater", "ratee", "trust", "change")]
    return with_table(chart, description, columns, rows)


#: At most this many marks in the timeline; beyond it, agreements are grouped by week, then by month.
MAX_TIMELINE_MARKS = 400


def _group_agreements(frame: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    due = pd.to_datetime(frame["due_on"])
    if unit is not None:
        due = due.dt.to_period(unit).dt.start_time
    grouped = (
        frame.assign(due_on=due)
        .sort_values(["due_on", "agreement_id"], kind="stable")
        .groupby(["owner_name", "due_on", "status", "overdue"], sort=False, dropna=False)
        .agg(n=("agreement_id", "size"), titles=("title", list))
        .reset_index()
    )
    grouped["titles"] = [
        "; ".join(map(str, t[:_TITLES_SHOWN])) + (f" (+{len(t) - _TITLES_SHOWN})" if len(t) > _TITLES_SHOWN else "")
        for t in grouped["titles"]
    ]
    return grouped


def agreement_timeline_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    as_of: str | pd.Timestamp | None = None,
    last_periods: int | None = 12,
    width: int = 760,
) -> alt.LayerChart:
    """Agreements by due date, one row per owner, coloured by status; overdue ones large and outlined.

    Shown: agreements due in the latest ``last_periods`` periods (``None``: all) and every overdue one.
    Agreements of one owner due the same day with the same status share a mark (its tooltip names up to three
    and counts them); if there are still more than :data:`MAX_TIMELINE_MARKS` marks, they are grouped by week,
    then by month, so the chart's size stays bounded. A rule marks ``as_of`` (default: the metrics' date).
    """
    check_lang(lang)
    status = frame_of(metrics, "agreement_status")
    require_columns(
        status, ("agreement_id", "title", "owner", "owner_name", "due_on", "status", "overdue"), "agreement_status"
    )
    if as_of is None:
        as_of = getattr(metrics, "as_of", None)
    frame = status.assign(overdue=status["overdue"].fillna(False).astype(bool))
    periods = getattr(metrics, "periods", None)
    if last_periods is not None and isinstance(periods, pd.DataFrame) and len(periods) > last_periods:
        start = pd.Timestamp(sorted(pd.to_datetime(periods["period_end"]))[-last_periods - 1])
        frame = frame[(pd.to_datetime(frame["due_on"]) > start) | frame["overdue"]]
    grouped, unit = _group_agreements(frame, None), None
    for coarser in ("W", "M"):
        if len(grouped) <= MAX_TIMELINE_MARKS:
            break
        grouped, unit = _group_agreements(frame, coarser), coarser
    grouped["status_name"] = grouped["status"].map(lambda s: status_label(str(s), lang))
    grouped["overdue_name"] = grouped["overdue"].map(lambda o: label("overdue" if o else "not_overdue", lang))
    statuses = list(STATUS_COLOURS)
    colour = alt.Color(
        "status_name:N",
        title=label("status", lang),
        scale=alt.Scale(domain=[status_label(s, lang) for s in statuses], range=[STATUS_COLOURS[s] for s in statuses]),
    )
    owners = sorted(set(grouped["owner_name"].astype(str)))
    x = alt.X("due_on:T", title=label("due_on", lang), axis=time_axis(lang, grouped["due_on"], max_ticks=10))
    y = alt.Y("owner_name:N", title=None, sort=owners)
    tips = [
        alt.Tooltip("owner_name:N", title=label("owner", lang)),
        alt.Tooltip("due_on:T", title=label("due_on", lang), format="%Y-%m-%d"),
        alt.Tooltip("status_name:N", title=label("status", lang)),
        alt.Tooltip("overdue_name:N", title=label("overdue", lang)),
        alt.Tooltip("titles:N", title=label("agreements", lang)),
        alt.Tooltip("n:Q", title=label("count", lang)),
    ]
    # grouped by week or month, the statuses of one owner and date would hide each other: give each its lane
    lanes = (
        {}
        if unit is None
        else {"yOffset": alt.YOffset("status_name:N", sort=[status_label(s, lang) for s in statuses])}
    )
    marks = (
        alt.Chart(grouped)
        .mark_point(filled=True, opacity=0.9)
        .encode(
            x=x,
            y=y,
            **lanes,
            color=colour,
            size=alt.condition(
                "datum.overdue", alt.value(520 if unit is None else 200), alt.value(170 if unit is None else 60)
            ),
            stroke=alt.condition("datum.overdue", alt.value(BROKEN_COLOUR), alt.value("white")),
            strokeWidth=alt.condition("datum.overdue", alt.value(3.5), alt.value(1)),
            shape=alt.Shape(
                "overdue_name:N",
                title=None,
                scale=alt.Scale(
                    domain=[label("not_overdue", lang), label("overdue", lang)], range=["circle", "diamond"]
                ),
            ),
            tooltip=tips,
        )
    )
    counts = (
        alt.Chart(grouped)
        .transform_filter("datum.n > 1")
        .mark_text(dx=13, dy=-11, fontSize=13)
        .encode(x=x, y=y, text="n:Q")
    )
    layers: list[alt.Chart] = [marks] if unit is not None else [marks, counts]
    when = None if as_of is None else pd.Timestamp(as_of)
    if when is not None and not pd.isna(when):
        day = when.date().isoformat()
        rule = pd.DataFrame({"as_of": [day], "text": [f"{label('as_of', lang)} {day}"]})
        layers.insert(
            0, alt.Chart(rule).mark_rule(color=RULE_COLOUR, strokeDash=[6, 4], strokeWidth=2).encode(x="as_of:T")
        )
        layers.append(
            alt.Chart(rule)
            .mark_text(align="left", dx=4, baseline="top", y=0, fontSize=13)
            .encode(x="as_of:T", text="text:N")
        )
    subtitle = [label("timeline_subtitle", lang)]
    if unit is not None:
        subtitle.append(label("grouped_by_week" if unit == "W" else "grouped_by_month", lang))
    chart = as_layer(
        alt.layer(*layers).properties(
            # with lanes, the step is one lane's height (Vega-Lite steps along the innermost band)
            width=width,
            height=alt.Step(44 if unit is None else 9),
            title=alt.TitleParams(text=label("timeline_title", lang), subtitle=subtitle),
        )
    )
    counts_by_status = grouped.groupby("status")["n"].sum()
    statuses_text = ", ".join(
        f"{status_label(st, lang)} {int(counts_by_status[st])}" for st in statuses if st in counts_by_status.index
    )
    heading = label("timeline_title", lang)
    description = (
        tr("chart.desc_no_data", lang, title=heading)
        if grouped.empty
        else tr(
            "chart.desc_timeline",
            lang,
            title=heading,
            n=int(grouped["n"].sum()),
            overdue=int(grouped.loc[grouped["overdue"], "n"].sum()),
            statuses=statuses_text,
        )
    )
    due_text = month_text if unit == "M" else day_text
    table_rows = grouped.sort_values(["owner_name", "due_on"], kind="stable")
    rows = [
        [str(r.owner_name), due_text(r.due_on, lang), str(r.status_name), str(r.overdue_name), str(r.titles), str(r.n)]
        for r in table_rows.itertuples(index=False)
    ]
    columns = [label(k, lang) for k in ("owner", "due_on", "status", "overdue", "agreements", "count")]
    return with_table(chart, description, columns, rows)


def reciprocity_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    names: dict[str, str] | None = None,
    size: int = 460,
) -> alt.LayerChart:
    """A→B against B→A: agreements kept by A for B (x) and by B for A (y), one point per pair of partners.

    Pairs on the diagonal are in balance; far from it, one side delivers and the other mostly receives.
    """
    check_lang(lang)
    pairs = frame_of(metrics, "reciprocity")
    require_columns(
        pairs, ("partner_a", "partner_b", "a_to_b_due", "a_to_b_kept", "b_to_a_due", "b_to_a_kept"), "reciprocity"
    )
    names = partner_names(metrics, names)
    data = pairs.copy()
    data["a_name"] = _name(data["partner_a"], names)
    data["b_name"] = _name(data["partner_b"], names)
    data["pair"] = data["a_name"] + " ↔ " + data["b_name"]
    data["due_total"] = data["a_to_b_due"] + data["b_to_a_due"]
    data = data[["pair", "a_name", "b_name", "a_to_b_due", "a_to_b_kept", "b_to_a_due", "b_to_a_kept", "due_total"]]
    top = float(max(1, data[["a_to_b_kept", "b_to_a_kept"]].to_numpy().max())) if len(data) else 1.0
    scale = alt.Scale(domain=[0, top * 1.1], nice=False)
    diagonal = (
        alt.Chart(pd.DataFrame({"v": [0.0, top * 1.1]}))
        .mark_line(color=MUTED_COLOUR, strokeDash=[6, 4], strokeWidth=2)
        .encode(
            x=alt.X("v:Q", scale=scale, title=label("delivered_to", lang)),
            y=alt.Y("v:Q", scale=scale, title=label("received_from", lang)),
        )
    )
    tips = [
        alt.Tooltip("pair:N", title=label("pair", lang)),
        alt.Tooltip("a_to_b_kept:Q", title=f"A→B {label('kept_count', lang)}"),
        alt.Tooltip("a_to_b_due:Q", title=f"A→B {label('due', lang)}"),
        alt.Tooltip("b_to_a_kept:Q", title=f"B→A {label('kept_count', lang)}"),
        alt.Tooltip("b_to_a_due:Q", title=f"B→A {label('due', lang)}"),
    ]
    points = (
        alt.Chart(data)
        .mark_circle(color=RELIABILITY_COLOUR, opacity=0.8)
        .encode(
            x=alt.X("a_to_b_kept:Q", scale=scale),
            y=alt.Y("b_to_a_kept:Q", scale=scale),
            size=alt.Size("due_total:Q", title=label("n_agreements", lang), scale=alt.Scale(range=[80, 900])),
            tooltip=tips,
        )
    )
    tags = (
        alt.Chart(data)
        .mark_text(align="left", dx=10, dy=-8, fontSize=14)
        .encode(x=alt.X("a_to_b_kept:Q", scale=scale), y=alt.Y("b_to_a_kept:Q", scale=scale), text="pair:N")
    )
    chart = as_layer(
        alt.layer(diagonal, points, tags).properties(
            width=size, height=size, title=title("reciprocity_title", lang, "reciprocity_subtitle")
        )
    )
    heading = label("reciprocity_title", lang)
    if data.empty:
        description = tr("chart.desc_no_data", lang, title=heading)
    else:
        worst = data.iloc[int((data["a_to_b_kept"] - data["b_to_a_kept"]).abs().to_numpy().argmax())]
        description = tr(
            "chart.desc_reciprocity",
            lang,
            title=heading,
            n=len(data),
            pair=str(worst["pair"]),
            a_kept=count_text(worst["a_to_b_kept"]),
            b_kept=count_text(worst["b_to_a_kept"]),
        )
    rows = [
        [
            str(r.pair),
            count_text(r.a_to_b_kept),
            count_text(r.a_to_b_due),
            count_text(r.b_to_a_kept),
            count_text(r.b_to_a_due),
        ]
        for r in data.sort_values("pair", kind="stable").itertuples(index=False)
    ]
    columns = [
        label("pair", lang),
        f"A→B {label('kept_count', lang)}",
        f"A→B {label('due', lang)}",
        f"B→A {label('kept_count', lang)}",
        f"B→A {label('due', lang)}",
    ]
    return with_table(chart, description, columns, rows)


def asymmetry_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    names: dict[str, str] | None = None,
    width: int = 520,
) -> alt.LayerChart:
    """Mean change in trust after a kept against after a broken agreement ("on foot, on horseback").

    One pair of bars per partner, and first one for the alliance as a whole when ``metrics`` is a ``Metrics``
    object (its ``alliance_asymmetry``).
    """
    check_lang(lang)
    frame = frame_of(metrics, "asymmetry")
    require_columns(frame, ("partner", "after", "mean_change", "n"), "asymmetry")
    names = partner_names(metrics, names)
    data = frame.copy()
    data["partner_name"] = _name(data["partner"], names)
    whole = getattr(metrics, "alliance_asymmetry", None)
    partner_order = sorted(set(data["partner_name"]))
    if isinstance(whole, pd.DataFrame) and not whole.empty and not isinstance(metrics, pd.DataFrame):
        # the alliance as a whole first: the blog's claim is about trust in general, partners are the detail
        data = pd.concat([whole.assign(partner_name=label("alliance_short", lang)), data], ignore_index=True)
        partner_order = [label("alliance_short", lang), *partner_order]
    data["after_name"] = data["after"].map(lambda a: status_label(str(a), lang))
    data = data[["partner_name", "after", "after_name", "mean_change", "n"]]
    after_domain = [status_label("kept", lang), status_label("broken", lang)]
    colour = alt.Color(
        "after_name:N",
        title=label("after", lang),
        scale=alt.Scale(domain=after_domain, range=[RELIABILITY_COLOUR, BROKEN_COLOUR]),
    )
    y = alt.Y("partner_name:N", title=None, sort=partner_order)
    bars = (
        alt.Chart(data)
        .mark_bar(height={"band": 0.4})
        .encode(
            x=alt.X("mean_change:Q", title=label("mean_change", lang), axis=alt.Axis(format="+.0%")),
            y=y,
            yOffset=alt.YOffset("after_name:N", sort=after_domain),
            color=colour,
            tooltip=[
                alt.Tooltip("partner_name:N", title=label("partner", lang)),
                alt.Tooltip("after_name:N", title=label("after", lang)),
                alt.Tooltip("mean_change:Q", title=label("mean_change", lang), format="+.1%"),
                alt.Tooltip("n:Q", title=label("count", lang)),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(color=RULE_COLOUR).encode(x="v:Q")
    chart = as_layer(
        alt.layer(bars, zero).properties(
            width=width, height=alt.Step(26), title=title("asymmetry_title", lang, "asymmetry_subtitle")
        )
    )
    heading = label("asymmetry_title", lang)
    first = data[data["partner_name"] == partner_order[0]] if partner_order else data.iloc[:0]
    change = {str(r.after): _signed_pct(r.mean_change) for r in first.itertuples(index=False)}
    description = (
        tr("chart.desc_no_data", lang, title=heading)
        if first.empty
        else tr(
            "chart.desc_asymmetry",
            lang,
            title=heading,
            kept=change.get("kept", "—"),
            broken=change.get("broken", "—"),
            who=partner_order[0],
        )
    )
    rank = {p: i for i, p in enumerate(partner_order)}
    table_rows = data.assign(_rank=data["partner_name"].map(rank)).sort_values(["_rank", "after"], kind="stable")
    rows = [
        [str(r.partner_name), str(r.after_name), _signed_pct(r.mean_change), count_text(r.n)]
        for r in table_rows.itertuples(index=False)
    ]
    columns = [label(k, lang) for k in ("partner", "after", "mean_change", "count")]
    return with_table(chart, description, columns, rows)


def lead_lag_chart(
    metrics: Metrics | pd.DataFrame,
    lang: str = "en",
    *,
    names: dict[str, str] | None = None,
    width: int = 560,
    height: int = 320,
) -> alt.LayerChart:
    """Correlation of trust with reliability so many sessions earlier, per partner, with its interval.

    A peak at a lag above zero says trust follows reliability with that delay ("trust comes on foot").
    """
    check_lang(lang)
    frame = frame_of(metrics, "lead_lag")
    require_columns(frame, ("partner", "lag", "r", "r_low", "r_high", "n"), "lead_lag")
    names = partner_names(metrics, names)
    data = frame.copy()
    data["partner_name"] = _name(data["partner"], names)
    data = data[["partner_name", "lag", "r", "r_low", "r_high", "n"]]
    # The band's own level (metrics' credible_level), and "exploratory" on the chart itself (issue 11).
    level = round(float(frame["level"].iloc[0]) * 100) if "level" in frame and len(frame) else 90
    x = alt.X("lag:O", title=label("lag", lang), axis=alt.Axis(labelAngle=0))
    colour = alt.Color("partner_name:N", title=label("partner", lang), scale=alt.Scale(range=list(PARTNER_COLOURS)))
    r_scale = alt.Scale(domain=[-1, 1])
    bars = (
        alt.Chart(data)
        .transform_filter("isValid(datum.r_low) && isValid(datum.r_high)")
        .mark_rule(strokeWidth=2, opacity=0.7)
        .encode(x=x, xOffset="partner_name:N", y=alt.Y("r_low:Q", scale=r_scale), y2="r_high:Q", color=colour)
    )
    points = (
        alt.Chart(data)
        .transform_filter("isValid(datum.r)")
        .mark_point(size=110, filled=True)
        .encode(
            x=x,
            xOffset="partner_name:N",
            y=alt.Y("r:Q", scale=r_scale, title=label("correlation", lang)),
            color=colour,
            tooltip=[
                alt.Tooltip("partner_name:N", title=label("partner", lang)),
                alt.Tooltip("lag:O", title=label("lag", lang)),
                alt.Tooltip("r:Q", format=".2f", title="r"),
                alt.Tooltip("r_low:Q", format=".2f", title=tr("pattern.lead_lag.low", lang, level=level)),
                alt.Tooltip("r_high:Q", format=".2f", title=tr("pattern.lead_lag.high", lang, level=level)),
                alt.Tooltip("n:Q", title=label("count", lang)),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(color=RULE_COLOUR).encode(y="v:Q")
    chart = as_layer(
        alt.layer(zero, bars, points).properties(
            width=width,
            height=height,
            title=alt.TitleParams(
                text=title("lead_lag_title", lang).text,
                subtitle=tr("pattern.lead_lag.subtitle", lang, level=level),
            ),
        )
    )
    heading = label("lead_lag_title", lang)
    description = (
        tr("chart.desc_no_data", lang, title=heading)
        if data.empty
        else tr(
            "chart.desc_lead_lag",
            lang,
            title=heading,
            max_lag=int(data["lag"].max()),
            n=data["partner_name"].nunique(),
        )
    )
    rows = [
        [str(r.partner_name), str(r.lag), _r_text(r.r), _r_text(r.r_low), _r_text(r.r_high), count_text(r.n)]
        for r in data.sort_values(["partner_name", "lag"], kind="stable").itertuples(index=False)
    ]
    columns = [
        label("partner", lang),
        label("lag", lang),
        "r",
        tr("pattern.lead_lag.low", lang, level=level),
        tr("pattern.lead_lag.high", lang, level=level),
        label("count", lang),
    ]
    return with_table(chart, description, columns, rows)


def _signed_pct(value: object) -> str:
    """A change of a 0–1 value as the chart's axis writes it: "+5 %", "−3 %"; missing → ``""``."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    points = round(float(value) * 100)  # type: ignore[arg-type]
    return f"+{points} %" if points > 0 else ("0 %" if points == 0 else f"−{abs(points)} %")


def _r_text(value: object) -> str:
    """A correlation with two decimals; missing → ``""``."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    return f"{float(value):.2f}"  # type: ignore[arg-type]
