"""The dashboard's one state object: what the views show, loaded and computed once.

State and views are kept apart (as Altair's ``JupyterChart`` keeps a chart's spec apart from its drawing):
:class:`DashboardState` knows the workspace, the selected alliance, its :class:`~alliance_lens.model.AllianceData`
and its ``Metrics``; the views observe it and never recompute what it knows. A form writes to the workspace and
then calls :meth:`DashboardState.refresh`, which reloads the alliance and recomputes its metrics once; every view
that observes ``metrics`` then redraws itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import traitlets
from traitlets import Bool, Enum, HasTraits, Int, List, Unicode

from alliance_lens.app.i18n import tr as label_tr
from alliance_lens.messages import tr as message_tr
from alliance_lens.metrics.privacy import hide_below_floor
from alliance_lens.model import LANGUAGES, AllianceData, UserError, ValidationError

if TYPE_CHECKING:
    from alliance_lens.metrics import Metrics
    from alliance_lens.store import Workspace

log = logging.getLogger("alliance_lens.app")

T = TypeVar("T")

#: A session dated at most this many days before today is still the one being worked on (results of a meeting
#: are often entered a few days later); an older one is not, and entries then default to today.
CURRENT_SESSION_DAYS = 14


def tr(key: str, lang: str, **values: object) -> str:
    """A dashboard text: a dotted catalogue key (``dash.date_today``), or a label's short name (``undo``)."""
    if "." in key:
        return message_tr(key, lang, **values)
    return label_tr(key, lang, **values)


#: ``compute(data, alliance_id) -> Metrics``; the default is ``alliance_lens.metrics.compute``.
ComputeFn = Callable[[AllianceData, str], "Metrics"]


def default_compute(data: AllianceData, alliance_id: str) -> Metrics:
    """The metrics of one alliance with the default configuration."""
    from alliance_lens import metrics

    return metrics.compute(data, alliance_id)


def one_sentence(exc: BaseException, lang: str = "en") -> str:
    """A user error as one plain sentence in ``lang``: the first problem of a validation error, else its message.

    Errors the catalogue words (:meth:`Problem.text`, :meth:`UserError.message`) are said in the dashboard's
    language; an error with an English text only keeps its first line.
    """
    if isinstance(exc, ValidationError):
        first = exc.problems[0].text(lang)
        more = len(exc.problems) - 1
        return first + (" " + tr("problem.and_more", lang, n=more) if more else "")
    said = exc.message(lang) if isinstance(exc, UserError) else str(exc)
    text = said.strip().splitlines()
    return text[0] if text else type(exc).__name__


class DashboardState(HasTraits):
    """The workspace, the selected alliance, its data and metrics, and how they are shown.

    Traits the views observe: ``alliances`` (``[(label, id), ...]``), ``alliance_id``, ``alliance``,
    ``data``, ``metrics``, ``language``, ``presentation``, ``busy``, ``message``, ``error``, ``generation``
    (grows after each refresh). Selecting another alliance loads it; :meth:`refresh` reloads the current one;
    :meth:`poll` reloads it only when another kernel (or the command line) changed it.
    """

    alliances = List(traitlets.Tuple(Unicode(), Unicode()), help="(label, alliance_id) pairs for a picker")
    alliance_id = Unicode(None, allow_none=True, help="the selected alliance")
    alliance = traitlets.Any(None, allow_none=True, help="model.Alliance of the selected alliance")
    data = traitlets.Any(None, allow_none=True, help="AllianceData of the selected alliance")
    metrics = traitlets.Any(None, allow_none=True, help="Metrics of the selected alliance")
    language = Enum(LANGUAGES, default_value="en")
    presentation = Bool(False, help="forms hidden, charts large")
    busy = Bool(False, help="a load or computation is running")
    message = Unicode("", help="the last thing done, one sentence")
    error = Unicode("", help="the last error, one sentence")
    revision = Int(-1, help="workspace revision of the alliance when it was last loaded")
    generation = Int(0, help="grows after each successful refresh")
    read_only = Bool(False)
    defer = Bool(False, help="redraw secondary views on the next turns of the event loop, not inside the save")
    pending = Int(0, help="redraws scheduled by later() and not yet done")
    session_id = Unicode(
        None,
        allow_none=True,
        help="the session being worked on: the one last added or picked here, else a recent one (None: none)",
    )

    def __init__(
        self,
        workspace: Workspace,
        *,
        alliance_id: str | None = None,
        language: str | None = None,
        compute: ComputeFn | None = None,
        read_only: bool = False,
        follow_alliance_language: bool = True,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        super().__init__(read_only=read_only)
        self.workspace = workspace
        self._compute = compute or default_compute
        # an explicit language wins; otherwise the language follows the alliance selected
        self._follow_language = follow_alliance_language and language is None
        if language is not None:
            self.language = language
        self._poll_handle: asyncio.TimerHandle | None = None
        #: what the page last said of itself ("here", "hidden", "gone"; None: it never said, e.g. no page at all)
        self.page_state: str | None = None
        self._page_seen = 0.0
        #: seconds without a word from the page after which it counts as gone (app.presence.SILENT_AFTER)
        self.page_silent_after = 150.0
        #: today's date (a test gives another clock)
        self.today: Callable[[], dt.date] = today or dt.date.today
        self.load_alliances()
        if alliance_id is None and self.alliances and not read_only:
            alliance_id = self.alliances[0][1]
        self.select(alliance_id)

    # ------------------------------------------------------------------------------------------ loading

    def load_alliances(self) -> None:
        """Re-read the list of alliances from the workspace (a read-only view lists none: it shows one)."""
        if self.read_only:
            self.alliances = []
            return
        frame = self.workspace.alliances()
        self.alliances = [
            (f"{name} ({aid})" if name != aid else aid, aid)
            for aid, name in zip(frame["alliance_id"], frame["name"], strict=True)
        ]

    def select(self, alliance_id: str | None) -> None:
        """Show another alliance (``None``: none); loads it at once."""
        if alliance_id == self.alliance_id and self.data is not None:
            return
        self.alliance_id = alliance_id  # the observer below loads it

    @traitlets.observe("alliance_id")
    def _on_alliance_id(self, change: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> bool:
        """Reload the selected alliance and recompute its metrics, once; ``False`` if that failed.

        ``busy`` is set before and cleared after, so a view can show progress instead of a frozen screen.
        """
        aid = self.alliance_id
        if aid is None:
            with self.hold_trait_notifications():
                self.alliance = self.data = self.metrics = None
                self.revision = -1
                self.generation += 1
            return True
        self.busy = True
        try:
            if self.data is not None and self.alliance is not None and self.alliance.alliance_id == aid:
                # the same alliance again: read only what was added since (a full load if anything else changed)
                data, revision = self.workspace.load_newer(aid, self.data, self.revision)
            else:
                # the revision is read first: a write that lands during the load is seen at the next poll
                revision = self.workspace.revision(aid)
                data = self.workspace.load(aid)
            alliance = data.alliance(aid)
            # the room sees no figure resting on fewer respondents than the anonymity floor
            metrics = hide_below_floor(self._compute(data, aid))
            follow = self._follow_language and (self.alliance is None or self.alliance.alliance_id != aid)
            # the views redraw when the hold ends, still inside the busy span: progress shows until they are done
            with self.hold_trait_notifications():
                self.alliance = alliance
                self.data = data
                self.metrics = metrics
                self.revision = revision
                self.session_id = self._session_worked_on(data, aid)
                self.generation += 1
                if follow:
                    self.language = alliance.language
        except Exception as exc:
            self.report(exc, "action_refresh")
            return False
        finally:
            self.busy = False
        return True

    def _session_worked_on(self, data: AllianceData, alliance_id: str) -> str | None:
        """The session kept if it still exists in the alliance, else the latest one dated in the last days."""
        sessions = data.sessions
        if "alliance_id" in sessions.columns:
            sessions = sessions[sessions["alliance_id"] == alliance_id]
        ids = {str(s) for s in sessions["session_id"]}
        same = self.alliance is not None and self.alliance.alliance_id == alliance_id
        if same and self.session_id in ids:
            return self.session_id
        today = self.today()
        dates = pd.to_datetime(sessions["date"]).dt.date
        recent = sessions[(dates <= today) & (dates >= today - dt.timedelta(days=CURRENT_SESSION_DAYS))]
        if recent.empty:
            return None
        return str(recent.sort_values(["date", "session_id"], kind="stable")["session_id"].iloc[-1])

    def current_session(self) -> tuple[str, dt.date, str] | None:
        """``(session_id, date, title)`` of the session being worked on; ``None`` when none is."""
        data = self.data
        if data is None or self.session_id is None:
            return None
        rows = data.sessions[data.sessions["session_id"] == self.session_id]
        if rows.empty:
            return None
        row = rows.iloc[0]
        when = row["date"]
        if when is None or pd.isna(when):
            return None
        return self.session_id, pd.Timestamp(when).date(), str(row["title"] or "")

    def entry_date(self) -> tuple[dt.date, str]:
        """The date new entries default to, and why: the current session's date, else today (in words)."""
        current = self.current_session()
        if current is None:
            return self.today(), self.tr("dash.date_today")
        sid, when, title = current
        return when, self.tr("dash.date_of_session", session=title or sid)

    def page_says(self, event: str) -> None:
        """The page's word about itself: ``here`` (shown), ``hidden`` (a background tab) or ``gone`` (closed)."""
        was_away = not self.page_present()
        self.page_state = event
        self._page_seen = time.monotonic()
        if event == "here" and was_away:
            self.poll()  # back on screen: show what changed meanwhile at once, not at the next tick

    def page_present(self) -> bool:
        """Whether a page shows this dashboard (``True`` when no page ever said anything: tests, scripts)."""
        if self.page_state is None:
            return True
        if self.page_state != "here":
            return False
        return time.monotonic() - self._page_seen < self.page_silent_after

    def poll(self) -> bool:
        """Refresh if the workspace changed since the last load (another kernel, the command line); ``True`` if so.

        Nothing is read while the page is gone or hidden: a closed tab's kernel must not redraw on every save of
        the tabs still open (it did, and save → screen grew from 2–6 s to 22–31 s with 26 such kernels).
        """
        if self.alliance_id is None or not self.page_present():
            return False
        try:
            current = self.workspace.revision(self.alliance_id)
        except Exception:  # a poll must never break the page; the next one tries again
            log.warning("could not read the workspace revision", exc_info=True)
            return False
        if current == self.revision:
            return False
        return self.refresh()

    def start_polling(self, interval: float = 2.0) -> bool:
        """Poll every ``interval`` seconds on the kernel's event loop; ``False`` when no loop runs (tests)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False

        def tick() -> None:
            self.poll()
            self._poll_handle = loop.call_later(interval, tick)

        self.stop_polling()
        self._poll_handle = loop.call_later(interval, tick)
        return True

    def stop_polling(self) -> None:
        """Stop :meth:`start_polling`."""
        if self._poll_handle is not None:
            self._poll_handle.cancel()
            self._poll_handle = None

    def later(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` now, or, with ``defer`` and a running event loop, on a next turn of that loop.

        A save then returns as soon as the main chart is redrawn; the other views follow one per turn, so the
        kernel stays responsive and the page shows progress (``pending``) instead of freezing.
        """
        loop = None
        if self.defer:
            with contextlib.suppress(RuntimeError):
                loop = asyncio.get_running_loop()
        if loop is None:
            fn()
            return

        def run() -> None:
            try:
                fn()
            except Exception:  # a view's own guard should have caught it; never let it reach the loop
                log.exception("a deferred redraw failed")
            finally:
                self.pending -= 1

        self.pending += 1
        loop.call_soon(run)

    # ------------------------------------------------------------------------------------------ feedback

    def tr(self, key: str, **values: object) -> str:
        """The label ``key`` in the current language."""
        return tr(key, self.language, **values)

    def say(self, message: str) -> None:
        """Show ``message`` as the outcome of the last action (and clear the last error)."""
        with self.hold_trait_notifications():
            self.error = ""
            self.message = message

    def report(self, exc: BaseException, action_key: str) -> None:
        """Show ``exc`` as one sentence: a user error as it says, anything else as 'something went wrong'."""
        if isinstance(exc, UserError):
            log.info("refused while %s: %s", action_key, exc)
            text = one_sentence(exc, self.language)
        else:
            log.error("unexpected error while %s", action_key, exc_info=exc)
            text = self.tr("unexpected", action=self.tr(action_key))
        with self.hold_trait_notifications():
            self.message = ""
            self.error = text

    def guarded(self, action_key: str, fn: Callable[[], T]) -> T | None:
        """Run ``fn``; any exception is logged and shown as one sentence instead of escaping (returns ``None``)."""
        try:
            return fn()
        except Exception as exc:
            self.report(exc, action_key)
            return None

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """Mark the state busy for the block (a long computation shows progress)."""
        self.busy = True
        try:
            yield
        finally:
            self.busy = False

    # ------------------------------------------------------------------------------------------ writes

    def undo_preview(self) -> tuple[str, str] | None:
        """``(change_id, what)``: the change Undo would take back now, in words; ``None`` if there is none."""
        from alliance_lens.app.changes import describe, last_change

        aid = self.alliance_id
        if aid is None or self.read_only:
            return None
        change = last_change(self.workspace.history(aid))
        if change is None:
            return None
        return change.change_id, describe(change, self.data, self.language)

    def undo(self, expected: str | None = None) -> str | None:
        """Undo the last change of the selected alliance, then refresh; what was undone, in words.

        ``expected``: the change id the facilitator was asked about (:meth:`undo_preview`); if another change
        landed since (another tab), nothing is undone and the facilitator is told so.
        """
        from alliance_lens.app.changes import describe, last_change

        aid = self.alliance_id
        if aid is None or self.read_only:
            return None

        def run() -> str:
            change = last_change(self.workspace.history(aid))
            if change is None:
                return ""
            if expected is not None and change.change_id != expected:
                raise UserError(self.tr("dash.undo_moved"))
            what = describe(change, self.data, self.language)  # told before: undone, its names may be gone
            self.workspace.undo(aid)
            self.refresh()
            return what

        what = self.guarded("action_undo", run)
        if what is not None:
            self.say(self.tr("undone", what=what) if what else self.tr("nothing_to_undo"))
        return what
