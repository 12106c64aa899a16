"""The phone's poll page over real HTTP on loopback: the form, an answer stored, replaced, and every refusal."""

from __future__ import annotations

import datetime as dt
import http.client
import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from alliance_lens.config import LensConfig
from alliance_lens.pages import poll as page
from alliance_lens.store import Workspace, polls
from poll_helpers import PollServer, poll_workspace


class Phone:
    """One phone: its own cookie, plain HTTP requests to the poll server."""

    def __init__(self, base: str) -> None:
        self.host = urlsplit(base).netloc
        self.cookie = ""

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, timeout=30)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8")
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie" and value.startswith(page.DEVICE_COOKIE + "="):
                self.cookie = value.split(";")[0]
        out = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        return resp.status, out, text

    def open(self, path: str) -> tuple[int, str, str]:
        status, _, text = self.request("GET", path)
        match = re.search(r'name="csrf" value="([^"]+)"', text)
        return status, text, match.group(1) if match else ""

    def send(self, path: str, fields: dict[str, str], csrf: str) -> tuple[int, dict[str, str], str]:
        body = urlencode({"csrf": csrf, **fields}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PollServer]:
    folder = tmp_path_factory.mktemp("pollpages")
    home = folder / "home"
    home.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("ALLIANCE_LENS_HOME", str(home))
    url = poll_workspace(folder)
    srv = PollServer(url, poll_burst=1000, poll_per_minute=6000)
    yield srv
    srv.stop()
    mp.undo()


@pytest.fixture
def ws(server: PollServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setenv(
        "ALLIANCE_LENS_HOME", str(Path(server.pages.workspace.url.removeprefix("sqlite:///")).parent / "home")
    )
    yield server.pages.workspace


def poll_path(ws: Workspace, session: str = "s1") -> tuple[polls.PollLink, str]:
    link = polls.open_poll(ws, "north", session, base_url="http://127.0.0.1:1/")
    return link, "/" + link.url.split("/", 3)[3]


def rows(ws: Workspace, session: str) -> list[tuple[str, str, float]]:
    r = ws.load("north").trust_ratings
    r = r[r["session_id"] == session]
    return sorted(zip(r["rater"], r["ratee"], r["score"].astype(float), strict=True))


# ---------------------------------------------------------------------------------------------- pure parts


def test_scale_points_are_taps_on_a_short_whole_scale_else_typed() -> None:
    assert page.scale_points(1, 5) == ["1", "2", "3", "4", "5"]
    assert page.scale_points(0, 10) == [str(i) for i in range(11)]
    assert page.scale_points(1, 12) == []  # 12 points: typed
    assert page.scale_points(1.5, 5) == []


def test_parse_form_limits_and_refuses_repeats() -> None:
    ctype = "application/x-www-form-urlencoded"
    assert page.parse_form(b"rater=p1&score%3Ap2=4&comment=", ctype, 100) == {
        "rater": "p1",
        "score:p2": "4",
        "comment": "",
    }
    assert page.parse_form(b"a" * 100, ctype, 100) == {"a" * 100: ""}
    assert page.parse_form(b"a" * 101, ctype, 100) == "too_large"
    assert page.parse_form(b"rater=p1&rater=p2", ctype, 100) == "repeated"
    assert page.parse_form(b"rater=p1", "multipart/form-data; boundary=x", 100) == "form"
    assert page.parse_form(b"rater=\xff", ctype, 100) == "form"
    assert page.parse_form(b"&".join(b"f%d=1" % i for i in range(201)), ctype, 10_000) == "form"


def test_rate_limiter_allows_a_burst_then_says_how_long_to_wait() -> None:
    now = [100.0]
    limiter = page.RateLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)  # 60 a minute: one back after a second
    assert limiter.take("b") == 0.0  # another address has its own bucket
    now[0] += 1.0
    assert limiter.take("a") == 0.0


def test_preferred_language() -> None:
    assert page.preferred_language("nl-NL,nl;q=0.9,en;q=0.8") == "nl"
    assert page.preferred_language("en-GB,nl;q=0.5") == "en"
    assert page.preferred_language(None) == "en"


def test_the_form_has_the_contract_fields_labelled_with_partner_names(tmp_path: Path) -> None:
    url = poll_workspace(tmp_path, language="nl")
    with Workspace.open(url) as ws:
        link = polls.open_poll(ws, "north", "s1", base_url="http://h/")
        form = polls.form_of(ws, link.poll)
    html = page.render_form(form, action="poll?token=t", csrf="C", floor=3, comment_max=500)
    assert '<html lang="nl">' in html and "Hoeveel vertrouwt uw organisatie elke partner?" in html
    assert '<form method="post" action="poll?token=t"' in html
    assert '<input type="hidden" name="csrf" value="C">' in html
    assert html.count('name="rater"') == 4 and "Água &amp; Zon" in html
    for pid in ("p1", "p2", "p3", "p4"):
        assert html.count(f'name="score:{pid}"') == 6  # skip + 1..5
    # choosing one's own organisation hides its row (CSS only, no script); the server refuses it anyway
    assert "form:has(#rater-1:checked) .ratee-1 { display: none; }" in html
    assert "<script" not in html


# ---------------------------------------------------------------------------------------------- over HTTP


def test_an_answer_is_stored_then_replaced_from_the_same_phone(server: PollServer, ws: Workspace) -> None:
    _, path = poll_path(ws, "s2")
    phone = Phone(server.base)
    status, html, csrf = phone.open(path)
    assert status == 200 and phone.cookie and csrf
    status, _, html = phone.send(path, {"rater": "p1", "score:p2": "4", "score:p3": "", "score:p4": "2"}, csrf)
    assert status == 200 and 'data-outcome="stored"' in html and "Your answer is stored." in html
    assert rows(ws, "s2") == [("p1", "p2", 4.0), ("p1", "p4", 2.0)]
    # the form comes back with this phone's answer in it
    status, html, csrf = phone.open(path)
    assert 'name="score:p2" value="4" checked' in html and 'value="p1" checked' in html
    status, _, html = phone.send(path, {"rater": "p1", "score:p3": "5"}, csrf)
    assert status == 200 and "Your new answer replaces your earlier one." in html
    assert rows(ws, "s2") == [("p1", "p3", 5.0)]
    # another phone is another respondent
    other = Phone(server.base)
    _, _, csrf2 = other.open(path)
    assert other.send(path, {"rater": "p2", "score:p1": "3"}, csrf2)[0] == 200
    assert polls.poll_results(ws, "north", "s2", floor=3).answers == {"p1": 1, "p2": 1, "p3": 0, "p4": 0}
    polls.close_poll(ws, "north", "s2")
    status, _, html = phone.send(path, {"rater": "p1", "score:p3": "1"}, csrf)
    assert status == 410 and "This poll is closed" in html
    assert rows(ws, "s2") == [("p1", "p3", 5.0), ("p2", "p1", 3.0)]
    assert phone.open(path)[0] == 410


def test_the_short_address_leads_to_the_open_poll(server: PollServer, ws: Workspace) -> None:
    link, path = poll_path(ws)
    phone = Phone(server.base)
    status, headers, _ = phone.request("GET", f"/p/{link.poll.code.lower()}")
    assert status == 303 and headers["location"] == "../" + path.lstrip("/")
    assert phone.request("GET", "/p/ZZZZZZ")[0] == 404


BAD_ANSWERS = [
    ({"rater": "p1", "score:p2": "6"}, "The trust in City Works is outside the scale: give a number from 1 to 5."),
    ({"rater": "p1", "score:p2": "vier"}, "The trust in City Works is not a number: give a number from 1 to 5."),
    ({"rater": "p9", "score:p2": "3"}, "The organisation you chose is not a partner of this alliance."),
    ({"rater": "p1", "score:p9": "3"}, "You rated an organisation that is not a partner of this alliance."),
    ({"rater": "p1", "score:p1": "3"}, "Your organisation (Harbour Board) does not rate itself: leave it out."),
    ({"score:p2": "3"}, "Choose the organisation you speak for."),
    ({"rater": "p1"}, "Rate at least one partner."),
]


@pytest.mark.parametrize(("fields", "message"), BAD_ANSWERS)
def test_a_bad_answer_gets_422_and_its_message_and_writes_nothing(
    server: PollServer, ws: Workspace, fields: dict[str, str], message: str
) -> None:
    _, path = poll_path(ws)
    phone = Phone(server.base)
    _, _, csrf = phone.open(path)
    revision = ws.revision("north")
    status, _, html = phone.send(path, fields, csrf)
    assert status == 422 and message in html and 'role="alert"' in html
    assert ws.revision("north") == revision


def test_refused_requests_name_the_reason_and_write_nothing(server: PollServer, ws: Workspace) -> None:
    _, path = poll_path(ws)
    phone = Phone(server.base)
    _, _, csrf = phone.open(path)
    revision = ws.revision("north")
    good = {"rater": "p1", "score:p2": "3"}
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert phone.send(forged, good, csrf)[0] == 403
    assert phone.send("/poll", good, csrf)[0] == 403  # no token at all
    # a form of another device, or no device cookie
    stranger = Phone(server.base)
    assert stranger.send(path, good, csrf)[0] == 403
    assert phone.send(path, good, "x" * 24)[0] == 403
    status, _, html = phone.send(path, {**good, "comment": "x" * 17_000}, csrf)
    assert status == 413 and "at most 16384 bytes" in html
    body = urlencode([("csrf", csrf), ("rater", "p1"), ("rater", "p2"), ("score:p3", "3")]).encode()
    status, _, html = phone.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 422 and "a field twice" in html
    status, _, _ = phone.request("PUT", path, b"", {})
    assert status == 405
    assert ws.revision("north") == revision
    # the expiry: a poll opened 12 hours ago has just ended
    old = polls.open_poll(
        ws,
        "north",
        "s2",
        base_url="http://h/",
        now=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=12),
    )
    status, _, html = phone.request("GET", "/" + old.url.split("/", 3)[3])
    assert status == 410 and "expired" in html


def test_a_flood_from_one_address_gets_429_with_retry_after(tmp_path: Path) -> None:
    url = poll_workspace(tmp_path)
    srv = PollServer(url, poll_burst=5, poll_per_minute=6)
    try:
        ws = srv.pages.workspace
        _, path = poll_path(ws)
        phone = Phone(srv.base)
        _, _, csrf = phone.open(path)
        statuses = [phone.send(path, {"rater": "p1", "score:p2": "3"}, csrf)[0] for _ in range(5)]
        assert statuses == [200] * 5
        status, headers, html = phone.send(path, {"rater": "p1", "score:p2": "3"}, csrf)
        assert status == 429 and headers["retry-after"] == "10" and "Wait 10 seconds" in html
    finally:
        srv.stop()


def test_fuzzed_answers_are_each_refused_with_a_message_and_write_nothing(tmp_path: Path) -> None:
    """300 answers, each with one to three defects (the bench runs 1,000): no crash, no write, a message each."""
    url = poll_workspace(tmp_path)
    pages = page.PollPages(url, LensConfig(poll_burst=10_000, poll_per_minute=60_000))
    try:
        ws = pages.workspace
        link = polls.open_poll(ws, "north", "s1", base_url="http://h/")
        device = "fuzz-device-000000001"
        csrf = page.csrf_token(pages._secret, link.poll.poll_id, device)
        revision = ws.revision("north")
        for i, body in enumerate(fuzzed_bodies(random.Random(10), 300, csrf)):
            req = page.Request(
                link.token, device, "127.0.0.1", body=body, content_type="application/x-www-form-urlencoded"
            )
            reply = pages.post(req)
            assert 400 <= reply.status < 500, (i, body)
            assert 'role="alert"' in reply.body, (i, body)
        assert ws.revision("north") == revision
    finally:
        pages.close()


def fuzzed_bodies(rng: random.Random, n: int, csrf: str) -> Iterator[bytes]:
    """Form bodies that each break at least one rule of an answer."""
    junk = ["", " ", "0", "5.5", "-1", "1e309", "nan", "inf", "3;4", "x", "٣", "1,2,3", "\x00", "9" * 40, "<b>"]
    defects = [
        lambda f: f.update({"score:p2": rng.choice(junk[1:])}),
        lambda f: f.update({"rater": rng.choice(["", "p9", "P1", "p1\x00", "'", "x" * 80])}),
        lambda f: f.pop("rater", None),
        lambda f: f.update({f"score:{f.get('rater', 'p1')}": "3"}),
        lambda f: f.update({f"score:{rng.choice(['p9', '', 'p1 ', 'x' * 70])}": "3"}),
        lambda f: f.update({"csrf": rng.choice(["", "x", csrf[:-1]])}),
        lambda f: f.update({"comment": "y" * rng.choice([501, 2000, 17_000])}),
        lambda f: [f.pop(k) for k in list(f) if k.startswith("score:")],
    ]
    for _ in range(n):
        fields = {"csrf": csrf, "rater": "p1", "score:p2": str(rng.randint(1, 5)), "score:p3": ""}
        for defect in rng.sample(defects, rng.randint(1, 3)):
            defect(fields)
        body = urlencode(fields).encode()
        if rng.random() < 0.1:
            body = body + rng.choice([b"&rater=p2", b"&%ff=1", b"\xff\xfe"])
        yield body
