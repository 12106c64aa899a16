"""The analysts' notebook runs top to bottom (nbclient) and leaves its exports; it is committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from alliance_lens import paths


def test_analysis_notebook_runs_and_exports(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALLIANCE_LENS_DB", raising=False)  # an empty home: the notebook falls back to the sample
    nb = nbformat.read(paths.notebooks_dir() / "analysis.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "committed with outputs"
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # the charts are the library's offline widgets (only their spec; Vega comes once per page), not pages that
    # load Vega from a CDN; without a widget front end they say what they are
    charts = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(charts) == 3
    assert all(o["data"]["text/plain"].startswith("alliance_lens chart") for o in charts)
    assert not [o for o in outputs if "cdn.jsdelivr" in str(o.get("data", {}))]
    exports = isolated_home / "exports"
    assert sorted(p.name for p in exports.iterdir()) == [
        "quadrant.html",
        "quadrant.pdf",
        "quadrant.png",
        "quadrant.svg",
        "report.html",
    ]
    assert "Meridian Motors" in (exports / "report.html").read_text(encoding="utf-8")
    assert "target" in (exports / "quadrant.svg").read_text(encoding="utf-8")  # the analyst's own layer
