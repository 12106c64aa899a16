"""The one look of every chart: the ``alliance_lens`` Altair theme, its colours and its labels (en/nl).

Trust and reliability keep the same two colours everywhere (Okabe–Ito, safe for the common colour-vision
deficiencies); type is large enough to read on a projector from the back of a room. Importing this module
registers the theme and enables it.
"""

from __future__ import annotations

from typing import Final

import altair as alt

from alliance_lens.model import LANGUAGES

THEME_NAME: Final = "alliance_lens"

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

#: Every word a chart shows, in English and Dutch.
LABELS: Final[dict[str, dict[str, str]]] = {
    # the two measures
    "reliability": {"en": "Reliability", "nl": "Betrouwbaarheid"},
    "trust": {"en": "Trust", "nl": "Vertrouwen"},
    "gap": {"en": "Gap", "nl": "Verschil"},
    "measure": {"en": "Measure", "nl": "Maat"},
    "band": {"en": "uncertainty band", "nl": "onzekerheidsband"},
    # axes and fields
    "date": {"en": "Date", "nl": "Datum"},
    "session": {"en": "Session", "nl": "Sessie"},
    "session_plural": {"en": "Sessions", "nl": "Sessies"},
    "partner": {"en": "Partner", "nl": "Partner"},
    "owner": {"en": "Owner", "nl": "Eigenaar"},
    "rater": {"en": "Rater (who trusts)", "nl": "Beoordelaar (wie vertrouwt)"},
    "ratee": {"en": "Rated partner", "nl": "Beoordeelde partner"},
    "due_on": {"en": "Due date", "nl": "Vervaldatum"},
    "status": {"en": "Status", "nl": "Status"},
    "agreements": {"en": "Agreements", "nl": "Afspraken"},
    "n_agreements": {"en": "Agreements due", "nl": "Afspraken vervallen"},
    "n_ratings": {"en": "Ratings", "nl": "Beoordelingen"},
    "n_respondents": {"en": "Respondents", "nl": "Respondenten"},
    "count": {"en": "Number", "nl": "Aantal"},
    "change": {"en": "Change since previous session", "nl": "Verandering sinds vorige sessie"},
    "overdue": {"en": "Overdue", "nl": "Over tijd"},
    "not_overdue": {"en": "On time or done", "nl": "Op tijd of afgerond"},
    "hidden_floor": {"en": "hidden (too few respondents)", "nl": "verborgen (te weinig respondenten)"},
    "event": {"en": "Event", "nl": "Gebeurtenis"},
    "broken_agreement": {"en": "Broken agreement", "nl": "Verbroken afspraak"},
    "dialogue_session": {"en": "Dialogue session", "nl": "Dialoogsessie"},
    "trust_shock_event": {"en": "Trust shock", "nl": "Vertrouwensschok"},
    "delivered_to": {"en": "Kept by A for B", "nl": "Door A nagekomen voor B"},
    "received_from": {"en": "Kept by B for A", "nl": "Door B nagekomen voor A"},
    "pair": {"en": "Pair", "nl": "Paar"},
    "due": {"en": "due", "nl": "vervallen"},
    "kept_count": {"en": "kept", "nl": "nagekomen"},
    "balance": {"en": "balance", "nl": "evenwicht"},
    "after": {"en": "After an agreement was", "nl": "Na een afspraak die werd"},
    "mean_change": {"en": "Mean change in trust", "nl": "Gemiddelde verandering in vertrouwen"},
    "lag": {"en": "Lag (sessions reliability leads trust)", "nl": "Vertraging (sessies dat betrouwbaarheid voorloopt)"},
    "correlation": {"en": "Correlation r", "nl": "Correlatie r"},
    "pattern": {"en": "Pattern", "nl": "Patroon"},
    "as_of": {"en": "As of", "nl": "Stand per"},
    "alliance": {"en": "The alliance as a whole", "nl": "Het bondgenootschap als geheel"},
    "alliance_short": {"en": "Whole alliance", "nl": "Hele bondgenootschap"},
    # chart titles
    "contrast_title": {
        "en": "Reliability against trust, per partner",
        "nl": "Betrouwbaarheid tegenover vertrouwen, per partner",
    },
    "contrast_subtitle": {
        "en": "Reliability: agreements kept. Trust: how much the others trust them. Bands: uncertainty; grey: the gap.",
        "nl": "Betrouwbaarheid: nagekomen afspraken. Vertrouwen: hoeveel de anderen hen vertrouwen. "
        "Banden: onzekerheid; grijs: het verschil.",
    },
    "alliance_contrast_title": {
        "en": "Reliability against trust, the whole alliance",
        "nl": "Betrouwbaarheid tegenover vertrouwen, het hele bondgenootschap",
    },
    "quadrant_title": {"en": "Where each partner stands", "nl": "Waar elke partner staat"},
    "quadrant_subtitle": {
        "en": "Each line: one partner over the sessions; the large dot is the latest session.",
        "nl": "Elke lijn: één partner over de sessies; de grote stip is de laatste sessie.",
    },
    "matrix_title": {"en": "Who trusts whom", "nl": "Wie vertrouwt wie"},
    "timeline_title": {"en": "Agreements by due date", "nl": "Afspraken per vervaldatum"},
    "timeline_subtitle": {
        "en": "Large outlined marks: overdue and still open.",
        "nl": "Grote omrande tekens: over tijd en nog open.",
    },
    "grouped_by_week": {
        "en": "Many agreements: each mark is those of one owner, week and status (the tooltip counts them).",
        "nl": "Veel afspraken: elk teken staat voor die van één eigenaar, week en status (de tooltip telt ze).",
    },
    "grouped_by_month": {
        "en": "Many agreements: each mark is those of one owner, month and status (the tooltip counts them).",
        "nl": "Veel afspraken: elk teken staat voor die van één eigenaar, maand en status (de tooltip telt ze).",
    },
    "reciprocity_title": {"en": "Reciprocity: who delivers to whom", "nl": "Wederkerigheid: wie levert aan wie"},
    "reciprocity_subtitle": {
        "en": "Agreements kept, A for B against B for A; on the diagonal the pair is in balance.",
        "nl": "Nagekomen afspraken, A voor B tegenover B voor A; op de diagonaal is het paar in evenwicht.",
    },
    "asymmetry_title": {
        "en": "Trust comes on foot and leaves on horseback",
        "nl": "Vertrouwen komt te voet en gaat te paard",
    },
    "asymmetry_subtitle": {
        "en": "Mean change in trust at the next session, after an agreement was kept or broken.",
        "nl": "Gemiddelde verandering in vertrouwen bij de volgende sessie, na een nagekomen of verbroken afspraak.",
    },
    "lead_lag_title": {"en": "Does trust follow reliability?", "nl": "Volgt vertrouwen de betrouwbaarheid?"},
    "lead_lag_subtitle": {
        "en": "Correlation of trust with reliability some sessions earlier, with its 95 % interval.",
        "nl": "Correlatie van vertrouwen met betrouwbaarheid enkele sessies eerder, met 95 %-interval.",
    },
    "partners_shown": {
        "en": "{k} of {n} partners: first those whose pattern calls for attention, then the largest gaps.",
        "nl": "{k} van {n} partners: eerst wie een patroon heeft dat aandacht vraagt, dan de grootste verschillen.",
    },
    "periods_shown": {"en": "The latest {k} of {n} sessions.", "nl": "De laatste {k} van {n} sessies."},
    # report
    "report_title": {"en": "Reliability and trust", "nl": "Betrouwbaarheid en vertrouwen"},
    "patterns_heading": {"en": "What the data shows", "nl": "Wat de gegevens laten zien"},
    "overdue_heading": {"en": "Overdue agreements", "nl": "Afspraken over tijd"},
    "no_overdue": {"en": "No agreement is overdue.", "nl": "Geen afspraak is over tijd."},
    "no_patterns": {"en": "No pattern found yet.", "nl": "Nog geen patroon gevonden."},
    "days_overdue": {"en": "days overdue", "nl": "dagen over tijd"},
    "due_label": {"en": "due", "nl": "vervalt"},
    "generated_by": {"en": "Made with alliance_lens", "nl": "Gemaakt met alliance_lens"},
    "no_data": {"en": "No data yet", "nl": "Nog geen gegevens"},
}

#: The patterns' names (state patterns and the trust-shock event).
PATTERN_LABELS: Final[dict[str, dict[str, str]]] = {
    "earned_trust": {"en": "Earned trust", "nl": "Verdiend vertrouwen"},
    "trust_lags": {"en": "Trust lags", "nl": "Vertrouwen blijft achter"},
    "blind_trust": {"en": "Blind trust", "nl": "Blind vertrouwen"},
    "distrust": {"en": "Distrust", "nl": "Wantrouwen"},
    "trust_shock": {"en": "Trust shock", "nl": "Vertrouwensschok"},
    "not_enough_data": {"en": "Not enough data", "nl": "Te weinig gegevens"},
}
#: The agreement statuses' names.
STATUS_LABELS: Final[dict[str, dict[str, str]]] = {
    "open": {"en": "Open", "nl": "Open"},
    "kept": {"en": "Kept", "nl": "Nagekomen"},
    "kept_late": {"en": "Kept late", "nl": "Te laat nagekomen"},
    "renegotiated": {"en": "Renegotiated", "nl": "Heronderhandeld"},
    "broken": {"en": "Broken", "nl": "Verbroken"},
    "dropped": {"en": "Dropped", "nl": "Vervallen"},
}


def check_lang(lang: str) -> str:
    """``lang`` if it is a supported language; a clear :class:`ValueError` otherwise."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def label(key: str, lang: str = "en") -> str:
    """The word for ``key`` in ``lang`` (``en`` or ``nl``)."""
    return LABELS[key][check_lang(lang)]


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
