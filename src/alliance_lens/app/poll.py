"""The facilitator's live poll panel: open/close, the link as a QR code, answers and the trust grid as they arrive.

Shown in the trust-ratings tab, for the session chosen there. What it shows the room is only what
:func:`alliance_lens.store.polls.poll_results` gives: answers counted per rater organisation and, per pair, an
average only from the anonymity floor on — below it the cell says "not enough answers yet". No individual
answer is ever on the screen: no message, tooltip, undo text or chart names a score or a comment.

Live without re-reading the alliance: :class:`PollWatch` checks one indexed key (the alliance's revision and
the session's poll) every ``poll_refresh`` seconds and reads the session's poll rows only when it moved.
"""

from __future__ import annotations

import asyncio
import html
import logging
import socket
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from alliance_lens.app.state import DashboardState
from alliance_lens.config import settings
from alliance_lens.messages import tr
from alliance_lens.store import polls

log = logging.getLogger("alliance_lens.app")


def lan_address() -> str:
    """The machine's address on the local network (the one phones in the room reach), else 127.0.0.1.

    A UDP socket "connected" to a private address picks the outgoing interface; no packet is sent.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.connect(("10.255.255.255", 1))
        return str(sock.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        sock.close()


def base_url() -> str:
    """Where phones reach the client server: the ``poll_base_url`` setting, else this machine on ``client_port``."""
    config = settings()
    return config.poll_base_url or f"http://{lan_address()}:{config.client_port}/"


def qr_svg(url: str) -> str:
    """``url`` as a QR code, inline SVG sized by its container (made here by segno: no image service)."""
    import segno

    svg: str = segno.make(url, error="m").svg_inline(omitsize=True, border=2, dark="#000", light="#fff")
    return svg.replace("<svg ", '<svg role="img" aria-hidden="true" ', 1)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def render_counts(results: polls.PollResults, lang: str) -> str:
    """Answers per rater organisation: a small table (counts only)."""
    rows = "".join(
        f'<tr data-rater="{html.escape(pid)}"><th scope="row">{html.escape(name)}</th>'
        f'<td class="al-poll-n">{results.answers.get(pid, 0)}</td></tr>'
        for pid, name in results.partners
    )
    return (
        f'<table class="al-poll-counts"><caption>{html.escape(tr("poll.answers_title", lang))}</caption>'
        f"<tbody>{rows}</tbody></table>"
    )


def render_grid(results: polls.PollResults, lang: str) -> str:
    """Rater × rated: the average of a pair from the floor on, "not enough answers yet" below it; no tooltips."""
    names = results.partners
    lo, hi = results.trust_min, results.trust_max
    head = "".join(f'<th scope="col">{html.escape(name)}</th>' for _, name in names)
    body = []
    for rater, rater_name in names:
        cells = []
        for ratee, _ in names:
            if rater == ratee:
                cells.append('<td class="al-poll-self">—</td>')
                continue
            pair = results.pairs.get((rater, ratee))
            key = f'data-pair="{html.escape(rater)}→{html.escape(ratee)}"'
            if pair is None or pair.mean is None:
                text = html.escape(tr("poll.not_enough", lang))
                cells.append(f'<td class="al-poll-thin" {key}>{text}</td>')
                continue
            share = 0.0 if hi == lo else (pair.mean - lo) / (hi - lo)
            # light to dark blue with the average; the number is always written, so colour is never the only cue
            shade = int(235 - 150 * share)
            ink = "#fff" if share > 0.55 else "#111"
            style = f"background:rgb({shade},{shade + 10},255);color:{ink}"
            cells.append(f'<td class="al-poll-mean" {key} style="{style}">{_fmt(pair.mean)}</td>')
        body.append(f'<tr><th scope="row">{html.escape(rater_name)}</th>{"".join(cells)}</tr>')
    corner = html.escape(tr("poll.rater_ratee", lang))
    return (
        f'<table class="al-poll-grid"><caption>{html.escape(tr("poll.grid_title", lang))}</caption>'
        f'<thead><tr><th scope="col">{corner}</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def state_line(results: polls.PollResults, lang: str) -> str:
    """One sentence: no poll, open with n answers, or closed with n answers."""
    if results.poll is None:
        return tr("poll.state_none", lang)
    key = "poll.state_open" if results.poll.is_open() else "poll.state_closed"
    return tr(key, lang, total=results.total)


@dataclass
class PollWatch:
    """The panel's state without widgets: which session, its latest results, and a cheap check for change."""

    workspace: Any
    alliance_id: str
    session_id: str
    floor: int
    results: polls.PollResults | None = None
    _key: tuple[Any, ...] | None = None

    def key(self) -> tuple[Any, ...]:
        """What changes when an answer arrives or the poll opens/closes: one read of two indexed rows."""
        revision, poll = polls.change_key(self.workspace, self.alliance_id, self.session_id)
        # the expiry passes without any write: whether it has passed is part of the key
        return (revision, poll, poll is not None and poll[1] is None and polls.utcnow() < poll[2])

    def check(self) -> bool:
        """Re-read the results if something changed since the last check; ``True`` if they were re-read."""
        key = self.key()
        if key == self._key and self.results is not None:
            return False
        self.results = polls.poll_results(self.workspace, self.alliance_id, self.session_id, floor=self.floor)
        self._key = key
        return True


class PollPanel:
    """The live poll of the session chosen in the trust-ratings tab: buttons, QR, address, counts, grid."""

    def __init__(self, state: DashboardState, session: widgets.Dropdown) -> None:
        from alliance_lens.metrics.config import MetricsConfig

        self.state = state
        self.session = session
        self.floor = MetricsConfig().anonymity_floor
        self.watch: PollWatch | None = None
        self._handle: asyncio.TimerHandle | None = None
        self.title = widgets.HTML("").add_class("al-poll-title")
        wide = widgets.Layout(width="auto")  # the whole label, in both languages
        self.open_button = widgets.Button(button_style="primary", layout=wide).add_class("al-poll-open")
        self.close_button = widgets.Button(button_style="warning", layout=wide).add_class("al-poll-close")
        self.status = widgets.HTML("").add_class("al-poll-state")
        self.link = widgets.HTML("").add_class("al-poll-link")
        self.counts = widgets.HTML("").add_class("al-poll-counts-box")
        self.grid = widgets.HTML("").add_class("al-poll-grid-box")
        # the same poll for the projector (the dashboard places it above the charts, shown in presentation mode):
        # the QR code, the short address and the answers per organisation; never an average or a score
        self.projector = widgets.HTML("").add_class("al-poll-projector")
        self.open_button.on_click(lambda _b: self.guard(self.open))
        self.close_button.on_click(lambda _b: self.guard(self.close))
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<style>{CSS}</style>"),
                self.title,
                widgets.HBox([self.open_button, self.close_button]),
                self.status,
                widgets.HBox([self.link, widgets.VBox([self.counts, self.grid])]).add_class("al-poll-body"),
            ]
        ).add_class("al-poll")
        session.observe(lambda _c: self.guard(self.follow), names="value")
        state.observe(lambda _c: self.guard(self.follow), names=["alliance_id", "language"])
        self.follow()

    @property
    def lang(self) -> str:
        """The dashboard's language."""
        return str(self.state.language)

    def guard(self, fn: Any) -> None:
        """Run a callback; a failure is one sentence in the panel, never a traceback."""
        try:
            fn()
        except Exception as exc:
            from alliance_lens.app.state import one_sentence
            from alliance_lens.model import UserError

            if not isinstance(exc, UserError):
                log.exception("poll panel")
            text = one_sentence(exc, self.lang) if isinstance(exc, UserError) else tr("poll.action", self.lang)
            self.status.value = f'<span class="al-error">{html.escape(text)}</span>'

    # -- actions

    def follow(self) -> None:
        """Show the poll of the session now chosen (and keep watching it)."""
        aid, sid = self.state.alliance_id, self.session.value
        with self.widget.hold_sync():
            self.title.value = f"<h3>{html.escape(tr('poll.panel_title', self.lang))}</h3>"
            self.open_button.description = tr("poll.open_button", self.lang)
            self.close_button.description = tr("poll.close_button", self.lang)
        if not aid or not sid:
            self.watch = None
            self.status.value = html.escape(tr("poll.no_session", self.lang))
            self.projector.value = ""
            self.projector.remove_class("al-poll-live")
            self.open_button.disabled = self.close_button.disabled = True
            return
        if self.watch is None or (self.watch.alliance_id, self.watch.session_id) != (aid, sid):
            self.watch = PollWatch(self.state.workspace, aid, str(sid), self.floor)
        self.watch._key = None
        self.refresh()
        self.start()

    def open(self) -> None:
        """Open the session's poll (or show the one open) and show its link."""
        if self.watch is None:
            return
        polls.open_poll(
            self.state.workspace,
            self.watch.alliance_id,
            self.watch.session_id,
            base_url=base_url(),
            lifetime=_hours(settings().poll_hours),
        )
        self.watch._key = None
        self.refresh()

    def close(self) -> None:
        """Close the session's poll: its link takes no more answers."""
        if self.watch is None:
            return
        polls.close_poll(self.state.workspace, self.watch.alliance_id, self.watch.session_id)
        self.watch._key = None
        self.refresh()

    # -- drawing

    def refresh(self) -> bool:
        """Re-read and redraw if anything changed; ``True`` if redrawn."""
        if self.watch is None or not self.watch.check():
            return False
        results = self.watch.results
        assert results is not None
        lang = self.lang
        is_open = results.poll is not None and results.poll.is_open()
        link_html = qr = where = ""
        if is_open and results.poll is not None:
            link = polls.link_of(self.state.workspace, results.poll, base_url())
            short = html.escape(link.short_url)
            qr = f'<div class="al-poll-qr">{qr_svg(link.url)}</div>'
            where = (
                f'<p class="al-poll-scan">{html.escape(tr("poll.scan", lang))}</p>'
                f'<p class="al-poll-short"><a href="{short}" target="_blank" rel="noopener">{short}</a></p>'
            )
            link_html = qr + where
        projector = (
            f'<section class="al-poll-projector-body" aria-label="{html.escape(tr("poll.panel_title", lang))}">'
            f'{qr}<div class="al-poll-where">{where}<p class="al-poll-state">'
            f"{html.escape(state_line(results, lang))}</p></div>{render_counts(results, lang)}</section>"
            if is_open
            else ""
        )
        with self.widget.hold_sync():
            self.status.value = html.escape(state_line(results, lang))
            self.link.value = link_html
            self.projector.value = projector
            if is_open:
                self.projector.add_class("al-poll-live")
            else:
                self.projector.remove_class("al-poll-live")
            self.counts.value = render_counts(results, lang) if results.poll is not None else ""
            self.grid.value = render_grid(results, lang) if results.poll is not None else ""
            self.open_button.disabled = is_open or self.state.read_only
            self.close_button.disabled = not is_open or self.state.read_only
        return True

    def start(self) -> bool:
        """Check for new answers every ``poll_refresh`` seconds on the kernel's loop; ``False`` without a loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        interval = max(0.1, float(settings().poll_refresh))

        def tick() -> None:
            self.guard(self.refresh)
            results = self.watch.results if self.watch is not None else None
            live = results is not None and results.poll is not None and results.poll.is_open()
            # an open poll is watched closely; otherwise a slow look notices a poll opened from the command line
            self._handle = loop.call_later(interval if live else interval * 6, tick)

        self.stop()
        self._handle = loop.call_later(interval, tick)
        return True

    def stop(self) -> None:
        """Stop watching."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def _hours(n: int) -> Any:
    import datetime as dt

    return dt.timedelta(hours=n)


#: The panel's look; the dashboard adds it once (a projector reads the QR code and the address from afar).
CSS = """
.al-poll { border-top: 2px solid #ccc; margin-top: 1em; padding-top: 0.5em; }
.al-poll-body { gap: 2em; align-items: flex-start; flex-wrap: wrap; }
.al-poll-qr svg { width: 22em; height: 22em; max-width: 80vw; max-height: 80vw; }
.al-poll-scan { font-size: 1.2em; margin: 0.3em 0 0; }
.al-poll-short { font-size: 1.9em; font-weight: 700; margin: 0.1em 0 0.5em; word-break: break-all; }
.al-poll-state { font-size: 1.3em; margin: 0.4em 0; }
.al-poll-counts, .al-poll-grid { border-collapse: collapse; font-size: 1.15em; margin-bottom: 1em; }
.al-poll-counts caption, .al-poll-grid caption { text-align: left; font-weight: 700; padding-bottom: 0.3em; }
.al-poll-counts th, .al-poll-counts td, .al-poll-grid th, .al-poll-grid td { border: 1px solid #bbb;
  padding: 0.35em 0.6em; text-align: center; }
.al-poll-counts th, .al-poll-grid tbody th { text-align: left; }
.al-poll-n { font-weight: 700; min-width: 3em; }
.al-poll-thin { color: #555; font-size: 0.8em; font-style: italic; max-width: 8em; line-height: 1.2; }
.al-poll-mean { font-weight: 700; font-size: 1.2em; }
.al-poll-projector-body { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
"""
