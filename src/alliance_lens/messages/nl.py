"""Every message in Dutch (Nederlands); :mod:`alliance_lens.messages` for how keys are named and filled."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # ------------------------------------------------------------------ common
    "common.app_title": "Alliance lens",
    # ------------------------------------------------------------------ problems (issue 13)
    # ------------------------------------------------------------------ client links and pages (issue 9)
    # ------------------------------------------------------------------ live poll (issue 10)
    # the phone's page
    "poll.page_title": "Vertrouwenspeiling · {alliance}",
    "poll.heading": "Hoeveel vertrouwt uw organisatie elke partner?",
    "poll.session": "Bijeenkomst: {session}",
    "poll.rater_label": "Ik spreek voor",
    "poll.rater_choose": "Kies uw organisatie",
    "poll.scale_hint": (
        "{lo} = heel weinig vertrouwen, {hi} = volledig vertrouwen. Laat een partner op „overslaan” als u het "
        "niet weet."
    ),
    "poll.skip": "overslaan",
    "poll.score_label": "Vertrouwen in {partner}",
    "poll.comment_label": "Een opmerking (niet verplicht)",
    "poll.submit": "Verstuur mijn antwoord",
    "poll.anonymous_note": (
        "Anoniem: de zaal ziet hoeveel mensen antwoordden, en het gemiddelde van een paar pas vanaf {floor} "
        "antwoorden. Er worden geen namen bewaard."
    ),
    "poll.stored_title": "Dank u",
    "poll.stored": "Uw antwoord is opgeslagen.",
    "poll.stored_replaced": "Uw nieuwe antwoord vervangt uw eerdere.",
    "poll.change_answer": "Mijn antwoord wijzigen",
    "poll.fix_heading": "Uw antwoord is niet opgeslagen:",
    "poll.refused_title": "Niet aangenomen",
    "poll.problem.no_rater": "Kies de organisatie waarvoor u spreekt.",
    "poll.problem.unknown_rater": "De gekozen organisatie is geen partner van deze alliantie.",
    "poll.problem.unknown_ratee": "U beoordeelde een organisatie die geen partner van deze alliantie is.",
    "poll.problem.self_rating": "Uw organisatie ({partner}) beoordeelt zichzelf niet: laat die leeg.",
    "poll.problem.not_a_number": "Het vertrouwen in {partner} is geen getal: geef een getal van {lo} tot {hi}.",
    "poll.problem.outside_scale": (
        "Het vertrouwen in {partner} valt buiten de schaal: geef een getal van {lo} tot {hi}."
    ),
    "poll.problem.comment_too_long": "De opmerking is langer dan {n} tekens: maak haar korter.",
    "poll.problem.no_scores": "Beoordeel ten minste één partner.",
    "poll.problem.repeated_field": "Het formulier bevatte een veld twee keer: verstuur het opnieuw vanaf deze pagina.",
    "poll.refused.missing": "Deze peilingslink heeft geen toegangscode. Scan de code op het scherm opnieuw.",
    "poll.refused.tampered": "Deze peilingslink is niet geldig: hij is gewijzigd of niet door deze server gemaakt.",
    "poll.refused.expired": "Deze peiling is verlopen. Vraag de begeleider haar opnieuw te openen.",
    "poll.refused.closed": "Deze peiling is gesloten: ze neemt geen antwoorden meer aan. Dank u.",
    "poll.refused.form": (
        "Dit formulier is verouderd of niet vanaf deze pagina verstuurd. Open de link opnieuw en antwoord."
    ),
    "poll.refused.too_large": "Het antwoord is te lang om aan te nemen (hoogstens {n} bytes).",
    "poll.refused.flood": (
        "Te veel antwoorden vanaf dit netwerk in korte tijd. Wacht {seconds} seconden en probeer het opnieuw."
    ),
    "poll.refused.not_found": "Hier is niets te zien. Scan de code op het scherm opnieuw.",
    "poll.refused.method": "Dit adres neemt alleen het formulier van de peiling aan.",
    "poll.refused.busy": "De server kon uw antwoord nu niet opslaan. Verstuur het alstublieft opnieuw.",
    # the facilitator's panel
    "poll.panel_title": "Live vertrouwenspeiling",
    "poll.open_button": "Open de peiling van deze bijeenkomst",
    "poll.close_button": "Sluit de peiling",
    "poll.scan": "Scan de code, of ga naar",
    "poll.state_none": "Nog geen peiling voor deze bijeenkomst.",
    "poll.state_open": "Open: tot nu toe {total} antwoorden.",
    "poll.state_closed": "Gesloten: {total} antwoorden.",
    "poll.answers_title": "Antwoorden per organisatie",
    "poll.grid_title": "Vertrouwen in de zaal: gemiddelde per paar",
    "poll.not_enough": "nog niet genoeg antwoorden",
    "poll.rater_ratee": "beoordelaar ↓ · beoordeeld →",
    "poll.opened": "De peiling van bijeenkomst {session} is open: deelnemers scannen de code.",
    "poll.closed": "De peiling van bijeenkomst {session} is gesloten.",
    "poll.no_session": "Voeg eerst een bijeenkomst toe: een peiling hoort bij één bijeenkomst.",
    "poll.action": "de live peiling",
    # the command line
    "poll.cli_opened": (
        "peiling {code} van alliantie {alliance}, bijeenkomst {session} is open tot {until} UTC; leesbaar "
        "adres: {short}"
    ),
    "poll.cli_closed": "de peiling van alliantie {alliance}, bijeenkomst {session} is gesloten ({total} antwoorden)",
    "poll.cli_state_open": "open",
    "poll.cli_state_closed": "gesloten",
    "poll.cli_state_none": "geen peiling",
    "poll.cli_status": "alliantie {alliance}, bijeenkomst {session}: {state}, {total} antwoorden",
    # ------------------------------------------------------------------ patterns (issue 11)
    # ------------------------------------------------------------------ dashboard (issue 12)
    # ------------------------------------------------------------------ files (issue 14)
    # ------------------------------------------------------------------ store (issue 15)
}
