"""Every threshold and default of the metrics, in one place (documented for facilitators in docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["session", "month"]
TrendView = Literal["period", "rolling", "ewm"]


@dataclass(frozen=True)
class MetricsConfig:
    """The choices behind every figure. Defaults are those ``docs/metrics.md`` explains and defends.

    Scores of outcomes (what an agreement counts for, as it was known at the end of a period):
    ``kept`` counts 1; an agreement with no outcome yet whose due date has passed counts 0 until it is resolved;
    ``broken`` counts 0; ``dropped`` (by mutual consent) is left out altogether.
    """

    # -- periods and trend views
    period: PeriodKind = "session"
    """``session``: each session closes a period (previous session date, this date]; ``month``: calendar months."""
    view: TrendView = "rolling"
    """Which reliability view the ``reliability`` column (and the dashboard) shows."""
    rolling_window: int = 3
    """Periods in the rolling window: the agreements that fell due in the last this many periods."""
    half_life: float = 2.0
    """Half-life, in periods, of the exponentially weighted view: an agreement that fell due this many periods
    ago counts half as much as one that fell due in the latest period."""
    ewm_horizon_half_lives: float = 5.0
    """Agreements older than this many half-lives are left out of the weighted view (weight below 1/32)."""

    # -- scoring of outcomes
    score_kept: float = 1.0
    score_kept_late: float = 0.5
    score_renegotiated_in_time: float = 0.75
    """Renegotiated on or before the due date: the partner warned in time."""
    score_renegotiated_late: float = 0.25
    """Renegotiated after the due date had passed."""
    score_broken: float = 0.0
    score_open_overdue: float = 0.0

    # -- small samples
    prior_strength: float = 4.0
    """How many agreements' worth of weight the alliance-wide rate gets when it is mixed into a partner's rate."""
    credible_level: float = 0.9
    """Width of the credible interval of reliability and the confidence interval of trust."""

    # -- trust
    anonymity_floor: int = 3
    """A rater → ratee pair rated by fewer respondents than this is marked ``below_floor`` (client views hide it)."""

    # -- states at the latest session
    state_window: int = 3
    """The states are judged on the last this many periods, not on one thin period."""
    min_agreements: int = 5
    """At least this many agreements must have fallen due in the state window."""
    min_ratings: int = 6
    """At least this many ratings must have been received in the state window ..."""
    min_rated_periods: int = 2
    """... spread over at least this many periods."""
    reliability_high: float = 0.70
    reliability_low: float = 0.50
    trust_high: float = 0.65
    trust_low: float = 0.45
    falling_drop: float = 0.15
    """Reliability "falling": at least this much lower than in the window before (for ``blind_trust``)."""

    # -- trust shock
    shock_drop: float = 0.20
    """A trust shock: trust received falls by at least this much (on the 0–1 scale) from one period to the next ..."""
    shock_min_respondents: int = 3
    """... with at least this many respondents in both periods ..."""

    # -- lead–lag
    max_lag: int = 3

    def __post_init__(self) -> None:
        from alliance_lens.model import Problem, ValidationError

        problems: list[Problem] = []

        def bad(name: str, value: object, reason: str) -> None:
            problems.append(Problem("metrics config", None, name, value, reason))

        if self.period not in ("session", "month"):
            bad("period", self.period, "period must be 'session' or 'month'")
        if self.view not in ("period", "rolling", "ewm"):
            bad("view", self.view, "view must be 'period', 'rolling' or 'ewm'")
        for name in ("rolling_window", "state_window", "min_rated_periods"):
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
        ):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                bad(name, getattr(self, name), f"{name} must lie between 0 and 1")
        if not 0.0 < self.credible_level < 1.0:
            bad("credible_level", self.credible_level, "credible_level must lie strictly between 0 and 1")
        if self.reliability_low > self.reliability_high:
            bad("reliability_low", self.reliability_low, "reliability_low must not exceed reliability_high")
        if self.trust_low > self.trust_high:
            bad("trust_low", self.trust_low, "trust_low must not exceed trust_high")
        if self.max_lag < 0:
            bad("max_lag", self.max_lag, "max_lag must not be negative")
        if problems:
            raise ValidationError(problems)
