"""The Vega bundle cached on disk: built once per machine, read by the facilitator's kernels and the client server.

Vega, Vega-Lite and vega-embed as one script (:func:`alliance_lens.charts.render.javascript_bundle`, ~0.9 MB) is
built in a separate process, so no server or kernel keeps vl-convert's JavaScript runtime, and kept in the
workspace folder's cache under a name that carries vl-convert's and Altair's versions.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from alliance_lens import paths

log = logging.getLogger("alliance_lens.charts")

_BUILD: Final = "import sys; from alliance_lens.charts import render; sys.stdout.write(render.javascript_bundle())"


def bundle_path() -> Path:
    """Where the Vega bundle is cached: per vl-convert and Altair version, in the workspace folder."""
    from importlib.metadata import version

    import altair as alt

    name = f"vega-bundle-vlc{version('vl-convert-python')}-altair{alt.SCHEMA_VERSION}.js"
    return paths.home_dir() / "cache" / name


def cached_bundle(path: Path) -> bytes:
    """The bundle's bytes from ``path``; built there first (a few seconds, in a separate process) if missing."""
    if not path.exists():
        log.info("building the Vega bundle into %s", path)
        out = subprocess.run([sys.executable, "-c", _BUILD], check=True, capture_output=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(out.stdout)
        os.replace(tmp, path)  # atomic: a kernel or server reading at the same moment sees all or nothing
    return path.read_bytes()
