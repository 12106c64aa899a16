from __future__ import annotations

import string

import pytest

from alliance_lens.messages import CATALOGUES, tr


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_every_key() -> None:
    assert set(CATALOGUES["en"]) == set(CATALOGUES["nl"])


def test_both_languages_fill_the_same_fields() -> None:
    for key, template in CATALOGUES["en"].items():
        assert _fields(template) == _fields(CATALOGUES["nl"][key]), key


def test_tr_refuses_an_unknown_language_and_key() -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        tr("common.app_title", "de")
    with pytest.raises(KeyError):
        tr("no.such.key", "en")
