"""Presentation mode on a projector, at 1920×1080 and 1280×720: the charts fill the screen, text reads from the back.

Font sizes are measured as drawn: an SVG text's computed size times the scale its chart is drawn at on screen.
Screenshots of both sizes are kept in ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ARTIFACTS, Server

pytestmark = pytest.mark.timeout(300)

FIRST_VIEW_TIMEOUT = 90_000
UPDATE_TIMEOUT = 60_000

#: px of text as drawn on screen, per chart text: its computed font size times the chart's scale on screen
_DRAWN_SIZES = """
(sel) => [...document.querySelectorAll(sel)].filter(t => t.getBoundingClientRect().width > 0).map(t => {
  const m = t.getScreenCTM();
  return { text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b) };
})
"""


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height", "min_px"), [(1920, 1080, 18.0), (1280, 720, 14.0)])
def test_presentation_fills_the_screen_and_reads_from_the_back(
    server: Server, page: Any, width: int, height: int, min_px: float
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server.url + "/", timeout=FIRST_VIEW_TIMEOUT)
    page.wait_for_selector(".al-chart-contrast svg", timeout=FIRST_VIEW_TIMEOUT)
    page.wait_for_selector(".al-chart-timeline svg", timeout=UPDATE_TIMEOUT)
    page.click(".al-presentation-toggle")
    page.wait_for_selector(".al-presenting", timeout=UPDATE_TIMEOUT)
    page.wait_for_selector(".al-forms", state="hidden", timeout=UPDATE_TIMEOUT)
    page.wait_for_timeout(300)  # the layout settles after the class change
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"projector_{width}x{height}.png"))

    # the page's title names the alliance; its language is the dashboard's
    assert page.title().startswith("Shared EV Platform Alliance")
    assert page.evaluate("document.documentElement.lang") == "en"

    # the main charts span the screen
    for css in ("contrast", "alliance-contrast"):
        box = page.locator(f".al-chart-{css} svg").first.bounding_box()
        assert box is not None and box["width"] >= 0.8 * width, (css, box)
    contrast = page.locator(".al-chart-contrast svg").first.bounding_box()
    assert contrast is not None and contrast["height"] <= height, contrast  # one screen, no scrolling inside

    # axis labels, titles, legends and panel headers of every chart: at least min_px as drawn
    sizes = page.evaluate(_DRAWN_SIZES, ".al-chart svg text")
    assert len(sizes) > 50
    small = [s for s in sizes if s["text"].strip() and s["px"] < min_px]
    assert not small, small[:10]

    # the headline: one line per partner, most concerning first, with its state, reliability and trust
    rows = page.locator(".al-headline-row")
    assert rows.count() == 5
    first = rows.first.inner_text()
    assert "Meridian Motors" in first and "Blind trust" in first and "%" in first
    assert rows.last.locator("th").inner_text() == "Kestrel Cells"  # "not enough data" last, not first
    headline_px = page.eval_on_selector(".al-headline-row th", "e => parseFloat(getComputedStyle(e).fontSize)")
    card_px = page.eval_on_selector(".al-pattern-card h4", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert headline_px >= min_px and card_px >= min_px, (headline_px, card_px)

    # the charts' data tables are for the desk (keyboard, screen reader), not for the projector
    assert page.locator("details.al-data").count() >= 2
    assert not any(d.is_visible() for d in page.locator("details.al-data").all())

    # the cards are short; the long explanation is one click away
    card = page.locator(".al-pattern-card").first
    assert len(card.locator(".al-card-short").inner_text().split()) <= 25
    assert not card.locator(".al-card-more p").is_visible()
    card.locator(".al-card-more summary").click()
    assert card.locator(".al-card-more p").is_visible()

    # dates read as months of a year ("May 2025"), never "May 25"
    ticks = [s["text"] for s in page.evaluate(_DRAWN_SIZES, ".al-chart-contrast svg .role-axis-label text")]
    assert any(t.endswith(" 2025") or t.endswith(" 2026") for t in ticks), ticks
    assert not any(t.endswith(" 25") or t.endswith(" 26") for t in ticks), ticks
    page.locator(".al-language button", has_text="NL").click()
    page.wait_for_function("document.documentElement.lang === 'nl'", timeout=UPDATE_TIMEOUT)
