"""The dashboards' labels: a thin face over the one message catalogue (:mod:`alliance_lens.messages`).

Every label lives in ``messages/en.py`` and ``messages/nl.py`` under ``dash.<key>`` (pattern and agreement
status names under ``pattern.<key>`` and ``status.<key>``, shared with the charts, so a card and the chart
beside it never disagree). New code calls :func:`alliance_lens.messages.tr` with the dotted key directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from alliance_lens.messages import CATALOGUES, LANGUAGES
from alliance_lens.messages import tr as _tr

#: The old short names that are not ``dash.<name>``: the pattern and status names, the link refusal's page.
_ALIASES: Final[dict[str, str]] = {
    "app_title": "common.app_title",
    "link_refused_title": "link.refused_title",
    "link_ask": "link.ask",
}


def key_of(name: str) -> str:
    """The catalogue key of a dashboard label's short name (``tab_agreement`` → ``dash.tab_agreement``)."""
    if name in _ALIASES:
        return _ALIASES[name]
    for prefix in ("pattern", "status"):
        if name.startswith(prefix + "_") and f"{prefix}.{name[len(prefix) + 1 :]}" in CATALOGUES["en"]:
            return f"{prefix}.{name[len(prefix) + 1 :]}"
    return f"dash.{name}"


def _labels() -> dict[str, dict[str, str]]:
    names = [k.removeprefix("dash.") for k in CATALOGUES["en"] if k.startswith("dash.")]
    names += [
        f"{p}_{k.partition('.')[2]}" for p in ("pattern", "status") for k in CATALOGUES["en"] if k.startswith(p + ".")
    ]
    names += list(_ALIASES)
    return {name: {lang: CATALOGUES[lang][key_of(name)] for lang in LANGUAGES} for name in names}


#: Every dashboard label by short name and language (a read-only view of the catalogue, for older callers).
LABELS: Final[Mapping[str, Mapping[str, str]]] = _labels()


def tr(key: str, lang: str, **values: object) -> str:
    """The label ``key`` (a short name) in ``lang`` (English if ``lang`` is unknown), with ``values`` filled in."""
    return _tr(key_of(key), lang if lang in LANGUAGES else "en", **values)
