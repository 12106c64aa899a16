"""Charts a screen reader can read, in real Chromium: the facilitator's dashboard and a client page.

Each chart's drawing is labelled by its one-line description (vega-embed puts the Vega-Lite ``description`` on
the drawing's container, ``role="graphics-document"``, as its ``aria-label``) and its data follows it as a table
in a ``<details>`` "Show the data" that a keyboard user opens (Tab to it, Enter). Screenshots of the opened
tables and of the contrast chart go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from alliance_lens import links, store, synth

from .conftest import ALLIANCE_LENS, ARTIFACTS, Server, free_port, start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

FIRST_VIEW_TIMEOUT = 120_000

#: For every drawn chart: the label of its drawing and, in the same chart box, the data table's caption and size.
_CHARTS = """
(sel) => [...document.querySelectorAll(sel)].map(box => {
  // vega-embed labels its container (role graphics-document); a static SVG is labelled itself (role img)
  const sel = '[role="graphics-document"][aria-label], svg[aria-label]';
  const svg = box.matches(sel) ? box : box.querySelector(sel);
  const labelled = svg ? svg.getAttribute("aria-label") : "";
  // inside the chart's box (dashboard) or right after it in its section (client page)
  const table = box.querySelector("details.al-data table") || box.parentElement.querySelector("details.al-data table");
  return {
    css: box.className,
    label: labelled,
    role: svg ? svg.getAttribute("role") : null,
    caption: table ? table.caption.textContent : null,
    headers: table ? [...table.querySelectorAll("th")].map(th => th.textContent) : [],
    rows: table ? table.tBodies[0].rows.length : 0,
    text: table ? table.textContent : "",
  };
})
"""


def _check_charts(found: list[dict[str, Any]], expected: int) -> None:
    assert len(found) == expected, found
    for chart in found:
        assert chart["label"] and chart["role"] in {"graphics-document", "img"}, chart  # a text alternative
        assert chart["caption"] == chart["label"], chart  # the table is captioned with the same line
        assert chart["rows"] > 0 and len(chart["headers"]) >= 3, chart
        assert "NaN" not in chart["text"] and "undefined" not in chart["text"], chart


def _open_with_keyboard(page: Any, summary: str) -> None:
    """Tab until ``summary`` has the focus (at most 200 presses), then Enter."""
    page.locator("body").focus()
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector({summary!r})"):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"{summary} cannot be reached with the keyboard")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("home")
    port = free_port()
    srv = start_server(
        [ALLIANCE_LENS, "serve", "--demo", "--no-browser", "--port", str(port)],
        port,
        home / "serve.log",
        env={"ALLIANCE_LENS_HOME": str(home)},
        timeout=90,
    )
    yield srv
    stop_server(srv)


def test_dashboard_charts_are_labelled_and_their_data_is_a_table(dashboard: Server, page: Any) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(dashboard.url + "/", timeout=FIRST_VIEW_TIMEOUT)
    page.wait_for_selector(".al-chart-reciprocity svg", timeout=FIRST_VIEW_TIMEOUT)
    page.wait_for_selector(".al-chart-contrast details.al-data", timeout=FIRST_VIEW_TIMEOUT)
    found = page.evaluate(_CHARTS, ".al-chart")
    _check_charts(found, 6)
    contrast = next(c for c in found if "al-chart-contrast" in c["css"])
    assert contrast["label"].startswith("Reliability against trust, per partner, at the latest session: ")
    assert contrast["headers"][:4] == ["Partner", "Session", "Reliability", "Trust"]

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".al-chart-contrast").screenshot(path=str(ARTIFACTS / "chart_access_contrast.png"))
    # closed at first; a keyboard user reaches "Show the data" and opens it
    table = page.locator(".al-chart-contrast details.al-data table")
    assert not table.is_visible()
    _open_with_keyboard(page, ".al-chart-contrast details.al-data summary")
    assert table.is_visible()
    assert "%" in table.locator("tbody tr").first.inner_text()
    page.locator(".al-chart-contrast details.al-data").screenshot(path=str(ARTIFACTS / "chart_access_table.png"))


@pytest.fixture(scope="module")
def client_link(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("client-home")
    url = f"sqlite:///{home / 'workspace.sqlite'}"
    ws = store.Workspace.open(url)
    try:
        ws.import_data(synth.generate_sample())
        aid = str(ws.alliances()["alliance_id"].iloc[0])
    finally:
        ws.close()
    port = free_port()
    server = start_server(
        [ALLIANCE_LENS, "serve", "--clients", "--no-browser", "--port", str(port), "--db", url],
        port,
        home / "clients.log",
        env={"ALLIANCE_LENS_HOME": str(home)},
        timeout=120,
    )
    try:
        mp = pytest.MonkeyPatch()
        mp.setenv("ALLIANCE_LENS_HOME", str(home))
        try:
            link = links.make_link(aid, dt.timedelta(days=1), db_url=url, base_url=server.url + "/")
        finally:
            mp.undo()
        yield link.url
    finally:
        stop_server(server)


def test_client_page_charts_are_labelled_and_their_data_is_a_table(client_link: str, page: Any) -> None:
    page.goto(client_link, timeout=60_000)
    page.wait_for_selector("body[data-drawn]", timeout=90_000)
    found = page.evaluate(_CHARTS, ".al-client .al-chart")
    _check_charts(found, 5)
    assert found[0]["label"].startswith("Reliability against trust, per partner, at the latest session: ")
    summary = ".al-section-quadrant details.al-data summary"
    assert page.inner_text(summary) == "Show the data"
    _open_with_keyboard(page, summary)
    quadrant = page.locator(".al-section-quadrant details.al-data table")
    assert quadrant.is_visible()
    assert quadrant.locator("thead th").all_inner_texts() == ["Partner", "Session", "Reliability", "Trust"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".al-section-quadrant").screenshot(path=str(ARTIFACTS / "chart_access_client_quadrant.png"))
