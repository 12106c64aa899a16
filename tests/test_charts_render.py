"""Offline rendering: SVG, PNG, PDF and self-contained HTML through vl-convert, with Altair's Vega-Lite version."""

from __future__ import annotations

import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from alliance_lens.charts import render
from alliance_lens.model import UserError


@pytest.fixture
def chart() -> alt.Chart:
    return alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})).mark_line().encode(x="x:Q", y="y:Q")


def test_vegalite_version_matches_altair() -> None:
    version = render.vegalite_version()
    assert alt.SCHEMA_VERSION.lstrip("v").startswith(version)
    assert version.startswith("6.")
    assert version in vlc.get_vegalite_versions()


def test_images(chart: alt.Chart, tmp_path: Path) -> None:
    assert render.to_svg(chart).lstrip().startswith("<svg")
    assert render.to_png(chart)[:8] == b"\x89PNG\r\n\x1a\n"
    assert render.to_pdf(chart)[:5] == b"%PDF-"
    for suffix in (".svg", ".png", ".pdf", ".html"):
        out = render.save(chart, tmp_path / f"chart{suffix}")
        assert out.stat().st_size > 0
    assert not list(tmp_path.glob(".*.tmp"))


def test_svg_markup_is_inline_svg(chart: alt.Chart) -> None:
    markup = render.svg_markup(chart)
    assert markup.startswith("<svg ") and "<?xml" not in markup
    assert "max-width:100%" in markup


def test_html_is_self_contained(chart: alt.Chart) -> None:
    page = render.to_html(chart)
    assert "vegaEmbed(" in page
    # nothing is fetched: no script or stylesheet by URL, no CDN
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page
    # the bundle travels once however many charts a page holds
    two = render.html_page([chart, chart])
    assert len(two) - len(page) < 5_000


def test_conversion_refuses_to_fetch_data_from_the_internet() -> None:
    remote = alt.Chart(alt.UrlData("https://example.com/data.csv")).mark_point().encode(x="a:Q")
    with pytest.raises(ValueError, match="not allowed"):
        render.to_svg(remote)


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.docx"])
def test_unsupported_suffix_is_a_user_error(chart: alt.Chart, tmp_path: Path, name: str) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(UserError, match=r"\.html, \.svg, \.png, \.pdf"):
        render.save(chart, tmp_path / "out" / name)
    assert not list((tmp_path / "out").iterdir())


HOSTILE_TEXT = "Meridian <!--<script>alert(1)</script> & </SCRIPT > Motors \u2028"


def test_no_text_in_a_spec_can_end_or_hide_the_pages_scripts() -> None:
    import json

    spec = {"title": HOSTILE_TEXT, "data": {"values": [{"name": HOSTILE_TEXT}]}, "mark": "point"}
    text = render.script_json(spec)
    assert json.loads(text) == spec
    assert not set(text) & {"<", ">", "&", "\u2028"}
    page = render.html_page([spec], title=HOSTILE_TEXT)
    body = page.rsplit("</head>\n<body>", 1)[1]
    # the only script tags of the body are the page's own; the text is in it only escaped
    assert re.findall(r"(?i)<\s*/?\s*script", body) == ["<script", "</script"]
    assert "<!--" not in body and "\\u003c!--\\u003cscript\\u003e" in body
