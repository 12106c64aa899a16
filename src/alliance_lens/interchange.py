"""The interchange format: a folder of CSV files or one ``.xlsx`` workbook ⇄ :class:`~alliance_lens.model.AllianceData`.

The format is the product's promise to facilitators (``CONTRACT.md`` section 1). Reading checks *every* row of
*every* table before anything is accepted, and reports each problem with the file (or sheet), the row as a
person sees it (the CSV line with the header as line 1, or the spreadsheet row), the column, the value and the
reason. Checks are vectorised with pandas, so a large alliance (140,000 ratings) is checked in well under a
second; only the rows found wrong are looked at one by one, to word their messages.

References are checked across the tables being read and against what the workspace already holds (the
``existing`` argument): files without an ``alliances`` table may add partners, sessions, agreements, outcomes
and ratings to an alliance that is already in the workspace. An alliance that *is* defined in the files stands
alone: its rows are checked against each other only (the store decides whether it may replace one in the
workspace).

:func:`validate_data` runs the same checks on data that is already typed (entries made through the API), so the
store and the importer agree on what is acceptable.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from alliance_lens.domain import rules
from alliance_lens.domain.contract import (
    BENEFICIARY_SEPARATOR,
    CONTRACT,
    DEFAULT_TRUST_MAX,
    DEFAULT_TRUST_MIN,
)
from alliance_lens.domain.rules import Finding
from alliance_lens.model import (
    DATE_COLUMNS,
    NUMBER_COLUMNS,
    TABLES,
    AllianceData,
    Problem,
    UserError,
    ValidationError,
    empty_frame,
)

__all__ = ["ReadResult", "read_path", "validate_data", "write_path"]

# The columns, kinds, vocabularies and defaults are the contract's (alliance_lens.domain.contract); the value
# rules are alliance_lens.domain.rules', run here once per distinct value of a column (the vectorised backend).

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_KEY_SEP = "\x1f"  # cannot occur in a valid id
# Whole numbers in a date column of a workbook are read as Excel serial dates when they fall in this range
# (1950-01-01 .. 2100-12-31): a date cell whose date format was lost. Other numbers are refused.
_EXCEL_SERIAL_RANGE: Final = (18264, 73415)
_EXCEL_EPOCH: Final = dt.date(1899, 12, 30)


@dataclass
class ReadResult:
    """What :func:`read_path` found: the data, and warnings that did not stop it (e.g. unknown columns)."""

    data: AllianceData
    warnings: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- checking


@dataclass
class _Table:
    """One table on its way through the checks: its cells, where each row came from, what was reported."""

    name: str
    label: str  # as the user knows it: "partners.csv", or the sheet name
    frame: pd.DataFrame
    rows: np.ndarray[Any, np.dtype[np.int64]]
    reported: dict[str, np.ndarray[Any, np.dtype[np.bool_]]] = field(default_factory=dict)

    def done(self, column: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Cells of ``column`` already reported (a second problem about the same cell would be noise)."""
        if column not in self.reported:
            self.reported[column] = np.zeros(len(self.frame), dtype=bool)
        return self.reported[column]


def _shown(value: object) -> object:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.date().isoformat()
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NaT:
        return ""
    return value


class _Report:
    """Collects problems; ``emit`` turns a mask of bad cells into one problem per bad cell."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def emit(
        self,
        t: _Table,
        column: str,
        mask: pd.Series | np.ndarray[Any, np.dtype[np.bool_]],
        finding: Finding | Callable[[Any, int], Finding],
        *,
        values: Sequence[Any] | pd.Series | None = None,
    ) -> None:
        bad = np.asarray(mask, dtype=bool) & ~t.done(column)
        if not bad.any():
            return
        shown = t.frame[column] if values is None else values
        for i in np.flatnonzero(bad):
            value = _shown(shown.iloc[i] if isinstance(shown, pd.Series) else shown[int(i)])
            why = finding if isinstance(finding, tuple) else finding(value, int(i))
            self.problems.append(rules.problem(t.label, int(t.rows[i]), column, value, why))
        t.done(column)[bad] = True

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)


def _key(frame: pd.DataFrame, *columns: str) -> pd.Series:
    """One string per row joining the given id columns (for vectorised membership tests)."""
    out = frame[columns[0]].astype(str)
    for c in columns[1:]:
        out = out + _KEY_SEP + frame[c].astype(str)
    return out.reset_index(drop=True)


def _per_value(values: pd.Series | Sequence[Any], fn: Callable[[Any], Any]) -> np.ndarray[Any, Any]:
    """``fn`` (a finding or ``None``) for every row, computed once per distinct value (ids and dates repeat a lot)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    reasons = np.empty(len(uniques) + 1, dtype=object)
    reasons[:] = [fn(u) for u in uniques] + [None]  # element-wise: a finding is a tuple, not a row of cells
    return reasons[codes] if len(codes) else np.array([], dtype=object)


def _emit_reasons(
    report: _Report, t: _Table, column: str, reasons: np.ndarray[Any, Any], values: pd.Series | None = None
) -> None:
    mask = np.array([r is not None for r in reasons], dtype=bool) if len(reasons) else np.zeros(0, dtype=bool)
    report.emit(t, column, mask, lambda _v, i: reasons[i], values=values)


def _id_rule(value: object, column: str) -> Finding | None:
    # an empty cell of a file arrives as NaN or None: it is empty, not "not text"
    if not isinstance(value, str):
        return "value.empty", {"column": column}
    return rules.check_id(value, column)


def _check_values(report: _Report, t: _Table) -> None:
    """The contract's value rule of each id, text and choice column, once per distinct value."""
    for c in CONTRACT[t.name].columns:
        if c.kind == "id":
            rule: Callable[[Any], Finding | None] = functools.partial(_id_rule, column=c.name)
        elif c.kind in ("text", "choice"):
            rule = functools.partial(rules.check_cell, c)
        else:
            continue  # dates and numbers were parsed by _typed; id lists are checked with their agreement
        _emit_reasons(report, t, c.name, _per_value(t.frame[c.name], rule))


def _valid(t: _Table, *columns: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows whose given cells were not reported (so a reference check on them means something)."""
    ok = np.ones(len(t.frame), dtype=bool)
    for c in columns:
        ok &= ~t.done(c)
    return ok


def _check_unique(
    report: _Report, t: _Table, column: str, what: str, in_workspace: pd.Series, scope: tuple[str, ...]
) -> None:
    """``column`` (within ``scope``) must be unique in the input and new to the workspace."""
    cols = (*scope, column)
    key = _key(t.frame, *cols)
    ok = _valid(t, *cols)
    dup = key.duplicated(keep="first").to_numpy() & ok
    if dup.any():
        first_row = pd.Series(t.rows).groupby(key.to_numpy()).transform("first").to_numpy()
        report.emit(
            t, column, dup, lambda v, i: ("unique.repeated", {"what": what, "value": v, "first": int(first_row[i])})
        )
    clash = key.isin(in_workspace).to_numpy() & ok
    report.emit(
        t,
        column,
        clash,
        lambda v, i: (
            ("unique.exists", {"what": what, "value": v})
            if not scope
            else ("unique.exists_in_alliance", {"what": what, "value": v, "alliance": t.frame["alliance_id"].iat[i]})
        ),
    )


def _check_partner_names(report: _Report, t: _Table, stored: pd.DataFrame) -> None:
    """A partner's name must tell it apart within its alliance: not repeated, not taken (capitals and spaces aside)."""
    f = t.frame
    ok = _valid(t, "alliance_id", "name")
    names = f["name"].astype(str).reset_index(drop=True)
    keys = (f["alliance_id"].astype(str).reset_index(drop=True) + _KEY_SEP + names.map(rules.name_key)).where(ok)
    rows = pd.Series(t.rows)
    dup = keys.duplicated(keep="first").to_numpy() & ok
    first_row = rows.groupby(keys.to_numpy()).transform("first").to_numpy() if ok.any() else rows.to_numpy()
    report.emit(t, "name", dup, lambda v, i: ("name.repeated", {"value": v, "first": int(first_row[i])}))
    taken: dict[str, str] = {}
    for a, n in sorted(zip(stored["alliance_id"].astype(str), stored["name"].astype(str), strict=True)):
        taken.setdefault(a + _KEY_SEP + rules.name_key(n), n)
    clash = keys.isin(list(taken)).to_numpy() & ok & ~dup
    report.emit(
        t,
        "name",
        clash,
        lambda v, i: (
            "name.exists",
            {"value": v, "other": taken[str(keys.iat[i])], "alliance": str(f["alliance_id"].iat[i])},
        ),
    )


def _check_refs(report: _Report, t: _Table, column: str, known: pd.Series) -> None:
    """``(alliance_id, column)`` must name a row of the table ``column`` references, in that alliance."""
    code = {"partners": "ref.partner", "sessions": "ref.session", "agreements": "ref.agreement"}[
        str(CONTRACT[t.name].column(column).references)
    ]
    ok = _valid(t, "alliance_id", column)
    missing = ~_key(t.frame, "alliance_id", column).isin(known).to_numpy() & ok
    report.emit(
        t,
        column,
        missing,
        lambda v, i: (code, {"column": column, "value": v, "alliance": str(t.frame["alliance_id"].iat[i])}),
    )


def _dates_in_order(report: _Report, t: _Table) -> None:
    made, due = t.frame["made_on"], t.frame["due_on"]
    bad = (due < made).to_numpy() & _valid(t, "made_on", "due_on")
    report.emit(
        t,
        "due_on",
        bad,
        lambda v, i: ("agreement.due_before_made", {"due": v, "made": _shown(made.to_numpy()[i])}),
    )


def _check_beneficiaries(report: _Report, t: _Table, known_partners: set[str]) -> None:
    f = t.frame
    alliances, owners = f["alliance_id"].astype(str).tolist(), f["owner"].astype(str).tolist()
    lists = f["beneficiaries"].astype(str).tolist()
    usable = _valid(t, "alliance_id", "owner")
    reasons: dict[int, Finding] = {}
    for i, named in enumerate(lists):
        if not named or not usable[i]:
            continue
        alliance, owner = alliances[i], owners[i]
        seen: set[str] = set()
        for b in named.split(BENEFICIARY_SEPARATOR):
            why = rules.check_id(b, "beneficiary")
            if why is None and b == owner:
                why = "beneficiary.owner", {"value": owner}
            elif why is None and b in seen:
                why = "beneficiary.twice", {"value": b}
            elif why is None and alliance + _KEY_SEP + b not in known_partners:
                why = "beneficiary.unknown", {"value": b, "alliance": alliance}
            seen.add(b)
            if why:
                reasons[i] = why
                break
    mask = np.zeros(len(f), dtype=bool)
    mask[list(reasons)] = True
    report.emit(t, "beneficiaries", mask, lambda _v, i: reasons[i])


def _scale_of(alliances: pd.DataFrame) -> dict[str, tuple[float, float]]:
    return {
        str(a): (float(lo), float(hi))
        for a, lo, hi in zip(alliances["alliance_id"], alliances["trust_min"], alliances["trust_max"], strict=True)
        if not (pd.isna(lo) or pd.isna(hi)) and lo < hi
    }


def _check_scores(report: _Report, t: _Table, scales: dict[str, tuple[float, float]]) -> None:
    f = t.frame
    score = pd.to_numeric(f["score"], errors="coerce").astype("float64")
    report.emit(
        t,
        "score",
        score.isna() | ~np.isfinite(score.fillna(0.0)),
        lambda v, _i: ("score.not_a_number", {"value": v}),
    )
    lo = f["alliance_id"].map({a: s[0] for a, s in scales.items()}).astype("float64")
    hi = f["alliance_id"].map({a: s[1] for a, s in scales.items()}).astype("float64")
    outside = ((score < lo) | (score > hi)).to_numpy() & _valid(t, "alliance_id")
    report.emit(
        t,
        "score",
        outside,
        lambda _v, i: (
            rules.check_score(float(score.to_numpy()[i]), float(lo.to_numpy()[i]), float(hi.to_numpy()[i]))
            or ("score.not_a_number", {"value": _v})
        ),
        values=score,
    )


def _check_all(tables: dict[str, _Table], existing: AllianceData | None, report: _Report) -> None:
    """The checks of every table, in dependency order; ``tables`` hold typed frames."""
    for t in tables.values():
        _check_values(report, t)

    al = tables["alliances"]
    lo, hi = al.frame["trust_min"], al.frame["trust_max"]
    bad_scale = (lo >= hi).to_numpy() & _valid(al, "trust_min", "trust_max")
    report.emit(
        al,
        "trust_max",
        bad_scale,
        lambda v, i: ("scale.order", {"lo": f"{lo.iat[i]:g}", "hi": f"{hi.iat[i]:g}"}),
    )

    defined = set(al.frame["alliance_id"].astype(str))
    ctx = existing.select(set(existing.alliances["alliance_id"]) - defined) if existing is not None else AllianceData()
    empty = pd.Series([], dtype=str)
    _check_unique(report, al, "alliance_id", "alliance", empty, ())
    known_alliances = set(defined) | set(ctx.alliances["alliance_id"].astype(str))
    scales = _scale_of(ctx.alliances) | _scale_of(al.frame[_valid(al, "alliance_id", "trust_min", "trust_max")])

    for t in list(tables.values())[1:]:
        ok = _valid(t, "alliance_id")
        unknown = ~t.frame["alliance_id"].isin(known_alliances).to_numpy() & ok
        report.emit(
            t,
            "alliance_id",
            unknown,
            lambda v, _i: ("ref.alliance", {"value": v}),
        )

    def keys(name: str, column: str) -> pd.Series:
        t = tables[name]
        mine = _key(t.frame, "alliance_id", column)[_valid(t, "alliance_id", column)]
        return pd.concat([mine, _key(ctx.table(name), "alliance_id", column)], ignore_index=True)

    for name, column, what in (
        ("partners", "partner_id", "partner"),
        ("sessions", "session_id", "session"),
        ("agreements", "agreement_id", "agreement"),
    ):
        _check_unique(
            report, tables[name], column, what, _key(ctx.table(name), "alliance_id", column), ("alliance_id",)
        )

    _check_partner_names(report, tables["partners"], ctx.partners)

    partners = keys("partners", "partner_id")
    sessions = keys("sessions", "session_id")
    agreements = keys("agreements", "agreement_id")

    ag = tables["agreements"]
    _check_refs(report, ag, "owner", partners)
    _dates_in_order(report, ag)
    _check_beneficiaries(report, ag, set(partners))

    oc = tables["outcomes"]
    _check_refs(report, oc, "agreement_id", agreements)

    tr = tables["trust_ratings"]
    for column in ("session_id", "rater", "ratee"):
        _check_refs(report, tr, column, sessions if column == "session_id" else partners)
    itself = (tr.frame["rater"] == tr.frame["ratee"]).to_numpy() & _valid(tr, "rater")
    report.emit(tr, "ratee", itself, lambda v, _i: ("rating.self", {"value": v}))
    _check_scores(report, tr, scales)


def validate_data(
    data: AllianceData, existing: AllianceData | None = None, *, rows: Mapping[str, Sequence[int]] | None = None
) -> list[Problem]:
    """Every problem with ``data`` as new entries for a workspace holding ``existing`` (may be ``None``).

    The same checks as an import: ids, text, choices, scales, uniqueness (within ``data`` and against
    ``existing``), references (within ``data`` and into ``existing``), self-ratings, due dates before the date
    made. Alliances defined in ``data.alliances`` stand alone (``existing`` rows of them are ignored); rows of
    other alliances are checked against ``existing``. ``rows`` gives the row number of each row per table
    (default: its position from 1). Returns an empty list when all is well.
    """
    report = _Report()
    tables: dict[str, _Table] = {}
    for name, frame in data.tables().items():
        f = frame.reset_index(drop=True)
        numbers = np.asarray(rows[name], dtype=np.int64) if rows and name in rows else np.arange(1, len(f) + 1)
        t = _Table(name, name, f, numbers)
        for col in DATE_COLUMNS[name]:
            if col in TABLES[name][0]:
                report.emit(t, col, f[col].isna().to_numpy(), ("date.missing", {"column": col}))
        tables[name] = t
    _check_all(tables, existing, report)
    return report.problems


# ---------------------------------------------------------------------------------------------- reading


#: The workbooks read (by python-calamine, each checked against the ``file_max_*`` limits first).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsb", ".xls", ".ods")


def read_path(path: str | Path, existing: AllianceData | None = None) -> ReadResult:
    """Read a folder of CSV files or a workbook; check every row; return the data and warnings.

    A workbook is ``.xlsx`` (what :func:`write_path` writes), ``.xlsb``, ``.xls`` (Excel 97–2003) or ``.ods``
    (LibreOffice), one sheet per table named as the CSV files are.

    ``existing`` is what the workspace already holds (at least its alliances, partners, sessions and
    agreements): rows may refer to it, and must not repeat its ids. Raises
    :class:`~alliance_lens.model.ValidationError` listing every problem when any row is wrong, and
    :class:`~alliance_lens.model.UserError` when the path is neither a folder nor a workbook.
    """
    p = Path(path)
    if not p.exists():
        raise UserError.of("file.missing", path=str(p))
    if p.is_dir():
        raw, problems = _read_csv_folder(p)
    elif p.suffix.lower() in WORKBOOK_SUFFIXES:
        raw, problems = _read_workbook(p)
    else:
        raise UserError.of("file.neither", path=str(p), kinds=", ".join(WORKBOOK_SUFFIXES))
    read = {r.label for r in raw.values()}
    if any(q.severity == "error" and q.table not in read for q in problems):
        # a file that cannot be read (or lacks a required column) is the problem to fix first: checking the
        # other files' references into it would only add a problem for every row that names it
        raise ValidationError(problems)
    tables = {name: _typed(name, raw.get(name), problems) for name in TABLES}
    report = _Report()
    _check_all(tables, existing, report)
    problems += report.problems
    errors = [q for q in problems if q.severity == "error"]
    if errors:
        raise ValidationError(errors)
    data = AllianceData.from_frames({name: t.frame for name, t in tables.items()})
    return ReadResult(data, [q for q in problems if q.severity == "warning"])


@dataclass
class _Raw:
    """A table as read: a header, the cells as text (object array, one column per known column present)."""

    label: str
    frame: pd.DataFrame
    rows: np.ndarray[Any, np.dtype[np.int64]]


def _take_header(label: str, table: str, header: list[str], problems: list[Problem]) -> dict[str, int] | None:
    """Column name -> position for the known columns; problems for missing, unknown and repeated names."""
    required, optional = TABLES[table]
    if len(header) == 1 and header[0].count(";") >= len(required) - 1 > 0:
        problems.append(Problem.of(label, 1, None, header[0], "file.semicolons"))
        return None
    positions: dict[str, int] = {}
    for i, name in enumerate(h.strip() for h in header):
        if name in positions:
            problems.append(Problem.of(label, 1, name, name, "file.column_twice", name=name))
        elif name in required or name in optional:
            positions[name] = i
        elif name:
            problems.append(Problem.of(label, 1, name, name, "file.column_unknown", severity="warning", name=name))
    missing = [c for c in required if c not in positions]
    for c in missing:
        problems.append(Problem.of(label, 1, c, None, "file.column_missing", name=c))
    return None if missing else positions


def _read_csv_folder(folder: Path) -> tuple[dict[str, _Raw], list[Problem]]:
    problems: list[Problem] = []
    raw: dict[str, _Raw] = {}
    files = {f.name.lower(): f for f in folder.iterdir() if f.is_file() and f.suffix.lower() == ".csv"}
    for name in TABLES:
        if f"{name}.csv" in files:
            table = _read_csv(files.pop(f"{name}.csv"), name, problems)
            if table is not None:
                raw[name] = table
    for other in sorted(files):
        problems.append(Problem.of(files[other].name, None, None, None, "file.not_a_table", severity="warning"))
    if not raw and not [q for q in problems if q.severity == "error"]:
        raise UserError.of("file.no_tables_folder", folder=str(folder), files=", ".join(n + ".csv" for n in TABLES))
    return raw, problems


def _parse_csv(text: str, *, strict: bool) -> tuple[list[str] | None, int, list[list[str]], list[int]]:
    """The header, its line, and the records with the line each starts on; ``csv.Error`` carries ``record_start``."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
    header: list[str] | None = None
    header_line = 1
    records: list[list[str]] = []
    starts: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if header is None:
                if record:
                    header = record
                    header_line = start
                continue
            if not any(record):
                continue  # blank lines (and rows of only commas) are no rows
            records.append(record)
            starts.append(start)
    except csv.Error as exc:
        exc.record_start = previous_end + 1  # type: ignore[attr-defined]
        raise
    return header, header_line, records, starts


def _read_csv(file: Path, table: str, problems: list[Problem]) -> _Raw | None:
    from alliance_lens.config import settings

    label = file.name
    limits = settings()
    try:
        size = file.stat().st_size
        if size > limits.file_max_bytes:
            problems.append(
                Problem.of(label, None, None, None, "file.too_large", size=size, limit=limits.file_max_bytes)
            )
            return None
        content = file.read_bytes()
    except OSError as exc:
        raise UserError.of("file.cannot_read", file=str(file), why=exc.strerror or type(exc).__name__) from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        byte = f"0x{content[exc.start]:02X}"
        problems.append(Problem.of(label, line, None, None, "file.csv_not_utf8", byte=byte, line=line))
        return None
    if text.startswith("\ufeff"):  # saved twice "with BOM": read as if once, and say so
        text = text.lstrip("\ufeff")
        problems.append(Problem.of(label, 1, None, None, "file.csv_double_bom", severity="warning"))
    try:
        parsed = _parse_csv(text, strict=True)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):  # a quote opened and never closed: the rest of the file is one value
            opened = getattr(exc, "record_start", None)
            problems.append(Problem.of(label, opened, None, None, "file.csv_unterminated_quote", line=opened))
            return None
        try:  # strictness refused something lenient readers accept (text after a closing quote): read as before
            parsed = _parse_csv(text, strict=False)
        except csv.Error as again:
            where = getattr(again, "record_start", None)
            problems.append(Problem.of(label, where, None, None, "file.csv_unreadable", why=str(again)))
            return None
    header, header_line, records, starts = parsed
    if len(records) > limits.file_max_rows:
        problems.append(Problem.of(label, None, None, None, "file.csv_rows_too_many", limit=limits.file_max_rows))
        return None
    if header is None:
        problems.append(Problem.of(label, None, None, None, "file.empty"))
        return None
    if header_line != 1:
        problems.append(Problem.of(label, header_line, None, None, "file.header_not_line1", severity="warning"))
    positions = _take_header(label, table, header, problems)
    if positions is None:
        return None
    width = len(header)
    cells: dict[str, list[str]] = {c: [] for c in positions}
    for record, line in zip(records, starts, strict=True):
        if len(record) > width and any(v.strip() for v in record[width:]):
            problems.append(Problem.of(label, line, None, None, "file.too_many_values", count=len(record), width=width))
        if len(record) < width:
            record = record + [""] * (width - len(record))
        for c, i in positions.items():
            cells[c].append(record[i])
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in cells.items()}, index=pd.RangeIndex(len(records)))
    for c in frame.columns:
        if c not in DATE_COLUMNS[table] and c not in NUMBER_COLUMNS[table]:
            frame[c] = _unneutralised(frame[c])
    return _Raw(label, frame, np.asarray(starts, dtype=np.int64))


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection). The CSV export puts an
# apostrophe before such text, as OWASP advises (Excel and LibreOffice show the text, not run it); text that
# already starts with apostrophes before one of them gets one more, so reading takes exactly one off again and
# every text comes back as it was. Numbers and dates are never touched (a score of -1 stays a number).
_FORMULA_START = "=+-@\t\r"
_NEUTRALISED = re.compile(f"^'(?='*[{re.escape(_FORMULA_START)}])")
_MAYBE_FORMULA = frozenset(_FORMULA_START + "'")
_TO_NEUTRALISE = re.compile(f"^(?='*[{re.escape(_FORMULA_START)}])")


def _neutralised(values: list[str]) -> list[str]:
    """Text cells as a CSV export writes them: formula-like text behind an apostrophe."""
    return [_TO_NEUTRALISE.sub("'", v, count=1) if v[:1] in _MAYBE_FORMULA else v for v in values]


def _unneutralised(values: pd.Series) -> pd.Series:
    """Text cells of a CSV file with the export's apostrophe taken off again."""
    quoted = values.str.startswith("'", na=False)
    if not quoted.any():
        return values
    out = values.copy()
    out[quoted] = [_NEUTRALISED.sub("", v, count=1) for v in values[quoted]]
    return out


def _read_workbook(file: Path) -> tuple[dict[str, _Raw], list[Problem]]:
    from alliance_lens.xlsx_io import Workbook, WorkbookError

    problems: list[Problem] = []
    raw: dict[str, _Raw] = {}
    try:
        book = Workbook(file)
    except (WorkbookError, OSError) as exc:
        why: object = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UserError.of("file.not_a_workbook", file=str(file), kind=file.suffix.lower(), why=why) from exc
    try:
        sheets = {s.strip().lower(): s for s in book.sheet_names}
        for name in TABLES:
            sheet_name = sheets.pop(name, None) or sheets.pop(f"{name}.csv", None)
            if sheet_name is None:
                continue
            rows = book.rows(sheet_name)
            first = next(rows, None)
            if first is None:
                problems.append(Problem.of(sheet_name, None, None, None, "file.empty"))
                continue
            header_number, header_row = first
            if header_number != 1:
                problems.append(
                    Problem.of(sheet_name, header_number, None, None, "file.header_not_row1", severity="warning")
                )
            positions = _take_header(sheet_name, name, [_cell_text(v) for v in header_row], problems)
            if positions is None:
                continue
            cells: dict[str, list[object]] = {c: [] for c in positions}
            numbers: list[int] = []
            kinds = {c: _kind_of(name, c) for c in positions}
            for n, values in rows:
                numbers.append(n)
                width = len(values)
                for c, i in positions.items():
                    v = values[i] if i < width else None
                    cells[c].append(v if type(v) is str else _cell_as(kinds[c], v))
            frame = pd.DataFrame(
                {c: pd.Series(v, dtype=object) for c, v in cells.items()}, index=pd.RangeIndex(len(numbers))
            )
            raw[name] = _Raw(sheet_name, frame, np.asarray(numbers, dtype=np.int64))
        for other in sheets.values():
            problems.append(Problem.of(other, None, None, None, "file.sheet_not_a_table", severity="warning"))
    except WorkbookError as exc:
        raise UserError.of("file.not_a_workbook", file=str(file), kind=file.suffix.lower(), why=exc) from exc
    finally:
        book.close()
    if not raw and not [q for q in problems if q.severity == "error"]:
        raise UserError.of("file.no_tables_workbook", file=str(file), sheets=", ".join(TABLES))
    return raw, problems


def _kind_of(table: str, column: str) -> str:
    if column in DATE_COLUMNS[table]:
        return "date"
    if column in NUMBER_COLUMNS[table]:
        return "number"
    return "text"


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _cell_as(kind: str, v: object) -> object:
    """A workbook cell as the text a CSV would hold (dates ISO, numbers exact), so both share one parser."""
    if kind == "date" and isinstance(v, int | float) and not isinstance(v, bool):
        lo, hi = _EXCEL_SERIAL_RANGE
        if float(v).is_integer() and lo <= v <= hi:
            return (_EXCEL_EPOCH + dt.timedelta(days=int(v))).isoformat()
        return _NotADate(v)
    if kind == "number" and isinstance(v, float):
        return repr(v)
    return _cell_text(v)


class _NotADate(str):
    """A number found in a date column of a workbook (kept to word the message)."""

    __slots__ = ()

    def __new__(cls, v: object) -> _NotADate:
        return super().__new__(cls, _cell_text(v))


def _parse_date(value: object, column: str, required: bool) -> Any:
    """The date in a cell (a ``datetime.date``), ``None`` when empty, or the finding why it is not one."""
    text = str(value).strip()
    if isinstance(value, _NotADate):
        return "date.number", {"column": column, "text": text}
    if not text:
        return ("date.empty", {"column": column}) if required else None
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return "date.unreadable", {"column": column, "text": text}


def _parse_number(value: object, column: str, required: bool) -> Any:
    """The number in a cell (a ``float``), ``None`` when empty, or the finding why it is not one."""
    text = str(value).strip()
    if not text:
        return ("value.empty", {"column": column}) if required else None
    if _NUMBER_RE.match(text):
        x = float(text)
        if math.isfinite(x):
            return x
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        return "number.decimal_comma", {"column": column, "text": text}
    return "number.unreadable", {"column": column, "text": text}


def _findings(parsed: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The findings among parsed cells (a tuple), ``None`` where the cell was read."""
    out = np.empty(len(parsed), dtype=object)
    out[:] = [r if isinstance(r, tuple) else None for r in parsed]
    return out


def _typed(name: str, raw: _Raw | None, problems: list[Problem]) -> _Table:
    """Cells as text -> typed columns (dates, numbers, defaults), with a problem for each unreadable cell."""
    required, optional = TABLES[name]
    if raw is None:
        return _Table(name, f"{name}.csv", empty_frame(name).astype(object), np.zeros(0, dtype=np.int64))
    n = len(raw.frame)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    t = _Table(name, raw.label, out, raw.rows)
    report = _Report()
    for col in required + optional:
        text = raw.frame[col] if col in raw.frame.columns else pd.Series([""] * n, dtype=object)
        text = text.fillna("").astype(object)
        if col in DATE_COLUMNS[name]:
            must = col in required
            parsed_dates = _per_value(text, functools.partial(_parse_date, column=col, required=must))
            out[col] = pd.to_datetime(
                pd.Series([d if isinstance(d, dt.date) else None for d in parsed_dates], dtype=object)
            ).astype("datetime64[s]")
            t.frame = out
            _emit_reasons(report, t, col, _findings(parsed_dates), text)
        elif col in NUMBER_COLUMNS[name]:
            must = col == "score"
            parsed_numbers = _per_value(text, functools.partial(_parse_number, column=col, required=must))
            out[col] = np.array([x if isinstance(x, float) else np.nan for x in parsed_numbers], dtype="float64")
            t.frame = out
            _emit_reasons(report, t, col, _findings(parsed_numbers), text)
        else:
            values = text.astype(str)
            spec = CONTRACT[name].column(col)
            if spec.kind == "choice" and spec.default is not None:
                values = values.where(values != "", str(spec.default))
            out[col] = values.astype(object)
    if name == "alliances":
        lo, hi = out["trust_min"], out["trust_max"]
        for col, other in (("trust_min", hi), ("trust_max", lo)):
            alone = (
                (out[col].isna() & other.notna()).to_numpy()
                & ~t.done(col)
                & ~t.done("trust_max" if col == "trust_min" else "trust_min")
            )
            raw_col = raw.frame[col] if col in raw.frame.columns else pd.Series([""] * n, dtype=object)
            report.emit(t, col, alone, ("scale.alone", {}), values=raw_col)
        both_absent = (lo.isna() & hi.isna()).to_numpy() & ~t.done("trust_min") & ~t.done("trust_max")
        out.loc[both_absent, "trust_min"] = DEFAULT_TRUST_MIN
        out.loc[both_absent, "trust_max"] = DEFAULT_TRUST_MAX
    t.frame = out
    problems += report.problems
    return t


# ---------------------------------------------------------------------------------------------- writing


def write_path(data: AllianceData, path: str | Path) -> Path:
    """Write ``data`` as a folder of CSV files, or as one workbook when ``path`` ends in ``.xlsx``.

    Every table is written (an empty one as its header), columns in the contract's order, dates ISO, numbers
    exact; reading the result gives back data that :meth:`AllianceData.equals` the input. Returns the path.
    """
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        p.parent.mkdir(parents=True, exist_ok=True)
        _write_workbook(data, p)
    else:
        if p.exists() and not p.is_dir():
            raise UserError.of("file.write_is_a_file", path=str(p))
        p.mkdir(parents=True, exist_ok=True)
        for name, rows in _rows_as_text(data):
            with open(p / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                # CRLF as RFC 4180 and Excel: the writer then quotes every value holding a CR or LF, so a lone CR
                # in a note cannot split its row
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerows(rows)
    return p


def _number_text(x: float) -> str:
    if math.isnan(x):
        return ""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _columns_as_text(name: str, frame: pd.DataFrame) -> list[list[str]]:
    required, optional = TABLES[name]
    columns: list[list[str]] = []
    for col in required + optional:
        s = frame[col]
        if col in DATE_COLUMNS[name]:
            iso = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
            columns.append(iso.where(s.notna(), "").astype(object).tolist())
        elif col in NUMBER_COLUMNS[name]:
            columns.append([_number_text(float(x)) for x in s.to_numpy(dtype="float64")])
        else:
            columns.append(_neutralised(s.astype(str).tolist()))
    return columns


def _rows_as_text(data: AllianceData) -> Iterable[tuple[str, Iterable[Sequence[str]]]]:
    for name, frame in data.tables().items():
        required, optional = TABLES[name]
        header = list(required + optional)
        columns = _columns_as_text(name, frame)
        yield name, [header, *zip(*columns, strict=True)] if columns and len(frame) else [header]


def _write_workbook(data: AllianceData, path: Path) -> None:
    from alliance_lens.xlsx_io import Cell, write_workbook

    sheets: dict[str, tuple[Sequence[str], Sequence[Sequence[Cell]]]] = {}
    for name, frame in data.tables().items():
        required, optional = TABLES[name]
        header = list(required + optional)
        columns: list[list[Any]] = []
        for col in header:
            s = frame[col]
            if col in DATE_COLUMNS[name]:
                iso = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
                columns.append([None if v is None or v != v else dt.date.fromisoformat(v) for v in iso.tolist()])
            elif col in NUMBER_COLUMNS[name]:
                columns.append([None if math.isnan(x) else x for x in s.to_numpy(dtype="float64").tolist()])
            else:
                columns.append(s.astype(str).tolist())
        sheets[name] = (header, list(zip(*columns, strict=True)) if len(frame) else [])
    write_workbook(path, sheets)
