"""``alliance-lens serve --clients``: the read-only server for client links, without a kernel per visitor.

It is :mod:`alliance_lens.serve`'s Voilà (its Jupyter server app, its settings, its ``voila.json``), with its
handlers replaced by the kernel-less pages of :mod:`alliance_lens.pages`: the client view of an alliance is
rendered once per revision and served from a cache to every visitor whose link checks out; an open page follows
new revisions and its link's state through ``/live``. No request starts a kernel (no kernel handler is even
routed), and no notebook is served.

What the server adds to Voilà's application here: the handler list (:func:`client_handlers`), an access log
without query strings (tokens are in URLs), the redacting filter on every log, and the Vega bundle built
before the port opens.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def _route_logs(app: Any) -> None:
    """Our lines and Tornado's (access, errors) go where Voilà's go, at INFO: the refusal line is for fail2ban."""
    target = getattr(getattr(app, "log", None), "handlers", None) or []
    for name in ("alliance_lens", "tornado.access", "tornado.application", "tornado.general"):
        logger = logging.getLogger(name)
        if not logger.handlers and target:
            for handler in target:
                logger.addHandler(handler)
            logger.propagate = False
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)


def client_handlers(app: Any) -> list[Any]:
    """The client server's Tornado handlers for Voilà application ``app`` (whose Tornado app exists)."""
    from alliance_lens.pages import server_handlers
    from alliance_lens.pages.assets import load_assets
    from alliance_lens.pages.base import install_log_redaction, log_request
    from alliance_lens.pages.context import PageContext

    _route_logs(app)
    install_log_redaction()
    tornado_app = getattr(app, "app", None)
    if tornado_app is not None:
        tornado_app.settings["log_function"] = log_request
        # Voilà's own template and static handlers are not routed: nothing of theirs is served
        tornado_app.settings.pop("static_path", None)
    load_assets()  # the Vega bundle is built (once per machine) before the first visitor, not during
    context = PageContext.create(getattr(app, "workspace_url", "") or None)
    app.alliance_lens_context = context  # tests and the bench reach it through the app
    return server_handlers(context, getattr(app, "base_url", "/") or "/")
