"""The facilitator in the room (issue 12), without a browser: names that tell partners apart, bounded lengths in
the users' words, outcome buttons that name their agreement, the poll on the projector, no "NaN" on screen."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import ipywidgets as widgets
import pytest

from alliance_lens import store, synth
from alliance_lens.app import forms
from alliance_lens.app.dashboard import FacilitatorDashboard
from alliance_lens.app.state import DashboardState
from alliance_lens.config import reset_settings
from alliance_lens.store import polls
from test_app import MEETING_DAY


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("room") / "workspace.sqlite"
    with store.Workspace.open(f"sqlite:///{path}") as ws:
        ws.import_data(synth.generate_sample())
    return path


@pytest.fixture
def workspace(tmp_path: Path, sample_db: Path) -> Iterator[store.Workspace]:
    copy = tmp_path / "workspace.sqlite"
    shutil.copyfile(sample_db, copy)
    with store.Workspace.open(f"sqlite:///{copy}") as ws:
        yield ws


@pytest.fixture
def lean(workspace: store.Workspace) -> FacilitatorDashboard:
    return FacilitatorDashboard(DashboardState(workspace, today=lambda: MEETING_DAY), charts=())


F = TypeVar("F", bound=forms.Form)


def form(dash: FacilitatorDashboard, cls: type[F]) -> F:
    found = dash.form(cls)
    assert isinstance(found, cls)
    return found


def walk(w: widgets.Widget) -> Iterator[widgets.Widget]:
    yield w
    for c in getattr(w, "children", ()):
        yield from walk(c)


def on_screen(dash: FacilitatorDashboard) -> str:
    """Every text the widgets put on the page: values, labels, tooltips, options, chart specifications."""
    parts: list[str] = []
    for w in walk(dash.widget):
        for name in ("value", "description", "tooltip", "placeholder", "message"):
            v = getattr(w, name, None)
            if isinstance(v, str):
                parts.append(v)
        parts += [str(o) for o in getattr(w, "options", ())]
        parts += [str(t) for t in getattr(w, "titles", ())]
        spec = getattr(w, "spec", None)
        if spec:
            parts.append(json.dumps(spec))
    return "\n".join(parts)


def test_a_second_partner_called_like_the_first_is_refused_beside_the_name_in_the_users_language(
    lean: FacilitatorDashboard, workspace: store.Workspace
) -> None:
    aid = lean.state.alliance_id
    assert aid is not None
    taken = str(workspace.load(aid).partners["name"].iloc[0])
    pf = form(lean, forms.PartnerForm)
    pf.pick.value = ""
    pf.name.value = "  " + taken.upper() + " "
    pf.save.click()
    message = html.unescape(pf.fields["name"].message.value)
    assert f"already has a partner called {taken!r}" in message, message
    assert "capitals or spaces" in message
    assert pf.status.value == "Nothing was saved: fix the fields marked."
    assert len(workspace.load(aid).partners) == 5
    lean.language.value = "nl"
    pf.name.value = taken.lower()
    pf.save.click()
    assert f"heeft al een partner die {taken!r} heet" in html.unescape(pf.fields["name"].message.value)


def test_a_thousand_character_title_is_refused_with_the_bound_and_a_long_one_saved_stays_one_short_line(
    lean: FacilitatorDashboard, workspace: store.Workspace
) -> None:
    af = form(lean, forms.AgreementForm)
    af.due_on.value = MEETING_DAY
    af.title.value = "x" * 1040
    af.save.click()
    assert af.fields["title"].message.value == (
        '<span class="al-invalid-text">the title has 1040 characters, more than the 200 that fit: shorten it</span>'
    )
    title = "Share the test bench schedule " * 6  # 180 characters: allowed
    af.title.value = title
    af.save.click()
    saved = lean.state.message
    assert saved.startswith("Saved: Share the test bench schedule") and saved.endswith("…")
    assert len(saved) <= len("Saved: ") + forms.SAVED_CHARACTERS
    assert af.status.value == saved
    sf = form(lean, forms.SessionForm)
    sf.pick.value = ""
    sf.title.value = "S" * 121
    sf.save.click()
    assert "121 characters, more than the 120 that fit" in sf.fields["title"].message.value


def test_each_outcome_button_names_its_agreement(lean: FacilitatorDashboard) -> None:
    of = form(lean, forms.OutcomeForm)
    row = of.rows.children[0]
    agreement = next(c for c in row._dom_classes if c.startswith("al-outcome-") and c != "al-outcome-row")
    buttons = [b for b in row.children if isinstance(b, widgets.Button)]
    assert [b.description for b in buttons] == ["Kept", "Kept late", "Renegotiated", "Broken", "Dropped"]
    label = row.children[0].value
    title = re.search(r"<b>(.*?)</b>", label)
    assert title is not None
    agreement_id = agreement.removeprefix("al-outcome-")
    assert buttons[0].tooltip == f"Kept: {agreement_id} {title.group(1)}"
    assert buttons[3].tooltip == f"Broken: {agreement_id} {title.group(1)}"
    lean.language.value = "nl"
    row = of.rows.children[0]
    assert next(b for b in row.children if isinstance(b, widgets.Button)).tooltip.startswith("Nagekomen: ")


def test_the_alliance_pickers_label_is_not_cut_and_undo_reads_dark_on_white(lean: FacilitatorDashboard) -> None:
    assert lean.picker.style.description_width == "initial"
    from alliance_lens.app.dashboard import A11Y_STYLE

    # white text on #b34d00 is 5.3:1 (ipywidgets' own orange was 2.7:1); focus rings 3px
    assert ".jupyter-button.mod-warning { background-color: #b34d00; color: #fff; }" in A11Y_STYLE
    assert "outline: 3px solid #1a4f8b" in A11Y_STYLE
    assert any(isinstance(w, widgets.HTML) and w.value == A11Y_STYLE for w in lean.widget.children)


def test_an_open_poll_is_on_the_projector_with_counts_and_never_a_score(
    lean: FacilitatorDashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLIANCE_LENS_POLL_BASE_URL", "http://10.1.2.3:8867/")
    reset_settings()
    try:
        panel = form(lean, forms.RatingGrid).poll
        chart_box = lean.widget.children[-1].children[0]
        assert chart_box.children[0] is panel.projector
        assert panel.projector.value == "" and "al-poll-live" not in panel.projector._dom_classes
        panel.open_button.click()
        lean.presentation.value = True
        shown = panel.projector.value
        assert "al-poll-live" in panel.projector._dom_classes
        assert "<svg" in shown and "http://10.1.2.3:8867/p/" in shown
        assert 'class="al-poll-counts"' in shown and "al-poll-grid" not in shown and "al-poll-mean" not in shown
        # the forms, their messages and the undo control are gone from the projector meanwhile
        for w in (lean.tabs, lean.status.widget, lean.undo):
            assert w.layout.display == "none"
        panel.close_button.click()
        assert panel.projector.value == "" and "al-poll-live" not in panel.projector._dom_classes
        assert polls.current(lean.state.workspace, str(lean.state.alliance_id), str(panel.session.value)) is not None
    finally:
        reset_settings()


def test_no_nan_anywhere_on_screen_in_either_language_or_in_presentation(workspace: store.Workspace) -> None:
    dash = FacilitatorDashboard(DashboardState(workspace, today=lambda: MEETING_DAY), renderer="browser")
    for lang, presenting in (("en", False), ("nl", False), ("en", True)):
        dash.language.value = lang
        dash.presentation.value = presenting
        text = on_screen(dash)
        assert "Kestrel" in text
        found = [m.start() for m in re.finditer(r"\bNaN\b|\bnan\s*%", text)]
        assert not found, [text[max(0, i - 80) : i + 40] for i in found[:5]]


def test_a_problem_without_a_field_of_the_form_is_worded_without_table_names(
    lean: FacilitatorDashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alliance_lens.model import Problem, ValidationError

    grid = form(lean, forms.RatingGrid)
    next(iter(grid.cells.values())).value = "3"
    refused = Problem.of("trust_ratings", 2, "ratee", "gone", "ref.partner", column="ratee", value="gone", alliance="a")

    def add_ratings(_ratings: object) -> None:
        raise ValidationError([refused])

    monkeypatch.setattr(lean.state.workspace, "add_ratings", add_ratings)
    grid.save.click()
    assert grid.status.value == "the rated partner &#x27;gone&#x27; is not among the partners of alliance &#x27;a&#x27;"
    lean.language.value = "nl"
    next(iter(grid.cells.values())).value = "3"
    grid.save.click()
    assert grid.status.value == (
        "de beoordeelde partner &#x27;gone&#x27; staat niet bij de partners van alliantie &#x27;a&#x27;"
    )


def test_a_half_typed_new_partner_survives_a_language_switch_and_a_refresh(
    lean: FacilitatorDashboard, workspace: store.Workspace
) -> None:
    pf = form(lean, forms.PartnerForm)
    af = form(lean, forms.AgreementForm)
    pf.pick.value = ""
    pf.partner_id.value = "volta"
    pf.name.value = "Volta Batteries"
    af.title.value = "Send the cell test report"
    lean.language.value = "nl"
    assert (pf.pick.value, pf.partner_id.value, pf.name.value) == ("", "volta", "Volta Batteries")
    assert pf.pick.options[0] == ("(nieuw)", "")
    assert af.title.value == "Send the cell test report"
    lean.state.refresh()  # what another kernel's save brings in
    assert (pf.pick.value, pf.partner_id.value, pf.name.value) == ("", "volta", "Volta Batteries")
    # picking a partner, then "new" again, starts a new one afresh
    first = str(pf.pick.options[1][1])
    pf.pick.value = first
    assert pf.partner_id.value == first and pf.partner_id.disabled
    pf.pick.value = ""
    aid = lean.state.alliance_id
    assert aid is not None
    ids = [str(p) for p in workspace.load(aid).partners["partner_id"]]
    assert (pf.partner_id.value, pf.name.value) == (forms.next_id(ids, "P"), "")
    assert not pf.partner_id.disabled
