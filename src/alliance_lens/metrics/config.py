"""Every threshold and default of the metrics, in one place (documented for facilitators in docs/metrics.md).

Each setting is declared once with its help text (``field(metadata={"help": ...})``); the class docstring is
built from those texts, so ``help(MetricsConfig)`` lists every setting with its default and meaning.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Literal

PeriodKind = Literal["session", "month"]
TrendView = Literal["period", "rolling", "ewm"]


def _s(default: Any, help: str) -> Any:
    """A setting: its default and its help text (shown by ``help(MetricsConfig)``)."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class MetricsConfig:
    """The choices behind every figure. Defaults are those ``docs/metrics.md`` explains and defends."""

    # -- periods and trend views
    period: PeriodKind = field(
        default="session",
        metadata={
            "help": "'session': each session closes a period (previous session date, this date]; 'month': months."
        },
    )
    view: TrendView = field(
        default="rolling",
        metadata={"help": "Which reliability view the 'reliability' column (and the dashboard) shows."},
    )
    rolling_window: int = _s(3, "Periods in the rolling window: the agreements due in the last this many periods.")
    half_life: float = _s(
        2.0,
        "Half-life, in periods, of the exponentially weighted view: an agreement due this many periods ago "
        "counts half as much as one due in the latest period.",
    )
    ewm_horizon_half_lives: float = _s(
        5.0, "Agreements older than this many half-lives are left out of the weighted view (weight below 1/32)."
    )

    # -- scoring of outcomes
    score_kept: float = _s(1.0, "What a kept agreement counts for.")
    score_kept_late: float = _s(0.5, "What an agreement kept after its due date counts for.")
    score_renegotiated_in_time: float = _s(0.75, "Renegotiated on or before the due date: the partner warned in time.")
    score_renegotiated_late: float = _s(0.25, "Renegotiated after the due date had passed.")
    score_broken: float = _s(0.0, "What a broken agreement counts for.")
    score_open_overdue: float = _s(
        0.0, "What an agreement with no outcome counts for once it is overdue (after its awaiting period)."
    )
    await_outcome: bool = _s(
        True,
        "An agreement that fell due in a period and has no outcome at its end is 'awaiting outcome' there: it "
        "is left out of that period and counts as overdue only from the next period (session) on, so adding "
        "today's session does not turn every agreement due since the last one into a broken one.",
    )

    # -- small samples
    prior_strength: float = _s(
        4.0, "How many agreements' worth of weight the alliance-wide rate gets when mixed into a partner's rate."
    )
    credible_level: float = _s(
        0.9, "Level of the credible interval of reliability and the confidence interval of trust (and lead–lag)."
    )

    # -- trust
    anonymity_floor: int = _s(
        3, "A rater → ratee pair rated by fewer respondents than this is marked 'below_floor' (client views hide it)."
    )

    # -- states at the latest session
    state_window: int = _s(
        4,
        "The states are judged on the last this many periods, not on one thin period: the trust ratings of the "
        "last this many sessions and, with 'await_outcome', the agreements due in this many periods before the "
        "latest one (each has had a session to get its outcome recorded).",
    )
    min_agreements: int = _s(
        5, "At least this many agreements must have fallen due in the state's agreement window (the evidence window)."
    )
    evidence_agreements: int = _s(
        15,
        "The evidence window of reliability: where the state's agreement window holds fewer than this many "
        "agreements, it reaches back one period at a time until it holds this many (0: never) ...",
    )
    evidence_max_periods: int = _s(
        8,
        "... but over at most this many periods, and not at all where the record changed (see "
        "'evidence_change_alpha'). The trust window stays 'state_window'.",
    )
    evidence_change_alpha: float = _s(
        1.0,
        "... 'the record changed': the estimates of the two windows compared for 'falling' apart by "
        "'falling_drop' or more; below 1, also their records (kept share) apart beyond chance, by a two-sided "
        "two-proportion test at this level (1: the point difference alone). A test finds more steady stories "
        "but is slower to see a change of behaviour: docs/metrics.md, bench/sim_changes.py.",
    )
    second_look_agreements: int = _s(
        25,
        "A second look at reliability, where the state's agreement window claims no state: the window reaching "
        "back to this many agreements (over at most 'evidence_max_periods', stopped where the records differ at "
        "'second_look_alpha'); its state is claimed where it is on evidence and the first look's estimates do "
        "not point elsewhere (0: no second look). docs/metrics.md, 'the second look'.",
    )
    second_look_alpha: float = _s(
        0.01, "... the second look stops where the two fixed windows' records differ by a two-sided test at this level."
    )
    second_look_guard: float = _s(
        0.15,
        "... and its state is not claimed where the first look's two fixed windows moved the other way by this "
        "much or more (a low state after a rise, a high one after a fall; 1: no guard). docs/metrics.md, "
        "'the second look'.",
    )
    second_look_guard_alpha: float = _s(
        1.0,
        "... and only where that move is also beyond chance: a one-sided two-proportion test of the two fixed "
        "windows' records at this level (1: the move in points alone). A chance rise of a thin record then "
        "does not hide a low one, while a real change still does.",
    )
    recent_periods: int = _s(
        2,
        "The partner's newest settled periods, read on their own (their kept share, not shrunk): no state is "
        "claimed where that record is strictly past the other line — above 'reliability_high' for a low state, "
        "below 'reliability_low' for a high one (its record may have turned: no clear state, said so); and a "
        "second look held back by its guard goes ahead where it is still strictly on the state's side of its "
        "line. 0: not read (the rules before 2026-12-04). docs/metrics.md, 'the newest record'.",
    )
    recent_min_agreements: int = _s(
        3,
        "... read only where they hold at least this many agreements: one or two kept (or broken) agreements do "
        "not overturn the window's record.",
    )
    min_ratings: int = _s(6, "At least this many ratings must have been received in the state window ...")
    min_rated_periods: int = _s(2, "... spread over at least this many periods.")
    reliability_high: float = _s(0.70, "Reliability at or above this is high (if its interval stays above 'low').")
    reliability_low: float = _s(0.50, "Reliability at or below this is low (if its interval stays below 'high').")
    trust_high: float = _s(0.65, "Trust at or above this is high (if its interval stays above 'low').")
    trust_low: float = _s(0.45, "Trust at or below this is low (if its interval stays below 'high').")
    falling_drop: float = _s(
        0.15,
        "Reliability 'falling' (for blind_trust): its estimate at least this much lower than in the window "
        "before, and the fall beyond doubt ...",
    )
    falling_alpha: float = _s(
        0.01,
        "... 'beyond doubt': a one-sided two-proportion test of the two windows' records (kept share before "
        "against now) at this level.",
    )
    after_shock_periods: int = _s(
        3, "For this many periods after a trust shock, low trust is its aftermath: no 'trust lags' is claimed."
    )

    # -- trust shock
    shock_drop: float = _s(
        0.20,
        "A trust shock: the raters who rated the partner at both sessions lowered their trust by at least this "
        "much on average (0–1 scale) ...",
    )
    shock_min_raters: int = _s(
        2,
        "... with at least this many rating partners present at both sessions (the spread of their changes is "
        "pooled over the partner's other pairs of sessions, so two suffice once it has a history) ...",
    )
    shock_alpha: float = _s(
        0.01,
        "... and a drop this unlikely (one-sided p-value of the paired t-test over those raters) if trust "
        "had not changed.",
    )
    shock_min_respondents: int = _s(
        3,
        "... and at least this many respondents at the session, and behind the trust before it (its sessions "
        "together).",
    )
    shock_baseline_sessions: int = _s(
        2,
        "The trust before a shock: each rater's average over the partner's last this many rated sessions (those "
        "it rated at), so one unusually warm session is not read as the start of a fall (1: the last one only).",
    )

    # -- lead–lag
    max_lag: int = _s(3, "Lead–lag: correlations of reliability with trust 0 … this many sessions later.")

    def __post_init__(self) -> None:
        from alliance_lens.model import Problem, ValidationError

        problems: list[Problem] = []

        def bad(name: str, value: object, reason: str) -> None:
            problems.append(Problem("metrics config", None, name, value, reason))

        # A setting that is no number at all is named, not met with float()'s ValueError in the checks below;
        # a number is kept as its field's type ("0.2" or 2.0 as typed or read from a file), and a count must be a
        # whole number: 2.5 sessions would otherwise pass here and fail as a TypeError deep in compute().
        for f in fields(self):
            if isinstance(f.default, (int, float)) and not isinstance(f.default, bool):
                value = getattr(self, f.name)
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    bad(f.name, value, f"{f.name} must be a number")
                    continue
                if isinstance(f.default, int) and not number.is_integer():
                    bad(f.name, value, f"{f.name} must be a whole number")
                    continue
                object.__setattr__(self, f.name, int(number) if isinstance(f.default, int) else number)
        if problems:
            raise ValidationError(problems)
        if self.period not in ("session", "month"):
            bad("period", self.period, "period must be 'session' or 'month'")
        if self.view not in ("period", "rolling", "ewm"):
            bad("view", self.view, "view must be 'period', 'rolling' or 'ewm'")
        for name in (
            "rolling_window",
            "state_window",
            "min_rated_periods",
            "shock_min_raters",
            "shock_baseline_sessions",
            "recent_min_agreements",
        ):
            if int(getattr(self, name)) < 1:
                bad(name, getattr(self, name), f"{name} must be at least 1")
        for name in ("half_life", "ewm_horizon_half_lives", "prior_strength"):
            if not float(getattr(self, name)) > 0:
                bad(name, getattr(self, name), f"{name} must be above 0")
        for name in (
            "score_kept",
            "score_kept_late",
            "score_renegotiated_in_time",
            "score_renegotiated_late",
            "score_broken",
            "score_open_overdue",
            "reliability_high",
            "reliability_low",
            "trust_high",
            "trust_low",
            "falling_drop",
            "shock_drop",
            "second_look_guard",
        ):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                bad(name, getattr(self, name), f"{name} must lie between 0 and 1")
        for name in ("credible_level", "shock_alpha", "falling_alpha"):
            if not 0.0 < float(getattr(self, name)) < 1.0:
                bad(name, getattr(self, name), f"{name} must lie strictly between 0 and 1")
        for name in ("evidence_change_alpha", "second_look_alpha", "second_look_guard_alpha"):
            if not 0.0 < float(getattr(self, name)) <= 1.0:
                bad(name, getattr(self, name), f"{name} must lie above 0 and at most 1 (1: no test)")
        if self.reliability_low > self.reliability_high:
            bad("reliability_low", self.reliability_low, "reliability_low must not exceed reliability_high")
        if self.trust_low > self.trust_high:
            bad("trust_low", self.trust_low, "trust_low must not exceed trust_high")
        counts = ("max_lag", "after_shock_periods", "evidence_agreements", "evidence_max_periods")
        for name in (*counts, "second_look_agreements", "recent_periods"):
            if int(getattr(self, name)) < 0:
                bad(name, getattr(self, name), f"{name} must not be negative")
        if problems:
            raise ValidationError(problems)


def settings_help() -> str:
    """Every setting of :class:`MetricsConfig` as ``name = default`` and its help, one paragraph each."""
    lines = []
    for f in fields(MetricsConfig):
        default = "" if f.default is MISSING else f" = {f.default!r}"
        lines.append(f"{f.name}{default}\n    {f.metadata.get('help', '')}")
    return "\n".join(lines)


MetricsConfig.__doc__ = (
    f"{MetricsConfig.__doc__}\n\nSettings (every one a keyword argument; ``docs/metrics.md`` explains them):\n\n"
    + settings_help()
)
