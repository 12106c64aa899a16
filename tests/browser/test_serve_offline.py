"""``alliance-lens serve --demo`` in real Chromium: the dashboard draws with no request leaving 127.0.0.1."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ALLIANCE_LENS, Server, free_port, start_server, stop_server


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    server = start_server(
        [ALLIANCE_LENS, "serve", "--demo", "--no-browser", "--port", str(port)], port, tmp_path / "serve.log"
    )
    try:
        yield server
    finally:
        stop_server(server)


def test_the_demo_dashboard_draws_offline(demo_server: Server, page: object, isolated_home: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))  # type: ignore[attr-defined]
    response = page.goto(demo_server.url + "/", timeout=60_000)  # type: ignore[attr-defined]
    assert response.status == 200
    page.wait_for_selector(".al-dashboard .al-charts svg", timeout=90_000)  # type: ignore[attr-defined]
    text = page.inner_text("body")  # type: ignore[attr-defined]
    assert "Shared EV Platform Alliance" in text  # the sample alliance, from the temporary copy
    html = page.content()  # type: ignore[attr-defined]
    assert "facilitator_dashboard()" not in html  # sources stripped
    assert "cdn.jsdelivr.net" not in html  # Voilà's lab page links Font Awesome there; ours does not
    assert requests and all(u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) for u in requests)
    # the server said where it is; the demo never touched the real workspace
    assert f"http://127.0.0.1:{demo_server.port}/" in demo_server.log()
    assert not (isolated_home / "workspace.sqlite").exists()
    # the page fixture fails the test on any request leaving 127.0.0.1 and on any page error


def test_off_loopback_the_dashboard_needs_its_token(tmp_path: Path) -> None:
    port = free_port()
    server = start_server(
        [ALLIANCE_LENS, "serve", "--demo", "--no-browser", "--ip", "0.0.0.0", "--port", str(port)],
        port,
        tmp_path / "serve.log",
    )
    try:
        url = next(m for m in re.findall(r"dashboard is at (\S+)", _wait_for(server, "dashboard is at")))
        token = url.split("token=", 1)[1]
        assert len(token) >= 24
        opener = urllib.request.build_opener(_NoRedirect())
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(f"http://127.0.0.1:{port}/", timeout=30)
        assert refused.value.code in {302, 403}  # to the login page, never the dashboard
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={token}", timeout=120) as ok:
            assert ok.status == 200
            assert b"jupyter-config-data" in ok.read()
    finally:
        stop_server(server)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _wait_for(server: Server, text: str, timeout: float = 30.0) -> str:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log()
        if text in log:
            return log
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the server's output:\n{server.log()}")
