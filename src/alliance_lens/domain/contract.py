"""The data contract, declared once: every table of the interchange format, its columns and their vocabularies.

Everything else is derived from :data:`CONTRACT`: the entities' checks and the rules (:mod:`.rules`), the
frames' columns, dtypes and defaults (:func:`alliance_lens.model.normalise_frame`), the interchange reader's
parsing and checks, the SQLAlchemy tables of the store (:mod:`alliance_lens.store.schema`), and the
vocabularies the metrics and the charts count with. ``CONTRACT.md`` section 1 is its promise in prose.

A column has one *kind*:

* ``id`` — a short name (at most :data:`MAX_ID_LENGTH` characters, no ``;``, no control character, no spaces at
  its ends); a ``references`` column names a row of another table of the same alliance;
* ``text`` — free text (tab and line breaks allowed), at most its column's ``limit`` in characters: a partner's
  name :data:`MAX_NAME_LENGTH`, an alliance's name and a session's title :data:`MAX_TITLE_LENGTH`, an agreement's
  text :data:`MAX_AGREEMENT_LENGTH`, notes and comments :data:`MAX_TEXT_LENGTH`;
* ``id_list`` — ids joined by ``;`` (``agreements.beneficiaries``);
* ``date`` — a day (``YYYY-MM-DD``);
* ``number`` — a finite number;
* ``choice`` — one word of the column's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

ColumnKind = Literal["id", "text", "id_list", "date", "number", "choice"]

AgreementKind = Literal["content", "process"]
OutcomeStatus = Literal["kept", "kept_late", "renegotiated", "broken", "dropped"]
SessionKind = Literal["meeting", "workshop", "dialogue"]
Language = Literal["en", "nl"]

AGREEMENT_KINDS: Final[tuple[str, ...]] = get_args(AgreementKind)
#: The statuses an outcome may record, in the order the metrics code them (an agreement with none is open).
OUTCOME_STATUSES: Final[tuple[str, ...]] = get_args(OutcomeStatus)
SESSION_KINDS: Final[tuple[str, ...]] = get_args(SessionKind)
LANGUAGES: Final[tuple[str, ...]] = get_args(Language)

#: The state patterns of a partner at its latest session (``patterns --json``'s ``pattern``), then the event.
STATE_PATTERNS: Final[tuple[str, ...]] = ("earned_trust", "trust_lags", "blind_trust", "distrust")
EVENT_PATTERNS: Final[tuple[str, ...]] = ("trust_shock",)

DEFAULT_TRUST_MIN: Final = 1.0
DEFAULT_TRUST_MAX: Final = 5.0
MAX_ID_LENGTH: Final = 64
#: The longest notes and comments (and any text column without a bound of its own), in characters.
MAX_TEXT_LENGTH: Final = 2000
#: The longest partner name (and respondent): it must fit a chart's axis, a headline row and a grid header.
MAX_NAME_LENGTH: Final = 80
#: The longest alliance name and session title: a page's heading and a dropdown's option.
MAX_TITLE_LENGTH: Final = 120
#: The longest agreement text (its title): one line of the outcome list and a tooltip.
MAX_AGREEMENT_LENGTH: Final = 200
#: Separator of partner ids in ``agreements.beneficiaries`` (empty = every other partner).
BENEFICIARY_SEPARATOR: Final = ";"


@dataclass(frozen=True)
class Column:
    """One column of a table: its kind, whether a row needs it, what it holds when left out."""

    name: str
    kind: ColumnKind
    #: a required column must be in a file's header; a required value must not be empty
    required: bool = False
    #: the value of an optional column left empty (``None``: empty text, ``NaT``, or no default)
    default: str | float | None = None
    #: for ``choice``: the words allowed
    choices: tuple[str, ...] = ()
    #: for ``id``/``id_list`` that name another table's row in the same alliance: that table
    references: str | None = None
    #: for ``text``: the longest value, in characters (``None``: :data:`MAX_TEXT_LENGTH`)
    limit: int | None = None

    @property
    def max_length(self) -> int | None:
        """Longest value, in characters (ids and text; ``None`` for the other kinds)."""
        if self.kind == "id":
            return MAX_ID_LENGTH
        return (self.limit or MAX_TEXT_LENGTH) if self.kind == "text" else None


@dataclass(frozen=True)
class Table:
    """One table of the contract: its columns in the format's order and its keys."""

    name: str
    columns: tuple[Column, ...]
    #: the column naming a row, unique within its alliance (``None``: rows are only appended, never named)
    id_column: str | None = None
    #: what one row is called in a message ("partner", "session", …)
    noun: str = ""

    @property
    def key(self) -> tuple[str, ...]:
        """The natural key: ``alliance_id`` and the id column (``alliance_id`` alone for alliances)."""
        if self.id_column is None:
            return ()
        return ("alliance_id",) if self.id_column == "alliance_id" else ("alliance_id", self.id_column)

    def column(self, name: str) -> Column:
        """The column ``name`` (``KeyError`` if the table has none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        """Every column name, in the format's order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a file's header must have."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        """The columns a file's header may leave out."""
        return tuple(c.name for c in self.columns if not c.required)

    def of_kind(self, *kinds: ColumnKind) -> tuple[str, ...]:
        """The columns of the given kinds, in order."""
        return tuple(c.name for c in self.columns if c.kind in kinds)


def _id(name: str, references: str | None = None) -> Column:
    return Column(name, "id", required=True, references=references)


def _text(name: str, *, required: bool = False, limit: int | None = None) -> Column:
    return Column(name, "text", required=required, default=None if required else "", limit=limit)


_ALLIANCE = _id("alliance_id", "alliances")

#: The tables of the interchange format, in dependency order (parents first).
CONTRACT: Final[dict[str, Table]] = {
    t.name: t
    for t in (
        Table(
            "alliances",
            (
                Column("alliance_id", "id", required=True),
                _text("name", required=True, limit=MAX_TITLE_LENGTH),
                Column("trust_min", "number", default=DEFAULT_TRUST_MIN),
                Column("trust_max", "number", default=DEFAULT_TRUST_MAX),
                Column("language", "choice", default="en", choices=LANGUAGES),
            ),
            id_column="alliance_id",
            noun="alliance",
        ),
        Table(
            "partners",
            (
                _ALLIANCE,
                _id("partner_id"),
                _text("name", required=True, limit=MAX_NAME_LENGTH),
                Column("goals_shared_on", "date"),
            ),
            id_column="partner_id",
            noun="partner",
        ),
        Table(
            "sessions",
            (
                _ALLIANCE,
                _id("session_id"),
                Column("date", "date", required=True),
                _text("title", limit=MAX_TITLE_LENGTH),
                Column("kind", "choice", default="meeting", choices=SESSION_KINDS),
            ),
            id_column="session_id",
            noun="session",
        ),
        Table(
            "agreements",
            (
                _ALLIANCE,
                _id("agreement_id"),
                _text("title", required=True, limit=MAX_AGREEMENT_LENGTH),
                Column("kind", "choice", required=True, choices=AGREEMENT_KINDS),
                _id("owner", "partners"),
                Column("made_on", "date", required=True),
                Column("due_on", "date", required=True),
                Column("beneficiaries", "id_list", default="", references="partners"),
                _text("note"),
            ),
            id_column="agreement_id",
            noun="agreement",
        ),
        Table(
            "outcomes",
            (
                _ALLIANCE,
                _id("agreement_id", "agreements"),
                Column("date", "date", required=True),
                Column("status", "choice", required=True, choices=OUTCOME_STATUSES),
                _text("note"),
            ),
            noun="outcome",
        ),
        Table(
            "trust_ratings",
            (
                _ALLIANCE,
                _id("session_id", "sessions"),
                _id("rater", "partners"),
                _id("ratee", "partners"),
                Column("score", "number", required=True),
                _text("respondent", limit=MAX_NAME_LENGTH),
                _text("comment"),
            ),
            noun="trust rating",
        ),
    )
}


def table(name: str) -> Table:
    """The contract's table ``name`` (a clear ``KeyError`` naming the tables otherwise)."""
    try:
        return CONTRACT[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; tables are {', '.join(CONTRACT)}") from None
