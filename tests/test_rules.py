"""The rules once: both backends (one entry at a time; vectorised over frames) agree, over arbitrary text.

The bug this pins: ``Workspace.add(Partner(..., name="bad\\x01name"))`` was accepted, the same partner in a file
or in a batch of more than 200 entries was refused, and an export of that alliance could not be imported again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_lens.domain import rules
from alliance_lens.domain.contract import CONTRACT
from alliance_lens.interchange import read_path, validate_data, write_path
from alliance_lens.messages import CATALOGUES, tr
from alliance_lens.model import (
    Agreement,
    AllianceData,
    Entity,
    Outcome,
    Partner,
    Problem,
    Session,
    TrustRating,
    ValidationError,
    entity_to_row,
)
from alliance_lens.store import Workspace
from test_interchange import GOOD, problems_of, write_folder

ALLIANCE = "a1"
DAY = dt.date(2024, 5, 1)

# arbitrary text, with the characters that matter over-represented (control characters, the id separator,
# white space at the ends, line breaks, DEL, a line separator)
tricky = st.sampled_from(["a", "Z", " ", "\x01", "\x00", "\t", "\n", "\r", ";", "\x7f", "é", "\u2028", "\x0b", "="])
text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=tricky, max_size=8),
    st.text(alphabet=tricky, min_size=1),
    # names the workspace holds already, as a person retypes them; lengths at and past the bounds
    st.sampled_from(["Partner two", "partner TWO", " Partner  two", "Partner één", "x" * 80, "x" * 81, "y" * 121]),
)


@pytest.fixture(scope="module")
def existing(tmp_path_factory: pytest.TempPathFactory) -> AllianceData:
    """The workspace's data the entries are checked against: alliance a1, partners p1-p3, sessions s1-s2."""
    return read_path(write_folder(tmp_path_factory.mktemp("rules") / "base", GOOD)).data


def _lookups(existing: AllianceData) -> rules.Lookups:
    al = existing.alliances
    scales = {
        str(a): (float(lo), float(hi))
        for a, lo, hi in zip(al["alliance_id"], al["trust_min"].tolist(), al["trust_max"].tolist(), strict=True)
    }
    keys = {
        name: set(
            zip(existing.table(name)["alliance_id"], existing.table(name)[str(CONTRACT[name].id_column)], strict=True)
        )
        for name in ("partners", "sessions", "agreements")
    }
    names = {
        (str(a), str(p)): str(n)
        for a, p, n in zip(
            existing.partners["alliance_id"], existing.partners["partner_id"], existing.partners["name"], strict=True
        )
    }
    return rules.Lookups(scales=scales, keys=keys, partner_names=names)


def _seen(problems: list[Problem]) -> set[tuple[str | None, str, str]]:
    return {(p.column, p.code, p.reason) for p in problems}


# one builder per table: (table, the row as plain values, the entity made from it)
Builder = Callable[[str], tuple[str, dict[str, Any], Callable[[], Entity]]]


def _partner(t: str) -> tuple[str, dict[str, Any], Callable[[], Entity]]:
    row: dict[str, Any] = {"alliance_id": ALLIANCE, "partner_id": "p9", "name": t, "goals_shared_on": None}
    return "partners", row, lambda: Partner(**row)


def _partner_id(t: str) -> tuple[str, dict[str, Any], Callable[[], Entity]]:
    row: dict[str, Any] = {"alliance_id": ALLIANCE, "partner_id": t, "name": "Nine", "goals_shared_on": None}
    return "partners", row, lambda: Partner(**row)


def _session(t: str) -> tuple[str, dict[str, Any], Callable[[], Entity]]:
    row: dict[str, Any] = {"alliance_id": ALLIANCE, "session_id": "s9", "date": DAY, "title": t, "kind": "meeting"}
    return "sessions", row, lambda: Session(**row)


def _agreement(t: str) -> tuple[str, dict[str, Any], Callable[[], Entity]]:
    row: dict[str, Any] = {
        "alliance_id": ALLIANCE,
        "agreement_id": "g9",
        "title": t,
        "kind": "content",
        "owner": "p1",
        "made_on": DAY,
        "due_on": DAY,
        "beneficiaries": (),
        "note": t,
    }
    return "agreements", {**row, "beneficiaries": ""}, lambda: Agreement(**row)


def _outcome(t: str) -> tuple[str, dict[str, Any], Callable[[], Entity]]:
    row: dict[str, Any] = {"alliance_id": ALLIANCE, "agreement_id": t, "date": DAY, "status": "kept", "note": t}
    return "outcomes", row, lambda: Outcome(**row)


def _rating(t: str) -> tuple[str, dict[str, Any], Callable[[], Entity]]:
    row: dict[str, Any] = {
        "alliance_id": ALLIANCE,
        "session_id": "s1",
        "rater": "p1",
        "ratee": t,
        "score": 5.0,
        "respondent": t,
        "comment": t,
    }
    return "trust_ratings", row, lambda: TrustRating(**row)


BUILDERS: list[Builder] = [_partner, _partner_id, _session, _agreement, _outcome, _rating]


def _vectorised(table: str, row: dict[str, Any], existing: AllianceData) -> list[Problem]:
    data = AllianceData.from_frames({table: pd.DataFrame([row])})
    return validate_data(data, existing)


def _per_entry(table: str, make: Callable[[], Entity], existing: AllianceData) -> list[Problem]:
    try:
        entity = make()
    except ValidationError as exc:
        return exc.problems
    return rules.entry_problems([(table, entity_to_row(entity))], _lookups(existing))


def test_a_control_character_in_a_name_is_refused_one_entry_at_a_time_as_in_a_file(
    existing: AllianceData, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        Partner(ALLIANCE, "p9", "bad\x01name")
    (problem,) = refused.value.problems
    assert (problem.column, problem.code) == ("name", "text.control_char")
    assert problem.reason == (
        "the name holds an invisible control character (only tabs and line breaks can be kept): "
        "type it again without it"
    )
    assert problem.message("nl") == (
        "de naam bevat een onzichtbaar stuurteken (alleen tabs en regeleinden blijven bewaard): typ het opnieuw zonder"
    )
    # the same row in frames (a file, a batch of > 200 entries) is refused for the same reason
    table, row, _ = _partner("bad\x01name")
    assert _seen(_vectorised(table, row, existing)) == {("name", "text.control_char", problem.reason)}


def test_a_workspace_refuses_it_and_stays_as_it_was(tmp_path: Path) -> None:
    with Workspace.open(f"sqlite:///{tmp_path / 'w.sqlite'}") as ws:
        ws.import_data(read_path(write_folder(tmp_path / "base", GOOD)).data)
        before = ws.revision(ALLIANCE)
        with pytest.raises(ValidationError):
            ws.add(Partner(ALLIANCE, "p9", "bad\x01name"))
        assert ws.revision(ALLIANCE) == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(build=st.sampled_from(BUILDERS), value=text)
def test_both_backends_give_the_same_problems_over_arbitrary_text(
    existing: AllianceData, build: Builder, value: str
) -> None:
    table, row, make = build(value)
    vectorised = _vectorised(table, row, existing)
    per_entry = _per_entry(table, make, existing)
    value_codes = {p.code for p in per_entry} - set(rules.CONTEXT_CODES) - {"score.out_of_scale"}
    if value_codes:
        # the entry is refused on its own values: the frames find those same problems (and maybe context ones,
        # which an entry never reaches)
        ours = {s for s in _seen(vectorised) if s[1] not in rules.CONTEXT_CODES}
        assert ours == _seen(per_entry)
    else:
        assert _seen(vectorised) == _seen(per_entry)
    assert all(p.code for p in vectorised + per_entry)  # every problem has a rule's code


def test_every_problem_code_is_worded_in_both_languages() -> None:
    codes = {key.removeprefix("problem.") for key in CATALOGUES["en"] if key.startswith("problem.")}
    for code in rules.CONTEXT_CODES:
        assert code in codes
    for lang in ("en", "nl"):
        assert tr("problem.score.out_of_scale", lang, score="11", lo="1", hi="10")


# -- every accepted workspace exports and re-imports identically ------------------------------------------------

ids = st.one_of(st.sampled_from(["p1", "p2", "p3"]), st.text(max_size=6), st.text(alphabet=tricky, max_size=4))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    partners=st.lists(st.tuples(ids, text), min_size=1, max_size=4),
    notes=st.lists(text, min_size=1, max_size=3),
    comments=st.lists(st.tuples(ids, ids, text), max_size=3),
)
def test_every_accepted_workspace_exports_and_imports_identically(
    tmp_path_factory: pytest.TempPathFactory,
    partners: list[tuple[str, str]],
    notes: list[str],
    comments: list[tuple[str, str, str]],
) -> None:
    folder = tmp_path_factory.mktemp("round")
    with Workspace.open(f"sqlite:///{folder / 'w.sqlite'}") as ws:
        ws.import_data(read_path(write_folder(folder / "base", GOOD)).data)
        entries: list[Callable[[], Entity]] = [
            *(lambda p=p, n=n: Partner(ALLIANCE, p, n) for p, n in partners),
            *(
                lambda i=i, n=n: Agreement(ALLIANCE, f"n{i}", n or "x", "process", "p1", DAY, DAY, (), n)
                for i, n in enumerate(notes)
            ),
            *(lambda r=r, e=e, c=c: TrustRating(ALLIANCE, "s1", r, e, 3.0, c, c) for r, e, c in comments),
        ]
        for make in entries:
            # refused entries are the rules' business; what was accepted must travel
            with contextlib.suppress(ValidationError):
                ws.add(make())
        data = ws.load(ALLIANCE)
    for out in (folder / "out", folder / "out.xlsx"):
        write_path(data, out)
        with Workspace.open(f"sqlite:///{folder / (out.name + '.sqlite')}") as again:
            again.import_path(out)
            assert again.load(ALLIANCE).equals(data), out.name


def test_import_data_checks_every_row_and_cannot_be_told_otherwise(tmp_path: Path) -> None:
    import inspect

    assert "checked" not in inspect.signature(Workspace.import_data).parameters
    bad = AllianceData.from_frames(
        {
            "alliances": pd.DataFrame([{"alliance_id": "b1", "name": "B"}]),
            "partners": pd.DataFrame([{"alliance_id": "b1", "partner_id": "p1", "name": "bad\x01name"}]),
        }
    )
    with Workspace.open(f"sqlite:///{tmp_path / 'w.sqlite'}") as ws:
        with pytest.raises(ValidationError) as refused:
            ws.import_data(bad)
        assert [(p.table, p.row, p.column, p.code) for p in refused.value.problems] == [
            ("partners", 1, "name", "text.control_char")
        ]
        assert ws.alliances().empty


# -- partner names tell partners apart; lengths are bounded (issue 12) ------------------------------------------


def test_a_partner_name_taken_in_the_alliance_is_refused_on_every_path(tmp_path: Path) -> None:
    expected_en = (
        "this alliance already has a partner called 'Partner two'; names that differ only in capitals or spaces "
        "cannot be told apart: give this partner another name"
    )
    with Workspace.open(f"sqlite:///{tmp_path / 'w.sqlite'}") as ws:
        ws.import_data(read_path(write_folder(tmp_path / "base", GOOD)).data)
        before = ws.revision(ALLIANCE)
        # a form or the API: one entry
        with pytest.raises(ValidationError) as one:
            ws.add(Partner(ALLIANCE, "p9", " partner  TWO"))
        (p,) = one.value.problems
        assert (p.column, p.code, p.value, p.reason) == ("name", "name.exists", " partner  TWO", expected_en)
        assert p.message("nl") == (
            "deze alliantie heeft al een partner die 'Partner two' heet; namen die alleen in hoofdletters of spaties "
            "verschillen zijn niet uit elkaar te houden: geef deze partner een andere naam"
        )
        # a batch large enough to be checked as frames: the same words
        batch = [Partner(ALLIANCE, f"q{i}", f"Batch {i}") for i in range(250)] + [
            Partner(ALLIANCE, "q999", "PARTNER TWO")
        ]
        with pytest.raises(ValidationError) as many:
            ws.add_many(batch)
        assert [(q.row, q.code, q.reason) for q in many.value.problems] == [(251, "name.exists", expected_en)]
        # a rename onto another partner's name is refused; its own name in other capitals is fine
        with pytest.raises(ValidationError) as rename:
            ws.update(Partner(ALLIANCE, "p3", "Partner Two"))
        assert [q.code for q in rename.value.problems] == ["name.exists"]
        assert ws.revision(ALLIANCE) == before
        ws.update(Partner(ALLIANCE, "p3", "PARTNER three"))
        # two new partners with one name in one go: the second is refused, naming the row of the first
        with pytest.raises(ValidationError) as twice:
            ws.add_many([Partner(ALLIANCE, "p8", "Kestrel Cells"), Partner(ALLIANCE, "p9", "kestrel cells ")])
        assert [(q.row, q.code, q.reason) for q in twice.value.problems] == [
            (
                2,
                "name.repeated",
                "the name 'kestrel cells ' is given to more than one partner (first in row 1); names that differ "
                "only in capitals or spaces cannot be told apart: give each partner its own",
            )
        ]


def test_an_import_with_two_partners_of_one_name_names_the_file_row_and_value(tmp_path: Path) -> None:
    tables = {**GOOD, "partners": [*GOOD["partners"], "a1,p4,partner  één,"]}
    (p,) = problems_of(write_folder(tmp_path / "in", tables))
    assert p.text() == (
        "partners.csv row 5, column name (value 'partner  één'): the name 'partner  één' is given to more than one "
        "partner (first in row 2); names that differ only in capitals or spaces cannot be told apart: give each "
        "partner its own"
    )


@pytest.mark.parametrize(
    ("make", "column", "limit"),
    [
        (lambda n: Partner(ALLIANCE, "p9", "x" * n), "name", 80),
        (lambda n: Session(ALLIANCE, "s9", DAY, "x" * n), "title", 120),
        (lambda n: Agreement(ALLIANCE, "g9", "x" * n, "content", "p1", DAY, DAY), "title", 200),
        (lambda n: Agreement(ALLIANCE, "g9", "x", "content", "p1", DAY, DAY, (), "x" * n), "note", 2000),
        (lambda n: TrustRating(ALLIANCE, "s1", "p1", "p2", 3.0, "x" * n), "respondent", 80),
    ],
)
def test_lengths_are_bounded_and_the_message_says_the_bound(
    make: Callable[[int], Entity], column: str, limit: int
) -> None:
    make(limit)  # at the bound: accepted
    with pytest.raises(ValidationError) as refused:
        make(limit + 1)
    (p,) = refused.value.problems
    assert (p.column, p.code) == (column, "value.too_long")
    words = {"name": "the name", "title": "the title", "note": "the note", "respondent": "the respondent"}[column]
    assert p.message("en") == f"{words} has {limit + 1} characters, more than the {limit} that fit: shorten it"
    assert f"{limit + 1} tekens, meer dan de {limit} die passen" in p.message("nl")
    # the value is not echoed in full: a problem stays one line
    assert len(p.text()) < 250


def test_an_alliance_name_is_bounded_too() -> None:
    from alliance_lens.model import Alliance

    Alliance("b1", "x" * 120)
    with pytest.raises(ValidationError) as refused:
        Alliance("b1", "x" * 1040)
    assert refused.value.problems[0].message("en") == (
        "the name has 1040 characters, more than the 120 that fit: shorten it"
    )


def test_problems_speak_the_users_words_in_both_languages() -> None:
    with pytest.raises(ValidationError) as refused:
        Outcome(ALLIANCE, "A9;99", DAY, "kept")
    (p,) = refused.value.problems
    assert p.message("en") == (
        "the agreement id 'A9;99' holds a semicolon (;) or an invisible control character: "
        "use letters, digits, '-' or '_'"
    )
    assert p.message("nl") == (
        "het afspraak-id 'A9;99' bevat een puntkomma (;) of een onzichtbaar stuurteken: "
        "gebruik letters, cijfers, '-' of '_'"
    )
    for lang in ("en", "nl"):
        problems = [v for k, v in CATALOGUES[lang].items() if k.startswith(("problem.", "field.", "noun."))]
        assert not [v for v in problems if "control character'" in v or "agreement_id" in v or "partner_id" in v]
    assert not [v for v in CATALOGUES["nl"].values() if "bondgenootschap" in v.lower()]
