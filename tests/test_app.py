"""The facilitator's dashboard without a browser: build the views, set values, click, check store and state."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest

from alliance_lens import store, synth
from alliance_lens.app import forms
from alliance_lens.app.dashboard import FacilitatorDashboard
from alliance_lens.app.i18n import LABELS
from alliance_lens.app.state import DashboardState
from alliance_lens.model import Session


@pytest.fixture(scope="module")
def sample():
    return synth.generate_sample()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory, sample) -> Path:
    """A workspace file holding the sample, made once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("sample") / "workspace.sqlite"
    ws = store.Workspace.open(f"sqlite:///{path}")
    ws.import_data(sample)
    ws.close()
    return path


@pytest.fixture
def db_url(tmp_path: Path, sample_db: Path) -> str:
    copy = tmp_path / "workspace.sqlite"
    shutil.copyfile(sample_db, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def workspace(db_url: str) -> Iterator[store.Workspace]:
    ws = store.Workspace.open(db_url)
    yield ws
    ws.close()


#: The day of the sample's last session (S11): the meeting in which these tests enter things.
MEETING_DAY = dt.date(2026, 8, 25)


@pytest.fixture
def dash(workspace) -> FacilitatorDashboard:
    """The whole dashboard, every chart drawn."""
    return FacilitatorDashboard(DashboardState(workspace, today=lambda: MEETING_DAY))


@pytest.fixture
def lean(workspace) -> FacilitatorDashboard:
    """The dashboard with no chart, for tests of the forms alone (drawing charts is what takes time)."""
    return FacilitatorDashboard(DashboardState(workspace, today=lambda: MEETING_DAY), charts=())


def _aid(dash: FacilitatorDashboard) -> str:
    assert dash.state.alliance_id is not None
    return dash.state.alliance_id


def _messages(form: forms.Form) -> dict[str, str]:
    return {c: f.message.value for c, f in form.fields.items() if f.message.value}


def test_state_holds_the_selected_alliance_its_data_and_metrics(dash: FacilitatorDashboard, workspace) -> None:
    state = dash.state
    aid = _aid(dash)
    assert [a for _, a in state.alliances] == list(workspace.alliances()["alliance_id"])
    assert len(state.data.agreements) == len(workspace.load(aid).agreements)
    assert state.metrics is not None and state.metrics.alliance_id == aid
    assert state.revision == workspace.revision(aid)
    assert not state.busy and not state.error
    # every chart was drawn as an SVG, none failed
    for chart in dash.charts:
        assert "<svg" in chart.widget.value, chart.css
    assert "al-pattern-card" in dash.patterns.cards.value


def test_new_agreement_lands_in_store_and_state(lean: FacilitatorDashboard, workspace) -> None:
    form = lean.form(forms.AgreementForm)
    aid = _aid(lean)
    before = len(workspace.load(aid).agreements)
    generation = lean.state.generation
    new_id = form.agreement_id.value
    assert form.made_on.value == lean.state.data.sessions["date"].max().date()  # made on = current session
    form.title.value = "Share the test bench schedule"
    form.kind.value = "process"
    form.owner.value = form.owner.options[1][1]
    form.beneficiaries.value = (form.beneficiaries.options[0][1],)
    form.due_on.value = form.made_on.value + dt.timedelta(days=30)
    form.save.click()

    stored = workspace.load(aid).agreements
    assert len(stored) == before + 1
    row = stored[stored["agreement_id"] == new_id].iloc[0]
    assert row["title"] == "Share the test bench schedule" and row["kind"] == "process"
    assert new_id in set(lean.state.data.agreements["agreement_id"])
    assert new_id in set(lean.state.metrics.agreement_status["agreement_id"])
    assert lean.state.generation == generation + 1  # reloaded and recomputed once
    assert "Share the test bench schedule" in form.status.value
    # ready for the next one: title cleared, a fresh id
    assert form.title.value == "" and form.agreement_id.value != new_id


def test_bad_agreement_shows_messages_beside_fields_and_writes_nothing(lean: FacilitatorDashboard, workspace) -> None:
    form = lean.form(forms.AgreementForm)
    aid = _aid(lean)
    revision = workspace.revision(aid)
    form.title.value = "   "
    form.due_on.value = None
    form.save.click()
    assert set(_messages(form)) == {"title", "due_on"}
    assert "al-invalid" in form.fields["title"].box._dom_classes
    assert workspace.revision(aid) == revision

    # due before made: the model's own check, shown beside the due date
    form.title.value = "Deliver the report"
    form.due_on.value = form.made_on.value - dt.timedelta(days=1)
    form.save.click()
    assert set(_messages(form)) == {"due_on"}
    assert "before" in form.fields["due_on"].message.value
    assert workspace.revision(aid) == revision

    # an id already taken: refused by the store, nothing written, the reason shown
    form.due_on.value = form.made_on.value
    form.agreement_id.value = str(lean.state.data.agreements["agreement_id"].iloc[0])
    form.save.click()
    assert workspace.revision(aid) == revision
    assert _messages(form) or "al-error" in form.status._dom_classes
    # fixing the fields clears the messages
    form.agreement_id.value = forms.next_id(list(lean.state.data.agreements["agreement_id"]), "A")
    form.save.click()
    assert not _messages(form)
    assert workspace.revision(aid) > revision


def _overdue_open(dash: FacilitatorDashboard) -> pd.Series:
    status = dash.state.metrics.agreement_status
    open_due = status[(status["status"] == "open") & status["overdue"].astype(bool)]
    assert not open_due.empty, "the sample has overdue open agreements"
    return open_due.iloc[0]


def test_marking_an_agreement_broken_updates_metrics_and_charts(dash: FacilitatorDashboard, workspace) -> None:
    form = dash.form(forms.OutcomeForm)
    agreement = _overdue_open(dash)
    owner = agreement["owner"]
    events = dash.state.metrics.events
    n_broken = len(events[(events["partner"] == owner) & (events["kind"] == "broken_agreement")])
    contrast = dash.charts[0]
    svg_before, renders = contrast.widget.value, contrast.renders
    overdue_before = dash.overdue.widget.value
    assert agreement["title"] in overdue_before

    form.owner_filter.value = owner
    css = f"al-outcome-{forms._css_id(agreement['agreement_id'])}"
    row = next(r for r in form.rows.children if css in r._dom_classes)
    broken = next(b for b in row.children if "al-mark-broken" in getattr(b, "_dom_classes", ()))
    broken.click()

    outcomes = workspace.load(_aid(dash)).outcomes
    mine = outcomes[outcomes["agreement_id"] == agreement["agreement_id"]]
    assert list(mine["status"])[-1] == "broken"
    status = dash.state.metrics.agreement_status.set_index("agreement_id").loc[agreement["agreement_id"]]
    assert status["status"] == "broken"
    # an overdue open agreement already counts against reliability; broken, it becomes a marker on the chart
    events = dash.state.metrics.events
    assert len(events[(events["partner"] == owner) & (events["kind"] == "broken_agreement")]) == n_broken + 1
    # the chart was redrawn with the new figures, the overdue list lost the agreement, the row left the form
    assert contrast.renders == renders + 1 and contrast.widget.value != svg_before
    assert agreement["title"] not in dash.overdue.widget.value
    assert all(
        f"al-outcome-{forms._css_id(agreement['agreement_id'])}" not in r._dom_classes for r in form.rows.children
    )
    # only the row's own widgets were closed: the page around it is alive
    assert dash.widget.comm is not None and contrast.widget.comm is not None
    assert all(r.comm is not None for r in form.rows.children)


def test_pattern_cards_follow_the_metrics(dash: FacilitatorDashboard) -> None:
    patterns = dash.state.metrics.patterns
    html_en = dash.patterns.cards.value
    for row in patterns.itertuples():
        assert f"al-pattern-{row.pattern}" in html_en
    first = patterns.iloc[0]
    assert str(first["explanation_en"])[:40].replace("'", "&#x27;") in html_en
    dash.state.language = "nl"
    assert str(first["explanation_nl"])[:40].replace("'", "&#x27;") in dash.patterns.cards.value


def test_rating_grid_saves_all_cells_at_once(lean: FacilitatorDashboard, workspace) -> None:
    grid = lean.form(forms.RatingGrid)
    aid = _aid(lean)
    partners = list(lean.state.data.partners["partner_id"])
    assert len(grid.cells) == len(partners) * (len(partners) - 1)
    before = len(workspace.load(aid).trust_ratings)
    session = grid.session.value
    assert session == lean.state.data.sessions.sort_values("date")["session_id"].iloc[-1]
    lo, hi = lean.state.alliance.trust_min, lean.state.alliance.trust_max
    cells = list(grid.cells.items())
    for (_rater, _ratee), cell in cells[:5]:
        cell.value = f"{hi:g}"
    cells[5][1].value = "7,5" if lo <= 7.5 <= hi else f"{lo:g}"  # a comma decimal is accepted
    grid.respondent.value = "programme lead"
    grid.save.click()

    ratings = workspace.load(aid).trust_ratings
    assert len(ratings) == before + 6
    new = ratings[(ratings["session_id"] == session) & (ratings["respondent"] == "programme lead")]
    assert len(new) >= 6
    (rater, ratee), _ = cells[0]
    assert hi in set(new[(new["rater"] == rater) & (new["ratee"] == ratee)]["score"])
    assert all(cell.value == "" for cell in grid.cells.values())  # emptied for the next respondent
    assert len(lean.state.data.trust_ratings) == before + 6


def test_low_ratings_change_the_pattern_cards(dash: FacilitatorDashboard) -> None:
    grid = dash.form(forms.RatingGrid)
    cards = dash.patterns.cards.value
    contrast = dash.charts[0].widget.value
    for cell in grid.cells.values():
        cell.value = f"{dash.state.alliance.trust_min:g}"
    grid.respondent.value = "a sceptic"
    grid.save.click()
    assert "al-error" not in grid.status._dom_classes
    assert dash.patterns.cards.value != cards
    assert dash.charts[0].widget.value != contrast


def test_rating_grid_refuses_bad_cells_and_writes_nothing(lean: FacilitatorDashboard, workspace) -> None:
    grid = lean.form(forms.RatingGrid)
    aid = _aid(lean)
    revision = workspace.revision(aid)
    hi = lean.state.alliance.trust_max
    cells = list(grid.cells.values())
    cells[0].value = "3"
    cells[1].value = "lots"
    cells[2].value = f"{hi + 1:g}"
    grid.save.click()
    assert workspace.revision(aid) == revision
    assert "al-invalid" in cells[1]._dom_classes and "al-invalid" in cells[2]._dom_classes
    assert "al-invalid" not in cells[0]._dom_classes
    assert "not a number" in grid.status.value and "outside the scale" in grid.status.value
    for c in cells:
        c.value = ""
    grid.save.click()
    assert "at least one" in grid.status.value
    assert workspace.revision(aid) == revision


def test_undo_asks_first_then_takes_back_the_last_change(lean: FacilitatorDashboard, workspace) -> None:
    form = lean.form(forms.AgreementForm)
    aid = _aid(lean)
    new_id = form.agreement_id.value
    form.title.value = "An agreement to take back"
    form.due_on.value = form.made_on.value
    form.save.click()
    assert new_id in set(workspace.load(aid).agreements["agreement_id"])
    revision = workspace.revision(aid)
    lean.undo.click()  # asks, names it, undoes nothing yet
    assert lean.undo_confirm.layout.display is None
    assert lean.undo_question.value == "Undo the new agreement “An agreement to take back”?"
    assert workspace.revision(aid) == revision
    lean.undo_no.click()  # kept
    assert lean.undo_confirm.layout.display == "none" and workspace.revision(aid) == revision
    lean.undo.click()
    lean.undo_yes.click()
    assert new_id not in set(workspace.load(aid).agreements["agreement_id"])
    assert new_id not in set(lean.state.data.agreements["agreement_id"])
    assert lean.state.message == "Undone: the new agreement “An agreement to take back”" and not lean.state.error
    assert form.status.value == ""  # its "Saved: …" went with the agreement
    assert lean.undo_confirm.layout.display == "none"


def test_undo_never_shows_a_rating_and_names_things_by_name(lean: FacilitatorDashboard, workspace) -> None:
    grid = lean.form(forms.RatingGrid)
    (rater, ratee), cell = next(iter(grid.cells.items()))
    cell.value = "2,35"
    list(grid.cells.values())[1].value = "4.65"
    grid.save.click()
    assert "2 trust ratings" in grid.status.value
    lean.undo.click()
    asked = lean.undo_question.value
    assert asked == "Undo 2 trust ratings of session “Review: eighteen months of the platform”?"
    lean.undo_yes.click()
    told = lean.state.message
    assert told == "Undone: 2 trust ratings of session “Review: eighteen months of the platform”"
    for text in (asked, told, re.sub(r"<[^>]+>", "", lean.status.widget.value), grid.status.value):
        for secret in ("2.35", "2,35", "4.65", "4,65", "=", rater, ratee, "S11"):
            assert secret not in text, (secret, text)
    # an outcome and a partner, told by their names in Dutch
    lean.language.value = "nl"
    outcome = lean.form(forms.OutcomeForm)
    first = outcome.open_agreements().iloc[0]
    assert outcome.mark(str(first["agreement_id"]), "broken")
    lean.undo.click()
    assert lean.undo_question.value == f"de uitkomst “Verbroken” van “{first['title']}” ongedaan maken?"
    lean.undo_yes.click()
    assert lean.state.message == f"Ongedaan gemaakt: de uitkomst “Verbroken” van “{first['title']}”"


def test_undo_refuses_when_another_tab_changed_something_meanwhile(lean: FacilitatorDashboard, db_url: str) -> None:
    aid = _aid(lean)
    sf = lean.form(forms.SessionForm)
    sf.pick.value = ""
    sf.title.value = "Mine"
    sf.save.click()
    lean.undo.click()
    assert "“Mine”" in lean.undo_question.value
    other = store.Workspace.open(db_url)
    try:
        other.add(Session(aid, "S-theirs", dt.date(2030, 1, 1), "Theirs"))
    finally:
        other.close()
    lean.undo_yes.click()
    assert "nothing was undone" in lean.state.error
    assert {"S-theirs"} <= set(store.Workspace.open(db_url).load(aid).sessions["session_id"])


def test_presentation_mode_shows_no_message_form_or_undo(lean: FacilitatorDashboard) -> None:
    lean.undo.click()
    lean.presentation.value = True
    for w in (lean.tabs, lean.status.widget, lean.undo, lean.undo_confirm):
        assert w.layout.display == "none"
    lean.presentation.value = False
    assert lean.status.widget.layout.display is None and lean.undo.layout.display is None


def test_no_exception_escapes_a_callback(
    lean: FacilitatorDashboard, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(lean.state.workspace, "add", broken)
    form = lean.form(forms.AgreementForm)
    form.title.value = "Anything"
    form.due_on.value = form.made_on.value
    with caplog.at_level(logging.ERROR, logger="alliance_lens.app"):
        form.save.click()  # must not raise
    assert "Something went wrong" in form.status.value
    assert "Traceback" not in form.status.value and "disk on fire" not in form.status.value
    assert any("disk on fire" in (r.exc_text or "") or r.exc_info for r in caplog.records)

    monkeypatch.setattr(lean.state.workspace, "undo", broken)
    lean.undo.click()
    lean.undo_yes.click()
    assert lean.state.error.startswith("Something went wrong")


def test_language_switch_relabels_everything(lean: FacilitatorDashboard) -> None:
    lean.language.value = "nl"
    assert lean.state.language == "nl"
    assert lean.tabs.titles[0] == LABELS["tab_agreement"]["nl"]
    assert lean.form(forms.AgreementForm).save.description == LABELS["add_agreement"]["nl"]
    assert lean.undo.description == LABELS["undo"]["nl"]
    outcome_buttons = [b.description for r in lean.form(forms.OutcomeForm).rows.children for b in r.children[1:]]
    assert LABELS["status_broken"]["nl"] in outcome_buttons
    lean.language.value = "en"
    assert lean.tabs.titles[0] == LABELS["tab_agreement"]["en"]


def test_every_label_exists_in_both_languages() -> None:
    for key, entry in LABELS.items():
        assert set(entry) == {"en", "nl"} and all(entry.values()), key


def test_presentation_mode_hides_the_forms(lean: FacilitatorDashboard) -> None:
    lean.presentation.value = True
    assert lean.state.presentation
    assert lean.tabs.layout.display == "none"
    assert "al-presenting" in lean.widget._dom_classes
    lean.presentation.value = False
    assert lean.tabs.layout.display is None


def test_polling_shows_writes_of_another_kernel(lean: FacilitatorDashboard, db_url: str) -> None:
    aid = _aid(lean)
    assert lean.state.poll() is False  # nothing changed
    other = store.Workspace.open(db_url)
    try:
        other.add(Session(aid, "S-other", dt.date(2030, 1, 1), "Written elsewhere"))
    finally:
        other.close()
    assert lean.state.poll() is True
    assert "S-other" in set(lean.state.data.sessions["session_id"])
    session_form = lean.form(forms.SessionForm)
    assert "S-other" in {v for _, v in session_form.pick.options}


def test_partner_and_session_forms_add_and_edit(lean: FacilitatorDashboard, workspace) -> None:
    aid = _aid(lean)
    pf = lean.form(forms.PartnerForm)
    pf.pick.value = ""
    pf.partner_id.value = "harbour"
    pf.name.value = "Harbour Batteries"
    pf.save.click()
    partners = workspace.load(aid).partners
    assert "Harbour Batteries" in set(partners["name"])
    assert ("Harbour Batteries", "harbour") in lean.form(forms.AgreementForm).owner.options
    # rename it, then record that it shared its goals
    pf.pick.value = "harbour"
    pf.name.value = "Harbour Battery Works"
    pf.save.click()
    pf.goals_on.value = dt.date(2025, 9, 1)
    pf.mark_goals.click()
    row = workspace.load(aid).partners.set_index("partner_id").loc["harbour"]
    assert row["name"] == "Harbour Battery Works"
    assert pd.Timestamp(row["goals_shared_on"]).date() == dt.date(2025, 9, 1)
    assert len(lean.form(forms.RatingGrid).cells) == len(partners) * (len(partners) - 1)

    sf = lean.form(forms.SessionForm)
    sf.pick.value = ""
    sf.session_id.value = "S-new"
    sf.date.value = dt.date(2030, 2, 1)
    sf.title.value = "Dialogue on what we believe"
    sf.kind.value = "dialogue"
    sf.save.click()
    sessions = workspace.load(aid).sessions.set_index("session_id")
    assert sessions.loc["S-new", "kind"] == "dialogue"
    # the newest session becomes the default for new agreements and for the rating grid
    assert lean.form(forms.AgreementForm).made_on.value == dt.date(2030, 2, 1)
    assert lean.form(forms.RatingGrid).session.value == "S-new"
    sf.pick.value = "S-new"
    sf.title.value = "Dialogue, renamed"
    sf.save.click()
    assert workspace.load(aid).sessions.set_index("session_id").loc["S-new", "title"] == "Dialogue, renamed"


def test_the_dashboard_has_no_entry_widgets_when_there_is_no_alliance(tmp_path: Path) -> None:
    ws = store.Workspace.open(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        d = FacilitatorDashboard(DashboardState(ws))
        assert d.state.alliance_id is None and d.state.metrics is None
        assert "import" in d.state.message
        d.form(forms.AgreementForm).save.click()  # nothing to save into: one sentence, no exception
        assert d.form(forms.AgreementForm).status.value
    finally:
        ws.close()


def test_next_id_follows_the_existing_style() -> None:
    assert forms.next_id(["A001", "A002", "A010"], "X") == "A011"
    assert forms.next_id([], "S") == "S1"
    assert forms.next_id(["S1", "S2", "kickoff"], "S") == "S3"


def test_widgets_are_findable_by_class(dash: FacilitatorDashboard) -> None:
    def walk(w: widgets.Widget) -> Iterator[widgets.Widget]:
        yield w
        for c in getattr(w, "children", ()):
            yield from walk(c)

    classes = {c for w in walk(dash.widget) for c in getattr(w, "_dom_classes", ())}
    for needed in (
        "al-dashboard",
        "al-alliance-picker",
        "al-language",
        "al-presentation-toggle",
        "al-undo",
        "al-chart-contrast",
        "al-chart-quadrant",
        "al-patterns",
        "al-overdue",
        "al-agreement-save",
        "al-rating-grid",
        "al-status",
    ):
        assert needed in classes, needed


def test_in_a_kernel_the_main_chart_redraws_at_once_and_the_rest_follow(workspace) -> None:
    """With an event loop running (as in a kernel), a save returns after the main chart; the others follow."""
    import asyncio

    dash = FacilitatorDashboard(
        DashboardState(workspace), charts=(("contrast", "contrast_chart"), ("timeline", "agreement_timeline_chart"))
    )
    dash.state.defer = True
    main, timeline = dash.charts
    form = dash.form(forms.AgreementForm)
    form.title.value = "Book the demo day venue"
    form.due_on.value = form.made_on.value + dt.timedelta(days=10)
    seen: list[str] = []

    async def save() -> None:
        before = (main.renders, timeline.renders)
        form.save.click()
        # returned: the store and the main chart are up to date, the timeline is still to come, progress shows
        assert dash.state.pending == 1 and timeline.renders == before[1]
        seen.append(dash.status.widget.value)
        while dash.state.pending:
            await asyncio.sleep(0)
        assert timeline.renders == before[1] + 1

    asyncio.run(save())
    assert "al-spinner" in seen[0]
    assert "al-spinner" not in dash.status.widget.value


def test_the_browser_renderer_sends_specifications(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alliance_lens.app import vega

    bundle = tmp_path / "bundle.js"
    bundle.write_text("window.vegaEmbed = () => null;")  # building the real one takes seconds: not this test's job
    monkeypatch.setattr(vega, "bundle_path", lambda: bundle)
    dash = FacilitatorDashboard(DashboardState(workspace), charts=(("contrast", "contrast_chart"),), renderer="browser")
    chart = dash.charts[0]
    assert isinstance(chart.widget, vega.VegaChart) and "al-chart-contrast" in chart.widget._dom_classes
    assert chart.widget.spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    loaders = [w for w in dash.widget.children[-1].children[0].children if isinstance(w, vega.VegaLoader)]
    assert len(loaders) == 1 and loaders[0].bundle.startswith("window.vegaEmbed")
    spec = chart.widget.spec
    dash.state.language = "nl"
    assert chart.widget.spec != spec and "Betrouwbaarheid" in chart.content


def test_enter_saves_once_the_typed_value_has_arrived(lean: FacilitatorDashboard, workspace) -> None:
    """The page sends Enter's 'submit' before the value it commits: the save waits for that value."""
    import asyncio

    form = lean.form(forms.AgreementForm)
    aid = _aid(lean)
    assert form.title.continuous_update is False
    form.due_on.value = form.made_on.value
    new_id = form.agreement_id.value

    async def type_and_press_enter() -> None:
        form.title._handle_custom_msg({"event": "submit"}, [])  # as the page sends it, before the value
        assert new_id not in set(workspace.load(aid).agreements["agreement_id"])  # not saved with an empty title
        form.title.value = "Agree on the press release"  # the value Enter committed arrives
        await asyncio.sleep(0)

    asyncio.run(type_and_press_enter())
    stored = workspace.load(aid).agreements.set_index("agreement_id")
    assert stored.loc[new_id, "title"] == "Agree on the press release"
    assert not _messages(form)


def _stored_outcome(workspace, aid: str, agreement_id: str) -> tuple[dt.date, str]:
    outcomes = workspace.load(aid).outcomes
    row = outcomes[outcomes["agreement_id"] == agreement_id].iloc[-1]
    return pd.Timestamp(row["date"]).date(), str(row["status"])


def test_entry_dates_default_to_the_session_being_worked_on_else_today(workspace) -> None:
    # the sample's last session is S11 on 2026-08-25; "today" is 2026-12-03: no session is current
    today = dt.date(2026, 12, 3)
    dash = FacilitatorDashboard(DashboardState(workspace, today=lambda: today), charts=())
    aid = _aid(dash)
    outcome, agreement, grid = dash.form(forms.OutcomeForm), dash.form(forms.AgreementForm), dash.form(forms.RatingGrid)
    assert dash.state.session_id is None
    assert outcome.date.value == today and agreement.made_on.value == today
    assert "today" in outcome.date_default.note.value and "today" in agreement.made_on_default.note.value
    assert grid.session.value == "S11"  # ratings need a session: the latest one

    # a new session dated 2026-12-01 (the meeting of two days ago): outcomes and ratings follow it, visibly
    sf = dash.form(forms.SessionForm)
    sf.pick.value = ""
    sf.session_id.value = "S12"
    sf.date.value = dt.date(2026, 12, 1)
    sf.title.value = "Quarterly review"
    sf.save.click()
    assert dash.state.session_id == "S12"
    assert outcome.date.value == dt.date(2026, 12, 1)
    assert agreement.made_on.value == dt.date(2026, 12, 1)
    assert "Quarterly review" in outcome.date_default.note.value
    assert grid.session.value == "S12"

    # marked broken: stored with the session's date, not S11's (2026-08-25) nor today's
    first = outcome.open_agreements().iloc[0]
    assert outcome.mark(str(first["agreement_id"]), "broken")
    assert _stored_outcome(workspace, aid, str(first["agreement_id"])) == (dt.date(2026, 12, 1), "broken")

    # a date the facilitator picked stays through other saves, and the note no longer claims it is the session's
    outcome.date.value = dt.date(2026, 11, 28)
    assert outcome.date_default.note.value == ""
    second = outcome.open_agreements().iloc[0]
    assert outcome.mark(str(second["agreement_id"]), "kept")
    assert outcome.date.value == dt.date(2026, 11, 28)
    assert _stored_outcome(workspace, aid, str(second["agreement_id"])) == (dt.date(2026, 11, 28), "kept")

    # picking another session in the rating grid makes it the one worked on: the outcome date follows
    grid.session.value = "S11"
    assert dash.state.session_id == "S11"
    assert outcome.date.value == dt.date(2026, 8, 25)
    dash.language.value = "nl"
    assert "de datum van sessie" in outcome.date_default.note.value


def test_a_recent_session_is_current_an_older_one_is_not(workspace) -> None:
    # S11 is 2026-08-25: 14 days later it is still the session worked on, 15 days later it is not
    recent = DashboardState(workspace, today=lambda: dt.date(2026, 9, 8))
    assert recent.session_id == "S11" and recent.entry_date()[0] == dt.date(2026, 8, 25)
    late = DashboardState(workspace, today=lambda: dt.date(2026, 9, 9))
    assert late.session_id is None and late.entry_date()[0] == dt.date(2026, 9, 9)
    # a session planned for later is not the one worked on either
    before = DashboardState(workspace, today=lambda: dt.date(2026, 8, 24))
    assert before.session_id is None and before.entry_date()[0] == dt.date(2026, 8, 24)


def test_a_kernel_whose_page_is_gone_or_hidden_stops_polling(lean: FacilitatorDashboard, db_url: str) -> None:
    aid = _aid(lean)
    state = lean.state
    lean.presence._on_msg(lean.presence, {"event": "gone"}, [])
    other = store.Workspace.open(db_url)
    try:
        other.add(Session(aid, "S-while-gone", dt.date(2030, 1, 1), "Written while the tab was closed"))
    finally:
        other.close()
    assert state.poll() is False  # closed: nothing read, nothing redrawn
    assert "S-while-gone" not in set(state.data.sessions["session_id"])
    lean.presence._on_msg(lean.presence, {"event": "hidden"}, [])
    assert state.poll() is False  # a background tab neither
    lean.presence._on_msg(lean.presence, {"event": "here"}, [])  # shown again: what changed shows at once
    assert "S-while-gone" in set(state.data.sessions["session_id"])
    # a page silent for longer than a background tab's slowest heartbeat counts as gone
    state._page_seen -= state.page_silent_after + 1
    assert not state.page_present()


def test_headline_names_each_partner_most_concerning_first(dash: FacilitatorDashboard) -> None:
    from alliance_lens.charts.headline import headline

    board = headline(dash.state.metrics)
    names = list(board["partner_name"])
    assert names[0] == "Meridian Motors" and names[-1] == "Kestrel Cells"  # blind trust first, no data last
    html_text = dash.headline.widget.value
    assert html_text.index("Meridian Motors") < html_text.index("Kestrel Cells")
    first = board.iloc[0]
    assert f"{first['reliability'] * 100:.0f} %" in html_text and "NaN" not in html_text
    # "now" is what the state was judged on: the board, the card's short text and its explanation give one figure
    # (not the trend's last point, 36 % and 82 % here); the arrows are the trend's latest change
    meridian = dash.state.metrics.partner_states.set_index("partner").loc["meridian"]
    assert (round(first["reliability"], 6), round(first["trust"], 6)) == (
        round(meridian["reliability"], 6),
        round(meridian["trust"], 6),
    )
    row = re.search(r'<tr class="al-headline-row al-state-blind_trust">.*?</tr>', html_text)
    assert row and re.findall(r"<b>(\d+ %)</b>", row.group(0)) == ["40 %", "79 %"]
    assert "falling 6 points" in row.group(0) and "rising 4 points" in row.group(0)
    # the reliability shown is adjusted: the record it rests on stands beside it, thin or not
    assert (int(first["n_kept"]), int(first["n_agreements"])) == (meridian["n_kept"], meridian["n_agreements"])
    assert "<b>40 %</b>" in row.group(0) and '<span class="al-measure-record">(4 of 12 kept)</span>' in row.group(0)
    kestrel = re.search(r'<tr class="al-headline-row al-state-not_enough_data">.*?</tr>', html_text)
    assert kestrel and "(1 of 1 kept)" in kestrel.group(0)
    assert html_text.count('class="al-measure-record"') == 5
    dash.state.language = "nl"
    assert "(4 van 12 nagekomen)" in dash.headline.widget.value
    dash.state.language = "en"
    cards = dash.patterns.cards.value
    assert "Meridian Motors is trusted (79 %) more than its record of agreements kept supports (40 %)." in cards
    assert "trust 79%" in meridian["explanation_en"] and "reliability 40% adjusted" in meridian["explanation_en"]
    # a trust shock is an event, here four sessions ago (S07): the board says when
    shock_on = dict(zip(board["partner"], board["shock_on"], strict=True))
    assert shock_on.pop("vantage") == pd.Timestamp("2026-01-27") and all(pd.isna(v) for v in shock_on.values())
    assert '<td class="al-headline-state">Trust shock (Jan 2026)</td>' in html_text
    trend = headline(dash.state.metrics.trends, patterns=dash.state.metrics.patterns).iloc[0]
    assert (round(trend["reliability"] * 100), round(trend["trust"] * 100)) == (36, 82)
    assert pd.isna(trend["n_kept"]) and pd.isna(trend["n_agreements"])  # no states given: no record to cite
    # the contrast chart's panels come in the same order
    spec = dash.charts[0].widget.value if dash.charts[0].renderer == "svg" else ""
    assert spec.index("Meridian Motors") < spec.index("Kestrel Cells")


def test_pattern_cards_are_short_with_the_explanation_one_click_away(dash: FacilitatorDashboard) -> None:
    cards = dash.patterns.cards.value
    assert cards.count('class="al-card-short"') == len(dash.state.metrics.patterns)
    assert cards.count("<details") == len(dash.state.metrics.patterns)
    assert "25 Aug 2026" in cards and "2026-08-25" not in cards.split("<details")[0]
    # a name ending in s gets no "Cells's": the sentence needs no possessive
    assert "Too few agreements of Kestrel Cells have fallen due yet to judge it." in cards


def test_rating_grid_errors_name_partners_and_list_every_bad_cell(lean: FacilitatorDashboard) -> None:
    grid = lean.form(forms.RatingGrid)
    names = dict((p, n) for n, p in grid._partners)
    bad = list(grid.cells.items())[:5]
    for _, cell in bad:
        cell.value = "x"
    grid.save.click()
    status = grid.status.value
    for (rater, ratee), _ in bad:
        assert f"{names[rater]} rating {names[ratee]}: " in html.unescape(status)
    assert "…" not in status and "kestrel" not in status
    # every cell says, on hover and to a screen reader, whose rating of whom it holds
    (rater, ratee), cell = bad[0]
    assert cell.tooltip == f"{names[rater]} → {names[ratee]}"


def test_page_language_title_and_live_status_follow_the_dashboard(lean: FacilitatorDashboard) -> None:
    name = lean.state.alliance.name
    assert lean.presence.lang == "en" and lean.presence.title == f"{name} · Alliance lens"
    lean.language.value = "nl"
    assert lean.presence.lang == "nl"
    lean.state.say("Saved: something")
    assert 'role="status" aria-live="polite"' in lean.status.widget.value
    lean.state.report(ValueError("boom"), "action_refresh")
    assert 'role="alert"' in lean.status.widget.value
