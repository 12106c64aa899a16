"""The kernel-less client pages without a browser: a real Tornado server of ``alliance_lens.pages`` in a thread.

What a visitor (or a stranger) gets for each kind of link, that a view is rendered once per alliance revision,
the live channel, rate limits, log hygiene and failing closed. Real Chromium: ``tests/browser/test_client_links.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tornado.web

from alliance_lens import links, synth
from alliance_lens.config import LensConfig
from alliance_lens.metrics.privacy import hide_below_floor
from alliance_lens.model import AllianceData, Partner
from alliance_lens.pages import assets, server_handlers
from alliance_lens.pages.base import log_request, redact
from alliance_lens.pages.context import PageContext
from alliance_lens.pages.view import view_input
from alliance_lens.store import Workspace

OTHER = "other-alliance"
OTHER_NAME = "The Other Alliance"


def _second_alliance(data: AllianceData) -> AllianceData:
    frames = {}
    for name, frame in data.tables().items():
        f = frame.copy()
        f["alliance_id"] = OTHER
        if name == "alliances":
            f["name"] = OTHER_NAME
            f["language"] = "nl"
        frames[name] = f
    return AllianceData.from_frames(frames)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Served:
    """A client server of the pages, in a thread of this process, on a free port."""

    url: str
    context: PageContext
    db_url: str
    db_file: Path
    alliance_id: str
    alliance_name: str
    loop: asyncio.AbstractEventLoop
    logs: list[str] = field(default_factory=list)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode())
        except urllib.error.HTTPError as e:
            return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode())

    def link(self, alliance_id: str | None = None, **kwargs: Any) -> links.SharedLink:
        kwargs.setdefault("expires_in", dt.timedelta(days=1))
        return links.make_link(alliance_id or self.alliance_id, db_url=self.db_url, **kwargs)


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(self.format(record))


def start(db_url: str, config: LensConfig) -> tuple[PageContext, str, asyncio.AbstractEventLoop, threading.Thread]:
    context = PageContext.create(db_url, config=config)
    ready = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application(server_handlers(context), log_function=log_request)
        server = app.listen(0, "127.0.0.1")
        box["port"] = next(iter(server._sockets.values())).getsockname()[1]
        box["loop"] = loop
        ready.set()
        loop.run_forever()
        server.stop()
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(30)
    return context, f"http://127.0.0.1:{box['port']}", box["loop"], thread


@pytest.fixture
def workspace_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'workspace.sqlite'}"
    sample = synth.generate_sample()
    ws = Workspace.open(url)
    ws.import_data(sample)
    ws.import_data(_second_alliance(sample))
    ws.close()
    return url


@pytest.fixture
def fake_bundle(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # building the real bundle takes seconds (tests/browser uses it); here its route and headers are tested
    monkeypatch.setattr(assets, "vega_bundle", lambda: b"window.vegaEmbed = function () {};")
    assets._assets.clear()
    yield
    assets._assets.clear()


def make_config(home: Path, **values: Any) -> LensConfig:
    return LensConfig(home=str(home), **values)


@pytest.fixture
def served(workspace_url: str, isolated_home: Path, fake_bundle: None) -> Iterator[Served]:
    with serving(workspace_url, make_config(isolated_home, client_live_wait=2.0, client_revision_interval=0.1)) as s:
        yield s


@contextlib.contextmanager
def serving(workspace_url: str, config: LensConfig) -> Iterator[Served]:
    logs: list[str] = []
    collect = _Collect(logs)
    names = ("alliance_lens", "tornado.access", "tornado.application", "tornado.general")
    from alliance_lens.pages.base import install_log_redaction

    for name in names:
        logging.getLogger(name).addHandler(collect)
        logging.getLogger(name).setLevel(logging.INFO)
    install_log_redaction()
    context, url, loop, thread = start(workspace_url, config)
    ws = Workspace.open(workspace_url)
    row = ws.alliances().query("alliance_id != @OTHER").iloc[0]
    ws.close()
    db_file = Path(workspace_url.removeprefix("sqlite:///"))
    try:
        yield Served(url, context, workspace_url, db_file, str(row["alliance_id"]), str(row["name"]), loop, logs)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        context.close()
        for name in names:
            logging.getLogger(name).removeHandler(collect)


# ------------------------------------------------------------------------------------------ a valid link


def test_a_valid_link_shows_its_alliance_only(served: Served) -> None:
    link = served.link()
    before = served.db_file.read_bytes()
    reply = served.get(f"/?token={link.token}")
    assert reply.status == 200
    assert f"<h1>{served.alliance_name}: reliability and trust</h1>" in reply.body
    assert OTHER_NAME not in reply.body and OTHER not in reply.body
    assert reply.body.count('<script type="application/json" class="al-spec">') == 5  # five charts, as specs
    # everything in a landmark: the view in <main>, the live status (kept when <main> is replaced) in <footer>
    assert re.search(
        r'</main>\s*<footer class="al-foot"><p class="al-live" role="status"[^>]*></p></footer>\s*</body>', reply.body
    )
    assert "al-pattern-card" in reply.body and "al-overdue" in reply.body
    assert link.token not in reply.body  # the page is the same for every visitor: no token in it
    assert "<input" not in reply.body and "<form" not in reply.body and "<button" not in reply.body
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert served.db_file.read_bytes() == before  # visiting changes nothing in the workspace


def test_the_page_says_as_of_and_speaks_the_alliances_language(served: Served) -> None:
    ws = Workspace.open(served.db_url, read_only=True)
    try:
        view = view_input(ws, OTHER)
    finally:
        ws.close()
    assert view.lang == "nl" and view.as_of is not None
    reply = served.get(f"/?token={served.link(OTHER).token}")
    assert reply.status == 200
    assert '<html lang="nl">' in reply.body
    assert f"<h1>{OTHER_NAME}: betrouwbaarheid en vertrouwen</h1>" in reply.body
    assert f"Stand per {view.as_of.isoformat()}" in reply.body
    assert served.alliance_name not in reply.body


def test_dyads_under_the_anonymity_floor_are_not_in_the_page(served: Served) -> None:
    ws = Workspace.open(served.db_url, read_only=True)
    try:
        view = view_input(ws, served.alliance_id)
        from alliance_lens import metrics

        full = metrics.compute(ws.load(served.alliance_id), served.alliance_id)
    finally:
        ws.close()
    below = full.trust_matrix["below_floor"].astype(bool)
    assert below.sum() > 0
    shown = view.metrics.trust_matrix
    assert len(shown) == len(full.trust_matrix)
    assert shown.loc[below.to_numpy(), ["trust", "change"]].isna().all(axis=None)
    pd.testing.assert_series_equal(shown.loc[~below.to_numpy(), "trust"], full.trust_matrix.loc[~below, "trust"])
    assert hide_below_floor(full).trust_matrix.loc[below, "trust"].isna().all()


def test_a_view_is_rendered_once_per_revision_and_shared_through_the_cache_folder(
    served: Served, workspace_url: str, isolated_home: Path
) -> None:
    link = served.link()
    for _ in range(3):
        assert served.get(f"/?token={link.token}").status == 200
    assert served.context.views.renders == 1
    ws = Workspace.open(served.db_url, actor="facilitator")
    ws.add(Partner(alliance_id=served.alliance_id, partner_id="newcomer", name="Newcomer Ltd"))
    revision = ws.revision(served.alliance_id)
    ws.close()
    time.sleep(0.15)  # the revision is read at most every client_revision_interval (0.1 s here)
    reply = served.get(f"/?token={link.token}")
    assert reply.status == 200 and f'data-revision="{revision}"' in reply.body and "Newcomer Ltd" in reply.body
    assert served.context.views.renders == 2
    # a second client server on the same cache folder renders nothing: it reads the file of this revision
    other = PageContext.create(workspace_url, config=make_config(isolated_home))
    try:
        view = asyncio.run(other.views.view(served.alliance_id))
    finally:
        other.close()
    assert view.revision == revision and other.views.renders == 0 and other.views.folder_hits == 1


# ------------------------------------------------------------------------------------------ bad links


def _bad_token(kind: str, served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if kind == "missing":
        return ""
    if kind == "tampered":
        token = served.link().token
        return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    if kind == "expired":
        old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=30)
        return served.link(now=old).token
    if kind == "revoked":
        made = served.link()
        links.revoke(made.info.link_id, db_url=served.db_url)
        return made.token
    if kind == "foreign":  # signed by another workspace's secret
        other = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
        ws = Workspace.open(other)
        ws.import_data(synth.generate_sample())
        ws.close()
        with monkeypatch.context() as m:
            m.setenv(links.SECRET_FILE_ENV, str(tmp_path / "elsewhere.key"))
            return links.make_link(served.alliance_id, dt.timedelta(days=1), db_url=other).token
    assert kind == "unknown_alliance"
    with monkeypatch.context() as m:
        m.setattr(links, "_alliance_exists", lambda *_a, **_k: True)
        return served.link("gone-alliance").token


@pytest.mark.parametrize(
    ("kind", "status", "reason"),
    [
        ("missing", 403, "missing"),
        ("tampered", 403, "tampered"),
        ("expired", 410, "expired"),
        ("revoked", 410, "revoked"),
        ("foreign", 403, "tampered"),
        ("unknown_alliance", 403, "unknown_alliance"),
    ],
)
def test_a_bad_link_is_refused_with_no_data(
    kind: str, status: int, reason: str, served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _bad_token(kind, served, tmp_path, monkeypatch)
    for path in ("/", "/live"):
        reply = served.get(path + (f"?token={token}" if token else ""))
        assert reply.status == status, (kind, path)
        assert f'data-reason="{reason}"' in reply.body
        assert "Ask your facilitator for a new link." in reply.body
        assert "Vraag uw begeleider om een nieuwe link." in reply.body
        for secret in (served.alliance_name, OTHER_NAME, served.alliance_id, "al-spec", "revision"):
            assert secret not in reply.body, (kind, secret)
    assert served.context.views.renders == 0  # nothing of the workspace was loaded
    assert f"client link refused ({reason}) from 127.0.0.1" in served.logs


def test_a_duplicated_token_is_refused(served: Served) -> None:
    good = served.link().token
    reply = served.get(f"/?token={good}&token={good}")
    assert reply.status == 403 and 'data-reason="duplicate"' in reply.body
    assert served.alliance_name not in reply.body
    assert "client link refused (duplicate) from 127.0.0.1" in served.logs


@pytest.mark.parametrize(
    "path",
    [
        "/voila/templates/lab/static/../..",
        "/voila/templates/lab/static/",
        "/logout",
        "/login",
        "/api/kernels",
        "/api/kernels/00000000-0000-0000-0000-000000000000/channels",
        "/voila/render/client.ipynb",
        "/client.ipynb",
        "/static/../workspace.sqlite",
        "/static/..%2Fpage.css",
        "/static/nothing.js",
        "/workspace.sqlite",
    ],
)
def test_anything_else_is_404(served: Served, path: str) -> None:
    reply = served.get(path)
    assert reply.status == 404, path
    assert 'data-reason="not_found"' in reply.body and "Traceback" not in reply.body


# ------------------------------------------------------------------------------------------ live


def test_the_live_channel_tells_a_new_revision_and_then_a_revocation(served: Served) -> None:
    made = served.link()
    page = served.get(f"/?token={made.token}")
    revision = int(page.body.split('data-revision="', 1)[1].split('"', 1)[0])
    same = served.get(f"/live?token={made.token}&revision={revision}")  # waits client_live_wait (2 s)
    assert same.status == 200 and same.json() == {"revision": revision}
    ws = Workspace.open(served.db_url, actor="facilitator")
    ws.add(Partner(alliance_id=served.alliance_id, partner_id="late", name="Late Partner"))
    new = ws.revision(served.alliance_id)
    ws.close()
    changed = served.get(f"/live?token={made.token}&revision={revision}")
    assert new > revision and changed.status == 200 and changed.json() == {"revision": new}
    links.revoke(made.info.link_id, db_url=served.db_url)
    served.context.links.forget(made.token)  # as after client_link_check_ttl
    for path in (f"/live?token={made.token}&revision={new}", f"/?token={made.token}", "/live?token=" + made.token):
        reply = served.get(path)
        assert reply.status == 410 and 'data-reason="revoked"' in reply.body, path
        assert served.alliance_name not in reply.body and "Late Partner" not in reply.body


def test_a_revocation_reaches_requests_within_the_check_ttl(
    workspace_url: str, isolated_home: Path, fake_bundle: None
) -> None:
    with serving(workspace_url, make_config(isolated_home, client_link_check_ttl=0.5)) as s:
        made = s.link()
        assert s.get(f"/?token={made.token}").status == 200
        links.revoke(made.info.link_id, db_url=s.db_url)
        time.sleep(0.6)
        assert s.get(f"/?token={made.token}").status == 410


def test_open_live_requests_are_bounded_per_link(workspace_url: str, isolated_home: Path, fake_bundle: None) -> None:
    config = make_config(isolated_home, client_live_per_link=2, client_live_wait=3.0)
    with serving(workspace_url, config) as s:
        made, other = s.link(), s.link()
        page = s.get(f"/?token={made.token}")
        revision = page.body.split('data-revision="', 1)[1].split('"', 1)[0]
        held = f"/live?token={made.token}&revision={revision}"  # the current revision: held until the wait ends
        replies: list[Reply] = []

        def hold(server: Served = s, path: str = held) -> None:
            replies.append(server.get(path))

        threads = [threading.Thread(target=hold) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 2
        while s.context.live.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        third = s.get(held)
        assert third.status == 429 and third.headers["retry-after"] == "3"
        assert s.get(f"/live?token={other.token}&revision=-5").status == 200  # another link is not affected
        for t in threads:
            t.join()
        assert sorted(r.status for r in replies) == [200, 200]
        assert s.context.live.count() == 0


# ------------------------------------------------------------------------------------------ abuse


def test_one_links_burst_does_not_refuse_another(workspace_url: str, isolated_home: Path, fake_bundle: None) -> None:
    with serving(workspace_url, make_config(isolated_home, client_link_burst=5, client_link_rate=0.5)) as s:
        noisy, quiet = s.link(), s.link()
        assert s.get(f"/?token={quiet.token}").status == 200  # the view rendered, so the burst is only served
        statuses = [s.get(f"/?token={noisy.token}").status for _ in range(8)]
        assert statuses == [200] * 5 + [429] * 3
        limited = s.get(f"/?token={noisy.token}")
        assert limited.status == 429 and limited.headers["retry-after"] == "2"
        assert 'data-reason="busy"' in limited.body and s.alliance_name not in limited.body
        assert s.get(f"/?token={quiet.token}").status == 200


def test_an_address_refused_too_often_waits_but_known_links_still_open(
    workspace_url: str, isolated_home: Path, fake_bundle: None
) -> None:
    config = make_config(
        isolated_home, client_address_refusal_burst=3, client_address_refusal_rate=0.1, client_link_check_ttl=600
    )
    with serving(workspace_url, config) as s:
        good = s.link()
        assert s.get(f"/?token={good.token}").status == 200
        statuses = [s.get(f"/?token=forged{i}").status for i in range(5)]
        assert statuses == [403, 403, 403, 429, 429]
        assert s.get(f"/?token={good.token}").status == 200  # verified a moment ago: not a stranger's guess


def test_tokens_never_reach_a_log(served: Served) -> None:
    good = served.link()
    served.get(f"/?token={good.token}")
    served.get(f"/?token={good.token}&token={good.token}")
    served.get(f"/live?token={good.token}&revision=-1")
    served.get(f"/nowhere?token={good.token}")
    deadline = time.monotonic() + 5  # the access line is written just after the answer is sent
    while not any("GET /nowhere" in line for line in served.logs) and time.monotonic() < deadline:
        time.sleep(0.02)
    text = "\n".join(served.logs)
    assert "GET /nowhere (127.0.0.1)" in text and "GET / (127.0.0.1)" in text  # the access log is written
    assert good.token not in text and good.token.split(".")[0] not in text
    assert redact("GET /?a=1&token=abc.def x") == "GET /?a=1&token=[redacted] x"


def test_a_broken_secret_fails_closed(served: Served, isolated_home: Path) -> None:
    good = served.link()
    secret = links.secret_path(served.db_url)
    os.chmod(secret, 0o644)  # readable by others: links refuse to use it
    reply = served.get(f"/?token={good.token}")
    assert reply.status == 503 and 'data-reason="unavailable"' in reply.body
    assert served.alliance_name not in reply.body and "Traceback" not in reply.body
    text = "\n".join(served.logs)
    assert "client link could not be checked: UserError" in text
    assert good.token not in text and str(secret) not in text and "Traceback" not in text


def test_a_broken_database_fails_closed(served: Served) -> None:
    good = served.link()
    served.db_file.write_bytes(b"this is not a database" * 100)
    reply = served.get(f"/?token={good.token}")
    assert reply.status == 503 and 'data-reason="unavailable"' in reply.body
    assert "Traceback" not in "\n".join(served.logs) and good.token not in "\n".join(served.logs)


# ------------------------------------------------------------------------------------------ static files


def test_the_vega_bundle_is_one_cacheable_file(served: Served) -> None:
    page = served.get(f"/?token={served.link().token}")
    src = page.body.split('<script src="', 1)[1].split('"', 1)[0]
    asset = assets.load_assets()[assets.VEGA]
    assert src == f"/static/vega.js?v={asset.etag}"
    reply = served.get(src)
    assert reply.status == 200 and reply.body == "window.vegaEmbed = function () {};"
    assert reply.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert reply.headers["etag"] == f'"{asset.etag}"'
    assert reply.headers["content-type"] == "text/javascript; charset=utf-8"
    unversioned = served.get("/static/vega.js")
    assert unversioned.headers["cache-control"] == "no-cache"
    assert served.get("/static/vega.js", {"If-None-Match": f'"{asset.etag}"'}).status == 304
    request = urllib.request.Request(served.url + src, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as r:
        assert r.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(r.read()) == asset.body


# ------------------------------------------------------------------------------------------ the hook


HOOK = """
from alliance_lens.pages.view import Section, chart_section


def sections(view):
    note = Section("html", "note", "A note", html=f"<p class='note'>{len(view.data.partners)} partners</p>")
    return [note, chart_section(view, "contrast", "page.section.contrast", "contrast_chart")]
"""


@pytest.fixture
def hook_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An analyst's module with a client_view hook: one sentence and the contrast chart."""
    (tmp_path / "analyst_view.py").write_text(HOOK)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "analyst_view"


def test_an_analysts_hook_decides_the_sections(
    workspace_url: str, isolated_home: Path, fake_bundle: None, hook_module: str
) -> None:
    config = make_config(isolated_home, client_view=f"{hook_module}:sections")
    with serving(workspace_url, config) as s:
        reply = s.get(f"/?token={s.link().token}")
        assert reply.status == 200
        assert "<p class='note'>5 partners</p>" in reply.body
        assert reply.body.count('class="al-spec"') == 1 and "al-pattern-card" not in reply.body


def test_a_broken_hook_gives_a_plain_503(workspace_url: str, isolated_home: Path, fake_bundle: None) -> None:
    with serving(workspace_url, make_config(isolated_home, client_view="no_such_analyst_module:nothing")) as s:
        reply = s.get(f"/?token={s.link().token}")
        assert reply.status == 503 and 'data-reason="unavailable"' in reply.body
        assert s.logs[0] == (
            "the client view could not be rendered: client_view: module 'no_such_analyst_module' cannot be imported "
            "(ModuleNotFoundError)"
        )


def test_behind_a_proxy_the_visitors_address_counts(workspace_url: str, isolated_home: Path, fake_bundle: None) -> None:
    config = make_config(isolated_home, client_address_refusal_burst=2, client_address_refusal_rate=0.01)
    with serving(workspace_url, config) as s:
        flood = [s.get(f"/?token=forged{i}", {"X-Real-IP": "203.0.113.9"}).status for i in range(3)]
        assert flood == [403, 403, 429]
        # another visitor behind the same proxy is not refused for the first one's guesses
        assert s.get("/?token=forged", {"X-Forwarded-For": "198.51.100.7"}).status == 403
        assert "client link refused (tampered) from 203.0.113.9" in s.logs
        assert "client link refused (tampered) from 198.51.100.7" in s.logs


def test_the_client_page_and_the_dashboard_list_the_same_overdue_agreements(sample_workspace: Workspace) -> None:
    from alliance_lens.app.dashboard import FacilitatorDashboard
    from alliance_lens.app.state import DashboardState
    from alliance_lens.pages.view import overdue_list

    dash = FacilitatorDashboard(DashboardState(sample_workspace, language="en"), charts=())
    assert dash.state.alliance_id == synth.SAMPLE_ALLIANCE_ID
    view = view_input(sample_workspace, synth.SAMPLE_ALLIANCE_ID)
    page, shown = overdue_list(view).html, dash.overdue.widget.value
    row = r'<tr class="al-overdue-row[^"]*">.*?</tr>'
    assert re.findall(row, page) == re.findall(row, shown)
    # the sample's one overdue agreement (A910 and A911 fell due since S10: awaiting their outcome, not listed)
    assert re.findall(r"al-overdue-(A\d+)", page) == ["A912"]
    assert "<th>Agreement</th>" in page and "<th>Title</th>" in shown  # each face its own heads


def test_the_client_page_shows_the_pattern_cards_in_the_dashboards_order(sample_workspace: Workspace) -> None:
    from alliance_lens.app.dashboard import FacilitatorDashboard
    from alliance_lens.app.state import DashboardState
    from alliance_lens.pages.view import pattern_cards

    dash = FacilitatorDashboard(DashboardState(sample_workspace, language="en"), charts=())
    page = pattern_cards(view_input(sample_workspace, synth.SAMPLE_ALLIANCE_ID)).html
    card = r'class="al-pattern-card al-pattern-(\w+) al-partner-(\w+)"'
    # the states, most concerning first (as the board), not enough data last among them; then the shocks
    assert (
        re.findall(card, page)
        == re.findall(card, dash.patterns.cards.value)
        == [
            ("blind_trust", "meridian"),
            ("trust_lags", "nordwagen"),
            ("earned_trust", "solara"),
            ("not_enough_data", "kestrel"),
            ("trust_shock", "vantage"),
        ]
    )
    # dates as the dashboard writes them
    assert '<h3>Meridian Motors: Blind trust <span class="al-when">(25 Aug 2026)</span></h3>' in page
    assert "(27 Jan 2026)" in page and "(2026-08-25)" not in page
