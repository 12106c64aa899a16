"""The change an undo would take back, described in the facilitator's words — never with a rating's score.

The store's own summary ("added rating kestrel→meridian = 4 at session S12") is for the audit log: it names ids
and shows individual scores, which must never reach the projector. Here a change is told by what it is about,
with names: "2 trust ratings of session “Quarterly review”", "the outcome “Broken” of “Share the forecast”".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from alliance_lens.messages import tr

#: Which table tells what a change was about, when one change wrote to several.
_ORDER = ("trust_ratings", "outcomes", "agreements", "sessions", "partners", "alliances")


@dataclass(frozen=True)
class Change:
    """One change of the audit log that an undo would take back."""

    change_id: str
    rows: pd.DataFrame  # its audit rows (table, op, key, before, after)


def last_change(history: pd.DataFrame) -> Change | None:
    """The latest change not undone yet (what ``Workspace.undo`` takes back next); ``None`` if there is none."""
    if history.empty:
        return None
    ordered = history.sort_values("id", kind="stable")
    undone = {json.loads(str(k)).get("change_id") for k in ordered.loc[ordered["op"] == "undo", "key"]}
    for change_id in reversed(list(dict.fromkeys(ordered.loc[ordered["op"] != "undo", "change_id"]))):
        if change_id not in undone:
            rows = ordered[ordered["change_id"] == change_id]
            return Change(str(change_id), rows.reset_index(drop=True))
    return None


def _json(value: Any) -> dict[str, Any]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return {}
    try:
        out = json.loads(str(value))
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def _lookup(frame: pd.DataFrame | None, id_col: str, value: object, name_col: str) -> str | None:
    if frame is None or frame.empty or id_col not in frame.columns or name_col not in frame.columns:
        return None
    found = frame.loc[frame[id_col].astype(str) == str(value), name_col]
    if found.empty or pd.isna(found.iloc[0]) or not str(found.iloc[0]).strip():
        return None
    return str(found.iloc[0])


def describe(change: Change, data: Any, lang: str) -> str:
    """``change`` in words, named from ``data`` (the alliance's ``AllianceData``): no score, no id with a name."""
    rows = change.rows
    ops = set(rows["op"].astype(str))
    # "replace" of the alliances table: an import replaced the alliance (a poll answer replaces only ratings)
    if "replace" in ops and "alliances" in set(rows.loc[rows["op"] == "replace", "table"].astype(str)):
        return tr("dash.change_replace", lang)
    if "import" in ops:
        n = sum(int(_json(a).get("rows", 0)) for a in rows.loc[rows["op"] == "import", "after"])
        return tr("dash.change_import", lang, n=n)
    tables = [t for t in _ORDER if t in set(rows["table"].astype(str))]
    if not tables:
        return tr("dash.change_other", lang)
    table = tables[0]
    mine = rows[rows["table"] == table]
    first = mine.iloc[0]
    values = {**_json(first["before"]), **_json(first["after"]), **_json(first["key"])}
    op = str(first["op"])
    sessions = getattr(data, "sessions", None)
    agreements = getattr(data, "agreements", None)
    partners = getattr(data, "partners", None)
    if table == "trust_ratings":
        sids = list(dict.fromkeys(str(_json(k).get("session_id", "")) for k in mine["key"]))
        session = ", ".join(_lookup(sessions, "session_id", s, "title") or s for s in sids)
        if any("poll_id" in _json(a) for a in mine["after"]):  # an answer of the live poll (issue 10)
            return tr("poll.undo_answer", lang, session=session)
        key = "dash.change_rating" if len(mine) == 1 else "dash.change_ratings"
        return tr(key, lang, n=len(mine), session=session)
    if table == "outcomes":
        aid = values.get("agreement_id", "")
        title = _lookup(agreements, "agreement_id", aid, "title") or str(aid)
        status = tr(f"status.{values.get('status', '')}", lang) if values.get("status") else ""
        return tr("dash.change_outcome", lang, status=status, title=title)
    if table == "agreements":
        title = str(values.get("title") or _lookup(agreements, "agreement_id", values.get("agreement_id"), "title"))
        return tr("dash.change_agreement_new" if op == "insert" else "dash.change_agreement", lang, title=title)
    if table == "sessions":
        sid = str(values.get("session_id", ""))
        title = str(values.get("title") or _lookup(sessions, "session_id", sid, "title") or sid)
        return tr("dash.change_session_new" if op == "insert" else "dash.change_session", lang, title=title)
    if table == "partners":
        before = _json(first["before"])
        name = str(before.get("name") or values.get("name") or values.get("partner_id", ""))
        found = _lookup(partners, "partner_id", values.get("partner_id"), "name")
        name = name or found or ""
        return tr("dash.change_partner_new" if op == "insert" else "dash.change_partner", lang, name=name)
    return tr("dash.change_other", lang)
