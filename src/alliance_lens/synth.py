"""Generated alliances: the realistic sample alliance and a large one for speed measurements.

:func:`generate_sample` builds one alliance of car makers who share an electric-vehicle platform — the blog's
own example of competitors who work together on reliability more than on trust. It is planted with the
stories the product exists to show, one partner each:

* **Nordwagen** keeps almost every agreement while the others' trust in it stays low and rises slowly
  ("trust comes on foot": ``trust_lags``);
* **Meridian Motors** breaks agreement after agreement while everyone keeps trusting it ("the dark side of
  trust": ``blind_trust``);
* **Vantage Automobiles** is reliable and trusted until it breaks the big interface-specification agreement;
  trust falls sharply at the next session ("trust leaves on horseback": ``trust_shock``) and then recovers
  slowly, to a middle level where no state is claimed;
* **Solara Cars** starts shaky and grows more reliable, and trust grows with it (``earned_trust``);
* **Kestrel Cells**, a battery maker, joins late: too little data for any claim (``not enough data``).

:func:`generate_large` builds an alliance of 20 partners, 120 sessions, 25,000 agreements and 140,000
ratings, vectorised, for the import/export and metrics benchmarks.

Both are deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from alliance_lens.model import AllianceData

SAMPLE_ALLIANCE_ID: Final = "ev-platform"
LARGE_ALLIANCE_ID: Final = "large"

_D = dt.date

#: The sample's sessions: (id, date, kind, title).
_SESSIONS: Final[list[tuple[str, dt.date, str, str]]] = [
    ("S01", _D(2025, 3, 11), "workshop", "Kick-off: charter of the shared EV platform"),
    ("S02", _D(2025, 4, 29), "meeting", "Steering group: platform scope"),
    ("S03", _D(2025, 6, 17), "meeting", "Steering group: first prototype results"),
    ("S04", _D(2025, 8, 26), "dialogue", "Dialogue: what each of us believes about sharing technology"),
    ("S05", _D(2025, 10, 14), "meeting", "Steering group: sourcing and volumes"),
    ("S06", _D(2025, 12, 2), "workshop", "Roadmap workshop 2026"),
    ("S07", _D(2026, 1, 27), "meeting", "Steering group: the interface delay"),
    ("S08", _D(2026, 3, 17), "dialogue", "Dialogue: rebuilding the way we work after the delay"),
    ("S09", _D(2026, 5, 5), "meeting", "Steering group: welcome Kestrel Cells"),
    ("S10", _D(2026, 6, 23), "meeting", "Steering group: pre-series planning"),
    ("S11", _D(2026, 8, 25), "workshop", "Review: eighteen months of the platform"),
]

#: The sample's partners: (id, name, goals shared on, first session index it takes part in).
_PARTNERS: Final[list[tuple[str, str, dt.date | None, int]]] = [
    ("nordwagen", "Nordwagen AG", _D(2025, 3, 11), 0),
    ("meridian", "Meridian Motors", None, 0),
    ("vantage", "Vantage Automobiles", _D(2025, 6, 17), 0),
    ("solara", "Solara Cars", _D(2025, 8, 26), 0),
    ("kestrel", "Kestrel Cells", _D(2026, 5, 5), 8),
]

#: Respondents per rating partner (Kestrel has two: its dyads fall below the anonymity floor of 3).
_RESPONDENTS: Final[dict[str, list[str]]] = {
    "nordwagen": ["programme lead", "chief engineer", "purchasing"],
    "meridian": ["programme lead", "chief engineer", "quality"],
    "vantage": ["programme lead", "chief engineer", "purchasing", "legal"],
    "solara": ["programme lead", "chief engineer", "quality"],
    "kestrel": ["account manager", "cell engineering"],
}

#: Planned mean trust received (scale 1–10) at each session, per ratee: the stories.
_TRUST_PLAN: Final[dict[str, list[float]]] = {
    "nordwagen": [3.0, 3.1, 3.3, 3.5, 3.6, 3.8, 3.9, 4.1, 4.2, 4.3, 4.4],
    "meridian": [8.2, 8.3, 8.1, 8.4, 8.2, 8.3, 8.2, 8.1, 8.3, 8.0, 8.2],
    "vantage": [7.0, 7.2, 7.4, 7.6, 7.7, 7.8, 3.9, 4.6, 5.3, 5.7, 6.0],
    "solara": [5.0, 5.3, 5.6, 6.0, 6.4, 6.7, 7.0, 7.3, 7.5, 7.7, 7.9],
    "kestrel": [0, 0, 0, 0, 0, 0, 0, 0, 5.6, 5.8, 6.0],
}

#: Outcome mix per partner and phase (sessions 1–3, 4–7, 8–11): probabilities of
#: kept, kept_late, renegotiated (then kept), broken.
_OUTCOME_MIX: Final[dict[str, list[tuple[float, float, float, float]]]] = {
    "nordwagen": [(0.85, 0.10, 0.05, 0.0), (0.88, 0.08, 0.04, 0.0), (0.9, 0.06, 0.04, 0.0)],
    "meridian": [(0.45, 0.20, 0.05, 0.30), (0.30, 0.15, 0.10, 0.45), (0.15, 0.15, 0.05, 0.65)],
    "vantage": [(0.85, 0.10, 0.05, 0.0), (0.85, 0.10, 0.05, 0.0), (0.82, 0.13, 0.05, 0.0)],
    "solara": [(0.45, 0.20, 0.05, 0.30), (0.70, 0.15, 0.05, 0.10), (0.92, 0.05, 0.03, 0.0)],
    "kestrel": [(1.0, 0.0, 0.0, 0.0)] * 3,
}

#: Agreements each partner makes at each session (Kestrel only from its first session).
_PER_SESSION: Final[dict[str, int]] = {"nordwagen": 3, "meridian": 3, "vantage": 2, "solara": 3, "kestrel": 1}

_CONTENT_TITLES: Final[list[str]] = [
    "Deliver the {part} specification for the shared platform",
    "Supply {n} prototype {part}s for validation",
    "Share durability test results of the {part}",
    "Release the CAD data of the {part} to the joint design room",
    "Complete the crash simulation of the {part}",
    "Provide cost breakdown of the {part}",
    "Finish the homologation file for the {part}",
    "Deliver software release {n}.0 of the {part} controller",
    "Share supplier quality audit of the {part}",
    "Build {n} test mules with the shared {part}",
]
_PARTS: Final[list[str]] = [
    "floor pan",
    "rear subframe",
    "battery tray",
    "thermal loop",
    "charging inlet",
    "front axle",
    "brake module",
    "inverter housing",
    "seat rail",
    "wiring harness",
    "door module",
    "cooling plate",
]
_PROCESS_TITLES: Final[list[str]] = [
    "Circulate the minutes within five working days",
    "Name one point of contact for {topic}",
    "Give four weeks' notice of design changes to shared {topic} parts",
    "Share the quarterly volume forecast for {topic}",
    "Escalate {topic} issues through the joint board, not bilaterally",
    "Bring the decision-maker on {topic} to the next session",
    "Publish the open-issues list on {topic} before each session",
    "Agree the cost-sharing key for {topic} in writing",
    "Keep the joint {topic} roadmap up to date",
    "Answer partner questions on {topic} within ten working days",
]
_TOPICS: Final[list[str]] = [
    "battery",
    "chassis",
    "software",
    "purchasing",
    "testing",
    "homologation",
    "logistics",
    "tooling",
]
_KINDS_OF_STATUS: Final[list[str]] = ["kept", "kept_late", "renegotiated", "broken"]
_GOLDEN: Final = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class _Rows:
    """Rows of each table while the sample is built."""

    agreements: list[dict[str, object]]
    outcomes: list[dict[str, object]]


class _Titles:
    """Agreement titles, each used once: every (template, part or topic) combination, shuffled."""

    def __init__(self, rng: np.random.Generator) -> None:
        content = [t.format(part=p, n=int(rng.integers(2, 9))) for t in _CONTENT_TITLES for p in _PARTS]
        process = list(dict.fromkeys(t.format(topic=x) for t in _PROCESS_TITLES for x in _TOPICS))
        self._pools = {"content": list(rng.permutation(content)), "process": list(rng.permutation(process))}

    def next(self, kind: str) -> str:
        """A title not used before for an agreement of this kind."""
        return str(self._pools[kind].pop())


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _add_outcomes(
    rows: _Rows, rng: np.random.Generator, agreement_id: str, status: str, made: dt.date, due: dt.date, end: dt.date
) -> None:
    """Append the outcome history of one agreement; nothing is recorded after ``end`` (still open then)."""

    def add(date: dt.date, st: str, note: str = "") -> bool:
        if date > end:
            return False
        rows.outcomes.append(
            {"alliance_id": SAMPLE_ALLIANCE_ID, "agreement_id": agreement_id, "date": date, "status": st, "note": note}
        )
        return True

    span = max((due - made).days, 1)
    if status == "kept":
        add(due - _days(int(rng.integers(0, min(10, span)))), "kept")
    elif status == "kept_late":
        add(due + _days(int(rng.integers(6, 25))), "kept_late", "delivered after the due date")
    elif status == "renegotiated":
        if add(due - _days(int(rng.integers(2, min(12, span) + 2))), "renegotiated", "new date agreed in advance"):
            add(due + _days(int(rng.integers(10, 30))), "kept", "kept on the renegotiated date")
    elif status == "broken":
        add(due + _days(int(rng.integers(2, 15))), "broken")
    elif status == "dropped":
        add(due - _days(int(rng.integers(1, min(10, span) + 1))), "dropped", "dropped by mutual consent")


def generate_sample(seed: int = 7) -> AllianceData:
    """The sample alliance: five car makers and a battery maker sharing an EV platform over 18 months.

    Trust is rated on a 1–10 scale (as Dutch facilitators often do); the text is English. See the module's
    docstring for the stories it is built to show.
    """
    rng = np.random.default_rng(seed)
    aid = SAMPLE_ALLIANCE_ID
    end = _SESSIONS[-1][1]
    alliances = pd.DataFrame(
        [
            {
                "alliance_id": aid,
                "name": "Shared EV Platform Alliance",
                "trust_min": 1.0,
                "trust_max": 10.0,
                "language": "en",
            }
        ]
    )
    partners = pd.DataFrame(
        [{"alliance_id": aid, "partner_id": p, "name": n, "goals_shared_on": g} for p, n, g, _ in _PARTNERS]
    )
    sessions = pd.DataFrame(
        [{"alliance_id": aid, "session_id": s, "date": d, "title": t, "kind": k} for s, d, k, t in _SESSIONS]
    )
    rows = _Rows([], [])
    titles = _Titles(np.random.default_rng(seed + 1))  # its own stream, so titles do not shift the stories
    seq = {pid: float(rng.random()) for pid, *_ in _PARTNERS}
    counter = 0

    def new_id() -> str:
        nonlocal counter
        counter += 1
        return f"A{counter:03d}"

    for i, (_sid, made, _k, _t) in enumerate(_SESSIONS):
        next_date = _SESSIONS[i + 1][1] if i + 1 < len(_SESSIONS) else end + _days(56)
        phase = 0 if i < 3 else 1 if i < 7 else 2
        for pid, _name, _g, first in _PARTNERS:
            if i < first:
                continue
            active = [p for p, _n, _gs, f in _PARTNERS if f <= i and p != pid]
            for _ in range(_PER_SESSION[pid]):
                kind = "content" if rng.random() < 0.55 else "process"
                gap = (next_date - made).days
                # Most fall due before the next session; some one session later.
                due = made + _days(int(rng.integers(max(gap // 3, 7), gap - 3)))
                if rng.random() < 0.2 and i + 2 < len(_SESSIONS):
                    due = made + _days(int(rng.integers(gap + 3, gap + 30)))
                benef = ""
                if rng.random() < 0.5:
                    k = 1 if rng.random() < 0.7 or len(active) < 2 else 2
                    benef = ";".join(sorted(rng.choice(active, size=k, replace=False).tolist()))
                agreement_id = new_id()
                rows.agreements.append(
                    {
                        "alliance_id": aid,
                        "agreement_id": agreement_id,
                        "title": titles.next(kind),
                        "kind": kind,
                        "owner": pid,
                        "made_on": made,
                        "due_on": due,
                        "beneficiaries": benef,
                        "note": "",
                    }
                )
                # Spread evenly over the mix (a golden-ratio sequence, not independent draws), so that each
                # partner's record follows its story without a run of bad luck hiding it.
                seq[pid] = (seq[pid] + _GOLDEN) % 1.0
                cdf = np.cumsum(_OUTCOME_MIX[pid][phase])
                status = _KINDS_OF_STATUS[min(int(np.searchsorted(cdf / cdf[-1], seq[pid], side="right")), 3)]
                if rng.random() < 0.04:
                    status = "dropped"
                _add_outcomes(rows, rng, agreement_id, status, made, due, end)

    _plant_the_big_breach(rows, end)
    _plant_open_and_overdue(rows, end)

    ratings = _sample_ratings(rng)
    frames = {
        "alliances": alliances,
        "partners": partners,
        "sessions": sessions,
        "agreements": pd.DataFrame(rows.agreements),
        "outcomes": pd.DataFrame(rows.outcomes),
        "trust_ratings": ratings,
    }
    return AllianceData.from_frames(frames)


def _plant_the_big_breach(rows: _Rows, end: dt.date) -> None:
    """Vantage's big broken agreement just before session S07 (the trust shock)."""
    aid = SAMPLE_ALLIANCE_ID
    rows.agreements.append(
        {
            "alliance_id": aid,
            "agreement_id": "A900",
            "kind": "content",
            "owner": "vantage",
            "title": "Deliver the battery-module interface specification v2 to all partners",
            "made_on": _D(2025, 10, 14),
            "due_on": _D(2026, 1, 9),
            "beneficiaries": "",
            "note": "Every partner's integration plan depends on it.",
        }
    )
    rows.outcomes.append(
        {
            "alliance_id": aid,
            "agreement_id": "A900",
            "date": _D(2026, 1, 20),
            "status": "broken",
            "note": "Specification withheld after an internal reorganisation; partners had to stop integration work.",
        }
    )
    # The breach had a follow-up the partners noticed too.
    rows.agreements.append(
        {
            "alliance_id": aid,
            "agreement_id": "A901",
            "kind": "process",
            "owner": "vantage",
            "title": "Inform partners at once of any delay to shared interfaces",
            "made_on": _D(2025, 10, 14),
            "due_on": _D(2026, 1, 9),
            "beneficiaries": "",
            "note": "",
        }
    )
    rows.outcomes.append(
        {
            "alliance_id": aid,
            "agreement_id": "A901",
            "date": _D(2026, 1, 20),
            "status": "broken",
            "note": "Partners learned of the delay from a supplier.",
        }
    )


def _plant_open_and_overdue(rows: _Rows, end: dt.date) -> None:
    """Agreements still open at the last session: one overdue, some awaiting their outcome, some due later."""
    aid = SAMPLE_ALLIANCE_ID
    made = _SESSIONS[-2][1]
    overdue = [
        ("A910", "meridian", "content", "Deliver the wiring harness specification for the pre-series", ""),
        ("A911", "kestrel", "process", "Share the cell supply forecast for the pre-series", "solara"),
    ]
    for agreement_id, owner, kind, title, benef in overdue:
        rows.agreements.append(
            {
                "alliance_id": aid,
                "agreement_id": agreement_id,
                "kind": kind,
                "owner": owner,
                "title": title,
                "made_on": made,
                "due_on": _D(2026, 8, 7),
                "beneficiaries": benef,
                "note": "",
            }
        )
    later = [
        ("A920", "nordwagen", "content", "Supply 12 pre-series floor pans", ""),
        ("A921", "solara", "process", "Host the joint supplier day", ""),
        ("A922", "vantage", "content", "Deliver the battery-module interface specification v3", ""),
        ("A923", "meridian", "process", "Share the quarterly volume forecast for the pre-series", "nordwagen;solara"),
        ("A924", "kestrel", "content", "Supply 40 sample cells for abuse testing", "vantage"),
    ]
    for agreement_id, owner, kind, title, benef in later:
        rows.agreements.append(
            {
                "alliance_id": aid,
                "agreement_id": agreement_id,
                "kind": kind,
                "owner": owner,
                "title": title,
                "made_on": end,
                "due_on": end + _days(40),
                "beneficiaries": benef,
                "note": "",
            }
        )
    # Due before S10 and still without an outcome at S11: overdue (A910 and A911 fell due after S10, so at S11
    # they are still awaiting their outcome, and do not count yet).
    rows.agreements.append(
        {
            "alliance_id": aid,
            "agreement_id": "A912",
            "kind": "process",
            "owner": "meridian",
            "title": "Publish the open-issues list on pre-series logistics before each session",
            "made_on": _SESSIONS[-3][1],
            "due_on": _D(2026, 6, 10),
            "beneficiaries": "",
            "note": "",
        }
    )
    # Dropped by mutual consent, to show that such agreements count neither way.
    rows.agreements.append(
        {
            "alliance_id": aid,
            "agreement_id": "A930",
            "kind": "process",
            "owner": "solara",
            "title": "Organise a joint press event at the motor show",
            "made_on": _D(2025, 6, 17),
            "due_on": _D(2025, 9, 15),
            "beneficiaries": "",
            "note": "",
        }
    )
    rows.outcomes.append(
        {
            "alliance_id": aid,
            "agreement_id": "A930",
            "date": _D(2025, 8, 26),
            "status": "dropped",
            "note": "Dropped by mutual consent: the platform is not public yet.",
        }
    )


def _sample_ratings(rng: np.random.Generator) -> pd.DataFrame:
    """Every active partner's respondents rate every other active partner at every session."""
    out: list[dict[str, object]] = []
    offsets = {(r, e): float(rng.normal(0, 0.25)) for r, *_ in _PARTNERS for e, *_ in _PARTNERS}
    for i, (sid, _d, _k, _t) in enumerate(_SESSIONS):
        for rater, _n, _g, first_r in _PARTNERS:
            if i < first_r:
                continue
            for ratee, _n2, _g2, first_e in _PARTNERS:
                if ratee == rater or i < first_e:
                    continue
                mean = _TRUST_PLAN[ratee][i] + offsets[(rater, ratee)]
                for respondent in _RESPONDENTS[rater]:
                    score = float(np.clip(np.round(mean + rng.normal(0, 0.7)), 1, 10))
                    out.append(
                        {
                            "alliance_id": SAMPLE_ALLIANCE_ID,
                            "session_id": sid,
                            "rater": rater,
                            "ratee": ratee,
                            "score": score,
                            "respondent": respondent,
                            "comment": "",
                        }
                    )
    ratings = pd.DataFrame(out)
    # A few comments, as facilitators record them.
    notes = {
        ("S07", "nordwagen", "vantage"): "We stopped integration work because of the missing specification.",
        ("S07", "solara", "vantage"): "Hard to plan with them now.",
        ("S04", "vantage", "meridian"): "Great people, we really click.",
        ("S09", "meridian", "nordwagen"): "Always delivers, but we do not know what they are after.",
    }
    for (sid, rater, ratee), text in notes.items():
        mask = (ratings["session_id"] == sid) & (ratings["rater"] == rater) & (ratings["ratee"] == ratee)
        ratings.loc[ratings.index[mask][0], "comment"] = text
    return ratings


def generate_large(seed: int = 1) -> AllianceData:
    """A large alliance: 20 partners, 120 sessions, 25,000 agreements, 140,000 trust ratings (vectorised)."""
    rng = np.random.default_rng(seed)
    aid = LARGE_ALLIANCE_ID
    n_partners, n_sessions, n_agreements, n_ratings = 20, 120, 25_000, 140_000
    partner_ids = np.array([f"P{i:02d}" for i in range(1, n_partners + 1)])
    session_ids = np.array([f"S{i:03d}" for i in range(1, n_sessions + 1)])
    session_dates = np.datetime64("2021-01-05") + np.arange(n_sessions) * 14
    end = session_dates[-1]

    alliances = pd.DataFrame(
        {
            "alliance_id": [aid],
            "name": ["Large generated alliance"],
            "trust_min": [1.0],
            "trust_max": [10.0],
            "language": ["en"],
        }
    )
    partners = pd.DataFrame(
        {
            "alliance_id": aid,
            "partner_id": partner_ids,
            "name": [f"Partner {i:02d}" for i in range(1, 21)],
            "goals_shared_on": np.where(
                rng.random(n_partners) < 0.6, session_dates[rng.integers(0, 40, n_partners)], np.datetime64("NaT")
            ),
        }
    )
    kinds = np.where(np.arange(n_sessions) % 6 == 3, "dialogue", "meeting")
    sessions = pd.DataFrame(
        {
            "alliance_id": aid,
            "session_id": session_ids,
            "date": session_dates,
            "title": [f"Session {i}" for i in range(1, n_sessions + 1)],
            "kind": kinds,
        }
    )

    owner_idx = rng.integers(0, n_partners, n_agreements)
    made = session_dates[rng.integers(0, n_sessions - 1, n_agreements)]
    due = made + rng.integers(7, 60, n_agreements).astype("timedelta64[D]")
    has_benef = rng.random(n_agreements) < 0.5
    benef_idx = (owner_idx + rng.integers(1, n_partners, n_agreements)) % n_partners
    agreement_ids = np.char.add("G", np.char.zfill(np.arange(1, n_agreements + 1).astype(str), 5))
    agreements = pd.DataFrame(
        {
            "alliance_id": aid,
            "agreement_id": agreement_ids,
            "title": np.char.add("Generated agreement ", agreement_ids),
            "kind": np.where(rng.random(n_agreements) < 0.55, "content", "process"),
            "owner": partner_ids[owner_idx],
            "made_on": made,
            "due_on": due,
            "beneficiaries": np.where(has_benef, partner_ids[benef_idx], ""),
            "note": "",
        }
    )

    # Each partner has its own keeping rate; statuses drawn from it.
    keep_rate = rng.uniform(0.3, 0.95, n_partners)[owner_idx]
    u = rng.random(n_agreements)
    status = np.select(
        [u < keep_rate * 0.8, u < keep_rate, u < keep_rate + (1 - keep_rate) * 0.2, u < 0.97],
        ["kept", "kept_late", "renegotiated", "broken"],
        "dropped",
    )
    offset = np.where(
        np.isin(status, ["kept", "renegotiated", "dropped"]),
        -rng.integers(0, 5, n_agreements),
        rng.integers(1, 20, n_agreements),
    ).astype("timedelta64[D]")
    first = pd.DataFrame(
        {"alliance_id": aid, "agreement_id": agreement_ids, "date": due + offset, "status": status, "note": ""}
    )
    reneg = status == "renegotiated"
    second = pd.DataFrame(
        {
            "alliance_id": aid,
            "agreement_id": agreement_ids[reneg],
            "date": due[reneg] + rng.integers(5, 30, int(reneg.sum())).astype("timedelta64[D]"),
            "status": "kept",
            "note": "",
        }
    )
    outcomes = pd.concat([first, second], ignore_index=True)
    outcomes = outcomes[outcomes["date"] <= end]

    # Ratings: every directed pair at every session, 3 respondents, plus extra respondents up to the total.
    s_idx, r_idx, e_idx = np.meshgrid(
        np.arange(n_sessions), np.arange(n_partners), np.arange(n_partners), indexing="ij"
    )
    keep = r_idx != e_idx
    s_idx, r_idx, e_idx = s_idx[keep], r_idx[keep], e_idx[keep]
    base = np.repeat(np.arange(len(s_idx)), 3)
    extra = rng.choice(len(s_idx), n_ratings - len(base), replace=False)
    rows = np.concatenate([base, extra])
    resp = np.concatenate([np.tile([0, 1, 2], len(s_idx)), np.full(len(extra), 3)])
    level = rng.uniform(2, 9, (n_partners, n_partners))
    drift = np.linspace(-1, 1, n_sessions)
    score = np.clip(
        np.round(
            level[r_idx[rows], e_idx[rows]] + drift[s_idx[rows]] * rng.uniform(-1, 1) + rng.normal(0, 1, len(rows))
        ),
        1,
        10,
    )
    ratings = pd.DataFrame(
        {
            "alliance_id": aid,
            "session_id": session_ids[s_idx[rows]],
            "rater": partner_ids[r_idx[rows]],
            "ratee": partner_ids[e_idx[rows]],
            "score": score,
            "respondent": np.char.add("R", resp.astype(str)),
            "comment": "",
        }
    )
    return AllianceData.from_frames(
        {
            "alliances": alliances,
            "partners": partners,
            "sessions": sessions,
            "agreements": agreements,
            "outcomes": outcomes,
            "trust_ratings": ratings,
        }
    )
