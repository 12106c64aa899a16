"""The facilitator's dashboard: alliance picker, charts, pattern cards, overdue agreements, forms in tabs.

Presentation mode hides the forms and draws the charts large, for the screen in the room; the language switch
relabels everything (English / Dutch). Every saved entry refreshes the state once, and every view observing it
redraws itself without reloading the page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from alliance_lens.app.forms import FORM_TABS, Form
from alliance_lens.app.state import DashboardState
from alliance_lens.app.views import (
    FACILITATOR_CHARTS,
    STYLE,
    ChartView,
    HeadlineBoard,
    OverdueList,
    PatternCards,
    StatusLine,
    as_of,
)
from alliance_lens.charts import ChartFunction
from alliance_lens.charts.table import TABLE_CSS

log = logging.getLogger("alliance_lens.app")

#: Focus rings, button contrast, the picker's label, the saved line, the poll on the projector (``dashboard.css``).
A11Y_STYLE = "<style>" + Path(__file__).with_name("dashboard.css").read_text(encoding="utf-8") + TABLE_CSS + "</style>"


class FacilitatorDashboard:
    """The whole facilitator dashboard of one :class:`DashboardState`; ``widget`` is what is displayed."""

    def __init__(
        self,
        state: DashboardState,
        charts: Sequence[tuple[str, ChartFunction | str]] = FACILITATOR_CHARTS,
        renderer: str = "svg",
    ) -> None:
        """Build every view on ``state``.

        ``charts``: (css name, ``alliance_lens.charts`` function) to show; ``renderer``: ``svg`` (static SVG
        made in the kernel) or ``browser`` (the page draws each specification with one shared copy of Vega).
        """
        self.state = state
        tr = state.tr
        self.title = widgets.HTML("").add_class("al-title")
        self.picker = widgets.Dropdown(
            options=state.alliances,
            value=state.alliance_id,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        ).add_class("al-alliance-picker")
        self.language = widgets.ToggleButtons(
            options=[("EN", "en"), ("NL", "nl")], value=state.language, style={"button_width": "3.5em"}
        ).add_class("al-language")
        self.presentation = widgets.ToggleButton(value=state.presentation, icon="").add_class("al-presentation-toggle")
        self.undo = widgets.Button(button_style="warning", layout=widgets.Layout(width="auto")).add_class("al-undo")
        self.status = StatusLine(state)
        self.as_of = widgets.HTML("").add_class("al-as-of")
        header = widgets.HBox([self.title, self.picker, self.language, self.presentation, self.undo, self.as_of])
        header.add_class("al-header")

        # observers run in the order they were registered: labels and forms first, then cards and lists, then
        # the charts (the slow part), so what is cheap follows a save or a language switch at once
        self.forms: list[Form] = [cls(state) for _, cls in FORM_TABS]
        self.tabs = widgets.Tab(children=[f.widget for f in self.forms]).add_class("al-forms")
        self.picker.observe(self._on_pick, names="value")
        self.language.observe(self._on_language, names="value")
        self.presentation.observe(self._on_presentation, names="value")
        self.undo.on_click(lambda _b: state.guarded("action_undo", self.ask_undo))
        # Undo asks first, naming what it would take back; only "yes" undoes
        self.undo_question = widgets.HTML("").add_class("al-undo-question")
        self.undo_yes = widgets.Button(button_style="danger").add_class("al-undo-yes")
        self.undo_no = widgets.Button().add_class("al-undo-no")
        self.undo_yes.on_click(lambda _b: state.guarded("action_undo", self.confirm_undo))
        self.undo_no.on_click(lambda _b: self.cancel_undo())
        self.undo_confirm = widgets.HBox([self.undo_question, self.undo_yes, self.undo_no]).add_class("al-undo-confirm")
        self.undo_confirm.layout.display = "none"
        self._undo_target: str | None = None
        state.observe(self._on_state_alliances, names="alliances")
        state.observe(self._on_state_alliance, names="alliance_id")
        state.observe(lambda _c: self._relabel(), names=["language", "data"])
        state.observe(self._on_state_presentation, names="presentation")

        self.headline = HeadlineBoard(state)
        self.patterns = PatternCards(state)
        self.overdue = OverdueList(state)
        self.charts = [ChartView(state, css, fn, first=i == 0, renderer=renderer) for i, (css, fn) in enumerate(charts)]
        shown: list[widgets.Widget] = [c.widget for c in self.charts]
        if renderer == "browser":
            from alliance_lens.app.vega import loader_widgets

            shown.extend(loader_widgets(renderer))
        from alliance_lens.app.a11y import PageHelper
        from alliance_lens.app.forms import RatingGrid
        from alliance_lens.app.presence import Presence

        self.presence = Presence(state, layout=widgets.Layout(display="none"))
        shown.append(self.presence)
        shown.append(PageHelper(layout=widgets.Layout(display="none")))
        # the poll's QR code and answer counts, on the projector while a poll is open (participants scan it there)
        poll = self.form(RatingGrid).poll.projector  # type: ignore[attr-defined]
        chart_box = widgets.VBox(
            [poll, self.headline.widget, *shown[:1], self.patterns.widget, *shown[1:], self.overdue.widget]
        )
        chart_box.add_class("al-charts")
        body = widgets.HBox([chart_box, self.tabs]).add_class("al-body")
        self.widget = widgets.VBox(
            [widgets.HTML(STYLE), widgets.HTML(A11Y_STYLE), header, self.undo_confirm, self.status.widget, body]
        ).add_class("al-dashboard")
        self._relabel()
        log.debug("dashboard built with %s", tr("app_title"))

    # the widgets write into the state; the state's observers redraw the views
    def _on_pick(self, change: dict[str, Any]) -> None:
        if change["new"] and change["new"] != self.state.alliance_id:
            self.state.guarded("action_refresh", lambda: self.state.select(change["new"]))

    def _on_language(self, change: dict[str, Any]) -> None:
        self.cancel_undo(focus=False)  # the question was asked in the other language
        self.state.language = change["new"]

    def _on_presentation(self, change: dict[str, Any]) -> None:
        self.state.presentation = bool(change["new"])

    def ask_undo(self) -> None:
        """Show what Undo would take back, with "yes" and "no" (nothing is undone yet)."""
        preview = self.state.undo_preview()
        if preview is None:
            self.state.say(self.state.tr("nothing_to_undo"))
            return
        self._undo_target, what = preview
        with self.undo_confirm.hold_sync():
            self.undo_question.value = html.escape(self.state.tr("dash.undo_ask", what=what))
            self.undo_confirm.layout.display = None
        self.undo_yes.focus()

    def confirm_undo(self) -> None:
        """Undo the change the facilitator was asked about; every form's last "Saved" line goes with it."""
        target, self._undo_target = self._undo_target, None
        self.undo_confirm.layout.display = "none"
        if self.state.undo(expected=target) is not None:
            for form in self.forms:
                form.clear_messages()
        self.undo.focus()

    def cancel_undo(self, *, focus: bool = True) -> None:
        """Keep the change: the question goes away."""
        self._undo_target = None
        self.undo_confirm.layout.display = "none"
        if focus:
            self.undo.focus()

    # the state writes back into the widgets (another view, or the state itself, may change it)
    def _on_state_alliances(self, _change: dict[str, Any]) -> None:
        self.picker.options = self.state.alliances

    def _on_state_alliance(self, change: dict[str, Any]) -> None:
        if self.picker.value != change["new"]:
            self.picker.value = change["new"]

    def _on_state_presentation(self, change: dict[str, Any]) -> None:
        on = bool(change["new"])
        self.presentation.value = on
        # on the projector: no form, no message (it may name what was just entered), no undo control
        hidden = "none" if on else None
        if on:
            self.widget.add_class("al-presenting")
            self.cancel_undo(focus=False)
        else:
            self.widget.remove_class("al-presenting")
        self.tabs.layout.display = hidden
        self.status.widget.layout.display = hidden
        self.undo.layout.display = hidden

    def _relabel(self) -> None:
        s = self.state
        tr = s.tr
        if self.language.value != s.language:
            self.language.value = s.language
        name = s.alliance.name if s.alliance is not None else tr("app_title")
        self.title.value = f'<h1 class="al-h1">{html.escape(name)}</h1>'
        with self.presence.hold_sync():
            self.presence.lang = s.language
            self.presence.title = f"{name} · {tr('app_title')}" if s.alliance is not None else name
        self.picker.description = tr("alliance")
        self.presentation.description = tr("presentation")
        self.presentation.tooltip = tr("presentation_tip")
        self.undo.description = tr("undo")
        self.undo_yes.description = tr("dash.undo_yes")
        self.undo_no.description = tr("dash.undo_no")
        when = as_of(s)
        self.as_of.value = html.escape(tr("as_of", date=when.isoformat())) if when else ""
        self.tabs.titles = tuple(tr(key) for key, _ in FORM_TABS)
        if not s.alliances:
            s.say(tr("no_alliances"))

    def form(self, cls: type[Form]) -> Form:
        """The form of class ``cls`` (for tests and scripts)."""
        return next(f for f in self.forms if isinstance(f, cls))
