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


def test_dutch_says_alliantie_never_bondgenootschap() -> None:
    texts = " ".join(CATALOGUES["nl"].values()).lower()
    assert "bondgenootschap" not in texts
    assert tr("chart.alliance_short", "nl") == "Hele alliantie"
    assert tr("dash.section_alliance", "nl") == tr("chart.alliance", "nl") == "De alliantie als geheel"


def test_old_label_accessors_read_the_catalogue() -> None:
    from alliance_lens.app import i18n
    from alliance_lens.charts import theme

    assert i18n.tr("tab_agreement", "nl") == tr("dash.tab_agreement", "nl") == "Nieuwe afspraak"
    assert i18n.tr("status_broken", "nl") == theme.status_label("broken", "nl") == tr("status.broken", "nl")
    assert i18n.tr("pattern_blind_trust", "en") == theme.pattern_label("blind_trust") == "Blind trust"
    assert theme.label("trust", "nl") == tr("chart.trust", "nl") == "Vertrouwen"
    assert i18n.LABELS["undo"]["nl"] == "Laatste wijziging ongedaan maken"


def test_link_refusals_are_in_both_languages() -> None:
    from alliance_lens.links import LinkError, LinkErrorReason

    reasons: list[LinkErrorReason] = ["missing", "tampered", "expired", "revoked", "unknown_alliance"]
    for reason in reasons:
        assert str(LinkError(reason)) == tr(f"link.{reason}", "en")
        assert tr(f"link.{reason}", "nl") != tr(f"link.{reason}", "en")
