"""What the dashboard says when it refuses something: one sentence, in the dashboard's language."""

from __future__ import annotations

import pytest

from alliance_lens.app.state import one_sentence
from alliance_lens.domain.problems import Problem, UserError, ValidationError
from alliance_lens.messages import tr
from alliance_lens.store import Workspace


def _too_long(row: int) -> Problem:
    return Problem.of("partners", row, "name", "x" * 81, "value.too_long", column="name", length=81, n=80)


def test_a_refused_form_is_told_in_dutch_when_the_dashboard_is_dutch() -> None:
    exc = ValidationError([_too_long(2), _too_long(3), _too_long(4)])
    dutch = one_sentence(exc, "nl")
    english = one_sentence(exc, "en")
    assert dutch.endswith(
        tr("problem.value.too_long", "nl", column=tr("field.name", "nl"), length=81, n=80) + " (en nog 2)"
    )
    assert english.endswith(" (and 2 more)")
    assert "heeft 81 tekens, meer dan de 80" in dutch
    assert dutch != english


def test_one_problem_has_no_count_of_more() -> None:
    exc = ValidationError([_too_long(2)])
    assert one_sentence(exc, "en") == _too_long(2).text("en")
    assert one_sentence(exc, "nl") == _too_long(2).text("nl")


def test_a_catalogue_error_is_worded_in_the_language_and_a_plain_one_keeps_its_first_line() -> None:
    keyed = UserError.of("file.part_checksum", part="xl/worksheets/sheet1.xml")
    assert one_sentence(keyed, "nl") == tr("file.part_checksum", "nl", part="xl/worksheets/sheet1.xml")
    assert one_sentence(keyed, "en") == str(keyed)
    assert one_sentence(UserError("first line\nsecond line"), "nl") == "first line"


def test_the_stores_refusals_reach_the_dashboard_in_dutch(sample_workspace: Workspace) -> None:
    alliance = sample_workspace.alliances()["alliance_id"].iloc[0]
    with pytest.raises(UserError) as caught:
        sample_workspace.set_goals_shared(alliance, "nobody", None)
    assert str(caught.value) == f"there is no partner 'nobody' in alliance {alliance!r}"
    assert one_sentence(caught.value, "nl") == f"er is geen partner 'nobody' in alliantie {alliance!r}"
