"""The live trust poll: participants rate anonymously from their phones during one session of an alliance.

A poll belongs to one (alliance, session). Opening it registers a row in ``polls`` and gives a link carrying a
token signed like a client link (:mod:`itsdangerous`, the workspace's link secret, this module's own salt), so
a poll token cannot be replayed as a client link nor the other way round. The token names the poll; the poll
names its session: a token is good for that one session, and only while its poll is open and not expired.

An answer is one device's ratings of the other partners, written by :func:`submit` as **one change** in the
audit log: undoable by the facilitator as one change. The device is known only by a random id in a cookie; the
store keeps a hash of it per session (``poll-…`` in ``trust_ratings.respondent``), never a name. A second
answer from the same device replaces its first in the same transaction (the audit entry keeps the replaced
rows, so undo puts them back). After close nothing is accepted: the check happens inside the write transaction,
so an answer racing the close is either stored before it or refused.

Nothing here shows an individual answer: the audit summaries say "a poll answer", and :func:`poll_results`
gives counts per rater and, per pair, a mean only from ``floor`` respondents on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, and_, delete, func, select, update
from sqlalchemy.exc import DBAPIError

from alliance_lens.model import MAX_ID_LENGTH, UserError, check_id
from alliance_lens.store import engine as db
from alliance_lens.store import schema as s
from alliance_lens.store.audit import AuditEntry
from alliance_lens.store.audit import write as write_audit
from alliance_lens.store.loading import revision as ws_revision
from alliance_lens.store.workspace import UnknownAlliance, Workspace, _bulk_insert, _json, _pack

#: itsdangerous salt: a poll token is no client link and no other signed value of the project.
POLL_SALT: Final = "alliance-lens/poll/v1"
#: What the respondent column of a poll answer starts with (the rest is a hash of the device's id).
RESPONDENT_PREFIX: Final = "poll-"
#: Letters of a short code: no 0/O, 1/I/L, so it can be read off a projector and typed.
CODE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH: Final = 6
#: Longest score text looked at: anything longer is not a score.
_MAX_SCORE_TEXT: Final = 32

PollRefusal = Literal["missing", "tampered", "expired", "closed"]


class PollError(UserError):
    """A poll token or poll that cannot take an answer; ``reason`` says why (``poll.refused.<reason>``)."""

    _ENGLISH: Final[dict[str, str]] = {
        "missing": "This poll link has no access code. Scan the code on the screen again.",
        "tampered": "This poll link is not valid: it was altered or was not made by this server.",
        "expired": "This poll has expired. Ask the facilitator to open it again.",
        "closed": "This poll is closed: it takes no more answers.",
    }

    def __init__(self, reason: PollRefusal) -> None:
        self.reason: PollRefusal = reason
        super().__init__(self._ENGLISH[reason])


@dataclass(frozen=True)
class AnswerProblem:
    """One thing wrong with an answer: the form ``field``, the value sent, and a message key (``poll.problem.*``).

    ``values`` fill the message (partner names, the scale); the page renders it in the alliance's language.
    """

    field: str
    value: str
    key: str
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)


class AnswerRefused(UserError):
    """An answer with problems: nothing was written."""

    def __init__(self, problems: Sequence[AnswerProblem], form: PollForm | None = None) -> None:
        self.problems = list(problems)
        self.form = form  # what the page needs to show the form again with the problems
        super().__init__("; ".join(f"{p.field}: {p.key}" for p in self.problems))


@dataclass(frozen=True)
class Poll:
    """One opening of a session's poll."""

    poll_id: str
    alliance_id: str
    session_id: str
    code: str
    opened_at: dt.datetime
    expires_at: dt.datetime
    closed_at: dt.datetime | None

    def is_open(self, now: dt.datetime | None = None) -> bool:
        """Takes answers now: not closed and not expired."""
        return self.closed_at is None and (now or utcnow()) < self.expires_at


@dataclass(frozen=True)
class PollLink:
    """An open poll with its token and the participants' link (and the short address for the projector)."""

    poll: Poll
    token: str
    url: str
    short_url: str


@dataclass(frozen=True)
class Answer:
    """A checked answer: the partner the participant speaks for, its scores of others, an optional comment."""

    rater: str
    scores: dict[str, float]
    comment: str


@dataclass(frozen=True)
class Submitted:
    """What :func:`submit` wrote: the change id, the number of ratings, whether an earlier answer was replaced."""

    change_id: str
    n_ratings: int
    replaced: bool
    form: PollForm  # the poll's form as the answer saw it (for the page saying it was stored)


@dataclass(frozen=True)
class PairResult:
    """One rater → ratee pair of a poll: how many answered it, and the mean only from the floor on."""

    n_respondents: int
    mean: float | None


@dataclass(frozen=True)
class PollResults:
    """What the room may see of a poll: counts per rater partner and pair means above the anonymity floor."""

    alliance_id: str
    session_id: str
    poll: Poll | None
    revision: int
    partners: list[tuple[str, str]]  # (partner_id, name) in the alliance's order
    answers: dict[str, int]  # rater partner -> answers (devices)
    pairs: dict[tuple[str, str], PairResult]
    floor: int
    trust_min: float
    trust_max: float

    @property
    def total(self) -> int:
        """Answers in all."""
        return sum(self.answers.values())


@dataclass(frozen=True)
class PollForm:
    """What the phone's form needs: the alliance's name, language, scale, partners and the session's title."""

    poll: Poll
    alliance_name: str
    language: str
    trust_min: float
    trust_max: float
    partners: list[tuple[str, str]]
    session_title: str


def utcnow() -> dt.datetime:
    """Now, in UTC without a zone: how the poll registry stores its instants."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------------------------------------- tokens


def _serializer(ws: Workspace, *, create: bool) -> URLSafeSerializer:
    from alliance_lens import links  # the link secret of the workspace, shared with client links

    return URLSafeSerializer(links.load_secret(ws.url, create=create), salt=POLL_SALT)


def poll_token(ws: Workspace, poll: Poll) -> str:
    """The signed token of ``poll`` (the same every time for one poll)."""
    return str(_serializer(ws, create=True).dumps({"p": poll.poll_id, "a": poll.alliance_id, "s": poll.session_id}))


def poll_url(base_url: str, token: str) -> str:
    """The participants' link: ``<base>poll?token=…`` on the client server."""
    from urllib.parse import urlencode

    return f"{_base(base_url)}poll?{urlencode({'token': token})}"


def short_url(base_url: str, code: str) -> str:
    """The readable address for the projector: ``<base>p/CODE`` (it leads to the poll while it is open)."""
    return f"{_base(base_url)}p/{code}"


def _base(base_url: str) -> str:
    from urllib.parse import urlsplit

    if urlsplit(base_url).scheme not in {"http", "https"}:
        raise UserError(f"--base-url: {base_url!r} is not an http:// or https:// address")
    return base_url if base_url.endswith("/") else base_url + "/"


def decode(ws: Workspace, token: str | None) -> tuple[str, str, str]:
    """``(poll_id, alliance_id, session_id)`` signed in ``token`` (not yet checked against the registry)."""
    if not token or not token.strip():
        raise PollError("missing")
    try:
        data = _serializer(ws, create=False).loads(token.strip())
        return str(data["p"]), str(data["a"]), str(data["s"])
    except (BadSignature, KeyError, TypeError, ValueError, UserError) as exc:
        raise PollError("tampered") from exc


def verify(ws: Workspace, token: str | None, *, now: dt.datetime | None = None) -> Poll:
    """The open poll ``token`` grants, or :class:`PollError` saying why not. Reads only."""
    poll_id, alliance_id, session_id = decode(ws, token)
    poll = ws._read(lambda conn: _poll_by_id(conn, poll_id))
    if poll is None or (poll.alliance_id, poll.session_id) != (alliance_id, session_id):
        raise PollError("tampered")  # signed here, but for a poll this workspace does not know
    _check_open(poll, now)
    return poll


def _check_open(poll: Poll, now: dt.datetime | None) -> None:
    if poll.closed_at is not None:
        raise PollError("closed")
    if (now or utcnow()) >= poll.expires_at:
        raise PollError("expired")


# ---------------------------------------------------------------------------------------------- registry


def _row_poll(r: Any) -> Poll:
    return Poll(
        poll_id=str(r.poll_id),
        alliance_id=str(r.alliance_id),
        session_id=str(r.session_id),
        code=str(r.code),
        opened_at=r.opened_at,
        expires_at=r.expires_at,
        closed_at=r.closed_at,
    )


def _safe(conn: Connection, query: Any) -> list[Any]:
    """Rows of a query on ``polls``; none when the workspace predates the table (it is made on first open)."""
    try:
        return list(conn.execute(query).all())
    except DBAPIError as exc:  # on PostgreSQL this ends the (read) transaction: callers ask nothing after it
        if "polls" in str(exc).lower() and ("no such table" in str(exc).lower() or "does not exist" in str(exc)):
            return []
        raise


def _poll_by_id(conn: Connection, poll_id: str) -> Poll | None:
    rows = _safe(conn, select(s.polls).where(s.polls.c.poll_id == poll_id))
    return _row_poll(rows[0]) if rows else None


def _latest(conn: Connection, alliance_id: str, session_id: str) -> Poll | None:
    p = s.polls
    rows = _safe(
        conn,
        select(p)
        .where(and_(p.c.alliance_id == alliance_id, p.c.session_id == session_id))
        .order_by(p.c.opened_at.desc(), p.c.poll_id)
        .limit(1),
    )
    return _row_poll(rows[0]) if rows else None


def by_code(ws: Workspace, code: str, *, now: dt.datetime | None = None) -> Poll:
    """The open poll of a short code (case and spaces forgiven), or :class:`PollError`."""
    clean = "".join(code.split()).upper()[:16]
    rows = ws._read(lambda conn: _safe(conn, select(s.polls).where(s.polls.c.code == clean)))
    if not rows:
        raise PollError("tampered")
    poll = _row_poll(rows[0])
    _check_open(poll, now)
    return poll


def current(ws: Workspace, alliance_id: str, session_id: str) -> Poll | None:
    """The latest poll of the session (open or not), or ``None`` if it never had one."""
    return ws._read(lambda conn: _latest(conn, alliance_id, session_id))


def change_key(ws: Workspace, alliance_id: str, session_id: str) -> tuple[int, tuple[str, Any, Any] | None]:
    """What moves when an answer arrives or the session's poll opens or closes: one cheap read (two indexed rows).

    A watcher compares it with the last one it saw and reads :func:`poll_results` only when it moved.
    """

    def run(conn: Connection) -> tuple[int, tuple[str, Any, Any] | None]:
        revision = ws_revision(conn, alliance_id)  # committed with each change (i15)
        latest = _latest(conn, alliance_id, session_id)
        return revision, None if latest is None else (latest.poll_id, latest.closed_at, latest.expires_at)

    return ws._read(run)


def open_polls(ws: Workspace, alliance_id: str, *, now: dt.datetime | None = None) -> list[Poll]:
    """The polls of the alliance open now."""
    p = s.polls
    rows = ws._read(
        lambda conn: _safe(conn, select(p).where(and_(p.c.alliance_id == alliance_id, p.c.closed_at.is_(None))))
    )
    return [q for q in (_row_poll(r) for r in rows) if q.is_open(now)]


def _check_session(conn: Connection, ws: Workspace, alliance_id: str, session_id: str) -> None:
    if not conn.execute(select(s.alliances.c.alliance_id).where(s.alliances.c.alliance_id == alliance_id)).first():
        raise ws._unknown(conn, alliance_id)
    se = s.sessions
    found = conn.execute(
        select(se.c.session_id).where(and_(se.c.alliance_id == alliance_id, se.c.session_id == session_id))
    ).first()
    if found is None:
        known = sorted(
            str(x) for x in conn.execute(select(se.c.session_id).where(se.c.alliance_id == alliance_id)).scalars()
        )
        if not known:
            raise UserError.of("poll.unknown_session_none", alliance=alliance_id, session=session_id)
        listing = ", ".join(repr(k) for k in known[-10:])
        raise UserError.of("poll.unknown_session", alliance=alliance_id, session=session_id, sessions=listing)


def open_poll(
    ws: Workspace,
    alliance_id: str,
    session_id: str,
    *,
    base_url: str,
    lifetime: dt.timedelta = dt.timedelta(hours=12),
    now: dt.datetime | None = None,
) -> PollLink:
    """Open the poll of a session (or return the one open already) with its link on the client at ``base_url``.

    Opening a poll that was closed makes a new poll: the old link stays closed; a device that answered before
    still replaces its own answer (the device is counted per session).
    """
    _base(base_url)  # refuse a bad address before writing anything
    moment = (now or utcnow()).replace(microsecond=0)

    def run(conn: Connection) -> Poll:
        s.polls.create(conn, checkfirst=True)  # workspaces made before the poll existed get the table here
        _check_session(conn, ws, alliance_id, session_id)
        latest = _latest(conn, alliance_id, session_id)
        if latest is not None and latest.is_open(moment):
            return latest
        taken = set(conn.execute(select(s.polls.c.code)).scalars())
        code = _new_code(taken)
        poll = Poll(secrets.token_hex(8), alliance_id, session_id, code, moment, moment + lifetime, None)
        conn.execute(
            s.polls.insert().values(
                poll_id=poll.poll_id,
                alliance_id=alliance_id,
                session_id=session_id,
                code=code,
                opened_at=poll.opened_at,
                expires_at=poll.expires_at,
                closed_at=None,
                actor=ws.actor[:200],
            )
        )
        return poll

    poll = ws._transaction(run)
    return link_of(ws, poll, base_url)


def link_of(ws: Workspace, poll: Poll, base_url: str) -> PollLink:
    """The link and the short address of a poll on the client server at ``base_url``."""
    token = poll_token(ws, poll)
    return PollLink(poll, token, poll_url(base_url, token), short_url(base_url, poll.code))


def _new_code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def close_poll(ws: Workspace, alliance_id: str, session_id: str, *, now: dt.datetime | None = None) -> Poll:
    """Close the session's poll: its link takes no more answers. Closing a closed poll is harmless."""
    moment = (now or utcnow()).replace(microsecond=0)

    def run(conn: Connection) -> Poll:
        _check_session(conn, ws, alliance_id, session_id)
        latest = _latest(conn, alliance_id, session_id)
        if latest is None:
            raise UserError.of("poll.nothing_to_close", alliance=alliance_id, session=session_id)
        if latest.closed_at is not None:
            return latest
        conn.execute(update(s.polls).where(s.polls.c.poll_id == latest.poll_id).values(closed_at=moment))
        return Poll(**{**latest.__dict__, "closed_at": moment})

    return ws._transaction(run)


# ---------------------------------------------------------------------------------------------- answers


def respondent_key(alliance_id: str, session_id: str, device: str) -> str:
    """The respondent stored for a device at a session: a hash, so the database cannot act as the device."""
    digest = hashlib.sha256(f"{alliance_id}\x1f{session_id}\x1f{device}".encode()).hexdigest()[:20]
    return RESPONDENT_PREFIX + digest


def parse_score(text: str) -> float | None:
    """A score as typed or picked: ``""`` is no answer, ``3,5`` is 3.5; :class:`ValueError` if not a number."""
    clean = text.strip().replace(",", ".")
    if not clean:
        return None
    if len(clean) > _MAX_SCORE_TEXT or not clean.isascii():  # float() would take other scripts' digits
        raise ValueError(text)
    value = float(clean)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def check_answer(
    fields: Mapping[str, str],
    partners: Sequence[tuple[str, str]],
    trust_min: float,
    trust_max: float,
    *,
    comment_max: int = 500,
) -> tuple[Answer | None, list[AnswerProblem]]:
    """An answer from the form's fields (CONTRACT §3), or the problems with it (every one, not just the first).

    ``rater``: the partner the participant speaks for; ``score:<partner_id>``: one per other partner, empty =
    no answer; ``comment``: optional. Other fields are the page's own and are ignored here.
    """
    names = dict(partners)
    problems: list[AnswerProblem] = []
    rater = fields.get("rater", "").strip()
    if not rater:
        problems.append(AnswerProblem("rater", "", "poll.problem.no_rater"))
    elif rater not in names:
        problems.append(AnswerProblem("rater", rater[:MAX_ID_LENGTH], "poll.problem.unknown_rater"))
        rater = ""
    scores: dict[str, float] = {}
    lo, hi = f"{trust_min:g}", f"{trust_max:g}"
    for name, raw in fields.items():
        if not name.startswith("score:"):
            continue
        ratee = name.removeprefix("score:")
        if not raw.strip():
            continue
        if ratee not in names:
            problems.append(AnswerProblem(name[:80], raw[:40], "poll.problem.unknown_ratee"))
            continue
        if ratee == rater:
            problems.append(AnswerProblem(name, raw[:40], "poll.problem.self_rating", {"partner": names[ratee]}))
            continue
        try:
            score = parse_score(raw)
        except ValueError:
            problems.append(
                AnswerProblem(
                    name, raw[:40], "poll.problem.not_a_number", {"partner": names[ratee], "lo": lo, "hi": hi}
                )
            )
            continue
        assert score is not None
        if not trust_min <= score <= trust_max:
            problems.append(
                AnswerProblem(
                    name, raw[:40], "poll.problem.outside_scale", {"partner": names[ratee], "lo": lo, "hi": hi}
                )
            )
            continue
        scores[ratee] = score
    comment = fields.get("comment", "").replace("\x00", "").strip()
    if len(comment) > comment_max:
        problems.append(
            AnswerProblem("comment", comment[:40], "poll.problem.comment_too_long", {"n": str(comment_max)})
        )
    if not problems and not scores:
        problems.append(AnswerProblem("score", "", "poll.problem.no_scores"))
    if problems:
        return None, problems
    return Answer(rater, dict(sorted(scores.items())), comment), []


def _form(conn: Connection, poll: Poll) -> PollForm:
    al, pa, se = s.alliances, s.partners, s.sessions
    a = conn.execute(
        select(al.c.name, al.c.language, al.c.trust_min, al.c.trust_max).where(al.c.alliance_id == poll.alliance_id)
    ).first()
    if a is None:
        raise PollError("tampered")  # the alliance is gone: the poll with it
    partners = [
        (str(r.partner_id), str(r.name))
        for r in conn.execute(
            select(pa.c.partner_id, pa.c.name).where(pa.c.alliance_id == poll.alliance_id).order_by(pa.c.partner_id)
        )
    ]
    title = conn.execute(
        select(se.c.title).where(and_(se.c.alliance_id == poll.alliance_id, se.c.session_id == poll.session_id))
    ).scalar()
    return PollForm(
        poll,
        str(a.name),
        str(a.language),
        float(a.trust_min),
        float(a.trust_max),
        partners,
        str(title or poll.session_id),
    )


def form_of(ws: Workspace, poll: Poll) -> PollForm:
    """What the phone's page shows for ``poll``."""
    return ws._read(lambda conn: _form(conn, poll))


def submit(
    ws: Workspace,
    poll_id: str,
    device: str,
    fields: Mapping[str, str],
    *,
    comment_max: int = 500,
    session: tuple[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Submitted:
    """Store one device's answer to a poll as one change; an earlier answer of the device is replaced in it.

    Raises :class:`PollError` (poll closed, expired, unknown, or not of ``session`` = (alliance, session) when
    given: a token's claim) or :class:`AnswerRefused` (the problems), and then writes nothing. The poll, the
    partners and the scale are read inside the write transaction: one transaction per answer, nothing stale.
    """
    if check_id(device, "device") is not None or len(device) < 16:
        raise PollError("missing")  # no device id: the page sets one before it shows the form
    if session is None:
        known = ws._read(lambda conn: _poll_by_id(conn, poll_id))
        if known is None:
            raise PollError("tampered")
        session = (known.alliance_id, known.session_id)
    claim = session

    def run(conn: Connection) -> Submitted:
        # first the alliance's lock (i15's engine): answers of one alliance queue here, and the revision the
        # change brings is taken with it; a refused answer rolls both back
        revisions = db.lock_alliances(conn, [claim[0]])
        poll = _poll_by_id(conn, poll_id)
        if poll is None or (poll.alliance_id, poll.session_id) != claim:
            raise PollError("tampered")
        _check_open(poll, now)
        form = _form(conn, poll)
        answer, problems = check_answer(fields, form.partners, form.trust_min, form.trust_max, comment_max=comment_max)
        if answer is None:
            raise AnswerRefused(problems, form)
        change = ws._change()
        respondent = respondent_key(poll.alliance_id, poll.session_id, device)
        r = s.trust_ratings
        mine = and_(
            r.c.alliance_id == poll.alliance_id, r.c.session_id == poll.session_id, r.c.respondent == respondent
        )
        old_cols = [c for c in r.c if c.name != "id"]
        old = [dict(row._mapping) for row in conn.execute(select(*old_cols).where(mine).order_by(r.c.id))]
        entries: list[dict[str, Any]] = []
        if old:
            conn.execute(delete(r).where(mine))
            entries.append(
                {
                    "alliance_id": poll.alliance_id,
                    # "replace" with a snapshot: undo deletes this change's rows and puts these back
                    "table_name": "trust_ratings",
                    "op": "replace",
                    "key": _json({"session_id": poll.session_id, "respondent": respondent}),
                    "before": _json({"trust_ratings": len(old)}),
                    "summary": f"replaced an earlier poll answer at session {poll.session_id}",
                    "snapshot": _pack({"trust_ratings": old}),
                }
            )
        rows = [
            {
                "alliance_id": poll.alliance_id,
                "session_id": poll.session_id,
                "rater": answer.rater,
                "ratee": ratee,
                "score": score,
                "respondent": respondent,
                # the comment once per answer, on its first rating
                "comment": answer.comment if i == 0 else "",
                "change_id": change.change_id,
            }
            for i, (ratee, score) in enumerate(answer.scores.items())
        ]
        _bulk_insert(conn, r, rows)
        entries.append(
            {
                "alliance_id": poll.alliance_id,
                "table_name": "trust_ratings",
                "op": "insert",
                "key": _json({"session_id": poll.session_id, "change_id": change.change_id}),
                "after": _json({"rows": len(rows), "poll_id": poll.poll_id}),
                # never the scores or the rater: the undo message and the history are read in the room
                "summary": f"a poll answer at session {poll.session_id}",
            }
        )
        write_audit(conn, change, [AuditEntry(**e) for e in entries], revisions)
        return Submitted(change.change_id, len(rows), bool(old), form)

    return ws._transaction(run)


def own_answer(ws: Workspace, poll: Poll, device: str) -> dict[str, str] | None:
    """The device's own earlier answer at the poll's session as form fields (shown only back to that device)."""
    r = s.trust_ratings
    respondent = respondent_key(poll.alliance_id, poll.session_id, device)

    def run(conn: Connection) -> list[Any]:
        where = and_(
            r.c.alliance_id == poll.alliance_id, r.c.session_id == poll.session_id, r.c.respondent == respondent
        )
        return list(conn.execute(select(r.c.rater, r.c.ratee, r.c.score, r.c.comment).where(where).order_by(r.c.id)))

    rows = ws._read(run)
    if not rows:
        return None
    fields = {"rater": str(rows[0].rater), "comment": next((str(x.comment) for x in rows if x.comment), "")}
    fields |= {f"score:{x.ratee}": f"{float(x.score):g}" for x in rows}
    return fields


# ---------------------------------------------------------------------------------------------- results


def poll_results(ws: Workspace, alliance_id: str, session_id: str, *, floor: int) -> PollResults:
    """The counts and the pair means the room may see, read in one transaction with the revision they are at."""

    def run(conn: Connection) -> PollResults:
        al, pa, r = s.alliances, s.partners, s.trust_ratings
        _check_session(conn, ws, alliance_id, session_id)
        a = conn.execute(select(al.c.trust_min, al.c.trust_max).where(al.c.alliance_id == alliance_id)).one()
        revision = ws_revision(conn, alliance_id)  # the alliance's committed revision (i15)
        partners = [
            (str(x.partner_id), str(x.name))
            for x in conn.execute(
                select(pa.c.partner_id, pa.c.name).where(pa.c.alliance_id == alliance_id).order_by(pa.c.partner_id)
            )
        ]
        poll_rows = and_(
            r.c.alliance_id == alliance_id,
            r.c.session_id == session_id,
            r.c.respondent.like(RESPONDENT_PREFIX + "%"),
        )
        answers = {pid: 0 for pid, _ in partners}
        for rater, n in conn.execute(
            select(r.c.rater, func.count(func.distinct(r.c.respondent))).where(poll_rows).group_by(r.c.rater)
        ):
            answers[str(rater)] = int(n)
        pairs: dict[tuple[str, str], PairResult] = {}
        for rater, ratee, n, mean in conn.execute(
            select(r.c.rater, r.c.ratee, func.count(func.distinct(r.c.respondent)), func.avg(r.c.score))
            .where(poll_rows)
            .group_by(r.c.rater, r.c.ratee)
        ):
            count = int(n)
            # under the floor the mean stays in the database: it would be (nearly) one person's answer
            pairs[(str(rater), str(ratee))] = PairResult(count, float(mean) if count >= floor else None)
        return PollResults(
            alliance_id,
            session_id,
            _latest(conn, alliance_id, session_id),
            revision,
            partners,
            answers,
            pairs,
            floor,
            float(a.trust_min),
            float(a.trust_max),
        )

    return ws._read(run)


__all__ = [
    "Answer",
    "AnswerProblem",
    "AnswerRefused",
    "PairResult",
    "Poll",
    "PollError",
    "PollForm",
    "PollLink",
    "PollResults",
    "Submitted",
    "UnknownAlliance",
    "by_code",
    "change_key",
    "check_answer",
    "close_poll",
    "current",
    "decode",
    "form_of",
    "open_poll",
    "own_answer",
    "poll_results",
    "submit",
    "verify",
]
