"""The ``report`` command: load the alliance, compute its metrics, write the report (:mod:`.charts.report`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from alliance_lens.charts.report import check_output, write_report
from alliance_lens.metrics import compute
from alliance_lens.model import UserError
from alliance_lens.store import Workspace


def cmd_report(args: argparse.Namespace) -> int:
    """``alliance-lens report ALLIANCE --out FILE [--lang en|nl] [--db URL]``."""
    out = Path(args.out)
    check_output(out)  # refuse a bad suffix or folder before any work
    ws = Workspace.open(args.db, read_only=True)
    try:
        data = ws.load(args.alliance)
    finally:
        ws.close()
    if data.alliances.empty:
        raise UserError(f"alliance {args.alliance!r} is not in the workspace")
    metrics = compute(data, args.alliance)
    path = write_report(metrics, out, data, args.lang)
    print(f"report of {metrics.alliance_name!r} written to {path}")
    return 0
