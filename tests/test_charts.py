"""The charts layer: every chart validates, speaks both languages, keeps its colours, embeds aggregates only."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import pytest

from alliance_lens import charts
from alliance_lens.charts import render, theme
from alliance_lens.charts._common import compact_data, row_limit
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


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    return compute(generate_sample(), SAMPLE_ALLIANCE_ID)


def rows_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every data row a spec embeds (inline values and named datasets)."""
    rows: list[dict[str, Any]] = []
    for values in spec.get("datasets", {}).values():
        rows.extend(values)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                rows.extend(data["values"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return rows


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("fn", CHART_FUNCTIONS, ids=lambda f: f.__name__)
def test_every_chart_validates_and_draws(metrics: Metrics, fn: Callable[..., Any], lang: str) -> None:
    chart = fn(metrics, lang=lang)
    spec = chart.to_dict(validate=True)  # raises on any schema violation
    assert spec["$schema"].endswith("v6.4.1.json") or "/v6" in spec["$schema"]
    svg = render.to_svg(chart)
    assert svg.lstrip().startswith("<svg")
    # the title is drawn in the chart's language
    title = spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"]
    assert title.split(" — ")[0] in {theme.label(k, lang) for k in theme.LABELS}
    assert title.split(" — ")[0].replace("&", "&amp;") in svg


def test_theme_is_registered_and_enabled() -> None:
    assert alt.theme.active == theme.THEME_NAME
    config = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()["config"]
    assert config["axis"]["labelFontSize"] >= 14  # readable on a projector
    assert config["title"]["fontSize"] >= 20


def test_every_label_has_english_and_dutch() -> None:
    for table in (theme.LABELS, theme.PATTERN_LABELS, theme.STATUS_LABELS):
        for key, words in table.items():
            assert set(words) == {"en", "nl"}, key
            assert words["en"].strip() and words["nl"].strip(), key
    with pytest.raises(ValueError, match="language 'de'"):
        theme.label("trust", "de")


def _colour_of(spec: dict[str, Any], name: str) -> str:
    """The colour a chart's legend gives to ``name``."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            scale = node.get("scale")
            if isinstance(scale, dict) and all(isinstance(scale.get(k), list) for k in ("domain", "range")):
                found.update(dict(zip(scale["domain"], scale["range"], strict=False)))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return found[name]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_trust_and_reliability_keep_their_colours(metrics: Metrics, lang: str) -> None:
    for fn in (charts.contrast_chart, charts.alliance_contrast_chart):
        spec = fn(metrics, lang=lang).to_dict()
        assert _colour_of(spec, theme.label("reliability", lang)) == theme.RELIABILITY_COLOUR
        assert _colour_of(spec, theme.label("trust", lang)) == theme.TRUST_COLOUR
    assert theme.RELIABILITY_COLOUR != theme.TRUST_COLOUR


def test_contrast_panels_name_partner_and_pattern(metrics: Metrics) -> None:
    for lang in ("en", "nl"):
        spec = charts.contrast_chart(metrics, lang=lang).to_dict()
        panels = {r["panel"] for r in rows_of(spec)}
        assert f"Meridian Motors · {theme.pattern_label('blind_trust', lang)}" in panels
        assert f"Nordwagen AG · {theme.pattern_label('trust_lags', lang)}" in panels
        assert f"Vantage Automobiles · {theme.pattern_label('trust_shock', lang)}" in panels
        assert len(panels) == metrics.trends["partner"].nunique()


def test_contrast_marks_broken_agreements_dialogues_and_shocks(metrics: Metrics) -> None:
    rows = rows_of(charts.contrast_chart(metrics).to_dict())
    kinds = {r.get("kind") for r in rows if r["row_kind"] == "event"}
    assert kinds == {"broken_agreement", "dialogue_session"}
    shocks = [r for r in rows if r["row_kind"] == "shock"]
    assert [r["panel"].split(" · ")[0] for r in shocks] == ["Vantage Automobiles"]
    # every dialogue session of the sample appears on every partner's panel
    dialogues = metrics.events[metrics.events["kind"] == "dialogue_session"]
    n_dialogue_rows = sum(1 for r in rows if r.get("kind") == "dialogue_session")
    assert n_dialogue_rows == len(dialogues) * metrics.trends["partner"].nunique()


def test_contrast_size_follows_partners_and_periods_not_agreements(metrics: Metrics) -> None:
    spec = charts.contrast_chart(metrics).to_dict()
    n_partners = metrics.trends["partner"].nunique()
    n_periods = metrics.trends["period_end"].nunique()
    # one trend row per partner and period, at most two markers per partner and period, one per shock
    assert len(rows_of(spec)) <= n_partners * n_periods * 3 + len(metrics.patterns)
    # fifty times as many broken agreements in the same periods: markers are aggregated, the rows stay as many
    many = metrics.events.loc[metrics.events.index.repeat(50)].reset_index(drop=True)
    crowded = charts.contrast_chart(metrics.trends, patterns=metrics.patterns, events=many).to_dict()
    assert len(rows_of(crowded)) == len(rows_of(spec))
    counts = [r["n_events"] for r in rows_of(crowded) if r.get("kind") == "broken_agreement"]
    assert sum(counts) == 50 * int((metrics.events["kind"] == "broken_agreement").sum())


def test_contrast_keeps_to_a_screen_and_says_so(metrics: Metrics) -> None:
    chart = charts.contrast_chart(metrics, max_partners=2, last_periods=4)
    spec = chart.to_dict()
    trend_rows = [r for r in rows_of(spec) if r["row_kind"] == "trend"]
    assert len({r["panel"] for r in trend_rows}) == 2
    assert len({r["date"] for r in trend_rows}) == 4
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "2 of 5 partners" in subtitle and "latest 4 of 11 sessions" in subtitle
    # the two partners whose patterns call for attention first: blind trust, then the trust shock
    assert {r["panel"].split(" · ")[0] for r in trend_rows} == {"Meridian Motors", "Vantage Automobiles"}


def test_contrast_from_frames_alone(metrics: Metrics) -> None:
    chart = charts.contrast_chart(metrics.trends, patterns=metrics.patterns, events=metrics.events, lang="nl")
    assert chart.to_dict()["title"]["text"] == theme.label("contrast_title", "nl")


def test_quadrants_are_named_after_the_state_patterns(metrics: Metrics) -> None:
    cfg = metrics.config
    thresholds = (cfg.reliability_low, cfg.reliability_high, cfg.trust_low, cfg.trust_high)
    assert charts.quadrant_of(0.9, 0.9, thresholds) == "earned_trust"
    assert charts.quadrant_of(0.9, 0.1, thresholds) == "trust_lags"
    assert charts.quadrant_of(0.1, 0.9, thresholds) == "blind_trust"
    assert charts.quadrant_of(0.1, 0.1, thresholds) == "distrust"
    assert charts.quadrant_of(0.6, 0.9, thresholds) is None  # between low and high: no state claimed
    svg = render.to_svg(charts.quadrant_chart(metrics, lang="nl"))
    for pattern in ("earned_trust", "trust_lags", "blind_trust", "distrust"):
        assert theme.pattern_label(pattern, "nl") in svg
    # each partner's latest point lies in the quadrant of its state (where the sample plants one)
    latest = metrics.trends.dropna(subset=["reliability", "trust"]).sort_values("period_end").groupby("partner").last()
    assert (
        charts.quadrant_of(latest.loc["meridian", "reliability"], latest.loc["meridian", "trust"], thresholds)
        == "blind_trust"
    )


def test_trust_matrix_hides_cells_below_the_anonymity_floor(metrics: Metrics) -> None:
    latest = metrics.trust_matrix.sort_values("period_end")["session_id"].iloc[-1]
    cells = metrics.trust_matrix[metrics.trust_matrix["session_id"] == latest]
    below = cells[cells["below_floor"]]
    assert not below.empty  # Kestrel Cells rates with two respondents only
    hidden = rows_of(charts.trust_matrix_chart(metrics).to_dict())
    shown = rows_of(charts.trust_matrix_chart(metrics, hide_below_floor=False).to_dict())
    assert len(hidden) == len(shown) == len(cells)
    hidden_rows = [r for r in hidden if r["hidden"]]
    assert len(hidden_rows) == len(below)
    assert all(r.get("trust") is None and r["trust_text"] == "" for r in hidden_rows)
    assert sum(1 for r in shown if r["hidden"]) == 0
    kestrel = [r for r in shown if r["rater_name"] == "Kestrel Cells"]
    assert kestrel and all(r["trust_text"].endswith("%") for r in kestrel)


def test_trust_matrix_at_an_earlier_session_and_an_unknown_one(metrics: Metrics) -> None:
    spec = charts.trust_matrix_chart(metrics, session_id="S02").to_dict()
    assert "S02" in spec["title"]["text"]
    with pytest.raises(ValueError, match="S99"):
        charts.trust_matrix_chart(metrics, session_id="S99")


def test_timeline_shows_every_overdue_agreement(metrics: Metrics) -> None:
    rows = rows_of(charts.agreement_timeline_chart(metrics).to_dict())
    overdue = metrics.agreement_status[metrics.agreement_status["overdue"]]
    assert len(overdue) > 0
    assert sum(r["n"] for r in rows if r.get("overdue") is True) == len(overdue)
    as_of = [r for r in rows if "as_of" in r]
    assert as_of and as_of[0]["as_of"] == metrics.as_of.date().isoformat()


def test_timeline_stays_bounded_for_many_agreements(metrics: Metrics) -> None:
    many = pd.concat([metrics.agreement_status] * 40, ignore_index=True)
    many["agreement_id"] = [f"X{i}" for i in range(len(many))]
    many["due_on"] = many["due_on"] + pd.to_timedelta(many.index % 29, unit="D")
    rows = rows_of(charts.agreement_timeline_chart(many, last_periods=None).to_dict())
    marks = [r for r in rows if "n" in r]
    assert len(marks) <= charts.detail.MAX_TIMELINE_MARKS
    assert sum(r["n"] for r in marks) == len(many)


def test_reciprocity_asymmetry_lead_lag_name_partners(metrics: Metrics) -> None:
    for fn in (charts.reciprocity_chart, charts.asymmetry_chart, charts.lead_lag_chart):
        text = json.dumps(fn(metrics).to_dict())
        assert "Meridian Motors" in text and "meridian" not in text.replace("Meridian", "")


def test_analysts_can_layer_filter_and_restyle(metrics: Metrics) -> None:
    base = charts.quadrant_chart(metrics)
    target = (
        alt.Chart(pd.DataFrame({"x": [0.8], "y": [0.8]})).mark_point(shape="cross", size=400).encode(x="x:Q", y="y:Q")
    )
    layered = (base + target).properties(title="Target").configure_view(strokeWidth=1)
    render.to_svg(layered)
    only = charts.contrast_chart(metrics, partners=["solara"])
    panels = {r["panel"] for r in rows_of(only.to_dict())}
    assert panels == {"Solara Cars · Earned trust"}


def test_compact_data_keeps_altairs_row_limit() -> None:
    limit = row_limit()
    assert limit == 5000  # importing the charts did not switch Altair's limit off or change it
    with pytest.raises(alt.MaxRowsError):
        compact_data(pd.DataFrame({"a": range(limit + 1)}))
    data = compact_data(pd.DataFrame({"a": [1.23456789, None], "b": ["x", None]}))
    assert data.to_dict()["values"] == [{"a": 1.2346, "b": "x"}, {}]


def test_a_bad_frame_gets_a_clear_message(metrics: Metrics) -> None:
    with pytest.raises(ValueError, match=r"lacks column.*trust_high"):
        charts.contrast_chart(metrics.trends.drop(columns=["trust_high"]))
    with pytest.raises(TypeError, match="Metrics object or a DataFrame"):
        charts.reciprocity_chart(42)


def test_asymmetry_puts_the_whole_alliance_first(metrics: Metrics) -> None:
    spec = charts.asymmetry_chart(metrics, lang="nl").to_dict()
    whole = [r for r in rows_of(spec) if r.get("partner_name") == theme.label("alliance_short", "nl")]
    expected = metrics.alliance_asymmetry.set_index("after")["mean_change"]
    assert {r["after"]: round(r["mean_change"], 6) for r in whole} == {
        k: round(float(v), 6) for k, v in expected.items()
    }
    sort = spec["layer"][0]["encoding"]["y"]["sort"]
    assert sort[0] == theme.label("alliance_short", "nl")


def _panels(chart: charts.ContrastChart) -> list[str]:
    return [p["title"]["text"].split(" · ")[0] for p in chart.to_dict(validate=False)["concat"]]


def test_contrast_partners_by_id_or_name_and_unknown_ones_refused(metrics: Metrics) -> None:
    by_name = charts.contrast_chart(metrics, partners=["Meridian Motors"])
    by_id = charts.contrast_chart(metrics, partners=["meridian"])
    assert _panels(by_name) == _panels(by_id) == ["Meridian Motors"]
    with pytest.raises(ValueError, match=r"unknown partner\(s\) 'Meridain Motors'; known partners: Kestrel Cells"):
        charts.contrast_chart(metrics, partners=["Meridain Motors"])
    with pytest.raises(ValueError, match=r"partners=\[\] selects no partner; known partners: .*Solara Cars \(solara\)"):
        charts.contrast_chart(metrics, partners=[])


def test_contrast_panels_come_most_concerning_first_and_dates_name_the_year(metrics: Metrics) -> None:
    chart = charts.contrast_chart(metrics)
    panels = _panels(chart)
    assert panels[0] == "Meridian Motors" and panels[-1] == "Kestrel Cells"  # blind trust first, no data last
    assert "timeFormat(datum.value, '%Y')" in json.dumps(chart.to_dict(validate=False))


def test_trend_charts_carry_a_one_line_text_alternative(metrics: Metrics) -> None:
    spec = charts.contrast_chart(metrics).to_dict(validate=False)
    assert spec["description"].startswith(
        "Reliability against trust, per partner, at the latest session: Meridian Motors (Blind trust): reliability "
    )
    assert "\n" not in spec["description"] and "nan" not in spec["description"].lower()
    nl = charts.alliance_contrast_chart(metrics, lang="nl").to_dict(validate=False)
    assert nl["description"] == (
        "Betrouwbaarheid tegenover vertrouwen, de hele alliantie, bij de laatste sessie: "
        "betrouwbaarheid 73 %, vertrouwen 62 %."
    )


def test_contrast_ratio_is_wcag() -> None:
    # the WCAG 2.1 reference points: black on white 21:1, white on white 1:1, and the old marks' figures
    assert theme.contrast_ratio("#000000") == pytest.approx(21.0)
    assert theme.contrast_ratio("#FFFFFF") == pytest.approx(1.0)
    assert round(theme.contrast_ratio("#E69F00"), 2) == 2.25  # the old trust orange
    assert round(theme.contrast_ratio("#999999"), 2) == 2.85  # the old gap grey
    assert round(theme.contrast_ratio("#F0E442"), 2) == 1.32  # the old renegotiated yellow


def test_every_mark_colour_has_3_to_1_contrast_on_white() -> None:
    ratios = {name: round(theme.contrast_ratio(colour), 2) for name, colour in theme.mark_colours().items()}
    assert {k: v for k, v in ratios.items() if v < 3.0} == {}
    # pinned: the two measures and the markers of the contrast charts
    assert ratios["reliability"] == 5.19
    assert ratios["trust"] == 4.51
    assert ratios["gap"] == 4.54
    assert ratios["broken"] == 8.73
    assert ratios["dialogue"] == 5.34
    assert ratios["shock"] == 5.26
    assert ratios["status_renegotiated"] == 4.24


def test_marks_of_every_chart_use_only_palette_colours(metrics: Metrics) -> None:
    # white: outlines between cells; #DDDDDD: the fill of a matrix cell hidden under the anonymity floor
    allowed = {c.upper() for c in theme.mark_colours().values()} | {"#FFFFFF", "#DDDDDD"}
    for fn in CHART_FUNCTIONS:
        spec = fn(metrics, lang="en").to_dict(validate=False)
        spec.pop("config", None)  # the theme's grid and axis greys are not marks
        found = {c.upper() for c in re.findall(r'"(#[0-9A-Fa-f]{6})"', json.dumps(spec))}
        assert found - allowed == set(), fn.__name__


def test_charts_leave_mark_by_mark_aria_to_the_description() -> None:
    config = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()["config"]
    assert config["aria"] is False and config["mark"] == {"aria": False}


def test_the_overdue_table_lists_the_open_agreements_past_due_most_overdue_first() -> None:
    from alliance_lens.charts.table import overdue_table

    status = pd.DataFrame(
        {
            "agreement_id": ["A3", "A2", "A1", "A4", "A5"],
            "title": ["Share the <forecast>", "Host the day", "Book the room", "Kept one", "Undated"],
            "owner_name": ["Solara & Co", "Kestrel", "Kestrel", "Solara", "Nordwagen"],
            "due_on": pd.to_datetime(["2026-08-07", "2026-08-07", "2026-09-01", "2026-07-01", None]),
            "status": ["open", "open", "open", "kept", "open"],
            "overdue": [True, True, True, False, pd.NA],
        }
    )
    heads = ["Agreement", "Owner", "Due on", "Status"]
    table = overdue_table(status, heads, "nl")
    # the earliest due first, ties by id; the kept one and the one whose overdue is unknown are not listed
    assert re.findall(r'class="al-overdue-row al-overdue-(\w+)"', table) == ["A2", "A3", "A1"]
    assert (
        '<tr class="al-overdue-row al-overdue-A3"><td>Share the &lt;forecast&gt;</td><td>Solara &amp; Co</td>'
        "<td>2026-08-07</td><td>Open</td></tr>" in table
    )
    assert table.startswith(
        '<table class="al-overdue-table"><tr><th>Agreement</th><th>Owner</th><th>Due on</th><th>Status</th></tr>'
    )
    broken = status.assign(status="broken")
    assert "<td>Verbroken</td>" in overdue_table(broken, heads, "nl")
    assert "<td>Broken</td>" in overdue_table(broken, heads, "en")
    assert overdue_table(status.assign(overdue=False), heads) == ""
    assert overdue_table(status.iloc[:0], heads) == ""
    assert overdue_table(None, heads) == ""


def test_a_new_alliance_with_partners_and_no_session_yet_draws_every_chart() -> None:
    # what the facilitator sees right after adding the partners: every chart drawn, the contrast saying so
    from alliance_lens.model import AllianceData

    sample = generate_sample()
    fresh = compute(AllianceData(alliances=sample.alliances, partners=sample.partners), SAMPLE_ALLIANCE_ID)
    for fn in CHART_FUNCTIONS:
        fn(fresh).to_dict(validate=True)
    contrast = charts.contrast_chart(fresh)
    assert contrast.description == "Reliability against trust, per partner — no data yet."
    assert "<tbody></tbody>" in charts.data_table(contrast)
