"""The ``import`` and ``export`` commands (``CONTRACT.md`` section 2)."""

from __future__ import annotations

import argparse
from pathlib import Path

from alliance_lens.store.workspace import Workspace


def cmd_import(args: argparse.Namespace) -> int:
    """``alliance-lens import PATH [--replace] [--db URL]``: all or nothing; prints what was imported.

    Problems (every bad row) are raised as :class:`~alliance_lens.model.ValidationError`; the command line
    prints them on standard error and exits non-zero.
    """
    with Workspace.open(args.db) as ws:
        report = ws.import_path(Path(args.path), replace=bool(getattr(args, "replace", False)))
    print(report)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``alliance-lens export ALLIANCE --out PATH [--db URL]``: a folder of CSV files, or ``.xlsx`` by suffix."""
    from alliance_lens.interchange import write_path

    # export only reads: read-only, so a mistyped --db cannot create an empty workspace
    with Workspace.open(args.db, read_only=True) as ws:
        data = ws.load(args.alliance)
    out = write_path(data, Path(args.out))
    counts = ", ".join(f"{len(f)} {name.replace('_', ' ')}" for name, f in data.tables().items())
    print(f"exported alliance {args.alliance} to {out}: {counts}")
    return 0
