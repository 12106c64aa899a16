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
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import traitlets
from traitlets import Bool, Enum, HasTraits, Int, List, Unicode

from alliance_lens.app.i18n import tr
from alliance_lens.model import LANGUAGES, AllianceData, UserError, ValidationError

if TYPE_CHECKING:
    from alliance_lens.metrics import Metrics
    from alliance_lens.store import Workspace

log = logging.getLogger("alliance_lens.app")

T = TypeVar("T")

#: ``compute(data, alliance_id) -> Metrics``; the default is ``alliance_lens.metrics.compute``.
ComputeFn = Callable[[AllianceData, str], "Metrics"]


def default_compute(data: AllianceData, alliance_id: str) -> Metrics:
    """The metrics of one alliance with the default configuration."""
    from alliance_lens import metrics

    return metrics.compute(data, alliance_id)


def one_sentence(exc: BaseException) -> str:
    """A user error as one plain sentence: the first problem of a validation error, the first line otherwise."""
    if isinstance(exc, ValidationError):
        first = str(exc.problems[0])
        more = len(exc.problems) - 1
        return first + (f" (and {more} more)" if more else "")
    text = str(exc).strip().splitlines()
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

    def __init__(
        self,
        workspace: Workspace,
        *,
        alliance_id: str | None = None,
        language: str | None = None,
        compute: ComputeFn | None = None,
        read_only: bool = False,
        follow_alliance_language: bool = True,
    ) -> None:
        super().__init__(read_only=read_only)
        self.workspace = workspace
        self._compute = compute or default_compute
        # an explicit language wins; otherwise the language follows the alliance selected
        self._follow_language = follow_alliance_language and language is None
        if language is not None:
            self.language = language
        self._poll_handle: asyncio.TimerHandle | None = None
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
            metrics = self._compute(data, aid)
            follow = self._follow_language and (self.alliance is None or self.alliance.alliance_id != aid)
            # the views redraw when the hold ends, still inside the busy span: progress shows until they are done
            with self.hold_trait_notifications():
                self.alliance = alliance
                self.data = data
                self.metrics = metrics
                self.revision = revision
                self.generation += 1
                if follow:
                    self.language = alliance.language
        except Exception as exc:
            self.report(exc, "action_refresh")
            return False
        finally:
            self.busy = False
        return True

    def poll(self) -> bool:
        """Refresh if the workspace changed since the last load (another kernel, the command line); ``True`` if so."""
        if self.alliance_id is None:
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
            text = one_sentence(exc)
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

    def undo(self) -> str | None:
        """Undo the last change of the selected alliance in the workspace, then refresh; what was undone."""
        aid = self.alliance_id
        if aid is None or self.read_only:
            return None

        def run() -> str:
            what = str(self.workspace.undo(aid))
            self.refresh()
            return what

        what = self.guarded("action_undo", run)
        if what is not None:
            self.say(self.tr("undone", what=what) if what else self.tr("nothing_to_undo"))
        return what
