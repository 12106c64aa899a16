"""Kernel-less pages of the client server (``alliance-lens serve --clients``): pages for clients and phones.

The client server is still one Voilà (its Jupyter server app and settings, ``alliance_lens.serve``), but what a
visitor asks for is answered by the Tornado handlers of this package, which start no kernel and run no project
code per request beyond checking a link and reading caches. Layer: beside ``app``, above ``charts``; nothing
here imports ipywidgets or IPython.

What is here:

* :mod:`.context` — :class:`~.context.PageContext`, shared by every handler: settings, **one read-only
  Workspace**, the link checker (``links.verify`` behind a short memory), the view cache, rate limits;
* :mod:`.base` — :class:`~.base.BasePage` (headers, templates, refusals, no traceback, no token in a log) and
  the 404 page;
* :mod:`.assets` — ``/static/<name>``: the Vega bundle as one cacheable file, and ``pages/static/*``;
* :mod:`.client` — the client view (``/``) and its live channel (``/live``);
* :mod:`.view` and :mod:`.cache` — the client view rendered once per alliance revision.

**Adding pages (e.g. the phone poll, issue 10).** Write a module ``alliance_lens.pages.<name>`` with

.. code-block:: python

    from alliance_lens.pages.base import BasePage
    from alliance_lens.pages.context import PageContext

    class PollPage(BasePage):
        async def get(self, poll_id: str) -> None:           # self.context is the PageContext
            self.render_page("poll.html", lang="nl", poll_id=poll_id)   # pages/templates/poll.html

        async def post(self, poll_id: str) -> None:
            rater = self.single_argument("rater")            # ValueError when the field is sent twice
            ...

    def handlers(context: PageContext) -> list[Route]:
        return [(r"poll/([A-Za-z0-9_-]+)", PollPage)]      # relative to the server's base URL, no leading "/"

and add its name to :data:`MODULES` (one line). Each handler class is given ``context=`` by
:func:`server_handlers`; templates go in ``pages/templates`` (``{% extends "base.html" %}``), scripts and styles
in ``pages/static`` (linked with ``{{ static("name.js") }}``), texts in ``alliance_lens.messages``. Blocking work
(a database read or write) runs through ``await self.context.run(fn)``, never on the event loop; a write needs
its own writable Workspace (``context.workspace()`` is read-only).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from alliance_lens.pages.context import PageContext

#: ``(pattern relative to the base URL, handler class)``; the handler is given ``context=``.
Route = tuple[str, type[Any]]

#: The modules whose ``handlers(context)`` make up the client server, in order (first match wins).
MODULES: Final[tuple[str, ...]] = (
    "alliance_lens.pages.assets",
    "alliance_lens.pages.client",
    "alliance_lens.pages.poll",  # the live poll's phone pages (issue 10)
)


def server_handlers(context: PageContext, base_url: str = "/") -> list[tuple[str, type[Any], dict[str, Any]]]:
    """Every handler of the client server as Tornado specs, ending with the 404 page for anything else."""
    from alliance_lens.pages.base import NotFoundPage

    prefix = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    specs: list[tuple[str, type[Any], dict[str, Any]]] = []
    for name in MODULES:
        module = importlib.import_module(name)
        for pattern, handler in module.handlers(context):
            whole = prefix + pattern.lstrip("/").removesuffix("$") + "$"  # a route matches the whole path
            specs.append((whole, handler, {"context": context}))
    specs.append((r".*", NotFoundPage, {"context": context}))
    return specs
