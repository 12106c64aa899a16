"""Real-browser fixtures: Debian's Chromium driven by Playwright, with no way out of 127.0.0.1.

Every page opened through :func:`page` fails its test on any request that leaves the machine and on any
page error; a screenshot of each test's last state is kept in ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

import vega_cache

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # any host but this machine is unresolvable, so a stray CDN request fails at once
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test."""
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


@dataclass
class PageGuard:
    """What the page did that a test must not accept."""

    external_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """Fail on any request that left the machine and on any uncaught page error."""
        assert not self.external_requests, f"requests left 127.0.0.1: {self.external_requests}"
        assert not self.page_errors, f"page errors: {self.page_errors}"


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (or need no network at all)."""
    parsed = urlparse(url)
    if parsed.scheme in {"data", "blob", "about", "file", "chrome-error"}:
        return True
    return (parsed.hostname or "") in LOCAL_HOSTS


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium per test module.

    Not per session: Playwright's sync API keeps an asyncio loop running in the main thread while it is open,
    and the widget tests that run after the browser tests need ``asyncio.run``.
    """
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh page whose external requests and page errors fail the test; screenshot kept at the end."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    pg = context.new_page()
    guard = PageGuard()
    pg.on("request", lambda r: None if is_local(r.url) else guard.external_requests.append(r.url))
    pg.on("pageerror", lambda e: guard.page_errors.append(str(e)))
    pg.on("console", lambda m: guard.console_errors.append(m.text) if m.type == "error" else None)
    pg.guard = guard
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    # the screenshot is a by-product; a closed page must not hide the test's own result
    with contextlib.suppress(Exception):
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    guard.assert_clean()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A server process started for a test, and where it listens."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace")


def start_server(
    argv: Sequence[str], port: int, log_path: Path, env: dict[str, str] | None = None, timeout: float = 60.0
) -> Server:
    """Start ``argv`` (which must listen on ``port``) and wait until it accepts connections."""
    full_env = {**os.environ, **(env or {})}
    if "ALLIANCE_LENS_HOME" in full_env:  # its one Vega bundle, as on a machine that has started a server before
        vega_cache.ensure_into(Path(full_env["ALLIANCE_LENS_HOME"]))
    out = log_path.open("wb")
    proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return Server(proc, port, log_path)
        time.sleep(0.1)
    stop_server(Server(proc, port, log_path))
    raise RuntimeError(f"server did not listen on {port} within {timeout} s:\n{log_path.read_text(errors='replace')}")


def stop_server(server: Server) -> None:
    """Stop the server and everything it started (its kernels)."""
    import signal

    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)


PYTHON = sys.executable
ALLIANCE_LENS = str(Path(PYTHON).with_name("alliance-lens"))


def start_demo(home: Path, *, env: dict[str, str] | None = None, timeout: float = 90) -> Server:
    """``alliance-lens serve --demo`` with its home in ``home`` (the demo alliance in a workspace of its own)."""
    port = free_port()
    return start_server(
        [ALLIANCE_LENS, "serve", "--demo", "--no-browser", "--port", str(port)],
        port,
        home / "serve.log",
        env={"ALLIANCE_LENS_HOME": str(home), **(env or {})},
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo dashboard, started once per test module and shared by its tests (a kernel per page opened)."""
    srv = start_demo(tmp_path_factory.mktemp("home"))
    yield srv
    stop_server(srv)
