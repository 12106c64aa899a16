"""The client server under load: concurrent page loads, and a stranger reloading bad links.

Run: ``/tmp/venv/bin/python bench/bench_clients.py [--clients N] [--bad N] [--config JSON]``

1. ``--clients`` (default 20) client page loads at once, each in its own headless Chromium context, with a
   valid link, against ``alliance-lens serve --clients`` with its default settings on a workspace holding the
   sample: how many rendered, and the median and worst time from ``page.goto`` to the first chart's ``<svg>``.
2. ``--bad`` (default 200) page loads in a row with bad tokens (tampered, missing, revoked in turn): the client
   server's memory (its own RSS plus every kernel it runs) before and after, and its kernel count — a bad
   link is refused before any kernel starts, so both should stay at their idle level.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serve import ALLIANCE_LENS, CHROMIUM, LAUNCH_ARGS, Server, free_port, is_kernel


def footprint(server: Server) -> tuple[float, int]:
    """MiB of the server and its kernels together, and how many kernels."""
    proc = psutil.Process(server.proc.pid)
    kernels = [k for k in proc.children(recursive=True) if is_kernel(k)]
    rss = proc.memory_info().rss
    for k in kernels:
        with contextlib.suppress(psutil.Error):
            rss += k.memory_info().rss
    return rss / 2**20, len(kernels)


async def load(browser: object, url: str) -> float | None:
    context = await browser.new_context()  # type: ignore[attr-defined]
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=300_000)
        await page.wait_for_selector(".al-client .al-charts svg", timeout=300_000)
        return time.perf_counter() - start
    except Exception as exc:
        print(f"   a page did not render: {exc!r:.200}")
        return None
    finally:
        await context.close()


async def concurrent(url: str, n: int) -> list[float | None]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        results = await asyncio.gather(*(load(browser, url) for _ in range(n)))
        await browser.close()
    return list(results)


def bad_loads(server: Server, tokens: list[str], n: int) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        start = time.perf_counter()
        refused = 0
        for i in range(n):
            token = tokens[i % len(tokens)]
            response = page.goto(server.url + (f"?token={token}" if token else ""), timeout=60_000)
            refused += response is not None and response.status == 403
        elapsed = time.perf_counter() - start
        browser.close()
    return elapsed, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--bad", type=int, default=200)
    parser.add_argument(
        "--config",
        default=None,
        metavar="JSON",
        help="settings to try, written to $ALLIANCE_LENS_HOME/voila.json, e.g. "
        '\'{"BoundedKernelManager": {"max_rendering": 1}}\'',
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-clients-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        if args.config:
            (home / "voila.json").write_text(args.config)
            print(f"settings tried: {args.config}")
        os.environ["ALLIANCE_LENS_HOME"] = str(home)
        from alliance_lens import links, synth
        from alliance_lens.store import Workspace

        url = f"sqlite:///{home / 'workspace.sqlite'}"
        ws = Workspace.open(url)
        ws.import_data(synth.generate_sample())
        alliance = str(ws.alliances()["alliance_id"].iloc[0])
        ws.close()
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        good = links.make_link(alliance, dt.timedelta(days=1), db_url=url, base_url=base)
        revoked = links.make_link(alliance, dt.timedelta(days=1), db_url=url, base_url=base)
        links.revoke(revoked.info.link_id, db_url=url)
        server = Server(
            [ALLIANCE_LENS, "serve", "--clients", "--no-browser", "--port", str(port), "--db", url],
            port,
            Path(tmp) / "clients.log",
            env={"ALLIANCE_LENS_HOME": str(home)},
        )
        try:
            server.wait_pool(1)
            print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB")
            idle_mib, idle_kernels = footprint(server)
            print(f"idle client server: {idle_mib:.0f} MiB with {idle_kernels} kernel(s) (the preheated pool)")

            print(f"\n2. {args.bad} page loads with bad tokens in a row")
            before = footprint(server)
            elapsed, refused = bad_loads(server, [good.token[:-3] + "abc", "", revoked.token], args.bad)
            time.sleep(2)
            after = footprint(server)
            print(f"   refused: {refused}/{args.bad} in {elapsed:.1f} s ({1000 * elapsed / args.bad:.0f} ms a load)")
            print(
                f"   memory before {before[0]:.0f} MiB, {before[1]} kernel(s); after {after[0]:.0f} MiB, "
                f"{after[1]} kernel(s)  (goal: back to idle)"
            )

            print(f"\n1. {args.clients} concurrent client page loads, valid link")
            times = asyncio.run(concurrent(good.url, args.clients))
            done = [t for t in times if t is not None]
            print(f"   rendered: {len(done)}/{args.clients}")
            if done:
                print(
                    f"   time to first chart: median {statistics.median(done):.1f} s, worst {max(done):.1f} s, "
                    f"best {min(done):.1f} s"
                )
            mib, kernels = footprint(server)
            print(f"   server + kernels now: {mib:.0f} MiB, {kernels} kernels (culled after 10 idle minutes)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
