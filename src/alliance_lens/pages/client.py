"""The client view behind a shared link (``/?token=…``) and its live channel (``/live?token=…&revision=N``).

Per request: the token is read (given twice: refused), checked (:class:`~.context.LinkChecker`: a database
read at most every ``client_link_check_ttl`` seconds per link), counted against its link's rate limit, and the
alliance's view for its current revision is served from the cache (:class:`~.cache.ViewCache`). A refused
link gets a plain page with no data — 403, or 410 for a revoked or expired one — and the line
``client link refused (reason) from IP`` in the log (``docs/deploy.md``: fail2ban). Refusals are counted per
address; past that address's limit, links not yet known valid get 429 from it.

The open page asks ``/live`` for a new revision: the request waits up to ``client_live_wait`` seconds and is
answered ``{"revision": N}`` — or, once the link is no longer valid, with the refusal page itself, which the
page then shows instead of the view. Every answer re-checks the link, so after a revocation no URL with that
token returns the alliance's data again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Final

from alliance_lens.pages.base import BasePage
from alliance_lens.pages.context import ServiceUnavailable

if TYPE_CHECKING:
    from alliance_lens.links import LinkInfo
    from alliance_lens.pages.context import PageContext

log = logging.getLogger("alliance_lens.client_server")

#: HTTP status of a refused link, by reason (CONTRACT.md §3): 410 for a link that has ended, else 403.
STATUS: Final = {"revoked": 410, "expired": 410}


class _LinkPage(BasePage):
    """What the page and its live channel share: reading and checking the link, and the refusals."""

    async def link(self, *, count: bool = True) -> LinkInfo | None:
        """The valid link of this request; otherwise the refusal is already answered and ``None`` returned.

        ``count``: spend one request of the link's rate limit (a re-check within one request does not).
        """
        context = self.context
        address = self.client_address()
        try:
            token = self.single_argument("token")
        except ValueError:
            self._refused("duplicate", address)
            return None
        if token is None or not token.strip():
            self._refused("missing", address)
            return None
        known = context.links.known_refusal(token)
        if known is not None:
            self._refused(known, address)
            return None
        if not context.links.known_valid(token):
            wait = context.address_limits.peek(address)
            if wait is not None:
                self.limited(wait)
                return None
        try:
            info, reason = await context.links.check(token)
        except ServiceUnavailable:
            self.refuse(503, "unavailable")
            return None
        if info is None:
            self._refused(reason or "tampered", address)
            return None
        wait = context.link_limits.take(info.link_id) if count else None
        if wait is not None:
            self.limited(wait)
            return None
        return info

    def _refused(self, reason: str, address: str) -> None:
        self.context.address_limits.take(address)
        log.info("client link refused (%s) from %s", reason, address)
        self.refuse(STATUS.get(reason, 403), reason)


class ClientPage(_LinkPage):
    """``GET /?token=…``: the alliance's cached view, drawn in the page by vega-embed."""

    async def get(self) -> None:
        """The page, or the refusal."""
        info = await self.link()
        if info is None:
            return
        try:
            view = await self.context.views.view(info.alliance_id)
        except ServiceUnavailable:
            self.refuse(503, "unavailable")
            return
        except Exception as exc:
            from alliance_lens.pages.view import HookError

            detail = str(exc) if isinstance(exc, HookError) else type(exc).__name__
            log.error("the client view could not be rendered: %s", detail)
            self.refuse(503, "unavailable")
            return
        body, zipped = self.context.views.pages.get(view, self.static_url_of)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Vary", "Accept-Encoding")
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            self.finish(zipped)
        else:
            self.finish(body)


class LiveChannel(_LinkPage):
    """``GET /live?token=…&revision=N``: waits for a revision other than N; the link is checked each time."""

    _closed: asyncio.Event | None = None

    def on_connection_close(self) -> None:
        """The page went away: stop waiting for it."""
        if self._closed is not None:
            self._closed.set()

    async def get(self) -> None:
        """``{"revision": N}`` after a change or ``client_live_wait`` seconds; the refusal once the link ended."""
        info = await self.link()
        if info is None:
            return
        try:
            seen = int(self.get_query_argument("revision", "-1"))
        except ValueError:
            seen = -1
        context = self.context
        if not context.live.enter(info.link_id):
            self.limited(context.config.client_live_wait)
            return
        self._closed = asyncio.Event()
        try:
            waiter = asyncio.ensure_future(
                context.views.wait_for_change(info.alliance_id, seen, context.config.client_live_wait)
            )
            closed = asyncio.ensure_future(self._closed.wait())
            done, _ = await asyncio.wait({waiter, closed}, return_when=asyncio.FIRST_COMPLETED)
            closed.cancel()
            if waiter not in done:
                waiter.cancel()
                return  # the page went away: nobody to answer
            revision = waiter.result()
        except ServiceUnavailable:
            self.refuse(503, "unavailable")
            return
        finally:
            context.live.leave(info.link_id)
        # the link may have ended while we waited: checked again before anything is said
        if await self.link(count=False) is None:
            return
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"revision": revision}))


def handlers(context: PageContext) -> list[tuple[str, type[BasePage]]]:
    """The client view at the server's root, its live channel at ``live``."""
    return [("", ClientPage), ("live", LiveChannel)]
