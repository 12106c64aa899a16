"""The live poll under load: 40 phones answering in the same second, and 1,000 fuzzed answers.

Run: ``.venv/bin/python bench/bench_poll.py [--phones N] [--fuzz N]``

The poll's pages run in their own process — the whole client server (``alliance-lens serve --clients``, default
settings; ``--server pages``: the poll's pages alone, in plain Tornado) — on a free loopback port, over a fresh
SQLite workspace; this process plays the phones (one thread and one cookie each, plain HTTP) and the
facilitator (a :class:`~alliance_lens.app.poll.PollWatch`, checking every ``poll_refresh`` seconds as the
projector's panel does).

1. ``--phones`` (default 40) phones open the page, then all send their answer at the same instant (a barrier):
   stored / errors / partial writes (each device must have exactly the ratings it sent); the median and p95 of
   "phone sends → the facilitator's state shows it"; the server's CPU per page view and per answer.
2. ``--fuzz`` (default 1,000) answers in a row, each broken in one to three ways (tests/test_pages_poll.py):
   crashes (5xx or no answer), writes (the revision must not move), and refusals without a message.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psutil
from _common import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


class Server:
    #: ``client``: the whole client server (alliance-lens serve --clients); ``pages``: the poll's pages alone
    kind = "client"

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.port = free_port()
        if self.kind == "pages":
            argv = [sys.executable, "-m", "alliance_lens.pages.poll", url, str(self.port)]
        else:
            cli = str(Path(sys.executable).with_name("alliance-lens"))
            argv = [cli, "serve", "--clients", "--no-browser", "--port", str(self.port)]
        self.proc = start_server(argv, self.port, env={"ALLIANCE_LENS_DB": url, **env})
        self.ps = psutil.Process(self.proc.pid)

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return float(t.user + t.system)

    def stop(self) -> None:
        stop_server(self.proc)


class Phone:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie" and value.startswith("al_poll_device="):
                self.cookie = value.split(";")[0]
        conn.close()
        return resp.status, text

    def open(self, path: str) -> int:
        status, text = self.request("GET", path)
        m = re.search(r'name="csrf" value="([^"]+)"', text)
        self.csrf = m.group(1) if m else ""
        return status


def setup(folder: Path) -> tuple[str, list[str]]:
    import datetime as dt

    from alliance_lens.model import Alliance, Partner, Session
    from alliance_lens.store import Workspace

    url = f"sqlite:///{folder / 'workspace.sqlite'}"
    partners = [f"p{i}" for i in range(1, 7)]
    with Workspace.open(url, actor="bench") as ws:
        ws.add_many(
            [
                Alliance("north", "Alliance North", 1, 5, "en"),
                *[Partner("north", p, f"Partner {p}") for p in partners],
                Session("north", "s1", dt.date(2026, 12, 1), "Review"),
            ]
        )
    return url, partners


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def phones_round(url: str, partners: list[str], n: int) -> None:
    from alliance_lens.app.poll import PollWatch
    from alliance_lens.config import settings
    from alliance_lens.store import Workspace, polls

    server = Server(url, {})
    try:
        with Workspace.open(url, actor="facilitator") as ws:
            link = polls.open_poll(ws, "north", "s1", base_url=f"http://127.0.0.1:{server.port}/")
            path = "/" + link.url.split("/", 3)[3]
            rng = random.Random(40)
            answers = []
            for i in range(n):
                rater = partners[i % len(partners)]
                scores = {f"score:{p}": str(rng.randint(1, 5)) for p in partners if p != rater and rng.random() < 0.9}
                scores = scores or {f"score:{partners[(i + 1) % len(partners)]}": "3"}
                answers.append({"rater": rater, **scores})
            phones = [Phone(server.port) for _ in range(n)]

            # page views, all at once
            cpu0 = server.cpu()
            views: list[int] = []
            threads = [threading.Thread(target=lambda p=p: views.append(p.open(path))) for p in phones]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            cpu_views = server.cpu() - cpu0

            watch = PollWatch(ws, "north", "s1", floor=3)
            watch.check()
            seen: list[tuple[float, int]] = []
            stop = threading.Event()
            interval = float(settings().poll_refresh)

            def facilitator() -> None:
                while not stop.is_set():
                    watch.check()
                    assert watch.results is not None
                    seen.append((time.perf_counter(), watch.results.total))
                    stop.wait(interval)

            barrier = threading.Barrier(n)
            sent: list[tuple[float, float, int, str]] = []

            def send(p: Phone, fields: dict[str, str]) -> None:
                body = urlencode({"csrf": p.csrf, **fields}).encode()
                barrier.wait()
                t0 = time.perf_counter()
                status, text = p.request("POST", path, body)
                sent.append((t0, time.perf_counter(), status, text))

            watcher = threading.Thread(target=facilitator)
            watcher.start()
            cpu1 = server.cpu()
            threads = [threading.Thread(target=send, args=(p, a)) for p, a in zip(phones, answers, strict=True)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            cpu_posts = server.cpu() - cpu1
            deadline = time.perf_counter() + 30
            while (not seen or seen[-1][1] < n) and time.perf_counter() < deadline:
                time.sleep(0.05)
            stop.set()
            watcher.join()

            stored = sum(1 for *_, status, text in sent if status == 200 and 'data-outcome="stored"' in text)
            errors = [status for *_, status, _ in sent if status != 200]
            # partial writes: every device has exactly the ratings it sent
            r = ws.load("north").trust_ratings
            per_device = r.groupby("respondent").size().sort_values().tolist()
            expected = sorted(len([k for k in a if k.startswith("score:")]) for a in answers)
            partial = 0 if per_device == expected else abs(len(r) - sum(expected)) or 1
            # the k-th answer stored (by the time its reply came) is visible when the count first reaches k
            latencies = []
            for k, (t0, _t1, status, _) in enumerate(sorted(sent, key=lambda x: x[1]), start=1):
                if status != 200:
                    continue
                when = next((t for t, total in seen if total >= k and t >= t0), None)
                if when is not None:
                    latencies.append(when - t0)
            replies = [t1 - t0 for t0, t1, *_ in sent]
        print(f"== {n} phones answering at once (poll_refresh {interval:g} s)")
        print(f"   page views: {views.count(200)}/{n} 200; server CPU {1000 * cpu_views / n:.1f} ms per page view")
        print(f"   answers: {stored}/{n} stored, {len(errors)} errors {sorted(set(errors))}, {partial} partial writes")
        print(f"   reply time: median {statistics.median(replies):.3f} s, p95 {pct(replies, 0.95):.3f} s")
        print(f"   server CPU {1000 * cpu_posts / n:.1f} ms per answer")
        if latencies:
            print(
                f"   send → facilitator's state shows it: median {statistics.median(latencies):.3f} s, "
                f"p95 {pct(latencies, 0.95):.3f} s (n={len(latencies)})"
            )
    finally:
        server.stop()


def fuzz_round(url: str, n: int) -> None:
    from alliance_lens.store import Workspace, polls
    from test_pages_poll import fuzzed_bodies

    server = Server(url, {"ALLIANCE_LENS_POLL_BURST": str(n + 10)})
    try:
        with Workspace.open(url, actor="facilitator") as ws:
            link = polls.open_poll(ws, "north", "s1", base_url=f"http://127.0.0.1:{server.port}/")
            path = "/" + link.url.split("/", 3)[3]
            phone = Phone(server.port)
            assert phone.open(path) == 200
            revision = ws.revision("north")
            crashes = refused_with_message = 0
            statuses: dict[int, int] = {}
            t0 = time.perf_counter()
            for body in fuzzed_bodies(random.Random(1000), n, phone.csrf):
                try:
                    status, text = phone.request("POST", path, body)
                except (OSError, http.client.HTTPException):
                    crashes += 1
                    continue
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 500:
                    crashes += 1
                elif 400 <= status < 500 and 'role="alert"' in text:
                    refused_with_message += 1
            took = time.perf_counter() - t0
            writes = ws.revision("north") - revision
        print(f"== {n} fuzzed answers in {took:.1f} s")
        print(
            f"   crashes {crashes}, writes {writes}, refused with a message {refused_with_message}/{n}; "
            f"statuses {dict(sorted(statuses.items()))}"
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=40)
    parser.add_argument("--fuzz", type=int, default=1000)
    parser.add_argument(
        "--server",
        choices=["client", "pages"],
        default="client",
        help="the whole client server, or the poll's pages alone",
    )
    args = parser.parse_args()
    Server.kind = args.server
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ALLIANCE_LENS_HOME"] = str(Path(tmp) / "home")
        print(f"server: {args.server}; load average before: {Path('/proc/loadavg').read_text().strip()}")
        url, partners = setup(Path(tmp))
        phones_round(url, partners, args.phones)
        print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
        (Path(tmp) / "fuzz").mkdir()
        fuzz_url, _ = setup(Path(tmp) / "fuzz")  # a workspace of its own: its revision must not move at all
        fuzz_round(fuzz_url, args.fuzz)
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
