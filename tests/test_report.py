"""The report a client keeps: separate charts, patterns naming partners, overdue agreements, an "as of" date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alliance_lens.charts import theme
from alliance_lens.charts.report import CHART_ORDER, build_report, write_report
from alliance_lens.metrics import Metrics, compute
from alliance_lens.model import AllianceData, UserError
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample

PARTNERS = ["Nordwagen AG", "Meridian Motors", "Vantage Automobiles", "Solara Cars", "Kestrel Cells"]


@pytest.fixture(scope="module")
def data() -> AllianceData:
    return generate_sample()


@pytest.fixture(scope="module")
def metrics(data: AllianceData) -> Metrics:
    return compute(data, SAMPLE_ALLIANCE_ID)


def test_report_holds_charts_patterns_overdue_and_date(metrics: Metrics, data: AllianceData) -> None:
    report = build_report(metrics, data)
    assert report.lang == metrics.language == "en"
    assert list(report.charts) == list(CHART_ORDER)
    for chart in report.charts.values():
        chart.to_dict(validate=True)
    assert report.as_of == "2026-08-25"
    # in the order of the dashboard's cards: the states most concerning first, then the shocks
    assert [(p.partner_name, p.pattern) for p in report.patterns] == [
        ("Meridian Motors", "blind_trust"),
        ("Nordwagen AG", "trust_lags"),
        ("Solara Cars", "earned_trust"),
        ("Kestrel Cells", "not_enough_data"),
        ("Vantage Automobiles", "trust_shock"),
    ]
    overdue = metrics.agreement_status[metrics.agreement_status["overdue"]]
    assert sorted(o.title for o in report.overdue) == sorted(overdue["title"])
    assert all(o.days_overdue > 0 for o in report.overdue)
    text = report.text()
    for name in PARTNERS:
        assert name in text
    assert "As of 2026-08-25" in text


def test_html_report_is_self_contained_with_separate_charts(
    metrics: Metrics, data: AllianceData, tmp_path: Path
) -> None:
    out = write_report(metrics, tmp_path / "report.html", data)
    page = out.read_text(encoding="utf-8")
    assert page.count('class="chart"') == len(CHART_ORDER)
    assert page.count("vegaEmbed('#chart-") == len(CHART_ORDER)
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", page)
    for name in PARTNERS:
        assert name in page
    assert "As of 2026-08-25" in page
    assert "Deliver the wiring harness specification for the pre-series" in page  # an overdue agreement
    assert '<html lang="en">' in page


def test_report_speaks_dutch_when_asked(metrics: Metrics, data: AllianceData, tmp_path: Path) -> None:
    page = write_report(metrics, tmp_path / "rapport.html", data, lang="nl").read_text(encoding="utf-8")
    assert theme.label("patterns_heading", "nl") in page
    assert theme.label("overdue_heading", "nl") in page
    assert "Stand per 2026-08-25" in page
    assert theme.pattern_label("blind_trust", "nl") in page
    assert '<html lang="nl">' in page


def test_image_reports(metrics: Metrics, data: AllianceData, tmp_path: Path) -> None:
    svg = write_report(metrics, tmp_path / "report.svg", data).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg")
    for words in (
        "Meridian Motors",
        "As of 2026-08-25",
        theme.label("overdue_heading", "en"),
        theme.label("quadrant_title", "en"),
        theme.label("timeline_title", "en"),
    ):
        assert words in svg
    assert (write_report(metrics, tmp_path / "report.png", data)).read_bytes()[:4] == b"\x89PNG"
    assert (write_report(metrics, tmp_path / "report.pdf", data)).read_bytes()[:5] == b"%PDF-"


def test_unsupported_suffix_or_missing_folder_writes_nothing(metrics: Metrics, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="docx is not a supported format"):
        write_report(metrics, tmp_path / "report.docx")
    with pytest.raises(UserError, match="does not exist"):
        write_report(metrics, tmp_path / "nowhere" / "report.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alliance_lens_home"]
