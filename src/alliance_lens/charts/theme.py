"""The one look of every chart: the ``alliance_lens`` Altair theme, its colours and its labels (en/nl).

Trust and reliability keep the same two colours everywhere (Okabe–Ito, safe for the common colour-vision
deficiencies); type is large enough to read on a projector from the back of a room. Importing this module
registers the theme and enables it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import altair as alt

from alliance_lens.messages import CATALOGUES, LANGUAGES, tr

THEME_NAME: Final = "alliance_lens"


def _section(prefix: str) -> dict[str, dict[str, str]]:
    """The catalogue's ``prefix.*`` messages by short key and language (read-only views for older callers)."""
    return {
        key.partition(".")[2]: {lang: CATALOGUES[lang][key] for lang in LANGUAGES}
        for key in CATALOGUES["en"]
        if key.startswith(prefix + ".")
    }


#: Okabe–Ito colours: told apart with any common colour-vision deficiency, and in greyscale print.
RELIABILITY_COLOUR: Final = "#0072B2"  # blue
TRUST_COLOUR: Final = "#E69F00"  # orange
GAP_COLOUR: Final = "#999999"
BROKEN_COLOUR: Final = "#D55E00"  # vermillion: a broken agreement, an overdue one
DIALOGUE_COLOUR: Final = "#009E73"  # bluish green: a dialogue session
SHOCK_COLOUR: Final = "#CC79A7"  # reddish purple: a trust shock
TEXT_COLOUR: Final = "#222222"
PARTNER_SCHEME: Final = "dark2"

#: Colour of each agreement status (kept ones blue-ish, failed ones warm, open ones grey).
STATUS_COLOURS: Final[dict[str, str]] = {
    "kept": "#0072B2",
    "kept_late": "#56B4E9",
    "renegotiated": "#F0E442",
    "broken": "#D55E00",
    "dropped": "#CC79A7",
    "open": "#999999",
}
#: Colour of each state pattern (quadrant backgrounds, pattern badges).
PATTERN_COLOURS: Final[dict[str, str]] = {
    "earned_trust": "#009E73",
    "trust_lags": "#56B4E9",
    "blind_trust": "#D55E00",
    "distrust": "#999999",
    "trust_shock": "#CC79A7",
    "not_enough_data": "#DDDDDD",
}

FONT: Final = "Liberation Sans, DejaVu Sans, Arial, Helvetica, sans-serif"
#: Font sizes for a projector; reports use the same, so what the client keeps is what the room saw.
TITLE_SIZE: Final = 24
SUBTITLE_SIZE: Final = 17
LABEL_SIZE: Final = 15
AXIS_TITLE_SIZE: Final = 17

#: Every word a chart shows lives in the message catalogue (:mod:`alliance_lens.messages`) under
#: ``chart.<key>``; the patterns' names under ``pattern.<key>``, the agreement statuses' under ``status.<key>``.
LABELS: Final[Mapping[str, Mapping[str, str]]] = _section("chart")
#: The patterns' names (state patterns and the trust-shock event), by pattern and language.
PATTERN_LABELS: Final[Mapping[str, Mapping[str, str]]] = _section("pattern")
#: The agreement statuses' names, by status and language.
STATUS_LABELS: Final[Mapping[str, Mapping[str, str]]] = _section("status")


def check_lang(lang: str) -> str:
    """``lang`` if it is a supported language; a clear :class:`ValueError` otherwise."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def label(key: str, lang: str = "en") -> str:
    """The word for ``key`` in ``lang`` (``en`` or ``nl``): ``tr("chart." + key, lang)``."""
    return tr(f"chart.{key}", check_lang(lang))


def pattern_label(pattern: str, lang: str = "en") -> str:
    """The name of a pattern (``earned_trust``, ``blind_trust``, …) in ``lang``; unknown ones as given."""
    return PATTERN_LABELS.get(pattern, {}).get(check_lang(lang), pattern)


def status_label(status: str, lang: str = "en") -> str:
    """The name of an agreement status in ``lang``; unknown ones as given."""
    return STATUS_LABELS.get(status, {}).get(check_lang(lang), status)


def theme_config() -> alt.theme.ThemeConfig:
    """The theme: large type, quiet grid, no chart border, the project's fonts."""
    return alt.theme.ThemeConfig(
        config={
            "font": FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 420, "continuousHeight": 260},
            "title": {
                "fontSize": TITLE_SIZE,
                "subtitleFontSize": SUBTITLE_SIZE,
                "anchor": "start",
                "color": TEXT_COLOUR,
                "subtitleColor": "#444444",
                "offset": 12,
            },
            "axis": {
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": AXIS_TITLE_SIZE,
                "titleFontWeight": "normal",
                "labelColor": TEXT_COLOUR,
                "labelLimit": 260,
                "titleColor": TEXT_COLOUR,
                "gridColor": "#e6e6e6",
                "domainColor": "#888888",
                "tickColor": "#888888",
            },
            "legend": {
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": LABEL_SIZE,
                "symbolSize": 160,
                "orient": "top",
                "labelLimit": 400,
                "titleLimit": 500,
            },
            "header": {"labelFontSize": AXIS_TITLE_SIZE, "titleFontSize": AXIS_TITLE_SIZE, "labelLimit": 500},
            "text": {"fontSize": LABEL_SIZE, "color": TEXT_COLOUR},
            "line": {"strokeWidth": 3},
            "point": {"size": 70, "filled": True},
        }
    )


@alt.theme.register(THEME_NAME, enable=True)
def _alliance_lens_theme() -> alt.theme.ThemeConfig:
    return theme_config()


def enable() -> None:
    """Enable the theme again (e.g. after an analyst tried another one)."""
    alt.theme.enable(THEME_NAME)
