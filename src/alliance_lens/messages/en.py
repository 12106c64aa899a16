"""Every message in English; :mod:`alliance_lens.messages` for how keys are named and filled."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # ------------------------------------------------------------------ common
    "common.app_title": "Alliance lens",
    # ------------------------------------------------------------------ problems (issue 13)
    # ------------------------------------------------------------------ client links and pages (issue 9)
    # ------------------------------------------------------------------ live poll (issue 10)
    # the phone's page
    "poll.page_title": "Trust poll · {alliance}",
    "poll.heading": "How much does your organisation trust each partner?",
    "poll.session": "Session: {session}",
    "poll.rater_label": "I speak for",
    "poll.rater_choose": "Choose your organisation",
    "poll.scale_hint": "{lo} = very little trust, {hi} = full trust. Leave a partner on “skip” if you do not know.",
    "poll.skip": "skip",
    "poll.score_label": "Trust in {partner}",
    "poll.comment_label": "A comment (optional)",
    "poll.submit": "Send my answer",
    "poll.anonymous_note": (
        "Anonymous: the room sees how many answered, and a pair's average only from {floor} answers on. No "
        "names are kept."
    ),
    "poll.stored_title": "Thank you",
    "poll.stored": "Your answer is stored.",
    "poll.stored_replaced": "Your new answer replaces your earlier one.",
    "poll.change_answer": "Change my answer",
    "poll.fix_heading": "Your answer was not stored:",
    "poll.refused_title": "Not accepted",
    "poll.problem.no_rater": "Choose the organisation you speak for.",
    "poll.problem.unknown_rater": "The organisation you chose is not a partner of this alliance.",
    "poll.problem.unknown_ratee": "You rated an organisation that is not a partner of this alliance.",
    "poll.problem.self_rating": "Your organisation ({partner}) does not rate itself: leave it out.",
    "poll.problem.not_a_number": "The trust in {partner} is not a number: give a number from {lo} to {hi}.",
    "poll.problem.outside_scale": "The trust in {partner} is outside the scale: give a number from {lo} to {hi}.",
    "poll.problem.comment_too_long": "The comment is longer than {n} characters: shorten it.",
    "poll.problem.no_scores": "Rate at least one partner.",
    "poll.problem.repeated_field": "The form was sent with a field twice: send it again from this page.",
    "poll.refused.missing": "This poll link has no access code. Scan the code on the screen again.",
    "poll.refused.tampered": "This poll link is not valid: it was altered or was not made by this server.",
    "poll.refused.expired": "This poll has expired. Ask the facilitator to open it again.",
    "poll.refused.closed": "This poll is closed: it takes no more answers. Thank you.",
    "poll.refused.form": "This form is out of date or was not sent from this page. Open the link again and answer.",
    "poll.refused.too_large": "The answer is too long to be accepted (at most {n} bytes).",
    "poll.refused.flood": "Too many answers from this network in a short time. Wait {seconds} seconds and try again.",
    "poll.refused.not_found": "There is nothing here. Scan the code on the screen again.",
    "poll.refused.method": "This address only takes the poll's form.",
    "poll.refused.busy": "The server could not store your answer just now. Please send it again.",
    # the facilitator's panel
    "poll.panel_title": "Live trust poll",
    "poll.open_button": "Open the poll of this session",
    "poll.close_button": "Close the poll",
    "poll.scan": "Scan the code, or go to",
    "poll.state_none": "No poll for this session yet.",
    "poll.state_open": "Open: {total} answers so far.",
    "poll.state_closed": "Closed: {total} answers.",
    "poll.answers_title": "Answers per organisation",
    "poll.grid_title": "Trust in the room: average per pair",
    "poll.not_enough": "not enough answers yet",
    "poll.rater_ratee": "rater ↓ · rated →",
    "poll.opened": "The poll of session {session} is open: participants scan the code.",
    "poll.closed": "The poll of session {session} is closed.",
    "poll.no_session": "Add a session first: a poll belongs to one session.",
    "poll.action": "the live poll",
    # the command line
    "poll.cli_opened": (
        "poll {code} of alliance {alliance}, session {session} is open until {until} UTC; readable address: {short}"
    ),
    "poll.cli_closed": "the poll of alliance {alliance}, session {session} is closed ({total} answers)",
    "poll.cli_state_open": "open",
    "poll.cli_state_closed": "closed",
    "poll.cli_state_none": "no poll",
    "poll.cli_status": "alliance {alliance}, session {session}: {state}, {total} answers",
    # ------------------------------------------------------------------ patterns (issue 11)
    # ------------------------------------------------------------------ dashboard (issue 12)
    # ------------------------------------------------------------------ files (issue 14)
    # ------------------------------------------------------------------ store (issue 15)
}
