"""Read-only client links: signed tokens that open one alliance's dashboard, and the registry that ends them.

A link carries a token signed with :mod:`itsdangerous` (no hand-rolled crypto) holding the alliance id, the
link id and the expiry. The signing secret is kept in a ``0600`` file outside the database and the repository,
never in a notebook — so a copy of the database alone cannot mint links. Which file is a setting,
``link_secret_file`` (``ALLIANCE_LENS_LINK_SECRET_FILE``), that every server of a shared workspace names
alike; unset, one file per workspace is made under :func:`alliance_lens.paths.home_dir` (one laptop). A
missing or unreadable secret is said in the log, once, in words an operator can act on.

The registry of links (for ``share --list`` and ``revoke``) is the table ``share_links`` of the workspace's
schema (:mod:`alliance_lens.store.schema`), reached through the store's engine: a server checks a link on its
pooled connections (:meth:`~alliance_lens.store.Workspace.shared`), one query, no new connection. The client
server only reads it; any server that may write the workspace can revoke a link, by id or by the whole link.

Interface (``docs/design.md``, "Serving")::

    make_link(alliance_id, expires_in, *, db_url=None, base_url=None) -> SharedLink
    verify(token, *, db_url=None) -> LinkInfo          # raises LinkError with .reason
    revoke(link_or_id, *, db_url=None) -> LinkInfo
    list_links(alliance_id=None, *, db_url=None) -> list[LinkRecord]
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from alliance_lens import paths
from alliance_lens.config import settings
from alliance_lens.messages import tr
from alliance_lens.model import UserError
from alliance_lens.store.schema import alliances as _alliances
from alliance_lens.store.schema import share_links

if TYPE_CHECKING:
    from alliance_lens.store import Workspace

log = logging.getLogger(__name__)

LinkErrorReason = Literal["missing", "tampered", "expired", "revoked", "unknown_alliance"]

#: Default lifetime of a link.
DEFAULT_EXPIRES: Final = "30d"
#: Longest lifetime accepted: a link is a standing door into the workspace, so it must end some day.
MAX_EXPIRES: Final = dt.timedelta(days=366)
#: Where links point when ``--base-url`` is not given: the client server on its default port.
DEFAULT_BASE_URL: Final = "http://127.0.0.1:8867/"  # LensConfig.client_port's default
#: Environment variable of the ``link_secret_file`` setting: the secret file every server of a shared
#: workspace names alike; unset = one file per workspace under the home dir.
SECRET_FILE_ENV: Final = "ALLIANCE_LENS_LINK_SECRET_FILE"

#: itsdangerous salt: a token for links cannot be replayed as any other signed value of the project.
_SALT: Final = "alliance-lens/client-link/v1"
_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS: Final = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


class LinkError(UserError):
    """A client link that cannot be honoured; ``reason`` says why, the message says it plainly."""

    def __init__(self, reason: LinkErrorReason, message: str | None = None) -> None:
        self.reason: LinkErrorReason = reason
        # the English message; pages in another language render ``tr(f"link.{reason}", lang)`` themselves
        super().__init__(message or tr(f"link.{reason}", "en"))


@dataclass(frozen=True)
class LinkInfo:
    """What a valid token grants: one alliance, until ``expires_at`` (UTC, naive)."""

    alliance_id: str
    link_id: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class SharedLink:
    """A link just made: its registry entry and the URL to hand to the client."""

    info: LinkInfo
    token: str
    url: str


@dataclass(frozen=True)
class LinkRecord:
    """One row of the registry, with its state now."""

    link_id: str
    alliance_id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    state: Literal["active", "expired", "revoked"]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def parse_duration(text: str) -> dt.timedelta:
    """``30d``, ``12h``, ``2w`` → a timedelta; anything else is a :class:`UserError` naming the value."""
    match = _DURATION.match(text)
    if not match:
        raise UserError(f"--expires: {text!r} is not a duration; write a whole number and h, d or w, e.g. 12h, 30d, 2w")
    amount = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if amount <= dt.timedelta(0):
        raise UserError(f"--expires: {text!r} must be longer than zero")
    if amount > MAX_EXPIRES:
        raise UserError(f"--expires: {text!r} is longer than the maximum of {MAX_EXPIRES.days} days")
    return amount


# -- the secret ---------------------------------------------------------------------------------------------


def _db_url(db_url: str | None) -> str:
    return settings().workspace_url(db_url)


def secret_path(db_url: str | None = None) -> Path:
    """The file holding the signing secret of the workspace at ``db_url``.

    The ``link_secret_file`` setting (``$ALLIANCE_LENS_LINK_SECRET_FILE``) when given; otherwise one file per
    workspace (named by a hash of its URL, so no password of a database URL is written out) under the home
    folder.
    """
    explicit = str(settings().link_secret_file)
    if explicit:
        return Path(explicit).expanduser()
    digest = hashlib.sha256(_db_url(db_url).encode()).hexdigest()[:24]
    return paths.home_dir() / "link-secrets" / f"{digest}.key"


#: Secret files whose trouble was already logged by this process: said once, not on every page load.
_logged: set[tuple[str, str]] = set()


def _log_once(path: Path, key: str, level: int, **values: object) -> None:
    if (str(path), key) not in _logged:
        _logged.add((str(path), key))
        log.log(level, tr(key, "en", path=path, **values))


def _read_secret(path: Path) -> bytes:
    st = path.stat()
    if stat.S_ISDIR(st.st_mode):  # whatever its mode: a folder in the file's place is no secret to read
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise UserError(f"the link secret {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
    secret = path.read_bytes().strip()
    if len(secret) < 32:
        raise UserError(f"the link secret {path} is too short; delete it to make a new one (old links end)")
    return secret


def load_secret(db_url: str | None = None, *, create: bool) -> bytes:
    """The workspace's signing secret; made once (``0600``) when ``create`` and absent.

    Without ``create``, a missing or unreadable file (one this server's user may not read, a folder in its
    place) refuses every token as foreign and says why in the log, once per file; a file readable by others
    or too short to be a secret is a :class:`UserError` (the server is misconfigured: pages say unavailable).
    """
    path = secret_path(db_url)
    if not create:
        try:
            return _read_secret(path)
        except FileNotFoundError as exc:
            # no secret here: no link made with it can be checked, every token looks foreign
            _log_once(path, "store.secret_missing", logging.WARNING)
            raise LinkError("tampered") from exc
        except OSError as exc:
            _log_once(path, "store.secret_unreadable", logging.ERROR, detail=exc.strerror or exc)
            raise LinkError("tampered") from exc
    if path.exists():
        return _read_secret(path)
    if not settings().link_secret_file and sa.engine.make_url(_db_url(db_url)).get_backend_name() != "sqlite":
        from alliance_lens.store.engine import shown_url

        log.warning(tr("store.secret_per_server", "en", where=shown_url(_db_url(db_url)), path=path))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: two commands racing must not end with two different secrets
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_urlsafe(48).encode())
    return _read_secret(path)


def _serializer(secret: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


# -- the registry -------------------------------------------------------------------------------------------


def _workspace(db_url: str | None, *, read_only: bool) -> Workspace:
    """The process's open workspace at ``db_url``: its pooled engine serves every link check."""
    from alliance_lens.store import Workspace

    return Workspace.shared(_db_url(db_url), read_only=read_only)


def _alliance_exists(alliance_id: str, db_url: str | None) -> bool:
    def run(conn: sa.Connection) -> bool:
        q = sa.select(_alliances.c.alliance_id).where(_alliances.c.alliance_id == alliance_id)
        return conn.execute(q).first() is not None

    return _workspace(db_url, read_only=True).read_transaction(run)


def make_link(
    alliance_id: str,
    expires_in: dt.timedelta,
    *,
    db_url: str | None = None,
    base_url: str | None = None,
    now: dt.datetime | None = None,
) -> SharedLink:
    """Register a new link to ``alliance_id`` valid for ``expires_in`` and return it with its URL."""
    if not _alliance_exists(alliance_id, db_url):
        raise UserError(f"share: no alliance {alliance_id!r} in this workspace (see the alliances you imported)")
    created = (now or _utcnow()).replace(microsecond=0)
    info = LinkInfo(alliance_id=alliance_id, link_id=secrets.token_hex(5), expires_at=created + expires_in)
    base = base_url or DEFAULT_BASE_URL
    if urlsplit(base).scheme not in {"http", "https"}:
        raise UserError(f"--base-url: {base!r} is not an http:// or https:// address")
    token = _serializer(load_secret(db_url, create=True)).dumps(
        {"a": info.alliance_id, "l": info.link_id, "e": int(info.expires_at.replace(tzinfo=dt.UTC).timestamp())}
    )
    row = {
        "link_id": info.link_id,
        "alliance_id": info.alliance_id,
        "created_at": created,
        "expires_at": info.expires_at,
        "revoked_at": None,
        "base_url": base,
    }
    _workspace(db_url, read_only=False).write_transaction(lambda conn: conn.execute(share_links.insert(), row))
    return SharedLink(info=info, token=token, url=link_url(base, token))


def link_url(base_url: str, token: str) -> str:
    """The URL a client opens: the client server's address with the token as the ``token`` parameter."""
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}{urlencode({'token': token})}"


def _decode(token: str, db_url: str | None) -> LinkInfo:
    """The signed content of ``token``, not yet checked against the clock or the registry."""
    try:
        data = _serializer(load_secret(db_url, create=False)).loads(token)
        return LinkInfo(
            alliance_id=str(data["a"]),
            link_id=str(data["l"]),
            expires_at=dt.datetime.fromtimestamp(int(data["e"]), dt.UTC).replace(tzinfo=None),
        )
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError) as exc:
        raise LinkError("tampered") from exc


def verify(token: str | None, *, db_url: str | None = None, now: dt.datetime | None = None) -> LinkInfo:
    """The alliance a client token grants, or :class:`LinkError` saying why not. Reads only, never writes."""
    if not token or not token.strip():
        raise LinkError("missing")
    info = _decode(token.strip(), db_url)
    if (now or _utcnow()) >= info.expires_at:
        raise LinkError("expired")
    query = sa.select(share_links.c.alliance_id, share_links.c.revoked_at).where(share_links.c.link_id == info.link_id)
    row = _workspace(db_url, read_only=True).read_transaction(lambda conn: conn.execute(query).first())
    if row is None or row.alliance_id != info.alliance_id:
        # signed by our secret but not in the registry: the registry was reset, so the link was withdrawn
        raise LinkError("revoked")
    if row.revoked_at is not None:
        raise LinkError("revoked")
    if not _alliance_exists(info.alliance_id, db_url):
        raise LinkError("unknown_alliance")
    return info


def token_from_query(query_string: str) -> str | None:
    """The ``token`` parameter of a query string (``a=1&token=…``), or None."""
    values = parse_qs(query_string.lstrip("?"), keep_blank_values=True).get("token")
    return values[0] if values else None


def _link_id_of(link_or_id: str) -> str:
    """The link id of a whole link (its token read without the secret: any server can revoke), or the id given.

    Reading the id unsigned is safe: revoking needs write access to the registry, and whoever has it can
    revoke any link by its id anyway.
    """
    text = link_or_id.strip()
    if "token=" in text or "." in text:
        token = token_from_query(urlsplit(text).query) if "token=" in text else text
        _ok, data = URLSafeSerializer(b"unused", salt=_SALT).loads_unsafe(token or "")
        if not isinstance(data, dict) or not isinstance(data.get("l"), str):
            raise UserError(f"revoke: {text!r} is not a link made by this workspace (alliance-lens share)")
        return str(data["l"])
    return text


def revoke(link_or_id: str, *, db_url: str | None = None, now: dt.datetime | None = None) -> LinkRecord:
    """End a link (given as its full URL or its id); returns its registry entry. Revoking twice is harmless."""
    link_id = _link_id_of(link_or_id)

    def run(conn: sa.Connection) -> None:
        row = conn.execute(sa.select(share_links).where(share_links.c.link_id == link_id)).first()
        if row is None:
            raise UserError(f"revoke: no link {link_id!r} in this workspace (alliance-lens share --list)")
        if row.revoked_at is None:
            conn.execute(
                share_links.update()
                .where(share_links.c.link_id == link_id)
                .values(revoked_at=(now or _utcnow()).replace(microsecond=0))
            )

    _workspace(db_url, read_only=False).write_transaction(run)
    records = [r for r in list_links(db_url=db_url, now=now) if r.link_id == link_id]
    return records[0]


def list_links(
    alliance_id: str | None = None, *, db_url: str | None = None, now: dt.datetime | None = None
) -> list[LinkRecord]:
    """Every link of the workspace (or of one alliance), newest first, with its state now."""
    moment = now or _utcnow()
    query = sa.select(share_links).order_by(share_links.c.created_at.desc(), share_links.c.link_id)
    if alliance_id is not None:
        query = query.where(share_links.c.alliance_id == alliance_id)
    rows = _workspace(db_url, read_only=True).read_transaction(lambda conn: conn.execute(query).all())
    records = []
    for r in rows:
        state: Literal["active", "expired", "revoked"] = (
            "revoked" if r.revoked_at is not None else "expired" if moment >= r.expires_at else "active"
        )
        records.append(LinkRecord(r.link_id, r.alliance_id, r.created_at, r.expires_at, r.revoked_at, state))
    return records
