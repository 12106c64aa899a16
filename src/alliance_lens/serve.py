"""``alliance-lens serve``: the facilitator's dashboard in Voilà, set up for real, offline use.

Voilà runs in this process (kernels are its children and inherit its environment, so ``ALLIANCE_LENS_DB``
reaches them). Every setting that matters lives in :func:`voila_settings`, one traitlet per line with the
reason; a deployer may override any of them in ``$ALLIANCE_LENS_HOME/voila.json`` (Voilà's own config file
format), and nothing else — a ``voila.json`` in the current folder is ignored, so the command behaves the same
from any folder.

What is set, and why (measured in ``../shared/STACK.md``):

* one notebook served, never a folder: ``facilitator.ipynb``; with ``--clients``, no notebook at all but the
  kernel-less pages of :mod:`alliance_lens.pages` (``client_server.py``);
  no static file of the notebooks folder is served (``file_allowlist`` empty);
* our template ``alliance_lens`` (``voila_templates/``): Voilà's lab page without its CDN links; MathJax is
  the copy bundled with Voilà (no ``mathjax_url``), so pages make no request leaving the machine;
* sources stripped, tracebacks never sent to the browser, template and theme not overridable from the URL;
* idle kernels culled: Voilà 0.5.13 leaks a kernel per page view (its shutdown on close is refused);
* a preheated kernel: the facilitator's dashboard is computed before anyone asks for it;
* 127.0.0.1 by default, and a generated token whenever bound to another address.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import os
import secrets
import shutil
import tempfile
import threading
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal

from alliance_lens import paths
from alliance_lens.config import settings
from alliance_lens.model import UserError

log = logging.getLogger(__name__)

Role = Literal["facilitator", "clients"]

NOTEBOOKS: Final[dict[str, str]] = {"facilitator": "facilitator.ipynb"}
#: Name of our Voilà template (``voila_templates/nbconvert/templates/alliance_lens``).
TEMPLATE: Final = "alliance_lens"
TEMPLATES_ROOT: Final = Path(__file__).resolve().parent / "voila_templates"
LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
#: The environment variable through which kernels learn the workspace (docs/design.md, "Serving").
DB_ENV: Final = "ALLIANCE_LENS_DB"


def is_loopback(ip: str) -> bool:
    """True when ``ip`` only accepts connections from this machine."""
    if ip in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def voila_settings(role: Role, *, port: int, ip: str, token: str | None, port_given: bool) -> dict[str, Any]:
    """Every Voilà / Jupyter server setting of a server, as a traitlets config dict: the one place they live.

    ``token`` is the access token Voilà asks for (None: no token, only allowed on a loopback address).
    """
    clients = role == "clients"
    return {
        "Voila": {
            "ip": ip,
            "port": port,
            # a port asked for explicitly is that port or an error; the default may move to a free one
            "port_retries": 0 if port_given else 20,
            # empty string = no token (127.0.0.1 only, checked by the caller); otherwise the generated one
            "token": token or "",
            # we open the browser ourselves, after the server listens (see DashboardServer.launch_browser)
            "open_browser": True,
            # config files: only the workspace's own voila.json, never one in the current folder
            "config_file_paths": [str(paths.home_dir())],
        },
        "VoilaConfiguration": {
            "template": TEMPLATE,
            "strip_sources": True,
            "show_tracebacks": False,
            # a visitor must not pick another template (e.g. the lab one with CDN links) through ?template=
            "allow_template_override": "NO",
            "allow_theme_override": "NO",
            # nothing but the notebook's page: no image or file of the notebooks folder is served
            "file_allowlist": [],
            "file_denylist": [r".*"],
            # preheat: the facilitator's kernel runs the whole dashboard before the page is asked for (it
            # needs no request) — measured in bench/bench_serve.py.
            # The client server starts no kernel at all: its pages are alliance_lens.pages handlers
            "preheat_kernel": not clients,
            "default_pool_size": 0 if clients else 1,
            "http_keep_alive_timeout": 10,
            # culls a kernel whose page is gone by its connections, not its activity (facilitator_kernels.py)
            "multi_kernel_manager_class": "alliance_lens.facilitator_kernels.FacilitatorKernelManager",
        },
        "VoilaKernelManager": {
            # refill the pool at once: the next visitor should not find it empty
            "fill_delay": 0.5,
        },
        "MappingKernelManager": {
            # Voilà 0.5.13 never shuts a kernel down when its page closes (upstream #1458): cull idle ones.
            # Facilitator: a closed tab's kernel goes after 10 minutes; an open tab keeps its kernel for the
            # whole meeting (cull_connected False), however long the talk between two entries.
            # Clients: 10 minutes idle, connected or not — a stranger's open tabs must not hold kernels; the
            # charts stay on screen after that, only interaction ends.
            "cull_idle_timeout": 600,
            # the facilitator's check also shuts down kernels without a page (below): often enough for 2 minutes
            "cull_interval": 60 if clients else 15,
            "cull_connected": clients,
            "cull_busy": False,
        },
        "FacilitatorKernelManager": {
            # a closed tab's kernel still polls and redraws on every save, so it is never idle: it goes when it
            # has had no page (websocket) for this long, even while other tabs keep saving
            "cull_disconnected_after": float(settings().kernel_cull_after),
        },
        "DashboardServer": {
            "role": role,
        },
    }


def _dashboard_server_class() -> type[Any]:
    """Voilà's application with our few additions (imported lazily: Voilà is slow to import)."""
    from traitlets import Bool, Enum, Unicode
    from voila.app import Voila

    class DashboardServer(Voila):  # type: ignore[misc]  # Voilà has no type information
        """Voilà serving the facilitator's notebook, or (``role="clients"``) only the kernel-less client pages."""

        role = Enum(["facilitator", "clients"], "facilitator", config=True, help="which dashboard is served")
        open_in_browser = Bool(True, config=True, help="open the dashboard in a web browser once listening")
        workspace_url = Unicode("", config=True, help="the workspace the client pages read (empty: the default)")

        def init_handlers(self) -> list[Any]:
            if self.role == "clients":
                # kernel-less pages only (alliance_lens.pages): none of Voilà's notebook, kernel or file handlers
                from alliance_lens.client_server import client_handlers

                return client_handlers(self)
            handlers: list[Any] = super().init_handlers()
            return handlers

        def launch_browser(self) -> None:
            # called by Voilà once the port is bound: the moment the URL is true
            # Voilà's own display_url hides a token that came from config: print ours in full, it is the key
            token = self.identity_provider.token
            query = f"?token={token}" if token else ""
            url = self.display_url.split("?", 1)[0] + query
            print(f"alliance-lens: the {self.role} dashboard is at {url}", flush=True)
            if token:
                print("alliance-lens: reachable from other machines; the link above carries its token", flush=True)
            if self.open_in_browser:
                threading.Thread(target=webbrowser.open, args=(self.connection_url + query,), daemon=True).start()

    return DashboardServer


def _prepend_jupyter_path() -> None:
    # Voilà finds templates (and their static files, at every request) through the Jupyter data path
    current = os.environ.get("JUPYTER_PATH", "")
    parts = [p for p in current.split(os.pathsep) if p]
    if str(TEMPLATES_ROOT) not in parts:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(TEMPLATES_ROOT), *parts])


def notebook_for(role: Role) -> Path:
    """The notebook a server of ``role`` serves."""
    nb = paths.notebooks_dir() / NOTEBOOKS[role]
    if not nb.is_file():
        raise UserError(f"serve: the {role} notebook is missing ({nb}); the installation is incomplete")
    return nb


@contextlib.contextmanager
def demo_workspace() -> Iterator[str]:
    """A temporary workspace holding the sample data; removed afterwards. Yields its SQLAlchemy URL."""
    from alliance_lens.interchange import read_path
    from alliance_lens.store import Workspace

    folder = Path(tempfile.mkdtemp(prefix="alliance-lens-demo-"))
    try:
        url = f"sqlite:///{folder / 'workspace.sqlite'}"
        ws = Workspace.open(url, actor="demo")
        try:
            ws.import_data(read_path(paths.sample_data_dir()).data)
        finally:
            ws.close()
        yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _prepare_chart_bundle() -> None:
    """Build the pages' copy of Vega once, before any kernel needs it (a burst of kernels would each build it)."""
    if settings().charts != "browser":
        return
    try:
        from alliance_lens.app.vega import javascript_bundle

        javascript_bundle()  # cached in $ALLIANCE_LENS_HOME/cache: only the first start on a machine pays
    except Exception:  # the kernels then fall back to SVG; the server itself is fine
        log.warning("could not build the Vega bundle; charts will be drawn as SVG", exc_info=True)


def run_server(role: Role, args: argparse.Namespace, db_url: str | None) -> int:
    """Run Voilà for ``role`` until interrupted; returns the exit status."""
    ip: str = args.ip or "127.0.0.1"
    port: int = args.port or settings().port_of(role)
    if not 0 < port < 65536:
        raise UserError(f"--port: {port} is not a port number (1-65535)")
    # the facilitator's server can change everything: off this machine it needs a token. The client
    # server's door is the signed link, checked by every page (alliance_lens.pages; no kernel ever starts).
    token = secrets.token_urlsafe(24) if role == "facilitator" and not is_loopback(ip) else None
    # the client server serves no notebook: its pages are alliance_lens.pages handlers
    notebook = notebook_for(role) if role == "facilitator" else None
    if db_url:
        os.environ[DB_ENV] = db_url
    _prepend_jupyter_path()
    if role == "facilitator":
        _prepare_chart_bundle()
    server_config = voila_settings(role, port=port, ip=ip, token=token, port_given=args.port is not None)
    server_config["DashboardServer"]["open_in_browser"] = not args.no_browser
    server_config["DashboardServer"]["workspace_url"] = db_url or ""

    from traitlets.config import Config

    server_class = _dashboard_server_class()
    app = server_class(config=Config(server_config))
    # one notebook file given: Voilà serves it alone (its folder is the kernels' working folder, not served)
    app.initialize([str(notebook)] if notebook is not None else [])
    app.start()
    return 0
