"""What is wrong with some input: :class:`Problem` (a code and its values, worded by the message catalogue).

A problem names the table, the row (as a person counts it), the column and the value; its ``code`` (e.g.
``text.control_char``, ``score.out_of_scale``) and ``values`` are worded by :func:`alliance_lens.messages.tr`
as ``problem.<code>`` in English or Dutch (:meth:`Problem.message`); a code of the ``file.`` section (a file's
shape: a header, an encoding, a limit) is its key as it is. ``reason`` keeps the English sentence, so a problem
prints the same wherever it is made. A :class:`UserError` made by :meth:`UserError.of` is worded the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self

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
            tr(_key(code), "en", **worded(values, "en")),
            severity,
            code,
            tuple(values.items()),
        )

    def message(self, lang: str = "en") -> str:
        """The reason in ``lang`` (``en`` or ``nl``): one plain sentence for a form beside its field."""
        if not self.code:
            return self.reason
        return tr(_key(self.code), lang, **worded(dict(self.values), lang))

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


def _key(code: str) -> str:
    """The catalogue key of a problem's code: ``problem.<code>``, or a ``file.`` code as it is."""
    return code if code.startswith("file.") else f"problem.{code}"


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
    as one plain sentence, never a traceback. One made by :meth:`of` carries its catalogue key and values, so
    :meth:`message` words it in Dutch too; its ``str`` is the English sentence.
    """

    key: str = ""
    values: dict[str, Any] = {}  # noqa: RUF012 (read-only default; :meth:`of` gives each error its own)

    @classmethod
    def of(cls, key: str, /, **values: Any) -> Self:
        """The error worded by the catalogue's ``key`` with ``values``.

        A value that is a :class:`UserError` (e.g. the reason a file was refused) is worded in the same language.
        """
        error = cls(tr(key, "en", **{k: str(v) if isinstance(v, UserError) else v for k, v in values.items()}))
        error.key, error.values = key, dict(values)
        return error

    def message(self, lang: str = "en") -> str:
        """The sentence in ``lang`` (``en`` or ``nl``); an error without a key has its English one only."""
        if not self.key:
            return str(self)
        return tr(
            self.key, lang, **{k: v.message(lang) if isinstance(v, UserError) else v for k, v in self.values.items()}
        )


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
