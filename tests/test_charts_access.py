"""Charts for everyone: a one-line description per chart, its data as a table, trust told from reliability
without colour, and a contrast chart that analysts can layer and resize."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import pytest

from alliance_lens import charts
from alliance_lens.charts import render, table, theme
from alliance_lens.metrics import Metrics, compute
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample

CHART_FUNCTIONS: list[Callable[..., Any]] = [
    charts.contrast_chart,
    charts.alliance_contrast_chart,
    charts.quadrant_chart,
    charts.trust_matrix_chart,
    charts.agreement_timeline_chart,
    charts.reciprocity_chart,
    charts.asymmetry_chart,
    charts.lead_lag_chart,
]

HOSTILE = "Alpha <!--</script><b>"


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    return compute(generate_sample(), SAMPLE_ALLIANCE_ID)


@pytest.fixture
def small() -> pd.DataFrame:
    """Two partners, two sessions, one value missing on each side; a name that would break a careless page."""
    return pd.DataFrame(
        {
            "partner": ["a", "a", "b", "b"],
            "partner_name": [HOSTILE, HOSTILE, "Beta", "Beta"],
            "period_end": pd.to_datetime(["2025-05-20", "2025-09-16", "2025-05-20", "2025-09-16"]),
            "reliability": [0.72, 0.5, None, 0.9],
            "reliability_low": [0.6, 0.4, None, 0.8],
            "reliability_high": [0.8, 0.6, None, 0.95],
            "trust": [0.61, 0.65, 0.3, None],
            "trust_low": [0.5, 0.6, 0.2, None],
            "trust_high": [0.7, 0.7, 0.4, None],
            "n_agreements": [4, 3, 0, 2],
            "n_ratings": [6, 6, 3, 0],
        }
    )


# ------------------------------------------------------------------------------------------------ descriptions


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("fn", CHART_FUNCTIONS, ids=lambda f: f.__name__)
def test_every_chart_has_a_one_line_description_in_its_language(
    metrics: Metrics, fn: Callable[..., Any], lang: str
) -> None:
    spec = fn(metrics, lang=lang).to_dict(validate=True)
    description = spec["description"]
    title = spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"]
    assert description.startswith(title.split(" — ")[0])
    assert "\n" not in description and "nan" not in description.lower() and len(description) < 600
    # and the table beside it, captioned by the description
    html_table = charts.data_table(spec, lang)
    assert html_table.startswith('<table class="al-data-table"><caption>')
    assert "NaN" not in html_table and "None" not in html_table


def test_descriptions_pinned_in_english_and_dutch(metrics: Metrics) -> None:
    assert charts.trust_matrix_chart(metrics).description == (
        "Who trusts whom, session S11, 25 Aug 2026: 16 ratings of one partner by another, from 36 % to 86 %; "
        "4 hidden (too few respondents)."
    )
    assert charts.trust_matrix_chart(metrics, lang="nl").description == (
        "Wie vertrouwt wie, sessie S11, 25 aug 2026: 16 beoordelingen van de ene partner door de andere, van 36 % "
        "tot 86 %; 4 verborgen (te weinig respondenten)."
    )
    assert charts.agreement_timeline_chart(metrics).description == (
        "Agreements by due date — 135 agreements, 1 of them overdue; Kept 78, Kept late 14, Broken 20, "
        "Dropped 3, Open 20."
    )
    assert charts.alliance_contrast_chart(metrics, lang="nl").description == (
        "Betrouwbaarheid tegenover vertrouwen, de hele alliantie, bij de laatste sessie: "
        "betrouwbaarheid 73 %, vertrouwen 62 %."
    )
    assert charts.quadrant_chart(metrics).description.startswith(
        "Where each partner stands, at the latest session: Meridian Motors (Blind trust): reliability 36 %, trust 82 %;"
    )


def test_the_rating_partners_stand_beside_the_ratings_where_the_trends_have_them(
    small: pd.DataFrame, metrics: Metrics
) -> None:
    # the trust band is an interval over the rating partners, so the table and the tooltip give their number
    chart = charts.contrast_chart(metrics)
    _, columns, rows = table.table_of(chart)
    assert columns[columns.index("Ratings") + 1] == "Rating partners"
    meridian = next(r for r in rows if r[0] == "Meridian Motors" and r[1] == "Aug 2026")
    assert meridian[columns.index("Ratings")] == "12" and meridian[columns.index("Rating partners")] == "4"
    spec = json.dumps(chart.to_dict())
    assert '"field": "n_raters"' in spec and '"title": "Rating partners"' in spec  # the tooltip
    nl = table.table_of(charts.contrast_chart(metrics, lang="nl"))[1]
    assert nl[nl.index("Beoordelingen") + 1] == "Beoordelende partners"
    # an analyst's frame without them: the table and the chart as before
    assert "Rating partners" not in table.table_of(charts.contrast_chart(small))[1]
    assert "n_raters" not in json.dumps(charts.contrast_chart(small).to_dict())


def test_description_and_table_of_a_small_alliance(small: pd.DataFrame) -> None:
    chart = charts.contrast_chart(small)
    assert chart.description == (
        f"Reliability against trust, per partner, at the latest session: {HOSTILE}: reliability 50 %, trust 65 %; "
        "Beta: reliability 90 %, trust 30 %."
    )
    html_table = charts.data_table(chart, "en")
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Partner", "Session", "Reliability", "Trust", "Agreements due", "Ratings", "Event")
    )
    assert f"<thead><tr>{head}</tr></thead>" in html_table
    alpha = "Alpha &lt;!--&lt;/script&gt;&lt;b&gt;"
    rows = [
        [alpha, "May 2025", "72 %", "61 %", "4", "6", ""],
        [alpha, "Sep 2025", "50 %", "65 %", "3", "6", ""],
        ["Beta", "May 2025", "", "30 %", "0", "3", ""],  # no reliability yet: an empty cell, never "NaN"
        ["Beta", "Sep 2025", "90 %", "", "2", "0", ""],
    ]
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in rows)
    assert f"<tbody>{body}</tbody>" in html_table
    # every text escaped: nothing the name holds opens a comment or closes a script
    assert "<!--" not in html_table and "</script>" not in html_table and "<b>" not in html_table
    nl = charts.data_table(charts.contrast_chart(small, lang="nl"), "nl")
    assert "<td>mei 2025</td>" in nl and '<th scope="col">Betrouwbaarheid</th>' in nl


def test_data_details_is_a_closed_disclosure_a_keyboard_opens() -> None:
    chart = charts.alliance_contrast_chart(compute(generate_sample(), SAMPLE_ALLIANCE_ID), lang="nl")
    details = charts.data_details(chart, "nl")
    assert details.startswith('<details class="al-data"><summary>Toon de gegevens</summary><table')
    assert details.endswith("</table></details>")
    assert charts.data_details(alt.Chart(pd.DataFrame({"x": [1]})).mark_point(), "en") == ""  # no table kept


def test_data_table_of_a_frame_and_session_dates() -> None:
    frame = pd.DataFrame({"Who": ["A & B", None], "When": [pd.Timestamp("2025-05-20"), pd.NaT], "x": [0.5, None]})
    assert charts.data_table(frame, "en", caption="Cap <1>") == (
        '<table class="al-data-table"><caption>Cap &lt;1&gt;</caption><thead><tr><th scope="col">Who</th>'
        '<th scope="col">When</th><th scope="col">x</th></tr></thead><tbody><tr><td>A &amp; B</td>'
        "<td>20 May 2025</td><td>0.50</td></tr><tr><td></td><td></td><td></td></tr></tbody></table>"
    )
    # as on the axis ("May 2025"), unless two sessions share a month
    assert table.session_texts(pd.to_datetime(["2025-05-20", "2025-06-03"]), "nl") == ["mei 2025", "jun 2025"]
    assert table.session_texts(pd.to_datetime(["2025-05-06", "2025-05-20"]), "en") == ["6 May 2025", "20 May 2025"]


def test_the_table_travels_beside_the_spec_not_inside_it(metrics: Metrics) -> None:
    spec = charts.quadrant_chart(metrics).to_dict(validate=False)
    stripped = table.strip_table(spec)
    assert "usermeta" not in stripped and stripped["description"] == spec["description"]
    assert len(json.dumps(stripped)) < len(json.dumps(spec))


def test_static_svg_is_labelled_by_the_description(small: pd.DataFrame) -> None:
    chart = charts.contrast_chart(small)
    svg = render.svg_markup(chart)
    assert svg.startswith('<svg style="max-width:100%;height:auto" role="img" aria-label="Reliability against trust')
    assert "Alpha &lt;!--&lt;/script&gt;&lt;b&gt;" in svg.split(">", 1)[0]


# ------------------------------------------------------------------------------------------------ no colour needed


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "mark" in node:
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk({k: v for k, v in spec.items() if k != "config"})  # the theme's mark defaults are no layer
    return found


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("fn", [charts.contrast_chart, charts.alliance_contrast_chart], ids=lambda f: f.__name__)
def test_trust_is_dashed_with_squares_and_each_line_is_named_at_its_end(
    metrics: Metrics, fn: Callable[..., Any], lang: str
) -> None:
    spec = fn(metrics, lang=lang).to_dict(validate=False)
    rel, tru = theme.label("reliability", lang), theme.label("trust", lang)
    layers = _layers(spec)
    lines = [x for x in layers if x["mark"]["type"] == "line" and "strokeDash" in x["encoding"]]
    assert lines and all(
        x["encoding"]["strokeDash"]["scale"] == {"domain": [rel, tru], "range": [[], [9, 5]]} for x in lines
    )
    points = [x for x in layers if x["mark"]["type"] == "point" and "shape" in x["encoding"]]
    shapes = [x["encoding"]["shape"]["scale"] for x in points if "scale" in x["encoding"]["shape"]]
    assert shapes and all(s == {"domain": [rel, tru], "range": ["circle", "square"]} for s in shapes)
    ends = [
        x
        for x in layers
        if x["mark"]["type"] == "text" and x["encoding"].get("text", {}).get("field") == "measure_label"
    ]
    assert ends
    # one name per line at its last session, on every panel: the two names apart, within the plot
    rows = [r for values in spec["datasets"].values() for r in values if r.get("row_kind") == "end"]
    panels = {r["panel"] for r in rows}
    assert len(rows) == 2 * len(panels)
    for panel in panels:
        mine = sorted((r for r in rows if r["panel"] == panel), key=lambda r: r["end_y"])
        assert {r["measure_label"] for r in mine} == {rel, tru}
        assert mine[1]["end_y"] - mine[0]["end_y"] >= 0.16 - 1e-9
        assert all(0 < r["end_y"] < 1 for r in mine)


def test_end_labels_sit_beside_their_own_line(small: pd.DataFrame) -> None:
    spec = charts.contrast_chart(small).to_dict(validate=False)
    rows = [r for values in spec["datasets"].values() for r in values if r.get("row_kind") == "end"]
    alpha = {r["measure_label"]: r["end_y"] for r in rows if r["panel"] == HOSTILE}
    assert alpha == {"Trust": pytest.approx(0.75), "Reliability": pytest.approx(0.4)}  # trust 65 % above, 50 % below
    beta = [(r["measure_label"], r["date"][:10]) for r in rows if r["panel"] == "Beta"]
    assert sorted(beta) == [("Reliability", "2025-09-16"), ("Trust", "2025-05-20")]  # each at its own last point


def test_a_line_that_ends_first_is_named_on_the_side_away_from_the_other_line_there() -> None:
    """Trust ends in May at 60 %, below reliability's 70 % then; reliability goes on to 50 % in September.

    By their last points trust is the higher line, but its name stands where reliability runs above it:
    so it goes below trust (50 %), and reliability's above its own end (the two names 16 points apart).
    """
    crossing = pd.DataFrame(
        {
            "partner": ["c", "c", "c"],
            "partner_name": ["Gamma"] * 3,
            "period_end": pd.to_datetime(["2025-01-14", "2025-05-20", "2025-09-16"]),
            "reliability": [0.75, 0.7, 0.5],
            "reliability_low": [0.6, 0.6, 0.4],
            "reliability_high": [0.85, 0.8, 0.6],
            "trust": [0.55, 0.6, None],
            "trust_low": [0.45, 0.5, None],
            "trust_high": [0.65, 0.7, None],
            "n_agreements": [4, 4, 4],
            "n_ratings": [6, 6, 0],
        }
    )
    for lang, names in [("en", ("Reliability", "Trust")), ("nl", ("Betrouwbaarheid", "Vertrouwen"))]:
        spec = charts.contrast_chart(crossing, lang).to_dict(validate=False)
        rows = [r for values in spec["datasets"].values() for r in values if r.get("row_kind") == "end"]
        ends = {r["measure_label"]: (r["date"][:10], round(r["end_y"], 6)) for r in rows}
        assert ends == {names[0]: ("2025-09-16", 0.66), names[1]: ("2025-05-20", 0.5)}, lang


# ------------------------------------------------------------------------------------------------ analysts


def _rule() -> alt.Chart:
    rule: alt.Chart = (
        alt.Chart(pd.DataFrame({"goal": [0.7]})).mark_rule(color="black", strokeDash=[2, 2]).encode(y="goal:Q")
    )
    return rule


def test_contrast_chart_layers_and_resizes_as_the_readme_says(metrics: Metrics) -> None:
    chart = charts.contrast_chart(metrics)
    assert isinstance(chart, charts.ContrastChart) and isinstance(chart, alt.ConcatChart)
    assert all(isinstance(p, alt.LayerChart) for p in chart.panels) and len(chart.panels) == 5
    layered = (chart + _rule()).properties(width=500, height=180)
    assert isinstance(layered, charts.ContrastChart)
    spec = layered.to_dict(validate=True)
    assert [p["width"] for p in spec["concat"]] == [500] * 5 and {p["height"] for p in spec["concat"]} == {180}
    assert all(p["layer"][-1]["mark"]["type"] == "rule" for p in spec["concat"])
    # the original is unchanged, and the whole chart's own properties still apply
    assert chart.to_dict(validate=False)["concat"][0]["width"] == 330
    titled = chart.properties(title="Mine")
    assert titled.to_dict(validate=True)["title"] == "Mine"
    assert render.to_svg(layered).lstrip().startswith("<svg")


def test_contrast_layer_is_one_partners_layer_chart(metrics: Metrics) -> None:
    one = charts.contrast_layer(metrics, "Meridian Motors")
    assert isinstance(one, alt.LayerChart)
    spec = (one + _rule()).properties(width=640).to_dict(validate=True)
    assert spec["width"] == 640 and spec["layer"][-1]["mark"]["type"] == "rule"
    assert spec["title"]["text"] == "Meridian Motors · Blind trust"
    assert spec["description"] == "Meridian Motors · Blind trust, at the latest session: reliability 36 %, trust 82 %."
    ends = sorted(metrics.trends["period_end"].unique())[-12:]
    mine = metrics.trends[(metrics.trends["partner"] == "meridian") & metrics.trends["period_end"].isin(ends)]
    assert charts.data_table(spec).count("<tr>") == 1 + len(mine) == 12  # the header, then each session shown
    with pytest.raises(ValueError, match="unknown partner"):
        charts.contrast_layer(metrics, "Meridain")


def test_fast_conversion_equals_altairs(metrics: Metrics) -> None:
    chart = charts.contrast_chart(metrics, lang="nl")
    fast = chart.to_dict(validate=False)
    slow = alt.ConcatChart.to_dict(chart, validate=True)
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    # a panel an analyst changed goes the usual way, and still converts
    changed = chart.copy(deep=False)
    changed.concat = [chart.panels[0].properties(width=99), *chart.panels[1:]]
    assert changed.to_dict(validate=False)["concat"][0]["width"] == 99


@pytest.mark.parametrize("fn", CHART_FUNCTIONS, ids=lambda f: f.__name__)
def test_chart_functions_are_typed_on_metrics(fn: Callable[..., Any]) -> None:
    assert "Metrics" in str(fn.__annotations__["metrics"])


def test_the_tables_look_is_one_stylesheet_on_the_dashboard_and_the_client_page(sample_url: str) -> None:
    from alliance_lens.app.dashboard import A11Y_STYLE
    from alliance_lens.charts.table import TABLE_CSS
    from alliance_lens.pages.view import preview_html

    assert ".al-data-table caption" in TABLE_CSS
    assert TABLE_CSS in A11Y_STYLE
    page = preview_html("ev-platform", db_url=sample_url)
    assert TABLE_CSS in page and page.count('<details class="al-data">') >= 4
    assert ".al-presenting details.al-data { display: none; }" in A11Y_STYLE  # the projector shows charts only


def test_a_chart_is_named_by_its_function_or_its_name_and_an_unknown_name_is_refused() -> None:
    assert charts.chart_of(charts.quadrant_chart) is charts.quadrant_chart
    assert charts.chart_of("trust_matrix_chart") is charts.trust_matrix_chart
    for wrong in ("trust_matrix", "no_such_chart", "data_table"):
        with pytest.raises(LookupError, match=repr(wrong)):
            charts.chart_of(wrong)
