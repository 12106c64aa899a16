"""The domain: alliances, partners, sessions, agreements with their outcome history, trust ratings.

Two forms of the same record live here:

* typed, frozen dataclasses (:class:`Alliance`, :class:`Partner`, :class:`Session`, :class:`Agreement`,
  :class:`Outcome`, :class:`TrustRating`) for one entry at a time — a form, an API call;
* :class:`AllianceData`, one pandas DataFrame per table, for many at a time — an import, an export, the
  metrics. Its columns are the interchange format's (``../shared/CONTRACT.md``), with proper dtypes.

The columns, kinds and defaults are the contract's (:mod:`alliance_lens.domain.contract`), the checks its
value rules (:mod:`alliance_lens.domain.rules`). Validation speaks the facilitator's language: every
:class:`~alliance_lens.domain.problems.Problem` names the table, the row (as a person counts it), the column,
the value and the reason, in English or Dutch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from alliance_lens.domain import rules
from alliance_lens.domain.contract import (
    BENEFICIARY_SEPARATOR,
    CONTRACT,
    DEFAULT_TRUST_MAX,
    DEFAULT_TRUST_MIN,
    AgreementKind,
    Language,
    OutcomeStatus,
    SessionKind,
)
from alliance_lens.domain.problems import ValidationError

#: The tables of the interchange format, in dependency order, with their required and optional columns.
TABLES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    name: (t.required, t.optional) for name, t in CONTRACT.items()
}
#: Columns holding dates (``datetime64``, day precision; NaT where an optional date is absent).
DATE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {name: t.of_kind("date") for name, t in CONTRACT.items()}
#: Columns holding numbers (float64).
NUMBER_COLUMNS: Final[dict[str, tuple[str, ...]]] = {name: t.of_kind("number") for name, t in CONTRACT.items()}


# ---------------------------------------------------------------------------------------------- checks
# The value rules are the contract's (:mod:`alliance_lens.domain.rules`); an entity runs them on its fields.

Check = tuple[str, object, rules.Finding | None]


def _cells(table: str, entity: object) -> list[Check]:
    """The value rule of every column of ``table`` on the entity's field (lists and numbers are the caller's)."""
    return [
        (c.name, getattr(entity, c.name), rules.check_cell(c, getattr(entity, c.name)))
        for c in CONTRACT[table].columns
        if c.kind not in ("id_list", "number")
    ]


def _raise_if(table: str, checks: Iterable[Check]) -> None:
    problems = [rules.problem(table, None, c, v, f) for c, v, f in checks if f]
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
        scale = rules.check_scale(self.trust_min, self.trust_max)
        _raise_if("alliances", [*_cells("alliances", self), ("trust_max", self.trust_max, scale)])


@dataclass(frozen=True)
class Partner:
    """An organisation in an alliance; ``goals_shared_on``: when it shared its own goals, if it did."""

    alliance_id: str
    partner_id: str
    name: str
    goals_shared_on: dt.date | None = None

    def __post_init__(self) -> None:
        _raise_if("partners", _cells("partners", self))


@dataclass(frozen=True)
class Session:
    """A dated meeting of the alliance; ``dialogue`` sessions are conversations on shared beliefs."""

    alliance_id: str
    session_id: str
    date: dt.date
    title: str = ""
    kind: SessionKind = "meeting"

    def __post_init__(self) -> None:
        _raise_if("sessions", _cells("sessions", self))


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
        checks = _cells("agreements", self)
        if not isinstance(self.beneficiaries, tuple):
            checks.append(("beneficiaries", self.beneficiaries, ("beneficiary.not_tuple", {})))
        else:
            shown = BENEFICIARY_SEPARATOR.join(map(str, self.beneficiaries))
            checks += [("beneficiaries", b, rules.check_id(b, "beneficiary")) for b in self.beneficiaries]
            if self.owner in self.beneficiaries:
                checks.append(("beneficiaries", self.owner, ("beneficiary.owner", {"value": self.owner})))
            twice = [b for i, b in enumerate(self.beneficiaries) if b in self.beneficiaries[:i]]
            if twice:
                checks.append(("beneficiaries", shown, ("beneficiary.twice", {"value": twice[0]})))
        dates_ok = rules.check_date(self.made_on, "made_on") is None and rules.check_date(self.due_on, "due_on") is None
        if dates_ok and self.due_on < self.made_on:
            finding = ("agreement.due_before_made", {"due": self.due_on.isoformat(), "made": self.made_on.isoformat()})
            checks.append(("due_on", self.due_on.isoformat(), finding))
        _raise_if("agreements", checks)


@dataclass(frozen=True)
class Outcome:
    """One step in an agreement's status history; added, never overwritten."""

    alliance_id: str
    agreement_id: str
    date: dt.date
    status: OutcomeStatus
    note: str = ""

    def __post_init__(self) -> None:
        _raise_if("outcomes", _cells("outcomes", self))


@dataclass(frozen=True)
class TrustRating:
    """At a session, ``rater`` (optionally one named ``respondent`` of it) trusts ``ratee`` to ``score``.

    The score is on the alliance's own scale; that it lies within the scale is checked against the alliance
    (:func:`alliance_lens.domain.rules.check_score`), since a rating alone does not know its scale.
    """

    alliance_id: str
    session_id: str
    rater: str
    ratee: str
    score: float
    respondent: str = ""
    comment: str = ""

    def __post_init__(self) -> None:
        checks = _cells("trust_ratings", self)
        checks.append(("score", self.score, rules.check_score(self.score, -math.inf, math.inf)))
        if self.rater == self.ratee:
            checks.append(("ratee", self.ratee, ("rating.self", {"value": self.rater})))
        _raise_if("trust_ratings", checks)


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
    """Give ``frame`` exactly the table's columns, in order, with the contract's dtypes and defaults.

    Dates become ``datetime64[s]`` (``NaT`` where absent), numbers float64 (an absent scale bound its default),
    everything else ``str`` (absent text ``""``, an absent choice its default). The input must already hold
    valid values (see :func:`alliance_lens.interchange.validate_data`); this only shapes them.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for c in CONTRACT[table].columns:
        values = frame[c.name].to_numpy() if c.name in frame.columns else [None] * len(frame)
        series = pd.Series(values, index=out.index, dtype=object)
        if c.kind == "date":
            out[c.name] = pd.to_datetime(series, errors="raise").astype("datetime64[s]")
        elif c.kind == "number":
            numbers = pd.to_numeric(series, errors="raise").astype("float64")
            out[c.name] = numbers.fillna(c.default) if c.default is not None else numbers
        else:
            default_text = "" if c.default is None else str(c.default)
            filled = series.where(series.notna() & (series.astype(str) != ""), default_text)
            out[c.name] = filled.astype(str).astype("str")
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
