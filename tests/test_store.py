"""The workspace store: load with proper dtypes, audited changes, undo, replace, read-only, schema version."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from alliance_lens import paths
from alliance_lens.interchange import read_path, write_path
from alliance_lens.model import (
    Agreement,
    Alliance,
    AllianceData,
    Outcome,
    Partner,
    Session,
    TrustRating,
    UserError,
    ValidationError,
    empty_frame,
    normalise_frame,
)
from alliance_lens.store import (
    ImportRefused,
    ReadOnlyError,
    SchemaError,
    UnknownAlliance,
    Workspace,
)
from alliance_lens.store import schema as store_schema

SAMPLE_ID = "ev-platform"


@pytest.fixture
def sample() -> AllianceData:
    return read_path(paths.sample_data_dir()).data


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ws' / 'workspace.sqlite'}"


@pytest.fixture
def ws(url: str, sample: AllianceData) -> Iterator[Workspace]:
    with Workspace.open(url, actor="tester") as w:
        w.import_data(sample)
        yield w


def a_pair(data: AllianceData) -> tuple[str, str]:
    p = list(data.partners["partner_id"])
    return p[0], p[1]


def test_default_workspace_is_created_under_the_home_folder(isolated_home: Path) -> None:
    with Workspace.open() as w:
        assert w.alliances().empty
        assert w.schema_version == store_schema.SCHEMA_VERSION
    assert (isolated_home / "workspace.sqlite").is_file()


def test_load_gives_back_what_was_imported_with_proper_dtypes(ws: Workspace, sample: AllianceData) -> None:
    data = ws.load(SAMPLE_ID)
    assert data.equals(sample)
    assert data.trust_ratings["score"].dtype == "float64"
    assert data.sessions["date"].dtype == "datetime64[s]"
    assert data.partners["goals_shared_on"].dtype == "datetime64[s]"
    assert str(data.agreements["owner"].dtype) == "str"
    assert list(ws.alliances()["alliance_id"]) == [SAMPLE_ID]
    assert ws.load().equals(sample)
    with pytest.raises(UnknownAlliance, match="no alliance 'nope'"):
        ws.load("nope")


def test_each_change_is_audited_and_undoable(ws: Workspace, sample: AllianceData) -> None:
    a, b = a_pair(sample)
    session = sample.sessions.iloc[0]["session_id"]
    before = ws.revision(SAMPLE_ID)
    ws.add(TrustRating(SAMPLE_ID, session, a, b, 4.5, respondent="new person"))
    assert ws.revision(SAMPLE_ID) > before
    log = ws.history(SAMPLE_ID)
    last = log.iloc[-1]
    assert (last["op"], last["table"], last["actor"]) == ("insert", "trust_ratings", "tester")
    assert json.loads(last["after"])["score"] == 4.5
    assert len(ws.load(SAMPLE_ID).trust_ratings) == len(sample.trust_ratings) + 1

    revision = ws.revision(SAMPLE_ID)
    assert "4.5" in ws.undo(SAMPLE_ID)
    assert ws.revision(SAMPLE_ID) > revision  # the undo is a change too
    assert ws.load(SAMPLE_ID).equals(sample)
    assert ws.history(SAMPLE_ID).iloc[-1]["op"] == "undo"


def test_history_has_the_str_dtype_of_every_other_frame(ws: Workspace, sample: AllianceData, url: str) -> None:
    text = ["change_id", "actor", "alliance_id", "table", "op", "key", "before", "after", "summary"]
    frame_dtype = ws.load(SAMPLE_ID).partners["name"].dtype
    assert frame_dtype == pd.StringDtype(na_value=float("nan"))  # what every loaded frame's text has
    a, b = a_pair(sample)
    ws.add(TrustRating(SAMPLE_ID, sample.sessions.iloc[0]["session_id"], a, b, 4.0, respondent="r"))
    log = ws.history(SAMPLE_ID)
    assert {c: str(log[c].dtype) for c in text} == dict.fromkeys(text, str(frame_dtype))
    assert [str(log[c].dtype) for c in ("id", "revision", "at")] == ["int64", "int64", "datetime64[us, UTC]"]
    last = log.iloc[-1]
    assert pd.isna(last["before"]) and json.loads(last["after"])["score"] == 4.0  # an insert has no before image
    with Workspace.open(url.replace(".sqlite", "-empty.sqlite")) as empty:
        nothing = empty.history()
    assert len(nothing) == 0 and list(nothing.dtypes) == list(log.dtypes)


def test_update_keeps_the_before_image_and_undo_restores_it(ws: Workspace, sample: AllianceData) -> None:
    row = sample.agreements.iloc[0]
    old = ws.load(SAMPLE_ID).agreements.set_index("agreement_id").loc[row["agreement_id"]]
    changed = Agreement(
        SAMPLE_ID,
        row["agreement_id"],
        "A new title",
        "process",
        row["owner"],
        row["made_on"].date(),
        row["due_on"].date() + dt.timedelta(days=30),
    )
    ws.update(changed)
    now = ws.load(SAMPLE_ID).agreements.set_index("agreement_id").loc[row["agreement_id"]]
    assert now["title"] == "A new title" and now["kind"] == "process"
    entry = ws.history(SAMPLE_ID).iloc[-1]
    assert entry["op"] == "update" and json.loads(entry["before"])["title"] == old["title"]
    ws.undo(SAMPLE_ID)
    assert ws.load(SAMPLE_ID).equals(sample)

    partner = sample.partners.iloc[0]["partner_id"]
    ws.set_goals_shared(SAMPLE_ID, partner, dt.date(2025, 6, 1))
    shared = ws.load(SAMPLE_ID).partners.set_index("partner_id").loc[partner, "goals_shared_on"]
    assert shared.date() == dt.date(2025, 6, 1)
    ws.undo(SAMPLE_ID)
    assert ws.load(SAMPLE_ID).equals(sample)


def test_outcomes_are_appended_never_overwritten(ws: Workspace, sample: AllianceData) -> None:
    agreement = sample.agreements.iloc[0]["agreement_id"]
    n = len(sample.outcomes[sample.outcomes["agreement_id"] == agreement])
    ws.add_outcome(Outcome(SAMPLE_ID, agreement, dt.date(2030, 1, 1), "renegotiated"))
    ws.add_outcome(Outcome(SAMPLE_ID, agreement, dt.date(2030, 1, 1), "broken", note="after all"))
    history = ws.load(SAMPLE_ID).outcomes
    mine = history[history["agreement_id"] == agreement]
    assert len(mine) == n + 2
    assert list(mine["status"].iloc[-2:]) == ["renegotiated", "broken"]  # order of entry within a day
    with pytest.raises(UserError, match="never changed"):
        ws.update(Outcome(SAMPLE_ID, agreement, dt.date(2030, 1, 1), "kept"))  # type: ignore[arg-type]


def test_bad_entries_write_nothing(ws: Workspace, sample: AllianceData) -> None:
    a, b = a_pair(sample)
    session = sample.sessions.iloc[0]["session_id"]
    revision = ws.revision(SAMPLE_ID)
    with pytest.raises(ValidationError) as info:
        ws.add_ratings(
            [
                TrustRating(SAMPLE_ID, session, a, b, 5),
                TrustRating(SAMPLE_ID, session, a, "nobody", 5),
                TrustRating(SAMPLE_ID, session, a, b, 11),
                TrustRating(SAMPLE_ID, "S99", a, b, 5),
            ]
        )
    found = {(p.table, p.row, p.column) for p in info.value.problems}
    assert found == {("trust_ratings", 2, "ratee"), ("trust_ratings", 3, "score"), ("trust_ratings", 4, "session_id")}
    assert "outside this alliance's scale 1–10" in str(info.value)
    with pytest.raises(ValidationError, match="already exists"):
        ws.add(Partner(SAMPLE_ID, a, "Again"))
    with pytest.raises(ValidationError, match="not known"):
        ws.add(Session("elsewhere", "S1", dt.date(2025, 1, 1)))
    with pytest.raises(UserError, match="already exists"):
        ws.add(Alliance(SAMPLE_ID, "Again"))
    with pytest.raises(UserError, match="no partner 'ghost'"):
        ws.update(Partner(SAMPLE_ID, "ghost", "Ghost"))
    with pytest.raises(ValidationError, match="outside the new scale"):
        ws.update(Alliance(SAMPLE_ID, "Smaller scale", 1, 5))
    assert ws.revision(SAMPLE_ID) == revision
    assert ws.load(SAMPLE_ID).equals(sample)


def test_a_new_alliance_can_be_built_entry_by_entry(ws: Workspace) -> None:
    d = dt.date(2025, 1, 1)
    ws.add_many(
        [
            Alliance("new", "New alliance", 0, 10, "nl"),
            Partner("new", "x", "X"),
            Partner("new", "y", "Y"),
            Session("new", "s1", d, kind="dialogue"),
        ]
    )
    ws.add(Agreement("new", "g1", "Deliver", "content", "x", d, d, beneficiaries=("y",)))
    ws.add_ratings([TrustRating("new", "s1", "x", "y", 0), TrustRating("new", "s1", "y", "x", 9.5)])
    data = ws.load("new")
    assert data.alliance("new").trust_min == 0 and data.alliance("new").language == "nl"
    assert list(data.trust_ratings["score"]) == [0.0, 9.5]
    assert data.agreements.iloc[0]["beneficiaries"] == "y"
    for _ in range(3):
        ws.undo("new")
    with pytest.raises(UnknownAlliance):
        ws.load("new")
    with pytest.raises(UserError, match="nothing left to undo"):
        ws.undo("new")


def test_import_of_an_existing_alliance_is_refused_unless_replace(
    ws: Workspace, sample: AllianceData, tmp_path: Path
) -> None:
    changed = read_path(paths.sample_data_dir()).data
    changed.alliances.loc[0, "name"] = "Renamed alliance"
    changed.trust_ratings = changed.trust_ratings.iloc[:10].reset_index(drop=True)
    with pytest.raises(ImportRefused, match=r"already exists.*--replace"):
        ws.import_data(changed)
    assert ws.load(SAMPLE_ID).equals(sample)

    report = ws.import_data(changed, replace=True)
    assert report.replaced == [SAMPLE_ID] and "previous version is kept" in str(report)
    assert ws.load(SAMPLE_ID).equals(changed)
    # the previous version is recoverable from the audit log, and undo brings it back
    assert ws.replaced_version(report.change_id).equals(sample)
    ws.undo(SAMPLE_ID)
    assert ws.load(SAMPLE_ID).equals(sample)
    # ... also when it is no longer the last change: import the kept version again
    report = ws.import_data(changed, replace=True)
    ws.add(TrustRating(SAMPLE_ID, *changed.trust_ratings.iloc[0][["session_id", "rater", "ratee"]], 3))
    ws.import_data(ws.replaced_version(report.change_id), replace=True)
    assert ws.load(SAMPLE_ID).equals(sample)


def test_import_without_alliances_adds_to_an_existing_alliance(
    ws: Workspace, sample: AllianceData, tmp_path: Path
) -> None:
    a, b = a_pair(sample)
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "sessions.csv").write_text(
        f"alliance_id,session_id,date,kind\n{SAMPLE_ID},S99,2026-09-01,dialogue\n", encoding="utf-8"
    )
    (folder / "trust_ratings.csv").write_text(
        f"alliance_id,session_id,rater,ratee,score\n{SAMPLE_ID},S99,{a},{b},6\n{SAMPLE_ID},S99,{b},ghost,6\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        ws.import_path(folder)
    assert [(p.table, p.row, p.column) for p in info.value.problems] == [("trust_ratings.csv", 3, "ratee")]
    (folder / "trust_ratings.csv").write_text(
        f"alliance_id,session_id,rater,ratee,score\n{SAMPLE_ID},S99,{a},{b},6\n", encoding="utf-8"
    )
    report = ws.import_path(folder)
    assert report.replaced == [] and report.counts["trust_ratings"] == 1
    data = ws.load(SAMPLE_ID)
    assert len(data.sessions) == len(sample.sessions) + 1
    assert len(data.trust_ratings) == len(sample.trust_ratings) + 1
    ws.undo(SAMPLE_ID)
    assert ws.load(SAMPLE_ID).equals(sample)


def test_export_then_import_gives_back_the_same(ws: Workspace, sample: AllianceData, tmp_path: Path) -> None:
    for target in (tmp_path / "out", tmp_path / "out.xlsx"):
        ws.export(SAMPLE_ID, target)
        with Workspace.open(f"sqlite:///{tmp_path / (target.name + '.sqlite')}") as other:
            other.import_path(target)
            assert other.load(SAMPLE_ID).equals(sample)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_cannot_write_and_does_not_touch_the_file(ws: Workspace, url: str, sample: AllianceData) -> None:
    ws.close()
    db = Path(url.removeprefix("sqlite:///"))
    files_before = {p.name: digest(p) for p in db.parent.iterdir()}
    with Workspace.open(url, read_only=True) as ro:
        assert ro.load(SAMPLE_ID).equals(sample)
        ro.revision(SAMPLE_ID)
        ro.history()
        a, b = a_pair(sample)
        session = sample.sessions.iloc[0]["session_id"]
        attempts = [
            lambda: ro.add(TrustRating(SAMPLE_ID, session, a, b, 3)),
            lambda: ro.add_ratings([TrustRating(SAMPLE_ID, session, a, b, 3)]),
            lambda: ro.add_outcome(
                Outcome(SAMPLE_ID, sample.agreements.iloc[0]["agreement_id"], dt.date.today(), "kept")
            ),
            lambda: ro.update(Partner(SAMPLE_ID, a, "Renamed")),
            lambda: ro.set_goals_shared(SAMPLE_ID, a, None),
            lambda: ro.import_data(sample, replace=True),
            lambda: ro.undo(SAMPLE_ID),
        ]
        for attempt in attempts:
            with pytest.raises(ReadOnlyError):
                attempt()
        # even a bug that bypasses the API cannot write: the connection itself is read-only
        with ro._engine.connect() as conn, pytest.raises(Exception, match=r"readonly|read-only|read only"):
            conn.execute(text("DELETE FROM trust_ratings"))
    assert db.is_file()
    files_after = {p.name: digest(p) for p in db.parent.iterdir() if p.name in files_before}
    assert files_after[db.name] == files_before[db.name]
    with Workspace.open(url) as again:
        assert again.load(SAMPLE_ID).equals(sample)


def test_read_only_refuses_a_missing_workspace(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no workspace"):
        Workspace.open(f"sqlite:///{tmp_path / 'missing.sqlite'}", read_only=True)
    assert not (tmp_path / "missing.sqlite").exists()


def test_a_workspace_of_a_newer_version_is_refused(url: str) -> None:
    Workspace.open(url).close()
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    for read_only in (False, True):
        with pytest.raises(SchemaError, match=r"newer alliance_lens.*version 99"):
            Workspace.open(url, read_only=read_only)


def test_an_older_workspace_is_migrated_on_open(
    ws: Workspace, url: str, sample: AllianceData, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.close()

    def to_v3(conn: object) -> None:
        assert hasattr(conn, "exec_driver_sql")
        conn.exec_driver_sql("ALTER TABLE partners ADD COLUMN website TEXT")

    # pretend this release is version 3 with one migration step from version 2
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(store_schema.MIGRATIONS, 2, to_v3)
    with pytest.raises(SchemaError, match=r"older schema version 2.*alliance-lens migrate"):
        Workspace.open(url, read_only=True)  # a reader cannot migrate
    with Workspace.open(url) as migrated:  # one facilitator's SQLite file: migrated on open
        assert migrated.schema_version == 3
        assert migrated.load(SAMPLE_ID).equals(sample)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(partners)")]
    conn.close()
    assert "website" in columns


def _as_version_1(path: Path) -> None:
    """Turn a workspace file back into what the first release wrote: no revisions, no link registry in it."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX ix_audit_revision")
        conn.execute("ALTER TABLE audit_log DROP COLUMN revision")
        conn.execute("DROP TABLE alliance_revisions")
        conn.execute("DROP TABLE share_links")
        conn.execute("UPDATE schema_version SET version = 1")
    conn.close()


def test_a_version_1_file_is_migrated_and_keeps_everything(tmp_path: Path, sample: AllianceData) -> None:
    url = f"sqlite:///{tmp_path / 'v1.sqlite'}"
    partners = list(sample.partners["partner_id"])
    with Workspace.open(url, actor="first") as w:
        w.import_data(sample)
        w.update(Partner(SAMPLE_ID, partners[0], "Renamed Motors"))
        w.add(TrustRating(SAMPLE_ID, str(sample.sessions["session_id"].iloc[0]), partners[0], partners[1], 2.0))
        before = w.history(SAMPLE_ID)
    _as_version_1(tmp_path / "v1.sqlite")
    with pytest.raises(SchemaError, match=r"older schema version 1 .*alliance-lens migrate"):
        Workspace.open(url, read_only=True)
    with Workspace.open(url) as w:
        assert w.schema_version == store_schema.SCHEMA_VERSION
        # the three changes numbered 1, 2, 3 in their order, as if revisions had always been kept
        assert w.revision(SAMPLE_ID) == 3
        assert w.history(SAMPLE_ID).equals(before)
        data = w.load(SAMPLE_ID)
        assert w.undo(SAMPLE_ID).startswith("undid added rating")
        newer, revision = w.load_newer(SAMPLE_ID, data, 3)
        assert revision == 4 and newer.equals(w.load(SAMPLE_ID))
    with sqlite3.connect(tmp_path / "v1.sqlite") as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(store_schema.SCHEMA_VERSION,)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_in_memory_workspace_for_scripts(sample: AllianceData, tmp_path: Path) -> None:
    with Workspace.open("sqlite://") as w:
        w.import_data(sample)
        assert w.load(SAMPLE_ID).equals(sample)
    write_path(sample, tmp_path / "x")


def test_a_large_batch_is_checked_like_an_import(ws: Workspace, sample: AllianceData) -> None:
    a, b = a_pair(sample)
    sessions = list(sample.sessions["session_id"])
    agreements = list(sample.agreements["agreement_id"])
    # more entries than the quick checks take: they go through validate_data, rows still counted as given
    ratings = [TrustRating(SAMPLE_ID, sessions[i % len(sessions)], a, b, 1 + i % 10) for i in range(260)]
    ratings[229] = TrustRating(SAMPLE_ID, sessions[0], a, "ghost", 5)
    outcomes = [Outcome(SAMPLE_ID, agreements[-1 - i % 5], dt.date(2031, 1, 1 + i % 28), "kept") for i in range(240)]
    outcomes[9] = Outcome(SAMPLE_ID, "A-none", dt.date(2031, 1, 1), "kept")
    with pytest.raises(ValidationError) as info:
        ws.add_many([*ratings, *outcomes])
    assert {(p.table, p.row, p.column) for p in info.value.problems} == {
        ("trust_ratings", 230, "ratee"),
        ("outcomes", 270, "agreement_id"),
    }
    assert ws.load(SAMPLE_ID).equals(sample)
    del ratings[229], outcomes[9]
    ws.add_many([*ratings, *outcomes])
    data = ws.load(SAMPLE_ID)
    assert len(data.trust_ratings) == len(sample.trust_ratings) + 259
    assert len(data.outcomes) == len(sample.outcomes) + 239
    ws.undo(SAMPLE_ID)
    assert ws.load(SAMPLE_ID).equals(sample)


def test_a_load_has_the_documented_dtypes_absent_dates_included(ws: Workspace, sample: AllianceData) -> None:
    partners = list(sample.partners["partner_id"])
    ws.set_goals_shared(SAMPLE_ID, partners[0], dt.date(2024, 2, 29))
    ws.set_goals_shared(SAMPLE_ID, partners[1], None)
    data = ws.load(SAMPLE_ID)
    for name, frame in data.tables().items():
        assert frame.dtypes.equals(empty_frame(name).dtypes), name
        # read column by column from the driver, yet exactly what the general path makes of the same rows
        pd.testing.assert_frame_equal(frame, normalise_frame(name, frame.astype(object)))
    goals = data.partners.set_index("partner_id")["goals_shared_on"]
    assert goals[partners[0]] == pd.Timestamp("2024-02-29") and pd.isna(goals[partners[1]])


def test_one_alliance_loads_as_its_rows_of_a_load_of_all(ws: Workspace, sample: AllianceData) -> None:
    """One alliance's id is not fetched from the database but filled in: the same frame, column for column."""
    ws.import_data(AllianceData.from_frames({n: f.assign(alliance_id="second") for n, f in sample.tables().items()}))
    everything = ws.load()
    assert everything.alliances["alliance_id"].tolist() == ["ev-platform", "second"]
    for alliance in (SAMPLE_ID, "second"):
        one = ws.load(alliance)
        for name, frame in one.tables().items():
            rows = everything.table(name)
            expected = rows[rows["alliance_id"] == alliance].reset_index(drop=True)
            assert len(frame) == len(sample.table(name)), name
            pd.testing.assert_frame_equal(frame, expected)
            assert frame.dtypes.equals(empty_frame(name).dtypes), name


def test_shared_workspaces_are_reused_and_only_a_few_kept_open(tmp_path: Path, sample: AllianceData) -> None:
    urls = [f"sqlite:///{tmp_path / f'w{k}.sqlite'}" for k in range(Workspace._SHARED_MAX + 1)]
    for u in urls:
        with Workspace.open(u) as w:
            w.import_data(sample)
    first = Workspace.shared(urls[0])
    assert Workspace.shared(urls[0]) is first and first.read_only
    for u in urls[1:]:
        Workspace.shared(u)
    # the least recently used was let go; asked again, it is opened afresh and reads as before
    again = Workspace.shared(urls[0])
    assert again is not first
    assert again.load(SAMPLE_ID).equals(sample)
