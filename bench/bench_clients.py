"""The kernel-less client server under load: CPU per page, bursts, browsers, renders, revocation, bad links.

Run: ``.venv/bin/python bench/bench_clients.py [--concurrent 200] [--browsers 20] [--bad 1000] [--skip-browsers]``

Starts ``alliance-lens serve --clients`` on a free port on a workspace holding the sample, with its default
settings (the Vega bundle already built: a machine builds it once), and measures, on loopback only:

1. **CPU per cached page**: the server process's CPU-seconds (user + system, from ``/proc``) over 300 page loads
   in a row with valid links (20 links, so link checks hit the database too), divided by 300; then the same
   with a fresh browser's static files (the Vega bundle gzipped, the script, the style) fetched with each page.
2. **Concurrent loads**: ``--concurrent`` page loads at once from one HTTP client (Tornado's, 20 links): how
   many were served, p50/p95 of the server's own time (its access log) and of the client's, kernels started,
   the server's memory idle / after / 5 s later.
3. **Browsers**: ``--browsers`` pages at once in headless Chromium (a context each, so each fetches the bundle),
   median and worst time from ``goto`` to the first chart (``.al-chart svg``), then one page alone.
4. **First render after a change**: a facilitator's save (through the Workspace), then one page load: its time,
   and the render time the server logs.
5. **Revocation**: an open page in Chromium, the link revoked: seconds until the page shows the refusal; then
   every URL with that token (``/``, ``/live``) is fetched and must not give the alliance's data.
6. **Bad tokens**: ``--bad`` requests with forged tokens in a row: how many refused (403 or 429), memory before
   and after.

Print the load average beside the figures (the machine is shared): it is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from _common import free_port, loadavg, start_server, stop_server

VENV_BIN = Path(sys.executable).parent
ALLIANCE_LENS = str(VENV_BIN / "alliance-lens")
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
ACCESS = re.compile(r"(\d{3}) GET (\S+) \([^)]*\) ([\d.]+)ms")


def cpu_of(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def rss_mib(proc: psutil.Process) -> float:
    return proc.memory_info().rss / 2**20


def kernels(proc: psutil.Process) -> int:
    count = 0
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            count += "ipykernel" in " ".join(child.cmdline())
    return count


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Site:
    """The workspace, its links and the running client server."""

    def __init__(self, home: Path) -> None:
        from alliance_lens import synth
        from alliance_lens.store import Workspace

        os.environ["ALLIANCE_LENS_HOME"] = str(home)
        self.home = home
        self.db_url = f"sqlite:///{home / 'workspace.sqlite'}"
        ws = Workspace.open(self.db_url)
        ws.import_data(synth.generate_sample())
        self.alliance_id = str(ws.alliances()["alliance_id"].iloc[0])
        self.alliance_name = str(ws.alliances()["name"].iloc[0])
        ws.close()
        # the bundle lives in the workspace folder's cache; a machine builds it once, not per bench run
        real_cache = Path.home() / ".alliance_lens" / "cache"
        if real_cache.is_dir():
            (home / "cache").mkdir(exist_ok=True)
            for bundle in real_cache.glob("vega-bundle-*.js"):
                (home / "cache" / bundle.name).write_bytes(bundle.read_bytes())
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "server.log"
        argv = [ALLIANCE_LENS, "serve", "--clients", "--no-browser", "--port", str(self.port), "--db", self.db_url]
        self.proc = start_server(argv, self.port, log=self.log_path, timeout=180)
        self.ps = psutil.Process(self.proc.pid)

    def links(self, n: int) -> list[str]:
        from alliance_lens import links

        return [
            links.make_link(self.alliance_id, dt.timedelta(days=1), db_url=self.db_url, base_url=self.url + "/").url
            for _ in range(n)
        ]

    def access_lines(self) -> list[tuple[int, str, float]]:
        return [(int(m[1]), m[2], float(m[3])) for m in ACCESS.finditer(self.log_path.read_text(errors="replace"))]

    def stop(self) -> None:
        stop_server(self.proc)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def cpu_per_page(site: Site, urls: list[str], n: int = 300) -> None:
    get(urls[0])  # render once
    for u in urls:
        get(u)  # each link verified once
    before = cpu_of(site.ps)
    for i in range(n):
        status, _ = get(urls[i % len(urls)], {"Accept-Encoding": "gzip"})
        assert status == 200, status
    per_page = (cpu_of(site.ps) - before) / n
    page = get(urls[0])[1].decode()
    statics = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    before = cpu_of(site.ps)
    for i in range(n // 3):
        get(urls[i % len(urls)], {"Accept-Encoding": "gzip"})
        for path in statics:
            get(site.url + path, {"Accept-Encoding": "gzip"})
    fresh = (cpu_of(site.ps) - before) / (n // 3)
    print(f"1. server CPU per cached page: {per_page:.4f} CPU-s ({n} loads, {len(urls)} links, gzip)")
    print(f"   with a fresh browser's static files ({', '.join(p.split('?')[0] for p in statics)}): {fresh:.4f} CPU-s")
    print(f"   load {loadavg()}")


async def _burst(urls: list[str], n: int) -> list[tuple[int, float]]:
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    AsyncHTTPClient.configure(None, max_clients=n)
    client = AsyncHTTPClient()

    async def one(url: str) -> tuple[int, float]:
        start = time.perf_counter()
        try:
            r = await client.fetch(url, request_timeout=120, connect_timeout=120, raise_error=False)
            return r.code, time.perf_counter() - start
        except HTTPClientError as e:
            return e.code, time.perf_counter() - start
        except Exception:
            return 0, time.perf_counter() - start

    return await asyncio.gather(*(one(urls[i % len(urls)]) for i in range(n)))


def concurrent_loads(site: Site, urls: list[str], n: int) -> None:
    for u in urls:
        get(u)
    time.sleep(1)
    idle = rss_mib(site.ps)
    seen = len(site.access_lines())
    results = asyncio.run(_burst(urls, n))
    after = rss_mib(site.ps)
    time.sleep(5)
    settled = rss_mib(site.ps)
    served = sum(1 for code, _ in results if code == 200)
    server_ms = [ms for code, path, ms in site.access_lines()[seen:] if path == "/"]
    client_s = [t for _, t in results]
    print(f"2. {n} concurrent page loads ({len(urls)} links): {served}/{n} served (200)")
    print(
        f"   server time p50 {pct(server_ms, 0.5) / 1000:.3f} s, p95 {pct(server_ms, 0.95) / 1000:.3f} s, "
        f"max {max(server_ms) / 1000:.3f} s; client time p50 {pct(client_s, 0.5):.3f} s, "
        f"p95 {pct(client_s, 0.95):.3f} s"
    )
    print(
        f"   kernels: {kernels(site.ps)}; server memory idle {idle:.0f} MiB, right after {after:.0f} MiB, "
        f"5 s later {settled:.0f} MiB ({settled - idle:+.0f} MiB)"
    )
    print(f"   load {loadavg()}")


async def _browsers(urls: list[str], n: int) -> tuple[list[float | None], float | None]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)

        contexts: list[object] = []

        async def load(url: str, keep: bool = True) -> float | None:
            context = await browser.new_context()
            contexts.append(context)
            page = await context.new_page()
            start = time.perf_counter()
            try:
                await page.goto(url, timeout=120_000)
                await page.wait_for_selector(".al-chart svg", timeout=120_000)
                return time.perf_counter() - start
            except Exception as exc:
                print(f"   a page did not draw: {exc!r:.160}")
                return None

        def chromium_cpu() -> float:
            total = 0.0
            for c in psutil.Process().children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += cpu_of(c) if "chrom" in c.name() else 0.0
            return total

        before = chromium_cpu()
        many = await asyncio.gather(*(load(urls[i % len(urls)]) for i in range(n)))
        # every page drawn all its charts: the browser's whole cost (contexts still open, so counted)
        for context in contexts:
            for page in context.pages:  # type: ignore[attr-defined]
                with contextlib.suppress(Exception):
                    await page.wait_for_selector("body[data-drawn]", timeout=120_000)
        spent = chromium_cpu() - before
        for context in contexts:
            await context.close()  # type: ignore[attr-defined]
        alone = await load(urls[0])
        await browser.close()
    print(f"   Chromium's CPU for the {n} pages, all charts drawn: {spent:.1f} CPU-s ({spent / n:.2f} a page)")
    return many, alone


def browsers(site: Site, urls: list[str], n: int) -> None:
    many, alone = asyncio.run(_browsers(urls, n))
    drawn = [t for t in many if t is not None]
    print(f"3. {n} pages at once in Chromium: {len(drawn)}/{n} drew their charts")
    if drawn:
        print(f"   time to first chart: median {statistics.median(drawn):.2f} s, worst {max(drawn):.2f} s")
    print(f"   one page alone: {alone:.2f} s" if alone is not None else "   one page alone: did not draw")
    print(f"   load {loadavg()}")


def first_render(site: Site, url: str) -> None:
    from alliance_lens.model import Partner
    from alliance_lens.store import Workspace

    ws = Workspace.open(site.db_url, actor="bench")
    ws.add(Partner(alliance_id=site.alliance_id, partner_id=f"bench-{int(time.time())}", name="Bench Partner"))
    ws.close()
    time.sleep(1.2)  # past client_revision_interval (1 s): the next page sees the new revision
    start = time.perf_counter()
    status, body = get(url)
    took = time.perf_counter() - start
    rendered = re.findall(r"rendered at revision \d+ in ([\d.]+) s", site.log_path.read_text(errors="replace"))
    assert status == 200 and b"Bench Partner" in body
    print(f"4. first page after a save: {took:.2f} s (the server's render: {rendered[-1]} s); the next ones are cached")
    print(f"   load {loadavg()}")


async def _revocation(site: Site, url: str) -> float:
    from playwright.async_api import async_playwright

    from alliance_lens import links

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = await browser.new_page()
        await page.goto(url, timeout=120_000)
        await page.wait_for_selector(".al-chart svg", timeout=120_000)
        token = url.split("token=", 1)[1]
        links.revoke(url, db_url=site.db_url)
        start = time.perf_counter()
        await page.wait_for_selector('[data-reason="revoked"]', timeout=120_000)
        took = time.perf_counter() - start
        html = await page.content()
        await browser.close()
    assert site.alliance_name not in html
    for path in (f"/?token={token}", f"/live?token={token}&revision=0"):
        status, body = get(site.url + path)
        assert status == 410 and site.alliance_name.encode() not in body and b"al-spec" not in body, path
    return took


def revocation(site: Site, url: str) -> None:
    took = asyncio.run(_revocation(site, url))
    print(f"5. revoked while open: the page showed the refusal after {took:.1f} s; / and /live with it: 410, no data")
    print(f"   load {loadavg()}")


def bad_tokens(site: Site, n: int) -> None:
    time.sleep(1)
    before = rss_mib(site.ps)
    statuses = [get(f"{site.url}/?token=forged-{i}.AAAA")[0] for i in range(n)]
    time.sleep(1)
    after = rss_mib(site.ps)
    refused = sum(1 for s in statuses if s in {403, 429})
    print(
        f"6. {n} bad tokens: {refused}/{n} refused ({statuses.count(403)}x 403, {statuses.count(429)}x 429); "
        f"server memory {before:.0f} → {after:.0f} MiB ({after - before:+.1f}); kernels {kernels(site.ps)}"
    )
    print(f"   load {loadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--concurrent", type=int, default=200)
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--bad", type=int, default=1000)
    parser.add_argument("--skip-browsers", action="store_true")
    args = parser.parse_args()
    print(f"load at start {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-clients-") as folder:
        site = Site(Path(folder))
        try:
            urls = site.links(20)
            cpu_per_page(site, urls)
            concurrent_loads(site, urls, args.concurrent)
            if not args.skip_browsers:
                browsers(site, urls, args.browsers)
            first_render(site, urls[0])
            if not args.skip_browsers:
                revocation(site, site.links(1)[0])
            bad_tokens(site, args.bad)
        finally:
            site.stop()
    print(f"load at end {loadavg()}")


if __name__ == "__main__":
    main()
