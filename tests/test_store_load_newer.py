"""Bringing a loaded alliance up to date reads only what was added, and always equals a full load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliance_lens.model import Agreement, AllianceData, Outcome, Partner, Session, TrustRating
from alliance_lens.store import Workspace
from alliance_lens.synth import generate_sample

AID = "ev-platform"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.open(f"sqlite:///{tmp_path / 'w.sqlite'}", actor="tester") as w:
        w.import_data(generate_sample())
        yield w


def assert_same_as_full_load(ws: Workspace, data: AllianceData, revision: int) -> None:
    full = ws.load(AID)
    assert data.equals(full)
    for name, frame in data.tables().items():
        assert list(frame.dtypes) == list(full.table(name).dtypes), name
        # the same order as a full load, too: views list partners and sessions in it
        assert frame.reset_index(drop=True).equals(full.table(name).reset_index(drop=True)), name
    assert revision == ws.revision(AID)


def test_nothing_changed_gives_the_same_data(ws: Workspace) -> None:
    data, revision = ws.load(AID), ws.revision(AID)
    again, rev2 = ws.load_newer(AID, data, revision)
    assert again is data and rev2 == revision


def test_added_rows_are_appended_like_a_full_load(ws: Workspace) -> None:
    revision = ws.revision(AID)
    data = ws.load(AID)
    partners = list(data.partners["partner_id"])
    session = data.sessions["session_id"].iloc[-1]
    ws.add(Partner(AID, "aaa-first", "A partner sorted first"))
    ws.add(Session(AID, "S00", dt.date(2020, 1, 1), "Early", "dialogue"))
    ws.add(
        Agreement(
            AID,
            "Z1",
            "Share the test plan",
            "process",
            partners[0],
            dt.date(2026, 8, 25),
            dt.date(2026, 9, 30),
            (partners[1],),
        )
    )
    ws.add_outcome(Outcome(AID, "Z1", dt.date(2026, 9, 1), "broken"))
    ws.add_ratings([TrustRating(AID, session, partners[0], partners[1], 3.0, "r9")])
    newer, new_revision = ws.load_newer(AID, data, revision)
    assert new_revision > revision
    assert len(newer.partners) == len(data.partners) + 1
    assert newer.partners["partner_id"].iloc[0] == "aaa-first"
    assert_same_as_full_load(ws, newer, new_revision)


def test_an_update_or_an_undo_since_reloads_everything(ws: Workspace) -> None:
    revision = ws.revision(AID)
    data = ws.load(AID)
    first = data.partners.iloc[0]
    ws.update(Partner(AID, first["partner_id"], "Renamed Motors"))
    newer, new_revision = ws.load_newer(AID, data, revision)
    assert "Renamed Motors" in set(newer.partners["name"])
    assert_same_as_full_load(ws, newer, new_revision)

    ws.undo(AID)
    undone, undone_revision = ws.load_newer(AID, newer, new_revision)
    assert "Renamed Motors" not in set(undone.partners["name"])
    assert_same_as_full_load(ws, undone, undone_revision)
