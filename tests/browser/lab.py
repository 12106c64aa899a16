"""A real JupyterLab for browser tests and the notebook bench: started on a free port of 127.0.0.1, offline."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat

from .conftest import PYTHON, Server, free_port, start_server, stop_server

SETUP = """\
from alliance_lens import charts
from alliance_lens.metrics import compute
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample

m = compute(generate_sample(), SAMPLE_ALLIANCE_ID)"""

#: Eight library charts, one per cell, shown the normal way (the cell's last expression).
CHARTS = [
    "charts.quadrant_chart(m)",
    "charts.contrast_chart(m, columns=2)",
    "charts.alliance_contrast_chart(m)",
    "charts.agreement_timeline_chart(m, as_of=m.as_of)",
    "charts.trust_matrix_chart(m)",
    "charts.reciprocity_chart(m)",
    "charts.asymmetry_chart(m)",
    "charts.lead_lag_chart(m)",
]


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """A notebook of code cells, without outputs, for the python3 kernel."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def prepare_home(home: Path) -> None:
    """An alliance_lens home with the Vega bundle already built (built once per machine; copied if we have it)."""
    from alliance_lens.app import vega
    from alliance_lens.charts.bundle import bundle_path

    home.mkdir(parents=True, exist_ok=True)
    cached = bundle_path()
    target = home / "cache" / cached.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not cached.exists():
        vega.javascript_bundle()
    if cached.resolve() != target.resolve():
        shutil.copyfile(cached, target)


@contextmanager
def jupyterlab(root: Path, home: Path, log: Path) -> Iterator[tuple[Server, str]]:
    """JupyterLab serving ``root`` with a token; the app object exposed to the page (to run cells)."""
    token = secrets.token_hex(16)
    port = free_port()
    jupyter = root.parent / "jupyter"
    env = {
        "ALLIANCE_LENS_HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "IPYTHONDIR": str(jupyter / "ipython"),
    }
    argv = [
        PYTHON,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI runs the suite as root
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={jupyter / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.extension_manager=readonly",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    server = start_server(argv, port, log, env=env, timeout=120)
    try:
        yield server, token
    finally:
        stop_server(server)


def run_notebook(page: Any, server: Server, token: str, name: str, charts: int, timeout_s: float = 180) -> float:
    """Open ``name`` in JupyterLab, run all its cells; seconds from "run all" until ``charts`` charts are drawn."""
    page.goto(f"{server.url}/lab/tree/{name}?token={token}", timeout=timeout_s * 1000)
    page.wait_for_function(
        "() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')", timeout=timeout_s * 1000
    )
    # the kernel must be up before "run all" (a cell run earlier would wait for it anyway; this keeps timing honest)
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=timeout_s * 1000,
    )
    start = time.perf_counter()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        f"() => document.querySelectorAll('.alliance-lens-chart svg.marks').length >= {charts}",
        timeout=timeout_s * 1000,
    )
    return time.perf_counter() - start
