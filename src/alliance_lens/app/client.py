"""The read-only client view behind a shared link: one alliance, no entry widgets.

The token comes from the page's query string (``?token=…``), which Voilà passes to the kernel as
``QUERY_STRING``; a preheated kernel has no request yet, so :func:`voila.utils.wait_for_request` is called first
(it returns at once when the kernel was not preheated). The token is verified before anything is read from the
workspace: a missing, tampered, expired, revoked or unknown link gets a plain page saying which, and no data.
A valid one opens the workspace **read-only** and shows that alliance only, in its own language, with dyads
under the anonymity floor hidden.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from alliance_lens.app import db_url_from_env
from alliance_lens.app.i18n import tr
from alliance_lens.app.state import DashboardState
from alliance_lens.app.views import (
    CLIENT_CHARTS,
    STYLE,
    ChartView,
    OverdueList,
    PatternCards,
    StatusLine,
    as_of,
    hide_below_floor,
)
from alliance_lens.messages import CATALOGUES

if TYPE_CHECKING:
    from alliance_lens.links import LinkInfo

log = logging.getLogger("alliance_lens.app")

#: The refusal reasons of :class:`alliance_lens.links.LinkError`, in Dutch (the English comes with the error).
REASONS_NL: dict[str, str] = {
    key.removeprefix("link."): text for key, text in CATALOGUES["nl"].items() if key.startswith("link.")
}

#: How often an open client page re-checks its link (a revoked link stops showing data within this time).
RECHECK_SECONDS = 60.0


def query_string() -> str:
    """The page's query string, waiting for the request first when the kernel was preheated."""
    from voila.utils import wait_for_request

    wait_for_request()  # a no-op unless VOILA_PREHEAT is set
    return os.environ.get("QUERY_STRING", "")


def refusal_page(reason: str, message: str) -> widgets.HTML:
    """A plain page saying why the link cannot be opened, in English and Dutch; it holds no alliance data."""
    body = (
        f'<div class="al-refused al-refused-{html.escape(reason)}" data-reason="{html.escape(reason)}">'
        f"<h2>{html.escape(tr('link_refused_title', 'en'))}</h2>"
        f'<p class="al-refused-reason">{html.escape(message)}</p><p>{html.escape(tr("link_ask", "en"))}</p>'
        f'<h2 lang="nl">{html.escape(tr("link_refused_title", "nl"))}</h2>'
        f'<p lang="nl">{html.escape(REASONS_NL.get(reason, ""))}</p>'
        f'<p lang="nl">{html.escape(tr("link_ask", "nl"))}</p>'
        "</div>"
    )
    return widgets.HTML(STYLE + body).add_class("al-refused-page")


class ClientDashboard:
    """One alliance, read-only: contrast charts, patterns with explanations, overdue agreements, 'as of'."""

    def __init__(
        self, state: DashboardState, token: str | None = None, db_url: str | None = None, renderer: str = "svg"
    ) -> None:
        self.state = state
        self.token = token
        self.db_url = db_url
        alliance = state.alliance
        lang = state.language
        name = alliance.name if alliance is not None else ""
        when = as_of(state)
        self.header = widgets.HTML(
            f"<h2>{html.escape(tr('client_title', lang, name=name))}</h2>"
            f'<p class="al-as-of">{html.escape(tr("as_of", lang, date=when.isoformat())) if when else ""}</p>'
            f'<p class="al-tip">{html.escape(tr("read_only_note", lang))} {html.escape(tr("hidden_dyads", lang))}</p>'
        ).add_class("al-client-header")
        self.status = StatusLine(state)
        self.patterns = PatternCards(state)
        self.overdue = OverdueList(state)
        self.charts = [
            ChartView(state, css, fn, metrics_of=hide_below_floor, first=i == 0, renderer=renderer)
            for i, (css, fn) in enumerate(CLIENT_CHARTS)
        ]
        loaders: list[widgets.Widget] = []
        if renderer == "browser":
            from alliance_lens.app.vega import loader_widgets

            loaders.extend(loader_widgets(renderer))
        self.content = widgets.VBox(
            [
                self.header,
                self.status.widget,
                self.charts[0].widget,
                self.patterns.widget,
                *[c.widget for c in self.charts[1:]],
                self.overdue.widget,
                *loaders,
            ]
        ).add_class("al-charts")
        self.widget = widgets.VBox([widgets.HTML(STYLE), self.content]).add_class("al-dashboard").add_class("al-client")
        self._handle: asyncio.TimerHandle | None = None

    def recheck(self) -> bool:
        """Verify the link again; if it is no longer valid, replace the page by the refusal. ``True`` if still valid."""
        if self.token is None:
            return True
        from alliance_lens import links

        try:
            links.verify(self.token, db_url=self.db_url)
        except links.LinkError as exc:
            self.state.stop_polling()
            self.widget.children = [refusal_page(exc.reason, str(exc))]
            return False
        except Exception:  # a passing database hiccup must not blank the page
            log.warning("could not re-check the client link", exc_info=True)
        return True

    def start_rechecking(self, interval: float = RECHECK_SECONDS) -> bool:
        """Re-check the link every ``interval`` seconds on the kernel's loop; ``False`` when no loop runs."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False

        def tick() -> None:
            if self.recheck():
                self._handle = loop.call_later(interval, tick)

        self._handle = loop.call_later(interval, tick)
        return True


def open_client(
    token: str | None, db_url: str | None = None, renderer: str | None = None
) -> ClientDashboard | widgets.HTML:
    """The client view for ``token``, or the refusal page; nothing of the workspace is read for a bad token.

    ``renderer`` as for the facilitator (default ``ALLIANCE_LENS_CHARTS``, else ``browser``): with ``browser`` the
    page draws the charts, so the kernel needs no SVG converter — ~120 MB and ~1–2 s less per client page.
    """
    from alliance_lens import links
    from alliance_lens.store import Workspace

    try:
        info: LinkInfo = links.verify(token, db_url=db_url)
    except links.LinkError as exc:
        log.info("client link refused: %s", exc.reason)
        return refusal_page(exc.reason, str(exc))
    try:
        from alliance_lens.charts import theme

        theme.enable()
    except Exception:
        log.warning("the alliance_lens chart theme could not be enabled", exc_info=True)
    workspace = Workspace.open(db_url, read_only=True)
    state = DashboardState(workspace, alliance_id=info.alliance_id, read_only=True)
    from alliance_lens.app.vega import choose_renderer

    return ClientDashboard(state, token=token, db_url=db_url, renderer=choose_renderer(renderer))


def client_dashboard(
    query: str | None = None, *, db_url: str | None = None, display: bool = True, poll_interval: float = 30.0
) -> Any:
    """Build (and display) the client view for the token in ``query`` (default: this page's query string).

    Returns a :class:`ClientDashboard`, or the refusal page (a ``widgets.HTML``) for a bad token.
    """
    from alliance_lens import links

    qs = query_string() if query is None else query
    url = db_url or db_url_from_env()
    try:
        view = open_client(links.token_from_query(qs), url)
    except Exception:  # never a traceback on a client's screen
        log.exception("the client view could not be built")
        view = refusal_page("error", "This dashboard could not be opened right now; please try again later.")
    if isinstance(view, ClientDashboard) and poll_interval > 0:
        view.state.start_polling(poll_interval)
        view.start_rechecking()
    if display:
        from IPython.display import display as show

        show(  # type: ignore[no-untyped-call]
            view.widget if isinstance(view, ClientDashboard) else view
        )
    return view
