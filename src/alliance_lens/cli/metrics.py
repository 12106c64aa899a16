"""The ``trends`` and ``patterns`` commands: load the alliance, compute its metrics, print JSON or a table.

The records and tables themselves are pure functions of the metrics (:mod:`alliance_lens.metrics.commands`).
"""

from __future__ import annotations

import argparse
import json
import sys

from alliance_lens.metrics.commands import patterns_records, patterns_text, trends_records, trends_table
from alliance_lens.metrics.core import Metrics, compute
from alliance_lens.store import Workspace


def load_metrics(args: argparse.Namespace) -> Metrics:
    """Open the workspace read-only, load the alliance and compute its metrics."""
    ws = Workspace.open(args.db, read_only=True)
    try:
        data = ws.load(args.alliance)
    finally:
        ws.close()
    return compute(data, args.alliance)


def _lang(args: argparse.Namespace, m: Metrics) -> str:
    lang = getattr(args, "lang", None) or m.language
    return "nl" if lang == "nl" else "en"


def _print_json(records: object) -> None:
    # One write: json.dump writes each token apart, 182,000 writes for the large alliance's trends (0.25 s on
    # an unbuffered stdout), as long as computing its metrics.
    sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")


def cmd_trends(args: argparse.Namespace) -> int:
    """``alliance-lens trends ALLIANCE [--json] [--lang en|nl] [--db URL]``."""
    m = load_metrics(args)
    if args.json:
        _print_json(trends_records(m))
    else:
        print(trends_table(m, _lang(args, m)))
    return 0


def cmd_patterns(args: argparse.Namespace) -> int:
    """``alliance-lens patterns ALLIANCE [--json] [--lang en|nl] [--db URL]``."""
    m = load_metrics(args)
    lang = _lang(args, m)
    if args.json:
        _print_json(patterns_records(m, lang))
    else:
        print(patterns_text(m, lang))
    return 0
