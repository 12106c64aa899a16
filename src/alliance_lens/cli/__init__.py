"""The ``alliance-lens`` command line: the cli face over the library (see ``CONTRACT.md``).

This package is the only place that knows about commands: each handler (``cli/workspace.py``, ``cli/metrics.py``,
``cli/report.py``, ``cli/links.py``, ``cli/serve.py``) parses nothing, calls library functions of the layers below
and prints. This module parses the arguments, resolves the workspace once for every command (``--db``, then
``ALLIANCE_LENS_DB``, then the default file: :meth:`alliance_lens.config.LensConfig.workspace_url`), imports the
handler lazily (so ``alliance-lens --help`` stays fast), and turns expected errors into one clear line on
standard error with a non-zero exit status — never a traceback for a user's mistake.

A new command: a parser here, a thin handler module in this package, one line in :data:`HANDLERS`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from alliance_lens import __version__

log = logging.getLogger("alliance_lens")

#: command name -> "module:function"; each function takes the parsed ``argparse.Namespace`` (its ``db`` already
#: resolved to the workspace URL) and returns the exit status. Kept as strings so that ``--help`` imports none
#: of pandas, altair or voila.
HANDLERS: dict[str, str] = {
    "import": "alliance_lens.cli.workspace:cmd_import",
    "export": "alliance_lens.cli.workspace:cmd_export",
    "migrate": "alliance_lens.cli.workspace:cmd_migrate",
    "trends": "alliance_lens.cli.metrics:cmd_trends",
    "patterns": "alliance_lens.cli.metrics:cmd_patterns",
    "report": "alliance_lens.cli.report:cmd_report",
    "serve": "alliance_lens.cli.serve:cmd_serve",
    "share": "alliance_lens.cli.links:cmd_share",
    "revoke": "alliance_lens.cli.links:cmd_revoke",
    "poll": "alliance_lens.cli.poll:cmd_poll",
}


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL of the workspace (default: $ALLIANCE_LENS_DB, else the SQLite file under "
        "$ALLIANCE_LENS_HOME, ~/.alliance_lens)",
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

    p = sub.add_parser("import", help="import a folder of CSV files or a workbook (.xlsx, .xlsb, .xls, .ods)")
    p.add_argument("path", metavar="PATH")
    p.add_argument(
        "--replace", action="store_true", help="replace alliances that already exist (kept in the audit log)"
    )
    p.add_argument(
        "--actor", default=None, help="who imports, for the history (default: the JupyterHub user, else the OS user)"
    )
    p.add_argument("--lang", choices=["en", "nl"], default=None, help="language of the messages (default: en)")
    _add_db(p)

    p = sub.add_parser("migrate", help="create or upgrade the workspace's tables (a shared workspace waits for this)")
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


def resolve_workspace(args: argparse.Namespace) -> None:
    """Set ``args.db`` to the workspace URL of the command; ``args.db_given`` says whether ``--db`` named it.

    The one place the rule "--db, then ALLIANCE_LENS_DB, then the default" is applied, for every command alike.
    """
    from alliance_lens.config import settings  # traitlets: not for --help

    args.db_given = args.db is not None
    args.db = settings().workspace_url(args.db)


def _resolve(spec: str) -> Callable[[argparse.Namespace], int]:
    module, _, func = spec.partition(":")
    handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), func)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        resolve_workspace(args)
        return _resolve(HANDLERS[args.command])(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every failure becomes one clear message; details only with --verbose
        if _is_user_error(exc):
            said = _said(exc, getattr(args, "lang", None) or "en")
            message = said.removeprefix(f"{args.command}: ")  # some messages name their command already
            print(f"alliance-lens {args.command}: {message}", file=sys.stderr)
            return 2
        log.debug("unexpected error", exc_info=True)
        print(f"alliance-lens {args.command}: unexpected error: {exc!r}", file=sys.stderr)
        if args.verbose:
            raise
        return 1


def _said(exc: BaseException, lang: str) -> str:
    """A user error's sentence in ``lang`` where the catalogue words it (``--lang``), else its own text."""
    from alliance_lens.model import UserError

    return exc.message(lang) if isinstance(exc, UserError) else str(exc)


def _is_user_error(exc: BaseException) -> bool:
    from traitlets import TraitError

    from alliance_lens.model import UserError  # pandas: only once a command fails

    # a TraitError is a setting of the environment that does not fit (it names the setting and the value)
    return isinstance(exc, UserError | FileNotFoundError | PermissionError | TraitError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
