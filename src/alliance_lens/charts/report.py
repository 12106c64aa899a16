"""The one-page report a client keeps: the contrast charts, the quadrant, the agreements, and what they mean.

:func:`build_report` gathers it (charts and text, in the alliance's language); :func:`write_report` writes it:

* ``.html`` — self-contained and offline: each chart separately (drawn as SVG by the inlined Vega), the
  patterns with their explanations, the overdue agreements, the "as of" date;
* ``.svg``, ``.png``, ``.pdf`` — one page: the same charts stacked, the text as text marks (vl-convert).

``alliance-lens report ALLIANCE --out FILE`` (``alliance_lens.cli.report``) calls :func:`write_report`.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from alliance_lens.charts import render
from alliance_lens.charts._common import as_layer, card_order
from alliance_lens.charts.detail import agreement_timeline_chart
from alliance_lens.charts.table import overdue_agreements, table_of
from alliance_lens.charts.theme import PATTERN_COLOURS, TEXT_COLOUR, check_lang, label, pattern_label
from alliance_lens.charts.trends import alliance_contrast_chart, contrast_chart, quadrant_chart
from alliance_lens.model import AllianceData, UserError

#: The report's charts, in page order (keys of :attr:`Report.charts`).
CHART_ORDER = ("contrast", "alliance_contrast", "quadrant", "timeline")
_WRAP = 120  # characters per line of text in the image formats


@dataclass(frozen=True)
class PatternNote:
    """One pattern found, for the report's text."""

    partner_name: str
    pattern: str
    pattern_name: str
    explanation: str
    period_end: str


@dataclass(frozen=True)
class OverdueNote:
    """One overdue agreement, for the report's text."""

    title: str
    owner_name: str
    due_on: str
    days_overdue: int


@dataclass
class Report:
    """A report of one alliance: its charts (Altair, to restyle if wanted) and its text, in one language."""

    alliance_id: str
    alliance_name: str
    lang: str
    as_of: str
    charts: dict[str, alt.TopLevelMixin]
    patterns: list[PatternNote] = field(default_factory=list)
    overdue: list[OverdueNote] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The report's title: what it shows, of which alliance."""
        return f"{label('report_title', self.lang)} — {self.alliance_name}"

    @property
    def as_of_line(self) -> str:
        """The line "As of 2026-08-25" in the report's language, with the size of the record if known."""
        line = f"{label('as_of', self.lang)} {self.as_of}" if self.as_of else label("no_data", self.lang)
        if self.counts:
            line += " · " + ", ".join(f"{n} {label(k, self.lang).lower()}" for k, n in self.counts.items())
        return line

    def text(self) -> str:
        """The report's text, plain: title, date, the patterns with explanations, the overdue agreements."""
        lines = [self.title, self.as_of_line, "", label("patterns_heading", self.lang)]
        lines += [f"- {p.pattern_name}: {p.explanation}" for p in self.patterns] or [label("no_patterns", self.lang)]
        lines += ["", label("overdue_heading", self.lang)]
        lines += [
            f"- {o.title} ({o.owner_name}; {label('due_label', self.lang)} {o.due_on}, "
            f"{o.days_overdue} {label('days_overdue', self.lang)})"
            for o in self.overdue
        ] or [label("no_overdue", self.lang)]
        return "\n".join(lines)

    # ------------------------------------------------------------------------------------------ html

    def html(self) -> str:
        """The report as one self-contained HTML page (every script inlined; nothing loads from elsewhere)."""
        lang = self.lang
        e = html.escape
        before = f'<header><h1>{e(self.title)}</h1><p class="as-of">{e(self.as_of_line)}</p></header>'
        patterns = (
            "".join(
                f'<p class="pattern"><span class="badge" style="background:{PATTERN_COLOURS.get(p.pattern, "#ddd")}55">'
                f"{e(p.pattern_name)}</span>{e(p.explanation)}</p>"
                for p in self.patterns
            )
            or f"<p>{e(label('no_patterns', lang))}</p>"
        )
        if self.overdue:
            rows = "".join(
                f"<tr><td>{e(o.title)}</td><td>{e(o.owner_name)}</td><td>{e(o.due_on)}</td>"
                f"<td>{o.days_overdue}</td></tr>"
                for o in self.overdue
            )
            overdue = (
                f'<table class="overdue"><thead><tr><th>{e(label("agreements", lang))}</th>'
                f"<th>{e(label('owner', lang))}</th><th>{e(label('due_on', lang))}</th>"
                f"<th>{e(label('days_overdue', lang))}</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        else:
            overdue = f"<p>{e(label('no_overdue', lang))}</p>"
        keys = [k for k in CHART_ORDER if k in self.charts]
        between = []
        for k in keys:
            if k == "alliance_contrast":
                between.append(f"<section><h2>{e(label('patterns_heading', lang))}</h2>{patterns}</section>")
            elif k == "timeline":
                between.append(f"<section><h2>{e(label('overdue_heading', lang))}</h2>{overdue}</section>")
            else:
                between.append("")
        after = f"<footer>{e(label('generated_by', lang))} · {e(self.as_of_line)}</footer>"
        return render.html_page(
            [self.charts[k] for k in keys],
            title=self.title,
            lang=lang,
            body_before=before,
            body_between=between,
            body_after=after,
        )

    # ------------------------------------------------------------------------------------------ one page

    def page(self) -> alt.VConcatChart:
        """The report as one stacked chart (for SVG, PNG and PDF): charts, with the text as text marks."""
        lang = self.lang
        pattern_lines: list[tuple[str, str]] = [("heading", label("patterns_heading", lang))]
        for p in self.patterns:
            for i, line in enumerate(textwrap.wrap(f"{p.pattern_name}: {p.explanation}", _WRAP)):
                pattern_lines.append(("body" if i == 0 else "cont", line))
        if not self.patterns:
            pattern_lines.append(("body", label("no_patterns", lang)))
        overdue_lines: list[tuple[str, str]] = [("heading", label("overdue_heading", lang))]
        for o in self.overdue:
            overdue_lines.append(
                (
                    "body",
                    f"{o.title} — {o.owner_name}; {label('due_label', lang)} {o.due_on}, "
                    f"{o.days_overdue} {label('days_overdue', lang)}",
                )
            )
        if not self.overdue:
            overdue_lines.append(("body", label("no_overdue", lang)))
        parts: list[Any] = []
        for k in CHART_ORDER:
            if k not in self.charts:
                continue
            if k == "alliance_contrast":
                parts.append(_text_block(pattern_lines))
            if k == "timeline":
                parts.append(_text_block(overdue_lines))
            parts.append(_without_table(self.charts[k]))
        page = alt.vconcat(*parts, spacing=36).properties(
            title=alt.TitleParams(self.title, subtitle=self.as_of_line, fontSize=30, subtitleFontSize=18)
        )
        # one line for the whole page: each chart's own description, in page order
        page.description = " ".join(table_of(self.charts[k])[0] for k in CHART_ORDER if k in self.charts).strip()
        # each chart keeps its own colours and legends, as when it stands alone
        resolved = page.resolve_scale(
            color="independent",
            fill="independent",
            stroke="independent",
            shape="independent",
            size="independent",
            strokeWidth="independent",
            x="independent",
            y="independent",
        ).resolve_legend(
            color="independent", fill="independent", stroke="independent", shape="independent", size="independent"
        )
        if not isinstance(resolved, alt.VConcatChart):
            raise TypeError(f"expected a VConcatChart, got {type(resolved).__name__}")
        return resolved


def _without_table(chart: Any) -> Any:
    """``chart`` without the table it keeps in ``usermeta`` (allowed only at the top of a specification)."""
    if chart._get("usermeta") is alt.Undefined:
        return chart
    out = chart.copy(deep=False)
    out.usermeta = alt.Undefined
    return out


def _text_block(lines: list[tuple[str, str]]) -> alt.LayerChart:
    """Lines of text as a chart: a heading in bold, body lines below (continuation lines indented)."""
    frame = pd.DataFrame({"row": range(len(lines)), "style": [s for s, _ in lines], "text": [t for _, t in lines]})
    frame["x"] = frame["style"].map({"heading": 0, "body": 0, "cont": 18})
    y = alt.Y("row:O", axis=None)
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, 1000]))
    base = alt.Chart(frame)
    heading = (
        base.transform_filter("datum.style === 'heading'")
        .mark_text(align="left", baseline="middle", fontSize=22, fontWeight="bold", color=TEXT_COLOUR)
        .encode(x=x, y=y, text="text:N")
    )
    body = (
        base.transform_filter("datum.style !== 'heading'")
        .mark_text(align="left", baseline="middle", fontSize=16, color=TEXT_COLOUR)
        .encode(x=x, y=y, text="text:N")
    )
    return as_layer(alt.layer(heading, body).properties(width=1000, height=alt.Step(26)))


def _patterns(metrics: Any, lang: str) -> list[PatternNote]:
    frame: pd.DataFrame = metrics.patterns
    if frame.empty:
        return []
    col = f"explanation_{lang}"
    shown = card_order(frame, metrics.trends)  # as the dashboard's cards and the client page's
    notes = []
    for _, r in shown.iterrows():
        explanation = str(r[col]) if col in shown.columns and pd.notna(r[col]) else ""
        name = str(r["partner_name"])
        if name and name not in explanation:
            explanation = f"{name}: {explanation}"
        when = pd.Timestamp(r["period_end"]).date().isoformat() if pd.notna(r["period_end"]) else ""
        notes.append(PatternNote(name, str(r["pattern"]), pattern_label(str(r["pattern"]), lang), explanation, when))
    return notes


def _overdue(metrics: Any, as_of: pd.Timestamp | None) -> list[OverdueNote]:
    status: pd.DataFrame = metrics.agreement_status
    late = overdue_agreements(status)
    notes = []
    for _, r in late.iterrows():
        due = pd.Timestamp(r["due_on"])
        if "days_overdue" in late.columns and pd.notna(r["days_overdue"]):
            days = int(r["days_overdue"])
        else:
            days = int((as_of - due).days) if as_of is not None else 0
        notes.append(OverdueNote(str(r["title"]), str(r["owner_name"]), due.date().isoformat(), days))
    return notes


def build_report(metrics: Any, data: AllianceData | None = None, lang: str | None = None) -> Report:
    """The report of the alliance ``metrics`` describe, in ``lang`` (default: the alliance's language).

    ``data`` (the alliance's record) adds the number of sessions, agreements and ratings to the "as of" line.
    """
    lang = check_lang(lang or getattr(metrics, "language", "en") or "en")
    as_of = pd.Timestamp(metrics.as_of) if getattr(metrics, "as_of", None) is not None else None
    charts: dict[str, alt.TopLevelMixin] = {
        # paper has room for every partner; the latest sessions keep the panels readable
        "contrast": contrast_chart(metrics, lang, max_partners=None),
        "alliance_contrast": alliance_contrast_chart(metrics, lang),
        "quadrant": quadrant_chart(metrics, lang),
        "timeline": agreement_timeline_chart(metrics, lang, as_of=as_of),
    }
    counts: dict[str, int] = {}
    if data is not None:
        d = data.select(metrics.alliance_id)
        counts = {"session_plural": len(d.sessions), "agreements": len(d.agreements), "n_ratings": len(d.trust_ratings)}
    return Report(
        alliance_id=str(metrics.alliance_id),
        alliance_name=str(metrics.alliance_name),
        lang=lang,
        as_of=as_of.date().isoformat() if as_of is not None else "",
        charts=charts,
        patterns=_patterns(metrics, lang),
        overdue=_overdue(metrics, as_of),
        counts=counts,
    )


def check_output(out: Path) -> str:
    """The suffix of ``out`` if a report can be written there; a :class:`UserError` saying why not otherwise."""
    suffix = render.check_suffix(out)
    if not out.parent.is_dir():
        raise UserError(f"cannot write {str(out)!r}: the folder {str(out.parent)!r} does not exist")
    return suffix


def write_report(metrics: Any, out: str | Path, data: AllianceData | None = None, lang: str | None = None) -> Path:
    """Write the report to ``out``: ``.html``, ``.svg``, ``.png`` or ``.pdf`` by its suffix (all or nothing)."""
    out = Path(out)
    suffix = check_output(out)
    report = build_report(metrics, data, lang)
    content: str | bytes
    if suffix == ".html":
        content = report.html()
    elif suffix == ".svg":
        content = render.to_svg(report.page())
    elif suffix == ".png":
        content = render.to_png(report.page(), scale=1.5)  # a long page: sharp enough, a few MB
    else:
        content = render.to_pdf(report.page())
    render.write_atomically(out, content)
    return out
