"""The domain: alliances, partners, sessions, agreements with their outcome history, trust ratings.

Two forms of the same record live here:

* typed, frozen dataclasses (:class:`Alliance`, :class:`Partner`, :class:`Session`, :class:`Agreement`,
  :class:`Outcome`, :class:`TrustRating`) for one entry at a time — a form, an API call;
* :class:`AllianceData`, one pandas DataFrame per table, for many at a time — an import, an export, the
  metrics. Its columns are the interchange format's (``../shared/CONTRACT.md``), with proper dtypes.

Validation speaks the facilitator's language: every :class:`Problem` names the table, the row (as a person
counts it), the column, the value and the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import pandas as pd

AgreementKind = Literal["content", "process"]
OutcomeStatus = Literal["kept", "kept_late", "renegotiated", "broken", "dropped"]
SessionKind = Literal["meeting", "workshop", "dialogue"]
Language = Literal["en", "nl"]

AGREEMENT_KINDS: Final[tuple[str, ...]] = get_args(AgreementKind)
OUTCOME_STATUSES: Final[tuple[str, ...]] = get_args(OutcomeStatus)
SESSION_KINDS: Final[tuple[str, ...]] = get_args(SessionKind)
LANGUAGES: Final[tuple[str, ...]] = get_args(Language)

DEFAULT_TRUST_MIN: Final = 1.0
DEFAULT_TRUST_MAX: Final = 5.0

#: Separator of partner ids in ``agreements.beneficiaries`` (empty = every other partner).
BENEFICIARY_SEPARATOR: Final = ";"

#: The tables of the interchange format, in dependency order, with their required and optional columns.
TABLES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "alliances": (("alliance_id", "name"), ("trust_min", "trust_max", "language")),
    "partners": (("alliance_id", "partner_id", "name"), ("goals_shared_on",)),
    "sessions": (("alliance_id", "session_id", "date"), ("title", "kind")),
    "agreements": (
        ("alliance_id", "agreement_id", "title", "kind", "owner", "made_on", "due_on"),
        ("beneficiaries", "note"),
    ),
    "outcomes": (("alliance_id", "agreement_id", "date", "status"), ("note",)),
    "trust_ratings": (("alliance_id", "session_id", "rater", "ratee", "score"), ("respondent", "comment")),
}

#: Columns holding dates (``datetime64``, day precision; NaT where an optional date is absent).
DATE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "alliances": (),
    "partners": ("goals_shared_on",),
    "sessions": ("date",),
    "agreements": ("made_on", "due_on"),
    "outcomes": ("date",),
    "trust_ratings": (),
}
#: Columns holding numbers (float64).
NUMBER_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "alliances": ("trust_min", "trust_max"),
    "partners": (),
    "sessions": (),
    "agreements": (),
    "outcomes": (),
    "trust_ratings": ("score",),
}

MAX_ID_LENGTH: Final = 64
MAX_TEXT_LENGTH: Final = 2000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, precise enough to find and fix it.

    ``row`` counts as a person does: the CSV line with the header as line 1, the spreadsheet row, or the
    position (from 1) in a list of entries; ``None`` when the problem is not about one row.
    """

    table: str
    row: int | None
    column: str | None
    value: object
    reason: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.table
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        shown = "" if self.value is None else f" (value {_show(self.value)})"
        return f"{where}{shown}: {self.reason}"


class UserError(Exception):
    """An error the user can fix (bad input, unknown id, refused action).

    Every layer raises a subclass of it for such cases; the command line and the dashboard show its message
    as one plain sentence, never a traceback.
    """


class ValidationError(UserError, ValueError):
    """Input that cannot be accepted; carries every :class:`Problem` found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = [p for p in problems if p.severity == "error"]
        if not self.problems:
            raise ValueError("ValidationError needs at least one error")
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"] + [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  … and {len(self.problems) - 50} more")
        return "\n".join(lines)

    @property
    def first_reason(self) -> str:
        """The first problem's reason, one plain sentence for a form beside its field."""
        return self.problems[0].reason


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ---------------------------------------------------------------------------------------------- checks


def check_id(value: object, column: str) -> str | None:
    """Return the reason why ``value`` is not a usable id, or ``None`` if it is."""
    if not isinstance(value, str):
        return f"{column} must be text, not {type(value).__name__}"
    if not value.strip():
        return f"{column} must not be empty"
    if value != value.strip():
        return f"{column} {value!r} has spaces at its start or end"
    if len(value) > MAX_ID_LENGTH:
        return f"{column} is longer than {MAX_ID_LENGTH} characters"
    if BENEFICIARY_SEPARATOR in value or any(ord(c) < 32 for c in value):
        return f"{column} {value!r} contains ';' or a control character"
    return None


def check_text(value: object, column: str, *, required: bool) -> str | None:
    """Return the reason why ``value`` is not acceptable text, or ``None``."""
    if not isinstance(value, str):
        return f"{column} must be text"
    if required and not value.strip():
        return f"{column} must not be empty"
    if len(value) > MAX_TEXT_LENGTH:
        return f"{column} is longer than {MAX_TEXT_LENGTH} characters"
    return None


def check_choice(value: object, column: str, choices: Sequence[str]) -> str | None:
    """Return the reason why ``value`` is not one of ``choices``, or ``None``."""
    if value not in choices:
        return f"{column} {value!r} is not one of {', '.join(choices)}"
    return None


def check_scale(trust_min: object, trust_max: object) -> str | None:
    """Return the reason why (trust_min, trust_max) is not a usable rating scale, or ``None``."""
    for v in (trust_min, trust_max):
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(float(v)):
            return f"trust scale bound {v!r} is not a number"
    assert isinstance(trust_min, int | float) and isinstance(trust_max, int | float)
    if trust_min >= trust_max:
        return f"trust_min {_fmt_number(trust_min)} must be below trust_max {_fmt_number(trust_max)}"
    return None


def check_score(score: object, trust_min: float, trust_max: float) -> str | None:
    """Return the reason why ``score`` is not a rating on the scale, or ``None``."""
    if not isinstance(score, int | float) or isinstance(score, bool) or not math.isfinite(float(score)):
        return f"trust score {score!r} is not a number"
    if not trust_min <= score <= trust_max:
        return (
            f"trust score {_fmt_number(float(score))} is outside this alliance's scale "
            f"{_fmt_number(trust_min)}–{_fmt_number(trust_max)}"
        )
    return None


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


# ---------------------------------------------------------------------------------------------- entities


@dataclass(frozen=True)
class Alliance:
    """An alliance: organisations working together, rated on their own trust scale."""

    alliance_id: str
    name: str
    trust_min: float = DEFAULT_TRUST_MIN
    trust_max: float = DEFAULT_TRUST_MAX
    language: Language = "en"

    def __post_init__(self) -> None:
        t = "alliances"
        ps = [
            Problem(t, None, c, v, r)
            for c, v, r in [
                ("alliance_id", self.alliance_id, check_id(self.alliance_id, "alliance_id")),
                ("name", self.name, check_text(self.name, "name", required=True)),
                ("trust_max", self.trust_max, check_scale(self.trust_min, self.trust_max)),
                ("language", self.language, check_choice(self.language, "language", LANGUAGES)),
            ]
            if r
        ]
        _raise_if(ps)


@dataclass(frozen=True)
class Partner:
    """An organisation in an alliance; ``goals_shared_on``: when it shared its own goals, if it did."""

    alliance_id: str
    partner_id: str
    name: str
    goals_shared_on: dt.date | None = None

    def __post_init__(self) -> None:
        t = "partners"
        ps = [
            Problem(t, None, c, v, r)
            for c, v, r in [
                ("alliance_id", self.alliance_id, check_id(self.alliance_id, "alliance_id")),
                ("partner_id", self.partner_id, check_id(self.partner_id, "partner_id")),
                ("name", self.name, check_text(self.name, "name", required=True)),
                ("goals_shared_on", self.goals_shared_on, _check_optional_date(self.goals_shared_on)),
            ]
            if r
        ]
        _raise_if(ps)


@dataclass(frozen=True)
class Session:
    """A dated meeting of the alliance; ``dialogue`` sessions are conversations on shared beliefs."""

    alliance_id: str
    session_id: str
    date: dt.date
    title: str = ""
    kind: SessionKind = "meeting"

    def __post_init__(self) -> None:
        t = "sessions"
        ps = [
            Problem(t, None, c, v, r)
            for c, v, r in [
                ("alliance_id", self.alliance_id, check_id(self.alliance_id, "alliance_id")),
                ("session_id", self.session_id, check_id(self.session_id, "session_id")),
                ("date", self.date, _check_date(self.date)),
                ("title", self.title, check_text(self.title, "title", required=False)),
                ("kind", self.kind, check_choice(self.kind, "kind", SESSION_KINDS)),
            ]
            if r
        ]
        _raise_if(ps)


@dataclass(frozen=True)
class Agreement:
    """A commitment of one partner (the owner), about content or about the way of working together.

    ``beneficiaries`` empty means every other partner of the alliance.
    """

    alliance_id: str
    agreement_id: str
    title: str
    kind: AgreementKind
    owner: str
    made_on: dt.date
    due_on: dt.date
    beneficiaries: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        t = "agreements"
        checks: list[tuple[str, object, str | None]] = [
            ("alliance_id", self.alliance_id, check_id(self.alliance_id, "alliance_id")),
            ("agreement_id", self.agreement_id, check_id(self.agreement_id, "agreement_id")),
            ("title", self.title, check_text(self.title, "title", required=True)),
            ("kind", self.kind, check_choice(self.kind, "kind", AGREEMENT_KINDS)),
            ("owner", self.owner, check_id(self.owner, "owner")),
            ("made_on", self.made_on, _check_date(self.made_on)),
            ("due_on", self.due_on, _check_date(self.due_on)),
            ("note", self.note, check_text(self.note, "note", required=False)),
        ]
        if not isinstance(self.beneficiaries, tuple):
            checks.append(("beneficiaries", self.beneficiaries, "beneficiaries must be a tuple of partner ids"))
        else:
            for b in self.beneficiaries:
                checks.append(("beneficiaries", b, check_id(b, "beneficiary")))
            if self.owner in self.beneficiaries:
                checks.append(("beneficiaries", self.owner, f"the owner {self.owner!r} cannot be its own beneficiary"))
            if len(set(self.beneficiaries)) != len(self.beneficiaries):
                shown = BENEFICIARY_SEPARATOR.join(map(str, self.beneficiaries))
                checks.append(("beneficiaries", shown, "a beneficiary is named twice"))
        if _check_date(self.made_on) is None and _check_date(self.due_on) is None and self.due_on < self.made_on:
            checks.append(
                ("due_on", self.due_on.isoformat(), f"due date {self.due_on} is before the date made {self.made_on}")
            )
        _raise_if([Problem(t, None, c, v, r) for c, v, r in checks if r])


@dataclass(frozen=True)
class Outcome:
    """One step in an agreement's status history; added, never overwritten."""

    alliance_id: str
    agreement_id: str
    date: dt.date
    status: OutcomeStatus
    note: str = ""

    def __post_init__(self) -> None:
        t = "outcomes"
        ps = [
            Problem(t, None, c, v, r)
            for c, v, r in [
                ("alliance_id", self.alliance_id, check_id(self.alliance_id, "alliance_id")),
                ("agreement_id", self.agreement_id, check_id(self.agreement_id, "agreement_id")),
                ("date", self.date, _check_date(self.date)),
                ("status", self.status, check_choice(self.status, "status", OUTCOME_STATUSES)),
                ("note", self.note, check_text(self.note, "note", required=False)),
            ]
            if r
        ]
        _raise_if(ps)


@dataclass(frozen=True)
class TrustRating:
    """At a session, ``rater`` (optionally one named ``respondent`` of it) trusts ``ratee`` to ``score``.

    The score is on the alliance's own scale; that it lies within the scale is checked against the alliance
    (:func:`check_score`), since a rating alone does not know its scale.
    """

    alliance_id: str
    session_id: str
    rater: str
    ratee: str
    score: float
    respondent: str = ""
    comment: str = ""

    def __post_init__(self) -> None:
        t = "trust_ratings"
        checks: list[tuple[str, object, str | None]] = [
            ("alliance_id", self.alliance_id, check_id(self.alliance_id, "alliance_id")),
            ("session_id", self.session_id, check_id(self.session_id, "session_id")),
            ("rater", self.rater, check_id(self.rater, "rater")),
            ("ratee", self.ratee, check_id(self.ratee, "ratee")),
            ("score", self.score, check_score(self.score, -math.inf, math.inf)),
            ("respondent", self.respondent, check_text(self.respondent, "respondent", required=False)),
            ("comment", self.comment, check_text(self.comment, "comment", required=False)),
        ]
        if self.rater == self.ratee:
            checks.append(("ratee", self.ratee, f"partner {self.rater!r} cannot rate itself"))
        _raise_if([Problem(t, None, c, v, r) for c, v, r in checks if r])


def _check_date(value: object) -> str | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return f"{value!r} is not a date (YYYY-MM-DD)"
    return None


def _check_optional_date(value: object) -> str | None:
    return None if value is None else _check_date(value)


Entity = Alliance | Partner | Session | Agreement | Outcome | TrustRating

#: Which table each entity class belongs to.
TABLE_OF: Final[dict[type, str]] = {
    Alliance: "alliances",
    Partner: "partners",
    Session: "sessions",
    Agreement: "agreements",
    Outcome: "outcomes",
    TrustRating: "trust_ratings",
}


def entity_to_row(entity: Entity) -> dict[str, Any]:
    """The entity as one row of its table (beneficiaries joined by ``;``, absent text as ``""``)."""
    row: dict[str, Any] = dict(entity.__dict__)
    if isinstance(entity, Agreement):
        row["beneficiaries"] = BENEFICIARY_SEPARATOR.join(entity.beneficiaries)
    if isinstance(entity, Partner) and entity.goals_shared_on is None:
        row["goals_shared_on"] = None
    return row


# ---------------------------------------------------------------------------------------------- frames


def empty_frame(table: str) -> pd.DataFrame:
    """An empty DataFrame with the table's columns and dtypes."""
    required, optional = TABLES[table]
    return normalise_frame(table, pd.DataFrame({c: [] for c in required + optional}))


def normalise_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give ``frame`` exactly the table's columns, in order, with the documented dtypes.

    Absent optional text becomes ``""``; absent optional dates ``NaT``; absent scale bounds the defaults.
    The input must already hold valid values (see :func:`validate_data`); this only shapes them.
    """
    required, optional = TABLES[table]
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in required + optional:
        values = frame[col].to_numpy() if col in frame.columns else [None] * len(frame)
        series = pd.Series(values, index=out.index, dtype=object)
        if col in DATE_COLUMNS[table]:
            out[col] = pd.to_datetime(series, errors="raise").astype("datetime64[s]")
        elif col in NUMBER_COLUMNS[table]:
            default = {"trust_min": DEFAULT_TRUST_MIN, "trust_max": DEFAULT_TRUST_MAX}.get(col)
            numbers = pd.to_numeric(series, errors="raise").astype("float64")
            out[col] = numbers.fillna(default) if default is not None else numbers
        else:
            default_text = "en" if col == "language" else "meeting" if (table, col) == ("sessions", "kind") else ""
            filled = series.where(series.notna() & (series.astype(str) != ""), default_text)
            out[col] = filled.astype(str).astype("str")
    return out


@dataclass
class AllianceData:
    """A set of alliances as one DataFrame per table of the interchange format.

    Columns, order and dtypes are those of :data:`TABLES`, :data:`DATE_COLUMNS` and :data:`NUMBER_COLUMNS`:
    ids and text are ``str`` (absent optional text is ``""``), dates ``datetime64[s]`` (``NaT`` where absent),
    ``trust_min``/``trust_max``/``score`` float64. ``outcomes`` is ordered by (alliance_id, agreement_id,
    date) with the order of entry kept within a day: the last row of an agreement is its current status.
    """

    alliances: pd.DataFrame = field(default_factory=lambda: empty_frame("alliances"))
    partners: pd.DataFrame = field(default_factory=lambda: empty_frame("partners"))
    sessions: pd.DataFrame = field(default_factory=lambda: empty_frame("sessions"))
    agreements: pd.DataFrame = field(default_factory=lambda: empty_frame("agreements"))
    outcomes: pd.DataFrame = field(default_factory=lambda: empty_frame("outcomes"))
    trust_ratings: pd.DataFrame = field(default_factory=lambda: empty_frame("trust_ratings"))

    def table(self, name: str) -> pd.DataFrame:
        """The DataFrame of table ``name`` (one of :data:`TABLES`)."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables by name, in dependency order."""
        return {name: self.table(name) for name in TABLES}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], *, normalised: bool = False) -> AllianceData:
        """Build from raw frames (missing tables are empty), shaped by :func:`normalise_frame`.

        ``normalised=True`` says the frames are already shaped (e.g. straight from the store), which skips
        shaping them a second time — on a large alliance that is a third of the load.
        """
        unknown = set(frames) - set(TABLES)
        if unknown:
            raise KeyError(f"unknown tables: {', '.join(sorted(unknown))}")

        def shape(name: str) -> pd.DataFrame:
            if name not in frames:
                return empty_frame(name)
            return frames[name] if normalised else normalise_frame(name, frames[name])

        shaped = {name: shape(name) for name in TABLES}
        data = cls(**shaped)
        data.outcomes = sort_outcomes(data.outcomes)
        return data

    @classmethod
    def from_entities(cls, entities: Iterable[Entity]) -> AllianceData:
        """Build from typed entities, e.g. in tests or scripts."""
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for e in entities:
            rows[TABLE_OF[type(e)]].append(entity_to_row(e))
        return cls.from_frames({name: pd.DataFrame(r) for name, r in rows.items() if r})

    def select(self, alliance_ids: str | Iterable[str]) -> AllianceData:
        """Only the given alliance(s)."""
        ids = {alliance_ids} if isinstance(alliance_ids, str) else set(alliance_ids)
        return AllianceData(
            **{n: f[f["alliance_id"].isin(ids)].reset_index(drop=True) for n, f in self.tables().items()}
        )

    def alliance(self, alliance_id: str) -> Alliance:
        """The typed :class:`Alliance` with this id."""
        rows = self.alliances[self.alliances["alliance_id"] == alliance_id]
        if rows.empty:
            raise KeyError(f"alliance {alliance_id!r} is not in this data")
        r = rows.iloc[0]
        return Alliance(
            alliance_id=str(r["alliance_id"]),
            name=str(r["name"]),
            trust_min=float(r["trust_min"]),
            trust_max=float(r["trust_max"]),
            language=str(r["language"]),  # type: ignore[arg-type]
        )

    def equals(self, other: AllianceData) -> bool:
        """Same rows in every table, whatever their order (outcome order within an agreement-day kept)."""
        for name in TABLES:
            a, b = _canonical(name, self.table(name)), _canonical(name, other.table(name))
            if not a.equals(b):
                return False
        return True


def sort_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Order outcomes by (alliance_id, agreement_id, date), keeping the order of entry within a day."""
    return outcomes.sort_values(["alliance_id", "agreement_id", "date"], kind="stable").reset_index(drop=True)


def _canonical(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if name == "outcomes":
        return sort_outcomes(frame)
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def beneficiaries_of(agreements: pd.DataFrame, partners: pd.DataFrame) -> pd.DataFrame:
    """One row per (agreement, beneficiary): the ``;``-joined list exploded; empty = every other partner.

    Returns columns ``alliance_id, agreement_id, owner, beneficiary``.
    """
    base = agreements[["alliance_id", "agreement_id", "owner", "beneficiaries"]]
    named = base[base["beneficiaries"] != ""].assign(
        beneficiary=lambda f: f["beneficiaries"].str.split(BENEFICIARY_SEPARATOR)
    )
    named = named.explode("beneficiary")[["alliance_id", "agreement_id", "owner", "beneficiary"]]
    everyone = base[base["beneficiaries"] == ""].merge(
        partners[["alliance_id", "partner_id"]].rename(columns={"partner_id": "beneficiary"}), on="alliance_id"
    )
    everyone = everyone[everyone["beneficiary"] != everyone["owner"]][
        ["alliance_id", "agreement_id", "owner", "beneficiary"]
    ]
    return pd.concat([named, everyone], ignore_index=True).astype("str")
