"""Client views rendered once per (alliance, revision), kept in memory and in a cache folder.

A visitor's page is the cached view of its alliance's current revision. The revision of an alliance is read
from the workspace at most once per ``client_revision_interval`` (however many visitors ask); a view missing
from memory is read from the cache folder, and only when it is missing there too is it rendered — in one
thread of its own, one render at a time, under a file lock, so that several client servers sharing the folder
(``docs/deploy.md``) render each revision once between them. A render reads the revision before and after
loading the alliance and starts again if a save came in between, so a view never carries a revision it does
not show.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import logging
import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance_lens.pages.context import PageContext

log = logging.getLogger("alliance_lens.pages")

#: Bump when the stored form of a view changes: old files are then ignored, not misread.
FORMAT = 1


@dataclass(frozen=True)
class RenderedView:
    """One alliance at one revision, ready to serve: its language, title and the page's main content (HTML)."""

    alliance_id: str
    revision: int
    lang: str
    title: str
    main: str
    render_seconds: float = 0.0


def cache_folder(context: PageContext) -> Path:
    """The cache folder of rendered views (``client_cache_dir``, else ``cache/client-pages`` in the home)."""
    configured = context.config.client_cache_dir
    return Path(configured).expanduser() if configured else context.config.home_path() / "cache" / "client-pages"


def variant(context: PageContext) -> str:
    """What besides (alliance, revision) decides a view: the workspace, the hook, the package version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("alliance-lens")
    except PackageNotFoundError:  # running from a source tree
        package = "source"
    text = json.dumps([FORMAT, context.db_url, context.config.client_view, package])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (none where ``fcntl`` is missing: each process then renders)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class PageBytes:
    """The whole page of each alliance's newest view, as bytes and gzipped (made once per revision)."""

    def __init__(self, max_alliances: int = 256) -> None:
        self.max_alliances = max_alliances
        self._pages: OrderedDict[str, tuple[int, bytes, bytes]] = OrderedDict()

    def get(self, view: RenderedView, static: Callable[[str], str]) -> tuple[bytes, bytes]:
        """``(html, gzipped html)`` of ``view``'s page."""
        known = self._pages.get(view.alliance_id)
        if known is not None and known[0] == view.revision:
            return known[1], known[2]
        from alliance_lens.pages.base import templates

        html = templates().get_template("client.html").render(lang=view.lang, view=view, static=static)
        body = html.encode("utf-8")
        entry = (view.revision, body, gzip.compress(body, 6, mtime=0))
        self._pages[view.alliance_id] = entry
        self._pages.move_to_end(view.alliance_id)
        while len(self._pages) > self.max_alliances:
            self._pages.popitem(last=False)
        return entry[1], entry[2]


class ViewCache:
    """The newest rendered view of each alliance, by revision; see the module's text."""

    def __init__(self, context: PageContext, *, max_alliances: int = 256) -> None:
        self.context = context
        self.max_alliances = max_alliances
        self._views: OrderedDict[str, RenderedView] = OrderedDict()
        self._revisions: dict[str, tuple[int, float]] = {}  # alliance -> (revision, monotonic time read)
        self._reading: dict[str, asyncio.Future[int]] = {}
        self._rendering: dict[tuple[str, int], asyncio.Future[RenderedView]] = {}
        # one render at a time: it is CPU work, and pages being served must keep a core
        self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alliance-lens-render")
        self.pages = PageBytes(max_alliances)
        self.renders = 0  # views rendered by this process (tests and bench read it)
        self.folder_hits = 0  # views read from the cache folder instead

    # -------------------------------------------------------------------------------------- revisions

    async def revision(self, alliance_id: str) -> int:
        """The alliance's revision, read at most once per ``client_revision_interval`` (shared by all askers)."""
        known = self._revisions.get(alliance_id)
        if known is not None and time.monotonic() - known[1] < self.context.config.client_revision_interval:
            return known[0]
        pending = self._reading.get(alliance_id)
        if pending is not None:
            return await asyncio.shield(pending)
        loop = asyncio.get_running_loop()
        pending = loop.create_future()
        self._reading[alliance_id] = pending
        try:
            workspace = self.context.workspace()
            revision = int(await self.context.run(lambda: workspace.revision(alliance_id)))
        except BaseException as exc:
            pending.set_exception(exc)
            pending.exception()
            raise
        finally:
            self._reading.pop(alliance_id, None)
        self._revisions[alliance_id] = (revision, time.monotonic())
        pending.set_result(revision)
        return revision

    async def wait_for_change(self, alliance_id: str, revision: int, timeout: float) -> int:
        """The alliance's revision once it differs from ``revision``, or the same after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        step = max(0.05, self.context.config.client_revision_interval)
        while True:
            current = await self.revision(alliance_id)
            left = deadline - time.monotonic()
            if current != revision or left <= 0:
                return current
            await asyncio.sleep(min(step, left))

    # -------------------------------------------------------------------------------------- views

    async def view(self, alliance_id: str) -> RenderedView:
        """The view of the alliance's current revision: from memory, the cache folder, or rendered now."""
        revision = await self.revision(alliance_id)
        known = self._views.get(alliance_id)
        if known is not None and known.revision == revision:
            self._views.move_to_end(alliance_id)
            return known
        key = (alliance_id, revision)
        pending = self._rendering.get(key)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = loop.create_future()
            self._rendering[key] = pending
            try:
                view = await loop.run_in_executor(self._renderer, self._obtain, alliance_id, revision)
            except BaseException as exc:
                pending.set_exception(exc)
                pending.exception()
                raise
            finally:
                self._rendering.pop(key, None)
            pending.set_result(view)
        else:
            view = await asyncio.shield(pending)
        self._keep(view)
        return view

    def _keep(self, view: RenderedView) -> None:
        known = self._views.get(view.alliance_id)
        if known is None or known.revision <= view.revision:
            self._views[view.alliance_id] = view
            self._views.move_to_end(view.alliance_id)
        if view.revision > self._revisions.get(view.alliance_id, (-1, 0.0))[0]:
            self._revisions[view.alliance_id] = (view.revision, time.monotonic())
        while len(self._views) > self.max_alliances:
            self._views.popitem(last=False)

    def path_of(self, alliance_id: str, revision: int) -> Path:
        """The cache file of one alliance at one revision."""
        name = hashlib.sha256(alliance_id.encode()).hexdigest()[:20]
        return cache_folder(self.context) / f"{name}-r{revision}-{variant(self.context)}.json"

    def _read(self, path: Path, alliance_id: str) -> RenderedView | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            view = RenderedView(**data)
        except (OSError, ValueError, TypeError):
            return None
        return view if view.alliance_id == alliance_id else None  # a hash collision is not a view

    def _obtain(self, alliance_id: str, revision: int) -> RenderedView:
        """(In the render thread.) The cached file, or a render written to the folder for the others."""
        path = self.path_of(alliance_id, revision)
        found = self._read(path, alliance_id)
        if found is not None:
            self.folder_hits += 1
            return found
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock: contextlib.AbstractContextManager[None] = _file_lock(path.with_suffix(".lock"))
        except OSError:
            log.warning("the client page cache folder %s cannot be written; rendering in memory", path.parent)
            return self._render(alliance_id)
        with lock:
            found = self._read(path, alliance_id)  # another process may have rendered it while we waited
            if found is not None:
                self.folder_hits += 1
                return found
            view = self._render(alliance_id)
            if view.revision == revision:
                self._write(path, view)
            else:
                self._write(self.path_of(alliance_id, view.revision), view)
        return view

    def _render(self, alliance_id: str) -> RenderedView:
        from alliance_lens.pages.view import render_view

        workspace = self.context.workspace()
        start = time.perf_counter()
        for _attempt in range(3):
            before = workspace.revision(alliance_id)
            content = render_view(workspace, alliance_id, self.context.config)
            after = workspace.revision(alliance_id)
            if before == after:
                break
        self.renders += 1
        seconds = time.perf_counter() - start
        log.info("client view of an alliance rendered at revision %d in %.2f s", after, seconds)
        return RenderedView(alliance_id, after, content.lang, content.title, content.main, round(seconds, 3))

    def _write(self, path: Path, view: RenderedView) -> None:
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(view), f, ensure_ascii=False)
            os.replace(tmp, path)  # atomic: a reader sees the whole file or none
        except OSError:
            log.warning("a rendered client view could not be written to %s", path.parent)

    def close(self) -> None:
        """Stop the render thread."""
        self._renderer.shutdown(wait=False, cancel_futures=True)
