"""The ``poll`` commands (open, close, status) over :mod:`alliance_lens.store.polls`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from alliance_lens.config import settings
from alliance_lens.messages import tr
from alliance_lens.store import Workspace, polls


def cmd_poll(args: argparse.Namespace) -> int:
    """``alliance-lens poll open|close|status ALLIANCE --session S``: a thin face over the poll registry."""
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
