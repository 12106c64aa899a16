"""The dashboards' notebooks run headless (nbclient) on a workspace holding the sample, without an error."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from alliance_lens import paths, store, synth

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'workspace.sqlite'}"
    ws = store.Workspace.open(url)
    ws.import_data(synth.generate_sample())
    ws.close()
    return url


def _run(name: str, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(paths.notebooks_dir() / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "committed with outputs"
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}, store_widget_state=True
    ).execute()
    return nb


def _outputs(nb: nbformat.NotebookNode) -> list[dict[str, object]]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_facilitator_notebook_executes(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_LENS_DB", db_url)  # the kernel inherits it, as under Voilà
    nb = _run("facilitator.ipynb", tmp_path)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr" and "Traceback" in str(o.get("text"))]
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs)  # type: ignore[operator]
    state = json.dumps(nb.metadata.get("widgets", {}))
    assert "al-dashboard" in state and "al-chart-contrast" in state and "al-pattern-card" in state
    # the charts are drawn by the page from their specifications, with one copy of Vega for the whole page
    assert "vega-lite" in state and state.count("window.vegaLite=") == 1


def test_facilitator_notebook_draws_svg_when_asked(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLIANCE_LENS_DB", db_url)
    monkeypatch.setenv("ALLIANCE_LENS_CHARTS", "svg")
    nb = _run("facilitator.ipynb", tmp_path)
    state = json.dumps(nb.metadata.get("widgets", {}))
    assert "<svg" in state and "window.vegaLite=" not in state


def test_client_notebook_previews_the_client_page(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the client server runs no notebook; this one shows an analyst the page its client_view hook makes
    ws = store.Workspace.open(db_url)
    name = str(ws.alliances()["name"].iloc[0])
    ws.close()
    monkeypatch.setenv("ALLIANCE_LENS_DB", db_url)
    nb = _run("client.ipynb", tmp_path)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    shown = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)  # type: ignore[union-attr]
    assert f"{name}: reliability and trust" in shown
    assert "al-pattern-card" in shown and shown.count("<svg") >= 5 and "al-overdue" in shown
