"""The live poll end to end: phones (390×844) answer, the facilitator's Voilà dashboard shows count and grid change.

Two servers, as in a meeting: ``alliance-lens serve`` (the facilitator's dashboard) and ``alliance-lens serve
--clients`` (the client server, whose poll pages need no kernel), over one workspace and one link secret. The
facilitator opens the poll in the trust-ratings tab; three phones scan the link (the short address), answer;
the count and then the grid's average appear on the dashboard without a reload; one phone answers again and
replaces its answer; after close, a phone's answer is refused. No request leaves 127.0.0.1 (the page fixture
and the phones' own guard fail the test otherwise).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ALLIANCE_LENS, ARTIFACTS, PageGuard, Server, free_port, is_local, start_server, stop_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from poll_helpers import poll_workspace

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

FIRST_VIEW = 120_000  # ms: a cold kernel on a loaded 2-core machine
UPDATE = 30_000


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    folder = tmp_path_factory.mktemp("live-poll")
    home = folder / "home"
    home.mkdir()
    env = {
        "ALLIANCE_LENS_HOME": str(home),
        "ALLIANCE_LENS_LINK_SECRET_FILE": str(home / "link.key"),
    }
    mp = pytest.MonkeyPatch()
    for k, v in env.items():
        mp.setenv(k, v)
    url = poll_workspace(folder)
    phone_port, dash_port = free_port(), free_port()
    env |= {"ALLIANCE_LENS_POLL_BASE_URL": f"http://127.0.0.1:{phone_port}/", "ALLIANCE_LENS_DB": url}
    phones = start_server(
        [ALLIANCE_LENS, "serve", "--clients", "--no-browser", "--port", str(phone_port)],
        phone_port,
        folder / "phones.log",
        env=env,
    )
    dash = start_server(
        [ALLIANCE_LENS, "serve", "--no-browser", "--port", str(dash_port)],
        dash_port,
        folder / "dash.log",
        env=env,
        timeout=90,
    )
    yield dash, phones
    stop_server(dash)
    stop_server(phones)
    mp.undo()


class Phone:
    """A phone: its own browser context (its own cookie) at 390×844, touch, no way out of 127.0.0.1."""

    def __init__(self, browser: Any, name: str) -> None:
        self.context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        self.page = self.context.new_page()
        self.name = name
        self.guard = PageGuard()
        self.page.on("request", lambda r: None if is_local(r.url) else self.guard.external_requests.append(r.url))
        self.page.on("pageerror", lambda e: self.guard.page_errors.append(str(e)))

    def answer(self, url: str, rater: str, scores: dict[str, str], shot: str | None = None) -> str:
        self.page.goto(url)
        self.page.locator(f'.raters label:has(input[value="{rater}"])').click()
        for ratee, score in scores.items():
            self.page.locator(f'fieldset[data-ratee="{ratee}"] label:has(input[value="{score}"])').click()
        if shot:
            self.shot(shot)
        self.page.locator("button[type=submit]").click()
        self.page.wait_for_load_state()
        return str(self.page.inner_text("main"))

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"poll_phone_{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        self.guard.assert_clean()


def _wait_text(page: Any, selector: str, pattern: str) -> None:
    page.wait_for_function(
        "([sel, pat]) => { const e = document.querySelector(sel); return e && new RegExp(pat).test(e.innerText); }",
        arg=[selector, pattern],
        timeout=UPDATE,
    )


def test_phones_answer_and_the_dashboard_follows(servers: tuple[Server, Server], page: Any, browser: Any) -> None:
    dash, _ = servers
    page.goto(dash.url + "/", timeout=FIRST_VIEW)
    page.wait_for_selector(".al-forms", timeout=FIRST_VIEW)
    page.locator(".al-forms .lm-TabBar-tab", has_text="Trust ratings").first.click()
    page.locator(".al-poll-open button, button.al-poll-open").first.click()
    page.wait_for_selector(".al-poll .al-poll-qr svg", timeout=UPDATE)
    short = page.locator(".al-poll .al-poll-short a").inner_text().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/p/[A-Z2-9]{6}", short), short
    _wait_text(page, ".al-poll .al-poll-state", "answers so far: 0")
    page.locator(".al-poll").screenshot(path=str(ARTIFACTS / "poll_facilitator_1_open.png"))

    phones = [Phone(browser, f"phone{i}") for i in range(3)]
    try:
        text = phones[0].answer(short, "p1", {"p2": "2", "p3": "4"}, shot="1_form")
        assert "Your answer is stored." in text
        phones[0].shot("2_stored")
        _wait_text(page, ".al-poll .al-poll-state", "answers so far: 1")
        assert "not enough answers yet" in page.locator('[data-pair="p1→p2"]').inner_text()
        assert phones[1].answer(short, "p1", {"p2": "3"}).startswith("Thank you")
        assert phones[2].answer(short, "p1", {"p2": "4"}).startswith("Thank you")
        _wait_text(page, ".al-poll .al-poll-state", "answers so far: 3")
        _wait_text(page, '[data-pair="p1→p2"]', r"^3\.0$")  # the mean from three answers: the floor is reached
        assert page.locator('.al-poll .al-poll-counts [data-rater="p1"] .al-poll-n').inner_text() == "3"
        page.locator(".al-poll").screenshot(path=str(ARTIFACTS / "poll_facilitator_2_three_answers.png"))

        # the same phone again: its answer replaces the first (still three answers, the mean moves)
        text = phones[0].answer(short, "p1", {"p2": "5"})
        assert "Your new answer replaces your earlier one." in text
        _wait_text(page, '[data-pair="p1→p2"]', r"^4\.0$")
        _wait_text(page, ".al-poll .al-poll-state", "answers so far: 3")
        assert "2.0" not in page.locator(".al-poll").inner_text()  # no single answer on the screen

        # closed from the dashboard while a phone has the form open: its answer is refused, nothing changes
        phones[1].page.goto(short)
        page.locator(".al-poll-close button, button.al-poll-close").first.click()
        _wait_text(page, ".al-poll .al-poll-state", "Closed · answers: 3")
        phones[1].page.locator('.raters label:has(input[value="p2"])').click()
        phones[1].page.locator('fieldset[data-ratee="p1"] label:has(input[value="1"])').click()
        with phones[1].page.expect_response(lambda r: r.request.method == "POST") as posted:
            phones[1].page.locator("button[type=submit]").click()
        assert posted.value.status == 410
        assert "This poll is closed" in phones[1].page.inner_text("main")
        phones[1].shot("3_closed")
        assert phones[2].page.goto(short).status == 410
        page.locator(".al-poll").screenshot(path=str(ARTIFACTS / "poll_facilitator_3_closed.png"))
    finally:
        for p in phones:
            p.close()
