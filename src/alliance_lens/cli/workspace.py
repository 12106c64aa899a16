"""The ``import`` and ``export`` commands (``CONTRACT.md`` section 2); ``args.db`` is the resolved workspace."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alliance_lens.interchange import write_path
from alliance_lens.messages import tr
from alliance_lens.model import ValidationError
from alliance_lens.store import Workspace
from alliance_lens.store.audit import current_actor
from alliance_lens.store.engine import shown_url
from alliance_lens.store.schema import SCHEMA_VERSION


def cmd_import(args: argparse.Namespace) -> int:
    """``alliance-lens import PATH [--replace] [--lang en|nl] [--db URL]``: all or nothing; prints what was imported.

    When any row is bad, every problem is printed on standard error (file, row, column, value, reason) and
    the exit status is 2; nothing is written. ``--lang nl`` says all of it in Dutch.
    """
    lang = getattr(args, "lang", None) or "en"
    with Workspace.open(args.db, actor=current_actor(getattr(args, "actor", None))) as ws:
        try:
            report = ws.import_path(Path(args.path), replace=bool(getattr(args, "replace", False)))
        except ValidationError as exc:
            # every problem, not only the first fifty the exception's message shows
            n = len(exc.problems)
            header = tr("import.nothing_one", lang) if n == 1 else tr("import.nothing_many", lang, n=n)
            print(f"alliance-lens import: {header}", file=sys.stderr)
            for problem in exc.problems:
                print(f"  - {problem.text(lang)}", file=sys.stderr)
            return 2
    print(report.text(lang))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``alliance-lens export ALLIANCE --out PATH [--db URL]``: a folder of CSV files, or ``.xlsx`` by suffix."""
    # export only reads: read-only, so a mistyped --db cannot create an empty workspace
    with Workspace.open(args.db, read_only=True) as ws:
        data = ws.load(args.alliance)
    out = write_path(data, Path(args.out))
    counts = ", ".join(f"{len(f)} {name.replace('_', ' ')}" for name, f in data.tables().items())
    print(f"exported alliance {args.alliance} to {out}: {counts}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """``alliance-lens migrate [--db URL]``: create or migrate the workspace's schema, under its lock."""
    url = str(args.db)
    found, version = Workspace.migrate(url)
    where = shown_url(url)
    if found == 0:
        print(tr("store.created", "en", where=where, version=version))
    elif found < version:
        print(tr("store.migrated", "en", where=where, found=found, version=version))
    else:
        print(tr("store.up_to_date", "en", where=where, version=SCHEMA_VERSION))
    return 0
