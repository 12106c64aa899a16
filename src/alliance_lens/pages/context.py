"""What every kernel-less page handler shares: settings, a read-only workspace, link checks, views, limits.

One :class:`PageContext` per client server, made when it starts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from alliance_lens.config import LensConfig, settings
from alliance_lens.pages.limits import Gauge, RateLimiter

if TYPE_CHECKING:
    from alliance_lens.links import LinkInfo
    from alliance_lens.pages.cache import ViewCache
    from alliance_lens.store import Workspace

log = logging.getLogger("alliance_lens.pages")

T = TypeVar("T")


class ServiceUnavailable(RuntimeError):
    """The workspace or the link secret cannot be read: every page fails closed (503), no data is served."""


def token_key(token: str) -> str:
    """A short name for a token in memory (never logged): its hash, so the table holds no live token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]


@dataclass
class _Checked:
    info: LinkInfo | None
    reason: str | None
    until: float  # monotonic time after which a valid result is verified again


class LinkChecker:
    """:func:`alliance_lens.links.verify` behind a short memory, off the event loop.

    A valid link is trusted for ``ttl`` seconds (and never past its expiry instant); a refused one stays refused
    (revoked and expired links do not come back; a tampered token cannot become valid). Concurrent checks of the
    same token share one verification. Results are kept by the token's hash, at most ``max_entries``.
    """

    def __init__(
        self,
        verify: Callable[[str], LinkInfo],
        run: Callable[[Callable[[], Any]], Any],
        *,
        ttl: float,
        max_entries: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._verify = verify
        self._run = run
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._known: OrderedDict[str, _Checked] = OrderedDict()
        self._pending: dict[str, asyncio.Future[_Checked]] = {}
        self.verifications = 0  # how many times verify() really ran (tests and bench read it)

    def known_valid(self, token: str) -> bool:
        """Whether ``token`` was found valid within the last ``ttl`` seconds (no verification is run)."""
        entry = self._known.get(token_key(token))
        return entry is not None and entry.info is not None and self._clock() < entry.until

    def known_refusal(self, token: str) -> str | None:
        """The reason a token was refused before, if it was (no verification is run)."""
        entry = self._known.get(token_key(token))
        return entry.reason if entry is not None and entry.info is None else None

    async def check(self, token: str, now: dt.datetime | None = None) -> tuple[LinkInfo | None, str | None]:
        """``(info, None)`` for a valid link, ``(None, reason)`` for a refused one.

        Raises :class:`ServiceUnavailable` when the link cannot be checked at all (secret or database broken).
        """
        from alliance_lens.links import LinkError

        key = token_key(token)
        entry = self._known.get(key)
        if entry is not None and (entry.info is None or self._clock() < entry.until):
            if entry.info is not None and _utcnow(now) >= entry.info.expires_at:
                entry = self._remember(key, _Checked(None, "expired", 0.0))
            return entry.info, entry.reason
        pending = self._pending.get(key)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = loop.create_future()
            self._pending[key] = pending
            try:
                self.verifications += 1
                info = await self._run(lambda: self._verify(token))
                result = _Checked(info, None, self._clock() + self.ttl)
            except LinkError as exc:
                result = _Checked(None, exc.reason, 0.0)
            except Exception as exc:
                # the class name only: a database error's text may hold the URL, a secret error the path
                log.error("client link could not be checked: %s", type(exc).__name__)
                failure = ServiceUnavailable(type(exc).__name__)
                pending.set_exception(failure)
                pending.exception()  # retrieved: no "never retrieved" warning when nobody else waited
                raise failure from None
            finally:
                self._pending.pop(key, None)
            self._remember(key, result)
            pending.set_result(result)
        else:
            result = await asyncio.shield(pending)
        if result.info is not None and _utcnow(now) >= result.info.expires_at:
            return None, "expired"
        return result.info, result.reason

    def forget(self, token: str) -> None:
        """Verify ``token`` afresh next time."""
        self._known.pop(token_key(token), None)

    def _remember(self, key: str, entry: _Checked) -> _Checked:
        self._known[key] = entry
        self._known.move_to_end(key)
        while len(self._known) > self.max_entries:
            self._known.popitem(last=False)
        return entry


def _utcnow(now: dt.datetime | None = None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class PageContext:
    """Everything the page handlers of one client server share (``self.context`` in a :class:`BasePage`).

    * ``config`` — the settings (:class:`alliance_lens.config.LensConfig`);
    * ``db_url`` — the workspace; :meth:`workspace` opens it **read-only**, once, shared by all handlers;
    * ``links`` — the link checker (:class:`LinkChecker`); ``views`` — rendered client views per revision;
    * ``link_limits`` / ``address_limits`` — rate limits per link and per address; ``live`` — open live
      requests per link;
    * :meth:`run` — run blocking work (database reads, verification) on the context's threads, not the loop.
    """

    config: LensConfig
    db_url: str
    link_limits: RateLimiter
    address_limits: RateLimiter
    live: Gauge
    links: LinkChecker = field(init=False)
    views: ViewCache = field(init=False)
    _executor: ThreadPoolExecutor = field(init=False)
    _workspace: Workspace | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        from alliance_lens import links
        from alliance_lens.pages.cache import ViewCache

        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="alliance-lens-pages")
        db_url = self.db_url
        self.links = LinkChecker(
            lambda t: links.verify(t, db_url=db_url), self.run, ttl=self.config.client_link_check_ttl
        )
        self.views = ViewCache(self)

    @classmethod
    def create(cls, db_url: str | None = None, config: LensConfig | None = None) -> PageContext:
        """A context from the settings (``config``, default :func:`alliance_lens.config.settings`)."""
        cfg = config or settings()
        return cls(
            config=cfg,
            db_url=cfg.workspace_url(db_url),
            link_limits=RateLimiter(cfg.client_link_rate, cfg.client_link_burst),
            address_limits=RateLimiter(cfg.client_address_refusal_rate, cfg.client_address_refusal_burst),
            live=Gauge(cfg.client_live_per_link, cfg.client_live_total),
        )

    def workspace(self) -> Workspace:
        """The workspace, opened read-only on first use and shared (raises :class:`ServiceUnavailable`)."""
        if self._workspace is None:
            from alliance_lens.store import Workspace

            try:
                self._workspace = Workspace.open(self.db_url, read_only=True)
            except Exception as exc:
                log.error("the workspace could not be opened read-only: %s", type(exc).__name__)
                raise ServiceUnavailable(type(exc).__name__) from None
        return self._workspace

    async def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` on one of the context's threads (at most four at once), awaited."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    def close(self) -> None:
        """Stop the threads and close the workspace."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.views.close()
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None
