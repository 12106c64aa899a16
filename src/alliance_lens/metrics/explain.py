"""The sentences of the patterns, written from their evidence (the renderer; the numbers come from elsewhere).

Like a statsmodels result and its ``summary()``: :mod:`alliance_lens.metrics.patterns` computes an evidence
dict per state or shock, and only this module turns it into words, with the ``pattern.*`` templates of the
message catalogue. Every number shown is formatted here once, from the evidence, so English and Dutch show the
same figures, and a difference in points is the difference of the two percentages as shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alliance_lens.messages import tr

MAX_CITED = 4


def pct(x: float | None) -> str:
    """A share as a whole percentage ("72%"), or "–" where there is none."""
    if x is None or not np.isfinite(x):
        return "–"
    return f"{round(float(x) * 100):d}%"


def points(before: float | None, after: float | None) -> int:
    """The fall in points between two shares, as the difference of their whole percentages as shown."""
    if before is None or after is None:
        return 0
    return round(float(before) * 100) - round(float(after) * 100)


def _cite(ids: list[str], titles: list[str], lang: str) -> str:
    shown = [tr("pattern.cite", lang, id=i, title=t) for i, t in list(zip(ids, titles, strict=True))[:MAX_CITED]]
    more = len(ids) - MAX_CITED
    if more > 0:
        shown.append(tr("pattern.more", lang, n=more))
    return ", ".join(shown)


def reach(ev: dict[str, Any], agreements: str, lang: str) -> str:
    """The agreements' span, and how many periods it holds where it reached back further than the ratings'.

    Said in words because the room hears "11 of 24 kept … over the last 4 sessions" and should not take the 24
    for the agreements of those 4 (the evidence window and the second look, docs/metrics.md).
    """
    n = int(ev["agreement_periods"])
    if n <= int(ev["window_periods"]):
        return agreements
    # Where it went as far back as it may (evidence_max_periods, or the first session) and still holds fewer than
    # it looked for, "to have enough" would be untrue: say so instead.
    short = int(ev["n_agreements"]) < int(ev["agreements_wanted"])
    unit = "months" if ev["period_kind"] == "month" else "sessions"
    return tr(f"pattern.span.{'reach_all' if short else 'reach'}.{unit}", lang, agreements=agreements, n=n)


def window(ev: dict[str, Any], lang: str) -> str:
    """The window the state was judged on, with the real date span of the agreements and ratings it holds."""
    first, last = ev["window"]
    k = int(ev["window_periods"])
    extended = ev.get("agreements_since") != ev["window_since"] and ev.get("agreements_until")
    if not ev.get("settled") and extended:
        # The evidence window reached further back for the agreements than the ratings' window: both spans.
        if ev["window_since"]:
            ratings = tr("pattern.span.ratings", lang, since=ev["window_since"], until=ev["window_until"])
        else:
            ratings = tr("pattern.span.ratings_from_start", lang, until=ev["window_until"])
        if ev["agreements_since"]:
            agreements = tr("pattern.span.agreements", lang, since=ev["agreements_since"], until=ev["agreements_until"])
        else:
            agreements = tr("pattern.span.agreements_from_start", lang, until=ev["agreements_until"])
        span = tr("pattern.span.both", lang, ratings=ratings, agreements=reach(ev, agreements, lang))
    elif not ev.get("settled"):
        if ev["window_since"]:
            span = tr("pattern.span", lang, since=ev["window_since"], until=ev["window_until"])
        else:
            span = tr("pattern.span_from_start", lang, until=ev["window_until"])
    else:
        # The agreements of the settled periods: up to the session before the latest (see docs/metrics.md).
        if ev["window_since"]:
            ratings = tr("pattern.span.ratings", lang, since=ev["window_since"], until=ev["window_until"])
        else:
            ratings = tr("pattern.span.ratings_from_start", lang, until=ev["window_until"])
        if not ev["agreements_until"]:
            agreements = tr("pattern.span.agreements_none", lang)
        elif ev["agreements_since"]:
            agreements = tr("pattern.span.agreements", lang, since=ev["agreements_since"], until=ev["agreements_until"])
        else:
            agreements = tr("pattern.span.agreements_from_start", lang, until=ev["agreements_until"])
        span = tr("pattern.span.settled", lang, ratings=ratings, agreements=reach(ev, agreements, lang))
    if ev["period_kind"] == "month":
        return tr("pattern.window.months", lang, k=k, first=first, last=last, span=span)
    if k == 1:
        return tr("pattern.window.session", lang, last=last, span=span)
    return tr("pattern.window.sessions", lang, k=k, first=first, last=last, span=span)


def reliability(ev: dict[str, Any], lang: str) -> str:
    """The reliability clause: "reliability 80% adjusted (7 of 7 agreements kept, …; 90% interval …) over …"."""
    return tr(
        "pattern.reliability",
        lang,
        value=pct(ev["reliability"]),
        kept=ev["n_kept"],
        n=ev["n_agreements"],
        level=round(float(ev["level"]) * 100),
        low=pct(ev["reliability_low"]),
        high=pct(ev["reliability_high"]),
        window=window(ev, lang),
    )


def trust(ev: dict[str, Any], lang: str) -> str:
    """The trust clause: "trust 72% (12 ratings from 4 partners, 9 respondents; 90% interval …)"."""
    return tr(
        "pattern.trust",
        lang,
        value=pct(ev["trust"]),
        n_ratings=ev["n_ratings"],
        n_raters=ev["n_raters"],
        n_respondents=ev["n_respondents"],
        level=round(float(ev["level"]) * 100),
        low=pct(ev["trust_low"]),
        high=pct(ev["trust_high"]),
    )


def recent(ev: dict[str, Any], lang: str) -> str:
    """The newest settled periods read on their own.

    "its 6 agreements of the last 2 sessions with time to record them (agreements due … to …) score 83%".
    """
    k = int(ev["recent_periods"])
    unit = "month" if ev["period_kind"] == "month" else "session"
    periods = tr(f"pattern.recent.{unit}" if k == 1 else f"pattern.recent.{unit}s", lang, k=k)
    if ev["recent_since"]:
        span = tr("pattern.span.agreements", lang, since=ev["recent_since"], until=ev["recent_until"])
    else:
        span = tr("pattern.span.agreements_from_start", lang, until=ev["recent_until"])
    n = int(ev["recent_agreements"])
    key = "pattern.recent.one" if n == 1 else "pattern.recent"
    settled = tr("pattern.recent.settled", lang) if ev["settled"] else ""
    return tr(key, lang, n=n, periods=periods, settled=settled, span=span, value=pct(ev["recent_reliability"]))


def render_state(ev: dict[str, Any], lang: str) -> str:
    """The explanation of a partner's state, from :func:`patterns._evidence`."""
    name, state = ev["partner_name"], ev["state"]
    if state == "not_enough_data":
        reasons = []
        if "agreements" in ev["missing"]:
            reasons.append(tr("pattern.thin.agreements", lang, n=ev["n_agreements"], need=ev["min_agreements"]))
        if "ratings" in ev["missing"]:
            reasons.append(tr("pattern.thin.ratings", lang, n=ev["n_ratings"], need=ev["min_ratings"]))
        if "rated_periods" in ev["missing"]:
            reasons.append(
                tr("pattern.thin.rated_periods", lang, n=ev["n_rated_periods"], need=ev["min_rated_periods"])
            )
        return tr("pattern.state.not_enough_data", lang, name=name, window=window(ev, lang), reasons="; ".join(reasons))
    values: dict[str, Any] = {"name": name, "reliability": reliability(ev, lang), "trust": trust(ev, lang)}
    not_kept = ""
    if ev["not_kept"]:
        not_kept = tr("pattern.not_kept", lang, items=_cite(ev["not_kept"], ev["not_kept_titles"], lang))
    values["not_kept"] = not_kept
    if state == "trust_lags":
        since = ""
        if ev["trust_first"] is not None:
            since = tr("pattern.lags_since", lang, value=pct(ev["trust_first"]), period=ev["first_rated_period"])
        text = tr("pattern.state.trust_lags", lang, since=since, **values)
    elif state == "blind_trust":
        if ev["falling"]:
            key, extra = "pattern.state.blind_trust.falling", {"previous": pct(ev["previous_reliability"])}
        else:
            key, extra = "pattern.state.blind_trust.low", {}
        text = tr(key, lang, **values, **extra)
    elif state in ("earned_trust", "distrust"):
        text = tr(f"pattern.state.{state}", lang, **values)
    elif ev["leaning"] == "after_shock" and ev["shock"]:
        text = tr(
            "pattern.state.after_shock", lang, session=ev["shock"]["session_id"], date=ev["shock"]["date"], **values
        )
    elif ev["leaning"] and ev["turned"]:
        text = tr(
            "pattern.state.turned",
            lang,
            leaning=tr(f"pattern.name.{ev['leaning']}", lang),
            recent=recent(ev, lang),
            **values,
        )
    elif ev["leaning"]:
        text = tr(
            "pattern.state.leaning",
            lang,
            leaning=tr(f"pattern.name.{ev['leaning']}", lang),
            **values,
        )
    else:
        text = tr("pattern.state.mixed", lang, **values)
    if ev["goals_shared_on"]:
        text += tr("pattern.goals_shared", lang, name=name, date=ev["goals_shared_on"])
    return text


def render_shock(ev: dict[str, Any], lang: str) -> str:
    """The explanation of a trust shock, from :func:`patterns.shock_evidence`."""
    items = []
    for a in ev["causes"][:MAX_CITED]:
        key = "pattern.cause.broken" if a["status"] == "broken" else "pattern.cause.overdue"
        items.append(tr(key, lang, id=a["agreement_id"], title=a["title"], date=a["date"]))
    more = len(ev["causes"]) - MAX_CITED
    if more > 0:
        items.append(tr("pattern.more", lang, n=more))
    # one session before: "at both S06 and S07"; several: the raters' average over their span
    several = ev["first_period"] != ev["previous_period"]
    return tr(
        "pattern.shock.baseline" if several else "pattern.shock",
        lang,
        name=ev["partner_name"],
        session=ev["session_id"],
        date=ev["date"],
        first=ev["first_period"],
        previous=ev["previous_period"],
        before=pct(ev["trust_before"]),
        after=pct(ev["trust_after"]),
        points=points(ev["trust_before"], ev["trust_after"]),
        n_raters=ev["n_shared_raters"],
        causes="; ".join(items),
    )
