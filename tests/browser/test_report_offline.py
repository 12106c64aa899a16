"""The HTML report opened from file:// in headless Chromium: every chart draws, nothing leaves the machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alliance_lens.charts.report import CHART_ORDER, write_report
from alliance_lens.metrics import compute
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample


def test_report_draws_every_chart_offline(page: Any, tmp_path: Path) -> None:
    data = generate_sample()
    out = write_report(compute(data, SAMPLE_ALLIANCE_ID), tmp_path / "report.html", data)
    page.goto(out.as_uri())
    # vega-embed draws each chart as an <svg> with marks inside its own div
    page.wait_for_function(
        f"document.querySelectorAll('.chart svg.marks').length === {len(CHART_ORDER)}", timeout=20_000
    )
    for i in range(len(CHART_ORDER)):
        marks = page.locator(
            f"#chart-{i} svg .mark-symbol path, #chart-{i} svg .mark-line path, "
            f"#chart-{i} svg .mark-area path, #chart-{i} svg .mark-rect path"
        )
        assert marks.count() > 0, f"chart {CHART_ORDER[i]} drew no marks"
    text = page.locator("body").inner_text()
    assert "Meridian Motors" in text and "As of 2026-08-25" in text
    assert page.guard.external_requests == []
    assert page.guard.console_errors == []


def test_a_report_draws_every_chart_whatever_the_names_hold(page: Any, tmp_path: Path) -> None:
    hostile = "Meridian <!--<script>alert(1)</script> Motors"
    data = generate_sample()
    data.partners.loc[data.partners["name"] == "Meridian Motors", "name"] = hostile
    data.alliances.loc[:, "name"] = "EV </script><!-- platform"
    out = write_report(compute(data, SAMPLE_ALLIANCE_ID), tmp_path / "hostile.html", data)
    page.on(
        "dialog", lambda dialog: (page.guard.page_errors.append(f"a dialog opened: {dialog.message}"), dialog.dismiss())
    )
    page.goto(out.as_uri())
    page.wait_for_function(
        f"document.querySelectorAll('.chart svg.marks').length === {len(CHART_ORDER)}", timeout=20_000
    )
    text = page.locator("body").inner_text()
    assert hostile in text and "EV </script><!-- platform" in text
    # the name is drawn as text in the charts too (the contrast chart's panel titles), never run
    assert page.locator("svg text", has_text="<!--<script>").count() > 0
    assert page.guard.page_errors == [] and page.guard.external_requests == []
