"""Views of a :class:`DashboardState`: charts as static SVG, pattern cards, overdue agreements, the status line.

Charts are drawn as static SVG in a ``widgets.HTML`` (vl-convert, offline, ~18 ms each) rather than as
``JupyterChart`` widgets, which ship a ~905 kB JavaScript bundle per instance: a dashboard of eight would push
~7 MB to the browser. No chart here needs a click to reach Python. Each view observes the state and redraws
itself; a chart whose specification did not change is not converted again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd
from altair.utils.schemapi import debug_mode

from alliance_lens import charts
from alliance_lens.app.state import DashboardState
from alliance_lens.charts import ChartFunction
from alliance_lens.charts.render import svg_markup
from alliance_lens.charts.table import data_details, overdue_table, strip_table

log = logging.getLogger("alliance_lens.app")

#: (css name, function of ``alliance_lens.charts``) of the charts a dashboard shows, in order.
FACILITATOR_CHARTS: tuple[tuple[str, ChartFunction], ...] = (
    ("contrast", charts.contrast_chart),
    ("alliance-contrast", charts.alliance_contrast_chart),
    ("quadrant", charts.quadrant_chart),
    ("trust-matrix", charts.trust_matrix_chart),
    ("timeline", charts.agreement_timeline_chart),
    ("reciprocity", charts.reciprocity_chart),
)

STYLE = """
<style>
.al-dashboard { font-family: "Liberation Sans", "DejaVu Sans", Arial, sans-serif; }
.al-header { align-items: center; gap: 0.8em; flex-wrap: wrap; }
.al-title h2, .al-title h1 { margin: 0.2em 0.6em 0.2em 0; font-size: 1.5em; }
.al-status .al-error, .al-form-status.al-error, .al-invalid-text { color: #b00020; }
.al-status .al-message { color: #1b5e20; }
.al-busy-text { color: #555; }
.al-spinner { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em; vertical-align: -0.1em;
  border: 2px solid #bbb; border-top-color: #0072B2; border-radius: 50%; animation: al-spin 0.8s linear infinite; }
@keyframes al-spin { to { transform: rotate(360deg); } }
.al-body { align-items: flex-start; gap: 1em; }
/* widths share the row of the facilitator's page; in a column (the client's page) a zero basis would collapse */
.al-body > .al-charts { flex: 3 1 0; min-width: 0; }
.al-body > .al-forms { flex: 2 1 0; min-width: 28em; }
.al-chart { overflow-x: auto; }
.al-chart svg { max-width: 100%; height: auto; }
.al-presenting .al-forms { display: none !important; }
/* the projector: charts as wide as the screen and no taller than it (the drawing scales, text with it);
   type from the viewport's width, so the back of the room reads it at 1280 and at 1920 alike */
.al-presenting, .al-presenting .widget-html-content, .al-presenting .widget-label,
.al-presenting .jupyter-button, .al-presenting select { font-size: clamp(16px, 1.2vw, 30px); }
.al-presenting .al-body > .al-charts { flex: 1 1 100%; }
.al-presenting .al-chart .vega-embed { display: block; width: 100%; }
.al-presenting .al-chart svg { display: block; width: 100%; max-width: none; height: auto;
  max-height: calc(100vh - 4em); }
.al-presenting .al-headline-table { font-size: 1.25em; }
.al-presenting .al-header .widget-label { width: auto !important; padding-right: 0.4em; }
.al-presenting .al-header .jupyter-button, .al-presenting .al-header select { width: auto !important;
  min-width: 4em; height: auto; padding: 0.15em 0.7em; }
.al-presenting .al-pattern-card { max-width: 26em; }
/* text only a screen reader reads (the arrows' words) */
.al-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.al-headline-table { border-collapse: collapse; margin: 0.3em 0 0.8em 0; }
.al-headline-table caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
.al-headline-table th, .al-headline-table td { padding: 0.2em 1em 0.2em 0; text-align: left;
  border-bottom: 1px solid #ddd; white-space: nowrap; }
.al-headline-state { font-weight: bold; }
.al-state-blind_trust .al-headline-state, .al-state-trust_shock .al-headline-state { color: #a33f00; }
.al-arrow.al-up { color: #00704f; }
.al-arrow.al-down { color: #b00020; }
.al-arrow.al-steady { color: #555555; }
.al-measure-record { color: #555555; }
.al-card-short { margin: 0.2em 0; }
.al-card-more summary { cursor: pointer; color: #005a8c; }
.al-cards { display: flex; flex-wrap: wrap; gap: 0.6em; }
.al-pattern-card { border: 1px solid #ccc; border-left: 6px solid #999; border-radius: 4px; padding: 0.5em 0.8em;
  max-width: 30em; background: #fafafa; line-height: 1.4; }
.al-pattern-card h4 { margin: 0 0 0.3em 0; }
.al-pattern-earned_trust { border-left-color: #009E73; }
.al-pattern-trust_lags { border-left-color: #56B4E9; }
.al-pattern-blind_trust { border-left-color: #D55E00; }
.al-pattern-distrust { border-left-color: #999999; }
.al-pattern-trust_shock { border-left-color: #CC79A7; }
.al-overdue-table { border-collapse: collapse; }
.al-overdue-table td, .al-overdue-table th { padding: 0.2em 0.6em; border-bottom: 1px solid #ddd; text-align: left; }
.al-badge.al-overdue { background: #D55E00; color: white; border-radius: 3px; padding: 0 0.3em; font-size: 85%; }
.al-invalid input, input.al-invalid, .al-invalid select, .al-rating-cell.al-invalid input {
  border-color: #b00020 !important; background: #fff0f0; }
.al-field-message { margin-left: 0.5em; }
/* where a default date comes from, on its own line under the date ("the date of session …", "today") */
.al-field-dated { flex-wrap: wrap; align-items: center; }
.al-field-dated .al-date-note { flex: 1 0 100%; margin: 0 0 0.3em 0.5em; }
.al-outcome-head { flex-wrap: wrap; gap: 0.5em; }
/* the rating grid: long names wrap in their header, the grid scrolls sideways rather than cutting a column */
.al-rating-grid { overflow-x: auto; align-items: end; }
.al-grid-head, .al-grid-head .widget-html-content { white-space: normal; overflow-wrap: anywhere; line-height: 1.2;
  height: auto; }
.al-rating-grid .al-grid-rater { align-self: center; }
.al-refused { max-width: 40em; margin: 3em auto; font-size: 120%; }
/* an outcome: its title on one line, its five actions below, each labelled in full (never "K…" vs "Ke…") */
.al-outcome-row { flex-wrap: wrap; gap: 0.25em; padding: 0.3em 0; border-bottom: 1px solid #eee; }
.al-outcome-row .al-mark { flex: 0 0 auto; width: auto; }
/* tab titles in full: "Partners and goals", not "Partners and g" */
.al-forms .lm-TabBar-content, .al-forms .p-TabBar-content { flex-wrap: wrap; }
.al-forms .lm-TabBar-tab, .al-forms .p-TabBar-tab { flex: 0 0 auto !important; min-width: 0; max-width: none; }
</style>
"""


class _Reads:
    """A stand-in for ``Metrics`` that notes which of its attributes a chart function reads."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self.names: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        self.names.add(name)
        return value


def _same(a: Any, b: Any) -> bool:
    """Whether two values of a ``Metrics`` attribute are equal (frames: same columns, dtypes and values)."""
    if a is b:
        return True
    if isinstance(a, pd.DataFrame) or isinstance(b, pd.DataFrame):
        return isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame) and a.equals(b)
    try:
        return bool(a == b)
    except Exception:  # values without a plain equality count as changed
        return False


class ChartView:
    """One chart of the state's metrics, as a static SVG; redrawn when what it draws or the language changes.

    Chart functions are pure functions of ``Metrics``: the first drawing notes which frames the chart reads, and
    later ones are skipped unless one of those frames (or the language) changed, so a saved entry redraws only
    the charts it affects.
    """

    def __init__(
        self,
        state: DashboardState,
        css: str,
        function: ChartFunction | str,
        metrics_of: Callable[[Any], Any] | None = None,
        *,
        first: bool = False,
        renderer: str = "svg",
    ) -> None:
        self.state = state
        self.css = css
        self.function = function
        self.metrics_of = metrics_of or (lambda m: m)
        self.renderer = renderer
        if renderer == "browser":
            from alliance_lens.app.vega import VegaChart

            self.widget: widgets.DOMWidget = VegaChart()
        elif renderer == "svg":
            self.widget = widgets.HTML("")
        else:
            raise ValueError(f"renderer {renderer!r} is not 'svg' or 'browser'")
        self.widget.add_class("al-chart").add_class(f"al-chart-{css}")
        self._inputs: dict[str, Any] | None = None  # what the last drawing read, by attribute name
        self._lang: str | None = None
        self._spec_key: bytes | None = None
        self.renders = 0  # drawings sent to the page (a test checks that unchanged charts are not redrawn)
        # the first chart redraws inside the save; the others may follow on the next turns of the event loop
        state.observe(lambda _c: self.update() if first else state.later(self.update), names=["metrics", "language"])
        self.update()

    @property
    def content(self) -> str:
        """What the page shows: the SVG markup, or the specification (as JSON) the browser draws, or a message."""
        if self.renderer == "svg":
            return str(self.widget.value)
        return str(self.widget.message) or json.dumps(self.widget.spec, sort_keys=True)

    def _show_message(self, text: str) -> None:
        self._inputs = self._lang = self._spec_key = None
        if self.renderer == "svg":
            self.widget.value = text
        else:
            self.widget.message = text

    def _show_spec(self, spec: dict[str, Any]) -> None:
        # beside the drawing, its data as a table a screen reader reaches ("Show the data")
        table = data_details(spec, self.state.language)
        if self.renderer == "svg":
            self.widget.value = svg_markup(spec) + table
        else:
            with self.widget.hold_sync():
                self.widget.message = ""
                self.widget.table = table
                self.widget.spec = strip_table(spec)
        self.renders += 1

    def update(self) -> None:
        """Redraw if what the chart draws changed; a failure shows one sentence, never a traceback."""
        metrics = self.state.metrics
        if metrics is None:
            self._show_message(f"<p><i>{html.escape(self.state.tr('no_data_yet'))}</i></p>")
            return
        lang = self.state.language
        try:
            source = self.metrics_of(metrics)
            if (
                self._inputs is not None
                and lang == self._lang
                and all(_same(getattr(source, name, None), old) for name, old in self._inputs.items())
            ):
                return
            reads = _Reads(source)
            # Altair's debug mode validates every piece while the chart is built; these charts are tested,
            # and building them is on the path from a save to the screen
            with debug_mode(False):
                chart = charts.chart_of(self.function)(reads, lang=lang)
                spec = chart.to_dict(validate=False)
            # the frames read may change in ways the chart does not show: draw only a changed spec
            spec_key = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).digest()
            if spec_key != self._spec_key:
                self._show_spec(spec)
        except Exception:
            log.exception("chart %s could not be drawn", getattr(self.function, "__name__", self.function))
            self._show_message(f'<p class="al-chart-error">{html.escape(self.state.tr("chart_failed"))}</p>')
            return
        self._inputs = {name: getattr(source, name) for name in reads.names}
        self._lang, self._spec_key = lang, spec_key


def _explanation(row: Any, lang: str) -> str:
    text = getattr(row, f"explanation_{lang}", "") or getattr(row, "explanation_en", "")
    return "" if pd.isna(text) else str(text)


def _num(value: Any) -> float:
    """A frame's cell as a float (NaN when missing)."""
    return float("nan") if value is None or pd.isna(value) else float(value)


def _pct(value: float) -> str:
    return "—" if value != value else f"{value * 100:.0f} %"


class HeadlineBoard:
    """One line per partner, most concerning first: name, state, reliability and trust now, with arrows."""

    def __init__(self, state: DashboardState) -> None:
        self.state = state
        self.widget = widgets.HTML("").add_class("al-headline")
        state.observe(lambda _c: self.update(), names=["metrics", "language"])
        self.update()

    def _measure(self, name: str, value: float, change: float, record: str = "") -> str:
        from alliance_lens.charts.headline import direction

        tr = self.state.tr
        way = direction(change)
        points = f"{abs(change) * 100:.0f}" if change == change else ""
        arrow, words, css = {
            1: ("▲", tr("dash.rising", points=points), "al-up"),
            -1: ("▼", tr("dash.falling", points=points), "al-down"),
            0: ("▶", tr("dash.steady"), "al-steady"),
        }[way]
        shown = "" if value != value else f' <span class="al-arrow {css}" aria-hidden="true">{arrow}</span>'
        spoken = "" if value != value else f'<span class="al-sr">, {html.escape(words)}</span>'
        counted = f' <span class="al-measure-record">({html.escape(record)})</span>' if record else ""
        return (
            f'<td class="al-measure al-{name}"><span class="al-measure-name">{html.escape(tr("chart." + name))}</span> '
            f"<b>{_pct(value)}</b>{shown}{spoken}{counted}</td>"
        )

    def update(self) -> None:
        """Redraw the board."""
        metrics = self.state.metrics
        if metrics is None:
            self.widget.value = ""
            return
        try:
            from alliance_lens.charts.headline import headline
            from alliance_lens.charts.table import month_text

            rows = headline(metrics)
            tr = self.state.tr
            lines = []
            for r in rows.itertuples(index=False):
                pattern = str(r.pattern)
                state_text = tr("pattern." + pattern) if pattern else tr("dash.no_state")
                shock_on = month_text(r.shock_on, self.state.language) if pattern == "trust_shock" else ""
                if shock_on:  # an event, perhaps sessions ago: say when
                    state_text = f"{state_text} ({shock_on})"
                # the percentage is adjusted (shrunk toward the alliance): the record beside it says what it rests on
                counted = _num(r.n_agreements)
                record = "" if counted != counted else tr("dash.kept_of", kept=r.n_kept, n=int(counted))
                lines.append(
                    f'<tr class="al-headline-row al-state-{html.escape(pattern or "none")}">'
                    f'<th scope="row">{html.escape(str(r.partner_name))}</th>'
                    f'<td class="al-headline-state">{html.escape(state_text)}</td>'
                    + self._measure("reliability", _num(r.reliability), _num(r.reliability_change), record)
                    + self._measure("trust", _num(r.trust), _num(r.trust_change))
                    + "</tr>"
                )
            self.widget.value = (
                f'<table class="al-headline-table"><caption>{html.escape(tr("dash.headline_title"))}</caption>'
                f"{''.join(lines)}</table>"
            )
        except Exception:
            log.exception("the headline could not be drawn")
            self.widget.value = f"<p>{html.escape(self.state.tr('chart_failed'))}</p>"


class PatternCards:
    """One card per pattern found: the partner and pattern, one short sentence, the full explanation a click away."""

    def __init__(self, state: DashboardState) -> None:
        self.state = state
        self.heading = widgets.HTML("")
        self.cards = widgets.HTML("").add_class("al-pattern-cards")
        self.widget = widgets.VBox([self.heading, self.cards]).add_class("al-patterns")
        state.observe(lambda _c: self.update(), names=["metrics", "language"])
        self.update()

    def _short(self, pattern: str, name: str, when: Any, now: dict[str, tuple[float, float]]) -> str:
        from alliance_lens.charts.table import day_text

        key = f"dash.short_{pattern}"
        rel, tru = now.get(name, (float("nan"), float("nan")))
        date = day_text(when, self.state.language)
        try:
            return self.state.tr(key, name=name, reliability=_pct(rel), trust=_pct(tru), date=date)
        except KeyError:  # a pattern this dashboard has no short text for: its long one only
            return ""

    def update(self) -> None:
        """Redraw the cards."""
        tr = self.state.tr
        self.heading.value = f"<h3>{html.escape(tr('section_patterns'))}</h3>"
        metrics = self.state.metrics
        try:
            patterns = None if metrics is None else metrics.patterns
            if patterns is None or patterns.empty:
                self.cards.value = f"<p>{html.escape(tr('no_patterns'))}</p>"
                return
            from alliance_lens.charts._common import card_order
            from alliance_lens.charts.headline import headline
            from alliance_lens.charts.table import day_text

            lang = self.state.language
            board = headline(metrics)
            now = {str(r.partner_name): (_num(r.reliability), _num(r.trust)) for r in board.itertuples()}
            shown = card_order(patterns, metrics.trends)
            cards = []
            for row in shown.itertuples(index=False):
                pattern = str(row.pattern)
                name = str(row.partner_name)
                when = row.period_end
                day = day_text(when, lang)
                when_text = f' <span class="al-when">({day})</span>' if day else ""
                short = self._short(pattern, name, when, now)
                long = _explanation(row, lang)
                body = (
                    f'<p class="al-card-short">{html.escape(short)}</p>'
                    f'<details class="al-card-more"><summary>{html.escape(tr("dash.more"))}</summary>'
                    f"<p>{html.escape(long)}</p></details>"
                    if short
                    else f"<p>{html.escape(long)}</p>"
                )
                cards.append(
                    f'<div class="al-pattern-card al-pattern-{html.escape(pattern)} '
                    f'al-partner-{html.escape(str(row.partner))}">'
                    f"<h4>{html.escape(name)}: {html.escape(tr('pattern_' + pattern))}{when_text}</h4>{body}</div>"
                )
            self.cards.value = f'<div class="al-cards">{"".join(cards)}</div>'
        except Exception:
            log.exception("pattern cards could not be drawn")
            self.cards.value = f"<p>{html.escape(tr('chart_failed'))}</p>"


class OverdueList:
    """The agreements past their due date and still open, most overdue first."""

    def __init__(self, state: DashboardState) -> None:
        self.state = state
        self.widget = widgets.HTML("").add_class("al-overdue")
        state.observe(lambda _c: self.update(), names=["metrics", "language"])
        self.update()

    def update(self) -> None:
        """Redraw the list."""
        tr = self.state.tr
        head = f"<h3>{html.escape(tr('section_overdue'))}</h3>"
        metrics = self.state.metrics
        try:
            status = None if metrics is None else metrics.agreement_status
            heads = [tr(k) for k in ("title", "owner", "due_on", "status")]
            table = overdue_table(status, heads, self.state.language)
            self.widget.value = head + (table or f"<p>{html.escape(tr('no_overdue'))}</p>")
        except Exception:
            log.exception("overdue list could not be drawn")
            self.widget.value = head + f"<p>{html.escape(tr('chart_failed'))}</p>"


class StatusLine:
    """Busy spinner while the state works; otherwise the last message or error, one sentence."""

    def __init__(self, state: DashboardState) -> None:
        self.state = state
        self.widget = widgets.HTML("").add_class("al-status")
        state.observe(lambda _c: self.update(), names=["busy", "pending", "message", "error", "language"])
        self.update()

    def update(self) -> None:
        """Show the current state."""
        s = self.state
        if s.busy or s.pending:
            self.widget.value = (
                f'<span class="al-busy"><span class="al-spinner"></span>'
                f'<span class="al-busy-text">{html.escape(s.tr("updating"))}</span></span>'
            )
            self.widget.add_class("al-is-busy")
            return
        self.widget.remove_class("al-is-busy")
        # a live region, so "Saved: …" and errors are spoken, not only shown
        if s.error:
            self.widget.value = f'<div role="alert"><span class="al-error">{html.escape(s.error)}</span></div>'
        elif s.message:
            self.widget.value = (
                f'<div role="status" aria-live="polite"><span class="al-message">{html.escape(s.message)}</span></div>'
            )
        else:
            self.widget.value = '<div role="status" aria-live="polite"></div>'


def as_of(state: DashboardState) -> dt.date | None:
    """The date the dashboard shows the alliance as of: that of its metrics, else its latest session."""
    metrics_as_of = getattr(state.metrics, "as_of", None)
    if metrics_as_of is not None and not pd.isna(metrics_as_of):
        return pd.Timestamp(metrics_as_of).date()
    data = state.data
    if data is None or data.sessions.empty:
        return None
    latest = data.sessions["date"].max()
    return None if pd.isna(latest) else pd.Timestamp(latest).date()
