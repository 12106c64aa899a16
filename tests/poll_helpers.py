"""A small alliance for the poll's tests and bench: four partners, two sessions, scale 1–5."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alliance_lens.model import Alliance, Partner, Session
from alliance_lens.store import Workspace

PARTNERS = [("p1", "Harbour Board"), ("p2", "City Works"), ("p3", "Rail Co"), ("p4", "Água & Zon")]


def poll_workspace(folder: Path, *, language: str = "en", trust_max: float = 5) -> str:
    """A workspace file with alliance ``north`` (and ``south``, one partner fewer); its URL."""
    url = f"sqlite:///{folder / 'workspace.sqlite'}"
    with Workspace.open(url, actor="test") as ws:
        for aid, partners in (("north", PARTNERS), ("south", PARTNERS[:3])):
            ws.add_many(
                [
                    Alliance(aid, f"Alliance {aid.title()}", 1, trust_max, language),  # type: ignore[arg-type]
                    *[Partner(aid, pid, name) for pid, name in partners],
                    Session(aid, "s1", dt.date(2026, 11, 3), "Kick-off"),
                    Session(aid, "s2", dt.date(2026, 12, 1), "Review"),
                ]
            )
    return url


class PollServer:
    """The poll's pages on a free loopback port, served by Tornado in a thread (as the client server does)."""

    def __init__(self, url: str, **config: object) -> None:
        import asyncio
        import socket
        import threading

        from alliance_lens.config import LensConfig
        from alliance_lens.pages.poll import PollPages, make_app

        self.pages = PollPages(url, LensConfig(**config))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.base = f"http://127.0.0.1:{self.port}/"
        ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            app = make_app(self.pages)
            server = app.listen(self.port, address="127.0.0.1")
            loop.call_soon(ready.set)
            loop.run_forever()
            server.stop()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self.pages.close()
