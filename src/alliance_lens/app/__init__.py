"""The app layer: ipywidgets dashboards over the workspace (the only layer that imports ipywidgets).

* :func:`facilitator_dashboard` — the facilitator's live dashboard (forms, charts, presentation mode);
* the read-only view behind a client link is not here: it is a kernel-less page (:mod:`alliance_lens.pages`).

It reads the workspace from ``ALLIANCE_LENS_DB`` (an SQLAlchemy URL; unset = the default workspace).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from alliance_lens.config import settings

if TYPE_CHECKING:
    from alliance_lens.app.dashboard import FacilitatorDashboard

log = logging.getLogger("alliance_lens.app")

DB_ENV = "ALLIANCE_LENS_DB"
#: ``browser`` (default) or ``svg``: how the facilitator's charts are drawn (see ``alliance_lens.app.vega``).
RENDERER_ENV = "ALLIANCE_LENS_CHARTS"

__all__ = ["DB_ENV", "facilitator_dashboard"]


def db_url_from_env() -> str | None:
    """The workspace URL the server passed in ``ALLIANCE_LENS_DB`` (``None``: the default workspace)."""
    return settings().db_url or None


def facilitator_dashboard(
    db_url: str | None = None, *, display: bool = True, poll_interval: float = 2.0, renderer: str | None = None
) -> FacilitatorDashboard:
    """Build the facilitator's dashboard on the workspace at ``db_url`` (default: ``ALLIANCE_LENS_DB``).

    With ``display`` the dashboard is displayed at once (as a notebook cell would); it is returned either way.
    The state polls the workspace every ``poll_interval`` seconds, so writes of other kernels show.
    ``renderer``: ``browser`` or ``svg`` (default: ``ALLIANCE_LENS_CHARTS``, else ``browser``). The browser
    draws each chart from its specification with one copy of Vega per page: a save reaches the screen sooner and
    the kernel needs ~120 MB less than with SVG made in the kernel. If that copy of Vega cannot be had, the
    dashboard falls back to SVG.
    """
    from alliance_lens.app.dashboard import FacilitatorDashboard
    from alliance_lens.app.state import DashboardState
    from alliance_lens.store import Workspace

    try:
        from alliance_lens.charts import theme

        theme.enable()
    except Exception:  # the charts then keep Altair's default look; worth a log line, not a broken page
        log.warning("the alliance_lens chart theme could not be enabled", exc_info=True)

    workspace = Workspace.open(db_url or db_url_from_env())
    state = DashboardState(workspace)
    from alliance_lens.app.vega import choose_renderer

    dashboard = FacilitatorDashboard(state, renderer=choose_renderer(renderer))
    # in a kernel (an event loop runs), a save redraws the main chart at once and the rest on the next turns
    state.defer = True
    if poll_interval > 0:
        state.start_polling(poll_interval)
    if display:
        from IPython.display import display as show

        show(dashboard.widget)  # type: ignore[no-untyped-call]
    return dashboard
