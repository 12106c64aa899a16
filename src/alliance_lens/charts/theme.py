"""The one look of every chart: the ``alliance_lens`` Altair theme, its colours and its labels (en/nl).

Trust and reliability keep the same two colours, line styles and markers everywhere (safe for the common
colour-vision deficiencies, every mark at least 3:1 on white); type is large enough to read on a projector
from the back of a room. Importing this module registers the theme and enables it.
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


#: The colours of marks: each at least 3:1 against the white background (WCAG 2.1, 1.4.11 non-text contrast;
#: ``tests/test_charts.py`` pins the ratios), and reliability against trust blue against dark orange, told apart
#: with any common colour-vision deficiency. Colour is never the only cue: trust is also dashed with square
#: markers, reliability solid with round ones, and each line is named at its end.
RELIABILITY_COLOUR: Final = "#0072B2"  # blue (Okabe–Ito), 5.2:1
TRUST_COLOUR: Final = "#C25700"  # dark orange, 4.5:1
GAP_COLOUR: Final = "#767676"  # grey, 4.5:1
BROKEN_COLOUR: Final = "#882255"  # wine (Tol): a broken agreement, an overdue one, 8.7:1
DIALOGUE_COLOUR: Final = "#007A5A"  # dark bluish green: a dialogue session, 5.3:1
SHOCK_COLOUR: Final = "#AA4499"  # purple (Tol): a trust shock, 5.3:1
TEXT_COLOUR: Final = "#222222"
#: Line style and marker of each measure (Vega-Lite ``strokeDash`` and point ``shape``).
RELIABILITY_DASH: Final[tuple[int, ...]] = ()
TRUST_DASH: Final[tuple[int, ...]] = (9, 5)
RELIABILITY_SHAPE: Final = "circle"
TRUST_SHAPE: Final = "square"
#: Partners' colours (in the quadrant and the lead–lag chart; their names are written beside them too).
PARTNER_COLOURS: Final[tuple[str, ...]] = (
    "#0072B2",
    "#C25700",
    "#007A5A",
    "#AA4499",
    "#7570B3",
    "#8F7A00",
    "#882255",
    "#666666",
)
#: Kept for older callers: the partner colours are :data:`PARTNER_COLOURS` now, not a named scheme.
PARTNER_SCHEME: Final = "dark2"

#: Colour of each agreement status (kept ones blue and green, failed ones warm, open ones grey).
STATUS_COLOURS: Final[dict[str, str]] = {
    "kept": "#0072B2",
    "kept_late": "#007A5A",
    "renegotiated": "#8F7A00",
    "broken": "#882255",
    "dropped": "#AA4499",
    "open": "#767676",
}
#: Colour of each state pattern (quadrant backgrounds, pattern badges).
PATTERN_COLOURS: Final[dict[str, str]] = {
    "earned_trust": "#007A5A",
    "trust_lags": "#0072B2",
    "blind_trust": "#C25700",
    "distrust": "#767676",
    "trust_shock": "#AA4499",
    "not_enough_data": "#8A8A8A",
}
#: Other greys drawn as marks (rules, the diagonal, hidden cells' dash).
RULE_COLOUR: Final = "#555555"
MUTED_COLOUR: Final = "#767676"


def mark_colours() -> dict[str, str]:
    """Every colour the charts draw marks in, by name (what the contrast test checks against white)."""
    found = {
        "reliability": RELIABILITY_COLOUR,
        "trust": TRUST_COLOUR,
        "gap": GAP_COLOUR,
        "broken": BROKEN_COLOUR,
        "dialogue": DIALOGUE_COLOUR,
        "shock": SHOCK_COLOUR,
        "text": TEXT_COLOUR,
        "rule": RULE_COLOUR,
        "muted": MUTED_COLOUR,
    }
    found.update({f"partner_{i}": c for i, c in enumerate(PARTNER_COLOURS)})
    found.update({f"status_{k}": c for k, c in STATUS_COLOURS.items()})
    found.update({f"pattern_{k}": c for k, c in PATTERN_COLOURS.items()})
    return found


def contrast_ratio(colour: str, background: str = "#FFFFFF") -> float:
    """The WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours (1 to 21), from their relative luminance."""

    def luminance(hex_colour: str) -> float:
        h = hex_colour.lstrip("#")
        channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    a, b = sorted((luminance(colour), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


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
            # no machine-made descriptions of single marks ("x0: 70.000000%") and guides for a screen reader:
            # each chart says what it shows in its ``description`` and gives its data as a table beside it
            "aria": False,
            "mark": {"aria": False},  # marks out of the accessibility tree: the chart's description speaks for them
        }
    )


@alt.theme.register(THEME_NAME, enable=True)
def _alliance_lens_theme() -> alt.theme.ThemeConfig:
    return theme_config()


def enable() -> None:
    """Enable the theme again (e.g. after an analyst tried another one)."""
    alt.theme.enable(THEME_NAME)
