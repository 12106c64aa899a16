"""The live poll's registry and writes: open/close, tokens for one session, one change per answer, replace, undo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer

from alliance_lens import links
from alliance_lens.model import UserError
from alliance_lens.store import Workspace, polls
from poll_helpers import poll_workspace

BASE = "http://192.168.1.20:8867/"
DEVICE = "d" * 22
OTHER = "e" * 22
T0 = dt.datetime(2026, 12, 1, 19, 0, 0)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    url = poll_workspace(tmp_path)
    with Workspace.open(url, actor="facilitator") as w:
        yield w


def ratings(ws: Workspace, session: str = "s1") -> list[tuple[str, str, float, str]]:
    r = ws.load("north").trust_ratings
    r = r[r["session_id"] == session]
    return [(a, b, float(c), d) for a, b, c, d in zip(r["rater"], r["ratee"], r["score"], r["comment"], strict=True)]


def test_open_gives_a_link_for_that_session_and_opening_again_gives_the_same(ws: Workspace) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE, now=T0)
    assert link.url.startswith(BASE + "poll?token=")
    assert link.short_url == BASE + "p/" + link.poll.code
    assert len(link.poll.code) == 6 and set(link.poll.code) <= set(polls.CODE_ALPHABET)
    assert link.poll.expires_at == T0 + dt.timedelta(hours=12)
    assert polls.open_poll(ws, "north", "s1", base_url=BASE, now=T0) == link
    assert polls.verify(ws, link.token, now=T0).session_id == "s1"
    assert polls.by_code(ws, link.poll.code.lower(), now=T0) == link.poll


def test_open_refuses_an_unknown_session_or_alliance_or_address(ws: Workspace) -> None:
    with pytest.raises(UserError, match=r"no session 'zz' \(sessions: 's1', 's2'\)"):
        polls.open_poll(ws, "north", "zz", base_url=BASE)
    with pytest.raises(UserError, match="no alliance 'west'"):
        polls.open_poll(ws, "west", "s1", base_url=BASE)
    with pytest.raises(UserError, match="not an http"):
        polls.open_poll(ws, "north", "s1", base_url="ftp://x/")


def test_a_token_is_refused_when_forged_expired_closed_or_of_another_workspace(ws: Workspace, tmp_path: Path) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE, now=T0)
    for bad, reason in [("", "missing"), (link.token[:-3] + "abc", "tampered"), ("x.y", "tampered")]:
        with pytest.raises(polls.PollError) as err:
            polls.verify(ws, bad, now=T0)
        assert err.value.reason == reason
    # a client link's token is signed with the same secret but another salt: not a poll token
    client = URLSafeSerializer(links.load_secret(ws.url, create=False), salt="alliance-lens/client-link/v1")
    with pytest.raises(polls.PollError, match="not valid"):
        polls.verify(ws, client.dumps({"p": link.poll.poll_id, "a": "north", "s": "s1"}), now=T0)
    # the poll's own id signed for another session: refused (a token is good for its session only)
    own = URLSafeSerializer(links.load_secret(ws.url, create=False), salt=polls.POLL_SALT)
    with pytest.raises(polls.PollError, match="not valid"):
        polls.verify(ws, own.dumps({"p": link.poll.poll_id, "a": "north", "s": "s2"}), now=T0)
    # the expiry instant itself is too late; one second before is fine
    expiry = link.poll.expires_at
    assert polls.verify(ws, link.token, now=expiry - dt.timedelta(seconds=1)) == link.poll
    with pytest.raises(polls.PollError, match="expired"):
        polls.verify(ws, link.token, now=expiry)
    polls.close_poll(ws, "north", "s1", now=T0)
    with pytest.raises(polls.PollError, match="closed"):
        polls.verify(ws, link.token, now=T0)
    # reopening makes a new poll: the old link stays closed
    again = polls.open_poll(ws, "north", "s1", base_url=BASE, now=T0)
    assert again.poll.poll_id != link.poll.poll_id and again.token != link.token
    with pytest.raises(polls.PollError, match="closed"):
        polls.verify(ws, link.token, now=T0)


def test_an_answer_is_one_change_and_says_no_score_in_the_log(ws: Workspace) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE)
    before = ws.revision("north")
    done = polls.submit(
        ws, link.poll.poll_id, DEVICE, {"rater": "p1", "score:p2": "4", "score:p3": "2,5", "comment": "ok"}
    )
    assert (done.n_ratings, done.replaced) == (2, False)
    assert ratings(ws) == [("p1", "p2", 4.0, "ok"), ("p1", "p3", 2.5, "")]
    log = ws.history("north")
    new = log[log["revision"] > before]
    assert set(new["change_id"]) == {done.change_id}
    assert list(new["summary"]) == ["a poll answer at session s1"]
    respondent = ws.load("north").trust_ratings["respondent"].iloc[0]
    assert respondent == polls.respondent_key("north", "s1", DEVICE) and DEVICE not in respondent
    assert ws.undo("north") == "undid a poll answer at session s1"
    assert ratings(ws) == []


def test_a_second_answer_from_the_device_replaces_the_first_and_undo_brings_it_back(ws: Workspace) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE)
    polls.submit(ws, link.poll.poll_id, DEVICE, {"rater": "p1", "score:p2": "4", "score:p3": "2"})
    polls.submit(ws, link.poll.poll_id, OTHER, {"rater": "p2", "score:p1": "5"})
    done = polls.submit(ws, link.poll.poll_id, DEVICE, {"rater": "p1", "score:p2": "1", "score:p4": "3"})
    assert done.replaced
    assert sorted(ratings(ws)) == [("p1", "p2", 1.0, ""), ("p1", "p4", 3.0, ""), ("p2", "p1", 5.0, "")]
    assert polls.poll_results(ws, "north", "s1", floor=3).answers == {"p1": 1, "p2": 1, "p3": 0, "p4": 0}
    what = ws.undo("north")
    assert what == "undid replaced an earlier poll answer at session s1; a poll answer at session s1"
    assert sorted(ratings(ws)) == [("p1", "p2", 4.0, ""), ("p1", "p3", 2.0, ""), ("p2", "p1", 5.0, "")]


def test_after_close_nothing_is_accepted_and_nothing_written(ws: Workspace) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE)
    polls.close_poll(ws, "north", "s1")
    revision = ws.revision("north")
    with pytest.raises(polls.PollError, match="closed"):
        polls.submit(ws, link.poll.poll_id, DEVICE, {"rater": "p1", "score:p2": "4"})
    assert ws.revision("north") == revision and ratings(ws) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"score:p2": "4"}, [("rater", "poll.problem.no_rater")]),
        ({"rater": "p9", "score:p2": "4"}, [("rater", "poll.problem.unknown_rater")]),
        ({"rater": "p1", "score:p9": "4"}, [("score:p9", "poll.problem.unknown_ratee")]),
        ({"rater": "p1", "score:p1": "4", "score:p2": "4"}, [("score:p1", "poll.problem.self_rating")]),
        ({"rater": "p1", "score:p2": "four"}, [("score:p2", "poll.problem.not_a_number")]),
        ({"rater": "p1", "score:p2": "nan"}, [("score:p2", "poll.problem.not_a_number")]),
        ({"rater": "p1", "score:p2": "5.01"}, [("score:p2", "poll.problem.outside_scale")]),
        ({"rater": "p1", "score:p2": "0.99"}, [("score:p2", "poll.problem.outside_scale")]),
        ({"rater": "p1", "score:p2": "", "score:p3": " "}, [("score", "poll.problem.no_scores")]),
        ({"rater": "p1", "score:p2": "3", "comment": "x" * 501}, [("comment", "poll.problem.comment_too_long")]),
    ],
)
def test_a_bad_answer_names_its_problem_and_writes_nothing(
    ws: Workspace, fields: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE)
    revision = ws.revision("north")
    with pytest.raises(polls.AnswerRefused) as err:
        polls.submit(ws, link.poll.poll_id, DEVICE, fields)
    assert [(p.field, p.key) for p in err.value.problems] == expected
    assert ws.revision("north") == revision and ratings(ws) == []


def test_the_scale_boundaries_are_accepted(ws: Workspace) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE)
    polls.submit(ws, link.poll.poll_id, DEVICE, {"rater": "p4", "score:p1": "1", "score:p2": "5", "score:p3": ""})
    assert ratings(ws) == [("p4", "p1", 1.0, ""), ("p4", "p2", 5.0, "")]


def test_results_count_devices_and_show_a_mean_only_from_the_floor(ws: Workspace) -> None:
    link = polls.open_poll(ws, "north", "s1", base_url=BASE)
    for i, score in enumerate(["2", "3"]):
        polls.submit(ws, link.poll.poll_id, f"device-number-{i:08d}", {"rater": "p1", "score:p2": score})
    res = polls.poll_results(ws, "north", "s1", floor=3)
    assert res.answers["p1"] == 2 and res.total == 2
    assert res.pairs[("p1", "p2")] == polls.PairResult(2, None)  # floor − 1: no mean
    polls.submit(ws, link.poll.poll_id, "device-number-00000002", {"rater": "p1", "score:p2": "4"})
    res = polls.poll_results(ws, "north", "s1", floor=3)
    assert res.pairs[("p1", "p2")] == polls.PairResult(3, 3.0)
    assert res.revision == ws.revision("north")
    assert res.poll is not None and res.poll.is_open()


def test_ratings_typed_by_the_facilitator_are_not_poll_answers(ws: Workspace) -> None:
    from alliance_lens.model import TrustRating

    ws.add_ratings([TrustRating("north", "s1", "p1", "p2", 4.0, respondent="Ann")])
    polls.open_poll(ws, "north", "s1", base_url=BASE)
    assert polls.poll_results(ws, "north", "s1", floor=3).total == 0


def test_a_workspace_without_the_poll_table_reads_as_no_poll(ws: Workspace) -> None:
    ws._transaction(lambda conn: conn.exec_driver_sql("DROP TABLE polls"))
    assert polls.current(ws, "north", "s1") is None
    assert polls.poll_results(ws, "north", "s1", floor=3).poll is None
    link = polls.open_poll(ws, "north", "s1", base_url=BASE)  # makes the table again
    assert polls.current(ws, "north", "s1") == link.poll


def test_a_replace_of_the_alliance_is_not_blocked_by_its_polls(ws: Workspace, tmp_path: Path) -> None:
    polls.open_poll(ws, "north", "s1", base_url=BASE)
    folder = tmp_path / "export"
    ws.export("north", folder)
    report = ws.import_path(folder, replace=True)
    assert report.replaced == ["north"]
    ops = ws.history("north")["op"].tolist()
    assert ops.count("replace") == 1 and polls.current(ws, "north", "s1") is not None
