"""What several bench scripts share: the load average, a free port, starting and stopping a server, a private
throw-away PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


def loadavg() -> str:
    """The load averages over 1, 5 and 15 minutes, as ``uptime`` prints them (give them beside every figure)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def free_port() -> int:
    """A TCP port nobody listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    argv: Sequence[str],
    port: int,
    *,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> subprocess.Popen[bytes]:
    """Start a server (in a session of its own, so :func:`stop_server` ends its children too) and wait until
    it listens on ``port``. Its output goes to ``log`` (none when ``None``). A server that exits or does not
    listen in time is a ``RuntimeError`` with its log.
    """
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        list(argv), stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True
    )
    said = (lambda: log.read_text(errors="replace")) if log is not None else (lambda: "(no log)")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{said()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"no server on port {port} after {timeout:.0f} s:\n{said()}")


def stop_server(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """End a server started by :func:`start_server` and its children: SIGTERM, then SIGKILL if it lingers."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


@contextlib.contextmanager
def private_postgres() -> Iterator[str | None]:
    """A throw-away PostgreSQL cluster, as ``tests/test_store_postgres.py`` starts one: its superuser's URL.

    ``None`` when the server programs (``initdb``, ``pg_ctl``) are not installed. Run as root, the server runs
    as the ``postgres`` user. ``fsync`` is off, as in the tests: the figures are alliance_lens's work, not this
    machine's disk (a commit is one flush either way).
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        yield None
        return
    bindir = Path(found[-1]).parent
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="bench_pg_"))
    folder.chmod(0o777)
    port = free_port()
    data = folder / "data"
    initdb = [*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "al", "-E", "UTF8", "--no-sync"]
    subprocess.run(initdb, check=True, capture_output=True, timeout=120)
    options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=200"
    pg_ctl = str(bindir / "pg_ctl")
    start = [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
    subprocess.run(start, check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql+psycopg://al@/postgres?host={folder}&port={port}"
    finally:
        stop = [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(stop, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
