"""The shared workspace on PostgreSQL: several servers, one database, nothing lost or shown twice.

One private throw-away cluster serves the whole module (``initdb``/``pg_ctl`` from the PostgreSQL server
programs, as the ``postgres`` user when run as root); each test gets a database of its own. The roles are the
ones ``docs/deploy.md`` recommends, with its grants as written there: ``lens_owner`` (the facilitators'
servers, ``alliance-lens migrate``), ``lens_clients`` (the client server: ``SELECT`` only) and ``lens_polls``
(the client server taking poll answers). ``$ALLIANCE_LENS_TEST_PG_URL`` names a superuser's URL of
a server to use instead. Skipped when neither the psycopg driver nor the server programs are installed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import itertools
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, Table, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from alliance_lens import cli, links, paths
from alliance_lens.config import reset_settings
from alliance_lens.interchange import read_path
from alliance_lens.model import Agreement, AllianceData, Partner, TrustRating, UserError, ValidationError
from alliance_lens.store import ReadOnlyError, SchemaError, Workspace
from alliance_lens.store import schema as store_schema
from alliance_lens.store import workspace as store_workspace
from alliance_lens.store.engine import StoreFault

pytest.importorskip("psycopg", reason="the psycopg driver (extra 'postgres') is not installed")

T = TypeVar("T")
SAMPLE = read_path(paths.sample_data_dir()).data
AID = str(SAMPLE.alliances.iloc[0]["alliance_id"])
PARTNERS = [str(p) for p in SAMPLE.partners["partner_id"]]
SESSION = str(SAMPLE.sessions.iloc[-1]["session_id"])
ROLES = ("lens_owner", "lens_clients", "lens_polls", "lens_plain")  # lens_plain: an owner without the import grant


def doc_block(first_line: str) -> str:
    """The SQL block of ``docs/deploy.md``'s recipe that starts with ``first_line``, as written there."""
    doc = (Path(__file__).parents[1] / "docs" / "deploy.md").read_text(encoding="utf-8")
    return next(b for b in doc.split("```sql\n")[1:] if b.startswith(first_line)).split("```")[0]


def deploy_grants(database: str) -> str:
    """The grants of ``docs/deploy.md``'s recipe, as written there, for ``database``."""
    return doc_block("-- grants:").replace("DATABASE alliance_lens", f"DATABASE {database}")


def _program(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A PostgreSQL server and its superuser URL; :meth:`new_database` makes a fresh database per test."""

    admin_url: str
    counter: itertools.count[int]

    def url(self, database: str, role: str) -> str:
        return make_url(self.admin_url).set(database=database, username=role).render_as_string(hide_password=False)

    def sql(self, statements: str, database: str = "postgres") -> None:
        engine = create_engine(
            self.url(database, make_url(self.admin_url).username or "al"), isolation_level="AUTOCOMMIT"
        )
        try:
            with engine.connect() as conn:
                for statement in filter(None, (s.strip() for s in statements.split(";"))):
                    if not all(line.startswith("--") for line in statement.splitlines()):
                        conn.execute(text(statement))
        finally:
            engine.dispose()

    def new_database(self, owner: str = "lens_owner") -> str:
        """A new empty database owned by ``owner``; returns its name."""
        name = f"ws_{os.getpid()}_{next(self.counter)}"
        self.sql(f"CREATE DATABASE {name} OWNER {owner}")
        return name

    def roles(self) -> None:
        """The recipe's roles, and its grant for imports (PostgreSQL 15 and later)."""
        self.sql("; ".join(f"CREATE ROLE {r} LOGIN" for r in ROLES))
        engine = create_engine(self.admin_url)
        with engine.connect() as conn:
            version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        engine.dispose()
        if version >= 150000:
            self.sql(doc_block("-- imports:"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    given = os.environ.get("ALLIANCE_LENS_TEST_PG_URL")
    if given:
        found = Cluster(given, itertools.count())
        with contextlib.suppress(Exception):  # a role holding the import grant cannot be dropped (PostgreSQL 15+)
            found.sql("REVOKE SET ON PARAMETER session_replication_role FROM lens_owner")
        found.sql("; ".join(f"DROP ROLE IF EXISTS {r}" for r in reversed(ROLES)))
        found.roles()
        yield found
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
    options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=200"
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"], **run)
    try:
        started = Cluster(f"postgresql+psycopg://al@/postgres?host={folder}&port={port}", itertools.count())
        started.roles()
        yield started
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def db(cluster: Cluster) -> str:
    """The name of a fresh database of the test's own."""
    return cluster.new_database()


@pytest.fixture
def url(cluster: Cluster, db: str) -> str:
    """The facilitators' URL (role ``lens_owner``) of a workspace holding the sample alliance."""
    u = cluster.url(db, "lens_owner")
    with Workspace.open(u, actor="setup") as ws:
        ws.import_data(SAMPLE)
    return u


def at_once(n: int, fn: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``fn(0) … fn(n-1)`` in n threads released together; their results, or what each raised."""
    barrier = threading.Barrier(n)
    results: list[T | BaseException] = [RuntimeError("did not finish")] * n

    def work(k: int) -> None:
        barrier.wait()
        try:
            results[k] = fn(k)
        except BaseException as exc:
            results[k] = exc

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


# ---------------------------------------------------------------------------------------------- basics


@pytest.mark.slow
def test_the_store_works_on_postgresql(url: str) -> None:
    a, b = PARTNERS[:2]
    session = str(SAMPLE.sessions.iloc[0]["session_id"])
    with Workspace.open(url, actor="pg-test") as ws:
        assert ws.load(AID).equals(SAMPLE)
        before = ws.revision(AID)
        ws.add(TrustRating(AID, session, a, b, 3.5))
        assert ws.revision(AID) == before + 1
        with pytest.raises(ValidationError):
            ws.add(TrustRating(AID, session, a, "nobody", 3))
        assert ws.revision(AID) == before + 1  # a refused change raises nothing
        ws.undo(AID)
        report = ws.import_data(SAMPLE, replace=True)
        assert ws.replaced_version(report.change_id).equals(SAMPLE)
        ws.undo(AID)
        ws.set_goals_shared(AID, a, dt.date(2025, 1, 2))
        ws.undo(AID)
        assert ws.load(AID).equals(SAMPLE)
        history = ws.history(AID)
        assert list(history["op"].iloc[-2:]) == ["update", "undo"]
        assert set(history["actor"]) == {"setup", "pg-test"}
        assert ws.revision(AID) == before + 6
    with Workspace.open(url, read_only=True) as ro:
        assert ro.load(AID).equals(SAMPLE)
        with pytest.raises(ReadOnlyError):
            ro.add(TrustRating(AID, session, a, b, 3))
        with ro._engine.connect() as conn, pytest.raises(Exception, match="read-only"):
            conn.execute(text("DELETE FROM trust_ratings"))


# ---------------------------------------------------------------------------------------------- concurrency

WRITERS = 8
RATINGS_EACH = 25


def _writer(url: str, k: int, round_: int) -> None:
    with Workspace.open(url, actor=f"server-{k}") as ws:
        for i in range(RATINGS_EACH):
            rater, ratee = PARTNERS[i % len(PARTNERS)], PARTNERS[(i + 1) % len(PARTNERS)]
            ws.add(TrustRating(AID, SESSION, rater, ratee, 1 + i % 10, respondent=f"r{round_}-w{k}-{i}"))


@pytest.mark.slow
def test_eight_writers_and_a_live_view_miss_no_row(url: str) -> None:
    ctx = multiprocessing.get_context("fork")  # quick to start; each writer opens its own workspace (a server)
    with Workspace.open(url, read_only=True) as view:
        data, revision = view.load(AID), view.revision(AID)
        for round_ in range(2):
            view._engine.dispose()  # no connection of this process is inherited by a writer
            writers = [ctx.Process(target=_writer, args=(url, k, round_)) for k in range(WRITERS)]
            for w in writers:
                w.start()
            seen = [revision]
            while any(w.is_alive() for w in writers):
                data, revision = view.load_newer(AID, data, revision)
                seen.append(revision)
                time.sleep(0.02)
            for w in writers:
                w.join(timeout=120)
            assert [w.exitcode for w in writers] == [0] * WRITERS
            data, revision = view.load_newer(AID, data, revision)
            # the live view equals a full load: not one committed rating missed, none twice
            full = view.load(AID)
            expected = len(SAMPLE.trust_ratings) + (round_ + 1) * WRITERS * RATINGS_EACH
            assert len(data.trust_ratings) == len(full.trust_ratings) == expected
            assert data.equals(full)
            assert revision == view.revision(AID) == 1 + (round_ + 1) * WRITERS * RATINGS_EACH
            assert seen == sorted(seen) and len(set(seen)) > 2


def test_two_undos_at_once_never_undo_the_same_change(url: str) -> None:
    servers = [Workspace.open(url, actor=f"facilitator-{k}") for k in range(2)]
    try:
        for round_ in range(10):
            for k, ws in enumerate(servers):
                ws.add(TrustRating(AID, SESSION, PARTNERS[0], PARTNERS[1], 2 + k, respondent=f"u{round_}-{k}"))
            said = at_once(2, lambda k: servers[k].undo(AID))
            assert all(isinstance(s, str) for s in said), said
            assert said[0] != said[1], f"round {round_}: both undid {said[0]}"
            history = servers[0].history(AID)
            undos = history[history["op"] == "undo"].tail(2)
            assert undos["key"].nunique() == 2  # two different changes undone
            ratings = servers[0].load(AID).trust_ratings
            assert not ratings["respondent"].str.startswith(f"u{round_}-").any()
        assert servers[1].load(AID).equals(SAMPLE)
    finally:
        for ws in servers:
            ws.close()


def test_eight_servers_adding_the_same_new_id_store_one(url: str) -> None:
    servers = [Workspace.open(url, actor=f"s{k}") for k in range(8)]
    try:

        def add(k: int) -> str:
            agreement = Agreement(
                AID, "NEW-1", f"Plan {k}", "process", PARTNERS[k % 3], dt.date(2026, 1, 5), dt.date(2026, 2, 5)
            )
            servers[k].add(agreement)
            return f"Plan {k}"

        results = at_once(8, add)
    finally:
        for ws in servers:
            ws.close()
    stored = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(stored) == 1 and len(refused) == 7, results
    assert all("the agreement id 'NEW-1' already exists in alliance" in str(e) for e in refused)
    with Workspace.open(url, read_only=True) as ws:
        agreements = ws.load(AID).agreements
    assert list(agreements.loc[agreements["agreement_id"] == "NEW-1", "title"]) == stored


def test_eight_first_opens_of_an_empty_workspace_all_succeed(cluster: Cluster, db: str) -> None:
    u = cluster.url(db, "lens_owner")
    opened = at_once(8, lambda k: Workspace.open(u, actor=f"s{k}"))
    try:
        assert [type(w) for w in opened] == [Workspace] * 8, opened
        assert {w.schema_version for w in opened if isinstance(w, Workspace)} == {store_schema.SCHEMA_VERSION}
    finally:
        for w in opened:
            if isinstance(w, Workspace):
                w.close()
    engine = create_engine(u)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schema_version")).scalar() == 1
    engine.dispose()


def test_a_shared_workspace_is_migrated_only_by_alliance_lens_migrate(
    url: str, cluster: Cluster, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Workspace.open(url) as ws:
        ws.add(TrustRating(AID, SESSION, PARTNERS[0], PARTNERS[1], 4.0))
    # the workspace as the first release left it: no revisions, no registry in the schema
    cluster.sql(
        "DROP TABLE alliance_revisions; DROP TABLE share_links; ALTER TABLE audit_log DROP COLUMN revision;"
        "UPDATE schema_version SET version = 1",
        db,
    )
    for read_only in (False, True):
        with pytest.raises(SchemaError, match=r"older schema version 1 .*alliance-lens migrate"):
            Workspace.open(url, read_only=read_only)
    assert cli.main(["migrate", "--db", url]) == 0
    assert "from schema version 1 to 2" in capsys.readouterr().out
    assert cli.main(["migrate", "--db", url]) == 0
    assert "nothing to migrate" in capsys.readouterr().out
    with Workspace.open(url, read_only=True) as ws:
        assert ws.revision(AID) == 2  # the import, then the rating
        assert len(ws.load(AID).trust_ratings) == len(SAMPLE.trust_ratings) + 1


# ---------------------------------------------------------------------------------------------- bulk import

COPY_ID = "ev-copy"


def _copy_of_sample(**rating_changes: str) -> AllianceData:
    """The sample alliance under another id; ``rating_changes`` alter the first rating (rater="nobody")."""
    frames = {name: frame.assign(alliance_id=COPY_ID) for name, frame in SAMPLE.tables().items()}
    for column, value in rating_changes.items():
        frames["trust_ratings"].loc[0, column] = value
    return AllianceData.from_frames(frames)


def _stored(url: str) -> dict[str, object]:
    """Everything a failed import might have left: rows per table, the audit log, the revisions."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found: dict[str, object] = {
                name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar()
                for name in [*store_schema.DATA_TABLES, "audit_log"]
            }
            found["revisions"] = conn.execute(
                text("SELECT alliance_id, revision FROM alliance_revisions ORDER BY alliance_id")
            ).all()
            found["row checks"] = conn.execute(text("SHOW session_replication_role")).scalar()
    finally:
        engine.dispose()
    return found


def _owner_url(cluster: Cluster, owner: str) -> str:
    """A workspace holding the sample alliance, in a new database owned by ``owner``."""
    u = cluster.url(cluster.new_database(owner), owner)
    with Workspace.open(u, actor="setup") as ws:
        ws.import_data(SAMPLE)
    return u


def test_only_the_recipes_owner_checks_an_imports_references_at_once(url: str, cluster: Cluster) -> None:
    def may(u: str) -> bool:
        with Workspace.open(u) as ws:
            return ws.write_transaction(lambda c: store_workspace._may_check_references_at_once(c, s_ratings))

    s_ratings = store_schema.trust_ratings
    assert may(url) is True  # lens_owner, with the grant of docs/deploy.md
    assert may(_owner_url(cluster, "lens_plain")) is False  # PostgreSQL then checks every row's references


@pytest.mark.parametrize("owner", ["lens_owner", "lens_plain"])
def test_an_import_whose_rows_refer_to_nothing_stores_nothing(cluster: Cluster, owner: str) -> None:
    u = _owner_url(cluster, owner)
    before = _stored(u)
    bad = _copy_of_sample(rater="nobody")
    with Workspace.open(u) as ws:
        # as if the rules had let it through (``checked``): the store itself must still refuse it
        with pytest.raises((store_workspace.ReferenceMissing, IntegrityError)) as refused:
            ws._import_data(bad, replace=False, warnings=[], checked=True)
        # and through the rules, the user's way, it is a validation error naming the row
        with pytest.raises(ValidationError, match="nobody"):
            ws.import_data(bad)
    if owner == "lens_owner":
        assert str(refused.value) == (
            "the trust ratings to import refer to a partner that is not in the workspace (alliance_id "
            "'ev-copy', rater 'nobody'; 1 such reference(s) in all): nothing was imported"
        )
    else:
        assert isinstance(refused.value, IntegrityError)  # PostgreSQL's own foreign key, row by row
        assert "trust_ratings_alliance_id_rater_fkey" in str(refused.value)
    assert _stored(u) == before
    with Workspace.open(u) as ws:
        assert ws.import_data(_copy_of_sample()).counts["trust_ratings"] == len(SAMPLE.trust_ratings)


@pytest.mark.parametrize("owner", ["lens_owner", "lens_plain"])
def test_an_import_failing_midway_leaves_the_workspace_as_it_was(
    cluster: Cluster, owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    u = _owner_url(cluster, owner)
    before = _stored(u)
    copied: list[str] = []
    real_copy = store_workspace._copy_in

    def copy_in(conn: Connection, table: Table, records: Sequence[dict[str, Any]]) -> None:
        real_copy(conn, table, records)
        copied.append(table.name)

    def audit_fails(*_args: object) -> None:
        raise OSError("the server went away")

    monkeypatch.setattr(store_workspace, "_copy_in", copy_in)
    monkeypatch.setattr(store_workspace, "write_audit", audit_fails)
    with Workspace.open(u) as ws:
        for data, replace in ((_copy_of_sample(), False), (SAMPLE, True)):
            copied.clear()
            with pytest.raises(OSError, match="went away"):
                ws.import_data(data, replace=replace)
            # every big table went in by COPY (with the row checks off, for the owner) before the failure
            assert copied == ["agreements", "outcomes", "trust_ratings"]
        assert _stored(u) == before  # nothing added, the replaced alliance not deleted, row checks on
        assert ws.load(AID).equals(SAMPLE)


def test_the_row_checks_are_back_right_after_an_imports_copy(url: str) -> None:
    ratings = store_schema.trust_ratings
    rows: list[dict[str, object]] = [
        {str(k): v for k, v in r.items()} | {"change_id": "c" * 32}
        for r in SAMPLE.trust_ratings.head(60).to_dict("records")
    ]
    dangling = {**rows[0], "rater": "nobody"}

    def copy_then_insert(conn: Connection) -> None:
        store_workspace._copy_in(conn, ratings, rows)
        assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"
        conn.execute(ratings.insert(), [dangling])  # a plain write in the same transaction: checked by PostgreSQL

    with Workspace.open(url) as ws:
        with pytest.raises(IntegrityError, match="trust_ratings_alliance_id_rater_fkey"):
            ws.write_transaction(copy_then_insert, alliances=[AID])
        assert ws.load(AID).equals(SAMPLE)


class _RolledBack(Exception):
    """Ends a test's transaction: nothing of it is kept."""


def test_the_rows_an_import_refers_to_are_held_until_it_commits(url: str) -> None:
    with Workspace.open(url) as ws:
        ws.add(Partner(AID, "newcomer", "Newcomer"))  # a partner no stored rating refers to yet
        rows: list[dict[str, object]] = [
            {str(k): v for k, v in r.items()} | {"rater": "newcomer", "change_id": "c" * 32}
            for r in SAMPLE.trust_ratings.head(60).to_dict("records")
        ]
        refused: list[str] = []

        def copy_then_someone_deletes(conn: Connection) -> None:
            store_workspace._copy_in(conn, store_schema.trust_ratings, rows)
            # another connection (a hand-written statement, another tool) deletes the partner meanwhile: it
            # waits for this import, as it would for PostgreSQL's own row checks, instead of orphaning its rows
            other = create_engine(url)
            try:
                with other.connect() as c2:
                    c2.execute(text("SET lock_timeout = '300ms'"))
                    c2.execute(
                        text("DELETE FROM partners WHERE alliance_id = :a AND partner_id = 'newcomer'"), {"a": AID}
                    )
            except OperationalError as exc:
                refused.append(str(exc.orig).splitlines()[0])
            finally:
                other.dispose()
            raise _RolledBack

        with pytest.raises(_RolledBack):
            ws.write_transaction(copy_then_someone_deletes, alliances=[AID])
        assert refused == ["canceling statement due to lock timeout"]
        assert "newcomer" in set(ws.load(AID).partners["partner_id"])


# ---------------------------------------------------------------------------------------------- links, roles


def test_a_link_made_on_one_server_opens_on_a_read_only_client_server(
    url: str, cluster: Cluster, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "deployment" / "link.key"
    monkeypatch.setenv("ALLIANCE_LENS_LINK_SECRET_FILE", str(secret))
    reset_settings()
    cluster.sql(deploy_grants(db), db)
    clients = cluster.url(db, "lens_clients")
    link = links.make_link(AID, dt.timedelta(days=1), db_url=url, base_url="https://lens.example.org/")
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    # the client server: another role (SELECT only), the same secret file, its own pooled engine
    assert links.verify(link.token, db_url=clients).alliance_id == AID
    assert links.verify(link.token, db_url=clients).link_id == link.info.link_id
    # and in a process of its own, as the client server runs: only the setting and the role in common
    check = (
        "import sys; from alliance_lens import links; "
        "info = links.verify(sys.argv[1], db_url=sys.argv[2]); print(info.alliance_id, info.link_id)"
    )
    env = {**os.environ, "ALLIANCE_LENS_LINK_SECRET_FILE": str(secret), "ALLIANCE_LENS_HOME": str(tmp_path / "other")}
    other = subprocess.run(
        [sys.executable, "-c", check, link.token, clients], capture_output=True, text=True, env=env, timeout=120
    )
    assert (other.returncode, other.stdout.strip()) == (0, f"{AID} {link.info.link_id}"), other.stderr
    # any facilitator's server revokes it by the whole link
    assert links.revoke(link.url, db_url=url).state == "revoked"
    with pytest.raises(links.LinkError) as refused:
        links.verify(link.token, db_url=clients)
    assert refused.value.reason == "revoked"
    # the client role really cannot write, and says so plainly
    with Workspace.open(clients) as ws, pytest.raises(StoreFault, match="may not do this") as fault:
        ws.add(TrustRating(AID, SESSION, PARTNERS[0], PARTNERS[1], 4.0))
    assert fault.value.kind == "permission"
    assert isinstance(fault.value, UserError)


def test_a_link_check_reuses_pooled_connections(url: str, cluster: Cluster, db: str) -> None:
    link = links.make_link(AID, dt.timedelta(days=1), db_url=url)
    links.verify(link.token, db_url=url)
    engine = create_engine(cluster.admin_url)
    count = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db")
    with engine.connect() as conn:
        before = conn.execute(count, {"db": db}).scalar()
        for _ in range(30):
            links.verify(link.token, db_url=url)
        after = conn.execute(count, {"db": db}).scalar()
    engine.dispose()
    assert after == before


def test_the_poll_role_of_the_recipe_stores_an_answer_and_nothing_else(
    url: str, cluster: Cluster, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alliance_lens.store import polls

    monkeypatch.setenv("ALLIANCE_LENS_LINK_SECRET_FILE", str(tmp_path / "link.key"))
    reset_settings()
    cluster.sql(deploy_grants(db), db)
    with Workspace.open(url) as owner:
        link = polls.open_poll(owner, AID, SESSION, base_url="https://lens.example.org/")
        before = owner.revision(AID)
    fields = {"rater": PARTNERS[0], f"score:{PARTNERS[1]}": "4", f"score:{PARTNERS[2]}": "2"}
    with Workspace.open(cluster.url(db, "lens_polls")) as client:
        polls.submit(client, link.poll.poll_id, "device-0123456789abcdef", fields)
        polls.submit(client, link.poll.poll_id, "device-0123456789abcdef", {**fields, f"score:{PARTNERS[2]}": "3"})
        assert client.revision(AID) == before + 2
        with pytest.raises(StoreFault, match="may not do this"):
            client.update(
                Agreement(
                    AID,
                    str(SAMPLE.agreements.iloc[0]["agreement_id"]),
                    "Renamed",
                    "process",
                    PARTNERS[0],
                    dt.date(2026, 1, 5),
                    dt.date(2026, 2, 5),
                )
            )
    with Workspace.open(url, read_only=True) as ws:
        answers = ws.load(AID).trust_ratings
        mine = answers[answers["respondent"].str.startswith(polls.RESPONDENT_PREFIX)]
        assert sorted(mine["score"]) == [3.0, 4.0]  # the second answer replaced the first
        assert list(ws.history(AID)["actor"].iloc[-2:]) == [client.actor, client.actor]
