"""The ``serve`` command over :mod:`alliance_lens.serve`."""

from __future__ import annotations

import argparse
import sys

from alliance_lens.model import UserError
from alliance_lens.serve import Role, demo_workspace, run_server


def cmd_serve(args: argparse.Namespace) -> int:
    """``alliance-lens serve [--demo] [--clients] [--port N] [--ip ADDR] [--no-browser] [--db URL]``."""
    role: Role = "clients" if args.clients else "facilitator"
    if args.demo and getattr(args, "db_given", args.db is not None):
        raise UserError("serve: --demo works on a temporary copy of the sample data; leave out --db")
    if args.demo:
        with demo_workspace() as url:
            print(f"alliance-lens: demo on a temporary copy of the sample data ({url})", file=sys.stderr)
            return run_server(role, args, url)
    return run_server(role, args, args.db)
