"""The store on PostgreSQL (any SQLAlchemy URL works; this checks the portable schema on a real server).

The test uses ``$ALLIANCE_LENS_TEST_PG_URL`` (an empty database) when set; otherwise it starts a private
throw-away cluster with ``initdb``/``pg_ctl`` (as the ``postgres`` user when run as root). It is skipped when
neither the psycopg driver nor the PostgreSQL server programs are installed.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from alliance_lens import paths
from alliance_lens.interchange import read_path
from alliance_lens.model import TrustRating, ValidationError
from alliance_lens.store import ReadOnlyError, Workspace

pytest.importorskip("psycopg", reason="the psycopg driver (extra 'postgres') is not installed")


def _program(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    given = os.environ.get("ALLIANCE_LENS_TEST_PG_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _program("initdb"), _program("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL server programs (initdb, pg_ctl) and no $ALLIANCE_LENS_TEST_PG_URL")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run a private PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="al_pg_"))
    folder.chmod(0o777)
    port = _free_port()
    data = folder / "data"
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "al", "-E", "UTF8", "--no-sync"], **run)
    options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off"
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"], **run)
    try:
        yield f"postgresql+psycopg://al@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_the_store_works_on_postgresql(pg_url: str) -> None:
    sample = read_path(paths.sample_data_dir()).data
    alliance = str(sample.alliances.iloc[0]["alliance_id"])
    a, b = (str(p) for p in sample.partners["partner_id"].iloc[:2])
    session = str(sample.sessions.iloc[0]["session_id"])
    engine = create_engine(pg_url)
    with engine.begin() as conn:  # start from an empty database (a given one may hold an earlier run's tables)
        for table in ("audit_log", "trust_ratings", "outcomes", "agreements", "sessions", "partners", "alliances"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
        conn.execute(text("DROP TABLE IF EXISTS schema_version"))
    engine.dispose()
    with Workspace.open(pg_url, actor="pg-test") as ws:
        ws.import_data(sample)
        assert ws.load(alliance).equals(sample)
        before = ws.revision(alliance)
        ws.add(TrustRating(alliance, session, a, b, 3.5))
        assert ws.revision(alliance) > before
        with pytest.raises(ValidationError):
            ws.add(TrustRating(alliance, session, a, "nobody", 3))
        ws.undo(alliance)
        report = ws.import_data(sample, replace=True)
        assert ws.replaced_version(report.change_id).equals(sample)
        ws.undo(alliance)
        ws.set_goals_shared(alliance, a, dt.date(2025, 1, 2))
        ws.undo(alliance)
        assert ws.load(alliance).equals(sample)
        assert list(ws.history(alliance)["op"].iloc[-2:]) == ["update", "undo"]
    with Workspace.open(pg_url, read_only=True) as ro:
        assert ro.load(alliance).equals(sample)
        with pytest.raises(ReadOnlyError):
            ro.add(TrustRating(alliance, session, a, b, 3))
        with ro._engine.connect() as conn, pytest.raises(Exception, match="read-only"):
            conn.execute(text("DELETE FROM trust_ratings"))
