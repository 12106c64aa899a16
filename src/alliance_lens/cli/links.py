"""The ``share`` and ``revoke`` commands over :mod:`alliance_lens.links`."""

from __future__ import annotations

import argparse
import sys

from alliance_lens.links import DEFAULT_EXPIRES, list_links, make_link, parse_duration, revoke
from alliance_lens.model import UserError


def cmd_share(args: argparse.Namespace) -> int:
    """``alliance-lens share ALLIANCE [--expires DURATION] [--base-url URL]`` and ``share --list``."""
    if args.list:
        records = list_links(args.alliance, db_url=args.db)
        if not records:
            print("no links" + (f" for alliance {args.alliance}" if args.alliance else ""))
            return 0
        print(f"{'link':<12}{'alliance':<20}{'created (UTC)':<22}{'expires (UTC)':<22}state")
        for r in records:
            print(
                f"{r.link_id:<12}{r.alliance_id:<20}{r.created_at:%Y-%m-%d %H:%M}{'':<6}"
                f"{r.expires_at:%Y-%m-%d %H:%M}{'':<6}{r.state}"
            )
        return 0
    if not args.alliance:
        raise UserError("share: name the alliance to share (or use --list)")
    link = make_link(
        args.alliance, parse_duration(args.expires or DEFAULT_EXPIRES), db_url=args.db, base_url=args.base_url
    )
    print(link.url)
    print(
        f"link {link.info.link_id} for alliance {link.info.alliance_id}, read-only, valid until "
        f"{link.info.expires_at:%Y-%m-%d %H:%M} UTC; end it with: alliance-lens revoke {link.info.link_id}",
        file=sys.stderr,
    )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    """``alliance-lens revoke LINK-OR-ID``."""
    record = revoke(args.link, db_url=args.db)
    print(f"link {record.link_id} for alliance {record.alliance_id} is revoked")
    return 0
