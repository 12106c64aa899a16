"""Each chart's data as a table a screen reader can reach, and the one line that describes the chart.

Every chart function sets the chart's Vega-Lite ``description`` (vega-embed's SVG renderer makes it the chart's
``aria-label``) and keeps the rows it draws, already in users' words ("72 %", "May 2025", names, no "NaN"), in the
chart's ``usermeta`` (Vega ignores it). :func:`data_table` turns a chart — or its specification, or a frame —
into an HTML ``<table>`` whose ``<caption>`` is the description; :func:`data_details` wraps it in a
``<details>`` "Show the data" that a keyboard user can open. Pages put it beside the drawing.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import altair as alt
import pandas as pd

from alliance_lens.charts._common import _MONTHS, percent
from alliance_lens.charts.theme import check_lang, label, status_label

#: The look of a chart's data table (``table.css``), shared by the dashboard and the client pages.
TABLE_CSS = (Path(__file__).with_name("table.css")).read_text(encoding="utf-8")

#: Where a chart keeps its table in ``usermeta``.
USERMETA_KEY = "alliance_lens_table"


C = TypeVar("C", bound=alt.Chart | alt.LayerChart | alt.ConcatChart | alt.HConcatChart | alt.VConcatChart)


def month_text(value: Any, lang: str) -> str:
    """A date as the charts' time axes write it: "May 2025", "mei 2025"; missing → ``""``."""
    if value is None or pd.isna(value):
        return ""
    when = pd.Timestamp(value)
    return f"{_MONTHS[check_lang(lang)][when.month - 1]} {when.year}"


def day_text(value: Any, lang: str) -> str:
    """A day as people write it: "25 Aug 2026", "25 aug 2026"; missing → ``""``."""
    if value is None or pd.isna(value):
        return ""
    when = pd.Timestamp(value)
    return f"{when.day} {_MONTHS[check_lang(lang)][when.month - 1]} {when.year}"


def session_texts(dates: Sequence[Any] | pd.Series | pd.Index, lang: str) -> list[str]:
    """Session dates as on the axis ("May 2025"); as days ("25 May 2025") when two sessions share a month."""
    stamps = [None if d is None or pd.isna(d) else pd.Timestamp(d) for d in dates]
    distinct = {s for s in stamps if s is not None}
    months = {(s.year, s.month) for s in distinct}
    text = month_text if len(months) == len(distinct) else day_text
    return [text(s, lang) for s in stamps]


def pct_text(value: Any) -> str:
    """``0.72`` → ``"72 %"``; missing → ``""`` (a table cell left empty, never "NaN")."""
    return percent(value, missing="")


def count_text(value: Any) -> str:
    """A count as a whole number; missing → ``""``."""
    if value is None or pd.isna(value):
        return ""
    return str(int(value))


def cell_text(value: Any, lang: str = "en") -> str:
    """Any value as a table cell: missing empty, dates as days, whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return day_text(value, lang)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    return str(value)


def with_table(chart: C, description: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> C:
    """``chart`` with its one-line ``description`` and its table (header ``columns``, formatted ``rows``)."""
    chart.description = description
    chart.usermeta = {USERMETA_KEY: {"columns": list(columns), "rows": [list(r) for r in rows]}}
    return chart


def table_of(source: object) -> tuple[str, list[str], list[list[str]]]:
    """(description, columns, rows) kept by a chart or its specification (``dict``); empty if none."""
    if isinstance(source, Mapping):
        description = source.get("description", "")
        meta = source.get("usermeta", {})
    else:
        description = getattr(source, "description", "")
        meta = getattr(source, "usermeta", {})
    description = description if isinstance(description, str) else ""
    found = meta.get(USERMETA_KEY) if isinstance(meta, Mapping) else None
    if not isinstance(found, Mapping):
        return description, [], []
    return description, [str(c) for c in found["columns"]], [[str(v) for v in r] for r in found["rows"]]


def data_table(source: object, lang: str = "en", *, caption: str | None = None) -> str:
    """The data a chart draws as an HTML ``<table>``: ``<caption>`` its description, headers in users' words.

    ``source`` is a chart made by :mod:`alliance_lens.charts`, its Vega-Lite specification (a ``dict``), or a
    DataFrame (its column names as headers, missing values empty, dates as days). Every text is escaped.
    ``""`` for a chart that keeps no table (one made elsewhere).
    """
    check_lang(lang)
    if isinstance(source, pd.DataFrame):
        description = caption or ""
        columns = [str(c) for c in source.columns]
        rows = [[cell_text(v, lang) for v in r] for r in source.itertuples(index=False, name=None)]
    else:
        description, columns, rows = table_of(source)
        description = caption if caption is not None else description
        if not columns:
            return ""
    e = html.escape
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in rows)
    cap = f"<caption>{e(description)}</caption>" if description else ""
    return f'<table class="al-data-table">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def data_details(source: object, lang: str = "en") -> str:
    """:func:`data_table` inside a ``<details>`` "Show the data" (closed; a keyboard user opens it); or ``""``."""
    table = data_table(source, lang)
    if not table:
        return ""
    return f'<details class="al-data"><summary>{html.escape(label("show_data", lang))}</summary>{table}</details>'


def strip_table(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without the table it keeps (what a browser needs to draw it); the description stays."""
    meta = spec.get("usermeta")
    if not isinstance(meta, Mapping) or USERMETA_KEY not in meta:
        return spec
    rest = {k: v for k, v in meta.items() if k != USERMETA_KEY}
    out = {k: v for k, v in spec.items() if k != "usermeta"}
    if rest:
        out["usermeta"] = rest
    return out


def overdue_agreements(status: pd.DataFrame) -> pd.DataFrame:
    """The agreements of ``status`` past their due date and still open, most overdue first (ties by id).

    ``status`` is :attr:`Metrics.agreement_status`; the dashboard, the client page and the report list these.
    """
    overdue = status[status["overdue"].fillna(False).astype(bool)]
    return overdue.sort_values(["due_on", "agreement_id"], kind="stable")


def overdue_table(status: pd.DataFrame | None, headers: Sequence[str], lang: str = "en") -> str:
    """The agreements past their due date and still open, most overdue first, as an HTML ``<table>``.

    ``status`` is :attr:`Metrics.agreement_status`; ``headers`` the four column heads (agreement, owner, due on,
    status) in the face's own words; each row is classed by its agreement id. ``""`` where none is overdue.
    The facilitator's dashboard and the client pages both draw it, so the two lists cannot disagree.
    """
    overdue = overdue_agreements(status) if status is not None else None
    if overdue is None or overdue.empty:
        return ""
    e = html.escape
    days = pd.to_datetime(overdue["due_on"]).dt.strftime("%Y-%m-%d").fillna("")
    rows = []
    for r, due in zip(overdue.itertuples(index=False), days, strict=True):
        rows.append(
            f'<tr class="al-overdue-row al-overdue-{e(str(r.agreement_id))}">'
            f"<td>{e(str(r.title))}</td><td>{e(str(r.owner_name))}</td>"
            f"<td>{due}</td><td>{e(status_label(str(r.status), lang))}</td></tr>"
        )
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return f'<table class="al-overdue-table"><tr>{head}</tr>{"".join(rows)}</table>'
