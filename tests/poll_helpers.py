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
