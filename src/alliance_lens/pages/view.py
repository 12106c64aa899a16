"""The client view of one alliance, as the sections of a page — rendered once per revision, never per visitor.

:func:`render_view` loads the alliance (read-only), computes its metrics, hides every dyad under the anonymity
floor, asks the **client view hook** for the page's sections and renders them into HTML (``client_main.html``).
The hook is the setting ``client_view`` (``"module:function"``, default :func:`default_sections`): a function
of a :class:`ViewInput` returning a list of :class:`Section` — a chart (a Vega-Lite specification the browser
draws) or a piece of HTML. An analyst changes what clients see by writing such a function (``docs/design.md``,
"The client page"; ``notebooks/client.ipynb`` previews one).
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from alliance_lens.charts import (
    ChartFunction,
    agreement_timeline_chart,
    alliance_contrast_chart,
    chart_of,
    contrast_chart,
    quadrant_chart,
    trust_matrix_chart,
)
from alliance_lens.charts.table import TABLE_CSS, data_details, overdue_table, strip_table
from alliance_lens.config import LensConfig
from alliance_lens.messages import tr
from alliance_lens.metrics.privacy import hide_below_floor

if TYPE_CHECKING:
    from alliance_lens.metrics import Metrics
    from alliance_lens.model import Alliance, AllianceData
    from alliance_lens.store import Workspace

log = logging.getLogger("alliance_lens.pages")

#: (css name, title key, chart function of ``alliance_lens.charts``) of the charts a client sees, in order.
CLIENT_CHARTS: tuple[tuple[str, str, ChartFunction], ...] = (
    ("contrast", "page.section.contrast", contrast_chart),
    ("alliance-contrast", "page.section.alliance", alliance_contrast_chart),
    ("quadrant", "page.section.quadrant", quadrant_chart),
    ("trust-matrix", "page.section.matrix", trust_matrix_chart),
    ("timeline", "page.section.timeline", agreement_timeline_chart),
)


@dataclass(frozen=True)
class Section:
    """One part of a client page: a chart (``spec``, drawn by vega-embed) or ``html`` made by the hook.

    ``html`` is put into the page as it is: a hook must escape what it writes (``html.escape``).
    """

    kind: Literal["chart", "html"]
    css: str
    title: str
    spec: dict[str, Any] | None = None
    html: str = ""


@dataclass(frozen=True)
class ViewInput:
    """What a client view hook is given: one alliance, its data, its metrics with hidden dyads left out."""

    alliance: Alliance
    data: AllianceData
    metrics: Metrics
    lang: str
    as_of: dt.date | None
    extra: dict[str, Any] = field(default_factory=dict)

    def tr(self, key: str, **values: Any) -> str:
        """A message of the catalogue in the alliance's language."""
        return tr(key, self.lang, **values)


@dataclass(frozen=True)
class ViewContent:
    """A rendered view: its language, the page's title and its main content (HTML, no token, no script)."""

    lang: str
    title: str
    main: str


def as_of(metrics: Metrics, data: AllianceData) -> dt.date | None:
    """The date the view shows the alliance as of: that of its metrics, else its latest session."""
    when = getattr(metrics, "as_of", None)
    if when is not None and not pd.isna(when):
        return pd.Timestamp(when).date()
    if data.sessions.empty:
        return None
    latest = data.sessions["date"].max()
    return None if pd.isna(latest) else pd.Timestamp(latest).date()


# -------------------------------------------------------------------------------------------- sections


def chart_section(view: ViewInput, css: str, title_key: str, function: ChartFunction | str) -> Section:
    """One chart (a function of ``alliance_lens.charts``, or its name) as a section; a failure says so in one sentence.

    The page puts the chart's data beside it as a table (``<details>`` "Show the data"); the chart's
    ``description`` becomes the drawing's ``aria-label``.
    """
    from altair.utils.schemapi import debug_mode

    title = view.tr(title_key)
    try:
        # Altair's validation is skipped: these charts are tested, and it is most of the time of a render
        with debug_mode(False):
            spec = chart_of(function)(view.metrics, lang=view.lang).to_dict(validate=False)
    except Exception:
        log.exception("client chart %s could not be drawn", getattr(function, "__name__", function))
        failed = f'<p class="al-chart-error">{html.escape(view.tr("page.client.chart_failed"))}</p>'
        return Section("html", css, title, html=failed)
    return Section("chart", css, title, spec=spec)


def _explanation(row: Any, lang: str) -> str:
    text = getattr(row, f"explanation_{lang}", "") or getattr(row, "explanation_en", "")
    return "" if pd.isna(text) else str(text)


def pattern_cards(view: ViewInput) -> Section:
    """One card per pattern found: the partner, the pattern, its explanation in the alliance's language."""
    from alliance_lens.charts._common import card_order
    from alliance_lens.charts.table import day_text
    from alliance_lens.charts.theme import pattern_label

    patterns = getattr(view.metrics, "patterns", None)
    title = view.tr("page.section.patterns")
    if patterns is None or patterns.empty:
        return Section("html", "patterns", title, html=f"<p>{html.escape(view.tr('page.patterns.none'))}</p>")
    cards = []
    for row in card_order(patterns, view.metrics.trends).itertuples(index=False):
        pattern = str(row.pattern)
        day = day_text(row.period_end, view.lang)
        when = f' <span class="al-when">({html.escape(day)})</span>' if day else ""
        cards.append(
            f'<div class="al-pattern-card al-pattern-{html.escape(pattern)} '
            f'al-partner-{html.escape(str(row.partner))}">'
            f"<h3>{html.escape(str(row.partner_name))}: {html.escape(pattern_label(pattern, view.lang))}{when}</h3>"
            f"<p>{html.escape(_explanation(row, view.lang))}</p></div>"
        )
    return Section("html", "patterns", title, html=f'<div class="al-cards">{"".join(cards)}</div>')


def overdue_list(view: ViewInput) -> Section:
    """The agreements past their due date and still open, most overdue first."""
    title = view.tr("page.section.overdue")
    heads = [view.tr("page.overdue." + k) for k in ("title", "owner", "due_on", "status")]
    table = overdue_table(getattr(view.metrics, "agreement_status", None), heads, view.lang)
    if not table:
        return Section("html", "overdue", title, html=f"<p>{html.escape(view.tr('page.overdue.none'))}</p>")
    return Section("html", "overdue", title, html=table)


def default_sections(view: ViewInput) -> list[Section]:
    """Today's client view: the contrast chart, the pattern cards, the other charts, the overdue agreements."""
    charts = [chart_section(view, css, key, fn) for css, key, fn in CLIENT_CHARTS]
    return [charts[0], pattern_cards(view), *charts[1:], overdue_list(view)]


# -------------------------------------------------------------------------------------------- rendering


class HookError(ValueError):
    """The ``client_view`` setting names no usable function (the message says which, for the log)."""


def load_hook(name: str) -> Callable[[ViewInput], list[Section]]:
    """The function named ``"module:function"`` (the ``client_view`` setting)."""
    module_name, _, attr = name.partition(":")
    if not module_name or not attr:
        raise HookError(f"client_view: {name!r} is not 'module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HookError(f"client_view: module {module_name!r} cannot be imported ({type(exc).__name__})") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise HookError(f"client_view: {module_name} has no function {attr!r}")
    return fn  # type: ignore[no-any-return]


def script_json(value: object) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</`` closes it early."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def view_input(workspace: Workspace, alliance_id: str) -> ViewInput:
    """Load one alliance and compute what its client view shows (dyads under the floor hidden)."""
    from alliance_lens import metrics as metrics_layer

    data = workspace.load(alliance_id)
    alliance = data.alliance(alliance_id)
    computed = metrics_layer.compute(data, alliance_id)
    return ViewInput(
        alliance=alliance,
        data=data,
        metrics=hide_below_floor(computed),
        lang=alliance.language,
        as_of=as_of(computed, data),
    )


def render_sections(view: ViewInput, sections: list[Section]) -> ViewContent:
    """The page's main content for ``sections`` (``client_main.html``)."""
    from alliance_lens.pages.base import templates

    title = view.tr("page.client.title", name=view.alliance.name)
    parts = [
        {
            "kind": s.kind,
            "css": s.css,
            "title": s.title,
            "html": s.html,
            # the table travels as HTML beside the drawing, so the specification need not carry it too
            "spec": script_json(strip_table(s.spec) if s.spec else s.spec),
            "table": data_details(s.spec, view.lang) if s.kind == "chart" and s.spec else "",
        }
        for s in sections
    ]
    main = (
        templates()
        .get_template("client_main.html")
        .render(lang=view.lang, title=title, as_of=view.as_of.isoformat() if view.as_of else "", sections=parts)
    )
    return ViewContent(view.lang, title, main)


def render_view(workspace: Workspace, alliance_id: str, config: LensConfig) -> ViewContent:
    """The client view of ``alliance_id`` as it is in the workspace now (the caller notes the revision)."""
    from alliance_lens.charts import theme

    theme.enable()
    view = view_input(workspace, alliance_id)
    return render_sections(view, load_hook(config.client_view)(view))


def preview_html(alliance_id: str | None = None, *, db_url: str | None = None, client_view: str | None = None) -> str:
    """The client page of an alliance as one self-contained HTML fragment, its charts as SVG.

    For an analyst's notebook trying a ``client_view`` hook (``notebooks/client.ipynb``) before the client server
    uses it. ``alliance_id`` defaults to the workspace's first alliance; ``client_view`` to the setting.
    """
    from alliance_lens.charts import render, theme
    from alliance_lens.config import settings
    from alliance_lens.pages.base import STATIC
    from alliance_lens.store import Workspace

    config = settings()
    workspace = Workspace.open(config.workspace_url(db_url), read_only=True)
    try:
        aid = alliance_id or str(workspace.alliances()["alliance_id"].iloc[0])
        theme.enable()
        view = view_input(workspace, aid)
    finally:
        workspace.close()
    sections = load_hook(client_view or config.client_view)(view)
    drawn = [
        Section("html", s.css, s.title, html=render.svg_markup(s.spec) + data_details(s.spec, view.lang))
        if s.kind == "chart" and s.spec
        else s
        for s in sections
    ]
    content = render_sections(view, drawn)
    css = (STATIC / "page.css").read_text(encoding="utf-8") + TABLE_CSS
    return f'<div class="al-page al-client" lang="{content.lang}"><style>{css}</style>{content.main}</div>'
