"""The analysts' and the layers' one import of the domain: ``from alliance_lens.model import ...``.

The domain lives in :mod:`alliance_lens.domain` — the contract declared once (``domain/contract.py``), its rules
with codes (``domain/rules.py``), problems worded by the catalogue (``domain/problems.py``), the entities and
:class:`AllianceData` (``domain/entities.py``). This module re-exports them under their old names; the
``check_*`` functions here give the reason as an English sentence (``None`` when the value is fine).
"""

from __future__ import annotations

from collections.abc import Sequence

from alliance_lens.domain import rules
from alliance_lens.domain.contract import (
    AGREEMENT_KINDS,
    BENEFICIARY_SEPARATOR,
    CONTRACT,
    DEFAULT_TRUST_MAX,
    DEFAULT_TRUST_MIN,
    LANGUAGES,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    OUTCOME_STATUSES,
    SESSION_KINDS,
    AgreementKind,
    Language,
    OutcomeStatus,
    SessionKind,
)
from alliance_lens.domain.entities import (
    DATE_COLUMNS,
    NUMBER_COLUMNS,
    TABLE_OF,
    TABLES,
    Agreement,
    Alliance,
    AllianceData,
    Entity,
    Outcome,
    Partner,
    Session,
    TrustRating,
    empty_frame,
    entity_to_row,
    normalise_frame,
    sort_outcomes,
)
from alliance_lens.domain.problems import Problem, UserError, ValidationError

__all__ = [
    "AGREEMENT_KINDS",
    "BENEFICIARY_SEPARATOR",
    "CONTRACT",
    "DATE_COLUMNS",
    "DEFAULT_TRUST_MAX",
    "DEFAULT_TRUST_MIN",
    "LANGUAGES",
    "MAX_ID_LENGTH",
    "MAX_TEXT_LENGTH",
    "NUMBER_COLUMNS",
    "OUTCOME_STATUSES",
    "SESSION_KINDS",
    "TABLES",
    "TABLE_OF",
    "Agreement",
    "AgreementKind",
    "Alliance",
    "AllianceData",
    "Entity",
    "Language",
    "Outcome",
    "OutcomeStatus",
    "Partner",
    "Problem",
    "Session",
    "SessionKind",
    "TrustRating",
    "UserError",
    "ValidationError",
    "check_choice",
    "check_id",
    "check_scale",
    "check_score",
    "check_text",
    "empty_frame",
    "entity_to_row",
    "normalise_frame",
    "sort_outcomes",
]


def check_id(value: object, column: str) -> str | None:
    """Why ``value`` is not a usable id, or ``None`` (:func:`alliance_lens.domain.rules.check_id`)."""
    return rules.reason(rules.check_id(value, column))


def check_text(value: object, column: str, *, required: bool) -> str | None:
    """Why ``value`` is not acceptable text, or ``None`` (:func:`alliance_lens.domain.rules.check_text`)."""
    return rules.reason(rules.check_text(value, column, required=required))


def check_choice(value: object, column: str, choices: Sequence[str]) -> str | None:
    """Why ``value`` is not one of ``choices``, or ``None``."""
    return rules.reason(rules.check_choice(value, column, choices))


def check_scale(trust_min: object, trust_max: object) -> str | None:
    """Why (trust_min, trust_max) is not a usable rating scale, or ``None``."""
    return rules.reason(rules.check_scale(trust_min, trust_max))


def check_score(score: object, trust_min: float, trust_max: float) -> str | None:
    """Why ``score`` is not a rating on the scale, or ``None``."""
    return rules.reason(rules.check_score(score, trust_min, trust_max))
