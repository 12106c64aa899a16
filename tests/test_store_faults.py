"""Faults outside alliance_lens get plain words; the workspace is private to its owner; who did what is kept."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from alliance_lens import cli, paths
from alliance_lens.config import reset_settings
from alliance_lens.interchange import read_path
from alliance_lens.model import AllianceData, TrustRating, UserError
from alliance_lens.store import Workspace
from alliance_lens.store.engine import StoreFault

SAMPLE: AllianceData = read_path(paths.sample_data_dir()).data
AID = str(SAMPLE.alliances.iloc[0]["alliance_id"])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_workspace_and_its_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "lens"
    with Workspace.open(f"sqlite:///{folder / 'workspace.sqlite'}") as ws:
        ws.import_data(SAMPLE)
        assert (folder / "workspace.sqlite-wal").exists()
        assert mode(folder / "workspace.sqlite-wal") == 0o600
    assert mode(folder) == 0o700
    assert mode(folder / "workspace.sqlite") == 0o600


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    Workspace.open(f"sqlite:///{tmp_path / 'w.sqlite'}").close()
    assert mode(tmp_path) == 0o755  # a home or a shared folder is not ours to close
    assert mode(tmp_path / "w.sqlite") == 0o600


def test_a_damaged_file_is_named_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"this is not a database at all" * 200)
    for read_only in (False, True):
        with pytest.raises(StoreFault) as fault:
            Workspace.open(f"sqlite:///{path}", read_only=read_only)
        assert fault.value.kind == "corrupt"
        assert "is damaged or is not an alliance_lens workspace" in str(fault.value)
        assert str(path) in str(fault.value)
    assert cli.main(["export", AID, "--out", str(tmp_path / "out"), "--db", f"sqlite:///{path}"]) == 2
    err = capsys.readouterr().err
    assert "restore the file from a backup" in err and "unexpected error" not in err
    assert path.read_bytes() == b"this is not a database at all" * 200  # changed nothing


def test_a_full_disk_is_named_and_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    with Workspace.open(url) as ws:
        ws.import_data(SAMPLE)
        before = ws.revision(AID)

        # the database may not grow any more: what SQLite says when the disk is full
        @event.listens_for(ws._engine, "connect")
        def full(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        ws._engine.dispose()
        many = [TrustRating(AID, str(SAMPLE.sessions.iloc[0]["session_id"]), "meridian", "nordwagen", 3)] * 3000
        with pytest.raises(StoreFault) as fault:
            ws.add_ratings(many)
        assert fault.value.kind == "disk"
        assert "the disk is full or failing" in str(fault.value) and "Nothing was changed" in str(fault.value)
        assert isinstance(fault.value, UserError)
    with Workspace.open(url, read_only=True) as ws:
        assert ws.revision(AID) == before
        assert ws.load(AID).equals(SAMPLE)


def test_the_actor_is_the_hub_user_then_the_flag_then_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    from alliance_lens.interchange import write_path

    write_path(SAMPLE, folder)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("ALLIANCE_LENS_ACTOR", "meeting-laptop")
    reset_settings()
    urls = {k: f"sqlite:///{tmp_path / f'{k}.sqlite'}" for k in ("setting", "flag", "hub")}
    assert cli.main(["import", str(folder), "--db", urls["setting"]]) == 0
    assert cli.main(["import", str(folder), "--db", urls["flag"], "--actor", "anna"]) == 0
    monkeypatch.setenv("JUPYTERHUB_USER", "bram")
    reset_settings()
    assert cli.main(["import", str(folder), "--db", urls["hub"], "--actor", "anna"]) == 0
    with Workspace.open(urls["hub"]) as ws:  # a dashboard in bram's single-user server
        ws.add(TrustRating(AID, str(SAMPLE.sessions.iloc[0]["session_id"]), "meridian", "nordwagen", 3))
    actors = {}
    for k, url in urls.items():
        with Workspace.open(url, read_only=True) as ws:
            actors[k] = list(dict.fromkeys(ws.history(AID)["actor"]))
    assert actors == {"setting": ["meeting-laptop"], "flag": ["anna"], "hub": ["bram"]}


class _Driver(Exception):
    def __init__(self, text: str, sqlstate: str | None = None) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("text", "sqlstate", "transient", "kind"),
    [
        ("deadlock detected", "40P01", True, None),
        ("could not serialize access due to concurrent update", "40001", True, None),
        ("database is locked", None, True, None),
        ("could not extend file: No space left on device", "53100", False, "disk"),
        ("permission denied for table trust_ratings", "42501", False, "permission"),
        ('connection to server at "db" failed: Connection refused', "08006", False, "unreachable"),
        ('password authentication failed for user "lens"', "28P01", False, "unreachable"),
        ("file is not a database", None, False, "corrupt"),
        ("syntax error at or near", "42601", False, None),
    ],
)
def test_database_errors_are_retried_or_named(
    text: str, sqlstate: str | None, transient: bool, kind: str | None
) -> None:
    from sqlalchemy.exc import OperationalError

    from alliance_lens.store.engine import fault, is_transient

    exc = OperationalError("SELECT 1", {}, _Driver(text, sqlstate))
    assert is_transient(exc) is transient
    found = fault(exc, "postgresql://db/lens")
    assert (found.kind if found else None) == kind
    if found:
        assert "postgresql://db/lens" in str(found) and text.split(":")[0] in str(found)
