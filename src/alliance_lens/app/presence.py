"""Whether the dashboard's page is still open and shown, as the page itself says (``presence.js``).

A kernel cannot see its websocket, and Jupyter counts its own output as activity; so the page tells it: "here"
every :data:`HEARTBEAT` seconds while shown, "hidden" in a background tab, "gone" when closed. The state stops
polling when the page is gone or hidden, or silent for :data:`SILENT_AFTER` seconds, and polls at once when it
is back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from alliance_lens.app.state import DashboardState

#: Seconds between two "here" of a shown page.
HEARTBEAT = 20
#: A page silent this long is taken as gone (a background tab's timers may run only once a minute).
SILENT_AFTER = 150.0


class Presence(anywidget.AnyWidget):
    """Invisible: reports the page's presence to the :class:`DashboardState` it was made for."""

    _esm = traitlets.Unicode((Path(__file__).with_name("presence.js")).read_text(encoding="utf-8")).tag(sync=True)
    interval = traitlets.Int(HEARTBEAT).tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)  # <html lang> of the page
    title = traitlets.Unicode("").tag(sync=True)  # the page's title (the browser tab)

    def __init__(self, state: DashboardState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = state
        state.page_silent_after = SILENT_AFTER
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        event = content.get("event") if isinstance(content, dict) else None
        if event in ("here", "hidden", "gone"):
            self.state.page_says(str(event))
