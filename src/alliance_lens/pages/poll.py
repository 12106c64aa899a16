"""The phone's poll page on the client server: a plain HTML form, no kernel, no JavaScript needed.

``GET /poll?token=…`` shows the form of the token's poll (CONTRACT §3: ``rater``, ``score:<partner_id>``,
``comment``, and the page's own hidden ``csrf``) in the alliance's language; ``POST`` to the same address stores
the answer (200, a page saying so) or refuses it (4xx, a page naming each problem) and then writes nothing.
``GET /p/CODE`` is the readable address on the projector: it leads to the open poll of that code.

The work is in :class:`PollPages` (framework-free: a request in, a :class:`Reply` out, testable without a
server); :func:`poll_handlers` wraps it in Tornado handlers for the client server. A device is a random id in
an ``HttpOnly`` cookie; the CSRF field is an HMAC of the poll and that id, so a form is good only for its
poll on its device. Answers per address are limited by a token bucket (a room behind one router shares an
address: the burst covers it); past it: 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlencode

from alliance_lens.config import LensConfig, settings
from alliance_lens.messages import LANGUAGES, tr
from alliance_lens.store import Workspace, polls

if TYPE_CHECKING:
    from alliance_lens.pages.context import PageContext

log = logging.getLogger(__name__)

DEVICE_COOKIE: Final = "al_poll_device"
#: A scale with at most this many whole points is answered by tapping a point; a longer one by typing.
MAX_POINTS: Final = 11
_TEMPLATES: Final = Path(__file__).parent / "templates"
_MAX_FIELDS: Final = 200
_CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
#: What each refusal answers with.
_STATUS: Final[dict[str, int]] = {
    "missing": 403,
    "tampered": 403,
    "expired": 410,
    "closed": 410,
    "form": 403,
    "too_large": 413,
    "flood": 429,
    "not_found": 404,
    "method": 405,
    "busy": 503,
}


@dataclass
class Reply:
    """An HTTP answer: status, HTML body, headers (cookies included as ``Set-Cookie`` values)."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- pure parts


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def scale_points(lo: float, hi: float) -> list[str]:
    """The points to tap on a whole-number scale of at most :data:`MAX_POINTS` points; ``[]``: type a number."""
    if not (float(lo).is_integer() and float(hi).is_integer()) or hi - lo + 1 > MAX_POINTS:
        return []
    return [str(v) for v in range(int(lo), int(hi) + 1)]


def render_form(
    form: polls.PollForm,
    *,
    action: str,
    csrf: str,
    floor: int,
    comment_max: int,
    problems: Sequence[polls.AnswerProblem] = (),
    values: Mapping[str, str] | None = None,
) -> str:
    """The answer form of a poll in the alliance's language; ``problems`` listed on top, ``values`` kept."""
    lang = form.language if form.language in LANGUAGES else "en"
    lo, hi = f"{form.trust_min:g}", f"{form.trust_max:g}"
    return str(
        _environment()
        .get_template("poll.html")
        .render(
            kind="form",
            lang=lang,
            title=tr("poll.page_title", lang, alliance=form.alliance_name),
            heading=tr("poll.heading", lang),
            alliance=form.alliance_name,
            session=tr("poll.session", lang, session=form.session_title),
            partners=form.partners,
            partner_ids=[pid for pid, _ in form.partners],
            action=action,
            csrf=csrf,
            rater_label=tr("poll.rater_label", lang),
            scale_hint=tr("poll.scale_hint", lang, lo=lo, hi=hi),
            score_label=lambda name: tr("poll.score_label", lang, partner=name),
            skip=tr("poll.skip", lang),
            points=scale_points(form.trust_min, form.trust_max),
            lo=lo,
            hi=hi,
            comment_label=tr("poll.comment_label", lang),
            comment_max=comment_max,
            submit=tr("poll.submit", lang),
            anonymous_note=tr("poll.anonymous_note", lang, floor=floor),
            fix_heading=tr("poll.fix_heading", lang),
            problems=[{"field": p.field, "text": problem_text(p, lang)} for p in problems],
            bad={p.field for p in problems} | ({"rater"} if any(p.field == "score" for p in problems) else set()),
            values=dict(values or {}),
        )
    )


def render_done(form: polls.PollForm, *, action: str, replaced: bool, floor: int) -> str:
    """The page after an answer was stored."""
    lang = form.language if form.language in LANGUAGES else "en"
    message = tr("poll.stored", lang) + (" " + tr("poll.stored_replaced", lang) if replaced else "")
    return str(
        _environment()
        .get_template("poll.html")
        .render(
            kind="done",
            lang=lang,
            title=tr("poll.page_title", lang, alliance=form.alliance_name),
            heading=tr("poll.stored_title", lang),
            alliance=form.alliance_name,
            session=tr("poll.session", lang, session=form.session_title),
            message=message,
            action=action,
            again=tr("poll.change_answer", lang),
            anonymous_note=tr("poll.anonymous_note", lang, floor=floor),
            partner_ids=[],
        )
    )


def render_refusal(reason: str, lang: str, **values: object) -> str:
    """A page saying why nothing was accepted (in ``lang``, and the other language below it); no alliance data."""
    lang = lang if lang in LANGUAGES else "en"
    other = next((x for x in LANGUAGES if x != lang), lang)
    return str(
        _environment()
        .get_template("poll.html")
        .render(
            kind="refused",
            lang=lang,
            title=tr("poll.refused_title", lang),
            heading=tr("poll.refused_title", lang),
            reason=reason,
            message=tr(f"poll.refused.{reason}", lang, **values),
            other=tr(f"poll.refused.{reason}", other, **values),
            other_lang=other,
            partner_ids=[],
        )
    )


def problem_text(problem: polls.AnswerProblem, lang: str) -> str:
    """One problem of an answer as a sentence in ``lang``."""
    return tr(problem.key, lang, **problem.values)


def parse_form(body: bytes, content_type: str, max_body: int) -> dict[str, str] | str:
    """A urlencoded form body as fields, or the refusal reason (``too_large``, ``form``, ``repeated``)."""
    if len(body) > max_body:
        return "too_large"
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return "form"
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=_MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        return "form"
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            return "repeated"
        fields[name] = value
    return fields


def _first(body: bytes, name: str) -> str:
    """The first value of ``name`` in a urlencoded body that :func:`parse_form` refused for a repeated field."""
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    return next((v for k, v in pairs if k == name), "")


def csrf_token(secret: bytes, poll_id: str, device: str) -> str:
    """The form's hidden field: good for this poll on this device only."""
    mac = hmac.new(secret, f"poll-form\x1f{poll_id}\x1f{device}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def preferred_language(accept_language: str | None) -> str:
    """``nl`` when the browser prefers Dutch to English, else ``en`` (for pages before the alliance is known)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("nl"):
            return "nl"
        if tag.startswith("en"):
            return "en"
    return "en"


class RateLimiter:
    """A token bucket per key: ``burst`` at once, then ``per_minute``; thread-safe; forgets idle keys."""

    def __init__(self, burst: int, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = max(1, burst)
        self.rate = max(1, per_minute) / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``: 0 if allowed, else the seconds until one is back."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > 10_000:  # a scan from many addresses must not grow memory without end
                    self._forget(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget(self, now: float) -> None:
        full = self.burst / self.rate
        for k in [k for k, (_, at) in self._buckets.items() if now - at > full]:
            del self._buckets[k]


# ---------------------------------------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Request:
    """What :class:`PollPages` needs of an HTTP request."""

    token: str | None
    device: str | None
    remote_ip: str
    accept_language: str | None = None
    body: bytes = b""
    content_type: str = ""
    secure: bool = False


class PollPages:
    """The poll's pages over one writable workspace (answers are writes; everything else only reads)."""

    def __init__(self, db_url: str, config: LensConfig | None = None, *, floor: int | None = None) -> None:
        from alliance_lens import links

        self.config = config or settings()
        self.workspace = Workspace.open(db_url, actor="poll participant")
        self._secret = links.load_secret(self.workspace.url, create=True)
        self.floor = floor if floor is not None else _default_floor()
        self.answers = RateLimiter(self.config.poll_burst, self.config.poll_per_minute)
        # a code on the projector can be typed: looking codes up is limited too, so they cannot be guessed
        self.lookups = RateLimiter(30, 30)
        # the workspace's work runs on two threads of our own: the SQLite engine keeps one connection per
        # thread in a pool of five and closes the others' beyond that, so a larger shared pool would break it
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="poll-db")

    def close(self) -> None:
        """Release the threads and the workspace."""
        self.executor.shutdown(wait=True)
        self.workspace.close()

    # -- helpers

    def _refuse(self, reason: str, lang: str, **values: object) -> Reply:
        reply = Reply(_STATUS[reason], render_refusal(reason, lang, **values))
        if reason == "flood":
            reply.headers["Retry-After"] = str(values["seconds"])
        return reply

    def _device(self, req: Request, reply: Reply) -> str:
        device = req.device if req.device and 16 <= len(req.device) <= 64 and req.device.isascii() else None
        if device is None or not all(c.isalnum() or c in "-_" for c in device):
            device = secrets.token_urlsafe(16)
            secure = "; Secure" if req.secure else ""
            reply.cookies.append(
                f"{DEVICE_COOKIE}={device}; Path=/; Max-Age={3 * 86400}; HttpOnly; SameSite=Lax{secure}"
            )
        return device

    def _poll(self, req: Request) -> polls.Poll | Reply:
        try:
            return polls.verify(self.workspace, req.token)
        except polls.PollError as exc:
            return self._refuse(exc.reason, preferred_language(req.accept_language))

    @staticmethod
    def action(token: str) -> str:
        """The form's own address (relative, so it works behind any base URL)."""
        return "poll?" + urlencode({"token": token})

    # -- GET /poll

    def get(self, req: Request) -> Reply:
        """The form (with this device's earlier answer filled in), or a refusal."""
        poll = self._poll(req)
        if isinstance(poll, Reply):
            return poll
        form = polls.form_of(self.workspace, poll)
        reply = Reply(200, "")
        device = self._device(req, reply)
        values = polls.own_answer(self.workspace, poll, device) or {}
        reply.body = render_form(
            form,
            action=self.action(req.token or ""),
            csrf=csrf_token(self._secret, poll.poll_id, device),
            floor=self.floor,
            comment_max=self.config.poll_comment_max,
            values=values,
        )
        return reply

    # -- POST /poll

    def post(self, req: Request) -> Reply:
        """Store the answer (200) or refuse it (4xx) writing nothing."""
        lang = preferred_language(req.accept_language)
        wait = self.answers.take(req.remote_ip)
        if wait:
            log.info("poll answers from %s limited", req.remote_ip)
            return self._refuse("flood", lang, seconds=max(1, math.ceil(wait)))
        if len(req.body) > self.config.poll_max_body:
            return self._refuse("too_large", lang, n=self.config.poll_max_body)
        try:
            poll_id, alliance_id, session_id = polls.decode(self.workspace, req.token)
        except polls.PollError as exc:
            return self._refuse(exc.reason, lang)
        fields = parse_form(req.body, req.content_type, self.config.poll_max_body)
        if fields == "too_large":
            return self._refuse("too_large", lang, n=self.config.poll_max_body)
        if fields == "form":
            return self._refuse("form", lang)
        device = req.device or ""
        expected = csrf_token(self._secret, poll_id, device) if device else ""
        given = fields.get("csrf", "") if isinstance(fields, dict) else _first(req.body, "csrf")
        if not device or not hmac.compare_digest(given, expected):
            return self._refuse("form", lang)
        # one write transaction checks the poll, reads the partners and the scale, and stores the answer
        try:
            if isinstance(fields, str):  # a field sent twice: say so on the form (nothing is written)
                raise polls.AnswerRefused(
                    [polls.AnswerProblem("form", "", "poll.problem.repeated_field")],
                    polls.form_of(self.workspace, polls.verify(self.workspace, req.token)),
                )
            done = polls.submit(
                self.workspace,
                poll_id,
                device,
                fields,
                comment_max=self.config.poll_comment_max,
                session=(alliance_id, session_id),
            )
        except polls.PollError as exc:
            return self._refuse(exc.reason, lang)
        except polls.AnswerRefused as exc:
            assert exc.form is not None
            return self._form_again(req, exc.form, exc.problems, fields if isinstance(fields, dict) else {})
        log.info("poll %s: an answer stored%s", done.form.poll.code, " (replacing one)" if done.replaced else "")
        action = self.action(req.token or "")
        return Reply(200, render_done(done.form, action=action, replaced=done.replaced, floor=self.floor))

    def _form_again(
        self,
        req: Request,
        form: polls.PollForm,
        problems: Sequence[polls.AnswerProblem],
        values: Mapping[str, str],
    ) -> Reply:
        kept = {k: v[:200] for k, v in values.items() if k in ("rater", "comment") or k.startswith("score:")}
        body = render_form(
            form,
            action=self.action(req.token or ""),
            csrf=csrf_token(self._secret, form.poll.poll_id, req.device or ""),
            floor=self.floor,
            comment_max=self.config.poll_comment_max,
            problems=problems,
            values=kept,
        )
        return Reply(422, body)

    # -- GET /p/CODE

    def short(self, code: str, req: Request) -> Reply:
        """The readable address: a redirect to the open poll of ``code``."""
        lang = preferred_language(req.accept_language)
        wait = self.lookups.take(req.remote_ip)
        if wait:
            return self._refuse("flood", lang, seconds=max(1, math.ceil(wait)))
        try:
            poll = polls.by_code(self.workspace, code)
        except polls.PollError as exc:
            return self._refuse("not_found" if exc.reason == "tampered" else exc.reason, lang)
        token = polls.poll_token(self.workspace, poll)
        return Reply(303, "", {"Location": "../" + self.action(token)})


def _default_floor() -> int:
    from alliance_lens.metrics.config import MetricsConfig

    return MetricsConfig().anonymity_floor


# ---------------------------------------------------------------------------------------------- Tornado


def poll_handlers(pages: PollPages, prefix: str = "/") -> list[tuple[str, type[Any], dict[str, Any]]]:
    """The client server's poll routes: ``{prefix}poll`` (GET, POST) and ``{prefix}p/CODE`` (GET)."""
    import tornado.web

    class _Base(tornado.web.RequestHandler):
        def initialize(self, **_kwargs: Any) -> None:
            # the client server gives every handler context= (alliance_lens.pages); the poll's pages are bound here
            self.pages = pages

        def _request(self) -> Request:
            return Request(
                token=self.get_query_argument("token", None),
                device=self.get_cookie(DEVICE_COOKIE),
                remote_ip=str(self.request.remote_ip or ""),
                accept_language=self.request.headers.get("Accept-Language"),
                body=self.request.body or b"",
                content_type=self.request.headers.get("Content-Type", ""),
                secure=self.request.protocol == "https",
            )

        def _send(self, reply: Reply) -> None:
            self.set_status(reply.status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Security-Policy", _CSP)
            self.set_header("X-Content-Type-Options", "nosniff")
            self.set_header("Referrer-Policy", "no-referrer")
            for name, value in reply.headers.items():
                self.set_header(name, value)
            for cookie in reply.cookies:
                self.add_header("Set-Cookie", cookie)
            self.finish(reply.body)

        def _request_summary(self) -> str:
            # the access log names the route, never the query: a poll token in a log is a key left lying around
            return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

        def check_xsrf_cookie(self) -> None:
            """The form carries its own CSRF field (checked by :class:`PollPages`)."""

        async def _run(self, fn: Callable[[Request], Reply]) -> None:
            req = self._request()
            try:
                # the workspace is read and written in a thread: one slow write never stalls other phones
                reply = await asyncio.get_running_loop().run_in_executor(self.pages.executor, fn, req)
            except Exception:
                log.exception("poll page failed")
                reply = Reply(503, render_refusal("busy", preferred_language(req.accept_language)))
            self._send(reply)

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            lang = preferred_language(self.request.headers.get("Accept-Language"))
            reason = {405: "method", 413: "too_large", 404: "not_found"}.get(status_code, "busy")
            values: dict[str, object] = {"n": self.pages.config.poll_max_body} if reason == "too_large" else {}
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(render_refusal(reason, lang, **values))

    class PollHandler(_Base):
        async def get(self) -> None:
            await self._run(self.pages.get)

        async def post(self) -> None:
            await self._run(self.pages.post)

    class ShortHandler(_Base):
        async def get(self, code: str) -> None:
            await self._run(lambda req: self.pages.short(code, req))

    return [(rf"{prefix}poll", PollHandler, {}), (rf"{prefix}p/([A-Za-z0-9]{{1,16}})", ShortHandler, {})]


def handlers(context: PageContext) -> list[tuple[str, type[Any]]]:
    """The poll's routes in the client server (``alliance_lens.pages.MODULES``), relative to its base URL.

    Answers are writes: the poll's pages keep a writable workspace of their own (the context's is read-only).
    """
    pages = PollPages(context.db_url, context.config)
    return [(pattern.lstrip("/"), handler) for pattern, handler, _ in poll_handlers(pages)]


def make_app(pages: PollPages, **settings_: Any) -> Any:
    """A Tornado application serving only the poll's pages (tests and the bench; the client server adds them)."""
    import tornado.web

    return tornado.web.Application(poll_handlers(pages), **settings_)


def serve_forever(db_url: str, port: int, address: str = "127.0.0.1") -> None:
    """Serve only the poll's pages until stopped (the bench and tests; a room uses the client server)."""

    async def main() -> None:
        pages = PollPages(db_url)
        make_app(pages).listen(port, address=address)
        print(f"poll pages on http://{address}:{port}/", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


if __name__ == "__main__":  # python -m alliance_lens.pages.poll DB_URL PORT
    import sys

    serve_forever(sys.argv[1], int(sys.argv[2]))

__all__ = [
    "DEVICE_COOKIE",
    "PollPages",
    "RateLimiter",
    "Reply",
    "Request",
    "csrf_token",
    "make_app",
    "parse_form",
    "poll_handlers",
    "render_done",
    "render_form",
    "render_refusal",
    "scale_points",
]
