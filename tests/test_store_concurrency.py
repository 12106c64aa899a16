"""Many writers at once, and a writer killed in the middle of an import."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alliance_lens import paths, synth
from alliance_lens.interchange import read_path, write_path
from alliance_lens.model import TrustRating
from alliance_lens.store import Workspace

WRITERS = 8
RATINGS_EACH = 250


def _writer(
    url: str, k: int, alliance: str, session: str, partners: list[str], errors: multiprocessing.Queue[str]
) -> None:
    try:
        with Workspace.open(url, actor=f"kernel-{k}") as ws:
            for i in range(RATINGS_EACH):
                rater, ratee = partners[i % len(partners)], partners[(i + 1) % len(partners)]
                # one rating per transaction, as a dashboard form would write them
                ws.add(TrustRating(alliance, session, rater, ratee, 1 + i % 10, respondent=f"kernel-{k}"))
    except BaseException as exc:  # report any error to the test, which must see none
        errors.put(f"writer {k}: {exc!r}")
        raise


@pytest.mark.slow
def test_eight_processes_writing_at_once_lose_nothing_and_see_no_lock_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    sample = read_path(paths.sample_data_dir()).data
    alliance = str(sample.alliances.iloc[0]["alliance_id"])
    with Workspace.open(url) as ws:
        ws.import_data(sample)
    ctx = multiprocessing.get_context("fork")
    errors: multiprocessing.Queue[str] = ctx.Queue()
    partners = [str(p) for p in sample.partners["partner_id"]]
    session = str(sample.sessions.iloc[-1]["session_id"])
    workers = [ctx.Process(target=_writer, args=(url, k, alliance, session, partners, errors)) for k in range(WRITERS)]
    for w in workers:
        w.start()
    # meanwhile a dashboard in another kernel polls, read-only: it sees the revision grow, never an error
    seen: list[int] = []
    with Workspace.open(url, read_only=True) as reader:
        while any(w.is_alive() for w in workers):
            seen.append(reader.revision(alliance))
            reader.load(alliance)
            time.sleep(0.05)
        seen.append(reader.revision(alliance))
    for w in workers:
        w.join(timeout=240)
    reported = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert reported == []
    assert [w.exitcode for w in workers] == [0] * WRITERS
    with Workspace.open(url, read_only=True) as ws:
        ratings = ws.load(alliance).trust_ratings
        log = ws.history(alliance)
    new = ratings[ratings["respondent"].str.startswith("kernel-")]
    assert len(new) == WRITERS * RATINGS_EACH
    assert new["respondent"].value_counts().to_dict() == {f"kernel-{k}": RATINGS_EACH for k in range(WRITERS)}
    assert (log["op"] == "insert").sum() == WRITERS * RATINGS_EACH
    assert log["change_id"].nunique() == WRITERS * RATINGS_EACH + 1  # one transaction each, plus the import
    # the revision counts the changes: the import, then one per rating
    assert seen == sorted(seen) and seen[-1] == 1 + WRITERS * RATINGS_EACH and len(set(seen)) > 1


_CHILD = """
import sys
from alliance_lens.interchange import read_path
from alliance_lens.store import Workspace
data = read_path(sys.argv[2]).data
ws = Workspace.open(sys.argv[1])
print("ready", flush=True)
ws.import_data(data)
print("done", flush=True)
"""


@pytest.fixture(scope="module")
def large_ish(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    data = synth.generate_large()
    keep = set(data.agreements["agreement_id"].iloc[:6000])
    data.agreements = data.agreements[data.agreements["agreement_id"].isin(keep)].reset_index(drop=True)
    data.outcomes = data.outcomes[data.outcomes["agreement_id"].isin(keep)].reset_index(drop=True)
    data.trust_ratings = data.trust_ratings.iloc[:40000].reset_index(drop=True)
    folder = write_path(data, tmp_path_factory.mktemp("large") / "in")
    return folder, {name: len(frame) for name, frame in data.tables().items()}


def _counts(db: Path) -> tuple[str, dict[str, int]]:
    conn = sqlite3.connect(db)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("alliances", "partners", "sessions", "agreements", "outcomes", "trust_ratings")
        }
    finally:
        conn.close()
    return check, counts


@pytest.mark.slow
def test_an_import_killed_midway_leaves_all_or_nothing(tmp_path: Path, large_ish: tuple[Path, dict[str, int]]) -> None:
    folder, full = large_ish
    small = read_path(paths.sample_data_dir()).data
    full_alliance = str(read_path(folder).data.alliances.iloc[0]["alliance_id"])
    rng = random.Random(20261127)
    outcomes = []
    for attempt in range(3):
        db = tmp_path / f"crash{attempt}.sqlite"
        Workspace.open(f"sqlite:///{db}").close()
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, f"sqlite:///{db}", str(folder)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        start = time.monotonic()
        time.sleep(rng.uniform(0.0, 1.2) if attempt else 0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        elapsed = time.monotonic() - start
        check, counts = _counts(db)
        assert check == "ok"
        empty = {name: 0 for name in full}
        assert counts in (full, empty), f"half an import after {elapsed:.2f} s: {counts}"
        outcomes.append(counts == full)
        # the workspace is usable afterwards: a writer can open it and write
        with Workspace.open(f"sqlite:///{db}") as ws:
            if counts == full:
                ws.undo(full_alliance)
            else:
                ws.import_data(small)
            assert len(ws.alliances()) == (0 if counts == full else 1)
    assert not all(outcomes), "every kill came too late to interrupt an import: the test proved nothing"
