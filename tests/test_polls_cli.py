"""``alliance-lens poll open|close|status``: the link printed, counts per rater, never an answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alliance_lens import cli
from alliance_lens.store import Workspace, polls
from poll_helpers import poll_workspace


def test_poll_open_status_close_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = poll_workspace(tmp_path)
    base = "http://10.0.0.7:8867/"
    assert cli.main(["poll", "open", "north", "--session", "s2", "--base-url", base, "--db", url]) == 0
    out, err = capsys.readouterr()
    link = out.strip()
    assert link.startswith(base + "poll?token=")
    with Workspace.open(url) as ws:
        poll = polls.verify(ws, link.split("token=", 1)[1])
        assert (poll.alliance_id, poll.session_id) == ("north", "s2")
        assert f"p/{poll.code}" in err
        polls.submit(ws, poll.poll_id, "a-device-id-0000001", {"rater": "p3", "score:p1": "2", "comment": "secret"})

    assert cli.main(["poll", "status", "north", "--session", "s2", "--json", "--db", url]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "open" and status["total"] == 1
    assert {a["partner"]: a["answers"] for a in status["answers"]} == {"p1": 0, "p2": 0, "p3": 1, "p4": 0}
    assert "secret" not in json.dumps(status) and '"2' not in json.dumps(status["answers"])

    assert cli.main(["poll", "close", "north", "--session", "s2", "--db", url]) == 0
    assert "closed (answers: 1)" in capsys.readouterr().out
    assert cli.main(["poll", "status", "north", "--session", "s2", "--db", url]) == 0
    text = capsys.readouterr().out
    assert text.startswith("alliance north, session s2: closed, answers: 1")
    assert "  Rail Co          1  (p3)\n" in text


def test_poll_commands_refuse_unknown_sessions_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = poll_workspace(tmp_path)
    assert cli.main(["poll", "open", "north", "--session", "s9", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err == "alliance-lens poll: alliance 'north' has no session 's9' (sessions: 's1', 's2')\n"
    assert cli.main(["poll", "close", "north", "--session", "s1", "--db", url]) == 2
    assert "has no poll to close" in capsys.readouterr().err
