"""The rules of the contract, once, each with a code; worded by the catalogue as ``problem.<code>``.

Two kinds of rule:

* **value rules** — about one cell alone (:func:`check_cell` and the ``check_*`` functions below): an id's
  characters and length, text's control characters and length, a choice's vocabulary, a date, a number, the
  scale, a score on its scale. Both backends call the *same* functions: the entities' checks (one entry from a
  form or the API, :mod:`alliance_lens.domain.entities`) call them on each field, and the interchange checks
  (:func:`alliance_lens.interchange.validate_data`, vectorised over frames) call them once per distinct value
  of a column. So the two cannot disagree about a value (they did: a control character in a partner's name was
  accepted one entry at a time and refused in a file).
* **context rules** — about a row among others: uniqueness, references, a rating of oneself, a due date before
  the date made, the beneficiaries. Their codes and wording are shared here (:data:`CONTEXT_CODES`); they are
  run vectorised over frames for files (``interchange._check_all``) and per entry with lookups for a few entries
  (:func:`entry_problems`, fed by the store's queries). ``tests/test_rules.py`` proves the two backends give the
  same problems, over arbitrary text.

A finding is ``(code, values)``: the code names the rule, the values fill its message.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from alliance_lens.domain.contract import (
    BENEFICIARY_SEPARATOR,
    CONTRACT,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    Column,
)
from alliance_lens.domain.problems import Problem, worded
from alliance_lens.messages import tr

Finding = tuple[str, dict[str, Any]]

#: An id may hold neither the beneficiaries' separator nor a control character (nor DEL).
_ID_BAD: Final = re.compile(r"[;\x00-\x1f\x7f]")
#: Tab, newline and carriage return are fine in a note; other control characters cannot be stored in a workbook.
_TEXT_BAD: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: The codes of the context rules (what they say is in the catalogue, ``problem.<code>``).
CONTEXT_CODES: Final[tuple[str, ...]] = (
    "unique.repeated",
    "unique.exists",
    "unique.exists_in_alliance",
    "ref.alliance",
    "ref.partner",
    "ref.session",
    "ref.agreement",
    "name.repeated",
    "name.exists",
    "rating.self",
    "agreement.due_before_made",
    "beneficiary.owner",
    "beneficiary.twice",
    "beneficiary.unknown",
)


def name_key(name: str) -> str:
    """What tells two partner names apart: not capitals, not spaces ("Kestrel  cells " is "Kestrel Cells")."""
    return " ".join(name.split()).casefold()


def fmt_number(x: float) -> str:
    """A number as a person writes it: ``5`` not ``5.0``, ``2.5`` as is."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ---------------------------------------------------------------------------------------------- value rules


def check_id(value: object, column: str) -> Finding | None:
    """Why ``value`` is not a usable id (``id.*``, ``value.empty``, ``value.too_long``), or ``None``."""
    if not isinstance(value, str):
        return "id.not_text", {"column": column, "type": type(value).__name__}
    if not value.strip():
        return "value.empty", {"column": column}
    if value != value.strip():
        return "id.spaces", {"column": column, "value": value}
    if len(value) > MAX_ID_LENGTH:
        return "value.too_long", {"column": column, "n": MAX_ID_LENGTH, "length": len(value)}
    if _ID_BAD.search(value):
        return "id.bad_char", {"column": column, "value": value}
    return None


def check_text(value: object, column: str, *, required: bool, limit: int = MAX_TEXT_LENGTH) -> Finding | None:
    """Why ``value`` is not acceptable text (``text.*``, ``value.*``), or ``None``; ``limit``: its longest length."""
    if not isinstance(value, str):
        return "text.not_text", {"column": column}
    if len(value) > limit:
        return "value.too_long", {"column": column, "n": limit, "length": len(value)}
    if _TEXT_BAD.search(value):
        return "text.control_char", {"column": column}
    if required and not value.strip():
        return "value.empty", {"column": column}
    return None


def check_choice(value: object, column: str, choices: Sequence[str]) -> Finding | None:
    """Why ``value`` is not one of ``choices`` (``choice.unknown``), or ``None``."""
    if value not in choices:
        return "choice.unknown", {"column": column, "value": value, "choices": ", ".join(choices)}
    return None


def check_date(value: object, column: str) -> Finding | None:
    """Why ``value`` is not a day (``date.not_a_date``), or ``None``."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return "date.not_a_date", {"column": column, "value": value}
    return None


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))


def check_scale(trust_min: object, trust_max: object) -> Finding | None:
    """Why (trust_min, trust_max) is not a usable rating scale (``scale.*``), or ``None``."""
    for v in (trust_min, trust_max):
        if not _is_number(v):
            return "scale.not_a_number", {"value": v}
    assert isinstance(trust_min, int | float) and isinstance(trust_max, int | float)
    if trust_min >= trust_max:
        return "scale.order", {"lo": fmt_number(trust_min), "hi": fmt_number(trust_max)}
    return None


def check_score(score: object, trust_min: float, trust_max: float) -> Finding | None:
    """Why ``score`` is not a rating on the scale (``score.*``), or ``None``."""
    if not _is_number(score):
        return "score.not_a_number", {"value": score}
    assert isinstance(score, int | float)
    if not trust_min <= score <= trust_max:
        return "score.out_of_scale", {
            "score": fmt_number(float(score)),
            "lo": fmt_number(trust_min),
            "hi": fmt_number(trust_max),
        }
    return None


def check_cell(column: Column, value: object) -> Finding | None:
    """The value rule of ``column``'s kind on ``value`` (a typed value: str, date, float).

    Numbers and dates are only checked for being what they are here; the scale and the score are rules of
    their row (:func:`check_scale`, :func:`check_score`).
    """
    if column.kind == "id":
        return check_id(value, column.name)
    if column.kind == "text":
        return check_text(value, column.name, required=column.required, limit=column.max_length or MAX_TEXT_LENGTH)
    if column.kind == "choice":
        return check_choice(value, column.name, column.choices)
    if column.kind == "date":
        if value is None and not column.required:
            return None
        return check_date(value, column.name)
    return None


def reason(finding: Finding | None, lang: str = "en") -> str | None:
    """The finding as one sentence in ``lang`` (``None`` stays ``None``)."""
    if finding is None:
        return None
    code, values = finding
    return tr(f"problem.{code}", lang, **worded(values, lang))


def problem(table: str, row: int | None, column: str | None, value: object, finding: Finding) -> Problem:
    """The :class:`Problem` of ``finding`` at this place."""
    code, values = finding
    return Problem.of(table, row, column, value, code, **values)


# ---------------------------------------------------------------------------------------------- per entry


@dataclass
class Lookups:
    """What the per-entry backend needs to know of the workspace, as sets (the store fills them by queries).

    ``scales``: alliance id → (trust_min, trust_max) of alliances in the workspace; ``keys``: table name →
    the (alliance_id, id) pairs it already holds (partners, sessions, and the agreements the entries name);
    ``partner_names``: (alliance_id, partner_id) → name of the partners it holds.
    """

    scales: dict[str, tuple[float, float]] = field(default_factory=dict)
    keys: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    partner_names: dict[tuple[str, str], str] = field(default_factory=dict)


_REF_CODE: Final[dict[str, str]] = {
    "partners": "ref.partner",
    "sessions": "ref.session",
    "agreements": "ref.agreement",
}


def entry_problems(items: Sequence[tuple[str, Mapping[str, Any]]], lookups: Lookups) -> list[Problem]:
    """The context rules over a few entries, as ``(table, row)`` pairs (rows from entities, values checked).

    Row numbers are positions from 1 in ``items``; the problems are those the vectorised backend finds for the
    same entries as frames (:func:`alliance_lens.interchange.validate_data`), in the same words.
    """
    new = {r["alliance_id"]: r for t, r in items if t == "alliances"}
    in_db = set(lookups.scales)
    scales = dict(lookups.scales)
    for a, r in new.items():
        if check_scale(r["trust_min"], r["trust_max"]) is None:
            scales[a] = (float(r["trust_min"]), float(r["trust_max"]))
    known_alliances = in_db | set(new)
    stored = {name: lookups.keys.get(name, set()) for name in _REF_CODE}
    known = {name: set(keys) for name, keys in stored.items()}
    for t, r in items:
        id_column = CONTRACT[t].id_column
        if t in known and id_column and r["alliance_id"] in known_alliances:
            known[t].add((r["alliance_id"], r[id_column]))

    problems: list[Problem] = []
    first: dict[tuple[str, str, str], int] = {}
    # partner names already taken, by (alliance, name_key): the name as it stands (entries do not replace rows)
    taken: dict[tuple[str, str], str] = {}
    for (a, _p), n in sorted(lookups.partner_names.items(), key=lambda item: (item[0][0], item[1])):
        taken.setdefault((a, name_key(n)), n)
    first_name: dict[tuple[str, str], int] = {}

    def add(t: str, row: int, column: str, value: object, code: str, /, **values: Any) -> None:
        problems.append(Problem.of(t, row, column, value, code, **values))

    for row, (t, r) in enumerate(items, start=1):
        spec = CONTRACT[t]
        a = r["alliance_id"]
        if t == "alliances":
            if ("alliances", a, "") in first:
                add(t, row, "alliance_id", a, "unique.repeated", what="alliance", value=a, first=first[t, a, ""])
            first.setdefault((t, a, ""), row)
            continue
        if a not in known_alliances:
            add(t, row, "alliance_id", a, "ref.alliance", value=a)
            continue
        if spec.id_column:
            column, value = spec.id_column, r[spec.id_column]
            if (t, a, value) in first:
                add(t, row, column, value, "unique.repeated", what=spec.noun, value=value, first=first[t, a, value])
            elif (a, value) in stored[t]:
                add(t, row, column, value, "unique.exists_in_alliance", what=spec.noun, value=value, alliance=a)
            first.setdefault((t, a, value), row)
        if t == "partners" and check_cell(spec.column("name"), r["name"]) is None:
            name = str(r["name"])
            k = (a, name_key(name))
            if k in first_name:
                add(t, row, "name", name, "name.repeated", value=name, first=first_name[k])
            elif k in taken:
                add(t, row, "name", name, "name.exists", value=name, other=taken[k], alliance=a)
            first_name.setdefault(k, row)
        for c in spec.columns:
            if c.references not in _REF_CODE or c.name == spec.id_column:
                continue
            ref = c.references
            if c.kind == "id":
                v = r[c.name]
                if (a, v) not in known[ref]:
                    add(t, row, c.name, v, _REF_CODE[ref], column=c.name, value=v, alliance=a)
        if t == "agreements" and (a, r["owner"]) in known["partners"]:
            named = [b for b in str(r["beneficiaries"]).split(BENEFICIARY_SEPARATOR) if b]
            for b in named:
                if (a, b) not in known["partners"]:
                    add(t, row, "beneficiaries", r["beneficiaries"], "beneficiary.unknown", value=b, alliance=a)
                    break
        if t == "trust_ratings" and a in scales:
            finding = check_score(r["score"], *scales[a])
            if finding:
                problems.append(problem(t, row, "score", float(r["score"]), finding))
    return problems


def codes_in(problems: Iterable[Problem]) -> set[str]:
    """The codes of ``problems`` (for tests and summaries)."""
    return {p.code for p in problems}
