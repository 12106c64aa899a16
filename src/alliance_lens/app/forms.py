"""The facilitator's forms: agreements, outcomes, trust ratings, partners and goals, sessions.

Each form writes through the :class:`~alliance_lens.store.Workspace` of the :class:`DashboardState` and then asks
the state to refresh once. Input is checked before anything is written; every problem is shown beside its field
(from :attr:`ValidationError.problems`), and nothing reaches the screen as a traceback: each callback is guarded,
errors are logged and shown as one sentence.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from alliance_lens.app.state import DashboardState, one_sentence
from alliance_lens.model import (
    AGREEMENT_KINDS,
    OUTCOME_STATUSES,
    SESSION_KINDS,
    Agreement,
    Outcome,
    Partner,
    Problem,
    Session,
    TrustRating,
    UserError,
    ValidationError,
)

log = logging.getLogger("alliance_lens.app")

#: How many open agreements the outcome list shows at once (the owner filter reaches the rest).
MAX_OUTCOME_ROWS = 25


#: How much of a saved entry the "Saved: …" line repeats.
SAVED_CHARACTERS = 80


def shorten(text: str, n: int = SAVED_CHARACTERS) -> str:
    """``text`` on one line, at most ``n`` characters (cut with "…")."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= n else one_line[: n - 1].rstrip() + "…"


def _css_id(value: str) -> str:
    """``value`` made safe for a CSS class name (ids may hold any character but ``;``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


def next_id(existing: Sequence[str], fallback_prefix: str) -> str:
    """The next free id in the style of ``existing`` (``A07`` after ``A06``), else ``fallback_prefix1``."""
    taken = set(existing)
    best: tuple[str, int, int] | None = None  # prefix, highest number, width
    counts: dict[str, int] = {}
    for value in existing:
        m = re.fullmatch(r"(.*?)(\d+)", value)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    if counts:
        prefix = max(counts, key=lambda p: counts[p])
        numbers = [re.fullmatch(r"(.*?)(\d+)", v) for v in existing]
        matching = [m for m in numbers if m and m.group(1) == prefix]
        best = (prefix, max(int(m.group(2)) for m in matching), max(len(m.group(2)) for m in matching))
    prefix, n, width = best if best else (fallback_prefix, 0, 1)
    while True:
        n += 1
        candidate = f"{prefix}{n:0{width}d}"
        if candidate not in taken:
            return candidate


def _date(value: Any) -> dt.date | None:
    """A pandas/NumPy date (or NaT) as ``datetime.date`` or ``None``."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def close_tree(widget: widgets.Widget) -> None:
    """Close ``widget`` and everything inside it (``Widget.close_all`` would close every widget there is)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


def text_input(**kwargs: Any) -> widgets.Text:
    """A text field whose value reaches the kernel when it is left or Enter is pressed, not per keystroke.

    Why: while the kernel is busy (redrawing after the last save), ipywidgets holds back a field's later
    keystroke updates but sends a button's click at once, so a click could be handled with the text as it was
    several keystrokes ago. With one update per edit, sent when the field loses focus, the text always arrives
    before the click that follows.
    """
    return widgets.Text(continuous_update=False, **kwargs)


#: How long a press of Enter waits for the field's new value, which the page sends just after it (seconds).
ENTER_WAIT = 0.5


def _on_enter(widget: widgets.Text, callback: Callable[[], None]) -> None:
    """Call ``callback`` when Enter is pressed in ``widget``, once its new value has arrived.

    The page sends the 'submit' event before the value Enter commits, so the callback waits for that value (or
    :data:`ENTER_WAIT` seconds, if the value did not change); without a running event loop it runs at once.
    """
    waiting: list[asyncio.TimerHandle | None] = []

    def fire() -> None:
        if waiting:
            handle = waiting.pop()
            if handle is not None:
                handle.cancel()
            callback()

    def on_value(_change: dict[str, Any]) -> None:
        if waiting:
            fire()

    def handler(_widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") != "submit" or waiting:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            callback()
            return
        waiting.append(loop.call_later(ENTER_WAIT, fire))

    widget.observe(on_value, names="value")
    widget.on_msg(handler)


class Field:
    """An input widget with a message beside it, for the problems of one column."""

    def __init__(self, column: str, widget: widgets.DOMWidget, label_key: str) -> None:
        self.column = column
        self.widget = widget
        self.label_key = label_key
        self.message = widgets.HTML("").add_class("al-field-message")
        self.box = widgets.HBox([widget, self.message]).add_class("al-field").add_class(f"al-field-{column}")

    def show(self, text: str) -> None:
        """Mark the field invalid with ``text`` beside it."""
        self.message.value = f'<span class="al-invalid-text">{html.escape(text)}</span>'
        self.box.add_class("al-invalid")

    def clear(self) -> None:
        """Remove the field's message."""
        self.message.value = ""
        self.box.remove_class("al-invalid")

    def relabel(self, state: DashboardState) -> None:
        """Give the widget its label in the current language."""
        self.widget.description = state.tr(self.label_key)


class DefaultDate:
    """A date field that follows the date entries default to (the current session's, else today), visibly.

    The note beside it says where the date comes from ("the date of session …", "today"). A date the facilitator
    picked stays until the session being worked on changes; then the field follows the new session.
    """

    def __init__(self, state: DashboardState, picker: widgets.DatePicker) -> None:
        self.state = state
        self.picker = picker
        self.note = widgets.HTML("").add_class("al-date-note")
        self._default: tuple[dt.date, str | None] | None = None
        self._why = ""
        picker.observe(lambda _c: self._show_note(), names="value")

    def follow(self) -> None:
        """Set the field to the default if it was untouched, empty, or the session worked on changed."""
        when, why = self.state.entry_date()
        key = (when, self.state.session_id)
        last = self._default
        self._why = why
        if last is None or self.picker.value is None or self.picker.value == last[0] or key[1] != last[1]:
            self._default = key
            self.picker.value = when
        self._default = key
        self._show_note()

    def _show_note(self) -> None:
        shown = self._default is not None and self.picker.value == self._default[0]
        self.note.value = f'<span class="al-tip">{html.escape(self._why)}</span>' if shown else ""


class Form:
    """What the forms share: fields with messages, a status line, guarded callbacks, relabelling."""

    action_key = "action_refresh"

    def __init__(self, state: DashboardState, css: str = "al-form-other") -> None:
        self.state = state
        self.fields: dict[str, Field] = {}
        self.status = widgets.HTML("").add_class("al-form-status")
        self.widget = widgets.VBox([]).add_class("al-form").add_class(css)
        state.observe(lambda _c: self.guard(self.relabel, "action_refresh"), names="language")
        state.observe(lambda _c: self.guard(self.on_data, "action_refresh"), names="data")
        state.observe(lambda _c: self.guard(self.on_session, "action_refresh"), names="session_id")

    def field(self, column: str, widget: widgets.DOMWidget, label_key: str) -> Field:
        """Register ``widget`` as the input of ``column``."""
        widget.add_class(f"al-input-{column}")
        f = Field(column, widget, label_key)
        self.fields[column] = f
        return f

    # --- to be filled in by each form
    def on_data(self) -> None:
        """The alliance's data changed: refresh option lists and defaults."""

    def on_session(self) -> None:
        """The session being worked on changed: dates and sessions follow it."""

    def relabel(self) -> None:
        """The language changed: relabel every field."""
        for f in self.fields.values():
            f.relabel(self.state)

    # --- feedback
    def clear_messages(self) -> None:
        """Remove every message of the form."""
        for f in self.fields.values():
            f.clear()
        self.status.value = ""
        self.status.remove_class("al-error")

    def show_status(self, text: str, *, error: bool = False) -> None:
        """One sentence under the form."""
        self.status.value = html.escape(text)
        if error:
            self.status.add_class("al-error")
        else:
            self.status.remove_class("al-error")

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Each problem beside its field; those without a field in the status line."""
        loose: list[str] = []
        for p in problems:
            f = self.fields.get(p.column or "")
            if f is not None and not f.message.value:
                f.show(p.message(self.state.language))
            elif f is None:
                # the message names the field and the value in the user's words; the table and the entry's number
                # in the save ("trust_ratings row 2") mean nothing to the facilitator
                loose.append(p.message(self.state.language))
        self.show_status(loose[0] if loose else self.state.tr("fix_fields"), error=True)

    def guard(self, fn: Callable[[], object], action_key: str | None = None) -> None:
        """Run a callback so that nothing escapes: problems beside fields, anything else one logged sentence."""
        try:
            fn()
        except ValidationError as exc:
            log.info("refused: %s", exc)
            self.show_problems(exc.problems)
        except UserError as exc:
            log.info("refused: %s", exc)
            self.show_status(one_sentence(exc, self.state.language), error=True)
        except Exception:
            action = self.state.tr(action_key or self.action_key)
            log.exception("unexpected error while %s", action)
            self.show_status(self.state.tr("unexpected", action=action), error=True)

    def submit(self, write: Callable[[], str], action_key: str | None = None) -> bool:
        """Clear messages, run ``write`` (which returns what was saved), refresh the state; ``True`` on success."""
        done: list[str] = []

        def run() -> None:
            self.clear_messages()
            if self.state.read_only:
                raise UserError(self.state.tr("dash.read_only_refused"))
            self.alliance_id()  # "choose an alliance first" when there is none
            done.append(write())
            self.state.refresh()
            # what was saved, shortened: a long title must not fill the screen (the form still shows it whole)
            text = self.state.tr("saved", what=shorten(done[0]))
            self.show_status(text)
            self.state.say(text)

        self.guard(run, action_key)
        return bool(done)

    def button(self, label_key: str, css: str, on_click: Callable[[], None], style: str = "primary") -> widgets.Button:
        """A button whose clicks are guarded."""
        b = widgets.Button(description=self.state.tr(label_key), button_style=style).add_class(css)
        b.on_click(lambda _b: self.guard(on_click))
        return b

    # --- helpers for the forms
    def partner_options(self) -> list[tuple[str, str]]:
        """``(name, partner_id)`` of the alliance's partners."""
        data = self.state.data
        if data is None:
            return []
        return [(str(n), str(p)) for p, n in zip(data.partners["partner_id"], data.partners["name"], strict=True)]

    def latest_session(self) -> tuple[str, dt.date] | None:
        """The current session: the one with the latest date (``None`` if there is none)."""
        data = self.state.data
        if data is None or data.sessions.empty:
            return None
        row = data.sessions.sort_values(["date", "session_id"], kind="stable").iloc[-1]
        d = _date(row["date"])
        return (str(row["session_id"]), d) if d else None

    def alliance_id(self) -> str:
        """The selected alliance (forms are only used with one selected)."""
        aid = self.state.alliance_id
        if aid is None:
            raise UserError(self.state.tr("dash.choose_alliance_first"))
        return aid


def _require(problems: list[Problem], table: str, column: str, value: object, reason: str | None) -> None:
    if reason:
        problems.append(Problem(table, None, column, value, reason))


# ---------------------------------------------------------------------------------------------- agreement


class AgreementForm(Form):
    """A new agreement: title, kind, owner, beneficiaries, made on (the current session's date), due on."""

    action_key = "action_agreement"

    def __init__(self, state: DashboardState) -> None:
        super().__init__(state, "al-agreement-form")
        w = widgets.Layout(width="26em")
        self.title = text_input(placeholder="…", layout=w)
        self.kind = widgets.ToggleButtons(options=[("Content", "content"), ("Process", "process")], value="content")
        self.owner = widgets.Dropdown(options=[], layout=w)
        self.beneficiaries = widgets.SelectMultiple(options=[], rows=4, layout=w)
        self.made_on = widgets.DatePicker(value=None)
        self.made_on_default = DefaultDate(state, self.made_on)
        self.due_on = widgets.DatePicker(value=None)
        self.agreement_id = text_input(layout=widgets.Layout(width="16em"))
        self.note = text_input(layout=w)
        self.tip = widgets.HTML("").add_class("al-tip")
        fields = [
            self.field("title", self.title, "title"),
            self.field("kind", self.kind, "kind"),
            self.field("owner", self.owner, "owner"),
            self.field("beneficiaries", self.beneficiaries, "beneficiaries"),
            self.field("made_on", self.made_on, "made_on"),
            self.field("due_on", self.due_on, "due_on"),
            self.field("agreement_id", self.agreement_id, "agreement_id"),
            self.field("note", self.note, "note"),
        ]
        self.save = self.button("add_agreement", "al-agreement-save", self.add)
        _on_enter(self.title, lambda: self.guard(self.add))
        _on_enter(self.note, lambda: self.guard(self.add))
        fields[4].box.children = (*fields[4].box.children, self.made_on_default.note)
        fields[4].box.add_class("al-field-dated")
        self.widget.children = (
            [f.box for f in fields[:4]]
            + [self.tip]
            + [f.box for f in fields[4:]]
            + [
                self.save,
                self.status,
            ]
        )
        self.owner.observe(lambda _c: self.guard(self._exclude_owner), names="value")
        self.relabel()
        self.on_data()

    def relabel(self) -> None:
        """Labels in the current language."""
        super().relabel()
        tr = self.state.tr
        self.kind.options = [(tr(f"kind_{k}"), k) for k in AGREEMENT_KINDS]
        self.tip.value = html.escape(tr("beneficiaries_tip"))
        self.save.description = tr("add_agreement")
        self.made_on_default.follow()

    def on_data(self) -> None:
        """New partners, new default id and made-on date."""
        options = self.partner_options()
        if list(self.owner.options) != options:
            keep = self.owner.value
            self.owner.options = options
            ids = [p for _, p in options]
            self.owner.value = keep if keep in ids else (ids[0] if ids else None)
        self._exclude_owner()
        data = self.state.data
        existing = [] if data is None else [str(a) for a in data.agreements["agreement_id"]]
        self.agreement_id.value = next_id(existing, "A")
        self.made_on_default.follow()

    def on_session(self) -> None:
        """The made-on date follows the session being worked on."""
        self.made_on_default.follow()

    def _exclude_owner(self) -> None:
        """The owner cannot be its own beneficiary, so it is not offered."""
        options = [o for o in self.partner_options() if o[1] != self.owner.value]
        if list(self.beneficiaries.options) != options:
            keep = [v for v in self.beneficiaries.value if v in {p for _, p in options}]
            self.beneficiaries.options = options
            self.beneficiaries.value = tuple(keep)

    def entity(self) -> Agreement:
        """The agreement the fields describe; :class:`ValidationError` naming every bad field."""
        problems: list[Problem] = []
        t = "agreements"
        tr = self.state.tr
        _require(problems, t, "title", self.title.value, tr("required") if not self.title.value.strip() else None)
        _require(problems, t, "owner", self.owner.value, tr("required") if not self.owner.value else None)
        _require(problems, t, "made_on", self.made_on.value, tr("not_a_date") if self.made_on.value is None else None)
        _require(problems, t, "due_on", self.due_on.value, tr("not_a_date") if self.due_on.value is None else None)
        _require(
            problems,
            t,
            "agreement_id",
            self.agreement_id.value,
            tr("required") if not self.agreement_id.value.strip() else None,
        )
        if problems:
            raise ValidationError(problems)
        return Agreement(
            alliance_id=self.alliance_id(),
            agreement_id=self.agreement_id.value.strip(),
            title=self.title.value.strip(),
            kind=self.kind.value,
            owner=self.owner.value,
            made_on=self.made_on.value,
            due_on=self.due_on.value,
            beneficiaries=tuple(self.beneficiaries.value),
            note=self.note.value.strip(),
        )

    def add(self) -> None:
        """Save the agreement, then clear the fields for the next one (owner, kind and dates stay)."""

        def write() -> str:
            agreement = self.entity()
            self.state.workspace.add(agreement)
            return agreement.title

        if self.submit(write):
            self.title.value = ""
            self.note.value = ""
            self.beneficiaries.value = ()
            self.title.focus()


# ---------------------------------------------------------------------------------------------- outcomes


class OutcomeForm(Form):
    """The open agreements, due first, each marked kept / kept late / renegotiated / broken / dropped in one click."""

    action_key = "action_outcome"

    def __init__(self, state: DashboardState) -> None:
        super().__init__(state, "al-outcome-form")
        self.date = widgets.DatePicker(value=None, style={"description_width": "initial"})
        self.date_default = DefaultDate(state, self.date)
        self.owner_filter = widgets.Dropdown(options=[("—", "")], value="")
        self.owner_filter.add_class("al-outcome-owner-filter")
        self.rows = widgets.VBox([]).add_class("al-outcome-rows")
        self.more = widgets.HTML("")
        self._row_cache: dict[tuple[str, str, str], widgets.HBox] = {}
        date_box = self.field("date", self.date, "outcome_date").box
        date_box.children = (*date_box.children, self.date_default.note)
        date_box.add_class("al-field-dated")
        self.widget.children = [
            widgets.HBox([date_box, self.owner_filter]).add_class("al-outcome-head"),
            self.rows,
            self.more,
            self.status,
        ]
        self.owner_filter.observe(lambda _c: self.guard(self._show_rows), names="value")
        self.relabel()
        self.on_data()

    def relabel(self) -> None:
        """Labels in the current language; the rows are rebuilt with their buttons relabelled."""
        super().relabel()
        self.owner_filter.description = self.state.tr("owner")
        self.date_default.follow()
        self._row_cache.clear()
        self._show_rows()

    def on_session(self) -> None:
        """The outcome date follows the session being worked on."""
        self.date_default.follow()

    def open_agreements(self) -> pd.DataFrame:
        """Agreements whose latest outcome is none (open) or renegotiated, soonest due first."""
        data = self.state.data
        if data is None:
            return pd.DataFrame(columns=["agreement_id", "title", "owner", "due_on", "status"])
        last = data.outcomes.groupby("agreement_id", sort=False).tail(1).set_index("agreement_id")["status"]
        frame = data.agreements.assign(status=data.agreements["agreement_id"].map(last).fillna("open"))
        frame = frame[frame["status"].isin(["open", "renegotiated"])]
        ordered: pd.DataFrame = frame.sort_values(["due_on", "agreement_id"], kind="stable")
        return ordered

    def on_data(self) -> None:
        """New list of open agreements; the date defaults to the current session's."""
        options = [("—", ""), *self.partner_options()]
        if list(self.owner_filter.options) != options:
            keep = self.owner_filter.value
            self.owner_filter.options = options
            self.owner_filter.value = keep if keep in {v for _, v in options} else ""
        self.date_default.follow()
        self._show_rows()

    def _show_rows(self) -> None:
        frame = self.open_agreements()
        if self.owner_filter.value:
            frame = frame[frame["owner"] == self.owner_filter.value]
        names = dict((p, n) for n, p in self.partner_options())
        today = self.state.today()
        rows: list[widgets.Widget] = []
        seen: set[tuple[str, str, str]] = set()
        for r in frame.head(MAX_OUTCOME_ROWS).itertuples(index=False):
            due = _date(r.due_on)
            key = (str(r.agreement_id), str(r.title), f"{r.status}|{due}|{today}|{r.owner}")
            seen.add(key)
            row = self._row_cache.get(key)
            if row is None:
                row = self._row(
                    str(r.agreement_id),
                    str(r.title),
                    names.get(str(r.owner), str(r.owner)),
                    due,
                    overdue=due is not None and due < today,
                )
                self._row_cache[key] = row
            rows.append(row)
        for key in [k for k in self._row_cache if k not in seen]:
            close_tree(self._row_cache.pop(key))
        rest = len(frame) - len(rows)
        with self.rows.hold_sync():
            self.rows.children = rows
        tr = self.state.tr
        self.more.value = (
            html.escape(tr("more_open", n=rest)) if rest > 0 else "" if rows else html.escape(tr("no_open_agreements"))
        )

    def _row(self, agreement_id: str, title: str, owner: str, due: dt.date | None, *, overdue: bool) -> widgets.HBox:
        tr = self.state.tr
        badge = f' <span class="al-badge al-overdue">{html.escape(tr("overdue"))}</span>' if overdue else ""
        label = widgets.HTML(
            f"<b>{html.escape(title)}</b> — {html.escape(owner)}, "
            f"{html.escape(tr('due', date=due.isoformat() if due else '?'))}{badge}",
            layout=widgets.Layout(width="100%"),
        )
        buttons = []
        for status in OUTCOME_STATUSES:
            # its accessible name (and tooltip) names the agreement: "Kept: A12 Deliver the prototype" (a11y.js)
            name = tr("dash.mark_label", status=tr(f"status_{status}"), id=agreement_id, title=shorten(title))
            b = widgets.Button(description=tr(f"status_{status}"), layout=widgets.Layout(width="auto"), tooltip=name)
            b.add_class("al-mark").add_class(f"al-mark-{status}")
            b.on_click(lambda _b, s=status: self.guard(lambda: self.mark(agreement_id, s)))
            buttons.append(b)
        row = widgets.HBox([label, *buttons]).add_class("al-outcome-row")
        return row.add_class(f"al-outcome-{_css_id(agreement_id)}")

    def mark(self, agreement_id: str, status: str) -> bool:
        """Record that ``agreement_id`` was ``status`` on the form's date."""

        def write() -> str:
            if self.date.value is None:
                raise ValidationError([Problem("outcomes", None, "date", None, self.state.tr("not_a_date"))])
            outcome = Outcome(self.alliance_id(), agreement_id, self.date.value, status)  # type: ignore[arg-type]
            self.state.workspace.add_outcome(outcome)
            data = self.state.data
            found = None if data is None else data.agreements.loc[data.agreements["agreement_id"] == agreement_id]
            title = str(found["title"].iloc[0]) if found is not None and not found.empty else agreement_id
            text = self.state.tr("marked", title=title, status=self.state.tr(f"status_{status}"))
            latest = self.latest_session()
            if latest is not None and self.date.value > latest[1]:
                # the charts show the alliance as of its latest session: say why this one does not move them yet
                text += " " + self.state.tr("dash.counts_from_next_session", date=latest[1].isoformat())
            return text

        return self.submit(write)


# ---------------------------------------------------------------------------------------------- ratings


def tr_cell(rater_name: str, ratee: str, partners: Sequence[tuple[str, str]]) -> str:
    """The hover text of a grid cell: who rates whom, by name."""
    ratee_name = next((n for n, p in partners if p == ratee), ratee)
    return f"{rater_name} → {ratee_name}"


def parse_score(text: str) -> float | None:
    """A score typed by a person: ``""`` is no score, ``3,5`` is 3.5; :class:`ValueError` if not a number."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    return float(text)


class RatingGrid(Form):
    """All raters × ratees of one session at once, on the alliance's scale; empty cells are skipped."""

    action_key = "action_ratings"

    def __init__(self, state: DashboardState) -> None:
        super().__init__(state, "al-rating-form")
        self.session = widgets.Dropdown(options=[])
        self.respondent = text_input(layout=widgets.Layout(width="20em"))
        self.scale = widgets.HTML("").add_class("al-tip")
        self.grid = widgets.GridBox([]).add_class("al-rating-grid")
        self.cells: dict[tuple[str, str], widgets.Text] = {}
        self._partners: list[tuple[str, str]] = []
        self._setting = False  # the form itself sets the session: not the facilitator's choice
        self.session.observe(lambda _c: self.guard(self._picked), names="value")
        self.save = self.button("save_ratings", "al-ratings-save", self.save_ratings)
        from alliance_lens.app.poll import PollPanel  # the live poll of the session chosen here (issue 10)

        self.poll = PollPanel(state, self.session)
        self.widget.children = [
            self.field("session_id", self.session, "session").box,
            self.field("respondent", self.respondent, "respondent").box,
            self.scale,
            self.grid,
            self.save,
            self.status,
            self.poll.widget,
        ]
        self.relabel()
        self.on_data()

    def relabel(self) -> None:
        """Labels in the current language."""
        super().relabel()
        self.save.description = self.state.tr("save_ratings")
        self._partners = []  # rebuild the grid's header text
        self.on_data()

    def on_data(self) -> None:
        """New sessions (the latest chosen) and, if the partners changed, a new grid."""
        data = self.state.data
        if data is None:
            return
        sessions = data.sessions.sort_values(["date", "session_id"], kind="stable")
        options = [
            (f"{_date(d)} {t or s}".strip(), str(s))
            for s, d, t in zip(sessions["session_id"], sessions["date"], sessions["title"], strict=True)
        ]
        if list(self.session.options) != options:
            self._setting = True
            try:
                self.session.options = options
            finally:
                self._setting = False
            self.on_session()
        alliance = self.state.alliance
        if alliance is not None:
            lo, hi = alliance.trust_min, alliance.trust_max
            self.scale.value = html.escape(self.state.tr("scale", lo=f"{lo:g}", hi=f"{hi:g}"))
        partners = self.partner_options()
        if partners != self._partners:
            self._partners = partners
            self._build_grid()

    def on_session(self) -> None:
        """The grid is for the session being worked on, else the latest one."""
        ids = [v for _, v in self.session.options]
        wanted = self.state.session_id if self.state.session_id in ids else (ids[-1] if ids else None)
        if self.session.value != wanted:
            self._setting = True
            try:
                self.session.value = wanted
            finally:
                self._setting = False

    def _picked(self) -> None:
        # a session picked here is the one being worked on: the outcome and agreement dates follow it
        if not self._setting and self.session.value:
            self.state.session_id = self.session.value

    def _build_grid(self) -> None:
        old = self.grid.children
        self.cells = {}
        n = len(self._partners)
        children: list[widgets.Widget] = [widgets.HTML(f"<i>{html.escape(self.state.tr('rater_ratee'))}</i>")]
        children += [
            widgets.HTML(f'<b title="{html.escape(name)}">{html.escape(name)}</b>').add_class("al-grid-head")
            for name, _ in self._partners
        ]
        for rater_name, rater in self._partners:
            head = widgets.HTML(f'<b title="{html.escape(rater_name)}">{html.escape(rater_name)}</b>')
            children.append(head.add_class("al-grid-head").add_class("al-grid-rater"))
            for _, ratee in self._partners:
                if rater == ratee:
                    children.append(widgets.HTML("—"))
                    continue
                cell = text_input(
                    layout=widgets.Layout(width="100%"),
                    tooltip=tr_cell(rater_name, ratee, self._partners),
                )
                cell.add_class("al-rating-cell").add_class(f"al-cell-{_css_id(rater)}-{_css_id(ratee)}")
                self.cells[(rater, ratee)] = cell
                children.append(cell)
        # names up to 40 characters wrap in their header (never cut, never run together); cells keep 4 digits
        self.grid.layout = widgets.Layout(
            grid_template_columns=f"minmax(7em, 11em) repeat({n}, minmax(4.2em, 1fr))", grid_gap="4px 6px"
        )
        self.grid.children = children
        for w in old:
            close_tree(w)

    def ratings(self) -> list[TrustRating]:
        """The filled cells as ratings; :class:`ValidationError` naming each bad cell (rater, ratee, value)."""
        alliance = self.state.alliance
        session = self.session.value
        if alliance is None or not session:
            raise ValidationError([Problem("trust_ratings", None, "session_id", None, self.state.tr("no_sessions"))])
        tr = self.state.tr
        problems: list[Problem] = []
        out: list[TrustRating] = []
        for cell in self.cells.values():
            cell.remove_class("al-invalid")
        names = dict((p, n) for n, p in self._partners)
        for (rater, ratee), cell in self.cells.items():
            # the cell named as the facilitator sees it: by the partners' names, not their ids
            where = tr("dash.grid_cell", rater=names.get(rater, rater), ratee=names.get(ratee, ratee))
            try:
                score = parse_score(cell.value)
            except ValueError:
                problems.append(
                    Problem(
                        "trust_ratings",
                        None,
                        f"{rater}→{ratee}",
                        cell.value,
                        f"{where}: " + tr("not_a_number", value=cell.value),
                    )
                )
                cell.add_class("al-invalid")
                continue
            if score is None:
                continue
            if not alliance.trust_min <= score <= alliance.trust_max:
                reason = tr(
                    "outside_scale", value=f"{score:g}", lo=f"{alliance.trust_min:g}", hi=f"{alliance.trust_max:g}"
                )
                problems.append(Problem("trust_ratings", None, f"{rater}→{ratee}", cell.value, f"{where}: {reason}"))
                cell.add_class("al-invalid")
                continue
            out.append(
                TrustRating(
                    alliance.alliance_id, session, rater, ratee, score, respondent=self.respondent.value.strip()
                )
            )
        if problems:
            raise ValidationError(problems)
        if not out:
            raise ValidationError([Problem("trust_ratings", None, None, None, tr("no_ratings_entered"))])
        return out

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Cell problems are listed under the grid (the cells themselves are marked)."""
        mapped = [p for p in problems if p.column in self.fields]
        lang = self.state.language
        for p in mapped:
            self.fields[p.column or ""].show(p.message(lang))
        loose = [p.message(lang) for p in problems if p.column not in self.fields]
        # every bad cell, so the facilitator fixes them all in one go
        text = "; ".join(loose) if loose else self.state.tr("fix_fields")
        self.show_status(text, error=True)

    def save_ratings(self) -> None:
        """Save every filled cell in one transaction, then empty the grid."""

        def write() -> str:
            ratings = self.ratings()
            self.state.workspace.add_ratings(ratings)
            return self.state.tr("ratings_saved", n=len(ratings))

        if self.submit(write):
            for cell in self.cells.values():
                cell.value = ""


# ---------------------------------------------------------------------------------------------- partners


class PartnerForm(Form):
    """Partners (add, rename) and when each shared its own goals."""

    action_key = "action_partner"

    def __init__(self, state: DashboardState) -> None:
        super().__init__(state, "al-partner-form")
        self.pick = widgets.Dropdown(options=[])
        self.partner_id = text_input(layout=widgets.Layout(width="16em"))
        self.name = text_input(layout=widgets.Layout(width="26em"))
        self.goals_on = widgets.DatePicker(value=None)
        self.goals_list = widgets.HTML("").add_class("al-goals-list")
        self.save = self.button("save_partner", "al-partner-save", self.save_partner)
        self.mark_goals = self.button("mark_goals", "al-goals-save", lambda: self.set_goals(True), "success")
        self.clear_goals = self.button("clear_goals", "al-goals-clear", lambda: self.set_goals(False), "")
        _on_enter(self.name, lambda: self.guard(self.save_partner))
        self.widget.children = [
            self.field("pick", self.pick, "partner").box,
            self.field("partner_id", self.partner_id, "partner_id").box,
            self.field("name", self.name, "name").box,
            self.save,
            widgets.HTML("<hr>"),
            self.field("goals_shared_on", self.goals_on, "goals_shared").box,
            widgets.HBox([self.mark_goals, self.clear_goals]),
            self.goals_list,
            self.status,
        ]
        self._listing = False  # the options being replaced: the pick did not change by hand
        self.pick.observe(lambda _c: self._picked_by_hand(), names="value")
        self.relabel()
        self.on_data()

    def relabel(self) -> None:
        """Labels in the current language."""
        super().relabel()
        tr = self.state.tr
        self.save.description = tr("save_partner")
        self.mark_goals.description = tr("mark_goals")
        self.clear_goals.description = tr("clear_goals")
        self.on_data()

    def on_data(self) -> None:
        """New partner list and goals."""
        options = [(self.state.tr("new"), ""), *self.partner_options()]
        if list(self.pick.options) != options:
            keep = self.pick.value
            self._listing = True
            try:
                self.pick.options = options
                self.pick.value = keep if keep in {v for _, v in options} else ""
            finally:
                self._listing = False
        self._fill()
        data = self.state.data
        if data is None:
            return
        tr = self.state.tr
        items = []
        for name, shared in zip(data.partners["name"], data.partners["goals_shared_on"], strict=True):
            d = _date(shared)
            when = d.isoformat() if d else html.escape(tr("goals_not_shared"))
            items.append(f"<li>{html.escape(str(name))}: {when}</li>")
        self.goals_list.value = f"<ul>{''.join(items)}</ul>"

    def _picked_by_hand(self) -> None:
        if not self._listing:
            self.guard(lambda: self._fill(picked=True))

    def _fill(self, *, picked: bool = False) -> None:
        """Show the picked partner, or a new one: ``picked`` when the facilitator chose it in the list.

        A new partner half typed stays as typed when the language or the data changes: its id is replaced
        only when it is empty or has been taken meanwhile, its name only when "new" is picked again.
        """
        pid = self.pick.value
        data = self.state.data
        if not pid or data is None:
            self.partner_id.disabled = False
            if not pid:
                ids = [] if data is None else [str(p) for p in data.partners["partner_id"]]
                typed = self.partner_id.value.strip()
                if picked or not typed or typed in ids:
                    self.partner_id.value = next_id(ids, "P")
                if picked:
                    self.name.value = ""
            return
        row = data.partners[data.partners["partner_id"] == pid].iloc[0]
        self.partner_id.value = pid
        self.partner_id.disabled = True
        self.name.value = str(row["name"])
        self.goals_on.value = _date(row["goals_shared_on"])

    def save_partner(self) -> None:
        """Add a new partner, or rename the one picked."""

        def write() -> str:
            if not self.name.value.strip():
                raise ValidationError([Problem("partners", None, "name", "", self.state.tr("required"))])
            pid = self.partner_id.value.strip()
            data = self.state.data
            old = None if data is None else data.partners[data.partners["partner_id"] == pid]
            goals = None if old is None or old.empty else _date(old.iloc[0]["goals_shared_on"])
            partner = Partner(self.alliance_id(), pid, self.name.value.strip(), goals)
            if self.pick.value:
                self.state.workspace.update(partner)
            else:
                self.state.workspace.add(partner)
            return partner.name

        if self.submit(write) and not self.pick.value:
            self.pick.value = (
                self.partner_id.value.strip()
                if self.partner_id.value.strip() in {v for _, v in self.pick.options}
                else ""
            )

    def set_goals(self, shared: bool) -> None:
        """Record that the picked partner shared its goals on the date (or clear it)."""

        def write() -> str:
            pid = self.pick.value
            if not pid:
                raise ValidationError([Problem("partners", None, "pick", None, self.state.tr("required"))])
            when = self.goals_on.value if shared else None
            if shared and when is None:
                raise ValidationError([Problem("partners", None, "goals_shared_on", None, self.state.tr("not_a_date"))])
            self.state.workspace.set_goals_shared(self.alliance_id(), pid, when)
            name = dict((p, n) for n, p in self.partner_options()).get(pid, pid)
            return f"{name}: {when.isoformat() if when else self.state.tr('goals_not_shared')}"

        self.submit(write, "action_goals")


# ---------------------------------------------------------------------------------------------- sessions


class SessionForm(Form):
    """Sessions (add, edit): id, date, title, kind."""

    action_key = "action_session"

    def __init__(self, state: DashboardState) -> None:
        super().__init__(state, "al-session-form")
        self.pick = widgets.Dropdown(options=[])
        self.session_id = text_input(layout=widgets.Layout(width="16em"))
        self.date = widgets.DatePicker(value=None)
        self.title = text_input(layout=widgets.Layout(width="26em"))
        self.kind = widgets.Dropdown(options=[(k, k) for k in SESSION_KINDS], value="meeting")
        self.save = self.button("save_session", "al-session-save", self.save_session)
        _on_enter(self.title, lambda: self.guard(self.save_session))
        self.widget.children = [
            self.field("pick", self.pick, "session").box,
            self.field("session_id", self.session_id, "session_id").box,
            self.field("date", self.date, "date").box,
            self.field("title", self.title, "title").box,
            self.field("kind", self.kind, "kind").box,
            self.save,
            self.status,
        ]
        self.pick.observe(lambda _c: self.guard(self._fill), names="value")
        self.relabel()
        self.on_data()

    def relabel(self) -> None:
        """Labels in the current language."""
        super().relabel()
        tr = self.state.tr
        self.save.description = tr("save_session")
        keep = self.kind.value
        self.kind.options = [(tr(f"kind_{k}"), k) for k in SESSION_KINDS]
        self.kind.value = keep
        self.on_data()

    def on_data(self) -> None:
        """New session list."""
        data = self.state.data
        sessions = (
            []
            if data is None
            else sorted(zip(data.sessions["date"], data.sessions["session_id"], data.sessions["title"], strict=True))
        )
        options = [(self.state.tr("new"), ""), *[(f"{_date(d)} {t or s}".strip(), str(s)) for d, s, t in sessions]]
        if list(self.pick.options) != options:
            keep = self.pick.value
            self.pick.options = options
            self.pick.value = keep if keep in {v for _, v in options} else ""
        self._fill()

    def _fill(self) -> None:
        sid = self.pick.value
        data = self.state.data
        if not sid or data is None:
            self.session_id.disabled = False
            if not sid:
                ids = [] if data is None else [str(s) for s in data.sessions["session_id"]]
                self.session_id.value = next_id(ids, "S")
                self.title.value = ""
                self.date.value = dt.date.today()
            return
        row = data.sessions[data.sessions["session_id"] == sid].iloc[0]
        self.session_id.value = sid
        self.session_id.disabled = True
        self.date.value = _date(row["date"])
        self.title.value = str(row["title"])
        self.kind.value = str(row["kind"])

    def save_session(self) -> None:
        """Add a new session or save the one picked."""

        def write() -> str:
            if self.date.value is None:
                raise ValidationError([Problem("sessions", None, "date", None, self.state.tr("not_a_date"))])
            session = Session(
                self.alliance_id(),
                self.session_id.value.strip(),
                self.date.value,
                self.title.value.strip(),
                self.kind.value,
            )
            if self.pick.value:
                self.state.workspace.update(session)
            else:
                self.state.workspace.add(session)
            saved.append(session.session_id)
            return session.title or session.session_id

        saved: list[str] = []
        if self.submit(write) and saved:
            # the session just saved is the one being worked on: outcomes and ratings default to it
            self.state.session_id = saved[0]


FORM_TABS: tuple[tuple[str, type[Form]], ...] = (
    ("tab_agreement", AgreementForm),
    ("tab_outcomes", OutcomeForm),
    ("tab_ratings", RatingGrid),
    ("tab_partners", PartnerForm),
    ("tab_sessions", SessionForm),
)
