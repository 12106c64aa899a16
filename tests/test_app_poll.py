"""The facilitator's poll panel: open/close in the ratings tab, QR and address, counts and grid, no answer shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliance_lens.app import forms
from alliance_lens.app.poll import PollPanel, PollWatch, qr_svg, render_grid
from alliance_lens.app.state import DashboardState
from alliance_lens.config import reset_settings
from alliance_lens.store import Workspace, polls
from poll_helpers import poll_workspace


@pytest.fixture
def grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[forms.RatingGrid]:
    monkeypatch.setenv("ALLIANCE_LENS_POLL_BASE_URL", "http://10.1.2.3:8867/")
    reset_settings()
    url = poll_workspace(tmp_path)
    with Workspace.open(url, actor="facilitator") as ws:
        state = DashboardState(ws, alliance_id="north", compute=lambda data, aid: None)  # type: ignore[arg-type,return-value]
        yield forms.RatingGrid(state)
    reset_settings()


def answer(ws: Workspace, device: str, rater: str, **scores: str) -> None:
    poll = polls.current(ws, "north", "s2")
    assert poll is not None
    polls.submit(
        ws,
        poll.poll_id,
        device.ljust(20, "0"),
        {"rater": rater, **{f"score:{k}": v for k, v in scores.items()}, "comment": "do not show"},
    )


def shown(panel: PollPanel) -> str:
    return " ".join(w.value for w in (panel.status, panel.link, panel.counts, panel.grid))


def test_the_button_opens_the_poll_of_the_chosen_session_and_shows_qr_and_address(grid: forms.RatingGrid) -> None:
    panel = grid.poll
    assert panel.widget in grid.widget.children
    assert grid.session.value == "s2"  # the latest session is chosen
    assert panel.status.value == "No poll for this session yet."
    assert not panel.open_button.disabled and panel.close_button.disabled
    panel.open_button.click()
    poll = polls.current(grid.state.workspace, "north", "s2")
    assert poll is not None and poll.is_open()
    assert f"http://10.1.2.3:8867/p/{poll.code}</a>" in panel.link.value
    assert "<svg" in panel.link.value and "Scan the code, or go to" in panel.link.value
    assert panel.status.value == "Open · answers so far: 0"
    assert panel.open_button.disabled and not panel.close_button.disabled
    panel.close_button.click()
    assert panel.status.value == "Closed · answers: 0" and panel.link.value == ""
    assert not panel.open_button.disabled


def test_counts_and_grid_fill_in_and_no_single_answer_is_ever_shown(grid: forms.RatingGrid) -> None:
    panel, ws = grid.poll, grid.state.workspace
    panel.open_button.click()
    answer(ws, "a", "p1", p2="4.5")
    assert panel.refresh()
    assert not panel.refresh()  # nothing moved: nothing re-read
    assert panel.status.value == "Open · answers so far: 1"
    assert re.search(
        r'data-rater="p1"><th scope="row">Harbour Board</th><td class="al-poll-n">1</td>', panel.counts.value
    )
    assert 'data-pair="p1→p2">not enough answers yet' in panel.grid.value
    assert "4.5" not in shown(panel) and "do not show" not in shown(panel)
    answer(ws, "b", "p1", p2="2")
    panel.refresh()
    assert "not enough answers yet" in panel.grid.value and "2.0" not in shown(panel)
    answer(ws, "c", "p1", p2="2.5")
    panel.refresh()
    assert re.search(r'data-pair="p1→p2" style="[^"]+">3.0</td>', panel.grid.value)  # the mean of 3, from the floor on
    assert "title=" not in shown(panel)  # no tooltips
    # the facilitator undoes the last answer: the undo text names no score, the mean goes back under the floor
    what = grid.state.undo()
    assert what == "an answer to the live poll of session “Review”"
    assert grid.state.message == "Undone: an answer to the live poll of session “Review”"
    panel.refresh()
    assert 'data-pair="p1→p2">not enough answers yet' in panel.grid.value


def test_a_watch_reads_the_results_only_when_the_key_moved(tmp_path: Path) -> None:
    url = poll_workspace(tmp_path)
    with Workspace.open(url) as ws:
        polls.open_poll(ws, "north", "s1", base_url="http://h/")
        watch = PollWatch(ws, "north", "s1", floor=3)
        assert watch.check() and not watch.check()
        link = polls.current(ws, "north", "s1")
        assert link is not None
        polls.submit(ws, link.poll_id, "x" * 20, {"rater": "p2", "score:p1": "3"})
        assert watch.check() and watch.results is not None and watch.results.total == 1
        polls.close_poll(ws, "north", "s1")  # not a change of the record, but the key sees it
        assert watch.check() and watch.results.poll is not None and not watch.results.poll.is_open()


def test_the_qr_code_is_inline_svg_and_the_grid_is_in_dutch_when_the_dashboard_is() -> None:
    svg = qr_svg("http://10.1.2.3:8867/poll?token=abc")
    assert svg.startswith('<svg role="img" aria-hidden="true" viewBox=') and "http" not in svg
    results = polls.PollResults(
        "a",
        "s",
        None,
        1,
        [("p1", "Een"), ("p2", "Twee")],
        {"p1": 1, "p2": 0},
        {("p1", "p2"): polls.PairResult(1, None)},
        3,
        1,
        5,
    )
    assert "nog niet genoeg antwoorden" in render_grid(results, "nl")


def test_undoing_a_replaced_answer_is_told_as_a_poll_answer_not_an_import(grid: forms.RatingGrid) -> None:
    panel, ws = grid.poll, grid.state.workspace
    panel.open_button.click()
    answer(ws, "a", "p1", p2="4")
    answer(ws, "a", "p1", p2="1")  # the same device again: replaces
    grid.state.refresh()
    preview = grid.state.undo_preview()
    assert preview is not None and preview[1] == "an answer to the live poll of session “Review”"
    grid.state.language = "nl"
    assert grid.state.undo() == "een antwoord op de live peiling van bijeenkomst “Review”"
    r = ws.load("north").trust_ratings
    assert r["score"].tolist() == [4.0]  # the first answer is back
