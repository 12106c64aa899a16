"""The ``alliance-lens`` command line: a thin face over the library (see ``CONTRACT.md``).

Each command's work lives in the layer it belongs to; this module only parses arguments, imports that layer
lazily (so ``alliance-lens --help`` stays fast), and turns expected errors into one clear line on standard
error with a non-zero exit status — never a traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from alliance_lens import __version__

log = logging.getLogger("alliance_lens")

#: command name -> "module:function"; each function takes the parsed ``argparse.Namespace`` and returns the
#: exit status. Kept as strings so that ``--help`` imports none of pandas, altair or voila.
HANDLERS: dict[str, str] = {
    "import": "alliance_lens.store.commands:cmd_import",
    "export": "alliance_lens.store.commands:cmd_export",
    "trends": "alliance_lens.metrics.commands:cmd_trends",
    "patterns": "alliance_lens.metrics.commands:cmd_patterns",
    "report": "alliance_lens.charts.report:cmd_report",
    "serve": "alliance_lens.serve:cmd_serve",
    "share": "alliance_lens.links:cmd_share",
    "revoke": "alliance_lens.links:cmd_revoke",
    "poll": "alliance_lens.cli:cmd_poll",
}


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL of the workspace (default: SQLite file under $ALLIANCE_LENS_HOME, ~/.alliance_lens)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="alliance-lens",
        description="Reliability against trust in alliances: record agreements and trust, see the contrast.",
    )
    parser.add_argument("--version", action="version", version=f"alliance-lens {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to standard error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("import", help="import a folder of CSV files or an .xlsx workbook")
    p.add_argument("path", metavar="PATH")
    p.add_argument(
        "--replace", action="store_true", help="replace alliances that already exist (kept in the audit log)"
    )
    _add_db(p)

    p = sub.add_parser("export", help="write an alliance in the interchange format (folder, or .xlsx by suffix)")
    p.add_argument("alliance", metavar="ALLIANCE")
    p.add_argument("--out", required=True, metavar="PATH")
    _add_db(p)

    for name, what in (("trends", "the reliability and trust trends"), ("patterns", "the patterns found")):
        p = sub.add_parser(name, help=what)
        p.add_argument("alliance", metavar="ALLIANCE")
        p.add_argument("--json", action="store_true", help="a JSON array instead of a readable table")
        p.add_argument(
            "--lang", choices=["en", "nl"], default=None, help="language of the text (default: the alliance's)"
        )
        _add_db(p)

    p = sub.add_parser("report", help="a one-page report: .html, .png, .svg or .pdf")
    p.add_argument("alliance", metavar="ALLIANCE")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--lang", choices=["en", "nl"], default=None, help="language (default: the alliance's)")
    _add_db(p)

    p = sub.add_parser("serve", help="the facilitator's dashboard (or, with --clients, the read-only client server)")
    p.add_argument("--demo", action="store_true", help="work on a temporary copy of the sample data")
    p.add_argument("--clients", action="store_true", help="serve the read-only client view and nothing else")
    p.add_argument("--port", type=int, default=None, metavar="N")
    p.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1; another needs a token)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    _add_db(p)

    p = sub.add_parser("share", help="print a read-only link for one alliance (or --list the links)")
    p.add_argument("alliance", metavar="ALLIANCE", nargs="?")
    p.add_argument("--expires", metavar="DURATION", default=None, help="e.g. 30d, 12h, 2w (default 30d)")
    p.add_argument("--base-url", metavar="URL", default=None)
    p.add_argument("--list", action="store_true", help="list the links and their state")
    _add_db(p)

    p = sub.add_parser("revoke", help="make a link invalid")
    p.add_argument("link", metavar="LINK-OR-ID")
    _add_db(p)

    p = sub.add_parser("poll", help="the live trust poll of a session: open, close, status")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, what in (
        ("open", "open the poll and print the participants' link"),
        ("close", "close the poll: its link takes no more answers"),
        ("status", "open or not, and the answers per rater partner (never an answer itself)"),
    ):
        a = actions.add_parser(action, help=what)
        a.add_argument("alliance", metavar="ALLIANCE")
        a.add_argument("--session", required=True, metavar="S")
        if action == "open":
            a.add_argument("--base-url", metavar="URL", default=None, help="the client server as phones reach it")
        if action == "status":
            a.add_argument("--json", action="store_true", help="one JSON object")
        _add_db(a)
    return parser


def cmd_poll(args: argparse.Namespace) -> int:
    """``alliance-lens poll open|close|status ALLIANCE --session S``: a thin face over the poll registry."""
    import datetime as dt
    import json

    from alliance_lens.config import settings
    from alliance_lens.messages import tr
    from alliance_lens.store import Workspace, polls

    config = settings()
    url = config.workspace_url(args.db)
    with Workspace.open(url, read_only=args.action == "status") as ws:
        if args.action == "open":
            base = args.base_url or config.poll_base_url or f"http://127.0.0.1:{config.client_port}/"
            link = polls.open_poll(
                ws, args.alliance, args.session, base_url=base, lifetime=dt.timedelta(hours=config.poll_hours)
            )
            print(link.url)
            until = f"{link.poll.expires_at:%Y-%m-%d %H:%M}"
            print(
                tr(
                    "poll.cli_opened",
                    code=link.poll.code,
                    alliance=args.alliance,
                    session=args.session,
                    until=until,
                    short=link.short_url,
                ),
                file=sys.stderr,
            )
            return 0
        if args.action == "close":
            polls.close_poll(ws, args.alliance, args.session)
            total = polls.poll_results(ws, args.alliance, args.session, floor=1).total
            print(tr("poll.cli_closed", alliance=args.alliance, session=args.session, total=total))
            return 0
        res = polls.poll_results(ws, args.alliance, args.session, floor=1)
    state = "none" if res.poll is None else "open" if res.poll.is_open() else "closed"
    if args.json:
        out = {
            "alliance": args.alliance,
            "session": args.session,
            "state": state,
            "open": state == "open",
            "code": res.poll.code if res.poll else None,
            "closes_at": res.poll.expires_at.isoformat() + "Z" if res.poll and state == "open" else None,
            "total": res.total,
            "answers": [{"partner": pid, "name": name, "answers": res.answers[pid]} for pid, name in res.partners],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(
        tr(
            "poll.cli_status",
            alliance=args.alliance,
            session=args.session,
            state=tr(f"poll.cli_state_{state}"),
            total=res.total,
        )
    )
    width = max((len(name) for _, name in res.partners), default=0)
    for pid, name in res.partners:
        print(f"  {name:<{width}}  {res.answers[pid]:>3}  ({pid})")
    return 0


def _resolve(spec: str) -> Callable[[argparse.Namespace], int]:
    module, _, func = spec.partition(":")
    handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), func)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return _resolve(HANDLERS[args.command])(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every failure becomes one clear message; details only with --verbose
        if _is_user_error(exc):
            message = str(exc).removeprefix(f"{args.command}: ")  # some messages name their command already
            print(f"alliance-lens {args.command}: {message}", file=sys.stderr)
            return 2
        log.debug("unexpected error", exc_info=True)
        print(f"alliance-lens {args.command}: unexpected error: {exc!r}", file=sys.stderr)
        if args.verbose:
            raise
        return 1


def _is_user_error(exc: BaseException) -> bool:
    from alliance_lens.model import UserError

    return isinstance(exc, UserError | FileNotFoundError | PermissionError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
