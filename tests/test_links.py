"""Client links: signed tokens, their refusals, the secret kept apart, ``share`` and ``revoke`` on the command line."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from alliance_lens import cli, links
from alliance_lens.config import reset_settings
from alliance_lens.model import UserError

HEADERS = {
    "alliances": "alliance_id,name,trust_min,trust_max,language",
    "partners": "alliance_id,partner_id,name",
    "sessions": "alliance_id,session_id,date,title,kind",
    "agreements": "alliance_id,agreement_id,title,kind,owner,made_on,due_on",
    "outcomes": "alliance_id,agreement_id,date,status",
    "trust_ratings": "alliance_id,session_id,rater,ratee,score",
}


def write_alliances(folder: Path, ids: list[str]) -> Path:
    """A small interchange folder with one tiny alliance per id."""
    folder.mkdir(parents=True)
    rows: dict[str, list[str]] = {name: [] for name in HEADERS}
    for a in ids:
        rows["alliances"].append(f"{a},Alliance {a},1,5,en")
        rows["partners"] += [f"{a},p1,Partner One", f"{a},p2,Partner Two"]
        rows["sessions"].append(f"{a},s1,2025-01-10,Kick-off,meeting")
        rows["agreements"].append(f"{a},g1,Send the plan,content,p1,2025-01-10,2025-02-10")
        rows["outcomes"].append(f"{a},g1,2025-02-09,kept")
        rows["trust_ratings"] += [f"{a},s1,p1,p2,4", f"{a},s1,p2,p1,3"]
    for name, header in HEADERS.items():
        (folder / f"{name}.csv").write_text("\n".join([header, *rows[name]]) + "\n", encoding="utf-8")
    return folder


def make_workspace(tmp_path: Path, name: str, ids: list[str]) -> str:
    url = f"sqlite:///{tmp_path / name / 'workspace.sqlite'}"
    assert cli.main(["import", str(write_alliances(tmp_path / f"{name}-data", ids)), "--db", url]) == 0
    return url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return make_workspace(tmp_path, "ws", ["north", "south"])


def test_a_link_round_trips_to_its_alliance(db_url: str) -> None:
    link = links.make_link("north", dt.timedelta(days=30), db_url=db_url, base_url="https://lens.example.org/")
    assert link.url.startswith("https://lens.example.org/?token=")
    assert links.token_from_query(link.url.split("?", 1)[1]) == link.token
    info = links.verify(link.token, db_url=db_url)
    assert info.alliance_id == "north"
    assert info.link_id == link.info.link_id
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert dt.timedelta(days=29, hours=23) < info.expires_at - now <= dt.timedelta(days=30)


def test_a_missing_token_is_refused(db_url: str) -> None:
    for token in (None, "", "   "):
        with pytest.raises(links.LinkError) as e:
            links.verify(token, db_url=db_url)
        assert e.value.reason == "missing"


def test_an_altered_token_is_refused(db_url: str) -> None:
    token = links.make_link("north", dt.timedelta(days=1), db_url=db_url).token
    payload, signature = token.rsplit(".", 1)
    # the last character of the signature holds padding bits (A-D may decode alike): alter the one before
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    # a client editing the payload to reach another alliance, with the old signature
    other = links.make_link("south", dt.timedelta(days=1), db_url=db_url).token.rsplit(".", 1)[0]
    for bad in (f"{payload}.{flipped}", f"{other}.{signature}", "not-a-token", token[:-5]):
        with pytest.raises(links.LinkError) as e:
            links.verify(bad, db_url=db_url)
        assert e.value.reason == "tampered", bad
        assert "not valid" in str(e.value)


def test_a_token_of_another_workspace_is_refused(db_url: str, tmp_path: Path) -> None:
    elsewhere = make_workspace(tmp_path, "elsewhere", ["north"])  # same alliance id, its own secret
    foreign = links.make_link("north", dt.timedelta(days=1), db_url=elsewhere).token
    with pytest.raises(links.LinkError) as e:
        links.verify(foreign, db_url=db_url)
    assert e.value.reason == "tampered"


def test_an_expired_link_is_refused(db_url: str) -> None:
    long_ago = dt.datetime(2024, 1, 1)
    link = links.make_link("north", dt.timedelta(hours=12), db_url=db_url, now=long_ago)
    with pytest.raises(links.LinkError) as e:
        links.verify(link.token, db_url=db_url)
    assert e.value.reason == "expired"
    # valid the moment before it ends
    assert links.verify(link.token, db_url=db_url, now=long_ago + dt.timedelta(hours=11)).alliance_id == "north"


def test_a_revoked_link_is_refused_by_id_or_by_url(db_url: str) -> None:
    first = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    second = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    links.revoke(first.info.link_id, db_url=db_url)
    links.revoke(second.url, db_url=db_url)
    for link in (first, second):
        with pytest.raises(links.LinkError) as e:
            links.verify(link.token, db_url=db_url)
        assert e.value.reason == "revoked"
    kept = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    assert links.verify(kept.token, db_url=db_url).link_id == kept.info.link_id


def test_a_link_whose_alliance_is_gone_is_refused(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one secret for two workspaces (as a deployment sharing it would have); the registry row is carried over
    # to a workspace that does not hold the alliance
    monkeypatch.setenv(links.SECRET_FILE_ENV, str(tmp_path / "shared.key"))
    reset_settings()
    link = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    other = make_workspace(tmp_path, "other", ["west"])
    links.list_links(db_url=other)  # creates the registry table
    src, dst = sa.create_engine(db_url), sa.create_engine(other)
    with src.connect() as c:
        row = c.execute(sa.select(links.share_links)).mappings().first()
    with dst.begin() as c:
        c.execute(links.share_links.insert().values(**dict(row)))
    src.dispose()
    dst.dispose()
    with pytest.raises(links.LinkError) as e:
        links.verify(link.token, db_url=other)
    assert e.value.reason == "unknown_alliance"


def test_the_secret_is_a_private_file_outside_the_database(db_url: str, isolated_home: Path) -> None:
    link = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    secret_file = links.secret_path(db_url)
    assert secret_file.is_relative_to(isolated_home)
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_bytes().strip()
    assert len(secret) >= 32
    database = Path(db_url.removeprefix("sqlite:///")).read_bytes()
    assert secret not in database
    assert link.token.encode() not in database  # only the link id is registered, not the token
    # a second link uses the same secret: made once
    before = hashlib.sha256(secret_file.read_bytes()).hexdigest()
    links.make_link("south", dt.timedelta(days=1), db_url=db_url)
    assert hashlib.sha256(secret_file.read_bytes()).hexdigest() == before


def test_a_secret_readable_by_others_is_refused(db_url: str) -> None:
    link = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    links.secret_path(db_url).chmod(0o644)
    with pytest.raises(UserError, match="chmod 600"):
        links.verify(link.token, db_url=db_url)


def test_verifying_writes_nothing(db_url: str) -> None:
    link = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    path = Path(db_url.removeprefix("sqlite:///"))
    before = path.read_bytes()
    links.verify(link.token, db_url=db_url)
    with pytest.raises(links.LinkError):
        links.verify("bad", db_url=db_url)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", dt.timedelta(days=30)),
        ("12h", dt.timedelta(hours=12)),
        ("2w", dt.timedelta(weeks=2)),
        (" 7D ", dt.timedelta(days=7)),
    ],
)
def test_durations(text: str, expected: dt.timedelta) -> None:
    assert links.parse_duration(text) == expected


def test_share_list_and_revoke_on_the_command_line(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli.main(["share", "north", "--expires", "2w", "--base-url", "http://clients.local:8867/", "--db", db_url]) == 0
    )
    out, err = capsys.readouterr()
    url = out.strip()
    assert url.startswith("http://clients.local:8867/?token=")
    assert "north" in err and "revoke" in err
    link_id = links.verify(links.token_from_query(url.split("?", 1)[1]), db_url=db_url).link_id

    assert cli.main(["share", "--list", "--db", db_url]) == 0
    listing = capsys.readouterr().out
    assert link_id in listing and "active" in listing

    assert cli.main(["revoke", link_id, "--db", db_url]) == 0
    assert "revoked" in capsys.readouterr().out
    assert cli.main(["share", "--list", "--db", db_url]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if link_id in x)
    assert line.rstrip().endswith("revoked")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["share", "north", "--expires", "3x"], "--expires: '3x'"),
        (["share", "north", "--expires", "0d"], "longer than zero"),
        (["share", "north", "--expires", "900d"], "maximum"),
        (["share", "nowhere"], "no alliance 'nowhere'"),
        (["share"], "name the alliance"),
        (["share", "north", "--base-url", "ftp://x/"], "--base-url"),
        (["revoke", "abcdef"], "no link 'abcdef'"),
        (["revoke", "http://x/?token=forged.sig"], "not a link made by this workspace"),
    ],
)
def test_bad_share_and_revoke_input_is_one_clear_line(
    db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main([*argv, "--db", db_url]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_missing_secret_is_said_once_in_the_log(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    link = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    # a client server whose link_secret_file names a file that is not there (a mount missing, a typo)
    missing = tmp_path / "not-mounted" / "link.key"
    monkeypatch.setenv(links.SECRET_FILE_ENV, str(missing))
    with caplog.at_level("WARNING", logger="alliance_lens.links"):
        for _ in range(3):
            with pytest.raises(links.LinkError) as e:
                links.verify(link.token, db_url=db_url)
            assert e.value.reason == "tampered"  # the visitor learns nothing about the server
    said = [r.getMessage() for r in caplog.records if str(missing) in r.getMessage()]
    assert len(said) == 1 and "does not exist" in said[0] and "ALLIANCE_LENS_LINK_SECRET_FILE" in said[0]


def _deny_reading(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret file this server's user may not read (mode 000 does not stop root, so the read is refused)."""
    path.write_bytes(b"x" * 48)
    path.chmod(0o600)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        # a folder where the file should be (a volume mounted one level off), whatever the folder's mode
        (lambda p, _m: p.mkdir(mode=0o755), "Is a directory"),
        (_deny_reading, "Permission denied"),
    ],
    ids=["a folder in its place", "not readable by this user"],
)
def test_an_unreadable_secret_is_said_once_in_the_log(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    make: Callable[[Path, pytest.MonkeyPatch], object],
    detail: str,
) -> None:
    link = links.make_link("north", dt.timedelta(days=1), db_url=db_url)
    unreadable = tmp_path / "deployment" / "link.key"
    unreadable.parent.mkdir()
    make(unreadable, monkeypatch)
    monkeypatch.setenv(links.SECRET_FILE_ENV, str(unreadable))
    with caplog.at_level("WARNING", logger="alliance_lens.links"):
        for _ in range(3):
            with pytest.raises(links.LinkError) as e:
                links.verify(link.token, db_url=db_url)
            assert e.value.reason == "tampered"  # the visitor learns nothing about the server
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "alliance_lens.links"]
    assert said == [
        (
            "ERROR",
            f"the link secret {unreadable} cannot be read ({detail}), so every link is refused: let this "
            "server's user read it (mode 0600, owned by that user)",
        )
    ]
