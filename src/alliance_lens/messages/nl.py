"""Every message in Dutch (Nederlands); :mod:`alliance_lens.messages` for how keys are named and filled."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # ------------------------------------------------------------------ common
    "common.app_title": "Alliance lens",
    # ------------------------------------------------------------------ labels, links, problems (issue 13)
    # dashboard (were app/i18n.LABELS)
    "dash.alliance": "Alliantie",
    "dash.language": "Taal",
    "dash.presentation": "Presentatie",
    "dash.presentation_tip": "Verberg de formulieren en toon de grafieken groot, voor het scherm in de zaal",
    "dash.undo": "Laatste wijziging ongedaan maken",
    "dash.undone": "Ongedaan gemaakt: {what}",
    "dash.nothing_to_undo": "Er is niets om ongedaan te maken.",
    "dash.updating": "De grafieken worden bijgewerkt…",
    "dash.loading": "De alliantie wordt geladen…",
    "dash.no_alliances": "De werkruimte bevat nog geen alliantie. Importeer er een met: alliance-lens import PAD",
    "dash.as_of": "Stand per {date}",
    "dash.no_data_yet": "Nog geen gegevens",
    "dash.section_contrast": "Betrouwbaarheid en vertrouwen per partner",
    "dash.section_alliance": "De alliantie als geheel",
    "dash.section_quadrant": "Waar elke partner staat",
    "dash.section_matrix": "Wie vertrouwt wie",
    "dash.section_timeline": "Afspraken in de tijd",
    "dash.section_reciprocity": "Wederkerigheid",
    "dash.section_patterns": "Patronen",
    "dash.section_overdue": "Afspraken over tijd",
    "dash.no_overdue": "Geen afspraak is over tijd.",
    "dash.no_patterns": "Nog geen patroon gevonden.",
    "dash.chart_failed": "Deze grafiek kon niet worden getekend (de fout staat in het logboek).",
    "dash.tab_agreement": "Nieuwe afspraak",
    "dash.tab_outcomes": "Uitkomsten",
    "dash.tab_ratings": "Vertrouwensscores",
    "dash.tab_partners": "Partners en doelen",
    "dash.tab_sessions": "Sessies",
    "dash.save": "Opslaan",
    "dash.saved": "Opgeslagen: {what}",
    "dash.new": "(nieuw)",
    "dash.title": "Titel",
    "dash.kind": "Soort",
    "dash.date": "Datum",
    "dash.note": "Notitie",
    "dash.name": "Naam",
    "dash.id": "Id",
    "dash.required": "Dit veld is verplicht.",
    "dash.not_a_date": "Kies een datum.",
    "dash.fix_fields": "Niets opgeslagen: verbeter de gemarkeerde velden.",
    "dash.unexpected": "Er ging iets mis bij {action}; de details staan in het logboek.",
    "dash.owner": "Eigenaar",
    "dash.beneficiaries": "Voor",
    "dash.beneficiaries_tip": "Niets gekozen = alle andere partners",
    "dash.made_on": "Gemaakt op",
    "dash.due_on": "Uiterlijk op",
    "dash.agreement_id": "Afspraak-id",
    "dash.kind_content": "Inhoud",
    "dash.kind_process": "Manier van werken",
    "dash.add_agreement": "Afspraak toevoegen",
    "dash.action_agreement": "het opslaan van de afspraak",
    "dash.outcome_date": "Datum uitkomst",
    "dash.status": "Status",
    "dash.no_open_agreements": "Geen openstaande afspraken.",
    "dash.more_open": "… en nog {n} openstaande afspraken.",
    "dash.due": "uiterlijk {date}",
    "dash.overdue": "over tijd",
    "dash.marked": "{title}: {status}",
    "dash.action_outcome": "het vastleggen van de uitkomst",
    "dash.session": "Sessie",
    "dash.respondent": "Respondent (optioneel)",
    "dash.rater_ratee": "beoordelaar ↓ vertrouwt →",
    "dash.scale": "Schaal {lo}–{hi}; laat een cel leeg om over te slaan.",
    "dash.save_ratings": "Scores opslaan",
    "dash.no_ratings_entered": "Vul minstens één score in.",
    "dash.ratings_saved": "{n} vertrouwensscores",
    "dash.not_a_number": "{value!r} is geen getal",
    "dash.outside_scale": "{value} valt buiten de schaal {lo}–{hi}",
    "dash.no_sessions": "Voeg eerst een sessie toe.",
    "dash.action_ratings": "het opslaan van de scores",
    "dash.partner": "Partner",
    "dash.partner_id": "Partner-id",
    "dash.save_partner": "Partner opslaan",
    "dash.goals_shared": "Doelen gedeeld op",
    "dash.goals_not_shared": "niet gedeeld",
    "dash.mark_goals": "Doelen gedeeld",
    "dash.clear_goals": "Niet gedeeld",
    "dash.action_partner": "het opslaan van de partner",
    "dash.action_goals": "het opslaan van de doelen",
    "dash.session_id": "Sessie-id",
    "dash.save_session": "Sessie opslaan",
    "dash.kind_meeting": "Overleg",
    "dash.kind_workshop": "Werksessie",
    "dash.kind_dialogue": "Dialoog over overtuigingen",
    "dash.action_session": "het opslaan van de sessie",
    "dash.action_undo": "het ongedaan maken",
    "dash.action_refresh": "het laden van de alliantie",
    "dash.client_title": "{name}: betrouwbaarheid en vertrouwen",
    "dash.read_only_note": "Een alleen-lezen weergave voor de partners van deze alliantie.",
    "dash.hidden_dyads": "Scores van minder respondenten dan de anonimiteitsgrens zijn verborgen.",
    # charts and report (were charts/theme.LABELS)
    "chart.reliability": "Betrouwbaarheid",
    "chart.trust": "Vertrouwen",
    "chart.gap": "Verschil",
    "chart.measure": "Maat",
    "chart.band": "onzekerheidsband",
    "chart.date": "Datum",
    "chart.session": "Sessie",
    "chart.session_plural": "Sessies",
    "chart.partner": "Partner",
    "chart.owner": "Eigenaar",
    "chart.rater": "Beoordelaar (wie vertrouwt)",
    "chart.ratee": "Beoordeelde partner",
    "chart.due_on": "Vervaldatum",
    "chart.status": "Status",
    "chart.agreements": "Afspraken",
    "chart.n_agreements": "Afspraken vervallen",
    "chart.n_ratings": "Beoordelingen",
    "chart.n_respondents": "Respondenten",
    "chart.count": "Aantal",
    "chart.change": "Verandering sinds vorige sessie",
    "chart.overdue": "Over tijd",
    "chart.not_overdue": "Op tijd of afgerond",
    "chart.hidden_floor": "verborgen (te weinig respondenten)",
    "chart.event": "Gebeurtenis",
    "chart.broken_agreement": "Verbroken afspraak",
    "chart.dialogue_session": "Dialoogsessie",
    "chart.trust_shock_event": "Vertrouwensschok",
    "chart.delivered_to": "Door A nagekomen voor B",
    "chart.received_from": "Door B nagekomen voor A",
    "chart.pair": "Paar",
    "chart.due": "vervallen",
    "chart.kept_count": "nagekomen",
    "chart.balance": "evenwicht",
    "chart.after": "Na een afspraak die werd",
    "chart.mean_change": "Gemiddelde verandering in vertrouwen",
    "chart.lag": "Vertraging (sessies dat betrouwbaarheid voorloopt)",
    "chart.correlation": "Correlatie r",
    "chart.pattern": "Patroon",
    "chart.as_of": "Stand per",
    "chart.alliance": "De alliantie als geheel",
    "chart.alliance_short": "Hele alliantie",
    "chart.contrast_title": "Betrouwbaarheid tegenover vertrouwen, per partner",
    "chart.contrast_subtitle": "Betrouwbaarheid: nagekomen afspraken. Vertrouwen: hoeveel de anderen hen vertrouwen. Banden: onzekerheid; grijs: het verschil.",
    "chart.alliance_contrast_title": "Betrouwbaarheid tegenover vertrouwen, de hele alliantie",
    "chart.quadrant_title": "Waar elke partner staat",
    "chart.quadrant_subtitle": "Elke lijn: één partner over de sessies; de grote stip is de laatste sessie.",
    "chart.matrix_title": "Wie vertrouwt wie",
    "chart.timeline_title": "Afspraken per vervaldatum",
    "chart.timeline_subtitle": "Grote omrande tekens: over tijd en nog open.",
    "chart.grouped_by_week": "Veel afspraken: elk teken staat voor die van één eigenaar, week en status (de tooltip telt ze).",
    "chart.grouped_by_month": "Veel afspraken: elk teken staat voor die van één eigenaar, maand en status (de tooltip telt ze).",
    "chart.reciprocity_title": "Wederkerigheid: wie levert aan wie",
    "chart.reciprocity_subtitle": "Nagekomen afspraken, A voor B tegenover B voor A; op de diagonaal is het paar in evenwicht.",
    "chart.asymmetry_title": "Vertrouwen komt te voet en gaat te paard",
    "chart.asymmetry_subtitle": "Gemiddelde verandering in vertrouwen bij de volgende sessie, na een nagekomen of verbroken afspraak.",
    "chart.lead_lag_title": "Volgt vertrouwen de betrouwbaarheid?",
    "chart.lead_lag_subtitle": "Correlatie van vertrouwen met betrouwbaarheid enkele sessies eerder, met 95 %-interval.",
    "chart.partners_shown": "{k} van {n} partners: eerst wie een patroon heeft dat aandacht vraagt, dan de grootste verschillen.",
    "chart.periods_shown": "De laatste {k} van {n} sessies.",
    "chart.report_title": "Betrouwbaarheid en vertrouwen",
    "chart.patterns_heading": "Wat de gegevens laten zien",
    "chart.overdue_heading": "Afspraken over tijd",
    "chart.no_overdue": "Geen afspraak is over tijd.",
    "chart.no_patterns": "Nog geen patroon gevonden.",
    "chart.days_overdue": "dagen over tijd",
    "chart.due_label": "vervalt",
    "chart.generated_by": "Gemaakt met alliance_lens",
    "chart.no_data": "Nog geen gegevens",
    # pattern names (one source for the cards and the charts)
    "pattern.earned_trust": "Verdiend vertrouwen",
    "pattern.trust_lags": "Vertrouwen blijft achter",
    "pattern.blind_trust": "Blind vertrouwen",
    "pattern.distrust": "Wantrouwen",
    "pattern.trust_shock": "Vertrouwensschok",
    "pattern.not_enough_data": "Te weinig gegevens",
    # agreement statuses
    "status.open": "Open",
    "status.kept": "Nagekomen",
    "status.kept_late": "Te laat nagekomen",
    "status.renegotiated": "Heronderhandeld",
    "status.broken": "Verbroken",
    "status.dropped": "Vervallen",
    # client links (were links._MESSAGES, client_server._DUTCH, app/client.REASONS_NL)
    "link.missing": "Deze link heeft geen toegangscode. Vraag uw begeleider om een nieuwe link.",
    "link.tampered": "Deze link is niet geldig: hij is gewijzigd of niet door deze server gemaakt.",
    "link.expired": "Deze link is verlopen. Vraag uw begeleider om een nieuwe link.",
    "link.revoked": "Deze link is door de begeleider ingetrokken.",
    "link.unknown_alliance": "De alliantie van deze link staat niet meer in deze werkruimte.",
    "link.busy": "De server is op dit moment bezet. Probeer het over een minuut opnieuw.",
    "link.not_found": "Hier is niets te zien. Open de link die u van uw begeleider kreeg.",
    "link.refused_title": "Deze link kan niet worden geopend",
    "link.ask": "Vraag uw begeleider om een nieuwe link.",
    # ------------------------------------------------------------------ client links and pages (issue 9)
    "page.refused.missing": "Deze link bevat geen toegangscode.",
    "page.refused.tampered": "Deze link is niet geldig: hij is gewijzigd of niet door deze server gemaakt.",
    "page.refused.expired": "Deze link is verlopen.",
    "page.refused.revoked": "Deze link is door de begeleider ingetrokken.",
    "page.refused.unknown_alliance": "De alliantie van deze link staat niet meer in deze werkruimte.",
    "page.refused.duplicate": "Deze link bevat de toegangscode meer dan eens en kan daarom niet worden vertrouwd.",
    "page.refused.busy": "Te veel verzoeken voor deze link of vanaf dit adres. Probeer het over een minuut opnieuw.",
    "page.refused.not_found": "Hier is niets te zien. Open de link die u van uw begeleider kreeg.",
    "page.refused.unavailable": "Het dashboard kan nu niet worden getoond. Probeer het later opnieuw.",
    "page.refused.error": "Er ging iets mis op de server. Probeer het later opnieuw.",
    "page.client.title": "{name}: betrouwbaarheid en vertrouwen",
    "page.client.as_of": "Stand per {date}",
    "page.client.read_only": "Een alleen-lezen weergave voor de partners van deze alliantie.",
    "page.client.hidden_dyads": "Scores van minder respondenten dan de anonimiteitsgrens zijn verborgen.",
    "page.client.no_data": "Nog geen gegevens.",
    "page.client.noscript": (
        "De grafieken worden door uw browser getekend en hebben JavaScript nodig; "
        "de rest van de pagina is ook zonder leesbaar."
    ),
    "page.client.chart_failed": "Deze grafiek kon niet worden getekend.",
    "page.section.contrast": "Betrouwbaarheid en vertrouwen per partner",
    "page.section.alliance": "De alliantie als geheel",
    "page.section.quadrant": "Waar elke partner staat",
    "page.section.matrix": "Wie vertrouwt wie",
    "page.section.timeline": "Afspraken in de tijd",
    "page.section.patterns": "Patronen",
    "page.section.overdue": "Afspraken over tijd",
    "page.patterns.none": "Nog geen patroon gevonden.",
    "page.overdue.none": "Geen afspraak is over tijd.",
    "page.overdue.title": "Afspraak",
    "page.overdue.owner": "Eigenaar",
    "page.overdue.due_on": "Uiterlijk op",
    "page.overdue.status": "Status",
    "page.live.updated": "Bijgewerkt met de laatste invoer ({time}).",
    "page.live.offline": "De server is niet bereikbaar; deze pagina toont de laatste weergave die hij ontving.",
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
    "poll.state_open": "Open · antwoorden tot nu toe: {total}",
    "poll.state_closed": "Gesloten · antwoorden: {total}",
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
    "poll.cli_closed": "de peiling van alliantie {alliance}, bijeenkomst {session} is gesloten (antwoorden: {total})",
    "poll.cli_state_open": "open",
    "poll.cli_state_closed": "gesloten",
    "poll.cli_state_none": "geen peiling",
    "poll.cli_status": "alliantie {alliance}, bijeenkomst {session}: {state}, antwoorden: {total}",
    # ------------------------------------------------------------------ patterns (issue 11)
    "pattern.name.earned_trust": "verdiend vertrouwen",
    "pattern.name.trust_lags": "vertrouwen dat achterblijft bij de betrouwbaarheid",
    "pattern.name.blind_trust": "blind vertrouwen",
    "pattern.name.distrust": "wantrouwen",
    "pattern.name.trust_shock": "vertrouwensschok",
    "pattern.status.awaiting_outcome": "uitkomst nog niet vastgelegd",
    "pattern.cite": "{id} “{title}”",
    "pattern.more": "nog {n}",
    "pattern.span": "afspraken met einddatum en scores van {since} tot en met {until}",
    "pattern.span_from_start": "afspraken met einddatum en scores tot en met {until}",
    "pattern.window.sessions": "de laatste {k} sessies ({first}–{last}; {span})",
    "pattern.window.session": "de laatste sessie ({last}; {span})",
    "pattern.window.months": "de laatste {k} maanden ({first} tot {last}; {span})",
    "pattern.reliability": "betrouwbaarheid {value} bijgesteld ({kept} van {n} afspraken nagekomen, "
    "getrokken naar het gemiddelde van de alliantie; {level}%-interval {low}–{high}) over {window}",
    "pattern.trust": "vertrouwen {value} ({n_ratings} scores van {n_raters} partners, {n_respondents} "
    "respondenten; {level}%-interval {low}–{high})",
    "pattern.not_kept": "; niet nagekomen: {items}",
    "pattern.lags_since": "; bij {period} was het {value}",
    "pattern.goals_shared": " {name} deelde zijn eigen doelen met de alliantie op {date}.",
    "pattern.thin.agreements": "hadden maar {n} van zijn afspraken hun einddatum (minstens {need} nodig)",
    "pattern.thin.ratings": "kreeg het maar {n} vertrouwensscores (minstens {need} nodig)",
    "pattern.thin.rated_periods": "werd het in maar {n} van die perioden beoordeeld (minstens {need} nodig)",
    "pattern.state.not_enough_data": "Te weinig gegevens om {name} te beoordelen: over {window} {reasons}. Er "
    "wordt geen patroon geclaimd.",
    "pattern.state.earned_trust": "{name}: vertrouwen en betrouwbaarheid zijn allebei hoog — {reliability}, "
    "{trust}. Het vertrouwen rust hier op gedrag dat is getoond.",
    "pattern.state.trust_lags": "{name} komt zijn afspraken na — {reliability} — maar het vertrouwen blijft "
    "laag: {trust}{since}. Vertrouwen komt te voet: blijf betrouwbaar gedrag laten zien en geef vertrouwen tijd "
    "en het gesprek over gedeelde overtuigingen.",
    "pattern.state.blind_trust.low": "Het vertrouwen in {name} blijft hoog — {trust} — terwijl de "
    "betrouwbaarheid laag is: {reliability}{not_kept}. De schaduwkant van vertrouwen: stuur op de afspraken, "
    "niet op het gevoel.",
    "pattern.state.blind_trust.falling": "Het vertrouwen in {name} blijft hoog — {trust} — terwijl de "
    "betrouwbaarheid daalt (van {previous} in de periode ervoor): {reliability}{not_kept}. De schaduwkant van "
    "vertrouwen: stuur op de afspraken, niet op het gevoel.",
    "pattern.state.distrust": "Voor {name} zijn beide laag — {reliability}{not_kept}; {trust}. Begin met "
    "kleine afspraken die haalbaar zijn, en bespreek ze elke sessie.",
    "pattern.state.mixed": "{name}: geen duidelijk beeld — {reliability}, {trust}: niet allebei hoog, niet "
    "allebei laag en niet duidelijk uit elkaar.",
    "pattern.state.leaning": "{name}: nog geen duidelijk beeld — de cijfers wijzen richting {leaning}, maar hun "
    "intervallen onderbouwen dat niet: {reliability}, {trust}{not_kept}. Niet geclaimd; kijk bij de volgende "
    "sessie opnieuw.",
    "pattern.state.after_shock": "{name}: het vertrouwen is nog laag na de vertrouwensschok bij {session} "
    "({date}) — {reliability}, {trust}. Te vroeg om dit te lezen als vertrouwen dat achterblijft.",
    "pattern.cause.broken": "{id} “{title}” werd verbroken ({date})",
    "pattern.cause.overdue": "{id} “{title}” (einddatum {date}) niet werd nagekomen",
    "pattern.shock": "Bij {session} ({date}) daalde het vertrouwen in {name} scherp: de {n_raters} partners "
    "die het zowel bij {previous} als bij {session} beoordeelden, gingen van {before} naar {after} ({points} "
    "procentpunten), nadat {causes}. Vertrouwen gaat te paard.",
    "pattern.lead_lag.subtitle": "Verkennend, een aanwijzing en nooit een bewijs: correlatie van vertrouwen "
    "met betrouwbaarheid enkele sessies eerder, met {level}%-interval (verbreed voor autocorrelatie).",
    "pattern.lead_lag.low": "{level}% −",
    "pattern.lead_lag.high": "{level}% +",
    # ------------------------------------------------------------------ dashboard (issue 12)
    "dash.headline_title": "Nu, per partner (meeste zorg eerst)",
    "dash.rising": "stijgend, {points} punten",
    "dash.falling": "dalend, {points} punten",
    "dash.steady": "stabiel",
    "dash.no_state": "nog geen patroon",
    "dash.more": "Waarom — de onderbouwing",
    "dash.short_blind_trust": "{name} wordt meer vertrouwd ({trust}) dan zijn nagekomen afspraken rechtvaardigen ({reliability}).",
    "dash.short_trust_lags": "{name} komt zijn afspraken na ({reliability}), maar het vertrouwen blijft achter ({trust}).",
    "dash.short_earned_trust": "{name} is betrouwbaar ({reliability}) en wordt vertrouwd ({trust}).",
    "dash.short_distrust": "{name} is niet betrouwbaar ({reliability}) en wordt niet vertrouwd ({trust}).",
    "dash.short_trust_shock": "Het vertrouwen in {name} viel sterk terug bij de sessie van {date}.",
    "dash.short_not_enough_data": "Er zijn nog te weinig afspraken van {name} vervallen om het te beoordelen.",
    "dash.change_rating": "{n} vertrouwensscore van sessie “{session}”",
    "dash.change_ratings": "{n} vertrouwensscores van sessie “{session}”",
    "dash.change_outcome": "de uitkomst “{status}” van “{title}”",
    "dash.change_agreement_new": "de nieuwe afspraak “{title}”",
    "dash.change_agreement": "de wijziging van afspraak “{title}”",
    "dash.change_session_new": "de nieuwe sessie “{title}”",
    "dash.change_session": "de wijziging van sessie “{title}”",
    "dash.change_partner_new": "de nieuwe partner “{name}”",
    "dash.change_partner": "de wijziging van partner “{name}”",
    "dash.change_import": "de import van {n} rijen",
    "dash.change_replace": "de import die deze alliantie verving (de vorige versie komt terug)",
    "dash.change_other": "de laatste wijziging",
    "dash.undo_ask": "{what} ongedaan maken?",
    "dash.undo_yes": "Ja, ongedaan maken",
    "dash.undo_no": "Nee, laten staan",
    "dash.undo_moved": "Intussen is er iets anders gewijzigd, dus er is niets ongedaan gemaakt. Druk opnieuw op Ongedaan maken om te zien wat het zou terugdraaien.",
    "dash.counts_from_next_session": (
        "(Het is gedateerd na de laatste sessie, {date}: de grafieken tellen het mee vanaf de volgende sessie.)"
    ),
    "dash.date_today": "vandaag",
    "dash.date_of_session": "de datum van sessie {session}",
    # ------------------------------------------------------------------ files (issue 14)
    "file.too_large": "het is {size} bytes; de grens is {limit} bytes (instelling file_max_bytes)",
    "file.not_a_workbook": "{file} is niet te lezen als .xlsx-werkmap: {why}",
    "file.not_a_zip": "het is geen zip-archief (een .xlsx-werkmap is dat wel)",
    "file.too_many_parts": "het heeft {count} delen; de grens is {limit} (instelling file_max_parts)",
    "file.part_encrypted": "deel {part} is versleuteld (sla de werkmap op zonder wachtwoord)",
    "file.part_method": "deel {part} is gecomprimeerd op een manier die Excel niet gebruikt (methode {method})",
    "file.part_lies": "deel {part} bevat meer dan de {size} bytes die het opgeeft (een beschadigd of vijandig bestand)",
    "file.part_damaged": "deel {part} is beschadigd ({why})",
    "file.inflated_too_large": (
        "de delen bevatten {size} bytes ongecomprimeerd; de grens is {limit} bytes (instelling file_max_inflated)"
    ),
    "file.ratio_too_high": (
        "deel {part} is {ratio:.0f} keer gecomprimeerd; de grens is {limit:.0f} (instelling "
        "file_max_ratio): een zip-bom?"
    ),
    "file.count_too_large": "deel {part} kondigt {count} items aan; de grens is {limit} (instelling file_max_cells)",
    "file.rows_too_many": "blad {sheet} loopt tot rij {rows}; de grens is {limit} rijen (instelling file_max_rows)",
    "file.columns_too_many": (
        "blad {sheet} loopt tot kolom {column} (kolom {columns}); de grens is {limit} kolommen "
        "(instelling file_max_columns)"
    ),
    "file.cells_too_many": (
        "blad {sheet} beslaat {cells} cellen ({rows} rijen × {columns} kolommen); de grens is "
        "{limit} cellen (instelling file_max_cells)"
    ),
    "file.sheet_unreadable": "blad {sheet} is niet te lezen ({why})",
    "file.csv_rows_too_many": "heeft meer dan {limit} rijen (instelling file_max_rows)",
    "file.csv_not_utf8": "is geen UTF-8-tekst: byte {byte} op regel {line} (sla het op als 'CSV UTF-8')",
    "file.csv_unterminated_quote": (
        'een waarde tussen aanhalingstekens die op regel {line} begint, wordt nooit gesloten (er ontbreekt een ")'
    ),
    "file.csv_unreadable": "is niet te lezen als CSV: {why}",
    "file.csv_double_bom": (
        "begint twee keer met de byte-order-markering (twee keer opgeslagen als 'UTF-8 met BOM'?); "
        "gelezen alsof het één keer was"
    ),
    "file.cannot_read": "{file} is niet te lezen: {why}",
    "file.folder_missing": "kan {path} niet schrijven: de map {folder} bestaat niet",
    "file.cannot_write": "kan {path} niet schrijven: {why}",
    # ------------------------------------------------------------------ store (issue 15)
    "store.disk_full": "de werkruimte {where} kon niet worden geschreven: de schijf is vol of defect ({detail}). "
    "Er is niets veranderd; maak ruimte vrij (of vraag de beheerder van de server) en probeer het opnieuw.",
    "store.corrupt": "de werkruimte {where} is beschadigd of is geen alliance_lens-werkruimte ({detail}). "
    "alliance_lens heeft niets veranderd; zet het bestand terug uit een back-up, of open een andere werkruimte "
    "met --db.",
    "store.cannot_open": "de werkruimte {where} kan niet worden geopend ({detail}): controleer of de map bestaat "
    "en of u daar mag schrijven.",
    "store.unreachable": "de database van de werkruimte {where} is niet bereikbaar ({detail}): controleer het "
    "adres, de rol en het wachtwoord, en of de server draait.",
    "store.permission": "de databaserol van {where} mag dit niet ({detail}): docs/deploy.md noemt de rechten "
    "die elke server nodig heeft.",
    "store.conflict": "iemand anders sloeg op hetzelfde moment hetzelfde item op in {where}: laad opnieuw en "
    "probeer het nog eens.",
    "store.migrate_needed": "de werkruimte {where} heeft de oudere schemaversie {found} en deze versie gebruikt "
    "{version}: voer eenmaal `alliance-lens migrate --db URL` uit (dat kan terwijl andere servers draaien) en "
    "open haar daarna opnieuw.",
    "store.migrated": "de werkruimte {where} is bijgewerkt van schemaversie {found} naar {version}",
    "store.created": "de werkruimte {where} is aangemaakt (schemaversie {version})",
    "store.up_to_date": "de werkruimte {where} heeft schemaversie {version}: er is niets bij te werken",
    "store.secret_missing": "het linkgeheim {path} bestaat niet, dus hier kan geen link worden gecontroleerd: "
    "laat link_secret_file (ALLIANCE_LENS_LINK_SECRET_FILE) wijzen naar het bestand dat `alliance-lens share` "
    "gebruikt",
    "store.secret_unreadable": "het linkgeheim {path} kan niet worden gelezen ({detail}), dus elke link wordt "
    "geweigerd: geef de gebruiker van deze server leesrecht (modus 0600, eigendom van die gebruiker)",
    "store.secret_per_server": "de werkruimte {where} wordt gedeeld, maar het linkgeheim is het eigen bestand "
    "{path} van deze server: stel link_secret_file (ALLIANCE_LENS_LINK_SECRET_FILE) in op één bestand voor "
    "alle servers, anders worden links van hier elders geweigerd",
}
