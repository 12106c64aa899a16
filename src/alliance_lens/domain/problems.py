"""What is wrong with some input: :class:`Problem` (a code and its values, worded by the message catalogue).

A problem names the table, the row (as a person counts it), the column and the value; its ``code`` (e.g.
``text.control_char``, ``score.out_of_scale``) and ``values`` are worded by :func:`alliance_lens.messages.tr`
as ``problem.<code>`` in English or Dutch (:meth:`Problem.message`). ``reason`` keeps the English sentence, so
a problem prints the same wherever it is made. Problems of a file's shape (a header, an encoding) made by the
reader may carry no code: their ``reason`` is their only wording.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from alliance_lens.messages import tr

Severity = Literal["error", "warning"]


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
    severity: Severity = "error"
    #: the rule broken (``problem.<code>`` in the catalogue); empty for a reader's problem with a file's shape
    code: str = field(default="", compare=False)
    #: the values the message is filled with
    values: tuple[tuple[str, Any], ...] = field(default=(), compare=False, hash=False)

    @classmethod
    def of(
        cls,
        table: str,
        row: int | None,
        column: str | None,
        value: object,
        code: str,
        /,
        *,
        severity: Severity = "error",
        **values: Any,
    ) -> Problem:
        """The problem ``code`` (worded by ``problem.<code>`` with ``values``) at this place."""
        return cls(
            table,
            row,
            column,
            value,
            tr(f"problem.{code}", "en", **worded(values, "en")),
            severity,
            code,
            tuple(values.items()),
        )

    def message(self, lang: str = "en") -> str:
        """The reason in ``lang`` (``en`` or ``nl``): one plain sentence for a form beside its field."""
        if not self.code:
            return self.reason
        return tr(f"problem.{self.code}", lang, **worded(dict(self.values), lang))

    def text(self, lang: str = "en") -> str:
        """Where and what, in ``lang``: ``partners.csv row 3, column name (value 'x'): …``."""
        where = self.table
        if self.row is not None:
            where += tr("problem.where_row", lang, row=self.row)
        if self.column:
            where += tr("problem.where_column", lang, column=self.column)
        shown = "" if self.value is None else tr("problem.where_value", lang, value=_show(self.value))
        return f"{where}{shown}: {self.message(lang)}"

    def __str__(self) -> str:
        return self.text("en")


def worded(values: dict[str, Any], lang: str) -> dict[str, Any]:
    """A finding's values for its message: the column and the kind of row in users' words, in ``lang``.

    ``column`` ``agreement_id`` reads "the agreement id" ("het afspraak-id"), ``what`` ``partner`` "partner id";
    a column the catalogue has no words for (``field.<column>``) is named as it is.
    """
    out = dict(values)
    for key, prefix in (("column", "field"), ("what", "noun")):
        name = out.get(key)
        if isinstance(name, str):
            with contextlib.suppress(KeyError):
                out[key] = tr(f"{prefix}.{name}", lang)
    return out


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


#: How much of a value a problem repeats: enough to find it, never a page of it.
SHOWN_CHARACTERS = 60


def _show(value: object) -> str:
    if isinstance(value, str):
        if len(value) > SHOWN_CHARACTERS:
            return repr(value[: SHOWN_CHARACTERS - 1]) + "…"
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
