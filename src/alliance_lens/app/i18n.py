"""Every label of the dashboards in English and Dutch.

One table, so that a missing translation is found by a test (every key in both languages) rather than by a
client on a projector.
"""

from __future__ import annotations

from typing import Final

from alliance_lens.charts.theme import PATTERN_LABELS, STATUS_LABELS

LABELS: Final[dict[str, dict[str, str]]] = {
    # header
    "app_title": {"en": "Alliance lens", "nl": "Alliance lens"},
    "alliance": {"en": "Alliance", "nl": "Alliantie"},
    "language": {"en": "Language", "nl": "Taal"},
    "presentation": {"en": "Presentation", "nl": "Presentatie"},
    "presentation_tip": {
        "en": "Hide the forms and show the charts large, for the screen in the room",
        "nl": "Verberg de formulieren en toon de grafieken groot, voor het scherm in de zaal",
    },
    "undo": {"en": "Undo last change", "nl": "Laatste wijziging ongedaan maken"},
    "undone": {"en": "Undone: {what}", "nl": "Ongedaan gemaakt: {what}"},
    "nothing_to_undo": {"en": "There is nothing to undo.", "nl": "Er is niets om ongedaan te maken."},
    "updating": {"en": "Updating the charts…", "nl": "De grafieken worden bijgewerkt…"},
    "loading": {"en": "Loading the alliance…", "nl": "De alliantie wordt geladen…"},
    "no_alliances": {
        "en": "The workspace holds no alliance yet. Import one with: alliance-lens import PATH",
        "nl": "De werkruimte bevat nog geen alliantie. Importeer er een met: alliance-lens import PAD",
    },
    "as_of": {"en": "As of {date}", "nl": "Stand per {date}"},
    "no_data_yet": {"en": "No data yet", "nl": "Nog geen gegevens"},
    # sections
    "section_contrast": {"en": "Reliability and trust per partner", "nl": "Betrouwbaarheid en vertrouwen per partner"},
    "section_alliance": {"en": "The alliance as a whole", "nl": "De alliantie als geheel"},
    "section_quadrant": {"en": "Where each partner stands", "nl": "Waar elke partner staat"},
    "section_matrix": {"en": "Who trusts whom", "nl": "Wie vertrouwt wie"},
    "section_timeline": {"en": "Agreements over time", "nl": "Afspraken in de tijd"},
    "section_reciprocity": {"en": "Reciprocity", "nl": "Wederkerigheid"},
    "section_patterns": {"en": "Patterns", "nl": "Patronen"},
    "section_overdue": {"en": "Overdue agreements", "nl": "Afspraken over tijd"},
    "no_overdue": {"en": "No agreement is overdue.", "nl": "Geen afspraak is over tijd."},
    "no_patterns": {"en": "No pattern found yet.", "nl": "Nog geen patroon gevonden."},
    "chart_failed": {
        "en": "This chart could not be drawn (the error is logged).",
        "nl": "Deze grafiek kon niet worden getekend (de fout staat in het logboek).",
    },
    # tabs
    "tab_agreement": {"en": "New agreement", "nl": "Nieuwe afspraak"},
    "tab_outcomes": {"en": "Outcomes", "nl": "Uitkomsten"},
    "tab_ratings": {"en": "Trust ratings", "nl": "Vertrouwensscores"},
    "tab_partners": {"en": "Partners and goals", "nl": "Partners en doelen"},
    "tab_sessions": {"en": "Sessions", "nl": "Sessies"},
    # common fields
    "save": {"en": "Save", "nl": "Opslaan"},
    "saved": {"en": "Saved: {what}", "nl": "Opgeslagen: {what}"},
    "new": {"en": "(new)", "nl": "(nieuw)"},
    "title": {"en": "Title", "nl": "Titel"},
    "kind": {"en": "Kind", "nl": "Soort"},
    "date": {"en": "Date", "nl": "Datum"},
    "note": {"en": "Note", "nl": "Notitie"},
    "name": {"en": "Name", "nl": "Naam"},
    "id": {"en": "Id", "nl": "Id"},
    "required": {"en": "This field is required.", "nl": "Dit veld is verplicht."},
    "not_a_date": {"en": "Choose a date.", "nl": "Kies een datum."},
    "fix_fields": {
        "en": "Nothing was saved: fix the fields marked.",
        "nl": "Niets opgeslagen: verbeter de gemarkeerde velden.",
    },
    "unexpected": {
        "en": "Something went wrong while {action}; the details are in the log.",
        "nl": "Er ging iets mis bij {action}; de details staan in het logboek.",
    },
    # agreement form
    "owner": {"en": "Owner", "nl": "Eigenaar"},
    "beneficiaries": {"en": "For", "nl": "Voor"},
    "beneficiaries_tip": {
        "en": "None selected = every other partner",
        "nl": "Niets gekozen = alle andere partners",
    },
    "made_on": {"en": "Made on", "nl": "Gemaakt op"},
    "due_on": {"en": "Due on", "nl": "Uiterlijk op"},
    "agreement_id": {"en": "Agreement id", "nl": "Afspraak-id"},
    "kind_content": {"en": "Content", "nl": "Inhoud"},
    "kind_process": {"en": "Process", "nl": "Manier van werken"},
    "add_agreement": {"en": "Add agreement", "nl": "Afspraak toevoegen"},
    "action_agreement": {"en": "saving the agreement", "nl": "het opslaan van de afspraak"},
    # outcomes
    "outcome_date": {"en": "Outcome date", "nl": "Datum uitkomst"},
    "status": {"en": "Status", "nl": "Status"},
    "no_open_agreements": {"en": "No open agreements.", "nl": "Geen openstaande afspraken."},
    "more_open": {"en": "… and {n} more open agreements.", "nl": "… en nog {n} openstaande afspraken."},
    "due": {"en": "due {date}", "nl": "uiterlijk {date}"},
    "overdue": {"en": "overdue", "nl": "over tijd"},
    "marked": {"en": "{title}: {status}", "nl": "{title}: {status}"},
    "action_outcome": {"en": "recording the outcome", "nl": "het vastleggen van de uitkomst"},
    # ratings
    "session": {"en": "Session", "nl": "Sessie"},
    "respondent": {"en": "Respondent (optional)", "nl": "Respondent (optioneel)"},
    "rater_ratee": {"en": "rater ↓ trusts ratee →", "nl": "beoordelaar ↓ vertrouwt →"},
    "scale": {
        "en": "Scale {lo}–{hi}; leave a cell empty to skip it.",
        "nl": "Schaal {lo}–{hi}; laat een cel leeg om over te slaan.",
    },
    "save_ratings": {"en": "Save ratings", "nl": "Scores opslaan"},
    "no_ratings_entered": {"en": "Enter at least one score.", "nl": "Vul minstens één score in."},
    "ratings_saved": {"en": "{n} trust ratings", "nl": "{n} vertrouwensscores"},
    "not_a_number": {"en": "{value!r} is not a number", "nl": "{value!r} is geen getal"},
    "outside_scale": {"en": "{value} is outside the scale {lo}–{hi}", "nl": "{value} valt buiten de schaal {lo}–{hi}"},
    "no_sessions": {"en": "Add a session first.", "nl": "Voeg eerst een sessie toe."},
    "action_ratings": {"en": "saving the ratings", "nl": "het opslaan van de scores"},
    # partners and goals
    "partner": {"en": "Partner", "nl": "Partner"},
    "partner_id": {"en": "Partner id", "nl": "Partner-id"},
    "save_partner": {"en": "Save partner", "nl": "Partner opslaan"},
    "goals_shared": {"en": "Goals shared on", "nl": "Doelen gedeeld op"},
    "goals_not_shared": {"en": "not shared", "nl": "niet gedeeld"},
    "mark_goals": {"en": "Goals shared", "nl": "Doelen gedeeld"},
    "clear_goals": {"en": "Not shared", "nl": "Niet gedeeld"},
    "action_partner": {"en": "saving the partner", "nl": "het opslaan van de partner"},
    "action_goals": {"en": "saving the goals", "nl": "het opslaan van de doelen"},
    # sessions
    "session_id": {"en": "Session id", "nl": "Sessie-id"},
    "save_session": {"en": "Save session", "nl": "Sessie opslaan"},
    "kind_meeting": {"en": "Meeting", "nl": "Overleg"},
    "kind_workshop": {"en": "Workshop", "nl": "Werksessie"},
    "kind_dialogue": {"en": "Dialogue on beliefs", "nl": "Dialoog over overtuigingen"},
    "action_session": {"en": "saving the session", "nl": "het opslaan van de sessie"},
    "action_undo": {"en": "undoing the last change", "nl": "het ongedaan maken"},
    "action_refresh": {"en": "loading the alliance", "nl": "het laden van de alliantie"},
    # client view
    "client_title": {"en": "{name}: reliability and trust", "nl": "{name}: betrouwbaarheid en vertrouwen"},
    "read_only_note": {
        "en": "A read-only view for the partners of this alliance.",
        "nl": "Een alleen-lezen weergave voor de partners van deze alliantie.",
    },
    "hidden_dyads": {
        "en": "Ratings given by fewer respondents than the anonymity floor are hidden.",
        "nl": "Scores van minder respondenten dan de anonimiteitsgrens zijn verborgen.",
    },
    "link_refused_title": {"en": "This link cannot be opened", "nl": "Deze link kan niet worden geopend"},
    "link_ask": {
        "en": "Ask your facilitator for a new link.",
        "nl": "Vraag uw begeleider om een nieuwe link.",
    },
}

# pattern and status names are the charts' own, so a card and the chart beside it never disagree
LABELS.update({f"pattern_{key}": names for key, names in PATTERN_LABELS.items()})
LABELS.update({f"status_{key}": names for key, names in STATUS_LABELS.items()})


def tr(key: str, lang: str, **values: object) -> str:
    """The label ``key`` in ``lang`` (English if ``lang`` is unknown), with ``values`` filled in."""
    entry = LABELS[key]
    text = entry.get(lang, entry["en"])
    return text.format(**values) if values else text
