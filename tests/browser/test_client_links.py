"""The client server in real Chromium: a link shows its alliance and nothing else; every bad link is refused.

One client server (``alliance-lens serve --clients``) runs for the module, on a workspace holding two
alliances; a second one with a ceiling of two kernels checks the "busy, try again" page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from alliance_lens import links, synth
from alliance_lens.model import AllianceData

from .conftest import ALLIANCE_LENS, Server, free_port, start_server, stop_server

store = pytest.importorskip("alliance_lens.store")

OTHER_NAME = "The Other Alliance"


@dataclass
class Site:
    server: Server
    home: Path
    db_url: str
    db_file: Path
    alliance_id: str
    alliance_name: str

    def link(
        self,
        monkeypatch: pytest.MonkeyPatch,
        alliance_id: str | None = None,
        expires: dt.timedelta = dt.timedelta(days=1),
        now: dt.datetime | None = None,
    ) -> links.SharedLink:
        """A link made with this site's workspace and secret (the facilitator's ``share``)."""
        monkeypatch.setenv("ALLIANCE_LENS_HOME", str(self.home))
        return links.make_link(
            alliance_id or self.alliance_id, expires, db_url=self.db_url, base_url=self.server.url + "/", now=now
        )


def _workspace(home: Path) -> tuple[str, str, str]:
    url = f"sqlite:///{home / 'workspace.sqlite'}"
    sample = synth.generate_sample()
    frames = {}
    for name, frame in sample.tables().items():
        f = frame.copy()
        f["alliance_id"] = "other-alliance"
        if name == "alliances":
            f["name"] = OTHER_NAME
        frames[name] = f
    ws = store.Workspace.open(url)
    try:
        ws.import_data(sample)
        ws.import_data(AllianceData.from_frames(frames))
        row = ws.alliances().query("alliance_id != 'other-alliance'").iloc[0]
    finally:
        ws.close()
    return url, str(row["alliance_id"]), str(row["name"])


def _start(home: Path, db_url: str, log: Path) -> Server:
    port = free_port()
    return start_server(
        [ALLIANCE_LENS, "serve", "--clients", "--no-browser", "--port", str(port), "--db", db_url],
        port,
        log,
        env={"ALLIANCE_LENS_HOME": str(home)},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("client-home")
    url, aid, name = _workspace(home)
    server = _start(home, url, home / "clients.log")
    try:
        yield Site(server, home, url, home / "workspace.sqlite", aid, name)
    finally:
        stop_server(server)


def kernels_of(server: Server) -> int:
    """Kernel processes the server runs now."""
    count = 0
    for child in psutil.Process(server.process.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a child that ended meanwhile
            count += child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline())
    return count


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_link_shows_its_alliance_and_no_other(site: Site, page: object, monkeypatch: pytest.MonkeyPatch) -> None:
    link = site.link(monkeypatch)
    before = digest(site.db_file)
    response = page.goto(link.url, timeout=60_000)  # type: ignore[attr-defined]
    assert response.status == 200
    page.wait_for_selector(".al-client .al-charts svg", timeout=90_000)  # type: ignore[attr-defined]
    text = page.inner_text("body")  # type: ignore[attr-defined]
    assert site.alliance_name in text
    assert OTHER_NAME not in text
    html = page.content()  # type: ignore[attr-defined]
    assert OTHER_NAME not in html and "other-alliance" not in html
    assert "client_dashboard()" not in html  # sources stripped
    # no entry widget on a client's page
    assert page.locator("input, textarea, select, button").count() == 0  # type: ignore[attr-defined]
    # reading left the workspace exactly as it was
    assert digest(site.db_file) == before


def test_the_other_alliance_has_its_own_link(site: Site, page: object, monkeypatch: pytest.MonkeyPatch) -> None:
    link = site.link(monkeypatch, alliance_id="other-alliance")
    page.goto(link.url, timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_selector(".al-client .al-charts svg", timeout=90_000)  # type: ignore[attr-defined]
    text = page.inner_text("body")  # type: ignore[attr-defined]
    assert OTHER_NAME in text and site.alliance_name not in text


def _bad_tokens(site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    valid = site.link(monkeypatch).token
    payload, signature = valid.rsplit(".", 1)
    expired = site.link(monkeypatch, expires=dt.timedelta(hours=1), now=dt.datetime(2024, 3, 1)).token
    revoked = site.link(monkeypatch)
    links.revoke(revoked.info.link_id, db_url=site.db_url)
    # signed by this workspace, for an alliance it does not hold
    with monkeypatch.context() as m:
        m.setattr(links, "_alliance_exists", lambda alliance_id, db_url: True)
        gone = site.link(m, alliance_id="gone-alliance").token
    # made by another workspace (its own secret) for the same alliance id
    monkeypatch.setenv("ALLIANCE_LENS_HOME", str(tmp_path))
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    ws = store.Workspace.open(elsewhere)
    ws.import_data(synth.generate_sample())
    ws.close()
    foreign = links.make_link(site.alliance_id, dt.timedelta(days=1), db_url=elsewhere).token
    return {
        "missing": "",
        "tampered": f"{payload}.{signature[::-1]}",
        "expired": expired,
        "revoked": revoked.token,
        "unknown_alliance": gone,
        "foreign": foreign,
    }


def test_every_bad_link_is_refused_without_data_or_kernel(
    site: Site, page: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tokens = _bad_tokens(site, monkeypatch, tmp_path)
    before = digest(site.db_file)
    kernels = kernels_of(site.server)
    for kind, token in tokens.items():
        url = site.server.url + "/" + (f"?token={token}" if token else "")
        response = page.goto(url, timeout=30_000)  # type: ignore[attr-defined]
        assert response.status == 403, kind
        reason = page.get_attribute("[data-reason]", "data-reason")  # type: ignore[attr-defined]
        assert reason == ("tampered" if kind == "foreign" else kind)
        text = page.inner_text("body")  # type: ignore[attr-defined]
        assert text.strip(), kind
        html = page.content()  # type: ignore[attr-defined]
        for secret in (site.alliance_name, OTHER_NAME, site.alliance_id, "<svg", "jupyter-config-data"):
            assert secret not in html, (kind, secret)
    assert "withdrawn" in page.goto(site.server.url + "/?token=" + tokens["revoked"]).text()  # type: ignore[attr-defined]
    # a stranger reloading a bad link starts no kernel and changes nothing
    assert kernels_of(site.server) <= kernels
    assert digest(site.db_file) == before


@pytest.mark.parametrize(
    "path",
    [
        "/facilitator.ipynb",
        "/client.ipynb",
        "/voila/render/facilitator.ipynb",
        "/voila/files/facilitator.ipynb",
        "/voila/tree",
        "/voila/api/contents",
        "/api/contents/facilitator.ipynb",
        "/api/kernels",
        "/workspace.sqlite",
        "/voila/files/../workspace.sqlite",
    ],
)
def test_nothing_but_the_client_view_is_reachable(site: Site, path: str) -> None:
    try:
        with urllib.request.urlopen(site.server.url + path, timeout=30) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    assert status in {403, 404}, (path, status)
    assert b"facilitator_dashboard" not in body and b"cells" not in body and b"SQLite" not in body


def test_the_client_store_refuses_writes(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from alliance_lens.model import Partner

    link = site.link(monkeypatch)
    before = digest(site.db_file)
    info = links.verify(link.token, db_url=site.db_url)
    workspace = store.Workspace.open(site.db_url, read_only=True)  # as the client view opens it (app/client.py)
    try:
        with pytest.raises(store.ReadOnlyError):
            workspace.add(Partner(alliance_id=info.alliance_id, partner_id="intruder", name="Intruder"))
    finally:
        workspace.close()
    assert digest(site.db_file) == before


def test_past_the_kernel_ceiling_a_busy_page(tmp_path: Path, browser: object, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # one kernel at most, culling out of the way: the preheated one serves the first visitor, and the pool
    # cannot refill past the ceiling
    (home / "voila.json").write_text(
        json.dumps({"BoundedKernelManager": {"max_kernels": 1}, "MappingKernelManager": {"cull_idle_timeout": 3600}})
    )
    url, aid, _ = _workspace(home)
    server = _start(home, url, tmp_path / "busy.log")
    try:
        site = Site(server, home, url, home / "workspace.sqlite", aid, "")
        link = site.link(monkeypatch)
        context = browser.new_context()  # type: ignore[attr-defined]
        statuses = []
        for _ in range(4):
            pg = context.new_page()
            response = pg.goto(link.url, timeout=60_000)
            statuses.append(response.status)
            if response.status == 503:
                assert response.headers.get("retry-after")
                assert "busy" in pg.inner_text("body").lower()
                assert pg.get_attribute("[data-reason]", "data-reason") == "busy"
                break
            pg.wait_for_selector(".al-client .al-charts svg", timeout=90_000)
            time.sleep(1.5)  # let the pool refill try
        context.close()
        assert statuses[0] == 200
        assert statuses[-1] == 503, statuses
        assert kernels_of(server) <= 1
    finally:
        stop_server(server)
