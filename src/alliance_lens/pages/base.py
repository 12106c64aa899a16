"""The base of every kernel-less page: safe headers, templates, plain refusals, no traceback, no token in logs.

A handler of the client server subclasses :class:`BasePage` and gets:

* ``self.context`` — the :class:`~alliance_lens.pages.context.PageContext` (settings, read-only workspace,
  link checker, view cache, rate limits);
* headers on every answer: ``Referrer-Policy: no-referrer`` (tokens travel in URLs), a strict
  ``Content-Security-Policy`` (scripts only from this server), ``X-Content-Type-Options``, no framing,
  ``Cache-Control: no-store`` unless the handler says otherwise;
* :meth:`BasePage.render_page` — a template of ``pages/templates`` (Jinja2, autoescaped) in the base layout;
* :meth:`BasePage.refuse` — a plain page with a status and one reason, in English and Dutch, no data;
* :meth:`BasePage.single_argument` — a query or form argument given once, or ``None`` (given twice: refused);
* :meth:`BasePage.limited` — the 429 with ``Retry-After``;
* errors never show a traceback, and never log the URL's query (where tokens are).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import tornado.web

from alliance_lens.messages import tr

if TYPE_CHECKING:
    import jinja2

    from alliance_lens.pages.context import PageContext

log = logging.getLogger("alliance_lens.pages")
access_log = logging.getLogger("tornado.access")

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
STATIC: Final = Path(__file__).resolve().parent / "static"

#: Scripts only from this server (Vega compiles its expressions, hence 'unsafe-eval'); styles inline (vega-embed
#: adds its own); no frame, no form to elsewhere, no request elsewhere.
CSP: Final = (
    "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_SECRET_PARAM = re.compile(r"((?:^|[?&;\s\"'])(?:token|_xsrf)=)[^&;\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the value of every ``token=`` (and ``_xsrf=``) parameter replaced by ``[redacted]``."""
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Rewrites a log record whose message holds a ``token=`` parameter so the token is never written."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; every record is kept."""
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is left to the handler's own error path
            return True
        if "token=" in message.lower() or "_xsrf=" in message.lower():
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_text is None and record.exc_info[1] is not None:
            text = redact(str(record.exc_info[1]))
            if text != str(record.exc_info[1]):  # an exception whose text holds a token: keep its type only
                record.msg = f"{record.msg} ({type(record.exc_info[1]).__name__})"
                record.exc_info = None
        return True


_FILTER = RedactingFilter()
REDACTED_LOGGERS: Final = ("tornado.access", "tornado.application", "tornado.general", "alliance_lens", "Voila")


def install_log_redaction() -> None:
    """Put the redacting filter on the loggers of the server and on every handler of the root logger."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    # on the handlers too: a record of a child logger (alliance_lens.pages) passes its parents' handlers but
    # not their loggers' filters
    handlers = list(logging.getLogger().handlers)
    for name in REDACTED_LOGGERS:
        handlers.extend(logging.getLogger(name).handlers)
    for handler in handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log line without the query string (where the token is): status, method, path, time."""
    status = handler.get_status()
    level = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    request = handler.request
    ms = 1000.0 * request.request_time()
    address = handler.client_address() if isinstance(handler, BasePage) else request.remote_ip
    level("%d %s %s (%s) %.2fms", status, request.method, request.path, address, ms)


_env: list[jinja2.Environment] = []


def templates() -> jinja2.Environment:
    """The Jinja2 environment of ``pages/templates`` (autoescaped; ``tr`` available in every template)."""
    if not _env:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,
        )
        env.globals["tr"] = tr
        _env.append(env)
    return _env[0]


class BasePage(tornado.web.RequestHandler):
    """A kernel-less page of the client server; see the module's text for what it gives."""

    context: PageContext

    def initialize(self, context: PageContext) -> None:
        """Tornado passes the server's context (``server_handlers``)."""
        self.context = context

    def set_default_headers(self) -> None:
        """Headers of every answer (see the module's text)."""
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cache-Control", "no-store")
        self.clear_header("Server")

    # ---------------------------------------------------------------------------------------------- reading

    def single_argument(self, name: str) -> str | None:
        """The argument ``name`` (query or form) given once, else ``None``; given more than once: ``ValueError``."""
        values = self.request.arguments.get(name, [])
        if len(values) > 1:
            raise ValueError(name)
        return self.decode_argument(values[0], name=name) if values else None

    def client_address(self) -> str:
        """The visitor's address: a trusted proxy's ``X-Real-IP`` (or last ``X-Forwarded-For``), else the peer's."""
        peer = self.request.remote_ip or "-"
        trusted = {p.strip() for p in self.context.config.client_trusted_proxies.split(",") if p.strip()}
        if peer not in trusted:
            return peer
        forwarded = self.request.headers.get("X-Real-IP") or self.request.headers.get("X-Forwarded-For", "")
        given = forwarded.split(",")[-1].strip()
        return given[:64] if given else peer

    def static_url_of(self, name: str) -> str:
        """The versioned URL of one of the server's static files (served with a far-future cache)."""
        from alliance_lens.pages.assets import asset_url

        base = str(self.settings.get("base_url") or "/")
        return base.rstrip("/") + "/" + asset_url(name)

    # ---------------------------------------------------------------------------------------------- writing

    def render_page(self, template: str, status: int = 200, **values: Any) -> None:
        """Answer with ``template`` (which extends ``base.html``) filled with ``values``."""
        values.setdefault("lang", "en")
        values.setdefault("static", self.static_url_of)
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(templates().get_template(template).render(**values))

    def refuse(
        self, status: int, reason: str, *, langs: tuple[str, ...] = ("en", "nl"), headers: dict[str, str] | None = None
    ) -> None:
        """A plain page saying why (``page.refused.<reason>``), in each of ``langs``; it holds no data."""
        self.clear()  # nothing written so far may go out with a refusal
        self.set_default_headers()
        for name, value in (headers or {}).items():
            self.set_header(name, value)
        self.render_page("refused.html", status=status, reason=reason, langs=langs, lang=langs[0])

    def limited(self, retry_after: float, reason: str = "busy") -> None:
        """HTTP 429 with ``Retry-After``: this link or address asked too often; nothing else is refused."""
        self.refuse(429, reason, headers={"Retry-After": str(int(retry_after))})

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Any error: a plain page with its status; never a traceback, never the request's query."""
        reason = {404: "not_found", 405: "not_found", 503: "unavailable"}.get(status_code, "error")
        if status_code >= 500 and status_code != 503:
            status_code = 500
        self.refuse(status_code, reason)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """An error in a handler: one line with its type and the path, not the query (tokens) nor the trace."""
        if isinstance(value, tornado.web.HTTPError):
            return
        log.error(
            "client server: %s while answering %s %s",
            getattr(typ, "__name__", "error"),
            self.request.method,
            self.request.path,
        )


class NotFoundPage(BasePage):
    """Everything the client server does not serve: 404, a plain page (static-path probes included)."""

    def prepare(self) -> None:
        """Any method, any path: the 404 page."""
        self.refuse(404, "not_found")
