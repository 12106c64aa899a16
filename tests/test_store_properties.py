"""Property-based tests: malformed values and rows get a clear error, write nothing, crash nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_lens.interchange import read_path, validate_data
from alliance_lens.model import (
    TABLES,
    Agreement,
    Outcome,
    Partner,
    Session,
    TrustRating,
    ValidationError,
)
from alliance_lens.store import Workspace
from alliance_lens.store.workspace import _quick_problems, entries_as_data
from test_interchange import GOOD, HEADERS, write_folder

ALLIANCE = "a1"
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# values a form or a script might pass by mistake, next to plausible ones
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=80),
    st.text(alphabet=";\x00\n\t ", max_size=5),
    st.text(min_size=2001, max_size=2001, alphabet="x"),
    st.dates(),
    st.datetimes(),
)
ids = st.one_of(st.sampled_from(["p1", "p2", "p3", "s1", "s2", "g1", "g2", "a1", "nobody", ""]), junk)
dates = st.one_of(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)), junk)
scores = st.one_of(st.floats(min_value=-5, max_value=15), junk)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    base = read_path(write_folder(tmp_path / "base", GOOD)).data
    with Workspace.open(f"sqlite:///{tmp_path / 'prop.sqlite'}") as w:
        w.import_data(base)
        yield w


entities = st.one_of(
    st.builds(TrustRating, st.just(ALLIANCE), ids, ids, ids, scores, st.one_of(st.just(""), junk), st.just("")),
    st.builds(Outcome, st.just(ALLIANCE), ids, dates, st.one_of(st.sampled_from(["kept", "broken"]), junk)),
    st.builds(Partner, st.one_of(st.just(ALLIANCE), ids), ids, st.one_of(st.just("Name"), junk), st.none() | dates),
    st.builds(Session, st.just(ALLIANCE), ids, dates, st.just(""), st.one_of(st.just("dialogue"), junk)),
    st.builds(
        Agreement,
        st.just(ALLIANCE),
        ids,
        st.one_of(st.just("Deliver"), junk),
        st.one_of(st.sampled_from(["content", "process"]), junk),
        ids,
        dates,
        dates,
        st.lists(st.one_of(st.sampled_from(["p1", "p2", "nobody", ""]), junk), max_size=3).map(tuple),
    ),
)


@SETTINGS
@given(data=st.data())
def test_malformed_entities_get_a_clear_error_and_write_nothing(ws: Workspace, data: st.DataObject) -> None:
    revision = ws.revision(ALLIANCE)
    before = ws.load(ALLIANCE)
    try:
        entity = data.draw(entities)
    except ValidationError as exc:
        # the model refuses it, naming its table and the field
        for p in exc.problems:
            assert p.table in TABLES and p.column is not None and p.reason
        return
    try:
        ws.add(entity)
    except ValidationError as exc:
        for p in exc.problems:
            assert p.table in TABLES and p.row == 1 and p.column in TABLES[p.table][0] + TABLES[p.table][1]
        assert ws.revision(ALLIANCE) == revision
        assert ws.load(ALLIANCE).equals(before)
    else:
        assert ws.revision(ALLIANCE) > revision
        ws.undo(ALLIANCE)
        assert ws.load(ALLIANCE).equals(before)


def _or_none(cls: type, *args: object) -> object:
    try:
        return cls(*args)
    except ValidationError:
        return None


pool = st.sampled_from(["p1", "p2", "p3", "s1", "s2", "g1", "g2", "nobody"])
day = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
# entries the model accepts on their own: only the workspace can tell what is wrong with them
plausible = st.one_of(
    st.builds(_or_none, st.just(TrustRating), st.sampled_from([ALLIANCE, "zz"]), pool, pool, pool, st.floats(-5, 15)),
    st.builds(_or_none, st.just(Outcome), st.just(ALLIANCE), pool, day, st.sampled_from(["kept", "broken"])),
    st.builds(_or_none, st.just(Partner), st.sampled_from([ALLIANCE, "zz"]), pool, st.just("Name")),
    st.builds(_or_none, st.just(Session), st.just(ALLIANCE), pool, day),
    st.builds(
        _or_none,
        st.just(Agreement),
        st.just(ALLIANCE),
        pool,
        st.just("Deliver"),
        st.just("content"),
        pool,
        day,
        day,
        st.lists(pool, max_size=2, unique=True).map(tuple),
    ),
).filter(lambda e: e is not None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(plausible, min_size=1, max_size=6))
def test_quick_checks_find_what_validate_data_finds(ws: Workspace, items: list[object]) -> None:
    existing = ws.load()
    typed = entries_as_data(items)  # type: ignore[arg-type]
    rows = {name: [i + 1 for i, e in enumerate(items) if _table(e) == name] for name in TABLES}
    slow = {(p.table, p.row, p.column, p.reason) for p in validate_data(typed, existing, rows=rows)}
    quick = {(p.table, p.row, p.column, p.reason) for p in ws._read(lambda conn: _quick_problems(conn, items))}  # type: ignore[arg-type]
    assert quick == slow


def _table(entity: object) -> str:
    from alliance_lens.model import TABLE_OF

    return TABLE_OF[type(entity)]


tables_and_columns = st.sampled_from([(name, col) for name in GOOD for col in HEADERS[name].split(",")])
cell_junk = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "nobody", "2024-13-01", "31-12-2024", "1e400", "nan", "-1", "3,5", "p1;p1", '"']),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=tables_and_columns, value=cell_junk, row=st.integers(0, 5))
def test_a_malformed_cell_gets_a_clear_error_naming_file_row_and_column(
    tmp_path_factory: pytest.TempPathFactory, where: tuple[str, str], value: str, row: int
) -> None:
    name, column = where
    tables = {k: list(v) for k, v in GOOD.items()}
    lines = tables[name]
    i = row % len(lines)
    header = HEADERS[name].split(",")
    cells = next(csv.reader(io.StringIO(lines[i])))
    cells[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[i] = out.getvalue()
    folder = write_folder(tmp_path_factory.mktemp("cell") / "in", tables)
    db = folder.parent / "ws.sqlite"
    with Workspace.open(f"sqlite:///{db}") as w:
        try:
            w.import_path(folder)
        except ValidationError as exc:
            for p in exc.problems:
                assert p.table.removesuffix(".csv") in GOOD, p
                assert p.row is None or 1 <= p.row <= 12, p
                assert p.column is None or p.column in HEADERS[p.table.removesuffix(".csv")].split(","), p
                assert p.reason and str(p)
            assert w.alliances().empty  # nothing written
        else:
            assert len(w.alliances()) == 1
            data = w.load(ALLIANCE)
            assert len(data.table(name)) == len(GOOD[name])
    shutil.rmtree(folder.parent)


def test_model_agreement_refuses_a_datetime_and_non_text_beneficiaries_clearly() -> None:
    # both were TypeErrors once (found by the property test above)
    with pytest.raises(ValidationError):
        Agreement(ALLIANCE, "g9", "T", "content", "p1", dt.date(2024, 1, 1), dt.datetime(2024, 1, 2))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Agreement(ALLIANCE, "g9", "T", "content", "p1", dt.date(2024, 1, 1), dt.date(2024, 1, 2), (True, True))  # type: ignore[arg-type]
