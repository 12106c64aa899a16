"""An analyst's chart in a real JupyterLab, offline: shown the normal way it draws, interactive, from 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .lab import CHARTS, SETUP, jupyterlab, prepare_home, run_notebook, write_notebook


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    root.mkdir()
    prepare_home(base / "home")
    write_notebook(root / "charts.ipynb", [SETUP, CHARTS[0], CHARTS[1]])
    with jupyterlab(root, base / "home", base / "lab.log") as server:
        yield server


@pytest.mark.slow
def test_a_library_chart_draws_in_jupyterlab_offline(page: Any, lab: tuple[Any, str]) -> None:
    server, token = lab
    run_notebook(page, server, token, "charts.ipynb", charts=2)
    quadrant = page.locator(".alliance-lens-chart").first
    assert quadrant.locator("svg .mark-symbol path, svg .mark-line path").count() > 0
    assert "Meridian Motors" in quadrant.inner_text()
    # interactive as Altair's charts are: hovering a mark shows vega-embed's tooltip
    dot = quadrant.locator("svg g.mark-symbol.role-mark path").last
    dot.scroll_into_view_if_needed()
    box = dot.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
    # Vega came once for the page, not with each chart
    assert page.evaluate("() => document.querySelectorAll('head script').length") >= 1
    assert page.guard.external_requests == []
    assert not [e for e in page.guard.console_errors if "alliance_lens" in e or "vega" in e.lower()]
