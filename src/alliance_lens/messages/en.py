"""Every message in English; :mod:`alliance_lens.messages` for how keys are named and filled."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # ------------------------------------------------------------------ common
    "common.app_title": "Alliance lens",
    # ------------------------------------------------------------------ problems (issue 13)
    # ------------------------------------------------------------------ client links and pages (issue 9)
    # ------------------------------------------------------------------ live poll (issue 10)
    # ------------------------------------------------------------------ patterns (issue 11)
    # ------------------------------------------------------------------ dashboard (issue 12)
    # ------------------------------------------------------------------ files (issue 14)
    # ------------------------------------------------------------------ store (issue 15)
}
