"""``alliance-lens serve --clients``: the read-only server for client links.

It is :mod:`alliance_lens.serve`'s Voilà, serving ``client.ipynb`` and nothing else, with two guards Voilà
0.5.13 lacks, because it starts a kernel for every page load and never shuts one down by itself:

* **the link is checked before any kernel starts.** A missing, tampered, expired, revoked or foreign token
  gets a plain page that says which — served by this process, with no kernel and no alliance data. So a
  stranger reloading a bad URL costs a database read, not 250 MiB. (The client view checks the link again
  in its kernel: a link revoked in between is still refused.)
* **a ceiling on kernels** (:class:`BoundedKernelManager`, ``max_kernels``, the preheated pool included):
  past it a visitor with a valid link gets a "busy, try again" page (HTTP 503 with ``Retry-After``); idle
  kernels are culled (``serve.voila_settings``), so the room comes back;
* **pages rendered in turn** (``max_rendering``, the number of cores): the others wait in a queue, so a
  burst of visitors on a small machine is served in turn instead of kernels starving each other.

Any other path on the client port (the facilitator's notebook, the notebooks folder, files) answers 404.
"""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any, Final

import tornado.web
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer

from alliance_lens.config import LensConfig
from alliance_lens.links import LinkError, verify
from alliance_lens.messages import CATALOGUES, tr

log = logging.getLogger(__name__)


class KernelLimitReached(RuntimeError):
    """The client server already runs as many kernels as it may."""


class BoundedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager that refuses to run more than ``max_kernels`` kernels at once."""

    max_kernels = Integer(
        LensConfig.max_kernels.default_value,
        config=True,
        help="Most kernels alive at once (preheated pool included); 0 = no limit. Past it, start_kernel raises "
        "KernelLimitReached and the client server answers 'busy, try again'.",
    )

    max_rendering = Integer(
        LensConfig.max_rendering.default_value,
        config=True,
        help="Most client pages whose notebook runs at once (default: the number of cores, at least 2). More "
        "wait their turn: on 2 cores, 20 pages started at once left 4 unrendered after 300 s; in turn all 20 "
        "rendered. 0 = no limit.",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._starting = 0
        self._render_slots: asyncio.Semaphore | None = None
        self.waiting = 0

    def render_slots(self) -> asyncio.Semaphore | None:
        """The turnstile of pages being rendered (made on first use, inside the server's event loop)."""
        if self.max_rendering <= 0:
            return None
        if self._render_slots is None:
            self._render_slots = asyncio.Semaphore(self.max_rendering)
        return self._render_slots

    def kernel_count(self) -> int:
        """Kernels alive or being started (a kernel may count twice for the instant it is registered)."""
        return len(self._kernels) + self._starting

    def at_limit(self) -> bool:
        """True when one more kernel would pass the ceiling."""
        return 0 < self.max_kernels <= self.kernel_count()

    async def start_kernel(self, **kwargs: Any) -> str:  # type: ignore[override]
        """Start a kernel unless the ceiling is reached (the check and the count happen without a pause)."""
        if self.at_limit():
            raise KernelLimitReached(f"{self.kernel_count()} kernels running (limit {self.max_kernels})")
        self._starting += 1
        try:
            kernel_id: str = await super().start_kernel(**kwargs)
        finally:
            self._starting -= 1
        return kernel_id


_PAGE: Final = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}}
h1{{font-size:1.4em}} p.nl{{color:#555}}</style></head>
<body><h1>{title}</h1><p class="message" data-reason="{reason}">{message}</p><p class="nl" lang="nl">{dutch}</p>
</body></html>
"""


def plain_page(title: str, reason: str, message: str) -> str:
    """A small self-contained page (no script, no outside request) saying one thing in English and Dutch."""
    return _PAGE.format(
        title=html.escape(title),
        reason=html.escape(reason),
        message=html.escape(message),
        dutch=html.escape(tr(f"link.{reason}", "nl") if f"link.{reason}" in CATALOGUES["nl"] else ""),
    )


def guard_client_handlers(handlers: list[Any], *, retry_after: int) -> list[Any]:
    """Voilà's handlers with its notebook handler replaced by :class:`ClientPageHandler`."""
    from voila.tornado.handler import TornadoVoilaHandler

    guarded = []
    for spec in handlers:
        if len(spec) >= 2 and spec[1] is TornadoVoilaHandler:
            kwargs = dict(spec[2]) if len(spec) > 2 else {}
            kwargs["retry_after"] = retry_after
            guarded.append((spec[0], _client_handler_class(), kwargs))
        else:
            guarded.append(spec)
    return guarded


def _drop_failed_pool_entries(km: Any, notebook: str) -> None:
    """Forget preheat tasks that failed (a refill that met the ceiling) and ask for new ones.

    Voilà would otherwise hand the failed task to the next visitor even when there is room again.
    """
    pool = getattr(km, "_pools", {}).get(notebook)  # Voilà 0.5.13's pool: a list of tasks
    if not pool:
        return
    failed = [t for t in pool if t.done() and (t.cancelled() or t.exception() is not None)]
    if not failed or km.at_limit():
        return
    for task in failed:
        pool.remove(task)
    km.fill_if_needed(delay=0, notebook_name=notebook)


_HANDLER: list[type[Any]] = []


def _client_handler_class() -> type[Any]:
    if _HANDLER:
        return _HANDLER[0]
    from voila.tornado.handler import TornadoVoilaHandler

    class ClientPageHandler(TornadoVoilaHandler):  # type: ignore[misc]  # untyped base
        """The client dashboard's page: link checked first, kernel ceiling respected, nothing else served."""

        def initialize(self, **kwargs: Any) -> None:
            self.retry_after = int(kwargs.pop("retry_after", LensConfig.retry_after.default_value))
            super().initialize(**kwargs)

        def _plain(self, status: int, title: str, reason: str, message: str) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(plain_page(title, reason, message))

        @tornado.web.authenticated
        async def get(self, path: str | None = None) -> None:
            if path:
                # the client port serves the client view at its root and nothing else
                self._plain(404, "Not found", "not_found", tr("link.not_found", "en"))
                return
            token = self.get_argument("token", None)
            try:
                # reads the registry read-only; in a thread, so a slow database does not stall other pages
                await asyncio.to_thread(verify, token)
            except LinkError as exc:
                log.info("client link refused (%s) from %s", exc.reason, self.request.remote_ip)
                self._plain(403, "Link not valid", exc.reason, str(exc))
                return
            km: Any = self.kernel_manager  # Voilà's pooled subclass of BoundedKernelManager (untyped)
            bounded = isinstance(km, BoundedKernelManager)
            if bounded:
                _drop_failed_pool_entries(km, self.notebook_path)
                if km.at_limit() and km.get_pool_size(self.notebook_path) == 0:
                    self._busy()
                    return
            try:
                slots = km.render_slots() if bounded else None
                if slots is None:
                    await super().get(path)
                else:
                    if km.waiting >= km.max_kernels > 0:  # a queue longer than the kernels it could ever get
                        self._busy()
                        return
                    km.waiting += 1
                    try:
                        await slots.acquire()
                    finally:
                        km.waiting -= 1
                    try:
                        await super().get(path)
                    finally:
                        slots.release()
            except KernelLimitReached:
                if self._headers_written:
                    raise
                self.clear()
                self._busy()
                # a pool refill that hit the ceiling left the pool empty: ask for a new one, it waits for room
                if bounded and km.get_pool_size(self.notebook_path) == 0:
                    km.fill_if_needed(delay=None, notebook_name=self.notebook_path)

        def _busy(self) -> None:
            log.warning("client server busy: kernel ceiling reached")
            self.set_header("Retry-After", str(self.retry_after))
            self._plain(503, "Busy, try again", "busy", tr("link.busy", "en"))

    _HANDLER.append(ClientPageHandler)
    return ClientPageHandler
